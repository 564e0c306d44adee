/**
 * Live updates over socket.io on a real port (127.0.0.1): who may connect,
 * what a state change sends (the hromada's coverage included), and that
 * signing out ends the connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import type {
  ClientToServerEvents,
  Coverage,
  ServerToClientEvents,
  StateEvent,
  VillageSummary,
  VillagesResponse,
} from '../../common/api.ts';
import { silentLogger } from '../../common/log.ts';
import { startHttpServer, type RunningHttpServer } from '../../server/http/server.ts';
import { ADMIN_PASSWORD, apiHarness, type ApiHarness } from '../support/api.ts';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

let h: ApiHarness;
let server: RunningHttpServer;
const clients: Client[] = [];

beforeAll(async () => {
  h = await apiHarness({ villagePushMs: 50 });
  server = await startHttpServer({
    config: h.config,
    log: silentLogger(),
    dashboard: h.dashboard,
    influxUp: () => true,
    version: 'test',
    port: 0,
    adminPassword: ADMIN_PASSWORD,
  });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await server?.close();
  await h?.close();
});

function client(options: { cookie?: string; token?: string; origin?: string } = {}): Client {
  const headers: Record<string, string> = {};
  if (options.cookie) headers.cookie = options.cookie;
  if (options.origin) headers.origin = options.origin;
  const c: Client = connect(server.url, {
    transports: ['websocket'],
    reconnection: false,
    extraHeaders: headers,
    ...(options.token ? { auth: { token: options.token } } : {}),
  });
  clients.push(c);
  return c;
}

/** Resolves with the connect error's message, or 'connected'. */
const outcome = (c: Client) =>
  new Promise<string>((done) => {
    c.once('connect', () => done('connected'));
    c.once('connect_error', (err) => done(err.message));
  });

async function signIn(): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`${server.url}api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  expect(res.status).toBe(200);
  return { cookie: res.headers.get('set-cookie')!.split(';')[0]!, csrf: ((await res.json()) as { csrf: string }).csrf };
}

describe('live updates', () => {
  it('refuses a connection without a session or token, or from another site', async () => {
    expect(await outcome(client())).toBe('unauthorized');
    expect(await outcome(client({ cookie: 'merezha_session=forged' }))).toBe('unauthorized');
    const { cookie } = await signIn();
    expect(await outcome(client({ cookie, origin: 'https://evil.example' }))).toBe('cross-site connection refused');
    expect(await outcome(client({ cookie, origin: 'not a url' }))).toBe('cross-site connection refused');
  });

  it('sends state, village and outage events as they happen, to cookie and token clients alike', async () => {
    const { cookie, csrf } = await signIn();
    const tokenRes = await fetch(`${server.url}api/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf },
      body: JSON.stringify({ name: 'wall screen' }),
    });
    const { token } = (await tokenRes.json()) as { token: string };
    const byCookie = client({ cookie });
    const byToken = client({ token });
    expect(await Promise.all([outcome(byCookie), outcome(byToken)])).toEqual(['connected', 'connected']);

    const received = (c: Client) => {
      const states: StateEvent[] = [];
      const villages: VillageSummary[] = [];
      c.on('state', (e) => states.push(e));
      c.on('village', (v) => villages.push(v));
      const offline = new Promise<void>((done) => c.on('village', (v) => v.id === 'yasne' && v.state === 'offline' && done()));
      const outage = new Promise<string>((done) => c.on('outage', (o) => done(`${o.subject} ${o.end === null ? 'open' : 'closed'}`)));
      return { states, villages, offline, outage };
    };
    const a = received(byCookie);
    const b = received(byToken);
    h.ping('yasne-uplink', true);
    h.ping('yasne-uplink', false);
    await Promise.all([a.offline, b.offline]);
    expect(await a.outage).toBe('yasne-uplink open');
    expect(await b.outage).toBe('yasne-uplink open');
    for (const r of [a, b]) {
      expect(r.states.map((s) => [s.subject, s.state])).toEqual([
        ['yasne-uplink', 'up'],
        ['yasne-uplink', 'down'],
        ['yasne-library', 'unreachable'],
      ]);
      expect(r.villages.at(-1)).toMatchObject({ id: 'yasne', state: 'offline', coverage: { uplinks: { up: 0, total: 1 } } });
    }
  });

  it('sends a village again when its figures move without a state change (Wi-Fi clients)', async () => {
    const { cookie } = await signIn();
    const c = client({ cookie });
    expect(await outcome(c)).toBe('connected');
    h.ping('zelene-uplink', true);
    h.ping('zelene-wifi-park', true);
    const clients = (n: number) =>
      new Promise<void>((done) => c.on('village', (v) => v.id === 'zelene' && v.coverage.wifi.clients === n && done()));
    const seven = clients(7);
    h.snmp('zelene-wifi-park', { clients: 7 });
    await seven;
    const eleven = clients(11);
    h.snmp('zelene-wifi-park', { clients: 11 });
    await eleven;
  });

  it('sends the hromada’s coverage whenever a village moves it, as GET /api/villages counts it', async () => {
    const { cookie } = await signIn();
    const c = client({ cookie });
    expect(await outcome(c)).toBe('connected');
    const totalWhere = (test: (total: Coverage) => boolean) => new Promise<Coverage>((done) => c.on('coverage', (t) => test(t) && done(t)));
    const restTotal = async () =>
      ((await (await fetch(`${server.url}api/villages`, { headers: { cookie } })).json()) as VillagesResponse).total;

    h.ping('zelene-uplink', true);
    h.ping('zelene-wifi-park', true);
    const clients = totalWhere((t) => t.wifi.clients === 23);
    h.snmp('zelene-wifi-park', { clients: 23 });
    expect(await clients).toEqual(await restTotal());

    const before = await restTotal();
    const uplink = totalWhere((t) => t.uplinks.up === before.uplinks.up + 1);
    h.ping('zelene-backup', true);
    const after = await uplink;
    expect(after).toEqual(await restTotal());
    expect(after.uplinks).toEqual({ up: before.uplinks.up + 1, total: before.uplinks.total });
  });

  it('ends the connection when its session signs out', async () => {
    const { cookie, csrf } = await signIn();
    const c = client({ cookie });
    expect(await outcome(c)).toBe('connected');
    const gone = new Promise<string>((done) => c.once('disconnect', (reason) => done(reason)));
    const res = await fetch(`${server.url}api/session`, { method: 'DELETE', headers: { cookie, 'x-csrf-token': csrf } });
    expect(res.status).toBe(204);
    expect(await gone).toBe('io server disconnect');
  });
});
