/**
 * The built web as the server hands it out (server/http/static.ts): from
 * memory, compressed as the client accepts, with strong ETags and 304s, a
 * year's caching for the hashed assets and none for the page, every security
 * header, the page for every client-side route, and for a signed-in user the
 * page with the first reads' answers in it, which nobody else gets and no cache
 * keeps. In-process (light-my-request), on a small built web of its own.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { inject, type InjectOptions } from 'light-my-request';
import { afterEach, describe, expect, it } from 'vitest';
import type { TokenCreated } from '../../common/api.ts';
import { createApp } from '../../server/http/app.ts';
import { ROUTES } from '../../server/http/routes/index.ts';
import { FIRST_READS_ELEMENT } from '../../common/headers.ts';
import { ADMIN_PASSWORD, apiHarness, type ApiHarness } from '../support/api.ts';

const SHELL = `<!doctype html>
<html lang="uk">
  <head>
    <title>Мережа</title>
    <script type="module" src="/assets/index-Ab12Cd34.js"></script>
  </head>
  <body><div id="app"></div></body>
</html>
`;
/** Big enough to be worth compressing. */
const SCRIPT = `export const words = ${JSON.stringify(Array.from({ length: 400 }, (_, i) => `слово ${i}`))};\n`;
const ICON = '<svg xmlns="http://www.w3.org/2000/svg"/>';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function writeWeb(dir: string): Promise<void> {
  await mkdir(join(dir, 'assets'), { recursive: true });
  await writeFile(join(dir, 'index.html'), SHELL);
  await writeFile(join(dir, 'assets/index-Ab12Cd34.js'), SCRIPT);
  await writeFile(join(dir, 'favicon.svg'), ICON);
  await writeFile(join(dir, '.env'), 'SECRET=1\n');
}

