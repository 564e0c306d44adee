/**
 * Blackout schedules (ГПВ, графіки погодинних відключень): the public
 * Ukrainian outage-schedule feeds and a plain CSV, read into one typed model
 * of slots per power group ("черга" 1.1 … 6.2). Pure: text in, a schedule or
 * every problem out; no clock, no I/O.
 *
 * Feed shapes read by `parseScheduleJson` (detected from the document):
 *
 * - **DTEK ГПВ** (`DisconSchedule.fact` / `DisconSchedule.preset` of the
 *   dtek-kem / dtek-krem / dtek-dnem / dtek-oem pages, mirrored as JSON by
 *   outage-data-ua): `fact.data` is keyed by the Unix time (seconds) of a
 *   local midnight, then `"GPV3.1"`, then the hours `"1"` … `"24"` (hour 1 is
 *   00:00–01:00) with `"yes"` (power), `"no"` (outage), `"first"` / `"second"`
 *   (outage in the first / second half hour), `"maybe"`, `"mfirst"`,
 *   `"msecond"` (possible outage, whole hour or a half). `preset.data` is the
 *   weekly template, `"GPV3.1"` → weekday `"1"` (Monday) … `"7"` (Sunday) →
 *   the same hours; it is laid over the seven days from today, except where
 *   `fact` gives the day. The bare `fact` or `preset` object is read too.
 * - **Yasno planned outages** (`app.yasno.ua/api/blackout-service/public/
 *   shutdowns/regions/{region}/dsos/{dso}/planned-outages`): `"3.1"` →
 *   `today` / `tomorrow` → `{ date, status, slots: [{ start, end, type }] }`,
 *   `start`/`end` in minutes after local midnight, `type` `"Definite"` (an
 *   outage) or `"NotPlanned"`. Only days whose `status` is `ScheduleApplies`
 *   (or `NoOutages`: covered, no slots) count; `WaitingForSchedule` and
 *   `EmergencyShutdowns` days say nothing about the schedule.
 * - **Yasno v1** (`api.yasno.com.ua/api/v1/pages/home/schedule-turn-off-electricity`,
 *   retired in 2025): the component `electricity-outages-daily-schedule`,
 *   its `dailySchedule.<region>.today|tomorrow = { title: "Вівторок, 10.12.2024 …",
 *   groups: { "1.1": [{ start, end, type }] } }` (hours, 12.5 = 12:30;
 *   `DEFINITE_OUTAGE` / `POSSIBLE_OUTAGE`) and the weekly template
 *   `schedule.<region>["group_1.1"]` = seven lists, Monday first.
 *
 * Times in the feeds are wall-clock times of the hromada's zone: hour 4 of
 * the day the clocks go forward (03:00–04:00 in Kyiv) does not exist and
 * yields nothing; hour 3 of the day they go back (02:00–03:00) lasts two
 * hours. Slots of one group and kind that touch are merged (22:00–24:00 and
 * 00:00–02:00 of the next day are one slot).
 *
 * Groups are normalised to "N.M": "GPV3.1", "group_3.1", "3.1" are "3.1"; a
 * group without a subgroup ("GPV3", "3") stands for both of its halves.
 * Groups outside 1.1 … 6.2 (the Kyiv city feed has numbered more at times)
 * are left out and named in `ignored_groups`; anything else that is not a
 * group is a problem.
 */
import { readCsv, sniffDelimiter } from '../../common/csv.ts';
import { formatLocalTime, parseIsoTime } from '../../common/iso-time.ts';
import { localTime, zonedTimeToUtc } from '../../common/timezone.ts';
import { isPowerGroup, POWER_GROUPS, type PowerGroup } from '../../common/words/power.ts';

export type BlackoutKind = 'definite' | 'possible';

export interface BlackoutSlot {
  /** A power group, "1.1" … "6.2". */
  group: string;
  /** Epoch ms, inclusive. */
  start: number;
  /** Epoch ms, exclusive. */
  end: number;
  /** `definite`: the schedule says the power is off; `possible`: it may be (ГПВ "можливо"). */
  kind: BlackoutKind;
}

/** A stretch of time, epoch ms, end exclusive. */
export interface TimeRange {
  start: number;
  end: number;
}

