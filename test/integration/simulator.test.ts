/**
 * A small simulated hromada polled by the real collector code (the SNMP
 * runner, the ping probe) and by the Net-SNMP C tools, checked against the
 * simulator's ground truth: live values, SNMPv3, a counter wrap, a reboot, and
 * the faults a field device produces. With nftables (root) an outage also
 * drops ping; without it the test says so and checks the SNMP side only.
 */
import { execFile, spawnSync } from 'node:child_process';
import { NEVER_ABORTED } from '../../collector/probes/types.ts';
import { createSocket } from 'node:dgram';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.ts';
import { pingHost } from '../../collector/probes/ping.ts';
import { createSnmpRunner, snmpPoints, snmpProbe, type SnmpResult } from '../../collector/probes/snmp.ts';
import type { DeviceTarget } from '../../collector/probes/types.ts';
import type { Config } from '../../config/schema.ts';
import { scenarioFromConfig, startSimulation, type Simulation } from '../../simulator/index.ts';
import { testConfig } from '../support/config.ts';
import { freeUdpPort } from '../support/ports.ts';

const run = promisify(execFile);
const octet = () => 1 + Math.floor(Math.random() * 250);
const base = `127.${octet()}.${octet()}`;
const host = (n: number) => `${base}.${n}`;
const GENERIC_OID = '1.3.6.1.4.1.8072.9999.9999.1.0';
const V3 = { user: 'merezha', auth: 'merezha-test-auth', priv: 'merezha-test-priv' };
/** Scenario minutes after the start at which the uplink's counters wrap; at speed 60, seconds. */
const WRAP_AT_S = 4;

let port: number;
let config: Config;
let sim: Simulation;
let targets: Map<string, DeviceTarget>;
const runner = () => createSnmpRunner({ config, log: silentLogger() });
const signal = NEVER_ABORTED;

function buildConfig(): Config {
  const snmp = (credential: string, more: object = {}) => ({ credential, port, ...more });
  return testConfig({
    polling: { snmp: { timeout: '1s', retries: 0 }, ping: { count: 1, timeout: '500ms' } },
    snmp_credentials: {
      v2: { version: '2c', community: 'public' },
      v3: { version: 3, user: V3.user, auth: { protocol: 'sha', key: V3.auth }, priv: { protocol: 'aes', key: V3.priv } },
      'v3-bad-key': {
        version: 3,
        user: V3.user,
        auth: { protocol: 'sha', key: 'not-the-auth-key' },
        priv: { protocol: 'aes', key: V3.priv },
      },
    },
    villages: [
      {
        id: 'sim',
        name: 'Симулятор',
        devices: [
          { id: 'uplink', kind: 'uplink', host: host(1), snmp: snmp('v2', { interface: 'ether1' }), bandwidth_mbps: 100 },
          { id: 'park-ap', name: 'Free WiFi, парк', kind: 'wifi', vendor: 'mikrotik', host: host(2), snmp: snmp('v3'), parent: 'uplink' },
          { id: 'library-ap', kind: 'wifi', vendor: 'unifi', host: host(3), snmp: snmp('v2'), parent: 'uplink' },
          { id: 'cnap-ap', kind: 'wifi', vendor: 'tplink', host: host(4), snmp: snmp('v2') },
          { id: 'square-ap', kind: 'wifi', vendor: 'generic', clients_oid: GENERIC_OID, host: host(5), snmp: snmp('v2') },
          { id: 'school', kind: 'institution', category: 'school', host: host(6), snmp: snmp('v2', { interface: 'ether1' }) },
          { id: 'council', kind: 'institution', category: 'council', host: host(7), snmp: snmp('v2') },
          { id: 'club', kind: 'institution', category: 'culture', host: host(8), snmp: snmp('v2') },
          { id: 'clinic', kind: 'institution', category: 'clinic', host: host(9), snmp: snmp('v2') },
        ],
      },
    ],
  });
}

/** The Net-SNMP C tools' reading: values only, TimeTicks as a number. */
async function snmpget(address: string, auth: string[], ...oids: string[]): Promise<string[]> {
  const { stdout } = await run('snmpget', ['-m', '', '-Oqvt', '-t', '1', '-r', '0', ...auth, `${address}:${port}`, ...oids]);
  return stdout.trim().split('\n');
}
const V2C = ['-v2c', '-c', 'public'];
const V3_AUTH_PRIV = ['-v3', '-l', 'authPriv', '-u', V3.user, '-a', 'SHA', '-A', V3.auth, '-x', 'AES', '-X', V3.priv];

/** `value` lies in [lo, hi] counted forward modulo `range`, so a counter that wraps between the readings still fits. */
function withinModular(value: bigint, lo: bigint, hi: bigint, range: bigint): boolean {
  return (value - lo + range) % range <= (hi - lo + range) % range;
}

