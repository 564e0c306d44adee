/**
 * The cause of an outage in words: the facts Merezha judged it by (kept as
 * data in the outage's `cause_evidence`), told in the reader's language for
 * `GET /api/outages`, the dashboard, the alerts and the report. One place, so
 * that an alert and the outage list never explain the same outage apart.
 */
import { localTime } from '../timezone.ts';
import type { Locale } from './locale.ts';
import { outageCauseName, type OutageCause, type PowerGroup } from './power.ts';

/** The facts behind a cause; every one optional, each said when present. */
export interface CauseEvidence {
  /** The supply (a UPS, or a router whose voltage is read) whose reading decided, or that vouched for mains. */
  supply?: string;
  /** When that supply went on battery. */
  on_battery_at?: number;
  /** When it ran out or fell silent while on battery. */
  lost_at?: number;
  /** The supply read mains when the outage began (provider, device). */
  mains_ok?: boolean;
  /** The blackout slot the outage began in (scheduled_blackout). */
  slot?: { group: PowerGroup; start: number; end: number };
  /** The parent whose outage cut this one off (upstream). */
  parent?: string;
  /** The provider of the uplink (provider). */
  provider?: string;
  /** The maintenance window (maintenance). */
  window?: string;
  /** An admin reclassified it: who, and the note. */
  note?: { by: string; text: string; at: number };
}

export interface CauseJudgement {
  cause: OutageCause;
  evidence: CauseEvidence;
}

export interface CauseWordsContext {
  locale: Locale;
  timeZone: string;
  /** The name people know a device or provider by (the id when unknown). */
  name: (id: string) => string;
}

/** «14:32»: the local time of day, as the cause and the power alerts say it. */
export function clockTime(t: number, timeZone: string): string {
  const l = localTime(t, timeZone);
  return `${String(l.hour).padStart(2, '0')}:${String(l.minute).padStart(2, '0')}`;
}

/**
 * The evidence alone, e.g. «ДБЖ «Школа, ДБЖ» на батареї з 14:02, розряджено о
 * 14:32», «канал Укртелеком не відповідає, живлення є за даними ДБЖ «Школа,
 * ДБЖ»»; «» when there is none to tell.
 */
export function causeEvidenceText(j: CauseJudgement, ctx: CauseWordsContext): string {
  const { locale, timeZone, name } = ctx;
  const e = j.evidence;
  const at = (t: number) => clockTime(t, timeZone);
  const uk = locale === 'uk';
  const parts: string[] = [];
  const supply = e.supply === undefined ? undefined : uk ? `ДБЖ «${name(e.supply)}»` : `UPS "${name(e.supply)}"`;
  // Mains present is what clears the power, so it is said beside the line it leaves to blame.
  const mains = supply !== undefined && e.mains_ok ? (uk ? `живлення є за даними ${supply}` : `mains present per ${supply}`) : undefined;
  if (e.provider !== undefined && j.cause === 'provider') {
    const line = uk ? `канал ${name(e.provider)} не відповідає` : `the ${name(e.provider)} line does not answer`;
    parts.push(mains ? `${line}, ${mains}` : line);
  } else if (mains) parts.push(mains);
  if (supply !== undefined && !e.mains_ok) {
    const facts: string[] = [];
    if (e.on_battery_at !== undefined) facts.push(uk ? `на батареї з ${at(e.on_battery_at)}` : `on battery since ${at(e.on_battery_at)}`);
    if (e.lost_at !== undefined) facts.push(uk ? `розряджено о ${at(e.lost_at)}` : `ran out at ${at(e.lost_at)}`);
    parts.push(facts.length ? `${supply} ${facts.join(', ')}` : supply);
  }
  if (e.slot) {
    const slot = `${at(e.slot.start)}–${at(e.slot.end)}`;
    // The cause's own name already says «за графіком»: the evidence gives the queue and the slot.
    parts.push(uk ? `черга ${e.slot.group}, ${slot}` : `queue ${e.slot.group}, ${slot}`);
  }
  if (e.parent !== undefined) parts.push(uk ? `недоступний «${name(e.parent)}»` : `"${name(e.parent)}" is down`);
  if (e.window !== undefined) parts.push(uk ? `вікно робіт «${e.window}»` : `maintenance window "${e.window}"`);
  if (e.note) parts.push(uk ? `перекласифікував ${e.note.by}: ${e.note.text}` : `reclassified by ${e.note.by}: ${e.note.text}`);
  return parts.join('; ');
}

/** The cause and its evidence: «відключення світла (ДБЖ «…» розряджено о 14:32)». */
export function causeText(j: CauseJudgement, ctx: CauseWordsContext): string {
  const evidence = causeEvidenceText(j, ctx);
  const name = outageCauseName(j.cause, ctx.locale);
  return evidence ? `${name} (${evidence})` : name;
}
