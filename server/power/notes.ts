/**
 * Admins' reclassifications of outages (the `outage_note` measurement, like
 * Checkmk's annotations): the latest note of an outage wins over the cause
 * Merezha judged. One rule for `GET /api/outages` and the yearly report.
 */
import type { CauseJudgement } from '../../common/words/cause.ts';
import type { OutageCause } from '../../common/words/power.ts';

export interface OutageNote {
  /** Subject key of the outage (device id, `service:<id>`). */
  subject: string;
  /** The outage's start, ms: with `subject`, what identifies it. */
  start: number;
  cause: OutageCause;
  note: string;
  by: string;
  /** When it was reclassified, ms. */
  at: number;
}

export const outageKey = (subject: string, start: number): string => `${subject}@${start}`;

/** The latest note per outage. */
export function latestNotes(notes: Iterable<OutageNote>): Map<string, OutageNote> {
  const latest = new Map<string, OutageNote>();
  for (const n of notes) {
    const key = outageKey(n.subject, n.start);
    const before = latest.get(key);
    if (!before || n.at >= before.at) latest.set(key, n);
  }
  return latest;
}

/** The cause that counts: the note's when there is one (its evidence kept, the note added), else the judged one. */
export function effectiveCause(judged: CauseJudgement | undefined, note: OutageNote | undefined): CauseJudgement {
  const base: CauseJudgement = judged ?? { cause: 'unknown', evidence: {} };
  if (!note) return base;
  return { cause: note.cause, evidence: { ...base.evidence, note: { by: note.by, text: note.note, at: note.at } } };
}
