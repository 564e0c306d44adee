/**
 * The report's arithmetic on a small hand-made hromada over January and
 * February 2025 (Kyiv): every figure against values worked out by hand.
 */
import { describe, expect, it } from 'vitest';
import { parseIsoTime } from '../../common/iso-time.ts';
import { KPI_METRICS, reportData } from '../../common/report.ts';
import type { ConfigInput } from '../../config/schema.ts';
import { kpiSchema, type KpiConfig } from '../../config/schema-kpis.ts';
import { buildInventory } from '../../server/inventory.ts';
import { computeReport } from '../../server/report/compute.ts';
import { daysOf, monthsOf, yearRange } from '../../server/report/periods.ts';
import type { ReportSource, WifiMonth } from '../../server/report/read.ts';
import { summaryOf } from '../../server/report/summary.ts';
import type { Interval } from '../../server/uptime.ts';
import { testConfig } from '../support/config.ts';

const TZ = 'Europe/Kyiv';
const H = 3_600_000;
const t = (text: string) => parseIsoTime(text, TZ)!;
const FROM = t('2025-01-01');
const TO = t('2025-03-01');
const NOW = t('2025-06-01');
const ALL = (TO - FROM) / H; // 1416 h
const JAN = 744;
const FEB = 672;
const span = (a: string, b: string): Interval => ({ from: t(a), to: t(b) });

function config(extra: Partial<ConfigInput> = {}) {
  return testConfig({
    hromada: { name: 'Тестова громада', timezone: TZ },
    providers: [
      { id: 'fibre', name: 'Оптика', sla_pct: 99.5 },
      { id: 'lte', name: 'Мобільний', sla_pct: 99.9 },
    ],
    villages: [
      {
        id: 'zelene',
        name: 'Зелене',
        population: 900,
        devices: [
          { id: 'zelene-a', kind: 'uplink', host: '127.0.0.1', provider: 'fibre' },
          { id: 'zelene-b', kind: 'uplink', host: '127.0.0.2', provider: 'lte', ping: true },
          { id: 'zelene-school', kind: 'institution', category: 'school', host: '127.0.0.3', parent: 'zelene-a', bandwidth_mbps: 200 },
          { id: 'zelene-wifi', kind: 'wifi', host: '127.0.0.4', parent: 'zelene-b', public: true, installed: '2025-02-10' },
        ],
      },
      {
        id: 'yasne',
        name: 'Ясне',
        devices: [
          { id: 'yasne-up', kind: 'uplink', host: '127.0.1.1', provider: 'fibre' },
          { id: 'yasne-lib', kind: 'institution', category: 'library', host: '127.0.1.2', parent: 'yasne-up' },
          { id: 'yasne-wifi', kind: 'wifi', host: '127.0.1.3', parent: 'yasne-up', public: true, installed: '2024-05-01' },
        ],
      },
    ],
    services: [{ id: 'website', name: 'Сайт громади', url: 'https://example.org/' }],
    kpis: [
      { id: 'settlements', title: 'Підключено 100% населених пунктів', metric: 'settlements_connected_pct', target: 99.5 },
      { id: 'settlements-max', title: 'Не більше 99%', metric: 'settlements_connected_pct', target: 99, direction: 'at_most' },
      { id: 'fast', title: '80% закладів', metric: 'institutions_high_speed_pct', target: 80 },
      { id: 'fast-schools', title: 'Школи', metric: 'institutions_high_speed_pct', category: 'school', target: 100 },
      { id: 'new-wifi', title: '1 нова зона', metric: 'wifi_zones_installed', target: 1 },
      { id: 'wifi', title: 'Зони працюють', metric: 'wifi_zones_in_service', target: 2 },
      { id: 'site', title: 'Сайт', metric: 'service_uptime_pct', service: 'website', target: 99.9 },
      { id: 'lte-sla', title: 'Мобільний за договором', metric: 'provider_sla', provider: 'lte' },
      { id: 'fibre-sla', title: 'Оптика за договором', metric: 'provider_sla', provider: 'fibre', target: 99.6 },
      {
        id: 'rtt',
        title: 'Затримка',
        metric: 'influxql',
        query: 'SELECT mean("rtt_avg_ms") FROM "ping"',
        unit: 'мс',
        target: 50,
        direction: 'at_most',
      },
      { id: 'old', title: 'Ціль 2024 року', metric: 'wifi_zones_installed', target: 1, year: 2024 },
      { id: 'strategy', title: 'Ціль стратегії', metric: 'wifi_zones_installed', target: 1, from: '2024-06-01', to: '2024-12-31' },
    ],
    ...extra,
  });
}

