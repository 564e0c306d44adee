/**
 * The report's reads from InfluxDB, and only those: plain data for the pure
 * computation (`compute.ts`), with every query recorded, as run, for the
 * report's appendix.
 *
 * A year is read from the 5-minute rollups and the events, never from raw
 * points: monitored buckets are counted per local day (GROUP BY time(1d) in
 * the hromada's zone), Wi-Fi clients averaged per month, interface speeds
 * taken last; outages and imported spans are few. Inside the down
 * intervals (own outages and the ancestors'), and only there, the measured
 * 5-minute buckets are read one by one (`measuredWithin`), so that downtime
 * counts only what was observed. About 4 queries a month, whatever the
 * number of devices, and a few for the outages.
 */
import { RETENTION_POLICIES } from '../../storage/measurements.ts';
import { mapLimit } from '../../common/map-limit.ts';
import type { Config } from '../../config/schema.ts';
import { subjectOfTags } from '../../common/subjects.ts';
import type { Inventory } from '../inventory.ts';
import { bucketStart, downWithin, importedSpans, measuredWithin, recordedOutages } from '../store/availability-store.ts';
import { PRESENCE, presenceMeasurements, presentSubject } from '../store/presence.ts';
import { ident, literal, type Query, type Row } from '../../storage/influx-query.ts';
import type { Interval } from '../uptime.ts';
import { monthsOf } from './periods.ts';

const CONCURRENCY = 8;

/** Means and peak of one access point's clients in one month. */
export interface WifiMonth {
  /** Mean of the 5-minute means. */
  avg: number;
  peak: number;
  /** 5-minute buckets with a reading. */
  n: number;
}

export interface ReportSource {
  /** Per subject key: [time of a day bucket (local midnight, or earlier for a first partial day), measured 5-minute buckets]. */
  measured: Map<string, [number, number][]>;
  /** Imported history (`merezha import`) per subject key. */
  imported: Map<string, Interval[]>;
  /** Recorded outages per subject key that end in or after the range; open ones run until `now`. */
  outages: Map<string, Interval[]>;
  /** Per subject key, its measured 5-minute buckets (merged) inside its down intervals within the range. */
  measuredInDown: Map<string, Interval[]>;
  /** Per device, one entry per month of the range (undefined: no reading that month). */
  wifi: Map<string, (WifiMonth | undefined)[]>;
  /** The last interface speed in the range, Mbit/s. */
  speeds: Map<string, number>;
  /** The number each `influxql` KPI's query returned (null: no number). */
  custom: Map<string, number | null>;
  queries: { figure: string; influxql: string }[];
}

/** `$from` and `$to` of a custom KPI query, as InfluxQL time literals. */
export function customQueryText(text: string, range: Interval): string {
  return text.replaceAll('$from', `${range.from}ms`).replaceAll('$to', `${range.to}ms`);
}

/** The first number of the first row (time aside): what a custom KPI query answers. */
export function firstNumber(rows: readonly Row[]): number | null {
  for (const [column, value] of Object.entries(rows[0] ?? {})) {
    if (column !== 'time' && typeof value === 'number' && Number.isFinite(value)) return value;
  }
  return null;
}

/**
 * Reads everything the report of [range.from, min(range.to, now)) needs.
 * `progress(done, total)` is called as queries finish.
 */
