/**
 * What each simulated device is: its interfaces, traffic peaks, daily curve,
 * Wi-Fi clients and the values it starts with, derived from a Merezha config
 * device plus the scenario's overrides.
 *
 * Everything "random" (initial uptime, counter start values, error rates) is
 * a hash of the device id, so the same config always gives the same devices
 * and a ground truth file can rebuild them exactly.
 */
import { isWifiVendor, type Config, type DeviceConfig, type WifiVendor } from '../config/schema.ts';
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
}

/** Per-device settings a scenario may override. */
export interface DeviceOverride {
  place?: Place;
  clients_peak?: number;
  in_peak_mbps?: number;
  out_peak_mbps?: number;
  /** sysUpTime at the start, ms. */
  uptime?: number;
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

export function deviceModel(device: DeviceConfig, village: string, override: DeviceOverride = {}): DeviceModel {
  const place = override.place ?? placeOf(device);
  const { interfaces, main } = interfacesOf(device, override);
  return {
    id: device.id,
    village,
    kind: device.kind,
    host: device.host,
    port: device.snmp ? device.snmp.port : null,
    parent: device.parent ?? null,
    // Only the Wi-Fi vendors have a simulated MIB so far; a UPS is served as a plain agent (issue 13, item 7).
    vendor: isWifiVendor(device.vendor) ? device.vendor : null,
    clientsOid: device.clients_oid?.replace(/^\./, '') ?? null,
    sysName: device.id,
    sysDescr: `${isWifiVendor(device.vendor) ? WIFI_VENDOR_PROFILES[device.vendor].sysDescr : ROUTER_DESCR} (simulated by Merezha)`,
    place,
    clientsPeak: device.kind === 'wifi' ? (override.clients_peak ?? CLIENTS_PEAK[place]) : 0,
    interfaces,
    mainInterface: main,
    // Between 1 and 60 days: long enough that a reboot is plain to see.
    initialUptimeMs: override.uptime ?? Math.floor((1 + unit(device.id, 'uptime') * 59) * 86_400_000),
    octetsPerError: Math.floor(2e8 + unit(device.id, 'errors') * 1.8e9),
  };
}

export function deviceModels(config: Config, overrides: Readonly<Record<string, DeviceOverride>> = {}): DeviceModel[] {
  return config.villages.flatMap((v) => v.devices.map((d) => deviceModel(d, v.id, overrides[d.id])));
}
