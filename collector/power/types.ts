/**
 * A power profile: which MIB objects of one make of UPS (or of a router's
 * health MIB) say where the power comes from, how long the battery lasts and
 * what the mains gives, declared as data, as the Wi-Fi vendor profiles are
 * (collector/vendors/).
 *
 * One reader (`readPower`) serves every profile: one GET of the declared
 * objects, each decoded by its declared type and unit. A missing object is
 * unknown (null), never zero; a value of the wrong type or outside its enum
 * is a malformed varbind, noted in `warnings` and read as unknown, and the
 * rest of the reading stands. The simulator serves a simulated UPS from
 * the same declaration (simulator/power.ts).
 */
import type { BatteryStatus, PowerSource } from '../../common/words/power.ts';
import type { PowerBrief, PowerReading } from '../../common/api.ts';
import type { PowerVendor, VoltageSource } from '../../config/schema.ts';
import { isMissing, ObjectType, type GetResult, type SnmpClient } from '../snmp/client.ts';

export type { PowerReading };

/** How a number object is declared in its MIB, and what one unit of it is. */
export interface NumberObject {
  oid: string;
  /** The MIB's name for it, in warnings and the simulator. */
  name: string;
  /** The SMI type the MIB declares; TimeTicks are hundredths of a second. */
  type: 'Integer' | 'Gauge' | 'TimeTicks';
  /** The value's unit: read into the reading's (seconds, minutes, %, volts) by `decodeNumber`. */
  unit: 'seconds' | 'minutes' | 'ticks' | 'percent' | 'volts' | 'decivolts';
  /** A value the agent gives for "not supported" (APC's 2^32-1 runtime), read as unknown. */
  unsupported?: number;
}

/** An enumerated object: each value it may take, mapped to ours; a value not in the map is a malformed varbind. */
export interface EnumObject<T extends string> {
  oid: string;
  name: string;
  values: Record<number, T>;
}

export interface PowerObjects {
  source?: EnumObject<PowerSource>;
  batteryStatus?: EnumObject<BatteryStatus>;
  secondsOnBattery?: NumberObject;
  minutesLeft?: NumberObject;
  batteryPct?: NumberObject;
  inputVoltage?: NumberObject;
}

export type PowerProfileId = PowerVendor | VoltageSource;

export interface PowerProfile {
  readonly id: PowerProfileId;
  /** The MIB that answers for it, in words (discovery's reasons, warnings). */
  readonly mib: string;
  /** What an agent of this make says in sysDescr (for the simulator). */
  readonly sysDescr: string;
  readonly objects: PowerObjects;
  /**
   * A profile without a source object (a router's supply voltage) derives the
   * source from the input voltage and `power.on_battery_below_v`.
   */
  readonly sourceFromVoltage?: true;
}

/** A reading with the varbinds it could not use, in words. */
export interface PowerRead {
  reading: PowerReading;
  warnings: string[];
}

const TYPE_CODES: Record<NumberObject['type'], number[]> = {
  // Agents differ on Integer32 versus Gauge32 for the same object (APC's capacity is a Gauge32, some cards answer INTEGER).
  Integer: [ObjectType.Integer!, ObjectType.Gauge!],
  Gauge: [ObjectType.Gauge!, ObjectType.Integer!],
  TimeTicks: [ObjectType.TimeTicks!],
};

/** Every OID a profile reads, in one GET. */
export function powerOids(objects: PowerObjects): string[] {
  return Object.values(objects).map((o: { oid: string }) => o.oid);
}

/** A number object's value in the reading's unit; null for "not supported". */
export function decodeNumber(o: NumberObject, value: number): number | null {
  if (o.unsupported !== undefined && value === o.unsupported) return null;
  switch (o.unit) {
    case 'ticks':
      // Read as whole seconds or minutes by the field; kept as seconds here.
      return value / 100;
    case 'decivolts':
      return Math.round(value) / 10;
    default:
      return value;
  }
}

/** Seconds to whole minutes, rounded down: never promise a minute the battery may not have. */
const toMinutes = (seconds: number) => Math.floor(seconds / 60);

