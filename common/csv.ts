/**
 * CSV as RFC 4180 defines it and spreadsheets export it: comma-separated
 * fields, optionally in double quotes (a quote inside doubled, commas and line
 * breaks allowed inside), records ended by CRLF, LF or CR. A leading byte
 * order mark is dropped and blank lines are skipped. Pure.
 *
 * Each record carries the line it starts on, so that whoever checks the
 * values can point at the line to fix even when a quoted field spans lines.
 *
 * Spreadsheets in a Ukrainian locale (Excel, LibreOffice) separate fields
 * with ";" instead, and older Excel saves "CSV" in Windows-1251:
 * `decodeSpreadsheet` and `sniffDelimiter` tell which a file is, and
 * `readCsv` takes the separator.
 */

export interface CsvRecord {
  /** 1-based line of the text where the record starts. */
  line: number;
  fields: string[];
}

export interface CsvProblem {
  line: number;
  message: string;
}

export interface CsvText {
  records: CsvRecord[];
  /** Records that could not be read; they are not in `records`. */
  problems: CsvProblem[];
}

/** The separators of fields that spreadsheets write: "," (RFC 4180) and ";" (locales whose decimal mark is a comma). */
export type CsvDelimiter = ',' | ';';

type State = 'start' | 'plain' | 'quoted' | 'closed';

export function readCsv(text: string, options: { delimiter?: CsvDelimiter } = {}): CsvText {
  const delimiter = options.delimiter ?? ',';
  const src = stripBom(text);
  const records: CsvRecord[] = [];
  const problems: CsvProblem[] = [];
  let i = 0;
  let line = 1;
  // A line break: CRLF counts once.
  const lineBreak = (c: string) => {
    if (c === '\r' && src[i] === '\n') i++;
    line++;
  };

  while (i < src.length) {
    const start = line;
    const fields: string[] = [];
    let field = '';
    let quoted = false;
    let problem: string | undefined;
    let state: State = 'start';
    for (;;) {
      if (i >= src.length) {
        if (state === 'quoted') problem ??= 'a quoted field is not closed (a double quote is missing)';
        fields.push(field);
        break;
      }
      const c = src[i++]!;
      if (state === 'quoted') {
        if (c === '"' && src[i] === '"') {
          field += '"';
          i++;
        } else if (c === '"') {
          state = 'closed';
        } else {
          if (c === '\n' || c === '\r') lineBreak(c);
          field += c === '\r' ? '\n' : c;
        }
        continue;
      }
      if (c === delimiter || c === '\n' || c === '\r') {
        fields.push(field);
        field = '';
        state = 'start';
        if (c === delimiter) continue;
        lineBreak(c);
        break;
      }
      if (state === 'closed') {
        // Spaces after the closing quote are harmless; anything else means the quoting went wrong.
        if (c !== ' ' && c !== '\t') problem ??= 'text after the closing quote of a field (a quote inside a field is written "")';
      } else if (c === '"') {
        if (state === 'start' && field.trim() === '') {
          state = 'quoted';
          quoted = true;
          field = '';
        } else {
          problem ??= 'a double quote inside a field that does not start with one (put the field in quotes and double the quote)';
        }
      } else {
        field += c;
        if (c !== ' ' && c !== '\t') state = 'plain';
      }
    }
    if (problem !== undefined) problems.push({ line: start, message: problem });
    else if (quoted || fields.length > 1 || fields[0]!.trim() !== '') records.push({ line: start, fields });
  }
  return { records, problems };
}

const stripBom = (text: string) => (text.startsWith('\uFEFF') ? text.slice(1) : text);

/**
 * The separator of a CSV text, read from its first record (the header): the
 * one of "," and ";" found more often outside double quotes; "," when
 * neither is.
 */
export function sniffDelimiter(text: string): CsvDelimiter {
  let quoted = false;
  let started = false;
  let commas = 0;
  let semicolons = 0;
  for (const c of stripBom(text)) {
    if (c === '"') quoted = !quoted;
    else if (quoted) continue;
    // Blank lines before the header are skipped, as readCsv skips them.
    else if (c === '\n' || c === '\r') {
      if (started) break;
    } else if (c === ',') commas++;
    else if (c === ';') semicolons++;
    if (c !== '\n' && c !== '\r' && c !== ' ' && c !== '\t') started = true;
  }
  return semicolons > commas ? ';' : ',';
}

/** What a spreadsheet's bytes were written in: UTF-8 (with or without a byte order mark) or Windows-1251. */
export type SpreadsheetEncoding = 'UTF-8' | 'UTF-8 with BOM' | 'Windows-1251';

/**
 * The text of a CSV file saved by a spreadsheet: UTF-8 when its bytes are
 * valid UTF-8 (a Windows-1251 text of Cyrillic words practically never is),
 * else Windows-1251, in which every byte is a character. The byte order mark
 * is kept out of the text. UTF-16 (Excel's "Unicode text") is refused: it is
 * tab-separated, not CSV.
 */
export function decodeSpreadsheet(bytes: Uint8Array): { text: string; encoding: SpreadsheetEncoding } | { problem: string } {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return { problem: 'the file is UTF-16 ("Unicode text"), not CSV: save it as "CSV UTF-8" or "CSV (comma delimited)"' };
  }
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    return { text: stripBom(text), encoding: bom ? 'UTF-8 with BOM' : 'UTF-8' };
  } catch {
    // Not UTF-8.
  }
  try {
    return { text: new TextDecoder('windows-1251').decode(bytes), encoding: 'Windows-1251' };
  } catch {
    // A Node.js built without full ICU has no decoder but UTF-8's.
    return { problem: 'the file is not UTF-8, and this Node.js cannot read Windows-1251 (it lacks full ICU): save it as "CSV UTF-8"' };
  }
}

/** A value as a CSV writer takes it: null is an empty field. */
export type CsvCell = string | number | boolean | null;

/** How a CSV file is written, for whoever opens it. */
export interface CsvStyle {
  delimiter: CsvDelimiter;
  /** The decimal mark of numbers: "." for programs and open data, "," for a spreadsheet in a Ukrainian locale. */
  decimal: '.' | ',';
  /** A UTF-8 byte order mark first: how Excel knows the file is UTF-8 (and shows Cyrillic). */
  bom: boolean;
  newline: '\r\n' | '\n';
}

/**
 * CSV text of rows (an empty row is an empty line), quoted as RFC 4180 says:
 * a field holding the separator, a double quote or a line break, or starting
 * or ending with a space, goes in double quotes with its quotes doubled. Every
 * record ends with the newline. Pure.
 */
export function writeCsv(rows: readonly (readonly CsvCell[])[], style: CsvStyle): string {
  const special = style.delimiter === ';' ? /[";\r\n]/ : /[",\r\n]/;
  const field = (value: CsvCell) => {
    const text = value === null ? '' : typeof value === 'number' && style.decimal === ',' ? String(value).replace('.', ',') : String(value);
    return special.test(text) || /^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  const body = rows.map((row) => `${row.map(field).join(style.delimiter)}${style.newline}`).join('');
  return style.bom ? `\uFEFF${body}` : body;
}
