/**
 * `merezha power import-schedule FILE [--format json|csv]` and `merezha
 * power schedule [--json]`: the blackout schedule (ГПВ) of the hromada, kept
 * in `<server.data_dir>/power-schedule.json` (server/power/schedule-store.ts).
 *
 * An import is all or nothing: a file that does not read as a schedule
 * (every problem is printed) or a damaged schedule file leaves everything as
 * it was. A good one is merged into the file, which a running Merezha reads
 * again within its poll period; nothing needs to be signalled. Both speak the
 * hromada's language (`hromada.locale`); the problems of a file are in
 * English, as every other error of the command line.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { INTL_LOCALE, type Locale } from '../../common/words/locale.ts';
import { count, type PluralForms } from '../../common/words/plural.ts';
import { POWER_GROUPS } from '../../common/words/power.ts';
import { localTime } from '../../common/timezone.ts';
import type { Config } from '../../config/schema.ts';
import {
  importSchedule,
  KEEP_DAYS,
  keepHorizon,
  parseScheduleText,
  pruneSchedule,
  readStoredSchedule,
  scheduleFile,
  ScheduleFileError,
  type ScheduleFormat,
  type StoredSchedule,
} from '../../server/power/schedule-store.ts';
import { slotsByDay, type BlackoutSchedule, type ScheduleDay, type TimeRange } from '../../server/power/schedule.ts';
import { parse, UsageError } from '../args.ts';
import { USAGES } from '../usage.ts';
import { loadConfigOrReport } from './load.ts';

export const OPTIONS = {
  config: { type: 'string' },
  format: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

const FORMATS: readonly ScheduleFormat[] = ['json', 'csv'];

export async function powerCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS, true);
  const [action, ...rest] = positionals;
  if (action === undefined) {
    process.stdout.write(USAGES.power.usage);
    return 2;
  }
  if (action === 'import-schedule') {
    if (rest.length !== 1) throw new UsageError('import-schedule expects one FILE');
    if (values.json) throw new UsageError('--json is for schedule');
    const format = values.format as ScheduleFormat | undefined;
    if (format !== undefined && !FORMATS.includes(format)) throw new UsageError(`--format expects ${FORMATS.join(' or ')}`);
    return importCommand(rest[0]!, format, values.config);
  }
  if (action === 'schedule') {
    if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
    if (values.format !== undefined) throw new UsageError('--format is for import-schedule');
    return scheduleCommand(values.json, values.config);
  }
  process.stderr.write(`merezha power: unknown subcommand "${action}"\n\n${USAGES.power.usage}`);
  return 2;
}

// ---------------------------------------------------------------------------
// Who is on which queue

interface QueueMembers {
  villages: { id: string; name: string }[];
  /** Devices on another queue than their village. */
  devices: { id: string; village: string }[];
}

/** The villages and devices of the config by blackout queue, the queues nobody is on left out, in the order of POWER_GROUPS. */
function membersByGroup(config: Config): Map<string, QueueMembers> {
  const on = (group: string): QueueMembers => ({
    villages: config.villages.filter((v) => v.power_group === group).map((v) => ({ id: v.id, name: v.name })),
    devices: config.villages.flatMap((v) =>
      v.devices.filter((d) => d.power_group === group && v.power_group !== group).map((d) => ({ id: d.id, village: v.name })),
    ),
  });
  return new Map(POWER_GROUPS.map((g) => [g, on(g)] as const).filter(([, m]) => m.villages.length > 0 || m.devices.length > 0));
}

/** Villages whose devices are on no queue: no blackout can excuse their outages. */
const villagesWithoutQueue = (config: Config) =>
  config.villages.filter((v) => v.power_group === undefined && v.devices.every((d) => d.power_group === undefined)).map((v) => v.name);

// ---------------------------------------------------------------------------
// Words

const FORMAT_NAMES: Record<Locale, Record<string, string>> = {
  uk: { 'dtek-gpv': 'ДТЕК, ГПВ', 'yasno-planned-outages': 'Yasno', 'yasno-v1': 'Yasno, v1', csv: 'CSV' },
  en: { 'dtek-gpv': 'DTEK ГПВ', 'yasno-planned-outages': 'Yasno', 'yasno-v1': 'Yasno v1', csv: 'CSV' },
};

