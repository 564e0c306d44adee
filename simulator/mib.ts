/**
 * The MIB a simulated device serves: the system group, IF-MIB ifTable and
 * ifXTable, its Wi-Fi vendor's client table, and its power profile's objects
 * (a UPS's, or a router's supply voltage), as net-snmp providers whose
 * handlers compute every value from the world model at the moment of the
 * request (so sysUpTime, counters, clients and the battery are live and
 * exactly what the ground truth says). Besides, fixed for the life of the
 * agent: the topology of the config's `parent:` as LLDP-MIB neighbours (a
 * device sees its parent on its main interface) and its default route out of
 * that interface.
 *
 * The OIDs are the collector's own (collector/snmp/oids.ts, the vendor
 * profiles and the power profiles), so the simulator serves precisely what
 * the collector reads.
 */
import snmp from 'net-snmp';
import type { Logger } from '../common/log.ts';
import { UPS_PROFILES, VOLTAGE_PROFILES } from '../collector/power/index.ts';
import type { EnumObject, NumberObject, PowerObjects } from '../collector/power/types.ts';
import { isPowerVendor } from '../config/schema.ts';
import { IF, SYS } from '../collector/snmp/oids.ts';
import { WIFI_VENDOR_PROFILES } from '../collector/vendors/index.ts';
import { hash32, type DeviceModel, type InterfaceModel } from './devices.ts';
import type { SupplyReading } from './power.ts';
import { perRadio } from './traffic.ts';
import type { World } from './world.ts';

/** The parts of net-snmp's (untyped) agent MIB used here. */
export interface AgentMib {
  registerProvider(provider: object): void;
  setScalarValue(name: string, value: unknown): void;
  addTableRow(name: string, row: unknown[]): void;
}

interface MibRequest {
  oid: string;
  instanceNode: { value: unknown };
  done(error?: { errorStatus: number }): void;
}

type Read = (t: number) => unknown;
type ReadCell = (row: number, t: number) => unknown;

interface Scalar {
  name: string;
  /** The instance OID (ending in .0). */
  oid: string;
  type: snmp.ObjectType;
  read: Read;
}

interface Column {
  number: number;
  name: string;
  type: snmp.ObjectType;
  read: ReadCell;
}

interface Table {
  name: string;
  entry: string;
  columns: Column[];
  rows: number[];
  /** A table of its own with an index column, or one that augments another (ifXTable augments ifTable). */
  index: { number: number; readable: boolean } | { augments: string };
}

const T = snmp.ObjectType;
const RO = snmp.MaxAccess['read-only'];
const NOT_ACCESSIBLE = snmp.MaxAccess['not-accessible'];
const MAX_32 = 2 ** 32 - 1;
const RANGE_32 = 1n << 32n;

/** `1.3.6.1.2.1.2.2.1.8` → entry `1.3.6.1.2.1.2.2.1`, column 8. */
function split(columnOid: string): { entry: string; column: number } {
  const at = columnOid.lastIndexOf('.');
  return { entry: columnOid.slice(0, at), column: Number(columnOid.slice(at + 1)) };
}

function scalarBase(instanceOid: string): string {
  return instanceOid.replace(/\.0$/, '');
}

function counter64(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  return b;
}

function col(oid: string, name: string, type: snmp.ObjectType, read: ReadCell): Column {
  return { number: split(oid).column, name, type, read };
}

function systemGroup(world: World, d: DeviceModel): Scalar[] {
  return [
    { name: 'sysDescr', oid: SYS.descr, type: T.OctetString, read: () => d.sysDescr },
    { name: 'sysUpTime', oid: SYS.upTime, type: T.TimeTicks, read: (t) => world.uptimeTicksAt(d.id, t) },
    { name: 'sysName', oid: SYS.name, type: T.OctetString, read: () => d.sysName },
  ];
}