export interface BlackoutSchedule {
  /** Sorted by start, then group. Slots of one group and kind never touch or overlap. */
  slots: BlackoutSlot[];
  /** The format it was read from: `dtek-gpv`, `yasno-planned-outages`, `yasno-v1`, `csv` (or whatever the caller puts). */
  source: string;
  fetched_at?: number;
  /**
   * The local days the schedule speaks for (a day with no slots in it means
   * no blackout that day), sorted and disjoint. `mergeSchedules` replaces
   * these in an older schedule. When absent, the span of the slots.
   */
  covers?: TimeRange[];
  /** Groups the feed had that are not 1.1 … 6.2, left out. */
  ignored_groups?: string[];
}

export type ScheduleResult = BlackoutSchedule | { problems: string[] };

export { POWER_GROUPS, isPowerGroup, type PowerGroup };

// ---------------------------------------------------------------------------
// Local days and slots

interface LocalDate {
  year: number;
  month: number;
  day: number;
}

const pad = (n: number) => String(n).padStart(2, '0');
const dateText = (d: LocalDate) => `${d.year}-${pad(d.month)}-${pad(d.day)}`;

function addDays(d: LocalDate, n: number): LocalDate {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + n));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

function localDate(t: number, timeZone: string): LocalDate {
  const l = localTime(t, timeZone);
  return { year: l.year, month: l.month, day: l.day };
}

/** 0 = Monday … 6 = Sunday. */
const weekdayOf = (d: LocalDate) => (new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay() + 6) % 7;

/**
 * The instant of a wall-clock minute of a local day (0 … 1440; 1440 is the
 * next midnight). Every boundary goes through here, so the slots of one day
 * tile it without gaps even on the days the clocks change.
 */
function instantAt(date: LocalDate, minute: number, timeZone: string): number {
  const day = minute >= 1440 ? addDays(date, 1) : date;
  const m = minute >= 1440 ? minute - 1440 : minute;
  return zonedTimeToUtc({ ...day, hour: Math.floor(m / 60), minute: m % 60 }, timeZone);
}

const dayRange = (date: LocalDate, timeZone: string): TimeRange => ({
  start: instantAt(date, 0, timeZone),
  end: instantAt(date, 1440, timeZone),
});

/**
 * The local date of an instant that is meant as a midnight in the zone, or
 * undefined when it is not within two hours of one (two hours allow for a
 * publisher that got the offset of a daylight-saving day wrong).
 */
function midnightDate(t: number, timeZone: string): LocalDate | undefined {
  const date = localDate(t + 12 * 3_600_000, timeZone);
  return Math.abs(instantAt(date, 0, timeZone) - t) <= 2 * 3_600_000 ? date : undefined;
}

const KIND_ORDER: Record<BlackoutKind, number> = { definite: 0, possible: 1 };

/** Slots sorted, empty ones dropped, those of one group and kind that touch or overlap merged. */
function normalise(slots: readonly BlackoutSlot[]): BlackoutSlot[] {
  const sorted = slots
    .filter((s) => s.end > s.start)
    .sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.start - b.start));
  const merged: BlackoutSlot[] = [];
  for (const s of sorted) {
    const last = merged[merged.length - 1];
    if (last && last.group === s.group && last.kind === s.kind && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else merged.push({ ...s });
  }
  return merged.sort(
    (a, b) => a.start - b.start || (a.group < b.group ? -1 : a.group > b.group ? 1 : 0) || KIND_ORDER[a.kind] - KIND_ORDER[b.kind],
  );
}

/** Ranges sorted and joined where they touch or overlap. */
function unionRanges(ranges: readonly TimeRange[]): TimeRange[] {
  const out: TimeRange[] = [];
  for (const r of [...ranges].filter((r) => r.end > r.start).sort((a, b) => a.start - b.start)) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}

/** The parts of a slot outside the (sorted, disjoint) ranges. */
function subtract(slot: BlackoutSlot, ranges: readonly TimeRange[]): BlackoutSlot[] {
  const out: BlackoutSlot[] = [];
  let from = slot.start;
  for (const r of ranges) {
    if (r.end <= from || r.start >= slot.end) continue;
    if (r.start > from) out.push({ ...slot, start: from, end: r.start });
    from = Math.max(from, r.end);
  }
  if (from < slot.end) out.push({ ...slot, start: from });
  return out;
}

// ---------------------------------------------------------------------------
// Groups as the feeds write them

type FeedGroup = { groups: PowerGroup[] } | { outside: string };