const OUTAGES: Record<string, Interval[]> = {
  // Overlapping outages: together 10:00-15:00.
  'zelene-a': [
    span('2025-01-10T10:00', '2025-01-10T14:00'),
    span('2025-01-10T13:00', '2025-01-10T15:00'),
    span('2025-02-05T00:00', '2025-02-05T01:00'),
  ],
  'zelene-b': [span('2025-01-10T12:00', '2025-01-10T13:00'), span('2025-01-20T08:00', '2025-01-20T10:00')],
  'zelene-school': [span('2025-01-03T08:00', '2025-01-03T09:00')],
  // Began before the range: only its part inside counts as downtime.
  'yasne-up': [span('2024-12-31T22:00', '2025-01-01T02:00'), span('2025-02-15T00:00', '2025-02-15T06:00')],
  // Lasts past the end of the range.
  'yasne-wifi': [span('2025-02-28T20:00', '2025-03-01T02:00')],
  'service:website': [span('2025-01-15T10:00', '2025-01-15T11:00')],
};

function source(extra: Partial<ReportSource> = {}): ReportSource {
  const cfg = config();
  const imported = new Map<string, Interval[]>();
  for (const key of buildInventory(cfg).order) imported.set(key, [{ from: FROM, to: TO }]);
  // No data for the library in February; the new access point from its installation; zelene-b measured, not imported.
  imported.set('yasne-lib', [{ from: FROM, to: t('2025-02-01') }]);
  imported.set('zelene-wifi', [{ from: t('2025-02-10'), to: TO }]);
  imported.delete('zelene-b');
  const measured = new Map([
    ['zelene-b', daysOf({ from: FROM, to: TO }, TZ).map((d): [number, number] => [d.from, (d.to - d.from) / 300_000])],
  ]);
  const wifi = new Map<string, (WifiMonth | undefined)[]>([
    ['zelene-wifi', [undefined, { avg: 3, peak: 9, n: 100 }]],
    [
      'yasne-wifi',
      [
        { avg: 2, peak: 5, n: 8928 },
        { avg: 4, peak: 7, n: 8064 },
      ],
    ],
  ]);
  return {
    measured,
    imported,
    outages: new Map(Object.entries(OUTAGES)),
    // zelene-b was measured throughout, so also while down.
    measuredInDown: new Map([['zelene-b', [{ from: FROM, to: TO }]]]),
    wifi,
    speeds: new Map([['yasne-lib', 50]]),
    custom: new Map([['rtt', 42]]),
    queries: [{ figure: 'x', influxql: 'SELECT 1' }],
    ...extra,
  };
}

function report(src = source(), cfg = config(), range: Interval = { from: FROM, to: TO }, now = NOW) {
  return computeReport(src, { config: cfg, inventory: buildInventory(cfg), range, now });
}

const pct = (monitoredH: number, downH: number) => ((monitoredH - downH) / monitoredH) * 100;

