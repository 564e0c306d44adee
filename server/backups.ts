/**
 * What became of the backups of this installation: the last good one and the
 * last failure, kept in `backups.json` of `server.data_dir`. Written by
 * whoever made the backup (`merezha backup`, or the daily schedule in the
 * server), read by `/api/health`, `merezha status` and the admin page, so
 * each of them tells the same truth whichever process made it.
 */
import { statSync, readFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { BackupArchive, BackupsResponse } from '../common/api.ts';
import type { Config } from '../config/schema.ts';
import { writePrivateFile } from './auth/private-file.ts';

const LEDGER_FILE = 'backups.json';
/** The names of the archives Merezha makes; retention deletes nothing else in a folder. */
export const ARCHIVE_NAME = /^merezha-backup-\d{8}-\d{6}\.tar\.gz$/;
/** With a daily schedule, no good backup for this long is reported. */
const OVERDUE_MS = 2 * 86_400_000;

const ledgerSchema = z.object({
  last: z.object({ time: z.number(), bytes: z.number(), file: z.string(), took_ms: z.number() }).nullable(),
  failure: z.object({ time: z.number(), message: z.string() }).nullable(),
});
export type BackupLedgerData = z.output<typeof ledgerSchema>;

const EMPTY: BackupLedgerData = { last: null, failure: null };

/** `time` as 20261205-033000, in UTC so that names sort by time whatever the zone. */
export const timeStamp = (time: number) => new Date(time).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

/** The archive name of a backup made at `time`. */
export const archiveName = (time: number) => `merezha-backup-${timeStamp(time)}.tar.gz`;

export class BackupLedger {
  private cached: { mtimeMs: number; data: BackupLedgerData } | undefined;

  constructor(readonly file: string) {}

  static of(dataDir: string): BackupLedger {
    return new BackupLedger(join(resolve(dataDir), LEDGER_FILE));
  }

  /** The ledger as on disk now; re-read only when the file changed, since health asks often. */
  read(): BackupLedgerData {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(this.file).mtimeMs;
    } catch {
      return EMPTY;
    }
    if (this.cached?.mtimeMs === mtimeMs) return this.cached.data;
    let data = EMPTY;
    try {
      const parsed = ledgerSchema.safeParse(JSON.parse(readFileSync(this.file, 'utf8')));
      if (parsed.success) data = parsed.data;
    } catch {
      // a damaged ledger only loses the history of backups, which the next one writes anew
    }
    this.cached = { mtimeMs, data };
    return data;
  }

  async succeeded(last: NonNullable<BackupLedgerData['last']>): Promise<void> {
    await writePrivateFile(this.file, JSON.stringify({ ...this.read(), last }, null, 2) + '\n');
  }

  async failed(failure: NonNullable<BackupLedgerData['failure']>): Promise<void> {
    await writePrivateFile(this.file, JSON.stringify({ ...this.read(), failure }, null, 2) + '\n');
  }

  /** Why the backups need attention, for `/api/health`; undefined when they do not (or none are scheduled). */
  problem(config: Config, now: number, startedAt: number): string | undefined {
    if (!config.backup) return undefined;
    const { last, failure } = this.read();
    if (failure && (!last || failure.time > last.time)) return `the last backup failed: ${failure.message}`;
    const since = last?.time ?? startedAt;
    if (now - since > OVERDUE_MS) {
      const days = Math.floor((now - since) / 86_400_000);
      return last
        ? `no backup for ${days} days (backup.time is ${config.backup.time} daily)`
        : `no backup yet after ${days} days of running`;
    }
    return undefined;
  }
}

/** The archives in a folder, newest first: what retention keeps and the admin page lists. */
export async function listArchives(dir: string): Promise<BackupArchive[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => ARCHIVE_NAME.test(name));
  } catch {
    return [];
  }
  const archives = await Promise.all(
    names.map(async (name) => {
      const info = await stat(join(dir, name)).catch(() => undefined);
      return info?.isFile() ? { file: name, time: Math.round(info.mtimeMs), bytes: info.size } : undefined;
    }),
  );
  return archives.filter((a) => a !== undefined).sort((a, b) => b.file.localeCompare(a.file));
}

/** What the admin page shows: the schedule, the last backup and failure, and the archives kept. */
export async function backupsOverview(config: Config, ledger: BackupLedger): Promise<BackupsResponse> {
  const { last, failure } = ledger.read();
  return {
    schedule: config.backup ? { dir: resolve(config.backup.dir), time: config.backup.time, keep: config.backup.keep } : null,
    last: last && { time: last.time, bytes: last.bytes, file: last.file, took_ms: last.took_ms },
    failure,
    archives: config.backup ? await listArchives(resolve(config.backup.dir)) : [],
  };
}
