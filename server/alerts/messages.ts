/**
 * The words of alerts, in Ukrainian (the default) or English (hromada.locale):
 * what happened, where (village, institution), since when, the likely cause,
 * and a link to the dashboard. Short and plain: these are read on a phone.
 * Pure functions of what the planner knows.
 */
import type { AlertEvent } from '../../alerting/events.ts';
import type { Inventory, SubjectInfo, VillageInfo } from '../inventory.ts';
import type { State } from '../state/types.ts';

export type Locale = 'uk' | 'en';

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
}

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
    flappingText: (n: number, w: string) => `${n} змін стану за ${w}. Окремі повідомлення не надсилаються, доки зв’язок не стабілізується.`,
    causeFlapping: 'нестабільна лінія або живлення',
    tlsText: (d: number, date: string) => `Сертифікат TLS дійсний ще ${d} дн. (до ${date}). Подовжте або замініть його.`,
    rebootText: (t: string, up: string) => `Пристрій перезавантажився близько ${t}; до цього працював ${up}.`,
    causeReboot: 'відключення живлення або збій обладнання',
    acked: 'Підтверджено',
    units: { d: 'дн', h: 'год', m: 'хв', lessThanMinute: 'менше хвилини' },
    states: {
      up: 'працює',
      degraded: 'погіршення',
      down: 'не працює',
      unreachable: 'недоступний',
      maintenance: 'обслуговування',
      unknown: 'невідомо',
    } as Record<State, string>,
    kinds: {
      uplink: 'канал зв’язку',
      wifi: 'точка Free Wi-Fi',
      school: 'школа',
      kindergarten: 'заклад дошкільної освіти',
      clinic: 'медичний заклад',
      library: 'бібліотека',
      culture: 'заклад культури',
      council: 'рада / старостат',
      cnap: 'ЦНАП',
      other: 'заклад',
      service: 'сервіс',
    } as Record<string, string>,
    reasons: [
      [/^no answer to ping \((.+)\)$/, 'не відповідає на ping ($1)'],
      [/^no answer to ping$/, 'не відповідає на ping'],
      [/^no answer to SNMP \((.+)\)$/, 'не відповідає на SNMP ($1)'],
      [/^no answer to SNMP$/, 'не відповідає на SNMP'],
      [/packet loss (\d+)%/g, 'втрати пакетів $1%'],
      [/round trip (\d+) ms/g, 'затримка $1 мс'],
      [/SNMP not answering \(([^)]*)\)/g, 'SNMP не відповідає ($1)'],
      [/interface (\S+) is down/g, 'інтерфейс $1 не працює'],
    ] as Array<[RegExp, string]>,
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
    flappingText: (n: number, w: string) => `${n} state changes in ${w}. No further messages about single changes until it is stable.`,
    causeFlapping: 'an unstable line or power supply',
    tlsText: (d: number, date: string) => `The TLS certificate is valid for ${d} more days (until ${date}). Renew or replace it.`,
    rebootText: (t: string, up: string) => `The device rebooted at about ${t}; it had been up for ${up}.`,
    causeReboot: 'a power cut or an equipment fault',
    acked: 'Acknowledged',
    units: { d: 'd', h: 'h', m: 'min', lessThanMinute: 'under a minute' },
    states: {
      up: 'up',
      degraded: 'degraded',
      down: 'down',
      unreachable: 'unreachable',
      maintenance: 'maintenance',
      unknown: 'unknown',
    } as Record<State, string>,
    kinds: {
      uplink: 'uplink',
      wifi: 'Free Wi-Fi access point',
      school: 'school',
      kindergarten: 'kindergarten',
      clinic: 'clinic',
      library: 'library',
      culture: 'culture house',
      council: 'council / starosta office',
      cnap: 'administrative service centre',
      other: 'institution',
      service: 'service',
    } as Record<string, string>,
    reasons: [] as Array<[RegExp, string]>,
  },
};

export function formatTime(t: number, ctx: Pick<TextContext, 'locale' | 'timeZone'>): string {
  return new Intl.DateTimeFormat(ctx.locale === 'uk' ? 'uk-UA' : 'en-GB', {
    timeZone: ctx.timeZone,
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  }).format(t);
}

export function formatDuration(ms: number, locale: Locale): string {
  const u = W[locale].units;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return u.lessThanMinute;
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  if (d > 0) return h > 0 ? `${d} ${u.d} ${h} ${u.h}` : `${d} ${u.d}`;
  if (h > 0) return m > 0 ? `${h} ${u.h} ${m} ${u.m}` : `${h} ${u.h}`;
  return `${m} ${u.m}`;
}

export function localizeReason(reason: string, locale: Locale): string {
  let out = reason;
  for (const [pattern, replacement] of W[locale].reasons) out = out.replace(pattern, replacement);
  return out;
}

export function stateName(state: State, locale: Locale): string {
  return W[locale].states[state];
}

function kindLabel(s: SubjectInfo, locale: Locale): string {
  const k = W[locale].kinds;
  if (s.type === 'service') return k.service!;
  return (s.kind === 'institution' ? k[s.category ?? 'other'] : k[s.kind ?? 'other']) ?? k.other!;
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

/** The title (an email subject, a Telegram first line) and the text of an alert. */
export function alertText(c: AlertContent, ctx: TextContext): { title: string; message: string } {
  const w = W[ctx.locale];
  const t = (ms: number) => formatTime(ms, ctx);
  const dur = (ms: number) => formatDuration(ms, ctx.locale);
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

  if (c.action === 'close') {
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
        title = w.villageOffline(villageName);
        lines.push(`${w.down}: ${names(c.uplinks ?? [], ctx)}.`);
        sinceLine();
        cutOffLine();
        lines.push(`${w.cause}: ${likelyCause(c, ctx)}.`);
        break;
      case 'down':
        title = c.villageOffline
          ? `${w.villageOffline(villageName)}: ${s?.name ?? ''}`
          : `${s?.type === 'service' ? w.downService : w.down}: ${s?.name ?? ''}`;
        lines.push(`${s?.type === 'service' ? w.downService : w.down}: ${where(s, ctx)}.`);
        placeLine();
        sinceLine();
        cutOffLine();
        lines.push(`${w.cause}: ${likelyCause(c, ctx)}.`);
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
