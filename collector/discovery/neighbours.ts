/**
 * Neighbours from LLDP-MIB (lldpRemTable, lldpLocPortTable,
 * lldpRemManAddrTable) and CISCO-CDP-MIB (cdpCacheTable), matched to the
 * config's devices by name or management address, and the parent they
 * suggest. Pure functions over walked columns.
 *
 * The neighbour of an access point is, nearly always, the switch or router
 * it hangs from: that is its `parent:`. A switch has neighbours both ways,
 * so there the neighbour on the uplink interface is the parent.
 */
import { discoveryWords } from '../../common/words/discovery.ts';
import type { Locale } from '../../common/words/locale.ts';
import { slugId } from '../../common/words/translit.ts';
import type { Config } from '../../config/schema.ts';
import type { Varbind } from '../snmp/client.ts';
import { CDP, LLDP } from './oids.ts';
import type { Neighbour } from './types.ts';
import { addressFromBytes, byInstance, hexColon, integer, nonEmptyText, subIds } from './values.ts';

export interface LldpColumns {
  locPortId: readonly Varbind[];
  locPortDesc: readonly Varbind[];
  remChassisIdSubtype: readonly Varbind[];
  remChassisId: readonly Varbind[];
  remPortIdSubtype: readonly Varbind[];
  remPortId: readonly Varbind[];
  remPortDesc: readonly Varbind[];
  remSysName: readonly Varbind[];
  remManAddrIfSubtype: readonly Varbind[];
}

export const LLDP_COLUMNS: Record<keyof LldpColumns, string> = {
  locPortId: LLDP.locPortId,
  locPortDesc: LLDP.locPortDesc,
  remChassisIdSubtype: LLDP.remChassisIdSubtype,
  remChassisId: LLDP.remChassisId,
  remPortIdSubtype: LLDP.remPortIdSubtype,
  remPortId: LLDP.remPortId,
  remPortDesc: LLDP.remPortDesc,
  remSysName: LLDP.remSysName,
  remManAddrIfSubtype: LLDP.remManAddrIfSubtype,
};

export interface CdpColumns {
  addressType: readonly Varbind[];
  address: readonly Varbind[];
  deviceId: readonly Varbind[];
  devicePort: readonly Varbind[];
  platform: readonly Varbind[];
}

export const CDP_COLUMNS: Record<keyof CdpColumns, string> = {
  addressType: CDP.addressType,
  address: CDP.address,
  deviceId: CDP.deviceId,
  devicePort: CDP.devicePort,
  platform: CDP.platform,
};

/** LLDP chassis and port id subtypes that hold a MAC address or a network address. */
const CHASSIS_MAC = 4;
const CHASSIS_NETWORK = 5;
const PORT_MAC = 3;
const PORT_NETWORK = 4;

/** An id of a subtype: a MAC as aa:bb:…, a network address (IANA family byte + address) as an address, else text. */
function lldpId(vb: Varbind | undefined, subtype: number | null, mac: number, network: number): string | null {
  if (!vb) return null;
  if (Buffer.isBuffer(vb.value)) {
    if (subtype === mac && vb.value.length === 6) return hexColon(vb.value);
    if (subtype === network && vb.value.length > 1) return addressFromBytes([...vb.value.subarray(1)]) ?? hexColon(vb.value);
  }
  return nonEmptyText(vb);
}

/** A local port's name as people read it: its id when that is text (not a MAC), else its description, else its number. */
function localPortName(num: string, ids: Map<string, Varbind>, descs: Map<string, Varbind>): string {
  const id = nonEmptyText(ids.get(num));
  if (id !== null && !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(id)) return id;
  return nonEmptyText(descs.get(num)) ?? num;
}

/** An LLDP chassis id that says nothing: all zero bytes. */
const ZERO_MAC = '00:00:00:00:00:00';

/**
 * LLDP neighbours. A row whose index is not timeMark.localPortNum.index (as
 * RouterOS 6 serves some) is kept with its local port unknown; rows with no
 * name, port or chassis id are dropped; both are said in `notes` (in `locale`).
 */
