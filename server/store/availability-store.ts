/**
 * What uptime is computed from, read from InfluxDB: how long each subject was
 * monitored in a window and the outages recorded for it.
 *
 * Monitored time has two sources that never overlap:
 * - what Merezha measured: 5-minute buckets that hold at least one probe,
 *   from the rollups, which cover years cheaply; the last two buckets, which
 *   the continuous query may not have filled yet, come from the raw points;
 * - history imported with `merezha import`: each `backfill` point is a span
 *   [from_ms, to_ms) over which the subject counts as monitored, and up
 *   except during the `outage` points imported with it. An import is refused
 *   where the subject has measured buckets or an earlier import
 *   (`measuredFrom`, `importedSpans`), so adding the two cannot count any
 *   time twice.
 * Outages, measured or imported, are the same `outage` points.
 *
 * Downtime is only the monitored part of a subject's down intervals
 * (`uptime.ts`). Monitored time per window is a count of buckets, but the
 * buckets inside down intervals are needed one by one: `measuredWithin`
 * reads just those (outages are few and short next to a year of buckets).
 */
import { ROLLUP_MS } from '../../storage/influx-setup.ts';
import { RETENTION_POLICIES, ROLLUP_INTERVAL } from '../../storage/measurements.ts';
import { mapLimit } from '../../common/map-limit.ts';
import { subjectOfTags } from '../../common/subjects.ts';
import { isOutageCause, type OutageCause } from '../../common/words/power.ts';
import type { Inventory } from '../inventory.ts';
import { downIntervals, intersection, overlapMs, union, type Interval } from '../uptime.ts';
import { ident, type Query } from '../../storage/influx-query.ts';
import { PRESENCE, presenceMeasurements, presenceOf, presentSubject, subjectCondition, type PresenceMeasurement } from './presence.ts';

/** A 5-minute rollup bucket: the grain of monitored time. */
export const BUCKET_MS = ROLLUP_MS;

/** The start of the 5-minute bucket that holds `t`. */
export const bucketStart = (t: number) => Math.floor(t / BUCKET_MS) * BUCKET_MS;

/** Buckets before this are in the rollups for sure; the continuous query may not have filled the last two yet. */
const rawCut = (now: number) => bucketStart(now) - BUCKET_MS;

/**
 * Monitored ms per subject for each window (all ending at `now`), keyed like
 * `windows`: measured buckets plus imported spans (read unless given).
 */
export async function monitoredTime(
  query: Query,
  inventory: Inventory,
  windows: Record<string, Interval>,
  now: number,
  imported?: ReadonlyMap<string, readonly Interval[]>,
): Promise<Record<string, Map<string, number>>> {
  const [measured, spans] = await Promise.all([measuredTime(query, inventory, windows, now), imported ?? importedSpans(query)]);
  return withImportedTime(measured, spans, inventory, windows, now);
}

/** Measured ms per subject for each window; windows are aligned down to 5-minute buckets. */
async function measuredTime(
  query: Query,
  inventory: Inventory,
  windows: Record<string, Interval>,
  now: number,
): Promise<Record<string, Map<string, number>>> {
  // Buckets before the cut come from the rollups, the rest is counted from raw points.
  const cut = rawCut(now);
  const rawBuckets = new Map<string, Map<number, true>>();
  const tasks: Promise<void>[] = [];
  const result: Record<string, Map<string, number>> = {};
  for (const name of Object.keys(windows)) result[name] = new Map();

  for (const m of presenceMeasurements(inventory)) {
    const { field, tag } = PRESENCE[m];
    tasks.push(
      query(
        `SELECT count(${ident(field.raw)}) AS "n" FROM ${ident(RETENTION_POLICIES.raw)}.${ident(m)} WHERE time >= ${cut}ms ` +
          `GROUP BY time(${ROLLUP_INTERVAL}), ${ident(tag)} fill(none)`,
      ).then((rows) => {
        for (const row of rows) {
          const key = presentSubject(inventory, m, row);
          if (!key || !(Number(row.n) > 0)) continue;
          const buckets = rawBuckets.get(key) ?? new Map<number, true>();
          buckets.set(Number(row.time), true);
          rawBuckets.set(key, buckets);
        }
      }),
    );
    for (const [name, window] of Object.entries(windows)) {
      const from = bucketStart(window.from);
      if (from >= cut) continue;
      tasks.push(
        query(
          `SELECT count(${ident(field.rollup)}) AS "n" FROM ${ident(RETENTION_POLICIES.rollup)}.${ident(m)} ` +
            `WHERE time >= ${from}ms AND time < ${cut}ms GROUP BY ${ident(tag)}`,
        ).then((rows) => {
          for (const row of rows) {
            const key = presentSubject(inventory, m, row);
            if (key) result[name]!.set(key, Number(row.n) * BUCKET_MS);
          }
        }),
      );
    }
  }
  await Promise.all(tasks);

  for (const [name, window] of Object.entries(windows)) {
    const from = bucketStart(window.from);
    const map = result[name]!;
    for (const [key, buckets] of rawBuckets) {
      let ms = 0;
      for (const start of buckets.keys()) if (start >= from) ms += Math.min(BUCKET_MS, now - start);
      if (ms > 0) map.set(key, (map.get(key) ?? 0) + ms);
    }
  }
  return result;
}

