/**
 * The oblast report's arithmetic on hand-made hromada reports: two hromadas
 * with known figures and KPIs and one the centre has no inventory from. The
 * oblast's figures are the sums and the shares of the sums (not the mean of
 * the hromadas' shares: the fixtures are chosen so that the mean differs),
 * the KPIs grouped by what they measure, and the renderers lay out the same.
 */
import { describe, expect, it } from 'vitest';
import { readCsv } from '../../common/csv.ts';
import { OUTAGE_CAUSES } from '../../common/words/power.ts';
import type { DowntimeByCause, ReportData, ReportKpi } from '../../common/report.ts';
import { composeOblastReport, hromadaFigures, oblastKpis, pooledFigures, type HromadaMeasured } from '../../central/report-compute.ts';
import { oblastReport, renderOblastReport, type OblastFigures } from '../../central/report.ts';
import { uptimePct } from '../../server/uptime.ts';
import { testConfig } from '../support/config.ts';

const causes = (some: Partial<DowntimeByCause>): DowntimeByCause => ({
  ...(Object.fromEntries(OUTAGE_CAUSES.map((c) => [c, 0])) as DowntimeByCause),
  ...some,
});

type VillageFixture = { uplinks: number; monitored_s: number; downtime_s: number; causes: Partial<DowntimeByCause>; zones: number };

function reportOf(
  name: string,
  villages: VillageFixture[],
  kpis: ReportKpi[],
  points: boolean[],
  dq: { device_time_s: number; monitored_s: number },
): ReportData {
  return {
    hromada: name,
    timezone: 'Europe/Kyiv',
    from: '2024-12-31T22:00:00.000Z',
    to: '2025-12-31T22:00:00.000Z',
    measured_to: '2025-12-31T22:00:00.000Z',
    generated_at: '2026-01-05T10:00:00.000Z',
    summary: [`${name}: речення`],
    kpis,
    villages: villages.map((v, i) => ({
      id: `v${i}`,
      name: `Село ${i}`,
      population: null,
      uplinks: v.uplinks,
      uptime_pct: uptimePct(v.monitored_s, v.downtime_s),
      outages: 1,
      downtime_s: v.downtime_s,
      monitored_s: v.monitored_s,
      longest_outage_s: null,
      mttr_s: null,
      downtime_by_cause: causes(v.causes),
      uptime_adjusted_pct: null,
      institutions_online_pct: null,
      wifi: { zones: v.zones, avg_clients: null, peak_clients: null },
    })),
    providers: [],
    services: [],
    devices: [],
    months: [],
    incidents: [],
    power: {
      villages: [],
      supplies: [],
      invincibility_points: points.map((meets, i) => ({
        id: `p${i}`,
        name: `p${i}`,
        village: 'v0',
        backup_power: meets ? 'ups' : null,
        backup_link: 'mobile',
        meets_requirement: meets,
        lacks: meets ? [] : ['backup_power'],
        blackout_h: 1,
        online_pct: null,
      })),
    },
    excused_causes: ['scheduled_blackout', 'maintenance'],
    cause_priority: ['maintenance', 'power', 'scheduled_blackout', 'upstream', 'provider', 'device', 'unknown'],
    data_quality: {
      monitored_pct: (dq.monitored_s / dq.device_time_s) * 100,
      ...dq,
      no_data_s: dq.device_time_s - dq.monitored_s,
      gaps: [],
    },
    queries: [],
  };
}

function kpi(
  id: string,
  metric: ReportKpi['metric'],
  target: number,
  actual: number | null,
  basis: ReportKpi['basis'],
  direction: ReportKpi['direction'] = 'at_least',
): ReportKpi {
  return {
    id,
    title: `Ціль ${id}`,
    metric,
    direction,
    target,
    actual,
    basis,
    met: actual === null ? null : direction === 'at_least' ? actual >= target : actual <= target,
    unit: metric.startsWith('wifi_zones') ? 'зон' : metric === 'influxql' ? 'клієнтів' : '%',
    custom: metric === 'influxql',
    note: '',
  };
}

const share = (part: number, whole: number) => ({ part, whole });

