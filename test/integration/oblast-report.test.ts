/**
 * The oblast report from a real influxd, as the centre holds it: one database
 * per hromada (`hromadaDatabase`), set up by `setupInflux` like the central
 * ingest does, with two days of raw pings per device rolled up by
 * `recomputeRollups`, outages with their causes and blackout-schedule slots.
 * Two hromadas have an inventory (their shared config); a third is configured
 * but never heard from. Each hromada's figures must be those of its own
 * report over its own database (the same computation), and the oblast's the
 * weighted totals worked out here by hand, which differ from the means of
 * the hromadas' shares.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOblastReport, oblastReport, renderOblastReport, type OblastReport } from '../../central/report.ts';
import { silentLogger } from '../../common/log.ts';
import type { ReportData } from '../../common/report.ts';
import { localTime } from '../../common/timezone.ts';
import { centralSchema, hromadaDatabase } from '../../config/central.ts';
import type { Config, ConfigInput } from '../../config/schema.ts';
import { shareableConfig } from '../../config/shareable.ts';
import { buildInventory } from '../../server/inventory.ts';
import { buildReport } from '../../server/report/index.ts';
import { dateStart } from '../../server/report/periods.ts';
import { createInfluxClient, createLineWriter } from '../../storage/influx-client.ts';
import { influxQuery } from '../../storage/influx-query.ts';
import { recomputeRollups, setupInflux } from '../../storage/influx-setup.ts';
import { RETENTION_POLICIES } from '../../storage/measurements.ts';
import { testConfig } from '../support/config.ts';
import { startTestInfluxd, type TestInfluxd } from '../support/influxd.ts';

const TZ = 'Europe/Kyiv';
const H = 3_600_000;
const DAY = 24 * H;
const NOW = Date.now();
/** 48 hours from a local midnight three days ago: within the raw points' 30 days, and wholly past. */
const l = localTime(NOW - 3 * DAY, TZ);
const FROM = dateStart(`${l.year}-${String(l.month).padStart(2, '0')}-${String(l.day).padStart(2, '0')}`, TZ);
const TO = FROM + 48 * H;
const at = (hours: number) => FROM + hours * H;

const CENTRAL = centralSchema.parse({
  oblast: { name: 'Тестова область' },
  nats: { servers: ['nats://127.0.0.1:4222'], credentials: 'central.nk' },
  hromadas: [
    { id: 'alpha', name: 'Альфівська громада' },
    { id: 'silent-one', name: 'Тиха громада' },
    { id: 'beta', name: 'Бетівська громада' },
  ],
});

const ALPHA_INPUT = {
  hromada: { name: 'Альфівська громада', timezone: TZ },
  snmp_credentials: { v2: { version: '2c', community: 'secret-alpha' } },
  providers: [
    { id: 'ukrtelecom', name: 'Укртелеком', sla_pct: 99 },
    { id: 'lte', name: 'Мобільний' },
  ],
  villages: [
    {
      id: 'alpha-1',
      name: 'Альфа',
      power_group: '3.1',
      devices: [
        { id: 'a1-fibre', kind: 'uplink', host: '127.0.70.1', provider: 'ukrtelecom' },
        { id: 'a1-lte', kind: 'uplink', host: '127.0.70.2', provider: 'lte' },
        {
          id: 'a1-school',
          kind: 'institution',
          category: 'school',
          host: '127.0.70.3',
          parent: 'a1-fibre',
          bandwidth_mbps: 200,
          invincibility_point: true,
          backup_power: 'ups',
          backup_link: 'starlink',
        },
        { id: 'a1-wifi', kind: 'wifi', host: '127.0.70.4', parent: 'a1-fibre', public: true },
      ],
    },
    {
      id: 'alpha-2',
      name: 'Альфине',
      devices: [
        { id: 'a2-fibre', kind: 'uplink', host: '127.0.71.1', provider: 'ukrtelecom' },
        { id: 'a2-clinic', kind: 'institution', category: 'clinic', host: '127.0.71.2', parent: 'a2-fibre' },
      ],
    },
  ],
  kpis: [
    { id: 'settlements', title: 'Усі села на зв’язку', metric: 'settlements_connected_pct', target: 99.5 },
    { id: 'schools', title: 'Школи на швидкісному', metric: 'institutions_high_speed_pct', category: 'school', target: 80 },
    { id: 'sla', title: 'Укртелеком за договором', metric: 'provider_sla', provider: 'ukrtelecom' },
    { id: 'points', title: 'Пункти незламності', metric: 'invincibility_points_online_pct' },
    { id: 'site', title: 'Сайт працює', metric: 'service_uptime_pct', service: 'website', target: 99.9 },
  ],
  services: [{ id: 'website', name: 'Сайт громади', url: 'https://alpha.example.org/' }],
} satisfies Partial<ConfigInput>;

