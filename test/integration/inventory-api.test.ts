/**
 * Editing the inventory over the REST API, in-process (like api.test.ts): the
 * config file in a temp dir is changed as a person would change it (its
 * comments kept, a timestamped copy of the previous file beside it), held to
 * the loader's rules with errors at their fields, refused when it changed on
 * disk since it was read, recorded in the audit log, and applied to the
 * running monitor and dashboard by the same reload as SIGHUP. Discovery asks
 * a real snmpd on a loopback address. Every answer is validated against its
 * schema.
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { InjectOptions } from 'light-my-request';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DEMO_CONFIG, demoWorkingCopy } from '../../cli/args.ts';
import * as api from '../../common/api.ts';
import { versionOf } from '../../config/edit.ts';
import { WIFI_VENDORS } from '../../config/schema.ts';
import { ADMIN_PASSWORD, apiHarness, type ApiHarness } from '../support/api.ts';
import { loopbackAddress } from '../support/config.ts';
import { startTestInfluxd, waitFor, type TestInfluxd } from '../support/influxd.ts';
import { startSnmpd, type Snmpd } from '../support/snmpd.ts';

const COMMUNITY = 'c0mmunity-s3cret-inv';
const VIEWER = { username: 'viewer', password: 'viewer-pass-123', role: 'viewer' as const };

/** The file, with comments in every place a person puts them: they must all survive every edit. */
const COMMENTS = [
  '# Тестова громада: the config of the inventory API test.',
  '# the secret never leaves this file',
  '# Зелене: fibre, and the school behind it',
  '# the fibre uplink',
  '# the community website',
  '# tell the log when the school goes down',
];

const configText = (dataDir: string, agent?: { host: string; port: number }) => `${COMMENTS[0]}
hromada:
  name: Тестова громада
  timezone: Europe/Kyiv
polling:
  snmp: { timeout: 500ms, retries: 0 }
snmp_credentials:
  v2: { version: 2c, community: ${COMMUNITY} } ${COMMENTS[1]}
  public-v2: { version: 2c, community: public }
providers:
  - { id: fibre, name: Оптика, sla_pct: 99.5 }
villages:
  ${COMMENTS[2]}
  - id: zelene
    name: Зелене
    population: 1200
    location: { lat: 48.5, lon: 32.2 }
    devices:
      - id: zelene-uplink ${COMMENTS[3]}
        name: Зелене, оптика
        kind: uplink
        host: 127.0.50.1
        provider: fibre
      - id: zelene-school
        name: Зеленівська гімназія
        kind: institution
        category: school
        host: 127.0.50.3
        parent: zelene-uplink
        snmp: { credential: v2, interface: ether1 }
  - id: yasne
    name: Ясне
    devices:
      - { id: yasne-uplink, name: "Ясне, радіоміст", kind: uplink, host: "\${YASNE_HOST:-127.0.51.1}" }
  - id: pusta
    name: Пуста
    devices: []
services:
  ${COMMENTS[4]}
  - { id: website, name: Сайт громади, url: "http://127.0.52.1:8080/" }
alerts:
  channels: [{ id: log, type: log }]
  rules:
    ${COMMENTS[5]}
    - { on: [down, recovered], channels: [log], devices: [zelene-school] }
server:
  data_dir: ${dataDir}
${agent ? `# the snmpd of the discovery test: ${agent.host}:${agent.port}\n` : ''}`;

let h: ApiHarness;
let admin: { cookie: string; csrf: string };
let events: string[];

async function start(agent?: { host: string; port: number }) {
  h = await apiHarness({ configText: (dir) => configText(dir, agent) });
  admin = await h.signIn('admin', ADMIN_PASSWORD);
  events = [];
  h.dashboard.onEvent((event) => events.push(event.name));
}

afterEach(async () => {
  await h?.close();
  h = undefined as unknown as ApiHarness;
});

type Who = { cookie: string; csrf: string };
const send = (who: Who, method: InjectOptions['method'], url: string, payload?: unknown, headers: Record<string, string> = {}) =>
  h.request({
    method,
    url,
    headers: { cookie: who.cookie, 'x-csrf-token': who.csrf, ...headers },
    ...(payload ? { payload: payload as object } : {}),
  });

function parse<T>(schema: z.ZodType<T>, body: string): T {
  return schema.parse(JSON.parse(body));
}

