/**
 * The interface list of an agent from IF-MIB, and the interface to poll:
 * pure functions over the walked columns.
 *
 * ifXTable (ifName, ifHighSpeed, 64-bit counters) where the agent serves it,
 * ifTable (ifDescr, ifSpeed, 32-bit counters) otherwise; what is missing is
 * said in notes, as is what it means for the collector, which reads ifName,
 * ifHighSpeed and ifHC*Octets over SNMPv2c/v3 and the 32-bit ones over v1.
 */
import { discoveryWords } from '../../common/words/discovery.ts';
import type { Locale } from '../../common/words/locale.ts';
import type { Varbind } from '../snmp/client.ts';
import { IF } from '../snmp/oids.ts';
import { IF_MORE } from './oids.ts';
import type { DiscoveredInterface } from './types.ts';
import { byInstance, counter, integer, nonEmptyText } from './values.ts';

/** The IF-MIB columns as walked; a column the agent does not serve is empty. */
export interface IfColumns {
  descr: readonly Varbind[];
  type: readonly Varbind[];
  speed: readonly Varbind[];
  operStatus: readonly Varbind[];
  inOctets: readonly Varbind[];
  outOctets: readonly Varbind[];
  name: readonly Varbind[];
  alias: readonly Varbind[];
  highSpeed: readonly Varbind[];
  hcInOctets: readonly Varbind[];
  hcOutOctets: readonly Varbind[];
}

/** The column OIDs of `IfColumns`, for walking them. */
export const IF_COLUMNS: Record<keyof IfColumns, string> = {
  descr: IF.descr,
  type: IF_MORE.type,
  speed: IF.speed,
  operStatus: IF.operStatus,
  inOctets: IF.inOctets,
  outOctets: IF.outOctets,
  name: IF.name,
  alias: IF_MORE.alias,
  highSpeed: IF.highSpeed,
  hcInOctets: IF.hcInOctets,
  hcOutOctets: IF.hcOutOctets,
};

const SOFTWARE_LOOPBACK = 24;
const MAX_IF_SPEED = 4_294_967_295;
const round3 = (n: number) => Math.round(n * 1000) / 1000;

export function isLoopback(name: string, type: number | null): boolean {
  return type === SOFTWARE_LOOPBACK || /^(lo\d*|loopback\d*)$/i.test(name);
}

