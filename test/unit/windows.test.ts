/** Maintenance windows and quiet hours in the hromada's local time, across midnight and daylight-saving changes. */
import { describe, expect, it } from 'vitest';
import { localDayAt, localTime, zonedTimeToUtc } from '../../common/timezone.ts';
import { inDailyRange, instantOf, inWeekly, parseLocalDateTime, parseWeekly, type WeeklyWindow } from '../../common/windows.ts';

const KYIV = 'Europe/Kyiv';
/** A UTC instant given as Kyiv wall time. */
const kyiv = (y: number, mo: number, d: number, h: number, mi = 0) =>
  zonedTimeToUtc({ year: y, month: mo, day: d, hour: h, minute: mi }, KYIV);

describe('time zone', () => {
  it.each([
    ['summer (UTC+3)', kyiv(2025, 6, 3, 2, 30), Date.UTC(2025, 5, 2, 23, 30)],
    ['winter (UTC+2)', kyiv(2025, 1, 14, 2, 30), Date.UTC(2025, 0, 14, 0, 30)],
  ])('converts Kyiv wall time in %s', (_, got, want) => {
    expect(got).toBe(want);
    expect(localTime(got, KYIV)).toMatchObject({ hour: 2, minute: 30 });
  });

  it('knows the weekday (Tuesday 3 June 2025 = 1)', () => {
    expect(localTime(kyiv(2025, 6, 3, 0, 5), KYIV).weekday).toBe(1);
  });

  it.each([
    ['an ordinary day: 24 h', { year: 2025, month: 6, day: 3 }, kyiv(2025, 6, 4, 12), 24],
    ['over a year end', { year: 2025, month: 12, day: 31 }, kyiv(2026, 1, 1, 12), 24],
    ['into the spring change (29 March 2026): 23 h', { year: 2026, month: 3, day: 28 }, Date.UTC(2026, 2, 29, 9), 23],
    ['into the autumn change (25 October 2026): 25 h', { year: 2026, month: 10, day: 24 }, Date.UTC(2026, 9, 25, 10), 25],
  ])('puts a local time a calendar day on, %s', (_, date, want, hours) => {
    const got = localDayAt(date, 1, 12, 0, KYIV);
    expect(got).toBe(want);
    expect(got - localDayAt(date, 0, 12, 0, KYIV)).toBe(hours * 3_600_000);
  });
});

describe('weekly windows', () => {
  const w = (text: string) => parseWeekly(text) as WeeklyWindow;
  it.each<[string, number, boolean]>([
    ['Tue 02:00-03:00', kyiv(2025, 6, 3, 2, 0), true],
    ['Tue 02:00-03:00', kyiv(2025, 6, 3, 2, 59), true],
    ['Tue 02:00-03:00', kyiv(2025, 6, 3, 3, 0), false],
    ['Tue 02:00-03:00', kyiv(2025, 6, 10, 2, 30), true],
    ['Tue 02:00-03:00', kyiv(2025, 6, 4, 2, 30), false],
    ['Mon-Fri 22:00-06:00', kyiv(2025, 6, 6, 23, 0), true], // Friday evening
    ['Mon-Fri 22:00-06:00', kyiv(2025, 6, 7, 5, 0), true], // Saturday morning, after Friday night
    ['Mon-Fri 22:00-06:00', kyiv(2025, 6, 7, 23, 0), false], // Saturday evening
    ['Mon-Fri 22:00-06:00', kyiv(2025, 6, 2, 5, 0), false], // Monday morning, after Sunday
    ['Сб,Нд 00:00-24:00', kyiv(2025, 6, 8, 23, 59), true],
    ['daily 03:00-03:30', kyiv(2025, 10, 26, 3, 10), true], // the day summer time ends
    ['Sat-Mon 10:00-11:00', kyiv(2025, 6, 1, 10, 30), true], // a range over the week's end
  ])('%s at %s: %s', (text, t, expected) => {
    expect(inWeekly(w(text), localTime(t, KYIV))).toBe(expected);
  });

  it.each([
    ['Tues 02:00-03:00', 'unknown day "tues"'],
    ['Tue 2am-3am', 'start must be a time of day as HH:MM (got "2am")'],
    ['Tue 03:00-03:00', 'start and end are the same: the window would be empty'],
    ['Tue', 'must be days and a time range'],
  ])('rejects %s', (text, message) => {
    expect(parseWeekly(text)).toContain(message);
  });
});

describe('one-off windows and quiet hours', () => {
  it('reads a local date and time in the hromada zone, or with its own offset', () => {
    expect(instantOf(parseLocalDateTime('2025-06-01 02:00') as never, KYIV)).toBe(Date.UTC(2025, 4, 31, 23, 0));
    expect(instantOf(parseLocalDateTime('2025-06-01T02:00Z') as never, KYIV)).toBe(Date.UTC(2025, 5, 1, 2, 0));
    expect(instantOf(parseLocalDateTime('2025-06-01T02:00+01:00') as never, KYIV)).toBe(Date.UTC(2025, 5, 1, 1, 0));
    expect(parseLocalDateTime('2025-02-29 10:00')).toContain('is not a real date');
  });

  it('quiet hours past midnight', () => {
    const at = (h: number) => localTime(kyiv(2025, 6, 3, h), KYIV);
    expect([21, 22, 23, 0, 6, 7, 12].map((h) => inDailyRange(22 * 60, 7 * 60, at(h)))).toEqual([
      false,
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
  });
});
