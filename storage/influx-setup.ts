/**
 * The database, retention policies and rollup continuous queries, all
 * generated from `measurements.ts`, and the rollup recomputation that fills
 * the 5-minute rollup for points written late (after a spool replay).
 *
 * Setup is idempotent: the writer runs it at start and again whenever
 * InfluxDB comes back, which also repairs a database dropped in between.
 */
import type { InfluxDB } from 'influx';
import type { Logger } from '../common/log.ts';
import { parseDuration } from '../config/duration.ts';
import { MEASUREMENTS, RETENTION_POLICIES, ROLLUP_INTERVAL, type MeasurementName } from './measurements.ts';
import { measurementSpec } from './point-check.ts';

const DAY_MS = 86_400_000;
const MIN_RAW_RETENTION_MS = 30 * DAY_MS;
const MIN_ROLLUP_RETENTION_MS = 730 * DAY_MS;
export const ROLLUP_MS = parseDuration(ROLLUP_INTERVAL)!;
/**
 * A CQ computes an interval once, right after it ends; points that arrive a
 * little later (the writer's flush interval, a short outage) would be missing
 * from it. Recomputing the previous interval as well catches them.
 */
export const CQ_RESAMPLE_FOR = '10m';
const CQ_PREFIX = 'merezha_rollup_';
/** Bounds the work of one SELECT ... INTO when a long outage is recomputed. */
const RECOMPUTE_CHUNK_MS = DAY_MS;

export interface RetentionMs {
  rawMs: number;
  /** Also the retention of events. */
  rollupMs: number;
}

/** Milliseconds since the epoch, both ends included. */
export interface TimeRange {
  fromMs: number;
  toMs: number;
}

export const ROLLUP_MEASUREMENTS: readonly MeasurementName[] = (Object.keys(MEASUREMENTS) as MeasurementName[]).filter((m) =>
  Object.values(measurementSpec(m).fields).some((field) => field.rollup !== undefined),
);

/** The retention policy a measurement's raw points are written to. */
export function retentionPolicyOf(measurement: MeasurementName): string {
  return RETENTION_POLICIES[measurementSpec(measurement).retention];
}

