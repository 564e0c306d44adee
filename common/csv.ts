/**
 * CSV as RFC 4180 defines it and spreadsheets export it: comma-separated
 * fields, optionally in double quotes (a quote inside doubled, commas and line
 * breaks allowed inside), records ended by CRLF, LF or CR. A leading byte
 * order mark is dropped and blank lines are skipped. Pure.
 *
 * Each record carries the line it starts on, so that whoever checks the
 * values can point at the line to fix even when a quoted field spans lines.
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

type State = 'start' | 'plain' | 'quoted' | 'closed';

export function readCsv(text: string): CsvText {
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text;
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
      if (c === ',' || c === '\n' || c === '\r') {
        fields.push(field);
        field = '';
        state = 'start';
        if (c === ',') continue;
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
