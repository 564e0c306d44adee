/**
 * The blackout schedule of a running Merezha: kept in
 * `<server.data_dir>/power-schedule.json`, where `merezha power
 * import-schedule` and the fetch of `power.schedule_url` merge what they read
 * (the days a new schedule covers replace those days, the rest stay; days
 * older than two weeks go). The running process reads the file again when it
 * changes, so a schedule imported from the command line takes effect within
 * a poll period, without a restart.
 *
 * Every schedule that comes in is also written to InfluxDB, one `blackout`
 * point per slot, so that an outage can be judged against the schedule it
 * fell in long after the file forgot that day. Points of slots a later
 * schedule took back are deleted (DTEK often cancels the morning's slots by
 * noon): otherwise an outage in a cancelled slot would be excused.
 *
 * The command line and the server each read, merge and write the whole file
 * within milliseconds; two imports at the very same moment could lose one,
 * which is left to chance rather than to a lock between processes.
 */
import { stat, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { deadline } from '../../common/deadline.ts';
import type { Logger } from '../../common/log.ts';
import { networkErrorWords } from '../../common/network-errors.ts';
import { localTime, zonedTimeToUtc } from '../../common/timezone.ts';
import { isPowerGroup } from '../../common/words/power.ts';
import type { Config, PowerConfig } from '../../config/schema.ts';
import { ident, literal, type Query } from '../../storage/influx-query.ts';
import { RETENTION_POLICIES } from '../../storage/measurements.ts';
import type { Point, PointSink } from '../../storage/point.ts';
import { WriteQueue, writePrivateFile } from '../auth/private-file.ts';
import {
  mergeSchedules,
  parseScheduleCsv,
  parseScheduleJson,
  type BlackoutSchedule,
  type BlackoutSlot,
  type ScheduleResult,
  type TimeRange,
} from './schedule.ts';

/** The schedule's file in a data folder (`server.data_dir`). */
export const scheduleFile = (dataDir: string) => join(resolve(dataDir), 'power-schedule.json');

/** How many days back the file keeps: enough for the dashboard's last outages; the `blackout` points keep the rest. */
export const KEEP_DAYS = 14;
const DAY_MS = 86_400_000;

/** How often the running process looks whether the file changed. */
const POLL_MS = 10_000;
/** A feed that has not answered by then is tried again later. */
const FEED_TIMEOUT_MS = 15_000;
/** The DTEK and Yasno feeds are tens of kilobytes; anything this large is not one. */
export const FEED_MAX_BYTES = 4 * 1024 * 1024;
/** After a failed fetch, the next try comes this soon (or at the refresh, when that is sooner). */
const FEED_RETRY_MS = 5 * 60_000;
/** A refresh of 0 would ask the feed in a tight loop. */
const MIN_REFRESH_MS = 100;

/** One import still in the file: where it came from, when, and the days it gave. */
export interface ScheduleImport {
  /** The file's base name, or the feed URL's host. */
  source: string;
  at: number;
  covers: TimeRange[];
}

/** What the file holds: the merged schedule and the imports it is made of, oldest first. */
export interface StoredSchedule {
  schedule: BlackoutSchedule;
  imports: ScheduleImport[];
}

// ---------------------------------------------------------------------------
// Pure: reading a schedule, merging, pruning, points, changes

export type ScheduleFormat = 'json' | 'csv';

/** JSON when the first character that is not a space (or a BOM) opens an object or a list, else CSV. */
export const sniffFormat = (text: string): ScheduleFormat => (/^[\s\uFEFF]*[{[]/.test(text) ? 'json' : 'csv');

/** A schedule from a file's or a feed's text, in the given format or the one its content shows. */
export function parseScheduleText(text: string, options: { format?: ScheduleFormat; timezone: string; now: number }): ScheduleResult {
  const format = options.format ?? sniffFormat(text);
  return format === 'json'
    ? parseScheduleJson(text, { timezone: options.timezone, now: options.now })
    : parseScheduleCsv(text, { timezone: options.timezone });
}

/** Where the file's days begin at `now`: the local midnight KEEP_DAYS back (older days go). */
export function keepHorizon(now: number, timezone: string): number {
  const { year, month, day } = localTime(now - KEEP_DAYS * DAY_MS, timezone);
  return zonedTimeToUtc({ year, month, day, hour: 0, minute: 0 }, timezone);
}

/** The days the schedule speaks for: its covers, or else the span of its slots (as `mergeSchedules` takes them). */
function coversOf(schedule: BlackoutSchedule): TimeRange[] {
  if (schedule.covers) return schedule.covers;
  if (schedule.slots.length === 0) return [];
  return [{ start: Math.min(...schedule.slots.map((s) => s.start)), end: Math.max(...schedule.slots.map((s) => s.end)) }];
}

/** Days from the midnight `horizon` on: what ended before it goes (a slot that reaches past it stays whole). */
const clip = (covers: readonly TimeRange[], horizon: number) =>
  covers.filter((c) => c.end > horizon).map((c) => ({ start: Math.max(c.start, horizon), end: c.end }));

/** The schedule without the days before the midnight `horizon` (`keepHorizon`). */
export function pruneSchedule(schedule: BlackoutSchedule, horizon: number): BlackoutSchedule {
  const pruned: BlackoutSchedule = { ...schedule, slots: schedule.slots.filter((s) => s.end > horizon) };
  if (schedule.covers) pruned.covers = clip(schedule.covers, horizon);
  return pruned;
}

/** Whether the ranges together hold all of `r`. */
function coveredBy(r: TimeRange, ranges: readonly TimeRange[]): boolean {
  let from = r.start;
  for (const c of [...ranges].sort((a, b) => a.start - b.start)) {
    if (c.start > from) break;
    from = Math.max(from, c.end);
  }
  return from >= r.end;
}

/**
 * `next` merged over what the file had, the import noted, and the days
 * before the horizon of `now` left out. An import whose every day a later
 * one replaced is forgotten, so an hourly feed keeps one entry, not 336.
 */
export function addImport(
  stored: StoredSchedule | undefined,
  next: BlackoutSchedule,
  source: string,
  at: { now: number; timezone: string },
): StoredSchedule {
  const horizon = keepHorizon(at.now, at.timezone);
  const kept = pruneSchedule(next, horizon);
  const schedule = pruneSchedule(mergeSchedules(stored?.schedule ?? { slots: [], source: kept.source }, kept), horizon);
  const all = [...(stored?.imports ?? []), { source, at: at.now, covers: coversOf(kept) }].map((i) => ({
    ...i,
    covers: clip(i.covers, horizon),
  }));
  const laterThan = (i: number) => all.slice(i + 1).flatMap((later) => later.covers);
  return { schedule, imports: all.filter((imp, i) => imp.covers.some((c) => !coveredBy(c, laterThan(i)))) };
}

/** The import a slot came from: the latest that gave a part of it (later imports replace the days they cover). */
function originOf(slot: BlackoutSlot, stored: StoredSchedule): string {
  for (let i = stored.imports.length - 1; i >= 0; i--) {
    const imp = stored.imports[i]!;
    if (imp.covers.some((c) => c.start < slot.end && slot.start < c.end)) return imp.source;
  }
  return stored.schedule.source;
}

const slotKey = (group: string, start: number) => `${group}@${start}`;

/**
 * One `blackout` point per slot, at its start. A point is known by its group
 * and time, so of two slots of a group that start together (a definite and
 * a possible one) the definite one is written.
 */
export function blackoutPoints(stored: StoredSchedule): Point[] {
  const byKey = new Map<string, BlackoutSlot>();
  for (const slot of stored.schedule.slots) {
    const key = slotKey(slot.group, slot.start);
    const other = byKey.get(key);
    if (!other || (other.kind === 'possible' && slot.kind === 'definite')) byKey.set(key, slot);
  }
  return [...byKey.values()].map((slot) => ({
    measurement: 'blackout',
    tags: { group: slot.group },
    fields: { end_ms: slot.end, certainty: slot.kind, source: originOf(slot, stored) },
    time: slot.start,
  }));
}

/** A `blackout` point as InfluxDB holds it. */
export interface StoredBlackout {
  group: string;
  time: number;
  end_ms: number;
  kind: string;
  source: string;
}

/**
 * What to do in InfluxDB for the file's schedule: the points to write (those
 * InfluxDB does not hold as they are), and the stored ones to delete (inside
 * a day the file speaks for, but no slot of it starts there any more).
 */
export function reconcileBlackouts(
  points: readonly Point[],
  stored: readonly StoredBlackout[],
  covers: readonly TimeRange[],
): { write: Point[]; stale: StoredBlackout[] } {
  const held = new Map(stored.map((b) => [slotKey(b.group, b.time), b]));
  const wanted = new Set(points.map((p) => slotKey(p.tags.group!, p.time)));
  const write = points.filter((p) => {
    const b = held.get(slotKey(p.tags.group!, p.time));
    return !b || b.end_ms !== p.fields.end_ms || b.kind !== p.fields.certainty || b.source !== p.fields.source;
  });
  const stale = stored.filter((b) => !wanted.has(slotKey(b.group, b.time)) && covers.some((c) => c.start <= b.time && b.time < c.end));
  return { write, stale };
}

/** What a new schedule changed against the one before: slots added and removed, in which groups and on which local days. */
export interface ScheduleChange {
  added: number;
  removed: number;
  groups: string[];
  days: string[];
}

const pad = (n: number) => String(n).padStart(2, '0');
/** The local date of an instant, `2026-03-29`. */
function localDateText(t: number, timezone: string): string {
  const l = localTime(t, timezone);
  return `${l.year}-${pad(l.month)}-${pad(l.day)}`;
}

/** What changed from `before` to `after`; before the first schedule, every slot is new. */
export function describeChange(before: BlackoutSchedule | undefined, after: BlackoutSchedule, timezone: string): ScheduleChange {
  const key = (s: BlackoutSlot) => `${s.group} ${s.start} ${s.end} ${s.kind}`;
  const had = new Set((before?.slots ?? []).map(key));
  const has = new Set(after.slots.map(key));
  const added = after.slots.filter((s) => !had.has(key(s)));
  const removed = (before?.slots ?? []).filter((s) => !has.has(key(s)));
  const changed = [...added, ...removed];
  return {
    added: added.length,
    removed: removed.length,
    groups: [...new Set(changed.map((s) => s.group))].sort(),
    days: [...new Set(changed.map((s) => localDateText(s.start, timezone)))].sort(),
  };
}

/** The feed's address for a log line: without user, password or query, where tokens live. */
export function feedForLog(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '[not a URL]';
  }
}

// ---------------------------------------------------------------------------
// The file

const range = z.strictObject({ start: z.number().int(), end: z.number().int() });
const fileSchema = z.strictObject({
  version: z.literal(1),
  schedule: z.strictObject({
    slots: z.array(
      z.strictObject({
        group: z.string().refine(isPowerGroup, 'not a power group'),
        start: z.number().int(),
        end: z.number().int(),
        kind: z.enum(['definite', 'possible']),
      }),
    ),
    source: z.string(),
    fetched_at: z.number().int().optional(),
    covers: z.array(range).optional(),
    ignored_groups: z.array(z.string()).optional(),
  }),
  imports: z.array(z.strictObject({ source: z.string(), at: z.number().int(), covers: z.array(range) })),
});

/** The file is there but is not one Merezha wrote (hand-edited, cut): nothing is merged into it. */
export class ScheduleFileError extends Error {}

/** What the file holds, or undefined when there is none yet. */
export async function readStoredSchedule(file: string): Promise<StoredSchedule | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ScheduleFileError(`${file}: not valid JSON (${(err as Error).message}); remove it and import the schedule again`);
  }
  const parsed = fileSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ScheduleFileError(
      `${file}: not a blackout schedule of Merezha (${issue.path.join('.') || 'the file'}: ${issue.message}); remove it and import the schedule again`,
    );
  }
  const { schedule, imports } = parsed.data;
  return { schedule: schedule as BlackoutSchedule, imports };
}