/** "GPV3.1", "group_3.1", "3.1" → 3.1; "GPV3", "3" → 3.1 and 3.2; "GPV7.1" → outside; not a group → undefined. */
function feedGroup(key: string): FeedGroup | undefined {
  const m = /^(?:GPV|group_?)?\s*(\d{1,2})(?:\.(\d{1,2}))?$/i.exec(key.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  if (m[2] === undefined) {
    const both = [`${n}.1`, `${n}.2`];
    return both.every(isPowerGroup) ? { groups: both as PowerGroup[] } : { outside: String(n) };
  }
  const group = `${n}.${Number(m[2])}`;
  return isPowerGroup(group) ? { groups: [group] } : { outside: group };
}

// ---------------------------------------------------------------------------
// JSON

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `$.fact.data["1763935200"]["GPV1.1"]["9"]`: dotted where the key is a name, quoted where not. */
const child = (path: string, key: string | number) =>
  typeof key === 'number' ? `${path}[${key}]` : /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;

const show = (v: Json | undefined) => (v === undefined ? 'nothing' : JSON.stringify(v));

/** What a reading of one feed gathers: its slots, the days it speaks for, its problems. */
class Reading {
  readonly slots: BlackoutSlot[] = [];
  readonly covers: TimeRange[] = [];
  readonly problems: string[] = [];
  readonly ignored = new Set<string>();
  constructor(readonly timeZone: string) {}

  problem(path: string, message: string) {
    this.problems.push(`${path}: ${message}`);
  }

  /** The groups of a feed's key, or undefined (and a problem, or an ignored group) when it names none of 1.1 … 6.2. */
  groups(key: string, path: string): PowerGroup[] | undefined {
    const g = feedGroup(key);
    if (g === undefined)
      this.problem(path, `${JSON.stringify(key)} is not a power group (1.1 … 6.2, or as the feeds write them: GPV1.1, group_1.1)`);
    else if ('outside' in g) this.ignored.add(g.outside);
    else return g.groups;
    return undefined;
  }

  /** A slot of a local day, minutes after its midnight. */
  add(groups: readonly string[], date: LocalDate, from: number, to: number, kind: BlackoutKind) {
    const start = instantAt(date, from, this.timeZone);
    const end = instantAt(date, to, this.timeZone);
    for (const group of groups) this.slots.push({ group, start, end, kind });
  }

  cover(date: LocalDate) {
    this.covers.push(dayRange(date, this.timeZone));
  }

  result(source: string, now: number | undefined): ScheduleResult {
    if (this.problems.length > 0) return { problems: this.problems };
    const schedule: BlackoutSchedule = { slots: normalise(this.slots), source, covers: unionRanges(this.covers) };
    if (now !== undefined) schedule.fetched_at = now;
    if (this.ignored.size > 0) schedule.ignored_groups = [...this.ignored].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    return schedule;
  }
}

export interface ScheduleJsonOptions {
  /** The hromada's IANA time zone (Europe/Kyiv): the feeds' hours are its wall-clock hours. */
  timezone: string;
  /** The time of the reading: weekly templates are laid over the seven days from its date; also `fetched_at`. */
  now?: number;
  /** For a feed of several regions (Yasno v1: `kiev`, `dnipro`), the one to read. */
  region?: string;
}

/**
 * A blackout schedule from the JSON of a public feed (see the shapes at the
 * top), or every problem, each naming its JSON path (`$.fact.data[…]…`).
 * All or nothing: a schedule comes out only when the whole document reads.
 */
export function parseScheduleJson(text: string, options: ScheduleJsonOptions): ScheduleResult {
  let doc: Json;
  try {
    doc = JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text) as Json;
  } catch (e) {
    return { problems: [`$: not valid JSON (${(e as Error).message})`] };
  }
  const reading = new Reading(options.timezone);
  if (!isObject(doc)) return { problems: [`$: expected an object, got ${Array.isArray(doc) ? 'a list' : show(doc)}`] };
  if ('fact' in doc || 'preset' in doc) {
    readDtek(reading, doc.fact, doc.preset, '$.fact', '$.preset', options.now);
    return reading.result('dtek-gpv', options.now);
  }
  if ('data' in doc && ('today' in doc || 'update' in doc) && !('time_type' in doc)) {
    readDtek(reading, doc, undefined, '$', '$.preset', options.now);
    return reading.result('dtek-gpv', options.now);
  }
  if ('data' in doc && ('time_type' in doc || 'sch_names' in doc)) {
    readDtek(reading, undefined, doc, '$.fact', '$', options.now);
    return reading.result('dtek-gpv', options.now);
  }
  if (Array.isArray(doc.components)) {
    readYasnoV1(reading, doc.components, options);
    return reading.result('yasno-v1', options.now);
  }
  const values = Object.values(doc);
  if (values.length > 0 && values.every((v) => isObject(v) && ('today' in v || 'tomorrow' in v))) {
    readYasnoPlanned(reading, doc);
    return reading.result('yasno-planned-outages', options.now);
  }
  return {
    problems: [
      '$: not a schedule shape this reads: expected DTEK ГПВ ("fact"/"preset" with "data" by GPV group), ' +
        'Yasno planned outages ({"1.1": {"today": {"slots": …}}}) or Yasno v1 ("components")',
    ],
  };
}

