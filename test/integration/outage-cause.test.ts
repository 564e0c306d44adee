/**
 * The cause of outages through a real influxd: the monitor, driven with ping
 * and power samples as the collector hands them on (on a clock of the test's
 * own, a few hours back, so that every point lands within retention), writes
 * each outage with its `cause` and `cause_evidence`, and each step of a UPS's
 * battery as `event` points; the points are read back as the outages API and
 * the report read them. A restart in the middle of an outage keeps the
 * stored cause, and the UPS's own count of its time on battery re-judges it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.ts';
import type { Config } from '../../config/schema.ts';
import type { BlackoutSchedule } from '../../server/power/schedule.ts';
import { startMonitor, type Monitor } from '../../server/monitor.ts';
import { storedCause } from '../../server/state/history.ts';
import { influxQuery } from '../../storage/influx-query.ts';
import type { Point } from '../../storage/point.ts';
import { openInfluxWriter, type InfluxWriter } from '../../storage/writer.ts';
import { testConfig } from '../support/config.ts';
import { readPoints, startTestInfluxd, testWriterOptions, type TestInfluxd } from '../support/influxd.ts';
import { battery, mains, observation, pingSample, powerSample } from '../support/power.ts';

const DB = 'merezha_outage_cause';
const HOUR = 3_600_000;
/** A whole second, three hours ago. */
const T0 = Math.floor((Date.now() - 3 * HOUR) / 1000) * 1000;
const s = (seconds: number) => T0 + seconds * 1000;

const snmp = { credential: 'v2' };
const config: Config = testConfig({
  snmp_credentials: { v2: { version: '2c', community: 'public' } },
  providers: [{ id: 'ukrtelecom', name: 'Укртелеком' }],
  states: { recheck: false },
  villages: [
    {
      id: 'ivankivtsi',
      name: 'Іванківці',
      devices: [
        { id: 'iv-uplink', kind: 'uplink', provider: 'ukrtelecom', host: '127.0.80.1' },
        { id: 'iv-school', kind: 'institution', category: 'school', host: '127.0.80.2', parent: 'iv-uplink' },
        { id: 'iv-ups', kind: 'ups', vendor: 'ups-mib', host: '127.0.80.3', snmp },
      ],
    },
    {
      id: 'zarichne',
      name: 'Зарічне',
      power_group: '3.1',
      devices: [{ id: 'zr-uplink', kind: 'uplink', provider: 'ukrtelecom', host: '127.0.81.1' }],
    },
    {
      id: 'makarykha',
      name: 'Макариха',
      // In a slot too: after a restart the tracker has forgotten the UPS's mains, which must not make the outage a blackout.
      power_group: '3.1',
      devices: [
        { id: 'mk-uplink', kind: 'uplink', provider: 'ukrtelecom', host: '127.0.82.1' },
        { id: 'mk-ups', kind: 'ups', vendor: 'apc', host: '127.0.82.2', snmp },
      ],
    },
  ],
});
const schedule: BlackoutSchedule = { source: 'csv', slots: [{ group: '3.1', start: s(-1800), end: s(5400), kind: 'definite' }] };

let influxd: TestInfluxd;
let spoolDir: string;
let writer: InfluxWriter;
const clock = { now: s(-600) };
const monitors: Monitor[] = [];

async function start(): Promise<Monitor> {
  const monitor = await startMonitor({
    config,
    log: silentLogger(),
    store: writer,
    query: influxQuery({ url: influxd.url, database: DB }),
    recheck: false,
    channels: [],
    schedule: () => schedule,
    now: () => clock.now,
  });
  monitors.push(monitor);
  return monitor;
}

const feed = (monitor: Monitor, sample: Parameters<typeof observation>[0]) => {
  clock.now = Math.max(clock.now, sample.at);
  monitor.onObservation(observation(sample));
};
/** Two failed pings (down_after 2): the outage begins at `at`. */
const fall = (monitor: Monitor, device: string, at: number) => {
  feed(monitor, pingSample(device, at, false));
  feed(monitor, pingSample(device, at + 10_000, false));
};
const rise = (monitor: Monitor, device: string, at: number) => {
  feed(monitor, pingSample(device, at, true));
  feed(monitor, pingSample(device, at + 10_000, true));
};

async function stored(): Promise<void> {
  for (const m of monitors) await m.engine.flushed();
  await writer.flush();
}
const outageOf = async (device: string): Promise<Point | undefined> =>
  (await readPoints(influxd, DB, 'outage', `WHERE "device" = '${device}'`))[0];

beforeAll(async () => {
  [influxd, spoolDir] = await Promise.all([startTestInfluxd(), mkdtemp(join(tmpdir(), 'merezha-outage-cause-'))]);
  writer = await openInfluxWriter(testWriterOptions(influxd.url, DB, spoolDir));
}, 60_000);

afterAll(async () => {
  for (const m of monitors) await m.stop();
  await writer?.close();
  await influxd?.dispose();
  if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
});

