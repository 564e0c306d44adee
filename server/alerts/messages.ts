/**
 * The words of alerts, in Ukrainian (the default) or English (hromada.locale):
 * what happened, where (village, institution), since when, the cause (as
 * judged, in the words of `common/words/cause.ts`, else the likely one), for
 * the power the time left on battery against the blackout schedule, and a
 * link to the dashboard. Short and plain: these are read on a phone. Pure
 * functions of what the planner knows.
 */
import type { AlertEvent } from '../../alerting/events.ts';
import type { AlertPower } from '../../alerting/record.ts';
import { causeText, clockTime, type CauseJudgement, type CauseWordsContext } from '../../common/words/cause.ts';
import { formatDuration } from '../../common/words/duration.ts';
import { INTL_LOCALE, type Locale } from '../../common/words/locale.ts';
import { institutionName, kindName, stateName } from '../../common/words/names.ts';
import { count, plural, type PluralForms } from '../../common/words/plural.ts';
import { outageCauseName, type PowerGroup } from '../../common/words/power.ts';
import { localizeReason } from '../../common/words/reasons.ts';
import type { Inventory, SubjectInfo, VillageInfo } from '../inventory.ts';
import type { State } from '../state/types.ts';

export interface TextContext {
  locale: Locale;
  timeZone: string;
  inventory: Inventory;
  dashboardUrl?: string;
}

export interface AlertContent {
  event: AlertEvent;
  action: 'open' | 'remind' | 'close';
  reminder: number;
  subject?: SubjectInfo;
  village?: VillageInfo;
  since: number;
  until?: number;
  now: number;
  state: State;
  /** The machine's reason, in English; translated here where it is a known phrase. */
  reason: string;
  unreachable: string[];
  /** For recoveries: the current state of each device that was cut off. */
  statesOf?: (key: string) => State | undefined;
  villageOffline: boolean;
  /** Uplinks of an offline village. */
  uplinks?: string[];
  flapping?: { transitions: number; windowMs: number };
  tls?: { daysLeft: number; expiresAt: number };
  reboot?: { previous_uptime_s: number };
  /** down, village_offline: the cause as judged so far; an unknown one adds nothing to the likely cause. */
  cause?: CauseJudgement;
  /** Power events: the village's power now. */
  power?: PowerContent;
}

/** A village's power as its alert tells it: the record's figures, and what the words need besides. */
export interface PowerContent extends AlertPower {
  /** The supply that sets the figures (a UPS, or a router on a DC UPS). */
  supply?: SubjectInfo;
  group?: PowerGroup;
  /** Fewer minutes left than `power.warn_minutes_left`. */
  low: boolean;
  /** The battery runs out before the schedule brings mains back. */
  short: boolean;
}

/** The power events: a village's stretch without mains, which `power_restored` closes. */
export const isPowerEvent = (event: AlertEvent | 'test'): boolean => event === 'on_battery' || event === 'battery_low';

const STATE_CHANGES: PluralForms = {
  uk: { one: 'зміна стану', few: 'зміни стану', many: 'змін стану', other: 'зміни стану' },
  en: { one: 'state change', other: 'state changes' },
};

const MINUTES: PluralForms = {
  uk: { one: 'хвилина', few: 'хвилини', many: 'хвилин', other: 'хвилини' },
  en: { one: 'minute', other: 'minutes' },
};

