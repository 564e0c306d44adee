/**
 * The locked-down store: the managed influxd as `merezha start` runs it
 * (auth on, loopback only, its admin login 0600 in its folder), the upgrade
 * of a folder from before auth, a lost login file, and the refusal of any
 * server that is not InfluxDB 1.x (a fake InfluxDB 2 and a fake without a
 * version header on 127.0.0.1), by the check and by `merezha start`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.ts';
import { authorizationHeader, type InfluxLogin } from '../../storage/influx-client.ts';
import { checkInfluxVersion, InfluxVersionError } from '../../storage/influx-version.ts';
import { readManagedLogin, startManagedInfluxd, type ManagedInfluxd } from '../../storage/managed-influxd.ts';
import { queryInflux } from '../support/influxd.ts';
import { freeTcpPorts } from '../support/ports.ts';

const BIN = new URL('../../bin/merezha.mjs', import.meta.url).pathname;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'merezha-store-auth-'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function start(folder: string, auth = true): Promise<ManagedInfluxd> {
  const [httpPort, rpcPort] = await freeTcpPorts(2);
  return startManagedInfluxd({ dir: folder, httpPort, rpcPort, log: silentLogger(), stopTimeoutMs: 5_000, auth });
}

function ask(url: string, q: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/query?${new URLSearchParams({ q })}`, { headers });
}

describe('the managed influxd', () => {
  it('listens on loopback with auth on, answers 401 without its login and no data cross-site, 200 with it', async () => {
    const folder = join(dir, 'fresh');
    const influxd = await start(folder);
    try {
      const config = await readFile(join(folder, 'influxdb.conf'), 'utf8');
      expect(config).toContain('reporting-disabled = true');
      expect(config).toContain('auth-enabled = true');
      expect(config.match(/bind-address = "([^"]+)"/g)).toEqual([
        `bind-address = "127.0.0.1:${influxd.rpcPort}"`,
        `bind-address = "127.0.0.1:${influxd.httpPort}"`,
      ]);
      const login = influxd.login!;
      expect(login.username).toBe('merezha');
      expect(login.password.length).toBeGreaterThanOrEqual(32);
      expect(await readManagedLogin(folder)).toEqual(login);
      expect((await stat(join(folder, 'admin-login.json'))).mode & 0o777).toBe(0o600);

      expect((await ask(influxd.url, 'SHOW DATABASES')).status).toBe(401);
      const wrong = authorizationHeader({ username: login.username, password: 'not-the-password' });
      expect((await ask(influxd.url, 'SHOW DATABASES', wrong)).status).toBe(401);

      // influxd 1.6 echoes any Origin in Access-Control-Allow-Origin; what matters is that no data comes with it.
      const crossSite = await ask(influxd.url, 'SHOW DATABASES', { origin: 'http://evil.example' });
      expect(crossSite.status).toBe(401);
      expect(await crossSite.text()).not.toContain('results');
      const write = await fetch(`${influxd.url}/write?db=_internal`, {
        method: 'POST',
        body: 'forged value=1',
        headers: { origin: 'http://evil.example' },
      });
      expect(write.status).toBe(401);

      const allowed = await ask(influxd.url, 'SHOW DATABASES', authorizationHeader(login));
      expect(allowed.status).toBe(200);
      expect(await allowed.json()).toHaveProperty('results');
      expect(await checkInfluxVersion(influxd.url)).toEqual({ reachable: true, version: expect.stringMatching(/^1\.6\./) });
    } finally {
      await influxd.stop();
    }
  });

  it('turns auth on for a folder from before auth, keeping its data, and resets a lost login', async () => {
    const folder = join(dir, 'upgrade');
    const old = await start(folder, false);
    try {
      expect(old.login).toBeUndefined();
      await queryInflux(old.url, 'CREATE DATABASE "merezha"');
      const written = await fetch(`${old.url}/write?db=merezha&precision=ms`, {
        method: 'POST',
        body: 'ping,device=a up=1i 1700000000000',
      });
      expect(written.status).toBe(204);
    } finally {
      await old.stop();
    }
    expect(await readManagedLogin(folder)).toBeUndefined();

    const count = (url: string, login: InfluxLogin) => queryInflux(url, 'SELECT count("up") FROM "ping"', 'merezha', login);
    let upgraded = await start(folder);
    const first = upgraded.login!;
    try {
      expect(await count(upgraded.url, first)).toEqual([{ time: 0, count: 1 }]);
      expect((await ask(upgraded.url, 'SHOW DATABASES')).status).toBe(401);
    } finally {
      await upgraded.stop();
    }

    // Restarted with the same login: nothing to create.
    upgraded = await start(folder);
    try {
      expect(upgraded.login).toEqual(first);
      expect(await count(upgraded.url, first)).toHaveLength(1);
    } finally {
      await upgraded.stop();
    }

    await rm(join(folder, 'admin-login.json'));
    const reset = await start(folder);
    try {
      expect(reset.login!.password).not.toBe(first.password);
      expect(await count(reset.url, reset.login!)).toHaveLength(1);
      expect((await ask(reset.url, 'SHOW DATABASES', authorizationHeader(first))).status).toBe(401);
      expect((await ask(reset.url, 'SHOW DATABASES')).status).toBe(401);
    } finally {
      await reset.stop();
    }
  }, 60_000);
});

describe('servers that are not InfluxDB 1.x', () => {
  const servers: Server[] = [];
  const urls: Record<'v2' | 'bare', string> = { v2: '', bare: '' };

  beforeAll(async () => {
    for (const [name, headers] of [
      ['v2', { 'X-Influxdb-Version': '2.7.1', 'X-Influxdb-Build': 'OSS' }],
      // VictoriaMetrics answers /ping like this.
      ['bare', {}],
    ] as const) {
      const server = createServer((_req, res) => res.writeHead(204, headers).end());
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      servers.push(server);
      urls[name] = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    }
  });

  afterAll(() => {
    for (const server of servers) server.close();
  });

  it('refuses InfluxDB 2 and a server without a version, saying what Merezha needs', async () => {
    await expect(checkInfluxVersion(urls.v2)).rejects.toThrow(InfluxVersionError);
    await expect(checkInfluxVersion(urls.v2)).rejects.toThrow(
      `InfluxDB at ${urls.v2} is version 2.7.1, which Merezha cannot use. Merezha needs InfluxDB 1.x (InfluxQL queries, retention policies and continuous queries`,
    );
    await expect(checkInfluxVersion(urls.bare)).rejects.toThrow(/has no X-Influxdb-Version header.*Merezha needs InfluxDB 1\.x/);
    const [closed] = await freeTcpPorts(1);
    expect(await checkInfluxVersion(`http://127.0.0.1:${closed}`)).toEqual({ reachable: false });
  });

  it('merezha start stops with the refusal in one line', async () => {
    const folder = join(dir, 'start');
    const config = join(dir, 'start.yaml');
    await writeFile(
      config,
      `hromada: { name: Тест }
storage: { spool_dir: ${join(folder, 'spool')}, managed_dir: ${join(folder, 'influxdb')} }
villages:
  - id: test
    name: с. Тест
    devices: [{ id: test-uplink, kind: uplink, host: 127.0.0.1 }]
server: { data_dir: ${join(folder, 'server')} }
`,
    );
    // Not spawnSync: the fake server in this process must answer meanwhile.
    const r = await new Promise<{ status: number | null; stderr: string }>((done) => {
      execFile(
        process.execPath,
        [BIN, 'start', '--config', config],
        { encoding: 'utf8', env: { ...process.env, INFLUX_URL: urls.v2, PORT: '0' }, timeout: 60_000 },
        (err, _stdout, stderr) => done({ status: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stderr }),
      );
    });
    expect(r.stderr.split('\n').at(-2)).toBe(
      `merezha start: InfluxDB at ${urls.v2} is version 2.7.1, which Merezha cannot use. Merezha needs InfluxDB 1.x (InfluxQL queries, retention policies and continuous queries for its rollups and yearly report). Point storage.influx.url at an InfluxDB 1.x (Debian's influxdb package), or remove storage.influx to let Merezha run its own`,
    );
    expect(r.status).toBe(1);
  }, 60_000);
});
