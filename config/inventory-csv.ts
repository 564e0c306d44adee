/**
 * The inventory from a spreadsheet: a CSV file of devices, one a row, read
 * into the villages and device entries `merezha inventory import` adds to
 * hromada.yaml through `InventoryDocument` (config/edit.ts).
 *
 * What a person saves from Excel or LibreOffice is taken as it comes: UTF-8
 * with or without a byte order mark, or Windows-1251; "," or ";" between
 * fields; headers in English (the config's keys) or Ukrainian, in any case,
 * with units in parentheses; kinds and categories by their ids or Ukrainian
 * names; dates as 2026-01-05 or 05.01.2026; speeds with a decimal comma.
 *
 * Every row is checked here against every rule the config holds a device
 * to, so that each mistake is told as `file:line column: message`, the
 * column named as the file's header writes it. `applyInventory` then makes
 * the edit and runs the loader's own check of the whole new file, and points
 * whatever that still finds back at the row and column it came from.
 *
 * Ids are made from names with the official transliteration
 * (common/words/translit.ts), «Макарихська гімназія» → makarykhska-himnaziia.
 * A made id that is already taken, in the config or by another row, is an
 * error of that row, not quietly given a suffix: ids are permanent (the
 * measurements, outages and alert rules of a device are kept under its id),
 * and a "-2" would depend on the order of the rows, mean nothing to anyone,
 * and let the same file imported twice add every device twice. The row gets
 * an `id` column of its own, or a more specific name.
 *
 * Pure but for `applyInventory`, which edits the document in memory only.
 */
import { decodeSpreadsheet, readCsv, sniffDelimiter, type CsvDelimiter, type SpreadsheetEncoding } from '../common/csv.ts';
import { categoryHeading, DEVICE_KINDS, INSTITUTION_CATEGORIES, institutionName, kindName } from '../common/words/names.ts';
import type { DeviceKind, InstitutionCategory } from '../common/words/names.ts';
import { slugId } from '../common/words/translit.ts';
import { InventoryEditError, type Entry, type InventoryDocument } from './edit.ts';
import type { Env } from './env.ts';
import { formatPath } from './load.ts';
import { closest } from './messages.ts';
import { BACKUP_LINKS, BACKUP_POWER, isPowerGroup, type BackupLink, type BackupPower } from '../common/words/power.ts';
import {
  DEVICE_VENDORS,
  deviceSchema,
  isPowerVendor,
  parentLoop,
  POWER_VENDORS,
  type Config,
  type PowerVendor,
  type WifiVendor,
} from './schema.ts';
import type { ConfigPath } from './yaml-source.ts';

/** The columns a file may have, by the config key each fills (`credential`, `port`, `interface` fill `snmp`). */
export const INVENTORY_COLUMNS = [
  'id',
  'village',
  'name',
  'kind',
  'category',
  'host',
  'provider',
  'parent',
  'bandwidth_mbps',
  'credential',
  'port',
  'interface',
  'vendor',
  'clients_oid',
  'installed',
  'public',
  'power_group',
  'invincibility_point',
  'backup_power',
  'backup_link',
] as const;
export type InventoryColumn = (typeof INVENTORY_COLUMNS)[number];

/**
 * The headers each column is known by, besides its own name. Compared after
 * `headerWord`: lower-case, without what is in parentheses (units), with
 * "_", "-" and runs of spaces as one space.
 */
const HEADERS: Record<InventoryColumn | 'note', readonly string[]> = {
  id: ['ідентифікатор', 'ід'],
  village: ['village id', 'village name', 'село', 'населений пункт', 'нас. пункт', 'старостинський округ'],
  name: ['назва', 'найменування', 'назва закладу', 'назва пристрою'],
  kind: ['type', 'тип', 'вид', 'тип пристрою'],
  category: ['категорія', 'категорія закладу', 'тип закладу'],
  host: ['address', 'ip', 'ip address', 'адреса', 'хост', 'ip адреса', 'адреса ip'],
  provider: ['провайдер', 'постачальник', 'оператор'],
  parent: ['parent device', 'батьківський', 'батьківський пристрій', 'підключено до', 'підключений до'],
  bandwidth_mbps: ['bandwidth', 'speed', 'швидкість', 'смуга', 'смуга пропускання', 'швидкість каналу'],
  credential: ['snmp', 'snmp credential', 'облікові дані', 'облікові дані snmp', 'snmp облікові дані'],
  port: ['snmp port', 'порт', 'порт snmp', 'snmp порт'],
  interface: ['інтерфейс'],
  vendor: ['виробник'],
  clients_oid: ['oid', 'clients oid'],
  installed: ['installation date', 'date installed', 'встановлено', 'дата встановлення', 'дата введення в експлуатацію'],
  public: ['публічний', 'публічна', 'публічно', 'на публічній сторінці'],
  power_group: ['queue', 'power queue', 'черга', 'черга відключень', 'черга гпв', 'група', 'група відключень', 'підчерга'],
  invincibility_point: ['пункт незламності', 'пункт незламності?', 'незламність', 'invincibility'],
  backup_power: ['резервне живлення', 'живлення без світла', 'backup power source'],
  backup_link: ["резервний зв'язок", 'резервний канал', 'резервний інтернет', 'backup internet'],
  // Columns of remarks a person keeps beside the data: read past, never imported.
  note: ['note', 'notes', 'comment', 'comments', 'примітка', 'примітки', 'коментар', 'коментарі'],
};

