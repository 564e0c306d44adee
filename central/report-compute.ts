/**
 * The oblast report from the hromadas' own reports: pure, every input an
 * argument. Each hromada's figures come from its report computed by the
 * hromada report itself (`server/report/`), over its own database; here they
 * are only summed and divided.
 *
 * What is summed and what is a share of sums (never an average of shares):
 * - settlements' uptime: village-time monitored and offline, summed over the
 *   villages with uplinks of every hromada, then the share up, exactly as
 *   the hromada report pools its villages; the downtime by cause is summed
 *   and the adjusted uptime leaves the excused causes out of both sums;
 * - institutions on high-speed links, Free WiFi zones (installed, in service,
 *   added), Invincibility Points and those meeting the requirement: counts,
 *   summed; the high-speed share is of the summed counts;
 * - Invincibility Points online: their monitored hours without power and
 *   the part of them online, summed, then the share;
 * - monitored device-time: summed, then the share;
 * - each KPI: the hromadas' KPIs of one metric (and category, service,
 *   provider or custom id) side by side; a share pools their bases
 *   (`ReportKpi.basis`: seconds up of seconds judged, institutions fast of
 *   all), a count is summed, a custom query is not comparable and has no
 *   oblast figure. The oblast's figure is judged only against a target every
 *   hromada shares; beside it, how many hromadas met their own.
 */
import { CAUSE_PRIORITY, KPI_METRICS, type DowntimeByCause, type ReportData, type ReportKpi } from '../common/report.ts';
import { categoryHeading, type InstitutionCategory } from '../common/words/names.ts';
import { kpiMetricName, OF_HROMADAS } from '../common/words/oblast.ts';
import { count } from '../common/words/plural.ts';
import { EXCUSED_CAUSES, OUTAGE_CAUSES } from '../common/words/power.ts';
import type { KpiConfig } from '../config/schema-kpis.ts';
import type { Config } from '../config/schema.ts';
import { met } from '../server/report/compute.ts';
import { ukNumber } from '../server/report/summary.ts';
import { uptimePct, type Interval } from '../server/uptime.ts';
import type { OblastFigures, OblastHromada, OblastKpi, OblastReport } from './report-data.ts';

/**
 * The figures the oblast compares every hromada on, whatever targets the
 * hromada set itself: measured by the hromada report's own KPI definitions
 * (their targets are not used).
 */
export const STANDARD_KPIS: KpiConfig[] = [
  { id: 'institutions', title: 'institutions', metric: 'institutions_high_speed_pct', direction: 'at_least', target: 0 },
  { id: 'zones-in-service', title: 'zones in service', metric: 'wifi_zones_in_service', direction: 'at_least', target: 0 },
  { id: 'zones-added', title: 'zones added', metric: 'wifi_zones_installed', direction: 'at_least', target: 0 },
  { id: 'points', title: 'points online', metric: 'invincibility_points_online_pct', direction: 'at_least', target: 100 },
];

/** A configured hromada: with what its inventory and database gave, or without (no inventory yet). */
export interface HromadaInput {
  id: string;
  name: string;
  measured?: HromadaMeasured;
}

export interface HromadaMeasured {
  /** Its shared config (the inventory), which the KPIs' categories, services and providers are read from. */
  config: Config;
  /** Its own report, with its own KPIs. */
  report: ReportData;
  /** The `STANDARD_KPIS` measured over the same reads. */
  standard: readonly ReportKpi[];
}

/** Everything of the figures but the shares: what is summed. */
type Tally = Omit<OblastFigures, 'uptime_pct' | 'uptime_adjusted_pct' | 'institutions' | 'invincibility_points' | 'data_quality'> & {
  institutions: Omit<OblastFigures['institutions'], 'high_speed_pct'>;
  invincibility_points: Omit<OblastFigures['invincibility_points'], 'online_pct'>;
  data_quality: Omit<OblastFigures['data_quality'], 'monitored_pct'>;
};

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const share = (part: number, whole: number) => (whole > 0 ? (part / whole) * 100 : null);
const addCauses = (list: readonly DowntimeByCause[]): DowntimeByCause =>
  Object.fromEntries(OUTAGE_CAUSES.map((c) => [c, sum(list.map((x) => x[c]))])) as DowntimeByCause;

