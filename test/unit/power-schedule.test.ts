/** Blackout schedules: the public feeds' JSON and a CSV read into slots per power group, in Kyiv time, across DST changes. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { zonedTimeToUtc } from '../../common/timezone.ts';
import {
  inBlackout,
  isPowerGroup,
  mergeSchedules,
  parseScheduleCsv,
  parseScheduleJson,
  slotsByDay,
  slotsFor,
  type BlackoutSchedule,
  type BlackoutSlot,
  type ScheduleResult,
} from '../../server/power/schedule.ts';

const KYIV = 'Europe/Kyiv';
const HOUR = 3_600_000;
/** A UTC instant given as Kyiv wall time. */
const kyiv = (y: number, mo: number, d: number, h: number, mi = 0) =>
  zonedTimeToUtc({ year: y, month: mo, day: d, hour: h, minute: mi }, KYIV);
const fixture = (name: string) => readFileSync(new URL(`../fixtures/power-schedules/${name}`, import.meta.url), 'utf8');

function ok(result: ScheduleResult): BlackoutSchedule {
  if ('problems' in result) throw new Error(`expected a schedule, got problems:\n${result.problems.join('\n')}`);
  return result;
}
function problems(result: ScheduleResult): string[] {
  if (!('problems' in result)) throw new Error(`expected problems, got a schedule of ${result.slots.length} slots`);
  return result.problems;
}
const slot = (group: string, start: number, end: number, kind: BlackoutSlot['kind'] = 'definite'): BlackoutSlot => ({
  group,
  start,
  end,
  kind,
});
const ofGroup = (s: BlackoutSchedule, group: string, kind?: BlackoutSlot['kind']) =>
  s.slots.filter((x) => x.group === group && (kind === undefined || x.kind === kind));

/** A DTEK fact day: hours "1" … "24" all "yes" but the given ones. */
const hours = (set: Record<number, string> = {}) =>
  Object.fromEntries(Array.from({ length: 24 }, (_, i) => [String(i + 1), set[i + 1] ?? 'yes']));
const dayKey = (y: number, mo: number, d: number) => String(kyiv(y, mo, d, 0) / 1000);
const fact = (days: Record<string, Record<string, unknown>>) =>
  JSON.stringify({ fact: { data: days, update: '—', today: Number(Object.keys(days)[0]) } });

describe('power groups', () => {
  it.each(['1.1', '1.2', '3.1', '6.2'])('%s is a group', (g) => expect(isPowerGroup(g)).toBe(true));
  it.each(['0.1', '1.3', '7.1', '3', 'GPV3.1', ' 3.1', '3.1 ', '3,1', '', '13.1'])('%j is not', (g) => expect(isPowerGroup(g)).toBe(false));
});