class Decoder {
  private readonly byOid: Map<string, GetResult>;
  constructor(
    results: GetResult[],
    readonly warnings: string[],
  ) {
    this.byOid = new Map(results.map((r) => [r.oid, r]));
  }

  private raw(o: { oid: string; name: string }, types: number[]): number | null {
    const r = this.byOid.get(o.oid);
    // A missing object is unknown: an agent may well not implement it (many UPS-MIB agents lack the runtime).
    if (!r || isMissing(r)) return null;
    if (!types.includes(r.type) || typeof r.value !== 'number' || !Number.isFinite(r.value)) {
      this.warnings.push(`${o.name} (${o.oid}) is not a number of the type its MIB declares`);
      return null;
    }
    return r.value;
  }

  number(o: NumberObject | undefined): number | null {
    if (!o) return null;
    const v = this.raw(o, TYPE_CODES[o.type]);
    if (v === null) return null;
    if (v < 0 && o.unit !== 'decivolts') {
      this.warnings.push(`${o.name} (${o.oid}) is negative (${v})`);
      return null;
    }
    return decodeNumber(o, v);
  }

  enumerated<T extends string>(o: EnumObject<T> | undefined): T | null {
    if (!o) return null;
    const v = this.raw(o, [ObjectType.Integer!]);
    if (v === null) return null;
    const mapped = o.values[v];
    if (mapped === undefined) this.warnings.push(`${o.name} (${o.oid}) has the value ${v}, which its MIB does not define`);
    return mapped ?? null;
  }
}

/**
 * Decodes one GET answer through a profile. Pure: the probe and discovery
 * call it after their own GET, the unit tests with made-up varbinds.
 */
export function decodePower(profile: PowerProfile, results: GetResult[], onBatteryBelowV?: number): PowerRead {
  const d = new Decoder(results, []);
  const o = profile.objects;
  const inputVoltage = d.number(o.inputVoltage);
  const secondsOnBattery = d.number(o.secondsOnBattery);
  const left = d.number(o.minutesLeft);
  const pct = d.number(o.batteryPct);
  let source: PowerSource = d.enumerated(o.source) ?? 'unknown';
  if (profile.sourceFromVoltage) {
    source = inputVoltage === null || onBatteryBelowV === undefined ? 'unknown' : inputVoltage < onBatteryBelowV ? 'battery' : 'mains';
  }
  const reading: PowerReading = {
    source,
    on_battery: source === 'unknown' ? null : source === 'battery',
    seconds_on_battery: secondsOnBattery === null ? null : Math.floor(secondsOnBattery),
    battery_pct: pct === null || pct > 100 ? null : pct,
    minutes_left: left === null ? null : o.minutesLeft?.unit === 'ticks' ? toMinutes(left) : left,
    input_voltage: inputVoltage,
    battery_status: d.enumerated(o.batteryStatus) ?? 'unknown',
  };
  if (pct !== null && pct > 100) d.warnings.push(`${o.batteryPct!.name} (${o.batteryPct!.oid}) is above 100 (${pct})`);
  return { reading, warnings: d.warnings };
}

/** Reads a device's power through its profile: one GET. Rejects only when the agent does not answer (an SnmpError). */
export async function readPower(client: SnmpClient, profile: PowerProfile, onBatteryBelowV?: number): Promise<PowerRead> {
  const results = await client.get(powerOids(profile.objects));
  return decodePower(profile, results, onBatteryBelowV);
}

/** The four figures of a reading that `merezha poll` and discovery show (the contract's keys, in its order). */
export function powerBrief(p: PowerBrief): PowerBrief {
  return { source: p.source, battery_pct: p.battery_pct, minutes_left: p.minutes_left, input_voltage: p.input_voltage };
}

/** A reading with nothing known, for a poll that got no answer. */
export const UNKNOWN_POWER: PowerReading = {
  source: 'unknown',
  on_battery: null,
  seconds_on_battery: null,
  battery_pct: null,
  minutes_left: null,
  input_voltage: null,
  battery_status: 'unknown',
};
