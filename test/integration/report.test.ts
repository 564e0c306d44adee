/**
 * The yearly report from a real influxd: a year of a simulated hromada is
 * written as generated points (imported history spans, outages with known
 * times and causes, admins' reclassifications, a UPS's power events and
 * blackout-schedule slots, 5-minute rollups of pings for one uplink's
 * measured month, of Free WiFi clients and of interface speed, three months
 * without data for one institution), and every figure of the JSON report is
 * compared with what the test works out from its own ground truth, with
 * interval arithmetic of its own (and the causes minute by minute). The CSV is read back and compared with the JSON, the API route
 * answers the same JSON, and `merezha report` writes both files. A last test
 * times the report for 500 devices (printed, not asserted).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInfluxClient, createLineWriter } from '../../storage/influx-client.ts';
import { setupInflux } from '../../storage/influx-setup.ts';
import { readCsv } from '../../common/csv.ts';
import { parseIsoTime } from '../../common/iso-time.ts';
import { localTime } from '../../common/timezone.ts';
import { silentLogger } from '../../common/log.ts';
import { reportData, type ReportData } from '../../common/report.ts';
import type { OutageCause } from '../../common/words/power.ts';
import type { ConfigInput } from '../../config/schema.ts';
import { buildInventory } from '../../server/inventory.ts';
import { reportHtml } from '../../server/report/html.ts';
import { buildReport } from '../../server/report/index.ts';
import { reportPdf } from '../../server/report/pdf.ts';
import { influxQuery } from '../../storage/influx-query.ts';
import { ADMIN_PASSWORD, apiHarness } from '../support/api.ts';
import { testConfig } from '../support/config.ts';
import { startTestInfluxd, type TestInfluxd } from '../support/influxd.ts';
import { clients, clientsMax, seedReportYear } from '../support/report-year.ts';

const BIN = new URL('../../bin/merezha.mjs', import.meta.url).pathname;
/** The text of a PDF (Debian poppler-utils), no-break spaces as they are. */
const pdfText = (file: string, mode = '-layout') => {
  const r = spawnSync('pdftotext', [mode, '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pdftotext failed: ${r.stderr}`);
  return r.stdout;
};
const TZ = 'Europe/Kyiv';
const DB = 'report_year';
const H = 3_600_000;
const BUCKET = 300_000;
/** Last year in Kyiv (the server's year too, even in the hours the UTC year lags): inside the retention of the rollups and events, and wholly past. */
const YEAR = localTime(Date.now(), TZ).year - 1;
const t = (text: string) => parseIsoTime(`${YEAR}-${text}`, TZ)!;
const FROM = t('01-01');
const TO = parseIsoTime(`${YEAR + 1}-01-01`, TZ)!;

type Iv = { from: number; to: number };

// ---- the ground truth's own interval arithmetic
function merge(list: readonly Iv[]): Iv[] {
  const out: Iv[] = [];
  for (const i of [...list].filter((x) => x.to > x.from).sort((a, b) => a.from - b.from)) {
    const last = out.at(-1);
    if (last && i.from <= last.to) last.to = Math.max(last.to, i.to);
    else out.push({ ...i });
  }
  return out;
}
function cross(a: readonly Iv[], b: readonly Iv[]): Iv[] {
  const out: Iv[] = [];
  for (const x of a)
    for (const y of b)
      if (Math.min(x.to, y.to) > Math.max(x.from, y.from)) out.push({ from: Math.max(x.from, y.from), to: Math.min(x.to, y.to) });
  return merge(out);
}
const length = (list: readonly Iv[]) => merge(list).reduce((s, i) => s + i.to - i.from, 0);
const RANGE: Iv[] = [{ from: FROM, to: TO }];

// ---- the simulated hromada
const INPUT = {
  hromada: { name: 'Тестова громада', timezone: TZ },
  snmp_credentials: { v2: { version: '2c', community: 'public' } },
  providers: [
    { id: 'fibre', name: 'Оптика', sla_pct: 99.9 },
    { id: 'lte', name: 'Мобільний', sla_pct: 99 },
  ],
  villages: [
    {
      id: 'zelene',
      name: 'Зелене',
      population: 1200,
      power_group: '3.1',
      devices: [
        { id: 'zelene-fibre', kind: 'uplink', host: '127.0.60.1', provider: 'fibre' },
        { id: 'zelene-lte', kind: 'uplink', host: '127.0.60.2', provider: 'lte' },
        {
          id: 'zelene-school',
          kind: 'institution',
          category: 'school',
          host: '127.0.60.3',
          parent: 'zelene-fibre',
          bandwidth_mbps: 200,
          invincibility_point: true,
          backup_power: 'ups',
          backup_link: 'starlink',
        },
        { id: 'zelene-library', kind: 'institution', category: 'library', host: '127.0.60.4', parent: 'zelene-fibre' },
        { id: 'zelene-wifi', kind: 'wifi', host: '127.0.60.5', parent: 'zelene-fibre', public: true, installed: `${YEAR}-04-01` },
        { id: 'zelene-ups', name: 'ДБЖ школи', kind: 'ups', vendor: 'ups-mib', host: '127.0.60.6', snmp: { credential: 'v2' } },
      ],
    },
    {
      id: 'yasne',
      name: 'Ясне',
      population: 300,
      power_group: '4.2',
      devices: [
        { id: 'yasne-fibre', kind: 'uplink', host: '127.0.61.1', provider: 'fibre' },
        {
          id: 'yasne-clinic',
          kind: 'institution',
          category: 'clinic',
          host: '127.0.61.2',
          parent: 'yasne-fibre',
          snmp: { credential: 'v2' },
          invincibility_point: true,
          backup_link: 'xpon',
        },
        { id: 'yasne-wifi', kind: 'wifi', host: '127.0.61.3', parent: 'yasne-fibre', public: true, installed: '2020-06-01' },
      ],
    },
  ],
  services: [{ id: 'website', name: 'Сайт громади', url: 'https://example.org/' }],
  kpis: [
    { id: 'settlements', title: 'Підключено 100% населених пунктів', metric: 'settlements_connected_pct', target: 99.9 },
    { id: 'high-speed', title: 'Більше ніж 80% закладів на швидкісному інтернеті', metric: 'institutions_high_speed_pct', target: 80 },
    { id: 'new-wifi', title: '1 нова зона Free WiFi на рік', metric: 'wifi_zones_installed', target: 1 },
    { id: 'wifi-working', title: 'Зони Free WiFi працюють', metric: 'wifi_zones_in_service', target: 2 },
    { id: 'website', title: 'Безперебійна робота сайту', metric: 'service_uptime_pct', service: 'website', target: 99.95 },
    { id: 'fibre-sla', title: 'Оптика за договором', metric: 'provider_sla', provider: 'fibre' },
    { id: 'lte-sla', title: 'Мобільний за договором', metric: 'provider_sla', provider: 'lte' },
    { id: 'points-online', title: 'Пункти незламності на зв’язку без світла', metric: 'invincibility_points_online_pct' },
    {
      id: 'clients-max',
      title: 'Найбільше клієнтів Free WiFi',
      metric: 'influxql',
      query: 'SELECT max("clients_max") FROM "rollup_5m"."wifi" WHERE time >= $from AND time < $to',
      unit: 'клієнтів',
      target: 5,
    },
  ],
} satisfies Partial<ConfigInput>;

const TAGS: Record<string, Record<string, string>> = {};
const PARENT: Record<string, string | undefined> = {};
for (const v of INPUT.villages)
  for (const d of v.devices) {
    TAGS[d.id] = { village: v.id, device: d.id, kind: d.kind, ...('provider' in d ? { provider: d.provider } : {}) };
    PARENT[d.id] = 'parent' in d ? d.parent : undefined;
  }
const DEVICES = Object.keys(TAGS);

const o = (a: string, b: string): Iv => ({ from: t(a), to: t(b) });

/** Monitored time: imported spans, except zelene-lte's December, measured (5-minute ping rollups). */
const SPANS: Record<string, Iv[]> = Object.fromEntries([...DEVICES, 'service:website'].map((k) => [k, RANGE]));
SPANS['yasne-clinic'] = [
  { from: FROM, to: t('03-01') },
  { from: t('06-01'), to: TO },
];
SPANS['zelene-wifi'] = [{ from: t('04-01'), to: TO }];
SPANS['zelene-lte'] = [{ from: FROM, to: t('12-01') }];
/** Neither of Зелене's uplinks has data from 10:00 to 12:00 on 10 December (Merezha stopped), while both are down. */
const GAP: Iv = o('12-10T10:00', '12-10T12:00');
SPANS['zelene-fibre'] = [
  { from: FROM, to: GAP.from },
  { from: GAP.to, to: TO },
];
const MEASURED: Record<string, Iv[]> = {
  'zelene-lte': [
    { from: t('12-01'), to: GAP.from },
    { from: GAP.to, to: TO },
  ],
};
const monitoredOf = (k: string) => merge([...(SPANS[k] ?? []), ...(MEASURED[k] ?? [])]);

type Outage = Iv & { cause?: OutageCause };
const oc = (a: string, b: string, cause: OutageCause): Outage => ({ ...o(a, b), cause });
/** Outages as recorded, with the cause Merezha judged (none: recorded before causes were judged). */
const OUTAGES: Record<string, Outage[]> = {
  // The last ones stayed open across the GAP: Зелене was cut off 9:40 to 12:20, observed 40 minutes of it.
  'zelene-fibre': [
    oc('03-10T10:00', '03-10T14:00', 'provider'),
    oc('07-01T00:00', '07-01T03:00', 'power'),
    oc('07-01T02:00', '07-01T04:00', 'scheduled_blackout'),
    o('12-10T09:00', '12-10T13:00'),
  ],
  'zelene-lte': [
    oc('03-10T12:00', '03-10T12:30', 'power'),
    oc('12-05T08:00', '12-05T09:00', 'provider'),
    oc('12-10T09:40', '12-10T12:20', 'device'),
  ],
  // The first began the year before; the second fell while the clinic had no data.
  'yasne-fibre': [
    { from: FROM - H, to: FROM + H, cause: 'power' },
    oc('04-15T06:00', '04-15T18:00', 'scheduled_blackout'),
    oc('10-02T14:00', '10-02T15:30', 'power'),
  ],
  'zelene-school': [oc('02-03T08:00', '02-03T09:00', 'device')],
  // Still down when the year ended.
  'yasne-wifi': [{ from: TO - 4 * H, to: TO + 2 * H, cause: 'power' }],
  'service:website': [o('01-15T10:00', '01-15T11:00'), o('08-08T00:00', '08-08T06:00')],
};
/** Admins' reclassifications, in the order written: the later note of an outage replaces the earlier. */
const NOTES: { subject: string; start: number; cause: OutageCause; at: number }[] = [
  { subject: 'zelene-lte', start: t('12-10T09:40'), cause: 'maintenance', at: t('12-11T09:00') },
  { subject: 'yasne-fibre', start: t('10-02T14:00'), cause: 'device', at: t('10-02T16:00') },
  { subject: 'yasne-fibre', start: t('10-02T14:00'), cause: 'provider', at: t('10-03T10:00') },
];
/** The cause that counts for each outage: the last note's, else the judged one, else unknown. */
const causeOf = (k: string, x: Outage): OutageCause =>
  NOTES.filter((n) => n.subject === k && n.start === x.from).at(-1)?.cause ?? x.cause ?? 'unknown';
const PRIORITY: OutageCause[] = ['maintenance', 'power', 'scheduled_blackout', 'upstream', 'provider', 'device', 'unknown'];
const first = (causes: OutageCause[]) => PRIORITY.find((c) => causes.includes(c));
/** A subject's cause at minute `m`, if it is down: its own outages' and `upstream` while a parent is down, the first in priority. */
const causeAt = (k: string, m: number): OutageCause | undefined =>
  first([
    ...(OUTAGES[k] ?? []).filter((x) => x.from <= m && m < x.to).map((x) => causeOf(k, x)),
    ...(PARENT[k] && downOf(PARENT[k]!).some((x) => x.from <= m && m < x.to) ? ['upstream' as const] : []),
  ]);
const MIN = 60_000;
/** Seconds per cause over the minutes of `down` (observed down time), each minute's cause from `at`. */
function byCause(down: readonly Iv[], at: (m: number) => OutageCause | undefined): Record<OutageCause, number> {
  const out = Object.fromEntries(PRIORITY.map((c) => [c, 0])) as Record<OutageCause, number>;
  for (const i of down)
    for (let m = i.from; m < i.to; m += MIN) {
      const c = at(m);
      expect(c, `a cause at ${new Date(m).toISOString()}`).toBeDefined();
      out[c!] += 60;
    }
  return out;
}

/** Зелене's UPS: a year-old episode ending at 01:00 on 1 January; 03-10 ran out after 35 min; 07-01 held 2 h 10 min to mains. */
const POWER_EVENTS: [type: string, at: number, value: number][] = [
  ['power_restored', FROM - 4 * H, 600],
  ['on_battery', FROM - H, 50],
  ['power_restored', FROM + H, 7200],
  ['on_battery', t('03-10T11:50'), 40],
  ['power_lost', t('03-10T12:25'), 2100],
  ['power_restored', t('03-10T15:10'), 12_000],
  ['on_battery', t('07-01T01:30'), 60],
  ['reboot', t('07-01T02:00'), 5],
  ['power_restored', t('07-01T03:40'), 7800],
];
/** Blackout slots: [group, from, to, kind]. */
const SLOTS: [string, number, number, string][] = [
  ['3.1', t('03-10T11:00'), t('03-10T15:00'), 'definite'],
  ['3.1', t('07-01T02:00'), t('07-01T04:00'), 'definite'],
  ['3.1', t('08-01T00:00'), t('08-01T04:00'), 'possible'],
  // Began the evening before the year.
  ['4.2', FROM - 2 * H, FROM + 2 * H, 'definite'],
  ['4.2', t('04-15T06:00'), t('04-15T18:00'), 'definite'],
  ['1.1', t('05-05T00:00'), t('05-05T05:00'), 'definite'],
];
/** A village's hours without power: its UPS's episodes (on battery to mains back) and its queue's definite slots, in the range. */
const darkOf = (village: string, group: string): Iv[] => {
  const episodes: Iv[] = [];
  let start: number | undefined;
  for (const [type, at] of POWER_EVENTS) {
    if (village !== 'zelene') break;
    if ((type === 'on_battery' || type === 'power_lost') && start === undefined) start = at;
    if (type === 'power_restored' && start !== undefined) {
      episodes.push({ from: start, to: at });
      start = undefined;
    }
  }
  const slots = SLOTS.filter(([g, , , kind]) => g === group && kind === 'definite').map(([, from, to]) => ({ from, to }));
  return cross(merge([...episodes, ...slots]), RANGE);
};
const downOf = (k: string): Iv[] => merge([...(OUTAGES[k] ?? []), ...(PARENT[k] ? downOf(PARENT[k]!) : [])]);
/**
 * A village's recorded offline intervals in the range (every uplink down), each with its observed length:
 * the part while at least one uplink had data.
 */
const offlineOf = (uplinks: readonly string[]) => {
  const watched = merge(uplinks.flatMap(monitoredOf));
  return cross(
    uplinks.map(downOf).reduce((a, b) => cross(a, b)),
    RANGE,
  ).map((i) => ({ ...i, observed: length(cross([i], watched)) }));
};

const wifiFrom: Record<string, number> = { 'zelene-wifi': t('04-01'), 'yasne-wifi': FROM };
const SPEEDS = { 'yasne-clinic': [[t('01-10'), 50] as const, [t('11-20'), 150] as const], 'zelene-library': [[t('06-01'), 40] as const] };

let influxd: TestInfluxd;
let dir: string;
let configFile: string;
let report: ReportData;

async function writeYear(): Promise<void> {
  const connection = { url: influxd.url, database: DB };
  await setupInflux(createInfluxClient(connection), {
    database: DB,
    retention: { rawMs: 30 * 86_400_000, rollupMs: 800 * 86_400_000 },
    log: silentLogger(),
  });
  const write = createLineWriter(connection);
  const tagText = (k: string) =>
    k.startsWith('service:')
      ? `service=${k.slice(8)}`
      : Object.entries(TAGS[k]!)
          .sort()
          .map(([a, b]) => `${a}=${b}`)
          .join(',');
  const events: string[] = [];
  for (const [k, spans] of Object.entries(SPANS))
    for (const s of spans) events.push(`backfill,${tagText(k)} from_ms=${s.from}i,to_ms=${s.to}i,source="year.csv" ${s.from}`);
  for (const [k, list] of Object.entries(OUTAGES))
    for (const x of list)
      events.push(
        `outage,${tagText(k)} open=0i,end_ms=${x.to}i,duration_s=${(x.to - x.from) / 1000},reason="test"` +
          `${x.cause ? `,cause="${x.cause}",cause_evidence="{}"` : ''} ${x.from}`,
      );
  for (const n of NOTES)
    events.push(
      `outage_note,${tagText(n.subject)} start_ms=${n.start}i,cause="${n.cause}",note="перевірено",by="admin",at_ms=${n.at}i ${n.start}`,
    );
  for (const [type, at, value] of POWER_EVENTS)
    events.push(`event,${tagText('zelene-ups')},type=${type} value=${value},message="test" ${at}`);
  for (const [group, from, to, kind] of SLOTS)
    events.push(`blackout,group=${group} end_ms=${to}i,certainty="${kind}",source="test.json" ${from}`);
  // The later note of an outage overwrites the earlier (one point at the outage's start), as when the server writes them.
  await write('events', events.join('\n'));
  const rollup: string[] = [];
  const flush = async () => {
    if (rollup.length) await write('rollup_5m', rollup.splice(0).join('\n'));
  };
  for (const m of MEASURED['zelene-lte']!)
    for (let b = m.from; b < m.to; b += BUCKET) rollup.push(`ping,${tagText('zelene-lte')} reachable=1,samples=30i ${b}`);
  for (const [id, from] of Object.entries(wifiFrom)) {
    for (let b = from, i = 0; b < TO; b += BUCKET, i++) {
      rollup.push(`wifi,${tagText(id)} clients=${clients(i)},clients_max=${clientsMax(i)}i ${b}`);
      if (rollup.length >= 50_000) await flush();
    }
  }
  for (const [id, list] of Object.entries(SPEEDS))
    for (const [at, mbps] of list) rollup.push(`interface,${tagText(id)},interface=ether1 speed_mbps=${mbps} ${at}`);
  await flush();
}

beforeAll(async () => {
  influxd = await startTestInfluxd();
  dir = await mkdtemp(join(tmpdir(), 'merezha-report-'));
  // JSON is YAML: the command reads the same hromada.
  configFile = join(dir, 'hromada.yaml');
  await writeFile(
    configFile,
    JSON.stringify(
      { ...INPUT, storage: { influx: { url: 'http://127.0.0.1:1', database: DB }, managed_dir: join(dir, 'influxdb') } },
      null,
      2,
    ),
  );
  await writeYear();
  const config = testConfig(INPUT);
  const started = performance.now();
  report = await buildReport({
    query: influxQuery({ url: influxd.url, database: DB }),
    config,
    inventory: buildInventory(config),
    range: { from: FROM, to: TO },
    now: Date.now(),
  });
  console.log(`report of a year for ${DEVICES.length} devices: ${(performance.now() - started).toFixed(0)} ms`);
}, 120_000);

afterAll(async () => {
  await influxd?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const close = (actual: number | null, expected: number | null, what: string) => {
  if (expected === null) expect(actual, what).toBeNull();
  else expect(actual, what).toBeCloseTo(expected, 6);
};
const pctOf = (monitored: number, down: number) => (monitored > 0 ? ((monitored - down) / monitored) * 100 : null);
const ownIn = (k: string) => (OUTAGES[k] ?? []).filter((x) => x.to > FROM && x.from < TO).length;
/** A subject's observed downtime (down and monitored, in the range) by cause, seconds. */
const observedCauses = (k: string) => byCause(cross(downOf(k), cross(monitoredOf(k), RANGE)), (m) => causeAt(k, m));
const addUp = (a: Record<OutageCause, number>, b: Record<OutageCause, number>) =>
  Object.fromEntries(PRIORITY.map((c) => [c, a[c] + b[c]])) as Record<OutageCause, number>;

describe('the yearly report, from a year in influxd', () => {
  it('has the required shape, with ISO times', () => {
    expect(reportData.safeParse(report).success).toBe(true);
    expect(report.from).toBe(new Date(FROM).toISOString());
    expect(report.to).toBe(new Date(TO).toISOString());
  });

  it('gives every device and service its uptime, outages, downtime and monitored time', () => {
    for (const k of [...DEVICES, 'service:website']) {
      const mon = cross(monitoredOf(k), RANGE);
      const down = length(cross(downOf(k), mon));
      const row = k.startsWith('service:') ? report.services.find((s) => s.id === 'website')! : report.devices.find((d) => d.id === k)!;
      expect(row.monitored_s, k).toBe(length(mon) / 1000);
      expect(row.downtime_s, k).toBe(down / 1000);
      expect(row.outages, k).toBe(ownIn(k));
      close(row.uptime_pct, pctOf(length(mon), down), k);
    }
  });

  it('gives every village its uptime, outages, longest outage, MTTR, institutions online and Free WiFi', () => {
    for (const v of INPUT.villages) {
      const uplinks = v.devices.filter((d) => d.kind === 'uplink').map((d) => d.id);
      const inRange = offlineOf(uplinks);
      const down = inRange.reduce((s, i) => s + i.observed, 0);
      const mon = uplinks.map((u) => length(cross(monitoredOf(u), RANGE))).reduce((a, b) => Math.max(a, b));
      const row = report.villages.find((x) => x.id === v.id)!;
      // Outages counted as recorded, their lengths as observed.
      expect(row.outages, v.id).toBe(inRange.length);
      expect(row.downtime_s, v.id).toBe(down / 1000);
      close(row.uptime_pct, pctOf(mon, down), v.id);
      close(row.longest_outage_s, inRange.length ? Math.max(...inRange.map((i) => i.observed)) / 1000 : null, v.id);
      close(row.mttr_s, inRange.length ? down / inRange.length / 1000 : null, v.id);
      let instMon = 0;
      let instDown = 0;
      for (const d of v.devices.filter((x) => x.kind === 'institution')) {
        const m = cross(monitoredOf(d.id), RANGE);
        instMon += length(m);
        instDown += length(cross(downOf(d.id), m));
      }
      close(row.institutions_online_pct, pctOf(instMon, instDown), `${v.id} institutions`);
      const zones = v.devices.filter((d) => d.kind === 'wifi').map((d) => d.id);
      expect(row.wifi.zones).toBe(zones.length);
      let avg = 0;
      let peak = 0;
      for (const z of zones) {
        const n = Math.round((TO - wifiFrom[z]!) / BUCKET);
        let s = 0;
        for (let i = 0; i < n; i++) {
          s += clients(i);
          peak = Math.max(peak, clientsMax(i));
        }
        avg += s / n;
      }
      close(row.wifi.avg_clients, avg, `${v.id} wifi avg`);
      expect(row.wifi.peak_clients).toBe(peak);
    }
  });

  it('counts outages left open across a gap in the data only where there was data (by hand)', () => {
    const MIN = 60_000;
    const device = (id: string) => report.devices.find((d) => d.id === id)!;
    // The LTE: 30 min + 1 h + 9:40-10:00 and 12:00-12:20 on 10 December.
    expect(device('zelene-lte')).toMatchObject({ outages: 3, downtime_s: (90 + 40) * 60 });
    // The fibre: 4 h + 4 h (two overlapping outages) + 9:00-10:00 and 12:00-13:00.
    expect(device('zelene-fibre')).toMatchObject({ outages: 4, downtime_s: 10 * 3600 });
    // The school had data throughout: its own hour and the fibre's 4 h + 4 h + 4 h, the whole of the last.
    expect(device('zelene-school')).toMatchObject({ outages: 1, downtime_s: 13 * 3600 });
    const zelene = report.villages.find((v) => v.id === 'zelene')!;
    expect(zelene).toMatchObject({ outages: 2, downtime_s: 70 * 60, longest_outage_s: 40 * 60, mttr_s: 35 * 60 });
    const incident = report.incidents.find((i) => i.village === 'zelene' && i.start === new Date(t('12-10T09:40')).toISOString())!;
    expect(incident).toMatchObject({ end: new Date(t('12-10T12:20')).toISOString(), duration_s: (40 * MIN) / 1000 });
  });

  it('compares each provider with its SLA on the downtime it caused, the raw uptime beside it', () => {
    for (const p of INPUT.providers) {
      const links = DEVICES.filter((d) => TAGS[d]!.provider === p.id && !PARENT[d]);
      const mon = links.reduce((s, d) => s + length(cross(monitoredOf(d), RANGE)), 0);
      const down = links.reduce((s, d) => s + length(cross(downOf(d), cross(monitoredOf(d), RANGE))), 0);
      const causes = links.map(observedCauses).reduce((a, b) => addUp(a, b));
      const row = report.providers.find((x) => x.id === p.id)!;
      close(row.uptime_pct, pctOf(mon, down), p.id);
      close(row.sla_uptime_pct, pctOf(mon, causes.provider * 1000), `${p.id} sla`);
      expect(row).toMatchObject({
        sla_pct: p.sla_pct,
        met: pctOf(mon, causes.provider * 1000)! >= p.sla_pct,
        outages: links.reduce((s, d) => s + ownIn(d), 0),
        downtime_by_cause: causes,
      });
      close(row.downtime_h, down / H, p.id);
    }
    // The fibre's raw uptime misses its 99.9%; the 5 h 30 min it caused (one outage reclassified to it) do not.
    const fibre = report.providers.find((p) => p.id === 'fibre')!;
    expect(fibre.uptime_pct!).toBeLessThan(99.9);
    expect(fibre.downtime_by_cause.provider).toBe(5.5 * 3600);
    expect(report.providers.map((p) => p.met)).toEqual([true, true]);
  });

  it('splits every device’s, service’s and village’s downtime by cause, and adjusts uptime for scheduled blackouts and maintenance', () => {
    for (const k of [...DEVICES, 'service:website']) {
      const row = k.startsWith('service:') ? report.services[0]! : report.devices.find((d) => d.id === k)!;
      const causes = observedCauses(k);
      expect(row.downtime_by_cause, k).toEqual(causes);
      const excused = (causes.scheduled_blackout + causes.maintenance) * 1000;
      close(row.uptime_adjusted_pct, pctOf(row.monitored_s * 1000 - excused, row.downtime_s * 1000 - excused), `${k} adjusted`);
    }
    // By hand: the school's own hour, and the fibre's 4 + 4 + 4 h upstream.
    expect(report.devices.find((d) => d.id === 'zelene-school')!.downtime_by_cause).toMatchObject({ device: 3600, upstream: 12 * 3600 });
    // 07-01: the power's outage and the schedule's overlap 02:00-03:00; the power keeps it.
    expect(report.devices.find((d) => d.id === 'zelene-fibre')!.downtime_by_cause).toMatchObject({
      provider: 4 * 3600,
      power: 3 * 3600,
      scheduled_blackout: 3600,
      unknown: 2 * 3600,
    });
    for (const v of INPUT.villages) {
      const uplinks = v.devices.filter((d) => d.kind === 'uplink').map((d) => d.id);
      const observed = offlineOf(uplinks).flatMap((i) => cross([i], merge(uplinks.flatMap(monitoredOf))));
      const causes = byCause(observed, (m) => first(uplinks.map((u) => causeAt(u, m)!)));
      const row = report.villages.find((x) => x.id === v.id)!;
      expect(row.downtime_by_cause, v.id).toEqual(causes);
      const excused = (causes.scheduled_blackout + causes.maintenance) * 1000;
      close(row.uptime_adjusted_pct, pctOf(row.monitored_s * 1000 - excused, row.downtime_s * 1000 - excused), `${v.id} adjusted`);
    }
    // Зелене: fibre (provider) and LTE (power) down together 12:00-12:30 on 10 March; 40 min observed of 10 December's, the LTE's
    // reclassified as maintenance.
    expect(report.villages.find((v) => v.id === 'zelene')!.downtime_by_cause).toMatchObject({ power: 30 * 60, maintenance: 40 * 60 });
    expect(report).toMatchObject({ excused_causes: ['scheduled_blackout', 'maintenance'], cause_priority: PRIORITY });
  });

  it('shows the impact of power outages: hours without power per village, the share of downtime due to power, how the UPS held', () => {
    for (const v of INPUT.villages) {
      const row = report.power.villages.find((x) => x.id === v.id)!;
      const offline = report.villages.find((x) => x.id === v.id)!;
      const power = offline.downtime_by_cause.power + offline.downtime_by_cause.scheduled_blackout;
      expect(row).toEqual({
        id: v.id,
        name: v.name,
        power_group: v.power_group,
        blackout_h: length(darkOf(v.id, v.power_group)) / H,
        downtime_s: offline.downtime_s,
        power_downtime_s: power,
        power_share_pct: (power / offline.downtime_s) * 100,
      });
    }
    // By hand: 00:00-01:00 on 1 January, 11:00-15:10 on 10 March, 01:30-04:00 on 1 July; Ясне 2 h + 12 h of its queue.
    expect(report.power.villages.map((v) => v.blackout_h)).toEqual([1 + 4 + 1 / 6 + 2.5, 14]);
    expect(report.power.supplies).toEqual([
      {
        id: 'zelene-ups',
        name: 'ДБЖ школи',
        village: 'zelene',
        episodes: 2,
        ran_out: 1,
        median_hold_s: ((35 + 130) / 2) * 60,
        longest_hold_s: 130 * 60,
      },
    ]);
  });

  it('measures the Invincibility Points online during their hours without power and lists those that lack a backup', () => {
    let judged = 0;
    let down = 0;
    for (const [id, village, group] of [
      ['zelene-school', 'zelene', '3.1'],
      ['yasne-clinic', 'yasne', '4.2'],
    ] as const) {
      const dark = cross(darkOf(village, group), monitoredOf(id));
      judged += length(dark);
      down += length(cross(dark, downOf(id)));
      close(
        report.power.invincibility_points.find((p) => p.id === id)!.online_pct,
        pctOf(length(dark), length(cross(dark, downOf(id)))),
        id,
      );
    }
    const kpi = report.kpis.find((k) => k.id === 'points-online')!;
    close(kpi.actual, pctOf(judged, down), 'points online');
    expect(kpi).toMatchObject({ target: 100, met: false, unit: '%' });
    expect(report.power.invincibility_points.map((p) => [p.id, p.meets_requirement, p.lacks, p.backup_power, p.backup_link])).toEqual([
      ['zelene-school', true, [], 'ups', 'starlink'],
      ['yasne-clinic', false, ['backup_power'], null, 'xpon'],
    ]);
  });

  it('has twelve months of village uptime and Free WiFi use, and the longest incidents', () => {
    expect(report.months).toHaveLength(12);
    report.months.forEach((m, mi) => {
      const month: Iv = {
        from: t(`${String(mi + 1).padStart(2, '0')}-01`),
        to: mi === 11 ? TO : t(`${String(mi + 2).padStart(2, '0')}-01`),
      };
      let mon = 0;
      let down = 0;
      for (const v of INPUT.villages) {
        const uplinks = v.devices.filter((d) => d.kind === 'uplink').map((d) => d.id);
        mon += Math.max(...uplinks.map((u) => length(cross(monitoredOf(u), [month]))));
        down += length(
          cross(
            cross(
              uplinks.map(downOf).reduce((a, b) => cross(a, b)),
              merge(uplinks.flatMap(monitoredOf)),
            ),
            [month],
          ),
        );
      }
      close(m.village_uptime_pct, pctOf(mon, down), m.month);
      let avg = 0;
      let peak: number | null = null;
      for (const [z, from] of Object.entries(wifiFrom)) {
        let s = 0;
        let n = 0;
        for (let b = from, i = 0; b < TO; b += BUCKET, i++) {
          if (b < month.from || b >= month.to) continue;
          s += clients(i);
          n++;
          peak = Math.max(peak ?? 0, clientsMax(i));
        }
        if (n) avg += s / n;
        else expect(z).toBe('zelene-wifi');
      }
      close(m.wifi_avg_clients, avg, `${m.month} wifi`);
      expect(m.wifi_peak_clients, m.month).toBe(peak);
    });
    const incidents = INPUT.villages
      .flatMap((v) => {
        const uplinks = v.devices.filter((d) => d.kind === 'uplink').map((d) => d.id);
        return offlineOf(uplinks).map((i) => ({ village: v.id, ...i }));
      })
      .filter((i) => i.observed > 0)
      .sort((a, b) => b.observed - a.observed || a.from - b.from);
    expect(report.incidents.map((i) => [i.village, i.start, i.end, i.duration_s])).toEqual(
      incidents.map((i) => [i.village, new Date(i.from).toISOString(), new Date(i.to).toISOString(), i.observed / 1000]),
    );
  });

  it('reports the monitored share, the three months without data as such', () => {
    let expected = 0;
    let monitored = 0;
    for (const v of INPUT.villages)
      for (const d of v.devices) {
        const from = 'installed' in d && d.installed ? Math.max(FROM, parseIsoTime(d.installed, TZ)!) : FROM;
        expected += TO - from;
        monitored += length(cross(monitoredOf(d.id), [{ from, to: TO }]));
      }
    expect(report.data_quality.device_time_s).toBe(expected / 1000);
    expect(report.data_quality.no_data_s).toBe((expected - monitored) / 1000);
    close(report.data_quality.monitored_pct, (monitored / expected) * 100, 'monitored');
    expect(report.data_quality.gaps.map((g) => [g.id, g.no_data_s])).toEqual([['yasne-clinic', (t('06-01') - t('03-01')) / 1000]]);
  });

  it('measures every KPI against its target', () => {
    const kpi = (id: string) => report.kpis.find((k) => k.id === id)!;
    const villageMon = report.villages.reduce((s, v) => s + v.monitored_s, 0);
    const villageDown = report.villages.reduce((s, v) => s + v.downtime_s, 0);
    close(kpi('settlements').actual, pctOf(villageMon, villageDown), 'settlements');
    expect(kpi('settlements').note).toMatch(/^найгірший місяць: \d{4}-\d{2}, \d+,\d\d%$/);
    // zelene-school by its bandwidth, yasne-clinic by its last measured speed (150); zelene-library is slow.
    close(kpi('high-speed').actual, (2 / 3) * 100, 'high speed');
    expect(kpi('high-speed').met).toBe(false);
    expect(kpi('new-wifi')).toMatchObject({ actual: 1, met: true });
    expect(kpi('wifi-working')).toMatchObject({ actual: 1, met: false });
    close(kpi('website').actual, report.services[0]!.uptime_pct, 'website');
    expect(kpi('website').met).toBe(false);
    expect(kpi('fibre-sla')).toMatchObject({ target: 99.9, met: true });
    close(kpi('fibre-sla').actual, report.providers[0]!.sla_uptime_pct, 'fibre sla');
    expect(kpi('lte-sla')).toMatchObject({ target: 99, met: true });
    expect(kpi('clients-max')).toMatchObject({ actual: 9, met: true, custom: true, unit: 'клієнтів' });
    expect(report.summary.length).toBeGreaterThanOrEqual(3);
    expect(report.queries.some((q) => q.influxql.includes("tz('Europe/Kyiv')"))).toBe(true);
    expect(
      report.queries.some((q) => q.influxql.includes(`time >= ${FROM}ms AND time < ${TO}ms`) && q.figure.includes('clients-max')),
    ).toBe(true);
  });
});

describe('the report as files and over the API', () => {
  function merezha(args: string[]) {
    const { MEREZHA_CONFIG: _c, ...env } = process.env;
    const r = spawnSync(process.execPath, [BIN, 'report', '--config', configFile, '--year', String(YEAR), ...args], {
      encoding: 'utf8',
      env: { ...env, INFLUX_URL: influxd.url },
      timeout: 60_000,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }
  const withoutClock = (r: ReportData) => ({ ...r, generated_at: '' });

  it('merezha report writes the JSON file, with a progress line', async () => {
    const out = join(dir, 'report.json');
    const r = merezha(['--format', 'json', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/reading InfluxDB, \d+\/\d+ queries/);
    expect(withoutClock(JSON.parse(await readFile(out, 'utf8')))).toEqual(withoutClock(report));
  });

  it('merezha report writes one CSV with every table, which reads back as the JSON', async () => {
    const out = join(dir, 'report.csv');
    const r = merezha(['--format', 'csv', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const text = await readFile(out, 'utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    const tables = new Map<string, Record<string, string>[]>();
    let header: string[] = [];
    for (const { fields } of readCsv(text).records) {
      if (fields[0] === 'table') header = fields;
      else tables.set(fields[0]!, [...(tables.get(fields[0]!) ?? []), Object.fromEntries(header.map((h, i) => [h, fields[i]!]))]);
    }
    const num = (s: string | undefined) => (s === '' || s === undefined ? null : Number(s));
    expect(
      tables.get('villages')!.map((v) => [v.id, num(v.uptime_pct), num(v.outages), num(v.downtime_s), num(v.wifi_avg_clients)]),
    ).toEqual(report.villages.map((v) => [v.id, v.uptime_pct, v.outages, v.downtime_s, v.wifi.avg_clients]));
    expect(tables.get('devices')!.map((d) => [d.id, num(d.uptime_pct), num(d.outages), num(d.downtime_s), num(d.monitored_s)])).toEqual(
      report.devices.map((d) => [d.id, d.uptime_pct, d.outages, d.downtime_s, d.monitored_s]),
    );
    expect(tables.get('providers')!.map((p) => [p.id, num(p.uptime_pct), num(p.sla_pct), p.met])).toEqual(
      report.providers.map((p) => [p.id, p.uptime_pct, p.sla_pct, String(p.met)]),
    );
    expect(tables.get('kpis')!.map((k) => [k.id, k.title, num(k.target), num(k.actual), k.met, k.note])).toEqual(
      report.kpis.map((k) => [k.id, k.title, k.target, k.actual, k.met === null ? '' : String(k.met), k.note]),
    );
    expect(tables.get('months')!.map((m) => [m.month, num(m.village_uptime_pct), num(m.wifi_peak_clients)])).toEqual(
      report.months.map((m) => [m.month, m.village_uptime_pct, m.wifi_peak_clients]),
    );
    expect(tables.get('summary')!.map((s) => s.text)).toEqual(report.summary);
    expect(tables.get('queries')!.map((q) => q.influxql)).toEqual(report.queries.map((q) => q.influxql));
    expect(tables.get('incidents')).toHaveLength(report.incidents.length);
    expect(
      tables.get('devices')!.map((d) => [d.id, num(d.downtime_power_s), num(d.downtime_upstream_s), num(d.uptime_adjusted_pct)]),
    ).toEqual(report.devices.map((d) => [d.id, d.downtime_by_cause.power, d.downtime_by_cause.upstream, d.uptime_adjusted_pct]));
    expect(tables.get('providers')!.map((p) => [p.id, num(p.sla_uptime_pct), num(p.downtime_provider_s)])).toEqual(
      report.providers.map((p) => [p.id, p.sla_uptime_pct, p.downtime_by_cause.provider]),
    );
    expect(tables.get('power_villages')!.map((v) => [v.id, v.power_group, num(v.blackout_h), num(v.power_share_pct)])).toEqual(
      report.power.villages.map((v) => [v.id, v.power_group, v.blackout_h, v.power_share_pct]),
    );
    expect(tables.get('power_supplies')!.map((x) => [x.id, num(x.episodes), num(x.ran_out), num(x.median_hold_s)])).toEqual(
      report.power.supplies.map((x) => [x.id, x.episodes, x.ran_out, x.median_hold_s]),
    );
    expect(tables.get('power_invincibility_points')!.map((p) => [p.id, p.meets_requirement, p.lacks, num(p.online_pct)])).toEqual(
      report.power.invincibility_points.map((p) => [p.id, String(p.meets_requirement), p.lacks.join(' '), p.online_pct]),
    );
    expect(tables.get('causes')!.map((c) => [c.cause, c.excused])).toEqual(
      PRIORITY.map((c) => [c, String(c === 'scheduled_blackout' || c === 'maintenance')]),
    );

    // The same tables for a spreadsheet in a Ukrainian locale: ";" and decimal commas.
    const excelOut = join(dir, 'report-excel.csv');
    const excel = merezha(['--format', 'csv-excel', '--out', excelOut]);
    expect(excel.status, excel.stderr).toBe(0);
    const excelText = await readFile(excelOut, 'utf8');
    expect(excelText.startsWith('\uFEFFtable;hromada;')).toBe(true);
    const decimalPoint = (fields: string[]) => fields.map((f) => f.replace(/^(-?\d+),(\d+)$/, '$1.$2'));
    // Every row but the first, whose generated_at is the time of each run.
    const rows = (csv: string, delimiter: ',' | ';') =>
      readCsv(csv, { delimiter })
        .records.slice(2)
        .map((r) => decimalPoint(r.fields));
    expect(rows(excelText, ';')).toEqual(rows(text, ','));
  });

  it('merezha report writes the web page and the PDF', async () => {
    const html = join(dir, 'report.html');
    const pdf = join(dir, 'report.pdf');
    for (const [format, out] of [
      ['html', html],
      ['pdf', pdf],
    ] as const) {
      const r = merezha(['--format', format, '--out', out]);
      expect(r.status, r.stderr).toBe(0);
    }
    const page = await readFile(html, 'utf8');
    expect(page).toMatch(/^<!doctype html>\n<html lang="uk">/);
    expect(page).toContain(`<h1>Звіт про зв’язок громади: Тестова громада</h1>`);
    const file = await readFile(pdf);
    expect(file.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdfText(pdf)).toContain('Цілі стратегії: план і факт');
  });

  it('refuses a format it does not make', () => {
    const r = merezha(['--format', 'docx']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('merezha report: --format must be json, csv, csv-excel, html, pdf (got docx)\n');
  });

  it('GET /api/reports/<year>.json and .csv answer the same report; unknown formats are 404', async () => {
    const h = await apiHarness({ query: influxQuery({ url: influxd.url, database: DB }), extra: INPUT });
    try {
      const { cookie } = await h.signIn('admin', ADMIN_PASSWORD);
      const json = await h.request({ method: 'GET', url: `/api/reports/${YEAR}.json`, headers: { cookie } });
      expect(json.statusCode, json.body).toBe(200);
      expect(withoutClock(json.json() as ReportData)).toEqual(withoutClock(report));
      const csv = await h.request({ method: 'GET', url: `/api/reports/${YEAR}.csv`, headers: { cookie } });
      expect(csv.statusCode).toBe(200);
      expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(csv.headers['content-disposition']).toBe(`attachment; filename=merezha-report-${YEAR}.csv`);
      expect(csv.body.startsWith('\uFEFFtable,hromada')).toBe(true);
      const excel = await h.request({ method: 'GET', url: `/api/reports/${YEAR}.csv-excel`, headers: { cookie } });
      expect(excel.statusCode).toBe(200);
      expect(excel.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(excel.headers['content-disposition']).toBe(`attachment; filename=merezha-report-${YEAR}-excel.csv`);
      expect(excel.body.startsWith('\uFEFFtable;hromada')).toBe(true);
      for (const url of [
        `/api/reports/${YEAR}.docx`,
        `/api/reports/${YEAR}.htm`,
        '/api/reports/1999.json',
        `/api/reports/${YEAR + 2}.json`,
      ]) {
        expect((await h.request({ method: 'GET', url, headers: { cookie } })).statusCode, url).toBe(404);
      }
      expect((await h.request({ method: 'GET', url: `/api/reports/${YEAR}.json` })).statusCode).toBe(401);
    } finally {
      await h.close();
    }
  });

  it('GET /api/reports/<year>.html is a page to read, .pdf a download; both need a session', async () => {
    const h = await apiHarness({ query: influxQuery({ url: influxd.url, database: DB }), extra: INPUT });
    try {
      const { cookie } = await h.signIn('admin', ADMIN_PASSWORD);
      const html = await h.request({ method: 'GET', url: `/api/reports/${YEAR}.html`, headers: { cookie } });
      expect(html.statusCode, html.body).toBe(200);
      expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(html.headers['content-disposition']).toBeUndefined();
      expect(html.body).toMatch(/^<!doctype html>\n<html lang="uk">/);
      expect(html.body).toContain('Цілі стратегії: план і факт');
      const pdf = await h.request({ method: 'GET', url: `/api/reports/${YEAR}.pdf`, headers: { cookie } });
      expect(pdf.statusCode).toBe(200);
      expect(pdf.headers['content-type']).toBe('application/pdf');
      expect(pdf.headers['content-disposition']).toBe(`attachment; filename=merezha-report-${YEAR}.pdf`);
      expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
      for (const ext of ['html', 'pdf'])
        expect((await h.request({ method: 'GET', url: `/api/reports/${YEAR}.${ext}` })).statusCode, ext).toBe(401);
    } finally {
      await h.close();
    }
  });
});

describe('the report as a web page and a PDF', () => {
  let html: string;
  let pdfFile: string;
  let layoutText: string;
  beforeAll(async () => {
    html = reportHtml(report);
    pdfFile = join(dir, 'direct.pdf');
    await writeFile(pdfFile, await reportPdf(report));
    layoutText = pdfText(pdfFile);
  });
  const uk = (x: number, digits: number) =>
    new Intl.NumberFormat('uk-UA', { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(x);
  /** A figure as the report writes it: `%` with 2 decimals (more when 2 would equal the target), else its unit. */
  const figures = (k: ReportData['kpis'][number], x: number) =>
    k.unit === '%' ? [2, 3, 4].map((d) => `${uk(x, d)}%`) : [`${uk(x, Number.isInteger(x) ? 0 : 2)} ${k.unit}`];
  const rowOf = (text: string) => html.split('<tr>').find((r) => r.includes(`<td>${text}</td>`)) ?? '';
  const esc = (s: string) =>
    s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll("'", '&#39;').replaceAll('"', '&quot;');
  const TITLES = [
    'Коротко',
    'Цілі стратегії: план і факт',
    'Населені пункти',
    'Провайдери і договірна доступність (SLA)',
    'Вплив відключень електроенергії',
    'За місяцями',
    'Найдовші перерви',
    'Сервіси громади',
    'Якість даних',
    'Пристрої',
    'Додаток: запити InfluxQL',
  ];

  it('is one page in Ukrainian, its sections in order, the summary first', () => {
    expect(html).toMatch(/^<!doctype html>\n<html lang="uk">/);
    const at = TITLES.map((t) => html.indexOf(`<h2>${esc(t)}</h2>`));
    expect(at.every((i) => i > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    for (const s of report.summary) {
      expect(html.indexOf(`<p>${esc(s)}</p>`)).toBeGreaterThan(at[0]!);
      expect(html.indexOf(`<p>${esc(s)}</p>`)).toBeLessThan(at[1]!);
    }
    expect(html).toContain('<h1>Звіт про зв’язок громади: Тестова громада</h1>');
    expect(html).toContain(`1 січня ${YEAR} р. — 31 грудня ${YEAR} р.`);
    expect(html).toContain('@media print');
    expect(html).toContain('<section id="villages" class="break">');
  });

  it('shows every KPI with its target, actual and a clear met or not met', () => {
    expect(report.kpis.length).toBe(9);
    for (const k of report.kpis) {
      const row = rowOf(esc(k.title) + (k.custom ? ' *' : ''));
      expect(row, k.id).not.toBe('');
      expect(
        figures(k, k.target).some((f) => row.includes(`≥ ${f}`)),
        `${k.id} target in ${row}`,
      ).toBe(true);
      expect(
        figures(k, k.actual!).some((f) => row.includes(f)),
        `${k.id} actual in ${row}`,
      ).toBe(true);
      expect(row, k.id).toContain(k.met ? '<td class="good">виконано</td>' : '<td class="bad">не виконано</td>');
    }
  });

  it('shows every village with its uptime, Ukrainian-formatted, and each provider against its SLA', () => {
    for (const v of report.villages) expect(rowOf(v.name), v.id).toContain(`<td class="r">${uk(v.uptime_pct!, 2)}%</td>`);
    // Known figures: Ясне was cut off 1 h + 12 h + 1 h 30 min (its only uplink); Зелене 30 min + 40 min observed
    // (the fibre and the LTE down together), the longest 40 min, 35 min on average.
    expect(rowOf('Ясне')).toContain('<td class="r">14 год 30 хв</td>');
    expect(rowOf('Зелене')).toContain('<td class="r">1 год 10 хв</td><td class="r">40 хв</td><td class="r">35 хв</td>');
    // Judged on the downtime it caused: met, its raw uptime beside it.
    const fibre = report.providers[0]!;
    expect(rowOf('Оптика')).toContain(
      `<td class="r">${uk(fibre.uptime_pct!, 2)}%</td><td class="r">${uk(fibre.sla_uptime_pct!, 2)}%</td><td class="r">99,90%</td><td class="good">виконано</td>`,
    );
    expect(rowOf('Мобільний')).toContain('<td class="good">виконано</td>');
    expect(html).toContain(
      'Провайдеру не зараховано: «планові роботи», «відключення світла», «планове відключення за графіком», «відрізано вищим вузлом»',
    );
    expect(uk(1234.5, 1)).toBe('1\u00a0234,5');
  });

  it('has the section on power outages: hours per village, the share due to power, the UPS, the points and what they lack', () => {
    const section = html.slice(html.indexOf('<section id="power" class="break">'), html.indexOf('<section id="months"'));
    expect(section).toContain('<h2>Вплив відключень електроенергії</h2>');
    const row = (text: string) => section.split('<tr>').find((r) => r.includes(`<td>${text}</td>`)) ?? '';
    // Зелене: 7 h 40 min without power; offline 1 h 10 min, 30 min of it due to the power.
    expect(row('Зелене')).toContain(
      '<td class="r">3.1</td><td class="r">7 год 40 хв</td><td class="r">1 год 10 хв</td><td class="r">30 хв</td><td class="r">42,9%</td>',
    );
    expect(row('ДБЖ школи (zelene-ups)')).toContain(
      '<td class="r">2</td><td class="r bad">1</td><td class="r">1 год 22 хв</td><td class="r">2 год 10 хв</td>',
    );
    expect(row('zelene-school')).toContain('<td>ДБЖ</td><td>Starlink</td>');
    expect(row('zelene-school')).toContain('<td class="good">виконано</td>');
    expect(row('yasne-clinic')).toContain('<td class="bad">не вказано</td><td>оптика (xPON)</td>');
    expect(row('yasne-clinic')).toContain('<td class="bad">бракує резервного живлення</td>');
    expect(section).toContain('<p>Не відповідають вимогам: yasne-clinic (бракує резервного живлення).</p>');
    // The adjusted uptime is named and explained where it is shown.
    expect(html).toContain('«Без планових» — доступність без часу планових перерв («планове відключення за графіком», «планові роботи»)');
    expect(layoutText).toContain('Вплив відключень електроенергії');
    expect(pdfText(pdfFile, '-raw').replace(/\s+/g, ' ')).toContain('Не відповідають вимогам: yasne-clinic (бракує резервного живлення).');
  });

  it('draws the two monthly charts as inline SVG with a text alternative, and lists every query', () => {
    expect(html.match(/<svg [^>]*role="img"/g)).toHaveLength(2);
    expect(html).toContain('<title id="months-0-t">Доступність інтернету в селах за місяцями</title>');
    expect(html).toContain('<title id="months-1-t">Користувачі Free WiFi за місяцями</title>');
    expect(html).toContain(`січень ${YEAR} — ${uk(report.months[0]!.village_uptime_pct!, 2)}%`);
    for (const q of report.queries) expect(html).toContain(`<pre>${esc(q.influxql)}</pre>`);
    expect(html).toContain('дані відсутні');
  });

  it('loads nothing and runs nothing, and escapes what it shows', () => {
    expect(html).not.toMatch(/<script|https?:\/\/|\ssrc=|url\(|<link|@import|\son[a-z]+=/i);
    const hostile = reportHtml({ ...report, hromada: '<script>alert(1)</script> & "Ко"', summary: ['<img src=x onerror=alert(1)>'] });
    expect(hostile).not.toMatch(/<script|<img/);
    expect(hostile).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Ко&quot;');
  });

  it('makes an A4 PDF with embedded DejaVu fonts, metadata and page numbers', () => {
    const info = spawnSync('pdfinfo', [pdfFile], { encoding: 'utf8' }).stdout;
    expect(info).toMatch(/^Title:\s+Звіт про зв’язок громади: Тестова громада/m);
    expect(info).toMatch(/^Author:\s+Тестова громада$/m);
    expect(info).toMatch(/^Page size:\s+595\.28 x 841\.89 pts \(A4\)/m);
    const pages = Number(/^Pages:\s+(\d+)/m.exec(info)![1]);
    expect(pages).toBeGreaterThanOrEqual(4);
    expect(layoutText).toContain(`Сторінка 1 з ${pages}`);
    expect(layoutText).toContain(`Сторінка ${pages} з ${pages}`);
    const fonts = spawnSync('pdffonts', [pdfFile], { encoding: 'utf8' }).stdout;
    expect(fonts).toMatch(/DejaVuSans\s.*\byes\b/);
    expect(fonts).toMatch(/DejaVuSans-Bold\s.*\byes\b/);
  });

  it('has the same sections, KPIs, villages and figures in the PDF as on the page', () => {
    const at = TITLES.map((t) => layoutText.indexOf(t));
    expect(
      at.every((i) => i >= 0),
      JSON.stringify(at),
    ).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    // A KPI title may wrap inside its cell; the text in drawing order keeps each cell together.
    const raw = pdfText(pdfFile, '-raw').replace(/\s+/g, ' ');
    for (const k of report.kpis) {
      expect(raw, k.id).toContain(k.title);
      expect(
        figures(k, k.actual!).some((f) => raw.includes(f)),
        k.id,
      ).toBe(true);
    }
    expect(raw).toContain(report.summary[0]);
    for (const v of report.villages) {
      const line = layoutText.split('\n').find((l) => l.trimStart().startsWith(v.name)) ?? '';
      expect(line, v.id).toContain(`${uk(v.uptime_pct!, 2)}%`);
    }
    expect(layoutText.split('\n').find((l) => l.trimStart().startsWith('Ясне'))).toContain('14 год 30 хв');
    expect(layoutText).toContain('виконано');
    expect(layoutText).toContain('не виконано');
    expect(raw).toContain(report.queries[0]!.influxql.replace(/\s+/g, ' ').slice(0, 40));
  });

  it('refuses the PDF without the fonts, naming the Debian package', async () => {
    process.env.MEREZHA_FONT_DIR = join(dir, 'no-fonts');
    try {
      await expect(reportPdf(report)).rejects.toThrow(/install the Debian package fonts-dejavu-core/);
    } finally {
      delete process.env.MEREZHA_FONT_DIR;
    }
  });
});

/**
 * How long a year takes for 500 devices (100 villages: two uplinks, two
 * institutions and a Free WiFi point each): a year of 5-minute ping rollups
 * for every device and of client rollups for every access point, about 63
 * million points (test/support/report-year.ts, which the `report` bench
 * section writes too), which take five to ten minutes to write; so only with
 * MEREZHA_REPORT_BENCH=1. Printed, not asserted: `npm run bench -- --only
 * report` holds the report to its floor.
 */
describe.runIf(process.env.MEREZHA_REPORT_BENCH === '1')('the report for 500 devices over a year of rollups', () => {
  it('is timed', async () => {
    const database = 'report_bench';
    const { config, points, writeS } = await seedReportYear(influxd.url, database, { from: FROM, to: TO }, TZ);
    const started = performance.now();
    const r = await buildReport({
      query: influxQuery({ url: influxd.url, database }),
      config,
      inventory: buildInventory(config),
      range: { from: FROM, to: TO },
      now: Date.now(),
    });
    const reportS = (performance.now() - started) / 1000;
    console.log(
      `500 devices, ${points} rollup points over ${YEAR} (written in ${writeS.toFixed(0)} s): the report took ${reportS.toFixed(1)} s ` +
        `(${r.queries.length} queries; data monitored ${r.data_quality.monitored_pct?.toFixed(2)}%)`,
    );
    expect(r.devices).toHaveLength(500);
  }, 900_000);
});
