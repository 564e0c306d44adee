/**
 * The central's ingest and registry against a real 3-node NATS cluster and a
 * real influxd. Edges are played by hromada users publishing batches with the
 * edge's wire format and message ids, retrying each until JetStream
 * acknowledges it (as the forwarder does). Every point of a run has its own
 * series and time, so "each point exactly once" is a count in InfluxDB.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstream, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hromadaItem as hromadaItemSchema } from '../../common/api.ts';
import { DATA_STREAM, INGEST_CONSUMER, subjectOf, type DataChannel } from '../../common/federation.ts';
import { createLogger, silentLogger, type Logger } from '../../common/log.ts';
import { startIngest, type Ingest } from '../../central/ingest.ts';
import { startNatsCluster, type NatsCluster } from '../../central/nats-cluster.ts';
import { HromadaRegistry } from '../../central/registry.ts';
import { ensureStreams } from '../../central/streams.ts';
import { centralSchema, hromadaDatabase, type CentralConfig } from '../../config/central.ts';
import { shareableConfig } from '../../config/shareable.ts';
import { connectNats } from '../../storage/forward/nats.ts';
import { encodeData, encodeInventory, messageId } from '../../storage/forward/wire.ts';
import { ROLLUP_MS } from '../../storage/influx-setup.ts';
import type { Point } from '../../storage/point.ts';
import { sampleHeartbeat } from '../support/central-heartbeat.ts';
import { testConfig } from '../support/config.ts';
import { startTestInfluxd, waitFor, type TestInfluxd } from '../support/influxd.ts';

const ACK_WAIT_MS = 3_000;
const POINTS_PER_MESSAGE = 40;

interface Captured {
  log: Logger;
  lines: Record<string, unknown>[];
}

const capturingLogger = (): Captured => {
  const lines: Record<string, unknown>[] = [];
  return { lines, log: createLogger({ level: 'debug', destination: { write: (line: string) => void lines.push(JSON.parse(line)) } }) };
};

/** A run's ping points: its own village tag, a distinct time per point (five devices). */
function pingBatch(run: string, index: number, baseMs: number): Point[] {
  return Array.from({ length: POINTS_PER_MESSAGE }, (_, k) => {
    const n = index * POINTS_PER_MESSAGE + k;
    return {
      measurement: 'ping',
      tags: { village: run, device: `d${n % 5}` },
      fields: { reachable: 1, sent: 3, loss_pct: 0 },
      time: baseMs + n,
    };
  });
}

