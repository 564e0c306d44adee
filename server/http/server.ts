/**
 * The dashboard server of `merezha start`: accounts, the express app and
 * socket.io on one HTTP server, bound to the configured host and port (or
 * `PORT`). Returns what the process needs to report and to stop it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { Logger } from '../../common/log.ts';
import type { Config } from '../../config/schema.ts';
import type { ScryptCost } from '../auth/passwords.ts';
import { LoginThrottle } from '../auth/throttle.ts';
import { Sessions } from '../auth/sessions.ts';
import { accountFiles, UserStore } from '../auth/users.ts';
import type { Dashboard } from '../dashboard.ts';
import { BackupLedger } from '../backups.ts';
import { HealthCheck, type CollectorHealth, type SpoolHealth } from '../health.ts';
import { InventoryEditor, type ApplyResult } from '../inventory-edit/editor.ts';
import type { PowerSources } from '../views/power.ts';
import { createApp } from './app.ts';
import { Metrics } from './metrics.ts';
import { ROUTES } from './routes/index.ts';
import type { Services, WebServices } from './services.ts';
import { attachSocket, type LiveServer } from './socket.ts';

export const WEB_DIST = resolve(import.meta.dirname, '../../web/dist');

export interface HttpServerOptions {
  config: Config;
  log: Logger;
  dashboard: Dashboard;
  influxUp(): boolean;
  /** What the health check reads besides InfluxDB; absent in tests without a collector or writer. */
  collector?: CollectorHealth;
  writer?: SpoolHealth;
  version: string;
  /** The first admin's password when there are no users yet; `MEREZHA_ADMIN_PASSWORD` by default. */
  adminPassword?: string;
  /** Overrides the config's port (0: any free port). */
  port?: number;
  metrics?: Metrics;
  webDir?: string;
  /** The cost of new password hashes; OWASP's unless a test needs speed. */
  hashCost?: ScryptCost;
  /** The config file Merezha runs from: the inventory page edits it. Without it, the page cannot edit. */
  configFile?: string | undefined;
  /** Applies the config file to the running process after an edit, as SIGHUP does (app/reload.ts). */
  applyConfig?: (() => Promise<ApplyResult>) | undefined;
  /** The power tracker and the blackout schedule, for the power routes; without them every power state is unknown. */
  power?: PowerSources | undefined;
}

export interface RunningHttpServer {
  url: string;
  services: Services;
  /** Answers from a reloaded config from now on; what the app and the sockets were made with at start (server.*) stays. */
  reconfigure(config: Config): void;
  close(): Promise<void>;
}

export interface AccountOptions {
  config: Pick<Config, 'server'>;
  log: Logger;
  /** The first admin's password when there are no users yet; `MEREZHA_ADMIN_PASSWORD` by default. */
  adminPassword?: string | undefined;
  hashCost?: ScryptCost | undefined;
}

/**
 * The users and sessions kept in `server.data_dir` (the first admin made on the first start) and the
 * sign-in throttle: a hromada's server and the oblast's sign in alike.
 */
export async function openAccounts(options: AccountOptions): Promise<Pick<WebServices, 'users' | 'sessions' | 'throttle'>> {
  const { config, log } = options;
  const adminPassword = options.adminPassword ?? process.env.MEREZHA_ADMIN_PASSWORD;
  const users = await UserStore.open({
    file: accountFiles(config.server.data_dir).users,
    log,
    ...(adminPassword ? { adminPassword } : {}),
    ...(options.hashCost ? { hashCost: options.hashCost } : {}),
  });
  const sessions = await Sessions.forConfig(config, users, log);
  return { users, sessions, throttle: new LoginThrottle() };
}

/** The parts of the services that need no network: the API tests build the app from these without a port. */
export async function createServices(options: Omit<HttpServerOptions, 'port' | 'webDir'>): Promise<Omit<Services, 'disconnect'>> {
  const { config, log } = options;
  const accounts = await openAccounts(options);
  const backups = BackupLedger.of(config.server.data_dir);
  return {
    config,
    log,
    dashboard: options.dashboard,
    ...accounts,
    metrics: options.metrics ?? new Metrics(),
    version: options.version,
    startedAt: Date.now(),
    influxUp: options.influxUp,
    backups,
    ...(options.power ? { power: options.power } : {}),
    ...(options.configFile
      ? {
          inventory: new InventoryEditor({
            file: options.configFile,
            dataDir: resolve(config.server.data_dir),
            log,
            apply: options.applyConfig,
          }),
        }
      : {}),
    health: new HealthCheck(config, {
      influxUp: options.influxUp,
      backups,
      ...(options.collector ? { collector: options.collector } : {}),
      ...(options.writer ? { writer: options.writer } : {}),
    }),
  };
}

export class PortError extends Error {}

function portFromEnv(): number | undefined {
  const text = process.env.PORT;
  if (text === undefined || text === '') return undefined;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new PortError(`PORT=${text} is not a port number (0-65535)`);
  return port;
}

/** A listening HTTP server with nothing behind it yet: taken first, so a busy port stops `merezha start` before anything else runs. */
export async function listenHttp(config: Pick<Config, 'server'>, port?: number): Promise<Server> {
  const http = createServer((_req, res) => {
    res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '5' }).end('Merezha is starting.\n');
  });
  await new Promise<void>((done, fail) => {
    http.once('error', fail);
    http.listen(port ?? portFromEnv() ?? config.server.port, config.server.host, () => {
      http.off('error', fail);
      done();
    });
  });
  return http;
}

export async function startHttpServer(options: HttpServerOptions & { listening?: Server }): Promise<RunningHttpServer> {
  const http = options.listening ?? (await listenHttp(options.config, options.port));
  try {
    const base = await createServices(options);
    let live: LiveServer | undefined;
    const services: Services = { ...base, disconnect: (target) => live?.disconnect(target) };
    // The app replaces the "starting" answer; socket.io comes after it, since it wraps the request listeners it finds.
    http.removeAllListeners('request');
    http.on('request', createApp(services, ROUTES, options.webDir ?? WEB_DIST));
    live = attachSocket(http, base, options.dashboard);
    services.metrics.gauge('merezha_sessions', 'Signed-in dashboard sessions.', () => services.sessions.size);
    services.metrics.gauge('merezha_live_connections', 'Open socket.io connections.', () => live.io.engine.clientsCount);
    return {
      url: serverUrl(http),
      services,
      reconfigure(config) {
        services.config = config;
        services.health.reconfigure(config);
      },
      async close() {
        await live!.close();
        await closeWebServer(http, services);
      },
    };
  } catch (err) {
    await closeHttp(http);
    throw err;
  }
}

/** `http://127.0.0.1:8470/`: where a listening server answers. */
export function serverUrl(http: Server): string {
  const address = http.address() as AddressInfo;
  return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/`;
}

/** Stops a server with sign-in: the HTTP server, then the accounts, whose token and session use times are saved lazily (the last minute of them goes out now). */
export async function closeWebServer(http: Server, services: Pick<WebServices, 'users' | 'sessions'>): Promise<void> {
  await closeHttp(http);
  await services.users.close();
  await services.sessions.close();
}

export async function closeHttp(http: Server): Promise<void> {
  if (!http.listening) return;
  http.closeAllConnections();
  await new Promise<void>((done) => http.close(() => done()));
}
