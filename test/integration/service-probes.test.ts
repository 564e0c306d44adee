/**
 * The http and tcp service probes against real servers on 127.0.0.1: plain
 * HTTP, HTTPS with self-signed certificates made by the openssl CLI at test
 * time, a bare TCP listener, and a port nobody listens on.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { httpProbe } from '../../collector/probes/http.ts';
import type { ServiceResult } from '../../collector/probes/service.ts';
import { tcpProbe } from '../../collector/probes/tcp.ts';
import { NEVER_ABORTED, runSignalOf, type ProbeKind, type RunSignal, type ServiceTarget } from '../../collector/probes/types.ts';
import { MEASUREMENTS } from '../../storage/measurements.ts';
import { silentLogger } from '../../common/log.ts';
import { configSchema, type ConfigInput } from '../../config/schema.ts';

type ServiceInput = NonNullable<ConfigInput['services']>[number];

const HOST = '127.0.0.1';
const servers: net.Server[] = [];
/** Connections the servers accepted and that are still open, to check the probes close theirs. */
const open = new Set<net.Socket>();
const requests: string[] = [];
let tmp: string;
let httpPort: number;
let httpsPort: number;
let expiredPort: number;
let tcpPort: number;
let closedPort: number;

async function listen(server: net.Server): Promise<number> {
  server.on('connection', (socket: net.Socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  return (server.address() as net.AddressInfo).port;
}

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  requests.push(req.url ?? '');
  switch (req.url) {
    case '/ok':
      return void res.end('hello');
    case '/down':
      return void res.writeHead(503).end('maintenance');
    case '/empty':
      return void res.writeHead(204).end();
    case '/moved':
      return void res.writeHead(302, { location: '/ok' }).end();
    case '/hang':
      return; // never answers
    case '/stall':
      res.writeHead(200);
      return void res.write('half a page');
    case '/endless': {
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = () => {
        while (res.write(chunk));
        res.once('drain', pump);
      };
      return pump();
    }
  }
}

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore' });
}

async function httpsServer(name: string): Promise<number> {
  const key = readFileSync(join(tmp, `${name}.key`));
  const cert = readFileSync(join(tmp, `${name}.crt`));
  return listen(https.createServer({ key, cert }, handler));
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'merezha-service-probes-'));
  const file = (name: string) => join(tmp, name);
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '30',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout',
    file('valid.key'),
    '-out',
    file('valid.crt'),
  );
  // `req -x509` refuses negative days; signing a request with -days -1 makes one that expired yesterday.
  openssl(
    'req',
    '-new',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=localhost',
    '-keyout',
    file('expired.key'),
    '-out',
    file('expired.csr'),
  );
  openssl('x509', '-req', '-in', file('expired.csr'), '-signkey', file('expired.key'), '-days', '-1', '-out', file('expired.crt'));

  httpPort = await listen(http.createServer(handler));
  httpsPort = await httpsServer('valid');
  expiredPort = await httpsServer('expired');
  tcpPort = await listen(net.createServer());
  const closed = net.createServer();
  closedPort = await new Promise<number>((resolve) => closed.listen(0, HOST, () => resolve((closed.address() as net.AddressInfo).port)));
  await new Promise((resolve) => closed.close(resolve));
});

afterAll(async () => {
  for (const socket of open) socket.destroy();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  rmSync(tmp, { recursive: true, force: true });
});

afterEach(async () => {
  // Never leave sockets open: by now the server side of every connection must have seen it close.
  for (let waited = 0; open.size > 0 && waited < 2000; waited += 10) await sleep(10);
  expect(open.size).toBe(0);
  requests.length = 0;
});

function configWith(services: ServiceInput[]) {
  return configSchema.parse({ hromada: { name: 'Test' }, villages: [{ id: 'v', name: 'V' }], services });
}

/** Runs one check of `service` the way the collector would. */
async function check(
  kind: ProbeKind<ServiceTarget, ServiceResult>,
  service: Omit<ServiceInput, 'id' | 'name'>,
  signal: RunSignal = NEVER_ABORTED,
): Promise<ServiceResult> {
  const config = configWith([{ id: 'svc', name: 'Service', ...service }]);
  const [target] = kind.targets(config);
  return kind.create({ config, log: silentLogger() }).run(target!, signal);
}

