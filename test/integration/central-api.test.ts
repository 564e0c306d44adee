/**
 * The oblast dashboard's API over real HTTP (`startCentralServer` on
 * 127.0.0.1), fed by the real registry: hromadas publish heartbeats made by a
 * real hromada dashboard to a one-node NATS under their own credentials, as
 * edges do. Sign-in, roles and CSRF are the hromada server's; every answer is
 * validated against its schema in common/api.ts; no answer holds a secret.
 */
import { get as httpGet } from 'node:http';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorResponse, hromadaDetail, hromadasResponse, sessionInfo, type HromadaItem } from '../../common/api.ts';
import type { Heartbeat } from '../../common/federation.ts';
import { silentLogger } from '../../common/log.ts';
import { localTime } from '../../common/timezone.ts';
import { centralHealth, startCentralServer, type OblastReportFormat, type RunningCentralServer } from '../../central/server.ts';
import { ADMIN_PASSWORD, SECRETS, TEST_HASH_COST } from '../support/api.ts';
import { dashboardHeartbeats, startTestOblast, type DashboardHeartbeats, type TestOblast } from '../support/oblast.ts';
import { freeTcpPort } from '../support/ports.ts';
import { signIn } from '../support/sign-in.ts';

const VIEWER = { username: 'oblast-viewer', password: 'viewer-pass-for-central', role: 'viewer' as const };
const HROMADAS = [
  { id: 'zelena', name: 'Зеленська громада', location: { lat: 48.5, lon: 32.2 } },
  { id: 'richna', name: 'Річненська громада' },
  { id: 'tykha', name: 'Тиха громада', location: { lat: 48.9, lon: 31.8 } },
];
const STALE_AFTER_MS = 60_000;
const UPTIME = { '24h': 100, '7d': 99.8, '30d': 99.52, year: 98.7 };

let oblast: TestOblast | undefined;
let made: DashboardHeartbeats | undefined;
let server: RunningCentralServer;
let webDir: string;
const beats = new Map<string, Heartbeat>();
const reports: { year: number; format: OblastReportFormat }[] = [];

const url = (path: string) => new URL(path, server.url).href;
const get = (path: string, cookie?: string) => fetch(url(path), { headers: cookie ? { cookie } : {} });