async function inventory(): Promise<api.InventoryResponse> {
  const res = await send(admin, 'GET', '/api/inventory');
  expect(res.statusCode, res.body).toBe(200);
  const view = parse(api.inventoryResponse, res.body);
  expect(res.headers.etag).toBe(`"${view.version}"`);
  return view;
}

async function edit(method: InjectOptions['method'], url: string, payload?: unknown, status = 200): Promise<api.InventoryEditResponse> {
  const { version } = await inventory();
  const res = await send(admin, method, url, payload, { 'if-match': `"${version}"` });
  expect(res.statusCode, res.body).toBe(status);
  return parse(api.inventoryEditResponse, res.body);
}

/** The 400, 404 or 409 answer of a change, checked against the error schema, and the file left exactly as it was. */
async function refused(method: InjectOptions['method'], url: string, payload: unknown, status: number): Promise<api.ErrorResponse> {
  const before = await readFile(h.configFile, 'utf8');
  const res = await send(admin, method, url, payload);
  expect(res.statusCode, res.body).toBe(status);
  expect(await readFile(h.configFile, 'utf8')).toBe(before);
  return parse(api.errorResponse, res.body);
}

const devices = async () => {
  const res = await send(admin, 'GET', '/api/devices');
  return parse(api.devicesResponse, res.body).devices;
};
const audit = async () => parse(api.auditResponse, (await send(admin, 'GET', '/api/inventory/audit')).body).entries;

const NEW_DEVICE = {
  id: 'zelene-library',
  name: 'Бібліотека',
  kind: 'institution',
  category: 'library',
  host: '127.0.50.9',
  parent: 'zelene-uplink',
  snmp: { credential: 'v2', port: 1161 },
  ping: true,
  public: false,
};

describe('the inventory as the file says it', () => {
  beforeEach(() => start());

  it('answers villages with devices, services, the pickers and the version; credential ids only', async () => {
    const res = await send(admin, 'GET', '/api/inventory');
    expect(res.body).not.toContain(COMMUNITY);
    const view = await inventory();
    expect(view.version).toMatch(/^[0-9a-f]{16}$/);
    expect(view.file).toBe(h.configFile);
    expect(view.errors).toEqual([]);
    expect(view.villages.map((v) => [v.id, v.devices.map((d) => d.id)])).toEqual([
      ['zelene', ['zelene-uplink', 'zelene-school']],
      ['yasne', ['yasne-uplink']],
      ['pusta', []],
    ]);
    // As written: the reference unexpanded, defaults unsaid.
    expect(view.villages[1]!.devices[0]).toEqual({
      id: 'yasne-uplink',
      name: 'Ясне, радіоміст',
      kind: 'uplink',
      host: '${YASNE_HOST:-127.0.51.1}',
    });
    expect(view.villages[0]!.devices[1]!.snmp).toEqual({ credential: 'v2', interface: 'ether1' });
    expect(view.services).toEqual([{ id: 'website', name: 'Сайт громади', url: 'http://127.0.52.1:8080/' }]);
    expect(view.credentials).toEqual(['v2', 'public-v2']);
    expect(view.providers).toEqual([{ id: 'fibre', name: 'Оптика' }]);
    expect(view.kinds).toEqual(['uplink', 'wifi', 'institution', 'ups']);
    expect(view.categories).toContain('school');
    expect(view.vendors).toEqual([...WIFI_VENDORS]);
    expect(view.power_vendors).toEqual(['ups-mib', 'apc']);
  });

  it('is for admins: a viewer is refused reading and every change', async () => {
    const created = await send(admin, 'POST', '/api/users', VIEWER);
    expect(created.statusCode).toBe(201);
    const viewer = await h.signIn(VIEWER.username, VIEWER.password);
    const before = await readFile(h.configFile, 'utf8');
    for (const [method, url, payload] of [
      ['GET', '/api/inventory'],
      ['GET', '/api/inventory/audit'],
      ['POST', '/api/inventory/devices', { village: 'zelene', device: NEW_DEVICE }],
      [
        'PUT',
        '/api/inventory/devices/zelene-uplink',
        { village: 'zelene', device: { id: 'zelene-uplink', kind: 'uplink', host: '127.0.0.9' } },
      ],
      ['DELETE', '/api/inventory/devices/zelene-school'],
      ['POST', '/api/inventory/villages', { village: { id: 'nove', name: 'Нове' } }],
      ['DELETE', '/api/inventory/villages/pusta'],
      ['POST', '/api/inventory/services', { service: { id: 'mail', name: 'Пошта', tcp: '127.0.52.1:25' } }],
      ['POST', '/api/discover', { host: '127.0.50.1', credential: 'v2' }],
    ] as const) {
      const res = await send(viewer, method, url, payload);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      parse(api.errorResponse, res.body);
    }
    expect(await readFile(h.configFile, 'utf8')).toBe(before);
    expect(await audit()).toEqual([]);
  });
});

