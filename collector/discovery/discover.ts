/**
 * Discovery of one SNMP agent: what a config needs to monitor it (make and
 * vendor profile, kind, interfaces and the uplink among them, Wi-Fi clients,
 * neighbours and the parent they suggest) and the ready device entry.
 *
 * The I/O is here, over an `SnmpClient`; every judgement is a pure function
 * of the walked varbinds in its own file (vendor.ts, interfaces.ts,
 * routes.ts, neighbours.ts, suggest.ts). `merezha discover` and the
 * dashboard's POST /api/discover both call `discoverDevice`.
 *
 * Only the system group is required: when it cannot be read (no answer,
 * wrong credential) the SnmpError is thrown, with no secret in its message.
 * Any other table the agent fails on becomes a note and discovery goes on.
 *
 * The reasons and notes are sentences in the locale asked for (English by
 * default), from the one table of common/words/discovery.ts; the device
 * entry is `entry`, an object with the config's keys, and `yaml` is that
 * object rendered.
 */
import { discoveryWords } from '../../common/words/discovery.ts';
import type { Locale } from '../../common/words/locale.ts';
import type { Config } from '../../config/schema.ts';
import {
  isMissing,
  netSnmpClientFactory,
  SnmpError,
  type SnmpClient,
  type SnmpClientFactory,
  type SnmpTarget,
  type Varbind,
} from '../snmp/client.ts';
import { SYS } from '../snmp/oids.ts';
import { UPS_PROFILES } from '../power/index.ts';
import { powerBrief, readPower } from '../power/types.ts';
import { readWifi } from '../vendors/types.ts';
import { IF_COLUMNS, parseInterfaces, suggestInterface, type IfColumns } from './interfaces.ts';
import {
  CDP_COLUMNS,
  LLDP_COLUMNS,
  matchNeighbours,
  parseCdp,
  parseLldp,
  suggestParent,
  type CdpColumns,
  type LldpColumns,
} from './neighbours.ts';
import { SYS_OBJECT_ID } from './oids.ts';
import { DEFAULT_ROUTE_WALKS, IP_ROUTE_DEFAULT, parseDefaultRoute, type RouteColumns } from './routes.ts';
import { deviceEntry, entryYaml, placeholderCredential, suggestId, suggestKind } from './suggest.ts';
import type { Discovery, WifiFound } from './types.ts';
import { identifyUps, POWER_SIGNATURES, type PowerSignature } from './power.ts';
import { identifyVendor, objectIdFact, probeOf, VENDOR_SIGNATURES, wifiObjectsOf, type VendorSignature } from './vendor.ts';
import { integer, nonEmptyText, oidValue } from './values.ts';

export type { DeviceEntry, DiscoveredInterface, Discovery, Neighbour, WifiFound } from './types.ts';

export interface DiscoverTarget {
  host: string;
  port: number;
}

export interface DiscoverOptions {
  /** The config: to match neighbours to its devices (parent), mark a configured device, keep ids unique. */
  config?: Config;
  /** The config credential the client asks with, for the entry's `snmp.credential`; absent: a placeholder and a note. */
  credentialId?: string;
  /** Requests in flight at once to this agent (default 8): small agents on access points drop bursts. */
  concurrency?: number;
  /** The language of the `*_reason` sentences and the notes (default English, as the CLI prints them). */
  locale?: Locale;
}

const DEFAULT_CONCURRENCY = 8;

/**
 * How long one walk may take. net-snmp's walk asks again for as long as the
 * agent answers inside the subtree, so an agent that answers with the OID
 * asked for loops it for ever; discovery gives up on that table and says so
 * (closing the client, as its callers do, ends the loop).
 */
export const WALK_DEADLINE_MS = 30_000;

function withDeadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SnmpError(message, 'malformed')), ms);
    timer.unref();
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** Runs at most `n` of the functions given to it at once. */
function limiter(n: number) {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    // A finished run hands its slot to the next in the queue, so none can slip in between.
    if (active >= n) await new Promise<void>((resolve) => queue.push(resolve));
    else active++;
    try {
      return await fn();
    } finally {
      const next = queue.shift();
      if (next) next();
      else active--;
    }
  };
}

/** The configured device at this address: the same host and SNMP port, else the same host. */
export function configuredAt(config: Config | undefined, target: DiscoverTarget): string | null {
  if (!config) return null;
  const devices = config.villages.flatMap((v) => v.devices);
  const host = target.host.toLowerCase();
  const same = devices.filter((d) => d.host.toLowerCase() === host);
  return (same.find((d) => (d.snmp?.port ?? 161) === target.port) ?? same[0])?.id ?? null;
}