/** A header as compared: lower-case, units in parentheses and a trailing ":" or "*" dropped, "_", "-" and spaces as one space. */
export function headerWord(header: string): string {
  return norm(header)
    .replace(/\([^)]*\)|\[[^\]]*\]/g, ' ')
    .replace(/[:*]+\s*$/, '')
    .replace(/[_\s-]+/g, ' ')
    .trim();
}

const HEADER_OF = new Map<string, InventoryColumn | 'note'>(
  (Object.entries(HEADERS) as [InventoryColumn | 'note', readonly string[]][]).flatMap(([column, words]) =>
    [column, ...words].map((word) => [headerWord(word), column] as const),
  ),
);

/** The column a header names, 'note' for a column of remarks, undefined for none. */
export function columnOf(header: string): InventoryColumn | 'note' | undefined {
  return HEADER_OF.get(headerWord(header));
}

/** A value as compared: lower-case, one kind of apostrophe, single spaces. */
function norm(text: string): string {
  return text
    .normalize('NFC')
    .toLowerCase()
    .replace(/[’ʼ‘`]/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}

/** The words for each kind: its id and its names in both languages, and a few words people use. */
const KIND_WORDS: Record<DeviceKind, readonly string[]> = {
  uplink: ['канал', 'аплінк', 'канал провайдера'],
  wifi: ['wi-fi', 'free wifi', 'free wi-fi', 'точка доступу', 'точка wi-fi', 'точка wifi'],
  institution: ['установа'],
  ups: ['бесперебійник', 'джерело безперебійного живлення', 'упс'],
};

/**
 * The words for each category: its id, its names of common/words in both
 * languages (one and the heading: «школа», «Школи»), and the institutions the
 * config's own comments file under it (a ФАП is a clinic, a club culture).
 */
const CATEGORY_WORDS: Record<InstitutionCategory, readonly string[]> = {
  school: ['гімназія', 'ліцей', 'загальноосвітня школа'],
  kindergarten: ['дитячий садок', 'садок', 'дитсадок', 'здо'],
  clinic: ['амбулаторія', 'фап', 'фельдшерсько-акушерський пункт', 'лікарня'],
  library: [],
  culture: ['будинок культури', 'клуб', 'сільський клуб'],
  council: ['рада', 'сільська рада', 'старостат', 'старостинський округ'],
  cnap: [],
  other: ['інше'],
};

function vocabulary<T extends string>(ids: readonly T[], names: (id: T) => string[], extra: Record<T, readonly string[]>): Map<string, T> {
  return new Map(ids.flatMap((id) => [id, ...names(id), ...extra[id]].map((word) => [norm(word), id] as const)));
}

const KINDS = vocabulary(DEVICE_KINDS, (k) => [kindName(k, 'uk'), kindName(k, 'en')], KIND_WORDS);
const CATEGORIES = vocabulary(
  INSTITUTION_CATEGORIES,
  (c) => [institutionName(c, 'uk'), categoryHeading(c, 'uk'), institutionName(c, 'en'), categoryHeading(c, 'en')],
  CATEGORY_WORDS,
);
const VENDORS = new Map<string, WifiVendor | PowerVendor>([
  ...DEVICE_VENDORS.map((v) => [v.replace('-', ' '), v] as const),
  ['ubiquiti', 'unifi'],
  ['tp link', 'tplink'],
  ['rfc 1628', 'ups-mib'],
  ['rfc1628', 'ups-mib'],
  ['schneider', 'apc'],
  ['schneider electric', 'apc'],
  ['powernet', 'apc'],
]);
const BACKUP_POWER_WORDS: Record<BackupPower, readonly string[]> = {
  ups: ['дбж', 'безперебійник', 'упс'],
  generator: ['генератор'],
  battery: ['акумулятор', 'батарея', 'павербанк', 'зарядна станція'],
  none: ['немає', 'нема', 'ні', '-', 'no'],
};
const BACKUP_LINK_WORDS: Record<BackupLink, readonly string[]> = {
  starlink: ['старлінк'],
  xpon: ['gpon', 'pon', 'оптика', 'оптика (xpon)'],
  mobile: ['мобільний', 'мобільний інтернет', '4g', 'lte', '3g'],
  none: ['немає', 'нема', 'ні', '-', 'no'],
};
const BACKUP_POWERS = vocabulary(BACKUP_POWER, () => [], BACKUP_POWER_WORDS);
const BACKUP_LINKS_BY_WORD = vocabulary(BACKUP_LINKS, () => [], BACKUP_LINK_WORDS);

const KINDS_SAID = DEVICE_KINDS.map((k) => `${k} («${kindName(k, 'uk')}»)`).join(', ');
const CATEGORIES_SAID = INSTITUTION_CATEGORIES.map((c) => `${c} («${institutionName(c, 'uk')}»)`).join(', ');

const ID_RE = /^[a-z0-9][a-z0-9_-]*$/;

/** What of the config a file is read against: what its rows may name and must not repeat. */
export interface InventoryContext {
  villages: readonly { id: string; name: string }[];
  devices: readonly { id: string; name?: string | undefined; village: string }[];
  providers: readonly { id: string; name: string }[];
  credentials: readonly string[];
}

export function contextOf(config: Config): InventoryContext {
  return {
    villages: config.villages.map((v) => ({ id: v.id, name: v.name })),
    devices: config.villages.flatMap((v) => v.devices.map((d) => ({ id: d.id, name: d.name, village: v.id }))),
    providers: config.providers.map((p) => ({ id: p.id, name: p.name })),
    credentials: Object.keys(config.snmp_credentials),
  };
}

/** A mistake of the file: its line, and the column as its header writes it (none for the row as a whole). */
export interface RowProblem {
  line: number;
  column?: string;
  message: string;
}

/** `schools.csv:7 host: is not a valid IPv4 address (four numbers 0-255)`. */
export function formatRowProblem(file: string, p: RowProblem): string {
  return `${file}:${p.line}${p.column === undefined ? '' : ` ${p.column}`}: ${p.message}`;
}

/** A village the file adds: a name no village of the config has. */
export interface ImportedVillage {
  id: string;
  name: string;
  /** The first row naming it. */
  line: number;
  /** That row's header of the village column. */
  column: string;
}

export interface ImportedDevice {
  line: number;
  /** The id of its village, of the config or added. */
  village: string;
  /** The device as the config writes it. */
  entry: Entry;
  /** The header (as written) that each key came from, by path: `host`, `snmp.credential`, `id` (the id or the name column). */
  columns: Record<string, string>;
}

export interface InventoryFile {
  encoding: SpreadsheetEncoding;
  delimiter: CsvDelimiter;
  /** Rows of data: the records after the header that are not empty. */
  rows: number;
  villages: ImportedVillage[];
  devices: ImportedDevice[];
  /** Every mistake, by line; nothing is to be imported while there is one. */
  problems: RowProblem[];
}

/** "read schools.csv as Windows-1251, ';'-separated, 37 rows". */
export function describeRead(file: string, read: Pick<InventoryFile, 'encoding' | 'delimiter' | 'rows'>): string {
  return `read ${file} as ${read.encoding}, '${read.delimiter}'-separated, ${read.rows} ${read.rows === 1 ? 'row' : 'rows'}`;
}

/** Reads a spreadsheet's bytes: the encoding and the separator found, then `readInventoryCsv`. */
export function readInventorySpreadsheet(bytes: Uint8Array, context: InventoryContext): InventoryFile | { problem: string } {
  const decoded = decodeSpreadsheet(bytes);
  if ('problem' in decoded) return decoded;
  return { encoding: decoded.encoding, ...readInventoryCsv(decoded.text, context) };
}

/** Reads the text of an inventory CSV file against the config it is to join; the separator is found from the header. */
export function readInventoryCsv(text: string, context: InventoryContext): Omit<InventoryFile, 'encoding'> {
  const delimiter = sniffDelimiter(text);
  const csv = readCsv(text, { delimiter });
  const problems: RowProblem[] = csv.problems.map((p) => ({ line: p.line, message: p.message }));
  const empty = { delimiter, rows: 0, villages: [], devices: [] };
  const [headerRecord, ...records] = csv.records;
  if (headerRecord === undefined) {
    if (problems.length === 0) problems.push({ line: 1, message: 'the file is empty: it needs a header line and a row per device' });
    return { ...empty, problems };
  }
  const data = records.filter((r) => r.fields.some((f) => f.trim() !== ''));
  const header = readHeader(headerRecord.fields, headerRecord.line, data, problems);
  if (header === undefined) return { ...empty, rows: data.length, problems: problems.sort((a, b) => a.line - b.line) };
  if (data.length === 0 && problems.length === 0) {
    problems.push({ line: headerRecord.line, message: 'there are no rows under the header: nothing to import' });
  }
  const reader = new Reader(header, context, delimiter, problems);
  for (const record of data) reader.row(record.line, record.fields);
  const { villages, devices } = reader.finish();
  return { delimiter, rows: data.length, villages, devices, problems: sortProblems(problems, header) };
}

interface Header {
  /** The field index of each column present. */
  index: Map<InventoryColumn, number>;
  /** Each field's header as written. */
  names: string[];
}

const REQUIRED: [InventoryColumn, string][] = [
  ['village', 'село'],
  ['host', 'адреса'],
];

function readHeader(fields: string[], line: number, data: { fields: string[] }[], problems: RowProblem[]): Header | undefined {
  const names = fields.map((f) => f.trim());
  const index = new Map<InventoryColumn, number>();
  const before = problems.length;
  const known = [...HEADER_OF.keys()];
  names.forEach((name, i) => {
    if (name === '') {
      // A column without a header is fine while it is empty, as spreadsheets leave them at the edge.
      if (data.some((r) => (r.fields[i] ?? '').trim() !== '')) {
        problems.push({ line, message: `column ${i + 1} has no header, but rows have values in it: name it or remove it` });
      }
      return;
    }
    const column = columnOf(name);
    if (column === 'note') return;
    if (column === undefined) {
      const near = suggest(headerWord(name), known);
      problems.push({
        line,
        column: name,
        message:
          `unknown column${near === undefined ? '' : ` (did you mean "${near}"?)`}; the columns are ${INVENTORY_COLUMNS.join(', ')} ` +
          '(or their Ukrainian names, see merezha inventory --help), and remarks may go in a column "примітка"',
      });
      return;
    }
    const taken = index.get(column);
    if (taken !== undefined) {
      problems.push({ line, column: name, message: `is the same column as "${names[taken]}"` });
      return;
    }
    index.set(column, i);
  });
  for (const [column, uk] of REQUIRED) {
    if (!index.has(column)) problems.push({ line, message: `the header has no ${column} column («${uk}»)` });
  }
  if (!index.has('name') && !index.has('id')) problems.push({ line, message: 'the header has no name column («назва»), nor an id column' });
  return problems.length > before ? undefined : { index, names };
}

function sortProblems(problems: RowProblem[], header: Header): RowProblem[] {
  const at = (p: RowProblem) => (p.column === undefined ? -1 : header.names.indexOf(p.column));
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => a.p.line - b.p.line || at(a.p) - at(b.p) || a.i - b.i)
    .map(({ p }) => p);
}

/** A row on its way to a device: what is known of it after the first pass. */
interface Draft {
  line: number;
  village: string | undefined;
  id: string | undefined;
  /** The column its id came from: id, or name when it was made from the name. */
  idColumn: InventoryColumn;
  name: string | undefined;
  parent: string;
  entry: Entry;
  failed: boolean;
}

class Reader {
  private readonly drafts: Draft[] = [];
  private readonly newVillages = new Map<string, ImportedVillage>();
  private readonly villageIds = new Map<string, string>();
  private readonly villageNames = new Map<string, string[]>();

  constructor(
    private readonly header: Header,
    private readonly context: InventoryContext,
    private readonly delimiter: CsvDelimiter,
    private readonly problems: RowProblem[],
  ) {
    for (const v of context.villages) {
      this.villageIds.set(v.id, v.name);
      for (const key of nameKeys(v.name)) this.villageNames.set(key, [...(this.villageNames.get(key) ?? []), v.id]);
    }
  }

  /** The header of a column as the file writes it, or the column's own name when the file has none. */
  private columnName(column: InventoryColumn): string {
    const i = this.header.index.get(column);
    return i === undefined ? column : this.header.names[i]!;
  }

  row(line: number, fields: string[]): void {
    const get = (column: InventoryColumn) => {
      const i = this.header.index.get(column);
      return i === undefined ? '' : (fields[i] ?? '').replace(/\s+/g, ' ').trim();
    };
    const has = (column: InventoryColumn) => get(column) !== '';
    let failed = false;
    const fail = (column: InventoryColumn | undefined, message: string) => {
      failed = true;
      this.problems.push({ line, ...(column === undefined ? {} : { column: this.columnName(column) }), message });
    };

    const width = this.header.names.length;
    if (fields.length > width && fields.slice(width).some((f) => f.trim() !== '')) {
      fail(
        undefined,
        `has ${fields.length} values, the header has ${width} columns (a value holding "${this.delimiter}" must be in double quotes)`,
      );
    }

    const village = this.village(get('village'), line, fail);
    const name = get('name') || undefined;
    let id: string | undefined;
    let idColumn: InventoryColumn = 'id';
    if (has('id')) {
      id = get('id');
      if (!ID_RE.test(id)) {
        fail('id', `must be lower-case letters, digits, "-" or "_", starting with a letter or digit (got "${id}")`);
        id = undefined;
      }
    } else if (name !== undefined) {
      idColumn = 'name';
      id = slugId(name);
      if (id === '') {
        fail('name', 'has no letter or digit to make an id of: give the row an id (an id column)');
        id = undefined;
      }
    } else fail(this.header.index.has('name') ? 'name' : 'id', 'is empty: a device needs a name (or an id)');

    const entry: Entry = {};
    if (id !== undefined) entry.id = id;
    if (name !== undefined) entry.name = name;

    const kind = this.kind(get('kind'), has('category'), fail);
    if (kind !== undefined) entry.kind = kind;

    if (has('category')) {
      const category = CATEGORIES.get(norm(get('category')));
      if (category === undefined) fail('category', `must be one of: ${CATEGORIES_SAID} (got "${get('category')}")`);
      else if (kind !== undefined && kind !== 'institution') fail('category', `only applies to kind institution, not ${kind}`);
      else entry.category = category;
    } else if (kind === 'institution') {
      fail('category', `is empty: an institution needs its category, one of: ${CATEGORIES_SAID}`);
    }

    if (has('vendor')) {
      const vendor = VENDORS.get(norm(get('vendor')).replace(/[\s_-]+/g, ' '));
      const forKind = isPowerVendor(vendor) ? 'ups' : 'wifi';
      if (vendor === undefined) fail('vendor', `must be one of: ${DEVICE_VENDORS.join(', ')} (got "${get('vendor')}")`);
      else if (kind !== undefined && kind !== forKind) fail('vendor', `${vendor} only applies to kind ${forKind}, not ${kind}`);
      else {
        entry.vendor = vendor;
        if (!has('credential'))
          fail(
            'vendor',
            forKind === 'ups'
              ? `needs SNMP to read the UPS's power (${vendor}): fill in the credential`
              : `needs SNMP to read the clients of a ${vendor} access point: fill in the credential`,
          );
        if (vendor === 'generic' && !has('clients_oid'))
          fail('vendor', 'generic needs the OID of its client count in a clients_oid column');
      }
    } else if (kind === 'ups') {
      fail(
        this.header.index.has('vendor') ? 'vendor' : 'kind',
        `a UPS needs its vendor in a vendor column, one of: ${POWER_VENDORS.join(', ')}`,
      );
    }
    if (has('clients_oid')) {
      const oid = deviceSchema.shape.clients_oid.safeParse(get('clients_oid'));
      if (!oid.success) fail('clients_oid', oid.error.issues[0]!.message);
      else if (entry.vendor !== undefined && entry.vendor !== 'generic') fail('clients_oid', 'only applies with vendor generic');
      else entry.clients_oid = get('clients_oid');
    }

    if (has('host')) {
      const host = deviceSchema.shape.host.safeParse(get('host'));
      if (host.success) entry.host = get('host');
      else fail('host', host.error.issues[0]!.message);
    } else fail('host', 'is empty: a device needs the address it is pinged and polled at');

    if (has('provider')) {
      const provider = this.provider(get('provider'));
      if (typeof provider === 'string') entry.provider = provider;
      else fail('provider', provider.problem);
    }

    const snmp = this.snmp(get, has, fail);
    if (snmp !== undefined) entry.snmp = snmp;

    if (has('bandwidth_mbps')) {
      const mbps = parseMbps(get('bandwidth_mbps'));
      if (typeof mbps === 'number') entry.bandwidth_mbps = mbps;
      else fail('bandwidth_mbps', mbps.problem);
    }
    if (has('installed')) {
      const date = parseDate(get('installed'));
      if (typeof date === 'string') entry.installed = date;
      else fail('installed', date.problem);
    }
    if (has('public')) {
      const yes = parseYesNo(get('public'));
      if (yes === undefined) fail('public', `must be так or ні (yes or no, true or false, 1 or 0; got "${get('public')}")`);
      else entry.public = yes;
    }

    if (has('power_group')) {
      const group = get('power_group')
        .replace(',', '.')
        .replace(/^(?:черга|queue|група)\s*/i, '');
      if (isPowerGroup(group)) entry.power_group = group;
      else fail('power_group', `must be a blackout queue 1.1 … 6.2, e.g. 3.1 (got "${get('power_group')}")`);
    }
    let point = false;
    if (has('invincibility_point')) {
      const yes = parseYesNo(get('invincibility_point'));
      if (yes === undefined) fail('invincibility_point', `must be так or ні (yes or no; got "${get('invincibility_point')}")`);
      else if (yes) entry.invincibility_point = point = true;
    }
    for (const [column, words, ids] of [
      ['backup_power', BACKUP_POWERS, BACKUP_POWER],
      ['backup_link', BACKUP_LINKS_BY_WORD, BACKUP_LINKS],
    ] as const) {
      if (!has(column)) continue;
      const value = words.get(norm(get(column)));
      if (value === undefined) fail(column, `must be one of: ${ids.join(', ')} (got "${get(column)}")`);
      else if (!point) fail(column, 'only applies to an Invincibility Point: mark the row in an invincibility_point column');
      else entry[column] = value;
    }

    this.drafts.push({ line, village, id, idColumn, name, parent: get('parent'), entry, failed });
  }

  private village(text: string, line: number, fail: (c: InventoryColumn, m: string) => void): string | undefined {
    if (text === '') {
      fail('village', 'is empty: name the village (as in the config, or a new one to add)');
      return undefined;
    }
    if (this.villageIds.has(text)) return text;
    for (const key of nameKeys(text)) {
      const found = this.villageNames.get(key);
      if (found?.length === 1) return found[0];
      if (found && found.length > 1) {
        fail('village', `"${text}" is the name of several villages (${found.join(', ')}): write the id of one`);
        return undefined;
      }
    }
    const added = this.newVillages.get(nameKeys(text).at(-1)!);
    if (added) return added.id;
    if (ID_RE.test(text)) {
      const near = suggest(text, [...this.villageIds.keys()]);
      fail('village', `no village "${text}" in the config${near ? ` (did you mean "${near}"?)` : ''}; to add a village, write its name`);
      return undefined;
    }
    const id = slugId(withoutSettlementPrefix(text));
    if (id === '') {
      fail('village', `cannot make a village id of "${text}": write the name of the village`);
      return undefined;
    }
    const holder = this.villageIds.get(id) ?? [...this.newVillages.values()].find((v) => v.id === id)?.name;
    if (holder !== undefined) {
      fail('village', `a new village "${text}" would get the id "${id}" of the village «${holder}»: write "${id}" to add the device there`);
      return undefined;
    }
    this.newVillages.set(nameKeys(text).at(-1)!, { id, name: text, line, column: this.columnName('village') });
    return id;
  }

  private kind(text: string, hasCategory: boolean, fail: (c: InventoryColumn, m: string) => void): DeviceKind | undefined {
    if (text === '') {
      // A row with a category can only be an institution.
      if (hasCategory) return 'institution';
      fail('kind', `is empty: a device is one of: ${KINDS_SAID}`);
      return undefined;
    }
    const kind = KINDS.get(norm(text));
    if (kind === undefined) fail('kind', `must be one of: ${KINDS_SAID} (got "${text}")`);
    return kind;
  }

  private provider(text: string): string | { problem: string } {
    const { providers } = this.context;
    if (providers.some((p) => p.id === text)) return text;
    const byName = providers.filter((p) => nameKeys(p.name).some((k) => nameKeys(text).includes(k)));
    if (byName.length === 1) return byName[0]!.id;
    const near = suggest(
      text,
      providers.map((p) => p.id),
    );
    const list = providers.map((p) => `${p.id} («${p.name}»)`).join(', ');
    return {
      problem:
        `unknown provider "${text}"${near ? ` (did you mean "${near}"?)` : ''}: ` +
        (providers.length ? `the config's providers are ${list}` : 'the config lists no providers') +
        '; add a new one to providers: in the config first',
    };
  }

  private snmp(
    get: (c: InventoryColumn) => string,
    has: (c: InventoryColumn) => boolean,
    fail: (c: InventoryColumn, m: string) => void,
  ): Entry | undefined {
    const snmp: Entry = {};
    if (has('credential')) {
      const { credentials } = this.context;
      const text = get('credential');
      const credential = credentials.find((c) => c === text) ?? credentials.find((c) => c.toLowerCase() === text.toLowerCase());
      if (credential === undefined) {
        const near = suggest(text, credentials);
        fail(
          'credential',
          `unknown credential "${text}"${near ? ` (did you mean "${near}"?)` : ''}: ` +
            (credentials.length ? `the config's snmp_credentials are ${credentials.join(', ')}` : 'the config has no snmp_credentials'),
        );
      } else snmp.credential = credential;
    }
    if (has('port')) {
      const port = Number(get('port'));
      if (!/^\d+$/.test(get('port')) || port < 1 || port > 65535) fail('port', `must be a UDP port, 1-65535 (got "${get('port')}")`);
      else if (!has('credential')) fail('port', 'is the SNMP port: it needs the credential too');
      else snmp.port = port;
    }
    if (has('interface')) {
      const text = get('interface');
      if (!has('credential')) fail('interface', 'is read over SNMP: it needs the credential too');
      // A number is the ifIndex, anything else its ifName or ifDescr.
      else snmp.interface = /^\d+$/.test(text) && Number(text) >= 1 ? Number(text) : text;
    }
    return snmp.credential === undefined ? undefined : snmp;
  }

  /** Ids, parents and loops across rows; the villages and devices of a clean file. */
  finish(): { villages: ImportedVillage[]; devices: ImportedDevice[] } {
    const existing = new Map(this.context.devices.map((d) => [d.id, d]));
    const firstLine = new Map<string, number>();
    for (const d of this.drafts) {
      if (d.id === undefined) continue;
      const fail = (message: string) => {
        d.failed = true;
        this.problems.push({ line: d.line, column: this.columnName(d.idColumn), message });
      };
      const made = d.idColumn === 'name' ? `makes the id "${d.id}", which ` : `"${d.id}" `;
      const remedy = d.idColumn === 'name' ? ': give the row an id (an id column) or a more specific name' : '';
      const holder = existing.get(d.id);
      const earlier = firstLine.get(d.id);
      if (holder !== undefined) {
        const where = `«${this.villageIds.get(holder.village) ?? holder.village}»`;
        fail(`${made}is already a device of the config (in ${where}; this import only adds devices)${remedy}`);
      } else if (earlier !== undefined) fail(`${made}is also the id of the device on line ${earlier}; ids are unique${remedy}`);
      else firstLine.set(d.id, d.line);
    }

    // Parents may be devices of the config or rows of the file, by id or by name.
    const named = new Map<string, Set<string>>();
    const addName = (name: string | undefined, id: string) => {
      if (name !== undefined) for (const key of nameKeys(name)) named.set(key, (named.get(key) ?? new Set()).add(id));
    };
    for (const d of this.context.devices) addName(d.name, d.id);
    for (const d of this.drafts) if (d.id !== undefined && firstLine.get(d.id) === d.line) addName(d.name, d.id);
    const known = new Set([...existing.keys(), ...firstLine.keys()]);
    const parentOf = new Map<string, string>();
    for (const d of this.drafts) {
      if (d.parent === '') continue;
      const fail = (message: string) => {
        d.failed = true;
        this.problems.push({ line: d.line, column: this.columnName('parent'), message });
      };
      const parent = resolveDevice(d.parent, known, named);
      if (typeof parent !== 'string') fail(parent.problem);
      else if (parent === d.id) fail('a device cannot be its own parent');
      else {
        d.entry.parent = parent;
        if (d.id !== undefined) parentOf.set(d.id, parent);
      }
    }
    // Devices of the config cannot have a parent in the file, so a loop is made of rows alone.
    for (const d of this.drafts) {
      const chain = d.id === undefined ? undefined : parentLoop(d.id, parentOf);
      if (chain && chain.at(-1) === d.id) {
        d.failed = true;
        this.problems.push({ line: d.line, column: this.columnName('parent'), message: `parents form a loop: ${chain.join(' → ')}` });
      }
    }

    const devices = this.drafts
      .filter((d) => !d.failed && d.village !== undefined)
      .map((d) => ({ line: d.line, village: d.village!, entry: d.entry, columns: this.columnsOf(d) }));
    return { villages: [...this.newVillages.values()], devices };
  }

  private columnsOf(d: Draft): Record<string, string> {
    const columns: Record<string, string> = {};
    for (const column of this.header.index.keys()) {
      const key = column === 'credential' || column === 'port' || column === 'interface' ? `snmp.${column}` : column;
      columns[key] = this.columnName(column);
    }
    columns.id = this.columnName(d.idColumn);
    if (columns['snmp.credential'] !== undefined) columns.snmp = columns['snmp.credential'];
    return columns;
  }
}

