/**
 * The process's own health, and routes that answer in something other than
 * JSON bodies of the API: the public status page, Prometheus metrics and the
 * OpenAPI description.
 */
import { backupsResponse, healthResponse } from '../../../common/api.ts';
import { backupsOverview } from '../../backups.ts';
import { route, type RouteDef } from '../route.ts';
import { openApiDocument } from '../openapi.ts';
import { pageLocale, renderStatusPage } from '../status-page.ts';

export function systemRoutes(all: () => readonly RouteDef[]): RouteDef[] {
  return [
    route({
      method: 'get',
      path: '/api/health',
      access: 'public',
      tag: 'system',
      summary: 'Liveness, and degraded with the reasons: InfluxDB down, the collector stalled, the spool growing',
      response: healthResponse,
      handler: ({ services }) => ({
        version: services.version,
        uptime_s: Math.round((Date.now() - services.startedAt) / 1000),
        ...services.health.check(),
      }),
    }),
    route({
      method: 'get',
      path: '/api/backups',
      access: 'admin',
      tag: 'system',
      summary: 'The daily backup schedule, the last backup and failure, and the archives kept',
      response: backupsResponse,
      handler: ({ services }) => backupsOverview(services.config, services.backups),
    }),
    route({
      method: 'get',
      path: '/status',
      access: 'public',
      tag: 'public',
      summary: 'The public status page (HTML, Ukrainian or English by ?lang= or Accept-Language)',
      handler: ({ req, res, services }) => {
        const locale = pageLocale(req.query.lang, req.headers['accept-language'], services.config.hromada.locale);
        res
          .type('html')
          .set('Cache-Control', 'no-cache')
          .send(renderStatusPage(services.dashboard.publicStatus(), locale, services.config.hromada.timezone));
        return undefined;
      },
    }),
    route({
      method: 'get',
      path: '/metrics',
      access: 'viewer',
      tag: 'system',
      summary: "Merezha's own health in the Prometheus text format (use an API token)",
      handler: ({ res, services }) => {
        res.type('text/plain; version=0.0.4').send(services.metrics.render());
        return undefined;
      },
    }),
    route({
      method: 'get',
      path: '/api/openapi.json',
      access: 'viewer',
      tag: 'system',
      summary: 'This description',
      handler: ({ services }) => openApiDocument(all(), services.version),
    }),
  ];
}
