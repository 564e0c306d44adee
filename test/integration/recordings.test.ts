/**
 * The collector against recorded walks of real devices (test/fixtures/snmprec,
 * origins in its SOURCES.md), served by snmpsim: the Wi-Fi vendor profiles
 * read the client counts the devices recorded, and the SNMP probe finds and
 * reads interfaces the way those agents really serve them (no ifXTable,
 * NUL-terminated ifDescr, sparse ifIndexes, Counter32 or Gauge32 client
 * counts, SNMPv1 and v2c).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.ts';
import { createSnmpRunner, type SnmpResult } from '../../collector/probes/snmp.ts';
import { snmpProbe } from '../../collector/probes/snmp.ts';
import { netSnmpClientFactory, ObjectType, type SnmpClient } from '../../collector/snmp/client.ts';
import { WIFI_VENDOR_PROFILES } from '../../collector/vendors/index.ts';
import { readWifi } from '../../collector/vendors/types.ts';
import type { WifiVendor } from '../../config/schema.ts';
import type { ConfigInput } from '../../config/schema.ts';
import { loopbackAddress, testConfig } from '../support/config.ts';
import { startSnmpsim, type Snmpsim } from '../support/snmpsim.ts';
import { NEVER_ABORTED } from '../../collector/probes/types.ts';

const RECORDINGS = [
  'mikrotik-ap',
  'unifi-ap',
  'tplink-eap',
  'airmax-radio',
  'lldp-switch',
  'cisco-16-switch',
  'public',
  'winxp-host',
] as const;
type Recording = (typeof RECORDINGS)[number];
const VERSIONS = ['1', '2c'] as const;

let sim: Snmpsim;

beforeAll(async () => {
  sim = await startSnmpsim({ address: loopbackAddress(), recordings: [...RECORDINGS] });
});

afterAll(async () => {
  await sim?.dispose();
});

function client(recording: Recording, version: '1' | '2c'): SnmpClient {
  return netSnmpClientFactory({
    host: sim.address,
    port: sim.port,
    credential: { version, community: recording },
    timeoutMs: 2000,
    retries: 1,
  });
}

async function withClient<T>(recording: Recording, version: '1' | '2c', f: (c: SnmpClient) => Promise<T>): Promise<T> {
  const c = client(recording, version);
  try {
    return await f(c);
  } finally {
    c.close();
  }
}

type DeviceInput = NonNullable<ConfigInput['villages'][number]['devices']>[number];

/** Polls each device twice through the real probe runner, the clock advanced 60 s between. */
async function pollTwice(devices: (Omit<DeviceInput, 'host'> & { recording: Recording; version: '1' | '2c' })[]) {
  const config = testConfig({
    polling: { snmp: { interval: '60s', timeout: '2s', retries: 1 } },
    snmp_credentials: Object.fromEntries(
      RECORDINGS.flatMap((r) => VERSIONS.map((v) => [`${r}-v${v}`, { version: v, community: r }] as const)),
    ),
    villages: [
      {
        id: 'zapysy',
        name: 'Записи',
        devices: devices.map(({ recording, version, snmp, ...d }) => ({
          ...d,
          host: sim.address,
          snmp: { ...snmp, credential: `${recording}-v${version}`, port: sim.port },
        })) as DeviceInput[],
      },
    ],
  });
  let clock = 0;
  const runner = createSnmpRunner({ config, log: silentLogger(), now: () => clock });
  const signal = NEVER_ABORTED;
  const targets = snmpProbe.targets(config);
  const first: SnmpResult[] = [];
  for (const t of targets) first.push(await runner.run(t, signal));
  clock += 60_000;
  const second: SnmpResult[] = [];
  for (const t of targets) second.push(await runner.run(t, signal));
  return { first, second };
}

