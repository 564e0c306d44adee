/**
 * What discovery (`merezha discover`, POST /api/discover) says about an
 * agent: the reason of each suggestion (vendor, kind, interface, parent) and
 * the notes on what the agent lacked, in each locale. One table per locale of
 * the same sentences, each built from the facts discovery found (MIB and
 * table names, counts, ids), so that the two languages cannot say different
 * things. The English sentences are the ones the CLI prints and its tests
 * read; the Ukrainian ones are for the operator of the add-device form.
 *
 * MIB, table and object names (ifXTable, sysObjectID), config keys
 * (snmp_credentials, vendor) and the config's kind ids stay as they are in
 * both languages: they are what the operator finds in the device and the
 * config file. Pure; no I/O.
 */
import type { Locale } from './locale.ts';
import { INTL_LOCALE } from './locale.ts';
import { institutionName, kindName, type InstitutionCategory } from './names.ts';
import { count, plural, type PluralForms } from './plural.ts';
import { localizeReason } from './reasons.ts';

/** What a sysObjectID says of its maker. */
export type ObjectIdFact =
  | { what: 'none' }
  /** Net-SNMP's agent on Linux, which many makes run. */
  | { what: 'net-snmp-linux'; oid: string }
  /** Under 1.3.6.1.4.1: its enterprise number, and the maker's name where known. */
  | { what: 'enterprise'; oid: string; enterprise: number; maker: string | null }
  /** Not under 1.3.6.1.4.1. */
  | { what: 'outside'; oid: string };

/** What made a device an uplink when nothing made it anything else. */
export type UplinkEvidence = 'default-route' | 'neighbours' | 'answers';

/** A configured neighbour, as a parent's reason names it. */
export interface NeighbourSeen {
  protocol: 'lldp' | 'cdp';
  /** Its sysName, else its address or chassis id. */
  name: string;
  local_port: string;
  device: string;
  matched_by: 'name' | 'address';
}

export interface DiscoveryWords {
  // ---- vendor
  objectId(fact: ObjectIdFact): string;
  /** A vendor MIB answered (and maybe others too). */
  vendorByMib(mib: string, others: readonly string[], objectId: string): string;
  /** The sysObjectID names the vendor, its Wi-Fi MIB does not answer. */
  vendorByObjectId(objectId: string, mib: string): string;
  /** The enterprise number is shared by several vendors, and none of their MIBs answers. */
  vendorShared(objectId: string, vendors: readonly string[], mibs: readonly string[]): string;
  /** No vendor at all. */
  vendorNone(objectId: string, probed: readonly string[]): string;

  // ---- kind
  kindWifi(mib: string): string;
  /** A UPS MIB answers. */
  kindUps(mib: string): string;
  /** The vendor of a UPS: the UPS MIB that answered. */
  vendorUps(mib: string, objectId: string): string;
  kindInstitution(name: string, hit: string, category: InstitutionCategory): string;
  kindUplink(evidence: UplinkEvidence): string;
  categoryGuess(category: InstitutionCategory): string;

  // ---- interfaces
  noIfMib: string;
  noIfXTable: string;
  noIfTable: string;
  v1Counters32: string;
  v1NoCounters: string;
  no64bitCounters(version: string): string;
  noOctetCounters: string;
  speedCeiling: string;
  noInterfaces: string;
  routeOut(table: string): string;
  noDefaultRoute: string;
  routeElsewhere(table: string, ifIndex: number, loopback: boolean): string;
  noneUp(routeNote: string): string;
  firstUp(routeNote: string): string;
  busiest(routeNote: string, octets: number): string;

  // ---- neighbours and parent
  lldpMalformedRows(n: number): string;
  lldpEmptyRows(n: number): string;
  noNeighbours: string;
  noConfig(names: readonly string[]): string;
  noneConfigured(names: readonly string[]): string;
  childrenOnly(devices: readonly string[]): string;
  /** The parent: a configured neighbour; `others` when it was chosen for being on the uplink interface among several. */
  parent(seen: NeighbourSeen, others: readonly string[] | null): string;
  severalParents(devices: readonly string[], onUplink: 'none' | 'several'): string;

  // ---- notes of the whole discovery
  noSystemGroup: string;
  wifiUnread(message: string): string;
  powerUnread(message: string): string;
  /** Tables that failed, and the SNMP error's message (English, as the client gives it). */
  tablesFailed(tables: readonly string[], message: string): string;
  walkDeadline(seconds: number): string;
  placeholderCredential(credential: string, version: '1' | '2c' | '3'): string;
  vendorNotConfigured(vendor: string): string;
  airmaxLink: string;
  /** A sweep's address that refused every credential (the last SNMP error's message). */
  refusesEvery(last: string): string;
}

