/**
 * The oblast's dashboard server (`merezha central`): every hromada as its
 * latest heartbeat and the ingest tell it (`GET /api/hromadas`), a hromada's
 * villages read-only (`GET /api/hromadas/:id`), the oblast report, and the
 * built web's oblast page. Signing in, roles, sessions, API tokens, CSRF, the
 * sign-in throttle, trusted proxies, the host name check and the security
 * headers are a hromada server's own (server/http), with the accounts kept in
 * central.yaml's `server.data_dir`, `PORT` and `MEREZHA_ADMIN_PASSWORD` as
 * `merezha start` reads them.
 *
 * The page polls; there is no socket. The central shows what the edges
 * computed and adds nothing of its own but staleness and the backlog.
 */
import type { Server } from 'node:http';
import { z } from 'zod';
import { healthResponse, hromadaDetail, hromadasResponse, type HromadaDetail, type HromadaItem } from '../common/api.ts';
import type { Logger } from '../common/log.ts';
import { localTime } from '../common/timezone.ts';
import type { CentralConfig } from '../config/central.ts';
import type { ScryptCost } from '../server/auth/passwords.ts';
import { createWebApp } from '../server/http/app.ts';
import { hostChecker } from '../server/http/hosts.ts';
import { Metrics } from '../server/http/metrics.ts';
import { HttpError, route, type RouteDef } from '../server/http/route.ts';
import { sessionRoutes } from '../server/http/routes/session.ts';
import { closeHttp, closeWebServer, listenHttp, openAccounts, serverUrl, WEB_DIST } from '../server/http/server.ts';
import type { WebServices } from '../server/http/services.ts';
import { OBLAST_REPORT_FORMATS, type OblastReportFormat } from './report.ts';

/** What the dashboard knows of the hromadas: `central/registry.ts` keeps it from their heartbeats and the ingest. */
export interface HromadaSource {
  /** Every hromada of central.yaml (and any other heard from), with its state as of `now`. */
  list(now: number): HromadaItem[];
  /** One hromada with its latest heartbeat's villages; undefined for an id neither configured nor heard from. */
  detail(id: string, now: number): HromadaDetail | undefined;
  /** Messages of the data stream the ingest has not acknowledged yet; null when the stream cannot be asked. */
  ingestPending(): number | null;
}

export { OBLAST_REPORT_FORMATS, type OblastReportFormat };
/** The oblast report of a calendar year (in the oblast's time zone), rendered. */
export type OblastReportSource = (year: number, format: OblastReportFormat) => Promise<{ body: string; contentType: string }>;

export interface CentralServerOptions {
  config: CentralConfig;
  hromadas: HromadaSource;
  log: Logger;
  version: string;
  /** Overrides `PORT` and the config's port (0: any free port). */
  port?: number;
  /** The first admin's password when there are no users yet; `MEREZHA_ADMIN_PASSWORD` by default. */
  adminPassword?: string;
  /** Without it, the report route answers 503. */
  report?: OblastReportSource;
  /** The built web; web/dist by default. */
  webDir?: string;
  /** The cost of new password hashes; OWASP's unless a test needs speed. */
  hashCost?: ScryptCost;
}

export interface RunningCentralServer {
  url: string;
  close(): Promise<void>;
}

export interface CentralServices extends WebServices {
  config: CentralConfig;
  hromadas: HromadaSource;
  report: OblastReportSource | undefined;
}

/** The oblast page of the built web (a second Vite entry beside the hromada's index.html). */
export const OBLAST_PAGE = 'oblast.html';

const CENTRAL_HOST_REFUSED =
  'Merezha не відповідає на це ім’я сервера. Відкрийте панель області за IP-адресою або додайте ім’я як dashboard_url у central.yaml.\n' +
  'Merezha does not answer to this host name. Open the oblast dashboard by its IP address, or set the name as dashboard_url in central.yaml.\n';

export const centralHealth = healthResponse.pick({ status: true, version: true, uptime_s: true });

const REPORT_FILE = new RegExp(`^(\\d{4})\\.(${OBLAST_REPORT_FORMATS.join('|')})$`);

/**
 * The answer as its schema has it: parsing drops any key the schema does not name, so nothing the
 * registry might one day carry (an inventory with credentials) reaches a browser unnoticed. A
 * mismatch is our fault, a 500 with the reason in the log, never the client's 400.
 */