const BETA_INPUT = {
  hromada: { name: 'Бетівська громада', timezone: TZ },
  providers: [{ id: 'ukrtelecom', name: 'Укртелеком', sla_pct: 99.5 }],
  villages: [
    {
      id: 'beta-1',
      name: 'Бета',
      power_group: '4.2',
      devices: [
        { id: 'b1-up', kind: 'uplink', host: '127.0.72.1', provider: 'ukrtelecom' },
        {
          id: 'b1-school',
          kind: 'institution',
          category: 'school',
          host: '127.0.72.2',
          parent: 'b1-up',
          bandwidth_mbps: 100,
          invincibility_point: true,
          backup_link: 'mobile',
        },
        { id: 'b1-library', kind: 'institution', category: 'library', host: '127.0.72.3', parent: 'b1-up', bandwidth_mbps: 500 },
        { id: 'b1-clinic', kind: 'institution', category: 'clinic', host: '127.0.72.4', parent: 'b1-up', bandwidth_mbps: 10 },
      ],
    },
  ],
  kpis: [
    { id: 'connected', title: 'Села на зв’язку', metric: 'settlements_connected_pct', target: 95 },
    { id: 'fast-schools', title: 'Швидкісні школи', metric: 'institutions_high_speed_pct', category: 'school', target: 80 },
    { id: 'ukrtelecom', title: 'Укртелеком', metric: 'provider_sla', provider: 'ukrtelecom' },
    { id: 'website', title: 'Сайт', metric: 'service_uptime_pct', service: 'website', target: 99.9 },
  ],
  services: [{ id: 'website', name: 'Сайт громади', url: 'https://beta.example.org/' }],
} satisfies Partial<ConfigInput>;

interface Seed {
  config: Config;
  /** Hours from FROM without data, per subject key (a device's id, `service:<id>`). */
  gaps: Record<string, [number, number][]>;
  outages: { subject: string; from: number; to: number; cause: string }[];
  slots: { group: string; from: number; to: number }[];
}

const SEEDS: Record<'alpha' | 'beta', Seed> = {
  alpha: {
    config: testConfig(ALPHA_INPUT),
    // Альфине had no data for 6 hours.
    gaps: { 'a2-fibre': [[10, 16]], 'a2-clinic': [[10, 16]] },
    outages: [
      // Альфа offline 07:00-08:00 (both uplinks down; the power's time, first in priority); the school cut off 06:00-08:00.
      { subject: 'a1-fibre', from: at(6), to: at(8), cause: 'provider' },
      { subject: 'a1-lte', from: at(7), to: at(8), cause: 'power' },
      { subject: 'a2-fibre', from: at(20), to: at(20.5), cause: 'device' },
    ],
    // The school's 4 hours without power, 2 of them cut off.
    slots: [{ group: '3.1', from: at(5), to: at(9) }],
  },
  beta: {
    config: testConfig(BETA_INPUT),
    gaps: {},
    outages: [
      { subject: 'b1-up', from: at(40), to: at(43), cause: 'scheduled_blackout' },
      { subject: 'service:website', from: at(12), to: at(13), cause: 'device' },
    ],
    // The school's 2 hours without power, online throughout.
    slots: [{ group: '4.2', from: at(30), to: at(32) }],
  },
};

let influxd: TestInfluxd;
let oblast: OblastReport;
const own = new Map<string, ReportData>();
const asked = new Set<string>();

