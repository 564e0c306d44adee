/**
 * Editing the inventory from the dashboard (admins): villages, their devices
 * and services are added, changed and removed in the config file itself
 * (`server/inventory-edit/`), checked by the loader's rules, and applied to
 * the running Merezha as a reload would; and `POST /api/discover` asks an
 * SNMP agent what it is, to prefill a new device.
 *
 * Each change answers with the file's new version; send it back as the
 * `If-Match` header of the next one. A change whose If-Match is not the
 * file's version now is refused with 409 and the version, and nothing is
 * written. A change the config's rules refuse answers 400 with `errors`, each
 * at its field of the entry (`host`, `snmp.credential`) or at its config path
 * (`alerts.rules[0].devices[1]`).
 */
import type { Request } from 'express';
import { discoverTarget, type Discovery } from '../../../collector/discovery/discover.ts';
import { SnmpError } from '../../../collector/snmp/client.ts';
import {
  auditQuery,
  auditResponse,
  discoverRequest,
  discoveryResponse,
  inventoryDeviceRequest,
  inventoryEditResponse,
  inventoryResponse,
  inventoryServiceRequest,
  inventoryVillageRequest,
  type DiscoveryResponse,
  type InventoryEditResponse,
} from '../../../common/api.ts';
import {
  InventoryEditError,
  InventoryInvalidError,
  InventoryVersionError,
  type InventoryChange,
  type InventoryEditor,
} from '../../inventory-edit/editor.ts';
import { ConfigError } from '../../../config/load.ts';
import { HttpError, route, type RouteContext, type RouteDef } from '../route.ts';
import type { Services } from '../services.ts';

const VERSIONED =
  'Send the version of GET /api/inventory (its ETag) as the If-Match header: a file changed since answers 409 with its version, and nothing is written. ' +
  'A change the config rules refuse answers 400 with errors at their fields';

function editorOf(services: Services): InventoryEditor {
  if (!services.inventory) throw new HttpError(503, 'this Merezha was started without a config file it can edit');
  return services.inventory;
}