function asSchema<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`${what} does not match its schema: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

const oblastRoutes: RouteDef<unknown, unknown, unknown, CentralServices>[] = [
  route({
    method: 'get',
    path: '/api/health',
    access: 'public',
    tag: 'system',
    summary: 'Liveness of the oblast dashboard',
    response: centralHealth,
    handler: ({ services }) => ({
      status: 'ok' as const,
      version: services.version,
      uptime_s: Math.round((Date.now() - services.startedAt) / 1000),
    }),
  }),
  route({
    method: 'get',
    path: '/api/hromadas',
    access: 'viewer',
    tag: 'oblast',
    summary: 'Every hromada: state, devices, coverage, uptime, Invincibility Points, last message and backlog',
    response: hromadasResponse,
    handler: ({ services }) => {
      const now = Date.now();
      const { name, timezone, locale } = services.config.oblast;
      const { tiles, attribution } = services.config.server.map;
      const oblast = { name, timezone, locale, map: { tiles: tiles ?? null, attribution: attribution ?? null } };
      const hromadas = services.hromadas.list(now);
      return asSchema(
        hromadasResponse,
        { at: now, oblast, hromadas, ingest_pending: services.hromadas.ingestPending() },
        'GET /api/hromadas',
      );
    },
  }),
  route({
    method: 'get',
    path: '/api/hromadas/:id',
    access: 'viewer',
    tag: 'oblast',
    summary: 'A hromada with its villages as its latest heartbeat shows them (read-only)',
    response: hromadaDetail,
    handler: ({ params, services }) => {
      const detail = services.hromadas.detail(params.id!, Date.now());
      if (!detail) throw new HttpError(404, `no hromada "${params.id}"`);
      return asSchema(hromadaDetail, detail, 'GET /api/hromadas/:id');
    },
  }),
  route({
    method: 'get',
    path: '/api/oblast/report/:file',
    access: 'viewer',
    tag: 'oblast',
    summary: "The oblast report of a year, every hromada's KPIs side by side: /api/oblast/report/2026.json, .csv or .html",
    handler: async ({ params, res, services }) => {
      const m = REPORT_FILE.exec(params.file ?? '');
      if (!m) throw new HttpError(404, 'no such report: ask for <year>.json, .csv or .html');
      const year = Number(m[1]);
      const format = m[2] as OblastReportFormat;
      if (year < 2000 || year > localTime(Date.now(), services.config.oblast.timezone).year)
        throw new HttpError(404, `no report for ${year}`);
      if (!services.report) throw new HttpError(503, 'this process makes no oblast report');
      const { body, contentType } = await services.report(year, format);
      res.type(contentType).set('Cache-Control', 'private, max-age=60');
      if (format.startsWith('csv')) res.attachment(`merezha-oblast-report-${year}${format === 'csv' ? '' : '-excel'}.csv`);
      res.send(body);
      return undefined;
    },
  }),
];

/** Every route of the oblast's server: the hromada server's sign-in and accounts, then the oblast's own. */
export const CENTRAL_ROUTES: readonly RouteDef<unknown, unknown, unknown, CentralServices>[] = [...sessionRoutes, ...oblastRoutes];

export async function startCentralServer(options: CentralServerOptions): Promise<RunningCentralServer> {
  const { config, log } = options;
  const http: Server = await listenHttp(config, options.port);
  try {
    const accounts = await openAccounts({ config, log, adminPassword: options.adminPassword, hashCost: options.hashCost });
    const services: CentralServices = {
      config,
      log,
      ...accounts,
      metrics: new Metrics(),
      version: options.version,
      startedAt: Date.now(),
      hromadas: options.hromadas,
      report: options.report,
      // No live connections to close: the oblast page polls.
      disconnect: () => undefined,
    };
    http.removeAllListeners('request');
    http.on(
      'request',
      createWebApp(services, CENTRAL_ROUTES, {
        webDir: options.webDir ?? WEB_DIST,
        shell: OBLAST_PAGE,
        hostOk: hostChecker({ server: config.server, alerts: { dashboard_url: config.dashboard_url } }),
        hostRefused: CENTRAL_HOST_REFUSED,
      }),
    );
    return {
      url: serverUrl(http),
      close: () => closeWebServer(http, services),
    };
  } catch (err) {
    await closeHttp(http);
    throw err;
  }
}