/** The shares of the sums, as the hromada report takes them (uptime and adjusted uptime by its `uptimePct`). */
function figuresOf(t: Tally): OblastFigures {
  const excused = sum(EXCUSED_CAUSES.map((c) => t.downtime_by_cause[c]));
  return {
    villages: t.villages,
    monitored_s: t.monitored_s,
    downtime_s: t.downtime_s,
    uptime_pct: uptimePct(t.monitored_s, t.downtime_s),
    downtime_by_cause: t.downtime_by_cause,
    uptime_adjusted_pct: uptimePct(t.monitored_s - excused, t.downtime_s - excused),
    institutions: { ...t.institutions, high_speed_pct: share(t.institutions.high_speed, t.institutions.total) },
    wifi_zones: t.wifi_zones,
    invincibility_points: {
      ...t.invincibility_points,
      online_pct: share(t.invincibility_points.online_s, t.invincibility_points.judged_s),
    },
    data_quality: { ...t.data_quality, monitored_pct: share(t.data_quality.monitored_s, t.data_quality.device_time_s) },
  };
}

/** One hromada's figures from its report (villages, points, data quality) and its standard KPIs (institutions, zones, points online). */
export function hromadaFigures(report: ReportData, standard: readonly ReportKpi[]): OblastFigures {
  const connected = report.villages.filter((v) => v.uplinks > 0);
  const kpi = (metric: ReportKpi['metric']) => standard.find((k) => k.metric === metric);
  const institutions = kpi('institutions_high_speed_pct')?.basis ?? { part: 0, whole: 0 };
  const online = kpi('invincibility_points_online_pct')?.basis ?? { part: 0, whole: 0 };
  const points = report.power.invincibility_points;
  return figuresOf({
    villages: connected.length,
    monitored_s: sum(connected.map((v) => v.monitored_s)),
    downtime_s: sum(connected.map((v) => v.downtime_s)),
    downtime_by_cause: addCauses(connected.map((v) => v.downtime_by_cause)),
    institutions: { total: institutions.whole, high_speed: institutions.part },
    wifi_zones: {
      installed: sum(report.villages.map((v) => v.wifi.zones)),
      in_service: kpi('wifi_zones_in_service')?.actual ?? 0,
      added: kpi('wifi_zones_installed')?.actual ?? 0,
    },
    invincibility_points: {
      total: points.length,
      meeting_requirement: points.filter((p) => p.meets_requirement).length,
      judged_s: online.whole,
      online_s: online.part,
    },
    data_quality: { device_time_s: report.data_quality.device_time_s, monitored_s: report.data_quality.monitored_s },
  });
}

/** The hromadas' figures pooled: every sum summed, every share taken again of the sums; null for none. */
export function pooledFigures(list: readonly OblastFigures[]): OblastFigures | null {
  if (list.length === 0) return null;
  const total = (pick: (f: OblastFigures) => number) => sum(list.map(pick));
  return figuresOf({
    villages: total((f) => f.villages),
    monitored_s: total((f) => f.monitored_s),
    downtime_s: total((f) => f.downtime_s),
    downtime_by_cause: addCauses(list.map((f) => f.downtime_by_cause)),
    institutions: { total: total((f) => f.institutions.total), high_speed: total((f) => f.institutions.high_speed) },
    wifi_zones: {
      installed: total((f) => f.wifi_zones.installed),
      in_service: total((f) => f.wifi_zones.in_service),
      added: total((f) => f.wifi_zones.added),
    },
    invincibility_points: {
      total: total((f) => f.invincibility_points.total),
      meeting_requirement: total((f) => f.invincibility_points.meeting_requirement),
      judged_s: total((f) => f.invincibility_points.judged_s),
      online_s: total((f) => f.invincibility_points.online_s),
    },
    data_quality: {
      device_time_s: total((f) => f.data_quality.device_time_s),
      monitored_s: total((f) => f.data_quality.monitored_s),
    },
  });
}