describe('DTEK ГПВ (real fixture: DTEK Kyiv, 24–25 November 2025, via outage-data-ua)', () => {
  const schedule = ok(parseScheduleJson(fixture('dtek-kyiv-2025-11-24.json'), { timezone: KYIV }));

  it('reads the fact of 24 November as definite slots, half hours and merged hours included', () => {
    expect(schedule.source).toBe('dtek-gpv');
    expect(ofGroup(schedule, '1.1', 'definite')).toEqual([
      slot('1.1', kyiv(2025, 11, 24, 0), kyiv(2025, 11, 24, 2)),
      slot('1.1', kyiv(2025, 11, 24, 8, 30), kyiv(2025, 11, 24, 16)), // "second" of hour 9, then 10 … 16 "no"
    ]);
    expect(ofGroup(schedule, '1.2')).toEqual([
      slot('1.2', kyiv(2025, 11, 24, 8), kyiv(2025, 11, 24, 12, 30)), // … 12 "no", 13 "first"
      slot('1.2', kyiv(2025, 11, 24, 18, 30), kyiv(2025, 11, 24, 23)),
    ]);
    expect(ofGroup(schedule, '3.1')).toEqual([
      slot('3.1', kyiv(2025, 11, 24, 1, 30), kyiv(2025, 11, 24, 5, 30)),
      slot('3.1', kyiv(2025, 11, 24, 12), kyiv(2025, 11, 24, 16)),
      slot('3.1', kyiv(2025, 11, 24, 22, 30), kyiv(2025, 11, 25, 0)),
    ]);
    expect(ofGroup(schedule, '4.2')).toEqual([
      slot('4.2', kyiv(2025, 11, 24, 12), kyiv(2025, 11, 24, 16)),
      slot('4.2', kyiv(2025, 11, 24, 22, 30), kyiv(2025, 11, 25, 0)),
    ]);
    expect(ofGroup(schedule, '6.1')).toEqual([
      slot('6.1', kyiv(2025, 11, 24, 6), kyiv(2025, 11, 24, 12, 30)),
      slot('6.1', kyiv(2025, 11, 24, 15, 30), kyiv(2025, 11, 24, 20)),
    ]);
    // Groups the (trimmed) file does not name have no slots.
    expect(ofGroup(schedule, '2.1')).toEqual([]);
    // Winter time: UTC+2.
    expect(ofGroup(schedule, '1.1')[0]!.start).toBe(Date.UTC(2025, 10, 23, 22));
  });

  it('lays the weekly preset over the days the fact does not give, from the fact\'s "today", as possible slots', () => {
    expect(ofGroup(schedule, '1.1', 'possible')).toEqual([
      // Wednesday 26 ("3"): 02:30–09:30, 13:00–20:00, and 23:30 on into Thursday ("4") 06:30.
      slot('1.1', kyiv(2025, 11, 26, 2, 30), kyiv(2025, 11, 26, 9, 30), 'possible'),
      slot('1.1', kyiv(2025, 11, 26, 13), kyiv(2025, 11, 26, 20), 'possible'),
      slot('1.1', kyiv(2025, 11, 26, 23, 30), kyiv(2025, 11, 27, 6, 30), 'possible'),
      slot('1.1', kyiv(2025, 11, 27, 10), kyiv(2025, 11, 27, 17), 'possible'),
      slot('1.1', kyiv(2025, 11, 27, 20, 30), kyiv(2025, 11, 28, 3, 30), 'possible'),
      slot('1.1', kyiv(2025, 11, 28, 7), kyiv(2025, 11, 28, 14), 'possible'),
      slot('1.1', kyiv(2025, 11, 28, 17, 30), kyiv(2025, 11, 29, 0, 30), 'possible'),
      slot('1.1', kyiv(2025, 11, 29, 4), kyiv(2025, 11, 29, 11), 'possible'),
      slot('1.1', kyiv(2025, 11, 29, 14, 30), kyiv(2025, 11, 29, 21, 30), 'possible'),
      slot('1.1', kyiv(2025, 11, 30, 1), kyiv(2025, 11, 30, 8), 'possible'),
      slot('1.1', kyiv(2025, 11, 30, 11, 30), kyiv(2025, 11, 30, 18, 30), 'possible'),
      slot('1.1', kyiv(2025, 11, 30, 22), kyiv(2025, 12, 1, 0), 'possible'),
    ]);
    // 25 November: the fact gives the day (all "yes"), so the preset's "maybe" hours of Tuesday do not count.
    expect(slotsFor(schedule, '1.1', kyiv(2025, 11, 25, 0), kyiv(2025, 11, 26, 0))).toEqual([]);
  });

  it('covers the fact days and the preset week, a day without slots included', () => {
    expect(schedule.covers).toEqual([{ start: kyiv(2025, 11, 24, 0), end: kyiv(2025, 12, 1, 0) }]);
    expect(schedule.fetched_at).toBeUndefined();
    expect(schedule.ignored_groups).toBeUndefined();
  });

  it('starts the preset week from `now` when given, and records it as fetched_at', () => {
    const now = kyiv(2025, 11, 26, 12);
    const s = ok(parseScheduleJson(fixture('dtek-kyiv-2025-11-24.json'), { timezone: KYIV, now }));
    expect(s.fetched_at).toBe(now);
    expect(s.covers).toEqual([{ start: kyiv(2025, 11, 24, 0), end: kyiv(2025, 12, 3, 0) }]);
    // Monday 1 December from preset "1": 00:00–05:00 "maybe" (the Sunday 22:00 slot runs into it), 08:30 "msecond" …
    expect(slotsFor(s, '1.1', kyiv(2025, 12, 1, 0), kyiv(2025, 12, 1, 12))).toEqual([
      slot('1.1', kyiv(2025, 11, 30, 22), kyiv(2025, 12, 1, 5), 'possible'),
      slot('1.1', kyiv(2025, 12, 1, 8, 30), kyiv(2025, 12, 1, 15, 30), 'possible'),
    ]);
  });

  it('reads the bare DisconSchedule.fact object of the page script', () => {
    const doc = JSON.parse(fixture('dtek-kyiv-2025-11-24.json')) as { fact: unknown };
    const s = ok(parseScheduleJson(JSON.stringify(doc.fact), { timezone: KYIV }));
    expect(s.slots).toEqual(schedule.slots.filter((x) => x.kind === 'definite'));
  });
});