// DTEK ГПВ ------------------------------------------------------------------

/** What an hour's word means: the kind and the minutes of the hour it covers; null for power. */
const DTEK_HOURS: Record<string, readonly [BlackoutKind, number, number] | null> = {
  yes: null,
  no: ['definite', 0, 60],
  first: ['definite', 0, 30],
  second: ['definite', 30, 60],
  maybe: ['possible', 0, 60],
  mfirst: ['possible', 0, 30],
  msecond: ['possible', 30, 60],
};
const DTEK_WORDS = Object.keys(DTEK_HOURS).join(', ');

function readDtekHours(r: Reading, hours: Json | undefined, path: string, groups: readonly string[], date: LocalDate) {
  if (!isObject(hours)) return r.problem(path, `expected the hours "1" … "24" of a group, got ${show(hours)}`);
  for (const [key, value] of Object.entries(hours)) {
    const p = child(path, key);
    const hour = /^\d{1,2}$/.test(key) ? Number(key) : NaN;
    if (!(hour >= 1 && hour <= 24)) {
      r.problem(p, 'not an hour of the day: the hours are "1" (00:00–01:00) … "24" (23:00–24:00)');
      continue;
    }
    const meaning = typeof value === 'string' ? DTEK_HOURS[value.trim().toLowerCase()] : undefined;
    if (meaning === undefined) r.problem(p, `unknown value ${show(value)} (expected one of ${DTEK_WORDS})`);
    else if (meaning !== null) r.add(groups, date, (hour - 1) * 60 + meaning[1], (hour - 1) * 60 + meaning[2], meaning[0]);
  }
}

function readDtek(r: Reading, fact: Json | undefined, preset: Json | undefined, factPath: string, presetPath: string, now?: number) {
  /** Groups and dates the fact gives: the preset does not speak for them. */
  const given = new Set<string>();
  let today: number | undefined;
  if (fact !== undefined && fact !== null) {
    if (!isObject(fact)) return r.problem(factPath, `expected an object with "data", got ${show(fact)}`);
    if (typeof fact.today === 'number') today = fact.today * 1000;
    const data = fact.data;
    const path = child(factPath, 'data');
    // The mirror writes [] when DTEK publishes no fact.
    if (Array.isArray(data) && data.length === 0) {
      // nothing
    } else if (!isObject(data)) r.problem(path, `expected the days by Unix time of their midnight, got ${show(data)}`);
    else {
      for (const [key, day] of Object.entries(data)) {
        const p = child(path, key);
        const date = /^\d{9,11}$/.test(key) ? midnightDate(Number(key) * 1000, r.timeZone) : undefined;
        if (date === undefined) {
          r.problem(p, `not a day: the days are keyed by the Unix time (seconds) of their midnight in ${r.timeZone}`);
          continue;
        }
        if (!isObject(day)) {
          r.problem(p, `expected the groups of the day ("GPV1.1" …), got ${show(day)}`);
          continue;
        }
        r.cover(date);
        for (const [name, hours] of Object.entries(day)) {
          const groups = r.groups(name, child(p, name));
          if (groups === undefined) continue;
          for (const g of groups) given.add(`${g} ${dateText(date)}`);
          readDtekHours(r, hours, child(p, name), groups, date);
        }
      }
    }
  }
  if (preset === undefined || preset === null) return;
  if (!isObject(preset)) return r.problem(presetPath, `expected an object with "data", got ${show(preset)}`);
  const path = child(presetPath, 'data');
  const data = preset.data;
  if (Array.isArray(data) && data.length === 0) return;
  if (!isObject(data)) return r.problem(path, `expected the weekly template by group ("GPV1.1": {"1": …, "7": …}), got ${show(data)}`);
  const from = now ?? today;
  if (from === undefined) {
    return r.problem(
      presetPath,
      'a weekly template needs the date it starts from: give the time of the reading (now), or a fact with "today"',
    );
  }
  const first = localDate(from, r.timeZone);
  const week = Array.from({ length: 7 }, (_, i) => addDays(first, i));
  for (const [name, days] of Object.entries(data)) {
    const p = child(path, name);
    const groups = r.groups(name, p);
    if (groups === undefined) continue;
    if (!isObject(days)) {
      r.problem(p, `expected the weekdays "1" (Monday) … "7" (Sunday), got ${show(days)}`);
      continue;
    }
    for (const key of Object.keys(days)) {
      if (!/^[1-7]$/.test(key)) r.problem(child(p, key), 'not a weekday: the weekdays are "1" (Monday) … "7" (Sunday)');
    }
    for (const date of week) {
      const key = String(weekdayOf(date) + 1);
      if (days[key] === undefined) continue;
      const open = groups.filter((g) => !given.has(`${g} ${dateText(date)}`));
      if (open.length === 0) continue;
      r.cover(date);
      readDtekHours(r, days[key], child(p, key), open, date);
    }
  }
}

