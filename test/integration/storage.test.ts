/**
 * The storage layer against a real influxd: setup (database, retention
 * policies, continuous queries), writing and reading back every measurement
 * with the right field types, events in their own policy, refused points,
 * and the rollup recomputation. The write/read-back scenarios also run over
 * the memory sink, so that both PointSinks behave the same.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.ts';
import { createInfluxClient } from '../../storage/influx-client.ts';
import {
  continuousQueryName,
  continuousQueryStatement,
  recomputeRollups,
  ROLLUP_MEASUREMENTS,
  ROLLUP_MS,
  retentionPolicyOf,
  rollupSelect,
  setupInflux,
} from '../../storage/influx-setup.ts';
import { MEASUREMENTS, type MeasurementName } from '../../storage/measurements.ts';
import { MemorySink } from '../support/memory-sink.ts';
import type { Point, PointSink } from '../../storage/point.ts';
import { openInfluxWriter, type InfluxWriter } from '../../storage/writer.ts';
import { startManagedInfluxd, type ManagedInfluxd } from '../../storage/managed-influxd.ts';
import { answersPing, readPoints, sortPoints, startTestInfluxd, testWriterOptions, waitFor, type TestInfluxd } from '../support/influxd.ts';
import { freeTcpPort } from '../support/ports.ts';

const DAY_MS = 86_400_000;
const RETENTION = { rawMs: 30 * DAY_MS, rollupMs: 730 * DAY_MS };
/** Whole 5-minute buckets, an hour ago: in the past, so no continuous query touches them. */
const PAST_MS = Math.floor((Date.now() - 3_600_000) / ROLLUP_MS) * ROLLUP_MS;

/** One point of every measurement, every field set, with names that need escaping. */
function samples(time: number): Record<MeasurementName, Point> {
  const device = { village: 'Нове Село', device: 'ap 1,a=b', kind: 'wifi_ap', provider: 'Укртелеком', category: 'school' };
  return {
    ping: {
      measurement: 'ping',
      tags: device,
      fields: { reachable: 1, loss_pct: 33.3, rtt_min_ms: 0.25, rtt_avg_ms: 1.5, rtt_max_ms: 4.75, sent: 3 },
      time,
    },
    snmp: { measurement: 'snmp', tags: device, fields: { ok: 1, sys_uptime_s: 86_400.5, response_ms: 12.25 }, time },
    interface: {
      measurement: 'interface',
      tags: { ...device, interface: 'ether1 "uplink"' },
      fields: {
        oper_up: 1,
        speed_mbps: 1000,
        in_bps: 1.5e6,
        out_bps: 2.25e5,
        in_errors: 7,
        out_errors: 0,
        in_discards: 2,
        out_discards: 9_007_199_254_740_991,
      },
      time,
    },
    wifi: { measurement: 'wifi', tags: { ...device, vendor: 'mikrotik' }, fields: { clients: 17, radios_up: 2 }, time },
    power: {
      measurement: 'power',
      tags: { ...device, vendor: 'apc' },
      fields: {
        ok: 1,
        source: 'battery',
        on_battery: 1,
        seconds_on_battery: 754,
        battery_pct: 87.5,
        minutes_left: 23,
        input_voltage: 0,
        battery_status: 'normal',
      },
      time,
    },
    service: {
      measurement: 'service',
      tags: { village: 'Нове Село', service: 'site', type: 'https' },
      fields: { up: 1, latency_ms: 250.5, status_code: 200, tls_days_left: 42.5 },
      time,
    },
    event: {
      measurement: 'event',
      tags: { village: 'Нове Село', device: 'ap 1,a=b', type: 'reboot' },
      fields: { message: 'Rebooted: "uptime" went 5 → 1,\nagain', value: 1, previous: 86_400.5 },
      time,
    },
    transition: {
      measurement: 'transition',
      tags: device,
      fields: { from: 'up', to: 'unreachable', reason: 'cut off: "uplink" is down', cause: 'uplink' },
      time,
    },
    outage: {
      measurement: 'outage',
      tags: device,
      fields: {
        open: 0,
        end_ms: time + 90_000,
        duration_s: 90,
        reason: 'no answer to ping',
        unreachable: 'school,park wifi',
        cause: 'power',
        cause_evidence: '{"supply":"school ups","lost_at":1}',
      },
      time,
    },
    outage_note: {
      measurement: 'outage_note',
      tags: device,
      fields: { start_ms: time, cause: 'provider', note: 'Укртелеком: "обрив" кабелю, акт №7', by: 'admin', at_ms: time + 1 },
      time,
    },
    blackout: {
      measurement: 'blackout',
      tags: { group: '3.1' },
      fields: { end_ms: time + 4 * 3_600_000, certainty: 'definite', source: 'dtek-krem.json' },
      time,
    },
    backfill: {
      measurement: 'backfill',
      tags: device,
      fields: { from_ms: time - 86_400_000, to_ms: time, source: 'outages "2025", старий.csv' },
      time: time - 86_400_000,
    },
    alert: {
      measurement: 'alert',
      tags: { village: 'Нове Село', device: 'ap 1,a=b', event: 'down' },
      fields: {
        id: '0123456789abcdef',
        action: 'open',
        key: `down:ap 1,a=b:${time}`,
        channels: 'hook,tg',
        state: 'down',
        title: 'Немає зв’язку: «ap 1»',
        message: 'Немає зв’язку.\nСело: Нове Село.',
        data: '{"id":"0123456789abcdef","unreachable":["a","b"]}',
      },
      time,
    },
    delivery: {
      measurement: 'delivery',
      tags: { channel: 'tg', event: 'down' },
      fields: { alert_id: '0123456789abcdef', attempt: 2, ok: 0, final: 0, error: 'Telegram answered HTTP 502', delay_ms: 1234.5 },
      time,
    },
  };
}

