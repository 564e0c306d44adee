/**
 * A whole edge (`startStack` with `forward:`) whose link to NATS is cut with
 * nftables: it keeps monitoring and alerting locally (a device goes down
 * during the cut and the webhook alert arrives), and once the link is back
 * the outage, the transition and the alert records made during the cut reach
 * the MEREZHA stream, once each. Before and after, its inventory (without
 * secrets) and heartbeat (checked against the federation schema) are in the
 * meta stream (a reload sends the inventory again), and /metrics shows the
 * link and the backlog.
 *
 * Only this edge is cut: it knows node 3 of the cluster alone, while the
 * test's own central reader uses nodes 1 and 2, and the rule drops TCP to
 * node 3's client port only.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startStack, type Stack } from '../../app/stack.ts';
import { startNatsCluster, type NatsCluster } from '../../central/nats-cluster.ts';
import { ensureStreams } from '../../central/streams.ts';
import { DATA_STREAM, heartbeat, META_STREAM, parseSubject, subjectOf, type Heartbeat } from '../../common/federation.ts';
import { silentLogger } from '../../common/log.ts';
import { NftPortCut } from '../../simulator/nft.ts';
import { connectNats } from '../../storage/forward/nats.ts';
import { decodeData, decodeInventory } from '../../storage/forward/wire.ts';
import type { Point } from '../../storage/point.ts';
import { startAlertReceivers, type AlertReceivers } from '../support/alert-receivers.ts';
import { loadConfig } from '../../config/load.ts';
import type { ConfigInput } from '../../config/schema.ts';
import { startTestInfluxd, waitFor, type TestInfluxd } from '../support/influxd.ts';
import { NftDropper, nftUnavailable } from '../support/nft.ts';
import { signIn } from '../support/sign-in.ts';
import { freeLoopbackOctet } from '../support/stack.ts';

const noNft = nftUnavailable();
const HROMADA = 'cut';
const PASSWORD = 'admin-pass-for-forward-cut';

describe.skipIf(noNft)('an edge whose link to NATS is cut', () => {
  let dir: string;
  let cluster: NatsCluster;
  let central: NatsConnection;
  let jsm: JetStreamManager;
  let influxd: TestInfluxd;
  let receivers: AlertReceivers;
  let stack: Stack | undefined;
  let portCut: NftPortCut | undefined;
  let configFile: string;
  let input: ConfigInput;
  const devices = new NftDropper();
  const net = `127.${freeLoopbackOctet()}.7`;

  /** The data messages of this hromada in the stream, read with the central's user through nodes 1 and 2. */
  async function stored(): Promise<{ id: string; points: Point[] }[]> {
    const { state } = await jsm.streams.info(DATA_STREAM);
    const out: { id: string; points: Point[] }[] = [];
    for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq += 1) {
      const message = await jsm.streams.getMessage(DATA_STREAM, { seq });
      if (message === null || parseSubject(message.subject)?.hromada !== HROMADA) continue;
      out.push({ id: message.header.get('Nats-Msg-Id'), points: decodeData(new TextDecoder().decode(message.data)) });
    }
    return out;
  }

  async function latestMeta(channel: 'inventory' | 'heartbeat'): Promise<string | undefined> {
    try {
      const message = await jsm.streams.getMessage(META_STREAM, { last_by_subj: subjectOf(HROMADA, channel) });
      return message === null ? undefined : new TextDecoder().decode(message.data);
    } catch {
      return undefined;
    }
  }

  /** The latest heartbeat sent after `after`, valid by the federation schema. */
  async function heartbeatAfter(after: number): Promise<Heartbeat> {
    let beat: Heartbeat | undefined;
    await waitFor('a heartbeat in the meta stream', async () => {
      const body = await latestMeta('heartbeat');
      beat = body === undefined ? undefined : heartbeat.parse(JSON.parse(body));
      return beat !== undefined && beat.sent_at > after;
    });
    return beat!;
  }

  async function metrics(): Promise<string> {
    const { cookie } = await signIn(stack!.url, 'admin', PASSWORD);
    return (await fetch(new URL('/metrics', stack!.url), { headers: { cookie } })).text();
  }

  beforeAll(async () => {
    if (noNft) return;
    dir = await mkdtemp(join(tmpdir(), 'merezha-forward-cut-'));
    [cluster, influxd, receivers] = await Promise.all([
      startNatsCluster({ dir: join(dir, 'nats'), hromadas: [HROMADA], log: silentLogger() }),
      startTestInfluxd(),
      startAlertReceivers(),
    ]);
    central = await connectNats({
      servers: cluster.urls.slice(0, 2),
      credentials: cluster.credentials('central'),
      name: 'test-central',
      log: silentLogger(),
    });
    jsm = await ensureStreams(central, { replicas: 3, maxAgeMs: 3_600_000, ackWaitMs: 30_000 });
    portCut = new NftPortCut(cluster.plan.nodes[2]!.clientPort);

    input = {
      hromada: { name: 'Відрізана громада' },
      storage: { spool_dir: join(dir, 'spool'), managed_dir: join(dir, 'influxdb'), flush_interval: '200ms' },
      server: { data_dir: join(dir, 'server') },
      polling: { ping: { interval: '1s', count: 1, timeout: '300ms' } },
      states: { down_after: 2, up_after: 2, recheck: '300ms' },
      villages: [
        {
          id: 'khutir',
          name: 'Хутір',
          devices: [
            { id: 'khutir-uplink', name: 'Хутір, канал', kind: 'uplink', host: `${net}.1` },
            {
              id: 'khutir-school',
              name: 'Хутірська школа',
              kind: 'institution',
              category: 'school',
              host: `${net}.2`,
              parent: 'khutir-uplink',
            },
          ],
        },
      ],
      alerts: {
        channels: [{ id: 'hook', type: 'webhook', url: receivers.webhookUrl }],
        rules: [{ on: ['down', 'recovered'], channels: ['hook'] }],
        delivery: { backoff: '200ms', max_backoff: '1s' },
      },
      forward: {
        hromada: HROMADA,
        servers: [cluster.urls[2]!],
        credentials: cluster.credentials(HROMADA),
        spool_dir: join(dir, 'forward'),
        batch_points: 50,
        heartbeat: '1s',
        ack_timeout: '2s',
      },
    };
    configFile = join(dir, 'hromada.yaml');
    await writeFile(configFile, stringify(input));
    stack = await startStack({
      config: loadConfig(configFile, {}),
      configFile,
      log: silentLogger(),
      version: 'test-edge',
      influxUrl: influxd.url,
      port: 0,
      adminPassword: PASSWORD,
      forwardPingIntervalMs: 300,
    });
  }, 90_000);

  afterAll(async () => {
    portCut?.dispose();
    devices.dispose();
    await stack?.stop();
    await central?.close();
    await cluster?.stop();
    await receivers?.close();
    await influxd?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps alerting locally through the cut and delivers what it made meanwhile when the link is back', async () => {
    const forwarder = stack!.forwarder!;
    const started = Date.now();
    await waitFor('the edge to reach NATS', () => forwarder.stats().linkUp);

    // Its picture before the cut: the inventory without secrets, and a heartbeat as the schema says.
    const before = await heartbeatAfter(started);
    expect(before).toMatchObject({ hromada: HROMADA, name: 'Відрізана громада', version: 'test-edge', devices: { total: 2 } });
    expect(before.villages.villages.map((v) => v.id)).toEqual(['khutir']);
    expect(before.invincibility).toEqual({ total: 0, in_blackout: 0, online_in_blackout: 0, lacking: 0 });
    const inventory = decodeInventory((await latestMeta('inventory'))!);
    expect(inventory).toMatchObject({ hromada: HROMADA, config: { alerts: { channels: [] } } });
    expect(inventory.config).not.toHaveProperty('forward');
    expect(inventory.config.villages.map((v) => v.id)).toEqual(['khutir']);

    portCut!.apply();
    const cutAt = Date.now();
    await waitFor('the edge to notice the cut', () => !forwarder.stats().linkUp, 10_000);
    expect(await metrics()).toMatch(/^merezha_forward_link_up 0$/m);

    devices.drop(`${net}.2`);
    const downAt = Date.now();
    await waitFor('the local webhook alert', () => receivers.webhooks.some((w) => w.body.event === 'down'), 20_000);
    const alert = receivers.webhooks.find((w) => w.body.event === 'down')!.body;
    expect(alert).toMatchObject({ device: 'khutir-school', state: 'down' });
    // Made and delivered during the cut: the alert's delivery is a point too.
    await waitFor('the alert records in the backlog', () => forwarder.stats().backlog.points > 0);
    await stack!.writer.flush();
    await forwarder.flush();
    expect(forwarder.stats().linkUp).toBe(false);
    const waiting = forwarder.stats().backlog;
    expect(waiting.oldest).toBeLessThanOrEqual(downAt);
    expect(await metrics()).toMatch(new RegExp(`^merezha_forward_backlog_points [1-9]\\d*$`, 'm'));

    portCut!.lift();
    const liftAt = Date.now();
    await waitFor('the backlog to drain', () => forwarder.stats().linkUp && forwarder.stats().backlog.points === 0, 30_000);

    const messages = await stored();
    // Batches sent again after the cut (a lost acknowledgement) were dropped as duplicates.
    expect(new Set(messages.map((m) => m.id)).size).toBe(messages.length);
    const points = messages.flatMap((m) => m.points);
    const during = (p: Point) => p.time >= cutAt && p.time <= liftAt;
    const school = (p: Point) => p.tags.device === 'khutir-school';
    expect(points.filter((p) => p.measurement === 'transition' && school(p) && during(p) && p.fields.to === 'down')).toHaveLength(1);
    expect(points.filter((p) => p.measurement === 'outage' && school(p) && during(p) && p.fields.open === 1)).toHaveLength(1);
    expect(points.filter((p) => p.measurement === 'alert' && p.fields.id === alert.id && p.tags.event === 'down')).toHaveLength(1);
    expect(points.filter((p) => p.measurement === 'delivery' && p.fields.alert_id === alert.id && p.fields.ok === 1)).toHaveLength(1);
    // The polls of the cut too.
    expect(points.filter((p) => p.measurement === 'ping' && during(p) && school(p)).length).toBeGreaterThan(0);

    // The picture after: the school down, nothing left waiting.
    const after = await heartbeatAfter(liftAt);
    expect(after.devices.by_state.down).toBe(1);
    expect(after.backlog).toMatchObject({ dropped: 0 });
    expect(await metrics()).toMatch(/^merezha_forward_link_up 1$/m);
  });

  it('sends the inventory again after a reload', async () => {
    const village = input.villages[0]!;
    await writeFile(configFile, stringify({ ...input, villages: [{ ...village, name: 'Хутір Надійний' }] }));
    expect(await stack!.reload()).toMatchObject({ ok: true });
    await waitFor('the reloaded inventory', async () => {
      const body = await latestMeta('inventory');
      return body !== undefined && decodeInventory(body).config.villages[0]?.name === 'Хутір Надійний';
    });
  });
});
