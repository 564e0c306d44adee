/**
 * The daily backups of `backup:` in the config, made by the running server at
 * `backup.time` in the hromada's time zone into `backup.dir`, keeping the
 * newest `backup.keep`. A server that was not running at that time (a
 * blackout every night at 03:30 is not unusual) catches up soon after its
 * start when the last good backup is over a day old.
 */
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from '../../common/log.ts';
import { localDayAt, localTime } from '../../common/timezone.ts';
import type { Config } from '../../config/schema.ts';
import { archiveName, BackupLedger } from '../../server/backups.ts';
import { makeBackup, pruneArchives, type BackupDatabase } from './backup.ts';

const DAY_MS = 86_400_000;
/** Long enough after a start for the collector to settle, short enough that a restart loop still backs up. */
export const CATCH_UP_MS = 15 * 60_000;
/** A backup this old (a missed day and some) is caught up. */
const STALE_MS = DAY_MS + 3_600_000;

/** The next moment the clocks of `timeZone` show `time` (HH:MM), strictly after `now`. */
export function nextBackupAt(now: number, time: string, timeZone: string): number {
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  const today = localTime(now, timeZone);
  for (let days = 0; ; days++) {
    const at = localDayAt(today, days, hour, minute, timeZone);
    if (at > now) return at;
  }
}

/** When the schedule runs first: at the set time, or to catch up when the last good backup is stale. */
export function firstBackupAt(now: number, time: string, timeZone: string, lastGood: number | null): number {
  const scheduled = nextBackupAt(now, time, timeZone);
  if (lastGood !== null && now - lastGood < STALE_MS) return scheduled;
  return Math.min(scheduled, now + CATCH_UP_MS);
}

export interface BackupScheduleOptions {
  config: Config;
  configFile: string;
  database: BackupDatabase;
  version: string;
  log: Logger;
  now?: () => number;
}

export interface BackupSchedule {
  /** When the next backup is due. */
  readonly nextAt: number;
  /** Cancels the next backup and waits for one in progress. */
  stop(): Promise<void>;
}

export function scheduleBackups(options: BackupScheduleOptions): BackupSchedule | undefined {
  const settings = options.config.backup;
  if (!settings) return undefined;
  const now = options.now ?? Date.now;
  const dir = resolve(settings.dir);
  const timeZone = options.config.hromada.timezone;
  const log = options.log.child({ part: 'backup' });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  const schedule = {
    nextAt: firstBackupAt(now(), settings.time, timeZone, BackupLedger.of(options.config.server.data_dir).read().last?.time ?? null),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
  const arm = () => {
    if (stopped) return;
    log.info({ next: new Date(schedule.nextAt).toISOString(), dir }, 'next backup');
    timer = setTimeout(fire, Math.max(0, schedule.nextAt - now()));
    timer.unref();
  };
  const fire = () => {
    running = (async () => {
      try {
        await makeBackup({ ...options, out: join(dir, archiveName(now())) });
        await pruneArchives(dir, settings.keep, log);
      } catch (err) {
        // The ledger has it, and /api/health says so; the next day tries again.
        log.error({ err: (err as Error).message, dir }, 'the daily backup failed');
      }
    })();
    void running.then(() => {
      schedule.nextAt = nextBackupAt(now(), settings.time, timeZone);
      arm();
    });
  };
  arm();
  return schedule;
}

/**
 * The daily backups of a running stack: started with it, planned anew when a
 * reload changes `backup:`, stopped with it. Without the config's file (a
 * stack a test starts from a config object) there is nothing to back up.
 */
export class DailyBackups {
  private schedule: BackupSchedule | undefined;
  private settings: Config['backup'];

  constructor(
    config: Config,
    private readonly options: Omit<BackupScheduleOptions, 'config' | 'configFile'> & { configFile: string | undefined },
  ) {
    this.settings = config.backup;
    this.schedule = this.start(config);
  }

  /** When the next backup is due; undefined when none is scheduled. */
  get nextAt(): number | undefined {
    return this.schedule?.nextAt;
  }

  async reconfigure(config: Config): Promise<void> {
    if (isDeepStrictEqual(config.backup, this.settings)) return;
    this.settings = config.backup;
    await this.schedule?.stop();
    this.schedule = this.start(config);
  }

  async stop(): Promise<void> {
    await this.schedule?.stop();
    this.schedule = undefined;
  }

  private start(config: Config): BackupSchedule | undefined {
    const { configFile } = this.options;
    return configFile === undefined ? undefined : scheduleBackups({ ...this.options, config, configFile });
  }
}
