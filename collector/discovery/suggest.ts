/**
 * What discovery suggests for the config: the device's kind (and an
 * institution's category), its id, and the ready device entry in YAML.
 * Pure functions.
 *
 * The config knows three kinds (common/words/names.ts DEVICE_KINDS): wifi, a
 * Free WiFi access point; institution, the link of a school, clinic, council
 * and the like; uplink, a village's link to its provider. An agent says
 * which of them it is only so far: an answering Wi-Fi MIB makes an access
 * point; a name that names an institution makes an institution; anything
 * else that routes or switches (there is no "router" kind) is an uplink.
 */
import { stringify } from 'yaml';
import type { DeviceKind, InstitutionCategory } from '../../common/words/names.ts';
import { slugId } from '../../common/words/translit.ts';
import { WIFI_VENDORS, type Config, type SnmpCredential } from '../../config/schema.ts';
import type { DiscoveredVendor } from './vendor.ts';

/** Whole words (not inside another word; Cyrillic too, which `\b` does not know). */
const word = (...words: string[]) => `(?<![\\p{L}\\d])(?:${words.join('|')})(?![\\p{L}\\d])`;

/** Stems and words in a device's name that say which institution it serves (English, Ukrainian, and Ukrainian in Latin letters). */
const CATEGORY_WORDS: [InstitutionCategory, RegExp][] = (
  [
    ['kindergarten', ['kindergarten', 'dytsad', 'sadok', 'садоч', 'садок', word('dnz', 'zdo', 'днз', 'здо')]],
    [
      'school',
      [
        'school',
        'lyceum',
        'litse',
        'licei',
        'gymnas',
        'gimnaz',
        'hymnaz',
        'shkol',
        'школ',
        'ліце',
        'гімназ',
        word('zosh', 'zzso', 'зош', 'ззсо'),
      ],
    ],
    ['clinic', ['clinic', 'hospital', 'ambulat', 'likarn', 'медпункт', 'амбулатор', 'лікарн', 'поліклін', word('fap', 'fp', 'фап', 'фп')]],
    ['library', ['librar', 'bibliot', 'бібліот']],
    ['cnap', ['cnap', 'tsnap', 'цнап', word('casc')]],
    ['council', ['council', 'starost', 'silrad', 'старост', 'сільрад', word('rada', 'рада')]],
    ['culture', ['culture', 'kultur', 'club', 'klub', 'клуб', 'культур', word('bk')]],
  ] as [InstitutionCategory, string[]][]
).map(([category, parts]) => [category, new RegExp(parts.join('|'), 'iu')]);

export interface KindSuggestion {
  kind: DeviceKind;
  category: InstitutionCategory | null;
  reason: string;
}

export function suggestKind(input: {
  wifiMib: string | null;
  sysName: string | null;
  hasDefaultRoute: boolean;
  neighbours: number;
}): KindSuggestion {
  if (input.wifiMib) return { kind: 'wifi', category: null, reason: `its Wi-Fi MIB (${input.wifiMib}) answers: an access point` };
  const name = input.sysName ?? '';
  for (const [category, words] of CATEGORY_WORDS) {
    const hit = words.exec(name);
    if (hit) {
      return {
        kind: 'institution',
        category,
        reason: `no Wi-Fi MIB answers and its name "${name}" names an institution ("${hit[0]}": category ${category})`,
      };
    }
  }
  const what = input.hasDefaultRoute ? 'it has a default route' : input.neighbours > 0 ? 'it has LLDP/CDP neighbours' : 'it answers SNMP';
  return {
    kind: 'uplink',
    category: null,
    reason: `no Wi-Fi MIB answers, its name names no institution, and ${what}: a router, switch or radio link, which the config calls uplink (it has no router kind); make it an institution if it is one's link`,
  };
}

/** A placeholder credential id for a device discovered with a credential the config does not have yet. */
export function placeholderCredential(credential: Pick<SnmpCredential, 'version'>): string {
  return `snmp-v${credential.version}`;
}

/** An id for the device: from its sysName, else its address; made unique against the config's other devices. */
export function suggestId(sysName: string | null, host: string, config: Config | undefined, self: string | null): string {
  if (self) return self;
  const base = (sysName && slugId(sysName)) || slugId(`device-${host}`) || 'device';
  const taken = new Set(config?.villages.flatMap((v) => v.devices.map((d) => d.id)) ?? []);
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

export interface EntryInput {
  id: string;
  name: string | null;
  kind: DeviceKind;
  category: InstitutionCategory | null;
  vendor: DiscoveredVendor | null;
  clientsOid: string | null;
  host: string;
  port: number;
  credential: string;
  interface: string | number | null;
  parent: string | null;
}

const isConfigVendor = (v: string): v is (typeof WIFI_VENDORS)[number] => (WIFI_VENDORS as readonly string[]).includes(v);

/**
 * The device entry: keys in the order of the config's examples, only those
 * that apply (vendor only for kind wifi, clients_oid only with vendor
 * generic, port only when not 161), as one YAML list item.
 */
export function deviceEntry(input: EntryInput): Record<string, unknown> {
  const vendor = input.kind === 'wifi' && input.vendor && isConfigVendor(input.vendor) ? input.vendor : null;
  const snmp: Record<string, unknown> = { credential: input.credential };
  if (input.port !== 161) snmp.port = input.port;
  if (input.interface !== null) snmp.interface = input.interface;
  return {
    id: input.id,
    ...(input.name ? { name: input.name } : {}),
    kind: input.kind,
    ...(input.kind === 'institution' ? { category: input.category ?? 'other' } : {}),
    ...(vendor ? { vendor } : {}),
    ...(vendor === 'generic' && input.clientsOid ? { clients_oid: input.clientsOid } : {}),
    host: input.host,
    snmp,
    ...(input.parent ? { parent: input.parent } : {}),
  };
}

export function entryYaml(entry: Record<string, unknown>): string {
  return stringify([entry], { lineWidth: 0 });
}