/** A recorded outage: from its start (what identifies it, with its subject) to its end. */
export interface RecordedOutage extends Interval {
  /** The cause Merezha judged; absent for outages recorded before causes were judged (or a word it does not know). */
  cause?: OutageCause;
}

/** Outages recorded since `since` or still open, per subject; an open outage runs until `now`. */
export async function recordedOutages(query: Query, since: number, now: number): Promise<Map<string, RecordedOutage[]>> {
  const rows = await query(
    `SELECT "end_ms", "open", "cause" FROM ${ident(RETENTION_POLICIES.events)}."outage" ` +
      `WHERE "open" = 1 OR "end_ms" >= ${Math.floor(since)} GROUP BY "device", "service"`,
  );
  const out = new Map<string, RecordedOutage[]>();
  for (const row of rows) {
    const key = subjectOfTags(row);
    if (!key) continue;
    const from = Number(row.time);
    const to = Number(row.open) === 1 || row.end_ms === null ? now : Number(row.end_ms);
    out.set(key, [...(out.get(key) ?? []), { from, to, ...(isOutageCause(row.cause) ? { cause: row.cause } : {}) }]);
  }
  return out;
}

/** One import of a subject's history (a `backfill` point). */
export interface ImportedSpan extends Interval {
  /** The file it came from. */
  source: string;
}

/** Every import, per subject key. */
export async function importedSpans(query: Query): Promise<Map<string, ImportedSpan[]>> {
  const rows = await query(
    `SELECT "from_ms", "to_ms", "source" FROM ${ident(RETENTION_POLICIES.events)}."backfill" GROUP BY "device", "service"`,
  );
  const out = new Map<string, ImportedSpan[]>();
  for (const row of rows) {
    const key = subjectOfTags(row);
    if (!key || row.from_ms === null || row.to_ms === null) continue;
    const span = { from: Number(row.from_ms), to: Number(row.to_ms), source: String(row.source ?? '') };
    out.set(key, [...(out.get(key) ?? []), span]);
  }
  return out;
}

/**
 * Pure: measured ms plus, per window, the overlap of the window (up to `now`)
 * with the subject's imported spans. Imported spans are not aligned to
 * buckets: they count to the millisecond, like outages.
 */
export function withImportedTime(
  measured: Record<string, Map<string, number>>,
  imported: ReadonlyMap<string, readonly Interval[]>,
  inventory: Inventory,
  windows: Record<string, Interval>,
  now: number,
): Record<string, Map<string, number>> {
  const result: Record<string, Map<string, number>> = {};
  for (const [name, window] of Object.entries(windows)) {
    const map = new Map(measured[name] ?? []);
    const within = { from: window.from, to: Math.min(window.to, now) };
    for (const [key, spans] of imported) {
      const ms = inventory.subjects.has(key) ? overlapMs(union(spans), within) : 0;
      if (ms > 0) map.set(key, (map.get(key) ?? 0) + ms);
    }
    result[name] = map;
  }
  return result;
}

/**
 * When each subject was first measured within `range`, if it was: the start
 * of the first 5-minute bucket with a probe, from the rollups or raw points.
 * A bucket counts when it overlaps the range at all, since monitored time
 * counts it whole.
 */
