/**
 * The dashboard's figures read from a real influxd: three days of known pings,
 * outages and transitions are written the way the collector and the state
 * engine write them, rolled up as the continuous queries would, and every
 * uptime, chart series, state period and outage the API serves is compared
 * with what those known inputs give by hand.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as api from '../../common/api.ts';
import { ROLLUP_MEASUREMENTS, rollupSelect } from '../../storage/influx-setup.ts';
import type { Point } from '../../storage/point.ts';
import { openInfluxWriter, type InfluxWriter } from '../../storage/writer.ts';
import { uptimeSetOf, windowsAt } from '../../server/live/availability.ts';
import { changePoints } from '../../server/state/history.ts';
import type { Change } from '../../server/state/types.ts';
import { influxQuery } from '../../storage/influx-query.ts';
import { ADMIN_PASSWORD, apiHarness, type ApiHarness } from '../support/api.ts';
import { startTestInfluxd, testWriterOptions, type TestInfluxd } from '../support/influxd.ts';

const DB = 'merezha_dashboard';
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const THIS_HOUR = Math.floor(Date.now() / HOUR) * HOUR;
/**
 * On an hour boundary, so that monitored time is whole 5-minute buckets and no chart bucket straddles an outage's edge;
 * recent, since InfluxDB drops raw points past their 30-day retention; and two hours into the Kyiv year, so that the
 * year's uptime holds both of Ясне's watched hours (in the year's first two hours, two hours earlier).
 */
const NOW = THIS_HOUR - 2 * HOUR < windowsAt(THIS_HOUR, 'Europe/Kyiv').year.from ? THIS_HOUR - 2 * HOUR : THIS_HOUR;
const START = NOW - 3 * DAY;

const OUTAGES: Record<string, { from: number; to: number | null }[]> = {
  'zelene-uplink': [{ from: NOW - 10 * HOUR, to: NOW - 8 * HOUR }],
  'zelene-backup': [{ from: NOW - 9 * HOUR, to: NOW - 5 * HOUR }],
  'zelene-school': [{ from: NOW - 2 * DAY, to: NOW - 2 * DAY + 30 * MIN }],
  'yasne-uplink': [{ from: NOW - HOUR, to: null }],
  // Kept open across a two-hour gap in the data (Merezha stopped meanwhile), still open.
  'zelene-wifi-office': [{ from: NOW - 7 * HOUR, to: null }],
  // Closed at the first answer after a two-hour gap; the point also hangs behind zelene-uplink.
  'zelene-wifi-park': [{ from: NOW - 2 * DAY - 4 * HOUR, to: NOW - 2 * DAY - 30 * MIN }],
};
/** No pings at all (Merezha was not running for these devices). */
const GAPS: Record<string, { from: number; to: number }[]> = {
  'zelene-wifi-office': [{ from: NOW - 6 * HOUR, to: NOW - 4 * HOUR }],
  // The second gap falls in zelene-uplink's outage: the parent's outage counts only where the child has data.
  'zelene-wifi-park': [
    { from: NOW - 2 * DAY - 3 * HOUR, to: NOW - 2 * DAY - HOUR },
    { from: NOW - 9 * HOUR, to: NOW - 8 * HOUR },
  ],
};
/** Pinged every minute from START, except Ясне's uplink: only in the last two hours; and none in the GAPS. */
const PINGED: Record<string, number> = {
  'zelene-uplink': START,
  'zelene-backup': START,
  'zelene-school': START,
  'yasne-uplink': NOW - 2 * HOUR,
  'zelene-wifi-office': START,
  'zelene-wifi-park': START,
};
const RTT = 7;

let influxd: TestInfluxd;
let writer: InfluxWriter;
let spool: string;
let h: ApiHarness;
let cookie: string;

const down = (id: string, t: number) => (OUTAGES[id] ?? []).some((o) => t >= o.from && t < (o.to ?? Infinity));

