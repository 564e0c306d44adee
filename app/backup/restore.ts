/**
 * Restores an archive of `makeBackup` onto a stopped or fresh installation.
 *
 * Everything that can fail is done before the installation is touched: the
 * archive is unpacked and checked against its manifest, its config must load,
 * no Merezha may run on it, and the database is restored into a new managed
 * influxd folder beside the real one and checked there. Only then are the
 * parts swapped in by renames, undone in reverse if one of them fails. What
 * was replaced (the config, the influxd folder, the server's data folder) is
 * kept beside it with a `.before-restore-…` suffix until the operator deletes it.
 */
import type { Stats } from 'node:fs';
import { chmod, chown, copyFile, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Logger } from '../../common/log.ts';
import { ConfigError, loadConfig } from '../../config/load.ts';
import type { Config } from '../../config/schema.ts';
import { giveToFolderOwner, writePrivateFile } from '../../server/auth/private-file.ts';
import { accountFiles } from '../../server/auth/users.ts';
import { timeStamp } from '../../server/backups.ts';
import { connectionTo, errorMessage } from '../../storage/influx-client.ts';
import { hasShards, restoreDatabase, rpcAddressOf } from '../../storage/influx-backup.ts';
import { databaseExists, ident, influxQuery } from '../../storage/influx-query.ts';
import { folderOwner, startManagedInfluxd } from '../../storage/managed-influxd.ts';
import { LOOPBACK } from '../../storage/ports.ts';
import { ArchiveError, unpackArchive, type Manifest } from './archive.ts';
import { CONFIG_MEMBER, INFLUX_DIR, SERVER_DIR, serverFilesOf } from './layout.ts';

export interface RestoreOptions {
  archive: string;
  /** The installation's config file, which the archive's config replaces. */
  configFile: string;
  /** Why the restored installation cannot be written now (a Merezha runs on it), or undefined. */
  busy(config: Config): Promise<string | undefined>;
  log: Logger;
  now?: () => number;
}

export interface RestoreResult {
  manifest: Manifest;
  config: Config;
  tookMs: number;
  /** What the restore replaced, kept under these names. */
  keptAside: string[];
}

/** The steps done so far, each with its undo. */
type Undo = () => Promise<void>;

export async function restoreBackup(options: RestoreOptions): Promise<RestoreResult> {
  const now = options.now ?? Date.now;
  const started = now();
  const unpacked = await mkdtemp(join(tmpdir(), 'merezha-restore-'));
  try {
    const manifest = await unpackArchive(resolve(options.archive), unpacked);
    const config = loadArchivedConfig(join(unpacked, CONFIG_MEMBER), options.archive);
    const busy = await options.busy(config);
    if (busy) throw new ArchiveError(`${busy}; stop it (systemctl stop merezha), restore, then start it again`);

    const suffix = `.before-restore-${timeStamp(started)}`;
    const undos: Undo[] = [];
    const keptAside: string[] = [];
    const setAside = async (path: string) => {
      if (!(await exists(path))) return;
      await rename(path, path + suffix);
      keptAside.push(path + suffix);
      undos.push(() => rename(path + suffix, path));
    };

    // The database first: the slowest part, and the one that most often fails.
    const staged = await stageDatabase(config, manifest, join(unpacked, INFLUX_DIR), options.log);
    try {
      if ('folder' in staged) {
        const managed = resolve(config.storage.managed_dir);
        await setAside(managed);
        await rename(staged.folder, managed);
        undos.push(() => rename(managed, staged.folder));
        await giveToFolderOwner(managed);
      } else {
        undos.push(staged.drop);
      }

      const dataDir = resolve(config.server.data_dir);
      if (!(await exists(dataDir))) {
        await mkdir(dataDir, { recursive: true, mode: 0o750 });
        await giveToFolderOwner(dataDir);
      }
      // The sessions go too: they belong to the installation being replaced.
      for (const file of [...Object.values(serverFilesOf(dataDir)), accountFiles(dataDir).sessions]) await setAside(file);
      for (const [name, file] of Object.entries(serverFilesOf(dataDir))) {
        const text = await readFile(join(unpacked, SERVER_DIR, name), 'utf8').catch(() => undefined);
        if (text !== undefined) await writePrivateFile(file, text);
        undos.push(() => rm(file, { force: true }));
      }

      const configFile = resolve(options.configFile);
      await mkdir(dirname(configFile), { recursive: true });
      const current = await stat(configFile).catch(() => undefined);
      if (current) {
        await copyFile(configFile, configFile + suffix);
        keptAside.push(configFile + suffix);
        undos.push(() => rename(configFile + suffix, configFile));
      }
      await replaceFile(configFile, await readFile(join(unpacked, CONFIG_MEMBER)), current);
    } catch (err) {
      for (const undo of undos.reverse()) await undo().catch(() => {});
      throw err;
    } finally {
      if ('folder' in staged) await rm(staged.folder, { recursive: true, force: true });
    }
    const tookMs = Math.round(now() - started);
    options.log.info({ archive: options.archive, took_ms: tookMs, kept_aside: keptAside }, 'backup restored');
    return { manifest, config, tookMs, keptAside };
  } finally {
    await rm(unpacked, { recursive: true, force: true });
  }
}