// Yasno planned outages -------------------------------------------------------

const YASNO_TYPES: Record<string, BlackoutKind | null> = { Definite: 'definite', NotPlanned: null };
/** Statuses of a day: whether the schedule applies (its slots count, the day is covered). */
const YASNO_STATUSES: Record<string, boolean> = {
  ScheduleApplies: true,
  NoOutages: true,
  WaitingForSchedule: false,
  EmergencyShutdowns: false,
};

function readMinutes(r: Reading, value: Json | undefined, path: string, unit: 'minutes' | 'hours'): number | undefined {
  const max = unit === 'minutes' ? 1440 : 24;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) {
    r.problem(path, `expected ${unit} after midnight, 0 … ${max}, got ${show(value)}`);
    return undefined;
  }
  return Math.round(unit === 'minutes' ? value : value * 60);
}

function readYasnoPlanned(r: Reading, doc: JsonObject) {
  for (const [name, group] of Object.entries(doc)) {
    const p = child('$', name);
    const groups = r.groups(name, p);
    if (groups === undefined || !isObject(group)) continue;
    for (const which of ['today', 'tomorrow'] as const) {
      const day = group[which];
      const dp = child(p, which);
      if (day === undefined || day === null) continue;
      if (!isObject(day)) {
        r.problem(dp, `expected {"date", "status", "slots"}, got ${show(day)}`);
        continue;
      }
      const status = day.status;
      if (status !== undefined && (typeof status !== 'string' || !(status in YASNO_STATUSES))) {
        r.problem(child(dp, 'status'), `unknown status ${show(status)} (expected one of ${Object.keys(YASNO_STATUSES).join(', ')})`);
        continue;
      }
      const applies = status === undefined || YASNO_STATUSES[status]!;
      const t = typeof day.date === 'string' ? parseIsoTime(day.date, r.timeZone) : undefined;
      const date = t === undefined ? undefined : midnightDate(t, r.timeZone);
      if (date === undefined) {
        r.problem(child(dp, 'date'), `expected the day's midnight as an ISO time (2026-01-29T00:00:00+02:00), got ${show(day.date)}`);
        continue;
      }
      if (!applies) continue;
      r.cover(date);
      readSlotList(r, day.slots, child(dp, 'slots'), groups, date, 'minutes', YASNO_TYPES);
    }
  }
}

function readSlotList(
  r: Reading,
  slots: Json | undefined,
  path: string,
  groups: readonly string[],
  date: LocalDate,
  unit: 'minutes' | 'hours',
  types: Record<string, BlackoutKind | null>,
) {
  if (slots === undefined || slots === null) return;
  if (!Array.isArray(slots)) return r.problem(path, `expected a list of {"start", "end", "type"}, got ${show(slots)}`);
  slots.forEach((slot, i) => {
    const p = child(path, i);
    if (!isObject(slot)) return r.problem(p, `expected {"start", "end", "type"}, got ${show(slot)}`);
    const kind = typeof slot.type === 'string' && Object.hasOwn(types, slot.type) ? types[slot.type] : undefined;
    if (kind === undefined)
      return r.problem(child(p, 'type'), `unknown type ${show(slot.type)} (expected one of ${Object.keys(types).join(', ')})`);
    const from = readMinutes(r, slot.start, child(p, 'start'), unit);
    const to = readMinutes(r, slot.end, child(p, 'end'), unit);
    if (from === undefined || to === undefined) return;
    if (to <= from) return r.problem(p, `end (${show(slot.end)}) is not after start (${show(slot.start)})`);
    if (kind !== null) r.add(groups, date, from, to, kind);
  });
}