const W = {
  uk: {
    down: 'Немає зв’язку',
    downService: 'Не працює',
    villageOffline: (v: string) => `Село ${v} без зв’язку`,
    villageBack: (v: string) => `Село ${v} знову на зв’язку`,
    recovered: 'Відновлено',
    stable: 'Зв’язок стабільний',
    degraded: 'Погіршення зв’язку',
    flapping: 'Нестабільний зв’язок',
    tls: 'Сертифікат сайту закінчується',
    reboot: 'Перезавантаження',
    reminder: 'Нагадування',
    village: 'Село',
    provider: 'Провайдер',
    since: 'З',
    ago: 'тому',
    lasted: (from: string, to: string, d: string) => `Не працював з ${from} до ${to} (${d}).`,
    cutOff: (n: number) => `Без зв’язку через це (${n})`,
    backAgain: 'Знову відповідають',
    notYet: 'Ще не відповідають',
    cause: 'Ймовірна причина',
    reasonWord: 'Причина',
    dashboard: 'Панель',
    state: 'Зараз',
    causeUplink: (p?: string) =>
      p ? `обрив каналу провайдера ${p} або відключення живлення на вузлі` : 'обрив каналу або відключення живлення на вузлі',
    causeVillage: (p: string) =>
      `недоступні всі канали села${p ? ` (${p})` : ''}: ймовірно аварія у провайдера або відключення електроенергії в селі`,
    causeDevice: (parent?: string) =>
      parent ? `сам пристрій або його живлення (${parent} на зв’язку)` : 'сам пристрій, його живлення або лінія зв’язку',
    causeService: 'сервер або хостинг не відповідає',
    flappingText: (n: number, w: string) =>
      `${count(n, STATE_CHANGES.uk, 'uk')} за ${w}. Окремі повідомлення не надсилаються, доки зв’язок не стабілізується.`,
    causeFlapping: 'нестабільна лінія або живлення',
    tlsText: (d: number, date: string) => `Сертифікат TLS дійсний ще ${d} дн. (до ${date}). Подовжте або замініть його.`,
    rebootText: (t: string, up: string) => `Пристрій перезавантажився близько ${t}; до цього працював ${up}.`,
    causeReboot: 'відключення живлення або збій обладнання',
    acked: 'Підтверджено',
    causeKnown: 'Причина',
    onBattery: (v: string, m?: number) => `${v}: живлення від ДБЖ${m === undefined ? '' : `, залишилось ~${m} хв`}`,
    batteryLow: (v: string, m?: number) => `${v}: ДБЖ розряджається${m === undefined ? '' : `, залишилось ~${m} хв`}`,
    batteryShort: (v: string, back: string) => `${v}: заряду ДБЖ не вистачить до ${back}`,
    powerRestored: (v: string) => `${v}: живлення від мережі відновлено`,
    onBatteryWho: 'На батареї',
    minutesLeft: (m: number) => `Залишилось ~${count(m, MINUTES.uk, 'uk')}`,
    noEstimate: 'Скільки залишилось, ДБЖ не повідомляє',
    charge: (pct: number) => `заряд ${pct}%`,
    scheduleBack: (group: string | undefined, back: string) =>
      `За графіком${group ? ` (черга ${group})` : ''} світло повернеться о ${back}`,
    scheduleShort: (until: string) => `а заряду вистачить до ~${until}`,
    withoutMains: (from: string, to: string, d: string) => `Без світла з ${from} до ${to} (${d}).`,
  },
  en: {
    down: 'Down',
    downService: 'Down',
    villageOffline: (v: string) => `${v} is offline`,
    villageBack: (v: string) => `${v} is back online`,
    recovered: 'Recovered',
    stable: 'Stable again',
    degraded: 'Degraded',
    flapping: 'Flapping',
    tls: 'TLS certificate expiring',
    reboot: 'Rebooted',
    reminder: 'Reminder',
    village: 'Village',
    provider: 'Provider',
    since: 'Since',
    ago: 'ago',
    lasted: (from: string, to: string, d: string) => `Down from ${from} to ${to} (${d}).`,
    cutOff: (n: number) => `Cut off behind it (${n})`,
    backAgain: 'Answering again',
    notYet: 'Not answering yet',
    cause: 'Likely cause',
    reasonWord: 'Reason',
    dashboard: 'Dashboard',
    state: 'Now',
    causeUplink: (p?: string) => (p ? `the ${p} line is cut, or power is out at the node` : 'the line is cut, or power is out at the node'),
    causeVillage: (p: string) =>
      `every uplink of the village is down${p ? ` (${p})` : ''}: likely a provider fault or a power cut in the village`,
    causeDevice: (parent?: string) =>
      parent ? `the device itself or its power (${parent} answers)` : 'the device itself, its power or its line',
    causeService: 'the server or its hosting does not answer',
    flappingText: (n: number, w: string) =>
      `${count(n, STATE_CHANGES.en, 'en')} in ${w}. No further messages about single changes until it is stable.`,
    causeFlapping: 'an unstable line or power supply',
    tlsText: (d: number, date: string) =>
      `The TLS certificate is valid for ${d} more ${plural(d, { one: 'day', other: 'days' }, 'en')} (until ${date}). Renew or replace it.`,
    rebootText: (t: string, up: string) => `The device rebooted at about ${t}; it had been up for ${up}.`,
    causeReboot: 'a power cut or an equipment fault',
    acked: 'Acknowledged',
    causeKnown: 'Cause',
    onBattery: (v: string, m?: number) => `${v}: on UPS battery${m === undefined ? '' : `, ~${m} min left`}`,
    batteryLow: (v: string, m?: number) => `${v}: UPS battery running low${m === undefined ? '' : `, ~${m} min left`}`,
    batteryShort: (v: string, back: string) => `${v}: the UPS battery will not last until ${back}`,
    powerRestored: (v: string) => `${v}: mains power is back`,
    onBatteryWho: 'On battery',
    minutesLeft: (m: number) => `About ${count(m, MINUTES.en, 'en')} left`,
    noEstimate: 'The UPS gives no estimate of the time left',
    charge: (pct: number) => `charge ${pct}%`,
    scheduleBack: (group: string | undefined, back: string) =>
      `The schedule${group ? ` (queue ${group})` : ''} brings mains back at ${back}`,
    scheduleShort: (until: string) => `but the battery lasts only until about ${until}`,
    withoutMains: (from: string, to: string, d: string) => `Without mains from ${from} to ${to} (${d}).`,
  },
};

