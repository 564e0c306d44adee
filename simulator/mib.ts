/**
 * The MIB a simulated device serves: the system group, IF-MIB ifTable and
 * ifXTable, and its Wi-Fi vendor's client table, as net-snmp providers whose
 * handlers compute every value from the world model at the moment of the
 * request (so sysUpTime, counters and clients are live and exactly what the
 * ground truth says).
 *
 * The OIDs are the collector's own (collector/snmp/oids.ts and the vendor
 * profiles), so the simulator serves precisely what the collector reads.
 */
import snmp from 'net-snmp';
import type { Logger } from '../common/log.ts';
import { IF, SYS } from '../collector/snmp/oids.ts';
import { WIFI_VENDOR_PROFILES } from '../collector/vendors/index.ts';
import type { DeviceModel, InterfaceModel } from './devices.ts';
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

/** Registers everything the device serves in its agent's MIB. */
export function registerDeviceMib(mib: AgentMib, world: World, d: DeviceModel, log: Logger): void {
  const vendor = wifi(world, d);
  for (const s of [...systemGroup(world, d), ...vendor.scalars]) registerScalar(mib, log, d, s);
  for (const t of [...interfaceTables(world, d), ...vendor.tables]) registerTable(mib, log, d, t);
}
