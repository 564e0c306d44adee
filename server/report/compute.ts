/**
 * The yearly report from what `read.ts` read: pure, every input an argument.
 *
 * Definitions (the same as the dashboard's, `live/availability.ts`):
 * - A subject is down while it has an outage of its own or is cut off behind
 *   a parent with one. Its `outages` count only its own outages.
 * - Monitored time is measured 5-minute buckets plus imported spans. Time
 *   without data is neither up nor down: downtime is only the observed part
 *   of the down intervals, those inside measured buckets or imported spans
 *   (`observedDown`), so an outage left open across a gap in the data, or a
 *   parent's outage while a child had no data, counts only where there was
 *   data. Per local day it never exceeds that day's monitored time.
 * - A village is offline while every uplink is down, observed while at least
 *   one uplink was monitored (`observedOffline`); it was monitored while any
 *   uplink was (the most monitored uplink, per day).
 * - Counts are of recorded outages: an outage that overlaps the range counts
 *   once in `outages`, however little of it was observed. Lengths are
 *   observed: a village outage's length (its longest, its MTTR, the
 *   incidents) is its observed part inside the range; incidents with nothing
 *   observed are not listed. An outage still open runs until `now`; nothing
 *   is counted past `now`.
 * - Causes: an outage's cause is an admin's latest reclassification, else
 *   the one Merezha judged, else `unknown` (outages recorded before causes
 *   were). Time a subject is cut off behind a parent is `upstream` for it; a
 *   village's offline time takes the causes of its uplinks' down time. Where
 *   causes overlap, the time is the first's of `CAUSE_PRIORITY`, so the
 *   causes add up to the downtime (when a day's observed down time is more
 *   than its monitored time, the excess is taken from the last causes).
 *   Adjusted uptime leaves the excused causes (`EXCUSED_CAUSES`) out of the
 *   judged and the down time; a provider's SLA counts only `provider`
 *   downtime as down, over the same monitored time as its raw uptime.
 */
import {
  CAUSE_PRIORITY,
  type DowntimeByCause,
  type ReportData,
  type ReportDevice,
  type ReportIncident,
  type ReportKpi,
  type ReportMonth,
  type ReportPower,
  type ReportProvider,
  type ReportService,
  type ReportVillage,
} from '../../common/report.ts';
import { backupLacks, EXCUSED_CAUSES, OUTAGE_CAUSES, type OutageCause } from '../../common/words/power.ts';
import { effectiveCause, latestNotes, outageKey } from '../power/notes.ts';
import type { Config, DeviceConfig, KpiConfig } from '../../config/schema.ts';
import { serviceKey } from '../../common/subjects.ts';
import { count } from '../../common/words/plural.ts';
import { isHighSpeed } from '../high-speed.ts';
import type { Inventory } from '../inventory.ts';
import {
  byPriority,
  intersection,
  observedDown,
  observedLengths,
  observedOffline,
  overlapMs,
  union,
  uptimePct,
  type Interval,
} from '../uptime.ts';
import { dateStart, dayAfterStart, daysOf, monthsOf, yearRange, type Month } from './periods.ts';
import type { ReportSource } from './read.ts';
import { darkHours, invincibilityPoints, pointDarkHours, powerHours, type PowerHours } from './power.ts';
import { OUTAGES, POINTS, summaryOf, ukNumber } from './summary.ts';
import { BUCKET_MS, subjectDownIntervals, watchedOf, type RecordedOutage } from '../store/availability-store.ts';

const INCIDENTS = 10;
const GAP_BELOW_PCT = 99;

export interface ReportOptions {
  config: Config;
  inventory: Inventory;
  range: Interval;
  now: number;
}

/** Monitored and down ms of one subject per local day of the range. */
interface Daily {
  monitored: number[];
  down: number[];
}

/** What every part of the report is computed from: the inputs, the calendar of the range and each subject's days. */
interface Basis {
  source: ReportSource;
  config: Config;
  inventory: Inventory;
  range: Interval;
  timeZone: string;
  /** Where figures stop: the end of the range, or `now` if earlier. */
  end: number;
  measuredRange: Interval;
  /** The local days of the measured range. */
  days: Interval[];
  /** The local months of the whole range, and the indexes of each month's days. */
  months: Month[];
  monthDays: number[][];
  /** Down intervals per subject: own outages plus the ancestors'. */
  down: Map<string, Interval[]>;
  /** Where each subject was monitored while down. */
  watched: Map<string, Interval[]>;
  subjects: Map<string, Daily>;
  /** Per subject with any down time: its down intervals by cause, disjoint. */
  causes: Map<string, CauseSplit>;
  /** Per subject with any down time: its observed downtime by cause, ms. */
  causeMs: Map<string, CauseMs>;
  deviceConfigs: Map<string, DeviceConfig>;
  publicWifi: DeviceConfig[];
  power: PowerHours;
}