// ---- Громада А: two villages with uplinks and one without (its two zones count); 3 of 4 institutions fast; 2 points, one equipped.
const A_STANDARD = [
  kpi('institutions', 'institutions_high_speed_pct', 0, 75, share(3, 4)),
  kpi('zones-in-service', 'wifi_zones_in_service', 0, 2, null),
  kpi('zones-added', 'wifi_zones_installed', 0, 1, null),
  kpi('points', 'invincibility_points_online_pct', 100, 90, share(900, 1000)),
];
const A_KPIS = [
  kpi('settlements', 'settlements_connected_pct', 99, 99, share(3960, 4000)),
  kpi('schools', 'institutions_high_speed_pct', 80, 50, share(1, 2)),
  kpi('sla', 'provider_sla', 99, 99, share(990, 1000)),
  kpi('zones', 'wifi_zones_in_service', 2, 2, null),
  kpi('clients', 'influxql', 5, 9, null),
];
const A = reportOf(
  'Громада А',
  [
    { uplinks: 1, monitored_s: 1000, downtime_s: 10, causes: { power: 4, scheduled_blackout: 6 }, zones: 1 },
    { uplinks: 0, monitored_s: 0, downtime_s: 0, causes: {}, zones: 2 },
    { uplinks: 2, monitored_s: 3000, downtime_s: 30, causes: { provider: 30 }, zones: 0 },
  ],
  A_KPIS,
  [true, false],
  { device_time_s: 10_000, monitored_s: 9000 },
);
// ---- Громада Б: one village, 1 of 2 institutions fast, no points, no zones.
const B_STANDARD = [
  kpi('institutions', 'institutions_high_speed_pct', 0, 50, share(1, 2)),
  kpi('zones-in-service', 'wifi_zones_in_service', 0, 0, null),
  kpi('zones-added', 'wifi_zones_installed', 0, 0, null),
  kpi('points', 'invincibility_points_online_pct', 100, null, null),
];
const B_KPIS = [
  kpi('connected', 'settlements_connected_pct', 95, 98, share(5880, 6000)),
  kpi('fast-schools', 'institutions_high_speed_pct', 80, 100, share(1, 1)),
  kpi('ukrtelecom', 'provider_sla', 99.5, 99.5, share(1990, 2000)),
  kpi('wifi', 'wifi_zones_in_service', 1, 0, null),
];
const B = reportOf(
  'Громада Б',
  [{ uplinks: 1, monitored_s: 6000, downtime_s: 120, causes: { maintenance: 60, device: 60 }, zones: 0 }],
  B_KPIS,
  [],
  { device_time_s: 20_000, monitored_s: 19_000 },
);

const village = { id: 'v0', name: 'Село', devices: [{ id: 'u', kind: 'uplink' as const, host: '127.0.0.1', provider: 'ukrtelecom' }] };
const provider = { id: 'ukrtelecom', name: 'Укртелеком', sla_pct: 99 };
const A_CONFIG = testConfig({
  villages: [village],
  providers: [provider],
  kpis: [
    { id: 'settlements', title: 'С', metric: 'settlements_connected_pct', target: 99 },
    { id: 'schools', title: 'Ш', metric: 'institutions_high_speed_pct', category: 'school', target: 80 },
    { id: 'sla', title: 'П', metric: 'provider_sla', provider: 'ukrtelecom', target: 99 },
    { id: 'zones', title: 'З', metric: 'wifi_zones_in_service', target: 2 },
    { id: 'clients', title: 'Клієнти', metric: 'influxql', query: 'SELECT 1', target: 5 },
  ],
});
const B_CONFIG = testConfig({
  villages: [village],
  providers: [provider],
  kpis: [
    { id: 'connected', title: 'С', metric: 'settlements_connected_pct', target: 95 },
    { id: 'fast-schools', title: 'Ш', metric: 'institutions_high_speed_pct', category: 'school', target: 80 },
    { id: 'ukrtelecom', title: 'П', metric: 'provider_sla', provider: 'ukrtelecom', target: 99.5 },
    { id: 'wifi', title: 'З', metric: 'wifi_zones_in_service', target: 1 },
  ],
});

const MEASURED_A: HromadaMeasured = { config: A_CONFIG, report: A, standard: A_STANDARD };
const MEASURED_B: HromadaMeasured = { config: B_CONFIG, report: B, standard: B_STANDARD };
const RANGE = { from: Date.parse(A.from), to: Date.parse(A.to) };
const NOW = Date.parse('2026-01-05T10:00:00Z');
const REPORT = composeOblastReport({
  oblast: 'Тестова область',
  timezone: 'Europe/Kyiv',
  range: RANGE,
  now: NOW,
  hromadas: [
    { id: 'a', name: 'Громада А', measured: MEASURED_A },
    { id: 'silent', name: 'Тиха громада' },
    { id: 'b', name: 'Громада Б', measured: MEASURED_B },
  ],
});

