/**
 * The dashboard API in-process: a small hromada's monitor (memory event store,
 * no re-checks), its dashboard and the express app, driven with
 * light-my-request so no port is opened and no request waits on a timer.
 *
 * The config is also written to `hromada.yaml` in the data folder, which the
 * inventory routes edit; an edit is applied to the monitor, the dashboard and
 * the services by `reloadConfig`, as SIGHUP applies it to `merezha start`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject, type InjectOptions, type Response as InjectResponse } from 'light-my-request';
import type { Express } from 'express';
import { stringify } from 'yaml';
import { reloadConfig, type Reloadable } from '../../app/reload.ts';
import type { DailyBackups } from '../../app/backup/schedule.ts';
import type { Collector } from '../../collector/collector.ts';
import { observationOf } from '../../collector/collector.ts';
import { pingProbe, type PingResult } from '../../collector/probes/ping.ts';
import { snmpProbe, type SnmpResult } from '../../collector/probes/snmp.ts';
import type { DeviceTarget, ProbeKind } from '../../collector/probes/types.ts';
import { deviceTargets } from '../../collector/targets.ts';
import { silentLogger } from '../../common/log.ts';
import { loadConfig } from '../../config/load.ts';
import type { Config, ConfigInput } from '../../config/schema.ts';
import type { RunningHttpServer } from '../../server/http/server.ts';
import { Dashboard } from '../../server/dashboard.ts';
import { createApp } from '../../server/http/app.ts';
import { ROUTES } from '../../server/http/routes/index.ts';
import { createServices } from '../../server/http/server.ts';
import type { Services } from '../../server/http/services.ts';
import { startMonitor, type Monitor } from '../../server/monitor.ts';
import type { ScheduleStore } from '../../server/power/schedule-store.ts';
import type { ScheduleSource } from '../../server/power/types.ts';
import { memoryEventStore } from './memory-sink.ts';
import type { Query } from '../../storage/influx-query.ts';
import type { EventStore } from '../../server/store/event-store.ts';
import type { ScryptCost } from '../../server/auth/passwords.ts';
import { mergeConfig, testConfig, type ConfigOverrides } from './config.ts';

export const ADMIN_PASSWORD = 'admin-pass-for-tests';
/** Password hashes at a sixty-fourth of OWASP's cost, so each of the many sign-ins here takes milliseconds, not a second. */
export const TEST_HASH_COST = { N: 2 ** 11, r: 8, p: 1 };
export const SECRETS = { community: 'c0mmunity-s3cret', authKey: 'v3-auth-key-s3cret', privKey: 'v3-priv-key-s3cret' };

/** Two villages: Зелене with two uplinks, a school behind one, a public and a private Free WiFi; Ясне with one uplink. */
export function apiTestConfig(dataDir: string, extra: ConfigOverrides = {}): Config {
  return testConfig(apiTestConfigInput(dataDir, extra));
}

