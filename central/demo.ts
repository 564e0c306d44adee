/**
 * `merezha central --demo`: an oblast on loopback. A 3-node NATS cluster
 * (Debian's nats-server, configured by the same `merezha nats-config` an
 * oblast deploys), ten simulated hromadas of Кіровоградська область (each a
 * whole edge as `merezha start` runs it, on its own 127.x addresses, with the
 * demo's faults and blackouts, forwarding to the cluster), and the central
 * with its dashboard. One managed influxd under `dir` holds the edges' local
 * databases (`edge_<id>`) and the central's (`merezha_<id>`).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from '../common/log.ts';
import { centralSchema, type CentralConfig } from '../config/central.ts';
import { parseConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { startStack, type Stack } from '../app/stack.ts';
import { demoScenario } from '../simulator/index.ts';
import { startManagedInfluxd } from '../storage/managed-influxd.ts';
import { startCentral, type Central } from './central.ts';
import { startNatsCluster, type NatsCluster } from './nats-cluster.ts';
import { Stops } from '../app/stops.ts';

export const DEMO_OBLAST_DIR = 'data/oblast';
const EXAMPLE = new URL('../config/example.yaml', import.meta.url);
/** Where the example hromada's villages are: each demo hromada moves them to its own place. */
const EXAMPLE_CENTRE = { lat: 48.8, lon: 32.73 };

export const DEMO_HROMADAS: readonly { id: string; name: string; lat: number; lon: number }[] = [
  { id: 'dmytrivska', name: 'Дмитрівська сільська громада', lat: 48.8, lon: 32.73 },
  { id: 'znamianska', name: 'Знам’янська міська громада', lat: 48.72, lon: 32.67 },
  { id: 'kropyvnytska', name: 'Кропивницька міська громада', lat: 48.51, lon: 32.26 },
  { id: 'oleksandriiska', name: 'Олександрійська міська громада', lat: 48.67, lon: 33.12 },
  { id: 'svitlovodska', name: 'Світловодська міська громада', lat: 49.05, lon: 33.24 },
  { id: 'novoukrainska', name: 'Новоукраїнська міська громада', lat: 48.32, lon: 31.53 },
  { id: 'pomichnianska', name: 'Помічнянська міська громада', lat: 48.24, lon: 31.41 },
  { id: 'holovanivska', name: 'Голованівська селищна громада', lat: 48.38, lon: 30.45 },
  { id: 'haivoronska', name: 'Гайворонська міська громада', lat: 48.33, lon: 29.87 },
  { id: 'dolynska', name: 'Долинська міська громада', lat: 48.11, lon: 32.77 },
];

export interface CentralDemoOptions {
  log: Logger;
  version: string;
  dir?: string;
  /** The oblast dashboard's port; PORT or 8471 when absent (the edges take free ones). */
  port?: number;
  adminPassword?: string;
  /** The first N of DEMO_HROMADAS (all ten by default). */
  hromadas?: number;
  /** The influxd's ports; those remembered under `dir`, else 8086/8088 (tests give free ones, so that two influxds never meet). */
  influxPorts?: { http: number; rpc: number };
}

export interface CentralDemo {
  central: Central;
  edges: Stack[];
  cluster: NatsCluster;
  stop(): Promise<void>;
}

/**
 * Hromada `index` of the demo: the example hromada on 127.(20+index).x.y, its
 * villages moved to the hromada's place, its files under `dir`, forwarding
 * to the cluster.
 */
