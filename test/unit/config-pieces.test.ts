/** config/yaml-pieces.ts: a big YAML file read in pieces gives what the whole-file parse gives, or nothing. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { configError } from '../support/config.ts';
import { parseConfig } from '../../config/load.ts';
import { configSchema } from '../../config/schema.ts';
import { readInPieces } from '../../config/yaml-pieces.ts';
import { ConfigSource } from '../../config/yaml-source.ts';
import { generateScale } from '../../simulator/index.ts';

/** Reads a piece as the loader does (without `${VAR}`), and notes the pieces it was given. */
function reader() {
  const pieces: string[] = [];
  const read = (text: string) => {
    pieces.push(text);
    const source = ConfigSource.parse(text);
    return source.isEmpty || source.syntaxErrors().length > 0 ? undefined : { value: source.toJS() };
  };
  return { read, pieces };
}

/** A list of `n` items, each `item(i)`'s lines under `- `, at `indent`. */
const list = (n: number, indent: string, item: (i: number) => string[]) =>
  Array.from({ length: n }, (_, i) =>
    item(i)
      .map((line, k) => `${indent}${k === 0 ? '- ' : '  '}${line}`)
      .join('\n'),
  ).join('\n');

const SHAPES: Record<string, string> = {
  'lists under keys, indented or at the key’s column': [
    'hromada:\n  name: Тест\nvillages:',
    list(12, '', (v) => [
      `id: v${v}`,
      'devices:',
      ...list(9, '', (d) => [`id: d${v}-${d}`, `host: 10.0.${v}.${d}`, 'snmp:', '  port: 161']).split('\n'),
    ]),
    'services:',
    list(20, '  ', (s) => [`id: s${s}`, `url: http://s${s}/`]),
    'tail: 1',
  ].join('\n'),
  'scalars over several lines, with lines that look like items inside them': [
    'items:',
    list(30, '  ', (i) => [
      `block: |`,
      `  - not an item ${i}`,
      `  # not a comment`,
      `folded: >-`,
      `  first`,
      `  - second`,
      `quoted: "a`,
      `  - b"`,
      `plain: one`,
      `  - two`,
      `flow: [1,`,
      `  -2, {a: 3,`,
      `  b: "4`,
      `  - 5"}]`,
    ]),
    'after: true',
  ].join('\n'),
  'compact nested lists, comments at any column and blank lines': [
    '# head',
    'matrix:',
    list(25, '', (i) => [`- ${i}`, `- x${i}`]),
    '# between',
    '',
    'rows:',
    list(25, '  ', (i) => [`a: ${i}`, `# inside`, ``, `b: [${i}]`, `c: ~`, `d: 0x1F`, `e: "7"`, `f: 1e3`]),
  ].join('\n'),
  'an item longer than a piece, and lists of plain values': [
    'big:',
    list(3, '  ', (i) => [`name: n${i}`, 'values:', ...list(40, '  ', (k) => [`${i * 100 + k}`]).split('\n')]),
    'flat:',
    list(40, '', (k) => [`v${k}`]),
  ].join('\n'),
};