/**
 * Discovers the agent `client` talks to. Rejects with an SnmpError only when
 * the system group cannot be read; everything else the agent lacks or fails
 * on is in `notes`.
 */
export async function discoverDevice(client: SnmpClient, target: DiscoverTarget, options: DiscoverOptions = {}): Promise<Discovery> {
  const started = performance.now();
  const { config } = options;
  const locale = options.locale ?? 'en';
  const words = discoveryWords(locale);
  const notes: string[] = [];
  const failures = new Map<string, string[]>();
  const run = limiter(options.concurrency ?? DEFAULT_CONCURRENCY);

  /** A walk whose failure is noted (by message, so one cause is said once) and reads as no rows. */
  const walk = (what: string, oid: string): Promise<Varbind[]> =>
    run(() => withDeadline(client.walk(oid), WALK_DEADLINE_MS, words.walkDeadline(WALK_DEADLINE_MS / 1000))).catch((err: unknown) => {
      const message = err instanceof SnmpError ? err.message : (err as Error).message;
      failures.set(message, [...(failures.get(message) ?? []), what]);
      return [];
    });
  const walkColumns = async <K extends string>(what: string, columns: Record<K, string>): Promise<Record<K, Varbind[]>> => {
    const keys = Object.keys(columns) as K[];
    const rows = await Promise.all(keys.map((k) => walk(what, columns[k])));
    return Object.fromEntries(keys.map((k, i) => [k, rows[i]!])) as Record<K, Varbind[]>;
  };

  // The system group first: an agent that does not answer it is not discovered.
  const system = await client.get([SYS.descr, SYS_OBJECT_ID, SYS.upTime, SYS.name]);
  const sys = (i: number): Varbind | undefined => {
    const r = system[i];
    return r && !isMissing(r) ? r : undefined;
  };
  const sysDescr = nonEmptyText(sys(0));
  const sysObjectId = oidValue(sys(1));
  const ticks = integer(sys(2));
  const sysName = nonEmptyText(sys(3));
  if (system.every((r) => isMissing(r))) notes.push(words.noSystemGroup);

  const probed = async (sig: VendorSignature): Promise<boolean> => {
    const probe = probeOf(sig);
    if (!probe) return false;
    if (probe.op === 'walk') return (await walk(sig.mib, probe.oid)).length > 0;
    try {
      const [r] = await run(() => client.get([probe.oid]));
      return !!r && !isMissing(r);
    } catch {
      return false;
    }
  };
  const upsAnswers = async (sig: PowerSignature): Promise<boolean> => {
    try {
      const [r] = await run(() => client.get([sig.probe]));
      return !!r && !isMissing(r);
    } catch {
      return false;
    }
  };
  const ipRoute = run(() => client.get([IP_ROUTE_DEFAULT])).then(
    (r) => r.filter((x): x is Varbind => !isMissing(x)),
    () => [] as Varbind[],
  );
  const [ifColumns, lldpColumns, cdpColumns, inetCidr, ipCidr, ipRouteRows, answers, upsAnswered] = await Promise.all([
    walkColumns<keyof IfColumns>('IF-MIB', IF_COLUMNS),
    walkColumns<keyof LldpColumns>('LLDP-MIB', LLDP_COLUMNS),
    walkColumns<keyof CdpColumns>('CISCO-CDP-MIB', CDP_COLUMNS),
    Promise.all(DEFAULT_ROUTE_WALKS.inetCidrIfIndex.map((oid) => walk('inetCidrRouteTable', oid))).then((r) => r.flat()),
    Promise.all(DEFAULT_ROUTE_WALKS.ipCidrIfIndex.map((oid) => walk('ipCidrRouteTable', oid))).then((r) => r.flat()),
    ipRoute,
    Promise.all(VENDOR_SIGNATURES.map(probed)),
    Promise.all(POWER_SIGNATURES.map(upsAnswers)),
  ]);

  // The vendor, and its Wi-Fi through its profile.
  const verdict = identifyVendor(sysObjectId, new Set(VENDOR_SIGNATURES.filter((_, i) => answers[i])), VENDOR_SIGNATURES, locale);
  let wifi: WifiFound | null = null;
  if (verdict.wifiMib && verdict.signature) {
    const objects = wifiObjectsOf(verdict.signature);
    try {
      const r = await run(() => readWifi(client, objects));
      wifi = { clients: r.clients, radios_up: r.radiosUp ?? null };
    } catch (err) {
      notes.push(words.wifiUnread((err as Error).message));
    }
  }

  // A UPS: its vendor is the UPS MIB that answers, and its power is read as the power probe reads it.
  const ups = identifyUps(new Set(POWER_SIGNATURES.filter((_, i) => upsAnswered[i])));
  let power: Discovery['power'] = null;
  if (ups) {
    try {
      const { reading, warnings } = await run(() => readPower(client, UPS_PROFILES[ups.vendor]));
      power = powerBrief(reading);
      if (warnings.length) notes.push(words.powerUnread(warnings.join('; ')));
    } catch (err) {
      notes.push(words.powerUnread((err as Error).message));
    }
  }

  const { interfaces, notes: ifNotes } = parseInterfaces(ifColumns, client.version, locale);
  notes.push(...ifNotes);
  const route = parseDefaultRoute({ inetCidrIfIndex: inetCidr, ipCidrIfIndex: ipCidr, ipRouteIfIndex: ipRouteRows } satisfies RouteColumns);
  const uplink = suggestInterface(interfaces, route, locale);
  const uplinkIface = interfaces.find((i) => i.index === uplink.index) ?? null;

  const self = configuredAt(config, target);
  const ifNames = new Map(interfaces.map((i) => [i.index, i.name]));
  const lldp = parseLldp(lldpColumns, locale);
  notes.push(...lldp.notes);
  const neighbours = matchNeighbours([...lldp.neighbours, ...parseCdp(cdpColumns, ifNames)], config);
  const parent = suggestParent(
    neighbours,
    { config, self, uplink: uplinkIface ? { name: uplinkIface.name, descr: uplinkIface.descr } : null },
    locale,
  );

  const kind = suggestKind(
    {
      upsMib: ups?.mib ?? null,
      wifiMib: verdict.wifiMib ? (verdict.signature?.mib ?? null) : null,
      sysName,
      hasDefaultRoute: route !== null,
      neighbours: neighbours.length,
    },
    locale,
  );

  for (const [message, what] of failures) notes.push(words.tablesFailed([...new Set(what)], message));

  let credential = options.credentialId;
  if (!credential) {
    credential = placeholderCredential({ version: client.version });
    notes.push(words.placeholderCredential(credential, client.version));
  }
  const id = suggestId(sysName, target.host, config, self);
  const entry = deviceEntry({
    id,
    name: sysName,
    kind: kind.kind,
    category: kind.category,
    vendor: ups ? ups.vendor : verdict.vendor,
    clientsOid: verdict.signature?.clientsOid ?? null,
    host: target.host,
    port: target.port,
    credential,
    interface: uplink.value,
    parent: parent.parent,
  });
  if (kind.kind === 'wifi' && verdict.vendor && !('vendor' in entry)) {
    notes.push(words.vendorNotConfigured(verdict.vendor));
  }
  if (verdict.vendor === 'airmax') notes.push(words.airmaxLink);
  if (kind.kind === 'institution') notes.push(words.categoryGuess(kind.category ?? 'other'));

  return {
    host: target.host,
    port: target.port,
    snmp_version: client.version,
    sys_name: sysName,
    sys_descr: sysDescr,
    sys_object_id: sysObjectId,
    sys_uptime_s: ticks === null ? null : Math.floor(ticks / 100),
    vendor: ups ? ups.vendor : verdict.vendor,
    vendor_reason: ups ? words.vendorUps(ups.mib, words.objectId(objectIdFact(sysObjectId))) : verdict.reason,
    make: ups?.make ?? verdict.make,
    clients_oid: verdict.signature?.clientsOid ?? null,
    suggested_kind: kind.kind,
    suggested_kind_reason: kind.reason,
    suggested_category: kind.category,
    interfaces,
    suggested_interface: uplink.value,
    suggested_interface_reason: uplink.reason,
    wifi,
    power,
    neighbours,
    suggested_parent: parent.parent,
    suggested_parent_reason: parent.reason,
    configured: self,
    entry,
    yaml: entryYaml(entry),
    notes,
    elapsed_ms: Math.round((performance.now() - started) * 10) / 10,
  };
}

/** Opens a client to `target`, discovers it and closes the client again: for callers without a client of their own. */
export async function discoverTarget(
  target: SnmpTarget,
  options: DiscoverOptions & { clientFactory?: SnmpClientFactory } = {},
): Promise<Discovery> {
  const client = (options.clientFactory ?? netSnmpClientFactory)(target);
  try {
    return await discoverDevice(client, { host: target.host, port: target.port }, options);
  } finally {
    client.close();
  }
}
