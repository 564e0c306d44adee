/**
 * An oblast on loopback for the central dashboard's tests: heartbeats made by
 * a real hromada dashboard (the API harness's two villages, fed pings as the
 * collector would) with the edge's own `heartbeatOf`; a one-node NATS with
 * JetStream and the streams; hromadas publishing their heartbeats and
 * inventories under their own credentials; and the real `HromadaRegistry`
 * reading them, as `merezha central` wires it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { expect } from 'vitest';
import { heartbeatOf } from '../../app/forward.ts';
import { startNatsCluster } from '../../central/nats-cluster.ts';
import { HromadaRegistry } from '../../central/registry.ts';
import { ensureStreams } from '../../central/streams.ts';
import type { UptimeSet, VillageState } from '../../common/api.ts';
import { heartbeat as heartbeatSchema, subjectOf, type ForwardBacklog, type Heartbeat } from '../../common/federation.ts';
import { silentLogger } from '../../common/log.ts';
import { centralSchema, type CentralConfig, type CentralHromada } from '../../config/central.ts';
import type { Config } from '../../config/schema.ts';
import { shareableConfig } from '../../config/shareable.ts';
import { connectNats } from '../../storage/forward/nats.ts';
import { encodeInventory } from '../../storage/forward/wire.ts';
import { invincibilityView } from '../../server/views/power.ts';
import { apiHarness, apiTestConfigInput } from './api.ts';

export type Picture = 'online' | 'degraded' | 'offline';

/** Зелене loses one uplink of two, then every device goes. */
const PICTURES: Record<Picture, { down: (device: string) => boolean; villages: Record<string, VillageState> }> = {
  online: { down: () => false, villages: { zelene: 'online', yasne: 'online' } },
  degraded: { down: (device) => device === 'zelene-backup', villages: { zelene: 'degraded', yasne: 'online' } },
  offline: { down: () => true, villages: { zelene: 'offline', yasne: 'offline' } },
};

const NO_BACKLOG: ForwardBacklog = { points: 0, bytes: 0, oldest: null, dropped: 0 };

export interface DashboardHeartbeats {
  /** The hromada config they were made from, with the SNMP secrets of the API tests. */
  config: Config;
  /**
   * The heartbeat of a picture as hromada `id` sends it at `sentAt`, checked against the schema; with its
   * backlog, and the uptime its dashboard would read from InfluxDB (the harness has none, so none by default).
   */
  heartbeat(
    picture: Picture,
    hromada: { id: string; name: string },
    sentAt: number,
    extra?: { backlog?: ForwardBacklog; uptime?: UptimeSet },
  ): Heartbeat;
}

/** The harness's dashboard in each picture, its institutions Invincibility Points: one heartbeat each. */
export async function dashboardHeartbeats(): Promise<DashboardHeartbeats> {
  const villages = apiTestConfigInput('').villages.map((village) => ({
    ...village,
    devices: (village.devices ?? []).map((device) =>
      device.kind === 'institution'
        ? { ...device, invincibility_point: true, backup_power: 'ups' as const, backup_link: 'mobile' as const }
        : device,
    ),
  }));
  const h = await apiHarness({ extra: { villages }, now: Date.now() });
  try {
    const devices = h.config.villages.flatMap((village) => village.devices.map((device) => device.id));
    const made = new Map<Picture, Heartbeat>();
    for (const picture of ['online', 'degraded', 'offline'] as const) {
      for (const device of devices) h.ping(device, !PICTURES[picture].down(device), 3);
      const snapshot = h.dashboard.villages();
      expect(Object.fromEntries(snapshot.villages.map((v) => [v.id, v.state])), picture).toEqual(PICTURES[picture].villages);
      // As the edge reads them (app/forward.ts), not through the harness's inject: light-my-request re-parents
      // express's shared request prototype, which breaks every express app on a real socket in this process.
      const summaries = h.dashboard.devices().devices;
      const states = new Map(summaries.map((d) => [d.id, d.state]));
      const { summary } = invincibilityView({
        config: h.config,
        inventory: h.dashboard.inventory,
        stateOf: (id) => states.get(id) ?? 'unknown',
        power: h.monitor.power.snapshot(),
        schedule: undefined,
        now: h.clock.now,
      });
      made.set(
        picture,
        heartbeatOf({
          hromada: 'harness',
          config: h.config,
          version: 'test',
          devices: summaries,
          villages: snapshot,
          invincibility: summary,
          backlog: NO_BACKLOG,
          now: h.clock.now,
        }),
      );
    }
    return {
      config: h.config,
      heartbeat: (picture, { id, name }, sentAt, { backlog = NO_BACKLOG, uptime } = {}) => {
        const beat = made.get(picture)!;
        const { total } = beat.villages;
        const villages = uptime
          ? { ...beat.villages, total: { ...total, institutions: { ...total.institutions, uptime } } }
          : beat.villages;
        return heartbeatSchema.parse({ ...beat, hromada: id, name, sent_at: sentAt, backlog, villages });
      },
    };
  } finally {
    await h.close();
  }
}