async function seed(database: string, { config, gaps, outages, slots }: Seed): Promise<void> {
  const connection = { url: influxd.url, database };
  await setupInflux(createInfluxClient(connection), {
    database,
    retention: { rawMs: 30 * DAY, rollupMs: 800 * DAY },
    log: silentLogger(),
  });
  const write = createLineWriter(connection);
  const tagText = (list: Record<string, string | undefined>) =>
    Object.entries(list)
      .filter(([, x]) => x !== undefined)
      .sort()
      .map(([k, x]) => `${k}=${x}`)
      .join(',');
  /** Each subject: its tags, its parent, and its probe's point. */
  const subjects = new Map<string, { tags: string; parent?: string | undefined; point: (tags: string, up: number) => string }>();
  for (const v of config.villages)
    for (const d of v.devices)
      subjects.set(d.id, {
        tags: tagText({ village: v.id, device: d.id, kind: d.kind, provider: d.provider }),
        parent: d.parent,
        point: (tags, up) => `ping,${tags} reachable=${up}i,sent=3i`,
      });
  for (const x of config.services)
    subjects.set(`service:${x.id}`, { tags: tagText({ service: x.id }), point: (tags, up) => `service,${tags},type=http up=${up}i` });
  const down = (key: string, t: number) =>
    outages.some((o) => (o.subject === key || o.subject === subjects.get(key)!.parent) && o.from <= t && t < o.to);
  const lines: string[] = [];
  for (const [key, { tags, point }] of subjects)
    for (let t = FROM; t < TO; t += 60_000) {
      if ((gaps[key] ?? []).some(([a, b]) => t >= at(a) && t < at(b))) continue;
      lines.push(`${point(tags, down(key, t) ? 0 : 1)} ${t}`);
    }
  for (let i = 0; i < lines.length; i += 20_000) await write(RETENTION_POLICIES.raw, lines.slice(i, i + 20_000).join('\n'));
  await write(
    RETENTION_POLICIES.events,
    [
      ...outages.map(
        (o) =>
          `outage,${subjects.get(o.subject)!.tags} open=0i,end_ms=${o.to}i,duration_s=${(o.to - o.from) / 1000},reason="test",cause="${o.cause}",cause_evidence="{}" ${o.from}`,
      ),
      ...slots.map((s) => `blackout,group=${s.group} end_ms=${s.to}i,certainty="definite",source="test.json" ${s.from}`),
    ].join('\n'),
  );
  await recomputeRollups(createInfluxClient(connection), database, FROM, TO);
}

beforeAll(async () => {
  influxd = await startTestInfluxd();
  for (const [id, s] of Object.entries(SEEDS)) await seed(hromadaDatabase(CENTRAL, id), s);
  const started = performance.now();
  oblast = await buildOblastReport({
    central: CENTRAL,
    // What the edges shared: their config without secrets.
    inventories: new Map(Object.entries(SEEDS).map(([id, s]) => [id, shareableConfig(s.config)])),
    query: (database) => {
      asked.add(database);
      return influxQuery({ url: influxd.url, database });
    },
    range: { from: FROM, to: TO },
    now: NOW,
  });
  console.log(`oblast report of 2 days, 2 hromadas: ${(performance.now() - started).toFixed(0)} ms`);
  for (const [id, s] of Object.entries(SEEDS))
    own.set(
      id,
      await buildReport({
        query: influxQuery({ url: influxd.url, database: hromadaDatabase(CENTRAL, id) }),
        config: s.config,
        inventory: buildInventory(s.config),
        range: { from: FROM, to: TO },
        now: NOW,
      }),
    );
}, 60_000);

afterAll(async () => {
  await influxd?.dispose();
});

const S = 3600;
const hromada = (id: string) => oblast.hromadas.find((h) => h.id === id)!;
const pct = (monitored: number, down: number) => ((monitored - down) / monitored) * 100;