describe('DTEK hours on the days the clocks change', () => {
  it('hour 3 of the last Sunday of October lasts two hours (02:00 EEST … 03:00 EET)', () => {
    const s = ok(parseScheduleJson(fact({ [dayKey(2025, 10, 26)]: { 'GPV2.1': hours({ 3: 'no', 4: 'no' }) } }), { timezone: KYIV }));
    expect(s.slots).toEqual([slot('2.1', Date.UTC(2025, 9, 25, 23), Date.UTC(2025, 9, 26, 2))]);
    expect(s.slots[0]!.end - s.slots[0]!.start).toBe(3 * HOUR);
    expect(s.covers).toEqual([{ start: Date.UTC(2025, 9, 25, 21), end: Date.UTC(2025, 9, 26, 22) }]); // 25 hours
  });

  it('hour 4 of the last Sunday of March (03:00–04:00) does not exist', () => {
    const key = dayKey(2026, 3, 29);
    expect(ok(parseScheduleJson(fact({ [key]: { 'GPV2.1': hours({ 4: 'no' }) } }), { timezone: KYIV })).slots).toEqual([]);
    const s = ok(parseScheduleJson(fact({ [key]: { 'GPV2.1': hours({ 3: 'no', 4: 'no', 5: 'no' }) } }), { timezone: KYIV }));
    // 02:00 (UTC+2) … 05:00 (UTC+3): two hours of real time.
    expect(s.slots).toEqual([slot('2.1', Date.UTC(2026, 2, 29, 0), Date.UTC(2026, 2, 29, 2))]);
    expect(s.covers).toEqual([{ start: Date.UTC(2026, 2, 28, 22), end: Date.UTC(2026, 2, 29, 21) }]); // 23 hours
  });

  it('keeps summer time after the March change: 20:30 on 29 March is 17:30 UTC', () => {
    const s = ok(parseScheduleJson(fact({ [dayKey(2026, 3, 29)]: { 'GPV5.2': hours({ 21: 'second' }) } }), { timezone: KYIV }));
    expect(s.slots).toEqual([slot('5.2', Date.UTC(2026, 2, 29, 17, 30), Date.UTC(2026, 2, 29, 18))]);
  });
});

describe('DTEK half hours, midnight and kinds', () => {
  const read = (days: Record<string, Record<string, unknown>>) => ok(parseScheduleJson(fact(days), { timezone: KYIV }));
  const d1 = dayKey(2026, 12, 5);
  const d2 = dayKey(2026, 12, 6);

  it('joins "second" and the next hour\'s "first" into one slot', () => {
    expect(read({ [d1]: { 'GPV1.1': hours({ 9: 'second', 10: 'first' }) } }).slots).toEqual([
      slot('1.1', kyiv(2026, 12, 5, 8, 30), kyiv(2026, 12, 5, 9, 30)),
    ]);
  });

  it('keeps "first" and the next hour\'s "second" apart', () => {
    expect(read({ [d1]: { 'GPV1.1': hours({ 9: 'first', 10: 'second' }) } }).slots).toEqual([
      slot('1.1', kyiv(2026, 12, 5, 8), kyiv(2026, 12, 5, 8, 30)),
      slot('1.1', kyiv(2026, 12, 5, 9, 30), kyiv(2026, 12, 5, 10)),
    ]);
  });

  it('makes one slot of an outage over midnight', () => {
    const s = read({ [d1]: { 'GPV4.1': hours({ 23: 'no', 24: 'no' }) }, [d2]: { 'GPV4.1': hours({ 1: 'no', 2: 'first' }) } });
    expect(s.slots).toEqual([slot('4.1', kyiv(2026, 12, 5, 22), kyiv(2026, 12, 6, 1, 30))]);
  });

  it('keeps a definite and a possible hour side by side apart', () => {
    expect(read({ [d1]: { 'GPV1.1': hours({ 9: 'no', 10: 'maybe', 11: 'mfirst' }) } }).slots).toEqual([
      slot('1.1', kyiv(2026, 12, 5, 8), kyiv(2026, 12, 5, 9)),
      slot('1.1', kyiv(2026, 12, 5, 9), kyiv(2026, 12, 5, 10, 30), 'possible'),
    ]);
  });

  it('reads "GPV3" (no subgroup) as both halves, and leaves out groups past 6.2', () => {
    const s = read({ [d1]: { GPV3: hours({ 1: 'no' }), 'GPV7.1': hours({ 2: 'no' }), GPV8: hours({ 3: 'no' }) } });
    expect(s.slots).toEqual([
      slot('3.1', kyiv(2026, 12, 5, 0), kyiv(2026, 12, 5, 1)),
      slot('3.2', kyiv(2026, 12, 5, 0), kyiv(2026, 12, 5, 1)),
    ]);
    expect(s.ignored_groups).toEqual(['7.1', '8']);
  });

  it('reads an empty fact (the mirror writes []) with a preset when told the date', () => {
    const doc = { fact: { data: [], update: '—', today: 1787346000 }, preset: { data: { 'GPV2.2': { '6': hours({ 1: 'maybe' }) } } } };
    // 1787346000 is 2026-08-22 00:00 Kyiv, a Saturday ("6").
    const s = ok(parseScheduleJson(JSON.stringify(doc), { timezone: KYIV }));
    expect(s.slots).toEqual([slot('2.2', kyiv(2026, 8, 22, 0), kyiv(2026, 8, 22, 1), 'possible')]);
    expect(s.covers).toEqual([{ start: kyiv(2026, 8, 22, 0), end: kyiv(2026, 8, 23, 0) }]);
  });
});

