/**
 * A Wi-Fi vendor profile: which MIB objects of one make of access point count
 * its associated clients (and, where the vendor MIB has it, say which radios
 * are up), declared as data.
 *
 * One reader (`readWifi`) serves every profile, and the simulator serves a
 * simulated device's MIB from the same declaration, so a new vendor is one
 * file exporting a `WifiVendorProfile`, one line in `index.ts` (the registry,
 * keyed by the config's `WIFI_VENDORS`) and its test.
 */
import type { DeviceConfig, WifiVendor } from '../../config/schema.ts';
import { isMissing, type GetResult, type SnmpClient, type Varbind } from '../snmp/client.ts';

export interface WifiReading {
  clients: number;
  /** Radios/VAPs reported up; undefined where the vendor MIB does not say. */
  radiosUp?: number;
}

/** Where the client count lives. */
export interface ClientsObject {
  oid: string;
  /** The MIB's name for it, in error messages and the simulator. */
  name: string;
  /**
   * `column`: one row per radio/VAP, summed; `scalar`: one value; `either`:
   * a scalar where the agent has one at the OID, else a column (the
   * config-named OID of `vendor: generic`).
   */
  shape: 'column' | 'scalar' | 'either';
  /** The SMI type the vendor MIB declares. */
  type: 'Integer' | 'Counter32' | 'Gauge';
}

export interface WifiObjects {
  clients: ClientsObject;
  /** A per-radio TruthValue column (1 = up); an agent that lacks it leaves radio state unknown, not "all down". */
  radiosUp?: { oid: string; name: string };
}

export interface WifiVendorProfile {
  readonly id: WifiVendor;
  /** What an access point of this make says in sysDescr (served by the simulator). */
  readonly sysDescr: string;
  /** The objects to read for a device; a function of the device where the config names them. */
  objects(device: Pick<DeviceConfig, 'clients_oid'>): WifiObjects;
}

/** Thrown when the agent answers with something a profile cannot use; the probe logs it. */
class MalformedReplyError extends Error {
  override name = 'MalformedReplyError';
}

function integerValue(vb: Varbind, what: string): number {
  if (typeof vb.value === 'number' && Number.isInteger(vb.value) && vb.value >= 0) return vb.value;
  throw new MalformedReplyError(`${what} at ${vb.oid} is not a non-negative integer`);
}

/** Sums an integer column (one row per radio/VAP). An empty table means no clients. */
async function sumColumn(client: SnmpClient, columnOid: string, what: string): Promise<number> {
  const rows = await client.walk(columnOid);
  return rows.reduce((sum, vb) => sum + integerValue(vb, what), 0);
}

/** Reads one scalar integer, from the answer already in hand when the poll's first GET asked it; a missing object is an error, not zero clients. */
async function getInteger(client: SnmpClient, oid: string, what: string, asked?: GetResult[]): Promise<number> {
  const result = asked?.find((r) => r.oid === oid) ?? (await client.get([oid]))[0];
  if (!result || isMissing(result)) throw new MalformedReplyError(`${what} (${oid}) is not served by this agent`);
  return integerValue(result, what);
}

/**
 * The OIDs of a profile that a poll's first GET can carry (a plain scalar,
 * no walk), so that reading the clients costs no round trip of its own.
 */
export function wifiScalarOids(objects: WifiObjects): string[] {
  return objects.clients.shape === 'scalar' ? [objects.clients.oid] : [];
}

/**
 * Reads a device's clients (and radios up) through its vendor's declared
 * objects; `asked` is the poll's first GET answer, which may hold them already
 * (`wifiScalarOids`).
 */
export async function readWifi(client: SnmpClient, objects: WifiObjects, asked?: GetResult[]): Promise<WifiReading> {
  const { clients: c, radiosUp } = objects;
  let clients: number;
  if (c.shape === 'scalar') clients = await getInteger(client, c.oid, c.name, asked);
  else {
    const [scalar] = c.shape === 'either' ? await client.get([c.oid]) : [];
    clients = scalar && !isMissing(scalar) ? integerValue(scalar, c.name) : await sumColumn(client, c.oid, c.name);
  }
  if (!radiosUp) return { clients };
  const up = await client.walk(radiosUp.oid);
  if (up.length === 0) return { clients };
  return { clients, radiosUp: up.filter((vb) => integerValue(vb, radiosUp.name) === 1).length };
}