beforeAll(async () => {
  influxd = await startTestInfluxd();
  spool = await mkdtemp(join(tmpdir(), 'merezha-dash-spool-'));
  writer = await openInfluxWriter(testWriterOptions(influxd.url, DB, spool));
  const query = influxQuery({ url: influxd.url, database: DB });
  h = await apiHarness({ query, now: NOW });
  const inventory = h.monitor.inventory;

  const points: Point[] = [];
  for (const [id, from] of Object.entries(PINGED)) {
    const tags = inventory.subjects.get(id)!.tags;
    for (let t = from; t < NOW; t += MIN) {
      if ((GAPS[id] ?? []).some((g) => t >= g.from && t < g.to)) continue;
      const up = !down(id, t);
      points.push({
        measurement: 'ping',
        tags,
        fields: up
          ? { reachable: 1, loss_pct: 0, rtt_min_ms: RTT, rtt_avg_ms: RTT, rtt_max_ms: RTT, sent: 3 }
          : { reachable: 0, loss_pct: 100, sent: 3 },
        time: t,
      });
    }
  }
  const changes: Change[] = [{ type: 'transition', subject: 'zelene-uplink', from: 'unknown', to: 'up', at: START, reason: 'answers' }];
  for (const [id, list] of Object.entries(OUTAGES)) {
    for (const o of list) {
      changes.push({ type: 'outage_start', subject: id, start: o.from, reason: 'no answer to ping', unreachable: [] });
      if (o.to !== null) changes.push({ type: 'outage_end', subject: id, start: o.from, end: o.to, reason: 'answers', unreachable: [] });
    }
  }
  changes.push(
    { type: 'transition', subject: 'zelene-uplink', from: 'up', to: 'down', at: NOW - 10 * HOUR, reason: 'no answer to ping' },
    { type: 'transition', subject: 'zelene-uplink', from: 'down', to: 'up', at: NOW - 8 * HOUR, reason: 'answers' },
  );
  for (const c of changes) points.push(...changePoints(c, inventory));
  writer.write(points);
  await writer.flush();
  for (const m of ROLLUP_MEASUREMENTS) await influxd.query(rollupSelect(m, DB, { fromMs: START - DAY, toMs: NOW }), DB);
  await h.dashboard.availability.refresh();
  cookie = (await h.signIn('admin', ADMIN_PASSWORD)).cookie;
}, 120_000);

afterAll(async () => {
  await h?.close();
  await writer?.close();
  await influxd?.dispose();
  if (spool) await rm(spool, { recursive: true, force: true });
});

async function get<T>(url: string, schema: { parse(v: unknown): T }): Promise<T> {
  const res = await h.request({ method: 'GET', url, headers: { cookie } });
  expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
  return schema.parse(res.json());
}

const pct = (monitored: number, downtime: number) => ((monitored - downtime) / monitored) * 100;

describe('uptime', () => {
  it('of devices: own outages and those of the parent, over the monitored time only', async () => {
    const { devices } = await get('/api/devices', api.devicesResponse);
    expect(devices.length).toBeGreaterThan(0);
    const set = (id: string) => uptimeSetOf(h.dashboard.availability.subject(id)) as Record<string, number>;
    expect(set('zelene-uplink')['24h']).toBeCloseTo(pct(DAY, 2 * HOUR), 9);
    expect(set('zelene-uplink')['7d']).toBeCloseTo(pct(3 * DAY, 2 * HOUR), 9);
    // The school has its own half hour two days ago and the uplink's two hours.
    expect(set('zelene-school')['24h']).toBeCloseTo(pct(DAY, 2 * HOUR), 9);
    expect(set('zelene-school')['7d']).toBeCloseTo(pct(3 * DAY, 2.5 * HOUR), 9);
    // Ясне was watched for two hours and has been down for the last one.
    expect(set('yasne-uplink')['24h']).toBeCloseTo(50, 9);
    expect(set('yasne-uplink').year).toBeCloseTo(50, 9);
  });

  it('counts an outage kept open across a gap in the data only where there was data', () => {
    const set = (id: string) => uptimeSetOf(h.dashboard.availability.subject(id)) as Record<string, number>;
    // Down from -7 h until now, no data from -6 h to -4 h: 1 h + 4 h observed, out of a day less the 2 h gap.
    expect(set('zelene-wifi-office')['24h']).toBeCloseTo(pct(DAY - 2 * HOUR, 5 * HOUR), 9);
    expect(set('zelene-wifi-office')['7d']).toBeCloseTo(pct(3 * DAY - 2 * HOUR, 5 * HOUR), 9);
    // The park's own outage (-2 d -4 h to -2 d -30 min) had no data from -2 d -3 h to -2 d -1 h: 1 h + 30 min observed.
    // The uplink's outage (-10 h to -8 h) reached it while it had data from -10 h to -9 h only: 1 h.
    expect(set('zelene-wifi-park')['24h']).toBeCloseTo(pct(DAY - HOUR, HOUR), 9);
    expect(set('zelene-wifi-park')['7d']).toBeCloseTo(pct(3 * DAY - 3 * HOUR, 2.5 * HOUR), 9);
  });

  it('of villages: down only while every uplink is', async () => {
    const { villages, total } = await get('/api/villages', api.villagesResponse);
    const zelene = villages.find((v) => v.id === 'zelene')!;
    // Both uplinks were down together from -9 h to -8 h.
    expect(zelene.uptime['24h']).toBeCloseTo(pct(DAY, HOUR), 9);
    expect(zelene.uptime['7d']).toBeCloseTo(pct(3 * DAY, HOUR), 9);
    expect(villages.find((v) => v.id === 'yasne')!.uptime['24h']).toBeCloseTo(50, 9);
    // Institutions pooled: the school's figures (the library was never monitored).
    expect(total.institutions.uptime['7d']).toBeCloseTo(pct(3 * DAY, 2.5 * HOUR), 9);
    expect(zelene.coverage.institutions.uptime['24h']).toBeCloseTo(pct(DAY, 2 * HOUR), 9);
  });
});