/**
 * Merges `next` into the file and writes it whole (a synced temporary file
 * renamed over it; as root, owned by the data folder's owner, the service's
 * user). A damaged file is refused with a ScheduleFileError and left as it is.
 */
export async function importSchedule(
  file: string,
  next: BlackoutSchedule,
  source: string,
  at: { now: number; timezone: string },
): Promise<StoredSchedule> {
  const after = addImport(await readStoredSchedule(file), next, source, at);
  await writePrivateFile(file, `${JSON.stringify({ version: 1, ...after })}\n`);
  return after;
}

// ---------------------------------------------------------------------------
// The feed

/** The text of `power.schedule_url`, or an error that says why not in words without the URL. */
export async function fetchScheduleText(
  url: string,
  options: { timeoutMs: number; maxBytes: number; signal?: AbortSignal },
): Promise<string> {
  const limit = deadline(options.timeoutMs, options.signal ? [options.signal] : []);
  const { signal } = limit;
  const tooLarge = () => new Error(`the answer is larger than ${options.maxBytes} bytes, which no schedule is`);
  // fetch refuses a URL with a user and password in it: they go as HTTP Basic authentication.
  const target = new URL(url);
  const headers: Record<string, string> = { Accept: 'application/json, text/csv;q=0.9, */*;q=0.5' };
  if (target.username !== '' || target.password !== '') {
    const login = `${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`;
    headers.Authorization = `Basic ${Buffer.from(login).toString('base64')}`;
    target.username = '';
    target.password = '';
  }
  try {
    const res = await fetch(target, { signal, headers });
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`HTTP ${res.status}`);
    }
    if (Number(res.headers.get('content-length') ?? 0) > options.maxBytes) {
      await res.body?.cancel();
      throw tooLarge();
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of res.body ?? []) {
      size += chunk.byteLength;
      if (size > options.maxBytes) throw tooLarge();
      chunks.push(chunk);
    }
    return new TextDecoder().decode(Buffer.concat(chunks));
  } catch (err) {
    if (limit.timedOut()) throw new Error(`no answer within ${options.timeoutMs / 1000} s`);
    const words = networkErrorWords(err);
    throw words ? new Error(words) : err;
  } finally {
    limit.clear();
  }
}

