/**
 * The report's calendar: the range of a year, and its local days and months
 * in the hromada's time zone (a day of a DST change is 23 or 25 hours). Pure.
 */
import { localTime, zonedTimeToUtc } from '../../common/timezone.ts';
import type { Interval } from '../uptime.ts';

export interface Month extends Interval {
  /** YYYY-MM */
  label: string;
}

const midnight = (year: number, month: number, day: number, timeZone: string) =>
  zonedTimeToUtc({ year, month, day, hour: 0, minute: 0 }, timeZone);

/** A calendar year in the hromada's zone: [1 January, next 1 January). */
export function yearRange(year: number, timeZone: string): Interval {
  return { from: midnight(year, 1, 1, timeZone), to: midnight(year + 1, 1, 1, timeZone) };
}

/** Local midnight of a YYYY-MM-DD date. */
export function dateStart(date: string, timeZone: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return midnight(y, m, d, timeZone);
}

/** Local midnight after a YYYY-MM-DD date: the end of that whole day. */
export function dayAfterStart(date: string, timeZone: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return midnight(y, m, d + 1, timeZone);
}

/** Local days overlapping `range`, clipped to it. */
export function daysOf(range: Interval, timeZone: string): Interval[] {
  const out: Interval[] = [];
  const l = localTime(range.from, timeZone);
  let start = midnight(l.year, l.month, l.day, timeZone);
  for (let day = l.day + 1; start < range.to; day++) {
    const next = midnight(l.year, l.month, day, timeZone);
    out.push({ from: Math.max(start, range.from), to: Math.min(next, range.to) });
    start = next;
  }
  return out;
}

/** Local calendar months overlapping `range`, clipped to it. */
export function monthsOf(range: Interval, timeZone: string): Month[] {
  const out: Month[] = [];
  const l = localTime(range.from, timeZone);
  let year = l.year;
  let month = l.month;
  let start = midnight(year, month, 1, timeZone);
  while (start < range.to) {
    const next = midnight(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1, timeZone);
    out.push({ from: Math.max(start, range.from), to: Math.min(next, range.to), label: `${year}-${String(month).padStart(2, '0')}` });
    if (month === 12) year++;
    month = month === 12 ? 1 : month + 1;
    start = next;
  }
  return out;
}
