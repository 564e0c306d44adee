/**
 * What each simulated device is: its interfaces, traffic peaks, daily curve,
 * Wi-Fi clients and the values it starts with, derived from a Merezha config
 * device plus the scenario's overrides.
 *
 * Everything "random" (initial uptime, counter start values, error rates) is
 * a hash of the device id, so the same config always gives the same devices
 * and a ground truth file can rebuild them exactly.
 */
import { isPowerVendor, isWifiVendor, type Config, type DeviceConfig, type WifiVendor } from '../config/schema.ts';
import { UPS_PROFILES } from '../collector/power/index.ts';
import type { PowerProfileId } from '../collector/power/types.ts';
import { WIFI_VENDOR_PROFILES } from '../collector/vendors/index.ts';
import type { Place } from './curves.ts';

export interface InterfaceModel {
  index: number;
  name: string;
  /** IANA ifType: 6 ethernetCsmacd, 24 softwareLoopback. */
  type: 6 | 24;
  speedMbps: number;
  inPeakBps: number;
  outPeakBps: number;
  /** Counter values at the start of the first uptime, decimal (64-bit values do not fit JSON numbers). */
  start: { in: string; out: string };
}

export interface DeviceModel {
  id: string;
  village: string;
  kind: DeviceConfig['kind'];
  host: string;
  /** UDP port of the SNMP agent; null for a device that is only pinged. */
  port: number | null;
  parent: string | null;
  vendor: WifiVendor | null;
  clientsOid: string | null;
  sysName: string;
  sysDescr: string;
  place: Place;
  /** Clients at the busiest minute of the day (0 for devices that are not Wi-Fi). */
  clientsPeak: number;
  interfaces: InterfaceModel[];
  /** The interface the config names (or ether1): the one faults such as link_down act on. */
  mainInterface: string;
  /** sysUpTime when the simulation starts, in ms. */
  initialUptimeMs: number;
  /** Octets per interface error (discards: three times as many); errors grow slowly with traffic. */
  octetsPerError: number;
  power: DevicePower;
}

/**
 * What carries a device through a power cut: a UPS (kind ups, whose agent
 * reports it), a router's own DC UPS (`power_voltage`, reported as its supply
 * voltage), an Invincibility Point's own battery that no agent reports
 * (`backup_power: ups | battery` without a UPS of the config feeding it), or
 * its generator (`backup_power: generator`), which runs for as long as the cut.
 */
export type SupplyKind = 'ups' | 'dc' | 'internal' | 'generator';

export interface SupplyModel {
  kind: SupplyKind;
  /** Scenario ms a full battery carries its load (Infinity for a generator). */
  runtime: number;
  /** Scenario ms an empty battery takes to charge full on mains. */
  recharge: number;
  /** Charge at the scenario start, 0 … 1. */
  charge: number;
}

export interface DevicePower {
  /** The blackout queue of its mains: its own `power_group`, else its village's; null when neither has one. */
  group: string | null;
  /** The supplies it runs on when the mains is cut (itself, when it is one); empty: it goes dark with the mains. */
  fedBy: string[];
  /** What it is as a supply; null when it is none. */
  supply: SupplyModel | null;
  /** An Invincibility Point with a backup link: it stays online, and what is behind it, when a device above it falls. */
  backupLink: boolean;
  /** The power profile its agent serves (a UPS's vendor, a router's supply voltage); null: none. */
  profile: PowerProfileId | null;
}

/** A device on mains alone: what an unlisted device, or one read back from an older truth file, is. */
export const MAINS_ONLY: DevicePower = { group: null, fedBy: [], supply: null, backupLink: false, profile: null };

/** Per-device settings a scenario may override. */
export interface DeviceOverride {
  place?: Place;
  clients_peak?: number;
  in_peak_mbps?: number;
  out_peak_mbps?: number;
  /** sysUpTime at the start, ms. */
  uptime?: number;
  /** A supply's runtime on a full battery, scenario ms. */
  runtime?: number;
  /** A supply's time to charge an empty battery, scenario ms. */
  recharge?: number;
  /** A supply's charge at the start, percent. */
  charge_pct?: number;
}