export function parseLldp(c: LldpColumns, locale: Locale = 'en'): { neighbours: Neighbour[]; notes: string[] } {
  const col = Object.fromEntries(
    (Object.keys(LLDP_COLUMNS) as (keyof LldpColumns)[]).map((k) => [k, byInstance(LLDP_COLUMNS[k], c[k])]),
  ) as Record<keyof LldpColumns, Map<string, Varbind>>;
  const notes: string[] = [];
  // Management addresses by remote row: timeMark.localPortNum.remIndex.subtype.length.address….
  const addresses = new Map<string, string[]>();
  for (const instance of col.remManAddrIfSubtype.keys()) {
    const ids = subIds(instance);
    if (ids.length < 5) continue;
    const key = ids.slice(0, 3).join('.');
    const len = ids[4]!;
    const address = addressFromBytes(ids.slice(5, 5 + len));
    if (address === null) continue;
    const list = addresses.get(key) ?? [];
    // IPv4 first: it is what a config's host usually holds.
    if (address.includes(':')) list.push(address);
    else list.unshift(address);
    addresses.set(key, list);
  }
  const rows = new Set<string>();
  for (const k of ['remChassisId', 'remPortId', 'remPortDesc', 'remSysName'] as const)
    for (const instance of col[k].keys()) rows.add(instance);
  const sortKey = (row: string) => {
    const ids = subIds(row);
    // Malformed rows (not three parts) after the others.
    return ids.length === 3 ? [0, ids[1]!, ids[2]!, ids[0]!] : [1, ...ids];
  };
  let malformed = 0;
  let empty = 0;
  const neighbours: Neighbour[] = [];
  for (const row of [...rows].sort((a, b) => {
    const x = sortKey(a);
    const y = sortKey(b);
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
    return x.length - y.length;
  })) {
    const wellFormed = subIds(row).length === 3;
    const n: Neighbour = {
      protocol: 'lldp',
      local_port: wellFormed ? localPortName(row.split('.')[1]!, col.locPortId, col.locPortDesc) : '?',
      sys_name: nonEmptyText(col.remSysName.get(row)),
      port: lldpId(col.remPortId.get(row), integer(col.remPortIdSubtype.get(row)), PORT_MAC, PORT_NETWORK),
      port_descr: nonEmptyText(col.remPortDesc.get(row)),
      chassis_id: lldpId(col.remChassisId.get(row), integer(col.remChassisIdSubtype.get(row)), CHASSIS_MAC, CHASSIS_NETWORK),
      address: addresses.get(row)?.[0] ?? null,
      platform: null,
      device: null,
      matched_by: null,
    };
    if (n.sys_name === null && n.port === null && n.port_descr === null && (n.chassis_id === null || n.chassis_id === ZERO_MAC)) {
      empty++;
      continue;
    }
    if (!wellFormed) malformed++;
    // RouterOS lists one neighbour under several rows: keep it once.
    const same = (m: Neighbour) =>
      m.local_port === n.local_port && m.sys_name === n.sys_name && m.port === n.port && m.chassis_id === n.chassis_id;
    if (!neighbours.some(same)) neighbours.push(n);
  }
  const words = discoveryWords(locale);
  if (malformed > 0) notes.push(words.lldpMalformedRows(malformed));
  if (empty > 0) notes.push(words.lldpEmptyRows(empty));
  return { neighbours, notes };
}

/** cdpCacheAddress of type ip(1): four bytes. */
function cdpAddress(type: number | null, vb: Varbind | undefined): string | null {
  if (!vb || !Buffer.isBuffer(vb.value)) return null;
  if (type === 1 && vb.value.length === 4) return addressFromBytes([...vb.value]);
  if (type === 20 && vb.value.length === 16) return addressFromBytes([...vb.value]);
  return null;
}

/** CDP neighbours; `ifNames` names the local ports (cdpCacheIfIndex is an ifIndex). */
export function parseCdp(c: CdpColumns, ifNames: ReadonlyMap<number, string>): Neighbour[] {
  const col = Object.fromEntries(
    (Object.keys(CDP_COLUMNS) as (keyof CdpColumns)[]).map((k) => [k, byInstance(CDP_COLUMNS[k], c[k])]),
  ) as Record<keyof CdpColumns, Map<string, Varbind>>;
  const rows = new Set<string>();
  for (const k of ['deviceId', 'devicePort', 'address'] as const) {
    for (const instance of col[k].keys()) if (subIds(instance).length === 2) rows.add(instance);
  }
  return [...rows]
    .sort((a, b) => {
      const x = subIds(a);
      const y = subIds(b);
      return x[0]! - y[0]! || x[1]! - y[1]!;
    })
    .map((row): Neighbour => {
      const ifIndex = subIds(row)[0]!;
      return {
        protocol: 'cdp',
        local_port: ifNames.get(ifIndex) ?? String(ifIndex),
        sys_name: nonEmptyText(col.deviceId.get(row)),
        port: nonEmptyText(col.devicePort.get(row)),
        port_descr: null,
        chassis_id: null,
        address: cdpAddress(integer(col.addressType.get(row)), col.address.get(row)),
        platform: nonEmptyText(col.platform.get(row)),
        device: null,
        matched_by: null,
      };
    });
}