type CauseSplit = Map<OutageCause, Interval[]>;
type CauseMs = Record<OutageCause, number>;

/** A village's recorded offline interval inside the range, with its observed length. */
interface OfflineSpan extends Interval {
  observedMs: number;
}

const iso = (t: number) => new Date(t).toISOString();
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const sumIn = (xs: readonly number[], idx: readonly number[]) => idx.reduce((a, i) => a + xs[i]!, 0);
/** The sum over the days `idx`, or over every day. */
const sumOver = (xs: readonly number[], idx?: readonly number[]) => (idx ? sumIn(xs, idx) : sum(xs));

/** Index of the window containing t (windows sorted and contiguous), or -1. */
function windowIndex(windows: readonly Interval[], t: number): number {
  let lo = 0;
  let hi = windows.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const w = windows[mid]!;
    if (t < w.from) hi = mid - 1;
    else if (t >= w.to) lo = mid + 1;
    else return mid;
  }
  return -1;
}

const ownOverlapping = (intervals: readonly Interval[], w: Interval) => intervals.filter((i) => i.to > w.from && i.from < w.to).length;

/** Whether a KPI's figure meets its target in its direction; null without a figure. */
export function met(actual: number | null, target: number, direction: KpiConfig['direction']): boolean | null {
  if (actual === null) return null;
  return direction === 'at_most' ? actual <= target : actual >= target;
}

/** The period a KPI belongs to, or undefined for always. */
function kpiPeriod(k: KpiConfig, timeZone: string): Interval | undefined {
  if (k.year !== undefined) return yearRange(k.year, timeZone);
  if (k.from === undefined && k.to === undefined) return undefined;
  return {
    from: k.from === undefined ? -Infinity : dateStart(k.from, timeZone),
    to: k.to === undefined ? Infinity : dayAfterStart(k.to, timeZone),
  };
}

const noCauses = (): CauseMs => Object.fromEntries(OUTAGE_CAUSES.map((c) => [c, 0])) as CauseMs;
const HOUR_MS = 3_600_000;

/** The cause that counts for one outage: the latest note's, else the judged one, else unknown. */
function causeOf(key: string, o: RecordedOutage, notes: ReturnType<typeof latestNotes>): OutageCause {
  return effectiveCause(o.cause && { cause: o.cause, evidence: {} }, notes.get(outageKey(key, o.from))).cause;
}

/**
 * Observed ms per cause inside the measured range: the cause's intervals
 * where the subject was watched. Together they are the observed down time;
 * where a day held more than its monitored time (`dailyOf` caps it), the
 * excess is taken from the causes last in priority, so they add up to `downMs`.
 */
function observedByCause(split: CauseSplit | undefined, watched: readonly Interval[], within: Interval, downMs: number): CauseMs {
  const ms = noCauses();
  if (!split) return ms;
  for (const [cause, list] of split) ms[cause] = overlapMs(intersection([list, watched]), within);
  let excess = sum(Object.values(ms)) - downMs;
  for (const cause of [...CAUSE_PRIORITY].reverse()) {
    const cut = Math.min(ms[cause], Math.max(0, excess));
    ms[cause] -= cut;
    excess -= cut;
  }
  return ms;
}

/** The cause split in seconds, and uptime with the excused causes left out of the judged and the down time. */
function fairFigures(
  ms: CauseMs,
  monitoredMs: number,
  downMs: number,
): { downtime_by_cause: DowntimeByCause; uptime_adjusted_pct: number | null } {
  const excused = sum(EXCUSED_CAUSES.map((c) => ms[c]));
  return {
    downtime_by_cause: Object.fromEntries(OUTAGE_CAUSES.map((c) => [c, ms[c] / 1000])) as DowntimeByCause,
    uptime_adjusted_pct: uptimePct(monitoredMs - excused, downMs - excused),
  };
}

