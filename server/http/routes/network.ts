/**
 * The network as the dashboard reads it and acts on it: villages and
 * coverage, devices and services, history for charts, outages, alerts,
 * acknowledgements and maintenance windows; and the public page's data.
 */
import { z } from 'zod';
import {
  ackRequest,
  ackResponse,
  alertsQuery,
  alertsResponse,
  devicesResponse,
  historyQuery,
  historyResponse,
  hromadaInfo,
  maintenanceItem,
  maintenanceRequest,
  maintenanceResponse,
  outageCauseRequest,
  outageItem,
  outagesQuery,
  outagesResponse,
  publicStatus,
  servicesResponse,
  villagesResponse,
} from '../../../common/api.ts';
import { UnknownSubjectError } from '../../maintenance-windows.ts';
import { HttpError, route, type RouteDef } from '../route.ts';

const villageFilter = z.strictObject({ village: z.string().max(100).optional() });

export const networkRoutes: RouteDef[] = [
  route({
    method: 'get',
    path: '/api/hromada',
    access: 'viewer',
    tag: 'network',
    summary: 'The hromada: name, time zone, locale, map settings, high-speed threshold',
    response: hromadaInfo,
    handler: ({ services: { config } }) => ({
      name: config.hromada.name,
      timezone: config.hromada.timezone,
      locale: config.hromada.locale,
      high_speed_mbps: config.coverage.high_speed_mbps,
      map: { tiles: config.server.map.tiles ?? null, attribution: config.server.map.attribution ?? null },
    }),
  }),
  route({
    method: 'get',
    path: '/api/villages',
    access: 'viewer',
    tag: 'network',
    summary: 'Villages with their state, coverage and uptime, and the hromada-wide coverage',
    response: villagesResponse,
    handler: ({ services }) => services.dashboard.villages(),
  }),
  route({
    method: 'get',
    path: '/api/devices',
    access: 'viewer',
    tag: 'network',
    summary: 'Devices with state, last readings and parent (optionally of one village)',
    query: villageFilter,
    response: devicesResponse,
    handler: ({ query, services }) => {
      if (query.village !== undefined && !services.config.villages.some((v) => v.id === query.village)) {
        throw new HttpError(404, `no village "${query.village}"`);
      }
      return services.dashboard.devices(query.village);
    },
  }),
  route({
    method: 'get',
    path: '/api/services',
    access: 'viewer',
    tag: 'network',
    summary: 'Services (the community website, mail) and their state',
    response: servicesResponse,
    handler: ({ services }) => services.dashboard.services(),
  }),
  route({
    method: 'get',
    path: '/api/devices/:id/history',
    access: 'viewer',
    tag: 'network',
    summary: 'Chart series (RTT, loss, traffic, Wi-Fi clients), state periods and uptime of a device over a range',
    query: historyQuery,
    response: historyResponse,
    handler: ({ params, query, services }) => {
      if (!services.dashboard.hasDevice(params.id!)) throw new HttpError(404, `no device "${params.id}"`);
      return services.dashboard.history(params.id!, query.range);
    },
  }),
  route({
    method: 'get',
    path: '/api/outages',
    access: 'viewer',
    tag: 'events',
    summary:
      'Outages overlapping a time range (default: the last 30 days), newest first, each with its cause (an admin’s reclassification over what Merezha judged) and the evidence in words',
    query: outagesQuery,
    response: outagesResponse,
    handler: async ({ query, services }) => ({ outages: await services.dashboard.outages(query) }),
  }),
  route({
    method: 'post',
    path: '/api/outages/cause',
    access: 'admin',
    tag: 'events',
    summary:
      'Reclassify an outage (subject and start) with a cause and a note; recorded with who and when, the latest note wins in the list and the report. An unknown outage 404',
    body: outageCauseRequest,
    response: outageItem,
    handler: async ({ body, principal, services }) => {
      if (!services.dashboard.canReclassify)
        throw new HttpError(503, 'InfluxDB was not reachable when Merezha started: outages cannot be reclassified');
      const by = principal!.user.username;
      const item = await services.dashboard.reclassify(body, by);
      if (!item) throw new HttpError(404, `no outage of "${body.subject}" began at ${body.start}`);
      services.log.info(
        { subject: item.subject, start: item.start, cause: item.cause, judged: item.cause_judged, by },
        'outage reclassified',
      );
      return item;
    },
  }),
  route({
    method: 'get',
    path: '/api/alerts',
    access: 'viewer',
    tag: 'events',
    summary: 'The alert log (default: the last 7 days), newest first',
    query: alertsQuery,
    response: alertsResponse,
    handler: async ({ query, services }) => ({ alerts: await services.dashboard.alerts(query) }),
  }),
  route({
    method: 'post',
    path: '/api/alerts/ack',
    access: 'admin',
    tag: 'events',
    summary: 'Acknowledge what is going on with an alert, device, service or village: no more reminders',
    body: ackRequest,
    response: ackResponse,
    handler: ({ body, principal, services }) => {
      const acknowledged = services.dashboard.acknowledge(body.target, principal!.user.username);
      if (acknowledged.length === 0) throw new HttpError(404, 'nothing open to acknowledge there');
      services.log.info({ target: body.target, by: principal!.user.username, episodes: acknowledged }, 'acknowledged');
      return { acknowledged };
    },
  }),
  route({
    method: 'get',
    path: '/api/maintenance',
    access: 'viewer',
    tag: 'events',
    summary: 'Maintenance windows set from the dashboard that are not over',
    response: maintenanceResponse,
    handler: ({ services }) => ({ windows: services.dashboard.maintenance.list() }),
  }),
  route({
    method: 'post',
    path: '/api/maintenance',
    access: 'admin',
    tag: 'events',
    summary: 'Put devices, villages or services in maintenance from now for some minutes',
    body: maintenanceRequest,
    response: maintenanceItem,
    status: 201,
    handler: async ({ body, principal, services }) => {
      try {
        const item = await services.dashboard.addMaintenance(body, principal!.user.username);
        services.log.info(
          { id: item.id, devices: item.devices, villages: item.villages, services: item.services, to: item.to },
          'maintenance set',
        );
        return item;
      } catch (err) {
        if (err instanceof UnknownSubjectError) throw new HttpError(404, err.message);
        throw err;
      }
    },
  }),
  route({
    method: 'delete',
    path: '/api/maintenance/:id',
    access: 'admin',
    tag: 'events',
    summary: 'End a maintenance window now',
    status: 204,
    handler: async ({ params, services }) => {
      if (!(await services.dashboard.maintenance.end(params.id!))) throw new HttpError(404, 'no such maintenance window');
      return undefined;
    },
  }),
  route({
    method: 'get',
    path: '/api/public/status',
    access: 'public',
    tag: 'public',
    summary: 'What the public status page shows: Free WiFi zones and services marked public, up now and uptime this month',
    response: publicStatus,
    handler: ({ services }) => services.dashboard.publicStatus(),
  }),
];