const EN_ROW: PluralForms['en'] = { one: 'row', other: 'rows' };
const EN_EMPTY_ROW: PluralForms['en'] = { one: 'empty row', other: 'empty rows' };

const en: DiscoveryWords = {
  objectId: (f) => {
    switch (f.what) {
      case 'none':
        return 'the agent gives no sysObjectID';
      case 'net-snmp-linux':
        return `sysObjectID ${f.oid} is Net-SNMP's agent on Linux, which many devices run`;
      case 'enterprise':
        return `sysObjectID ${f.oid} belongs to ${f.maker ? `${f.maker} (enterprise ${f.enterprise})` : `enterprise ${f.enterprise}`}`;
      case 'outside':
        return `sysObjectID ${f.oid} is not under 1.3.6.1.4.1 (it names no maker)`;
    }
  },
  vendorByMib: (mib, others, objectId) =>
    `${mib} answers${others.length > 0 ? ` (${others.join(', ')} answer${others.length > 1 ? '' : 's'} too)` : ''}; ${objectId}`,
  vendorByObjectId: (objectId, mib) => `${objectId}; its Wi-Fi MIB (${mib}) does not answer, so no Wi-Fi is read`,
  vendorShared: (objectId, vendors, mibs) =>
    `${objectId}, shared by ${vendors.join(' and ')}, and none of their MIBs answers (${mibs.join(', ')})`,
  vendorNone: (objectId, probed) => `${objectId}, and no vendor MIB answers (probed: ${probed.join(', ')})`,

  kindWifi: (mib) => `its Wi-Fi MIB (${mib}) answers: an access point`,
  kindUps: (mib) => `${mib} answers: a UPS, polled for its power (list what it feeds in powers:, else it powers its whole village)`,
  vendorUps: (mib, objectId) => `${mib} answers: a UPS read through it; ${objectId}`,
  kindInstitution: (name, hit, category) =>
    `no Wi-Fi MIB answers and its name "${name}" names an institution ("${hit}": category ${category})`,
  kindUplink: (evidence) =>
    `no Wi-Fi MIB answers, its name names no institution, and ${
      { 'default-route': 'it has a default route', neighbours: 'it has LLDP/CDP neighbours', answers: 'it answers SNMP' }[evidence]
    }: a router, switch or radio link, which the config calls uplink (it has no router kind); make it an institution if it is one's link`,
  categoryGuess: (category) => `category ${category} is a guess from the name: check it`,

  noIfMib: 'IF-MIB is not served (neither ifTable nor ifXTable): no interfaces, and the collector can read no traffic from this agent',
  noIfXTable:
    'ifXTable is not served (an old IF-MIB agent): interface names are ifDescr, speeds ifSpeed (which tops out at 4,294 Mbit/s) and counters 32-bit',
  noIfTable: 'ifTable is not served: no ifOperStatus (up or down unknown) and no ifDescr; names and speeds come from ifXTable',
  v1Counters32:
    'SNMPv1 has no 64-bit counters: the collector reads the 32-bit ifInOctets/ifOutOctets, which wrap every 34 s at 1 Gbit/s, and ifSpeed',
  v1NoCounters:
    'SNMPv1 has no 64-bit counters, and this agent serves no 32-bit ifInOctets/ifOutOctets either: the collector gets no traffic rates over SNMPv1',
  no64bitCounters: (version) =>
    `no 64-bit counters (ifHCInOctets/ifHCOutOctets): the collector asks for them over SNMPv${version} and gets no traffic rates from this agent; an SNMPv1 credential would read the 32-bit ones`,
  noOctetCounters: 'no octet counters at all (neither ifHCInOctets nor ifInOctets): the collector gets no traffic rates from this agent',
  speedCeiling: 'ifSpeed is at its 32-bit ceiling and there is no ifHighSpeed: the real speed is above 4,294 Mbit/s',
  noInterfaces: 'the agent lists no interfaces',
  routeOut: (table) => `the default route (0.0.0.0/0 in ${table}) goes out of it`,
  noDefaultRoute: 'no default route in IP-FORWARD-MIB (inetCidrRouteTable, ipCidrRouteTable) or ipRouteTable',
  routeElsewhere: (table, ifIndex, loopback) =>
    `the default route (${table}) names ifIndex ${ifIndex}, which is ${loopback ? 'a loopback' : 'not in the interface list'}`,
  noneUp: (routeNote) => `${routeNote}, and no interface but loopback is up`,
  firstUp: (routeNote) => `${routeNote}, and no octet counters to compare: the first interface that is up, loopback skipped`,
  busiest: (routeNote, octets) => {
    const size =
      octets >= 1e9
        ? `${(octets / 1e9).toFixed(1)} GB`
        : octets >= 1e6
          ? `${(octets / 1e6).toFixed(1)} MB`
          : `${octets} ${plural(octets, { one: 'byte', other: 'bytes' }, 'en')}`;
    return `${routeNote}: the busiest interface that is up (${size} in and out since its counters started), loopback skipped`;
  },

  lldpMalformedRows: (n) =>
    `lldpRemTable has ${n} ${plural(n, EN_ROW, 'en')} whose index is not timeMark.localPortNum.index: kept with the local port unknown (?)`,
  lldpEmptyRows: (n) => `lldpRemTable has ${n} ${plural(n, EN_EMPTY_ROW, 'en')} (no name, port or chassis id): left out`,
  noNeighbours: 'no LLDP or CDP neighbours (LLDP-MIB and CISCO-CDP-MIB not served, or empty)',
  noConfig: (names) => `no config to match the neighbours (${names.join(', ')}) against: give --config`,
  noneConfigured: (names) => `none of the neighbours (${names.join(', ')}) is a configured device`,
  childrenOnly: (devices) => `the configured neighbours (${devices.join(', ')}) hang from this device`,
  parent: (n, others) => {
    const seen = `${n.protocol.toUpperCase()} neighbour ${n.name} on ${n.local_port}, configured as ${n.device} (by ${n.matched_by})`;
    return others === null ? `its ${seen}` : `its ${seen}, the uplink interface (other configured neighbours: ${others.join(', ')})`;
  },
  severalParents: (devices, onUplink) =>
    `several configured neighbours (${devices.join(', ')}) and ${onUplink === 'none' ? 'none' : 'more than one'} on the uplink interface: choose the one towards the provider`,

  noSystemGroup: 'the system group (sysDescr, sysObjectID, sysUpTime, sysName) is not served',
  wifiUnread: (message) => `Wi-Fi clients could not be read: ${message}`,
  powerUnread: (message) => `the UPS's power could not be read in full (what is missing shows as null, unknown): ${message}`,
  tablesFailed: (tables, message) => `${tables.join(', ')}: ${message}`,
  walkDeadline: (seconds) => `a walk did not end within ${seconds} s (the agent keeps answering inside the table)`,
  placeholderCredential: (credential, version) =>
    `the entry refers to the credential "${credential}": add it under snmp_credentials with the version ${version} ${version === '3' ? 'user and keys' : 'community'} you discovered with (secrets can stay in merezha.env as \${NAME} references)`,
  vendorNotConfigured: (vendor) =>
    `vendor ${vendor} is not one of this config's vendors yet: the entry has no vendor, so no clients are polled`,
  airmaxLink:
    'an airMAX radio is often a link (point-to-point or a subscriber station) rather than a Free WiFi access point: its "clients" are the radios it serves, and a station counts its one access point; make it kind uplink (without vendor) if it is a village\'s link',
  refusesEvery: (last) => `refuses every credential tried (last: ${last})`,
};