function interfaceTables(world: World, d: DeviceModel): Table[] {
  const ifc = (row: number): InterfaceModel => d.interfaces.find((i) => i.index === row)!;
  const octets32 =
    (dir: 'in' | 'out'): ReadCell =>
    (row, t) =>
      Number(world.counterAt(d.id, ifc(row).name, dir, t) % RANGE_32);
  const octets64 =
    (dir: 'in' | 'out'): ReadCell =>
    (row, t) =>
      counter64(world.counterAt(d.id, ifc(row).name, dir, t));
  const errors =
    (dir: 'in' | 'out', kind: 'errors' | 'discards'): ReadCell =>
    (row, t) =>
      world.errorCounterAt(d.id, ifc(row).name, dir, kind, t);
  const operStatus: ReadCell = (row, t) =>
    ifc(row).name === d.mainInterface && world.conditionAt(d.id, world.scenarioAt(t)).linkDown ? 2 : 1;
  const rows = d.interfaces.map((i) => i.index);
  const ifEntry = split(IF.descr).entry;
  return [
    {
      name: 'ifEntry',
      entry: ifEntry,
      rows,
      index: { number: 1, readable: true },
      columns: [
        col(`${ifEntry}.1`, 'ifIndex', T.Integer, (row) => row),
        col(IF.descr, 'ifDescr', T.OctetString, (row) => ifc(row).name),
        col(`${ifEntry}.3`, 'ifType', T.Integer, (row) => ifc(row).type),
        col(IF.speed, 'ifSpeed', T.Gauge, (row) => Math.min(ifc(row).speedMbps * 1e6, MAX_32)),
        col(`${ifEntry}.7`, 'ifAdminStatus', T.Integer, () => 1),
        col(IF.operStatus, 'ifOperStatus', T.Integer, operStatus),
        col(IF.inOctets, 'ifInOctets', T.Counter32, octets32('in')),
        col(IF.inDiscards, 'ifInDiscards', T.Counter32, errors('in', 'discards')),
        col(IF.inErrors, 'ifInErrors', T.Counter32, errors('in', 'errors')),
        col(IF.outOctets, 'ifOutOctets', T.Counter32, octets32('out')),
        col(IF.outDiscards, 'ifOutDiscards', T.Counter32, errors('out', 'discards')),
        col(IF.outErrors, 'ifOutErrors', T.Counter32, errors('out', 'errors')),
      ],
    },
    {
      name: 'ifXEntry',
      entry: split(IF.name).entry,
      rows,
      index: { augments: 'ifEntry' },
      columns: [
        col(IF.name, 'ifName', T.OctetString, (row) => ifc(row).name),
        col(IF.hcInOctets, 'ifHCInOctets', T.Counter64, octets64('in')),
        col(IF.hcOutOctets, 'ifHCOutOctets', T.Counter64, octets64('out')),
        col(IF.highSpeed, 'ifHighSpeed', T.Gauge, (row) => Math.min(Math.round(ifc(row).speedMbps), MAX_32)),
      ],
    },
  ];
}

/** A two-radio (or two-VAP) table: the client column, plus more columns where the vendor MIB has them. */
function radioTable(name: string, clientsOid: string, type: snmp.ObjectType, clients: (t: number) => number, extra: Column[] = []): Table {
  const { entry, column } = split(clientsOid);
  return {
    name,
    entry,
    rows: [1, 2],
    index: { number: column === 1 ? 2 : 1, readable: false },
    columns: [{ number: column, name: `${name}Clients`, type, read: (row, t) => perRadio(clients(t))[row - 1] }, ...extra],
  };
}

