/**
 * The outages file of `merezha import`, checked against the config and the
 * import's range. Pure: text in, outages or every problem out.
 *
 * The file is CSV (`common/csv.ts`) with the header `device,start,end` and
 * one row per outage. `device` is a device id of the config, or a service id
 * written `service:<id>`; `start` and `end` are ISO 8601 times, read in the
 * hromada's time zone when they carry no offset. Every problem is reported,
 * not just the first, each as `FILE:LINE: message` like the config's errors,
 * so that the whole file can be fixed in one pass.
 */
import { readCsv } from '../../common/csv.ts';
import { formatLocalTime, parseIsoTime } from '../../common/iso-time.ts';
import { closest } from '../../config/messages.ts';
import { serviceIdOf, serviceKey } from '../../common/subjects.ts';
import type { Inventory } from '../inventory.ts';
import type { Interval } from '../uptime.ts';

export const OUTAGES_HEADER = ['device', 'start', 'end'] as const;

export interface ImportedOutage extends Interval {
  /** Subject key: a device id, or `service:<id>`. */
  subject: string;
  /** Line of the file it came from. */
  line: number;
}

export interface OutagesFileOptions {
  /** The file's name as the user gave it: errors start with it. */
  file: string;
  inventory: Inventory;
  /** Every outage must lie within it. */
  range: Interval;
  timeZone: string;
}

export interface OutagesFile {
  outages: ImportedOutage[];
  /** `FILE:LINE: message`, in line order; the file is good when there are none. */
  errors: string[];
}

const EXAMPLE_TIMES = 'ISO 8601, e.g. 2026-01-05T14:30 or 2026-01-05T12:30Z';

export function readOutagesFile(text: string, options: OutagesFileOptions): OutagesFile {
  const { records, problems } = readCsv(text);
  const found: Problem[] = [...problems];
  const [header, ...rows] = records;
  const headerProblem = header === undefined ? `the file is empty; it needs the header "${HEADER_TEXT}"` : checkHeader(header.fields);
  // Without the right header the columns mean nothing: the rows are not judged.
  if (headerProblem !== undefined) {
    found.push({ line: header?.line ?? 1, message: headerProblem });
    return result(options.file, [], found);
  }
  const outages: ImportedOutage[] = [];
  for (const row of rows) {
    const checked = checkRow(row.fields, options);
    found.push(...checked.problems.map((message) => ({ line: row.line, message })));
    if (checked.problems.length === 0) outages.push({ ...checked.outage!, line: row.line });
  }
  found.push(...overlaps(outages));
  return result(options.file, outages, found);
}

interface Problem {
  line: number;
  message: string;
}

const HEADER_TEXT = OUTAGES_HEADER.join(',');

function result(file: string, outages: ImportedOutage[], problems: Problem[]): OutagesFile {
  const errors = [...problems].sort((a, b) => a.line - b.line).map((p) => `${file}:${p.line}: ${p.message}`);
  return { outages: errors.length === 0 ? outages : [], errors };
}

/** Excel in a Ukrainian locale saves "CSV" with semicolons: say so rather than only count the values. */
function semicolonHint(fields: string[]): string {
  return fields.length === 1 && fields[0]!.includes(';') ? '; the values are separated by semicolons, not commas' : '';
}

function checkHeader(fields: string[]): string | undefined {
  const names = fields.map((f) => f.trim().toLowerCase());
  if (names.length === OUTAGES_HEADER.length && names.every((name, i) => name === OUTAGES_HEADER[i])) return undefined;
  return `the first line must be the header "${HEADER_TEXT}" (got "${fields.join(',')}")${semicolonHint(fields)}`;
}

/** A row's outage when its values are good, and the problems of its values. */
function checkRow(fields: string[], options: OutagesFileOptions): { outage?: Omit<ImportedOutage, 'line'>; problems: string[] } {
  if (fields.length !== OUTAGES_HEADER.length) {
    return {
      problems: [`expected ${OUTAGES_HEADER.length} comma-separated values (${HEADER_TEXT}), got ${fields.length}${semicolonHint(fields)}`],
    };
  }
  const [subject, startText, endText] = fields.map((f) => f.trim()) as [string, string, string];
  const problems: string[] = [];
  const subjectProblem = checkSubject(subject, options.inventory);
  if (subjectProblem !== undefined) problems.push(subjectProblem);
  const time = (column: string, text: string): number => {
    const t = text === '' ? undefined : parseIsoTime(text, options.timeZone);
    if (text === '') problems.push(`${column} is empty`);
    else if (t === undefined) problems.push(`${column} is not a time: "${text}" (${EXAMPLE_TIMES})`);
    return t ?? NaN;
  };
  const from = time('start', startText);
  const to = time('end', endText);
  const { range, timeZone } = options;
  // Comparisons with an unreadable time (NaN) are all false: it is reported once, above.
  if (to < from) problems.push('end is before start');
  else if (to === from) problems.push('end is the same as start');
  else if (from < range.from || to > range.to) {
    problems.push(`outside --from/--to (${formatLocalTime(range.from, timeZone)} – ${formatLocalTime(range.to, timeZone)})`);
  }
  return { outage: { subject, from, to }, problems };
}

function checkSubject(id: string, inventory: Inventory): string | undefined {
  if (id === '') return 'device is empty';
  if (inventory.subjects.has(id)) return undefined;
  const didYouMean = (suggestion: string | undefined) => (suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`);
  const keys = [...inventory.subjects.keys()];
  const name = serviceIdOf(id);
  if (name !== undefined) {
    const services = keys.map(serviceIdOf).filter((k) => k !== undefined);
    const suggestion = closest(name, services);
    return `unknown service "${name}"${didYouMean(suggestion === undefined ? undefined : serviceKey(suggestion))}`;
  }
  if (inventory.subjects.has(serviceKey(id))) return `"${id}" is a service: write it "${serviceKey(id)}"`;
  return `unknown device "${id}"${didYouMean(closest(id, keys))}`;
}

/** Outages of one subject that overlap, each reported on the later line of the two. */
function overlaps(outages: readonly ImportedOutage[]): Problem[] {
  const found: Problem[] = [];
  const bySubject = new Map<string, ImportedOutage[]>();
  for (const o of outages) bySubject.set(o.subject, [...(bySubject.get(o.subject) ?? []), o]);
  for (const list of bySubject.values()) {
    // The outage reaching furthest so far: any later-starting one that begins before its end overlaps it.
    let reach: ImportedOutage | undefined;
    for (const o of [...list].sort((a, b) => a.from - b.from || a.line - b.line)) {
      if (reach !== undefined && o.from < reach.to) {
        const [earlier, later] = reach.line < o.line ? [reach, o] : [o, reach];
        found.push({ line: later.line, message: `overlaps the outage on line ${earlier.line}` });
      }
      if (reach === undefined || o.to > reach.to) reach = o;
    }
  }
  return found;
}