describe('devices', () => {
  beforeEach(() => start());

  it('adds one: in the file with its comments kept and a copy beside it, applied at once, in the audit log', async () => {
    const before = await readFile(h.configFile, 'utf8');
    const added = await edit('POST', '/api/inventory/devices', { village: 'zelene', device: NEW_DEVICE }, 201);

    const text = await readFile(h.configFile, 'utf8');
    for (const comment of COMMENTS) expect(text).toContain(comment);
    // Only the new lines: everything that was there is there, byte for byte, in its place.
    expect(text.replace(/\n {6}- id: zelene-library\n(?: {8}.*\n)+/, '\n')).toBe(before);
    expect(text).toContain('      - id: zelene-library\n        name: Бібліотека\n');
    // Defaults are not written.
    expect(text).not.toMatch(/zelene-library[\s\S]*ping: true/);
    expect(added.copy).toMatch(/^hromada\.yaml\.\d{4}-\d{2}-\d{2}T\d{6}Z\.bak$/);
    expect(await readFile(join(dirname(h.configFile), added.copy), 'utf8')).toBe(before);
    expect(added.version).toBe((await inventory()).version);

    // Applied as SIGHUP applies it: the running config, the dashboard and the live pages.
    expect(added.applied).toEqual({ ok: true, summary: 'devices 1 added; services unchanged; sections changed: villages', errors: [] });
    expect(h.config.villages[0]!.devices.map((d) => d.id)).toContain('zelene-library');
    const shown = (await devices()).find((d) => d.id === 'zelene-library');
    expect(shown).toMatchObject({ village: 'zelene', parent: 'zelene-uplink', state: 'unknown' });
    expect(events).toContain('inventory');
    h.ping('zelene-library', true);
    expect((await devices()).find((d) => d.id === 'zelene-library')?.state).toBe('up');

    const [entry] = await audit();
    expect(entry).toMatchObject({
      user: 'admin',
      action: 'add',
      entity: 'device',
      id: 'zelene-library',
      village: 'zelene',
      from_village: null,
      before: null,
    });
    expect(entry!.after).toEqual({
      id: 'zelene-library',
      name: 'Бібліотека',
      kind: 'institution',
      category: 'library',
      host: '127.0.50.9',
      parent: 'zelene-uplink',
      snmp: { credential: 'v2', port: 1161 },
    });
    expect(entry!.version).toBe(added.version);
    expect(entry!.time).toBeGreaterThan(0);
  });

  it('changes one, keeping a ${VAR} reference that says the same, and moves one to another village', async () => {
    const changed = await edit('PUT', '/api/inventory/devices/yasne-uplink', {
      village: 'yasne',
      device: { id: 'yasne-uplink', name: 'Ясне, оптика', kind: 'uplink', host: '127.0.51.1', bandwidth_mbps: 100 },
    });
    expect(changed.applied.ok).toBe(true);
    const text = await readFile(h.configFile, 'utf8');
    expect(text).toContain('host: "${YASNE_HOST:-127.0.51.1}"');
    expect(text).toContain('name: "Ясне, оптика"');
    expect((await devices()).find((d) => d.id === 'yasne-uplink')).toMatchObject({ name: 'Ясне, оптика', bandwidth_mbps: 100 });
    expect((await audit())[0]).toMatchObject({
      action: 'update',
      id: 'yasne-uplink',
      before: { name: 'Ясне, радіоміст', host: '${YASNE_HOST:-127.0.51.1}' },
      after: { name: 'Ясне, оптика', host: '${YASNE_HOST:-127.0.51.1}', bandwidth_mbps: 100 },
    });

    const school = (await inventory()).villages[0]!.devices[1]!;
    const moved = await edit('PUT', '/api/inventory/devices/zelene-school', {
      village: 'yasne',
      device: { ...school, parent: 'yasne-uplink' },
    });
    expect(moved.applied.summary).toMatch(/^devices 1 changed/);
    const view = await inventory();
    expect(view.villages[0]!.devices.map((d) => d.id)).toEqual(['zelene-uplink']);
    expect(view.villages[1]!.devices.map((d) => d.id)).toEqual(['yasne-uplink', 'zelene-school']);
    expect((await devices()).find((d) => d.id === 'zelene-school')).toMatchObject({ village: 'yasne', parent: 'yasne-uplink' });
    expect((await audit())[0]).toMatchObject({ action: 'update', id: 'zelene-school', village: 'yasne', from_village: 'zelene' });
  });

  it('removes one, from the file, the running config and the dashboard', async () => {
    // The school is named by an alert rule: that rule goes first.
    await writeFile(h.configFile, (await readFile(h.configFile, 'utf8')).replace(', devices: [zelene-school]', ''));
    const removed = await edit('DELETE', '/api/inventory/devices/zelene-school');
    expect(removed.applied.ok).toBe(true);
    expect(await readFile(h.configFile, 'utf8')).not.toContain('zelene-school');
    expect((await devices()).map((d) => d.id)).not.toContain('zelene-school');
    expect(h.config.villages[0]!.devices.map((d) => d.id)).toEqual(['zelene-uplink']);
    expect((await audit())[0]).toMatchObject({ action: 'remove', entity: 'device', id: 'zelene-school', village: 'zelene', after: null });
    expect((await audit())[0]!.before).toMatchObject({ id: 'zelene-school', category: 'school' });
  });

  it('refuses a device the loader would refuse, with each problem at its field, and writes nothing', async () => {
    const body = await refused(
      'POST',
      '/api/inventory/devices',
      { village: 'zelene', device: { ...NEW_DEVICE, host: 'not a host!', snmp: { credential: 'nope' }, category: undefined } },
      400,
    );
    expect(body.errors).toEqual(
      expect.arrayContaining([
        { path: 'host', message: 'must be an IP address or a host name' },
        { path: 'snmp.credential', message: 'unknown credential "nope"' },
        expect.objectContaining({ path: 'category' }),
      ]),
    );
    const wrongType = await refused(
      'POST',
      '/api/inventory/devices',
      { village: 'zelene', device: { ...NEW_DEVICE, bandwidth_mbps: 'fast' } },
      400,
    );
    expect(wrongType.errors?.map((e) => e.path)).toEqual(['bandwidth_mbps']);
    expect(await audit()).toEqual([]);
  });

  it('refuses removing a device that others name, at their config paths', async () => {
    const body = await refused('DELETE', '/api/inventory/devices/zelene-uplink', undefined, 400);
    expect(body.errors).toEqual([{ path: 'villages[0].devices[0].parent', message: 'unknown device "zelene-uplink"' }]);
    const rule = await refused('DELETE', '/api/inventory/devices/zelene-school', undefined, 400);
    expect(rule.errors).toEqual([{ path: 'alerts.rules[0].devices[0]', message: expect.stringContaining('zelene-school') }]);
  });

  it('answers 404 for an unknown device or village and 409 for a taken id', async () => {
    expect((await refused('PUT', '/api/inventory/devices/nope', { village: 'zelene', device: NEW_DEVICE }, 404)).error).toBe(
      'no device "nope"',
    );
    expect((await refused('DELETE', '/api/inventory/devices/nope', undefined, 404)).error).toBe('no device "nope"');
    expect((await refused('POST', '/api/inventory/devices', { village: 'nowhere', device: NEW_DEVICE }, 404)).error).toBe(
      'no village "nowhere"',
    );
    const taken = await refused(
      'POST',
      '/api/inventory/devices',
      { village: 'yasne', device: { ...NEW_DEVICE, id: 'zelene-uplink' } },
      409,
    );
    expect(taken.error).toContain('zelene-uplink');
    const renamed = await refused(
      'PUT',
      '/api/inventory/devices/yasne-uplink',
      { village: 'yasne', device: { id: 'zelene-uplink', kind: 'uplink', host: '127.0.51.1' } },
      409,
    );
    expect(renamed.error).toContain('zelene-uplink');
  });

  it('refuses a change made on a version of the file that is not the one on disk, and leaves the file as it is', async () => {
    const { version } = await inventory();
    const edited = `${await readFile(h.configFile, 'utf8')}# edited on the server meanwhile\n`;
    await writeFile(h.configFile, edited);
    const res = await send(
      admin,
      'POST',
      '/api/inventory/devices',
      { village: 'zelene', device: NEW_DEVICE },
      { 'if-match': `"${version}"` },
    );
    expect(res.statusCode).toBe(409);
    const body = parse(api.errorResponse, res.body);
    expect(body.error).toMatch(/was changed since you read it/);
    expect(body.version).toBe((await inventory()).version);
    expect(body.version).not.toBe(version);
    expect(await readFile(h.configFile, 'utf8')).toBe(edited);
    expect(await readdir(dirname(h.configFile))).not.toContainEqual(expect.stringMatching(/\.bak$/));
    // With the version it names now, the change goes through.
    const retried = await send(
      admin,
      'POST',
      '/api/inventory/devices',
      { village: 'zelene', device: NEW_DEVICE },
      { 'if-match': body.version! },
    );
    expect(retried.statusCode).toBe(201);
    expect(await readFile(h.configFile, 'utf8')).toContain('# edited on the server meanwhile');
  });
});