describe('a hromada’s figures, from its report and its standard KPIs', () => {
  it('sums its villages with uplinks and takes the shares of the sums', () => {
    const a = hromadaFigures(A, A_STANDARD);
    expect(a).toEqual({
      villages: 2,
      monitored_s: 4000,
      downtime_s: 40,
      uptime_pct: 99,
      downtime_by_cause: causes({ power: 4, scheduled_blackout: 6, provider: 30 }),
      // The scheduled blackout's 6 s out of both: (3994 - 34) / 3994.
      uptime_adjusted_pct: ((3994 - 34) / 3994) * 100,
      institutions: { total: 4, high_speed: 3, high_speed_pct: 75 },
      wifi_zones: { installed: 3, in_service: 2, added: 1 },
      invincibility_points: { total: 2, meeting_requirement: 1, judged_s: 1000, online_s: 900, online_pct: 90 },
      data_quality: { device_time_s: 10_000, monitored_s: 9000, monitored_pct: 90 },
    } satisfies OblastFigures);
  });

  it('has no points figure without points, not 0%', () => {
    expect(hromadaFigures(B, B_STANDARD).invincibility_points).toEqual({
      total: 0,
      meeting_requirement: 0,
      judged_s: 0,
      online_s: 0,
      online_pct: null,
    });
  });
});

describe('the oblast’s figures', () => {
  it('are the sums of the hromadas’ and the shares of those sums, weighted by time and counts', () => {
    const f = pooledFigures([hromadaFigures(A, A_STANDARD), hromadaFigures(B, B_STANDARD)])!;
    expect(f).toEqual({
      villages: 3,
      monitored_s: 10_000,
      downtime_s: 160,
      // Not the mean of 99% and 98%.
      uptime_pct: 98.4,
      downtime_by_cause: causes({ power: 4, scheduled_blackout: 6, provider: 30, maintenance: 60, device: 60 }),
      uptime_adjusted_pct: ((9934 - 94) / 9934) * 100,
      // 4 of 6, not the mean of 75% and 50%.
      institutions: { total: 6, high_speed: 4, high_speed_pct: (4 / 6) * 100 },
      wifi_zones: { installed: 3, in_service: 2, added: 1 },
      invincibility_points: { total: 2, meeting_requirement: 1, judged_s: 1000, online_s: 900, online_pct: 90 },
      data_quality: { device_time_s: 30_000, monitored_s: 28_000, monitored_pct: (28 / 30) * 100 },
    } satisfies OblastFigures);
  });

  it('are null without any hromada with data', () => {
    expect(pooledFigures([])).toBeNull();
  });
});

