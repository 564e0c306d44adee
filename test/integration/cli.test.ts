/**
 * The `merezha` command as a user runs it: help on every command,
 * check-config, poll --once --json against a real snmpd, and start with the
 * managed influxd, until points are stored and SIGTERM shuts everything down.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USAGES, type CommandName } from '../../cli/usage.ts';
import { VERSION } from '../../cli/version.ts';
import { loopbackAddress } from '../support/config.ts';
import { queryInflux, waitFor } from '../support/influxd.ts';
import { readManagedLogin } from '../../storage/managed-influxd.ts';
import { startSnmpd, TEST_V3_USERS, type Snmpd } from '../support/snmpd.ts';

const BIN = new URL('../../bin/merezha.mjs', import.meta.url).pathname;
const uplinkHost = loopbackAddress();
const apHost = loopbackAddress();
const schoolHost = loopbackAddress();
let agent: Snmpd;
let dir: string;
let configPath: string;

function merezha(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
}

beforeAll(async () => {
  agent = await startSnmpd({
    addresses: [uplinkHost, apHost],
    sysName: 'pomichna-agent',
    overrides: [
      ['1.3.6.1.4.1.41112.1.6.1.2.1.8.1', 'integer', 6],
      ['1.3.6.1.4.1.41112.1.6.1.2.1.8.2', 'integer', 2],
    ],
  });
  dir = await mkdtemp(join(tmpdir(), 'merezha-cli-'));
  configPath = join(dir, 'hromada.yaml');
  await writeFile(
    configPath,
    `hromada: { name: Помічнянська громада }
storage:
  spool_dir: ${join(dir, 'spool')}
  managed_dir: ${join(dir, 'influxdb')}
  flush_interval: 200ms
polling:
  ping: { interval: 1s, count: 2, timeout: 500ms }
  snmp: { interval: 1s, timeout: 500ms, retries: 0 }
snmp_credentials:
  public-v2: { version: 2c, community: public }
  wifi-v3:
    version: 3
    user: ${TEST_V3_USERS.shaAes.user}
    auth: { protocol: sha, key: "\${SNMP_AUTH_KEY}" }
    priv: { protocol: aes, key: "\${SNMP_PRIV_KEY}" }
providers:
  - { id: prostonet, name: ProstoNet, sla_pct: 99 }
villages:
  - id: pomichna
    name: м. Помічна
    devices:
      - { id: pomichna-uplink, kind: uplink, provider: prostonet, host: ${uplinkHost}, snmp: { credential: public-v2, port: ${agent.port}, interface: lo } }
      - { id: pomichna-park-wifi, kind: wifi, vendor: unifi, host: ${apHost}, snmp: { credential: wifi-v3, port: ${agent.port} }, parent: pomichna-uplink }
      - { id: pomichna-school-1, kind: institution, category: school, host: ${schoolHost}, parent: pomichna-uplink }
server: { data_dir: ${join(dir, 'server')} }
`,
  );
});

afterAll(async () => {
  await agent?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const secrets = { SNMP_AUTH_KEY: TEST_V3_USERS.shaAes.authKey, SNMP_PRIV_KEY: TEST_V3_USERS.shaAes.privKey };

describe('merezha CLI', () => {
  it('--help on every command prints its usage and starts nothing; --version prints the version', () => {
    for (const name of Object.keys(USAGES) as CommandName[]) {
      // No config and an influxd that does not answer: a command that got past its help would fail.
      const r = merezha([name, '--help'], { MEREZHA_CONFIG: join(dir, 'missing.yaml'), INFLUX_URL: 'http://127.0.0.1:1' });
      expect([r.status, r.stdout, r.stderr], name).toEqual([0, USAGES[name].usage, '']);
    }
    const version = merezha(['--version']);
    // The launcher runs the compiled build when it is fresh, else the sources through tsx.
    expect(version.status).toBe(0);
    expect(version.stdout).toMatch(new RegExp(`^merezha ${VERSION.replace(/\./g, '\\.')} \\((compiled|tsx)\\)\n$`));
  });

  it('check-config accepts a good file and names the line of a bad one', async () => {
    const ok = merezha(['check-config', configPath], secrets);
    expect(ok.stdout).toBe(`${configPath}: OK (1 villages, 3 devices, 0 services)\n`);
    expect(ok.status).toBe(0);

    const missing = merezha(['check-config', configPath], {});
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(
      `${configPath}:14 snmp_credentials.wifi-v3.auth.key: environment variable SNMP_AUTH_KEY is not set\n` +
        `${configPath}:15 snmp_credentials.wifi-v3.priv.key: environment variable SNMP_PRIV_KEY is not set\n`,
    );
  });

  it('simulate --generate writes a large hromada that check-config loads back', async () => {
    const out = join(dir, 'generated');
    const generated = merezha(['simulate', '--generate', '--villages', '60', '--devices', '17', '--out', out]);
    expect(generated.status, generated.stderr).toBe(0);
    const checked = merezha(['check-config', join(out, 'hromada.yaml')]);
    expect(checked.status, checked.stderr).toBe(0);
    expect(checked.stdout).toContain('60 villages, 1020 devices');
  });

  it('poll --once --json shows what the real agent says', () => {
    const r = merezha(['poll', '--config', configPath, '--once', '--json'], secrets);
    expect(r.status).toBe(0);
    const reports = JSON.parse(r.stdout);
    expect(reports).toHaveLength(3);
    const [uplink, ap, school] = reports;
    expect(uplink).toMatchObject({
      device: 'pomichna-uplink',
      village: 'pomichna',
      kind: 'uplink',
      reachable: true,
      loss_pct: 0,
      snmp: { ok: true, sys_name: 'pomichna-agent', interface: 'lo', if_oper_up: true, in_bps: null, out_bps: null },
    });
    expect(uplink.rtt_ms).toBeGreaterThan(0);
    expect(uplink.snmp.sys_uptime_s).toBeGreaterThan(0);
    expect(ap).toMatchObject({
      device: 'pomichna-park-wifi',
      reachable: true,
      snmp: { ok: true, sys_name: 'pomichna-agent' },
      wifi: { clients: 8 },
    });
    expect(school).toMatchObject({ device: 'pomichna-school-1', kind: 'institution', reachable: true });
    expect(school.snmp).toBeUndefined();
    // Secrets never reach the output.
    expect(r.stdout + r.stderr).not.toContain(TEST_V3_USERS.shaAes.privKey);
  });

  it('poll --device names one device, and reports an SNMP failure as data', () => {
    const r = merezha(['poll', '--config', configPath, '--device', 'pomichna-park-wifi', '--once', '--json'], {
      ...secrets,
      SNMP_AUTH_KEY: 'not-the-right-key',
    });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject([
      { device: 'pomichna-park-wifi', reachable: true, snmp: { ok: false, error: 'authentication failed (wrong SNMPv3 auth key?)' } },
    ]);
    const unknown = merezha(['poll', '--config', configPath, '--device', 'nope', '--once'], secrets);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toBe('merezha poll: no device "nope" in the config\n');
  });

  it('start --simulate refuses a config whose devices are not on loopback, without a stack trace', async () => {
    const offLoopback = join(dir, 'real-network.yaml');
    await writeFile(
      offLoopback,
      'hromada: { name: X }\nvillages:\n  - id: v\n    name: V\n    devices:\n      - { id: gw, kind: uplink, host: 192.0.2.1 }\n',
    );
    const r = merezha(['start', '--config', offLoopback, '--simulate']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      'merezha start --simulate: scenario config: device "gw" has host 192.0.2.1: the simulator serves only loopback 127.0.0.0/8\n',
    );
  });

  it('start runs the managed influxd and the collector, stores points, and stops both on SIGTERM', async () => {
    const child = spawn(process.execPath, [BIN, 'start', '--config', configPath], {
      env: { ...process.env, ...secrets },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    child.stderr.on('data', (d) => (log += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await waitFor('the managed influxd to start', () => log.includes('started the managed influxd'), 30_000);
      const url = JSON.parse(log.split('\n').find((l) => l.includes('started the managed influxd'))!).url as string;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const login = await readManagedLogin(join(dir, 'influxdb'));
      const count = async (m: string) => {
        try {
          const rows = await queryInflux(url, `SELECT count(*) FROM "${m}"`, 'merezha', login);
          return Object.entries(rows[0] ?? {}).reduce((n, [k, v]) => (k.startsWith('count_') ? Math.max(n, Number(v)) : n), 0);
        } catch {
          return 0;
        }
      };
      await waitFor(
        'points from every probe',
        async () => (await count('ping')) >= 3 && (await count('snmp')) >= 2 && (await count('wifi')) >= 1,
        30_000,
      );
      const wifi = await queryInflux(url, `SELECT last("clients") FROM "wifi" WHERE "device" = 'pomichna-park-wifi'`, 'merezha', login);
      expect(wifi[0]?.last).toBe(8);

      const influxdPid = Number((await readFile(join(dir, 'influxdb', 'influxd.pid'), 'utf8')).trim());
      expect(() => process.kill(influxdPid, 0)).not.toThrow();
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(() => process.kill(influxdPid, 0)).toThrow();
      expect(log).toContain('"msg":"stopped"');
      expect(log).not.toContain(TEST_V3_USERS.shaAes.privKey);
      expect(log).not.toContain(TEST_V3_USERS.shaAes.authKey);
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    }
  });
});
