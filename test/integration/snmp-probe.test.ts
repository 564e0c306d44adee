/**
 * The SNMP probe against a real snmpd: v1, v2c and every SNMPv3 security level,
 * interface resolution and counters, the five vendor profiles, reboots, and
 * the failures a field device produces (silence, bad keys, garbage replies).
 */
import { execFile } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.ts';
import { createSnmpRunner, snmpPoints, type SnmpResult } from '../../collector/probes/snmp.ts';
import { snmpProbe } from '../../collector/probes/snmp.ts';
import { NEVER_ABORTED, runSignalOf, type DeviceTarget } from '../../collector/probes/types.ts';
import type { Config, ConfigInput } from '../../config/schema.ts';
import { loopbackAddress, testConfig } from '../support/config.ts';
import { startSnmpd, TEST_V3_USERS, type Snmpd } from '../support/snmpd.ts';

const run = promisify(execFile);
const MIKROTIK = '1.3.6.1.4.1.14988.1.1.1.3.1.6';
const UNIFI_STATIONS = '1.3.6.1.4.1.41112.1.6.1.2.1.8';
const UNIFI_UP = '1.3.6.1.4.1.41112.1.6.1.2.1.22';
const TPLINK = '1.3.6.1.4.1.11863.10.1.1.1.0';
const AIRMAX = '1.3.6.1.4.1.41112.1.4.5.1.15';

const agentHost = loopbackAddress();
const silentHost = loopbackAddress();
const garbageHost = loopbackAddress();
let agent: Snmpd;
let garbage: Socket;
let garbagePort = 0;

/** What the Net-SNMP C tools read from the same agent: the independent reference. */
async function snmpget(oid: string): Promise<string> {
  const { stdout } = await run('snmpget', ['-m', '', '-Oqv', '-v2c', '-c', 'public', `${agentHost}:${agent.port}`, oid]);
  return stdout.trim().replace(/^"|"$/g, '');
}

function setup(
  devices: ConfigInput['villages'][number]['devices'],
  extra: Partial<ConfigInput> = {},
): { config: Config; targets: DeviceTarget[] } {
  const u = TEST_V3_USERS;
  const config = testConfig({
    polling: { snmp: { interval: '60s', timeout: '500ms', retries: 0 } },
    snmp_credentials: {
      v1: { version: '1', community: 'public' },
      v2: { version: '2c', community: 'public' },
      wrong: { version: '2c', community: 'not-the-community' },
      'sha-aes': {
        version: 3,
        user: u.shaAes.user,
        auth: { protocol: 'sha', key: u.shaAes.authKey },
        priv: { protocol: 'aes', key: u.shaAes.privKey },
      },
      'md5-des': {
        version: 3,
        user: u.md5Des.user,
        auth: { protocol: 'md5', key: u.md5Des.authKey },
        priv: { protocol: 'des', key: u.md5Des.privKey },
      },
      'auth-only': { version: 3, user: u.authOnly.user, auth: { protocol: 'sha', key: u.authOnly.authKey } },
      'no-auth': { version: 3, user: u.noAuth.user },
      'bad-key': {
        version: 3,
        user: u.shaAes.user,
        auth: { protocol: 'sha', key: 'wrong-auth-key' },
        priv: { protocol: 'aes', key: u.shaAes.privKey },
      },
    },
    villages: [{ id: 'makarykha', name: 'Макариха', devices }],
    ...extra,
  });
  return { config, targets: snmpProbe.targets(config) };
}

const dev = (id: string, credential: string, more: Record<string, unknown> = {}) => ({
  id,
  kind: 'wifi' as const,
  host: agentHost,
  snmp: { credential, port: agent.port },
  ...more,
});

async function pollOnce(devices: Parameters<typeof setup>[0]): Promise<SnmpResult[]> {
  const { config, targets } = setup(devices);
  const runner = createSnmpRunner({ config, log: silentLogger() });
  return Promise.all(targets.map((t) => runner.run(t, NEVER_ABORTED)));
}

