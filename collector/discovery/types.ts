/**
 * What `merezha discover` (and `POST /api/discover`) answers about one agent:
 * the JSON field names are the contract, so they are snake_case like the
 * config they help to write. Every `*_reason` says in words why a suggestion
 * is what it is; `notes` say what the agent lacked or got wrong; both are
 * sentences in the locale discovery was asked for (English by default),
 * from common/words/discovery.ts.
 */
import type { DeviceKind, InstitutionCategory } from '../../common/words/names.ts';
import type { PowerBrief } from '../../common/api.ts';
import type { PowerVendor, WifiVendor } from '../../config/schema.ts';

export interface DiscoveredInterface {
  index: number;
  /** ifName where ifXTable is served, else ifDescr (what `snmp.interface` takes). */
  name: string;
  descr: string | null;
  /** ifAlias, the operator's label, where set. */
  alias: string | null;
  /** IANA ifType (6 ethernetCsmacd, 24 softwareLoopback, 71 ieee80211…). */
  type: number | null;
  loopback: boolean;
  oper_up: boolean | null;
  speed_mbps: number | null;
  /** Octets since the counters started (the 64-bit ones where served), as numbers: for ranking, not accounting. */
  in_octets: number | null;
  out_octets: number | null;
  counter_bits: 64 | 32 | null;
}

export interface Neighbour {
  protocol: 'lldp' | 'cdp';
  /** The local port it is seen on: lldpLocPortId (or its description, or the port number), or the ifName for CDP. */
  local_port: string;
  sys_name: string | null;
  /** Its port: lldpRemPortId (a MAC shown as aa:bb:…), or cdpCacheDevicePort. */
  port: string | null;
  port_descr: string | null;
  chassis_id: string | null;
  /** Its management address (lldpRemManAddrTable, cdpCacheAddress). */
  address: string | null;
  platform: string | null;
  /** The configured device it is, when a config was given and its name or address matches. */
  device: string | null;
  matched_by: 'name' | 'address' | null;
}

export interface WifiFound {
  clients: number;
  /** Radios/VAPs up, where the vendor MIB says; null where it does not. */
  radios_up: number | null;
}

/**
 * The suggested device entry: the config's YAML keys of a device, only those
 * that apply, in the order the config's examples write them.
 */
export interface DeviceEntry {
  id: string;
  name?: string;
  kind: DeviceKind;
  /** With kind institution. */
  category?: InstitutionCategory;
  /** With kind wifi, a Wi-Fi vendor of the config's list; with kind ups, a UPS vendor. */
  vendor?: WifiVendor | PowerVendor;
  /** With vendor generic. */
  clients_oid?: string;
  host: string;
  snmp: {
    credential: string;
    /** When not 161. */
    port?: number;
    interface?: string | number;
  };
  parent?: string;
}

export interface Discovery {
  host: string;
  port: number;
  snmp_version: '1' | '2c' | '3';
  sys_name: string | null;
  sys_descr: string | null;
  sys_object_id: string | null;
  sys_uptime_s: number | null;
  /** A vendor of the config's `vendor:` list: a Wi-Fi vendor, or a UPS vendor (ups-mib, apc) for a UPS; null with the reason. */
  vendor: WifiVendor | PowerVendor | null;
  vendor_reason: string;
  /** Who made it, by the enterprise number of sysObjectID (or the vendor found): "MikroTik", "Net-SNMP". */
  make: string | null;
  /** With vendor generic: the OID counting its clients, for `clients_oid:`. */
  clients_oid: string | null;
  suggested_kind: DeviceKind;
  suggested_kind_reason: string;
  /** With suggested_kind institution: a category guessed from the name (other when nothing fits). */
  suggested_category: InstitutionCategory | null;
  interfaces: DiscoveredInterface[];
  suggested_interface: string | number | null;
  suggested_interface_reason: string;
  /** null for a device without a Wi-Fi MIB. */
  wifi: WifiFound | null;
  /** A UPS's power now (null figures are unknown, never 0); null for an agent without a UPS MIB. */
  power: PowerBrief | null;
  neighbours: Neighbour[];
  suggested_parent: string | null;
  suggested_parent_reason: string;
  /** The configured device at this host (and port), when a config was given. */
  configured: string | null;
  /** The device entry for the config, as an object with the config's keys. */
  entry: DeviceEntry;
  /** The same entry as one YAML list item, to paste under a village's `devices:`. */
  yaml: string;
  /** What the agent lacked or answered wrongly, and what that means for polling it. */
  notes: string[];
  /** How long the discovery took. */
  elapsed_ms: number;
}