/** A candidate `text` may have meant: one near enough to be a typo, else the only one that starts with it. */
function suggest(text: string, candidates: readonly string[]): string | undefined {
  const near = closest(text, candidates);
  if (near !== undefined || text.length < 3) return near;
  const starting = candidates.filter((c) => c.toLowerCase().startsWith(text.toLowerCase()));
  return starting.length === 1 ? starting[0] : undefined;
}

/** The keys a name is matched by: as written, and without a leading «с.», «село», «смт», «м.». */
function nameKeys(name: string): string[] {
  const plain = norm(name);
  const bare = norm(withoutSettlementPrefix(name));
  return bare === plain ? [plain] : [plain, bare];
}

function withoutSettlementPrefix(name: string): string {
  return name.replace(/^\s*(?:с\.|село|смт\.?|селище|м\.|місто)\s*/iu, '');
}

function resolveDevice(
  text: string,
  known: ReadonlySet<string>,
  named: ReadonlyMap<string, ReadonlySet<string>>,
): string | { problem: string } {
  if (known.has(text)) return text;
  for (const key of nameKeys(text)) {
    const ids = named.get(key);
    if (ids?.size === 1) return [...ids][0]!;
    if (ids && ids.size > 1) return { problem: `"${text}" is the name of several devices (${[...ids].join(', ')}): write the id of one` };
  }
  const slug = slugId(text);
  if (known.has(slug)) return slug;
  const near = suggest(text, [...known]);
  return {
    problem: `unknown device "${text}"${near ? ` (did you mean "${near}"?)` : ''}: a parent is a device of the config or a row of this file`,
  };
}