const MEASUREMENT_NAMES = Object.keys(MEASUREMENTS) as MeasurementName[];

interface Harness {
  sink: PointSink & { flush(): Promise<void> };
  readBack(measurement: MeasurementName): Promise<Point[]>;
  rejected(): number;
  dispose(): Promise<void>;
}

let influxd: TestInfluxd;
let databases = 0;
const nextDatabase = () => `merezha_${++databases}`;

async function openTestWriter(database: string, spoolDir: string): Promise<InfluxWriter> {
  return openInfluxWriter(testWriterOptions(influxd.url, database, spoolDir));
}

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'merezha-storage-'));
}

const implementations: Array<[string, () => Promise<Harness>]> = [
  [
    'memory sink',
    async () => {
      const sink = new MemorySink();
      return {
        sink,
        readBack: async (measurement) => sortPoints(sink.pointsOf(measurement)),
        rejected: () => sink.rejected.length,
        dispose: () => sink.close(),
      };
    },
  ],
  [
    'InfluxDB writer',
    async () => {
      const database = nextDatabase();
      const spoolDir = await tempDir();
      const writer = await openTestWriter(database, spoolDir);
      return {
        sink: writer,
        readBack: (measurement) => readPoints(influxd, database, measurement),
        rejected: () => writer.stats().rejected,
        async dispose() {
          await writer.close();
          await rm(spoolDir, { recursive: true, force: true });
        },
      };
    },
  ],
];

beforeAll(async () => {
  influxd = await startTestInfluxd();
});

afterAll(async () => {
  await influxd?.dispose();
});

