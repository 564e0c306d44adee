/**
 * Discovery over fake agents: which vendor (each profile, generic, none and
 * why), the interface list from ifXTable / ifTable / one of them / no 64-bit
 * counters / SNMPv1, the uplink by default route and by traffic, LLDP and CDP
 * neighbours and the parent they suggest, the kind, and the device entry,
 * which must load in a config as it is printed and is the same as an object
 * (`entry`) and in YAML; the reasons and notes in English and in Ukrainian.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configuredAt, discoverDevice, type Discovery } from '../../collector/discovery/discover.ts';
import { IF_COLUMNS, parseInterfaces, suggestInterface, type IfColumns } from '../../collector/discovery/interfaces.ts';
import {
  matchNeighbours,
  parseCdp,
  parseLldp,
  suggestParent,
  type CdpColumns,
  type LldpColumns,
} from '../../collector/discovery/neighbours.ts';
import { CDP, LLDP, ROUTES, SYS_OBJECT_ID } from '../../collector/discovery/oids.ts';
import { rangeHosts, RangeRefused, sweepRange } from '../../collector/discovery/range.ts';
import { parseDefaultRoute } from '../../collector/discovery/routes.ts';
import { deviceEntry, entryYaml, suggestId, suggestKind } from '../../collector/discovery/suggest.ts';
import type { Neighbour } from '../../collector/discovery/types.ts';
import { identifyVendor, VENDOR_SIGNATURES } from '../../collector/discovery/vendor.ts';
import { ObjectType, SnmpError, type SnmpClient, type Varbind } from '../../collector/snmp/client.ts';
import { IF, SYS } from '../../collector/snmp/oids.ts';
import { parseConfig } from '../../config/load.ts';
import type { Config } from '../../config/schema.ts';
import { testConfig } from '../support/config.ts';
import { FakeAgent, T } from '../support/fake-snmp.ts';

const OID = ObjectType.OID!;
/** The entry as an object is the YAML pasted into a config, parsed. */
const sameEntry = (d: Discovery) => expect(d.entry).toEqual((parse(d.yaml) as unknown[])[0]);
const str = (s: string) => Buffer.from(s, 'utf8');
const target = { host: '127.0.88.7', port: 161 };

const MIKROTIK_CLIENTS = '1.3.6.1.4.1.14988.1.1.1.3.1.6';
const UNIFI_CLIENTS = '1.3.6.1.4.1.41112.1.6.1.2.1.8';
const UNIFI_UP = '1.3.6.1.4.1.41112.1.6.1.2.1.22';
const AIRMAX_STATIONS = '1.3.6.1.4.1.41112.1.4.5.1.15';
const TPLINK_CLIENTS = '1.3.6.1.4.1.11863.10.1.1.1.0';
const AIRONET_CLIENTS = '1.3.6.1.4.1.9.9.273.1.1.2.1.1';
const LINUX = '1.3.6.1.4.1.8072.3.2.10';

interface IfSpec {
  index: number;
  name: string;
  type?: number;
  up?: boolean;
  mbps?: number;
  octets?: [bigint, bigint];
}

/** A fake agent: the system group and, unless left out, ifTable and ifXTable with 64-bit counters. */
function fakeAgent(
  o: { name?: string; descr?: string; objectId?: string; ifs?: IfSpec[]; ifTable?: boolean; ifXTable?: boolean; hc?: boolean } = {},
): FakeAgent {
  const a = new FakeAgent();
  a.set(SYS.descr, T.str, str(o.descr ?? 'Some agent'));
  a.set(SYS.upTime, T.ticks, 2_020_400);
  a.set(SYS.name, T.str, str(o.name ?? 'ap-1'));
  if (o.objectId) a.set(SYS_OBJECT_ID, OID, o.objectId);
  const ifs = o.ifs ?? [
    { index: 1, name: 'lo', type: 24, mbps: 10, octets: [9_000_000_000n, 9_000_000_000n] },
    { index: 2, name: 'ether1', mbps: 100, octets: [5_000_000n, 1_000_000n] },
  ];
  for (const i of ifs) {
    const [inO, outO] = i.octets ?? [0n, 0n];
    if (o.ifTable !== false) {
      a.set(`${IF.descr}.${i.index}`, T.str, str(i.name));
      a.set(`${IF_COLUMNS.type}.${i.index}`, T.int, i.type ?? 6);
      a.set(`${IF.speed}.${i.index}`, T.gauge, Math.min((i.mbps ?? 100) * 1e6, 4_294_967_295));
      a.set(`${IF.operStatus}.${i.index}`, T.int, i.up === false ? 2 : 1);
      a.set(`${IF.inOctets}.${i.index}`, T.c32, Number(inO % 2n ** 32n));
      a.set(`${IF.outOctets}.${i.index}`, T.c32, Number(outO % 2n ** 32n));
    }
    if (o.ifXTable !== false) {
      a.set(`${IF.name}.${i.index}`, T.str, str(i.name));
      a.set(`${IF.highSpeed}.${i.index}`, T.gauge, i.mbps ?? 100);
      if (o.hc !== false) {
        a.set(`${IF.hcInOctets}.${i.index}`, T.c64, FakeAgent.c64(inO));
        a.set(`${IF.hcOutOctets}.${i.index}`, T.c64, FakeAgent.c64(outO));
      }
    }
  }
  return a;
}

function hromada(devices: object[] = []): Config {
  return testConfig({
    snmp_credentials: { v2: { version: '2c', community: 'public' } },
    villages: [
      {
        id: 'pomichna',
        name: 'Помічна',
        devices: [
          { id: 'core-switch', name: 'CoreSwitch', kind: 'uplink', host: '127.0.88.1', snmp: { credential: 'v2' } },
          { id: 'school', kind: 'institution', category: 'school', host: '127.0.88.2', parent: 'core-switch' },
          ...devices,
        ] as never,
      },
    ],
  });
}

