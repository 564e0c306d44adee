/**
 * What discovery suggests for the config: the device's kind (and an
 * institution's category), its id, and the ready device entry (an object
 * with the config's keys, and that object in YAML).
 * Pure functions.
 *
 * The config knows four kinds (common/words/names.ts DEVICE_KINDS): wifi, a
 * Free WiFi access point; institution, the link of a school, clinic, council
 * and the like; uplink, a village's link to its provider; ups, a UPS. An
 * agent says which of them it is only so far: an answering UPS MIB makes a
 * UPS; an answering Wi-Fi MIB makes an access point; a name that names an
 * institution makes an institution; anything else that routes or switches
 * (there is no "router" kind) is an uplink.
 */
import { stringify } from 'yaml';
import { discoveryWords } from '../../common/words/discovery.ts';
import type { Locale } from '../../common/words/locale.ts';
import type { DeviceKind, InstitutionCategory } from '../../common/words/names.ts';
import { slugId } from '../../common/words/translit.ts';
import { isPowerVendor, isWifiVendor, type Config, type PowerVendor, type SnmpCredential, type WifiVendor } from '../../config/schema.ts';
import type { DeviceEntry } from './types.ts';

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

export function suggestKind(
  input: {
    /** The UPS MIB that answers (UPS-MIB, PowerNet-MIB), else null. */
    upsMib?: string | null;
    wifiMib: string | null;
    sysName: string | null;
    hasDefaultRoute: boolean;
    neighbours: number;
  },
  locale: Locale = 'en',
): KindSuggestion {
  const words = discoveryWords(locale);
  if (input.upsMib) return { kind: 'ups', category: null, reason: words.kindUps(input.upsMib) };
  if (input.wifiMib) return { kind: 'wifi', category: null, reason: words.kindWifi(input.wifiMib) };
  const name = input.sysName ?? '';
  for (const [category, pattern] of CATEGORY_WORDS) {
    const hit = pattern.exec(name);
    if (hit) return { kind: 'institution', category, reason: words.kindInstitution(name, hit[0], category) };
  }
  return {
    kind: 'uplink',
    category: null,
    reason: words.kindUplink(input.hasDefaultRoute ? 'default-route' : input.neighbours > 0 ? 'neighbours' : 'answers'),
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
  vendor: WifiVendor | PowerVendor | null;
  clientsOid: string | null;
  host: string;
  port: number;
  credential: string;
  interface: string | number | null;
  parent: string | null;
}

/**
 * The device entry: keys in the order of the config's examples, only those
 * that apply (a Wi-Fi vendor only for kind wifi and a UPS vendor only for
 * kind ups, clients_oid only with vendor generic, port only when not 161,
 * no interface for a UPS: its power is what is polled). The discovery's `entry`, and its `yaml`
 * is this rendered.
 */
export function deviceEntry(input: EntryInput): DeviceEntry {
  const vendor =
    (input.kind === 'wifi' && isWifiVendor(input.vendor ?? undefined)) || (input.kind === 'ups' && isPowerVendor(input.vendor ?? undefined))
      ? input.vendor
      : null;
  return {
    id: input.id,
    ...(input.name ? { name: input.name } : {}),
    kind: input.kind,
    ...(input.kind === 'institution' ? { category: input.category ?? 'other' } : {}),
    ...(vendor ? { vendor } : {}),
    ...(vendor === 'generic' && input.clientsOid ? { clients_oid: input.clientsOid } : {}),
    host: input.host,
    snmp: {
      credential: input.credential,
      ...(input.port !== 161 ? { port: input.port } : {}),
      ...(input.interface !== null && input.kind !== 'ups' ? { interface: input.interface } : {}),
    },
    ...(input.parent ? { parent: input.parent } : {}),
  };
}

/** The entry as one YAML list item, to paste under a village's `devices:`. */
export function entryYaml(entry: DeviceEntry): string {
  return stringify([entry], { lineWidth: 0 });
}