const DEFAULT_BANDWIDTH_MBPS = 100;
/** Peak traffic as a share of the line: [in, out]. */
const PEAK_SHARE: Record<DeviceConfig['kind'], [number, number]> = {
  uplink: [0.6, 0.15],
  institution: [0.5, 0.2],
  wifi: [0.4, 0.1],
  // A UPS's card answers SNMP and little else.
  ups: [0.001, 0.001],
};
const CLIENTS_PEAK: Record<Place, number> = { residential: 20, park: 45, square: 35, school: 30, library: 12, office: 15, culture: 25 };
const LOOPBACK_PEAK_BPS = 16_000;

const ROUTER_DESCR = 'RouterOS 7.14.2 (stable) RB4011iGS+';

const MIN = 60_000;
/** Battery runtimes when the scenario does not say: a village UPS under its load, a 24 V DC UPS of a router, a point's own battery. */
const DEFAULT_RUNTIME: Record<Exclude<SupplyKind, 'generator'>, number> = { ups: 40 * MIN, dc: 4 * 60 * MIN, internal: 2 * 60 * MIN };
/** Charging takes longer than draining: an empty battery is full after this many runtimes on mains. */
const RECHARGE_PER_RUNTIME = 8;

/** FNV-1a: a stable 32-bit hash, so "random" properties follow the device id. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A stable number in [0, 1) for a device and a purpose. */
export function unit(id: string, salt: string): number {
  return hash32(`${id}/${salt}`) / 2 ** 32;
}

/** Which daily curve a device follows, guessed from its kind, category and name when the scenario does not say. */
export function placeOf(device: DeviceConfig): Place {
  if (device.kind === 'uplink') return 'residential';
  if (device.kind === 'institution') {
    switch (device.category) {
      case 'school':
      case 'kindergarten':
        return 'school';
      case 'library':
        return 'library';
      case 'culture':
        return 'culture';
      default:
        return 'office';
    }
  }
  const text = `${device.id} ${device.name ?? ''}`.toLowerCase();
  if (/park|парк/.test(text)) return 'park';
  if (/school|lyceum|школ|ліце|гімназ/.test(text)) return 'school';
  if (/librar|бібліот/.test(text)) return 'library';
  if (/cnap|цнап|council|starosta|рада|старост/.test(text)) return 'office';
  return 'square';
}

/** A 40-bit start value: counters of a device that has been up for a while are far from zero. */
function counterStart(id: string, salt: string): string {
  return String(BigInt(Math.floor(unit(id, salt) * 2 ** 40)));
}

function interfacesOf(device: DeviceConfig, override: DeviceOverride): { interfaces: InterfaceModel[]; main: string } {
  const spec = device.snmp?.interface;
  const mainName = typeof spec === 'string' ? spec : 'ether1';
  const mainIndex = typeof spec === 'number' ? spec : 2;
  const loIndex = mainIndex === 1 ? 2 : 1;
  const bandwidth = device.bandwidth_mbps ?? DEFAULT_BANDWIDTH_MBPS;
  const [inShare, outShare] = PEAK_SHARE[device.kind];
  const main: InterfaceModel = {
    index: mainIndex,
    name: mainName,
    type: 6,
    speedMbps: bandwidth,
    inPeakBps: Math.round((override.in_peak_mbps ?? bandwidth * inShare) * 1e6),
    outPeakBps: Math.round((override.out_peak_mbps ?? bandwidth * outShare) * 1e6),
    start: { in: counterStart(device.id, `${mainName}/in`), out: counterStart(device.id, `${mainName}/out`) },
  };
  const lo: InterfaceModel = {
    index: loIndex,
    name: 'lo',
    type: 24,
    speedMbps: 10,
    inPeakBps: LOOPBACK_PEAK_BPS,
    outPeakBps: LOOPBACK_PEAK_BPS,
    start: { in: counterStart(device.id, 'lo/in'), out: counterStart(device.id, 'lo/out') },
  };
  return { interfaces: [lo, main].sort((a, b) => a.index - b.index), main: mainName };
}