export async function measuredFrom(query: Query, inventory: Inventory, range: Interval): Promise<Map<string, number>> {
  // Whole buckets: a raw point late in the bucket where the range ends still makes that bucket measured.
  const where = `WHERE time >= ${bucketStart(range.from)}ms AND time < ${Math.ceil(range.to / BUCKET_MS) * BUCKET_MS}ms`;
  const first = new Map<string, number>();
  const tasks: Promise<void>[] = [];
  for (const m of presenceMeasurements(inventory)) {
    const { field, tag } = PRESENCE[m];
    const sources = [
      `SELECT first(${ident(field.rollup)}) FROM ${ident(RETENTION_POLICIES.rollup)}.${ident(m)} ${where} GROUP BY ${ident(tag)}`,
      `SELECT first(${ident(field.raw)}) FROM ${ident(RETENTION_POLICIES.raw)}.${ident(m)} ${where} GROUP BY ${ident(tag)}`,
    ];
    for (const influxql of sources) {
      tasks.push(
        query(influxql).then((rows) => {
          for (const row of rows) {
            const key = presentSubject(inventory, m, row);
            if (!key) continue;
            const bucket = bucketStart(Number(row.time));
            first.set(key, Math.min(first.get(key) ?? Infinity, bucket));
          }
        }),
      );
    }
  }
  await Promise.all(tasks);
  return first;
}

/**
 * Intervals (of any subjects of one measurement) less than an hour apart are
 * read by one statement, of at most a week unless one interval is longer:
 * each subject named in it returns its buckets over the whole statement, so
 * statements stay close to the intervals.
 */
const JOIN_GAP_MS = 3_600_000;
const MAX_STATEMENT_MS = 7 * 86_400_000;
const STATEMENTS_PER_REQUEST = 20;
const CONCURRENCY = 4;

/**
 * The measured 5-minute buckets of each subject inside the given intervals
 * (its down intervals), as merged intervals: a bucket counts whole when it
 * holds a probe, the current one up to `now`. From the rollups, or with
 * `raw` (the dashboard) the last two buckets from raw points as in
 * `monitoredTime`; without it (the report) from the rollups only. Nearby
 * intervals of subjects of one measurement share a statement, several
 * statements share a request.
 */
export async function measuredWithin(
  query: Query,
  inventory: Inventory,
  wanted: ReadonlyMap<string, readonly Interval[]>,
  now: number,
  options: { raw: boolean },
): Promise<Map<string, Interval[]>> {
  const cut = options.raw ? rawCut(now) : Infinity;
  // Per subject, the bucket-aligned spans to look in; per measurement, what to read.
  const spans = new Map<string, Interval[]>();
  const items = new Map<PresenceMeasurement, { key: string; from: number; to: number }[]>();
  const rawKeys = new Map<PresenceMeasurement, Set<string>>();
  for (const [key, list] of wanted) {
    if (!inventory.subjects.has(key)) continue;
    const m = presenceOf(inventory, key);
    const aligned = union(list.map((i) => ({ from: bucketStart(i.from), to: Math.min(i.to, now) })));
    if (aligned.length === 0) continue;
    spans.set(key, aligned);
    for (const i of aligned) {
      if (i.from < cut) {
        const list = items.get(m) ?? [];
        list.push({ key, from: i.from, to: Math.min(i.to, cut) });
        items.set(m, list);
      }
      if (i.to > cut) rawKeys.set(m, (rawKeys.get(m) ?? new Set()).add(key));
    }
  }

  const statements: { m: PresenceMeasurement; text: string }[] = [];
  const where = (keys: Iterable<string>) => [...keys].map((k) => subjectCondition(inventory.subjects.get(k)!)).join(' OR ');
  for (const [m, list] of items) {
    const { field, tag } = PRESENCE[m];
    list.sort((a, b) => a.from - b.from);
    let cluster: { from: number; to: number; keys: Set<string> } | undefined;
    const emit = () => {
      if (!cluster) return;
      statements.push({
        m,
        text:
          `SELECT count(${ident(field.rollup)}) AS "n" FROM ${ident(RETENTION_POLICIES.rollup)}.${ident(m)} WHERE (${where(cluster.keys)}) ` +
          `AND time >= ${cluster.from}ms AND time < ${cluster.to}ms GROUP BY time(${ROLLUP_INTERVAL}), ${ident(tag)} fill(none)`,
      });
    };
    for (const item of list) {
      if (cluster && item.from - cluster.to <= JOIN_GAP_MS && Math.max(cluster.to, item.to) - cluster.from <= MAX_STATEMENT_MS) {
        cluster.to = Math.max(cluster.to, item.to);
        cluster.keys.add(item.key);
      } else {
        emit();
        cluster = { from: item.from, to: item.to, keys: new Set([item.key]) };
      }
    }
    emit();
  }
  for (const [m, keys] of rawKeys) {
    const { field, tag } = PRESENCE[m];
    statements.push({
      m,
      text:
        `SELECT count(${ident(field.raw)}) AS "n" FROM ${ident(RETENTION_POLICIES.raw)}.${ident(m)} WHERE (${where(keys)}) ` +
        `AND time >= ${cut}ms GROUP BY time(${ROLLUP_INTERVAL}), ${ident(tag)} fill(none)`,
    });
  }

  const buckets = new Map<string, number[]>();
  const batches: string[] = [];
  for (let i = 0; i < statements.length; i += STATEMENTS_PER_REQUEST)
    batches.push(
      statements
        .slice(i, i + STATEMENTS_PER_REQUEST)
        .map((b) => b.text)
        .join('; '),
    );
  await mapLimit(batches, CONCURRENCY, (batch) =>
    query(batch).then((rows) => {
      for (const row of rows) {
        // Rows of a batch carry no statement; the tag says which subject (and so which measurement) it is.
        const key = subjectOfTags(row);
        if (!key || !spans.has(key) || !(Number(row.n) > 0)) continue;
        const list = buckets.get(key) ?? [];
        list.push(Number(row.time));
        buckets.set(key, list);
      }
    }),
  );

  const out = new Map<string, Interval[]>();
  for (const [key, starts] of buckets) {
    const own = spans.get(key)!;
    const measured = union(starts.map((start) => ({ from: start, to: Math.min(start + BUCKET_MS, now) })));
    out.set(key, intersection([measured, own.map((i) => ({ from: i.from, to: Math.ceil(i.to / BUCKET_MS) * BUCKET_MS }))]));
  }
  return out;
}