/** The vendor's client objects, as its profile in the collector declares them: what the collector reads is what is served. */
function wifi(world: World, d: DeviceModel): { scalars: Scalar[]; tables: Table[] } {
  if (d.vendor === null) return { scalars: [], tables: [] };
  const clients = (t: number) => world.clientsAt(d.id, t);
  const { clients: c, radiosUp } = WIFI_VENDOR_PROFILES[d.vendor].objects({ clients_oid: d.clientsOid ?? undefined });
  const name = `${d.vendor}Clients`;
  // A config-named OID (vendor generic) is a scalar when it ends in .0, otherwise a per-radio column the collector sums.
  const scalar = c.shape === 'scalar' || (c.shape === 'either' && c.oid.endsWith('.0'));
  if (scalar) return { scalars: [{ name, oid: c.oid, type: T[c.type], read: clients }], tables: [] };
  const extra = radiosUp ? [col(radiosUp.oid, radiosUp.name, T.Integer, () => 1)] : [];
  return { scalars: [], tables: [radioTable(`${d.vendor}Entry`, c.oid, T[c.type], clients, extra)] };
}

/**
 * A figure of the reading (a time in seconds, a percentage, volts) in the unit
 * its MIB object declares: TimeTicks, whole minutes, decivolts.
 */
export function encodeNumber(o: NumberObject, value: number): number {
  switch (o.unit) {
    case 'ticks':
      return Math.floor(value * 100);
    case 'decivolts':
      return Math.round(value * 10);
    case 'minutes':
      // The reading's seconds, as whole minutes left: never a minute the battery may not have.
      return Math.floor(value / 60);
    default:
      return Math.round(value);
  }
}

/**
 * The value an enumerated object takes for one of ours: the first the MIB maps
 * to it (APC's onLine(2) for mains), or, where the MIB has none (APC has no
 * depleted), the first it maps to the next word of `fallbacks`.
 */
export function encodeEnum<T extends string>(o: EnumObject<T>, value: T, fallbacks: readonly T[] = []): number {
  for (const wanted of [value, ...fallbacks]) {
    const hit = Object.entries(o.values).find(([, ours]) => ours === wanted);
    if (hit) return Number(hit[0]);
  }
  throw new RangeError(`${o.name} has no value for ${value}`);
}

/** The number objects of a profile, and the figure of the reading each serves. */
const POWER_FIGURES: [Exclude<keyof PowerObjects, 'source' | 'batteryStatus'>, (r: SupplyReading) => number][] = [
  ['secondsOnBattery', (r) => r.secondsOnBattery],
  ['minutesLeft', (r) => r.secondsLeft],
  ['batteryPct', (r) => r.batteryPct],
  ['inputVoltage', (r) => r.inputVoltage],
];

/**
 * The device's power profile as its agent serves it: every object the
 * profile declares, an `.0` instance as a scalar, any other (UPS-MIB's
 * upsInputVoltage.1) as its row of a table, each value read from the world's
 * supply at the request.
 */
function power(world: World, d: DeviceModel): { scalars: Scalar[]; tables: Table[] } {
  const id = d.power.profile;
  if (id === null) return { scalars: [], tables: [] };
  const profile = isPowerVendor(id) ? UPS_PROFILES[id] : VOLTAGE_PROFILES[id];
  const reading = (t: number) => world.powerAt(d.id, t)!;
  const { source, batteryStatus, ...numbers } = profile.objects;
  const objects: Scalar[] = [];
  if (source) objects.push({ oid: source.oid, name: source.name, type: T.Integer, read: (t) => encodeEnum(source, reading(t).source) });
  if (batteryStatus) {
    const read: Read = (t) => encodeEnum(batteryStatus, reading(t).batteryStatus, ['low']);
    objects.push({ oid: batteryStatus.oid, name: batteryStatus.name, type: T.Integer, read });
  }
  for (const [key, figure] of POWER_FIGURES) {
    const n = numbers[key];
    if (n) objects.push({ oid: n.oid, name: n.name, type: T[n.type], read: (t) => encodeNumber(n, figure(reading(t))) });
  }
  const scalars = objects.filter((x) => x.oid.endsWith('.0'));
  const tables = objects
    .filter((x) => !x.oid.endsWith('.0'))
    .map((x): Table => {
      const at = x.oid.lastIndexOf('.');
      const { entry, column } = split(x.oid.slice(0, at));
      return {
        name: `${x.name.replace(/\.\d+$/, '')}Entry`,
        entry,
        rows: [Number(x.oid.slice(at + 1))],
        index: { number: column === 1 ? 2 : 1, readable: false },
        columns: [col(`${entry}.${column}`, x.name.replace(/\.\d+$/, ''), x.type, (_row, t) => x.read(t))],
      };
    });
  return { scalars, tables };
}

