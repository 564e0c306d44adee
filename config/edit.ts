/**
 * Edits the inventory of hromada.yaml (villages, their devices, services) the
 * way a person would: in the file as written, changing only the lines of the
 * entries edited. Every other byte stays: comments, blank lines, key order,
 * quoting, flow or block style, `${VAR}` references.
 *
 * The yaml library's Document API finds the nodes and their source ranges;
 * the edits are then made to the text itself, because printing a Document
 * again re-indents comments and re-wraps flow mappings. After each edit the
 * text is parsed again, so every edit sees the file as it now is.
 *
 * The dashboard's inventory page and `merezha inventory import` both edit
 * through this, then `check` the whole new text with the loader (so an edit is
 * held to exactly the rules of a file written by hand) and `save` it: the
 * previous file is kept beside it under a timestamped name, the new one
 * replaces it in one rename, and a file changed on disk since it was read is
 * not overwritten. Applying the saved file to a running Merezha is the
 * reload's job, not this module's.
 */
import { createHash } from 'node:crypto';
import { chown, copyFile, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Document, isMap, isScalar, isSeq, parseDocument, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import { z } from 'zod';
import { parseDuration } from './duration.ts';
import { expandEnv, hasReference, type Env } from './env.ts';
import { ConfigError, parseConfig, type ConfigProblem } from './load.ts';
import { deviceSchema, serviceSchema, villageSchema, type Config } from './schema.ts';
import type { ConfigPath } from './yaml-source.ts';

export type InventoryEntity = 'village' | 'device' | 'service';

/** A plain entry as the config writes it: the YAML keys and their values. */
export type Entry = Record<string, unknown>;

/** An edit that cannot be made as asked: an unknown id (404), an id taken or a village not empty (409). */
export class InventoryEditError extends Error {
  override readonly name = 'InventoryEditError';

  constructor(
    message: string,
    readonly status: 404 | 409,
  ) {
    super(message);
  }
}

/** The file changed on disk since it was read: saving would overwrite someone else's edit. */
export class VersionConflictError extends Error {
  override readonly name = 'VersionConflictError';

  constructor(readonly file: string) {
    super(`${file} was changed since it was read; read it again and repeat the edit`);
  }
}

export type InventoryCheck = { ok: true; config: Config } | { ok: false; errors: string[]; problems: ConfigProblem[] };

/** How many timestamped copies of earlier versions are kept beside the file. */
export const KEPT_COPIES = 20;

/** The order in which keys of a new entry are written, as config/example.yaml writes them. */
const KEY_ORDER: Record<InventoryEntity, readonly string[]> = {
  village: ['id', 'name', 'population', 'location', 'devices'],
  device: [
    'id',
    'name',
    'kind',
    'category',
    'vendor',
    'clients_oid',
    'host',
    'provider',
    'parent',
    'bandwidth_mbps',
    'installed',
    'snmp',
    'ping',
    'public',
  ],
  service: ['id', 'name', 'url', 'tcp', 'expect_status', 'tls_verify', 'interval', 'timeout', 'public'],
};

const SCHEMAS: Record<InventoryEntity, z.ZodObject> = { village: villageSchema, device: deviceSchema, service: serviceSchema };

/** The version of a file's text: what `save` compares to detect an edit made meanwhile. */
export function versionOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** One change to the text: `[start, end)` becomes `text`. */
interface Splice {
  start: number;
  end: number;
  text: string;
}

export class InventoryDocument {
  private text: string;
  private doc: Document.Parsed;

  private constructor(
    readonly file: string,
    text: string,
    /** The version of the text this document was read from. */
    readonly version: string,
  ) {
    this.text = text;
    this.doc = InventoryDocument.parseText(text, file);
  }

  static async read(file: string): Promise<InventoryDocument> {
    return InventoryDocument.parse(await readFile(file, 'utf8'), file);
  }

  /** Throws a `ConfigError` for text that is not YAML a config could be. */
  static parse(text: string, file: string): InventoryDocument {
    return new InventoryDocument(file, text, versionOf(text));
  }

  private static parseText(text: string, file: string): Document.Parsed {
    const doc = parseDocument(text, { uniqueKeys: false });
    const [syntax] = doc.errors;
    if (syntax) throw new ConfigError([`${file}: YAML syntax error: ${syntax.message.split('\n')[0]}`]);
    if (!isMap(doc.contents)) throw new ConfigError([`${file}: the config file does not hold a mapping of settings`]);
    return doc;
  }

  toString(): string {
    return this.text;
  }

  toJS(): unknown {
    return this.doc.toJS();
  }

  /** The data path of an entry (`['villages', 1, 'devices', 0]`), or undefined when there is none with that id. */
  pathOf(entity: InventoryEntity, id: string): ConfigPath | undefined {
    if (entity === 'village') {
      const at = this.villages().items.findIndex((v) => idOf(v) === id);
      return at === -1 ? undefined : ['villages', at];
    }
    if (entity === 'service') {
      const at = seqAt(this.root(), 'services')?.items.findIndex((s) => idOf(s) === id) ?? -1;
      return at === -1 ? undefined : ['services', at];
    }
    for (const [vi, village] of this.villages().items.entries()) {
      const at = seqAt(village, 'devices')?.items.findIndex((d) => idOf(d) === id) ?? -1;
      if (at !== -1) return ['villages', vi, 'devices', at];
    }
    return undefined;
  }

  addVillage(village: Entry): void {
    this.refuseTaken('village', village.id);
    this.apply(this.appendItems(pairOf(this.root(), 'villages')!, [this.tidy('village', village)]));
  }

  /** Replaces the village's own keys; its devices stay as they are. */
  updateVillage(id: string, village: Entry): void {
    const node = this.village(id);
    if (village.id !== id) this.refuseTaken('village', village.id);
    const { devices: _devices, ...own } = village;
    this.apply(this.mergeEntry(node, own, 'village', ['devices']));
  }

  /** Refuses while the village still has devices: they would go with it unseen. */
  removeVillage(id: string): void {
    const node = this.village(id);
    const count = seqAt(node, 'devices')?.items.length ?? 0;
    if (count > 0) throw new InventoryEditError(`village "${id}" still has ${count} device(s): move or remove them first`, 409);
    this.apply([this.itemCut(this.villages(), node)]);
  }

  addDevice(villageId: string, device: Entry): void {
    const village = this.village(villageId);
    this.refuseTaken('device', device.id);
    this.apply(this.appendTo(village, 'devices', this.tidy('device', device)));
  }

  /** Replaces the device's keys with `device`'s; with `villageId` of another village it moves there. */
  updateDevice(id: string, device: Entry, villageId?: string): void {
    if (device.id !== id) this.refuseTaken('device', device.id);
    const target = villageId === undefined ? undefined : this.village(villageId);
    this.apply(this.mergeEntry(this.device(id).node, device, 'device'));
    const newId = typeof device.id === 'string' ? device.id : id;
    const { village, node } = this.device(newId);
    if (target === undefined || idOf(village) === villageId) return;
    // Moved as written, comments and all: cut from one list, written into the other.
    const dash = this.dashOf(node);
    const cut = this.itemCut(seqAt(village, 'devices')!, node);
    const moved = reindent(this.text.slice(this.lineStart(dash), cut.end), this.column(dash), 0);
    const entry = node.toJSON() as Entry;
    this.apply([cut]);
    this.apply(this.appendRaw(this.village(villageId!), 'devices', moved, entry));
  }

  removeDevice(id: string): void {
    const { village, node } = this.device(id);
    this.apply([this.itemCut(seqAt(village, 'devices')!, node)]);
  }

  addService(service: Entry): void {
    this.refuseTaken('service', service.id);
    const entry = this.tidy('service', service);
    const services = pairOf(this.root(), 'services');
    if (services) this.apply(this.appendItems(services, [entry]));
    else this.apply([this.pairAfter(this.root(), 'villages', 'services', [entry])]);
  }

  updateService(id: string, service: Entry): void {
    const node = this.service(id);
    if (service.id !== id) this.refuseTaken('service', service.id);
    this.apply(this.mergeEntry(node, service, 'service'));
  }

  removeService(id: string): void {
    this.apply([this.itemCut(seqAt(this.root(), 'services')!, this.service(id))]);
  }

  /** Validates the edited text exactly as the loader validates the file at start and on reload. */
  check(env: Env = process.env): InventoryCheck {
    try {
      return { ok: true, config: parseConfig(this.text, this.file, env) };
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      return { ok: false, errors: err.errors, problems: err.problems };
    }
  }

  /**
   * Writes the edited text over the file, keeping the previous one as
   * `<file>.<timestamp>.bak` (the newest KEPT_COPIES are kept). Refuses with a
   * `VersionConflictError` when the file on disk is no longer the one read.
   */
  async save(now = new Date()): Promise<{ version: string; copy: string }> {
    const current = await readFile(this.file, 'utf8');
    if (versionOf(current) !== this.version) throw new VersionConflictError(this.file);
    const copy = `${this.file}.${stamp(now)}.bak`;
    await copyFile(this.file, copy);
    await replaceFile(this.file, this.text);
    await pruneCopies(this.file);
    return { version: versionOf(this.text), copy };
  }

  // ---- finding entries ----

  private root(): YAMLMap {
    return this.doc.contents as YAMLMap;
  }

  private villages(): YAMLSeq {
    const villages = seqAt(this.root(), 'villages');
    if (!villages) throw new InventoryEditError('the config has no list of villages', 404);
    return villages;
  }

  private village(id: string): YAMLMap {
    const node = this.villages().items.find((v) => idOf(v) === id);
    if (!isMap(node)) throw new InventoryEditError(`no village "${id}"`, 404);
    return node;
  }

  private device(id: string): { village: YAMLMap; node: YAMLMap } {
    for (const village of this.villages().items) {
      const node = seqAt(village, 'devices')?.items.find((d) => idOf(d) === id);
      if (isMap(node) && isMap(village)) return { village, node };
    }
    throw new InventoryEditError(`no device "${id}"`, 404);
  }

  private service(id: string): YAMLMap {
    const node = seqAt(this.root(), 'services')?.items.find((s) => idOf(s) === id);
    if (!isMap(node)) throw new InventoryEditError(`no service "${id}"`, 404);
    return node;
  }

  private refuseTaken(entity: InventoryEntity, id: unknown): void {
    if (typeof id === 'string' && this.pathOf(entity, id)) throw new InventoryEditError(`there is already a ${entity} "${id}"`, 409);
  }

  // ---- making splices ----

  private apply(splices: Splice[]): void {
    // From the end backwards, so that each splice's offsets still hold; at one offset, in the order made.
    const ordered = splices.map((s, i) => ({ ...s, i })).sort((a, b) => b.start - a.start || b.i - a.i);
    let text = this.text;
    for (const s of ordered) text = text.slice(0, s.start) + s.text + text.slice(s.end);
    this.doc = InventoryDocument.parseText(text, this.file);
    this.text = text;
  }

  /** An entry as it is written when new: keys in the usual order, values the schema defaults to left out. */
  private tidy(entity: InventoryEntity, entry: Entry): Entry {
    return tidyEntry(entry, KEY_ORDER[entity], defaultsOf(SCHEMAS[entity]));
  }

  private column(offset: number): number {
    return offset - (this.text.lastIndexOf('\n', offset - 1) + 1);
  }

  private lineStart(offset: number): number {
    return this.text.lastIndexOf('\n', offset - 1) + 1;
  }

  /** Just past the line break of the line holding `offset - 1` (the end of a node's last line, comment included). */
  private lineEndAfter(offset: number): number {
    const at = this.text.indexOf('\n', Math.max(0, offset - 1));
    return at === -1 ? this.text.length : at + 1;
  }

  /** Where a node's own content ends: its last value, not the comments and blank lines after it. */
  private contentEnd(node: Node): number {
    if (isMap(node) && !node.flow && node.items.length > 0) {
      const last = node.items.at(-1)!;
      return this.contentEnd((isNode(last.value) ? last.value : last.key) as Node);
    }
    if (isSeq(node) && !node.flow && node.items.length > 0) return this.contentEnd(node.items.at(-1) as Node);
    return node.range![1];
  }

  /** The offset of the "-" that starts a block list item: on the item's first line, or above it after comment lines (`- ## note`). */
  private dashOf(item: Node): number {
    let start = this.lineStart(item.range![0]);
    let head = this.text.slice(start, item.range![0]);
    for (;;) {
      const dash = /^(\s*)-(?:\s|$)/.exec(head);
      if (dash) return start + dash[1]!.length;
      if (start === 0) throw new Error('a list item without its "-"');
      start = this.lineStart(start - 1);
      head = this.text.slice(start, this.lineEndAfter(start + 1));
    }
  }

  /**
   * The lines of a list item, from its "-" to the end of its last value's
   * line; the last item of a list leaves `[]`, so the key still holds a list.
   */
  private itemCut(seq: YAMLSeq, item: Node): Splice {
    const end = this.lineEndAfter(this.contentEnd(item));
    if (seq.flow) return this.flowItemCut(seq, item);
    if (seq.items.length > 1) return { start: this.lineStart(this.dashOf(item)), end, text: '' };
    const colon = this.text.lastIndexOf(':', this.dashOf(item));
    return { start: colon + 1, end, text: ' []\n' };
  }

  /** An item of a flow list, with the comma that joins it to its neighbour. */
  private flowItemCut(seq: YAMLSeq, item: Node): Splice {
    const at = seq.items.indexOf(item as never);
    const next = seq.items[at + 1] as Node | undefined;
    const previous = seq.items[at - 1] as Node | undefined;
    if (next) return { start: item.range![0], end: next.range![0], text: '' };
    if (previous) return { start: previous.range![1], end: item.range![1], text: '' };
    return { start: seq.range![0], end: seq.range![1], text: '[]' };
  }

  /** Appends entries to the list under `pair`, in the list's own style. */
  private appendItems(pair: Pair, entries: Entry[]): Splice[] {
    const seq = pair.value as Node;
    if (isSeq(seq) && seq.flow && seq.items.length > 0) {
      const close = seq.range![1] - 1;
      return [{ start: close, end: close, text: entries.map((e) => `, ${renderFlow(e)}`).join('') }];
    }
    const keyColumn = this.column((pair.key as Node).range![0]);
    const lines = entries.map((e) => renderItem(e)).join('');
    return this.appendBlock(pair, lines, keyColumn);
  }

  /** Appends item text written at column 0 to the list under `key` of `parent`, creating the key when the map lacks it. */
  private appendRaw(parent: YAMLMap, key: string, itemText: string, entry: Entry): Splice[] {
    const pair = pairOf(parent, key);
    if (!pair) return [this.pairAtEnd(parent, `${key}:\n${indentLines(itemText, 2)}`)];
    // A flow list (`[{ … }, { … }]`) cannot take block lines: the entry joins it in flow style.
    if (isSeq(pair.value) && pair.value.flow && pair.value.items.length > 0) return this.appendItems(pair, [entry]);
    return this.appendBlock(pair, itemText, this.column((pair.key as Node).range![0]));
  }

  /**
   * Appends item lines written at column 0 to a block list (at its items'
   * column), or turns an empty flow list (`devices: []`) or an empty value
   * into a block list under its key.
   */
  private appendBlock(pair: Pair, lines: string, keyColumn: number): Splice[] {
    const seq = pair.value as Node | null;
    if (isSeq(seq) && !seq.flow && seq.items.length > 0) {
      const at = this.lineEndAfter(this.contentEnd(seq));
      const indent = this.column(this.dashOf(seq.items[0] as Node));
      return [{ start: at, end: at, text: ensureBreak(this.text, at) + indentLines(lines, indent) }];
    }
    // An empty list: replace `[]` (or nothing) after the key with a block list indented under it.
    const keyEnd = (pair.key as Node).range![1];
    const valueEnd = seq ? seq.range![1] : keyEnd;
    const colon = this.text.indexOf(':', keyEnd);
    return [{ start: colon + 1, end: valueEnd, text: `\n${indentLines(lines, keyColumn + 2).replace(/\n$/, '')}` }];
  }

  /** Appends `entry` to the list under `key`, creating the key when the map lacks it. */
  private appendTo(parent: YAMLMap, key: string, entry: Entry): Splice[] {
    const pair = pairOf(parent, key);
    if (pair) return this.appendItems(pair, [entry]);
    return [this.pairAtEnd(parent, renderPair(key, [entry]))];
  }

  /** A new pair written at the end of a block map (text at column 0, indented to the map's keys). */
  private pairAtEnd(map: YAMLMap, pairText: string): Splice {
    const at = this.lineEndAfter(this.contentEnd(map));
    const column = this.column((map.items[0]!.key as Node).range![0]);
    return { start: at, end: at, text: ensureBreak(this.text, at) + indentLines(pairText, column) };
  }

  /** A new top-level-style pair written right after the pair `after` (or at the end). */
  private pairAfter(map: YAMLMap, after: string, key: string, value: unknown): Splice {
    const previous = pairOf(map, after);
    if (!previous) return this.pairAtEnd(map, renderPair(key, value));
    const at = this.lineEndAfter(this.contentEnd((previous.value ?? previous.key) as Node));
    const column = this.column((previous.key as Node).range![0]);
    return { start: at, end: at, text: ensureBreak(this.text, at) + indentLines(renderPair(key, value), column) };
  }

  /**
   * Splices that make the entry `node` hold `entry`'s keys (and `keep`),
   * touching only what differs: an unchanged value keeps its text, comments
   * and quoting. A flow mapping (`{ id: …, … }`) is written again whole, in
   * flow style, on its first line.
   */
  private mergeEntry(node: YAMLMap, entry: Entry, entity: InventoryEntity, keep: string[] = []): Splice[] {
    const defaults = defaultsOf(SCHEMAS[entity]);
    if (!node.flow) return this.mergeMap(node, entry, KEY_ORDER[entity], defaults, keep);
    const wanted = tidyEntry(entry, KEY_ORDER[entity], defaults, (k) => node.has(k));
    const written = node.items.map(keyOf).filter((k) => !keep.includes(k));
    const same =
      written.length === Object.keys(wanted).length && written.every((k) => k in wanted && holds(node.get(k, true) as Node, wanted[k]));
    if (same) return [];
    // Keys stay where the file had them; new ones follow in the usual order.
    const next: Entry = {};
    for (const pair of node.items) {
      const key = keyOf(pair);
      if (keep.includes(key)) next[key] = (pair.value as Node).toJSON();
      else if (key in wanted) next[key] = holds(pair.value as Node, wanted[key]) ? (pair.value as Node).toJSON() : wanted[key];
    }
    for (const [key, value] of Object.entries(wanted)) if (!(key in next)) next[key] = value;
    return [{ start: node.range![0], end: node.range![1], text: renderFlow(next) }];
  }

  private mergeMap(node: YAMLMap, entry: Entry, order: readonly string[], defaults: Defaults, keep: string[]): Splice[] {
    const wanted = tidyEntry(entry, order, defaults, (k) => node.has(k));
    const splices: Splice[] = [];
    const firstKey = node.items[0] ? keyOf(node.items[0]) : undefined;
    for (const pair of node.items) {
      const key = keyOf(pair);
      if (keep.includes(key) || key in wanted) continue;
      // The first key shares the list item's "-" line: an entry never loses its id, so only a later key goes.
      if (key === firstKey) throw new InventoryEditError(`cannot remove "${key}", the first key of the entry`, 409);
      splices.push(this.pairCut(pair));
    }
    let insertAt: Pair | undefined;
    for (const [key, value] of Object.entries(wanted).reverse()) {
      const pair = pairOf(node, key);
      if (!pair) {
        splices.push(this.pairBefore(node, insertAt, renderPair(key, value)));
        continue;
      }
      insertAt = pair;
      const existing = pair.value as Node | null;
      if (existing && holds(existing, value)) continue;
      const nested = defaults.get(key);
      if (isMap(existing) && !existing.flow && isPlainObject(value)) {
        splices.push(...this.mergeMap(existing, value, Object.keys(value), nested instanceof Map ? nested : new Map(), []));
      } else if (isScalar(existing) || (existing && (existing as YAMLMap | YAMLSeq).flow)) {
        const rendered = isScalar(existing) && !isPlainObject(value) && !Array.isArray(value) ? renderScalar(value) : renderFlow(value);
        splices.push({ start: existing.range![0], end: existing.range![1], text: rendered });
      } else {
        // A block collection becoming something else: write the pair again where it was.
        const cut = this.pairCut(pair);
        splices.push({ ...cut, text: indentLines(renderPair(key, value), this.column((pair.key as Node).range![0])) });
      }
    }
    return splices;
  }

  /** Inserts a pair before `before` (keys are walked from the last, so this keeps the wanted order), or at the map's end. */
  private pairBefore(map: YAMLMap, before: Pair | undefined, pairText: string): Splice {
    if (!before) return this.pairAtEnd(map, pairText);
    const keyStart = (before.key as Node).range![0];
    const at = this.lineStart(keyStart);
    // Before the first key the line also holds the item's "-": go after the map instead.
    if (this.text.slice(at, keyStart).trim() !== '') return this.pairAtEnd(map, pairText);
    return { start: at, end: at, text: indentLines(pairText, this.column(keyStart)) };
  }

  /** The lines of one pair of a block map, from its key to the end of its value. */
  private pairCut(pair: Pair): Splice {
    const start = this.lineStart((pair.key as Node).range![0]);
    const value = (pair.value ?? pair.key) as Node;
    return { start, end: this.lineEndAfter(this.contentEnd(value)), text: '' };
  }
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && 'range' in value;
}

function idOf(node: unknown): string | undefined {
  if (!isMap(node)) return undefined;
  const id = node.get('id');
  return typeof id === 'string' ? id : undefined;
}

function pairOf(map: unknown, key: string): Pair | undefined {
  return isMap(map) ? (map.items.find((p) => keyOf(p) === key) as Pair | undefined) : undefined;
}

function seqAt(map: unknown, key: string): YAMLSeq | undefined {
  const value = pairOf(map, key)?.value;
  return isSeq(value) ? value : undefined;
}

function keyOf(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

type Defaults = Map<string, unknown>;

/** The values zod fills in for keys left out, nested objects included, read from the schema itself. */
function defaultsOf(schema: z.ZodObject): Defaults {
  const out: Defaults = new Map();
  for (const [key, field] of Object.entries(schema.shape)) {
    let inner = field as z.ZodType;
    while (inner instanceof z.ZodOptional) inner = inner.unwrap() as z.ZodType;
    if (inner instanceof z.ZodDefault) out.set(key, inner.def.defaultValue);
    else if (inner instanceof z.ZodObject) out.set(key, defaultsOf(inner));
  }
  return out;
}

const isPlainObject = (v: unknown): v is Entry => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * An entry's keys in `order` (others after, as given), without empty values
 * and without a value the schema defaults to, unless `written(key)` says the
 * file already has that key (then it stays, as the person wrote it).
 */
function tidyEntry(entry: Entry, order: readonly string[], defaults: Defaults, written: (key: string) => boolean = () => false): Entry {
  const rank = (key: string) => (order.includes(key) ? order.indexOf(key) : order.length);
  const keys = Object.keys(entry).sort((a, b) => rank(a) - rank(b));
  const out: Entry = {};
  for (const key of keys) {
    let value = entry[key];
    if (value === undefined || value === null) continue;
    const fallback = defaults.get(key);
    if (isPlainObject(value) && fallback instanceof Map) value = tidyEntry(value, Object.keys(value), fallback);
    else if (!written(key) && JSON.stringify(value) === JSON.stringify(fallback)) continue;
    out[key] = value;
  }
  return out;
}

/**
 * Whether a node already says `value`. A `${VAR}` reference says the value
 * it expands to: an edit made from the loaded (expanded) config must not
 * write the secret or the address it stands for into the file.
 */
function holds(node: Node, value: unknown, env: Env = process.env): boolean {
  if (isScalar(node)) {
    if (node.value === value) return true;
    if (typeof node.value !== 'string') return false;
    const text = hasReference(node.value) ? expandEnv(node.value, env).text : node.value;
    // The loaded config holds durations in milliseconds; "5m" in the file is 300000 there.
    return text === String(value) || (typeof value === 'number' && parseDuration(text) === value);
  }
  return JSON.stringify(node.toJSON()) === JSON.stringify(value);
}

const RENDER = { lineWidth: 0, flowCollectionPadding: true } as const;

/** A value as one YAML scalar (quoted when it would otherwise read as another type). */
function renderScalar(value: unknown): string {
  return new Document(value).toString({ ...RENDER, blockQuote: false }).trimEnd();
}

/** A value in flow style on one line: `{ id: a, snmp: { port: 1161 } }`. */
function renderFlow(value: unknown): string {
  const doc = new Document(value);
  if (isMap(doc.contents) || isSeq(doc.contents)) doc.contents.flow = true;
  return doc.toString({ ...RENDER, blockQuote: false }).trimEnd();
}

/** `key: value` in block style at column 0, ending with a line break. */
function renderPair(key: string, value: unknown): string {
  return new Document({ [key]: value }).toString({ ...RENDER, blockQuote: false });
}

/** `- key: value` lines of one list item at column 0, ending with a line break. */
function renderItem(entry: Entry): string {
  return new Document([entry]).toString({ ...RENDER, blockQuote: false });
}

function indentLines(text: string, column: number): string {
  const pad = ' '.repeat(column);
  return text.replace(/^(?=.)/gm, pad);
}

/** Moves lines written with their first line at `from` to start at `to`, keeping their relative indentation. */
function reindent(text: string, from: number, to: number): string {
  const lines = text.split('\n');
  return lines
    .map((line) => {
      if (line.trim() === '') return line;
      const own = line.length - line.trimStart().length;
      return ' '.repeat(Math.max(0, own - from + to)) + line.trimStart();
    })
    .join('\n');
}

/** A line break before text inserted at `at`, when the file's last line has none. */
function ensureBreak(text: string, at: number): string {
  return at > 0 && text[at - 1] !== '\n' ? '\n' : '';
}

/** 2026-12-05T193000Z: sortable, and valid in every file system's names. */
function stamp(now: Date): string {
  return now
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replaceAll(':', '');
}

/** Writes `text` to a sibling temp file with the file's mode and owner, flushes it, and renames it over `file`. */
async function replaceFile(file: string, text: string): Promise<void> {
  const { mode, uid, gid } = await stat(file);
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  const handle = await open(temp, 'w', mode & 0o7777);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  // Only root can give a file away; anyone else writes it as their own, as an editor would.
  if (process.getuid?.() === 0) await chown(temp, uid, gid);
  await rename(temp, file);
}

async function pruneCopies(file: string): Promise<void> {
  const prefix = `${basename(file)}.`;
  const copies = (await readdir(dirname(file)))
    .filter((name) => name.startsWith(prefix) && /\.\d{4}-\d{2}-\d{2}T\d{6}Z\.bak$/.test(name))
    .sort();
  for (const name of copies.slice(0, Math.max(0, copies.length - KEPT_COPIES))) await unlink(join(dirname(file), name));
}