/** What a KPI is of beyond its metric, with its name: the category, service, provider, or the custom KPI itself. */
function qualifierOf(k: ReportKpi, config: Config): { id: string; name: string } | undefined {
  const c = config.kpis.find((x) => x.id === k.id);
  switch (c?.metric) {
    case 'institutions_high_speed_pct':
      // The config's cross-check holds the category to INSTITUTION_CATEGORIES.
      return c.category === undefined ? undefined : { id: c.category, name: categoryHeading(c.category as InstitutionCategory, 'uk') };
    case 'service_uptime_pct':
      return { id: c.service, name: config.services.find((s) => s.id === c.service)?.name ?? c.service };
    case 'provider_sla':
      return { id: c.provider, name: config.providers.find((p) => p.id === c.provider)?.name ?? c.provider };
    case 'influxql':
      return { id: c.id, name: c.title };
    default:
      return undefined;
  }
}

/** The hromadas' KPIs grouped by what they measure, in the order of `KPI_METRICS`, each group pooled. */
export function oblastKpis(hromadas: readonly (HromadaInput & { measured: HromadaMeasured })[]): OblastKpi[] {
  const groups = new Map<
    string,
    { metric: ReportKpi['metric']; title: string; unit: string; rows: { hromada: string; kpi: ReportKpi }[] }
  >();
  for (const h of hromadas)
    for (const kpi of h.measured.report.kpis) {
      const q = qualifierOf(kpi, h.measured.config);
      const key = q ? `${kpi.metric}:${q.id}` : kpi.metric;
      const group = groups.get(key) ?? {
        metric: kpi.metric,
        title: q ? `${kpiMetricName(kpi.metric, 'uk')}: ${q.name}` : kpiMetricName(kpi.metric, 'uk'),
        unit: kpi.unit,
        rows: [],
      };
      group.rows.push({ hromada: h.id, kpi });
      groups.set(key, group);
    }
  return [...groups]
    .sort(([, a], [, b]) => KPI_METRICS.indexOf(a.metric) - KPI_METRICS.indexOf(b.metric))
    .map(([key, g]) => {
      // A hromada's KPIs of one group measure the same thing over the same range: its figure counts once.
      const once = [...new Map(g.rows.map((r) => [r.hromada, r.kpi])).values()];
      const bases = once.flatMap((k) => (k.basis ? [k.basis] : []));
      const basis = bases.length ? { part: sum(bases.map((b) => b.part)), whole: sum(bases.map((b) => b.whole)) } : null;
      const counts = once.flatMap((k) => (k.actual === null ? [] : [k.actual]));
      const actual = g.metric === 'influxql' ? null : basis ? share(basis.part, basis.whole) : counts.length ? sum(counts) : null;
      const first = g.rows[0]!.kpi;
      const common = g.rows.every((r) => r.kpi.target === first.target && r.kpi.direction === first.direction);
      const byHromada = [...new Set(g.rows.map((r) => r.hromada))].map((id) =>
        g.rows.filter((r) => r.hromada === id && r.kpi.met !== null).map((r) => r.kpi.met),
      );
      const measured = byHromada.filter((list) => list.length > 0);
      return {
        key,
        metric: g.metric,
        title: g.title,
        unit: g.unit,
        target: common ? first.target : null,
        direction: common ? first.direction : null,
        actual,
        basis: g.metric === 'influxql' ? null : basis,
        met: common ? met(actual, first.target, first.direction) : null,
        hromadas_measured: measured.length,
        hromadas_met: measured.filter((list) => list.every(Boolean)).length,
        entries: g.rows.map(({ hromada, kpi: k }) => ({
          hromada,
          id: k.id,
          title: k.title,
          direction: k.direction,
          target: k.target,
          actual: k.actual,
          basis: k.basis,
          met: k.met,
        })),
      };
    });
}

