/**
 * The whole of Merezha in one process, as `merezha start` runs it: simulated
 * devices (for the demo, or on request), storage (the user's InfluxDB or a
 * managed local influxd), the state engine and alerts (after reading back
 * their history), the dashboard server, then the collector. `stop()` takes it
 * down in reverse order. The browser tests and the dashboard benchmark start
 * the same stack, so what they measure is what users run.
 */
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCollector, type Collector } from '../collector/collector.ts';
import { connectionTo } from '../storage/influx-client.ts';
import { startManagedInfluxd, type ManagedInfluxd } from '../storage/managed-influxd.ts';
import { openInfluxWriter, type InfluxWriter } from '../storage/writer.ts';
import { openForwarder, type Forwarder } from '../storage/forward/forwarder.ts';
import type { Logger } from '../common/log.ts';
import type { Config } from '../config/schema.ts';
import { SIMULATED_SCHEDULE_SOURCE, startSimulation, type Simulation, type ScenarioSource } from '../simulator/index.ts';
import { startServices, type SimulatedServices } from '../simulator/services.ts';
import { Dashboard } from '../server/dashboard.ts';
import { registerGauges } from '../server/http/gauges.ts';
import { Metrics } from '../server/http/metrics.ts';
import { closeHttp, listenHttp, startHttpServer, type RunningHttpServer } from '../server/http/server.ts';
import { writeDemoHistory } from './demo-backfill.ts';
import { buildInventory } from '../server/inventory.ts';
import { startMonitor, type Monitor } from '../server/monitor.ts';
import { ScheduleStore } from '../server/power/schedule-store.ts';
import { influxQuery } from '../storage/influx-query.ts';
import { checkInfluxVersion } from '../storage/influx-version.ts';
import { rpcAddressOf } from '../storage/influx-backup.ts';
import { LOOPBACK } from '../storage/ports.ts';
import { DailyBackups } from './backup/schedule.ts';
import { startForwarding, type Forwarding } from './forward.ts';
import { reloadConfig, type ReloadResult } from './reload.ts';
import { Stops } from './stops.ts';

/** How long the state engine waits for InfluxDB (and the replay of the spool) to read its history back. */
const HISTORY_WAIT_MS = 30_000;
/** The simulated blackout schedule is published two days ahead and renewed every half day. */
const DAY_MS = 86_400_000;

export interface StackOptions {
  config: Config;
  log: Logger;
  version: string;
  /** Simulated devices and stand-in services for this scenario; none when absent. */
  simulate?: ScenarioSource;
  /** Write the demo's simulated past (since the start of the year) when the database has nothing of its own yet. */
  demoHistory?: boolean;
  /** The InfluxDB to use; a managed influxd under `storage.managed_dir` when neither this nor the config names one. */
  influxUrl?: string;
  /** The dashboard's port (0: any free one); the config's or `PORT` when absent. */
  port?: number;
  adminPassword?: string;
  /**
   * The config's file: the daily backups of `backup:` copy it, `reload()` reads
   * it again, and the dashboard's inventory page edits it. Without it none of
   * these happen.
   */
  configFile?: string;
  /** How often the forwarder pings NATS (`forward:`); tests shorten it to notice a cut link within seconds. */
  forwardPingIntervalMs?: number;
}

