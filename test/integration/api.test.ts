/**
 * The REST API in-process: auth on every declared route, sessions, CSRF,
 * throttling, tokens, roles, coverage figures, actions, the public page and
 * secrets. No port is opened and nothing waits on a timer.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as api from '../../common/api.ts';
import { ROUTES } from '../../server/http/routes/index.ts';
import { ADMIN_PASSWORD, apiHarness, SECRETS, type ApiHarness } from '../support/api.ts';

let h: ApiHarness;
beforeEach(async () => {
  h = await apiHarness();
});
afterEach(async () => {
  await h.close();
});

const VIEWER = { username: 'viewer', password: 'viewer-pass-123', role: 'viewer' as const };

async function adminAndViewer() {
  const admin = await h.signIn('admin', ADMIN_PASSWORD);
  const created = await h.request({
    method: 'POST',
    url: '/api/users',
    headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf },
    payload: VIEWER,
  });
  expect(created.statusCode).toBe(201);
  const viewer = await h.signIn(VIEWER.username, VIEWER.password);
  return { admin, viewer };
}

const urlOf = (path: string) => path.replace(/:([a-z]+)/gi, 'zelene-uplink');

function parse<T>(schema: z.ZodType<T>, body: string): T {
  return schema.parse(JSON.parse(body));
}

describe('auth on every route', () => {
  it('refuses anonymous calls to every route but health and the public ones, and admin routes to viewers and their tokens', async () => {
    const { admin, viewer } = await adminAndViewer();
    const token = await h.request({
      method: 'POST',
      url: '/api/tokens',
      headers: { cookie: viewer.cookie, 'x-csrf-token': viewer.csrf },
      payload: { name: 'script' },
    });
    expect(token.statusCode).toBe(201);
    const bearer = `Bearer ${(token.json() as api.TokenCreated).token}`;

    const publicPaths = ROUTES.filter((r) => r.access === 'public').map((r) => `${r.method} ${r.path}`);
    expect(publicPaths.sort()).toEqual(['get /api/health', 'get /api/public/status', 'get /status', 'post /api/session']);

    // Signing out last, so the viewer's session lasts through the others.
    const signOutLast = [...ROUTES].sort(
      (a, b) => Number(a.method === 'delete' && a.path === '/api/session') - Number(b.method === 'delete' && b.path === '/api/session'),
    );
    for (const r of signOutLast) {
      const method = r.method.toUpperCase() as 'GET';
      const url = urlOf(r.path);
      const anonymous = await h.request({ method, url });
      if (r.access === 'public') expect(anonymous.statusCode, `${method} ${url}`).not.toBe(401);
      else expect(anonymous.statusCode, `${method} ${url} anonymous`).toBe(401);

      const asViewer = await h.request({ method, url, headers: { cookie: viewer.cookie, 'x-csrf-token': viewer.csrf } });
      const asToken = await h.request({ method, url, headers: { authorization: bearer } });
      for (const res of [asViewer, asToken]) {
        if (r.access === 'admin') expect(res.statusCode, `${method} ${url} as viewer`).toBe(403);
        else expect([401, 403], `${method} ${url} as viewer`).not.toContain(res.statusCode);
      }
      if (r.access === 'admin' && r.method === 'get') {
        const asAdmin = await h.request({ method, url, headers: { cookie: admin.cookie } });
        expect(asAdmin.statusCode, `${method} ${url} as admin`).toBe(200);
      }
    }
  });

  it('accepts no made-up token or session cookie', async () => {
    for (const headers of [{ authorization: 'Bearer mrz_made-up' }, { cookie: 'merezha_session=made-up' }]) {
      expect((await h.request({ method: 'GET', url: '/api/villages', headers })).statusCode).toBe(401);
    }
  });

  it('answers unknown API paths with 404 JSON, even anonymously', async () => {
    const res = await h.request({ method: 'GET', url: '/api/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'no such API route' });
  });
});

describe('sessions', () => {
  it('sets an httpOnly SameSite=Strict cookie and signs out for good', async () => {
    const res = await h.request({ method: 'POST', url: '/api/session', payload: { username: 'admin', password: ADMIN_PASSWORD } });
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^merezha_session=[\w-]{40,};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).not.toContain('Secure');
    const info = parse(api.sessionInfo, res.body);
    expect(info.user).toEqual({ username: 'admin', role: 'admin' });
    const session = cookie.split(';')[0]!;

    const me = await h.request({ method: 'GET', url: '/api/session', headers: { cookie: session } });
    expect(me.json()).toMatchObject({ csrf: info.csrf });
    const out = await h.request({ method: 'DELETE', url: '/api/session', headers: { cookie: session, 'x-csrf-token': info.csrf } });
    expect(out.statusCode).toBe(204);
    expect(h.disconnected).toHaveLength(1);
    expect((await h.request({ method: 'GET', url: '/api/villages', headers: { cookie: session } })).statusCode).toBe(401);
  });

  it('marks the cookie Secure behind an HTTPS proxy that is trusted', async () => {
    await h.close();
    h = await apiHarness({ extra: { server: { trusted_proxies: 1 } } });
    const res = await h.request({
      method: 'POST',
      url: '/api/session',
      headers: { 'x-forwarded-proto': 'https' },
      payload: { username: 'admin', password: ADMIN_PASSWORD },
    });
    expect(String(res.headers['set-cookie'])).toContain('Secure');
  });

  it('refuses changes without the CSRF token or from another site', async () => {
    const { cookie, csrf } = await h.signIn('admin', ADMIN_PASSWORD);
    const payload = { devices: ['zelene-school'], minutes: 10 };
    const without = await h.request({ method: 'POST', url: '/api/maintenance', headers: { cookie }, payload });
    expect(without.statusCode).toBe(403);
    const wrong = await h.request({
      method: 'POST',
      url: '/api/maintenance',
      headers: { cookie, 'x-csrf-token': 'x'.repeat(csrf.length) },
      payload,
    });
    expect(wrong.statusCode).toBe(403);
    const crossSite = await h.request({
      method: 'POST',
      url: '/api/maintenance',
      headers: { cookie, 'x-csrf-token': csrf, origin: 'https://evil.example', host: '192.0.2.10:8470' },
      payload,
    });
    expect(crossSite.statusCode).toBe(403);
    const ok = await h.request({ method: 'POST', url: '/api/maintenance', headers: { cookie, 'x-csrf-token': csrf }, payload });
    expect(ok.statusCode).toBe(201);
  });

  it('throttles repeated wrong passwords with Retry-After, and still lets others in', async () => {
    const attempt = (password: string) => h.request({ method: 'POST', url: '/api/session', payload: { username: 'admin', password } });
    // Five failures are free; then the delays begin.
    for (let i = 0; i < 5; i++) expect((await attempt('wrong')).statusCode).toBe(401);
    const blocked = await attempt(ADMIN_PASSWORD);
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect((await h.request({ method: 'POST', url: '/api/session', payload: { username: 'nobody', password: 'x' } })).statusCode).toBe(401);
  });

  it('rejects malformed bodies and queries with the field that is wrong', async () => {
    const bad = await h.request({ method: 'POST', url: '/api/session', payload: { username: 'admin' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'invalid request', issues: [{ path: 'password' }] });
    const notJson = await h.request({
      method: 'POST',
      url: '/api/session',
      headers: { 'content-type': 'application/json' },
      payload: '{"username":',
    });
    expect(notJson.statusCode).toBe(400);
    const { cookie } = await h.signIn('admin', ADMIN_PASSWORD);
    const range = await h.request({ method: 'GET', url: '/api/devices/zelene-uplink/history?range=2h', headers: { cookie } });
    expect(range.statusCode).toBe(400);
    expect(range.json()).toMatchObject({ issues: [{ path: 'range' }] });
    const unknownParam = await h.request({ method: 'GET', url: '/api/outages?villge=zelene', headers: { cookie } });
    expect(unknownParam.statusCode).toBe(400);
  });
});

describe('users and tokens', () => {
  it('lets a viewer read but not act, revokes tokens, and protects the last admin', async () => {
    const { admin, viewer } = await adminAndViewer();
    const ack = await h.request({
      method: 'POST',
      url: '/api/alerts/ack',
      headers: { cookie: viewer.cookie, 'x-csrf-token': viewer.csrf },
      payload: { target: 'zelene-uplink' },
    });
    expect(ack.statusCode).toBe(403);

    const created = await h.request({
      method: 'POST',
      url: '/api/tokens',
      headers: { cookie: viewer.cookie, 'x-csrf-token': viewer.csrf },
      payload: { name: 'grafana' },
    });
    const token = created.json() as api.TokenCreated;
    expect(token.token).toMatch(/^mrz_/);
    const listed = await h.request({ method: 'GET', url: '/api/tokens', headers: { cookie: admin.cookie } });
    expect(listed.body).not.toContain(token.token);
    expect(parse(api.tokensResponse, listed.body).tokens.map((t) => t.name)).toEqual(['grafana']);
    const del = await h.request({
      method: 'DELETE',
      url: `/api/tokens/${token.id}`,
      headers: { cookie: viewer.cookie, 'x-csrf-token': viewer.csrf },
    });
    expect(del.statusCode).toBe(204);
    expect((await h.request({ method: 'GET', url: '/api/villages', headers: { authorization: `Bearer ${token.token}` } })).statusCode).toBe(
      401,
    );

    const lastAdmin = await h.request({
      method: 'DELETE',
      url: '/api/users/admin',
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf },
    });
    expect(lastAdmin.statusCode).toBe(409);
    const removeViewer = await h.request({
      method: 'DELETE',
      url: '/api/users/viewer',
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf },
    });
    expect(removeViewer.statusCode).toBe(204);
    expect(h.disconnected).toContainEqual({ username: 'viewer' });
    expect((await h.request({ method: 'GET', url: '/api/villages', headers: { cookie: viewer.cookie } })).statusCode).toBe(401);
  });
});

describe('the network as the dashboard sees it', () => {
  it('computes coverage per village and for the hromada, live', async () => {
    const { cookie } = await h.signIn('admin', ADMIN_PASSWORD);
    const get = async () =>
      parse(api.villagesResponse, (await h.request({ method: 'GET', url: '/api/villages', headers: { cookie } })).body);

    expect((await get()).villages.map((v) => v.state)).toEqual(['unknown', 'unknown']);
    for (const id of [
      'zelene-uplink',
      'zelene-backup',
      'zelene-school',
      'zelene-wifi-park',
      'zelene-wifi-office',
      'yasne-uplink',
      'yasne-library',
    ]) {
      h.ping(id, true);
    }
    h.snmp('zelene-school', { speed_mbps: 1000 });
    h.snmp('zelene-wifi-park', { clients: 7 });
    h.snmp('zelene-wifi-office', { clients: 2 });
    let v = await get();
    expect(v.villages.map((x) => x.state)).toEqual(['online', 'online']);
    expect(v.total).toMatchObject({
      uplinks: { up: 3, total: 3 },
      institutions: { online: 2, total: 2, online_pct: 100, high_speed: 1, high_speed_pct: 50 },
      wifi: { up: 2, total: 2, clients: 9 },
      population: { covered: 1500, total: 1500 },
    });

    // Ясне's only uplink fails: the village is offline, its library cut off, its people not covered.
    h.ping('yasne-uplink', false);
    h.ping('yasne-library', false);
    v = await get();
    expect(v.villages.find((x) => x.id === 'yasne')).toMatchObject({
      state: 'offline',
      coverage: { uplinks: { up: 0, total: 1 }, institutions: { online: 0, total: 1 }, population: { covered: 0, total: 300 } },
    });
    expect(v.total).toMatchObject({ institutions: { online: 1, online_pct: 50 }, population: { covered: 1200 } });

    // One of Зелене's two uplinks fails: degraded, not offline; the office Wi-Fi's clients no longer count.
    h.ping('zelene-backup', false);
    h.ping('zelene-wifi-office', false);
    v = await get();
    expect(v.villages.find((x) => x.id === 'zelene')).toMatchObject({ state: 'degraded', coverage: { uplinks: { up: 1, total: 2 } } });
    expect(v.total.wifi).toEqual({ up: 1, total: 2, clients: 7 });

    const devices = parse(
      api.devicesResponse,
      (await h.request({ method: 'GET', url: '/api/devices?village=yasne', headers: { cookie } })).body,
    );
    expect(devices.devices.map((d) => [d.id, d.state, d.cause])).toEqual([
      ['yasne-uplink', 'down', null],
      ['yasne-library', 'unreachable', 'yasne-uplink'],
    ]);
    expect((await h.request({ method: 'GET', url: '/api/devices?village=nowhere', headers: { cookie } })).statusCode).toBe(404);
  });

  it('acknowledges an alert, and sets and ends maintenance', async () => {
    const { cookie, csrf } = await h.signIn('admin', ADMIN_PASSWORD);
    const headers = { cookie, 'x-csrf-token': csrf };
    h.ping('yasne-uplink', true);
    h.ping('yasne-uplink', false);
    h.monitor.alerts.plan();
    const alerts = parse(api.alertsResponse, (await h.request({ method: 'GET', url: '/api/alerts?active=true', headers })).body).alerts;
    const down = alerts.find((a) => a.subject === 'yasne-uplink' && a.action === 'open');
    expect(down).toMatchObject({ active: true, acked: null, village: { id: 'yasne' } });

    const ack = await h.request({ method: 'POST', url: '/api/alerts/ack', headers, payload: { target: down!.id } });
    expect(ack.statusCode).toBe(200);
    const after = parse(api.alertsResponse, (await h.request({ method: 'GET', url: '/api/alerts', headers })).body).alerts;
    expect(after.find((a) => a.id === down!.id)?.acked).toMatchObject({ by: 'admin' });
    expect((await h.request({ method: 'POST', url: '/api/alerts/ack', headers, payload: { target: 'zelene-uplink' } })).statusCode).toBe(
      404,
    );

    const set = await h.request({
      method: 'POST',
      url: '/api/maintenance',
      headers,
      payload: { villages: ['zelene'], minutes: 30, note: 'роботи' },
    });
    expect(set.statusCode).toBe(201);
    const item = parse(api.maintenanceItem, set.body);
    expect(item.to - item.from).toBe(30 * 60_000);
    h.monitor.engine.tick();
    expect(h.monitor.engine.view('zelene-school')?.state).toBe('maintenance');
    const unknown = await h.request({ method: 'POST', url: '/api/maintenance', headers, payload: { devices: ['ghost'], minutes: 5 } });
    expect(unknown.statusCode).toBe(404);

    expect((await h.request({ method: 'DELETE', url: `/api/maintenance/${item.id}`, headers })).statusCode).toBe(204);
    h.monitor.engine.tick();
    expect(h.monitor.engine.view('zelene-school')?.state).not.toBe('maintenance');
    expect(parse(api.maintenanceResponse, (await h.request({ method: 'GET', url: '/api/maintenance', headers })).body).windows).toEqual([]);
  });
});

describe('the public page and secrets', () => {
  it('shows public Free WiFi zones and services by name only', async () => {
    h.ping('zelene-wifi-park', true);
    const json = await h.request({ method: 'GET', url: '/api/public/status' });
    const status = parse(api.publicStatus, json.body);
    expect(status.villages).toEqual([{ name: 'Зелене', wifi: [{ name: 'Free WiFi, парк', up: true, uptime_month_pct: null }] }]);
    expect(status.services.map((s) => s.name)).toEqual(['Сайт громади']);

    const page = await h.request({ method: 'GET', url: '/status' });
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('Free WiFi, парк');
    expect(page.body).toContain('Працює');
    const english = await h.request({ method: 'GET', url: '/status?lang=en' });
    expect(english.body).toContain('Working');
    for (const body of [json.body, page.body]) {
      expect(body).not.toMatch(/127\.\d+\.\d+\.\d+/);
      expect(body).not.toContain('Службова точка');
      expect(body).not.toContain('zelene-');
      expect(body).not.toContain('Пошта');
    }
  });

  it('never answers with a community, v3 key, password, token or hash', async () => {
    const { cookie } = await h.signIn('admin', ADMIN_PASSWORD);
    const created = await h.request({
      method: 'POST',
      url: '/api/tokens',
      headers: { cookie, 'x-csrf-token': (await h.request({ method: 'GET', url: '/api/session', headers: { cookie } })).json().csrf },
      payload: { name: 'ci' },
    });
    const token = (created.json() as api.TokenCreated).token;
    const secrets = [SECRETS.community, SECRETS.authKey, SECRETS.privKey, ADMIN_PASSWORD, token, 'scrypt$'];
    for (const r of ROUTES.filter((r) => r.method === 'get')) {
      const res = await h.request({ method: 'GET', url: urlOf(r.path), headers: { cookie } });
      for (const s of secrets) expect(res.body, `${r.path} leaks ${s}`).not.toContain(s);
    }
  });
});

describe('the API description', () => {
  it('lists every route with its schemas, and the answers match them', async () => {
    const { cookie } = await h.signIn('admin', ADMIN_PASSWORD);
    const doc = (await h.request({ method: 'GET', url: '/api/openapi.json', headers: { cookie } })).json() as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    for (const r of ROUTES) expect(doc.paths[r.path.replace(/:([a-z]+)/gi, '{$1}')]?.[r.method], `${r.method} ${r.path}`).toBeDefined();
    expect(doc.paths['/api/villages']!.get!.responses['200']).toMatchObject({
      content: { 'application/json': { schema: { type: 'object' } } },
    });

    for (const r of ROUTES.filter((r) => r.method === 'get' && r.response)) {
      const res = await h.request({ method: 'GET', url: urlOf(r.path), headers: { cookie } });
      expect(res.statusCode, r.path).toBe(200);
      const checked = r.response!.safeParse(res.json());
      expect(checked.success, `${r.path}: ${checked.error?.message}`).toBe(true);
    }
  });

  it('serves Prometheus metrics to a signed-in caller', async () => {
    const { cookie } = await h.signIn('admin', ADMIN_PASSWORD);
    h.services.metrics.observePoll('ping', 0.3);
    const res = await h.request({ method: 'GET', url: '/metrics', headers: { cookie } });
    expect(res.body).toContain('merezha_poll_duration_seconds_bucket{kind="ping",le="0.5"} 1');
    expect(res.body).toMatch(/merezha_http_requests_total\{route="\/api\/session",method="POST",status="200"\} 1/);
  });
});