export function demoEdgeConfig(
  index: number,
  dir: string,
  nats: { servers: string[]; credentials: string },
  influx: { url: string; username?: string; password?: string },
): Config {
  const hromada = DEMO_HROMADAS[index]!;
  const text = readFileSync(EXAMPLE, 'utf8').replace(/\b127\.0\.(\d+)\.(\d+)\b/g, `127.${20 + index}.$1.$2`);
  const example = parseConfig(text, `demo hromada ${hromada.id}`, {});
  const base = join(dir, 'edges', hromada.id);
  const shift = { lat: hromada.lat - EXAMPLE_CENTRE.lat, lon: hromada.lon - EXAMPLE_CENTRE.lon };
  return {
    ...example,
    hromada: { ...example.hromada, name: hromada.name },
    villages: example.villages.map((v) =>
      v.location === undefined ? v : { ...v, location: { lat: v.location.lat + shift.lat, lon: v.location.lon + shift.lon } },
    ),
    storage: {
      ...example.storage,
      influx: { ...influx, database: `edge_${hromada.id.replaceAll('-', '_')}` },
      spool_dir: join(base, 'spool'),
    },
    server: { ...example.server, data_dir: join(base, 'server') },
    forward: {
      hromada: hromada.id,
      servers: nats.servers,
      credentials: nats.credentials,
      spool_dir: join(base, 'forward'),
      spool_max_mb: 256,
      spool_full: 'drop_oldest',
      batch_points: 500,
      heartbeat: 5_000,
      ack_timeout: 10_000,
    },
  };
}

export function demoCentralConfig(dir: string, nats: { servers: string[]; credentials: string }, count: number): CentralConfig {
  return centralSchema.parse({
    oblast: { name: 'Кіровоградська область (демо)', timezone: 'Europe/Kyiv', locale: 'uk' },
    nats: { servers: nats.servers, credentials: nats.credentials },
    server: { port: 8471, data_dir: join(dir, 'central', 'server') },
    hromadas: DEMO_HROMADAS.slice(0, count).map((h) => ({ id: h.id, name: h.name, location: { lat: h.lat, lon: h.lon } })),
  });
}

export async function startCentralDemo(options: CentralDemoOptions): Promise<CentralDemo> {
  const { log } = options;
  const dir = resolve(options.dir ?? DEMO_OBLAST_DIR);
  const count = Math.min(options.hromadas ?? DEMO_HROMADAS.length, DEMO_HROMADAS.length);
  const ids = DEMO_HROMADAS.slice(0, count).map((h) => h.id);
  const stops = new Stops(log);
  const stop = () => stops.stopAll();
  try {
    // Each simulation and influxd hooks process exit to clean up after itself: ten hromadas pass Node's default warning limit.
    process.setMaxListeners(Math.max(process.getMaxListeners(), 2 * count + 10));
    const cluster = await startNatsCluster({ dir: join(dir, 'nats'), hromadas: ids, log });
    stops.push(() => cluster.stop());
    const influxd = await startManagedInfluxd({
      dir: join(dir, 'influxdb'),
      log,
      ...(options.influxPorts ? { httpPort: options.influxPorts.http, rpcPort: options.influxPorts.rpc } : {}),
    });
    stops.push(() => influxd.stop());
    const login = influxd.login ?? {};

    const centralConfig = demoCentralConfig(dir, { servers: cluster.urls, credentials: cluster.credentials('central') }, count);
    const central = await startCentral({
      config: centralConfig,
      log,
      version: options.version,
      influx: { url: influxd.url, login: influxd.login },
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.adminPassword !== undefined ? { adminPassword: options.adminPassword } : {}),
    });
    stops.push(() => central.stop());

    const edges: Stack[] = [];
    for (let i = 0; i < count; i++) {
      const config = demoEdgeConfig(
        i,
        dir,
        { servers: cluster.urls, credentials: cluster.credentials(ids[i]!) },
        { url: influxd.url, ...login },
      );
      // The edges' own logs would drown the central's: only their warnings.
      const edgeLog = log.child({ hromada: ids[i] }, { level: 'warn' });
      const edge = await startStack({ config, log: edgeLog, version: options.version, simulate: demoScenario(config), port: 0 });
      stops.push(() => edge.stop());
      edges.push(edge);
    }
    log.info(
      { dashboard: central.url, edges: edges.map((e, i) => ({ hromada: ids[i], dashboard: e.url })), nats: cluster.urls },
      `DEMO: the oblast of ${count} simulated hromadas: the oblast dashboard at ${central.url}`,
    );
    return { central, edges, cluster, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