describe('setup', () => {
  const influx = () => createInfluxClient({ url: influxd.url, database: 'merezha_setup' });

  it('creates the database, the retention policies and one continuous query per rolled-up measurement', async () => {
    await setupInflux(influx(), { database: 'merezha_setup', retention: RETENTION, log: silentLogger() });

    expect((await influxd.query('SHOW DATABASES')).map((r) => r.name)).toContain('merezha_setup');
    const policies = await influxd.query('SHOW RETENTION POLICIES ON "merezha_setup"');
    expect(policies).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'raw', duration: '720h0m0s', default: true }),
        expect.objectContaining({ name: 'rollup_5m', duration: '17520h0m0s', default: false }),
        expect.objectContaining({ name: 'events', duration: '17520h0m0s', default: false }),
      ]),
    );

    const cqs = (await influxd.query('SHOW CONTINUOUS QUERIES')).filter((r) => String(r.query).includes(' ON merezha_setup '));
    expect(cqs.map((r) => r.name).sort()).toEqual(ROLLUP_MEASUREMENTS.map(continuousQueryName).sort());
    expect(ROLLUP_MEASUREMENTS).not.toContain('event');
    const ping = cqs.find((r) => r.name === 'merezha_rollup_ping')!;
    expect(String(ping.query)).toBe(continuousQueryStatement('ping', 'merezha_setup').replace(/"/g, ''));
    expect(String(ping.query)).toContain(
      'SELECT mean(reachable) AS reachable, count(reachable) AS samples, mean(loss_pct) AS loss_pct, min(rtt_min_ms) AS rtt_min_ms,' +
        ' mean(rtt_avg_ms) AS rtt_avg_ms, max(rtt_max_ms) AS rtt_max_ms INTO merezha_setup.rollup_5m.ping FROM merezha_setup.raw.ping GROUP BY time(5m), *',
    );
  });

  it('is idempotent, and repairs a changed retention policy or continuous query', async () => {
    const messages: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => messages.push(JSON.parse(line).msg) });
    const options = { database: 'merezha_setup', retention: RETENTION, log };
    await setupInflux(influx(), options);
    messages.length = 0;

    await setupInflux(influx(), options);
    expect(messages).toEqual([]);

    await influxd.query('ALTER RETENTION POLICY "raw" ON "merezha_setup" DURATION 1000h');
    await influxd.query('DROP CONTINUOUS QUERY "merezha_rollup_wifi" ON "merezha_setup"');
    await influxd.query(
      'CREATE CONTINUOUS QUERY "merezha_rollup_wifi" ON "merezha_setup" BEGIN SELECT max(clients) AS clients INTO "merezha_setup"."rollup_5m"."wifi" FROM "merezha_setup"."raw"."wifi" GROUP BY time(5m), * END',
    );
    await influxd.query(
      'CREATE CONTINUOUS QUERY "merezha_rollup_gone" ON "merezha_setup" BEGIN SELECT max(x) AS x INTO "merezha_setup"."rollup_5m"."gone" FROM "merezha_setup"."raw"."gone" GROUP BY time(5m), * END',
    );
    await setupInflux(influx(), options);

    expect(messages.sort()).toEqual([
      'changed retention policy',
      'continuous query changed; recreated it',
      'dropped continuous query of a measurement without rollup',
    ]);
    const raw = (await influxd.query('SHOW RETENTION POLICIES ON "merezha_setup"')).find((r) => r.name === 'raw');
    expect(raw).toMatchObject({ duration: '720h0m0s', default: true });
    const wifi = (await influxd.query('SHOW CONTINUOUS QUERIES')).find(
      (r) => r.name === 'merezha_rollup_wifi' && String(r.query).includes('merezha_setup'),
    );
    expect(String(wifi?.query)).toBe(continuousQueryStatement('wifi', 'merezha_setup').replace(/"/g, ''));
  });

  it('refuses retention shorter than the minimum', async () => {
    await expect(
      setupInflux(influx(), { database: 'merezha_setup', retention: { rawMs: DAY_MS, rollupMs: RETENTION.rollupMs }, log: silentLogger() }),
    ).rejects.toThrow(/at least 30 days/);
  });

  it('widens a rollup range to whole 5-minute buckets', () => {
    const select = rollupSelect('wifi', 'db', { fromMs: PAST_MS + 61_000, toMs: PAST_MS + ROLLUP_MS + 1_000 });
    expect(select).toContain(
      `WHERE time >= '${new Date(PAST_MS).toISOString()}' AND time < '${new Date(PAST_MS + 2 * ROLLUP_MS).toISOString()}'`,
    );
    // A point exactly on a bucket boundary belongs to the bucket it starts.
    const edge = rollupSelect('wifi', 'db', { fromMs: PAST_MS, toMs: PAST_MS + ROLLUP_MS });
    expect(edge).toContain(`time < '${new Date(PAST_MS + 2 * ROLLUP_MS).toISOString()}'`);
  });
});