/** 100, 100.5, 100,5 (a decimal comma), 1 000 (spaces between thousands), with or without "Мбіт/с". */
export function parseMbps(text: string): number | { problem: string } {
  const bare = text.replace(/[\s\u00a0\u202f]+/g, '').replace(/(?:мбіт\/с|мбит\/с|мб\/с|mbit\/s|mbps|mb\/s)$/i, '');
  const mbps = /^\d+(?:[.,]\d+)?$/.test(bare) ? Number(bare.replace(',', '.')) : NaN;
  if (Number.isNaN(mbps)) return { problem: `must be a speed in Mbit/s, e.g. 100 or 100,5 (got "${text}")` };
  if (mbps <= 0) return { problem: `must be greater than 0 (got "${text}")` };
  return mbps;
}

/** 2026-01-05 or 05.01.2026 (also 5.1.2026), as YYYY-MM-DD; a date the calendar has. */
export function parseDate(text: string): string | { problem: string } {
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const dotted = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(text);
  const parts = iso ? [iso[1], iso[2], iso[3]] : dotted ? [dotted[3], dotted[2], dotted[1]] : undefined;
  if (parts === undefined) return { problem: `must be a date as 2026-01-05 or 05.01.2026 (got "${text}")` };
  const [y, m, d] = parts.map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) {
    return { problem: `is not a real date (got "${text}")` };
  }
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