export function formatTime(t: number, ctx: Pick<TextContext, 'locale' | 'timeZone'>): string {
  return new Intl.DateTimeFormat(INTL_LOCALE[ctx.locale], {
    timeZone: ctx.timeZone,
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  }).format(t);
}

/** An institution is named by its category: "школа" says more than "заклад". */
function kindLabel(s: SubjectInfo, locale: Locale): string {
  const kind = s.type === 'service' ? 'service' : (s.kind ?? 'institution');
  return kind === 'institution' ? institutionName(s.category ?? 'other', locale) : kindName(kind, locale);
}

function names(keys: string[], ctx: TextContext): string {
  return keys.map((k) => ctx.inventory.subjects.get(k)?.name ?? k).join(', ');
}

/** "Макариха, канал Укртелеком (канал зв’язку, Макариха)". */
function where(s: SubjectInfo | undefined, ctx: TextContext): string {
  if (!s) return '';
  const village = s.village ? `, ${s.village.name}` : '';
  return `${s.name} (${kindLabel(s, ctx.locale)}${village})`;
}

function likelyCause(c: AlertContent, ctx: TextContext): string {
  const w = W[ctx.locale];
  const s = c.subject;
  if (c.villageOffline) {
    const providers = [...new Set((c.uplinks ?? []).map((u) => ctx.inventory.subjects.get(u)?.provider?.name).filter(Boolean))];
    return w.causeVillage(providers.join(', '));
  }
  if (!s) return '';
  if (s.type === 'service') return `${w.causeService} (${localizeReason(c.reason, ctx.locale)})`;
  if (s.kind === 'uplink') return w.causeUplink(s.provider?.name);
  const parent = s.parent ? ctx.inventory.subjects.get(s.parent)?.name : undefined;
  return w.causeDevice(parent);
}