// ---------------------------------------------------------------------------
// The running store

export interface ScheduleStoreOptions {
  config: Config;
  log: Logger;
  /** Where the `blackout` points go (the InfluxDB writer); its `flush` lets the stale ones be found after the last write. */
  sink: PointSink & { flush?(): Promise<void> };
  /** Reads and deletes `blackout` points; without it points are only written, none deleted. */
  query?: Query;
  /** How often the file's change is looked for (default 10 s). */
  pollMs?: number;
  /** How long a fetch of `power.schedule_url` may take (default 15 s). */
  feedTimeoutMs?: number;
  now?: () => number;
}

export class ScheduleStore {
  /** The file it keeps and watches. */
  readonly file: string;
  private stored: StoredSchedule | undefined;
  private power: PowerConfig;
  private timezone: string;
  private readonly queue = new WriteQueue();
  private seen = '';
  private pollTimer: NodeJS.Timeout | undefined;
  private fetchTimer: NodeJS.Timeout | undefined;
  private fetching: AbortController | undefined;
  /** Why the last fetch failed, while the feed fails: a warning is logged when the reason changes, not at every try. */
  private feedFailure: string | undefined;
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly options: ScheduleStoreOptions) {
    this.file = scheduleFile(options.config.server.data_dir);
    this.power = options.config.power;
    this.timezone = options.config.hromada.timezone;
    this.now = options.now ?? Date.now;
  }

  /** The schedule now; undefined until one was imported or fetched. The `ScheduleSource` of the monitor and the dashboard. */
  current(): BlackoutSchedule | undefined {
    return this.stored?.schedule;
  }

  /** The imports the schedule is made of, oldest first. */
  imports(): readonly ScheduleImport[] {
    return this.stored?.imports ?? [];
  }

  /** Reads the file (a damaged one is logged and left alone), then watches it and starts fetching the feed of the config. */
  async start(): Promise<void> {
    await this.queue.run(() => this.poll());
    this.pollTimer = setInterval(() => void this.queue.run(() => this.poll()), this.options.pollMs ?? POLL_MS);
    this.pollTimer.unref();
    this.planFetch(0);
  }

  /** Merges a schedule into the file and takes it at once (the fetched feed's way in; tests'). */
  import(schedule: BlackoutSchedule, source: string): Promise<void> {
    return this.queue.run(async () => {
      const after = await importSchedule(this.file, schedule, source, { now: this.now(), timezone: this.timezone });
      this.seen = await this.signature();
      this.take(after, source);
    });
  }

  /** A reloaded config: a changed `power.schedule_url` or `schedule_refresh` is fetched from now on. */
  reconfigure(config: Config): void {
    const before = this.power;
    this.power = config.power;
    if (before.schedule_url === this.power.schedule_url && before.schedule_refresh === this.power.schedule_refresh) return;
    this.cancelFetch();
    this.feedFailure = undefined;
    this.planFetch(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    this.cancelFetch();
    await this.queue.run(async () => {});
  }

  private cancelFetch() {
    clearTimeout(this.fetchTimer);
    this.fetchTimer = undefined;
    this.fetching?.abort();
    this.fetching = undefined;
  }

  private async signature(): Promise<string> {
    try {
      const s = await stat(this.file);
      return `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw err;
    }
  }

  /** Reads the file when it changed since it was last read. */
  private async poll(): Promise<void> {
    if (this.stopped) return;
    try {
      const signature = await this.signature();
      if (signature === this.seen) return;
      this.seen = signature;
      const stored = await readStoredSchedule(this.file);
      if (stored) this.take(stored, stored.imports.at(-1)?.source ?? this.file);
    } catch (err) {
      this.options.log.warn(
        { file: this.file, err: (err as Error).message },
        'the blackout schedule file could not be read; keeping the schedule as it was',
      );
    }
  }

  /** Takes a schedule: says what changed and writes its points (all of them when it is the first this process has). */
  private take(stored: StoredSchedule, source: string): void {
    const first = this.stored === undefined;
    const change = describeChange(this.stored?.schedule, stored.schedule, this.timezone);
    this.stored = stored;
    const slots = stored.schedule.slots.length;
    if (!first && change.added === 0 && change.removed === 0) {
      this.options.log.debug({ source }, 'blackout schedule unchanged');
      return;
    }
    const where = change.days.length === 0 ? 'no slots' : `groups ${change.groups.join(', ')} on ${change.days.join(', ')}`;
    this.options.log.info(
      { file: this.file, source, ...change, slots },
      first
        ? `blackout schedule read: ${slots} slots (${where})`
        : `blackout schedule changed by ${source}: ${change.added} slots added, ${change.removed} removed (${where}); ${slots} slots now`,
    );
    // Queued after this task: a start or an import does not wait for InfluxDB.
    void this.queue.run(() => this.record(stored));
  }

  /** Writes the schedule's `blackout` points, and deletes the points of slots it took back. */
  private async record(stored: StoredSchedule): Promise<void> {
    const { sink, query, log } = this.options;
    const points = blackoutPoints(stored);
    const covers = stored.schedule.covers ?? [];
    if (!query || covers.length === 0) {
      sink.write(points);
      return;
    }
    try {
      // What was written before must be in InfluxDB before it can be compared.
      await sink.flush?.();
      const from = Math.min(...covers.map((c) => c.start));
      const to = Math.max(...covers.map((c) => c.end));
      const rows = await query(
        `SELECT "end_ms", "certainty", "source" FROM ${ident(RETENTION_POLICIES.events)}."blackout" ` +
          `WHERE time >= ${from}ms AND time < ${to}ms GROUP BY "group"`,
      );
      const held = rows.map((r) => ({
        group: String(r.group),
        time: Number(r.time),
        end_ms: Number(r.end_ms),
        kind: String(r.certainty),
        source: String(r.source),
      }));
      const { write, stale } = reconcileBlackouts(points, held, covers);
      if (stale.length > 0) {
        await query(
          stale
            .map((b) => `DELETE FROM "blackout" WHERE "group" = ${literal(b.group)} AND time >= ${b.time}ms AND time <= ${b.time}ms`)
            .join('; '),
        );
        log.info(
          { slots: stale.map((b) => `${b.group} ${localDateText(b.time, this.timezone)}`) },
          `removed ${stale.length} blackout slots from InfluxDB that the schedule took back`,
        );
      }
      sink.write(write);
    } catch (err) {
      // The points are written anyway: a slot the schedule took back stays until the next schedule finds InfluxDB up.
      log.warn({ err: (err as Error).message }, 'could not compare the blackout schedule with InfluxDB; writing its slots as they are');
      sink.write(points);
    }
  }

  private planFetch(delay: number) {
    if (this.stopped || this.power.schedule_url === undefined) return;
    this.fetchTimer = setTimeout(() => void this.fetchFeed(), delay);
    this.fetchTimer.unref();
  }

  private async fetchFeed(): Promise<void> {
    const url = this.power.schedule_url;
    if (url === undefined || this.stopped) return;
    const refresh = Math.max(this.power.schedule_refresh, MIN_REFRESH_MS);
    const controller = new AbortController();
    this.fetching = controller;
    const feed = feedForLog(url);
    const { log } = this.options;
    let next = refresh;
    try {
      const text = await fetchScheduleText(url, {
        timeoutMs: this.options.feedTimeoutMs ?? FEED_TIMEOUT_MS,
        maxBytes: FEED_MAX_BYTES,
        signal: controller.signal,
      });
      const parsed = parseScheduleText(text, { timezone: this.timezone, now: this.now() });
      if ('problems' in parsed) {
        const more = parsed.problems.length > 3 ? ` (and ${parsed.problems.length - 3} more)` : '';
        throw new Error(`it is not a schedule Merezha reads: ${parsed.problems.slice(0, 3).join('; ')}${more}`);
      }
      if (controller.signal.aborted) return;
      await this.import(parsed, new URL(url).host);
      if (this.feedFailure !== undefined) log.info({ feed }, 'the blackout schedule feed answers again');
      this.feedFailure = undefined;
    } catch (err) {
      if (controller.signal.aborted) return;
      const reason = (err as Error).message;
      if (reason !== this.feedFailure) {
        log.warn({ feed, reason }, `blackout schedule not fetched (${reason}); keeping the last good one`);
      }
      this.feedFailure = reason;
      next = Math.min(refresh, FEED_RETRY_MS);
    } finally {
      if (this.fetching === controller) this.fetching = undefined;
    }
    if (!controller.signal.aborted && this.power.schedule_url === url) this.planFetch(next);
  }
}