const url = (path: string, port = httpPort, scheme = 'http') => `${scheme}://${HOST}:${port}${path}`;

describe('targets', () => {
  it('takes url services for http and tcp services for tcp, keyed and tagged by id, on their own schedule', () => {
    const config = configWith([
      { id: 'site', name: 'Website', url: 'https://example.org/', interval: '5m', timeout: '3s' },
      { id: 'portal', name: 'Portal', url: 'http://portal.example.org/' },
      { id: 'mail', name: 'Mail', tcp: 'mail.example.org:25' },
    ]);
    const web = httpProbe.targets(config);
    const tcp = tcpProbe.targets(config);
    expect(web.map((t) => [t.key, t.tags])).toEqual([
      ['service:site', { service: 'site', type: 'http' }],
      ['service:portal', { service: 'portal', type: 'http' }],
    ]);
    expect(tcp.map((t) => [t.key, t.tags])).toEqual([['service:mail', { service: 'mail', type: 'tcp' }]]);
    expect(httpProbe.intervalMs(config, web[0]!)).toBe(300_000);
    expect(httpProbe.intervalMs(config, web[1]!)).toBe(config.polling.services.interval);
    expect(tcpProbe.intervalMs(config, tcp[0]!)).toBe(60_000);
    expect([httpProbe.kind, tcpProbe.kind]).toEqual(['http', 'tcp']);
  });
});

