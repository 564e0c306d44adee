/**
 * One backup of an installation, made while it runs: the config file, the
 * server's accounts, API tokens and maintenance windows (never its sessions),
 * and an InfluxDB portable backup of Merezha's database, which holds the
 * measurements, the outages and the alert log. `merezha backup` and the daily
 * schedule both make it here.
 */
import { copyFile, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from '../../common/log.ts';
import type { Config } from '../../config/schema.ts';
import { giveToFolderOwner } from '../../server/auth/private-file.ts';
import { BackupLedger, listArchives } from '../../server/backups.ts';
import { backupDatabase } from '../../storage/influx-backup.ts';
import type { InfluxConnection } from '../../storage/influx-client.ts';
import { databaseExists, influxQuery } from '../../storage/influx-query.ts';
import { checkInfluxVersion } from '../../storage/influx-version.ts';
import { describeFiles, FORMAT, FORMAT_VERSION, packArchive, type Manifest } from './archive.ts';
import { CONFIG_MEMBER, INFLUX_DIR, SERVER_DIR, serverFilesOf } from './layout.ts';

/** The InfluxDB to back up: its HTTP connection and its backup/restore service. */
export interface BackupDatabase {
  connection: InfluxConnection;
  rpcAddress: string;
}

export interface BackupOptions {
  config: Config;
  /** The config file as the installation reads it; copied as it is, comments and `${NAME}` references included. */
  configFile: string;
  database: BackupDatabase;
  /** The archive to write. */
  out: string;
  version: string;
  log: Logger;
  now?: () => number;
}

export interface BackupResult {
  file: string;
  bytes: number;
  tookMs: number;
  manifest: Manifest;
}

export async function makeBackup(options: BackupOptions): Promise<BackupResult> {
  const now = options.now ?? Date.now;
  const started = now();
  const out = resolve(options.out);
  const made = await mkdir(dirname(out), { recursive: true });
  if (made) await giveToFolderOwner(made);
  // Beside the archive rather than in /tmp, which may be a small tmpfs (or private to the service).
  const work = await mkdtemp(join(dirname(out), '.merezha-backup-'));
  try {
    await mkdir(join(work, SERVER_DIR));
    await mkdir(join(work, dirname(CONFIG_MEMBER)), { recursive: true });
    await copyFile(options.configFile, join(work, CONFIG_MEMBER));
    // The stores write by renaming a whole new file over the old one, so a copy is never half a write.
    for (const [name, file] of Object.entries(serverFilesOf(options.config.server.data_dir))) {
      await copyFile(file, join(work, SERVER_DIR, name)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    }
    const { connection, rpcAddress } = options.database;
    if (!(await databaseExists(connection))) {
      throw new Error(`the database "${connection.database}" does not exist yet: start Merezha once (it makes it), then back up`);
    }
    // Listed before the snapshot: a measurement whose first point comes during the backup is not in it, and a restore checks this list.
    const measurements = (await influxQuery(connection)('SHOW MEASUREMENTS')).map((row) => String(row.name)).sort();
    await backupDatabase({ rpcAddress, database: connection.database, dir: join(work, INFLUX_DIR) });
    const server = await checkInfluxVersion(connection.url).catch(() => undefined);
    const files = await describeFiles(work);
    const manifest: Manifest = {
      format: FORMAT,
      format_version: FORMAT_VERSION,
      merezha_version: options.version,
      created: started,
      took_ms: Math.round(now() - started),
      hromada: options.config.hromada.name,
      config_file: resolve(options.configFile),
      database: connection.database,
      influx_version: server?.reachable ? server.version : null,
      measurements,
      files,
    };
    await packArchive(work, manifest, out);
    await giveToFolderOwner(out);
    const bytes = (await stat(out)).size;
    const tookMs = Math.round(now() - started);
    await BackupLedger.of(options.config.server.data_dir).succeeded({ time: started, bytes, file: out, took_ms: tookMs });
    options.log.info({ file: out, bytes, took_ms: tookMs, measurements: measurements.length }, 'backup made');
    return { file: out, bytes, tookMs, manifest };
  } catch (err) {
    await BackupLedger.of(options.config.server.data_dir)
      .failed({ time: started, message: (err as Error).message })
      .catch(() => {});
    throw err;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Deletes the oldest archives of `dir` beyond the newest `keep`; only files named as Merezha names its archives. */
export async function pruneArchives(dir: string, keep: number, log: Logger): Promise<string[]> {
  const old = (await listArchives(dir)).slice(keep);
  for (const archive of old) await rm(join(dir, archive.file), { force: true });
  if (old.length > 0) log.info({ dir, deleted: old.map((a) => a.file), keep }, 'old backups deleted');
  return old.map((a) => a.file);
}