describe('which vendor an agent is', () => {
  it('MikroTik: sysObjectID 14988 and mtxrWlApTable, clients summed over the wireless interfaces', async () => {
    const a = fakeAgent({ objectId: '1.3.6.1.4.1.14988.1' });
    a.set(`${MIKROTIK_CLIENTS}.1`, T.c32, 7).set(`${MIKROTIK_CLIENTS}.9`, T.c32, 4);
    const d = await discoverDevice(a.client(), target);
    expect(d).toMatchObject({ vendor: 'mikrotik', make: 'MikroTik', wifi: { clients: 11, radios_up: null }, suggested_kind: 'wifi' });
    expect(d.vendor_reason).toMatch(/MIKROTIK-MIB mtxrWlApTable answers; sysObjectID 1\.3\.6\.1\.4\.1\.14988\.1 belongs to MikroTik/);
  });

  it('a MikroTik router without Wi-Fi: the vendor by sysObjectID alone, no Wi-Fi, not an access point', async () => {
    const d = await discoverDevice(fakeAgent({ objectId: '1.3.6.1.4.1.14988.1' }).client(), target);
    expect(d).toMatchObject({ vendor: 'mikrotik', wifi: null, suggested_kind: 'uplink' });
    expect(d.vendor_reason).toMatch(/its Wi-Fi MIB \(MIKROTIK-MIB mtxrWlApTable\) does not answer/);
    expect(d.yaml).not.toMatch(/vendor:/);
  });

  it('UniFi behind net-snmp’s Linux sysObjectID: told by unifiVapTable, with the VAPs up', async () => {
    const a = fakeAgent({ objectId: LINUX });
    for (const [i, n] of [4, 0, 14, 0].entries())
      a.set(`${UNIFI_CLIENTS}.${i + 1}`, T.int, n).set(`${UNIFI_UP}.${i + 1}`, T.int, i === 3 ? 2 : 1);
    const d = await discoverDevice(a.client(), target);
    expect(d).toMatchObject({ vendor: 'unifi', make: 'Ubiquiti UniFi', wifi: { clients: 18, radios_up: 3 } });
    expect(d.vendor_reason).toMatch(/UBNT-UniFi-MIB unifiVapTable answers; sysObjectID .* Net-SNMP's agent on Linux/);
  });

  it('airMAX with a sysObjectID that names someone else: told by UBNT-AirMAX-MIB', async () => {
    const a = fakeAgent({ objectId: '1.3.6.1.4.1.10002.1' });
    a.set(`${AIRMAX_STATIONS}.1`, T.gauge, 1);
    const d = await discoverDevice(a.client(), target);
    expect(d).toMatchObject({ vendor: 'airmax', make: 'Ubiquiti airMAX', wifi: { clients: 1, radios_up: null } });
    expect(d.notes.join('\n')).toMatch(/airMAX radio is often a link/);
  });

  it('TP-Link EAP: the client-count scalar', async () => {
    const a = fakeAgent({ objectId: '1.3.6.1.4.1.11863.3.2.10' });
    a.set(TPLINK_CLIENTS, T.int, 7);
    expect(await discoverDevice(a.client(), target)).toMatchObject({ vendor: 'tplink', wifi: { clients: 7 } });
  });

  it('an access point without a profile of its own (Cisco Aironet): vendor generic, with clients_oid in the entry', async () => {
    const a = fakeAgent({ objectId: '1.3.6.1.4.1.9.1.1661' });
    a.set(`${AIRONET_CLIENTS}.1`, T.gauge, 5).set(`${AIRONET_CLIENTS}.2`, T.gauge, 3);
    const d = await discoverDevice(a.client(), target);
    expect(d).toMatchObject({ vendor: 'generic', make: 'Cisco Aironet', clients_oid: AIRONET_CLIENTS, wifi: { clients: 8 } });
    expect(d.yaml).toContain(`vendor: generic\n  clients_oid: ${AIRONET_CLIENTS}\n`);
  });

  it('no vendor, and why: a Linux agent with no vendor MIB; a Ubiquiti number with neither Ubiquiti MIB; no sysObjectID at all', async () => {
    const linux = await discoverDevice(fakeAgent({ objectId: LINUX }).client(), target);
    expect(linux).toMatchObject({ vendor: null, make: 'Net-SNMP', wifi: null });
    expect(linux.vendor_reason).toMatch(/Net-SNMP's agent on Linux.*no vendor MIB answers \(probed: MIKROTIK-MIB/);
    const ubnt = await discoverDevice(fakeAgent({ objectId: '1.3.6.1.4.1.41112.1.3' }).client(), target);
    expect(ubnt).toMatchObject({ vendor: null, make: 'Ubiquiti' });
    expect(ubnt.vendor_reason).toMatch(/shared by unifi and airmax, and none of their MIBs answers/);
    const none = await discoverDevice(fakeAgent().client(), target);
    expect(none).toMatchObject({ vendor: null, make: null, sys_object_id: null });
    expect(none.vendor_reason).toMatch(/^the agent gives no sysObjectID/);
  });

  it('when several MIBs answer, the one of the sysObjectID’s maker wins, else the first signature', () => {
    const [mikrotik, unifi] = VENDOR_SIGNATURES;
    const both = new Set([mikrotik!, unifi!]);
    expect(identifyVendor('1.3.6.1.4.1.41112.1', both).vendor).toBe('unifi');
    expect(identifyVendor(LINUX, both)).toMatchObject({
      vendor: 'mikrotik',
      reason: expect.stringMatching(/UBNT-UniFi-MIB unifiVapTable answers too/),
    });
  });
});

function columns(a: FakeAgent): IfColumns {
  const rows = (base: string): Varbind[] =>
    [...a.oids].filter(([oid]) => oid.startsWith(`${base}.`)).map(([oid, v]) => ({ oid, type: v.type, value: v.value }));
  return Object.fromEntries(Object.entries(IF_COLUMNS).map(([k, oid]) => [k, rows(oid)])) as unknown as IfColumns;
}

describe('the interface list', () => {
  const ifs: IfSpec[] = [
    { index: 1, name: 'lo', type: 24, mbps: 10 },
    { index: 3, name: 'WAN', mbps: 10_000, octets: [6_422_347_895n, 358_657_426n] },
    { index: 7, name: 'wlan1', type: 71, up: false, mbps: 0 },
  ];

  it('ifXTable and ifTable: ifName, ifHighSpeed, 64-bit counters; a speed of 0 is unknown', () => {
    const { interfaces, notes } = parseInterfaces(columns(fakeAgent({ ifs })), '2c');
    expect(notes).toEqual([]);
    expect(interfaces).toEqual([
      expect.objectContaining({ index: 1, name: 'lo', loopback: true, oper_up: true, speed_mbps: 10 }),
      expect.objectContaining({
        index: 3,
        name: 'WAN',
        descr: 'WAN',
        type: 6,
        loopback: false,
        oper_up: true,
        speed_mbps: 10_000,
        in_octets: 6_422_347_895,
        out_octets: 358_657_426,
        counter_bits: 64,
      }),
      expect.objectContaining({ index: 7, name: 'wlan1', type: 71, oper_up: false, speed_mbps: null }),
    ]);
  });

  it('ifTable only: ifDescr (without its NUL bytes), ifSpeed, 32-bit counters, and a note; a saturated ifSpeed is said', () => {
    const a = fakeAgent({ ifs, ifXTable: false });
    a.set(`${IF.descr}.3`, T.str, Buffer.from('WAN\0'));
    const { interfaces, notes } = parseInterfaces(columns(a), '2c');
    expect(interfaces[1]).toMatchObject({
      name: 'WAN',
      descr: 'WAN',
      speed_mbps: 4294.967,
      in_octets: 6_422_347_895 % 2 ** 32,
      counter_bits: 32,
    });
    expect(notes).toEqual([
      expect.stringMatching(/^ifXTable is not served/),
      expect.stringMatching(/^no 64-bit counters .*SNMPv2c.*an SNMPv1 credential would read the 32-bit ones/),
      expect.stringMatching(/^ifSpeed is at its 32-bit ceiling/),
    ]);
  });

  it('ifXTable only: names and speeds from it, up or down unknown, and a note', () => {
    const { interfaces, notes } = parseInterfaces(columns(fakeAgent({ ifs, ifTable: false })), '2c');
    expect(interfaces.map((i) => [i.name, i.oper_up, i.descr])).toEqual([
      ['lo', null, null],
      ['WAN', null, null],
      ['wlan1', null, null],
    ]);
    expect(notes).toEqual([expect.stringMatching(/^ifTable is not served: no ifOperStatus/)]);
  });

  it('no 64-bit counters over SNMPv2c, and none at all, are said', () => {
    expect(parseInterfaces(columns(fakeAgent({ ifs, hc: false })), '3').notes).toEqual([
      expect.stringMatching(/^no 64-bit counters \(ifHCInOctets\/ifHCOutOctets\): the collector asks for them over SNMPv3/),
    ]);
    const bare = fakeAgent({ ifs, hc: false });
    for (const oid of [...bare.oids.keys()])
      if (oid.startsWith(`${IF.inOctets}.`) || oid.startsWith(`${IF.outOctets}.`)) bare.oids.delete(oid);
    expect(parseInterfaces(columns(bare), '2c').notes).toEqual([expect.stringMatching(/^no octet counters at all/)]);
  });

  it('SNMPv1: the 32-bit counters, and a note', async () => {
    const a = fakeAgent({ ifs, hc: false });
    const d = await discoverDevice(a.client('1'), target);
    expect(d.snmp_version).toBe('1');
    expect(d.interfaces[1]).toMatchObject({ counter_bits: 32 });
    expect(d.notes).toContainEqual(expect.stringMatching(/^SNMPv1 has no 64-bit counters: the collector reads the 32-bit/));
    expect(d.yaml).toContain('credential: snmp-v1');
  });

  it('no IF-MIB at all: no interfaces, no uplink, and notes', () => {
    const empty = Object.fromEntries(Object.keys(IF_COLUMNS).map((k) => [k, []])) as unknown as IfColumns;
    const { interfaces, notes } = parseInterfaces(empty, '2c');
    expect(interfaces).toEqual([]);
    expect(notes).toEqual([expect.stringMatching(/^IF-MIB is not served/)]);
    expect(suggestInterface(interfaces, null)).toEqual({ value: null, index: null, reason: 'the agent lists no interfaces' });
  });
});

describe('the uplink interface', () => {
  const ifs: IfSpec[] = [
    { index: 1, name: 'lo', type: 24, octets: [10n ** 12n, 10n ** 12n] },
    { index: 2, name: 'ether1', octets: [10n ** 6n, 10n ** 6n] },
    { index: 3, name: 'ether2', octets: [10n ** 9n, 10n ** 9n] },
    { index: 4, name: 'ether3', up: false, octets: [10n ** 11n, 0n] },
  ];
  const inet = (ids: string, ifIndex: number): Varbind => ({ oid: `${ROUTES.inetCidrIfIndex}.${ids}`, type: T.int, value: ifIndex });

  it('is the one the default route goes out of: inetCidrRouteTable (IPv4 before IPv6), ipCidrRouteTable, ipRouteTable', async () => {
    const a = fakeAgent({ ifs });
    // dest 192.168.88.0/24 out of ether2, 0.0.0.0/0 via 192.168.88.1 out of ether1 (policy 0.0, next hop ipv4 192.168.88.1).
    a.set(`${ROUTES.inetCidrIfIndex}.1.4.192.168.88.0.24.2.0.0.0.4.0.0.0.0`, T.int, 3);
    a.set(`${ROUTES.inetCidrIfIndex}.1.4.0.0.0.0.0.2.0.0.1.4.192.168.88.1`, T.int, 2);
    const d = await discoverDevice(a.client(), target);
    expect(d.suggested_interface).toBe('ether1');
    expect(d.suggested_interface_reason).toBe('the default route (0.0.0.0/0 in inetCidrRouteTable) goes out of it');

    const v6first = [
      inet(`2.16.${'0.'.repeat(16)}0.2.0.0.2.16.${'254.128.'.repeat(1)}${'0.'.repeat(13)}1`, 3),
      inet('1.4.0.0.0.0.0.2.0.0.1.4.10.0.0.1', 2),
    ];
    expect(parseDefaultRoute({ inetCidrIfIndex: v6first, ipCidrIfIndex: [], ipRouteIfIndex: [] })).toEqual({
      ifIndex: 2,
      table: 'inetCidrRouteTable',
    });
    const ipCidr = [
      { oid: `${ROUTES.ipCidrIfIndex}.10.0.0.0.255.0.0.0.0.0.0.0.0`, type: T.int, value: 4 },
      { oid: `${ROUTES.ipCidrIfIndex}.0.0.0.0.0.0.0.0.0.10.0.0.1`, type: T.int, value: 3 },
    ];
    expect(parseDefaultRoute({ inetCidrIfIndex: [], ipCidrIfIndex: ipCidr, ipRouteIfIndex: [] })).toEqual({
      ifIndex: 3,
      table: 'ipCidrRouteTable',
    });
    const old = new FakeAgent();
    for (const [oid, v] of fakeAgent({ ifs }).oids) old.oids.set(oid, v);
    old.set(`${ROUTES.ipRouteIfIndex}.10.0.0.0`, T.int, 2).set(`${ROUTES.ipRouteIfIndex}.0.0.0.0`, T.int, 3);
    const r = await discoverDevice(old.client(), target);
    expect([r.suggested_interface, r.suggested_interface_reason]).toEqual([
      'ether2',
      'the default route (0.0.0.0/0 in ipRouteTable) goes out of it',
    ]);
  });

  it('else the busiest interface that is up, never the loopback', async () => {
    const d = await discoverDevice(fakeAgent({ ifs }).client(), target);
    expect(d.suggested_interface).toBe('ether2');
    expect(d.suggested_interface_reason).toMatch(
      /^no default route in IP-FORWARD-MIB .*: the busiest interface that is up \(2\.0 GB .*\), loopback skipped$/,
    );
  });

  it('a default route out of the loopback or an unknown ifIndex falls back to traffic, and says so', () => {
    const { interfaces } = parseInterfaces(columns(fakeAgent({ ifs })), '2c');
    expect(suggestInterface(interfaces, { ifIndex: 1, table: 'ipRouteTable' }).reason).toMatch(
      /names ifIndex 1, which is a loopback: the busiest/,
    );
    expect(suggestInterface(interfaces, { ifIndex: 99, table: 'ipRouteTable' })).toMatchObject({
      value: 'ether2',
      reason: expect.stringMatching(/not in the interface list/),
    });
  });

  it('without counters the first interface that is up; a name that is not unique gives the ifIndex', () => {
    const { interfaces } = parseInterfaces(
      columns(
        fakeAgent({
          ifs: [
            { index: 1, name: 'lo', type: 24 },
            { index: 5, name: 'port' },
            { index: 6, name: 'port' },
          ],
          hc: false,
        }),
      ),
      '2c',
    );
    for (const i of interfaces) i.in_octets = i.out_octets = null;
    expect(suggestInterface(interfaces, null)).toMatchObject({
      value: 5,
      index: 5,
      reason: expect.stringMatching(/no octet counters to compare: the first interface that is up/),
    });
  });
});

const vb = (oid: string, type: number, value: unknown): Varbind => ({ oid, type, value });
const lldpEmpty = (): Record<keyof LldpColumns, Varbind[]> => ({
  locPortId: [],
  locPortDesc: [],
  remChassisIdSubtype: [],
  remChassisId: [],
  remPortIdSubtype: [],
  remPortId: [],
  remPortDesc: [],
  remSysName: [],
  remManAddrIfSubtype: [],
});

describe('neighbours', () => {
  /** An SG350X-like table: a neighbour by name on gi1/0/14, one by MAC port id with a management address on te1/0/1. */
  function lldp(): LldpColumns {
    const c = lldpEmpty();
    c.locPortId.push(
      vb(`${LLDP.locPortId}.14`, T.str, str('gi1/0/14')),
      vb(`${LLDP.locPortId}.17`, T.str, Buffer.from('c4c603883860', 'hex')),
    );
    c.locPortId.push(vb(`${LLDP.locPortId}.49`, T.str, str('te1/0/1')));
    for (const [row, name, portSub, port, chassis] of [
      ['0.14.2', 'Biologie', 5, str('gi10'), Buffer.from('204c9e6e08fe', 'hex')],
      ['0.17.4', 'InforaumPC', 3, Buffer.from('f492bfa63f95', 'hex'), Buffer.from('f492bfa63f95', 'hex')],
      ['0.49.1', 'CoreSwitch.school.local', 5, str('te1/0/3'), Buffer.from('a0f849f0eb08', 'hex')],
    ] as const) {
      c.remSysName.push(vb(`${LLDP.remSysName}.${row}`, T.str, str(name)));
      c.remPortIdSubtype.push(vb(`${LLDP.remPortIdSubtype}.${row}`, T.int, portSub));
      c.remPortId.push(vb(`${LLDP.remPortId}.${row}`, T.str, port));
      c.remChassisIdSubtype.push(vb(`${LLDP.remChassisIdSubtype}.${row}`, T.int, 4));
      c.remChassisId.push(vb(`${LLDP.remChassisId}.${row}`, T.str, chassis));
    }
    c.remPortDesc.push(vb(`${LLDP.remPortDesc}.0.17.4`, T.str, str('eth0')));
    c.remManAddrIfSubtype.push(
      vb(`${LLDP.remManAddrIfSubtype}.0.49.1.2.16.254.128.0.0.0.0.0.0.162.248.73.255.254.240.235.8`, T.int, 2),
      vb(`${LLDP.remManAddrIfSubtype}.0.49.1.1.4.127.0.88.1`, T.int, 2),
      vb(`${LLDP.remManAddrIfSubtype}.0.17.4.1.4.192.168.177.194`, T.int, 2),
    );
    return c;
  }

  it('LLDP: local ports by lldpLocPortId (its number where that is a MAC), remote port ids as text or MAC, management addresses (IPv4 first)', () => {
    const { neighbours, notes } = parseLldp(lldp());
    expect(notes).toEqual([]);
    expect(neighbours.map((n) => [n.local_port, n.sys_name, n.port, n.port_descr, n.chassis_id, n.address])).toEqual([
      ['gi1/0/14', 'Biologie', 'gi10', null, '20:4c:9e:6e:08:fe', null],
      ['17', 'InforaumPC', 'f4:92:bf:a6:3f:95', 'eth0', 'f4:92:bf:a6:3f:95', '192.168.177.194'],
      ['te1/0/1', 'CoreSwitch.school.local', 'te1/0/3', null, 'a0:f8:49:f0:eb:08', '127.0.88.1'],
    ]);
  });

  it('LLDP rows with a malformed index (RouterOS 6) are kept with the local port unknown, empty and repeated rows dropped, and said', () => {
    const c = lldpEmpty();
    for (const [row, name, port] of [
      ['0.0.11', 'Jizak', 'eth1'],
      ['1', 'S5120-Tech', 'GigabitEthernet1/0/17'],
      ['2', 'S5120-Tech', 'GigabitEthernet1/0/17'],
      ['25', '', ''],
    ]) {
      c.remSysName.push(vb(`${LLDP.remSysName}.${row}`, T.str, str(name!)));
      c.remPortId.push(vb(`${LLDP.remPortId}.${row}`, T.str, str(port!)));
      c.remChassisId.push(vb(`${LLDP.remChassisId}.${row}`, T.str, str(row === '25' ? '00:00:00:00:00:00' : 'B8:69:F4:7F:41:70')));
    }
    const { neighbours, notes } = parseLldp(c);
    expect(neighbours.map((n) => [n.local_port, n.sys_name, n.port])).toEqual([
      ['0', 'Jizak', 'eth1'],
      ['?', 'S5120-Tech', 'GigabitEthernet1/0/17'],
    ]);
    expect(notes).toEqual([
      'lldpRemTable has 2 rows whose index is not timeMark.localPortNum.index: kept with the local port unknown (?)',
      'lldpRemTable has 1 empty row (no name, port or chassis id): left out',
    ]);
    expect(parseLldp(c, 'uk').notes).toEqual([
      'у lldpRemTable 2 рядки з індексом не у форматі timeMark.localPortNum.index: залишено, але локальний порт невідомий (?)',
      'у lldpRemTable 1 порожній рядок (без назви, порту й ідентифікатора шасі): пропущено',
    ]);
  });

  it('CDP: local port by ifIndex, the address from its four bytes, the platform', () => {
    const c: CdpColumns = {
      addressType: [vb(`${CDP.addressType}.11048.8`, T.int, 1)],
      address: [vb(`${CDP.address}.11048.8`, T.str, Buffer.from('0acc580a', 'hex'))],
      deviceId: [vb(`${CDP.deviceId}.11048.8`, T.str, str('C2960X.uac.local'))],
      devicePort: [vb(`${CDP.devicePort}.11048.8`, T.str, str('GigabitEthernet1/0/8'))],
      platform: [vb(`${CDP.platform}.11048.8`, T.str, str('cisco WS-C2960X-48FPD-L'))],
    };
    expect(parseCdp(c, new Map([[11048, 'Fa3/0/48']]))).toEqual([
      {
        protocol: 'cdp',
        local_port: 'Fa3/0/48',
        sys_name: 'C2960X.uac.local',
        port: 'GigabitEthernet1/0/8',
        port_descr: null,
        chassis_id: null,
        address: '10.204.88.10',
        platform: 'cisco WS-C2960X-48FPD-L',
        device: null,
        matched_by: null,
      },
    ]);
  });

  it('are matched to configured devices by name (case, domain and serial aside) or by management address', () => {
    const config = hromada([{ id: 'biologie-ap', name: 'Біологія', kind: 'wifi', host: '127.0.88.9', parent: 'core-switch' }]);
    const base = {
      protocol: 'lldp',
      local_port: 'x',
      port: null,
      port_descr: null,
      chassis_id: null,
      platform: null,
      device: null,
      matched_by: null,
    } as const;
    const n = (sys_name: string | null, address: string | null = null): Neighbour => ({ ...base, sys_name, address });
    expect(
      matchNeighbours(
        [n('CoreSwitch.school.local'), n('CORE-SWITCH(FOC1234X)'), n('біологія'), n('unknown', '127.0.88.2'), n('unknown', '10.0.0.1')],
        config,
      ).map((m) => [m.device, m.matched_by]),
    ).toEqual([
      ['core-switch', 'name'],
      ['core-switch', 'name'],
      ['biologie-ap', 'name'],
      ['school', 'address'],
      [null, null],
    ]);
  });

  it('suggest the parent: the one configured neighbour, or the one on the uplink interface; never the device itself nor its children', () => {
    const config = hromada([{ id: 'lib-ap', kind: 'wifi', host: '127.0.88.9', parent: 'school' }]);
    const matched = matchNeighbours(parseLldp(lldp()).neighbours, config);
    expect(suggestParent(matched, { config, self: null, uplink: null })).toEqual({
      parent: 'core-switch',
      reason: 'its LLDP neighbour CoreSwitch.school.local on te1/0/1, configured as core-switch (by name)',
    });
    const two: Neighbour[] = [...matched, { ...matched[0]!, local_port: 'gi1/0/2', device: 'lib-ap', matched_by: 'name' }];
    expect(suggestParent(two, { config, self: null, uplink: { name: 'te1/0/1', descr: null } })).toMatchObject({ parent: 'core-switch' });
    expect(suggestParent(two, { config, self: null, uplink: { name: 'gi1/0/5', descr: null } })).toMatchObject({
      parent: null,
      reason: expect.stringMatching(/several configured neighbours \(core-switch, lib-ap\)/),
    });
    // Seen from the school, lib-ap hangs from it: the parent is still the core switch.
    expect(suggestParent(two, { config, self: 'school', uplink: null })).toMatchObject({ parent: 'core-switch' });
    expect(suggestParent(matched, { config, self: 'core-switch', uplink: null })).toMatchObject({
      parent: null,
      reason: expect.stringMatching(/none of the neighbours/),
    });
    expect(suggestParent(matched, { config: undefined, self: null, uplink: null }).reason).toMatch(
      /^no config to match the neighbours \(Biologie, InforaumPC, CoreSwitch.school.local\) against/,
    );
    expect(suggestParent([], { config, self: null, uplink: null }).reason).toMatch(/^no LLDP or CDP neighbours/);
  });

  it('an access point whose LLDP neighbour is its switch: the parent in the entry', async () => {
    const a = fakeAgent({ name: 'Бібліотека AP', objectId: '1.3.6.1.4.1.14988.1' });
    a.set(`${MIKROTIK_CLIENTS}.2`, T.c32, 3);
    for (const c of Object.values(lldp())) for (const v of c) a.oids.set(v.oid, { type: v.type, value: v.value });
    const d = await discoverDevice(a.client(), target, { config: hromada(), credentialId: 'v2' });
    expect(d).toMatchObject({ suggested_parent: 'core-switch', configured: null, suggested_kind: 'wifi' });
    expect(d.neighbours.find((n) => n.device)).toMatchObject({
      sys_name: 'CoreSwitch.school.local',
      device: 'core-switch',
      matched_by: 'name',
    });
    expect(d.yaml).toBe(
      '- id: biblioteka-ap\n  name: Бібліотека AP\n  kind: wifi\n  vendor: mikrotik\n  host: 127.0.88.7\n  snmp:\n    credential: v2\n    interface: ether1\n  parent: core-switch\n',
    );
    expect(d.entry).toEqual({
      id: 'biblioteka-ap',
      name: 'Бібліотека AP',
      kind: 'wifi',
      vendor: 'mikrotik',
      host: '127.0.88.7',
      snmp: { credential: 'v2', interface: 'ether1' },
      parent: 'core-switch',
    });
    sameEntry(d);
  });
});

describe('the kind and the device entry', () => {
  it('wifi when a Wi-Fi MIB answers; an institution (and its category) when the name says so; else uplink', () => {
    expect(suggestKind({ wifiMib: 'UBNT-UniFi-MIB unifiVapTable', sysName: 'школа', hasDefaultRoute: true, neighbours: 0 })).toMatchObject({
      kind: 'wifi',
      category: null,
    });
    for (const [name, category] of [
      ['Помічнянський ліцей №1', 'school'],
      ['pomichna-school-gw', 'school'],
      ['Амбулаторія Помічна', 'clinic'],
      ['ZDO Sonechko', 'kindergarten'],
      ['Бібліотека', 'library'],
      ['CNAP-router', 'cnap'],
      ['Starostat Makarykha', 'council'],
      ['Сільська рада', 'council'],
      ['Будинок культури', 'culture'],
    ] as const) {
      expect(suggestKind({ wifiMib: null, sysName: name, hasDefaultRoute: false, neighbours: 0 }), name).toMatchObject({
        kind: 'institution',
        category,
      });
    }
    for (const name of ['Radar-2', 'Paradise', 'RB4011', null]) {
      expect(suggestKind({ wifiMib: null, sysName: name, hasDefaultRoute: true, neighbours: 0 }), String(name)).toMatchObject({
        kind: 'uplink',
        reason: expect.stringMatching(/it has a default route: a router, switch or radio link, which the config calls uplink/),
      });
    }
  });

  it('an id from the sysName (transliterated, unique in the config), else from the address; a configured device keeps its own', () => {
    const config = hromada([{ id: 'litsei-pomichna', kind: 'uplink', host: '127.0.88.3' }]);
    expect(suggestId('Ліцей Помічна', '127.0.0.1', undefined, null)).toBe('litsei-pomichna');
    expect(suggestId('Ліцей Помічна', '127.0.0.1', config, null)).toBe('litsei-pomichna-2');
    expect(suggestId(null, '127.0.88.7', config, null)).toBe('device-127-0-88-7');
    expect(suggestId('anything', '127.0.88.1', config, 'core-switch')).toBe('core-switch');
    expect(configuredAt(config, { host: '127.0.88.3', port: 161 })).toBe('litsei-pomichna');
  });

  /** The config with the entry pasted under a village's devices, loaded as a file. */
  function loads(yaml: string, credentials = '  v2: { version: 2c, community: public }\n'): Config {
    const text = `hromada: { name: Тест }
snmp_credentials:
${credentials}villages:
  - id: pomichna
    name: Помічна
    devices:
      - id: core-switch
        kind: uplink
        host: 127.0.88.1
${yaml.replace(/^/gm, '      ').trimEnd()}
`;
    return parseConfig(text, 'pasted.yaml', { AUTH_KEY: 'merezha-auth-key' });
  }

  it('loads in a config as it is printed: wifi with vendor and port, institution with category, generic with clients_oid, uplink without vendor', async () => {
    const entries = [
      deviceEntry({
        id: 'park-ap',
        name: 'Free WiFi: парк "Ювілейний"',
        kind: 'wifi',
        category: null,
        vendor: 'unifi',
        clientsOid: null,
        host: '127.0.88.7',
        port: 16161,
        credential: 'v2',
        interface: 'eth0',
        parent: 'core-switch',
      }),
      deviceEntry({
        id: 'school-gw',
        name: 'school-gw',
        kind: 'institution',
        category: 'school',
        vendor: 'mikrotik',
        clientsOid: null,
        host: '127.0.88.8',
        port: 161,
        credential: 'v2',
        interface: 7,
        parent: null,
      }),
      deviceEntry({
        id: 'aironet',
        name: null,
        kind: 'wifi',
        category: null,
        vendor: 'generic',
        clientsOid: AIRONET_CLIENTS,
        host: '127.0.88.9',
        port: 161,
        credential: 'v2',
        interface: null,
        parent: null,
      }),
      deviceEntry({
        id: 'radio',
        name: 'radio: 5 GHz',
        kind: 'uplink',
        category: null,
        vendor: 'airmax',
        clientsOid: null,
        host: '127.0.88.10',
        port: 161,
        credential: 'v2',
        interface: 'eth0',
        parent: null,
      }),
    ];
    // Each entry's YAML is the entry: keys, their order and their values.
    for (const e of entries) expect(parse(entryYaml(e))).toStrictEqual([e]);
    const config = loads(entries.map(entryYaml).join(''));
    const devices = config.villages[0]!.devices;
    expect(devices.find((d) => d.id === 'park-ap')).toMatchObject({
      name: 'Free WiFi: парк "Ювілейний"',
      vendor: 'unifi',
      snmp: { credential: 'v2', port: 16161, interface: 'eth0' },
      parent: 'core-switch',
    });
    expect(devices.find((d) => d.id === 'school-gw')).toMatchObject({
      kind: 'institution',
      category: 'school',
      snmp: { port: 161, interface: 7 },
    });
    expect(devices.find((d) => d.id === 'school-gw')).not.toHaveProperty('vendor');
    expect(devices.find((d) => d.id === 'aironet')).toMatchObject({ vendor: 'generic', clients_oid: AIRONET_CLIENTS });
    expect(devices.find((d) => d.id === 'radio')).not.toHaveProperty('vendor');

    // A whole discovery's entry, with a placeholder credential the config then gets.
    const a = fakeAgent({ name: 'Помічнянський ліцей', objectId: '1.3.6.1.4.1.14988.1' });
    const d = await discoverDevice(a.client('3'), { host: '127.0.88.11', port: 1161 });
    expect(d.yaml).toContain('credential: snmp-v3');
    sameEntry(d);
    expect(d.entry).toMatchObject({ kind: 'institution', category: 'school', snmp: { credential: 'snmp-v3', port: 1161 } });
    expect(d.notes).toContainEqual(expect.stringMatching(/^the entry refers to the credential "snmp-v3": add it under snmp_credentials/));
    expect(d.notes).toContainEqual('category school is a guess from the name: check it');
    const withIt = loads(d.yaml, '  snmp-v3: { version: 3, user: monitor, auth: { protocol: sha, key: "${AUTH_KEY}" } }\n');
    expect(withIt.villages[0]!.devices.at(-1)).toMatchObject({
      id: 'pomichnianskyi-litsei',
      kind: 'institution',
      category: 'school',
      snmp: { credential: 'snmp-v3', port: 1161 },
    });
  });
});

describe('an agent that fails', () => {
  it('does not answer the system group: the SnmpError is thrown, with no secret in it', async () => {
    const a = fakeAgent();
    a.failWith = new SnmpError('no answer within 2000 ms (agent down, blocked, or wrong community/user)', 'timeout');
    await expect(discoverDevice(a.client(), target)).rejects.toThrow(/^no answer within 2000 ms/);
  });

  it('fails on some tables: discovery goes on and says which, once per cause', async () => {
    const a = fakeAgent({ objectId: '1.3.6.1.4.1.14988.1' });
    a.set(`${MIKROTIK_CLIENTS}.1`, T.c32, 2);
    const client: SnmpClient = a.client();
    const walk = client.walk.bind(client);
    client.walk = async (oid) => {
      if (oid.startsWith('1.0.8802') || oid.startsWith('1.3.6.1.4.1.9.9.23'))
        throw new SnmpError('malformed reply: bad length', 'malformed');
      return walk(oid);
    };
    const d = await discoverDevice(client, target);
    expect(d).toMatchObject({ vendor: 'mikrotik', wifi: { clients: 2 }, neighbours: [] });
    expect(d.notes).toContain('LLDP-MIB, CISCO-CDP-MIB: malformed reply: bad length');
  });

  it('answers a vendor column with garbage: the vendor is found, the clients are not, and that is said', async () => {
    const a = fakeAgent({ objectId: LINUX });
    a.set(`${UNIFI_CLIENTS}.1`, T.str, str('many'));
    const d = await discoverDevice(a.client(), target);
    expect(d).toMatchObject({ vendor: 'unifi', wifi: null, suggested_kind: 'wifi' });
    expect(d.notes).toContainEqual(
      expect.stringMatching(/^Wi-Fi clients could not be read: unifiVapNumStations at .* is not a non-negative integer/),
    );
  });
});

describe('a range', () => {
  it('is the host addresses of an IPv4 CIDR, at most a /16', () => {
    expect(rangeHosts('127.0.77.0/30')).toEqual(['127.0.77.1', '127.0.77.2']);
    expect(rangeHosts('127.0.77.9/31')).toEqual(['127.0.77.8', '127.0.77.9']);
    expect(rangeHosts('127.0.77.9/32')).toEqual(['127.0.77.9']);
    expect(rangeHosts('127.0.77.200/24')).toHaveLength(254);
    expect(rangeHosts('127.1.0.0/16')).toHaveLength(65_534);
    expect(() => rangeHosts('127.0.0.0/15')).toThrow(
      new RangeRefused('refusing to sweep 127.0.0.0/15: 131,072 addresses; the widest range is a /16 (65,534 hosts)'),
    );
    for (const bad of ['127.0.77.0', '127.0.77.0/33', '127.0.777.0/24', 'localhost/24', '::1/128'])
      expect(() => rangeHosts(bad), bad).toThrow(RangeRefused);
  });

  it('is swept with each credential in turn; agents that answer are discovered, configured ones marked', async () => {
    const agents = new Map([
      ['127.0.77.2', fakeAgent({ name: 'core-switch' })],
      ['127.0.77.5', fakeAgent({ name: 'new-ap' })],
    ]);
    const config = testConfig({
      snmp_credentials: { v2: { version: '2c', community: 'public' }, old: { version: '1', community: 'legacy' } },
      villages: [
        { id: 'v', name: 'V', devices: [{ id: 'core', kind: 'uplink', host: '127.0.77.2', snmp: { credential: 'old', port: 1161 } }] },
      ],
    });
    const asked: string[] = [];
    const result = await sweepRange('127.0.77.0/29', {
      port: 161,
      credentials: [{ id: 'v2', credential: config.snmp_credentials.v2! }],
      config,
      concurrency: 3,
      timeoutMs: 100,
      retries: 0,
      ping: false,
      clientFactory: (t) => {
        asked.push(`${t.host}:${t.port}/${t.credential.version}`);
        const agent = agents.get(t.host);
        if (agent) return agent.client(t.credential.version);
        const silent = new FakeAgent();
        silent.failWith = new SnmpError('no answer within 100 ms', 'timeout');
        return silent.client();
      },
    });
    expect(result).toMatchObject({ range: '127.0.77.0/29', total: 6, alive: 6, failed: [] });
    expect(result.found.map((d) => [d.host, d.port, d.configured, d.snmp_version])).toEqual([
      ['127.0.77.2', 1161, 'core', '1'],
      ['127.0.77.5', 161, null, '2c'],
    ]);
    // The configured device on its own port and credential first; everyone else with the one given.
    expect(asked.filter((a) => a.startsWith('127.0.77.2:'))).toEqual(['127.0.77.2:1161/1']);
    expect(asked.filter((a) => a.startsWith('127.0.77.3:'))).toEqual(['127.0.77.3:161/2c']);
  });
});

describe('the reasons and notes in the operator’s language', () => {
  /** Every sentence a discovery writes. */
  const sentences = (d: Discovery) => [
    d.vendor_reason,
    d.suggested_kind_reason,
    d.suggested_interface_reason,
    d.suggested_parent_reason,
    ...d.notes,
  ];
  /** What is not a sentence: the same whatever the locale. */
  const facts = (d: Discovery) => {
    const { vendor_reason, suggested_kind_reason, suggested_interface_reason, suggested_parent_reason, notes, elapsed_ms, ...rest } = d;
    return rest;
  };
  const ukrainian = (text: string) => {
    expect(text).toMatch(/[а-щьюяєіїґ]/i);
    expect(text, 'an English word left in it').not.toMatch(/\b(the|and|answers?|is|no|not|its|of)\b/);
  };

  it('an access point in Ukrainian: its vendor, kind, interface and parent, and the credential to add; English by default', async () => {
    const agent = () => {
      const a = fakeAgent({ name: 'park-ap', objectId: '1.3.6.1.4.1.14988.1' });
      a.set(`${MIKROTIK_CLIENTS}.1`, T.c32, 4);
      return a;
    };
    const en = await discoverDevice(agent().client(), target, { config: hromada() });
    const uk = await discoverDevice(agent().client(), target, { config: hromada(), locale: 'uk' });
    expect(en.vendor_reason).toBe(
      'MIKROTIK-MIB mtxrWlApTable answers; sysObjectID 1.3.6.1.4.1.14988.1 belongs to MikroTik (enterprise 14988)',
    );
    expect(uk).toMatchObject({
      vendor_reason: 'відповідає MIKROTIK-MIB mtxrWlApTable; sysObjectID 1.3.6.1.4.1.14988.1 належить MikroTik (номер підприємства 14988)',
      suggested_kind_reason: 'відповідає його Wi-Fi MIB (MIKROTIK-MIB mtxrWlApTable): це точка доступу',
      suggested_interface_reason:
        'маршруту за замовчуванням немає ні в IP-FORWARD-MIB (inetCidrRouteTable, ipCidrRouteTable), ні в ipRouteTable; обрано найзавантаженіший із працюючих інтерфейсів: 6,0 МБ в обидва боки від запуску лічильників (loopback не враховано)',
      suggested_parent_reason: 'сусідів LLDP чи CDP немає (LLDP-MIB і CISCO-CDP-MIB не надаються або порожні)',
    });
    expect(uk.notes).toEqual([
      'запис посилається на обліковий запис SNMP «snmp-v2c»: додайте його до snmp_credentials з версією 2c і community, з якими ви опитували пристрій (секрети можна тримати в merezha.env і посилатися на них як ${NAME})',
    ]);
    for (const text of sentences(uk)) ukrainian(text);
    // The language changes the sentences only: the entry, its YAML and every finding are the same.
    expect(facts(uk)).toEqual(facts(en));
    sameEntry(uk);
  });

  it('an institution over SNMPv1 whose neighbour tables time out: the kind, category and notes in Ukrainian, the SNMP error too', async () => {
    const a = fakeAgent({ name: 'Сільська рада', hc: false });
    const client = a.client('1');
    const walk = client.walk.bind(client);
    client.walk = async (oid) => {
      if (oid.startsWith('1.0.8802') || oid.startsWith('1.3.6.1.4.1.9.9.23'))
        throw new SnmpError('no answer within 2000 ms (agent down, blocked, or wrong community/user)', 'timeout');
      return walk(oid);
    };
    const d = await discoverDevice(client, target, { locale: 'uk' });
    expect(d).toMatchObject({ suggested_kind: 'institution', suggested_category: 'council' });
    expect(d.suggested_kind_reason).toBe(
      'жодна Wi-Fi MIB не відповідає, а назва «Сільська рада» вказує на заклад («рада» — категорія «рада / старостат»)',
    );
    expect(d.notes).toEqual([
      'у SNMPv1 немає 64-бітних лічильників: колектор читає 32-бітні ifInOctets/ifOutOctets, які на 1 Гбіт/с переповнюються кожні 34 с, та ifSpeed',
      'LLDP-MIB, CISCO-CDP-MIB: немає відповіді за 2000 мс (агент вимкнений, заблокований або неправильні community/користувач)',
      expect.stringMatching(
        /^запис посилається на обліковий запис SNMP «snmp-v1»: додайте його до snmp_credentials з версією 1 і community/,
      ),
      'категорію «рада / старостат» вгадано з назви: перевірте її',
    ]);
    for (const text of sentences(d)) ukrainian(text);
  });

  it('an uplink, by its default route, and the parent chosen on the uplink interface', () => {
    expect(suggestKind({ wifiMib: null, sysName: 'RB4011', hasDefaultRoute: true, neighbours: 3 }, 'uk').reason).toBe(
      'жодна Wi-Fi MIB не відповідає, назва не вказує на заклад, а пристрій має маршрут за замовчуванням: це маршрутизатор, комутатор чи радіоміст, а такі пристрої в конфігурації мають тип «канал зв’язку» (uplink) — окремого типу для маршрутизатора немає; якщо це канал зв’язку закладу, оберіть «заклад»',
    );
    const config = hromada([{ id: 'lib-ap', kind: 'wifi', host: '127.0.88.9' }]);
    const base = { port: null, port_descr: null, chassis_id: null, address: null, platform: null } as const;
    const neighbours: Neighbour[] = [
      { ...base, protocol: 'lldp', local_port: 'te1/0/1', sys_name: 'CoreSwitch', device: 'core-switch', matched_by: 'name' },
      { ...base, protocol: 'cdp', local_port: 'gi1/0/2', sys_name: 'lib', device: 'lib-ap', matched_by: 'address' },
    ];
    const uplink = { name: 'te1/0/1', descr: null };
    expect(suggestParent(neighbours, { config, self: null, uplink }, 'uk')).toEqual({
      parent: 'core-switch',
      reason:
        'його сусід LLDP CoreSwitch на te1/0/1 (висхідний інтерфейс), у конфігурації це core-switch (збіг за назвою); інші сусіди з конфігурації: lib-ap',
    });
    expect(suggestParent(neighbours, { config, self: null, uplink: null }, 'uk').reason).toBe(
      'кілька сусідів є в конфігурації (core-switch, lib-ap), а на висхідному інтерфейсі немає жодного з них: оберіть той, що веде до провайдера',
    );
    expect(identifyVendor('1.3.6.1.4.1.41112.1.3', new Set(), VENDOR_SIGNATURES, 'uk').reason).toBe(
      'sysObjectID 1.3.6.1.4.1.41112.1.3 належить Ubiquiti (номер підприємства 41112); цей номер спільний для unifi і airmax, але жодна з їхніх MIB не відповідає (UBNT-UniFi-MIB unifiVapTable, UBNT-AirMAX-MIB ubntWlStatTable)',
    );
  });

  it('a sweep in Ukrainian: each discovery, and an agent that refuses every credential', async () => {
    const result = await sweepRange('127.0.77.0/30', {
      port: 161,
      credentials: [{ id: 'v2', credential: { version: '2c', community: 'public' } }],
      concurrency: 2,
      timeoutMs: 100,
      retries: 0,
      ping: false,
      locale: 'uk',
      clientFactory: (t) => {
        if (t.host === '127.0.77.1') return fakeAgent({ name: 'ap' }).client();
        const refusing = new FakeAgent();
        refusing.failWith = new SnmpError('authentication failed (wrong SNMPv3 auth key?)', 'auth');
        return refusing.client();
      },
    });
    expect(result.found.map((d) => d.host)).toEqual(['127.0.77.1']);
    for (const text of sentences(result.found[0]!)) ukrainian(text);
    expect(result.failed).toEqual([
      {
        host: '127.0.77.2',
        error: 'відхиляє всі випробувані облікові записи (останній: помилка автентифікації (неправильний ключ SNMPv3?))',
      },
    ]);
  });
});