describe('the strategies’ KPIs side by side', () => {
  const kpis = oblastKpis([
    { id: 'a', name: 'А', measured: MEASURED_A },
    { id: 'b', name: 'Б', measured: MEASURED_B },
  ]);
  const group = (key: string) => kpis.find((k) => k.key === key)!;

  it('groups by metric and category, provider or custom KPI, in the metrics’ order', () => {
    expect(kpis.map((k) => [k.key, k.title, k.entries.map((e) => `${e.hromada}:${e.id}`)])).toEqual([
      ['settlements_connected_pct', 'Населені пункти з інтернетом', ['a:settlements', 'b:connected']],
      ['institutions_high_speed_pct:school', 'Заклади на швидкісному інтернеті: Школи', ['a:schools', 'b:fast-schools']],
      ['wifi_zones_in_service', 'Зони Free WiFi, що працюють', ['a:zones', 'b:wifi']],
      ['provider_sla:ukrtelecom', 'Провайдер за договором: Укртелеком', ['a:sla', 'b:ukrtelecom']],
      ['influxql:clients', 'Власний показник громади: Клієнти', ['a:clients']],
    ]);
  });

  it('pools a share from the hromadas’ bases; with different targets the oblast has none, and counts the hromadas that met theirs', () => {
    expect(group('settlements_connected_pct')).toMatchObject({
      actual: 98.4,
      basis: { part: 9840, whole: 10_000 },
      target: null,
      direction: null,
      met: null,
      hromadas_measured: 2,
      hromadas_met: 2,
    });
    expect(group('provider_sla:ukrtelecom').actual).toBeCloseTo((2980 / 3000) * 100, 12);
    expect(group('provider_sla:ukrtelecom')).toMatchObject({ target: null, met: null, hromadas_met: 2 });
  });

  it('judges the pooled figure against a target every hromada shares', () => {
    // 2 of 3 schools fast, not the mean of 50% and 100%.
    expect(group('institutions_high_speed_pct:school')).toMatchObject({
      basis: { part: 2, whole: 3 },
      target: 80,
      direction: 'at_least',
      met: false,
      hromadas_measured: 2,
      hromadas_met: 1,
    });
    expect(group('institutions_high_speed_pct:school').actual).toBeCloseTo((2 / 3) * 100, 12);
  });

  it('sums counts and gives a custom query no oblast figure', () => {
    expect(group('wifi_zones_in_service')).toMatchObject({ actual: 2, basis: null, target: null, hromadas_met: 1, hromadas_measured: 2 });
    expect(group('influxql:clients')).toMatchObject({
      actual: null,
      basis: null,
      target: 5,
      met: null,
      unit: 'клієнтів',
      hromadas_met: 1,
    });
  });

  it('counts a hromada’s figure once when it has two KPIs of one metric, and met only if it met both', () => {
    const twice: HromadaMeasured = {
      ...MEASURED_A,
      report: { ...A, kpis: [...A_KPIS, kpi('settlements-stretch', 'settlements_connected_pct', 99.5, 99, share(3960, 4000))] },
    };
    const g = oblastKpis([
      { id: 'a', name: 'А', measured: twice },
      { id: 'b', name: 'Б', measured: MEASURED_B },
    ]).find((k) => k.key === 'settlements_connected_pct')!;
    expect(g).toMatchObject({ actual: 98.4, basis: { part: 9840, whole: 10_000 }, hromadas_measured: 2, hromadas_met: 1 });
    expect(g.entries).toHaveLength(3);
  });
});

describe('the oblast report', () => {
  it('has every configured hromada in order, the one without an inventory as no data, never zeros', () => {
    expect(oblastReport.safeParse(REPORT).success).toBe(true);
    expect(REPORT.hromadas.map((h) => [h.id, h.status, h.figures === null, h.kpis.length])).toEqual([
      ['a', 'reported', false, 5],
      ['silent', 'no_data', true, 0],
      ['b', 'reported', false, 4],
    ]);
    expect(REPORT.oblast_figures).toEqual(pooledFigures([hromadaFigures(A, A_STANDARD), hromadaFigures(B, B_STANDARD)]));
    expect(REPORT.kpis.flatMap((k) => k.entries.map((e) => e.hromada))).not.toContain('silent');
    expect(REPORT).toMatchObject({
      oblast: 'Тестова область',
      from: A.from,
      to: A.to,
      measured_to: A.to,
      generated_at: new Date(NOW).toISOString(),
    });
  });

  it('sums up in Ukrainian: who sent data, the uptime and the worst hromada, the points, the targets', () => {
    expect(REPORT.summary).toEqual([
      'Дані є від 2 з 3 громад; ще не надіслали інвентар: Тиха громада.',
      'Населені пункти громад мали інтернет 98,40% часу спостереження; найменше — Громада Б (98,00%).',
      'Пункти незламності були на зв’язку 90,0% годин без світла під наглядом; резервне живлення і резервний канал мають 1 з 2.',
      'Громади виконали 7 з 9 цілей своїх стратегій.',
      'Мережа спостерігала 93,3% часу пристроїв громад; час без даних не зараховано ні як роботу, ні як перерву.',
    ]);
    const nobody = composeOblastReport({
      oblast: 'О',
      timezone: 'Europe/Kyiv',
      range: RANGE,
      now: NOW,
      hromadas: [{ id: 'x', name: 'Х' }],
    });
    expect(nobody.oblast_figures).toBeNull();
    expect(nobody.summary).toEqual([
      'Дані є від 0 з 1 громади; ще не надіслали інвентар: Х.',
      'За цей період немає даних про роботу інтернету в селах громад.',
    ]);
  });
});