export async function readReportSource(
  query: Query,
  config: Config,
  inventory: Inventory,
  range: Interval,
  now: number,
  progress: (done: number, total: number) => void = () => {},
): Promise<ReportSource> {
  const timeZone = config.hromada.timezone;
  const end = Math.min(range.to, now);
  const measured = new Map<string, [number, number][]>();
  const wifi = new Map<string, (WifiMonth | undefined)[]>();
  const speeds = new Map<string, number>();
  const custom = new Map<string, number | null>();
  const queries: { figure: string; influxql: string }[] = [];
  const months = end > range.from ? monthsOf({ from: range.from, to: end }, timeZone) : [];
  const rollup = ident(RETENTION_POLICIES.rollup);
  const tasks: { figure: string; influxql: string; use(rows: Row[]): void }[] = [];
  const add = (figure: string, influxql: string, use: (rows: Row[]) => void) => tasks.push({ figure, influxql, use });

  const needed = presenceMeasurements(inventory);
  months.forEach((month, mi) => {
    const where = `WHERE time >= ${bucketStart(month.from)}ms AND time < ${month.to}ms`;
    for (const m of needed) {
      const { field, tag } = PRESENCE[m];
      add(
        `monitored time ${month.label} (${m}): measured 5-minute buckets per local day`,
        `SELECT count(${ident(field.rollup)}) AS "n" FROM ${rollup}.${ident(m)} ${where} GROUP BY time(1d), ${ident(tag)} fill(none) tz(${literal(timeZone)})`,
        (rows) => {
          for (const row of rows) {
            const key = presentSubject(inventory, m, row);
            if (!key || !(Number(row.n) > 0)) continue;
            measured.set(key, [...(measured.get(key) ?? []), [Number(row.time), Number(row.n)]]);
          }
        },
      );
    }
    add(
      `Free WiFi clients ${month.label}: mean, peak and readings per access point`,
      `SELECT mean("clients") AS "avg", max("clients_max") AS "peak", count("clients") AS "n" FROM ${rollup}."wifi" ${where} GROUP BY "device"`,
      (rows) => {
        for (const row of rows) {
          const key = subjectOfTags(row);
          if (!key || !(Number(row.n) > 0)) continue;
          const list = wifi.get(key) ?? months.map(() => undefined);
          list[mi] = { avg: Number(row.avg), peak: Number(row.peak), n: Number(row.n) };
          wifi.set(key, list);
        }
      },
    );
  });
  add(
    'interface speed: the last reading in the range per device (high-speed links without bandwidth_mbps)',
    `SELECT last("speed_mbps") AS "speed_mbps" FROM ${rollup}."interface" WHERE time >= ${range.from}ms AND time < ${end}ms GROUP BY "device"`,
    (rows) => {
      for (const row of rows) {
        const key = subjectOfTags(row);
        if (key && typeof row.speed_mbps === 'number') speeds.set(key, row.speed_mbps);
      }
    },
  );
  for (const k of config.kpis) {
    if (k.metric !== 'influxql') continue;
    add(`KPI ${k.id} (custom query)`, customQueryText(k.query, { from: range.from, to: end }), (rows) =>
      custom.set(k.id, firstNumber(rows)),
    );
  }

  // The shared readers of the availability store, with their queries recorded too.
  let outages = new Map<string, Interval[]>();
  let imported = new Map<string, Interval[]>();
  let measuredInDown = new Map<string, Interval[]>();
  const recorded =
    (figure: string): Query =>
    (influxql) => {
      queries.push({ figure, influxql });
      return query(influxql);
    };
  const total = tasks.length + 3;
  let done = 0;
  const tick = () => progress(++done, total);
  progress(0, total);
  await Promise.all([
    recordedOutages(recorded('outages of every device and service (own outages, measured and imported)'), range.from, now).then(
      async (o) => {
        outages = o;
        tick();
        measuredInDown = await measuredWithin(
          recorded("measured 5-minute buckets inside outages (own and the parents'): only observed downtime counts"),
          inventory,
          downWithin(inventory, o, range, now),
          end,
          { raw: false },
        );
        tick();
      },
    ),
    importedSpans(recorded('imported history: spans counted as monitored (merezha import)')).then((s) => {
      imported = s;
      tick();
    }),
    mapLimit(tasks, CONCURRENCY, async (t) => {
      t.use(await query(t.influxql));
      tick();
    }),
  ]);
  queries.push(...tasks.map(({ figure, influxql }) => ({ figure, influxql })));
  return { measured, imported, outages, measuredInDown, wifi, speeds, custom, queries };
}
