/**
 * InfluxDB 1.x portable backups of one database, made and restored by
 * influxd's own `backup -portable` and `restore -portable` through its
 * backup/restore service (the RPC `bind-address`), so a running influxd is
 * backed up online and the files are the ones InfluxDB's own documentation
 * restores. That service has no authentication: influxd binds it to loopback.
 */
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface InfluxBackupOptions {
  /** host:port of influxd's backup/restore service. */
  rpcAddress: string;
  database: string;
  /** Restore into this database rather than one of the backup's name. */
  newDatabase?: string;
  /** The folder of the backup files: written by `backupDatabase` (it must be empty or absent), read by `restoreDatabase`. */
  dir: string;
  /** The influxd executable; `influxd` on PATH by default. */
  binary?: string;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30 * 60_000;
const OUTPUT_TAIL = 2_000;

/** Runs influxd with `args`; rejects with the tail of its output when it fails. */
function runInfluxd(args: string[], binary: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'ENOENT' ? new Error(`${binary} was not found: install the Debian package influxdb`) : err),
    );
    child.once('close', (code, signal) => {
      if (code === 0) return resolve();
      // influxd prefixes each line with a timestamp; the last lines say why.
      const why = output
        .split('\n')
        .map((line) => line.replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d /, '').trim())
        .filter(Boolean)
        .slice(-3)
        .join('; ');
      const ended = signal
        ? `was stopped by ${signal}${signal === 'SIGKILL' ? ` after ${timeoutMs / 1000} s` : ''}`
        : `exited with ${code}`;
      reject(new Error(`influxd ${args[0]} ${ended}${why ? `: ${why}` : ''}`));
    });
  });
}

/** Writes a portable backup of the database into `dir`; returns the names of the files made. */
export async function backupDatabase(options: InfluxBackupOptions): Promise<string[]> {
  await runInfluxd(
    ['backup', '-portable', '-db', options.database, '-host', options.rpcAddress, options.dir],
    options.binary ?? 'influxd',
    options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  );
  return (await readdir(options.dir)).sort();
}

/** Restores the database from a portable backup in `dir`; influxd refuses when the database already exists. */
export async function restoreDatabase(options: InfluxBackupOptions): Promise<void> {
  await runInfluxd(
    [
      'restore',
      '-portable',
      '-db',
      options.database,
      ...(options.newDatabase && options.newDatabase !== options.database ? ['-newdb', options.newDatabase] : []),
      '-host',
      options.rpcAddress,
      options.dir,
    ],
    options.binary ?? 'influxd',
    options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  );
}

/** The backup/restore service of the InfluxDB at `url`: `rpc_address`, else its host on influxd's default port 8088. */
export function rpcAddressOf(url: string, rpcAddress: string | undefined): string {
  if (rpcAddress) return rpcAddress;
  return `${new URL(url).hostname}:8088`;
}

/**
 * Whether a portable backup holds any shard. A database without points (a
 * fresh installation) has none, and influxd 1.6 refuses to restore such a
 * backup ("DB metadata not changed"): there is nothing to restore then.
 */
export async function hasShards(dir: string): Promise<boolean> {
  for (const name of await readdir(dir)) {
    if (!name.endsWith('.manifest')) continue;
    const { files } = JSON.parse(await readFile(join(dir, name), 'utf8')) as { files?: unknown[] | null };
    if (files && files.length > 0) return true;
  }
  return false;
}