/** The version an `If-Match` header names (`"abc"`, `W/"abc"` or bare); `*` and no header check nothing. */
function ifMatch(req: Request): string | undefined {
  const header = req.get('if-match')?.trim();
  if (!header || header === '*') return undefined;
  return header.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

const FILE_ERRORS: Record<string, string> = {
  ENOENT: 'it is not there',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'the disk is full',
};

/**
 * A config file that cannot be read or written, or is no YAML a config could
 * be: 503 with what is wrong, for the admin to fix on the server.
 */
function fileProblem(err: unknown, file: string): HttpError | undefined {
  if (err instanceof ConfigError) return new HttpError(503, `the config file cannot be edited until it is fixed by hand: ${err.message}`);
  const code = (err as NodeJS.ErrnoException).code;
  const why = code ? FILE_ERRORS[code] : undefined;
  return why ? new HttpError(503, `cannot edit ${file}: ${why}`) : undefined;
}

/** Runs a change; its refusals become 400, 404, 409 and their bodies. */
async function change(ctx: RouteContext<unknown, unknown>, made: InventoryChange): Promise<InventoryEditResponse | undefined> {
  const editor = editorOf(ctx.services);
  try {
    return await editor.edit(made, { user: ctx.principal!.user.username, version: ifMatch(ctx.req) });
  } catch (err) {
    if (err instanceof InventoryInvalidError) {
      ctx.res.status(400).json({ error: 'the change does not pass the checks of the config', errors: err.errors });
      return undefined;
    }
    if (err instanceof InventoryVersionError) {
      ctx.res.status(409).json({ error: err.message, version: err.version });
      return undefined;
    }
    if (err instanceof InventoryEditError) throw new HttpError(err.status, err.message);
    throw fileProblem(err, editor.file) ?? err;
  }
}

const id = (params: Record<string, string>) => params.id!;

export const inventoryRoutes: RouteDef[] = [
  route({
    method: 'get',
    path: '/api/inventory',
    access: 'admin',
    tag: 'inventory',
    summary:
      'The inventory as the config file writes it (villages with their devices, services), the ids the pickers offer (credentials, providers, kinds, categories, vendors; never a community or key), the file version (also the ETag) and its problems',
    response: inventoryResponse,
    handler: async ({ res, services }) => {
      const editor = editorOf(services);
      const view = await editor.read().catch((err: unknown) => {
        throw fileProblem(err, editor.file) ?? err;
      });
      res.set({ ETag: `"${view.version}"`, 'Cache-Control': 'no-store' });
      return view;
    },
  }),
  route({
    method: 'get',
    path: '/api/inventory/audit',
    access: 'admin',
    tag: 'inventory',
    summary: 'The audit log of inventory changes, newest first: who changed which entry when, before and after (no secrets)',
    query: auditQuery,
    response: auditResponse,
    handler: async ({ query, services }) => ({ entries: await editorOf(services).audit.latest(query.limit) }),
  }),
  route({
    method: 'post',
    path: '/api/inventory/villages',
    access: 'admin',
    tag: 'inventory',
    summary: `Add a village { village: { id, name, population?, location? } }. ${VERSIONED}; a taken id 409`,
    body: inventoryVillageRequest,
    response: inventoryEditResponse,
    status: 201,
    handler: (ctx) => change(ctx, { entity: 'village', action: 'add', entry: ctx.body.village }),
  }),
  route({
    method: 'put',
    path: '/api/inventory/villages/:id',
    access: 'admin',
    tag: 'inventory',
    summary: `Change a village's own keys (its devices stay). ${VERSIONED}; an unknown id 404, a taken new id 409`,
    body: inventoryVillageRequest,
    response: inventoryEditResponse,
    handler: (ctx) => change(ctx, { entity: 'village', action: 'update', id: id(ctx.params), entry: ctx.body.village }),
  }),
  route({
    method: 'delete',
    path: '/api/inventory/villages/:id',
    access: 'admin',
    tag: 'inventory',
    summary: `Remove a village without devices. ${VERSIONED}; an unknown id 404, a village with devices 409`,
    response: inventoryEditResponse,
    handler: (ctx) => change(ctx, { entity: 'village', action: 'remove', id: id(ctx.params) }),
  }),
  route({
    method: 'post',
    path: '/api/inventory/devices',
    access: 'admin',
    tag: 'inventory',
    summary: `Add a device to a village { village, device: { the YAML keys of a device } }. ${VERSIONED}; an unknown village 404, a taken id 409`,
    body: inventoryDeviceRequest,
    response: inventoryEditResponse,
    status: 201,
    handler: (ctx) => change(ctx, { entity: 'device', action: 'add', village: ctx.body.village, entry: ctx.body.device }),
  }),
  route({
    method: 'put',
    path: '/api/inventory/devices/:id',
    access: 'admin',
    tag: 'inventory',
    summary: `Change a device { village, device }; another village moves it there. ${VERSIONED}; an unknown id or village 404, a taken new id 409`,
    body: inventoryDeviceRequest,
    response: inventoryEditResponse,
    handler: (ctx) =>
      change(ctx, { entity: 'device', action: 'update', id: id(ctx.params), village: ctx.body.village, entry: ctx.body.device }),
  }),
  route({
    method: 'delete',
    path: '/api/inventory/devices/:id',
    access: 'admin',
    tag: 'inventory',
    summary: `Remove a device. ${VERSIONED} (e.g. another device's parent or an alert rule naming it); an unknown id 404`,
    response: inventoryEditResponse,
    handler: (ctx) => change(ctx, { entity: 'device', action: 'remove', id: id(ctx.params) }),
  }),
  route({
    method: 'post',
    path: '/api/inventory/services',
    access: 'admin',
    tag: 'inventory',
    summary: `Add a service { service: { the YAML keys of a service } }. ${VERSIONED}; a taken id 409`,
    body: inventoryServiceRequest,
    response: inventoryEditResponse,
    status: 201,
    handler: (ctx) => change(ctx, { entity: 'service', action: 'add', entry: ctx.body.service }),
  }),
  route({
    method: 'put',
    path: '/api/inventory/services/:id',
    access: 'admin',
    tag: 'inventory',
    summary: `Change a service { service }. ${VERSIONED}; an unknown id 404, a taken new id 409`,
    body: inventoryServiceRequest,
    response: inventoryEditResponse,
    handler: (ctx) => change(ctx, { entity: 'service', action: 'update', id: id(ctx.params), entry: ctx.body.service }),
  }),
  route({
    method: 'delete',
    path: '/api/inventory/services/:id',
    access: 'admin',
    tag: 'inventory',
    summary: `Remove a service. ${VERSIONED}; an unknown id 404`,
    response: inventoryEditResponse,
    handler: (ctx) => change(ctx, { entity: 'service', action: 'remove', id: id(ctx.params) }),
  }),
  route({
    method: 'post',
    path: '/api/discover',
    access: 'admin',
    tag: 'inventory',
    summary:
      "Ask the SNMP agent at host (and port, 161 by default) with one of the config credentials what it is: the JSON of merezha discover --json (vendor, kind, interfaces, uplink interface, neighbours, parent, the device entry as `entry` and as `yaml`), to prefill a new device. The reasons and notes are in `locale` (uk or en; the hromada's locale when not given). An unknown credential 400, an agent that does not answer 502",
    body: discoverRequest,
    response: discoveryResponse,
    handler: async ({ body, res, services }) => {
      const { config } = services;
      const credential = config.snmp_credentials[body.credential];
      if (!credential) {
        res.status(400).json({
          error: 'no such credential',
          errors: [{ path: 'credential', message: `unknown credential "${body.credential}"` }],
        });
        return undefined;
      }
      const port = body.port ?? 161;
      try {
        const discovery: Discovery = await discoverTarget(
          { host: body.host, port, credential, timeoutMs: config.polling.snmp.timeout, retries: config.polling.snmp.retries },
          { config, credentialId: body.credential, locale: body.locale ?? config.hromada.locale },
        );
        // The discovery module's answer is what the schema says: the compiler tells when they part.
        return discovery satisfies DiscoveryResponse;
      } catch (err) {
        // An SnmpError never holds the community or a key.
        if (err instanceof SnmpError) throw new HttpError(502, `${body.host}:${port}: ${err.message}`);
        throw err;
      }
    },
  }),
];
