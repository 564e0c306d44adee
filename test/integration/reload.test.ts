/**
 * A reload of the config on a running Merezha, with real services: a test
 * influxd, an snmpd agent on loopback and the whole stack as `merezha start`
 * runs it, from a config file in a temp dir. The file is rewritten (a device
 * added, one now polled by SNMP as well, two removed, one of them down and
 * alerted, one down with its outage in progress kept) and reloaded through
 * the function `merezha start` calls on SIGHUP. Checked: the new and changed
 * polls within one interval, none of the removed devices after it, the kept
 * states and outage, no alert sent for the change, the dashboard (REST and
 * socket.io) on the new inventory, the settings that need a restart kept and
 * named, and a file with errors changing nothing. Then a real SIGHUP to a
 * `merezha start` process.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reloadConfig, type ReloadResult } from '../../app/reload.ts';
import { startStack, type Stack } from '../../app/stack.ts';
import type { ClientToServerEvents, DevicesResponse, HromadaInfo, ServerToClientEvents } from '../../common/api.ts';
import { createLogger } from '../../common/log.ts';
import { loadConfig } from '../../config/load.ts';
import type { SubjectView } from '../../server/state/types.ts';
import { readPoints, startTestInfluxd, waitFor, type TestInfluxd } from '../support/influxd.ts';
import { freeUdpPort } from '../support/ports.ts';
import { startSnmpd, type Snmpd } from '../support/snmpd.ts';

const BIN = new URL('../../bin/merezha.mjs', import.meta.url).pathname;
const DB = 'merezha';
const INTERVAL_MS = 1_000;
const PASSWORD = 'admin-pass-for-reload-tests';
const net = `127.${100 + Math.floor(Math.random() * 50)}.${1 + Math.floor(Math.random() * 250)}`;
const host = (n: number) => `${net}.${n}`;

let influxd: TestInfluxd;
let agent: Snmpd;
let dir: string;
let file: string;
/** A UDP port nobody listens on: SNMP there fails at once, so a device polled only by SNMP is down. */
let deadPort: number;
let stack: Stack | undefined;
let socket: Socket<ServerToClientEvents, ClientToServerEvents> | undefined;
/** Every line the stack logged, parsed. */
const logged: Array<Record<string, unknown>> = [];
const log = createLogger({ destination: { write: (line: string) => void logged.push(JSON.parse(line) as Record<string, unknown>) } });

const device = {
  keepUp: () => `{ id: keep-up, kind: uplink, host: ${host(1)} }`,
  changedBefore: () => `{ id: changed, kind: institution, category: school, host: ${host(2)} }`,
  changedAfter: () =>
    `{ id: changed, kind: institution, category: school, host: ${host(2)}, snmp: { credential: public-v2, port: ${agent.port} } }`,
  keepDown: () => `{ id: keep-down, kind: wifi, host: ${host(3)}, ping: false, snmp: { credential: public-v2, port: ${deadPort} } }`,
  removed: () => `{ id: removed, kind: institution, category: library, host: ${host(4)} }`,
  goneDown: () => `{ id: gone-down, kind: wifi, host: ${host(5)}, ping: false, snmp: { credential: public-v2, port: ${deadPort} } }`,
  added: () => `{ id: added, kind: institution, category: clinic, host: ${host(6)} }`,
};

function configText(options: { name: string; devices: string[]; port?: number; folder?: string; influx?: string }): string {
  const folder = options.folder ?? dir;
  return `hromada: { name: ${options.name} }
storage:
  spool_dir: ${join(folder, 'spool')}
  managed_dir: ${join(folder, 'influxdb')}
  flush_interval: 100ms${options.influx ? `\n  influx: { url: "${options.influx}", database: merezha_hup }` : ''}
polling:
  ping: { interval: 1s, count: 1, timeout: 300ms }
  snmp: { interval: 1s, timeout: 300ms, retries: 0 }
states: { down_after: 2, up_after: 1, recheck: false }
snmp_credentials:
  public-v2: { version: 2c, community: public }
villages:
  - id: selo
    name: Село
    devices:
${options.devices.map((d) => `      - ${d}`).join('\n')}
alerts:
  channels: [{ id: it-log, type: log }]
  rules: [{ on: [down, recovered], channels: [it-log] }]
server: { data_dir: ${join(folder, 'server')}${options.port ? `, port: ${options.port}` : ''} }
`;
}

