/**
 * The operator's commands as a user runs them (`merezha user`, also on the
 * oblast central's accounts, `alert test`, `status`), and `/api/health`
 * in-process with stand-ins for a stalled collector and a growing spool.
 * Everything listens on 127.0.0.1.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCentralServer } from '../../central/server.ts';
import { healthResponse, hromadasResponse, sessionInfo } from '../../common/api.ts';
import { formatLocalTime } from '../../common/iso-time.ts';
import { silentLogger } from '../../common/log.ts';
import { loadCentralConfig } from '../../config/central.ts';
import { Sessions } from '../../server/auth/sessions.ts';
import { accountFiles, UserStore } from '../../server/auth/users.ts';
import { HealthCheck } from '../../server/health.ts';
import { startAlertReceivers, type AlertReceivers } from '../support/alert-receivers.ts';
import { apiHarness, type ApiHarness } from '../support/api.ts';
import { freeTcpPort } from '../support/ports.ts';
import { signIn } from '../support/sign-in.ts';

const BIN = new URL('../../bin/merezha.mjs', import.meta.url).pathname;
const TOKEN = '123456:telegram-bot-token-s3cret';
const HOOK_SECRET = 'webhook-hmac-s3cret';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Asynchronous, so that the receivers and servers of this process answer while the command runs. */
function merezha(args: string[], input = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, PORT: '', MEREZHA_LOG_LEVEL: 'error' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

let dir: string;
let receivers: AlertReceivers;
let port: number;

/** A config whose server would listen on `port`, with the receivers' channels and one that reaches nobody. */
async function writeConfig(name: string, dataDir: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(
    file,
    `hromada: { name: Помічнянська громада, timezone: Europe/Kyiv }
server: { host: 127.0.0.1, port: ${port}, data_dir: ${dataDir} }
alerts:
  delivery: { timeout: 3s }
  channels:
    - { id: hook, type: webhook, url: "${receivers.webhookUrl}", secret: ${HOOK_SECRET} }
    - { id: tg, type: telegram, bot_token: "${TOKEN}", chat_id: 42, api_url: "${receivers.telegramApiUrl}" }
    - { id: tg-dead, type: telegram, bot_token: "${TOKEN}", chat_id: 42, api_url: "${receivers.deadUrl.replace('/hook', '')}" }
villages:
  - id: pomichna
    name: Помічна
    devices:
      - { id: pomichna-uplink, name: Помічна, kind: uplink, host: 127.0.0.1 }
`,
  );
  return file;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'merezha-operator-'));
  receivers = await startAlertReceivers({ webhookSecret: HOOK_SECRET });
  port = await freeTcpPort();
});
afterAll(async () => {
  await receivers.close();
  await rm(dir, { recursive: true, force: true });
});