const UK_ROW: PluralForms['uk'] = { one: 'рядок', few: 'рядки', many: 'рядків', other: 'рядка' };
const UK_EMPTY_ROW: PluralForms['uk'] = { one: 'порожній рядок', few: 'порожні рядки', many: 'порожніх рядків', other: 'порожнього рядка' };
const UK_BYTE: PluralForms['uk'] = { one: 'байт', few: 'байти', many: 'байтів', other: 'байта' };

/** "unifi і airmax", "a, b і c". */
const ukList = new Intl.ListFormat(INTL_LOCALE.uk, { type: 'conjunction' });
const ukDecimal = new Intl.NumberFormat(INTL_LOCALE.uk, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
/** The English reasons the SNMP client gives (timeouts, refusals), in Ukrainian where they are known. */
const snmpUk = (message: string) => localizeReason(message, 'uk');

/** The config's kinds as the form's kind picker names them: «канал зв’язку», «заклад». */
const UPLINK = kindName('uplink', 'uk');
const INSTITUTION = kindName('institution', 'uk');
const UPS = kindName('ups', 'uk');

const uk: DiscoveryWords = {
  objectId: (f) => {
    switch (f.what) {
      case 'none':
        return 'агент не повідомляє свого sysObjectID';
      case 'net-snmp-linux':
        return `sysObjectID ${f.oid} — це агент Net-SNMP на Linux, який працює на пристроях багатьох виробників`;
      case 'enterprise':
        return f.maker
          ? `sysObjectID ${f.oid} належить ${f.maker} (номер підприємства ${f.enterprise})`
          : `sysObjectID ${f.oid} належить підприємству з номером ${f.enterprise}, якого Мережа не знає`;
      case 'outside':
        return `sysObjectID ${f.oid} лежить поза гілкою 1.3.6.1.4.1, тож виробника за ним не визначити`;
    }
  },
  vendorByMib: (mib, others, objectId) => `відповідає ${mib}${others.length > 0 ? ` (а також ${ukList.format(others)})` : ''}; ${objectId}`,
  vendorByObjectId: (objectId, mib) => `${objectId}, але Wi-Fi MIB цього виробника (${mib}) не відповідає, тож Wi-Fi не зчитується`,
  vendorShared: (objectId, vendors, mibs) =>
    `${objectId}; цей номер спільний для ${ukList.format(vendors)}, але жодна з їхніх MIB не відповідає (${mibs.join(', ')})`,
  vendorNone: (objectId, probed) => `${objectId}, і жодна MIB виробників не відповідає (опитано: ${probed.join(', ')})`,

  kindWifi: (mib) => `відповідає його Wi-Fi MIB (${mib}): це точка доступу`,
  kindUps: (mib) =>
    `відповідає ${mib}: це ${UPS} (джерело безперебійного живлення), його опитують про живлення (що він живить, вкажіть у powers:, інакше вважається, що весь населений пункт)`,
  vendorUps: (mib, objectId) => `відповідає ${mib}: ${UPS} читається через неї; ${objectId}`,
  kindInstitution: (name, hit, category) =>
    `жодна Wi-Fi MIB не відповідає, а назва «${name}» вказує на заклад («${hit}» — категорія «${institutionName(category, 'uk')}»)`,
  kindUplink: (evidence) =>
    `жодна Wi-Fi MIB не відповідає, назва не вказує на заклад, а ${
      {
        'default-route': 'пристрій має маршрут за замовчуванням',
        neighbours: 'пристрій має сусідів LLDP/CDP',
        answers: 'пристрій відповідає на SNMP',
      }[evidence]
    }: це маршрутизатор, комутатор чи радіоміст, а такі пристрої в конфігурації мають тип «${UPLINK}» (uplink) — окремого типу для маршрутизатора немає; якщо це канал зв’язку закладу, оберіть «${INSTITUTION}»`,
  categoryGuess: (category) => `категорію «${institutionName(category, 'uk')}» вгадано з назви: перевірте її`,

  noIfMib: 'агент не надає IF-MIB (ні ifTable, ні ifXTable): інтерфейсів немає, і колектор не зможе читати з нього трафік',
  noIfXTable:
    'агент не надає ifXTable (стара реалізація IF-MIB): назви інтерфейсів беруться з ifDescr, швидкості — з ifSpeed (не більше 4294 Мбіт/с), лічильники 32-бітні',
  noIfTable: 'агент не надає ifTable: немає ifOperStatus (невідомо, чи працює інтерфейс) та ifDescr; назви й швидкості беруться з ifXTable',
  v1Counters32:
    'у SNMPv1 немає 64-бітних лічильників: колектор читає 32-бітні ifInOctets/ifOutOctets, які на 1 Гбіт/с переповнюються кожні 34 с, та ifSpeed',
  v1NoCounters:
    'у SNMPv1 немає 64-бітних лічильників, а 32-бітних ifInOctets/ifOutOctets цей агент теж не надає: через SNMPv1 колектор не отримає швидкості трафіку',
  no64bitCounters: (version) =>
    `немає 64-бітних лічильників (ifHCInOctets/ifHCOutOctets): колектор запитує саме їх через SNMPv${version}, тож швидкості трафіку цього агента не отримає; з обліковим записом SNMPv1 він читав би 32-бітні`,
  noOctetCounters:
    'немає жодних лічильників октетів (ні ifHCInOctets, ні ifInOctets): колектор не отримає від цього агента швидкості трафіку',
  speedCeiling: 'ifSpeed досяг 32-бітної межі, а ifHighSpeed немає: справжня швидкість — понад 4294 Мбіт/с',
  noInterfaces: 'агент не повідомляє жодного інтерфейсу',
  routeOut: (table) => `через нього виходить маршрут за замовчуванням (0.0.0.0/0 в ${table})`,
  noDefaultRoute: 'маршруту за замовчуванням немає ні в IP-FORWARD-MIB (inetCidrRouteTable, ipCidrRouteTable), ні в ipRouteTable',
  routeElsewhere: (table, ifIndex, loopback) =>
    `маршрут за замовчуванням (${table}) вказує на ifIndex ${ifIndex}, ${loopback ? 'а це loopback' : 'якого немає серед інтерфейсів'}`,
  noneUp: (routeNote) => `${routeNote}; крім loopback, жоден інтерфейс не працює`,
  firstUp: (routeNote) =>
    `${routeNote}; лічильників октетів для порівняння немає, тож обрано перший працюючий інтерфейс (loopback не враховано)`,
  busiest: (routeNote, octets) => {
    const size =
      octets >= 1e9
        ? `${ukDecimal.format(octets / 1e9)} ГБ`
        : octets >= 1e6
          ? `${ukDecimal.format(octets / 1e6)} МБ`
          : count(octets, UK_BYTE, 'uk');
    return `${routeNote}; обрано найзавантаженіший із працюючих інтерфейсів: ${size} в обидва боки від запуску лічильників (loopback не враховано)`;
  },

  lldpMalformedRows: (n) =>
    `у lldpRemTable ${count(n, UK_ROW, 'uk')} з індексом не у форматі timeMark.localPortNum.index: залишено, але локальний порт невідомий (?)`,
  lldpEmptyRows: (n) => `у lldpRemTable ${count(n, UK_EMPTY_ROW, 'uk')} (без назви, порту й ідентифікатора шасі): пропущено`,
  noNeighbours: 'сусідів LLDP чи CDP немає (LLDP-MIB і CISCO-CDP-MIB не надаються або порожні)',
  noConfig: (names) => `немає конфігурації, з пристроями якої можна зіставити сусідів (${names.join(', ')}): вкажіть --config`,
  noneConfigured: (names) => `жоден із сусідів (${names.join(', ')}) не є пристроєм конфігурації`,
  childrenOnly: (devices) => `сусіди з конфігурації (${devices.join(', ')}) самі підключені через цей пристрій`,
  parent: (n, others) =>
    `його сусід ${n.protocol.toUpperCase()} ${n.name} на ${n.local_port}${others === null ? '' : ' (висхідний інтерфейс)'}, у конфігурації це ${n.device} (збіг за ${n.matched_by === 'name' ? 'назвою' : 'адресою'})${others === null ? '' : `; інші сусіди з конфігурації: ${others.join(', ')}`}`,
  severalParents: (devices, onUplink) =>
    `кілька сусідів є в конфігурації (${devices.join(', ')}), а на висхідному інтерфейсі ${onUplink === 'none' ? 'немає жодного з них' : 'їх більше ніж один'}: оберіть той, що веде до провайдера`,

  noSystemGroup: 'агент не надає системної групи (sysDescr, sysObjectID, sysUpTime, sysName)',
  wifiUnread: (message) => `не вдалося зчитати клієнтів Wi-Fi: ${snmpUk(message)}`,
  powerUnread: (message) => `живлення ДБЖ зчитано не повністю (чого бракує, показано як null — невідомо): ${snmpUk(message)}`,
  tablesFailed: (tables, message) => `${tables.join(', ')}: ${snmpUk(message)}`,
  walkDeadline: (seconds) => `обхід таблиці не завершився за ${seconds} с (агент без кінця відповідає в її межах)`,
  placeholderCredential: (credential, version) =>
    `запис посилається на обліковий запис SNMP «${credential}»: додайте його до snmp_credentials з версією ${version} і ${version === '3' ? 'користувачем та ключами' : 'community'}, з якими ви опитували пристрій (секрети можна тримати в merezha.env і посилатися на них як \${NAME})`,
  vendorNotConfigured: (vendor) => `виробника ${vendor} ця конфігурація ще не знає: у записі немає vendor, тож клієнтів не опитуватимуть`,
  airmaxLink: `радіо airMAX часто є радіоканалом (точка-точка або абонентська станція), а не точкою Free WiFi: його «клієнти» — це радіо, які воно обслуговує, а станція рахує свою єдину точку доступу; якщо це канал зв’язку населеного пункту, оберіть тип «${UPLINK}» (uplink) без vendor`,
  refusesEvery: (last) => `відхиляє всі випробувані облікові записи (останній: ${snmpUk(last)})`,
};

const WORDS: Record<Locale, DiscoveryWords> = { en, uk };

/** The sentences of discovery in `locale`. */
export const discoveryWords = (locale: Locale): DiscoveryWords => WORDS[locale];
