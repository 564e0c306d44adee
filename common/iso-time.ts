/**
 * ISO 8601 times as people write them in files and on the command line, and
 * back. Pure.
 *
 * Accepted: a date (`2026-03-01`, its midnight), a date and time with `T` or
 * a space (`2026-03-01T14:30`, `2026-03-01 14:30:15.250`), with `Z` or an
 * offset (`+02:00`, `+0200`, `+02`) or without one. Without an offset the
 * time is the wall-clock time of the given zone (the hromada's), which is how
 * a person in the hromada reads "14:30": on a day when the clocks jump, see
 * `zonedTimeToUtc`.
 */
import { localTime, zonedTimeToUtc } from './timezone.ts';

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Offset in minutes east of UTC, or undefined when it is out of range. */
function offsetMinutes(text: string): number | undefined {
  if (text.toUpperCase() === 'Z') return 0;
  const digits = text.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
  if (hours > 23 || minutes > 59) return undefined;
  return (text.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
}

/** Milliseconds since the epoch, or undefined when `text` is not such a time (or names a day or hour that does not exist). */
export function parseIsoTime(text: string, timeZone: string): number | undefined {
  const m = ISO_TIME.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = Number((m[7] ?? '').slice(0, 3).padEnd(3, '0'));
  const wall = { year, month, day, hour, minute, second };
  if (m[8] === undefined) return zonedTimeToUtc(wall, timeZone) + ms;
  const offset = offsetMinutes(m[8]);
  if (offset === undefined) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms) - offset * 60_000;
}

/** `2026-03-01` when `t` is a midnight in `timeZone`, else `2026-03-01 14:30` (or with seconds when it has some). */
export function formatLocalTime(t: number, timeZone: string): string {
  const l = localTime(t, timeZone);
  const date = `${l.year}-${pad(l.month)}-${pad(l.day)}`;
  if (l.hour === 0 && l.minute === 0 && l.second === 0 && t % 1000 === 0) return date;
  return `${date} ${pad(l.hour)}:${pad(l.minute)}${l.second === 0 ? '' : `:${pad(l.second)}`}`;
}

/** UTC ISO 8601 without milliseconds when there are none: `2026-03-01T12:30:00Z`. */
export function formatUtc(t: number): string {
  return new Date(t).toISOString().replace('.000Z', 'Z');
}