describe('a file with problems', () => {
  beforeEach(() => start());

  it('shows the problems of a file broken on disk, and refuses changes at their config paths until it is fixed', async () => {
    await writeFile(h.configFile, (await readFile(h.configFile, 'utf8')).replace('kind: institution', 'kind: school'));
    const view = await inventory();
    expect(view.errors).toEqual([expect.stringMatching(/villages\[0\]\.devices\[1\]\.kind: /)]);
    const body = await refused('POST', '/api/inventory/villages', { village: { id: 'nove', name: 'Нове' } }, 400);
    expect(body.errors).toEqual([{ path: 'villages[0].devices[1].kind', message: expect.any(String) }]);

    await writeFile(h.configFile, 'villages: [\n');
    const broken = await send(admin, 'GET', '/api/inventory');
    expect(broken.statusCode).toBe(503);
    expect(parse(api.errorResponse, broken.body).error).toMatch(/cannot be edited until it is fixed by hand: .*YAML syntax error/);
    expect((await refused('DELETE', '/api/inventory/services/website', undefined, 503)).error).toMatch(/YAML syntax error/);
  });
});

describe('villages and services', () => {
  beforeEach(() => start());

  it('adds, changes and removes a village; refuses removing one with devices and a taken id', async () => {
    const added = await edit(
      'POST',
      '/api/inventory/villages',
      { village: { id: 'nove', name: 'Нове', population: 250, location: { lat: 48.1, lon: 32.4 } } },
      201,
    );
    expect(added.applied.ok).toBe(true);
    expect(h.config.villages.map((v) => v.id)).toEqual(['zelene', 'yasne', 'pusta', 'nove']);
    const villages = parse(api.villagesResponse, (await send(admin, 'GET', '/api/villages')).body).villages;
    expect(villages.find((v) => v.id === 'nove')).toMatchObject({ name: 'Нове', population: 250 });

    await edit('PUT', '/api/inventory/villages/nove', { village: { id: 'nove', name: 'Нове село', population: 260 } });
    expect(h.config.villages.find((v) => v.id === 'nove')).toMatchObject({ name: 'Нове село', population: 260 });
    expect(h.config.villages.find((v) => v.id === 'nove')?.location).toBeUndefined();

    // Its own keys only: the devices of a village stay when it is changed.
    await edit('PUT', '/api/inventory/villages/zelene', {
      village: { id: 'zelene', name: 'Зелене (центр)', population: 1200, location: { lat: 48.5, lon: 32.2 } },
    });
    expect(h.config.villages[0]).toMatchObject({ name: 'Зелене (центр)' });
    expect(h.config.villages[0]!.devices).toHaveLength(2);

    expect((await refused('DELETE', '/api/inventory/villages/zelene', undefined, 409)).error).toMatch(/still has 2 device/);
    expect((await refused('POST', '/api/inventory/villages', { village: { id: 'yasne', name: 'Ще одне' } }, 409)).error).toContain('yasne');
    const invalid = await refused('POST', '/api/inventory/villages', { village: { id: 'Bad Id', name: '', population: -1 } }, 400);
    expect(invalid.errors?.map((e) => e.path).sort()).toEqual(['id', 'name', 'population']);
    expect((await refused('PUT', '/api/inventory/villages/nowhere', { village: { id: 'nowhere', name: 'X' } }, 404)).error).toBe(
      'no village "nowhere"',
    );

    await edit('DELETE', '/api/inventory/villages/pusta');
    await edit('DELETE', '/api/inventory/villages/nove');
    expect(h.config.villages.map((v) => v.id)).toEqual(['zelene', 'yasne']);
    const log = await audit();
    expect(log.map((e) => `${e.action} ${e.entity} ${e.id}`)).toEqual([
      'remove village nove',
      'remove village pusta',
      'update village zelene',
      'update village nove',
      'add village nove',
    ]);
    // A village's entry in the log is its own keys, not its devices.
    expect(log[2]!.before).toEqual({ id: 'zelene', name: 'Зелене', population: 1200, location: { lat: 48.5, lon: 32.2 } });
  });

  it('adds, changes and removes a service', async () => {
    await edit('POST', '/api/inventory/services', { service: { id: 'mail', name: 'Пошта', tcp: '127.0.52.1:25', public: false } }, 201);
    let services = parse(api.servicesResponse, (await send(admin, 'GET', '/api/services')).body).services;
    expect(services.find((s) => s.id === 'mail')).toMatchObject({ type: 'tcp', public: false });

    const bad = await refused(
      'PUT',
      '/api/inventory/services/mail',
      { service: { id: 'mail', name: 'Пошта', tcp: '127.0.52.1:99999' } },
      400,
    );
    expect(bad.errors).toEqual([{ path: 'tcp', message: 'port must be 1-65535' }]);
    const both = await refused(
      'POST',
      '/api/inventory/services',
      { service: { id: 'x', name: 'X', url: 'http://127.0.52.1/', tcp: '127.0.52.1:25' } },
      400,
    );
    expect(both.errors?.length).toBeGreaterThan(0);

    await edit('PUT', '/api/inventory/services/mail', {
      service: { id: 'mail', name: 'Пошта громади', tcp: '127.0.52.1:587', public: false },
    });
    services = parse(api.servicesResponse, (await send(admin, 'GET', '/api/services')).body).services;
    expect(services.find((s) => s.id === 'mail')?.name).toBe('Пошта громади');
    expect(await readFile(h.configFile, 'utf8')).toContain(COMMENTS[4]);

    await edit('DELETE', '/api/inventory/services/mail');
    services = parse(api.servicesResponse, (await send(admin, 'GET', '/api/services')).body).services;
    expect(services.map((s) => s.id)).toEqual(['website']);
    expect((await refused('DELETE', '/api/inventory/services/mail', undefined, 404)).error).toBe('no service "mail"');
    expect((await audit()).map((e) => `${e.action} ${e.id}`)).toEqual(['remove mail', 'update mail', 'add mail']);
  });

  it('never shows the password of a URL, and keeps it when a change sends the URL back as shown', async () => {
    const url = 'http://monitor:pa55-in-url@127.0.52.1:8080/health';
    await edit('POST', '/api/inventory/services', { service: { id: 'intranet', name: 'Інтранет', url } }, 201);
    const read = await send(admin, 'GET', '/api/inventory');
    expect(read.body).not.toContain('pa55-in-url');
    const shown = parse(api.inventoryResponse, read.body).services.find((s) => s.id === 'intranet')!;
    expect(shown.url).not.toBe(url);
    expect(String(shown.url)).toContain('127.0.52.1:8080/health');

    const changed = await edit('PUT', '/api/inventory/services/intranet', { service: { ...shown, name: 'Інтранет ради' } });
    expect(JSON.stringify(changed)).not.toContain('pa55-in-url');
    const file = await readFile(h.configFile, 'utf8');
    expect(file).toContain(url);
    expect(file).toContain('Інтранет ради');
    expect(await readFile(join(h.config.server.data_dir, 'audit.log'), 'utf8')).not.toContain('pa55-in-url');
  });
});