/**
 * A handler that puts the value of the requested instance in place. A bug in
 * a value function answers genErr for that varbind instead of taking the
 * whole simulator down.
 */
function handler(log: Logger, d: DeviceModel, what: string, read: (oid: string, t: number) => unknown) {
  return (req: MibRequest) => {
    let failed = false;
    try {
      const value = read(req.oid, Date.now());
      if (value !== undefined) req.instanceNode.value = value;
    } catch (err) {
      failed = true;
      log.error({ device: d.id, oid: req.oid, err: (err as Error).message }, `simulator cannot compute ${what}`);
    }
    req.done(failed ? { errorStatus: snmp.ErrorStatus.GeneralError } : undefined);
  };
}

function registerScalar(mib: AgentMib, log: Logger, d: DeviceModel, s: Scalar): void {
  mib.registerProvider({
    name: s.name,
    type: snmp.MibProviderType.Scalar,
    oid: scalarBase(s.oid),
    scalarType: s.type,
    maxAccess: RO,
    handler: handler(log, d, s.name, (_oid, t) => s.read(t)),
  });
  mib.setScalarValue(s.name, s.read(Date.now()));
}

function registerTable(mib: AgentMib, log: Logger, d: DeviceModel, table: Table): void {
  const byNumber = new Map(table.columns.map((c) => [c.number, c]));
  const ownIndex = 'number' in table.index ? table.index : undefined;
  const indexColumn =
    ownIndex && !byNumber.has(ownIndex.number)
      ? [{ number: ownIndex.number, name: `${table.name}Index`, type: T.Integer, maxAccess: ownIndex.readable ? RO : NOT_ACCESSIBLE }]
      : [];
  const columns = [...indexColumn, ...table.columns.map((c) => ({ number: c.number, name: c.name, type: c.type, maxAccess: RO }))].sort(
    (a, b) => a.number - b.number,
  );
  mib.registerProvider({
    name: table.name,
    type: snmp.MibProviderType.Table,
    oid: table.entry,
    maxAccess: NOT_ACCESSIBLE,
    tableColumns: columns,
    ...(ownIndex ? { tableIndex: [{ columnName: columns.find((c) => c.number === ownIndex.number)!.name }] } : {}),
    ...('augments' in table.index ? { tableAugments: table.index.augments } : {}),
    handler: handler(log, d, table.name, (oid, t) => {
      const [column, row] = oid
        .slice(table.entry.length + 1)
        .split('.')
        .map(Number);
      return byNumber.get(column!)?.read(row!, t);
    }),
  });
  const now = Date.now();
  for (const row of table.rows) {
    const cells = columns.map((c) => byNumber.get(c.number)?.read(row, now) ?? row);
    // An augmenting table's row starts with the index of the table it augments.
    mib.addTableRow(table.name, ownIndex ? cells : [row, ...cells]);
  }
}

/** A table whose values do not change while the agent runs: served from the rows as given, no handler. */
interface StaticTable {
  name: string;
  entry: string;
  /** Every column, index columns included, in column order. */
  /** `index`: part of the row's index; `readable`: an index column served as a column too (ipRouteDest). */
  columns: { number: number; name: string; type: snmp.ObjectType; index?: boolean; readable?: boolean }[];
  /** Index columns of another table that come first in the instance (lldpRemManAddrTable's lldpRemTable index). */
  foreignIndex?: { table: string; columns: string[] };
  /** Cells: the foreign index values first, then one per column. */
  rows: unknown[][];
}