/** The forms of a neighbour's name to compare: as given, without a domain, without a "(serial)" suffix, as an id. */
function nameForms(name: string): string[] {
  const base = name.trim().toLowerCase();
  const noSerial = base.replace(/\s*\([^)]*\)\s*$/, '');
  const isAddress = /^[0-9.]+$/.test(noSerial) || noSerial.includes(':');
  const noDomain = isAddress ? noSerial : noSerial.split('.')[0]!;
  return [...new Set([base, noSerial, noDomain, slugId(noSerial), slugId(noDomain)].filter((s) => s !== ''))];
}

/** The config's devices as discovery compares them. */
interface Known {
  id: string;
  names: Set<string>;
  host: string;
}

function knownDevices(config: Config): Known[] {
  return config.villages.flatMap((v) =>
    v.devices.map((d) => ({
      id: d.id,
      names: new Set([d.id.toLowerCase(), ...(d.name ? [d.name.trim().toLowerCase()] : [])]),
      host: d.host.toLowerCase(),
    })),
  );
}

/** The neighbours with `device` set where a configured device's id or name, or host, is theirs. */
export function matchNeighbours(neighbours: readonly Neighbour[], config: Config | undefined): Neighbour[] {
  if (!config) return neighbours.map((n) => ({ ...n }));
  const known = knownDevices(config);
  return neighbours.map((n) => {
    const forms = n.sys_name ? nameForms(n.sys_name) : [];
    const byName = known.find((k) => forms.some((f) => k.names.has(f)));
    if (byName) return { ...n, device: byName.id, matched_by: 'name' as const };
    const byAddress = n.address ? known.find((k) => k.host === n.address!.toLowerCase()) : undefined;
    if (byAddress) return { ...n, device: byAddress.id, matched_by: 'address' as const };
    return { ...n };
  });
}

export interface ParentSuggestion {
  parent: string | null;
  reason: string;
}

/** A neighbour's name in a reason: its sysName, else its address or chassis id. */
const nameOf = (n: Neighbour) => n.sys_name ?? n.address ?? n.chassis_id ?? '?';

/**
 * The parent: the configured neighbour, or, when there are several, the one on
 * the uplink interface. Never the device itself, nor one whose configured
 * parent is the device (that one hangs from it). The reason is in `locale`.
 */
export function suggestParent(
  neighbours: readonly Neighbour[],
  context: { config: Config | undefined; self: string | null; uplink: { name: string | null; descr: string | null } | null },
  locale: Locale = 'en',
): ParentSuggestion {
  const words = discoveryWords(locale);
  if (neighbours.length === 0) return { parent: null, reason: words.noNeighbours };
  const names = [...new Set(neighbours.map(nameOf))];
  if (!context.config) return { parent: null, reason: words.noConfig(names) };
  const parentOf = new Map(context.config.villages.flatMap((v) => v.devices.map((d) => [d.id, d.parent] as const)));
  const matched = neighbours.filter((n) => n.device !== null && n.device !== context.self);
  const upstream = matched.filter((n) => context.self === null || parentOf.get(n.device!) !== context.self);
  if (matched.length === 0) return { parent: null, reason: words.noneConfigured(names) };
  if (upstream.length === 0) return { parent: null, reason: words.childrenOnly(matched.map((n) => n.device!)) };
  const seen = (n: Neighbour) => ({
    protocol: n.protocol,
    name: nameOf(n),
    local_port: n.local_port,
    device: n.device!,
    matched_by: n.matched_by ?? 'name',
  });
  const devices = [...new Set(upstream.map((n) => n.device!))];
  if (devices.length === 1) return { parent: devices[0]!, reason: words.parent(seen(upstream[0]!), null) };
  const uplinkNames = [context.uplink?.name, context.uplink?.descr].filter((s): s is string => !!s).map((s) => s.toLowerCase());
  const onUplink = [...new Set(upstream.filter((n) => uplinkNames.includes(n.local_port.toLowerCase())).map((n) => n.device!))];
  if (onUplink.length === 1) {
    const n = upstream.find((x) => x.device === onUplink[0])!;
    return {
      parent: onUplink[0]!,
      reason: words.parent(
        seen(n),
        devices.filter((d) => d !== onUplink[0]),
      ),
    };
  }
  return { parent: null, reason: words.severalParents(devices, onUplink.length === 0 ? 'none' : 'several') };
}