describe('http', () => {
  it('is up on 200, with the time to the response headers', async () => {
    const result = await check(httpProbe, { url: url('/ok') });
    expect(result).toEqual({ up: true, status_code: 200, latency_ms: expect.any(Number) });
    expect(result.latency_ms).toBeGreaterThan(0);
  });

  it('is down on 503 and says so, keeping the status code', async () => {
    expect(await check(httpProbe, { url: url('/down') })).toEqual({
      up: false,
      status_code: 503,
      latency_ms: expect.any(Number),
      error: 'HTTP 503',
    });
  });

  it('counts a redirect as up without following it', async () => {
    expect(await check(httpProbe, { url: url('/moved') })).toMatchObject({ up: true, status_code: 302 });
    expect(requests).toEqual(['/moved']);
  });

  it('uses expect_status instead of 200–399 when given', async () => {
    expect(await check(httpProbe, { url: url('/empty'), expect_status: [204] })).toMatchObject({ up: true, status_code: 204 });
    expect(await check(httpProbe, { url: url('/ok'), expect_status: [204] })).toMatchObject({
      up: false,
      status_code: 200,
      error: 'HTTP 200, expected 204',
    });
    expect(await check(httpProbe, { url: url('/down'), expect_status: [200, 503] })).toMatchObject({ up: true });
  });

  it('gives up after the service timeout on a server that never answers', async () => {
    const started = performance.now();
    expect(await check(httpProbe, { url: url('/hang'), timeout: '300ms' })).toEqual({ up: false, error: 'timeout after 300 ms' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('falls back to polling.services.timeout, and stops at once when the signal aborts', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    // The default timeout is 10 s, far beyond the abort.
    expect(await check(httpProbe, { url: url('/hang') }, runSignalOf(controller.signal))).toEqual({ up: false, error: 'aborted' });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('is down when the body stalls past the timeout, keeping the status it saw', async () => {
    expect(await check(httpProbe, { url: url('/stall'), timeout: '300ms' })).toEqual({
      up: false,
      status_code: 200,
      latency_ms: expect.any(Number),
      error: 'timeout after 300 ms',
    });
  });

  it('reads only a bounded part of an endless body', async () => {
    expect(await check(httpProbe, { url: url('/endless'), timeout: '5s' })).toMatchObject({ up: true, status_code: 200 });
  });

  it('reports a closed port as connection refused', async () => {
    expect(await check(httpProbe, { url: url('/', closedPort) })).toEqual({ up: false, error: 'connection refused' });
  });
});

describe('https', () => {
  it('accepts a self-signed certificate with tls_verify: false and reports days to its expiry', async () => {
    const result = await check(httpProbe, { url: url('/ok', httpsPort, 'https'), tls_verify: false });
    expect(result).toMatchObject({ up: true, status_code: 200 });
    expect(result.tls_days_left).toBeGreaterThan(29.9);
    expect(result.tls_days_left).toBeLessThanOrEqual(30);
  });

  it('rejects a self-signed certificate with tls_verify: true, before sending the request, and still reports its expiry', async () => {
    const result = await check(httpProbe, { url: url('/ok', httpsPort, 'https') });
    expect(result).toEqual({ up: false, error: 'self-signed certificate', tls_days_left: expect.any(Number) });
    expect(result.tls_days_left).toBeGreaterThan(29.9);
    expect(requests).toEqual([]);
  });

  it('reports an expired certificate, as down when verified and with negative days either way', async () => {
    const verified = await check(httpProbe, { url: url('/ok', expiredPort, 'https') });
    expect(verified).toMatchObject({ up: false, error: 'certificate has expired' });
    const unverified = await check(httpProbe, { url: url('/ok', expiredPort, 'https'), tls_verify: false });
    expect(unverified).toMatchObject({ up: true, status_code: 200 });
    for (const { tls_days_left } of [verified, unverified]) {
      expect(tls_days_left).toBeGreaterThan(-1.01);
      expect(tls_days_left).toBeLessThan(-0.99);
    }
  });
});

describe('tcp', () => {
  it('is up when the port accepts, with the connect time, and closes the connection', async () => {
    const result = await check(tcpProbe, { tcp: `${HOST}:${tcpPort}` });
    expect(result).toEqual({ up: true, latency_ms: expect.any(Number) });
    expect(result.latency_ms).toBeGreaterThan(0);
  });

  it('reports a closed port as connection refused', async () => {
    expect(await check(tcpProbe, { tcp: `${HOST}:${closedPort}` })).toEqual({ up: false, error: 'connection refused' });
  });

  it('resolves with the failure instead of rejecting when the address is unusable', async () => {
    // The schema refuses such a port; the probe must still never reject if one slips through.
    const config = configWith([{ id: 'svc', name: 'Service', tcp: `${HOST}:1` }]);
    const [target] = tcpProbe.targets(config);
    const broken = { ...target!, service: { ...target!.service, tcp: `${HOST}:70000` } };
    const result = await tcpProbe.create({ config, log: silentLogger() }).run(broken, NEVER_ABORTED);
    expect(result).toMatchObject({ up: false, error: expect.stringMatching(/port/i) });
  });
});

describe('points', () => {
  const fields = Object.keys(MEASUREMENTS.service.fields);

  it('writes one service point with every known field, integers as integers', async () => {
    const config = configWith([{ id: 'site', name: 'Website', url: url('/ok', httpsPort, 'https'), tls_verify: false }]);
    const [target] = httpProbe.targets(config);
    const runner = httpProbe.create({ config, log: silentLogger() });
    const points = runner.points(target!, await runner.run(target!, NEVER_ABORTED), 1_700_000_000_000);
    // Strict: a field present but undefined would not survive the line protocol.
    expect(points).toStrictEqual([
      {
        measurement: 'service',
        tags: { service: 'site', type: 'http' },
        fields: { up: 1, status_code: 200, latency_ms: expect.any(Number), tls_days_left: expect.any(Number) },
        time: 1_700_000_000_000,
      },
    ]);
    const written = points[0]!.fields;
    expect(Object.keys(written).every((f) => fields.includes(f))).toBe(true);
    expect(Number.isInteger(written.up) && Number.isInteger(written.status_code)).toBe(true);
  });

  it('leaves out what a failed check did not measure', async () => {
    const config = configWith([{ id: 'mail', name: 'Mail', tcp: `${HOST}:${closedPort}` }]);
    const [target] = tcpProbe.targets(config);
    const runner = tcpProbe.create({ config, log: silentLogger() });
    const result = await runner.run(target!, NEVER_ABORTED);
    expect(runner.points(target!, result, 0)).toStrictEqual([
      { measurement: 'service', tags: { service: 'mail', type: 'tcp' }, fields: { up: 0 }, time: 0 },
    ]);
  });
});