function registerStaticTable(mib: AgentMib, t: StaticTable): void {
  if (t.rows.length === 0) return;
  mib.registerProvider({
    name: t.name,
    type: snmp.MibProviderType.Table,
    oid: t.entry,
    maxAccess: NOT_ACCESSIBLE,
    tableColumns: t.columns.map((c) => ({
      number: c.number,
      name: c.name,
      type: c.type,
      maxAccess: c.index && !c.readable ? NOT_ACCESSIBLE : RO,
    })),
    tableIndex: [
      ...(t.foreignIndex?.columns.map((columnName) => ({ foreign: t.foreignIndex!.table, columnName })) ?? []),
      ...t.columns.filter((c) => c.index).map((c) => ({ columnName: c.name })),
    ],
  });
  for (const row of t.rows) mib.addTableRow(t.name, row);
}

const LLDP_LOC_PORT_ENTRY = '1.0.8802.1.1.2.1.3.7.1';
const LLDP_REM_ENTRY = '1.0.8802.1.1.2.1.4.1.1';
const LLDP_REM_MAN_ADDR_ENTRY = '1.0.8802.1.1.2.1.4.2.1';
const IP_ROUTE_ENTRY = '1.3.6.1.2.1.4.21.1';
/** LLDP id subtypes: chassis macAddress(4), port interfaceName(5); management address family ipV4(1); ifSubtype ifIndex(2). */
const CHASSIS_MAC = 4;
const PORT_IF_NAME = 5;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** A stable, locally administered MAC address for a device's chassis id. */
function chassisMac(id: string): Buffer {
  const h = hash32(`${id}/chassis`);
  return Buffer.from([0x02, 0x4d, (h >>> 24) & 255, (h >>> 16) & 255, (h >>> 8) & 255, h & 255]);
}

/** The parent's port a device hangs from: a LAN port of the parent, ether2–ether9 by the device's id. */
export function parentPortOf(d: DeviceModel): string {
  return `ether${2 + (hash32(`${d.id}/parent-port`) % 8)}`;
}

/**
 * LLDP-MIB: the device's main interface as its one local port (lldpLocPortNum
 * = ifIndex), and its parent as the neighbour seen on it, with the parent's
 * sysName, chassis MAC, port and management address (its host).
 */
function lldpTables(world: World, d: DeviceModel): StaticTable[] {
  const main = d.interfaces.find((i) => i.name === d.mainInterface)!;
  const parent = d.parent === null ? undefined : world.devices.find((p) => p.id === d.parent);
  const locPorts: StaticTable = {
    name: 'lldpLocPortEntry',
    entry: LLDP_LOC_PORT_ENTRY,
    columns: [
      { number: 1, name: 'lldpLocPortNum', type: T.Integer, index: true },
      { number: 2, name: 'lldpLocPortIdSubtype', type: T.Integer },
      { number: 3, name: 'lldpLocPortId', type: T.OctetString },
      { number: 4, name: 'lldpLocPortDesc', type: T.OctetString },
    ],
    rows: [[main.index, PORT_IF_NAME, main.name, main.name]],
  };
  if (!parent) return [locPorts];
  const remIndex = [0, main.index, 1];
  const address = IPV4.exec(parent.host);
  return [
    locPorts,
    {
      name: 'lldpRemEntry',
      entry: LLDP_REM_ENTRY,
      columns: [
        { number: 1, name: 'lldpRemTimeMark', type: T.TimeTicks, index: true },
        { number: 2, name: 'lldpRemLocalPortNum', type: T.Integer, index: true },
        { number: 3, name: 'lldpRemIndex', type: T.Integer, index: true },
        { number: 4, name: 'lldpRemChassisIdSubtype', type: T.Integer },
        { number: 5, name: 'lldpRemChassisId', type: T.OctetString },
        { number: 6, name: 'lldpRemPortIdSubtype', type: T.Integer },
        { number: 7, name: 'lldpRemPortId', type: T.OctetString },
        { number: 8, name: 'lldpRemPortDesc', type: T.OctetString },
        { number: 9, name: 'lldpRemSysName', type: T.OctetString },
        { number: 10, name: 'lldpRemSysDesc', type: T.OctetString },
      ],
      rows: [
        [...remIndex, CHASSIS_MAC, chassisMac(parent.id), PORT_IF_NAME, parentPortOf(d), `to ${d.id}`, parent.sysName, parent.sysDescr],
      ],
    },
    {
      name: 'lldpRemManAddrEntry',
      entry: LLDP_REM_MAN_ADDR_ENTRY,
      foreignIndex: { table: 'lldpRemEntry', columns: ['lldpRemTimeMark', 'lldpRemLocalPortNum', 'lldpRemIndex'] },
      columns: [
        { number: 1, name: 'lldpRemManAddrSubtype', type: T.Integer, index: true },
        { number: 2, name: 'lldpRemManAddr', type: T.OctetString, index: true },
        { number: 3, name: 'lldpRemManAddrIfSubtype', type: T.Integer },
        { number: 4, name: 'lldpRemManAddrIfId', type: T.Integer },
      ],
      // The parent's ifIndex of that port is not modelled: 0, "unknown", as the MIB allows.
      rows: address ? [[...remIndex, 1, Buffer.from(address.slice(1).map(Number)), 2, 0]] : [],
    },
  ];
}