/** What `apiTestConfig` validates: the config as a file would write it. */
export function apiTestConfigInput(dataDir: string, extra: ConfigOverrides = {}): ConfigOverrides & Pick<ConfigInput, 'villages'> {
  const base: ConfigOverrides & Pick<ConfigInput, 'villages'> = {
    hromada: { name: 'Тестова громада', timezone: 'Europe/Kyiv' },
    snmp_credentials: {
      v2: { version: '2c', community: SECRETS.community },
      v3: { version: '3', user: 'mon', auth: { protocol: 'sha', key: SECRETS.authKey }, priv: { protocol: 'aes', key: SECRETS.privKey } },
    },
    providers: [{ id: 'fibre', name: 'Оптика', sla_pct: 99.5 }],
    villages: [
      {
        id: 'zelene',
        name: 'Зелене',
        population: 1200,
        location: { lat: 48.5, lon: 32.2 },
        devices: [
          { id: 'zelene-uplink', name: 'Зелене, оптика', kind: 'uplink', host: '127.0.50.1', provider: 'fibre', bandwidth_mbps: 500 },
          { id: 'zelene-backup', name: 'Зелене, 4G', kind: 'uplink', host: '127.0.50.2', snmp: { credential: 'v2' } },
          {
            id: 'zelene-school',
            name: 'Зеленівська гімназія',
            kind: 'institution',
            category: 'school',
            host: '127.0.50.3',
            parent: 'zelene-uplink',
            snmp: { credential: 'v3', interface: 'ether1' },
          },
          {
            id: 'zelene-wifi-park',
            name: 'Free WiFi, парк',
            kind: 'wifi',
            host: '127.0.50.4',
            vendor: 'mikrotik',
            snmp: { credential: 'v2' },
            public: true,
            parent: 'zelene-uplink',
          },
          {
            id: 'zelene-wifi-office',
            name: 'Службова точка',
            kind: 'wifi',
            host: '127.0.50.5',
            vendor: 'mikrotik',
            snmp: { credential: 'v2' },
          },
        ],
      },
      {
        id: 'yasne',
        name: 'Ясне',
        population: 300,
        devices: [
          { id: 'yasne-uplink', name: 'Ясне, радіоміст', kind: 'uplink', host: '127.0.51.1' },
          { id: 'yasne-library', name: 'Бібліотека', kind: 'institution', category: 'library', host: '127.0.51.2', parent: 'yasne-uplink' },
        ],
      },
    ],
    services: [
      { id: 'website', name: 'Сайт громади', url: 'http://127.0.52.1:8080/' },
      { id: 'mail', name: 'Пошта', tcp: '127.0.52.1:25', public: false },
    ],
    alerts: { channels: [{ id: 'log', type: 'log' }], rules: [{ on: ['down', 'recovered', 'village_offline'], channels: ['log'] }] },
    server: { data_dir: dataDir },
  };
  return mergeConfig(base, extra);
}

export interface ApiHarness {
  /** The running config: the one of the start, or of the last reload. */
  readonly config: Config;
  /** The config file the inventory routes edit. */
  configFile: string;
  monitor: Monitor;
  dashboard: Dashboard;
  services: Services;
  app: Express;
  /** Mutable clock of the monitor and dashboard. */
  clock: { now: number };
  disconnected: unknown[];
  request(options: InjectOptions): Promise<InjectResponse>;
  /** Feeds `count` ping results for a device at one-second steps, as the collector would. */
  ping(deviceId: string, reachable: boolean, count?: number): void;
  /** One successful SNMP poll carrying interface speed and Wi-Fi clients. */
  snmp(deviceId: string, reading: { speed_mbps?: number; clients?: number }): void;
  /** Signs in and returns the cookie header and the CSRF token. */
  signIn(username: string, password: string): Promise<{ cookie: string; csrf: string }>;
  close(): Promise<void>;
}