const addCauses = (list: readonly CauseMs[]): CauseMs => {
  const total = noCauses();
  for (const ms of list) for (const c of OUTAGE_CAUSES) total[c] += ms[c];
  return total;
};

const installedBy = (d: DeviceConfig, t: number, timeZone: string) => d.installed === undefined || dateStart(d.installed, timeZone) < t;

export function computeReport(source: ReportSource, options: ReportOptions): ReportData {
  const b = basisOf(source, options);
  const villages = villageRows(b);
  const villagesWithUplinks = [...villages.daily.values()];
  const villagePool = pooled(villagesWithUplinks);
  const months = monthRows(b, villagesWithUplinks);
  const providers = providerRows(b);
  const power = powerSection(b, villages.rows);
  const data: Omit<ReportData, 'summary'> = {
    hromada: b.config.hromada.name,
    timezone: b.timeZone,
    from: iso(b.range.from),
    to: iso(b.range.to),
    measured_to: iso(b.end),
    generated_at: iso(options.now),
    kpis: kpiRows({ ...b, monthly: months, providers, villagePool, points: power.points }),
    villages: villages.rows,
    providers,
    services: serviceRows(b),
    devices: deviceRows(b),
    months,
    incidents: incidentRows(b, villages.offline),
    power: power.report,
    excused_causes: [...EXCUSED_CAUSES],
    cause_priority: [...CAUSE_PRIORITY],
    data_quality: dataQuality(b),
    queries: source.queries,
  };
  return { ...data, summary: summaryOf(data, { villageUptimePct: villagePool.pct }) };
}

function basisOf(source: ReportSource, { config, inventory, range, now }: ReportOptions): Basis {
  const timeZone = config.hromada.timezone;
  const end = Math.max(range.from, Math.min(range.to, now));
  const measuredRange: Interval = { from: range.from, to: end };
  const days = end > range.from ? daysOf(measuredRange, timeZone) : [];
  const months = monthsOf(range, timeZone);
  const monthDays = months.map((m) => days.map((d, i) => (d.from >= m.from && d.from < m.to ? i : -1)).filter((i) => i >= 0));
  const down = subjectDownIntervals(inventory, source.outages);
  const watched = watchedOf(inventory.order, source.measuredInDown, source.imported);
  const notes = latestNotes(source.notes);
  const subjects = new Map<string, Daily>();
  const causes = new Map<string, CauseSplit>();
  const causeMs = new Map<string, CauseMs>();
  for (const key of inventory.order) {
    const observed = observedDown(down.get(key) ?? [], watched.get(key) ?? []);
    const daily = dailyOf(days, monitoredDays(source, days, range.from, key), observed);
    subjects.set(key, daily);
    const parent = inventory.subjects.get(key)?.parent;
    const labelled = [
      ...(source.outages.get(key) ?? []).map((o) => ({ from: o.from, to: o.to, label: causeOf(key, o, notes) })),
      ...(parent ? (down.get(parent) ?? []) : []).map((i) => ({ ...i, label: 'upstream' as const })),
    ];
    if (labelled.length === 0) continue;
    const split = byPriority<OutageCause>(labelled, CAUSE_PRIORITY);
    causes.set(key, split);
    causeMs.set(key, observedByCause(split, watched.get(key) ?? [], measuredRange, totals(daily).downMs));
  }
  const deviceConfigs = new Map<string, DeviceConfig>();
  for (const v of config.villages) for (const d of v.devices) deviceConfigs.set(d.id, d);
  const publicWifi = [...deviceConfigs.values()].filter((d) => d.kind === 'wifi' && d.public);
  return {
    source,
    config,
    inventory,
    range,
    timeZone,
    end,
    measuredRange,
    days,
    months,
    monthDays,
    down,
    watched,
    subjects,
    causes,
    causeMs,
    deviceConfigs,
    publicWifi,
    power: powerHours(source.power, source.blackouts, measuredRange),
  };
}

/** Monitored ms per day: measured buckets (a first partial day's counted from `from`) plus imported spans, at most the day. */
function monitoredDays(source: ReportSource, days: readonly Interval[], from: number, key: string): number[] {
  const ms = days.map(() => 0);
  for (const [time, buckets] of source.measured.get(key) ?? []) {
    const i = windowIndex(days, Math.max(time, from));
    if (i >= 0) ms[i]! += buckets * BUCKET_MS;
  }
  const spans = union(source.imported.get(key) ?? []);
  return ms.map((m, i) => Math.min(days[i]!.to - days[i]!.from, m + overlapMs(spans, days[i]!)));
}