describe('the oblast report’s forms', () => {
  /** Each table of the CSV as records by column name. */
  function tables(text: string, delimiter: ',' | ';') {
    const out = new Map<string, Record<string, string>[]>();
    let header: string[] = [];
    for (const { fields } of readCsv(text, { delimiter }).records) {
      if (fields[0] === 'table') header = fields;
      else out.set(fields[0]!, [...(out.get(fields[0]!) ?? []), Object.fromEntries(header.map((h, i) => [h, fields[i]!]))]);
    }
    return out;
  }

  it('JSON is the report', () => {
    const { body, contentType } = renderOblastReport(REPORT, 'json');
    expect(contentType).toBe('application/json; charset=utf-8');
    expect(JSON.parse(body)).toEqual(REPORT);
  });

  it('CSV has a row per hromada and the oblast’s, empty for no data, and every KPI with the oblast’s row', () => {
    const { body, contentType } = renderOblastReport(REPORT, 'csv');
    expect(contentType).toBe('text/csv; charset=utf-8');
    expect(body.startsWith('\uFEFFtable,oblast,timezone,')).toBe(true);
    const t = tables(body, ',');
    expect(
      t.get('hromadas')!.map((r) => [r.level, r.id, r.status, r.uptime_pct, r.institutions_high_speed, r.downtime_maintenance_s]),
    ).toEqual([
      ['hromada', 'a', 'reported', '99', '3', '0'],
      ['hromada', 'silent', 'no_data', '', '', ''],
      ['hromada', 'b', 'reported', '98', '1', '60'],
      ['oblast', '', 'reported', '98.4', '4', '60'],
    ]);
    const schools = t.get('kpis')!.filter((r) => r.key === 'institutions_high_speed_pct:school');
    expect(schools.map((r) => [r.level, r.hromada, r.target, r.met, r.basis_part, r.basis_whole, r.hromadas_met])).toEqual([
      ['hromada', 'a', '80', 'false', '1', '2', ''],
      ['hromada', 'b', '80', 'true', '1', '1', ''],
      ['oblast', '', '80', 'false', '2', '3', '1'],
    ]);
    expect(t.get('summary')!.map((r) => r.text)).toEqual(REPORT.summary);
  });

  it('CSV for Excel is the same tables with ";" and decimal commas', () => {
    const plain = renderOblastReport(REPORT, 'csv').body;
    const excel = renderOblastReport(REPORT, 'csv-excel').body;
    expect(excel.startsWith('\uFEFFtable;oblast;timezone;')).toBe(true);
    const decimalPoint = (fields: string[]) => fields.map((f) => f.replace(/^(-?\d+),(\d+)$/, '$1.$2'));
    const rows = (csv: string, delimiter: ',' | ';') => readCsv(csv, { delimiter }).records.map((r) => decimalPoint(r.fields));
    expect(rows(excel, ';')).toEqual(rows(plain, ','));
  });

  it('HTML is a page in Ukrainian: hromadas × KPIs, each against its own target, marked met or not, no data as such', () => {
    const { body, contentType } = renderOblastReport(
      { ...REPORT, hromadas: REPORT.hromadas.map((h) => (h.id === 'a' ? { ...h, name: 'Громада <А>' } : h)) },
      'html',
    );
    expect(contentType).toBe('text/html; charset=utf-8');
    expect(body).toMatch(/^<!doctype html>\n<html lang="uk">/);
    expect(body).toContain('<h1>Звіт про зв’язок громад: Тестова область</h1>');
    expect(body).toContain('Громада &lt;А&gt;');
    expect(body).not.toContain('Громада <А>');
    expect(body).toContain('<th scope="col" class="r">Заклади на швидкісному інтернеті: Школи</th>');
    // Громада А's schools: 50% against its 80%, not met; Б's met; the oblast's 2 of 3 against the shared 80%.
    expect(body).toContain('<td class="r bad">50,00% (≥ 80,00%)</td>');
    expect(body).toContain('<td class="r good">100,00% (≥ 80,00%)</td>');
    expect(body).toContain('<td class="r bad">66,67% (≥ 80,00%)</td>');
    // Different targets: the oblast's figure stands alone. Then how many hromadas met their own.
    expect(body).toContain('<td class="r muted">98,40%</td>');
    expect(body).toContain('<td class="r muted">не порівнюється</td>');
    expect(body).toContain(
      '<tr><td>Виконали свій план</td><td class="r">2 з 2 громад</td><td class="r">1 з 2 громад</td><td class="r">1 з 2 громад</td><td class="r">2 з 2 громад</td><td class="r">1 з 1 громади</td></tr>',
    );
    const silentRow = body.split('\n').filter((l) => l.startsWith('<tr><td>Тиха громада</td>'));
    expect(silentRow.length).toBeGreaterThan(0);
    for (const row of silentRow) expect(row).not.toMatch(/>0</);
    expect(body).toContain('<tr><td>Разом по області</td>');
  });
});
