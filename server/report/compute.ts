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
 */
import type { ReportData, ReportDevice, ReportKpi, ReportMonth, ReportProvider, ReportVillage } from '../../common/report.ts';
import type { Config, DeviceConfig, KpiConfig } from '../../config/schema.ts';
import { serviceKey } from '../../common/subjects.ts';
import { isHighSpeed } from '../high-speed.ts';
import type { Inventory } from '../inventory.ts';
import {
  downIntervals,
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
import { summaryOf, ukCount } from './summary.ts';
import { BUCKET_MS } from '../store/availability-store.ts';

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

const iso = (t: number) => new Date(t).toISOString();
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const sumIn = (xs: readonly number[], idx: readonly number[]) => idx.reduce((a, i) => a + xs[i]!, 0);

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

function met(actual: number | null, target: number, direction: KpiConfig['direction']): boolean | null {
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

export function computeReport(source: ReportSource, options: ReportOptions): ReportData {
  const { config, inventory, range, now } = options;
  const timeZone = config.hromada.timezone;
  const end = Math.max(range.from, Math.min(range.to, now));
  const measuredRange: Interval = { from: range.from, to: end };
  const days = end > range.from ? daysOf(measuredRange, timeZone) : [];
  const months: Month[] = monthsOf(range, timeZone);
  const monthDays = months.map((m) => days.map((d, i) => (d.from >= m.from && d.from < m.to ? i : -1)).filter((i) => i >= 0));
  const allDays = days.map((_, i) => i);

  // Down intervals: own outages plus the ancestors', parents first; and where each subject was watched while down.
  const down = downIntervals(inventory.order, (k) => inventory.subjects.get(k)?.parent, source.outages);
  const watched = (key: string) => union([...(source.measuredInDown.get(key) ?? []), ...(source.imported.get(key) ?? [])]);

  const monitoredDays = (key: string): number[] => {
    const ms = days.map(() => 0);
    for (const [time, buckets] of source.measured.get(key) ?? []) {
      const i = windowIndex(days, Math.max(time, range.from));
      if (i >= 0) ms[i]! += buckets * BUCKET_MS;
    }
    const spans = union(source.imported.get(key) ?? []);
    return ms.map((m, i) => Math.min(days[i]!.to - days[i]!.from, m + overlapMs(spans, days[i]!)));
  };
  const dailyOf = (monitored: number[], intervals: Interval[]): Daily => ({
    monitored,
    down: monitored.map((m, i) => Math.min(m, overlapMs(intervals, days[i]!))),
  });

  const subjects = new Map<string, Daily>();
  for (const key of inventory.order) subjects.set(key, dailyOf(monitoredDays(key), observedDown(down.get(key) ?? [], watched(key))));

  const totals = (d: Daily, idx: readonly number[] = allDays) => ({ monitoredMs: sumIn(d.monitored, idx), downMs: sumIn(d.down, idx) });
  const pooled = (list: readonly Daily[], idx: readonly number[] = allDays) => {
    let m = 0;
    let dn = 0;
    for (const d of list) {
      const t = totals(d, idx);
      m += t.monitoredMs;
      dn += t.downMs;
    }
    return { monitoredMs: m, downMs: dn, pct: uptimePct(m, dn) };
  };

  const deviceConfigs = new Map<string, DeviceConfig>();
  for (const v of config.villages) for (const d of v.devices) deviceConfigs.set(d.id, d);
  const installedBy = (d: DeviceConfig, t: number) => d.installed === undefined || dateStart(d.installed, timeZone) < t;
  const publicWifi = [...deviceConfigs.values()].filter((d) => d.kind === 'wifi' && d.public);

  // ---- devices and services
  const devices: ReportDevice[] = [];
  for (const v of config.villages)
    for (const d of v.devices) {
      const t = totals(subjects.get(d.id)!);
      devices.push({
        id: d.id,
        name: d.name ?? d.id,
        village: v.id,
        kind: d.kind,
        provider: d.provider ?? null,
        uptime_pct: uptimePct(t.monitoredMs, t.downMs),
        outages: ownOverlapping(source.outages.get(d.id) ?? [], measuredRange),
        downtime_s: t.downMs / 1000,
        monitored_s: t.monitoredMs / 1000,
      });
    }
  const services = config.services.map((s) => {
    const key = serviceKey(s.id);
    const t = totals(subjects.get(key)!);
    return {
      id: s.id,
      name: s.name,
      uptime_pct: uptimePct(t.monitoredMs, t.downMs),
      outages: ownOverlapping(source.outages.get(key) ?? [], measuredRange),
      downtime_s: t.downMs / 1000,
      monitored_s: t.monitoredMs / 1000,
    };
  });

  // ---- Free WiFi: per access point, the range's mean and peak, and per month
  const wifiOf = (ids: readonly string[], monthIdx?: number) => {
    let avg = 0;
    let peak: number | null = null;
    let any = false;
    for (const id of ids) {
      const list = (source.wifi.get(id) ?? []).filter((_, i) => monthIdx === undefined || i === monthIdx);
      const n = sum(list.map((w) => w?.n ?? 0));
      if (n === 0) continue;
      any = true;
      avg += sum(list.map((w) => (w ? w.avg * w.n : 0))) / n;
      peak = Math.max(peak ?? 0, ...list.map((w) => w?.peak ?? 0));
    }
    return { avg_clients: any ? avg : null, peak_clients: peak };
  };

  // ---- villages
  const villageDaily = new Map<string, Daily>();
  /** Per village, its recorded offline intervals inside the range, each with its observed length. */
  const villageOffline = new Map<string, { from: number; to: number; observedMs: number }[]>();
  const villages: ReportVillage[] = config.villages.map((v) => {
    const info = inventory.villages.get(v.id)!;
    const institutions = v.devices.filter((d) => d.kind === 'institution').map((d) => subjects.get(d.id)!);
    const zones = v.devices.filter((d) => d.kind === 'wifi' && d.public && installedBy(d, range.to));
    const wifi = { zones: zones.length, ...wifiOf(zones.map((z) => z.id)) };
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
      };
    }
    const offline = intersection(info.uplinks.map((u) => down.get(u) ?? []));
    const observed = observedOffline(info.uplinks.map((u) => ({ down: down.get(u) ?? [], watched: watched(u) })));
    const monitored = days.map((_, i) => Math.max(...info.uplinks.map((u) => subjects.get(u)!.monitored[i]!)));
    const daily = dailyOf(monitored, observed);
    villageDaily.set(v.id, daily);
    const spans = offline
      .filter((o) => o.to > measuredRange.from && o.from < measuredRange.to)
      .map((o) => ({ from: Math.max(o.from, range.from), to: Math.min(o.to, end) }));
    const inRange = observedLengths(spans, observed);
    villageOffline.set(
      v.id,
      spans.map((o, i) => ({ ...o, observedMs: inRange[i]! })),
    );
    const t = totals(daily);
    return {
      ...base,
      uptime_pct: uptimePct(t.monitoredMs, t.downMs),
      outages: inRange.length,
      downtime_s: t.downMs / 1000,
      monitored_s: t.monitoredMs / 1000,
      longest_outage_s: inRange.length ? Math.max(...inRange) / 1000 : null,
      mttr_s: inRange.length ? sum(inRange) / inRange.length / 1000 : null,
      institutions_online_pct: instPct,
      wifi,
    };
  });

  // ---- providers: the lines they deliver (devices with the provider and no parent)
  const providers: ReportProvider[] = config.providers.map((p) => {
    const links = [...deviceConfigs.values()].filter((d) => d.provider === p.id && d.parent === undefined);
    const pool = pooled(links.map((d) => subjects.get(d.id)!));
    return {
      id: p.id,
      name: p.name,
      links: links.length,
      uptime_pct: pool.pct,
      sla_pct: p.sla_pct ?? null,
      met: pool.pct === null || p.sla_pct === undefined ? null : pool.pct >= p.sla_pct,
      outages: sum(links.map((d) => ownOverlapping(source.outages.get(d.id) ?? [], measuredRange))),
      downtime_h: pool.downMs / 3_600_000,
    };
  });

  // ---- data quality: device-time from installation (or the range's start) to the end of the measured range
  const expectedMs = (d: DeviceConfig, idx: readonly number[]) =>
    sum(
      idx.map((i) =>
        installedBy(d, days[i]!.to) ? days[i]!.to - Math.max(days[i]!.from, d.installed ? dateStart(d.installed, timeZone) : -Infinity) : 0,
      ),
    );
  const quality = (idx: readonly number[]) => {
    let expected = 0;
    let monitored = 0;
    const gaps: { id: string; monitored_pct: number | null; no_data_s: number }[] = [];
    for (const d of deviceConfigs.values()) {
      const e = expectedMs(d, idx);
      const m = Math.min(e, sumIn(subjects.get(d.id)!.monitored, idx));
      expected += e;
      monitored += m;
      const p = e > 0 ? (m / e) * 100 : null;
      if (p !== null && p < GAP_BELOW_PCT) gaps.push({ id: d.id, monitored_pct: p, no_data_s: (e - m) / 1000 });
    }
    gaps.sort((a, b) => (a.monitored_pct ?? 0) - (b.monitored_pct ?? 0));
    return { expected, monitored, gaps };
  };
  const q = quality(allDays);
  const dataQuality = {
    monitored_pct: q.expected > 0 ? (q.monitored / q.expected) * 100 : null,
    device_time_s: q.expected / 1000,
    monitored_s: q.monitored / 1000,
    no_data_s: (q.expected - q.monitored) / 1000,
    gaps: q.gaps,
  };

  // ---- months
  const villagesWithUplinks = [...villageDaily.values()];
  const monthRows: ReportMonth[] = months.map((m, mi) => {
    const mq = quality(monthDays[mi]!);
    const w = wifiOf(
      publicWifi.map((d) => d.id),
      mi,
    );
    return {
      month: m.label,
      from: iso(m.from),
      to: iso(m.to),
      village_uptime_pct: pooled(villagesWithUplinks, monthDays[mi]).pct,
      wifi_avg_clients: w.avg_clients,
      wifi_peak_clients: w.peak_clients,
      monitored_pct: mq.expected > 0 ? (mq.monitored / mq.expected) * 100 : null,
    };
  });

  // ---- notable incidents: the longest times villages lost every uplink
  // Start and end as recorded (inside the range), the duration as observed.
  const incidents = [...villageOffline]
    .flatMap(([id, offline]) => offline.filter((o) => o.observedMs > 0).map((o) => ({ id, ...o })))
    .sort((a, b) => b.observedMs - a.observedMs || a.from - b.from)
    .slice(0, INCIDENTS)
    .map((o) => ({
      village: o.id,
      village_name: inventory.villages.get(o.id)!.name,
      start: iso(o.from),
      end: iso(o.to),
      duration_s: o.observedMs / 1000,
      uplinks: inventory.villages.get(o.id)!.uplinks,
    }));

  // ---- KPIs
  const fmt = (x: number) => x.toFixed(2).replace('.', ',');
  const kpis: ReportKpi[] = config.kpis
    .filter((k) => {
      const p = kpiPeriod(k, timeZone);
      return !p || (p.to > range.from && p.from < range.to);
    })
    .map((k) => {
      let actual: number | null = null;
      let target = k.target ?? 0;
      let unit = '%';
      let note = '';
      switch (k.metric) {
        case 'settlements_connected_pct': {
          actual = pooled(villagesWithUplinks).pct;
          const worst = monthRows
            .filter((m) => m.village_uptime_pct !== null)
            .sort((a, b) => a.village_uptime_pct! - b.village_uptime_pct!)[0];
          if (worst) note = `найгірший місяць: ${worst.month}, ${fmt(worst.village_uptime_pct!)}%`;
          break;
        }
        case 'institutions_high_speed_pct': {
          const list = [...deviceConfigs.values()].filter(
            (d) => d.kind === 'institution' && (k.category === undefined || d.category === k.category) && installedBy(d, range.to),
          );
          const fast = list.filter((d) => isHighSpeed(d, source.speeds.get(d.id), config.coverage.high_speed_mbps));
          actual = list.length ? (fast.length / list.length) * 100 : null;
          note = `${fast.length} з ${list.length} закладів від ${config.coverage.high_speed_mbps} Мбіт/с`;
          break;
        }
        case 'wifi_zones_in_service': {
          const zones = publicWifi.filter((d) => installedBy(d, end));
          const last = days.length - 1;
          const working = zones.filter((d) => {
            const s = subjects.get(d.id)!;
            return last >= 0 && s.monitored[last]! > 0 && !(down.get(d.id) ?? []).some((o) => o.from < end && o.to >= end);
          });
          actual = working.length;
          unit = 'зон';
          note = `працювали ${working.length} з ${zones.length} зон на кінець періоду`;
          break;
        }
        case 'wifi_zones_installed': {
          const added = publicWifi.filter(
            (d) =>
              d.installed !== undefined && dateStart(d.installed, timeZone) >= range.from && dateStart(d.installed, timeZone) < range.to,
          );
          actual = added.length;
          unit = 'зон';
          note = added.length ? `нові: ${added.map((d) => d.name ?? d.id).join(', ')}` : 'нових зон не встановлено';
          break;
        }
        case 'service_uptime_pct': {
          const t = totals(subjects.get(serviceKey(k.service))!);
          actual = uptimePct(t.monitoredMs, t.downMs);
          break;
        }
        case 'provider_sla': {
          const p = providers.find((x) => x.id === k.provider)!;
          actual = p.uptime_pct;
          target = k.target ?? p.sla_pct ?? 0;
          note = `${p.name}: ${ukCount(p.outages, ['перерва', 'перерви', 'перерв'])}, ${fmt(p.downtime_h)} год простою`;
          break;
        }
        case 'influxql':
          actual = source.custom.get(k.id) ?? null;
          unit = k.unit;
          note = 'власний запит громади (InfluxQL), див. додаток';
          break;
      }
      return {
        id: k.id,
        title: k.title,
        metric: k.metric,
        direction: k.direction,
        target,
        actual,
        met: met(actual, target, k.direction),
        unit,
        custom: k.metric === 'influxql',
        note,
      };
    });

  const data: Omit<ReportData, 'summary'> = {
    hromada: config.hromada.name,
    timezone: timeZone,
    from: iso(range.from),
    to: iso(range.to),
    measured_to: iso(end),
    generated_at: iso(now),
    kpis,
    villages,
    providers,
    services,
    devices,
    months: monthRows,
    incidents,
    data_quality: dataQuality,
    queries: source.queries,
  };
  return { ...data, summary: summaryOf(data, { villageUptimePct: pooled(villagesWithUplinks).pct }) };
}
