/**
 * The edge's forwarder against a real 3-node NATS cluster with JetStream (R3
 * streams, one nkey user per hromada): every point written arrives in the
 * MEREZHA stream on its channel's subject exactly once; with the whole
 * cluster down the forwarder takes points at once and keeps them in its
 * spool, then delivers them; without a JetStream quorum (nothing is
 * acknowledged) no segment is removed; a forwarder started on a spool an
 * earlier run left sends it, and a segment sent twice lands once; a hromada's
 * credentials cannot publish under another hromada's subject. And the
 * storage writer hands the forwarder what it admits, once, not its replays.
 */
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstream, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startNatsCluster, type NatsCluster } from '../../central/nats-cluster.ts';
import { ensureStreams } from '../../central/streams.ts';
import { DATA_STREAM, parseSubject, subjectOf } from '../../common/federation.ts';
import { silentLogger, type Logger } from '../../common/log.ts';
import type { ForwardConfig } from '../../config/schema-forward.ts';
import { openForwarder, type Forwarder } from '../../storage/forward/forwarder.ts';
import { openInfluxWriter } from '../../storage/writer.ts';
import { connectNats } from '../../storage/forward/nats.ts';
import { channelOf, decodeData, encodeData } from '../../storage/forward/wire.ts';
import type { Point } from '../../storage/point.ts';
import { MemorySink } from '../support/memory-sink.ts';
import { readPoints, sortPoints, startTestInfluxd, testWriterOptions, waitFor } from '../support/influxd.ts';
import { freeTcpPorts } from '../support/ports.ts';

const T0 = Date.UTC(2026, 2, 1);
/** A mix of every data channel, each point its own time. */
function points(from: number, count: number): Point[] {
  return Array.from({ length: count }, (_, k): Point => {
    const i = from + k;
    const time = T0 + i * 1000;
    if (i % 50 === 0)
      return { measurement: 'alert', tags: { event: 'down', subject: `d${i % 7}` }, fields: { text: `Пристрій ${i} без зв’язку` }, time };
    if (i % 25 === 0) return { measurement: 'transition', tags: { subject: `d${i % 7}` }, fields: { from: 'online', to: 'offline' }, time };
    if (i % 10 === 0) return { measurement: 'outage', tags: { subject: `d${i % 7}` }, fields: { duration_s: i }, time };
    return {
      measurement: 'ping',
      tags: { village: 'v1', device: `d${i % 7}` },
      fields: { reachable: 1, sent: 3, loss_pct: 0, rtt_ms: i % 13 },
      time,
    };
  });
}

const key = (p: Point) => `${p.measurement} ${p.time}`;
const sorted = (list: Point[]) => [...list].sort((a, b) => a.time - b.time || a.measurement.localeCompare(b.measurement));

function recordingLogger() {
  const records: Array<{ level: number; msg: string; [field: string]: unknown }> = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => records.push(JSON.parse(line)) });
  return { log, records };
}