const dailyOf = (days: readonly Interval[], monitored: number[], intervals: Interval[]): Daily => ({
  monitored,
  down: monitored.map((m, i) => Math.min(m, overlapMs(intervals, days[i]!))),
});

const totals = (d: Daily, idx?: readonly number[]) => ({ monitoredMs: sumOver(d.monitored, idx), downMs: sumOver(d.down, idx) });

function pooled(list: readonly Daily[], idx?: readonly number[]) {
  let m = 0;
  let dn = 0;
  for (const d of list) {
    const t = totals(d, idx);
    m += t.monitoredMs;
    dn += t.downMs;
  }
  return { monitoredMs: m, downMs: dn, pct: uptimePct(m, dn) };
}

/** A device's or service's uptime, own outages, downtime and monitored time over the range, and its downtime by cause. */
function subjectFigures(b: Basis, key: string) {
  const t = totals(b.subjects.get(key)!);
  return {
    uptime_pct: uptimePct(t.monitoredMs, t.downMs),
    outages: ownOverlapping(b.source.outages.get(key) ?? [], b.measuredRange),
    downtime_s: t.downMs / 1000,
    monitored_s: t.monitoredMs / 1000,
    ...fairFigures(b.causeMs.get(key) ?? noCauses(), t.monitoredMs, t.downMs),
  };
}

function deviceRows(b: Basis): ReportDevice[] {
  return b.config.villages.flatMap((v) =>
    v.devices.map((d) => ({
      id: d.id,
      name: d.name ?? d.id,
      village: v.id,
      kind: d.kind,
      provider: d.provider ?? null,
      ...subjectFigures(b, d.id),
    })),
  );
}

function serviceRows(b: Basis): ReportService[] {
  return b.config.services.map((s) => ({ id: s.id, name: s.name, ...subjectFigures(b, serviceKey(s.id)) }));
}

/** Free WiFi clients of access points: the sum of their means and the highest peak, over the range or in one month. */
function wifiClients(b: Basis, ids: readonly string[], monthIdx?: number) {
  let avg = 0;
  let peak: number | null = null;
  let any = false;
  for (const id of ids) {
    const list = (b.source.wifi.get(id) ?? []).filter((_, i) => monthIdx === undefined || i === monthIdx);
    const n = sum(list.map((w) => w?.n ?? 0));
    if (n === 0) continue;
    any = true;
    avg += sum(list.map((w) => (w ? w.avg * w.n : 0))) / n;
    peak = Math.max(peak ?? 0, ...list.map((w) => w?.peak ?? 0));
  }
  return { avg_clients: any ? avg : null, peak_clients: peak };
}

/** The villages' rows, and for those with uplinks their days and recorded offline spans. */
function villageRows(b: Basis): { rows: ReportVillage[]; daily: Map<string, Daily>; offline: Map<string, OfflineSpan[]> } {
  const daily = new Map<string, Daily>();
  const offline = new Map<string, OfflineSpan[]>();
  const rows = b.config.villages.map((v): ReportVillage => {
    const info = b.inventory.villages.get(v.id)!;
    const institutions = v.devices.filter((d) => d.kind === 'institution').map((d) => b.subjects.get(d.id)!);
    const zones = v.devices.filter((d) => d.kind === 'wifi' && d.public && installedBy(d, b.range.to, b.timeZone)).map((d) => d.id);
    const wifi = { zones: zones.length, ...wifiClients(b, zones) };
    const base = { id: v.id, name: v.name, population: v.population ?? null, uplinks: info.uplinks.length };
    const instPct = pooled(institutions).pct;
    if (info.uplinks.length === 0) {
      return {
        ...base,
        uptime_pct: null,
        outages: 0,
        downtime_s: 0,
        monitored_s: 0,
        longest_outage_s: null,
        mttr_s: null,
        institutions_online_pct: instPct,
        wifi,
        ...fairFigures(noCauses(), 0, 0),
      };
    }
    const village = villageDays(b, info.uplinks);
    daily.set(v.id, village.daily);
    offline.set(v.id, village.offline);
    const inRange = village.offline.map((o) => o.observedMs);
    const t = totals(village.daily);
    return {
      ...base,
      uptime_pct: uptimePct(t.monitoredMs, t.downMs),
      outages: inRange.length,
      downtime_s: t.downMs / 1000,
      monitored_s: t.monitoredMs / 1000,
      longest_outage_s: inRange.length ? Math.max(...inRange) / 1000 : null,
      mttr_s: inRange.length ? sum(inRange) / inRange.length / 1000 : null,
      ...fairFigures(village.causeMs, t.monitoredMs, t.downMs),
      institutions_online_pct: instPct,
      wifi,
    };
  });
  return { rows, daily, offline };
}