const view = (id: string): SubjectView | undefined => stack!.monitor.engine.view(id);
const api = async <T>(path: string, cookie: string): Promise<T> => {
  const res = await fetch(new URL(path, stack!.url), { headers: { cookie } });
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
};
const pointsOf = (measurement: 'ping' | 'snmp' | 'outage' | 'transition', id: string, from = 0) =>
  readPoints(influxd, DB, measurement, `WHERE "device" = '${id}' AND time >= ${from}ms`);

let cookie: string;
let reloadAt: number;
let reloaded: ReloadResult;
let downBefore: SubjectView;
let upBefore: SubjectView;
let recordsBefore: number;
let attemptsBefore: number;
let inventoryEvents = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'merezha-reload-'));
  file = join(dir, 'hromada.yaml');
  [influxd, agent, deadPort] = await Promise.all([
    startTestInfluxd(),
    startSnmpd({ addresses: [host(2)], sysName: 'changed-agent' }),
    freeUdpPort(host(3)),
  ]);
  await writeFile(
    file,
    configText({
      name: 'Тестова громада',
      devices: [device.keepUp(), device.changedBefore(), device.keepDown(), device.removed(), device.goneDown()],
    }),
  );
  stack = await startStack({
    config: loadConfig(file),
    log,
    version: 'test',
    influxUrl: influxd.url,
    port: 0,
    adminPassword: PASSWORD,
  });
  await waitFor('the first states', () =>
    [view('keep-up'), view('changed'), view('removed'), view('keep-down'), view('gone-down')]
      .map((v) => v?.state)
      .every((state, i) => state === (i < 3 ? 'up' : 'down')),
  );
  await waitFor('the two down alerts delivered', () => stack!.monitor.alerts.attempts().filter((a) => a.ok).length === 2);
  await stack.monitor.alerts.idle();

  const session = await fetch(new URL('/api/session', stack.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: PASSWORD }),
  });
  expect(session.status).toBe(200);
  cookie = session.headers.get('set-cookie')!.split(';')[0]!;
  socket = connect(stack.url, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie } });
  socket.on('inventory', () => inventoryEvents++);
  await new Promise<void>((resolve, reject) => {
    socket!.once('connect', resolve);
    socket!.once('connect_error', reject);
  });
}, 60_000);