describe('forwarder to a NATS JetStream cluster', () => {
  let dir: string;
  let cluster: NatsCluster;
  let central: NatsConnection;
  let jsm: JetStreamManager;
  const forwarders: Forwarder[] = [];
  let spools = 0;

  const config = (overrides: Partial<ForwardConfig> = {}): ForwardConfig => ({
    hromada: 'alpha',
    servers: cluster.urls,
    credentials: cluster.credentials('alpha'),
    spool_dir: join(dir, `spool-${++spools}`),
    spool_max_mb: 64,
    spool_full: 'drop_oldest',
    batch_points: 100,
    heartbeat: 15_000,
    ack_timeout: 2_000,
    ...overrides,
  });
  const open = async (forward: ForwardConfig, log: Logger = silentLogger()) => {
    const forwarder = await openForwarder({ forward, log, pingIntervalMs: 500 });
    forwarders.push(forwarder);
    return forwarder;
  };
  const write = (forwarder: Forwarder, list: Point[]) => {
    for (let i = 0; i < list.length; i += 50) forwarder.write(list.slice(i, i + 50));
  };
  const segments = async (spoolDir: string) => (await readdir(spoolDir)).filter((f) => f.startsWith('seg-'));
  /** Until nothing waits and every segment file is gone. */
  const delivered = (forwarder: Forwarder, spoolDir: string) =>
    waitFor(
      'the spool to be delivered',
      async () => forwarder.stats().backlog.points === 0 && (await segments(spoolDir)).length === 0,
      45_000,
    );
  const startAll = () => Promise.all(cluster.plan.nodes.map((_, i) => cluster.start(i)));

  /** Every data message of a hromada in the stream, read with the central's user. */
  async function stored(hromada: string): Promise<{ subject: string; points: Point[] }[]> {
    const { state } = await jsm.streams.info(DATA_STREAM);
    const out: { subject: string; points: Point[] }[] = [];
    for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq += 1) {
      const message = await jsm.streams.getMessage(DATA_STREAM, { seq });
      if (message === null || parseSubject(message.subject)?.hromada !== hromada) continue;
      out.push({ subject: message.subject, points: decodeData(new TextDecoder().decode(message.data)) });
    }
    return out;
  }

  /** Each point sent is in the stream once, on its channel's subject, and nothing else is. */
  async function expectExactlyOnce(hromada: string, sent: Point[]): Promise<void> {
    const messages = await stored(hromada);
    for (const { subject, points: list } of messages)
      for (const p of list) expect(subject).toBe(subjectOf(hromada, channelOf(p.measurement)));
    const arrived = messages.flatMap((m) => m.points);
    expect(new Set(arrived.map(key)).size).toBe(arrived.length);
    expect(sorted(arrived)).toEqual(sorted(sent));
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'merezha-forward-'));
    cluster = await startNatsCluster({ dir, hromadas: ['alpha', 'beta'], log: silentLogger() });
    central = await connectNats({
      servers: cluster.urls,
      credentials: cluster.credentials('central'),
      name: 'test-central',
      log: silentLogger(),
    });
    jsm = await ensureStreams(central, { replicas: 3, maxAgeMs: 3_600_000, ackWaitMs: 30_000 });
  }, 60_000);

  afterAll(async () => {
    await central?.close();
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    // A test that failed with nodes down must not leave the next one without them.
    await startAll();
    await waitFor('JetStream', async () => {
      try {
        await jsm.streams.purge(DATA_STREAM);
        return true;
      } catch {
        return false;
      }
    });
  });

  afterEach(async () => {
    await Promise.all(forwarders.splice(0).map((f) => f.close()));
  });

  it('delivers every point on its channel subject exactly once', async () => {
    const forward = config();
    const forwarder = await open(forward);
    const sent = points(0, 3_000);
    write(forwarder, sent);
    await delivered(forwarder, forward.spool_dir);

    await expectExactlyOnce('alpha', sent);
    const stats = forwarder.stats();
    expect(stats).toMatchObject({ linkUp: true, duplicates: 0, backlog: { points: 0, bytes: 0, oldest: null, dropped: 0 } });
    expect(stats.acked).toBe(stats.published);
  });

  it('takes points at once with the whole cluster down, keeps them in its spool, and delivers them all when it is back', async () => {
    const forward = config();
    const forwarder = await open(forward);
    const before = points(10_000, 500);
    write(forwarder, before);
    await delivered(forwarder, forward.spool_dir);

    // The cut may come while these are on their way: some acknowledged, some not.
    const during = points(20_000, 5_000);
    write(forwarder, during);
    await forwarder.flush();
    await cluster.stop();
    await waitFor('the forwarder to see the link gone', () => !forwarder.stats().linkUp);

    const cut = points(30_000, 2_000);
    let slowest = 0;
    for (let i = 0; i < cut.length; i += 50) {
      const started = performance.now();
      forwarder.write(cut.slice(i, i + 50));
      slowest = Math.max(slowest, performance.now() - started);
    }
    expect(slowest).toBeLessThan(20);
    await forwarder.flush();
    const waiting = forwarder.stats().backlog;
    expect(waiting.points).toBeGreaterThanOrEqual(cut.length);
    expect(waiting.oldest).toBeLessThanOrEqual(cut[0]!.time);
    expect(waiting.bytes).toBeGreaterThan(0);
    const held = await segments(forward.spool_dir);
    expect(held).not.toEqual([]);
    // Retries meanwhile remove nothing.
    await sleep(1_500);
    expect(await segments(forward.spool_dir)).toEqual(expect.arrayContaining(held));

    await startAll();
    await delivered(forwarder, forward.spool_dir);
    await expectExactlyOnce('alpha', [...before, ...during, ...cut]);
    expect(forwarder.stats()).toMatchObject({ linkUp: true, backlog: { dropped: 0 } });
    // Room for the cluster's start again (its nodes may take a minute to be healthy, central/nats-cluster.ts).
  }, 150_000);

  it('removes no segment while JetStream acknowledges nothing (no quorum), and delivers once the quorum is back', async () => {
    const forward = config();
    const forwarder = await open(forward);
    write(forwarder, points(40_000, 100));
    await delivered(forwarder, forward.spool_dir);
    const acked = forwarder.stats().acked;

    // The connection stays up (one node answers), but an R3 stream cannot store with one node of three.
    await Promise.all([cluster.kill(1), cluster.kill(2)]);
    const unacked = points(41_000, 800);
    write(forwarder, unacked);
    await forwarder.flush();
    const published = forwarder.stats().published;
    await waitFor('publishes to fail', () => forwarder.stats().published > published && !forwarder.stats().linkUp, 30_000);
    expect(forwarder.stats().acked).toBe(acked);
    expect(forwarder.stats().backlog.points).toBe(unacked.length);
    expect(await segments(forward.spool_dir)).not.toEqual([]);

    await Promise.all([cluster.start(1), cluster.start(2)]);
    await delivered(forwarder, forward.spool_dir);
    await expectExactlyOnce('alpha', [...points(40_000, 100), ...unacked]);
  }, 150_000);

  it('sends what an earlier run left in its spool, and a segment sent twice lands once', async () => {
    // An edge whose NATS never answered: everything stays in the spool when it stops.
    const [deadPort] = await freeTcpPorts(1);
    const forward = config({ servers: [`nats://127.0.0.1:${deadPort}`] });
    const first = await open(forward);
    const sent = points(50_000, 1_200);
    write(first, sent);
    await first.close();
    expect(first.stats().backlog.points).toBe(sent.length);
    // What a crash after JetStream's acknowledgement and before the segment's removal leaves behind.
    const copy = join(dir, 'spool-copy');
    await cp(forward.spool_dir, copy, { recursive: true });

    const second = await open({ ...forward, servers: cluster.urls });
    expect(second.stats().backlog.points).toBe(sent.length);
    await delivered(second, forward.spool_dir);
    await expectExactlyOnce('alpha', sent);

    const again = await open({ ...forward, servers: cluster.urls, spool_dir: copy });
    await delivered(again, copy);
    expect(again.stats().acked).toBeGreaterThan(0);
    expect(again.stats().duplicates).toBe(again.stats().acked);
    await expectExactlyOnce('alpha', sent);
  });

  it("cannot publish under another hromada's subject with its credentials: refused, and nothing lands", async () => {
    const nc = await connectNats({
      servers: cluster.urls,
      credentials: cluster.credentials('alpha'),
      name: 'test-alpha',
      log: silentLogger(),
    });
    try {
      const js = jetstream(nc);
      await expect(js.publish(subjectOf('beta', 'points'), encodeData(points(60_000, 1)), { timeout: 2_000 })).rejects.toThrow(
        /permissions violation/i,
      );
      // Its own subject works over the same connection.
      await expect(js.publish(subjectOf('alpha', 'points'), encodeData(points(60_001, 1)), { timeout: 2_000 })).resolves.toBeDefined();
    } finally {
      await nc.close();
    }

    // A forwarder set up as beta with alpha's seed: it keeps the points and says why.
    const logger = recordingLogger();
    const forwarder = await open(config({ hromada: 'beta', credentials: cluster.credentials('alpha') }), logger.log);
    write(forwarder, points(61_000, 300));
    await waitFor('the refusal to be logged', () =>
      logger.records.some((r) => r.level === 50 && /refuses this edge's subjects/.test(r.msg)),
    );
    // Logged once, however often it is retried.
    const published = forwarder.stats().published;
    await waitFor('retries', () => forwarder.stats().published >= published + 2);
    expect(forwarder.stats()).toMatchObject({ acked: 0, linkUp: false, backlog: { points: 300 } });
    expect(logger.records.filter((r) => /refuses this edge's subjects/.test(r.msg))).toHaveLength(1);
    expect(await stored('beta')).toEqual([]);
  });
});

describe("the storage writer's tee", () => {
  it('gets every admitted point once, as it is written, and not again when the spool is replayed', async () => {
    const influxd = await startTestInfluxd();
    const spoolDir = await mkdtemp(join(tmpdir(), 'merezha-tee-'));
    try {
      await influxd.stop();
      const tee = new MemorySink();
      const writer = await openInfluxWriter(testWriterOptions(influxd.url, 'tee', spoolDir, { tee }));
      // Recent: InfluxDB refuses points older than the raw retention.
      const base = Date.now() - 3_600_000;
      const ping = (i: number): Point => ({
        measurement: 'ping',
        tags: { village: 'v1', device: `d${i % 3}` },
        fields: { reachable: 1, sent: 3, loss_pct: 0 },
        time: base + i * 1000,
      });
      const spooled = Array.from({ length: 40 }, (_, i) => ping(i));
      // Refused by the schema check: neither stored nor forwarded.
      writer.write([...spooled, { measurement: 'ping', tags: { device: 'd9' }, fields: { reachable: 'yes' }, time: base }]);
      await writer.flush();
      expect(writer.stats()).toMatchObject({ spooled: 40, rejected: 1 });

      await influxd.start();
      await waitFor('the spool to be replayed', () => writer.stats().influxUp && writer.stats().pending === 0);
      const live = Array.from({ length: 10 }, (_, i) => ping(100 + i));
      writer.write(live);
      await writer.close();

      expect(writer.stats().replayed).toBe(40);
      expect(tee.rejected).toEqual([]);
      expect(tee.points).toEqual([...spooled, ...live]);
      expect(await readPoints(influxd, 'tee', 'ping')).toEqual(sortPoints([...spooled, ...live]));
    } finally {
      await influxd.dispose();
      await rm(spoolDir, { recursive: true, force: true });
    }
  });
});