/** The harness's services with the app over a built web in a folder of its own (`build: false`: not built yet). */
async function served({ build = true, extra = {} }: { build?: boolean; extra?: Parameters<typeof apiHarness>[0] } = {}) {
  const h: ApiHarness = await apiHarness(extra);
  cleanup.push(() => h.close());
  const dir = await mkdtemp(join(tmpdir(), 'merezha-web-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  if (build) await writeWeb(dir);
  const app = createApp(h.services, ROUTES, dir);
  return { h, dir, get: (url: string, headers: InjectOptions['headers'] = {}) => inject(app, { method: 'GET', url, headers }) };
}

function expectSecurityHeaders(headers: Record<string, unknown>): void {
  expect(headers['content-security-policy']).toContain("default-src 'self'");
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['referrer-policy']).toBe('same-origin');
}

/** The answers the page carries, from its data block; undefined when it has none. */
function firstReads(html: string): Record<string, unknown> | undefined {
  const match = new RegExp(`<script type="application/json" id="${FIRST_READS_ELEMENT}">(.*?)</script>`, 's').exec(html);
  return match ? (JSON.parse(match[1]!) as Record<string, unknown>) : undefined;
}

describe('the built web, from memory', () => {
  it('compresses a script as the client accepts, caches it for a year and answers 304 to its ETag', async () => {
    const { get } = await served();
    const path = '/assets/index-Ab12Cd34.js';

    const br = await get(path, { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.statusCode).toBe(200);
    expect(br.headers['content-type']).toMatch(/^text\/javascript/);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toContain('Accept-Encoding');
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(Number(br.headers['content-length'])).toBeLessThan(SCRIPT.length / 3);
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(SCRIPT);
    expectSecurityHeaders(br.headers);

    const gzip = await get(path, { 'accept-encoding': 'gzip, br;q=0' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.rawPayload).toString()).toBe(SCRIPT);

    const plain = await get(path);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(SCRIPT);

    // A strong tag for each representation, and each of them revalidates the file.
    const tags = [br, gzip, plain].map((res) => String(res.headers.etag));
    expect(new Set(tags).size).toBe(3);
    for (const tag of tags) expect(tag).toMatch(/^"[^"]+"$/);
    for (const tag of [...tags, `W/${tags[0]!}`, `"other", ${tags[1]!}`]) {
      const again = await get(path, { 'if-none-match': tag, 'accept-encoding': 'br' });
      expect(again.statusCode, tag).toBe(304);
      expect(again.body, tag).toBe('');
      expect(again.headers.etag).toBe(tags[0]);
      expect(again.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expectSecurityHeaders(again.headers);
    }
    expect((await get(path, { 'if-none-match': '"other"' })).statusCode).toBe(200);
  });

  it('serves small files as they are, for an hour, and HEAD without a body', async () => {
    const { get, h, dir } = await served();
    const icon = await get('/favicon.svg', { 'accept-encoding': 'br' });
    expect([icon.statusCode, icon.body, icon.headers['content-encoding']]).toEqual([200, ICON, undefined]);
    expect(icon.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(icon.headers['cache-control']).toBe('public, max-age=3600');
    expectSecurityHeaders(icon.headers);

    const app = createApp(h.services, ROUTES, dir);
    const head = await inject(app, { method: 'HEAD', url: '/assets/index-Ab12Cd34.js' });
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe('');
    expect(Number(head.headers['content-length'])).toBe(Buffer.byteLength(SCRIPT));
  });

  it('hands the page, uncached but revalidated, to every client-side route, and not a dotfile', async () => {
    const { get } = await served();
    for (const path of ['/', '/villages/zelene', '/devices/x/y', '/login?next=%2F', '/.env', '/assets/gone-1234.js']) {
      const page = await get(path);
      expect(page.statusCode, path).toBe(200);
      expect(page.headers['content-type'], path).toMatch(/^text\/html/);
      expect(page.headers['cache-control'], path).toBe('no-cache');
      expect(page.body, path).toBe(SHELL);
      expectSecurityHeaders(page.headers);
      expect((await get(path, { 'if-none-match': String(page.headers.etag) })).statusCode, path).toBe(304);
    }
    // Not the page: the API's and the socket's paths, and the server's own pages.
    expect((await get('/api/nothing')).statusCode).toBe(404);
    expect((await get('/api/nothing')).json()).toEqual({ error: 'no such API route' });
    expect((await get('/socket.io/nothing')).statusCode).toBe(404);
    expect((await get('/status')).body).not.toBe(SHELL);
  });

  it('says the dashboard is not built until it is, without a restart', async () => {
    const { get, dir } = await served({ build: false });
    const before = await get('/villages/zelene');
    expect(before.statusCode).toBe(503);
    expect(before.body).toContain('npm run build:web');
    await writeWeb(dir);
    expect((await get('/villages/zelene')).body).toBe(SHELL);
    expect((await get('/favicon.svg')).body).toBe(ICON);
  });
});

describe('the first reads in the page', () => {
  it('carries the session, the hromada and the villages for a signed-in user, as the API answers them, uncached', async () => {
    const { h, get } = await served();
    const { cookie } = await h.signIn('admin', ADMIN_PASSWORD);
    const page = await get('/villages/zelene', { cookie, 'accept-encoding': 'gzip' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers.etag).toBeUndefined();
    expect(page.headers['content-encoding']).toBe('gzip');
    expectSecurityHeaders(page.headers);
    const html = gunzipSync(page.rawPayload).toString();
    // In the head, before the app's script.
    expect(html.indexOf(FIRST_READS_ELEMENT)).toBeLessThan(html.indexOf('</head>'));

    const reads = firstReads(html)!;
    expect(Object.keys(reads).sort()).toEqual(['/api/hromada', '/api/session', '/api/villages']);
    for (const path of ['/api/session', '/api/hromada', '/api/villages']) {
      const answer = (await h.request({ method: 'GET', url: path, headers: { cookie } })).json() as Record<string, unknown>;
      // Each read extends the session: the page's was read a moment before.
      expect(reads[path], path).toEqual(path === '/api/session' ? { ...answer, expires: expect.any(Number) } : answer);
    }
    // A revalidation of the plain page gets the page with the data, not a 304.
    const plainTag = String((await get('/')).headers.etag);
    expect((await get('/', { cookie, 'if-none-match': plainTag })).statusCode).toBe(200);
  });

  it('carries nothing for a visitor, a stale cookie or an API token', async () => {
    const { h, get } = await served();
    const { cookie, csrf } = await h.signIn('admin', ADMIN_PASSWORD);
    const created = await h.request({
      method: 'POST',
      url: '/api/tokens',
      headers: { cookie, 'x-csrf-token': csrf },
      payload: { name: 'a script' },
    });
    expect(created.statusCode).toBe(201);
    const { token } = created.json() as TokenCreated;
    for (const headers of [{}, { cookie: 'merezha_session=made-up' }, { authorization: `Bearer ${token}` }]) {
      const page = await get('/', headers);
      expect(page.body, JSON.stringify(headers)).toBe(SHELL);
      expect(page.headers['cache-control']).toBe('no-cache');
    }
  });

  it('keeps the data from ending its element, whatever the names hold', async () => {
    const name = 'Громада </script><script>alert(1)</script> <!--';
    const { h, get } = await served({ extra: { extra: { hromada: { name, timezone: 'Europe/Kyiv' } } } });
    const { cookie } = await h.signIn('admin', ADMIN_PASSWORD);
    const html = (await get('/', { cookie })).body;
    expect(html.match(/<script/g)).toHaveLength(2);
    expect((firstReads(html)!['/api/hromada'] as { name: string }).name).toBe(name);
  });
});