/** Names for the cause's evidence: devices by the inventory, providers by the devices on their lines. */
function causeWords(ctx: TextContext): CauseWordsContext {
  const providers = new Map<string, string>();
  for (const s of ctx.inventory.subjects.values()) if (s.provider) providers.set(s.provider.id, s.provider.name);
  return {
    locale: ctx.locale,
    timeZone: ctx.timeZone,
    name: (id) => ctx.inventory.subjects.get(id)?.name ?? providers.get(id) ?? id,
  };
}

/** The judged cause in words; undefined when there is none or it is unknown (the likely cause is said instead). */
function knownCause(c: AlertContent, ctx: TextContext): string | undefined {
  return c.cause && c.cause.cause !== 'unknown' ? causeText(c.cause, causeWords(ctx)) : undefined;
}

/** The supply on battery, the time left and, in a blackout slot, whether the battery lasts until mains is due back. */
function powerLines(p: PowerContent, ctx: TextContext): string[] {
  const w = W[ctx.locale];
  const at = (t: number) => clockTime(t, ctx.timeZone);
  const lines: string[] = [];
  if (p.supply) lines.push(`${w.onBatteryWho}: ${where(p.supply, ctx)}.`);
  const charge = p.battery_pct === undefined ? '' : ` (${w.charge(Math.round(p.battery_pct))})`;
  lines.push(`${p.minutes_left === undefined ? w.noEstimate : w.minutesLeft(Math.round(p.minutes_left))}${charge}.`);
  if (p.mains_expected_at !== undefined) {
    const back = w.scheduleBack(p.group, at(p.mains_expected_at));
    lines.push(p.short && p.runs_out_at !== undefined ? `${back}, ${w.scheduleShort(at(p.runs_out_at))}.` : `${back}.`);
  }
  return lines;
}

/** The title of a power alert: «Макариха: живлення від ДБЖ, залишилось ~23 хв». */
function powerTitle(c: AlertContent, village: string, ctx: TextContext): string {
  const w = W[ctx.locale];
  const p = c.power;
  const minutes = p?.minutes_left === undefined ? undefined : Math.round(p.minutes_left);
  if (c.event !== 'battery_low') return w.onBattery(village, minutes);
  if (p && !p.low && p.short && p.mains_expected_at !== undefined)
    return w.batteryShort(village, clockTime(p.mains_expected_at, ctx.timeZone));
  return w.batteryLow(village, minutes);
}