describe('computeReport', () => {
  const r = report();
  const device = (id: string) => r.devices.find((d) => d.id === id)!;
  const village = (id: string) => r.villages.find((v) => v.id === id)!;
  const kpi = (id: string) => r.kpis.find((k) => k.id === id);

  it('matches its schema, with ISO times', () => {
    expect(reportData.safeParse(r).success).toBe(true);
    expect(r.from).toBe('2024-12-31T22:00:00.000Z');
    expect(r.to).toBe('2025-02-28T22:00:00.000Z');
    expect(r.measured_to).toBe(r.to);
  });

  it('counts devices: own and parent outages, overlapping ones once, cut-off parts outside the range not at all', () => {
    expect(device('zelene-a')).toMatchObject({ outages: 3, downtime_s: 6 * 3600, monitored_s: ALL * 3600 });
    expect(device('zelene-a').uptime_pct).toBeCloseTo(pct(ALL, 6), 10);
    expect(device('zelene-b')).toMatchObject({ outages: 2, downtime_s: 3 * 3600, monitored_s: ALL * 3600 });
    // Its own hour and zelene-a's six.
    expect(device('zelene-school')).toMatchObject({ outages: 1, downtime_s: 7 * 3600 });
    expect(device('yasne-up')).toMatchObject({ outages: 2, downtime_s: 8 * 3600 });
    expect(device('yasne-wifi')).toMatchObject({ outages: 1, downtime_s: 4 * 3600 + 8 * 3600 });
  });

  it('never counts time without data as up or down', () => {
    // The parent's February outage fell in the library's month without data.
    expect(device('yasne-lib')).toMatchObject({ outages: 0, downtime_s: 2 * 3600, monitored_s: JAN * 3600 });
    expect(device('yasne-lib').uptime_pct).toBeCloseTo(pct(JAN, 2), 10);
    // Its parent's January outages came before it was installed.
    expect(device('zelene-wifi')).toMatchObject({ monitored_s: 19 * 24 * 3600, downtime_s: 0 });
    const empty = report(source({ imported: new Map(), measured: new Map() }));
    expect(empty.devices.every((d) => d.uptime_pct === null && d.downtime_s === 0)).toBe(true);
    expect(empty.villages.every((v) => v.uptime_pct === null)).toBe(true);
    expect(empty.kpis.find((k) => k.id === 'settlements')).toMatchObject({ actual: null, met: null });
    expect(empty.data_quality.monitored_pct).toBe(0);
  });

  it('counts a village down only while all its uplinks are', () => {
    expect(village('zelene')).toMatchObject({ uplinks: 2, outages: 1, downtime_s: 3600, longest_outage_s: 3600, mttr_s: 3600 });
    expect(village('zelene').uptime_pct).toBeCloseTo(pct(ALL, 1), 10);
    expect(village('zelene').institutions_online_pct).toBeCloseTo(pct(ALL, 7), 10);
    expect(village('yasne')).toMatchObject({ outages: 2, downtime_s: 8 * 3600, longest_outage_s: 6 * 3600, mttr_s: 4 * 3600 });
    expect(village('yasne').institutions_online_pct).toBeCloseTo(pct(JAN, 2), 10);
  });

  it('averages Free WiFi clients over readings and takes the highest peak', () => {
    expect(village('zelene').wifi).toEqual({ zones: 1, avg_clients: 3, peak_clients: 9 });
    expect(village('yasne').wifi.avg_clients).toBeCloseTo((2 * 8928 + 4 * 8064) / (8928 + 8064), 10);
    expect(village('yasne').wifi.peak_clients).toBe(7);
  });

  it('pools providers over their lines and compares with the SLA', () => {
    const fibre = r.providers.find((p) => p.id === 'fibre')!;
    expect(fibre).toMatchObject({ links: 2, sla_pct: 99.5, met: true, outages: 5, downtime_h: 14 });
    expect(fibre.uptime_pct).toBeCloseTo(pct(2 * ALL, 14), 10);
    const lte = r.providers.find((p) => p.id === 'lte')!;
    expect(lte).toMatchObject({ links: 1, sla_pct: 99.9, met: false, outages: 2, downtime_h: 3 });
  });

  it('has a row per month, and the notable incidents longest first', () => {
    expect(r.months.map((m) => m.month)).toEqual(['2025-01', '2025-02']);
    expect(r.months[0]!.village_uptime_pct).toBeCloseTo(pct(2 * JAN, 3), 10);
    expect(r.months[1]!.village_uptime_pct).toBeCloseTo(pct(2 * FEB, 6), 10);
    expect(r.months[0]).toMatchObject({ wifi_avg_clients: 2, wifi_peak_clients: 5 });
    expect(r.months[1]).toMatchObject({ wifi_avg_clients: 7, wifi_peak_clients: 9 });
    expect(r.months[1]!.monitored_pct).toBeCloseTo(((5 * FEB + 19 * 24) / (6 * FEB + 19 * 24)) * 100, 10);
    expect(r.incidents.map((i) => [i.village, i.duration_s, i.start])).toEqual([
      ['yasne', 6 * 3600, new Date(t('2025-02-15')).toISOString()],
      ['yasne', 2 * 3600, new Date(FROM).toISOString()],
      ['zelene', 3600, new Date(t('2025-01-10T12:00')).toISOString()],
    ]);
  });

  it('reports how much was monitored, from each device’s installation', () => {
    const expected = 6 * ALL + 19 * 24;
    expect(r.data_quality.device_time_s).toBe(expected * 3600);
    expect(r.data_quality.no_data_s).toBe(FEB * 3600);
    expect(r.data_quality.monitored_pct).toBeCloseTo(((expected - FEB) / expected) * 100, 10);
    expect(r.data_quality.gaps).toEqual([{ id: 'yasne-lib', monitored_pct: (JAN / ALL) * 100, no_data_s: FEB * 3600 }]);
  });

  it('measures every KPI, in both directions, and leaves out those of other periods', () => {
    expect(r.kpis.map((k) => k.id)).toEqual([
      'settlements',
      'settlements-max',
      'fast',
      'fast-schools',
      'new-wifi',
      'wifi',
      'site',
      'lte-sla',
      'fibre-sla',
      'rtt',
    ]);
    const villagesPct = pct(2 * ALL, 9);
    expect(kpi('settlements')).toMatchObject({ target: 99.5, met: true, unit: '%', custom: false });
    expect(kpi('settlements')!.actual).toBeCloseTo(villagesPct, 10);
    expect(kpi('settlements')!.note).toBe(
      `найгірший місяць: 2025-02, ${pct(2 * FEB, 6)
        .toFixed(2)
        .replace('.', ',')}%`,
    );
    expect(kpi('settlements-max')).toMatchObject({ direction: 'at_most', met: false });
    expect(kpi('fast')).toMatchObject({ actual: 50, met: false });
    expect(kpi('fast-schools')).toMatchObject({ actual: 100, met: true });
    expect(kpi('new-wifi')).toMatchObject({ actual: 1, met: true, unit: 'зон' });
    // yasne-wifi was down at the end.
    expect(kpi('wifi')).toMatchObject({ actual: 1, met: false });
    expect(kpi('site')!.actual).toBeCloseTo(pct(ALL, 1), 10);
    expect(kpi('site')!.met).toBe(true);
    expect(kpi('lte-sla')).toMatchObject({ target: 99.9, met: false });
    expect(kpi('fibre-sla')).toMatchObject({ target: 99.6, met: false });
    expect(kpi('rtt')).toMatchObject({ actual: 42, met: true, unit: 'мс', custom: true });
  });

  it('writes a short summary in Ukrainian from the figures', () => {
    expect(r.summary.length).toBeGreaterThanOrEqual(3);
    expect(r.summary.length).toBeLessThanOrEqual(5);
    expect(r.summary[0]).toBe(
      `2 населені пункти громади мали інтернет ${villagesText()}% часу; найгірше було в лютому (${pct(2 * FEB, 6)
        .toFixed(2)
        .replace('.', ',')}%).`,
    );
    expect(r.summary.join(' ')).toContain("Ясне без зв'язку 6 год");
    expect(r.summary.join(' ')).toContain('Виконано 5 з 10 цілей стратегії');
  });

  it('names the village with most downtime only when some village had any, and counts in Ukrainian', () => {
    const sentence = (villages: typeof r.villages) =>
      summaryOf({ ...r, villages }, { villageUptimePct: 99 }).find((x) => x.startsWith('Найдовша перерва'))!;
    expect(sentence(r.villages)).toMatch(/; загалом найбільше без інтернету було село .+ — \d+ перерв[аи]?, /);
    expect(sentence(r.villages.map((v) => ({ ...v, downtime_s: 0 })))).toBe("Найдовша перерва: Ясне без зв'язку 6 год.");
    expect(r.kpis.map((k) => k.note).filter((n) => / перерв/.test(n))).toEqual([
      'Мобільний: 2 перерви, 3,00 год простою',
      'Оптика: 5 перерв, 14,00 год простою',
    ]);
  });

  it('speaks of Free WiFi users only when their numbers were measured, declining whole numbers', () => {
    const wifi = (villages: typeof r.villages) => summaryOf({ ...r, villages }, { villageUptimePct: 99 }).find((x) => x.includes('Wi-Fi'))!;
    const zones = (avg: number | null, peak: number | null) =>
      r.villages.map((v, i) => ({
        ...v,
        wifi: { zones: i === 0 ? 2 : 0, avg_clients: i === 0 ? avg : null, peak_clients: i === 0 ? peak : null },
      }));
    expect(wifi(zones(null, null))).toBe(
      'Безкоштовний Wi-Fi працює в 2 зонах; скільки людей ним користувалися, за цей період даних немає.',
    );
    expect(wifi(zones(2.46, 9))).toBe(
      'Безкоштовний Wi-Fi працює в 2 зонах: в середньому ним водночас користувалися 2,5 людини, найбільше — 9 в одній зоні.',
    );
    expect(wifi(zones(5, 9))).toContain('користувалися 5 людей');
    expect(wifi(zones(1, 3))).toContain('користувалися 1 людина');
  });

  it('stops at now in a range that reaches into the future, and counts open outages until now', () => {
    const now = t('2025-01-20T09:00');
    const open = source({ outages: new Map([['zelene-a', [{ from: t('2025-01-20T08:00'), to: now }]]]) });
    const partial = report(open, config(), { from: FROM, to: TO }, now);
    expect(partial.measured_to).toBe(new Date(now).toISOString());
    expect(partial.devices.find((d) => d.id === 'zelene-a')).toMatchObject({
      outages: 1,
      downtime_s: 3600,
      monitored_s: (now - FROM) / 1000,
    });
  });
});

