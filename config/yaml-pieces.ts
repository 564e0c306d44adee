/**
 * A big YAML file read piece by piece. The yaml library holds the parse tree
 * of the whole text (its CST, then its Document) at once: about 60 times the
 * file, so a 10,000-device hromada.yaml of 2.2 MB took `merezha start` from
 * 70 MB to a 200 MB peak before its first poll. Read as the text of its top
 * levels with every long block list cut into runs of items of a few hundred
 * lines each (an item longer than that read the same way, on its own), only
 * one run's tree exists at a time, and the values are put back where the
 * items were.
 *
 * Each piece is still parsed by the yaml library, so every value is the one
 * the whole text gives. The cuts are where the library's own lexer says a
 * line starts a list item in block context: not inside a quoted or block
 * scalar, a multi-line plain scalar or a flow collection. A text the pieces
 * could read differently from the whole is not cut (`undefined`): anchors and
 * aliases (they reach across pieces), directives and document markers, a
 * byte-order mark, tabs (which YAML forbids in indentation, and which a
 * block scalar's end treats apart). The caller then parses it whole, as
 * it does whenever a piece is wrong, so errors are always found and located
 * in the whole file.
 */
import { CST, Lexer } from 'yaml';

/** A piece's value, or `undefined` when it cannot be read on its own (a syntax error, say). */
export type ReadPiece = (text: string) => { value: unknown } | undefined;

/**
 * What each line starts in block context, as the lexer saw it: its first
 * token's column, doubled, plus 1 if that token is a list item's `-`; -1 for
 * a line that continues a token or holds none (blank, comment). Typed arrays,
 * not an object per line: a 10,000-device file has 90,000 lines.
 */
interface BlockLines {
  start: Int32Array;
  /** The same for what follows a list item's `-` on its line, if anything does. */
  afterDash: Int32Array;
}

const NONE = -1;
const code = (column: number, item: boolean) => column * 2 + (item ? 1 : 0);

/** Marks a piece's place in its parent's text; the text itself must not contain it (see below). */
const MARK = 'merezha-piece-';

/**
 * `text` read as `readPiece` reads YAML, but in pieces of at most about
 * `maxLines` lines: an item is cut only along its own long lists, so one
 * without any stays whole however long it is, and the skeleton of a level
 * has a line for each piece below it. `undefined` when the text cannot be
 * cut safely or a piece cannot be read: parse it whole instead.
 */
export function readInPieces(text: string, readPiece: ReadPiece, maxLines = 400): { value: unknown } | undefined {
  if (text.includes(MARK) || text.includes('\t')) return undefined;
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  if (starts.at(-1) !== text.length) starts.push(text.length);
  const lineCount = starts.length - 1;
  const lines = blockLines(text, lineCount);
  if (!lines) return undefined;
  const source = (from: number, to: number) => text.slice(starts[from], starts[to]);

  /**
   * The value of lines [from, to). With `item`, line `from` is a list item
   * whose `-` (at column `item.dash`) becomes a space: the item's node alone,
   * at the column it has in the file, which YAML allows for a document's root.
   */
  const readRegion = (from: number, to: number, item?: { dash: number }): { value: unknown } | undefined => {
    const lineAt = (i: number): { indent: number; item: boolean } | undefined => {
      const c = item && i === from ? lines.afterDash[i]! : lines.start[i]!;
      return c === NONE ? undefined : { indent: c >> 1, item: (c & 1) === 1 };
    };
    let skeleton = '';
    if (item) {
      const first = source(from, from + 1);
      skeleton = `${first.slice(0, item.dash)} ${first.slice(item.dash + 1)}`;
    }
    const pieces: { from: number; to: number; single: boolean; indent: number }[] = [];
    let copied = item ? from + 1 : from;
    for (let i = from; i < to; i++) {
      const line = lineAt(i);
      if (!line?.item) continue;
      // A block list starts here: its items end where a line starts at a lesser column, or at its own column but not as an item.
      const items = [i];
      let end = to;
      for (let j = i + 1; j < to; j++) {
        const next = lineAt(j);
        if (!next || next.indent > line.indent) continue;
        if (next.indent === line.indent && next.item) items.push(j);
        else {
          end = j;
          break;
        }
      }
      // A list that starts on the item's own first line (`- - a`) is read with the item: its first line is the item's.
      if (end - i <= maxLines || (item && i === from)) {
        i = end - 1;
        continue;
      }
      skeleton += source(copied, i);
      items.push(end);
      const first = pieces.length;
      let run = -1;
      for (let k = 0; k < items.length - 1; k++) {
        const [a, b] = [items[k]!, items[k + 1]!];
        if (b - a > maxLines) {
          pieces.push({ from: a, to: b, single: true, indent: line.indent });
          run = -1;
        } else if (run >= 0 && b - pieces[run]!.from <= maxLines) pieces[run]!.to = b;
        else run = pieces.push({ from: a, to: b, single: false, indent: line.indent }) - 1;
      }
      for (let p = first; p < pieces.length; p++) skeleton += `${' '.repeat(line.indent)}- "\\0${MARK}${p}"\n`;
      copied = end;
      i = end - 1;
    }
    skeleton += source(copied, to);
    const read = readPiece(skeleton);
    if (!read || pieces.length === 0) return read;

    // Each mark in the skeleton's lists gives way to its run's items, or to the long item's value.
    const found: { list: unknown[]; at: number; piece: number }[] = [];
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) {
        node.forEach((element, at) => {
          const piece = typeof element === 'string' && element.startsWith(`\0${MARK}`) ? Number(element.slice(MARK.length + 1)) : -1;
          if (piece >= 0) found.push({ list: node, at, piece });
          else visit(element);
        });
      } else if (node !== null && typeof node === 'object') for (const value of Object.values(node)) visit(value);
    };
    visit(read.value);
    if (found.length !== pieces.length) return undefined;
    // From the last mark back, so that splicing a run keeps the places of the marks before it.
    for (const { list, at, piece } of found.reverse()) {
      const p = pieces[piece]!;
      const part = p.single ? readRegion(p.from, p.to, { dash: p.indent }) : readPiece(source(p.from, p.to));
      if (!part) return undefined;
      if (p.single) list[at] = part.value;
      else if (Array.isArray(part.value)) list.splice(at, 1, ...part.value);
      else return undefined;
    }
    return read;
  };
  return readRegion(0, lineCount);
}