describe('the audit log', () => {
  beforeEach(() => start());

  it('is JSON lines in server.data_dir, readable by the service alone, without secrets, newest first over the API', async () => {
    await edit('POST', '/api/inventory/devices', { village: 'zelene', device: NEW_DEVICE }, 201);
    await edit(
      'POST',
      '/api/inventory/services',
      { service: { id: 'private', name: 'Приватний', url: 'https://user:pa55word@127.0.52.1/' } },
      201,
    );
    const file = join(h.config.server.data_dir, 'audit.log');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const text = await readFile(file, 'utf8');
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) api.auditEntry.parse(JSON.parse(line));
    expect(text).not.toContain('pa55word');
    expect(text).not.toContain(COMMUNITY);
    const entries = await audit();
    expect(entries.map((e) => e.id)).toEqual(['private', 'zelene-library']);
    expect(String(entries[0]!.after?.url)).not.toContain('pa55word');
    const limited = await send(admin, 'GET', '/api/inventory/audit?limit=1');
    expect(parse(api.auditResponse, limited.body).entries.map((e) => e.id)).toEqual(['private']);
  });
});

describe('discovery', () => {
  let agent: Snmpd;
  const host = loopbackAddress();
  beforeAll(async () => {
    agent = await startSnmpd({ addresses: [host], sysName: 'zelene-clinic-router' });
  });
  afterAll(async () => {
    await agent?.dispose();
  });
  beforeEach(() => start({ host, port: agent.port }));

  it('asks a real agent what it is, with a credential of the config, to prefill a device', async () => {
    const res = await send(admin, 'POST', '/api/discover', { host, port: agent.port, credential: 'public-v2' });
    expect(res.statusCode, res.body).toBe(200);
    const found = parse(api.discoveryResponse, res.body);
    expect(found).toMatchObject({ host, port: agent.port, snmp_version: '2c', sys_name: 'zelene-clinic-router' });
    expect(found.interfaces.length).toBeGreaterThan(0);
    expect(found.yaml).toContain('credential: public-v2');
    // The entry to prefill the form with, as an object: the YAML's.
    expect(found.entry).toMatchObject({ id: 'zelene-clinic-router', host, snmp: { credential: 'public-v2', port: agent.port } });
    expect(found.entry).toEqual((parseYaml(found.yaml) as unknown[])[0]);
    expect(res.body).not.toContain('public"');
  });

  it('gives the reasons and notes in the language asked for, else in the hromada’s', async () => {
    const ask = async (locale?: string) => {
      const res = await send(admin, 'POST', '/api/discover', {
        host,
        port: agent.port,
        credential: 'public-v2',
        ...(locale ? { locale } : {}),
      });
      expect(res.statusCode, res.body).toBe(200);
      return parse(api.discoveryResponse, res.body);
    };
    const sentences = (d: api.DiscoveryResponse) => [
      d.vendor_reason,
      d.suggested_kind_reason,
      d.suggested_interface_reason,
      d.suggested_parent_reason,
      ...d.notes,
    ];
    const uk = await ask('uk');
    // Its name says clinic.
    expect(uk).toMatchObject({ suggested_kind: 'institution', suggested_category: 'clinic' });
    expect(uk.suggested_kind_reason).toBe(
      'жодна Wi-Fi MIB не відповідає, а назва «zelene-clinic-router» вказує на заклад («clinic» — категорія «медичний заклад»)',
    );
    expect(uk.notes).toContain('категорію «медичний заклад» вгадано з назви: перевірте її');
    for (const text of sentences(uk)) expect(text).toMatch(/[а-щьюяєіїґ]/i);

    const en = await ask('en');
    expect(en.suggested_kind_reason).toBe(
      'no Wi-Fi MIB answers and its name "zelene-clinic-router" names an institution ("clinic": category clinic)',
    );
    expect(en.notes).toContain('category clinic is a guess from the name: check it');
    for (const text of sentences(en)) expect(text).not.toMatch(/[а-щьюяєіїґ]/i);
    // Only the words differ.
    expect(en).toMatchObject({ vendor: uk.vendor, suggested_parent: uk.suggested_parent, entry: uk.entry, yaml: uk.yaml });
    expect(en.notes).toHaveLength(uk.notes.length);

    // Not asked: the hromada's locale, Ukrainian by default.
    expect((await ask()).suggested_kind_reason).toBe(uk.suggested_kind_reason);
    const unknown = await send(admin, 'POST', '/api/discover', { host, port: agent.port, credential: 'public-v2', locale: 'de' });
    expect(unknown.statusCode).toBe(400);
  });

  it('refuses an unknown credential at its field, and says when the agent does not answer', async () => {
    const unknown = await send(admin, 'POST', '/api/discover', { host, port: agent.port, credential: 'nope' });
    expect(unknown.statusCode).toBe(400);
    expect(parse(api.errorResponse, unknown.body).errors).toEqual([{ path: 'credential', message: 'unknown credential "nope"' }]);
    // The right port, the wrong community: the agent stays silent.
    const silent = await send(admin, 'POST', '/api/discover', { host, port: agent.port, credential: 'v2' });
    expect(silent.statusCode).toBe(502);
    expect(silent.body).not.toContain(COMMUNITY);
    const malformed = await send(admin, 'POST', '/api/discover', { host: 'not a host', credential: 'v2' });
    expect(malformed.statusCode).toBe(400);
  });
});