beforeAll(async () => {
  agent = await startSnmpd({
    addresses: [agentHost],
    sysName: 'makarykha-park-ap',
    overrides: [
      [`${MIKROTIK}.1`, 'integer', 17],
      [`${MIKROTIK}.2`, 'integer', 5],
      [`${UNIFI_STATIONS}.1`, 'integer', 3],
      [`${UNIFI_STATIONS}.2`, 'integer', 4],
      [`${UNIFI_UP}.1`, 'integer', 1],
      [`${UNIFI_UP}.2`, 'integer', 2],
      [TPLINK, 'integer', 9],
      // ubntWlStatStaCount is a Gauge32 (snmpd's "unsigned").
      [`${AIRMAX}.1`, 'unsigned', 6],
      [`${AIRMAX}.2`, 'unsigned', 2],
    ],
  });
  // An "agent" that answers every request with bytes that are not SNMP.
  garbage = createSocket('udp4');
  garbage.on('message', (_msg, rinfo) => garbage.send(Buffer.from('\x30\x03\x02\x01garbage'), rinfo.port, rinfo.address));
  await new Promise<void>((resolve) => garbage.bind(0, garbageHost, resolve));
  garbagePort = garbage.address().port;
});

afterAll(async () => {
  await agent?.dispose();
  garbage?.close();
});