/** RFC 1213 ipRouteTable: the default route, out of the main interface, via the parent's address. */
function routeTable(world: World, d: DeviceModel): StaticTable {
  const main = d.interfaces.find((i) => i.name === d.mainInterface)!;
  const parent = d.parent === null ? undefined : world.devices.find((p) => p.id === d.parent);
  const nextHop = parent && IPV4.test(parent.host) ? parent.host : '0.0.0.0';
  return {
    name: 'ipRouteEntry',
    entry: IP_ROUTE_ENTRY,
    columns: [
      { number: 1, name: 'ipRouteDest', type: T.IpAddress, index: true, readable: true },
      { number: 2, name: 'ipRouteIfIndex', type: T.Integer },
      { number: 7, name: 'ipRouteNextHop', type: T.IpAddress },
      { number: 8, name: 'ipRouteType', type: T.Integer },
      { number: 11, name: 'ipRouteMask', type: T.IpAddress },
    ],
    // ipRouteType indirect(4): the next hop is another router.
    rows: [['0.0.0.0', main.index, nextHop, 4, '0.0.0.0']],
  };
}

/**
 * SNMP-FRAMEWORK-MIB snmpEngineMaxMessageSize, as every snmpd serves it: the
 * last object of the MIB, after every enterprise subtree. net-snmp's agent
 * answers a GETNEXT past its last object with noSuchObject at the OID asked
 * for instead of endOfMibView, and net-snmp's walk then asks for the same OID
 * for ever; with an object after them, walks of absent vendor tables (what
 * discovery probes) leave their subtree and end.
 */
function endOfView(): Scalar {
  return { name: 'snmpEngineMaxMessageSize', oid: '1.3.6.1.6.3.10.2.1.4.0', type: T.Integer, read: () => 65507 };
}

/** Registers everything the device serves in its agent's MIB. */
export function registerDeviceMib(mib: AgentMib, world: World, d: DeviceModel, log: Logger): void {
  const vendor = wifi(world, d);
  const supply = power(world, d);
  for (const s of [...systemGroup(world, d), ...vendor.scalars, ...supply.scalars, endOfView()]) registerScalar(mib, log, d, s);
  for (const t of [...interfaceTables(world, d), ...vendor.tables, ...supply.tables]) registerTable(mib, log, d, t);
  for (const t of [...lldpTables(world, d), routeTable(world, d)]) registerStaticTable(mib, t);
}