describe("the demo's working copy", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'merezha-demo-copy-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is made from the example, kept with its edits, and made again (the old one kept) when the example changes', async () => {
    const example = join(dir, 'example.yaml');
    await copyFile(DEMO_CONFIG, example);
    const text = await readFile(example, 'utf8');
    const demo = join(dir, 'data', 'demo');

    const made = await demoWorkingCopy(demo, example);
    expect(made).toEqual({ path: join(demo, 'hromada.yaml'), state: 'made' });
    expect(await readFile(made.path, 'utf8')).toBe(text);
    expect((await readFile(join(demo, 'example.version'), 'utf8')).trim()).toBe(versionOf(text));

    // Edited on the dashboard: kept as long as the example stays the same.
    const edited = `${text}# edited on the dashboard\n`;
    await writeFile(made.path, edited);
    expect(await demoWorkingCopy(demo, example)).toEqual({ path: made.path, state: 'kept' });
    expect(await readFile(made.path, 'utf8')).toBe(edited);

    // A new example (a new release): the copy is made again, the edited one kept beside it.
    const newer = text.replace('Дмитрівка', 'Дмитрівка (нова)');
    expect(newer).not.toBe(text);
    await writeFile(example, newer);
    const refreshed = await demoWorkingCopy(demo, example, new Date(Date.UTC(2026, 11, 5, 19, 30)));
    expect(refreshed).toEqual({ path: made.path, state: 'refreshed', backup: `${made.path}.2026-12-05T193000Z.bak` });
    expect(await readFile(made.path, 'utf8')).toBe(newer);
    expect(await readFile(refreshed.backup!, 'utf8')).toBe(edited);
    expect((await readFile(join(demo, 'example.version'), 'utf8')).trim()).toBe(versionOf(newer));

    // A copy without its record that is the example as it is: nothing to make again.
    await rm(join(demo, 'example.version'));
    expect(await demoWorkingCopy(demo, example)).toEqual({ path: made.path, state: 'kept' });
    expect((await readFile(join(demo, 'example.version'), 'utf8')).trim()).toBe(versionOf(newer));
  });
});