/**
 * A village with uplinks: offline while every uplink is down, monitored per
 * day as much as its most monitored uplink; its offline time by the causes
 * of the uplinks' down time then (the first in priority among them).
 */
function villageDays(b: Basis, uplinks: readonly string[]): { daily: Daily; offline: OfflineSpan[]; causeMs: CauseMs } {
  const offline = intersection(uplinks.map((u) => b.down.get(u) ?? []));
  const observed = observedOffline(uplinks.map((u) => ({ down: b.down.get(u) ?? [], watched: b.watched.get(u) ?? [] })));
  const monitored = b.days.map((_, i) => Math.max(...uplinks.map((u) => b.subjects.get(u)!.monitored[i]!)));
  const spans = offline
    .filter((o) => o.to > b.measuredRange.from && o.from < b.measuredRange.to)
    .map((o) => ({ from: Math.max(o.from, b.range.from), to: Math.min(o.to, b.end) }));
  const inRange = observedLengths(spans, observed);
  const daily = dailyOf(b.days, monitored, observed);
  const labelled = offline.length
    ? uplinks.flatMap((u) =>
        [...(b.causes.get(u) ?? [])].flatMap(([label, list]) => intersection([list, offline]).map((i) => ({ ...i, label }))),
      )
    : [];
  const split = labelled.length ? byPriority<OutageCause>(labelled, CAUSE_PRIORITY) : undefined;
  const watched = union(uplinks.flatMap((u) => b.watched.get(u) ?? []));
  return {
    daily,
    offline: spans.map((o, i) => ({ ...o, observedMs: inRange[i]! })),
    causeMs: observedByCause(split, watched, b.measuredRange, totals(daily).downMs),
  };
}

/** The lines a provider delivers (devices with the provider and no parent), their time pooled and their downtime by cause. */
function providerLinks(b: Basis, provider: string) {
  const links = [...b.deviceConfigs.values()].filter((d) => d.provider === provider && d.parent === undefined);
  return {
    links,
    pool: pooled(links.map((d) => b.subjects.get(d.id)!)),
    ms: addCauses(links.map((d) => b.causeMs.get(d.id) ?? noCauses())),
  };
}

/** The lines each provider delivers; its SLA judged on the downtime it caused. */
function providerRows(b: Basis): ReportProvider[] {
  return b.config.providers.map((p) => {
    const { links, pool, ms } = providerLinks(b, p.id);
    const sla = uptimePct(pool.monitoredMs, ms.provider);
    return {
      id: p.id,
      name: p.name,
      links: links.length,
      uptime_pct: pool.pct,
      sla_uptime_pct: sla,
      sla_pct: p.sla_pct ?? null,
      met: sla === null || p.sla_pct === undefined ? null : sla >= p.sla_pct,
      outages: sum(links.map((d) => ownOverlapping(b.source.outages.get(d.id) ?? [], b.measuredRange))),
      downtime_h: pool.downMs / HOUR_MS,
      ...fairFigures(ms, pool.monitoredMs, pool.downMs),
    };
  });
}

/** How the KPI judges the Invincibility Points: their hours without power where monitored, and the down part of them. */
interface PointsOnline {
  count: number;
  judgedMs: number;
  downMs: number;
  lacking: number;
}

/**
 * Impact of power outages: each village's hours without power and the share
 * of its offline time the power explains; how each supply held; each
 * Invincibility Point's backups and how it stayed online without power.
 */