describe('Wi-Fi vendor profiles read the client counts real agents recorded', () => {
  const cases: [WifiVendor, Recording, { clients: number; radiosUp?: number }, number][] = [
    // mtxrWlApClientCount, Counter32, rows at ifIndex 1, 2, 8, 9: 7 + 0 + 0 + 4.
    ['mikrotik', 'mikrotik-ap', { clients: 11 }, ObjectType.Counter32!],
    // unifiVapNumStations, Integer, four VAPs: 4 + 0 + 14 + 0; no unifiVapUp column recorded.
    ['unifi', 'unifi-ap', { clients: 18 }, ObjectType.Integer!],
    // EAP-CLIENT-MIB clientCount scalar (built from the MIB, not recorded).
    ['tplink', 'tplink-eap', { clients: 7 }, ObjectType.Integer!],
    // ubntWlStatStaCount, Gauge32, one radio.
    ['airmax', 'airmax-radio', { clients: 1 }, ObjectType.Gauge!],
  ];

  it.each(
    VERSIONS.flatMap((version) => cases.map(([vendor, recording, expected, type]) => ({ vendor, recording, expected, type, version }))),
  )('$vendor from $recording over SNMPv$version', async ({ vendor, recording, expected, type, version }) => {
    const objects = WIFI_VENDOR_PROFILES[vendor].objects({});
    const reading = await withClient(recording, version, (c) => readWifi(c, objects));
    expect(reading).toEqual(expected);
    // The type the recording serves is the one the profile declares (and the simulator serves).
    const served = await withClient(recording, version, (c) =>
      objects.clients.shape === 'scalar' ? c.get([objects.clients.oid]) : c.walk(objects.clients.oid),
    );
    for (const vb of served) expect('type' in vb && vb.type).toBe(type);
    expect(ObjectType[objects.clients.type]).toBe(type);
  });

  it('each vendor profile reads nothing from another make’s agent', async () => {
    for (const [vendor, own] of [
      ['mikrotik', 'mikrotik-ap'],
      ['unifi', 'unifi-ap'],
      ['airmax', 'airmax-radio'],
    ] as const) {
      for (const other of ['mikrotik-ap', 'unifi-ap', 'airmax-radio'] as const) {
        if (other === own) continue;
        // A column nobody serves is an empty table: zero clients, not an error.
        expect(await withClient(other, '2c', (c) => readWifi(c, WIFI_VENDOR_PROFILES[vendor].objects({})))).toEqual({ clients: 0 });
      }
    }
    await expect(withClient('airmax-radio', '2c', (c) => readWifi(c, WIFI_VENDOR_PROFILES.tplink.objects({})))).rejects.toThrow(
      /is not served by this agent/,
    );
  });

  it('generic reads the same columns by their numeric OID', async () => {
    const objects = WIFI_VENDOR_PROFILES.generic.objects({ clients_oid: '.1.3.6.1.4.1.41112.1.4.5.1.15' });
    expect(await withClient('airmax-radio', '1', (c) => readWifi(c, objects))).toEqual({ clients: 1 });
    const scalar = WIFI_VENDOR_PROFILES.generic.objects({ clients_oid: '1.3.6.1.4.1.11863.10.1.1.1.0' });
    expect(await withClient('tplink-eap', '2c', (c) => readWifi(c, scalar))).toEqual({ clients: 7 });
  });
});