// Yasno v1 ------------------------------------------------------------------

const YASNO_V1_TYPES: Record<string, BlackoutKind | null> = { DEFINITE_OUTAGE: 'definite', POSSIBLE_OUTAGE: 'possible' };
const YASNO_V1_TEMPLATE = 'electricity-outages-daily-schedule';

function readYasnoV1(r: Reading, components: Json[], options: ScheduleJsonOptions) {
  const index = components.findIndex((c) => isObject(c) && (c.template_name === YASNO_V1_TEMPLATE || 'dailySchedule' in c));
  const component = components[index];
  if (!isObject(component)) return r.problem('$.components', `no component "${YASNO_V1_TEMPLATE}" with a schedule`);
  const cp = child('$.components', index);
  const daily = component.dailySchedule;
  const weekly = component.schedule;
  const regions = new Set([...(isObject(daily) ? Object.keys(daily) : []), ...(isObject(weekly) ? Object.keys(weekly) : [])]);
  let region = options.region;
  if (region === undefined) {
    if (regions.size !== 1) {
      return r.problem(
        cp,
        `the feed has ${regions.size === 0 ? 'no regions' : `the regions ${[...regions].join(', ')}`}: say which one to read (region)`,
      );
    }
    region = [...regions][0]!;
  } else if (!regions.has(region)) {
    return r.problem(cp, `no region ${JSON.stringify(region)} (the feed has ${[...regions].join(', ') || 'none'})`);
  }

  const given = new Set<string>();
  if (isObject(daily) && daily[region] !== undefined) {
    const rp = child(child(cp, 'dailySchedule'), region);
    const days = daily[region];
    if (!isObject(days)) return r.problem(rp, `expected {"today", "tomorrow"}, got ${show(days)}`);
    for (const which of ['today', 'tomorrow'] as const) {
      const day = days[which];
      const dp = child(rp, which);
      if (day === undefined || day === null || (Array.isArray(day) && day.length === 0)) continue;
      if (!isObject(day)) {
        r.problem(dp, `expected {"title", "groups"}, got ${show(day)}`);
        continue;
      }
      const m = typeof day.title === 'string' ? /(\d{1,2})\.(\d{1,2})\.(\d{4})/.exec(day.title) : null;
      const date = m ? { year: Number(m[3]), month: Number(m[2]), day: Number(m[1]) } : undefined;
      if (!date || dateText(addDays(date, 0)) !== dateText(date)) {
        r.problem(
          child(dp, 'title'),
          `expected the day's date in the title (e.g. "Вівторок, 10.12.2024 на 00:00"), got ${show(day.title)}`,
        );
        continue;
      }
      if (!isObject(day.groups)) {
        r.problem(child(dp, 'groups'), `expected the slots by group ("1.1": […]), got ${show(day.groups)}`);
        continue;
      }
      r.cover(date);
      for (const [name, slots] of Object.entries(day.groups)) {
        const gp = child(child(dp, 'groups'), name);
        const groups = r.groups(name, gp);
        if (groups === undefined) continue;
        for (const g of groups) given.add(`${g} ${dateText(date)}`);
        readSlotList(r, slots, gp, groups, date, 'hours', YASNO_V1_TYPES);
      }
    }
  }
  if (isObject(weekly) && weekly[region] !== undefined) {
    const rp = child(child(cp, 'schedule'), region);
    const byGroup = weekly[region];
    if (!isObject(byGroup)) return r.problem(rp, `expected the weekly template by group ("group_1.1": [[…] × 7]), got ${show(byGroup)}`);
    if (options.now === undefined)
      return r.problem(rp, 'a weekly template needs the date it starts from: give the time of the reading (now)');
    const first = localDate(options.now, r.timeZone);
    for (const [name, week] of Object.entries(byGroup)) {
      const gp = child(rp, name);
      const groups = r.groups(name, gp);
      if (groups === undefined) continue;
      if (!Array.isArray(week) || week.length !== 7) {
        r.problem(gp, `expected seven lists of slots, Monday first, got ${Array.isArray(week) ? `${week.length}` : show(week)}`);
        continue;
      }
      for (let i = 0; i < 7; i++) {
        const date = addDays(first, i);
        const open = groups.filter((g) => !given.has(`${g} ${dateText(date)}`));
        if (open.length === 0) continue;
        r.cover(date);
        const wd = weekdayOf(date);
        readSlotList(r, week[wd], child(gp, wd), open, date, 'hours', YASNO_V1_TYPES);
      }
    }
  }
}