describe('readInPieces', () => {
  for (const [name, text] of Object.entries(SHAPES)) {
    for (const [label, doc] of [
      ['LF', `${text}\n`],
      ['CRLF, no final line break', text.replaceAll('\n', '\r\n')],
    ] as const) {
      it(`${name} (${label}): the same value as the whole file, from pieces of a few lines`, () => {
        const { read, pieces } = reader();
        const result = readInPieces(doc, read, 6);
        expect(result?.value).toEqual(parse(doc, { uniqueKeys: false }));
        expect(pieces.length).toBeGreaterThan(3);
        // Every piece is a run of at most 6 lines, or the skeleton of a level: its own lines and a mark per piece below it.
        const whole = doc.split('\n').length;
        for (const piece of pieces) expect(piece.split('\n').length).toBeLessThan(whole / 2);
      });
    }
  }

  it('reads a generated 1,500-device inventory as the whole-file parse does, no piece above its size', () => {
    const text = stringify(generateScale({ villages: 6, devicesPerVillage: 250 }).files.config, { aliasDuplicateObjects: false });
    const { read, pieces } = reader();
    expect(readInPieces(text, read, 400)?.value).toEqual(parse(text));
    // The skeleton of a village is its own lines and a mark per run of devices; a run is at most 400 lines.
    expect(Math.max(...pieces.map((p) => p.split('\n').length))).toBeLessThanOrEqual(401);
    expect(pieces.length).toBeGreaterThan(6 * 5);
  });

  it('reads every YAML file of the tree as the whole-file parse does, and none that has a syntax error', () => {
    const files = ['config', 'test/fixtures'].flatMap((dir) =>
      readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => join(dir, f)),
    );
    expect(files.length).toBeGreaterThan(40);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const whole = ConfigSource.parse(text);
      const pieces = readInPieces(text, reader().read, 2);
      if (whole.isEmpty || whole.syntaxErrors().length > 0) expect(pieces, file).toBeUndefined();
      else expect(pieces?.value, file).toEqual(whole.toJS());
    }
  });

  it.each([
    ['an anchor and its alias', 'a: &x 1\nb: *x\n'],
    ['a directive', '%YAML 1.2\n---\na: 1\n'],
    ['a document marker', '---\na: 1\n'],
    ['two documents', 'a: 1\n...\nb: 2\n'],
    ['a byte-order mark', '\uFEFFa: 1\n'],
    ['a tab', 'a:\t1\n'],
    ['the mark the pieces use', 'a: "\\0merezha-piece-0"\n'],
  ])('leaves a text with %s to the whole-file parse', (_, text) => {
    expect(readInPieces(text, reader().read, 1)).toBeUndefined();
  });

  it('gives up when a piece cannot be read', () => {
    const text = `list:\n${list(20, '  ', (i) => [`a: ${i}`, i === 13 ? 'b: [unclosed' : 'b: 1'])}\n`;
    expect(readInPieces(text, reader().read, 4)).toBeUndefined();
  });
});

describe('a big config file', () => {
  const big = () => {
    const text = stringify(generateScale({ villages: 4, devicesPerVillage: 200 }).files.config, { aliasDuplicateObjects: false });
    expect(text.length).toBeGreaterThan(64 * 1024);
    return text;
  };

  it('loads, read in pieces, as the whole file validates', () => {
    const text = big().replace('community: public', 'community: ${SNMP_COMMUNITY}');
    const config = parseConfig(text, 'big.yaml', { SNMP_COMMUNITY: 'secret' });
    expect(config).toEqual(configSchema.parse(parse(text.replace('${SNMP_COMMUNITY}', 'secret'))));
    expect(config.snmp_credentials['public-v2']).toMatchObject({ community: 'secret' });
  });

  it('reports a mistake deep inside it at its line, as a small file would', () => {
    const text = big();
    const lines = text.split('\n');
    const at = lines.findIndex((line) => line.includes('id: v3-inst-150'));
    lines.splice(at + 1, 0, `${' '.repeat(lines[at]!.indexOf('id:'))}colour: red`);
    const error = configError(() => parseConfig(lines.join('\n'), 'big.yaml', {}));
    expect(error.errors).toHaveLength(1);
    expect(error.errors[0]).toMatch(new RegExp(`^big\\.yaml:${at + 2} villages\\[2\\]\\.devices\\[150\\]\\.colour: `));
  });

  it('reports a variable that is not set, and a duplicate key, at their lines', () => {
    const text = big().replace('community: public', 'community: ${SNMP_COMMUNITY}');
    expect(configError(() => parseConfig(text, 'big.yaml', {})).errors).toEqual([
      `big.yaml:${text.split('\n').findIndex((l) => l.includes('${SNMP_COMMUNITY}')) + 1} snmp_credentials.public-v2.community: environment variable SNMP_COMMUNITY is not set`,
    ]);
    const lines = big().split('\n');
    const at = lines.findIndex((line) => line.includes('id: v2-wifi-100'));
    lines.splice(at + 1, 0, `${' '.repeat(lines[at]!.indexOf('id:'))}id: v2-wifi-101`);
    expect(configError(() => parseConfig(lines.join('\n'), 'big.yaml', {})).errors).toEqual([
      `big.yaml:${at + 2} YAML syntax error: duplicate key "id" (first set on line ${at + 1})`,
    ]);
  });
});