describe('the oblast dashboard API', () => {
  beforeAll(async () => {
    made = await dashboardHeartbeats();
    oblast = await startTestOblast(HROMADAS, { staleAfterMs: STALE_AFTER_MS });
    const now = Date.now();
    // Зеленська is heard now; Річненська's last heartbeat is ten minutes old, with points waiting; Тиха never sent.
    beats.set('zelena', made.heartbeat('online', HROMADAS[0]!, now, { uptime: UPTIME }));
    beats.set(
      'richna',
      made.heartbeat('degraded', HROMADAS[1]!, now - 10 * 60_000, {
        backlog: { points: 4200, bytes: 90_000, oldest: now - 11 * 60_000, dropped: 0 },
      }),
    );
    for (const beat of beats.values()) await oblast.send(beat, made.config);

    webDir = await mkdtemp(join(tmpdir(), 'merezha-central-web-'));
    await writeFile(join(webDir, 'index.html'), '<p>the hromada dashboard</p>');
    await writeFile(join(webDir, 'oblast.html'), '<p>the oblast dashboard</p>');
    server = await startCentralServer({
      config: oblast.config,
      hromadas: oblast.registry,
      log: silentLogger(),
      version: '9.9.9-test',
      port: 0,
      adminPassword: ADMIN_PASSWORD,
      hashCost: TEST_HASH_COST,
      webDir,
      report: async (year, format) => {
        reports.push({ year, format });
        return {
          body: format === 'json' ? JSON.stringify({ year }) : `report ${year}`,
          contentType: format === 'csv' ? 'text/csv; charset=utf-8' : format === 'html' ? 'text/html; charset=utf-8' : 'application/json',
        };
      },
    });
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await oblast?.stop();
    if (webDir) await rm(webDir, { recursive: true, force: true });
  });

  it('answers its health and its page to anyone, and every oblast route only after sign-in', async () => {
    const health = await get('/api/health');
    expect(health.status).toBe(200);
    expect(centralHealth.parse(await health.json())).toMatchObject({ status: 'ok', version: '9.9.9-test' });

    // The oblast page, not the hromada's, for the client-side routes.
    for (const path of ['/', '/hromadas/zelena', '/login']) {
      const page = await get(path);
      expect(page.status, path).toBe(200);
      expect(await page.text(), path).toBe('<p>the oblast dashboard</p>');
      expect(page.headers.get('content-security-policy'), path).toContain("default-src 'self'");
    }

    for (const path of ['/api/hromadas', '/api/hromadas/zelena', '/api/hromadas/nowhere', '/api/oblast/report/2025.json', '/api/session']) {
      const res = await get(path);
      expect(res.status, path).toBe(401);
      errorResponse.parse(await res.json());
    }
    expect(reports).toEqual([]);
    // A host name that is not ours is refused, as a hromada's server refuses it (DNS rebinding).
    const asHost = (host: string) =>
      new Promise<number>((done, fail) => {
        // fetch drops a Host header; node:http sends it as given.
        httpGet(url('/api/health'), { headers: { host } }, (res) => {
          res.resume();
          done(res.statusCode ?? 0);
        }).on('error', fail);
      });
    expect(await asHost('rebound.example')).toBe(421);
    expect(await asHost('localhost')).toBe(200);
    expect(await asHost('oblast.example.gov.ua')).toBe(200);
  });

  it("signs in as a hromada's server does: wrong passwords refused, an httpOnly cookie, CSRF on changes", async () => {
    const wrong = await fetch(url('/api/session'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'not-the-password' }),
    });
    expect(wrong.status).toBe(401);

    const res = await fetch(url('/api/session'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(/^merezha_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict/);
    const { csrf } = sessionInfo.parse(await res.json());
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!;

    const add = (headers: Record<string, string>) =>
      fetch(url('/api/users'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie, ...headers },
        body: JSON.stringify(VIEWER),
      });
    expect((await add({})).status).toBe(403);
    expect((await add({ 'x-csrf-token': csrf })).status).toBe(201);
  });

  it('lets a viewer read every hromada, as hromadasResponse has it', async () => {
    const { cookie } = await signIn(server.url, VIEWER.username, VIEWER.password);
    const res = await get('/api/hromadas', cookie);
    expect(res.status).toBe(200);
    const answer = hromadasResponse.parse(await res.json());
    expect(answer.oblast).toEqual({
      name: 'Тестова область',
      timezone: 'Europe/Kyiv',
      locale: 'uk',
      map: { tiles: null, attribution: null },
    });
    expect(Math.abs(answer.at - Date.now())).toBeLessThan(5_000);

    const byId = new Map<string, HromadaItem>(answer.hromadas.map((h) => [h.id, h]));
    expect([...byId.keys()].sort()).toEqual(HROMADAS.map((h) => h.id).sort());
    const zelena = byId.get('zelena')!;
    const beat = beats.get('zelena')!;
    expect(zelena).toMatchObject({
      name: 'Зеленська громада',
      state: 'online',
      devices: beat.devices.total,
      backlog: 0,
      backlog_oldest: null,
      location: HROMADAS[0]!.location,
      heartbeat_at: beat.sent_at,
      version: 'test',
      coverage: beat.villages.total,
      uptime: UPTIME,
      invincibility: beat.invincibility,
    });
    expect(zelena.devices).toBeGreaterThan(0);
    expect(zelena.invincibility!.total).toBe(2);
    expect(zelena.last_message_at).not.toBeNull();

    // Its link is down: its last picture (degraded) is not what it is now.
    expect(byId.get('richna')).toMatchObject({
      state: 'stale',
      location: null,
      backlog: 4200,
      backlog_oldest: beats.get('richna')!.backlog.oldest,
    });
    expect(byId.get('tykha')).toMatchObject({ state: 'unknown', devices: 0, last_message_at: null, coverage: null, heartbeat_at: null });
  });

  it("shows a hromada's villages from its latest heartbeat, and 404 for an id it does not know", async () => {
    const { cookie } = await signIn(server.url, VIEWER.username, VIEWER.password);
    const res = await get('/api/hromadas/zelena', cookie);
    expect(res.status).toBe(200);
    const detail = hromadaDetail.parse(await res.json());
    expect(detail.hromada.id).toBe('zelena');
    expect(detail.villages).toEqual(beats.get('zelena')!.villages);

    const never = hromadaDetail.parse(await (await get('/api/hromadas/tykha', cookie)).json());
    expect(never.villages).toBeNull();

    const unknown = await get('/api/hromadas/nowhere', cookie);
    expect(unknown.status).toBe(404);
    expect(errorResponse.parse(await unknown.json()).error).toContain('nowhere');
  });

  it('holds no secret in any answer: no seed, SNMP credential, password or hash', async () => {
    const admin = await signIn(server.url, 'admin', ADMIN_PASSWORD);
    const viewer = await signIn(server.url, VIEWER.username, VIEWER.password);
    const bodies: string[] = [];
    for (const { cookie } of [admin, viewer])
      for (const path of ['/api/hromadas', ...HROMADAS.map((h) => `/api/hromadas/${h.id}`), '/api/session', '/api/users', '/api/tokens'])
        bodies.push(await (await get(path, cookie)).text());
    const text = bodies.join('\n');
    expect(text).toContain('Зеленська громада');

    const seeds = await Promise.all(oblast!.seedFiles.map(async (file) => (await readFile(file, 'utf8')).trim()));
    const users = await readFile(join(oblast!.config.server.data_dir, 'users.json'), 'utf8');
    const hashes = (JSON.parse(users) as { users: { hash: string }[] }).users.map((u) => u.hash);
    expect(hashes.length).toBe(2);
    const secrets = [...seeds, SECRETS.community, SECRETS.authKey, SECRETS.privKey, ADMIN_PASSWORD, VIEWER.password, ...hashes];
    for (const secret of secrets) expect(text.includes(secret), `an answer holds ${secret.slice(0, 6)}…`).toBe(false);
  });

  it('answers only what the schemas name: a key the source carried besides (credentials, say) is dropped', async () => {
    const registry = oblast!.registry;
    const leaky = {
      list: (now: number) => registry.list(now).map((item) => ({ ...item, snmp_credentials: made!.config.snmp_credentials })),
      detail: (id: string, now: number) => {
        const detail = registry.detail(id, now);
        return detail && { ...detail, inventory: made!.config };
      },
      ingestPending: () => registry.ingestPending(),
    };
    const second = await startCentralServer({
      config: { ...oblast!.config, server: { ...oblast!.config.server, data_dir: join(webDir, 'leaky-data') } },
      hromadas: leaky,
      log: silentLogger(),
      version: 'test',
      port: 0,
      adminPassword: ADMIN_PASSWORD,
      hashCost: TEST_HASH_COST,
      webDir,
    });
    try {
      const { cookie } = await signIn(second.url, 'admin', ADMIN_PASSWORD);
      for (const path of ['/api/hromadas', '/api/hromadas/zelena']) {
        const res = await fetch(new URL(path, second.url), { headers: { cookie } });
        expect(res.status, path).toBe(200);
        const text = await res.text();
        expect(text, path).toContain('Зеленська громада');
        for (const secret of [SECRETS.community, SECRETS.authKey, 'snmp_credentials', 'inventory'])
          expect(text, path).not.toContain(secret);
      }
    } finally {
      await second.close();
    }
  });

  it('hands the oblast report of a year to its source, for a viewer too', async () => {
    const { cookie } = await signIn(server.url, VIEWER.username, VIEWER.password);
    const thisYear = localTime(Date.now(), 'Europe/Kyiv').year;
    const csv = await get(`/api/oblast/report/${thisYear - 1}.csv`, cookie);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toBe(`attachment; filename=merezha-oblast-report-${thisYear - 1}.csv`);
    expect(await csv.text()).toBe(`report ${thisYear - 1}`);
    const html = await get(`/api/oblast/report/${thisYear}.html`, cookie);
    expect([html.status, html.headers.get('content-disposition')]).toEqual([200, null]);
    expect(await (await get(`/api/oblast/report/${thisYear}.json`, cookie)).json()).toEqual({ year: thisYear });
    const excel = await get(`/api/oblast/report/${thisYear}.csv-excel`, cookie);
    expect(excel.headers.get('content-disposition')).toBe(`attachment; filename=merezha-oblast-report-${thisYear}-excel.csv`);

    for (const file of [`${thisYear + 1}.json`, '1999.csv', `${thisYear}.pdf`, 'latest.json'])
      expect((await get(`/api/oblast/report/${file}`, cookie)).status, file).toBe(404);
    expect(reports).toEqual([
      { year: thisYear - 1, format: 'csv' },
      { year: thisYear, format: 'html' },
      { year: thisYear, format: 'json' },
      { year: thisYear, format: 'csv-excel' },
    ]);
  });

  it('takes PORT and MEREZHA_ADMIN_PASSWORD from the environment, as merezha start does', async () => {
    const port = await freeTcpPort();
    const dataDir = join(webDir, 'second-data');
    await mkdir(dataDir);
    const saved = { port: process.env.PORT, password: process.env.MEREZHA_ADMIN_PASSWORD };
    process.env.PORT = String(port);
    process.env.MEREZHA_ADMIN_PASSWORD = 'from-the-environment';
    let second: RunningCentralServer | undefined;
    try {
      second = await startCentralServer({
        config: { ...oblast!.config, server: { ...oblast!.config.server, data_dir: dataDir } },
        hromadas: oblast!.registry,
        log: silentLogger(),
        version: 'test',
        hashCost: TEST_HASH_COST,
        webDir,
      });
      expect(new URL(second.url).port).toBe(String(port));
      const { cookie } = await signIn(second.url, 'admin', 'from-the-environment');
      // Without a report source the route says so rather than failing.
      expect((await fetch(new URL('/api/oblast/report/2025.json', second.url), { headers: { cookie } })).status).toBe(503);
    } finally {
      for (const [name, value] of [
        ['PORT', saved.port],
        ['MEREZHA_ADMIN_PASSWORD', saved.password],
      ] as const)
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      await second?.close();
    }
  });
});
