/**
 * The YAML text of a config file, parsed with source positions kept.
 *
 * Problems are found in the parsed data (by zod, or while expanding `${VAR}`),
 * but a person fixes them in the file: this module turns a data path such as
 * `villages[1].devices[0].snmp` back into the line to edit.
 */
import {
  isAlias,
  isCollection,
  isMap,
  isNode,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node,
  type Scalar,
  type YAMLError,
} from 'yaml';

export type ConfigPath = readonly (string | number)[];

/**
 * Which line of a path to point at: the key itself (an unknown key), its value
 * (a bad value; for a mapping or list, the line of its key), or where the
 * object at the path starts (a key missing from it: the line of the key that
 * holds it, or the first line of its list item).
 */
export type Anchor = 'key' | 'value' | 'header';

export interface LineProblem {
  line: number;
  message: string;
}

/** One child of a collection: its key node (maps only) and its value node. */
interface Child {
  key?: Node;
  value?: Node;
}

export class ConfigSource {
  private constructor(
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  static parse(text: string): ConfigSource {
    const lines = new LineCounter();
    // Duplicate keys are found by `duplicateKeys` instead, which can name the key and where it was first set.
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
    return new ConfigSource(doc, lines);
  }

  /** True when the file holds no YAML at all (nothing, or only comments). */
  get isEmpty(): boolean {
    return this.doc.contents === null;
  }

  /**
   * The first parse error only: after it the parser is guessing, and the
   * errors that follow are mostly echoes of the first. Duplicate keys are
   * reported only in a file that parsed, and all of them.
   */
  syntaxErrors(): LineProblem[] {
    const [first] = this.doc.errors;
    if (first) return [{ line: this.lines.linePos(first.pos[0]).line, message: shortReason(first) }];
    return this.duplicateKeys();
  }

  /** Every scalar that is a value (never a key), with its path. */
  *valueScalars(): Generator<{ path: ConfigPath; scalar: Scalar }> {
    for (const { path, node } of this.walk(this.doc.contents, [])) if (isScalar(node)) yield { path, scalar: node };
  }

  toJS(): unknown {
    return this.doc.toJS();
  }

  /**
   * The 1-based line for `anchor` of `path`. A path that leads past the end of
   * the document (a key that is absent) falls back to where the deepest
   * existing object starts, which is where the key belongs.
   */
  lineOf(path: ConfigPath, anchor: Anchor): number {
    let node: Node | undefined = this.doc.contents ?? undefined;
    let header = node ? this.line(node) : 1;
    for (const [i, step] of path.entries()) {
      const child = childAt(this.resolve(node), step);
      if (!child) return header;
      const keyLine = child.key ? this.line(child.key) : undefined;
      const last = i === path.length - 1;
      if (last && anchor === 'key' && keyLine !== undefined) return keyLine;
      node = child.value;
      header = keyLine ?? (node ? this.line(node) : header);
      // A block mapping or list starts on the line after its key; the key is the line to point at.
      if (last && anchor === 'value' && node) return isCollection(node) ? header : this.line(node);
    }
    return header;
  }

  private line(node: Node): number {
    return this.lines.linePos(node.range?.[0] ?? 0).line;
  }

  private resolve(node: Node | undefined): Node | undefined {
    return isAlias(node) ? (node.resolve(this.doc) ?? undefined) : node;
  }

  private *walk(node: Node | null | undefined, path: ConfigPath): Generator<{ path: ConfigPath; node: Node }> {
    if (!node) return;
    yield { path, node };
    for (const [step, child] of children(node)) yield* this.walk(child.value, [...path, step]);
  }

  private duplicateKeys(): LineProblem[] {
    const problems: LineProblem[] = [];
    for (const { node } of this.walk(this.doc.contents, [])) {
      const firstLine = new Map<string, number>();
      for (const [name, child] of isMap(node) ? children(node) : []) {
        const line = child.key ? this.line(child.key) : this.line(node);
        const first = firstLine.get(String(name));
        if (first === undefined) firstLine.set(String(name), line);
        else problems.push({ line, message: `duplicate key "${name}" (first set on line ${first})` });
      }
    }
    return problems;
  }
}

/**
 * Gives a scalar new text, typed as if that text had been written in the
 * file: unquoted numbers and booleans become numbers and booleans, anything
 * quoted or in a block stays a string.
 */
export function rewriteScalar(scalar: Scalar, text: string): void {
  if (scalar.type !== 'PLAIN') {
    scalar.value = text;
    return;
  }
  const doc = parseDocument(text);
  const value = isScalar(doc.contents) ? doc.contents.value : undefined;
  scalar.value = doc.errors.length === 0 && (typeof value === 'number' || typeof value === 'boolean') ? value : text;
}

function children(node: Node): [string | number, Child][] {
  if (isMap(node)) {
    return node.items.map((pair) => [
      keyName(pair.key),
      { key: isNode(pair.key) ? pair.key : undefined, value: nodeOrUndefined(pair.value) },
    ]);
  }
  if (isSeq(node)) return node.items.map((item, i) => [i, { value: nodeOrUndefined(item) }]);
  return [];
}

function childAt(node: Node | undefined, step: string | number): Child | undefined {
  if (!node) return undefined;
  return children(node).find(([name]) => String(name) === String(step))?.[1];
}

function keyName(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

function nodeOrUndefined(value: unknown): Node | undefined {
  return isNode(value) ? value : undefined;
}

/** The yaml library's message without its position suffix, reworded where it talks about its own API. */
function shortReason(error: YAMLError): string {
  if (error.code === 'MULTIPLE_DOCS') return 'the file holds more than one YAML document (remove the extra "---")';
  return error.message.split('\n')[0]!.replace(/\.$/, '');
}