function loadArchivedConfig(file: string, archive: string): Config {
  try {
    return loadConfig(file);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // Its messages name the unpacked file; the line numbers are the archived config's own.
    throw new ArchiveError(`the config in ${archive} does not load here:\n${err.message.replaceAll(file, basename(CONFIG_MEMBER))}`);
  }
}

/** The restored database: a managed influxd folder to swap in, or a database of the operator's InfluxDB to drop on a later failure. */
type Staged = { folder: string } | { drop: () => Promise<void> };

/**
 * Restores the database where `merezha start` will find it, under the name
 * the config gives it. For the managed influxd: into a new folder beside its
 * own, for the caller to swap in. For an InfluxDB of the operator's: straight
 * into it, which is refused while the database holds any data (restoring over
 * it would mix two pasts).
 */
async function stageDatabase(config: Config, manifest: Manifest, backup: string, log: Logger): Promise<Staged> {
  const external = config.storage.influx;
  if (external) {
    const connection = connectionTo(config, external.url);
    const target = connection.database;
    const query = influxQuery(connection);
    const present = await databaseExists(connection).catch((err: unknown) => {
      throw new ArchiveError(`InfluxDB at ${external.url} does not answer (${errorMessage(err)}): start it, then restore`);
    });
    if (present) {
      if ((await query('SHOW MEASUREMENTS')).length > 0) {
        throw new ArchiveError(
          `the database "${target}" at ${external.url} already holds data: drop it (DROP DATABASE "${target}") or restore onto a fresh InfluxDB`,
        );
      }
      await query(`DROP DATABASE ${ident(target)}`);
    }
    const drop = () => query(`DROP DATABASE ${ident(target)}`).then(() => undefined);
    if (!(await hasShards(backup))) return { drop };
    try {
      await restoreDatabase({
        rpcAddress: rpcAddressOf(external.url, external.rpc_address),
        database: manifest.database,
        newDatabase: target,
        dir: backup,
      });
      await checkMeasurements(query, manifest);
    } catch (err) {
      await drop().catch(() => {});
      throw err;
    }
    return { drop };
  }

  const managed = resolve(config.storage.managed_dir);
  const owner = await folderOwner(managed);
  if (owner !== undefined) throw new ArchiveError(`Merezha (pid ${owner}) is running with the influxd in ${managed}`);
  await mkdir(dirname(managed), { recursive: true });
  const staging = await mkdtemp(`${managed}.restoring-`);
  let influxd;
  try {
    influxd = await startManagedInfluxd({ dir: staging, log });
    const connection = connectionTo(config, influxd.url, influxd.login);
    // A backup of a database without points leaves the new folder empty: Merezha makes the database at its start.
    if (await hasShards(backup)) {
      await restoreDatabase({
        rpcAddress: `${LOOPBACK}:${influxd.rpcPort}`,
        database: manifest.database,
        newDatabase: connection.database,
        dir: backup,
      });
      await checkMeasurements(influxQuery(connection), manifest);
    }
    await influxd.stop();
    return { folder: staging };
  } catch (err) {
    await influxd?.stop();
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
}

/** How long influxd may take to bring the restored shards online after `influxd restore` returns. */
const SHARDS_ONLINE_MS = 60_000;

async function checkMeasurements(query: (q: string) => Promise<{ name?: unknown }[]>, manifest: Manifest): Promise<void> {
  const deadline = Date.now() + SHARDS_ONLINE_MS;
  let rows: { name?: unknown }[];
  for (;;) {
    try {
      rows = await query('SHOW MEASUREMENTS');
      break;
    } catch (err) {
      // influxd imports each shard after the upload: until then the shard answers "shard is disabled".
      if (!/shard is disabled/.test(errorMessage(err)) || Date.now() > deadline) throw err;
      await sleep(200);
    }
  }
  const restored = new Set(rows.map((row) => String(row.name)));
  const missing = manifest.measurements.filter((m) => !restored.has(m));
  if (missing.length > 0) throw new Error(`the restored database lacks ${missing.join(', ')}, which the backup had`);
}

/**
 * Writes `file` whole through a renamed temporary file, with the owner and
 * mode the file had (a package's conffile is root:merezha 0640: the service
 * reads it, others must not).
 */
async function replaceFile(file: string, content: Buffer, was: Stats | undefined): Promise<void> {
  const temp = `${file}.restoring`;
  await writeFile(temp, content, { mode: was ? was.mode & 0o777 : 0o644 });
  try {
    if (was) {
      await chmod(temp, was.mode & 0o777);
      if (process.getuid?.() === 0) await chown(temp, was.uid, was.gid);
    }
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}
