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
 * number of devices, and a few for the outages, their causes and the power:
 * the admins' reclassifications, the supplies' power events (and each
 * supply's last ones before the range, to know where it stood at the start)
 * and the blackout slots, each read once. An Invincibility Point's measured
 * buckets are read inside its hours without power too (`power.ts`), which
 * is what its KPI judges.
 */
import { RETENTION_POLICIES } from '../../storage/measurements.ts';
import { mapLimit } from '../../common/map-limit.ts';
import type { Config } from '../../config/schema.ts';
import { subjectOfTags } from '../../common/subjects.ts';
import type { Inventory } from '../inventory.ts';
import {
  bucketStart,
  downWithin,
  importedSpans,
  measuredWithin,
  recordedOutages,
  type RecordedOutage,
} from '../store/availability-store.ts';
import { readOutageNotes } from '../store/outage-notes.ts';
import type { OutageNote } from '../power/notes.ts';
import { PRESENCE, presenceMeasurements, presentSubject } from '../store/presence.ts';
import { ident, literal, type Query, type Row } from '../../storage/influx-query.ts';
import type { Interval } from '../uptime.ts';
import { monthsOf } from './periods.ts';
import { POWER_EVENTS, pointDarkHours, powerHours, type BlackoutRow, type SupplyEvent } from './power.ts';

/** Queries in flight at once: influxd answers a few in parallel, and more would only queue there. */
export const REPORT_CONCURRENCY = 8;

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
  /** Recorded outages per subject key that end in or after the range, with their judged cause; open ones run until `now`. */
  outages: Map<string, RecordedOutage[]>;
  /** Admins' reclassifications of those outages. */
  notes: OutageNote[];
  /** The supplies' power events in the range, and each supply's last of each type before it. */
  power: SupplyEvent[];
  /** Blackout slots that overlap the range. */
  blackouts: BlackoutRow[];
  /**
   * Per subject key, its measured 5-minute buckets (merged) inside its down
   * intervals within the range, and an Invincibility Point's inside its
   * hours without power.
   */
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
  const events = ident(RETENTION_POLICIES.events);
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
            const days = measured.get(key);
            if (days) days.push([Number(row.time), Number(row.n)]);
            else measured.set(key, [[Number(row.time), Number(row.n)]]);
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
  let outages = new Map<string, RecordedOutage[]>();
  let imported = new Map<string, Interval[]>();
  let measuredInDown = new Map<string, Interval[]>();
  let notes: OutageNote[] = [];
  let power: SupplyEvent[] = [];
  let blackouts: BlackoutRow[] = [];
  const recorded =
    (figure: string): Query =>
    (influxql) => {
      queries.push({ figure, influxql });
      return query(influxql);
    };
  const total = tasks.length + 7;
  let done = 0;
  const tick = <T>(value: T): T => {
    progress(++done, total);
    return value;
  };
  progress(0, total);
  const powerWhere = `(${POWER_EVENTS.map((e) => `"type" = ${literal(e)}`).join(' OR ')})`;
  const powerRows = (rows: Row[]): SupplyEvent[] =>
    rows.flatMap((row) => {
      const supply = subjectOfTags(row);
      const type = POWER_EVENTS.find((e) => e === row.type);
      if (supply === undefined || type === undefined) return [];
      const village = inventory.subjects.get(supply)?.village?.id ?? String(row.village ?? '');
      return [
        {
          supply,
          village,
          type,
          at: Number(row.time),
          value: typeof row.value === 'number' ? row.value : null,
        },
      ];
    });
  await Promise.all([
    Promise.all([
      recordedOutages(
        recorded('outages of every device and service (own outages, measured and imported), with their judged cause'),
        range.from,
        now,
      ).then(tick),
      Promise.all([
        recorded("supplies' power events in the range (on battery, power lost, power restored)")(
          `SELECT "value" FROM ${events}."event" WHERE ${powerWhere} AND time >= ${range.from}ms AND time < ${end}ms GROUP BY "device", "village", "type"`,
        ).then(tick),
        recorded("supplies' last power event of each type before the range (where each stood at its start)")(
          `SELECT last("value") AS "value" FROM ${events}."event" WHERE ${powerWhere} AND time < ${range.from}ms GROUP BY "device", "village", "type"`,
        ).then(tick),
      ]),
      recorded('blackout-schedule slots that overlap the range')(
        `SELECT "end_ms", "certainty" FROM ${events}."blackout" WHERE time < ${end}ms AND "end_ms" > ${range.from} GROUP BY "group"`,
      ).then(tick),
    ]).then(async ([o, [inRange, before], slots]) => {
      outages = o;
      power = [...powerRows(before), ...powerRows(inRange)];
      blackouts = slots.flatMap((row) =>
        typeof row.group === 'string' && row.end_ms !== null
          ? [{ group: row.group, from: Number(row.time), to: Number(row.end_ms), kind: String(row.certainty ?? 'definite') }]
          : [],
      );
      const earliest = [...o.values()].flat().reduce((min, x) => Math.min(min, x.from), range.from);
      const wanted = downWithin(inventory, o, range, now);
      for (const [id, dark] of pointDarkHours(config, powerHours(power, blackouts, { from: range.from, to: end })))
        if (dark.length) wanted.set(id, [...(wanted.get(id) ?? []), ...dark]);
      [notes, measuredInDown] = await Promise.all([
        readOutageNotes(recorded("admins' reclassifications of those outages (the latest note of an outage wins)"), {
          from: earliest,
          to: end,
        }).then(tick),
        measuredWithin(
          recorded(
            "measured 5-minute buckets inside outages (own and the parents') and inside Invincibility Points' hours without power: only observed time counts",
          ),
          inventory,
          wanted,
          end,
          { raw: false },
        ).then(tick),
      ]);
    }),
    importedSpans(recorded('imported history: spans counted as monitored (merezha import)')).then((s) => {
      imported = tick(s);
    }),
    mapLimit(tasks, REPORT_CONCURRENCY, (t) => query(t.influxql).then((rows) => tick(t.use(rows)))),
  ]);
  queries.push(...tasks.map(({ figure, influxql }) => ({ figure, influxql })));
  return { measured, imported, outages, notes, power, blackouts, measuredInDown, wifi, speeds, custom, queries };
}