/** A few sentences in Ukrainian: who sent data, the settlements' uptime and the worst hromada, the points, the targets, the gaps. */
export function oblastSummary(r: Omit<OblastReport, 'summary'>): string[] {
  const out: string[] = [];
  const silent = r.hromadas.filter((h) => h.status === 'no_data');
  out.push(
    `Дані є від ${r.hromadas.length - silent.length} з ${count(r.hromadas.length, OF_HROMADAS.uk, 'uk')}` +
      (silent.length ? `; ще не надіслали інвентар: ${silent.map((h) => h.name).join(', ')}.` : '.'),
  );
  const f = r.oblast_figures;
  if (f === null || f.uptime_pct === null) {
    out.push('За цей період немає даних про роботу інтернету в селах громад.');
  } else {
    const worst = r.hromadas
      .filter((h) => h.figures && h.figures.uptime_pct !== null)
      .sort((a, b) => a.figures!.uptime_pct! - b.figures!.uptime_pct!)[0]!;
    out.push(
      `Населені пункти громад мали інтернет ${ukNumber(f.uptime_pct, 2)}% часу спостереження` +
        (worst.figures!.uptime_pct! < f.uptime_pct ? `; найменше — ${worst.name} (${ukNumber(worst.figures!.uptime_pct!, 2)}%).` : '.'),
    );
  }
  if (f && f.invincibility_points.online_pct !== null) {
    out.push(
      `Пункти незламності були на зв’язку ${ukNumber(f.invincibility_points.online_pct, 1)}% годин без світла під наглядом; ` +
        `резервне живлення і резервний канал мають ${f.invincibility_points.meeting_requirement} з ${f.invincibility_points.total}.`,
    );
  }
  const entries = r.kpis.flatMap((k) => k.entries).filter((e) => e.met !== null);
  if (entries.length) out.push(`Громади виконали ${entries.filter((e) => e.met).length} з ${entries.length} цілей своїх стратегій.`);
  const dq = f?.data_quality.monitored_pct ?? null;
  if (dq !== null && dq < 99.95)
    out.push(`Мережа спостерігала ${ukNumber(dq)}% часу пристроїв громад; час без даних не зараховано ні як роботу, ні як перерву.`);
  return out;
}

/** The oblast report of `range` from every configured hromada's measurements, in central.yaml's order. */
export function composeOblastReport(options: {
  oblast: string;
  timezone: string;
  range: Interval;
  now: number;
  hromadas: readonly HromadaInput[];
}): OblastReport {
  const { range, now } = options;
  const iso = (t: number) => new Date(t).toISOString();
  const measured = options.hromadas.flatMap((h) => (h.measured ? [{ ...h, measured: h.measured }] : []));
  const hromadas: OblastHromada[] = options.hromadas.map((h) =>
    h.measured
      ? {
          id: h.id,
          name: h.name,
          status: 'reported',
          figures: hromadaFigures(h.measured.report, h.measured.standard),
          kpis: h.measured.report.kpis,
          summary: h.measured.report.summary,
        }
      : { id: h.id, name: h.name, status: 'no_data', figures: null, kpis: [], summary: [] },
  );
  const data: Omit<OblastReport, 'summary'> = {
    oblast: options.oblast,
    timezone: options.timezone,
    from: iso(range.from),
    to: iso(range.to),
    measured_to: iso(Math.max(range.from, Math.min(range.to, now))),
    generated_at: iso(now),
    hromadas,
    oblast_figures: pooledFigures(hromadas.flatMap((h) => (h.figures ? [h.figures] : []))),
    kpis: oblastKpis(measured),
    excused_causes: [...EXCUSED_CAUSES],
    cause_priority: [...CAUSE_PRIORITY],
  };
  return { ...data, summary: oblastSummary(data) };
}