describe.each(implementations)('write and read back over the %s', (_name, create) => {
  let harness: Harness;

  beforeEach(async () => {
    harness = await create();
  });

  afterEach(async () => {
    await harness?.dispose();
  });

  it('stores every measurement, value by value', async () => {
    const points = samples(PAST_MS + 1_000);
    harness.sink.write(Object.values(points));
    await harness.sink.flush();

    for (const measurement of MEASUREMENT_NAMES) {
      expect(await harness.readBack(measurement), measurement).toEqual([points[measurement]]);
    }
    expect(harness.rejected()).toBe(0);
  });

  it('keeps many points of a series apart by time', async () => {
    const points = Array.from({ length: 250 }, (_, i): Point => ({
      measurement: 'wifi',
      tags: { device: `ap${i % 5}`, vendor: 'unifi' },
      fields: { clients: i, radios_up: i % 3 },
      time: PAST_MS + i * 1_000,
    }));
    for (let i = 0; i < points.length; i += 50) harness.sink.write(points.slice(i, i + 50));
    await harness.sink.flush();

    expect(await harness.readBack('wifi')).toEqual(sortPoints(points));
  });

  it('refuses points that break the schema and keeps the rest of the batch', async () => {
    const good = samples(PAST_MS + 2_000).ping;
    const bad: Point[] = [
      { ...good, fields: { reachable: 0.5 } },
      { ...good, fields: { loss_pct: Number.NaN } },
      { ...good, fields: { jitter_ms: 1 } },
      { ...good, fields: {} },
      { ...good, tags: { hostname: 'x' } },
      { ...good, measurement: 'cpu' },
      { ...good, time: 1.5 },
    ];
    harness.sink.write([...bad, good]);
    await harness.sink.flush();

    expect(harness.rejected()).toBe(bad.length);
    expect(await harness.readBack('ping')).toEqual([good]);
  });

  it('leaves out empty tag values, which InfluxDB cannot store', async () => {
    const point: Point = {
      measurement: 'snmp',
      tags: { village: 'v', device: 'd', provider: '' },
      fields: { ok: 0 },
      time: PAST_MS + 3_000,
    };
    harness.sink.write([point]);
    await harness.sink.flush();

    expect(await harness.readBack('snmp')).toEqual([{ ...point, tags: { village: 'v', device: 'd' } }]);
  });
});