describe('JSON problems name their path', () => {
  const key = dayKey(2025, 11, 24);
  it('reports every bad value, hour, day and group, all or nothing', () => {
    const doc = fact({
      [key]: { 'GPV1.1': { ...hours({ 9: 'off' }), '25': 'no' }, 'GPV1.2': hours({ 3: 'no' }), Черга: hours() },
      '12345': { 'GPV1.1': hours() },
    });
    // In the document's order: JSON objects put integer keys first, smallest first.
    expect(problems(parseScheduleJson(doc, { timezone: KYIV }))).toEqual([
      `$.fact.data["12345"]: not a day: the days are keyed by the Unix time (seconds) of their midnight in Europe/Kyiv`,
      `$.fact.data["${key}"]["GPV1.1"]["9"]: unknown value "off" (expected one of yes, no, first, second, maybe, mfirst, msecond)`,
      `$.fact.data["${key}"]["GPV1.1"]["25"]: not an hour of the day: the hours are "1" (00:00–01:00) … "24" (23:00–24:00)`,
      `$.fact.data["${key}"]["Черга"]: "Черга" is not a power group (1.1 … 6.2, or as the feeds write them: GPV1.1, group_1.1)`,
    ]);
  });

  it('refuses a day key that is not a midnight in the zone', () => {
    const noon = String(kyiv(2025, 11, 24, 12) / 1000);
    expect(problems(parseScheduleJson(fact({ [noon]: { 'GPV1.1': hours() } }), { timezone: KYIV }))).toEqual([
      `$.fact.data["${noon}"]: not a day: the days are keyed by the Unix time (seconds) of their midnight in Europe/Kyiv`,
    ]);
  });

  it('asks for the date a weekly preset starts from', () => {
    const doc = { preset: { data: { 'GPV1.1': { '1': hours() } }, time_type: {} } };
    expect(problems(parseScheduleJson(JSON.stringify(doc), { timezone: KYIV }))).toEqual([
      '$.preset: a weekly template needs the date it starts from: give the time of the reading (now), or a fact with "today"',
    ]);
    expect(ok(parseScheduleJson(JSON.stringify(doc), { timezone: KYIV, now: kyiv(2026, 1, 5, 10) })).slots).toEqual([]);
  });

  it('says when the text is not JSON or not a known shape', () => {
    expect(problems(parseScheduleJson('{"fact": ', { timezone: KYIV }))[0]).toMatch(/^\$: not valid JSON \(/);
    expect(problems(parseScheduleJson('[1, 2]', { timezone: KYIV }))).toEqual(['$: expected an object, got a list']);
    expect(problems(parseScheduleJson('{"hello": "world"}', { timezone: KYIV }))[0]).toMatch(/^\$: not a schedule shape this reads/);
  });
});

describe('Yasno planned outages (fixture in the documented shape: 29 March 2026, the clocks go forward)', () => {
  const schedule = ok(parseScheduleJson(fixture('yasno-planned-outages-dst.json'), { timezone: KYIV, now: kyiv(2026, 3, 29, 9) }));

  it('reads the Definite slots in minutes after midnight, merged over midnight', () => {
    expect(schedule.source).toBe('yasno-planned-outages');
    expect(ofGroup(schedule, '3.1')).toEqual([
      // 01:00 (UTC+2) … 04:30 (UTC+3): 2.5 hours, over the jump.
      slot('3.1', Date.UTC(2026, 2, 28, 23), Date.UTC(2026, 2, 29, 1, 30)),
      slot('3.1', kyiv(2026, 3, 29, 11, 30), kyiv(2026, 3, 29, 15)),
      // today 22:00–24:00 and tomorrow 00:00–02:00
      slot('3.1', kyiv(2026, 3, 29, 22), kyiv(2026, 3, 30, 2)),
    ]);
    expect(ofGroup(schedule, '3.1')[1]!.start).toBe(Date.UTC(2026, 2, 29, 8, 30));
  });

  it('covers NoOutages days, not WaitingForSchedule ones; leaves out group 7.1', () => {
    expect(ofGroup(schedule, '3.2')).toEqual([]);
    expect(schedule.covers).toEqual([{ start: kyiv(2026, 3, 29, 0), end: kyiv(2026, 3, 31, 0) }]);
    expect(schedule.ignored_groups).toEqual(['7.1']);
    expect(schedule.fetched_at).toBe(kyiv(2026, 3, 29, 9));
  });

  it('does not take the slots of a day whose schedule does not apply', () => {
    const doc = {
      '1.1': {
        today: { slots: [{ start: 0, end: 60, type: 'Definite' }], date: '2026-01-29T00:00:00+02:00', status: 'EmergencyShutdowns' },
      },
    };
    const s = ok(parseScheduleJson(JSON.stringify(doc), { timezone: KYIV }));
    expect(s.slots).toEqual([]);
    expect(s.covers).toEqual([]);
  });

  it('names the path of bad slots, types, statuses and dates', () => {
    const doc = {
      '1.1': {
        today: {
          slots: [
            { start: 60, end: 30, type: 'Definite' },
            { start: 0, end: 1500, type: 'Definite' },
            { start: 0, end: 60, type: 'Possible' },
          ],
          date: '2026-01-29T00:00:00+02:00',
          status: 'ScheduleApplies',
        },
        tomorrow: { slots: [], date: '30.01.2026', status: 'ScheduleApplies' },
      },
      '2.1': { today: { slots: [], date: '2026-01-29T00:00:00+02:00', status: 'Maybe' } },
    };
    expect(problems(parseScheduleJson(JSON.stringify(doc), { timezone: KYIV }))).toEqual([
      '$["1.1"].today.slots[0]: end (30) is not after start (60)',
      '$["1.1"].today.slots[1].end: expected minutes after midnight, 0 … 1440, got 1500',
      '$["1.1"].today.slots[2].type: unknown type "Possible" (expected one of Definite, NotPlanned)',
      '$["1.1"].tomorrow.date: expected the day\'s midnight as an ISO time (2026-01-29T00:00:00+02:00), got "30.01.2026"',
      '$["2.1"].today.status: unknown status "Maybe" (expected one of ScheduleApplies, NoOutages, WaitingForSchedule, EmergencyShutdowns)',
    ]);
  });
});

describe('Yasno v1 (components[].dailySchedule and the weekly schedule)', () => {
  const doc = (extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      page: {},
      components: [
        { template_name: 'header' },
        {
          template_name: 'electricity-outages-daily-schedule',
          dailySchedule: {
            kiev: {
              today: {
                title: 'Вівторок, 10.12.2024 на 00:00',
                groups: {
                  '1.1': [
                    { start: 12, end: 12.5, type: 'DEFINITE_OUTAGE' },
                    { start: 12.5, end: 13, type: 'DEFINITE_OUTAGE' },
                    { start: 20, end: 24, type: 'POSSIBLE_OUTAGE' },
                  ],
                },
              },
            },
          },
          ...extra,
        },
      ],
    });

  it('reads the dated day in decimal hours', () => {
    const s = ok(parseScheduleJson(doc(), { timezone: KYIV }));
    expect(s.source).toBe('yasno-v1');
    expect(s.slots).toEqual([
      slot('1.1', kyiv(2024, 12, 10, 12), kyiv(2024, 12, 10, 13)),
      slot('1.1', kyiv(2024, 12, 10, 20), kyiv(2024, 12, 11, 0), 'possible'),
    ]);
    expect(s.covers).toEqual([{ start: kyiv(2024, 12, 10, 0), end: kyiv(2024, 12, 11, 0) }]);
  });

  it('lays the weekly template (Monday first) over the week from now, under the dated day', () => {
    const week = Array.from({ length: 7 }, (_, i) => [{ start: i, end: i + 1, type: 'POSSIBLE_OUTAGE' }]);
    const text = doc({ schedule: { kiev: { 'group_1.1': week } } });
    const s = ok(parseScheduleJson(text, { timezone: KYIV, now: kyiv(2024, 12, 9, 18) })); // Monday
    expect(ofGroup(s, '1.1', 'possible').slice(0, 3)).toEqual([
      slot('1.1', kyiv(2024, 12, 9, 0), kyiv(2024, 12, 9, 1), 'possible'), // Monday: list 0
      slot('1.1', kyiv(2024, 12, 10, 20), kyiv(2024, 12, 11, 0), 'possible'), // Tuesday: the dated day wins
      slot('1.1', kyiv(2024, 12, 11, 2), kyiv(2024, 12, 11, 3), 'possible'), // Wednesday: list 2
    ]);
    expect(s.covers).toEqual([{ start: kyiv(2024, 12, 9, 0), end: kyiv(2024, 12, 16, 0) }]);
    expect(problems(parseScheduleJson(text, { timezone: KYIV }))).toEqual([
      '$.components[1].schedule.kiev: a weekly template needs the date it starts from: give the time of the reading (now)',
    ]);
  });

  it('asks which region to read when there are several', () => {
    const text = JSON.stringify({
      components: [{ template_name: 'electricity-outages-daily-schedule', dailySchedule: { kiev: {}, dnipro: {} } }],
    });
    expect(problems(parseScheduleJson(text, { timezone: KYIV }))).toEqual([
      '$.components[0]: the feed has the regions kiev, dnipro: say which one to read (region)',
    ]);
    expect(ok(parseScheduleJson(text, { timezone: KYIV, region: 'dnipro' })).slots).toEqual([]);
    expect(problems(parseScheduleJson(text, { timezone: KYIV, region: 'lviv' }))).toEqual([
      '$.components[0]: no region "lviv" (the feed has kiev, dnipro)',
    ]);
  });
});

