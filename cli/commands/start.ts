/**
 * `merezha start [--config FILE] [--simulate]`: the long-running process.
 * Brings up the simulated devices (for the demo hromada, or on request), the
 * storage (the user's InfluxDB, or a managed local influxd), the state engine
 * and alerts (after reading back their history), then the collector, and
 * shuts all of it down in reverse order on SIGINT/SIGTERM.
 */
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../../common/log.ts';
import { createCollector } from '../../collector/collector.ts';
import { startManagedInfluxd, type ManagedInfluxd } from '../../collector/storage/managed-influxd.ts';
import { openInfluxWriter } from '../../collector/storage/writer.ts';
import { startMonitor } from '../../server/monitor.ts';
import { Dashboard } from '../../server/dashboard.ts';
import { registerGauges } from '../../server/http/gauges.ts';
import { Metrics } from '../../server/http/metrics.ts';
import { startHttpServer, type RunningHttpServer } from '../../server/http/server.ts';
import { VERSION } from '../version.ts';
import { influxQuery } from '../../server/store/influx-query.ts';
import { ConfigError } from '../../config/load.ts';
import { demoScenario, SimulationStartError, startSimulation, type Simulation } from '../../simulator/index.ts';
import { startServices, type SimulatedServices } from '../../simulator/services.ts';
import { parse } from '../args.ts';
import { loadConfigOrReport } from './load.ts';

const STATUS_EVERY_MS = 60_000;
/** How long the state engine waits for InfluxDB (and the replay of the spool) to read its history back. */
const HISTORY_WAIT_MS = 30_000;

export async function startCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, { config: { type: 'string' }, simulate: { type: 'boolean', default: false } });
  const loaded = loadConfigOrReport(values.config, true);
  if (!loaded) return 1;
  const { config } = loaded;
  const log = createLogger();

  // The demo hromada has no real devices: simulate them on loopback, faults and all.
  let simulation: Simulation | undefined;
  let services: SimulatedServices | undefined;
  if (loaded.demo || values.simulate) {
    try {
      simulation = await startSimulation(demoScenario(config), { log });
    } catch (err) {
      // A config the simulator cannot serve (hosts off loopback, a port taken) is the user's to fix: no stack trace.
      if (!(err instanceof ConfigError || err instanceof SimulationStartError)) throw err;
      process.stderr.write(`merezha start --simulate: ${err.message}\n`);
      return 1;
    }
    services = await startServices(config, log);
    log.info(
      { devices: simulation.devices.length },
      'simulating the devices of this config on loopback addresses, with a fault every few minutes (a demo, not a real network)',
    );
  }

  let managed: ManagedInfluxd | undefined;
  let url = process.env.INFLUX_URL ?? config.storage.influx?.url;
  if (!url) {
    managed = await startManagedInfluxd({ dir: resolve(config.storage.managed_dir), log });
    url = managed.url;
    log.info({ url, dir: config.storage.managed_dir }, 'started the managed influxd (set storage.influx or INFLUX_URL to use your own)');
  }

  const connection = {
    url,
    database: config.storage.influx?.database ?? 'merezha',
    ...(config.storage.influx?.username ? { username: config.storage.influx.username } : {}),
    ...(config.storage.influx?.password ? { password: config.storage.influx.password } : {}),
  };
  const writer = await openInfluxWriter({
    ...connection,
    spoolDir: resolve(config.storage.spool_dir),
    spoolMaxBytes: config.storage.spool_max_mb * 1024 * 1024,
    batchSize: config.storage.batch_size,
    flushIntervalMs: config.storage.flush_interval,
    retention: { rawMs: config.storage.retention.raw, rollupMs: config.storage.retention.rollup },
    log,
  });

  // The history is read once InfluxDB takes writes again, i.e. after the spool of an earlier run is replayed.
  const historyDeadline = Date.now() + HISTORY_WAIT_MS;
  while (!writer.stats().influxUp && Date.now() < historyDeadline) await sleep(100);
  if (!writer.stats().influxUp) {
    log.warn('InfluxDB is not reachable: the state engine starts without its history (outages in progress may be alerted again)');
  }
  const monitor = await startMonitor({
    config,
    log,
    store: writer,
    ...(writer.stats().influxUp ? { query: influxQuery(connection) } : {}),
  });

  const dashboard = await Dashboard.open({
    config,
    monitor,
    log,
    dataDir: resolve(config.server.data_dir),
    ...(writer.stats().influxUp ? { query: influxQuery(connection) } : {}),
  });
  const metrics = new Metrics();
  const collector = createCollector({
    config,
    sink: writer,
    log,
    onOutcome: (outcome) => {
      metrics.observePoll(outcome.kind, (Date.now() - outcome.time) / 1000);
      monitor.onOutcome(outcome);
      dashboard.onOutcome(outcome);
    },
  });
  registerGauges(metrics, collector, writer, monitor);
  let http: RunningHttpServer;
  try {
    http = await startHttpServer({ config, log, dashboard, metrics, influxUp: () => writer.stats().influxUp, version: VERSION });
  } catch (err) {
    process.stderr.write(`merezha start: cannot serve the dashboard: ${(err as Error).message}\n`);
    await Promise.all([monitor.stop(), writer.close(), managed?.stop(), simulation?.stop(), services?.stop()]);
    return 1;
  }
  collector.start();
  log.info(
    { hromada: config.hromada.name, dashboard: http.url, status_page: `${http.url}status` },
    `Merezha is running: dashboard at ${http.url}`,
  );

  const status = setInterval(() => log.info({ collector: collector.stats(), storage: writer.stats() }, 'status'), STATUS_EVERY_MS);

  await new Promise<void>((done) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'stopping');
      done();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  clearInterval(status);
  await http.close();
  await collector.stop();
  dashboard.stop();
  await monitor.stop();
  await writer.close();
  await managed?.stop();
  await simulation?.stop();
  await services?.stop();
  log.info('stopped');
  return 0;
}