const NOUNS = {
  queues: { uk: { one: 'черга', few: 'черги', many: 'черг', other: 'черги' }, en: { one: 'queue', other: 'queues' } },
  days: { uk: { one: 'день', few: 'дні', many: 'днів', other: 'дня' }, en: { one: 'day', other: 'days' } },
  slots: {
    uk: { one: 'відключення', few: 'відключення', many: 'відключень', other: 'відключення' },
    en: { one: 'slot', other: 'slots' },
  },
} satisfies Record<string, PluralForms>;

/** «5 черг», "5 queues". */
const counted = (n: number, noun: keyof typeof NOUNS, locale: Locale) =>
  locale === 'uk' ? count(n, NOUNS[noun].uk, 'uk') : count(n, NOUNS[noun].en, 'en');

interface Words {
  queue: (group: string) => string;
  villages: string;
  devices: string;
  nobody: string;
  imported: (file: string, format: string) => string;
  notCovered: string;
  noQueue: string;
  tooOld: (days: string) => string;
  saved: (file: string) => string;
  nothingKept: string;
  noDay: string;
  header: (file: string) => string;
  updated: (time: string, source: string) => string;
  none: (file: string) => string;
  today: string;
  tomorrow: string;
  noSlots: string;
  notKnown: string;
  possible: string;
}

const WORDS: Record<Locale, Words> = {
  uk: {
    queue: (g) => `черга ${g}`,
    villages: 'села',
    devices: 'пристрої',
    nobody: 'у конфігурації на ній нікого',
    imported: (file, format) => `Імпортовано графік відключень з ${file} (${format})`,
    notCovered: 'Черги з конфігурації без жодного відключення в цьому графіку',
    noQueue: 'Села без черги (power_group), чиї перерви графік не пояснить',
    tooOld: (days) => `Пропущено ${days}, давніших за ${KEEP_DAYS} днів: їх графік уже не зберігає`,
    saved: (file) => `Графік збережено в ${file}; запущена Merezha застосує його протягом хвилини.`,
    nothingKept: `усі дні графіка давніші ніж ${KEEP_DAYS} днів тому: нічого не імпортовано`,
    noDay: 'графік не містить жодного дня (можливо, його ще не оприлюднено): нічого не імпортовано',
    header: (file) => `Графік відключень (${file})`,
    updated: (time, source) => `оновлено ${time} з ${source}`,
    none: (file) =>
      `Графіка відключень ще немає (${file}): імпортуйте його командою merezha power import-schedule FILE або задайте power.schedule_url.`,
    today: 'сьогодні',
    tomorrow: 'завтра',
    noSlots: 'відключень немає',
    notKnown: 'графіка ще немає',
    possible: 'можливо',
  },
  en: {
    queue: (g) => `queue ${g}`,
    villages: 'villages',
    devices: 'devices',
    nobody: 'nobody in the config is on it',
    imported: (file, format) => `Imported the blackout schedule of ${file} (${format})`,
    notCovered: 'Queues of the config without a single slot in this schedule',
    noQueue: 'Villages on no queue (power_group), whose outages no schedule explains',
    tooOld: (days) => `Left out ${days} older than ${KEEP_DAYS} days, which the schedule no longer keeps`,
    saved: (file) => `Saved in ${file}; a running Merezha takes it within a minute.`,
    nothingKept: `every day of the schedule is older than ${KEEP_DAYS} days: nothing was imported`,
    noDay: 'the schedule speaks for no day (not published yet?): nothing was imported',
    header: (file) => `Blackout schedule (${file})`,
    updated: (time, source) => `updated ${time} from ${source}`,
    none: (file) => `No blackout schedule yet (${file}): import one with merezha power import-schedule FILE, or set power.schedule_url.`,
    today: 'today',
    tomorrow: 'tomorrow',
    noSlots: 'no blackout',
    notKnown: 'no schedule yet',
    possible: 'possible',
  },
};

const dateFormat = (locale: Locale, timeZone: string, options: Intl.DateTimeFormatOptions) =>
  new Intl.DateTimeFormat(INTL_LOCALE[locale], { timeZone, ...options });