export interface Stack {
  config: Config;
  /** The dashboard's address, e.g. http://127.0.0.1:8470/ */
  url: string;
  simulation: Simulation | undefined;
  writer: InfluxWriter;
  /** With `forward:`: what takes every stored point to the oblast's JetStream. */
  forwarder?: Forwarder;
  /** The blackout schedule (`power-schedule.json` of server.data_dir, and `power.schedule_url`); `current()` is the schedule now. */
  schedule: ScheduleStore;
  monitor: Monitor;
  dashboard: Dashboard;
  collector: Collector;
  http: RunningHttpServer;
  backups: DailyBackups;
  /**
   * Reads the config file again and applies it (`app/reload.ts`), as SIGHUP
   * does; reloads asked for meanwhile (SIGHUP, an edit on the dashboard) run
   * one after another.
   */
  reload(): Promise<ReloadResult>;
  stop(): Promise<void>;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const { config, log } = options;
  // Everything started so far, stopped in reverse if a later step fails.
  const stops = new Stops(log);
  const stopAll = () => stops.stopAll();
  // Reloads run one at a time, and the stack stops only after the one under way.
  let self: Stack | undefined;
  let forwarding: Forwarding | undefined;
  let reloads: Promise<unknown> = Promise.resolve();
  const reload = (): Promise<ReloadResult> => {
    const file = options.configFile;
    const next = reloads.then(async (): Promise<ReloadResult> => {
      if (!file) return { ok: false, errors: ['Merezha was started without a config file to read again'] };
      if (!self) return { ok: false, errors: ['Merezha is still starting'] };
      const result = await reloadConfig(self, file, log);
      if (result.ok) forwarding?.reconfigure(self.config);
      return result;
    });
    reloads = next.catch(() => undefined);
    return next;
  };
  try {
    const listening = await listenHttp(config, options.port);
    stops.push(() => closeHttp(listening));
    let simulation: Simulation | undefined;
    if (options.simulate) {
      simulation = await startSimulation(options.simulate, { log });
      stops.push(() => simulation!.stop());
      const services: SimulatedServices = await startServices(config, log);
      stops.push(() => services.stop());
    }

    let url = options.influxUrl ?? config.storage.influx?.url;
    let managed: ManagedInfluxd | undefined;
    if (!url) {
      managed = await startManagedInfluxd({ dir: resolve(config.storage.managed_dir), log });
      stops.push(() => managed!.stop());
      url = managed.url;
      log.info({ url, dir: config.storage.managed_dir }, 'started the managed influxd (set storage.influx or INFLUX_URL to use your own)');
    }
    // Before the writer, which hands it every point it admits.
    const forwarder = config.forward
      ? await openForwarder({
          forward: config.forward,
          log,
          ...(options.forwardPingIntervalMs === undefined ? {} : { pingIntervalMs: options.forwardPingIntervalMs }),
        })
      : undefined;
    if (forwarder) stops.push(() => forwarder.close());
    const connection = connectionTo(config, url, managed?.login);
    // An unreachable one is checked again by the writer when it answers.
    const server = await checkInfluxVersion(url);
    if (server.reachable) log.info({ url, version: server.version }, 'InfluxDB version');
    const writer = await openInfluxWriter({
      ...connection,
      spoolDir: resolve(config.storage.spool_dir),
      spoolMaxBytes: config.storage.spool_max_mb * 1024 * 1024,
      batchSize: config.storage.batch_size,
      flushIntervalMs: config.storage.flush_interval,
      retention: { rawMs: config.storage.retention.raw, rollupMs: config.storage.retention.rollup },
      log,
      ...(forwarder ? { tee: forwarder } : {}),
    });
    stops.push(() => writer.close());

    // The history is read once InfluxDB takes writes again, i.e. after the spool of an earlier run is replayed.
    const historyDeadline = Date.now() + HISTORY_WAIT_MS;
    while (!writer.stats().influxUp && Date.now() < historyDeadline) await sleep(100);
    const query = writer.stats().influxUp ? influxQuery(connection) : undefined;
    if (!query)
      log.warn('InfluxDB is not reachable: the state engine starts without its history (outages in progress may be alerted again)');
    if (options.demoHistory && query) {
      await writeDemoHistory({
        query,
        store: writer,
        inventory: buildInventory(config),
        timeZone: config.hromada.timezone,
        config,
        log,
        now: Date.now(),
      });
    }
    // Before the monitor, so that the outages it reads back and the first polls find the schedule.
    const schedule = new ScheduleStore({ config, log, sink: writer, ...(query ? { query } : {}) });
    await schedule.start();
    stops.push(() => schedule.stop());
    if (simulation) {
      // The simulated hromada publishes its blackout slots as an energy company would, two days ahead, renewed as they pass.
      const sim = simulation;
      const publish = async () => {
        const published = sim.blackoutSchedule(Date.now(), Date.now() + 2 * DAY_MS);
        // An empty import would still cover its days and wipe a schedule imported by hand.
        if (published.slots.length > 0) await schedule.import(published, SIMULATED_SCHEDULE_SOURCE);
      };
      await publish();
      const timer = setInterval(
        () => void publish().catch((err: unknown) => log.warn({ err: (err as Error).message }, 'could not publish the simulated schedule')),
        DAY_MS / 2,
      );
      timer.unref();
      stops.push(() => clearInterval(timer));
    }
    const monitor = await startMonitor({
      config,
      log,
      store: writer,
      schedule: () => schedule.current(),
      ...(query ? { query } : {}),
    });
    stops.push(() => monitor.stop());

    const dashboard = await Dashboard.open({
      config,
      monitor,
      log,
      store: writer,
      dataDir: resolve(config.server.data_dir),
      ...(query ? { query } : {}),
    });
    stops.push(() => dashboard.stop());
    if (forwarder) {
      forwarding = startForwarding({ forwarder, config, version: options.version, dashboard, monitor, schedule, log });
      stops.push(() => forwarding?.stop());
    }
    const metrics = new Metrics();
    const collector = createCollector({
      config,
      sink: writer,
      log,
      onObservation: (observation) => {
        metrics.observePoll(observation.kind, (Date.now() - observation.time) / 1000);
        monitor.onObservation(observation);
        dashboard.onObservation(observation);
      },
    });
    registerGauges(metrics, collector, writer, monitor, forwarder);
    const http = await startHttpServer({
      config,
      log,
      dashboard,
      metrics,
      influxUp: () => writer.stats().influxUp,
      collector,
      writer,
      version: options.version,
      listening,
      ...(options.adminPassword !== undefined ? { adminPassword: options.adminPassword } : {}),
      configFile: options.configFile,
      applyConfig: reload,
      power: { snapshot: () => monitor.power.snapshot(), schedule: () => schedule.current() },
    });
    stops.push(() => http.close());
    collector.start();
    stops.push(() => collector.stop());
    const backups = new DailyBackups(config, {
      configFile: options.configFile,
      database: {
        connection,
        rpcAddress: managed ? `${LOOPBACK}:${managed.rpcPort}` : rpcAddressOf(url, config.storage.influx?.rpc_address),
      },
      version: options.version,
      log,
    });
    stops.push(() => backups.stop());
    self = {
      config,
      url: http.url,
      simulation,
      writer,
      ...(forwarder ? { forwarder } : {}),
      schedule,
      monitor,
      dashboard,
      collector,
      http,
      backups,
      reload,
      stop: async () => {
        await reloads;
        await stopAll();
      },
    };
    return self;
  } catch (err) {
    await stopAll();
    throw err;
  }
}