/** An InfluxQL identifier, always quoted so that no name can break the query. */
function ident(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Widens a range to whole rollup intervals: [from, to] becomes [start of from's bucket, end of to's bucket). */
function alignToRollup({ fromMs, toMs }: TimeRange): TimeRange {
  return { fromMs: Math.floor(fromMs / ROLLUP_MS) * ROLLUP_MS, toMs: Math.floor(toMs / ROLLUP_MS) * ROLLUP_MS + ROLLUP_MS };
}

/**
 * The rollup query of a measurement, used both as the body of its continuous
 * query and (with a range) to recompute the rollup. A range is always widened
 * to whole 5-minute buckets, since a bucket computed from part of its points
 * would overwrite the right value with a wrong one.
 */
export function rollupSelect(measurement: MeasurementName, db: string, range?: TimeRange): string {
  const columns = Object.entries(measurementSpec(measurement).fields).flatMap(([field, spec]) =>
    Object.entries(spec.rollup ?? {}).map(([name, aggregate]) => `${aggregate}(${ident(field)}) AS ${ident(name)}`),
  );
  if (columns.length === 0) throw new Error(`measurement ${measurement} has no rollup fields`);
  let where = '';
  if (range) {
    const { fromMs, toMs } = alignToRollup(range);
    where = ` WHERE time >= '${new Date(fromMs).toISOString()}' AND time < '${new Date(toMs).toISOString()}'`;
  }
  return (
    `SELECT ${columns.join(', ')} INTO ${ident(db)}.${ident(RETENTION_POLICIES.rollup)}.${ident(measurement)}` +
    ` FROM ${ident(db)}.${ident(RETENTION_POLICIES.raw)}.${ident(measurement)}${where} GROUP BY time(${ROLLUP_INTERVAL}), *`
  );
}

export function continuousQueryName(measurement: MeasurementName): string {
  return `${CQ_PREFIX}${measurement}`;
}

export function continuousQueryStatement(measurement: MeasurementName, db: string): string {
  return (
    `CREATE CONTINUOUS QUERY ${ident(continuousQueryName(measurement))} ON ${ident(db)}` +
    ` RESAMPLE FOR ${CQ_RESAMPLE_FOR} BEGIN ${rollupSelect(measurement, db)} END`
  );
}

/** InfluxDB shows a CQ re-printed, quoting only where needed; compare without quotes or spacing. */
function sameStatement(a: string, b: string): boolean {
  const normal = (text: string) => text.replace(/"/g, '').replace(/\s+/g, ' ').trim();
  return normal(a) === normal(b);
}

/** Seconds in a Go duration as SHOW RETENTION POLICIES prints it ("720h0m0s", "0s"). */
function goDurationSeconds(text: string): number | null {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!m) return null;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

export function checkRetention({ rawMs, rollupMs }: RetentionMs): void {
  if (!(rawMs >= MIN_RAW_RETENTION_MS)) throw new Error(`raw retention must be at least 30 days, got ${rawMs} ms`);
  if (!(rollupMs >= MIN_ROLLUP_RETENTION_MS)) throw new Error(`rollup retention must be at least 730 days, got ${rollupMs} ms`);
}

async function ensureRetentionPolicies(influx: InfluxDB, database: string, retention: RetentionMs, log: Logger): Promise<void> {
  const wanted = [
    { name: RETENTION_POLICIES.raw, ms: retention.rawMs, isDefault: true },
    { name: RETENTION_POLICIES.rollup, ms: retention.rollupMs, isDefault: false },
    { name: RETENTION_POLICIES.events, ms: retention.rollupMs, isDefault: false },
  ];
  const existing = await influx.showRetentionPolicies(database);
  for (const policy of wanted) {
    const seconds = Math.round(policy.ms / 1000);
    const options = { database, duration: `${seconds}s`, replication: 1, isDefault: policy.isDefault };
    const found = existing.find((rp) => rp.name === policy.name);
    if (found === undefined) {
      await influx.createRetentionPolicy(policy.name, options);
      log.info({ database, policy: policy.name, duration: options.duration }, 'created retention policy');
    } else if (goDurationSeconds(found.duration) !== seconds || (policy.isDefault && !found.default)) {
      await influx.alterRetentionPolicy(policy.name, options);
      log.info({ database, policy: policy.name, duration: options.duration, was: found.duration }, 'changed retention policy');
    }
  }
}

interface RawSeries {
  name: string;
  values?: unknown[][];
}

async function showContinuousQueries(influx: InfluxDB, database: string): Promise<Map<string, string>> {
  const response = (await influx.queryRaw('SHOW CONTINUOUS QUERIES', { database })) as { results: Array<{ series?: RawSeries[] }> };
  // One series per database; the client's own parser would merge them all.
  const series = response.results[0]?.series?.find((s) => s.name === database);
  return new Map((series?.values ?? []).map(([name, query]) => [String(name), String(query)]));
}

async function ensureContinuousQueries(influx: InfluxDB, database: string, log: Logger): Promise<void> {
  const existing = await showContinuousQueries(influx, database);
  const wanted = new Set<string>();
  for (const measurement of ROLLUP_MEASUREMENTS) {
    const name = continuousQueryName(measurement);
    const statement = continuousQueryStatement(measurement, database);
    wanted.add(name);
    const current = existing.get(name);
    if (current !== undefined && sameStatement(current, statement)) continue;
    // InfluxDB has no CREATE OR REPLACE for continuous queries.
    if (current !== undefined) await influx.dropContinuousQuery(name, database);
    await influx.query(statement, { database, method: 'POST' });
    log.info({ database, cq: name }, current === undefined ? 'created continuous query' : 'continuous query changed; recreated it');
  }
  for (const name of existing.keys()) {
    if (name.startsWith(CQ_PREFIX) && !wanted.has(name)) {
      await influx.dropContinuousQuery(name, database);
      log.info({ database, cq: name }, 'dropped continuous query of a measurement without rollup');
    }
  }
}

export interface SetupOptions {
  database: string;
  retention: RetentionMs;
  log: Logger;
}

/** Creates or repairs the database, its retention policies and continuous queries. */
export async function setupInflux(influx: InfluxDB, { database, retention, log }: SetupOptions): Promise<void> {
  checkRetention(retention);
  await influx.createDatabase(database);
  await ensureRetentionPolicies(influx, database, retention, log);
  await ensureContinuousQueries(influx, database, log);
}

/**
 * Re-runs every rollup query for [fromMs, toMs], widened to whole 5-minute
 * buckets, in chunks of a day. Continuous queries never backfill, so this is
 * what rolls up points replayed from the spool. Returns the rollup points written.
 */
export async function recomputeRollups(influx: InfluxDB, db: string, fromMs: number, toMs: number): Promise<number> {
  const range = alignToRollup({ fromMs, toMs });
  let written = 0;
  for (let start = range.fromMs; start < range.toMs; start += RECOMPUTE_CHUNK_MS) {
    // TimeRange ends are inclusive: the chunk's last millisecond, not the next chunk's first.
    const chunk = { fromMs: start, toMs: Math.min(start + RECOMPUTE_CHUNK_MS, range.toMs) - 1 };
    for (const measurement of ROLLUP_MEASUREMENTS) {
      const rows = await influx.query<{ written: number }>(rollupSelect(measurement, db, chunk), { database: db, method: 'POST' });
      written += rows.reduce((sum, row) => sum + row.written, 0);
    }
  }
  return written;
}