const pad = (n: number) => String(n).padStart(2, '0');
/** 14:30; the end of a day is 24:00. */
function clock(t: number, timeZone: string, dayEnd?: number): string {
  if (t === dayEnd) return '24:00';
  const l = localTime(t, timeZone);
  return `${pad(l.hour)}:${pad(l.minute)}`;
}

/** «села: Іванківці, Макариха; пристрої: makarykha-school (Макариха)», or that nobody is on it. */
function membersText(members: QueueMembers | undefined, w: Words): string {
  const parts = [
    members && members.villages.length > 0 ? `${w.villages}: ${members.villages.map((v) => v.name).join(', ')}` : '',
    members && members.devices.length > 0 ? `${w.devices}: ${members.devices.map((d) => `${d.id} (${d.village})`).join(', ')}` : '',
  ].filter(Boolean);
  return parts.length > 0 ? parts.join('; ') : w.nobody;
}

// ---------------------------------------------------------------------------
// import-schedule

function refuse(problems: string[]): number {
  process.stderr.write(`${problems.join('\n')}\nmerezha power import-schedule: nothing was imported\n`);
  return 1;
}

const failure = (err: unknown) => ((err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message);

async function importCommand(path: string, format: ScheduleFormat | undefined, configFlag: string | undefined): Promise<number> {
  const loaded = loadConfigOrReport(configFlag);
  if (!loaded) return 1;
  const { config } = loaded;
  const { timezone, locale } = config.hromada;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return refuse([`${path}: cannot read it: ${failure(err)}`]);
  }
  const now = Date.now();
  const parsed = parseScheduleText(text, { ...(format ? { format } : {}), timezone, now });
  if ('problems' in parsed) return refuse(parsed.problems.map((p) => `${path}: ${p}`));
  const kept = pruneSchedule(parsed, keepHorizon(now, timezone));
  const w = WORDS[locale];
  if ((kept.covers ?? []).length === 0 && kept.slots.length === 0) {
    return refuse([`${path}: ${(parsed.covers ?? []).length > 0 || parsed.slots.length > 0 ? w.nothingKept : w.noDay}`]);
  }
  const file = scheduleFile(config.server.data_dir);
  try {
    await importSchedule(file, parsed, basename(path), { now, timezone });
  } catch (err) {
    if (err instanceof ScheduleFileError) return refuse([err.message]);
    return refuse([`${file}: cannot write it: ${failure(err)}`]);
  }
  process.stdout.write(importSummary(basename(path), parsed, kept, config));
  process.stdout.write(`${w.saved(file)}\n`);
  return 0;
}

/** How many local days whole-day ranges hold (a day is 23 to 25 hours long). */
const dayCount = (ranges: readonly TimeRange[]) => ranges.reduce((n, c) => n + Math.round((c.end - c.start) / 86_400_000), 0);

/** What was imported, by queue, with who is on each; the config's queues it leaves out; the villages on none. */
function importSummary(name: string, parsed: BlackoutSchedule, kept: BlackoutSchedule, config: Config): string {
  const { locale, timezone } = config.hromada;
  const w = WORDS[locale];
  const members = membersByGroup(config);
  const slotsOf = new Map<string, number>();
  for (const s of kept.slots) slotsOf.set(s.group, (slotsOf.get(s.group) ?? 0) + 1);
  const days = kept.covers ?? [];
  const date = dateFormat(locale, timezone, { day: '2-digit', month: '2-digit', year: 'numeric' });
  const span = days.length === 0 ? '' : ` (${date.format(days[0]!.start)} – ${date.format(days.at(-1)!.end - 1)})`;
  const lines = [
    `${w.imported(name, FORMAT_NAMES[locale][parsed.source] ?? parsed.source)}: ${counted(slotsOf.size, 'queues', locale)}, ` +
      `${counted(dayCount(days), 'days', locale)}${span}, ${counted(kept.slots.length, 'slots', locale)}.`,
  ];
  for (const group of POWER_GROUPS.filter((g) => slotsOf.has(g))) {
    lines.push(`  ${w.queue(group)}: ${counted(slotsOf.get(group)!, 'slots', locale)}; ${membersText(members.get(group), w)}`);
  }
  const uncovered = [...members.keys()].filter((g) => !slotsOf.has(g));
  if (uncovered.length > 0) {
    lines.push(`${w.notCovered}: ${uncovered.map((g) => `${g} (${membersText(members.get(g), w)})`).join(', ')}`);
  }
  const alone = villagesWithoutQueue(config);
  if (alone.length > 0) lines.push(`${w.noQueue}: ${alone.join(', ')}`);
  const droppedDays = dayCount(parsed.covers ?? []) - dayCount(days);
  if (droppedDays > 0) lines.push(w.tooOld(counted(droppedDays, 'days', locale)));
  return lines.map((l) => `${l}\n`).join('');
}