describe('merezha start', () => {
  const BIN = new URL('../../bin/merezha.mjs', import.meta.url).pathname;
  let influxd: TestInfluxd;
  let dir: string;
  beforeAll(async () => {
    influxd = await startTestInfluxd();
    dir = await mkdtemp(join(tmpdir(), 'merezha-pid-'));
  });
  afterAll(async () => {
    await influxd?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes its pid to server.data_dir/merezha.pid, reloads on SIGHUP sent to it, and removes it when it stops', async () => {
    const file = join(dir, 'hromada.yaml');
    const pidFile = join(dir, 'server', 'merezha.pid');
    const uplink = loopbackAddress();
    const text = (name: string) => `hromada: { name: ${name} }
storage: { spool_dir: ${join(dir, 'spool')}, managed_dir: ${join(dir, 'influxdb')} }
villages:
  - id: selo
    name: Село
    devices:
      - { id: selo-uplink, kind: uplink, host: ${uplink} }
server: { data_dir: ${join(dir, 'server')} }
`;
    await writeFile(file, text('Громада'));
    const child = spawn(process.execPath, [BIN, 'start', '--config', file], {
      env: { ...process.env, INFLUX_URL: influxd.url, PORT: '0' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    child.stderr.on('data', (d) => (log += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await waitFor('the pid file', async () => (await readFile(pidFile, 'utf8').catch(() => '')) === `${child.pid}\n`, 30_000);
      expect((await stat(pidFile)).isFile()).toBe(true);
      await writeFile(file, text('Перейменована громада'));
      process.kill(Number((await readFile(pidFile, 'utf8')).trim()), 'SIGHUP');
      await waitFor(
        'the reload',
        () => log.includes('config reloaded: devices unchanged; services unchanged; sections changed: hromada'),
        10_000,
      );
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await expect(stat(pidFile)).rejects.toThrow(/ENOENT/);
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    }
  });
});