/** The interfaces in ifIndex order, and what the agent lacked (in `locale`). */
export function parseInterfaces(
  columns: IfColumns,
  version: '1' | '2c' | '3',
  locale: Locale = 'en',
): { interfaces: DiscoveredInterface[]; notes: string[] } {
  const words = discoveryWords(locale);
  const col = Object.fromEntries(
    (Object.keys(IF_COLUMNS) as (keyof IfColumns)[]).map((k) => [k, byInstance(IF_COLUMNS[k], columns[k])]),
  ) as Record<keyof IfColumns, Map<string, Varbind>>;
  const notes: string[] = [];
  const ifTable = col.descr.size + col.operStatus.size + col.type.size + col.speed.size > 0;
  const ifXTable = col.name.size + col.highSpeed.size + col.hcInOctets.size > 0;
  const indexes = new Set<number>();
  for (const k of ['descr', 'type', 'operStatus', 'speed', 'name', 'highSpeed'] as const) {
    for (const instance of col[k].keys()) if (/^\d+$/.test(instance)) indexes.add(Number(instance));
  }
  let saturated = false;
  const interfaces = [...indexes]
    .sort((a, b) => a - b)
    .map((index): DiscoveredInterface => {
      const at = String(index);
      const descr = nonEmptyText(col.descr.get(at));
      const name = nonEmptyText(col.name.get(at)) ?? descr ?? `ifIndex ${index}`;
      const type = integer(col.type.get(at));
      const oper = integer(col.operStatus.get(at));
      const high = integer(col.highSpeed.get(at));
      const low = integer(col.speed.get(at));
      // A speed of 0 is unknown (UniFi radios, airOS bridges), as the collector takes it.
      let speed: number | null = null;
      if (high !== null && high > 0) speed = high;
      else if (low !== null && low > 0) {
        speed = round3(low / 1e6);
        if (low >= MAX_IF_SPEED && high === null) saturated = true;
      }
      const hcIn = counter(col.hcInOctets.get(at));
      const hcOut = counter(col.hcOutOctets.get(at));
      const in32 = counter(col.inOctets.get(at));
      const out32 = counter(col.outOctets.get(at));
      const [inC, outC] = hcIn || hcOut ? [hcIn, hcOut] : [in32, out32];
      return {
        index,
        name,
        descr,
        alias: nonEmptyText(col.alias.get(at)),
        type,
        loopback: isLoopback(name, type),
        oper_up: oper === null ? null : oper === 1,
        speed_mbps: speed,
        in_octets: inC?.value ?? null,
        out_octets: outC?.value ?? null,
        counter_bits: inC?.bits ?? outC?.bits ?? null,
      };
    });

  if (!ifTable && !ifXTable) {
    notes.push(words.noIfMib);
    return { interfaces, notes };
  }
  if (ifTable && !ifXTable) notes.push(words.noIfXTable);
  if (!ifTable && ifXTable) notes.push(words.noIfTable);
  const has32 = col.inOctets.size + col.outOctets.size > 0;
  const has64 = col.hcInOctets.size + col.hcOutOctets.size > 0;
  if (version === '1') notes.push(has32 ? words.v1Counters32 : words.v1NoCounters);
  else if (!has64 && interfaces.length > 0) notes.push(has32 ? words.no64bitCounters(version) : words.noOctetCounters);
  if (saturated) notes.push(words.speedCeiling);
  return { interfaces, notes };
}

export interface DefaultRoute {
  ifIndex: number;
  /** Which table said so. */
  table: 'inetCidrRouteTable' | 'ipCidrRouteTable' | 'ipRouteTable';
}

export interface InterfaceSuggestion {
  /** What `snmp.interface` takes: the name where it is unique, else the ifIndex. */
  value: string | number | null;
  index: number | null;
  reason: string;
}

function configValue(iface: DiscoveredInterface, all: readonly DiscoveredInterface[]): string | number {
  const same = all.filter((i) => i.name === iface.name).length;
  return same === 1 && !iface.name.startsWith('ifIndex ') ? iface.name : iface.index;
}

/**
 * The uplink interface: the one the default route goes out of, else the
 * busiest interface that is up (octets in + out since the counters started),
 * never a loopback. The reason is in `locale`.
 */
export function suggestInterface(
  interfaces: readonly DiscoveredInterface[],
  route: DefaultRoute | null,
  locale: Locale = 'en',
): InterfaceSuggestion {
  const words = discoveryWords(locale);
  if (interfaces.length === 0) return { value: null, index: null, reason: words.noInterfaces };
  let routeNote = words.noDefaultRoute;
  if (route) {
    const iface = interfaces.find((i) => i.index === route.ifIndex);
    if (iface && !iface.loopback) {
      return { value: configValue(iface, interfaces), index: iface.index, reason: words.routeOut(route.table) };
    }
    routeNote = words.routeElsewhere(route.table, route.ifIndex, iface !== undefined);
  }
  const candidates = interfaces.filter((i) => !i.loopback && i.oper_up !== false);
  if (candidates.length === 0) return { value: null, index: null, reason: words.noneUp(routeNote) };
  const traffic = (i: DiscoveredInterface) => (i.in_octets ?? 0) + (i.out_octets ?? 0);
  const counted = candidates.filter((i) => i.in_octets !== null || i.out_octets !== null);
  if (counted.length === 0) {
    const first = candidates[0]!;
    return { value: configValue(first, interfaces), index: first.index, reason: words.firstUp(routeNote) };
  }
  const busiest = counted.reduce((a, b) => (traffic(b) > traffic(a) ? b : a));
  return { value: configValue(busiest, interfaces), index: busiest.index, reason: words.busiest(routeNote, traffic(busiest)) };
}