describe('merezha user', () => {
  it('adds users before the first start, lists them without hashes, and a reset password works at once and ends the sessions', async () => {
    const dataDir = join(dir, 'data-users');
    const config = await writeConfig('users.yaml', dataDir);
    const files = accountFiles(dataDir);

    expect(await merezha(['user', 'list', '--config', config])).toMatchObject({ code: 0, stdout: expect.stringContaining('no users yet') });
    const added = await merezha(['user', 'add', 'admin', '--role', 'admin', '--config', config]);
    expect(added.code, added.stderr).toBe(0);
    const adminPassword = /shown only this once\): (\S+)/.exec(added.stdout)![1]!;
    expect(
      await merezha(['user', 'add', 'olena', '--role', 'viewer', '--password-stdin', '--config', config], 'olena-password-1\n'),
    ).toMatchObject({
      code: 0,
      stdout: 'added olena (viewer)\n',
    });
    const listed = await merezha(['user', 'list', '--config', config]);
    expect(listed.stdout).toMatch(
      /^user +role +created +last sign-in\nadmin +admin +\d{4}-\d\d-\d\d \d\d:\d\d\S* +-\nolena +viewer +\d{4}-\S+ \S+ +-\n$/,
    );
    expect(listed.stdout).not.toContain('scrypt');

    // Wrong input changes nothing.
    expect(await merezha(['user', 'add', 'olena', '--role', 'admin', '--config', config])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('already exists'),
    });
    expect(await merezha(['user', 'reset-password', 'olena', '--password-stdin', '--config', config], 'short\n')).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('10 to 200 characters'),
    });
    expect(await merezha(['user', 'reset-password', 'nobody', '--config', config])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('no such user'),
    });

    // Olena signed in before Merezha was stopped: her saved session ends with the reset, the admin's stays.
    const log = silentLogger();
    const openSessions = (users: UserStore) =>
      Sessions.open({ file: files.sessions, log, ttlMs: 3_600_000, lookup: (username) => users.get(username) });
    let users = await UserStore.open({ file: files.users, log, firstAdmin: false });
    let sessions = await openSessions(users);
    const olenaSession = await sessions.create(users.get('olena')!);
    const adminSession = await sessions.create(users.get('admin')!);
    await sessions.close();
    await users.close();

    const reset = await merezha(['user', 'reset-password', 'olena', '--config', config]);
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toMatch(/^new password set for olena; 1 session signed out\npassword \(shown only this once\): \S{16}\n$/);
    const newPassword = /shown only this once\): (\S+)/.exec(reset.stdout)![1]!;

    users = await UserStore.open({ file: files.users, log, firstAdmin: false });
    expect(await users.authenticate('olena', 'olena-password-1')).toBeNull();
    expect(await users.authenticate('olena', newPassword)).toEqual({ username: 'olena', role: 'viewer' });
    expect(await users.authenticate('admin', adminPassword)).toEqual({ username: 'admin', role: 'admin' });
    sessions = await openSessions(users);
    expect(sessions.get(olenaSession.id)).toBeUndefined();
    expect(sessions.get(adminSession.id)?.user.username).toBe('admin');
    await sessions.close();
    await users.close();
    expect((await merezha(['user', 'list', '--config', config])).stdout).toMatch(/\nolena +viewer +\S+ \S+ +\d{4}-\d\d-\d\d \d\d:\d\d/);
  });

  it('refuses to change anything while Merezha runs, and still lists', async () => {
    const h = await apiHarness();
    const server = await listen(h);
    try {
      const config = await writeConfig('running.yaml', h.config.server.data_dir);
      const before = await readFile(accountFiles(h.config.server.data_dir).users, 'utf8');
      for (const args of [
        ['reset-password', 'admin'],
        ['add', 'ivan', '--role', 'viewer'],
      ]) {
        const run = await merezha(['user', ...args, '--config', config]);
        expect(run.code).toBe(1);
        expect(run.stderr).toContain(`Merezha is running (http://127.0.0.1:${port}/api/health): stop it first`);
      }
      expect(await readFile(accountFiles(h.config.server.data_dir).users, 'utf8')).toBe(before);
      expect(await merezha(['user', 'list', '--config', config])).toMatchObject({
        code: 0,
        stdout: expect.stringMatching(/\nadmin +admin /),
      });
    } finally {
      await close(server);
      await h.close();
    }
  });

  it("with --central, adds a viewer to central.yaml's accounts who then signs in on the oblast dashboard, and refuses while it runs", async () => {
    const centralPort = await freeTcpPort();
    const dataDir = join(dir, 'data-central');
    const file = join(dir, 'central.yaml');
    // Tokyo, neither Kyiv nor UTC: printed times must be in oblast.timezone. Nothing connects to NATS.
    await writeFile(
      file,
      `oblast: { name: Тестова область, timezone: Asia/Tokyo }
nats: { servers: ["nats://127.0.0.1:4222"], credentials: ${join(dir, 'central.nk')} }
server: { host: 127.0.0.1, port: ${centralPort}, data_dir: ${dataDir} }
hromadas:
  - { id: zelena, name: Зеленська громада }
`,
    );
    const files = accountFiles(dataDir);

    expect(await merezha(['user', 'list', '--central', file])).toMatchObject({
      code: 0,
      stdout: `no users yet in ${files.users}: the first start of merezha central makes admin\n`,
    });
    expect(
      await merezha(['user', 'add', 'olena', '--role', 'viewer', '--password-stdin', '--central', file], 'olena-central-pass\n'),
    ).toMatchObject({ code: 0, stdout: 'added olena (viewer)\n' });
    expect(await merezha(['user', 'list', '--config', file, '--central', file])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('give --config or --central, not both'),
    });
    const users = await UserStore.open({ file: files.users, log: silentLogger(), firstAdmin: false });
    const created = users.list().find((u) => u.username === 'olena')!.created;
    await users.close();
    const listed = await merezha(['user', 'list', '--central', file]);
    expect(listed.stdout).toMatch(/^user +role +created +last sign-in\nolena +viewer +\d{4}-\S+ \S+ +-\n$/);
    expect(listed.stdout).toContain(` ${formatLocalTime(created, 'Asia/Tokyo')} `);

    const hromadas = { list: () => [], detail: () => undefined, ingestPending: () => null };
    const server = await startCentralServer({
      config: loadCentralConfig(file),
      hromadas,
      log: silentLogger(),
      version: 'test',
      port: centralPort,
    });
    try {
      const { cookie } = await signIn(server.url, 'olena', 'olena-central-pass');
      const session = await fetch(new URL('/api/session', server.url), { headers: { cookie } });
      expect(sessionInfo.parse(await session.json()).user).toEqual({ username: 'olena', role: 'viewer' });
      const oblast = await fetch(new URL('/api/hromadas', server.url), { headers: { cookie } });
      expect(oblast.status).toBe(200);
      expect(hromadasResponse.parse(await oblast.json()).oblast.name).toBe('Тестова область');

      const before = await readFile(files.users, 'utf8');
      for (const args of [
        ['reset-password', 'olena'],
        ['add', 'ivan', '--role', 'viewer'],
      ]) {
        const run = await merezha(['user', ...args, '--central', file]);
        expect(run.code).toBe(1);
        expect(run.stderr).toContain(
          `merezha central is running (http://127.0.0.1:${centralPort}/api/health): stop it first, or change accounts on the dashboard`,
        );
      }
      expect(await readFile(files.users, 'utf8')).toBe(before);
      expect((await merezha(['user', 'list', '--central', file])).stdout).toMatch(/\nolena +viewer +\S+ \S+ +\d{4}-\d\d-\d\d \d\d:\d\d/);
    } finally {
      await server.close();
    }
  });
});

