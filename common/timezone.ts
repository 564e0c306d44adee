/**
 * Wall-clock time in the hromada's IANA time zone, without a date library.
 *
 * Maintenance windows ("Tue 02:00-03:00"), quiet hours and the times in alert
 * messages are all local to the hromada (Europe/Kyiv by default), whatever
 * the time zone of the machine Merezha runs on. Intl knows every zone's rules
 * (daylight saving included); these helpers ask it and cache its formatters.
 */

export interface LocalTime {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Monday … 6 = Sunday (ISO order). */
  weekday: number;
}

const WEEKDAYS: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock time in `timeZone` at the instant `t` (ms since the epoch). */
export function localTime(t: number, timeZone: string): LocalTime {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(t)) parts[p.type] = p.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour) % 24,
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: WEEKDAYS[parts.weekday!] ?? 0,
  };
}

/** Minutes the zone is ahead of UTC at the instant `t`. */
export function utcOffsetMinutes(t: number, timeZone: string): number {
  const l = localTime(t, timeZone);
  const asUtc = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second);
  return Math.round((asUtc - Math.floor(t / 1000) * 1000) / 60_000);
}

/**
 * The instant at which the clocks in `timeZone` show the given wall time. A
 * time skipped by a daylight-saving jump is read with the offset from before
 * the jump.
 */
export function zonedTimeToUtc(
  wall: { year: number; month: number; day: number; hour: number; minute: number; second?: number },
  timeZone: string,
): number {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second ?? 0);
  // Two rounds: the offset at the first guess may differ from the offset at the answer near a DST change.
  let t = asUtc - utcOffsetMinutes(asUtc, timeZone) * 60_000;
  t = asUtc - utcOffsetMinutes(t, timeZone) * 60_000;
  return t;
}

/**
 * The instant of `hour:minute` in `timeZone` on the calendar day `days` after
 * `date`'s: 23 or 25 hours after the same time the day before when the
 * clocks change between them.
 */
export function localDayAt(
  date: { year: number; month: number; day: number },
  days: number,
  hour: number,
  minute: number,
  timeZone: string,
): number {
  // Date.UTC rolls the day over a month's or a year's end; only the calendar date is taken from it.
  const day = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return zonedTimeToUtc({ year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: day.getUTCDate(), hour, minute }, timeZone);
}