describe('InfluxDB writer specifics', () => {
  let spoolDir: string;
  let writer: InfluxWriter | undefined;

  beforeEach(async () => {
    spoolDir = await tempDir();
  });

  afterEach(async () => {
    await writer?.close();
    writer = undefined;
    await rm(spoolDir, { recursive: true, force: true });
  });

  it('sends integer fields as integers, and InfluxDB types every field as the schema says', async () => {
    const database = nextDatabase();
    const points = samples(PAST_MS + 4_000);
    const wire = createInfluxClient({ url: influxd.url, database }).parsePoint(points.ping, { precision: 'ms' });
    expect(Object.fromEntries(wire.fieldsPairs)).toMatchObject({ reachable: '1i', sent: '3i', loss_pct: '33.3' });

    writer = await openTestWriter(database, spoolDir);
    writer.write(Object.values(points));
    await writer.flush();

    for (const measurement of MEASUREMENT_NAMES) {
      const keys = await influxd.query(`SHOW FIELD KEYS FROM "${database}"."${retentionPolicyOf(measurement)}"."${measurement}"`, database);
      const expected = Object.fromEntries(Object.entries(MEASUREMENTS[measurement].fields).map(([name, spec]) => [name, spec.type]));
      expect(Object.fromEntries(keys.map((k) => [k.fieldKey, k.fieldType])), measurement).toEqual(expected);
    }
  });

  it('writes events to the events policy and everything else to raw', async () => {
    const database = nextDatabase();
    writer = await openTestWriter(database, spoolDir);
    const points = samples(PAST_MS + 5_000);
    writer.write([points.event, points.ping]);
    await writer.flush();

    const count = async (policy: string, measurement: string) =>
      (await influxd.query(`SELECT count(*) FROM "${database}"."${policy}"."${measurement}"`, database)).length;
    expect(await count('events', 'event')).toBe(1);
    expect(await count('raw', 'event')).toBe(0);
    expect(await count('raw', 'ping')).toBe(1);
    expect(await count('events', 'ping')).toBe(0);
  });

  it.each([
    { name: 'in one batch', batchSize: undefined },
    // Batches of 3: the second batch on is encoded while the one before it is being written.
    { name: 'in batches encoded ahead of their turn', batchSize: 3 },
  ])('keeps points InfluxDB refuses (field type conflict) in a rejected file and writes the rest, $name', async ({ batchSize }) => {
    const database = nextDatabase();
    writer = await openInfluxWriter(testWriterOptions(influxd.url, database, spoolDir, batchSize ? { batchSize } : {}));
    await writer.flush(); // setup is done once the first flush resolves
    // An older writer stored `clients` as a float in this shard.
    const conflict = await fetch(`${influxd.url}/write?db=${database}&rp=raw&precision=ms`, {
      method: 'POST',
      body: `wifi,device=old clients=1.5 ${PAST_MS}`,
    });
    expect(conflict.status).toBe(204);

    const wifi = Array.from({ length: 4 }, (_, i): Point => ({
      measurement: 'wifi',
      tags: { device: `ap${i}` },
      fields: { clients: i },
      time: PAST_MS + i,
    }));
    const ping = Array.from({ length: 6 }, (_, i): Point => ({
      measurement: 'ping',
      tags: { device: `d${i}` },
      fields: { reachable: 1 },
      time: PAST_MS + i,
    }));
    writer.write([ping[0]!, ...wifi, ...ping.slice(1)]);
    await writer.flush();

    expect(writer.stats()).toMatchObject({ written: 6, rejected: 4, spooled: 0, influxUp: true, pending: 0 });
    expect(await readPoints(influxd, database, 'ping')).toEqual(sortPoints(ping));
    const files = (await readdir(spoolDir)).filter((f) => f.startsWith('rejected-'));
    expect(files).toHaveLength(1);
    const kept = (await readFile(join(spoolDir, files[0]!), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(sortPoints(kept.map((k) => k.point))).toEqual(sortPoints(wifi));
    expect(kept[0].reason).toMatch(/field type conflict/);
  });

  it('recomputes the 5-minute rollup of points written in the past', async () => {
    const database = nextDatabase();
    writer = await openTestWriter(database, spoolDir);
    // Three buckets, two devices, a point every 30 s; values that make each aggregate distinct.
    const points: Point[] = [];
    for (let i = 0; i < 30; i += 1) {
      for (const device of ['a', 'b']) {
        const time = PAST_MS + i * 30_000;
        const k = i + (device === 'b' ? 100 : 0);
        points.push({
          measurement: 'ping',
          tags: { device },
          fields: { reachable: i % 3 === 0 ? 0 : 1, loss_pct: k, rtt_min_ms: k, rtt_max_ms: k },
          time,
        });
        points.push({
          measurement: 'interface',
          tags: { device, interface: 'eth0' },
          fields: { in_errors: k, speed_mbps: k, in_bps: k },
          time,
        });
      }
    }
    writer.write(points);
    await writer.flush();

    // A range inside the first and last bucket still rolls up all three whole buckets.
    const influx = createInfluxClient({ url: influxd.url, database });
    expect(await recomputeRollups(influx, database, PAST_MS + 45_000, PAST_MS + 2 * ROLLUP_MS + 10_000)).toBeGreaterThan(0);

    const pingRollup = await influxd.query(`SELECT * FROM "${database}"."rollup_5m"."ping" GROUP BY device`, database);
    const ifRollup = await influxd.query(`SELECT * FROM "${database}"."rollup_5m"."interface" GROUP BY device`, database);
    expect(pingRollup).toHaveLength(6);
    for (const device of ['a', 'b']) {
      for (let bucket = 0; bucket < 3; bucket += 1) {
        const inBucket = points.filter((p) => p.tags.device === device && Math.floor((p.time - PAST_MS) / ROLLUP_MS) === bucket);
        const values = (measurement: string, field: string) =>
          inBucket.filter((p) => p.measurement === measurement).map((p) => p.fields[field] as number);
        const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
        const time = PAST_MS + bucket * ROLLUP_MS;
        expect(pingRollup.find((r) => r.device === device && r.time === time)).toEqual({
          device,
          time,
          samples: 10,
          reachable: expect.closeTo(mean(values('ping', 'reachable')), 9),
          loss_pct: expect.closeTo(mean(values('ping', 'loss_pct')), 9),
          rtt_min_ms: Math.min(...values('ping', 'rtt_min_ms')),
          rtt_max_ms: Math.max(...values('ping', 'rtt_max_ms')),
        });
        expect(ifRollup.find((r) => r.device === device && r.time === time)).toMatchObject({
          in_errors: values('interface', 'in_errors').reduce((a, b) => a + b, 0),
          speed_mbps: values('interface', 'speed_mbps').at(-1),
          in_bps: expect.closeTo(mean(values('interface', 'in_bps')), 9),
          in_bps_max: Math.max(...values('interface', 'in_bps')),
        });
      }
    }
  });
});

describe('managed influxd', () => {
  it('says how to install influxd when it is missing', async () => {
    const dir = await tempDir();
    try {
      await expect(startManagedInfluxd({ dir, log: silentLogger(), binary: 'influxd-is-not-installed' })).rejects.toThrow(
        /Install the Debian package influxdb/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('takes another port when one is busy, restarts influxd after a crash, and reuses its ports on the next start', async () => {
    const dir = await tempDir();
    const busy = createServer();
    await new Promise<void>((done) => busy.listen(0, '127.0.0.1', done));
    const busyPort = (busy.address() as { port: number }).port;
    const rpcPort = await freeTcpPort();
    const records: Array<{ msg: string }> = [];
    const log = pino({ level: 'info' }, { write: (line: string) => records.push(JSON.parse(line)) });
    let managed: ManagedInfluxd | undefined;
    try {
      managed = await startManagedInfluxd({ dir, httpPort: busyPort, rpcPort, log });
      const { httpPort } = managed;
      expect(httpPort).not.toBe(busyPort);
      expect(managed.rpcPort).toBe(rpcPort);
      expect(records.map((r) => r.msg)).toContain(`influxd http port ${busyPort} is busy; using ${httpPort}`);
      const config = await readFile(join(dir, 'influxdb.conf'), 'utf8');
      expect(config).toContain('reporting-disabled = true');
      expect(config.match(/bind-address = "([^"]+)"/g)).toEqual([
        `bind-address = "127.0.0.1:${rpcPort}"`,
        `bind-address = "127.0.0.1:${httpPort}"`,
      ]);

      const pidFile = join(dir, 'influxd.pid');
      const crashed = Number(await readFile(pidFile, 'utf8'));
      process.kill(crashed, 'SIGKILL');
      await waitFor(
        'influxd to be restarted',
        async () => Number(await readFile(pidFile, 'utf8')) !== crashed && (await answersPing(managed!.url)),
      );
      expect(records.map((r) => r.msg)).toContain('influxd exited unexpectedly; restarting it');

      await managed.stop();
      expect(await answersPing(managed.url)).toBe(false);
      await expect(readFile(pidFile)).rejects.toThrow(/ENOENT/);

      managed = await startManagedInfluxd({ dir, log });
      expect([managed.httpPort, managed.rpcPort]).toEqual([httpPort, rpcPort]);
      expect(await answersPing(managed.url)).toBe(true);
    } finally {
      await managed?.stop();
      busy.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('chooses its ports again when one is taken between choosing it and influxd binding it', async () => {
    const dir = await tempDir();
    const [httpPort, rpcPort] = [await freeTcpPort(), await freeTcpPort()];
    const thief = createServer();
    const records: Array<{ msg: string }> = [];
    const log = pino({ level: 'info' }, { write: (line: string) => records.push(JSON.parse(line)) });
    let managed: ManagedInfluxd | undefined;
    try {
      const starting = startManagedInfluxd({ dir, httpPort, rpcPort, log, auth: false });
      // The ports are written down as they are chosen; influxd binds them a few hundred ms later, by when this has.
      await waitFor(
        'the ports to be chosen',
        async () => (await readFile(join(dir, 'ports.json'), 'utf8').catch(() => '')).includes(`${httpPort}`),
        5_000,
      );
      await new Promise<void>((done) => thief.listen(httpPort, '127.0.0.1', done));
      managed = await starting;
      expect(managed.httpPort).not.toBe(httpPort);
      expect(await answersPing(managed.url)).toBe(true);
      expect(records.map((r) => r.msg)).toContain(`influxd http port ${httpPort} is busy; using ${managed.httpPort}`);
    } finally {
      await managed?.stop();
      thief.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