function powerSection(b: Basis, villages: readonly ReportVillage[]): { report: ReportPower; points: PointsOnline } {
  const lengthH = (list: readonly Interval[]) => overlapMs(list, b.measuredRange) / HOUR_MS;
  const villageRows = b.config.villages.map((v, i) => {
    const row = villages[i]!;
    const power = row.downtime_by_cause.power + row.downtime_by_cause.scheduled_blackout;
    return {
      id: v.id,
      name: v.name,
      power_group: v.power_group ?? null,
      blackout_h: lengthH(darkHours(b.power, v.id, v.power_group)),
      downtime_s: row.downtime_s,
      power_downtime_s: power,
      power_share_pct: row.downtime_s > 0 ? (power / row.downtime_s) * 100 : null,
    };
  });
  const configured = [...b.deviceConfigs.values()].filter((d) => d.kind === 'ups' || d.power_voltage !== undefined).map((d) => d.id);
  const supplies = [...new Set([...configured, ...b.power.episodes.keys()])].map((id) => {
    const episodes = (b.power.episodes.get(id) ?? []).filter((e) => e.start >= b.range.from && e.start < b.end);
    const holds = episodes
      .flatMap((e) => {
        const until = e.lost ?? e.end;
        return until === undefined ? [] : [(until - e.start) / 1000];
      })
      .sort((x, y) => x - y);
    const info = b.inventory.subjects.get(id);
    return {
      id,
      name: info?.name ?? id,
      village: info?.village?.id ?? b.power.episodes.get(id)?.[0]?.village ?? '',
      episodes: episodes.length,
      ran_out: episodes.filter((e) => e.lost !== undefined).length,
      median_hold_s: median(holds),
      longest_hold_s: holds.length ? holds.at(-1)! : null,
    };
  });
  const dark = pointDarkHours(b.config, b.power);
  const points: PointsOnline = { count: 0, judgedMs: 0, downMs: 0, lacking: 0 };
  const pointRows = invincibilityPoints(b.config).map(({ device, village }) => {
    const hours = dark.get(device.id) ?? [];
    const watched = intersection([hours, b.watched.get(device.id) ?? []]);
    const judgedMs = overlapMs(watched, b.measuredRange);
    const downMs = overlapMs(intersection([watched, b.down.get(device.id) ?? []]), b.measuredRange);
    const lacks = backupLacks(device);
    points.count++;
    points.judgedMs += judgedMs;
    points.downMs += downMs;
    if (lacks.length) points.lacking++;
    return {
      id: device.id,
      name: device.name ?? device.id,
      village: village.id,
      backup_power: device.backup_power ?? null,
      backup_link: device.backup_link ?? null,
      meets_requirement: lacks.length === 0,
      lacks,
      blackout_h: lengthH(hours),
      online_pct: uptimePct(judgedMs, downMs),
    };
  });
  return { report: { villages: villageRows, supplies, invincibility_points: pointRows }, points };
}