// ---------------------------------------------------------------------------
// CSV

export const SCHEDULE_CSV_HEADER = ['group', 'start', 'end'] as const;
const OPTIONAL_COLUMNS = ['kind'] as const;
const EXAMPLE_TIMES = 'ISO 8601, e.g. 2026-12-05 14:00, 2026-12-05T14:00+02:00 or 2026-12-05T12:00Z';

/** "2026-12-05 24:00" (the end of a day, as schedules write it): the next midnight. */
function parseScheduleTime(text: string, timeZone: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ]24:00(?::00)?$/.exec(text);
  if (m) {
    const midnight = parseIsoTime(`${m[1]}-${m[2]}-${m[3]}`, timeZone);
    return midnight === undefined ? undefined : instantAt(localDate(midnight, timeZone), 1440, timeZone);
  }
  return parseIsoTime(text, timeZone);
}

/**
 * A blackout schedule from a CSV of `group,start,end` rows (a header line
 * first, in any order, with an optional `kind` column of `definite` or
 * `possible`; separated by "," or ";"), or every problem as
 * `line N column: message`. All or nothing. Times without an offset are read
 * in `timezone`; "24:00" ends a day. The schedule covers every local day its
 * slots touch.
 */
export function parseScheduleCsv(text: string, options: { timezone: string }): ScheduleResult {
  const tz = options.timezone;
  const { records, problems: csvProblems } = readCsv(text, { delimiter: sniffDelimiter(text) });
  const problems: { line: number; text: string }[] = csvProblems.map((p) => ({ line: p.line, text: `line ${p.line}: ${p.message}` }));
  const [header, ...rows] = records;
  const done = (): ScheduleResult => ({ problems: problems.sort((a, b) => a.line - b.line).map((p) => p.text) });
  if (header === undefined) {
    problems.push({ line: 1, text: `line 1: the file is empty; it needs the header "${SCHEDULE_CSV_HEADER.join(',')}"` });
    return done();
  }
  const names = header.fields.map((f) => f.trim().toLowerCase());
  const known: readonly string[] = [...SCHEDULE_CSV_HEADER, ...OPTIONAL_COLUMNS];
  const missing = SCHEDULE_CSV_HEADER.filter((c) => !names.includes(c));
  const unknown = names.filter((n) => !known.includes(n));
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  if (missing.length > 0 || unknown.length > 0 || repeated.length > 0) {
    const why = [
      missing.length > 0 ? `no column ${missing.join(', ')}` : '',
      unknown.length > 0 ? `unknown column ${unknown.map((u) => JSON.stringify(u)).join(', ')}` : '',
      repeated.length > 0 ? `column ${repeated.join(', ')} twice` : '',
    ].filter(Boolean);
    problems.push({
      line: header.line,
      text: `line ${header.line}: the first line must be the header "${SCHEDULE_CSV_HEADER.join(',')}" (optionally with "kind"): ${why.join('; ')}`,
    });
    return done();
  }
  const column = (name: string) => names.indexOf(name);
  const slots: BlackoutSlot[] = [];
  const covers: TimeRange[] = [];
  for (const row of rows) {
    const say = (col: string, message: string) => problems.push({ line: row.line, text: `line ${row.line} ${col}: ${message}` });
    if (row.fields.length !== names.length) {
      problems.push({
        line: row.line,
        text: `line ${row.line}: expected ${names.length} values (${names.join(',')}), got ${row.fields.length}`,
      });
      continue;
    }
    const value = (name: string) => (column(name) < 0 ? '' : row.fields[column(name)]!.trim());
    const groupText = value('group');
    const g = groupText === '' ? undefined : feedGroup(groupText);
    const group = g !== undefined && 'groups' in g && g.groups.length === 1 ? g.groups[0] : undefined;
    if (groupText === '') say('group', 'is empty');
    else if (group === undefined) say('group', `"${groupText}" is not a power group (1.1 … 6.2)`);
    const time = (name: 'start' | 'end') => {
      const t = value(name);
      if (t === '') say(name, 'is empty');
      const parsed = t === '' ? undefined : parseScheduleTime(t, tz);
      if (t !== '' && parsed === undefined) say(name, `is not a time: "${t}" (${EXAMPLE_TIMES})`);
      return parsed;
    };
    const start = time('start');
    const end = time('end');
    if (start !== undefined && end !== undefined && end <= start) {
      say('end', `${formatLocalTime(end, tz)} is not after start ${formatLocalTime(start, tz)}`);
    }
    const kindText = value('kind').toLowerCase();
    const kind: BlackoutKind | undefined =
      kindText === '' || kindText === 'definite' ? 'definite' : kindText === 'possible' ? 'possible' : undefined;
    if (kind === undefined) say('kind', `"${value('kind')}" is not a kind (definite or possible)`);
    if (group === undefined || start === undefined || end === undefined || end <= start || kind === undefined) continue;
    slots.push({ group, start, end, kind });
    for (let d = localDate(start, tz); ; d = addDays(d, 1)) {
      const range = dayRange(d, tz);
      covers.push(range);
      if (range.end >= end) break;
    }
  }
  if (problems.length > 0) return done();
  return { slots: normalise(slots), source: 'csv', covers: unionRanges(covers) };
}