/** Down intervals per subject, its own outages and its ancestors' (`downIntervals`), parents first. */
export function subjectDownIntervals(inventory: Inventory, outages: ReadonlyMap<string, readonly Interval[]>): Map<string, Interval[]> {
  return downIntervals(inventory.order, (key) => inventory.subjects.get(key)?.parent, outages);
}

/** Each subject's down intervals inside `range` up to `now`, for subjects with any: where `measuredWithin` looks. */
export function downWithin(
  inventory: Inventory,
  outages: ReadonlyMap<string, readonly Interval[]>,
  range: Interval,
  now: number,
): Map<string, Interval[]> {
  const wanted = new Map<string, Interval[]>();
  for (const [key, list] of subjectDownIntervals(inventory, outages)) {
    const inRange = intersection([list, [{ from: range.from, to: Math.min(range.to, now) }]]);
    if (inRange.length) wanted.set(key, inRange);
  }
  return wanted;
}

/**
 * Where each subject was monitored while it was down (own outages or an
 * ancestor's) within `range`: its measured buckets there (`measuredWithin`)
 * plus its imported spans. What `observedDown` needs, for the dashboard.
 */
export async function watchedWhileDown(
  query: Query,
  inventory: Inventory,
  outages: ReadonlyMap<string, readonly Interval[]>,
  imported: ReadonlyMap<string, readonly Interval[]>,
  range: Interval,
  now: number,
): Promise<Map<string, Interval[]>> {
  const measured = await measuredWithin(query, inventory, downWithin(inventory, outages, range, now), now, { raw: true });
  return watchedOf(inventory.order, measured, imported);
}

/** Pure: per subject of `order`, its measured buckets while down and its imported spans, merged; subjects with neither left out. */
export function watchedOf(
  order: readonly string[],
  measuredInDown: ReadonlyMap<string, readonly Interval[]>,
  imported: ReadonlyMap<string, readonly Interval[]>,
): Map<string, Interval[]> {
  const out = new Map<string, Interval[]>();
  for (const key of order) {
    const all = union([...(measuredInDown.get(key) ?? []), ...(imported.get(key) ?? [])]);
    if (all.length) out.set(key, all);
  }
  return out;
}