export async function apiHarness(
  options: {
    query?: Query;
    /** The monitor's and dashboard's event store (an InfluxDB writer); in memory by default. */
    store?: EventStore;
    extra?: ConfigOverrides;
    now?: number;
    villagePushMs?: number;
    /** A data folder to use and keep (a restart on the same data); by default a new one, removed on close. */
    dataDir?: string;
    hashCost?: ScryptCost;
    /**
     * The config file's text, given the data folder: the harness starts from it
     * instead of `apiTestConfig` (written to the data folder as YAML then).
     */
    configText?: (dataDir: string) => string;
    /** The monitor's blackout schedule (a ScheduleStore's `current`, as `merezha start` wires it); none by default. */
    schedule?: ScheduleSource;
  } = {},
): Promise<ApiHarness> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'merezha-api-')));
  const configFile = join(dataDir, 'hromada.yaml');
  await writeFile(configFile, options.configText?.(dataDir) ?? stringify(apiTestConfigInput(dataDir, options.extra)));
  const config = options.configText ? loadConfig(configFile, {}) : apiTestConfig(dataDir, options.extra);
  const clock = { now: options.now ?? Date.UTC(2026, 5, 15, 9, 0, 0) };
  const now = () => clock.now;
  const log = silentLogger();
  const store = options.store ?? memoryEventStore();
  const monitor = await startMonitor({
    config,
    log,
    store,
    recheck: false,
    now,
    ...(options.query ? { query: options.query } : {}),
    ...(options.schedule ? { schedule: options.schedule } : {}),
  });
  const dashboard = await Dashboard.open({
    config,
    monitor,
    log,
    store,
    dataDir,
    now,
    ...(options.query ? { query: options.query } : {}),
    ...(options.villagePushMs ? { villagePushMs: options.villagePushMs } : {}),
  });
  const disconnected: unknown[] = [];
  // What a reload changes of `merezha start`, here: no collector, no backups, no blackout schedule, and the services for its dashboard server.
  const running: Reloadable = {
    config,
    monitor,
    dashboard,
    collector: { reconfigure: () => undefined } as unknown as Collector,
    backups: { reconfigure: async () => undefined } as unknown as DailyBackups,
    schedule: { reconfigure: () => undefined } as unknown as ScheduleStore,
    http: {
      reconfigure: (next: Config) => {
        services.config = next;
        services.health.reconfigure(next);
      },
    } as unknown as RunningHttpServer,
  };
  let reloads: Promise<unknown> = Promise.resolve();
  const base = await createServices({
    config,
    log,
    dashboard,
    influxUp: () => true,
    version: 'test',
    adminPassword: ADMIN_PASSWORD,
    hashCost: options.hashCost ?? TEST_HASH_COST,
    configFile,
    applyConfig: () => {
      const next = reloads.then(() => reloadConfig(running, configFile, log));
      reloads = next.catch(() => undefined);
      return next;
    },
  });
  const services: Services = { ...base, disconnect: (t) => disconnected.push(t) };
  const app = createApp(services, ROUTES, join(dataDir, 'web'));
  // A result as the collector hands it on: read by its own probe kind, for the device as the running config has it.
  const feed = <Result>(kind: ProbeKind<DeviceTarget, Result>, id: string, result: Result) => {
    const target = deviceTargets(services.config).find((t) => t.device.id === id);
    if (!target) throw new Error(`no device "${id}" in the running config`);
    const observation = observationOf(kind, target, result, clock.now);
    monitor.onObservation(observation);
    dashboard.onObservation(observation);
  };

  const harness: ApiHarness = {
    get config() {
      return services.config;
    },
    configFile,
    monitor,
    dashboard,
    services,
    app,
    clock,
    disconnected,
    request: (o) => inject(app, o),
    ping(deviceId, reachable, count = services.config.states.down_after) {
      for (let i = 0; i < count; i++) {
        clock.now += 1000;
        const result: PingResult = reachable
          ? { reachable, sent: 3, loss_pct: 0, rtt_min_ms: 1, rtt_avg_ms: 2, rtt_max_ms: 3 }
          : { reachable, sent: 3, loss_pct: 100, rtt_min_ms: null, rtt_avg_ms: null, rtt_max_ms: null };
        feed(pingProbe, deviceId, result);
      }
    },
    snmp(deviceId, reading) {
      const result: SnmpResult = {
        ok: true,
        response_ms: 3,
        warnings: [],
        ...(reading.speed_mbps !== undefined
          ? {
              interface: {
                name: 'ether1',
                index: 1,
                oper_up: true,
                speed_mbps: reading.speed_mbps,
                in_bps: 1000,
                out_bps: 2000,
                in_errors: 0,
                out_errors: 0,
                in_discards: 0,
                out_discards: 0,
              },
            }
          : {}),
        ...(reading.clients !== undefined ? { wifi: { clients: reading.clients } } : {}),
      };
      feed(snmpProbe, deviceId, result);
    },
    async signIn(username, password) {
      const res = await inject(app, { method: 'POST', url: '/api/session', payload: { username, password } });
      if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
      const setCookie = String(res.headers['set-cookie']);
      return { cookie: setCookie.split(';')[0]!, csrf: (res.json() as { csrf: string }).csrf };
    },
    async close() {
      await reloads;
      dashboard.stop();
      await monitor.stop();
      await services.users.close();
      await services.sessions.close();
      if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}