/** Polls one device with the collector's runner, noting the wall-clock time around the reading. */
async function poll(id: string, r = runner()): Promise<{ result: SnmpResult; before: number; after: number }> {
  const before = Date.now();
  const result = await r.run(targets.get(id)!, signal);
  return { result, before, after: Date.now() };
}

async function until(wall: number): Promise<void> {
  if (wall > Date.now()) await new Promise((resolve) => setTimeout(resolve, wall - Date.now()));
}

async function waitFor(check: () => Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

beforeAll(async () => {
  port = await freeUdpPort(host(1));
  config = buildConfig();
  targets = new Map(snmpProbe.targets(config).map((t) => [t.device.id, t]));
  const scenario = scenarioFromConfig(config, {
    name: 'integration',
    speed: 60,
    faults: [{ device: 'uplink', type: 'wrap', at: `${WRAP_AT_S}m` }],
  });
  sim = await startSimulation(scenario);
});

afterAll(async () => {
  await sim?.stop();
});

describe('the simulated hromada', () => {
  it('serves sysName, a live sysUpTime and the model’s counters to the Net-SNMP tools', async () => {
    const before = Date.now();
    const [name, uptime, hc, c32] = await snmpget(
      host(1),
      V2C,
      '1.3.6.1.2.1.1.5.0',
      '1.3.6.1.2.1.1.3.0',
      '1.3.6.1.2.1.31.1.1.1.6.2',
      '1.3.6.1.2.1.2.2.1.10.2',
    );
    const after = Date.now();
    expect(name).toBe('"uplink"');
    expect(Number(uptime)).toBeGreaterThanOrEqual(sim.world.uptimeTicksAt('uplink', before));
    expect(Number(uptime)).toBeLessThanOrEqual(sim.world.uptimeTicksAt('uplink', after));
    const [lo, hi] = [sim.counterAt('uplink', 'ether1', 'in', before), sim.counterAt('uplink', 'ether1', 'in', after)];
    expect(withinModular(BigInt(hc!), lo, hi, 1n << 64n)).toBe(true);
    expect(withinModular(BigInt(c32!), lo % (1n << 32n), hi % (1n << 32n), 1n << 32n)).toBe(true);
  });

  it('wraps the 64-bit counters on cue, and the collector reads the scripted rate across the wrap, not a spike', async () => {
    const wrapWall = sim.world.wallAt(sim.world.clock.scenarioStart + WRAP_AT_S * 60_000);
    expect(Date.now(), 'the tests before took too long to poll before the wrap').toBeLessThan(wrapWall - 1500);
    const r = runner();
    // The first poll resolves the interface (walks); the two that matter are then one GET each, easy to place in time.
    await poll('uplink', r);
    await until(wrapWall - 1500);
    const first = await poll('uplink', r);
    await until(wrapWall + 500);
    const second = await poll('uplink', r);

    expect(sim.groundTruth().devices.find((d) => d.device.id === 'uplink')!.wraps).toEqual([{ at: wrapWall, bits: 64 }]);
    // The reading happened somewhere inside each poll; the middle is within a few ms of it.
    const [ta, tb] = [(first.before + first.after) / 2, (second.before + second.after) / 2];
    const octets = (sim.counterAt('uplink', 'ether1', 'in', tb) - sim.counterAt('uplink', 'ether1', 'in', ta) + (1n << 64n)) % (1n << 64n);
    const scripted = (Number(octets) * 8 * 1000) / (tb - ta);
    expect(second.result.interface!.in_bps).toBeGreaterThan(scripted * 0.97);
    expect(second.result.interface!.in_bps).toBeLessThan(scripted * 1.03);
    expect(second.result.interface!.in_bps).toBeLessThanOrEqual(100e6);
  });

  it('answers SNMPv3 authPriv (SHA/AES) with the right keys only', async () => {
    const before = Date.now();
    const radios = await snmpget(host(2), V3_AUTH_PRIV, '1.3.6.1.4.1.14988.1.1.1.3.1.6.1', '1.3.6.1.4.1.14988.1.1.1.3.1.6.2');
    const clients = radios.map(Number).reduce((a, b) => a + b, 0);
    expect([sim.clientsAt('park-ap', before), sim.clientsAt('park-ap', Date.now())]).toContain(clients);

    const parkAp = targets.get('park-ap')!.device;
    const village = { ...config.villages[0]!, devices: [{ ...parkAp, snmp: { ...parkAp.snmp!, credential: 'v3-bad-key' } }] };
    const badKey: Config = { ...config, villages: [village] };
    const [target] = snmpProbe.targets(badKey);
    const result = await createSnmpRunner({ config: badKey, log: silentLogger() }).run(target!, signal);
    // net-snmp's agent drops a message with a wrong digest where snmpd answers a wrongDigests report: a timeout, not an auth error.
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/^no answer within/);
  });

  it('gives the collector every device: system group, interface, and the clients of all four vendors', async () => {
    const r = runner();
    for (const id of ['uplink', 'park-ap', 'library-ap', 'cnap-ap', 'square-ap', 'school', 'council']) {
      const { result, before, after } = await poll(id, r);
      expect(result.error, id).toBeUndefined();
      expect(result.warnings, id).toEqual([]);
      expect(result.sys_name).toBe(id);
      expect(result.sys_descr).toMatch(/simulated by Merezha/);
      if (result.wifi) expect([sim.clientsAt(id, before), sim.clientsAt(id, after)], id).toContain(result.wifi.clients);
    }
    const unifi = await poll('library-ap', r);
    expect(unifi.result.wifi?.radios_up).toBe(2);
    const school = await poll('school', r);
    expect(school.result.interface).toMatchObject({ name: 'ether1', oper_up: true, speed_mbps: 100 });
  });

  it('reboots: sysUpTime starts again and the collector records a reboot event', async () => {
    const r = runner();
    const first = await poll('school', r);
    expect(first.result.sys_uptime_s).toBeGreaterThan(86_400);
    sim.inject('school', { type: 'reboot' });
    const second = await poll('school', r);
    expect(second.result.reboot).toMatchObject({ previous_uptime_s: first.result.sys_uptime_s });
    expect(second.result.sys_uptime_s).toBeLessThan(5);
    // After a reboot the counters start over: no rate from the readings across it.
    expect(second.result.interface?.in_bps).toBeNull();
    const event = snmpPoints(targets.get('school')!, second.result, second.after).find((p) => p.measurement === 'event');
    expect(event?.tags.type).toBe('reboot');
    const [rebootAt] = sim.groundTruth().devices.find((d) => d.device.id === 'school')!.reboots;
    expect(rebootAt).toBeGreaterThanOrEqual(first.after);
    expect(rebootAt).toBeLessThanOrEqual(second.before + 1);
  });

  it('answers late from a slow agent', async () => {
    const slow = sim.inject('council', { type: 'slow', delay: '600ms' });
    const late = await poll('council');
    expect(late.result.ok).toBe(true);
    expect(late.result.response_ms).toBeGreaterThanOrEqual(600);
    expect(sim.trueState('council', Date.now())).toMatchObject({ state: 'degraded', snmp: 'slow' });
    slow.end();
    expect((await poll('council')).result.response_ms).toBeLessThan(300);
  });

  it('answers garbage that the collector reports as a malformed reply', async () => {
    const garbage = sim.inject('club', { type: 'garbage' });
    const broken = await poll('club');
    expect(broken.result.ok).toBe(false);
    expect(broken.result.error).toMatch(/^malformed reply/);
    garbage.end();
    expect((await poll('club')).result.ok).toBe(true);
  });

  it('goes silent in an outage: SNMP times out, and with nftables ping fails too', async () => {
    const outage = sim.inject('clinic', { type: 'outage' });
    const silent = await poll('clinic');
    expect(silent.result.error).toMatch(/^no answer within 1000 ms/);
    if (sim.nft) {
      await waitFor(async () => !(await pingHost(host(9), config.polling.ping)).reachable, 'ping to fail');
      expect(sim.trueState('clinic', Date.now())).toMatchObject({ state: 'down', ping: 'none', snmp: 'silent' });
    } else {
      console.warn('nftables unavailable (not root?): the outage was checked on the SNMP side only');
      expect(sim.trueState('clinic', Date.now())).toMatchObject({ state: 'snmp_down', ping: 'ok' });
    }
    outage.end();
    await waitFor(async () => (await pingHost(host(9), config.polling.ping)).reachable, 'ping to answer again');
    expect((await poll('clinic')).result.ok).toBe(true);
  });

  it('stops cleanly: ports free, no nftables table left, the truth recorded', async () => {
    const table = `merezha_sim_${process.pid}_`;
    if (sim.nft) expect(spawnSync('nft', ['list', 'tables']).stdout.toString()).toContain(table);
    const truth = await sim.stop();
    expect(spawnSync('nft', ['list', 'tables']).stdout.toString()).not.toContain(table);
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host(1), resolve);
    });
    socket.close();
    const clinic = truth.devices.find((d) => d.device.id === 'clinic')!;
    expect(clinic.intervals.map((i) => i.state)).toEqual(['up', sim.nft ? 'down' : 'snmp_down', 'up']);
    expect(truth.faults.map((f) => f.type).sort()).toEqual(['garbage', 'outage', 'reboot', 'slow', 'wrap']);
  });
});