function sysDescrOf(device: DeviceConfig): string {
  if (isWifiVendor(device.vendor)) return WIFI_VENDOR_PROFILES[device.vendor].sysDescr;
  if (device.kind === 'ups' && isPowerVendor(device.vendor)) return UPS_PROFILES[device.vendor].sysDescr;
  return ROUTER_DESCR;
}

export function deviceModel(
  device: DeviceConfig,
  village: string,
  override: DeviceOverride = {},
  power: DevicePower = MAINS_ONLY,
): DeviceModel {
  const place = override.place ?? placeOf(device);
  const { interfaces, main } = interfacesOf(device, override);
  return {
    id: device.id,
    village,
    kind: device.kind,
    host: device.host,
    port: device.snmp ? device.snmp.port : null,
    parent: device.parent ?? null,
    vendor: isWifiVendor(device.vendor) ? device.vendor : null,
    clientsOid: device.clients_oid?.replace(/^\./, '') ?? null,
    sysName: device.id,
    sysDescr: `${sysDescrOf(device)} (simulated by Merezha)`,
    place,
    clientsPeak: device.kind === 'wifi' ? (override.clients_peak ?? CLIENTS_PEAK[place]) : 0,
    interfaces,
    mainInterface: main,
    // Between 1 and 60 days: long enough that a reboot is plain to see.
    initialUptimeMs: override.uptime ?? Math.floor((1 + unit(device.id, 'uptime') * 59) * 86_400_000),
    octetsPerError: Math.floor(2e8 + unit(device.id, 'errors') * 1.8e9),
    power,
  };
}

/** What a device is as a supply, if anything: see `SupplyKind`. */
export function supplyKindOf(device: DeviceConfig, fedByUps: boolean): SupplyKind | null {
  if (device.kind === 'ups') return 'ups';
  if (device.power_voltage !== undefined) return 'dc';
  if (!device.invincibility_point) return null;
  if (device.backup_power === 'generator') return 'generator';
  return (device.backup_power === 'ups' || device.backup_power === 'battery') && !fedByUps ? 'internal' : null;
}

function supplyModel(kind: SupplyKind, override: DeviceOverride): SupplyModel {
  const runtime = kind === 'generator' ? Infinity : (override.runtime ?? DEFAULT_RUNTIME[kind]);
  return { kind, runtime, recharge: override.recharge ?? runtime * RECHARGE_PER_RUNTIME, charge: (override.charge_pct ?? 100) / 100 };
}

/** The UPSes that feed each device: a UPS's `powers`, or by default every device of its village that is not a UPS itself. */
export function upsFeeders(config: Config): Map<string, string[]> {
  const feeders = new Map<string, string[]>();
  for (const v of config.villages) {
    for (const ups of v.devices.filter((d) => d.kind === 'ups')) {
      const fed = ups.powers ?? v.devices.filter((d) => d.kind !== 'ups').map((d) => d.id);
      for (const id of fed) feeders.set(id, [...(feeders.get(id) ?? []), ups.id]);
    }
  }
  return feeders;
}

/** The power of every device of the config: its queue, the UPSes that feed it, and its own supply when it is one. */
function powerOf(config: Config, overrides: Readonly<Record<string, DeviceOverride>>): Map<string, DevicePower> {
  const feeders = upsFeeders(config);
  const power = new Map<string, DevicePower>();
  for (const v of config.villages) {
    for (const d of v.devices) {
      const ups = feeders.get(d.id) ?? [];
      const kind = supplyKindOf(d, ups.length > 0);
      power.set(d.id, {
        group: d.power_group ?? v.power_group ?? null,
        fedBy: kind ? [d.id, ...ups] : ups,
        supply: kind ? supplyModel(kind, overrides[d.id] ?? {}) : null,
        backupLink: d.invincibility_point && d.backup_link !== undefined && d.backup_link !== 'none',
        profile: d.kind === 'ups' && isPowerVendor(d.vendor) ? d.vendor : (d.power_voltage ?? null),
      });
    }
  }
  return power;
}

export function deviceModels(config: Config, overrides: Readonly<Record<string, DeviceOverride>> = {}): DeviceModel[] {
  const power = powerOf(config, overrides);
  return config.villages.flatMap((v) => v.devices.map((d) => deviceModel(d, v.id, overrides[d.id], power.get(d.id))));
}