describe('merezha alert test', () => {
  it('sends a marked test message through the real webhook and Telegram channels', async () => {
    const config = await writeConfig('alerts.yaml', join(dir, 'data-alerts'));
    const hook = await merezha(['alert', 'test', '--channel', 'hook', '--config', config]);
    expect(hook.code, hook.stderr).toBe(0);
    expect(hook.stdout).toMatch(/^sent a test message through hook \(webhook\) in \d+ ms\n$/);
    expect(receivers.webhooks).toHaveLength(1);
    const [webhook] = receivers.webhooks;
    expect(webhook!.signatureValid).toBe(true);
    expect(webhook!.body).toMatchObject({
      event: 'test',
      hromada: 'Помічнянська громада',
      device: null,
      title: 'Перевірка сповіщень Merezha',
    });
    expect(webhook!.body.message).toContain('Це перевірка каналу «hook»');

    const tg = await merezha(['alert', 'test', '--channel', 'tg', '--config', config]);
    expect(tg.code, tg.stderr).toBe(0);
    expect(receivers.telegrams).toHaveLength(1);
    expect(receivers.telegrams[0]).toMatchObject({ token: TOKEN, chatId: '42' });
    expect(receivers.telegrams[0]!.text).toMatch(/^Перевірка сповіщень Merezha\n\nЦе перевірка каналу «tg»/);
  });

  it("reports the channel's error without its secrets, and exits 1; an unknown channel is wrong usage", async () => {
    const config = await writeConfig('alerts-dead.yaml', join(dir, 'data-alerts'));
    receivers.failTelegram(1);
    const failed = await merezha(['alert', 'test', '--channel', 'tg', '--config', config]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^merezha alert test: tg \(telegram\) did not send the test message: .*502/);
    const dead = await merezha(['alert', 'test', '--channel', 'tg-dead', '--config', config]);
    expect(dead.code).toBe(1);
    expect(dead.stderr).toContain('tg-dead (telegram) did not send the test message');
    for (const run of [failed, dead]) expect(run.stderr + run.stdout).not.toContain('telegram-bot-token-s3cret');

    const unknown = await merezha(['alert', 'test', '--channel', 'sms', '--config', config]);
    expect(unknown).toMatchObject({
      code: 2,
      stderr: 'merezha alert: no channel "sms" in ' + config + ' (its channels: hook, tg, tg-dead)\n',
    });
  });
});

