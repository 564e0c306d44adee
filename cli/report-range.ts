/** The period a report command is asked for (`--year`, or `--from` and `--to`), shared by `merezha report` and `merezha central report`. */
import { parseIsoTime } from '../common/iso-time.ts';
import { localTime } from '../common/timezone.ts';
import { yearRange } from '../server/report/periods.ts';
import type { Interval } from '../server/uptime.ts';

/** The range asked for, or a usage problem. */
export function reportRange(
  values: { year?: string | undefined; from?: string | undefined; to?: string | undefined },
  timeZone: string,
  now: number,
): Interval | { problem: string } {
  if (values.year !== undefined && (values.from !== undefined || values.to !== undefined)) {
    return { problem: 'give --year or --from and --to, not both' };
  }
  if (values.from !== undefined || values.to !== undefined) {
    if (values.from === undefined || values.to === undefined) return { problem: 'needs both --from and --to' };
    const from = parseIsoTime(values.from, timeZone);
    const to = parseIsoTime(values.to, timeZone);
    if (from === undefined) return { problem: `--from ${values.from} is not a date or ISO 8601 time` };
    if (to === undefined) return { problem: `--to ${values.to} is not a date or ISO 8601 time` };
    if (to <= from) return { problem: '--to must be after --from' };
    if (from >= now) return { problem: '--from is in the future: there is nothing to report yet' };
    return { from, to };
  }
  const year = values.year === undefined ? localTime(now, timeZone).year : Number(values.year);
  if (!/^\d{4}$/.test(values.year ?? '2000') || year < 2000 || year > 2100) return { problem: `--year ${values.year} is not a year` };
  const range = yearRange(year, timeZone);
  if (range.from >= now) return { problem: `${year} has not begun yet: there is nothing to report` };
  return range;
}