describe('the SNMP probe on recorded agents', () => {
  it('reads a Wi-Fi device end to end: system group, interface and clients', async () => {
    const { first, second } = await pollTwice([
      { id: 'mt', kind: 'wifi', vendor: 'mikrotik', recording: 'mikrotik-ap', version: '2c', snmp: { credential: '', interface: 'wlan1' } },
      { id: 'ubnt', kind: 'wifi', vendor: 'unifi', recording: 'unifi-ap', version: '2c', snmp: { credential: '', interface: 'ra0' } },
      { id: 'am', kind: 'wifi', vendor: 'airmax', recording: 'airmax-radio', version: '2c', snmp: { credential: '', interface: 'ath0' } },
      { id: 'tp', kind: 'wifi', vendor: 'tplink', recording: 'tplink-eap', version: '1', snmp: { credential: '' } },
    ]);
    const [mt, ubnt, am, tp] = first;
    expect(mt).toMatchObject({ ok: true, sys_descr: 'router', sys_uptime_s: 20_204, wifi: { clients: 11 } });
    expect(mt!.interface).toMatchObject({ name: 'wlan1', index: 1, oper_up: true, speed_mbps: 50 });
    expect(ubnt).toMatchObject({ ok: true, sys_descr: 'UAP-nanoHD 5.43.36.12724', wifi: { clients: 18 } });
    // UniFi's radios say ifHighSpeed 0: no known speed, not a 0 Mbit/s link.
    expect(ubnt!.interface).toMatchObject({ name: 'ra0', index: 3, oper_up: true, speed_mbps: null });
    // airOS serves no ifXTable: ath0 is read from ifTable (32-bit counters, ifSpeed 0 = unknown).
    expect(am).toMatchObject({ ok: true, sys_descr: 'Linux 2.6.32.68 #1 Thu Aug 22 16:38:44 EEST 2019 mips', wifi: { clients: 1 } });
    expect(am!.interface).toMatchObject({ name: 'ath0', index: 7, oper_up: true, speed_mbps: null });
    expect(tp).toMatchObject({ ok: true, sys_name: 'EAP225-Outdoor', wifi: { clients: 7 } });
    for (const r of first) expect(r.warnings).toEqual([]);
    // Recorded counters stand still: the second poll measures 0 bit/s, not "unknown".
    for (const r of second.slice(0, 3)) expect(r.interface).toMatchObject({ in_bps: 0, out_bps: 0, in_errors: 0, out_errors: 0 });
  });

  it.each(VERSIONS)('finds an interface by ifName, ifDescr and ifIndex on a Catalyst stack over SNMPv%s', async (version) => {
    const dev = (id: string, iface: string | number) => ({
      id,
      kind: 'uplink' as const,
      recording: 'cisco-16-switch' as const,
      version,
      snmp: { credential: '', interface: iface },
    });
    const { first, second } = await pollTwice([
      dev('by-name', 'Vl60'),
      dev('by-descr', 'Vlan60'),
      dev('by-index', 60),
      dev('gi', 'Gi3/0/1'),
    ]);
    for (const r of first.slice(0, 3)) {
      expect(r.ok).toBe(true);
      expect(r.warnings).toEqual([]);
      expect(r.interface).toMatchObject({ index: 60, oper_up: true, speed_mbps: 1000, in_bps: null });
      expect(r.sys_descr).toMatch(/^Cisco IOS Software, C3750 Software .*\r\n.*prod_rel_team$/s);
    }
    expect(first[0]!.interface!.name).toBe('Vl60');
    expect(first[1]!.interface!.name).toBe('Vlan60');
    expect(first[2]!.interface!.name).toBe('Vlan60');
    expect(first[3]!.interface).toMatchObject({ name: 'Gi3/0/1', index: 11101, oper_up: false });
    for (const r of second.slice(0, 3)) expect(r.interface).toMatchObject({ in_bps: 0, out_bps: 0, in_errors: 0, in_discards: 0 });
  });

  it('reads the wired port of an airOS radio from ifTable over v2c, as over v1', async () => {
    const { first, second } = await pollTwice(
      VERSIONS.map((version) => ({
        id: `am-v${version}`,
        kind: 'uplink' as const,
        recording: 'airmax-radio' as const,
        version,
        snmp: { credential: '', interface: 'eth0' },
      })),
    );
    for (const r of first) {
      expect(r.warnings).toEqual([]);
      expect(r.interface).toMatchObject({ name: 'eth0', index: 2, oper_up: true, speed_mbps: 100, in_bps: null });
    }
    for (const r of second) expect(r.interface).toMatchObject({ in_bps: 0, out_bps: 0, in_errors: 0, in_discards: 0 });
  });

  it.each(VERSIONS)('reads a host without ifXTable whose ifDescr ends in NUL (Windows XP) over SNMPv%s', async (version) => {
    const { first, second } = await pollTwice([
      {
        id: 'xp',
        kind: 'uplink',
        recording: 'winxp-host',
        version,
        snmp: { credential: '', interface: 'Intel(R) PRO/Wireless 2200BG Network Connection' },
      },
    ]);
    expect(first[0]).toMatchObject({ ok: true, sys_name: 'CRAY', warnings: [] });
    expect(first[0]!.interface).toMatchObject({
      name: 'Intel(R) PRO/Wireless 2200BG Network Connection',
      index: 65539,
      oper_up: true,
      speed_mbps: 54,
    });
    expect(second[0]!.interface).toMatchObject({ in_bps: 0, out_bps: 0 });
  });

  it('keeps Counter64 off SNMPv1: a v1 poll of an agent whose counters are only 64-bit has no traffic, but the rest stands', async () => {
    // The MikroTik recording has ifHCInOctets but no ifInOctets (LibreNMS left them out).
    const { first } = await pollTwice([
      { id: 'v1', kind: 'uplink', recording: 'mikrotik-ap', version: '1', snmp: { credential: '', interface: 'WAN' } },
      { id: 'v2', kind: 'uplink', recording: 'mikrotik-ap', version: '2c', snmp: { credential: '', interface: 'WAN' } },
    ]);
    const [v1, v2] = first;
    expect(v1).toMatchObject({ ok: true, sys_descr: 'router' });
    expect(v1!.interface).toMatchObject({ name: 'WAN', index: 3, oper_up: true });
    expect(v1!.warnings.some((w) => w.startsWith('ifInOctets (1.3.6.1.2.1.2.2.1.10.3)'))).toBe(true);
    expect(v2!.warnings).toEqual([]);
    expect(v2!.interface).toMatchObject({ name: 'WAN', index: 3, oper_up: true, speed_mbps: 100 });
  });

  it('reads a switch with LLDP and CDP neighbours (Cisco SG350X) by its short ifName', async () => {
    const { first } = await pollTwice([
      { id: 'sw', kind: 'uplink', recording: 'lldp-switch', version: '2c', snmp: { credential: '', interface: 'gi1/0/8' } },
    ]);
    expect(first[0]).toMatchObject({ ok: true, sys_descr: 'SG350X-24P 24-Port Gigabit PoE Stackable Managed Switch', warnings: [] });
    expect(first[0]!.interface).toMatchObject({ name: 'gi1/0/8', index: 8, speed_mbps: 1000 });
  });

  it('turns the moving counters of snmpsim’s Linux host into rates, v1 (32-bit) and v2c (64-bit)', async () => {
    const config = testConfig({
      polling: { snmp: { interval: '60s', timeout: '2s', retries: 1 } },
      snmp_credentials: { v1: { version: '1', community: 'public' }, v2: { version: '2c', community: 'public' } },
      villages: [
        {
          id: 'zapysy',
          name: 'Записи',
          devices: (['v1', 'v2'] as const).map((credential) => ({
            id: `linux-${credential}`,
            kind: 'uplink' as const,
            host: sim.address,
            snmp: { credential, port: sim.port, interface: 'eth0' },
          })),
        },
      ],
    });
    const runner = createSnmpRunner({ config, log: silentLogger() });
    const signal = NEVER_ABORTED;
    for (const target of snmpProbe.targets(config)) {
      const first = await runner.run(target, signal);
      expect(first.interface).toMatchObject({ name: 'eth0', index: 2, oper_up: true, speed_mbps: 100 });
      await new Promise((r) => setTimeout(r, 1100));
      const second = await runner.run(target, signal);
      expect(second.warnings).toEqual([]);
      expect(second.interface!.in_bps).toBeGreaterThan(0);
      expect(second.interface!.out_bps).toBeGreaterThan(0);
    }
  });
});
