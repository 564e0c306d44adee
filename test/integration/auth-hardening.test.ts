/**
 * Sign-in and session hardening: a burst of wrong passwords meets the throttle
 * before any hash is spent and leaves the server responsive, password hashes
 * are capped, host names not ours are refused (DNS rebinding), background
 * requests do not keep a session alive, sessions survive a restart, and a
 * failed sign-in never logs a typed password. In-process, on 127.0.0.1 where a
 * real socket is needed.
 */
import { createServer, get as httpGet, type Server } from 'node:http';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connect } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { sessionInfo } from '../../common/api.ts';
import { BACKGROUND_HEADER } from '../../common/headers.ts';
import { createLogger } from '../../common/log.ts';
import { OWASP_COST } from '../../server/auth/passwords.ts';
import { createApp } from '../../server/http/app.ts';
import { ROUTES } from '../../server/http/routes/index.ts';
import { attachSocket, type LiveServer } from '../../server/http/socket.ts';
import { ADMIN_PASSWORD, apiHarness, type ApiHarness } from '../support/api.ts';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function harness(options: Parameters<typeof apiHarness>[0] = {}): Promise<ApiHarness> {
  const h = await apiHarness(options);
  cleanup.push(() => h.close());
  return h;
}

/** The harness's app, with its socket.io, on a port of 127.0.0.1, serving one static file. */
async function listen(h: ApiHarness): Promise<{ base: string; port: number; live: LiveServer }> {
  const webDir = join(h.config.server.data_dir, 'web');
  await mkdir(webDir, { recursive: true });
  await writeFile(join(webDir, 'app.js'), 'console.log(1);\n');
  const http: Server = createServer(createApp(h.services, ROUTES, webDir));
  const live = attachSocket(http, h.services, h.dashboard);
  await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
  cleanup.push(async () => {
    await live.close();
    http.closeAllConnections();
    await new Promise((done) => http.close(done));
  });
  const port = (http.address() as AddressInfo).port;
  return { base: `http://127.0.0.1:${port}`, port, live };
}

async function timed(url: string): Promise<{ status: number; ms: number }> {
  const start = performance.now();
  const res = await fetch(url);
  await res.arrayBuffer();
  return { status: res.status, ms: performance.now() - start };
}