/**
 * What the lines of `text` start in block context, as the yaml library's
 * lexer reads them; `undefined` for a text whose pieces could be read
 * otherwise than the whole.
 */
function blockLines(text: string, lineCount: number): BlockLines | undefined {
  const lines: BlockLines = { start: new Int32Array(lineCount).fill(NONE), afterDash: new Int32Array(lineCount).fill(NONE) };
  let line = 0;
  let column = 0;
  let flow = 0;
  let atLineStart = true;
  let afterDash = false;
  // The lexer announces a scalar before its token, whose text may then start with spaces (a block scalar's lines).
  let scalar = false;
  let blockScalar = false;
  for (const token of new Lexer().lex(text)) {
    if (token === CST.DOCUMENT) continue;
    if (token === CST.SCALAR) {
      scalar = true;
      continue;
    }
    const type = scalar ? 'scalar' : CST.tokenType(token);
    scalar = false;
    switch (type) {
      case 'flow-error-end':
      case 'byte-order-mark':
      case 'doc-start':
      case 'doc-end':
      case 'directive-line':
      case 'anchor':
      case 'alias':
        return undefined;
      case 'newline':
        if (token === '') continue;
        line++;
        column = 0;
        atLineStart = true;
        afterDash = false;
        continue;
      case 'space':
      case 'comment':
        column += token.length;
        continue;
    }
    // A block scalar's text starts on the line after its header and continues it.
    const content = blockScalar && type === 'scalar';
    blockScalar = type === 'block-scalar-header';
    const dash = type === 'seq-item-ind';
    if (atLineStart && flow === 0 && !content) lines.start[line] = code(column, dash);
    else if (afterDash) lines.afterDash[line] = code(column, dash);
    afterDash = atLineStart && flow === 0 && dash;
    atLineStart = false;
    if (type === 'flow-map-start' || type === 'flow-seq-start') flow++;
    else if (type === 'flow-map-end' || type === 'flow-seq-end') flow--;
    // A scalar over several lines (quoted, block, or plain and folded): the lines after its first continue it.
    const lastBreak = token.lastIndexOf('\n');
    if (lastBreak >= 0) {
      for (let at = token.indexOf('\n'); at >= 0; at = token.indexOf('\n', at + 1)) line++;
      column = token.length - lastBreak - 1;
      // A block scalar takes its last line break with it: the next token starts a line.
      atLineStart = column === 0;
    } else column += token.length;
  }
  return lines;
}
