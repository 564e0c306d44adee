/**
 * Recurring and one-off time windows in the hromada's local time: weekly
 * maintenance ("Tue 02:00-03:00", "Mon-Fri 22:00-06:00", "daily 03:00-03:30"),
 * quiet hours ("22:00" to "07:00") and one-off windows ("2025-06-01 02:00").
 *
 * The parsers return either the parsed value or an error message, so that the
 * config schema can report the problem at the line of the value; the checks
 * are pure functions of an instant and a time zone.
 */
import { zonedTimeToUtc, type LocalTime } from './timezone.ts';

/** A window that repeats every week: on `days` (0 = Monday), from `start` to `end` minutes after local midnight. */
export interface WeeklyWindow {
  days: number[];
  start: number;
  /** May be ≤ start: the window then runs past midnight into the next day. */
  end: number;
}

/** A local date and time as written; `offsetMinutes` when the text carried an offset (or Z). */
export interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  offsetMinutes?: number;
}

const DAY_NAMES: Record<string, number> = {
  mon: 0,
  tue: 1,
  wed: 2,
  thu: 3,
  fri: 4,
  sat: 5,
  sun: 6,
  пн: 0,
  вт: 1,
  ср: 2,
  чт: 3,
  пт: 4,
  сб: 5,
  нд: 6,
};
const DAY_NAMES_HELP = 'Mon, Tue, Wed, Thu, Fri, Sat, Sun (or Пн … Нд), a range such as Mon-Fri, or daily';

/** "07:30" → 450; "24:00" is allowed as an end of day. */
export function parseClock(text: string, allowEndOfDay = false): number | string {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m) return `must be a time of day as HH:MM (got ${JSON.stringify(text)})`;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59 || h > 24 || (h === 24 && (min !== 0 || !allowEndOfDay))) return `is not a time of day (got ${JSON.stringify(text)})`;
  return h * 60 + min;
}

function parseDays(text: string): number[] | string {
  const lower = text.toLowerCase();
  if (lower === 'daily' || lower === 'щодня') return [0, 1, 2, 3, 4, 5, 6];
  const days = new Set<number>();
  for (const part of lower.split(',')) {
    const range = part.split('-');
    const ids = range.map((name) => DAY_NAMES[name.trim()]);
    if (range.length > 2 || ids.some((d) => d === undefined)) return `unknown day "${part.trim()}" (use ${DAY_NAMES_HELP})`;
    const [from, to = from] = ids as number[];
    for (let d = from!; ; d = (d + 1) % 7) {
      days.add(d);
      if (d === to) break;
    }
  }
  return [...days].sort();
}

/** "Tue 02:00-03:00", "Mon-Fri 22:00-06:00", "Sat,Sun 00:00-24:00", "daily 03:00-03:30". */
export function parseWeekly(text: string): WeeklyWindow | string {
  const m = /^\s*(\S+)\s+(\S+)\s*-\s*(\S+)\s*$/.exec(text);
  if (!m) return `must be days and a time range, e.g. "Tue 02:00-03:00" or "Mon-Fri 22:00-06:00" (got ${JSON.stringify(text)})`;
  const days = parseDays(m[1]!);
  if (typeof days === 'string') return days;
  const start = parseClock(m[2]!);
  if (typeof start === 'string') return `start ${start}`;
  const end = parseClock(m[3]!, true);
  if (typeof end === 'string') return `end ${end}`;
  if (start === end) return 'start and end are the same: the window would be empty';
  return { days, start, end: end === 1440 ? 0 : end };
}

/** Whether the local time falls in the weekly window (a window past midnight belongs to the day it starts on). */
export function inWeekly(w: WeeklyWindow, local: LocalTime): boolean {
  const minute = local.hour * 60 + local.minute;
  if (w.start < w.end) return w.days.includes(local.weekday) && minute >= w.start && minute < w.end;
  // Past midnight: the evening part on a listed day, or the morning part on the day after one.
  return (w.days.includes(local.weekday) && minute >= w.start) || (w.days.includes((local.weekday + 6) % 7) && minute < w.end);
}

/** A daily range of local time, `from` inclusive, `to` exclusive; past midnight when to ≤ from. */
export function inDailyRange(from: number, to: number, local: LocalTime): boolean {
  const minute = local.hour * 60 + local.minute;
  return from < to ? minute >= from && minute < to : minute >= from || minute < to;
}

/** "2025-06-01 02:00", "2025-06-01T02:00", optionally with seconds and an offset ("+03:00", "Z"). */
export function parseLocalDateTime(text: string): LocalDateTime | string {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(text.trim());
  if (!m) return `must be a local date and time such as "2025-06-01 02:00" (got ${JSON.stringify(text)})`;
  const [year, month, day, hour, minute] = [1, 2, 3, 4, 5].map((i) => Number(m[i]));
  const probe = new Date(Date.UTC(year!, month! - 1, day!, hour!, minute!));
  if (probe.getUTCMonth() !== month! - 1 || probe.getUTCDate() !== day! || hour! > 23 || minute! > 59) {
    return `is not a real date and time (got ${JSON.stringify(text)})`;
  }
  const dt: LocalDateTime = { year: year!, month: month!, day: day!, hour: hour!, minute: minute! };
  const offset = m[7];
  if (offset !== undefined) {
    if (offset === 'Z') dt.offsetMinutes = 0;
    else {
      const sign = offset.startsWith('-') ? -1 : 1;
      const digits = offset.slice(1).replace(':', '');
      dt.offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
    }
  }
  return dt;
}

/** The instant of a parsed date and time: its own offset if it had one, else the wall time in `timeZone`. */
export function instantOf(dt: LocalDateTime, timeZone: string): number {
  if (dt.offsetMinutes !== undefined) {
    return Date.UTC(dt.year, dt.month - 1, dt.day, dt.hour, dt.minute) - dt.offsetMinutes * 60_000;
  }
  return zonedTimeToUtc(dt, timeZone);
}