describe('merezha status', () => {
  it('says not running (exit 3), then up with the health of the running server (exit 0)', async () => {
    const h = await apiHarness();
    const config = await writeConfig('status.yaml', h.config.server.data_dir);
    try {
      const down = await merezha(['status', '--config', config]);
      expect(down).toMatchObject({ code: 3, stdout: expect.stringContaining('Merezha is not running: nothing listens at') });
      const server = await listen(h);
      try {
        const up = await merezha(['status', '--config', config]);
        expect(up.code, up.stderr).toBe(0);
        expect(up.stdout).toMatch(new RegExp(`^Merezha test at http://127.0.0.1:${port}/: ok, up \\d+ s`));
        expect(up.stdout).toContain('\nInfluxDB     up\nlast backup  none\n');
        const json = await merezha(['status', '--json', '--config', config]);
        expect(JSON.parse(json.stdout)).toMatchObject({ running: true, health: { status: 'ok', last_backup: null }, error: null });

        h.services.health = new HealthCheck(h.config, { influxUp: () => false });
        const degraded = await merezha(['status', '--config', config]);
        expect(degraded.code).toBe(1);
        expect(degraded.stdout).toContain(': degraded, up ');
        expect(degraded.stdout).toContain('\n  - InfluxDB does not take writes');
      } finally {
        await close(server);
      }
    } finally {
      await h.close();
    }
  });
});

describe('/api/health', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await apiHarness();
  });
  afterAll(() => h.close());

  const ask = async () => {
    const res = await h.request({ method: 'GET', url: '/api/health' });
    expect(res.statusCode).toBe(200);
    return healthResponse.parse(res.json());
  };

  it('is ok with the fields it always had, and the new ones', async () => {
    expect(await ask()).toMatchObject({ status: 'ok', version: 'test', influx: true, reasons: [], last_backup: null });
  });

  it('is degraded when no poll completed in three intervals (ping every 10 s here)', async () => {
    const clock = { now: Date.UTC(2026, 5, 15, 9, 0, 0) };
    let lastPoll: number | null = clock.now;
    const collector = { stats: () => ({ jobs: 9, lagMsMax: 1200, lastDoneAt: lastPoll }) };
    h.services.health = new HealthCheck(h.config, { influxUp: () => true, collector, now: () => clock.now });
    clock.now += 30_000;
    expect(await ask()).toMatchObject({ status: 'ok', collector: { jobs: 9, last_poll: lastPoll, lag_max_s: 1.2 } });
    clock.now += 1;
    const stalled = await ask();
    expect(stalled.status).toBe('degraded');
    expect(stalled.reasons).toEqual(['the collector is stalled: no poll completed in 30 s (3 intervals are 30 s)']);
    lastPoll = clock.now;
    expect((await ask()).status).toBe('ok');
    // Never a poll since the start counts from the start.
    lastPoll = null;
    clock.now += 31_000;
    expect((await ask()).reasons).toEqual([expect.stringContaining('the collector is stalled')]);
  });

  it('is degraded when the spool keeps growing across checks, or holds over half its cap', async () => {
    const clock = { now: Date.UTC(2026, 5, 15, 9, 0, 0) };
    let spoolBytes = 0;
    const writer = { stats: () => ({ pending: Math.floor(spoolBytes / 100), spoolBytes }) };
    h.services.health = new HealthCheck(h.config, { influxUp: () => true, writer, now: () => clock.now });
    const reasons: string[][] = [];
    for (let i = 0; i < 4; i++) {
      // Checks more often than the interval count once.
      reasons.push((await ask()).reasons, (await ask()).reasons);
      spoolBytes += 50_000;
      clock.now += 10_000;
    }
    expect(reasons.slice(0, 6).flat()).toEqual([]);
    expect(reasons[6]).toEqual(['the spool keeps growing (146.5 KB): InfluxDB does not keep up with the collector']);
    spoolBytes -= 50_000;
    expect((await ask()).status).toBe('ok'); // the same size: no longer growing
    spoolBytes = Math.ceil(h.config.storage.spool_max_mb * 1024 * 1024 * 0.6);
    expect((await ask()).reasons).toEqual([expect.stringMatching(/^the spool holds [\d.]+ [KM]B, over half its cap/)]);
  });
});

/** The harness's app on the port of the configs above, as `merezha start` would listen. */
async function listen(h: ApiHarness): Promise<Server> {
  const server = createServer(h.app);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