function median(sorted: readonly number[]): number | null {
  if (sorted.length === 0) return null;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Device-time a device should have been monitored on the days `idx`: from its installation (or the range's start) on. */
function expectedMs(b: Basis, d: DeviceConfig, idx: readonly number[]): number {
  return sum(
    idx.map((i) =>
      installedBy(d, b.days[i]!.to, b.timeZone)
        ? b.days[i]!.to - Math.max(b.days[i]!.from, d.installed ? dateStart(d.installed, b.timeZone) : -Infinity)
        : 0,
    ),
  );
}

/** Expected and monitored device-time on the days `idx`, and the devices monitored less than GAP_BELOW_PCT of it. */
function quality(b: Basis, idx: readonly number[]) {
  let expected = 0;
  let monitored = 0;
  const gaps: { id: string; monitored_pct: number | null; no_data_s: number }[] = [];
  for (const d of b.deviceConfigs.values()) {
    const e = expectedMs(b, d, idx);
    const m = Math.min(e, sumIn(b.subjects.get(d.id)!.monitored, idx));
    expected += e;
    monitored += m;
    const p = e > 0 ? (m / e) * 100 : null;
    if (p !== null && p < GAP_BELOW_PCT) gaps.push({ id: d.id, monitored_pct: p, no_data_s: (e - m) / 1000 });
  }
  gaps.sort((x, y) => (x.monitored_pct ?? 0) - (y.monitored_pct ?? 0));
  return { expected, monitored, monitored_pct: expected > 0 ? (monitored / expected) * 100 : null, gaps };
}

function dataQuality(b: Basis): ReportData['data_quality'] {
  const allDays = b.days.map((_, i) => i);
  const q = quality(b, allDays);
  return {
    monitored_pct: q.monitored_pct,
    device_time_s: q.expected / 1000,
    monitored_s: q.monitored / 1000,
    no_data_s: (q.expected - q.monitored) / 1000,
    gaps: q.gaps,
  };
}

function monthRows(b: Basis, villagesWithUplinks: readonly Daily[]): ReportMonth[] {
  const publicWifi = b.publicWifi.map((d) => d.id);
  return b.months.map((m, mi) => {
    const w = wifiClients(b, publicWifi, mi);
    return {
      month: m.label,
      from: iso(m.from),
      to: iso(m.to),
      village_uptime_pct: pooled(villagesWithUplinks, b.monthDays[mi]).pct,
      wifi_avg_clients: w.avg_clients,
      wifi_peak_clients: w.peak_clients,
      monitored_pct: quality(b, b.monthDays[mi]!).monitored_pct,
    };
  });
}

/** The longest times villages lost every uplink: start and end as recorded (inside the range), the duration as observed. */
function incidentRows(b: Basis, villageOffline: ReadonlyMap<string, readonly OfflineSpan[]>): ReportIncident[] {
  return [...villageOffline]
    .flatMap(([id, offline]) => offline.filter((o) => o.observedMs > 0).map((o) => ({ id, ...o })))
    .sort((x, y) => y.observedMs - x.observedMs || x.from - y.from)
    .slice(0, INCIDENTS)
    .map((o) => ({
      village: o.id,
      village_name: b.inventory.villages.get(o.id)!.name,
      start: iso(o.from),
      end: iso(o.to),
      duration_s: o.observedMs / 1000,
      uplinks: b.inventory.villages.get(o.id)!.uplinks,
    }));
}

/** What KPIs are measured from: the basis and the report's own figures. */
interface KpiBasis extends Basis {
  monthly: ReportMonth[];
  providers: ReportProvider[];
  /** Village-time monitored and offline, over the villages with uplinks. */
  villagePool: { monitoredMs: number; downMs: number; pct: number | null };
  points: PointsOnline;
}

/** A KPI's figure; without a target, unit, note or basis: the KPI's target, '%', none, none. */
interface KpiFigure {
  actual: number | null;
  basis?: ReportKpi['basis'];
  target?: number;
  unit?: string;
  note?: string;
}

/** The KPIs whose period overlaps the range (or that have none), each measured over the range. */
function kpiRows(c: KpiBasis): ReportKpi[] {
  return c.config.kpis
    .filter((k) => {
      const p = kpiPeriod(k, c.timeZone);
      return !p || (p.to > c.range.from && p.from < c.range.to);
    })
    .map((k) => {
      const { actual, basis, target, unit, note } = { target: k.target ?? 0, unit: '%', note: '', basis: null, ...kpiFigure(k, c) };
      return {
        id: k.id,
        title: k.title,
        metric: k.metric,
        direction: k.direction,
        target,
        actual,
        basis,
        met: met(actual, target, k.direction),
        unit,
        custom: k.metric === 'influxql',
        note,
      };
    });
}

/** Exhaustive: a new metric in the config's KPI schema does not compile until it is measured here. */
function kpiFigure(k: KpiConfig, c: KpiBasis): KpiFigure {
  switch (k.metric) {
    case 'settlements_connected_pct':
      return settlementsConnected(c);
    case 'institutions_high_speed_pct':
      return institutionsHighSpeed(k, c);
    case 'wifi_zones_in_service':
      return wifiZonesInService(c);
    case 'wifi_zones_installed':
      return wifiZonesInstalled(c);
    case 'service_uptime_pct':
      return serviceUptime(k, c);
    case 'provider_sla':
      return providerSla(k, c);
    case 'invincibility_points_online_pct':
      return invincibilityOnline(c);
    case 'influxql':
      return customQuery(k, c);
    default:
      return k satisfies never;
  }
}

type KpiOf<M extends KpiConfig['metric']> = Extract<KpiConfig, { metric: M }>;

/** A share of judged time: the uptime, and the seconds up of the seconds judged it is made of. */
const timeShare = (judgedMs: number, downMs: number): Pick<KpiFigure, 'actual' | 'basis'> => ({
  actual: uptimePct(judgedMs, downMs),
  basis: { part: (judgedMs - Math.min(downMs, judgedMs)) / 1000, whole: judgedMs / 1000 },
});

function settlementsConnected(c: KpiBasis): KpiFigure {
  const worst = c.monthly.filter((m) => m.village_uptime_pct !== null).sort((a, b) => a.village_uptime_pct! - b.village_uptime_pct!)[0];
  return {
    ...timeShare(c.villagePool.monitoredMs, c.villagePool.downMs),
    note: worst ? `найгірший місяць: ${worst.month}, ${ukNumber(worst.village_uptime_pct!, 2)}%` : '',
  };
}

function institutionsHighSpeed(k: KpiOf<'institutions_high_speed_pct'>, c: KpiBasis): KpiFigure {
  const mbps = c.config.coverage.high_speed_mbps;
  const list = [...c.deviceConfigs.values()].filter(
    (d) => d.kind === 'institution' && (k.category === undefined || d.category === k.category) && installedBy(d, c.range.to, c.timeZone),
  );
  const fast = list.filter((d) => isHighSpeed(d, c.source.speeds.get(d.id), mbps));
  return {
    actual: list.length ? (fast.length / list.length) * 100 : null,
    basis: { part: fast.length, whole: list.length },
    note: `${fast.length} з ${list.length} закладів від ${mbps} Мбіт/с`,
  };
}

/** Zones monitored on the last day and not down at the end. */
function wifiZonesInService(c: KpiBasis): KpiFigure {
  const zones = c.publicWifi.filter((d) => installedBy(d, c.end, c.timeZone));
  const last = c.days.length - 1;
  const working = zones.filter((d) => {
    const s = c.subjects.get(d.id)!;
    return last >= 0 && s.monitored[last]! > 0 && !(c.down.get(d.id) ?? []).some((o) => o.from < c.end && o.to >= c.end);
  });
  return { actual: working.length, unit: 'зон', note: `працювали ${working.length} з ${zones.length} зон на кінець періоду` };
}

function wifiZonesInstalled(c: KpiBasis): KpiFigure {
  const added = c.publicWifi.filter(
    (d) =>
      d.installed !== undefined && dateStart(d.installed, c.timeZone) >= c.range.from && dateStart(d.installed, c.timeZone) < c.range.to,
  );
  return {
    actual: added.length,
    unit: 'зон',
    note: added.length ? `нові: ${added.map((d) => d.name ?? d.id).join(', ')}` : 'нових зон не встановлено',
  };
}

function serviceUptime(k: KpiOf<'service_uptime_pct'>, c: KpiBasis): KpiFigure {
  const t = totals(c.subjects.get(serviceKey(k.service))!);
  return timeShare(t.monitoredMs, t.downMs);
}

/** Judged on the downtime the provider caused; without a target of its own, the provider's SLA. */
function providerSla(k: KpiOf<'provider_sla'>, c: KpiBasis): KpiFigure {
  const p = c.providers.find((x) => x.id === k.provider)!;
  const { pool, ms } = providerLinks(c, k.provider);
  const raw = p.uptime_pct === null ? '' : `; загальна доступність з усіма причинами ${ukNumber(p.uptime_pct, 2)}%`;
  return {
    ...timeShare(pool.monitoredMs, ms.provider),
    target: k.target ?? p.sla_pct ?? 0,
    note:
      `${p.name}: ${count(p.outages, OUTAGES, 'uk')}, ${ukNumber(p.downtime_h, 2)} год простою, ` +
      `з них з вини провайдера ${ukNumber(p.downtime_by_cause.provider / 3600, 2)} год${raw}`,
  };
}

/** Pooled over the points: their monitored hours without power, and the share of them they were up. */
function invincibilityOnline(c: KpiBasis): KpiFigure {
  const { count: n, judgedMs, downMs, lacking } = c.points;
  if (n === 0) return { actual: null, note: 'пунктів незламності не позначено (invincibility_point: true)' };
  return {
    ...timeShare(judgedMs, downMs),
    note:
      `${count(n, POINTS, 'uk')}: ${ukNumber(judgedMs / HOUR_MS, 1)} год без світла під наглядом, ` +
      `з них без зв’язку ${ukNumber(downMs / HOUR_MS, 1)} год` +
      (lacking ? `; без резервного живлення чи каналу: ${lacking}` : ''),
  };
}

function customQuery(k: KpiOf<'influxql'>, c: KpiBasis): KpiFigure {
  return { actual: c.source.custom.get(k.id) ?? null, unit: k.unit, note: 'власний запит громади (InfluxQL), див. додаток' };
}