type KpiInput = NonNullable<ConfigInput['kpis']>[number];

/** One KPI of each metric: typed per metric, so a metric added to the config's schema is missing here until it is given one. */
const ONE_OF_EACH: { [M in KpiConfig['metric']]: Extract<KpiInput, { metric: M }> } = {
  settlements_connected_pct: { id: 'a', title: 'A', metric: 'settlements_connected_pct', target: 99 },
  institutions_high_speed_pct: { id: 'b', title: 'B', metric: 'institutions_high_speed_pct', target: 80 },
  wifi_zones_in_service: { id: 'c', title: 'C', metric: 'wifi_zones_in_service', target: 2 },
  wifi_zones_installed: { id: 'd', title: 'D', metric: 'wifi_zones_installed', target: 1 },
  service_uptime_pct: { id: 'e', title: 'E', metric: 'service_uptime_pct', service: 'website', target: 99 },
  provider_sla: { id: 'f', title: 'F', metric: 'provider_sla', provider: 'fibre' },
  influxql: { id: 'rtt', title: 'G', metric: 'influxql', query: 'SELECT 1', target: 50 },
};

describe('KPI metrics', () => {
  const metrics = kpiSchema.options.map((o) => o.shape.metric.value);

  it('are the same in the config and in the report', () => {
    expect([...metrics].sort()).toEqual([...KPI_METRICS].sort());
  });

  it('each yield a figure', () => {
    const r = report(source(), config({ kpis: Object.values(ONE_OF_EACH) }));
    expect(r.kpis.map((k) => k.metric).sort()).toEqual([...metrics].sort());
    for (const k of r.kpis) expect(k.actual, k.metric).toEqual(expect.any(Number));
  });
});

function villagesText() {
  return pct(2 * ALL, 9)
    .toFixed(2)
    .replace('.', ',');
}

describe('report periods', () => {
  it('splits a year into local months and days, DST days included', () => {
    const year = yearRange(2025, TZ);
    expect(monthsOf(year, TZ).map((m) => m.label)).toHaveLength(12);
    const days = daysOf(year, TZ);
    expect(days).toHaveLength(365);
    expect(days.filter((d) => d.to - d.from !== 24 * H).map((d) => (d.to - d.from) / H)).toEqual([23, 25]);
  });

  it('clips a partial first and last month', () => {
    const months = monthsOf({ from: t('2025-01-15T12:00'), to: t('2025-03-10') }, TZ);
    expect(months.map((m) => [m.label, m.from, m.to])).toEqual([
      ['2025-01', t('2025-01-15T12:00'), t('2025-02-01')],
      ['2025-02', t('2025-02-01'), t('2025-03-01')],
      ['2025-03', t('2025-03-01'), t('2025-03-10')],
    ]);
  });
});