describe('central ingest and registry', () => {
  let dir: string;
  let cluster: NatsCluster;
  let influxd: TestInfluxd;
  let config: CentralConfig;
  let central: NatsConnection;
  let jsm: JetStreamManager;
  const edges = new Map<string, NatsConnection>();
  const cleanups: (() => Promise<unknown>)[] = [];
  /** What a test started and must not outlive it, even when it fails: edges first, then ingests. */
  const running: { edges: (() => Promise<unknown>)[]; ingests: Ingest[] } = { edges: [], ingests: [] };

  const ingestOn = (nc: NatsConnection, log: Logger = silentLogger()): Ingest => {
    const ingest = startIngest({ nc, config, influx: { url: influxd.url }, log, rollupDelayMs: 200 });
    running.ingests.push(ingest);
    return ingest;
  };

  const centralConnection = async () => {
    const nc = await connectNats({
      servers: cluster.urls,
      credentials: cluster.credentials('central'),
      name: 'central-test',
      log: silentLogger(),
    });
    cleanups.push(() => nc.close());
    return nc;
  };

  /** Publishes until JetStream acknowledges, as an edge's forwarder retries a message: same id, so stored once. */
  const publish = async (hromada: string, channel: DataChannel | 'heartbeat' | 'inventory', body: string) => {
    const js = jetstream(edges.get(hromada)!);
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        return await js.publish(subjectOf(hromada, channel), body, { msgID: messageId(hromada, body), timeout: 2_000 });
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await sleep(100);
      }
    }
  };

  /** An edge publishing a batch every few milliseconds until stopped; counts what JetStream acknowledged. */
  const edgeRun = (hromada: string, run: string, baseMs = Date.now() - 60_000) => {
    let stopping = false;
    let acked = 0;
    const done = (async () => {
      for (let i = 0; !stopping; i++) {
        await publish(hromada, 'points', encodeData(pingBatch(run, i, baseMs)));
        acked += 1;
        await sleep(5);
      }
    })();
    const stop = async () => {
      stopping = true;
      await done;
      return acked * POINTS_PER_MESSAGE;
    };
    running.edges.push(stop);
    return { messages: () => acked, stop };
  };

  /** Points of a run in a hromada's database; 0 before the ingest made it. */
  const countPoints = async (hromada: string, run: string): Promise<number> => {
    const db = hromadaDatabase(config, hromada);
    const rows = await influxd
      .query(`SELECT COUNT("sent") FROM "${db}"."raw"."ping" WHERE village = '${run}'`, db)
      .catch((err: Error) => (/not found/.test(err.message) ? [] : Promise.reject(err)));
    return (rows[0]?.count as number | undefined) ?? 0;
  };

  const consumerBacklog = async () => {
    const info = await jsm.consumers.info(DATA_STREAM, INGEST_CONSUMER);
    return { pending: info.num_pending, ackPending: info.num_ack_pending };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'merezha-central-ingest-'));
    [cluster, influxd] = await Promise.all([
      startNatsCluster({ dir, hromadas: ['alpha', 'beta', 'stray'], log: silentLogger() }),
      startTestInfluxd(),
    ]);
    config = centralSchema.parse({
      oblast: { name: 'Тестова область' },
      nats: { servers: cluster.urls, credentials: cluster.credentials('central') },
      storage: { database_prefix: 'central_' },
      ingest: { workers: 2, fetch: 64, ack_wait: `${ACK_WAIT_MS}ms` },
      hromadas: [
        { id: 'alpha', name: 'Альфівська', location: { lat: 48.5, lon: 32.3 } },
        { id: 'beta', name: 'Бетівська' },
        { id: 'gamma', name: 'Гаммівська' },
      ],
    });
    central = await connectNats({
      servers: cluster.urls,
      credentials: cluster.credentials('central'),
      name: 'central',
      log: silentLogger(),
    });
    jsm = await ensureStreams(central, { replicas: 3, maxAgeMs: 3_600_000, ackWaitMs: ACK_WAIT_MS });
    for (const hromada of ['alpha', 'beta', 'stray'])
      edges.set(
        hromada,
        await connectNats({ servers: cluster.urls, credentials: cluster.credentials(hromada), name: hromada, log: silentLogger() }),
      );
  });

  afterEach(async () => {
    for (const stop of running.edges.splice(0)) await stop();
    for (const ingest of running.ingests.splice(0)) await ingest.stop();
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    for (const nc of edges.values()) await nc.close().catch(() => undefined);
    await central?.close().catch(() => undefined);
    await cluster?.stop();
    await influxd?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('registry: listed hromadas unknown at first, then what heartbeats, inventories and data say; stray senders too', async () => {
    const { log, lines } = capturingLogger();
    const registry = new HromadaRegistry({ config, nc: central, log, staleAfterMs: 2_000, refreshMs: 200 });
    cleanups.push(() => registry.stop());
    await registry.start();
    expect(registry.list(Date.now()).map((h) => [h.id, h.state, h.last_message_at])).toEqual([
      ['alpha', 'unknown', null],
      ['beta', 'unknown', null],
      ['gamma', 'unknown', null],
    ]);
    expect(registry.ingestPending()).toBe(0);

    const sentAt = Date.now();
    const alphaBeat = sampleHeartbeat('alpha', {
      sentAt,
      villages: ['online', 'degraded'],
      devices: 17,
      backlog: { points: 250, oldest: sentAt - 90_000 },
    });
    await publish('alpha', 'heartbeat', JSON.stringify(alphaBeat));
    const inventory = shareableConfig(
      testConfig({ villages: [{ id: 'v1', name: 'Село', devices: [{ id: 'r1', kind: 'uplink', host: '127.0.0.1' }] }] }),
    );
    await publish('alpha', 'inventory', encodeInventory('alpha', inventory, sentAt));
    // Beta's edge is of a newer make than the schema: its heartbeat is refused, its data still counts as heard.
    const badBeat = await publish('beta', 'heartbeat', JSON.stringify({ ...sampleHeartbeat('beta', { sentAt }), devices: 'many' }));
    const data = await publish('beta', 'points', encodeData(pingBatch('registry', 0, sentAt)));
    await publish('stray', 'heartbeat', JSON.stringify(sampleHeartbeat('stray', { name: 'Аврамівська', sentAt })));

    await registry.refresh();
    const now = Date.now();
    const items = registry.list(now);
    for (const item of items) hromadaItemSchema.parse(item);
    expect(items.map((h) => [h.id, h.name, h.state, h.location])).toEqual([
      ['stray', 'Аврамівська', 'online', null],
      ['alpha', 'Альфівська', 'degraded', { lat: 48.5, lon: 32.3 }],
      ['beta', 'Бетівська', 'unknown', null],
      ['gamma', 'Гаммівська', 'unknown', null],
    ]);
    const alpha = items[1]!;
    expect(alpha).toMatchObject({
      devices: 17,
      backlog: 250,
      backlog_oldest: sentAt - 90_000,
      heartbeat_at: sentAt,
      version: '0.1.0-test',
    });
    expect(alpha.coverage).toEqual(alphaBeat.villages.total);
    expect(alpha.invincibility).toEqual(alphaBeat.invincibility);
    // When JetStream took them: after the test sent them, before it read the list.
    expect(alpha.last_message_at).toBeGreaterThanOrEqual(sentAt - 1_000);
    expect(items[2]!.last_message_at).toBeGreaterThanOrEqual(alpha.last_message_at!);
    expect(items[2]!.last_message_at).toBeLessThanOrEqual(now);
    expect(items[3]!.last_message_at).toBeNull();

    expect(registry.detail('alpha', now)?.villages).toEqual(alphaBeat.villages);
    expect(registry.detail('gamma', now)).toEqual({ hromada: items[3], villages: null });
    expect(registry.detail('nowhere', now)).toBeUndefined();
    expect(registry.inventory('alpha')).toEqual(inventory);
    expect(registry.inventory('beta')).toBeUndefined();
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 40, subject: 'merezha.beta.heartbeat', seq: badBeat.seq, msg: 'ignored a message from a hromada' }),
    );
    // No ingest runs yet: beta's batch waits in the consumer.
    await waitFor('the backlog read', () => (registry.ingestPending() ?? 0) >= 1);
    expect(data.duplicate).toBe(false);

    expect(registry.list(sentAt + 2_001).find((h) => h.id === 'alpha')!.state).toBe('stale');

    // Without start(), one refresh reads the streams once (as `merezha central report` does) and leaves nothing running.
    const once = new HromadaRegistry({ config, nc: central, log: silentLogger() });
    await once.refresh();
    expect(once.list(now)).toEqual(items);
    expect(once.inventory('alpha')).toEqual(inventory);
    expect(once.ingestPending()).toBe(registry.ingestPending());
  });

  it('writes each hromada into its own database, with the retention policies and rollups; an outage stays one', async () => {
    const ingest = ingestOn(central);
    const base = Math.floor((Date.now() - 60_000) / ROLLUP_MS) * ROLLUP_MS;
    await publish('alpha', 'points', encodeData(pingBatch('land', 0, base)));
    await publish('beta', 'points', encodeData(pingBatch('land', 1, base)));
    const open: Point = {
      measurement: 'outage',
      tags: { village: 'land', device: 'r1', kind: 'uplink' },
      fields: { open: 1, reason: 'timeout' },
      time: base,
    };
    const closed: Point = { ...open, fields: { open: 0, end_ms: base + 120_000, duration_s: 120, reason: 'timeout' } };
    await publish('alpha', 'outages', encodeData([open]));
    await waitFor(
      'both hromadas written',
      async () => (await countPoints('alpha', 'land')) === 40 && (await countPoints('beta', 'land')) === 40,
    );
    await waitFor(
      'the open outage',
      async () => (await influxd.query(`SELECT * FROM "central_alpha"."events"."outage"`, 'central_alpha')).length === 1,
    );
    await publish('alpha', 'outages', encodeData([closed]));
    // A late copy of the open point (a redelivery, or another loop that was slower) must not reopen it.
    await publish('alpha', 'outages', encodeData([open, { ...open, tags: { ...open.tags, device: 'r2' } }]));
    await waitFor(
      'the second outage',
      async () => (await influxd.query(`SELECT * FROM "central_alpha"."events"."outage"`, 'central_alpha')).length === 2,
    );
    const outages = await influxd.query(`SELECT * FROM "central_alpha"."events"."outage" GROUP BY device`, 'central_alpha');
    expect(outages.map((o) => [o.device, o.time, o.open, o.end_ms])).toEqual([
      ['r1', base, 0, base + 120_000],
      ['r2', base, 1, null],
    ]);
    // Another process wrote an open point over r3's end just before: the open one written now closes it again.
    const r3 = { ...open, tags: { ...open.tags, device: 'r3' } };
    const reopened = await fetch(`${influxd.url}/write?db=central_alpha&rp=events&precision=ms`, {
      method: 'POST',
      body: `outage,device=r3,kind=uplink,village=land open=1i,end_ms=${base + 60_000}i,duration_s=60,reason="timeout" ${base}`,
    });
    expect(reopened.status).toBe(204);
    await publish('alpha', 'outages', encodeData([r3]));
    await waitFor('r3 closed again', async () => {
      const [row] = await influxd.query(
        `SELECT "open", "end_ms" FROM "central_alpha"."events"."outage" WHERE device = 'r3'`,
        'central_alpha',
      );
      return row?.open === 0 && row.end_ms === base + 60_000;
    });
    expect(await influxd.query(`SELECT * FROM "central_alpha"."raw"."outage"`, 'central_alpha')).toEqual([]);
    expect(await influxd.query(`SELECT * FROM "central_beta"."events"."outage"`, 'central_beta')).toEqual([]);

    for (const db of ['central_alpha', 'central_beta']) {
      const policies = await influxd.query(`SHOW RETENTION POLICIES ON "${db}"`);
      expect(policies.map((p) => [p.name, p.duration, p.default])).toEqual([
        ['autogen', '0s', false],
        ['raw', '720h0m0s', true],
        ['rollup_5m', '19200h0m0s', false],
        ['events', '19200h0m0s', false],
      ]);
    }
    const cqs = await influxd.query('SHOW CONTINUOUS QUERIES');
    expect(cqs.filter((q) => String(q.name) === 'merezha_rollup_ping').length).toBe(2);

    // Points two hours old: past the continuous queries' reach, so the ingest rolls them up itself.
    const old = Math.floor((Date.now() - 2 * 3_600_000) / ROLLUP_MS) * ROLLUP_MS;
    const late = pingBatch('late', 0, old).map((p, i) => ({ ...p, time: old + i * 30_000 }));
    await publish('alpha', 'points', encodeData(late));
    await waitFor('the late rollup', async () => {
      const rows = await influxd.query(
        `SELECT SUM(samples) AS samples FROM "central_alpha"."rollup_5m"."ping" WHERE village = 'late' AND time >= ${old}ms`,
        'central_alpha',
      );
      return rows[0]?.samples === late.length;
    });
    expect(ingest.stats()).toMatchObject({ malformed: 0 });
    expect(ingest.stats().byHromada.get('beta')?.points).toBeGreaterThanOrEqual(40);
  });

  it('terminates a malformed message, logged with its subject and sequence, and writes the good ones after it', async () => {
    const { log, lines } = capturingLogger();
    const ingest = ingestOn(central, log);
    const notJson = await publish('alpha', 'points', '{"v":1,"points":[');
    const unknown = await publish(
      'alpha',
      'states',
      JSON.stringify({ v: 1, points: [{ measurement: 'cpu', tags: {}, fields: { load: 1 }, time: 1 }] }),
    );
    await publish('alpha', 'points', encodeData(pingBatch('after-bad', 0, Date.now() - 10_000)));
    await waitFor('the good batch', async () => (await countPoints('alpha', 'after-bad')) === POINTS_PER_MESSAGE);
    // Two loops may take the two at once: in any order.
    const terminated = lines
      .filter((l) => l.msg === 'a message that can never be written; terminated')
      .sort((a, b) => (a.seq as number) - (b.seq as number));
    expect(terminated.map((l) => [l.subject, l.seq])).toEqual([
      ['merezha.alpha.points', notJson.seq],
      ['merezha.alpha.states', unknown.seq],
    ]);
    expect(String(terminated[1]!.reason)).toMatch(/not a Merezha measurement/);
    // Terminated: neither pending nor back after ack_wait.
    await waitFor('every message settled', async () => (await consumerBacklog()).ackPending === 0);
    await sleep(ACK_WAIT_MS + 500);
    expect(await consumerBacklog()).toEqual({ pending: 0, ackPending: 0 });
    expect(ingest.stats()).toMatchObject({ malformed: 2, redelivered: 0 });
  });

  it('drains the backlog after a stop, with a worker that died holding messages; each point once', async () => {
    const first = ingestOn(central);
    const alpha = edgeRun('alpha', 'drain');
    const beta = edgeRun('beta', 'drain');
    await waitFor('the ingest at work', () => first.stats().messages > 20);
    await first.stop();
    const stoppedAt = first.stats().messages;

    // A worker of another process takes messages, writes them, and dies before acknowledging.
    const dead = await centralConnection();
    const taken = await (await jetstream(dead).consumers.get(DATA_STREAM, INGEST_CONSUMER)).fetch({ max_messages: 10, expires: 2_000 });
    let held = 0;
    for await (const _ of taken) {
      held += 1;
      if (held === 10) break;
    }
    expect(held).toBe(10);
    await dead.close();

    await sleep(1_500);
    expect((await consumerBacklog()).pending).toBeGreaterThan(50);
    const second = ingestOn(central);
    const alphaPoints = await alpha.stop();
    const betaPoints = await beta.stop();
    await waitFor(
      'every point',
      async () => (await countPoints('alpha', 'drain')) === alphaPoints && (await countPoints('beta', 'drain')) === betaPoints,
      30_000,
    );
    await waitFor('every message acknowledged', async () => (await consumerBacklog()).ackPending === 0);
    expect(await consumerBacklog()).toEqual({ pending: 0, ackPending: 0 });
    // Nothing more than was published, and the dead worker's ten came back after ack_wait.
    expect(await countPoints('alpha', 'drain')).toBe(alphaPoints);
    expect(second.stats().redelivered).toBeGreaterThanOrEqual(10);
    expect(stoppedAt + second.stats().messages).toBeGreaterThanOrEqual((alphaPoints + betaPoints) / POINTS_PER_MESSAGE);
  });

  it('shares the work between two processes, and one finishes what the other left when it stops', async () => {
    const one = ingestOn(central);
    const two = ingestOn(await centralConnection());
    const alpha = edgeRun('alpha', 'shared');
    const beta = edgeRun('beta', 'shared');
    await waitFor('both at work', () => one.stats().messages > 10 && two.stats().messages > 10);
    await one.stop();
    const left = one.stats().messages;
    await sleep(500);
    const alphaPoints = await alpha.stop();
    const betaPoints = await beta.stop();
    await waitFor(
      'every point',
      async () => (await countPoints('alpha', 'shared')) === alphaPoints && (await countPoints('beta', 'shared')) === betaPoints,
      20_000,
    );
    expect(two.stats().messages).toBeGreaterThan(0);
    expect(left + two.stats().messages).toBeGreaterThanOrEqual((alphaPoints + betaPoints) / POINTS_PER_MESSAGE);
    await waitFor('every message acknowledged', async () => (await consumerBacklog()).ackPending === 0);
  });

  it('acknowledges nothing while InfluxDB is away, says so once, and writes everything when it is back', async () => {
    const { log, lines } = capturingLogger();
    const ingest = ingestOn(central, log);
    const alpha = edgeRun('alpha', 'influx-away');
    await waitFor('the ingest at work', () => ingest.stats().messages > 10);
    await influxd.stop();
    await sleep(500);
    const during = ingest.stats().messages;
    await sleep(1_500);
    expect(ingest.stats().messages).toBe(during);
    const held = await consumerBacklog();
    expect(held.pending + held.ackPending).toBeGreaterThan(20);
    await influxd.start();
    const alphaPoints = await alpha.stop();
    await waitFor('every point', async () => (await countPoints('alpha', 'influx-away')) === alphaPoints, 20_000);
    const said = lines.filter((l) => (l.level as number) >= 30 && /InfluxDB/.test(String(l.msg))).map((l) => [l.level, l.msg]);
    expect(said).toEqual([
      [40, 'InfluxDB is unavailable; the messages stay in JetStream until it takes points again'],
      [30, 'InfluxDB takes points again'],
    ]);
  });

  it('loses nothing when the node that leads the data stream is killed under load', async () => {
    const ingest = ingestOn(central);
    const alpha = edgeRun('alpha', 'kill');
    const beta = edgeRun('beta', 'kill');
    await waitFor('the ingest at work', () => ingest.stats().messages > 20);
    const leader = (await jsm.streams.info(DATA_STREAM)).cluster?.leader;
    const node = cluster.plan.nodes.findIndex((n) => n.name === leader);
    expect(node).toBeGreaterThanOrEqual(0);
    await cluster.kill(node);
    const before = alpha.messages();
    await waitFor('publishing again after the election', () => alpha.messages() > before + 20, 20_000);
    const alphaPoints = await alpha.stop();
    const betaPoints = await beta.stop();
    await waitFor(
      'every acknowledged point',
      async () => (await countPoints('alpha', 'kill')) === alphaPoints && (await countPoints('beta', 'kill')) === betaPoints,
      30_000,
    );
    await cluster.start(node);
    expect(await countPoints('alpha', 'kill')).toBe(alphaPoints);
  });
});