describe('CSV group,start,end', () => {
  const read = (text: string) => parseScheduleCsv(text, { timezone: KYIV });

  it('reads local times, offsets, "24:00" and a kind column', () => {
    const s = ok(
      read(
        [
          'group,start,end,kind',
          '3.1,2026-12-05 14:00,2026-12-05 18:00,',
          '3.1,2026-12-05T18:00,2026-12-05T20:30,definite', // touches the first: merged
          '1.2,2026-12-05T10:00+02:00,2026-12-05T10:00Z,possible',
          '6.2,2026-12-05 22:00,2026-12-05 24:00,',
        ].join('\n'),
      ),
    );
    expect(s.source).toBe('csv');
    expect(s.slots).toEqual([
      slot('1.2', kyiv(2026, 12, 5, 10), kyiv(2026, 12, 5, 12), 'possible'),
      slot('3.1', kyiv(2026, 12, 5, 14), kyiv(2026, 12, 5, 20, 30)),
      slot('6.2', kyiv(2026, 12, 5, 22), kyiv(2026, 12, 6, 0)),
    ]);
    expect(s.covers).toEqual([{ start: kyiv(2026, 12, 5, 0), end: kyiv(2026, 12, 6, 0) }]);
  });

  it('reads a Ukrainian spreadsheet: semicolons, a byte order mark, CRLF, columns in any order', () => {
    const s = ok(read('\uFEFFstart;end;group\r\n2026-10-25 01:00;2026-10-25 05:00;4.1\r\n'));
    // The last Sunday of October 2026: 01:00 EEST … 05:00 EET is five hours.
    expect(s.slots).toEqual([slot('4.1', Date.UTC(2026, 9, 24, 22), Date.UTC(2026, 9, 25, 3))]);
  });

  it('covers every day an overnight slot touches', () => {
    const s = ok(read('group,start,end\n2.2,2026-03-28 22:00,2026-03-29 06:00\n'));
    expect(s.slots).toEqual([slot('2.2', kyiv(2026, 3, 28, 22), kyiv(2026, 3, 29, 6))]);
    expect(s.slots[0]!.end - s.slots[0]!.start).toBe(7 * HOUR); // the night the clocks go forward
    expect(s.covers).toEqual([{ start: kyiv(2026, 3, 28, 0), end: kyiv(2026, 3, 30, 0) }]);
  });

  it('reports every problem as "line N column: message", nothing else', () => {
    const text = [
      'group,start,end',
      '3.1,2026-12-05 14:00,2026-12-05 18:00', // good, but the file is all or nothing
      '7.1,2026-12-05 14:00,2026-12-05 18:00',
      ',2026-13-05 14:00,',
      '3.2,2026-12-05 18:00,2026-12-05 14:00',
      '"1.1\nx",2026-12-05 14:00', // a quoted line break: the record starts on line 6
      '1.1,2026-12-05 25:00,2026-12-05T14:00+2',
      '1.1,2026-12-05 14:00,2026-12-05 15:00,extra',
    ].join('\n');
    expect(problems(read(text))).toEqual([
      'line 3 group: "7.1" is not a power group (1.1 … 6.2)',
      'line 4 group: is empty',
      'line 4 start: is not a time: "2026-13-05 14:00" (ISO 8601, e.g. 2026-12-05 14:00, 2026-12-05T14:00+02:00 or 2026-12-05T12:00Z)',
      'line 4 end: is empty',
      'line 5 end: 2026-12-05 14:00 is not after start 2026-12-05 18:00',
      'line 6: expected 3 values (group,start,end), got 2',
      'line 8 start: is not a time: "2026-12-05 25:00" (ISO 8601, e.g. 2026-12-05 14:00, 2026-12-05T14:00+02:00 or 2026-12-05T12:00Z)',
      'line 8 end: is not a time: "2026-12-05T14:00+2" (ISO 8601, e.g. 2026-12-05 14:00, 2026-12-05T14:00+02:00 or 2026-12-05T12:00Z)',
      'line 9: expected 3 values (group,start,end), got 4',
    ]);
  });

  it('requires the header', () => {
    expect(problems(read(''))).toEqual(['line 1: the file is empty; it needs the header "group,start,end"']);
    expect(problems(read('3.1,2026-12-05 14:00,2026-12-05 18:00\n'))).toEqual([
      'line 1: the first line must be the header "group,start,end" (optionally with "kind"): no column group, start, end; unknown column "3.1", "2026-12-05 14:00", "2026-12-05 18:00"',
    ]);
    expect(problems(read('\n\ngroup,start,finish\n'))).toEqual([
      'line 3: the first line must be the header "group,start,end" (optionally with "kind"): no column end; unknown column "finish"',
    ]);
  });

  it('reports a bad kind and a broken quote', () => {
    expect(problems(read('group,start,end,kind\n1.1,2026-12-05 14:00,2026-12-05 15:00,maybe\n"1.1,x\n'))).toEqual([
      'line 2 kind: "maybe" is not a kind (definite or possible)',
      'line 3: a quoted field is not closed (a double quote is missing)',
    ]);
  });
});