describe('SNMP probe against snmpd', () => {
  it('reads the system group and the interface over v2c, matching the C tools', async () => {
    const [r] = await pollOnce([dev('ap', 'v2', { kind: 'uplink', snmp: { credential: 'v2', port: agent.port, interface: 'lo' } })]);
    expect(r!.error).toBeUndefined();
    expect(r!.ok).toBe(true);
    expect(r!.sys_name).toBe('makarykha-park-ap');
    expect(r!.sys_descr).toBe(await snmpget('1.3.6.1.2.1.1.1.0'));
    expect(r!.interface?.name).toBe('lo');
    expect(r!.interface?.oper_up).toBe(true);
    expect(r!.interface?.speed_mbps).toBe(Number(await snmpget(`1.3.6.1.2.1.31.1.1.1.15.${r!.interface!.index}`)));
    // One reading gives no rate yet.
    expect(r!.interface?.in_bps).toBeNull();
    expect(r!.warnings).toEqual([]);
  });

  it('turns two readings into bit rates (loopback: in equals out)', async () => {
    const { config, targets } = setup([dev('up', 'v2', { kind: 'uplink', snmp: { credential: 'v2', port: agent.port, interface: 'lo' } })]);
    const runner = createSnmpRunner({ config, log: silentLogger() });
    const signal = NEVER_ABORTED;
    const first = await runner.run(targets[0]!, signal);
    expect(first.interface?.in_bps).toBeNull();
    // snmpd caches IF-MIB for a few seconds: poll until the counters have moved.
    const deadline = Date.now() + 15_000;
    let second = first;
    while (!(second.interface?.in_bps ?? 0) && Date.now() < deadline) {
      await snmpget('1.3.6.1.2.1.1.5.0'); // loopback traffic
      await new Promise((r) => setTimeout(r, 250));
      second = await runner.run(targets[0]!, signal);
    }
    expect(second.interface?.in_bps).toBeGreaterThan(0);
    expect(second.interface?.in_bps).toBe(second.interface?.out_bps);
    expect(second.interface?.in_errors).toBe(0);
  });

  it('resolves the interface by ifDescr and by ifIndex too', async () => {
    const [byIndex] = await pollOnce([dev('ix', 'v2', { kind: 'uplink', snmp: { credential: 'v2', port: agent.port, interface: 1 } })]);
    expect(byIndex!.interface?.index).toBe(1);
    expect(byIndex!.interface?.oper_up).toBe(true);
    const [missing] = await pollOnce([
      dev('nx', 'v2', { kind: 'uplink', snmp: { credential: 'v2', port: agent.port, interface: 'ether9' } }),
    ]);
    expect(missing!.ok).toBe(true);
    expect(missing!.interface).toBeUndefined();
    expect(missing!.interface_error).toBe('interface "ether9" not found on the agent');
  });

  it('speaks SNMPv1 with 32-bit counters and ifSpeed', async () => {
    const [r] = await pollOnce([dev('v1', 'v1', { kind: 'uplink', snmp: { credential: 'v1', port: agent.port, interface: 'lo' } })]);
    expect(r!.ok).toBe(true);
    expect(r!.sys_name).toBe('makarykha-park-ap');
    expect(r!.interface?.speed_mbps).toBe(Number(await snmpget('1.3.6.1.2.1.2.2.1.5.1')) / 1e6);
  });

  it.each([
    ['sha-aes', 'authPriv SHA/AES'],
    ['md5-des', 'authPriv MD5/DES'],
    ['auth-only', 'authNoPriv SHA'],
    ['no-auth', 'noAuthNoPriv'],
  ])('speaks SNMPv3 %s (%s) and reads MikroTik clients', async (credential) => {
    const [r] = await pollOnce([dev('ap', credential, { vendor: 'mikrotik' })]);
    expect(r!.error).toBeUndefined();
    expect(r!.sys_name).toBe('makarykha-park-ap');
    expect(r!.wifi).toEqual({ clients: 22 });
  });

  it('reads every vendor profile', async () => {
    const results = await pollOnce([
      dev('mt', 'v2', { vendor: 'mikrotik' }),
      dev('ubnt', 'v2', { vendor: 'unifi' }),
      dev('tp', 'sha-aes', { vendor: 'tplink' }),
      dev('am', 'v1', { vendor: 'airmax' }),
      dev('gen-scalar', 'v2', { vendor: 'generic', clients_oid: TPLINK }),
      dev('gen-column', 'v2', { vendor: 'generic', clients_oid: MIKROTIK }),
    ]);
    expect(results.map((r) => r.wifi)).toEqual([
      { clients: 22 },
      { clients: 7, radios_up: 1 },
      { clients: 9 },
      { clients: 8 },
      { clients: 9 },
      { clients: 22 },
    ]);
    expect(await snmpget(`${AIRMAX}.1`)).toBe('6');
  });

  it('reports a wrong v3 key as an authentication failure', async () => {
    const [r] = await pollOnce([dev('ap', 'bad-key')]);
    expect(r!.ok).toBe(false);
    expect(r!.error).toBe('authentication failed (wrong SNMPv3 auth key?)');
  });

  it('reports a wrong community or a silent agent as a timeout, without the community in the text', async () => {
    const [wrong, silent] = await pollOnce([dev('a', 'wrong'), { ...dev('b', 'v2'), host: silentHost }]);
    for (const r of [wrong!, silent!]) {
      expect(r.ok).toBe(false);
      expect(r.error).toBe('no answer within 500 ms (agent down, blocked, or wrong community/user)');
      expect(JSON.stringify(r)).not.toContain('not-the-community');
    }
  });

  it('gives up on a silent agent at once when the poll is aborted', async () => {
    const { config, targets } = setup([{ ...dev('b', 'v2'), host: silentHost }], { polling: { snmp: { timeout: '2s', retries: 1 } } });
    const runner = createSnmpRunner({ config, log: silentLogger() });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 100);
    const r = await runner.run(targets[0]!, runSignalOf(controller.signal));
    expect(r).toMatchObject({ ok: false, error: 'aborted' });
    expect(Date.now() - started).toBeLessThan(1000); // not the 4 s of timeout × tries
  });

  it('survives an agent that answers garbage', async () => {
    const [r] = await pollOnce([{ ...dev('junk', 'v2'), host: garbageHost, snmp: { credential: 'v2', port: garbagePort } }]);
    expect(r!.ok).toBe(false);
    expect(r!.error).toMatch(/^malformed reply: /);
  });

  it('sees a reboot when the agent restarts, and gives no rate across it', async () => {
    const { config, targets } = setup([dev('up', 'v2', { kind: 'uplink', snmp: { credential: 'v2', port: agent.port, interface: 'lo' } })]);
    const runner = createSnmpRunner({ config, log: silentLogger() });
    const signal = NEVER_ABORTED;
    await new Promise((r) => setTimeout(r, 1100)); // let sysUpTime pass one second
    const before = await runner.run(targets[0]!, signal);
    await agent.stop();
    await agent.start();
    const after = await runner.run(targets[0]!, signal);
    expect(after.reboot?.previous_uptime_s).toBe(before.sys_uptime_s);
    expect(after.reboot!.uptime_s).toBeLessThan(before.sys_uptime_s!);
    expect(after.interface?.in_bps).toBeNull();
    const event = snmpPoints(targets[0]!, after, 1000).find((p) => p.measurement === 'event');
    expect(event?.tags).toMatchObject({ device: 'up', village: 'makarykha', type: 'reboot' });
    const next = await runner.run(targets[0]!, signal);
    expect(next.reboot).toBeUndefined();
    expect(next.interface?.in_bps).not.toBeNull();
  });
});