export interface TestOblast {
  config: CentralConfig;
  registry: HromadaRegistry;
  /** The seed files of the central and of each hromada, which no answer may show. */
  seedFiles: string[];
  /** Publishes as hromada `id` (its own user) its heartbeat and the inventory of `config`, then waits for the registry to read them. */
  send(beat: Heartbeat, config: Config): Promise<void>;
  stop(): Promise<void>;
}

/** NATS, the streams and the registry for the hromadas of a central.yaml (its server.data_dir a temp folder). */
export async function startTestOblast(hromadas: CentralHromada[], options: { staleAfterMs?: number } = {}): Promise<TestOblast> {
  const log = silentLogger();
  const dir = await mkdtemp(join(tmpdir(), 'merezha-oblast-'));
  const stops: (() => Promise<unknown>)[] = [() => rm(dir, { recursive: true, force: true })];
  const stop = async () => {
    for (const step of stops.splice(0).reverse()) await step().catch(() => undefined);
  };
  try {
    const cluster = await startNatsCluster({ dir: join(dir, 'nats'), hromadas: hromadas.map((h) => h.id), nodes: 1, log });
    stops.push(() => cluster.stop());
    const config = centralSchema.parse({
      oblast: { name: 'Тестова область' },
      // A name only: the dashboard must answer to it behind a reverse proxy (nothing is sent there).
      dashboard_url: 'https://oblast.example.gov.ua/',
      nats: { servers: cluster.urls, credentials: cluster.credentials('central'), replicas: 1 },
      server: { data_dir: join(dir, 'central-server') },
      hromadas,
    });
    const central = await connectNats({ servers: cluster.urls, credentials: config.nats.credentials, name: 'merezha-central', log });
    stops.push(() => central.close());
    await ensureStreams(central, { replicas: 1, maxAgeMs: config.nats.max_age, ackWaitMs: config.ingest.ack_wait });
    const registry = new HromadaRegistry({ config, nc: central, log, refreshMs: 60_000, ...options });
    await registry.start();
    stops.push(() => registry.stop());
    return {
      config,
      registry,
      seedFiles: [config.nats.credentials, ...hromadas.map((h) => cluster.credentials(h.id))],
      async send(beat, edgeConfig) {
        const edge = await connectNats({
          servers: cluster.urls,
          credentials: cluster.credentials(beat.hromada),
          name: `merezha-edge-${beat.hromada}`,
          log,
        });
        try {
          const js = jetstream(edge);
          await js.publish(subjectOf(beat.hromada, 'inventory'), encodeInventory(beat.hromada, shareableConfig(edgeConfig), beat.sent_at));
          await js.publish(subjectOf(beat.hromada, 'heartbeat'), JSON.stringify(beat));
        } finally {
          await edge.close();
        }
        await registry.refresh();
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