describe('outages with their cause, in InfluxDB', () => {
  let monitor: Monitor;

  it('stores a UPS that went on battery and ran out as the cause of its uplink’s outage, with the battery events', async () => {
    monitor = await start();
    for (const d of ['iv-uplink', 'iv-school', 'iv-ups', 'zr-uplink', 'mk-uplink', 'mk-ups']) feed(monitor, pingSample(d, s(-60), true));
    feed(monitor, powerSample('iv-ups', s(-30), mains()));
    feed(monitor, powerSample('mk-ups', s(-30), mains()));

    feed(monitor, powerSample('iv-ups', s(0), battery(20, 30)));
    feed(monitor, powerSample('iv-ups', s(1800), battery(1820, 0, { battery_status: 'depleted' })));
    fall(monitor, 'iv-uplink', s(1805));
    await stored();
    const open = await outageOf('iv-uplink');
    expect(open!.fields).toMatchObject({ open: 1, cause: 'power' });
    expect(JSON.parse(String(open!.fields.cause_evidence))).toEqual({ supply: 'iv-ups', on_battery_at: s(-20), lost_at: s(1800) });

    feed(monitor, powerSample('iv-ups', s(3600), mains()));
    rise(monitor, 'iv-uplink', s(3610));
    await stored();
    const closed = await outageOf('iv-uplink');
    expect(closed).toEqual({
      measurement: 'outage',
      tags: { village: 'ivankivtsi', device: 'iv-uplink', kind: 'uplink', provider: 'ukrtelecom' },
      fields: {
        open: 0,
        end_ms: s(3610),
        duration_s: 1805,
        reason: 'no answer to ping (timeout)',
        unreachable: 'iv-school',
        cause: 'power',
        cause_evidence: JSON.stringify({ supply: 'iv-ups', on_battery_at: s(-20), lost_at: s(1800) }),
      },
      time: s(1805),
    });
    // As the outages API reads it back.
    const [row] = await influxd.query(`SELECT "cause", "cause_evidence" FROM "events"."outage" WHERE "device" = 'iv-uplink'`, DB);
    expect(storedCause(row!)).toEqual({ cause: 'power', evidence: { supply: 'iv-ups', on_battery_at: s(-20), lost_at: s(1800) } });

    const events = await readPoints(influxd, DB, 'event', `WHERE "device" = 'iv-ups'`);
    expect(events.map((p) => [p.tags.type, p.fields.value, p.time, p.tags.kind])).toEqual([
      ['on_battery', 30, s(-20), 'ups'],
      ['power_lost', 1820, s(1800), 'ups'],
      ['power_restored', 3620, s(3600), 'ups'],
    ]);
    expect(events.map((p) => p.fields.message)).toEqual([
      'on battery, about 30 min left',
      'power lost after 30 min on battery',
      'mains back after 1 h on battery',
    ]);
  });

  it('stores an outage inside its queue’s slot, with no UPS, as a scheduled blackout', async () => {
    fall(monitor, 'zr-uplink', s(3700));
    rise(monitor, 'zr-uplink', s(4000));
    await stored();
    const point = await outageOf('zr-uplink');
    expect(point!.fields).toMatchObject({ open: 0, cause: 'scheduled_blackout' });
    expect(JSON.parse(String(point!.fields.cause_evidence))).toEqual({ slot: { group: '3.1', start: s(-1800), end: s(5400) } });
  });

  it('keeps the stored cause of an outage open across a restart, and re-judges it from the UPS’s own count', async () => {
    // Makarykha's UPS read mains just before its uplink fell: provider, as far as anyone knows.
    feed(monitor, powerSample('mk-ups', s(4190), mains()));
    fall(monitor, 'mk-uplink', s(4200));
    await stored();
    expect((await outageOf('mk-uplink'))!.fields).toMatchObject({ open: 1, cause: 'provider' });

    await monitor.stop();
    monitors.splice(monitors.indexOf(monitor), 1);
    clock.now = s(4500);
    monitor = await start();
    expect(monitor.engine.view('mk-uplink')!.outage).toMatchObject({
      start: s(4200),
      cause: { cause: 'provider', evidence: { provider: 'ukrtelecom', supply: 'mk-ups', mains_ok: true } },
    });

    // The first poll after the restart: on battery for 310 s, i.e. since 10 s before the uplink fell.
    feed(monitor, powerSample('mk-ups', s(4500), battery(310, 20)));
    const power = { cause: 'power', evidence: { supply: 'mk-ups', on_battery_at: s(4190) } };
    expect(monitor.engine.view('mk-uplink')!.outage!.cause).toEqual(power);
    await stored();
    const reopened = await outageOf('mk-uplink');
    expect(reopened!.fields).toMatchObject({ open: 1, reason: 'no answer to ping (timeout)', cause: 'power' });
    expect(JSON.parse(String(reopened!.fields.cause_evidence))).toEqual(power.evidence);

    feed(monitor, powerSample('mk-ups', s(4800), mains()));
    rise(monitor, 'mk-uplink', s(4810));
    await stored();
    expect((await outageOf('mk-uplink'))!.fields).toMatchObject({ open: 0, end_ms: s(4810), cause: 'power' });
    // Going on battery before the restart was not told again after it; mains back was.
    const events = await readPoints(influxd, DB, 'event', `WHERE "device" = 'mk-ups'`);
    expect(events.map((p) => [p.tags.type, p.time])).toEqual([['power_restored', s(4800)]]);
  });
});