// ---------------------------------------------------------------------------
// Lookups and merging

/** The group's slots that overlap [from, to), whole (not cut at the edges), by start. */
export function slotsFor(schedule: BlackoutSchedule, group: string, from: number, to: number): BlackoutSlot[] {
  return schedule.slots.filter((s) => s.group === group && s.start < to && s.end > from).sort((a, b) => a.start - b.start);
}

/** The group's slot at the instant, a definite one before a possible one; undefined when the schedule has the power on. */
export function inBlackout(schedule: BlackoutSchedule, group: string, at: number): BlackoutSlot | undefined {
  const here = schedule.slots.filter((s) => s.group === group && s.start <= at && at < s.end);
  return here.find((s) => s.kind === 'definite') ?? here[0];
}

/**
 * `next` over `old`: the days `next` covers come from it alone (an old slot
 * reaching into them is cut at their edge), the rest stay as `old` had them.
 */
export function mergeSchedules(old: BlackoutSchedule, next: BlackoutSchedule): BlackoutSchedule {
  const span: TimeRange[] =
    next.slots.length === 0 ? [] : [{ start: Math.min(...next.slots.map((s) => s.start)), end: Math.max(...next.slots.map((s) => s.end)) }];
  const covers = unionRanges(next.covers ?? span);
  const kept = old.slots.flatMap((s) => subtract(s, covers));
  const merged: BlackoutSchedule = {
    slots: normalise([...kept, ...next.slots]),
    source: next.source,
    covers: unionRanges([...(old.covers ?? []), ...covers]),
  };
  const fetched = next.fetched_at ?? old.fetched_at;
  if (fetched !== undefined) merged.fetched_at = fetched;
  if (next.ignored_groups !== undefined) merged.ignored_groups = next.ignored_groups;
  return merged;
}

export interface ScheduleDay {
  /** The local date, `2026-03-29`. */
  date: string;
  /** Its midnight and the next, epoch ms (23 or 25 hours apart on the days the clocks change). */
  start: number;
  end: number;
  /** The group's slots on the day, cut at its midnights (a slot past midnight shows on both days). */
  slots: BlackoutSlot[];
  /** Whether the schedule speaks for the day at all (a covered day without slots has no blackout). */
  covered: boolean;
}

/**
 * The group's slots day by day in `timezone`, `days` days from the day of
 * `now` (today and tomorrow: 2), for the dashboard.
 */
export function slotsByDay(
  schedule: BlackoutSchedule,
  group: string,
  timezone: string,
  days: number,
  now: number = Date.now(),
): ScheduleDay[] {
  const first = localDate(now, timezone);
  const covers = schedule.covers ?? [];
  return Array.from({ length: Math.max(0, days) }, (_, i) => {
    const date = addDays(first, i);
    const { start, end } = dayRange(date, timezone);
    const slots = slotsFor(schedule, group, start, end).map((s) => ({ ...s, start: Math.max(s.start, start), end: Math.min(s.end, end) }));
    const covered = covers.some((c) => c.start <= start && c.end >= end) || slots.length > 0;
    return { date: dateText(date), start, end, slots, covered };
  });
}