describe('a burst of wrong passwords', () => {
  it('answers at most five with 401 and the rest 429, while static files and health stay quick', async () => {
    const h = await harness({ hashCost: OWASP_COST });
    const { base } = await listen(h);
    // Warm, so what is measured is the burst's effect, not the first load of the static file code.
    await timed(`${base}/app.js`);
    const burst = Array.from({ length: 50 }, () =>
      fetch(`${base}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: 'wrong-password' }),
      }).then((res) => ({ status: res.status, retryAfter: res.headers.get('retry-after') })),
    );
    // While the hashes that got through run.
    await new Promise((resume) => setTimeout(resume, 50));
    const file = await timed(`${base}/app.js`);
    const health = await timed(`${base}/api/health`);
    const answers = await Promise.all(burst);

    expect(answers.filter((a) => a.status === 401).length).toBeLessThanOrEqual(5);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(answers.length - answers.filter((a) => a.status === 401).length);
    expect(answers.filter((a) => a.status === 429).every((a) => Number(a.retryAfter) > 0)).toBe(true);
    expect(file).toMatchObject({ status: 200 });
    expect(file.ms).toBeLessThan(1000);
    expect(health).toMatchObject({ status: 200 });
    expect(health.ms).toBeLessThan(1000);
  }, 60_000);

  it('caps password hashes at once: sign-ins beyond the cap get 429 with Retry-After, none fails otherwise', async () => {
    const h = await harness({ hashCost: OWASP_COST, extra: { server: { trusted_proxies: 1 } } });
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        h.request({
          method: 'POST',
          url: '/api/session',
          headers: { 'x-forwarded-for': `10.0.0.${i + 1}` },
          payload: { username: `user${i}`, password: 'wrong-password' },
        }),
      ),
    );
    const statuses = answers.map((a) => a.statusCode);
    expect(statuses.filter((s) => s === 401).length).toBeGreaterThanOrEqual(6);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    expect(answers.filter((a) => a.statusCode === 429).every((a) => a.headers['retry-after'] === '1')).toBe(true);
    // Refused for load, not counted as failures: the same address may try again at once.
    const refused = answers.findIndex((a) => a.statusCode === 429);
    const again = await h.request({
      method: 'POST',
      url: '/api/session',
      headers: { 'x-forwarded-for': `10.0.0.${refused + 1}` },
      payload: { username: 'admin', password: ADMIN_PASSWORD },
    });
    expect(again.statusCode).toBe(200);
  }, 60_000);
});

describe('host names (DNS rebinding)', () => {
  it('answers IP addresses, localhost and the configured names only', async () => {
    const h = await harness({ extra: { alerts: { dashboard_url: 'https://merezha.hromada.example/' } } });
    const status = async (headers: Record<string, string>) => (await h.request({ method: 'GET', url: '/api/health', headers })).statusCode;
    for (const host of [
      'localhost:8470',
      '127.0.0.1:8470',
      '[::1]:8470',
      '192.0.2.10',
      'LOCALHOST',
      'merezha.hromada.example',
      'localhost.',
    ])
      expect(await status({ host }), host).toBe(200);
    for (const host of ['evil.example', 'evil.example:8470', 'merezha.hromada.example.evil.example', '127.0.0.1.nip.io']) {
      const res = await h.request({ method: 'GET', url: '/api/health', headers: { host } });
      expect(res.statusCode, host).toBe(421);
      expect(res.body).toContain('Merezha не відповідає');
    }
    expect((await h.request({ method: 'GET', url: '/', headers: { host: 'evil.example' } })).statusCode).toBe(421);
    // Without a trusted proxy, X-Forwarded-Host is anybody's to send and is not read.
    expect(await status({ host: 'localhost', 'x-forwarded-host': 'evil.example' })).toBe(200);
  });

  it('behind a trusted proxy, checks the forwarded name', async () => {
    const h = await harness({ extra: { server: { trusted_proxies: 1, host: 'merezha.lan' } } });
    const status = async (forwarded: string) =>
      (await h.request({ method: 'GET', url: '/api/health', headers: { host: '127.0.0.1:8470', 'x-forwarded-host': forwarded } }))
        .statusCode;
    expect(await status('merezha.lan')).toBe(200);
    expect(await status('merezha.lan, evil.example')).toBe(200);
    expect(await status('evil.example')).toBe(421);
  });

  it('refuses the socket.io handshake for a name not ours', async () => {
    const h = await harness();
    const { port } = await listen(h);
    const handshake = (host: string) =>
      new Promise<number>((done, fail) => {
        httpGet({ host: '127.0.0.1', port, path: '/socket.io/?EIO=4&transport=polling', headers: { host } }, (res) => {
          res.resume();
          done(res.statusCode ?? 0);
        }).on('error', fail);
      });
    expect(await handshake('evil.example')).toBe(403);
    expect(await handshake(`127.0.0.1:${port}`)).toBe(200);
  });
});

describe('idle sessions', () => {
  it('are extended by the user’s requests, not by background ones or the live connection', async () => {
    const h = await harness();
    const { base } = await listen(h);
    const { cookie } = await h.signIn('admin', ADMIN_PASSWORD);
    const expires = async (headers: Record<string, string> = {}) =>
      sessionInfo.parse((await h.request({ method: 'GET', url: '/api/session', headers: { cookie, ...headers } })).json()).expires;
    const pause = () => new Promise((resume) => setTimeout(resume, 20));

    const first = await expires({ [BACKGROUND_HEADER]: '1' });
    await pause();
    expect(await expires({ [BACKGROUND_HEADER]: '1' })).toBe(first);
    expect((await h.request({ method: 'GET', url: '/api/villages', headers: { cookie, [BACKGROUND_HEADER]: '1' } })).statusCode).toBe(200);
    const socket = connect(base, { extraHeaders: { cookie }, transports: ['websocket'], reconnection: false });
    cleanup.push(async () => socket.close());
    await new Promise<void>((done, fail) => {
      socket.once('connect', done);
      socket.once('connect_error', fail);
    });
    expect(await expires({ [BACKGROUND_HEADER]: '1' })).toBe(first);
    await pause();
    const used = await expires();
    expect(used).toBeGreaterThan(first);
  });
});

describe('sessions across a restart', () => {
  it('keeps a signed-in cookie working after a restart on the same data, until signed out', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'merezha-restart-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const before = await apiHarness({ dataDir });
    const { cookie, csrf } = await before.signIn('admin', ADMIN_PASSWORD);
    await before.close();

    const stored = await readFile(join(dataDir, 'sessions.json'), 'utf8');
    expect(stored).not.toContain(cookie.split('=')[1]);
    expect(stored).not.toContain(csrf);

    const after = await harness({ dataDir });
    expect((await after.request({ method: 'GET', url: '/api/villages', headers: { cookie } })).statusCode).toBe(200);
    const info = sessionInfo.parse((await after.request({ method: 'GET', url: '/api/session', headers: { cookie } })).json());
    expect(info.csrf).toBe(csrf);
    const out = await after.request({ method: 'DELETE', url: '/api/session', headers: { cookie, 'x-csrf-token': csrf } });
    expect(out.statusCode).toBe(204);
    expect(JSON.parse(await readFile(join(dataDir, 'sessions.json'), 'utf8'))).toEqual({ version: 1, sessions: [] });
    expect((await after.request({ method: 'GET', url: '/api/villages', headers: { cookie } })).statusCode).toBe(401);
  });
});

describe('failed sign-ins in the log', () => {
  it('name an existing user as typed, and any other name by its length only', async () => {
    const h = await harness();
    const lines: string[] = [];
    h.services.log = createLogger({ destination: { write: (line: string) => lines.push(line) } });
    const attempt = (username: string) =>
      h.request({ method: 'POST', url: '/api/session', payload: { username, password: 'wrong-password' } });
    expect((await attempt('Admin')).statusCode).toBe(401);
    expect((await attempt('Tr0ub4dor&3-my-password')).statusCode).toBe(401);
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => r.msg === 'failed sign-in');
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({ username: 'Admin' });
    expect(records[1]).toMatchObject({ username_length: 23 });
    expect(lines.join('')).not.toContain('Tr0ub4dor');
  });
});