afterAll(async () => {
  socket?.close();
  await stack?.stop();
  await Promise.all([influxd?.dispose(), agent?.dispose()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a reload of the config', () => {
  it('applies a valid file: a device added, one changed, two removed, one setting that needs a restart kept', async () => {
    expect((await pointsOf('ping', 'removed')).length).toBeGreaterThan(0);
    downBefore = view('keep-down')!;
    upBefore = view('keep-up')!;
    expect(downBefore.outage).toBeDefined();
    recordsBefore = stack!.monitor.alerts.records().length;
    attemptsBefore = stack!.monitor.alerts.attempts().length;
    const running = stack!.config;

    await writeFile(
      file,
      configText({
        name: 'Перейменована громада',
        devices: [device.keepUp(), device.changedAfter(), device.keepDown(), device.added()],
        port: 8999,
      }),
    );
    reloadAt = Date.now();
    reloaded = await reloadConfig(stack!, file, log);

    expect(reloaded.ok).toBe(true);
    if (!reloaded.ok) return;
    expect(reloaded.plan.devices).toEqual({ added: ['added'], changed: ['changed'], relabelled: [], removed: ['removed', 'gone-down'] });
    expect(reloaded.plan.restart).toEqual(['server.port']);
    expect(stack!.config).toBe(reloaded.plan.config);
    expect(stack!.config.server).toEqual(running.server);
    expect(stack!.collector.stats().jobs).toBe(5);

    const line = logged.filter((l) => String(l.msg).startsWith('config reloaded'));
    expect(line.map((l) => l.msg)).toEqual([
      'config reloaded: devices 1 added, 1 changed, 2 removed; services unchanged; sections changed: hromada, villages; ' +
        'needs a restart (running values kept): server.port',
    ]);
    expect(line[0]).toMatchObject({ config: file, restart: ['server.port'], devices: reloaded.plan.devices });

    // The dashboard: the new name at once, and open pages told to read the inventory again.
    expect((await api<HromadaInfo>('/api/hromada', cookie)).name).toBe('Перейменована громада');
    await waitFor('the inventory event', () => inventoryEvents === 1, 5_000);
  });

  it('polls the added and the changed device within one interval, and the removed ones no more', async () => {
    await waitFor('the first poll of the added device', async () => (await pointsOf('ping', 'added', reloadAt)).length > 0, 5_000);
    await waitFor('the first SNMP poll of the changed device', async () => (await pointsOf('snmp', 'changed', reloadAt)).length > 0, 5_000);
    const [addedPing] = await pointsOf('ping', 'added', reloadAt);
    const [changedSnmp] = await pointsOf('snmp', 'changed', reloadAt);
    // Due within one interval (test/unit/collector-reload.test.ts holds it tighter); the second is slack for a busy machine.
    expect(addedPing!.time - reloadAt).toBeLessThan(2 * INTERVAL_MS);
    expect(changedSnmp!.time - reloadAt).toBeLessThan(2 * INTERVAL_MS);
    expect(changedSnmp!.fields.ok).toBe(1);

    await new Promise((resolve) => setTimeout(resolve, 2.5 * INTERVAL_MS));
    await stack!.writer.flush();
    expect(await pointsOf('ping', 'removed', reloadAt)).toEqual([]);
    expect(await pointsOf('snmp', 'gone-down', reloadAt)).toEqual([]);
    expect((await pointsOf('ping', 'added', reloadAt)).length).toBeGreaterThanOrEqual(2);

    const devices = (await api<DevicesResponse>('/api/devices', cookie)).devices;
    expect(devices.map((d) => [d.id, d.state])).toEqual([
      ['keep-up', 'up'],
      ['changed', 'up'],
      ['keep-down', 'down'],
      ['added', 'up'],
    ]);
  });

  it('keeps the states of the devices that stay, the down one with its outage in progress', async () => {
    expect(view('keep-up')).toMatchObject({ state: 'up', since: upBefore.since });
    expect(view('keep-down')).toMatchObject({ state: 'down', since: downBefore.since, outage: { start: downBefore.outage!.start } });
    expect(view('removed')).toBeUndefined();
    expect(await pointsOf('transition', 'keep-up', reloadAt)).toEqual([]);
    expect(await pointsOf('transition', 'keep-down', reloadAt)).toEqual([]);
    expect((await pointsOf('outage', 'keep-down')).map((p) => [p.time, p.fields.open])).toEqual([[downBefore.outage!.start, 1]]);

    // The changed device starts afresh, as a new one does: back to unknown at the reload, then up at its first answer.
    const changed = (await pointsOf('transition', 'changed', reloadAt)).map((p) => [p.fields.from, p.fields.to, p.fields.reason]);
    expect(changed).toEqual([
      ['up', 'unknown', 'changed in the config'],
      ['unknown', 'up', 'answers'],
    ]);
    // The outage of a removed device ends at the reload instead of staying open for ever.
    const [goneOutage] = await pointsOf('outage', 'gone-down');
    expect(goneOutage!.fields.open).toBe(0);
    expect(Number(goneOutage!.fields.end_ms)).toBeGreaterThanOrEqual(reloadAt);
  });

  it('sends no alert for the change itself', async () => {
    await stack!.monitor.alerts.idle();
    const since = stack!.monitor.alerts.records().slice(recordsBefore);
    // The alerted outage of a removed device is closed in the log without a recovery, so that no restart sends one either.
    expect(since.map((r) => [r.action, r.subject, r.channels, r.suppressed])).toEqual([['close', 'gone-down', [], 'config reloaded']]);
    expect(stack!.monitor.alerts.attempts()).toHaveLength(attemptsBefore);
    expect(logged.filter((l) => l.channel === 'it-log' && Date.parse(String(l.time)) >= reloadAt)).toEqual([]);
  });

  it('changes nothing when the file has errors, and logs them as check-config prints them', async () => {
    const running = stack!.config;
    const jobs = stack!.collector.stats().jobs;
    await writeFile(
      file,
      configText({
        name: 'Зламана громада',
        devices: [device.keepUp(), `{ id: broken, kind: router, host: 127.0.0.300 }`, device.keepDown()],
      }),
    );
    const result = await reloadConfig(stack!, file, log);

    const check = spawnSync(process.execPath, [BIN, 'check-config', file], { encoding: 'utf8', timeout: 60_000 });
    expect(check.status).toBe(1);
    const printed = check.stderr.trimEnd().split('\n');
    expect(printed[0]).toMatch(new RegExp(`^${file}:\\d+ villages\\[0\\]\\.devices\\[1\\]\\.kind: `));
    expect(result).toEqual({ ok: false, errors: printed });
    expect(logged.at(-1)).toMatchObject({ level: 50, config: file, errors: printed });
    expect(String(logged.at(-1)!.msg)).toMatch(/^config not reloaded/);

    expect(stack!.config).toBe(running);
    expect(stack!.collector.stats().jobs).toBe(jobs);
    expect((await api<HromadaInfo>('/api/hromada', cookie)).name).toBe('Перейменована громада');
    expect((await api<DevicesResponse>('/api/devices', cookie)).devices.map((d) => d.id)).toEqual([
      'keep-up',
      'changed',
      'keep-down',
      'added',
    ]);
    expect(view('keep-down')).toMatchObject({ state: 'down', since: downBefore.since });
    expect(inventoryEvents).toBe(1);
  });
});

describe('merezha start on SIGHUP', () => {
  it('reloads its config file and runs on; a file with errors is logged and changes nothing', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'merezha-hup-'));
    const hupFile = join(folder, 'hromada.yaml');
    const write = (devices: string[]) => writeFile(hupFile, configText({ name: 'Громада', devices, folder, influx: influxd.url }));
    const hupDevice = (n: number) => `{ id: hup-${n}, kind: institution, category: school, host: ${host(10 + n)} }`;
    await write([hupDevice(1), hupDevice(2)]);
    const child = spawn(process.execPath, [BIN, 'start', '--config', hupFile], {
      env: { ...process.env, INFLUX_URL: influxd.url, PORT: '0', MEREZHA_ADMIN_PASSWORD: PASSWORD },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let output = '';
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const lines = () =>
      output
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    const hupPoints = async (id: string, from = 0) =>
      (await influxd.query(`SELECT "reachable" FROM "raw"."ping" WHERE "device" = '${id}' AND time >= ${from}ms`, 'merezha_hup')).length;
    try {
      await waitFor('merezha start to run', () => output.includes('Merezha is running'), 30_000);
      await waitFor('both devices polled', async () => (await hupPoints('hup-1')) > 0 && (await hupPoints('hup-2')) > 0, 10_000);

      await write([hupDevice(1), hupDevice(3)]);
      const at = Date.now();
      child.kill('SIGHUP');
      await waitFor('the reload', () => lines().some((l) => String(l.msg).startsWith('config reloaded')), 10_000);
      const done = lines().find((l) => String(l.msg).startsWith('config reloaded'))!;
      expect(done.msg).toBe('config reloaded: devices 1 added, 1 removed; services unchanged; sections changed: villages');
      await waitFor('the added device polled', async () => (await hupPoints('hup-3', at)) > 0, 5_000);
      await new Promise((resolve) => setTimeout(resolve, 2 * INTERVAL_MS));
      // Logged once the reload is through: no poll of the removed device begins after it.
      expect(await hupPoints('hup-2', Date.parse(String(done.time)))).toBe(0);

      await writeFile(hupFile, 'hromada: { name: Громада }\nvillages: []\n');
      child.kill('SIGHUP');
      await waitFor('the refusal', () => lines().some((l) => String(l.msg).startsWith('config not reloaded')), 10_000);
      expect(lines().find((l) => String(l.msg).startsWith('config not reloaded'))).toMatchObject({
        level: 50,
        errors: [`${hupFile}:2 villages: list at least one village`],
      });
      const polled = await hupPoints('hup-3');
      await waitFor('polls going on', async () => (await hupPoints('hup-3')) > polled, 5_000);
      expect(child.exitCode).toBeNull();

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output).toContain('"msg":"stopped"');
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      await rm(folder, { recursive: true, force: true });
    }
  });
});