describe('history', () => {
  it('serves a day from raw points in 2-minute steps, with the outage as a gap', async () => {
    const r = await get('/api/devices/zelene-uplink/history?range=24h', api.historyResponse);
    const to = Math.ceil(NOW / (2 * MIN)) * 2 * MIN;
    expect(r).toMatchObject({ source: 'raw', step_s: 120, from: to - DAY, to });
    expect(r.series.time).toHaveLength(720);
    const during = r.series.time.map((t, i) => [t, r.series.rtt_ms[i], r.series.loss_pct[i]] as const);
    for (const [t, rtt, loss] of during) {
      if (down('zelene-uplink', t)) expect([rtt, loss], new Date(t).toISOString()).toEqual([null, 100]);
      else expect([rtt, loss], new Date(t).toISOString()).toEqual([RTT, 0]);
    }
    expect(r.series.clients.every((c) => c === null)).toBe(true);
    expect(r.states).toEqual([
      { state: 'up', from: to - DAY, to: NOW - 10 * HOUR, reason: 'answers' },
      { state: 'down', from: NOW - 10 * HOUR, to: NOW - 8 * HOUR, reason: 'no answer to ping' },
      { state: 'up', from: NOW - 8 * HOUR, to: null, reason: 'answers' },
    ]);
    expect(r.uptime['24h']).toBeCloseTo(pct(DAY, 2 * HOUR), 9);
  });

  it('serves a week from the rollups', async () => {
    const r = await get('/api/devices/zelene-uplink/history?range=7d', api.historyResponse);
    expect(r).toMatchObject({ source: 'rollup', step_s: 900 });
    const withData = r.series.time.filter((t, i) => r.series.loss_pct[i] !== null);
    const step = 15 * MIN;
    const first = Math.floor(START / step) * step;
    expect(withData[0]).toBe(first);
    expect(withData).toHaveLength(Math.ceil((NOW - first) / step));
    const lossDuring = r.series.time.flatMap((t, i) => (t >= NOW - 10 * HOUR && t < NOW - 8 * HOUR ? [r.series.loss_pct[i]] : []));
    expect(lossDuring).toEqual(Array(8).fill(100));
  });
});

describe('outages', () => {
  it('lists outages newest first, with filters', async () => {
    const all = (await get('/api/outages', api.outagesResponse)).outages;
    expect(all.map((o) => [o.subject, o.start, o.end])).toEqual([
      ['yasne-uplink', NOW - HOUR, null],
      ['zelene-wifi-office', NOW - 7 * HOUR, null],
      ['zelene-backup', NOW - 9 * HOUR, NOW - 5 * HOUR],
      ['zelene-uplink', NOW - 10 * HOUR, NOW - 8 * HOUR],
      ['zelene-school', NOW - 2 * DAY, NOW - 2 * DAY + 30 * MIN],
      ['zelene-wifi-park', NOW - 2 * DAY - 4 * HOUR, NOW - 2 * DAY - 30 * MIN],
    ]);
    expect(all[0]).toMatchObject({ name: 'Ясне, радіоміст', village: 'yasne', kind: 'uplink', duration_s: 3600 });
    const open = (await get('/api/outages?open=true', api.outagesResponse)).outages;
    expect(open.map((o) => o.subject)).toEqual(['yasne-uplink', 'zelene-wifi-office']);
    const village = (await get('/api/outages?village=zelene&device=zelene-school,yasne-uplink', api.outagesResponse)).outages;
    expect(village.map((o) => o.subject)).toEqual(['zelene-school']);
    const recent = (await get(`/api/outages?from=${NOW - 6 * HOUR}`, api.outagesResponse)).outages;
    expect(recent.map((o) => o.subject)).toEqual(['yasne-uplink', 'zelene-wifi-office', 'zelene-backup']);
  });
});