function parseYesNo(text: string): boolean | undefined {
  const word = norm(text);
  if (['так', 'yes', 'y', 'true', '1', '+', 'т'].includes(word)) return true;
  if (['ні', 'no', 'n', 'false', '0', '-', 'н'].includes(word)) return false;
  return undefined;
}

/**
 * The edited config, or where the edit went wrong: `rows`, the problems the
 * loader found in what a row added, pointed back at the row; `other`, those
 * that are no row's, as `<config file>: <path>: <message>`.
 */
export type InventoryApplied = { ok: true; config: Config } | { ok: false; rows: RowProblem[]; other: string[] };

/**
 * Adds the file's villages and devices to the document and checks the whole
 * edited text as the loader checks it at start and on reload. Each problem
 * the loader finds at an added device or village is told at its row and
 * column; anything else names the config file. The document is edited only
 * in memory: saving is the caller's.
 */
export function applyInventory(
  doc: InventoryDocument,
  read: Pick<InventoryFile, 'villages' | 'devices'>,
  env: Env = process.env,
): InventoryApplied {
  const rows: RowProblem[] = [];
  for (const v of read.villages) {
    try {
      doc.addVillage({ id: v.id, name: v.name });
    } catch (err) {
      if (!(err instanceof InventoryEditError)) throw err;
      rows.push({ line: v.line, column: v.column, message: err.message });
    }
  }
  for (const d of read.devices) {
    try {
      doc.addDevice(d.village, d.entry);
    } catch (err) {
      if (!(err instanceof InventoryEditError)) throw err;
      rows.push({ line: d.line, column: d.columns.id, message: err.message });
    }
  }
  if (rows.length > 0) return { ok: false, rows, other: [] };

  const checked = doc.check(env);
  if (checked.ok) return { ok: true, config: checked.config };

  const at = new Map<string, { line: number; columns: Record<string, string>; village?: string }>();
  for (const v of read.villages) {
    const path = doc.pathOf('village', v.id);
    if (path) at.set(JSON.stringify(path), { line: v.line, columns: { id: v.column, name: v.column }, village: v.column });
  }
  for (const d of read.devices) {
    const path = typeof d.entry.id === 'string' ? doc.pathOf('device', d.entry.id) : undefined;
    if (path) at.set(JSON.stringify(path), { line: d.line, columns: d.columns });
  }
  const other: string[] = [];
  checked.problems.forEach((problem, i) => {
    const found = ownerOf(problem.path, at);
    if (found === undefined) {
      other.push(problem.path.length > 0 ? `${doc.file}: ${formatPath(problem.path)}: ${problem.message}` : checked.errors[i]!);
      return;
    }
    const { row, key } = found;
    const column =
      [key, key.split('.')[0]!, ...(NEAREST_COLUMN[key] ?? [])].map((k) => row.columns[k]).find((c) => c !== undefined) ??
      (key || undefined);
    rows.push({ line: row.line, ...(column === undefined ? {} : { column }), message: problem.message });
  });
  return { ok: false, rows: rows.sort((a, b) => a.line - b.line), other };
}

/** Where a problem at a key of a device is shown when the file has no column of that key. */
const NEAREST_COLUMN: Record<string, readonly string[]> = {
  snmp: ['vendor', 'clients_oid'],
  clients_oid: ['vendor'],
  ping: ['host'],
};

/** The added entry a problem's path is in (the longest path of one that starts it), and the rest of the path as a key. */
function ownerOf<T>(path: ConfigPath, at: ReadonlyMap<string, T>): { row: T; key: string } | undefined {
  for (let n = Math.min(path.length, 4); n >= 2; n -= 2) {
    const row = at.get(JSON.stringify(path.slice(0, n)));
    if (row !== undefined) return { row, key: path.slice(n).join('.') };
  }
  return undefined;
}
