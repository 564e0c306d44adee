/**
 * What uptime is computed from, read from InfluxDB: how long each subject was
 * monitored in a window (5-minute buckets that hold at least one probe) and
 * the outages the state engine recorded.
 *
 * Monitored time comes from the 5-minute rollups, which cover years cheaply;
 * the last two buckets, which the continuous query may not have filled yet,
 * come from the raw points instead.
 */
import { RETENTION_POLICIES, ROLLUP_INTERVAL } from '../../collector/storage/measurements.ts';
import { serviceKey, type Inventory } from '../inventory.ts';
import type { Interval } from '../uptime.ts';
import { ident, type Query, type Row } from './influx-query.ts';

export const BUCKET_MS = 5 * 60_000;

/** The measurement and field whose presence means "this subject was being looked at". */
const PRESENCE = {
  ping: { field: 'reachable', tag: 'device' },
  snmp: { field: 'ok', tag: 'device' },
  service: { field: 'up', tag: 'service' },
} as const;
type PresenceMeasurement = keyof typeof PRESENCE;

function subjectOf(row: Row, tag: 'device' | 'service'): string | undefined {
  const v = row[tag];
  if (typeof v !== 'string' || v === '') return undefined;
  return tag === 'service' ? serviceKey(v) : v;
}

function measurementFor(inventory: Inventory, key: string): PresenceMeasurement {
  const s = inventory.subjects.get(key);
  return s?.reachBy === 'service' ? 'service' : s?.reachBy === 'snmp' ? 'snmp' : 'ping';
}

/**
 * Monitored ms per subject for each window (all ending at `now`), keyed like `windows`.
 * Windows are aligned down to 5-minute buckets.
 */
export async function monitoredTime(
  query: Query,
  inventory: Inventory,
  windows: Record<string, Interval>,
  now: number,
): Promise<Record<string, Map<string, number>>> {
  const needed = new Set<PresenceMeasurement>([...inventory.subjects.keys()].map((k) => measurementFor(inventory, k)));
  // Buckets before `cut` are in the rollup for sure; the rest is counted from raw points.
  const cut = Math.floor(now / BUCKET_MS) * BUCKET_MS - BUCKET_MS;
  const rawBuckets = new Map<string, Map<number, true>>();
  const tasks: Promise<void>[] = [];
  const result: Record<string, Map<string, number>> = {};
  for (const name of Object.keys(windows)) result[name] = new Map();

  for (const m of needed) {
    const { field, tag } = PRESENCE[m];
    tasks.push(
      query(
        `SELECT count(${ident(field)}) AS "n" FROM ${ident(RETENTION_POLICIES.raw)}.${ident(m)} WHERE time >= ${cut}ms ` +
          `GROUP BY time(${ROLLUP_INTERVAL}), ${ident(tag)} fill(none)`,
      ).then((rows) => {
        for (const row of rows) {
          const key = subjectOf(row, tag);
          if (!key || measurementFor(inventory, key) !== m || !(Number(row.n) > 0)) continue;
          const buckets = rawBuckets.get(key) ?? new Map<number, true>();
          buckets.set(Number(row.time), true);
          rawBuckets.set(key, buckets);
        }
      }),
    );
    for (const [name, window] of Object.entries(windows)) {
      const from = Math.floor(window.from / BUCKET_MS) * BUCKET_MS;
      if (from >= cut) continue;
      tasks.push(
        query(
          `SELECT count("samples") AS "n" FROM ${ident(RETENTION_POLICIES.rollup)}.${ident(m)} ` +
            `WHERE time >= ${from}ms AND time < ${cut}ms GROUP BY ${ident(tag)}`,
        ).then((rows) => {
          for (const row of rows) {
            const key = subjectOf(row, tag);
            if (key && measurementFor(inventory, key) === m) result[name]!.set(key, Number(row.n) * BUCKET_MS);
          }
        }),
      );
    }
  }
  await Promise.all(tasks);

  for (const [name, window] of Object.entries(windows)) {
    const from = Math.floor(window.from / BUCKET_MS) * BUCKET_MS;
    const map = result[name]!;
    for (const [key, buckets] of rawBuckets) {
      let ms = 0;
      for (const start of buckets.keys()) if (start >= from) ms += Math.min(BUCKET_MS, now - start);
      if (ms > 0) map.set(key, (map.get(key) ?? 0) + ms);
    }
  }
  return result;
}

/** Outages recorded since `since` or still open, per subject; an open outage runs until `now`. */
export async function recordedOutages(query: Query, since: number, now: number): Promise<Map<string, Interval[]>> {
  const rows = await query(
    `SELECT "end_ms", "open" FROM ${ident(RETENTION_POLICIES.events)}."outage" ` +
      `WHERE "open" = 1 OR "end_ms" >= ${Math.floor(since)} GROUP BY "device", "service"`,
  );
  const out = new Map<string, Interval[]>();
  for (const row of rows) {
    const key = subjectOf(row, 'service') ?? subjectOf(row, 'device');
    if (!key) continue;
    const from = Number(row.time);
    const to = Number(row.open) === 1 || row.end_ms === null ? now : Number(row.end_ms);
    out.set(key, [...(out.get(key) ?? []), { from, to }]);
  }
  return out;
}
