/**
 * A Wi-Fi vendor profile: how to read associated clients (and, where the
 * vendor MIB has it, radio state) from one make of access point.
 *
 * Adding a vendor is one file exporting a `WifiVendorProfile`, one line in
 * `index.ts`, and a test with a fake client.
 */
import type { DeviceConfig, WifiVendor } from '../../config/schema.ts';
import { isMissing, type SnmpClient, type Varbind } from '../snmp/client.ts';

export interface WifiReading {
  clients: number;
  /** Radios/VAPs reported up; undefined where the vendor MIB does not say. */
  radiosUp?: number;
}

export interface WifiVendorProfile {
  readonly id: WifiVendor;
  read(client: SnmpClient, device: DeviceConfig): Promise<WifiReading>;
}

/** Thrown when the agent answers with something a profile cannot use; the probe logs it. */
export class MalformedReplyError extends Error {
  override name = 'MalformedReplyError';
}

export function integerValue(vb: Varbind, what: string): number {
  if (typeof vb.value === 'number' && Number.isInteger(vb.value) && vb.value >= 0) return vb.value;
  throw new MalformedReplyError(`${what} at ${vb.oid} is not a non-negative integer`);
}

/** Sums an integer column (one row per radio/VAP). An empty table means no clients. */
export async function sumColumn(client: SnmpClient, columnOid: string, what: string): Promise<number> {
  const rows = await client.walk(columnOid);
  return rows.reduce((sum, vb) => sum + integerValue(vb, what), 0);
}

/** Reads one scalar integer; a missing object is an error, not zero clients. */
export async function getInteger(client: SnmpClient, oid: string, what: string): Promise<number> {
  const [result] = await client.get([oid]);
  if (!result || isMissing(result)) throw new MalformedReplyError(`${what} (${oid}) is not served by this agent`);
  return integerValue(result, what);
}