describe('lookups', () => {
  const s = ok(parseScheduleJson(fixture('dtek-kyiv-2025-11-24.json'), { timezone: KYIV }));

  it('slotsFor returns whole slots overlapping the range, end exclusive', () => {
    expect(slotsFor(s, '3.1', kyiv(2025, 11, 24, 5, 30), kyiv(2025, 11, 24, 12))).toEqual([]);
    expect(slotsFor(s, '3.1', kyiv(2025, 11, 24, 5), kyiv(2025, 11, 24, 12, 1))).toEqual([
      slot('3.1', kyiv(2025, 11, 24, 1, 30), kyiv(2025, 11, 24, 5, 30)),
      slot('3.1', kyiv(2025, 11, 24, 12), kyiv(2025, 11, 24, 16)),
    ]);
    expect(slotsFor(s, '5.1', 0, Infinity)).toEqual([]);
  });

  it('inBlackout: start inclusive, end exclusive, per group', () => {
    expect(inBlackout(s, '1.1', kyiv(2025, 11, 24, 8, 30))).toEqual(slot('1.1', kyiv(2025, 11, 24, 8, 30), kyiv(2025, 11, 24, 16)));
    expect(inBlackout(s, '1.1', kyiv(2025, 11, 24, 8, 29))).toBeUndefined();
    expect(inBlackout(s, '1.1', kyiv(2025, 11, 24, 16))).toBeUndefined();
    expect(inBlackout(s, '1.2', kyiv(2025, 11, 24, 15))).toBeUndefined();
    expect(inBlackout(s, '1.1', kyiv(2025, 11, 26, 3))?.kind).toBe('possible');
  });

  it('inBlackout prefers a definite slot where a possible one overlaps it', () => {
    const both: BlackoutSchedule = { source: 'test', slots: [slot('2.1', 0, 10 * HOUR, 'possible'), slot('2.1', 2 * HOUR, 3 * HOUR)] };
    expect(inBlackout(both, '2.1', 2.5 * HOUR)?.kind).toBe('definite');
    expect(inBlackout(both, '2.1', 4 * HOUR)?.kind).toBe('possible');
  });

  it('slotsByDay gives today and tomorrow, slots cut at midnight', () => {
    const days = slotsByDay(s, '3.1', KYIV, 2, kyiv(2025, 11, 24, 13));
    expect(days).toEqual([
      {
        date: '2025-11-24',
        start: kyiv(2025, 11, 24, 0),
        end: kyiv(2025, 11, 25, 0),
        covered: true,
        slots: [
          slot('3.1', kyiv(2025, 11, 24, 1, 30), kyiv(2025, 11, 24, 5, 30)),
          slot('3.1', kyiv(2025, 11, 24, 12), kyiv(2025, 11, 24, 16)),
          slot('3.1', kyiv(2025, 11, 24, 22, 30), kyiv(2025, 11, 25, 0)),
        ],
      },
      { date: '2025-11-25', start: kyiv(2025, 11, 25, 0), end: kyiv(2025, 11, 26, 0), covered: true, slots: [] },
    ]);
    expect(slotsByDay(s, '3.1', KYIV, 1, kyiv(2025, 12, 5, 12))).toEqual([
      { date: '2025-12-05', start: kyiv(2025, 12, 5, 0), end: kyiv(2025, 12, 6, 0), covered: false, slots: [] },
    ]);
  });

  it('slotsByDay on the DST days: 23 and 25 hours, an overnight slot on both days', () => {
    const y = ok(parseScheduleJson(fixture('yasno-planned-outages-dst.json'), { timezone: KYIV }));
    const [today, tomorrow] = slotsByDay(y, '3.1', KYIV, 2, kyiv(2026, 3, 29, 23));
    expect(today!.end - today!.start).toBe(23 * HOUR);
    expect(today!.slots.at(-1)).toEqual(slot('3.1', kyiv(2026, 3, 29, 22), kyiv(2026, 3, 30, 0)));
    expect(tomorrow!.slots).toEqual([slot('3.1', kyiv(2026, 3, 30, 0), kyiv(2026, 3, 30, 2))]);
    const [autumn] = slotsByDay(y, '3.1', KYIV, 1, kyiv(2026, 10, 25, 12));
    expect(autumn!.end - autumn!.start).toBe(25 * HOUR);
  });
});