// ---------------------------------------------------------------------------
// schedule

interface GroupDays {
  group: string;
  villages: string[];
  devices: string[];
  days: { date: string; start: number; end: number; covered: boolean; slots: { start: number; end: number; kind: string }[] }[];
}

/** Today and tomorrow of every queue that has slots in them or someone on it in the config. */
function scheduleView(stored: StoredSchedule | undefined, config: Config, now: number): GroupDays[] {
  const { timezone } = config.hromada;
  const members = membersByGroup(config);
  const schedule = stored?.schedule ?? { slots: [], source: 'none' };
  const days = (group: string): ScheduleDay[] => slotsByDay(schedule, group, timezone, 2, now);
  const groups = POWER_GROUPS.filter((g) => members.has(g) || days(g).some((d) => d.slots.length > 0));
  return groups.map((group) => ({
    group,
    villages: members.get(group)?.villages.map((v) => v.id) ?? [],
    devices: members.get(group)?.devices.map((d) => d.id) ?? [],
    days: days(group).map((d) => ({
      date: d.date,
      start: d.start,
      end: d.end,
      covered: d.covered,
      slots: d.slots.map((s) => ({ start: s.start, end: s.end, kind: s.kind })),
    })),
  }));
}

async function scheduleCommand(json: boolean, configFlag: string | undefined): Promise<number> {
  const loaded = loadConfigOrReport(configFlag);
  if (!loaded) return 1;
  const { config } = loaded;
  const file = scheduleFile(config.server.data_dir);
  let stored: StoredSchedule | undefined;
  try {
    stored = await readStoredSchedule(file);
  } catch (err) {
    process.stderr.write(`${err instanceof ScheduleFileError ? err.message : `${file}: cannot read it: ${failure(err)}`}\n`);
    return 1;
  }
  const now = Date.now();
  const view = scheduleView(stored, config, now);
  if (json) {
    const imports = (stored?.imports ?? []).map((i) => ({ source: i.source, at: i.at }));
    process.stdout.write(`${JSON.stringify({ file, timezone: config.hromada.timezone, imports, groups: view }, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(scheduleText(stored, view, config, file));
  return 0;
}

/** The schedule as a person reads it: a line per queue with who is on it, then its today and tomorrow. */
function scheduleText(stored: StoredSchedule | undefined, view: GroupDays[], config: Config, file: string): string {
  const { locale, timezone } = config.hromada;
  const w = WORDS[locale];
  if (!stored) return `${w.none(file)}\n`;
  const last = stored.imports.at(-1);
  const time = dateFormat(locale, timezone, { day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit' });
  const day = dateFormat(locale, timezone, { weekday: 'short', day: '2-digit', month: '2-digit' });
  const members = membersByGroup(config);
  const lines = [`${w.header(file)}${last ? `: ${w.updated(time.format(last.at), last.source)}` : ''}`];
  for (const g of view) {
    lines.push(`${w.queue(g.group)}: ${membersText(members.get(g.group), w)}`);
    g.days.forEach((d, i) => {
      const slots = d.slots.map(
        (s) => `${clock(s.start, timezone)}–${clock(s.end, timezone, d.end)}${s.kind === 'possible' ? ` (${w.possible})` : ''}`,
      );
      const what = slots.length > 0 ? slots.join(', ') : d.covered ? w.noSlots : w.notKnown;
      lines.push(`  ${i === 0 ? w.today : w.tomorrow}, ${day.format(d.start)}: ${what}`);
    });
  }
  return lines.map((l) => `${l}\n`).join('');
}