/** The title (an email subject, a Telegram first line) and the text of an alert. */
export function alertText(c: AlertContent, ctx: TextContext): { title: string; message: string } {
  const w = W[ctx.locale];
  const t = (ms: number) => formatTime(ms, ctx);
  const dur = (ms: number) => formatDuration(ms / 1000, ctx.locale);
  const s = c.subject;
  const villageName = c.village?.name ?? s?.village?.name ?? '';
  const lines: string[] = [];
  let title: string;
  const placeLine = () => {
    const parts = [`${w.village}: ${villageName}`];
    if (s?.provider) parts.push(`${w.provider}: ${s.provider.name}`);
    if (villageName) lines.push(`${parts.join('. ')}.`);
  };
  const sinceLine = () => lines.push(`${w.since} ${t(c.since)} (${dur(c.now - c.since)} ${w.ago}).`);
  const cutOffLine = () => {
    if (c.unreachable.length > 0) lines.push(`${w.cutOff(c.unreachable.length)}: ${names(c.unreachable, ctx)}.`);
  };
  const cause = knownCause(c, ctx);
  const causeLine = () => lines.push(cause ? `${w.causeKnown}: ${cause}.` : `${w.cause}: ${likelyCause(c, ctx)}.`);

  if (c.action === 'close' && isPowerEvent(c.event)) {
    title = w.powerRestored(villageName);
    lines.push(w.withoutMains(t(c.since), t(c.until ?? c.now), dur((c.until ?? c.now) - c.since)));
  } else if (c.action === 'close') {
    if (c.event === 'village_offline' || (c.villageOffline && c.event === 'down')) title = w.villageBack(villageName);
    else if (c.event === 'flapping') title = `${w.stable}: ${s?.name ?? ''}`;
    else title = `${w.recovered}: ${s?.name ?? villageName}`;
    if (s && c.event !== 'village_offline') lines.push(`${where(s, ctx)}: ${stateName(c.state, ctx.locale)}.`);
    if (c.event === 'flapping') lines.push(`${w.since} ${t(c.since)}.`);
    else lines.push(w.lasted(t(c.since), t(c.until ?? c.now), dur((c.until ?? c.now) - c.since)));
    const back = c.unreachable.filter((k) => {
      const st = c.statesOf?.(k);
      return st === 'up' || st === 'degraded';
    });
    const notYet = c.unreachable.filter((k) => !back.includes(k));
    if (back.length) lines.push(`${w.backAgain}: ${names(back, ctx)}.`);
    if (notYet.length) lines.push(`${w.notYet}: ${names(notYet, ctx)}.`);
  } else {
    switch (c.event) {
      case 'village_offline':
        title = cause ? `${w.villageOffline(villageName)}: ${cause}` : w.villageOffline(villageName);
        lines.push(`${w.down}: ${names(c.uplinks ?? [], ctx)}.`);
        sinceLine();
        cutOffLine();
        causeLine();
        break;
      case 'down': {
        const down = s?.type === 'service' ? w.downService : w.down;
        title = c.villageOffline
          ? `${w.villageOffline(villageName)}: ${cause ?? s?.name ?? ''}`
          : `${down}: ${s?.name ?? ''}${cause && c.cause ? ` — ${outageCauseName(c.cause.cause, ctx.locale)}` : ''}`;
        lines.push(`${down}: ${where(s, ctx)}.`);
        placeLine();
        sinceLine();
        cutOffLine();
        causeLine();
        break;
      }
      case 'on_battery':
      case 'battery_low':
        title = powerTitle(c, villageName, ctx);
        if (c.power) lines.push(...powerLines(c.power, ctx));
        sinceLine();
        break;
      case 'degraded':
        title = `${w.degraded}: ${s?.name ?? ''}`;
        lines.push(`${w.degraded}: ${where(s, ctx)}.`);
        lines.push(`${w.reasonWord}: ${localizeReason(c.reason, ctx.locale)}.`);
        placeLine();
        sinceLine();
        break;
      case 'flapping':
        title = `${w.flapping}: ${s?.name ?? ''}`;
        lines.push(`${w.flapping}: ${where(s, ctx)}.`);
        lines.push(w.flappingText(c.flapping?.transitions ?? 0, dur(c.flapping?.windowMs ?? 0)));
        lines.push(`${w.state}: ${stateName(c.state, ctx.locale)}.`);
        placeLine();
        lines.push(`${w.cause}: ${w.causeFlapping}.`);
        break;
      case 'tls_expiring': {
        title = `${w.tls}: ${s?.name ?? ''}`;
        const expiresAt = c.tls?.expiresAt ?? c.now;
        lines.push(w.tlsText(Math.max(0, Math.floor(c.tls?.daysLeft ?? 0)), t(expiresAt)));
        break;
      }
      case 'reboot':
        title = `${w.reboot}: ${s?.name ?? ''}`;
        lines.push(`${w.reboot}: ${where(s, ctx)}.`);
        lines.push(w.rebootText(t(c.since), dur((c.reboot?.previous_uptime_s ?? 0) * 1000)));
        placeLine();
        lines.push(`${w.cause}: ${w.causeReboot}.`);
        break;
      default:
        title = c.event;
    }
    if (c.action === 'remind') title = `${w.reminder}: ${title}`;
  }
  if (ctx.dashboardUrl) lines.push(`${w.dashboard}: ${ctx.dashboardUrl}`);
  return { title, message: lines.join('\n') };
}