describe('the oblast report over the hromadas’ databases', () => {
  it('has the shape, every configured hromada in order, and reads only the databases of those with an inventory', () => {
    expect(oblastReport.safeParse(oblast).success).toBe(true);
    expect(oblast.hromadas.map((h) => [h.id, h.name, h.status])).toEqual([
      ['alpha', 'Альфівська громада', 'reported'],
      ['silent-one', 'Тиха громада', 'no_data'],
      ['beta', 'Бетівська громада', 'reported'],
    ]);
    expect(hromada('silent-one')).toMatchObject({ figures: null, kpis: [], summary: [] });
    expect([...asked].sort()).toEqual(['merezha_alpha', 'merezha_beta']);
  });

  it('gives each hromada the figures of its own report over its own database', () => {
    for (const id of ['alpha', 'beta']) {
      const report = own.get(id)!;
      const h = hromada(id);
      expect(h.kpis, id).toEqual(report.kpis);
      expect(h.summary, id).toEqual(report.summary);
      const villages = report.villages.filter((v) => v.uplinks > 0);
      const monitored = villages.reduce((s, v) => s + v.monitored_s, 0);
      const down = villages.reduce((s, v) => s + v.downtime_s, 0);
      expect(h.figures).toMatchObject({ villages: villages.length, monitored_s: monitored, downtime_s: down });
      expect(h.figures!.uptime_pct, id).toBeCloseTo(report.kpis.find((k) => k.metric === 'settlements_connected_pct')!.actual!, 12);
      expect(h.figures!.data_quality).toMatchObject({
        device_time_s: report.data_quality.device_time_s,
        monitored_s: report.data_quality.monitored_s,
      });
    }
    // By hand: Альфа 48 h monitored, offline 1 h; Альфине 42 h, 30 min; Бета 48 h, 3 h.
    expect(hromada('alpha').figures).toMatchObject({ monitored_s: 90 * S, downtime_s: 1.5 * S });
    expect(hromada('beta').figures).toMatchObject({ monitored_s: 48 * S, downtime_s: 3 * S });
    expect(hromada('alpha').figures!.downtime_by_cause).toMatchObject({ power: S, device: 0.5 * S, provider: 0 });
    expect(hromada('beta').figures!.institutions).toEqual({ total: 3, high_speed: 2, high_speed_pct: (2 / 3) * 100 });
    expect(hromada('alpha').figures!.invincibility_points).toEqual({
      total: 1,
      meeting_requirement: 1,
      judged_s: 4 * S,
      online_s: 2 * S,
      online_pct: 50,
    });
  });

  it('pools the oblast’s figures by monitored time and counts, not as the mean of the hromadas’ shares', () => {
    const f = oblast.oblast_figures!;
    expect(f).toMatchObject({ villages: 3, monitored_s: 138 * S, downtime_s: 4.5 * S });
    expect(f.uptime_pct).toBeCloseTo(pct(138, 4.5), 12);
    expect(f.uptime_pct).not.toBeCloseTo((pct(90, 1.5) + pct(48, 3)) / 2, 2);
    expect(f.downtime_by_cause).toEqual({
      power: S,
      scheduled_blackout: 3 * S,
      provider: 0,
      upstream: 0,
      device: 0.5 * S,
      maintenance: 0,
      unknown: 0,
    });
    // The scheduled blackout's 3 h out of both.
    expect(f.uptime_adjusted_pct).toBeCloseTo(pct(135, 1.5), 12);
    // 1 of 2 in Альфівська, 2 of 3 in Бетівська: 3 of 5.
    expect(f.institutions).toEqual({ total: 5, high_speed: 3, high_speed_pct: 60 });
    expect(f.wifi_zones).toEqual({ installed: 1, in_service: 1, added: 0 });
    // 2 h online of 4 h and 2 h of 2 h: 4 of 6 hours, not the mean of 50% and 100%.
    expect(f.invincibility_points).toMatchObject({ total: 2, meeting_requirement: 1, judged_s: 6 * S, online_s: 4 * S });
    expect(f.invincibility_points.online_pct).toBeCloseTo((4 / 6) * 100, 12);
  });

  it('sets the hromadas’ KPIs side by side, pooled, and counts who met their own target', () => {
    const group = (key: string) => oblast.kpis.find((k) => k.key === key)!;
    expect(oblast.kpis.map((k) => k.key)).toEqual([
      'settlements_connected_pct',
      'institutions_high_speed_pct:school',
      'service_uptime_pct:website',
      'provider_sla:ukrtelecom',
      'invincibility_points_online_pct',
    ]);
    // Different targets (99.5 and 95): no oblast target; Альфівська's 98.3% misses its own, Бетівська's 93.75% too.
    expect(group('settlements_connected_pct')).toMatchObject({ target: null, met: null, hromadas_measured: 2, hromadas_met: 0 });
    expect(group('settlements_connected_pct').actual).toBeCloseTo(pct(138, 4.5), 12);
    // Each hromada's one school is fast: 2 of 2 against the shared 80%.
    expect(group('institutions_high_speed_pct:school')).toMatchObject({ actual: 100, target: 80, met: true, hromadas_met: 2 });
    // The provider's SLA, each hromada's from its own sla_pct: only its own 2 h count against it.
    const sla = group('provider_sla:ukrtelecom');
    expect(sla).toMatchObject({ target: null, basis: { part: 136 * S, whole: 138 * S }, hromadas_measured: 2, hromadas_met: 1 });
    expect(sla.entries.map((e) => [e.hromada, e.target, e.met])).toEqual([
      ['alpha', 99, false],
      ['beta', 99.5, true],
    ]);
    // Both sites monitored 48 h; Бетівська's down 1 h.
    expect(group('service_uptime_pct:website')).toMatchObject({
      title: 'Доступність сервісу: Сайт громади',
      basis: { part: 95 * S, whole: 96 * S },
      target: 99.9,
      met: false,
      hromadas_met: 1,
    });
    expect(group('service_uptime_pct:website').actual).toBeCloseTo(pct(96, 1), 12);
    expect(group('invincibility_points_online_pct')).toMatchObject({ target: 100, actual: 50, met: false, hromadas_measured: 1 });
  });

  it('renders as CSV and HTML from the same figures', () => {
    const csv = renderOblastReport(oblast, 'csv').body;
    expect(csv).toContain('\r\nhromadas,hromada,silent-one,Тиха громада,no_data,,,,');
    expect(csv).toContain(`\r\nhromadas,oblast,,Тестова область,reported,3,${138 * S},${4.5 * S},`);
    const html = renderOblastReport(oblast, 'html').body;
    expect(html).toContain('<h1>Звіт про зв’язок громад: Тестова область</h1>');
    expect(html).toContain('<tr><td>Разом по області</td>');
  });
});