describe('mergeSchedules', () => {
  const old = ok(parseScheduleJson(fixture('dtek-kyiv-2025-11-24.json'), { timezone: KYIV }));

  it('replaces the days the newer import covers and keeps the others', () => {
    const next = ok(parseScheduleCsv('group,start,end\n3.1,2025-11-25 10:00,2025-11-25 12:00\n', { timezone: KYIV }));
    const merged = mergeSchedules(old, next);
    expect(ofGroup(merged, '3.1')).toEqual([
      slot('3.1', kyiv(2025, 11, 24, 1, 30), kyiv(2025, 11, 24, 5, 30)),
      slot('3.1', kyiv(2025, 11, 24, 12), kyiv(2025, 11, 24, 16)),
      slot('3.1', kyiv(2025, 11, 24, 22, 30), kyiv(2025, 11, 25, 0)),
      slot('3.1', kyiv(2025, 11, 25, 10), kyiv(2025, 11, 25, 12)),
    ]);
    // The preset's possible slots of 25 November for 1.1 were none; those of the 26th stay.
    expect(ofGroup(merged, '1.1', 'possible')).toEqual(ofGroup(old, '1.1', 'possible'));
    expect(merged.source).toBe('csv');
    expect(merged.covers).toEqual(old.covers);
  });

  it('empties a covered day, cuts an old slot at its edge and joins new slots over midnight', () => {
    // A fact for 24 November where 1.1 is off 22:00–24:00 and every other group has power.
    const next = ok(parseScheduleJson(fact({ [dayKey(2025, 11, 24)]: { 'GPV1.1': hours({ 23: 'no', 24: 'no' }) } }), { timezone: KYIV }));
    const merged = mergeSchedules(old, next);
    expect(ofGroup(merged, '3.1')).toEqual([]);
    expect(ofGroup(merged, '1.1', 'definite')).toEqual([slot('1.1', kyiv(2025, 11, 24, 22), kyiv(2025, 11, 25, 0))]);
    // An old overnight slot of 3.1 (23:00–01:00) over a newer 24th: only its part on the 25th stays.
    const overnight: BlackoutSchedule = { source: 'csv', slots: [slot('3.1', kyiv(2025, 11, 24, 23), kyiv(2025, 11, 25, 1))] };
    expect(mergeSchedules(overnight, next).slots.filter((x) => x.group === '3.1')).toEqual([
      slot('3.1', kyiv(2025, 11, 25, 0), kyiv(2025, 11, 25, 1)),
    ]);
    // … and a newer 1.1 slot up to midnight joins an old one from midnight on.
    const after: BlackoutSchedule = { source: 'csv', slots: [slot('1.1', kyiv(2025, 11, 25, 0), kyiv(2025, 11, 25, 3))] };
    expect(mergeSchedules(after, next).slots).toEqual([slot('1.1', kyiv(2025, 11, 24, 22), kyiv(2025, 11, 25, 3))]);
  });

  it('without covers, replaces the span of the newer slots', () => {
    const a: BlackoutSchedule = { source: 'a', fetched_at: 1, slots: [slot('1.1', 0, 2 * HOUR), slot('1.1', 5 * HOUR, 6 * HOUR)] };
    const b: BlackoutSchedule = { source: 'b', slots: [slot('1.1', HOUR, 3 * HOUR)] };
    expect(mergeSchedules(a, b)).toEqual({
      source: 'b',
      fetched_at: 1,
      slots: [slot('1.1', 0, 3 * HOUR), slot('1.1', 5 * HOUR, 6 * HOUR)],
      covers: [{ start: HOUR, end: 3 * HOUR }],
    });
  });
});
