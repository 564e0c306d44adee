/**
 * The report's arithmetic on a small hand-made hromada over January and
 * February 2025 (Kyiv): every figure against values worked out by hand,
 * outages with causes (judged, reclassified, none), a UPS's power events and
 * blackout slots included.
 */
import { describe, expect, it } from 'vitest';
import { parseIsoTime } from '../../common/iso-time.ts';
import { KPI_METRICS, reportData } from '../../common/report.ts';
import type { ConfigInput } from '../../config/schema.ts';
import { kpiSchema, type KpiConfig } from '../../config/schema-kpis.ts';
import { buildInventory } from '../../server/inventory.ts';
import { computeReport } from '../../server/report/compute.ts';
import { daysOf, monthsOf, yearRange } from '../../server/report/periods.ts';
import type { BlackoutRow, SupplyEvent } from '../../server/report/power.ts';
import type { ReportSource, WifiMonth } from '../../server/report/read.ts';
import { summaryOf } from '../../server/report/summary.ts';
import type { OutageNote } from '../../server/power/notes.ts';
import type { RecordedOutage } from '../../server/store/availability-store.ts';
import type { Interval } from '../../server/uptime.ts';
import type { OutageCause } from '../../common/words/power.ts';
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
const caused = (a: string, b: string, cause: OutageCause): RecordedOutage => ({ ...span(a, b), cause });

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
        power_group: '3.1',
        devices: [
          { id: 'zelene-a', kind: 'uplink', host: '127.0.0.1', provider: 'fibre' },
          { id: 'zelene-b', kind: 'uplink', host: '127.0.0.2', provider: 'lte', ping: true },
          {
            id: 'zelene-school',
            kind: 'institution',
            category: 'school',
            host: '127.0.0.3',
            parent: 'zelene-a',
            bandwidth_mbps: 200,
            invincibility_point: true,
            backup_power: 'ups',
            backup_link: 'starlink',
          },
          { id: 'zelene-wifi', kind: 'wifi', host: '127.0.0.4', parent: 'zelene-b', public: true, installed: '2025-02-10' },
        ],
      },
      {
        id: 'yasne',
        name: 'Ясне',
        power_group: '4.2',
        devices: [
          { id: 'yasne-up', kind: 'uplink', host: '127.0.1.1', provider: 'fibre' },
          {
            id: 'yasne-lib',
            kind: 'institution',
            category: 'library',
            host: '127.0.1.2',
            parent: 'yasne-up',
            invincibility_point: true,
            backup_link: 'mobile',
          },
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

const OUTAGES: Record<string, RecordedOutage[]> = {
  // Overlapping outages: together 10:00-15:00; the power keeps 13:00-14:00, which the provider's outage shares.
  'zelene-a': [
    caused('2025-01-10T10:00', '2025-01-10T14:00', 'provider'),
    caused('2025-01-10T13:00', '2025-01-10T15:00', 'power'),
    caused('2025-02-05T00:00', '2025-02-05T01:00', 'scheduled_blackout'),
  ],
  // The first recorded before causes were judged; the second judged the provider's, reclassified as maintenance.
  'zelene-b': [span('2025-01-10T12:00', '2025-01-10T13:00'), caused('2025-01-20T08:00', '2025-01-20T10:00', 'provider')],
  'zelene-school': [caused('2025-01-03T08:00', '2025-01-03T09:00', 'device')],
  // Began before the range: only its part inside counts as downtime.
  'yasne-up': [caused('2024-12-31T22:00', '2025-01-01T02:00', 'provider'), caused('2025-02-15T00:00', '2025-02-15T06:00', 'power')],
  // Lasts past the end of the range.
  'yasne-wifi': [caused('2025-02-28T20:00', '2025-03-01T02:00', 'device')],
  'service:website': [span('2025-01-15T10:00', '2025-01-15T11:00')],
};

const note = (subject: string, start: string, cause: OutageCause, at: string): OutageNote => ({
  subject,
  start: t(start),
  cause,
  note: 'перевірено',
  by: 'admin',
  at: t(at),
});
/** The later note wins, whichever comes first in the list. */
const NOTES = [
  note('zelene-b', '2025-01-20T08:00', 'maintenance', '2025-01-21T09:00'),
  note('zelene-b', '2025-01-20T08:00', 'device', '2025-01-20T12:00'),
];

const event = (type: SupplyEvent['type'], at: string, value: number | null = null): SupplyEvent => ({
  supply: 'zelene-ups',
  village: 'zelene',
  type,
  at: t(at),
  value,
});
/**
 * Зелене's UPS: without mains 23:00 on 31 December to 01:00 (before the range, only its last hour counts),
 * 09:00-16:00 on 10 January (ran out at 11:00, held 2 h), 10:00-10:30 on 20 February (held 30 min).
 */
const POWER = [
  event('on_battery', '2024-12-31T23:00', 50),
  event('power_restored', '2025-01-01T01:00'),
  event('on_battery', '2025-01-10T09:00', 40),
  event('on_battery', '2025-01-10T09:30', 30),
  event('power_lost', '2025-01-10T11:00'),
  event('power_restored', '2025-01-10T16:00'),
  event('on_battery', '2025-02-20T10:00', 60),
  event('power_restored', '2025-02-20T10:30'),
];
const slot = (group: string, a: string, b: string, kind = 'definite'): BlackoutRow => ({ group, ...span(a, b), kind });
const BLACKOUTS = [
  slot('3.1', '2025-01-10T14:00', '2025-01-10T18:00'),
  slot('3.1', '2025-02-05T00:00', '2025-02-05T01:00'),
  // Only possible: not a blackout.
  slot('3.1', '2025-02-06T00:00', '2025-02-06T04:00', 'possible'),
  slot('4.2', '2025-02-15T00:00', '2025-02-15T06:00'),
  slot('1.1', '2025-01-05T00:00', '2025-01-05T12:00'),
];
/** Зелене without power: 00:00-01:00 on 1 January, 09:00-18:00 on 10 January, 1 h on 5 and 30 min on 20 February. */
const ZELENE_DARK_H = 1 + 9 + 1 + 0.5;

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
    notes: NOTES,
    power: POWER,
    blackouts: BLACKOUTS,
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

  it('pools providers over their lines and judges the SLA on the downtime the provider caused, the raw uptime beside it', () => {
    const fibre = r.providers.find((p) => p.id === 'fibre')!;
    expect(fibre).toMatchObject({ links: 2, sla_pct: 99.5, met: true, outages: 5, downtime_h: 14 });
    expect(fibre.uptime_pct).toBeCloseTo(pct(2 * ALL, 14), 10);
    // zelene-a 10:00-13:00 (13:00-14:00 went to the power), yasne-up the 2 h of the old year's outage inside the range.
    expect(fibre.downtime_by_cause).toEqual(hoursByCause({ provider: 5, power: 2 + 6, scheduled_blackout: 1 }));
    expect(fibre.sla_uptime_pct).toBeCloseTo(pct(2 * ALL, 5), 10);
    const lte = r.providers.find((p) => p.id === 'lte')!;
    // Raw 3 h down would miss 99.9%; none of it was the provider's (unknown, then maintenance).
    expect(lte).toMatchObject({ links: 1, sla_pct: 99.9, met: true, outages: 2, downtime_h: 3, sla_uptime_pct: 100 });
    expect(lte.uptime_pct).toBeCloseTo(pct(ALL, 3), 10);
    expect(lte.uptime_pct!).toBeLessThan(99.9);
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
    // On provider-caused downtime only: the raw figures (3 h and 14 h down) would miss both.
    expect(kpi('lte-sla')).toMatchObject({ target: 99.9, met: true, actual: 100 });
    expect(kpi('fibre-sla')).toMatchObject({ target: 99.6, met: true });
    expect(kpi('fibre-sla')!.actual).toBeCloseTo(pct(2 * ALL, 5), 10);
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
    expect(r.summary.join(' ')).toContain('Виконано 7 з 10 цілей стратегії');
    // Ясне: 6 of the villages' 9 h offline were the power's.
    expect(r.summary).toContain("Через відключення світла села були без зв'язку 6 год — 66,7% усього часу без зв'язку.");
  });

  it('names the village with most downtime only when some village had any, and counts in Ukrainian', () => {
    const sentence = (villages: typeof r.villages) =>
      summaryOf({ ...r, villages }, { villageUptimePct: 99 }).find((x) => x.startsWith('Найдовша перерва'))!;
    expect(sentence(r.villages)).toMatch(/; загалом найбільше без інтернету було село .+ — \d+ перерв[аи]?, /);
    expect(sentence(r.villages.map((v) => ({ ...v, downtime_s: 0 })))).toBe("Найдовша перерва: Ясне без зв'язку 6 год.");
    expect(r.kpis.map((k) => k.note).filter((n) => / перерв/.test(n))).toEqual([
      `Мобільний: 2 перерви, 3,00 год простою, з них з вини провайдера 0,00 год; загальна доступність з усіма причинами ${ukPct(pct(ALL, 3))}%`,
      `Оптика: 5 перерв, 14,00 год простою, з них з вини провайдера 5,00 год; загальна доступність з усіма причинами ${ukPct(pct(2 * ALL, 14))}%`,
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
  invincibility_points_online_pct: { id: 'h', title: 'H', metric: 'invincibility_points_online_pct' },
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

function hoursByCause(hours: Partial<Record<OutageCause, number>>) {
  const all = { power: 0, scheduled_blackout: 0, provider: 0, upstream: 0, device: 0, maintenance: 0, unknown: 0 };
  for (const [cause, h] of Object.entries(hours)) all[cause as OutageCause] = h * 3600;
  return all;
}

const ukPct = (x: number) => x.toFixed(2).replace('.', ',');

describe('downtime by cause, adjusted uptime, the power', () => {
  const r = report();
  const device = (id: string) => r.devices.find((d) => d.id === id)!;
  const village = (id: string) => r.villages.find((v) => v.id === id)!;
  const sumOf = (x: Record<string, number>) => Object.values(x).reduce((a, b) => a + b, 0);

  it('splits each device’s downtime by cause, overlaps once by priority, all seven causes present and adding up', () => {
    // 10:00-14:00 provider and 13:00-15:00 power overlap: the power (first in priority) keeps 13:00-14:00.
    expect(device('zelene-a').downtime_by_cause).toEqual(hoursByCause({ provider: 3, power: 2, scheduled_blackout: 1 }));
    // An outage without a cause (recorded before causes were judged) is unknown; the reclassified one counts under its latest note.
    expect(device('zelene-b').downtime_by_cause).toEqual(hoursByCause({ unknown: 1, maintenance: 2 }));
    // A service's too.
    expect(r.services[0]!.downtime_by_cause).toEqual(hoursByCause({ unknown: 1 }));
    for (const d of [...r.devices, ...r.services, ...r.villages, ...r.providers]) {
      expect(Object.keys(d.downtime_by_cause).sort(), d.id).toEqual(
        ['device', 'maintenance', 'power', 'provider', 'scheduled_blackout', 'unknown', 'upstream'].sort(),
      );
      expect(sumOf(d.downtime_by_cause), d.id).toBeCloseTo('downtime_s' in d ? d.downtime_s : d.downtime_h * 3600, 6);
    }
    expect(r.cause_priority).toEqual(['maintenance', 'power', 'scheduled_blackout', 'upstream', 'provider', 'device', 'unknown']);
    expect(r.excused_causes).toEqual(['scheduled_blackout', 'maintenance']);
  });

  it('counts a device’s time cut off behind a parent as upstream, only where it was monitored', () => {
    expect(device('zelene-school').downtime_by_cause).toEqual(hoursByCause({ device: 1, upstream: 6 }));
    expect(device('yasne-wifi').downtime_by_cause).toEqual(hoursByCause({ device: 4, upstream: 8 }));
    // The library had no data in February, when its parent's 6 h fell.
    expect(device('yasne-lib').downtime_by_cause).toEqual(hoursByCause({ upstream: 2 }));
  });

  it('gives a child’s own outage that overlaps its parent’s the cause first in priority', () => {
    const outages = new Map<string, RecordedOutage[]>([
      ['zelene-a', [caused('2025-01-10T10:00', '2025-01-10T14:00', 'provider')]],
      [
        'zelene-school',
        [caused('2025-01-10T12:00', '2025-01-10T16:00', 'power'), caused('2025-01-10T13:00', '2025-01-10T17:00', 'device')],
      ],
    ]);
    const school = report(source({ outages, notes: [] })).devices.find((d) => d.id === 'zelene-school')!;
    expect(school.downtime_s).toBe(7 * 3600);
    expect(school.downtime_by_cause).toEqual(hoursByCause({ upstream: 2, power: 4, device: 1 }));
  });

  it('gives a village the causes of its uplinks’ outages that made it offline, the first in priority at each moment', () => {
    // 12:00-13:00 on 10 January: zelene-a down by the provider, zelene-b by an unknown cause.
    expect(village('zelene').downtime_by_cause).toEqual(hoursByCause({ provider: 1 }));
    expect(village('yasne').downtime_by_cause).toEqual(hoursByCause({ provider: 2, power: 6 }));
    // With zelene-b's hour the power's, the power wins over the provider.
    const outages = new Map(Object.entries(OUTAGES));
    outages.set('zelene-b', [caused('2025-01-10T12:00', '2025-01-10T13:00', 'power')]);
    expect(report(source({ outages })).villages.find((v) => v.id === 'zelene')!.downtime_by_cause).toEqual(hoursByCause({ power: 1 }));
  });

  it('leaves scheduled blackouts and maintenance out of the adjusted uptime, the raw one unchanged', () => {
    expect(device('zelene-a').uptime_adjusted_pct).toBeCloseTo(((ALL - 6) / (ALL - 1)) * 100, 10);
    expect(device('zelene-b').uptime_adjusted_pct).toBeCloseTo(((ALL - 3) / (ALL - 2)) * 100, 10);
    expect(device('zelene-b').uptime_pct).toBeCloseTo(pct(ALL, 3), 10);
    // Unexcused causes only: the same as the raw figure.
    expect(village('yasne').uptime_adjusted_pct).toBeCloseTo(village('yasne').uptime_pct!, 10);
    const fibre = r.providers.find((p) => p.id === 'fibre')!;
    expect(fibre.uptime_adjusted_pct).toBeCloseTo(((2 * ALL - 14) / (2 * ALL - 1)) * 100, 10);
    // A village without uplinks has nothing to judge.
    const lone = report(
      source(),
      config({
        villages: [...config().villages, { id: 'lone', name: 'Самотнє', devices: [] }],
      }),
    ).villages.find((v) => v.id === 'lone')!;
    expect(lone).toMatchObject({ uptime_adjusted_pct: null, downtime_by_cause: hoursByCause({}) });
  });

  it('counts each village’s hours without power: its supplies’ episodes and its queue’s definite slots, merged', () => {
    expect(r.power.villages).toEqual([
      {
        id: 'zelene',
        name: 'Зелене',
        power_group: '3.1',
        blackout_h: ZELENE_DARK_H,
        downtime_s: 3600,
        power_downtime_s: 0,
        power_share_pct: 0,
      },
      {
        id: 'yasne',
        name: 'Ясне',
        power_group: '4.2',
        blackout_h: 6,
        downtime_s: 8 * 3600,
        power_downtime_s: 6 * 3600,
        power_share_pct: 75,
      },
    ]);
  });

  it('tells how long each UPS held: episodes begun in the range, how many ran out, the median and longest hold', () => {
    expect(r.power.supplies).toEqual([
      { id: 'zelene-ups', name: 'zelene-ups', village: 'zelene', episodes: 2, ran_out: 1, median_hold_s: 4500, longest_hold_s: 7200 },
    ]);
  });

  it('measures the Invincibility Points online during their hours without power, where monitored, and lists what they lack', () => {
    // The school: 11.5 h without power, monitored throughout; down 10:00-15:00 on 10 January and 00:00-01:00 on 5 February.
    // The library: its queue's 6 h fell in its month without data.
    expect(r.power.invincibility_points).toEqual([
      {
        id: 'zelene-school',
        name: 'zelene-school',
        village: 'zelene',
        backup_power: 'ups',
        backup_link: 'starlink',
        meets_requirement: true,
        lacks: [],
        blackout_h: ZELENE_DARK_H,
        online_pct: ((ZELENE_DARK_H - 6) / ZELENE_DARK_H) * 100,
      },
      {
        id: 'yasne-lib',
        name: 'yasne-lib',
        village: 'yasne',
        backup_power: null,
        backup_link: 'mobile',
        meets_requirement: false,
        lacks: ['backup_power'],
        blackout_h: 6,
        online_pct: null,
      },
    ]);
    const points = report(source(), config({ kpis: [ONE_OF_EACH.invincibility_points_online_pct] })).kpis[0]!;
    expect(points).toMatchObject({ target: 100, met: false, unit: '%' });
    expect(points.actual).toBeCloseTo(((ZELENE_DARK_H - 6) / ZELENE_DARK_H) * 100, 10);
    expect(points.note).toBe(
      '2 пункти незламності: 11,5 год без світла під наглядом, з них без зв’язку 6,0 год; без резервного живлення чи каналу: 1',
    );
  });

  it('takes a point’s own queue, and judges its hours where its measured buckets say it was monitored', () => {
    const cfg = config();
    cfg.villages[0]!.devices.find((d) => d.id === 'zelene-school')!.power_group = '1.1';
    const imported = new Map(source().imported);
    imported.delete('zelene-school');
    // Measured only 09:00-12:00 on 10 January (during its parent's outage from 10:00) and on 5 January.
    const measuredInDown = new Map([
      ['zelene-b', [{ from: FROM, to: TO }]],
      ['zelene-school', [span('2025-01-10T09:00', '2025-01-10T12:00'), span('2025-01-05T00:00', '2025-01-05T12:00')]],
    ]);
    const point = report(source({ imported, measuredInDown }), cfg).power.invincibility_points[0]!;
    // Queue 1.1's 12 h on 5 January and the UPS's 1 + 7 + 0.5 h; not 3.1's slots.
    expect(point.blackout_h).toBe(12 + 1 + 7 + 0.5);
    expect(point.online_pct).toBeCloseTo(((15 - 2) / 15) * 100, 10);
  });

  it('has no power figures without power data, and no KPI figure without points', () => {
    const none = report(source({ power: [], blackouts: [] }), config({ kpis: [ONE_OF_EACH.invincibility_points_online_pct] }));
    expect(none.power.villages.map((v) => v.blackout_h)).toEqual([0, 0]);
    expect(none.power.supplies).toEqual([]);
    expect(none.power.invincibility_points.map((p) => p.online_pct)).toEqual([null, null]);
    expect(none.kpis[0]).toMatchObject({ actual: null, met: null });
    const cfg = config({ kpis: [ONE_OF_EACH.invincibility_points_online_pct] });
    for (const v of cfg.villages) for (const d of v.devices) d.invincibility_point = false;
    expect(report(source(), cfg).kpis[0]).toMatchObject({
      actual: null,
      met: null,
      note: 'пунктів незламності не позначено (invincibility_point: true)',
    });
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
