/**
 * The oblast's Merezha in one process, as `merezha central` runs it: the
 * central InfluxDB (the config's, or a managed influxd), the link to the NATS
 * cluster with the central's credentials, the streams and the durable
 * consumer, the ingest workers, and the dashboard with the oblast report.
 * `--ingest-only` processes run the ingest alone; `--no-ingest` the dashboard
 * alone. `stop()` takes it down in reverse order.
 */
import { resolve } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../common/log.ts';
import type { Config } from '../config/schema.ts';
import { hromadaDatabase, type CentralConfig } from '../config/central.ts';
import type { Interval } from '../server/uptime.ts';
import { connectNats } from '../storage/forward/nats.ts';
import type { InfluxLogin } from '../storage/influx-client.ts';
import { influxQuery } from '../storage/influx-query.ts';
import { startManagedInfluxd } from '../storage/managed-influxd.ts';
import { startIngest, type Ingest } from './ingest.ts';
import { HromadaRegistry } from './registry.ts';
import { buildOblastReport, oblastYearRange, renderOblastReport, type OblastReportFormat } from './report.ts';
import { startCentralServer } from './server.ts';
import { ensureStreams } from './streams.ts';
import { Stops } from '../app/stops.ts';

export type CentralRole = 'all' | 'ingest' | 'server';

export interface CentralOptions {
  config: CentralConfig;
  log: Logger;
  version: string;
  role?: CentralRole;
  /** The central InfluxDB; storage.influx of the config, else a managed influxd under storage.managed_dir. */
  influx?: { url: string; login?: InfluxLogin | undefined };
  /** The dashboard's port (0: any free one); the config's or `PORT` when absent. */
  port?: number;
  adminPassword?: string;
}

export interface Central {
  config: CentralConfig;
  /** The dashboard's address; undefined for an ingest-only process. */
  url: string | undefined;
  ingest: Ingest | undefined;
  registry: HromadaRegistry | undefined;
  influx: { url: string; login: InfluxLogin | undefined };
  nats: NatsConnection;
  stop(): Promise<void>;
}

/** The shared configs of the hromadas heard from: what their report is computed with. */
function inventoriesOf(registry: HromadaRegistry): Map<string, Config> {
  const found = new Map<string, Config>();
  for (const { id } of registry.list(Date.now())) {
    const config = registry.inventory(id);
    if (config !== undefined) found.set(id, config);
  }
  return found;
}

/** What the oblast report and `merezha central report` read: every hromada's database, with the central's login. */
export function oblastReportOf(config: CentralConfig, influx: { url: string; login: InfluxLogin | undefined }, registry: HromadaRegistry) {
  const query = (database: string) => influxQuery({ url: influx.url, database, ...(influx.login ?? {}) });
  return async (range: Interval, now: number) =>
    buildOblastReport({ central: config, inventories: inventoriesOf(registry), query, range, now });
}

export async function startCentral(options: CentralOptions): Promise<Central> {
  const { config, log } = options;
  const role = options.role ?? 'all';
  const stops = new Stops(log);
  const stopAll = () => stops.stopAll();
  try {
    let url = options.influx?.url ?? config.storage.influx?.url;
    let login: InfluxLogin | undefined = options.influx?.login;
    if (url === undefined) {
      const managed = await startManagedInfluxd({ dir: resolve(config.storage.managed_dir), log });
      stops.push(() => managed.stop());
      url = managed.url;
      login = managed.login;
      log.info({ url, dir: config.storage.managed_dir }, 'started the managed influxd of the central');
    } else if (options.influx === undefined && config.storage.influx?.username !== undefined) {
      login = { username: config.storage.influx.username, password: config.storage.influx.password ?? '' };
    }
    const influx = { url, login };

    const nats = await connectNats({ servers: config.nats.servers, credentials: config.nats.credentials, name: 'merezha-central', log });
    stops.push(() => nats.drain().catch(() => nats.close()));
    await ensureStreams(nats, { replicas: config.nats.replicas, maxAgeMs: config.nats.max_age, ackWaitMs: config.ingest.ack_wait });

    let ingest: Ingest | undefined;
    if (role !== 'server') {
      ingest = startIngest({ nc: nats, config, influx, log });
      stops.push(() => ingest!.stop());
    }

    let registry: HromadaRegistry | undefined;
    let dashboard: string | undefined;
    if (role !== 'ingest') {
      registry = new HromadaRegistry({ config, nc: nats, log });
      await registry.start();
      stops.push(() => registry!.stop());
      const report = oblastReportOf(config, influx, registry);
      const server = await startCentralServer({
        config,
        hromadas: registry,
        log,
        version: options.version,
        ...(options.port !== undefined ? { port: options.port } : {}),
        ...(options.adminPassword !== undefined ? { adminPassword: options.adminPassword } : {}),
        report: async (year: number, format: OblastReportFormat) =>
          renderOblastReport(await report(oblastYearRange(config, year), Date.now()), format),
      });
      stops.push(() => server.close());
      dashboard = server.url;
    }
    log.info(
      { role, dashboard, influx: url, databases: config.hromadas.map((h) => hromadaDatabase(config, h.id)) },
      role === 'ingest' ? 'Merezha central ingest is running' : `Merezha central is running: dashboard at ${dashboard}`,
    );
    return { config, url: dashboard, ingest, registry, influx, nats, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
