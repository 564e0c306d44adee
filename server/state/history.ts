/**
 * The state engine's record in InfluxDB: transitions, outages and events as
 * points (what `measurements.ts` declares), and the way back after a restart.
 *
 * An outage is one point at its start time: written with `open = 1` when it
 * begins, and written again at the same time with `open = 0` and its end
 * when it ends. InfluxDB merges the fields of points with the same series and
 * time, so whatever happens in between (a kill -9, a restart), there is
 * exactly one point per outage, and an open one is found by `open = 1`.
 */
import type { Point } from '../../storage/point.ts';
import type { StatesConfig } from '../../config/schema.ts';
import type { Inventory } from '../inventory.ts';
import { subjectOfTags } from '../../common/subjects.ts';
import type { CauseEvidence, CauseJudgement } from '../../common/words/cause.ts';
import { isOutageCause } from '../../common/words/power.ts';
import type { Query, Row } from '../../storage/influx-query.ts';
import { STATES, type Change, type RestoredSubject, type State } from './types.ts';

const COUNTED = new Set<string>(['up', 'degraded', 'down']);

/** The points that record a change; none for a reboot (the collector already stored it). */
export function changePoints(change: Change, inventory: Inventory): Point[] {
  if (change.type === 'village') {
    return [
      {
        measurement: 'event',
        tags: { village: change.village, type: change.offline ? 'village_offline' : 'village_online' },
        fields: {
          message: change.offline ? `all uplinks are down (${change.uplinks.join(', ')})` : 'an uplink is back',
          value: change.uplinks.length,
        },
        time: change.at,
      },
    ];
  }
  const subject = inventory.subjects.get(change.subject);
  if (!subject) return [];
  const tags = subject.tags;
  switch (change.type) {
    case 'transition':
      return [
        {
          measurement: 'transition',
          tags,
          fields: { from: change.from, to: change.to, reason: change.reason, ...(change.cause ? { cause: change.cause } : {}) },
          time: change.at,
        },
      ];
    case 'outage_start':
      return [
        {
          measurement: 'outage',
          tags,
          fields: { open: 1, reason: change.reason, unreachable: unreachableField(change.unreachable), ...causeFields(change.cause) },
          time: change.start,
        },
      ];
    case 'outage_end':
      return [
        {
          measurement: 'outage',
          tags,
          fields: {
            open: 0,
            end_ms: change.end,
            duration_s: (change.end - change.start) / 1000,
            reason: change.reason,
            unreachable: unreachableField(change.unreachable),
            ...causeFields(change.cause),
          },
          time: change.start,
        },
      ];
    case 'flapping':
      return [
        {
          measurement: 'event',
          tags: { ...tags, type: change.flapping ? 'flapping' : 'flapping_end' },
          fields: {
            message: change.flapping ? `${change.transitions} state changes within the flapping window` : 'stable again',
            value: change.transitions,
          },
          time: change.at,
        },
      ];
    case 'reboot':
      return [];
  }
}

/** The stored form of a judged cause (`cause`, and its evidence as JSON in `cause_evidence`), which `storedCause` reads back. */
function causeFields(judgement: CauseJudgement | undefined): Record<string, string> {
  return judgement ? { cause: judgement.cause, cause_evidence: JSON.stringify(judgement.evidence) } : {};
}

/**
 * The point that gives an outage (still open) a cause judged anew: only the
 * cause fields, at the outage's time, which InfluxDB merges into its point.
 */
export function causePoint(subject: string, start: number, judgement: CauseJudgement, inventory: Inventory): Point | undefined {
  const info = inventory.subjects.get(subject);
  return info && { measurement: 'outage', tags: info.tags, fields: causeFields(judgement), time: start };
}

/** The cause stored on a row of `outage`; undefined on outages recorded before causes were judged. */
export function storedCause(row: Row): CauseJudgement | undefined {
  if (!isOutageCause(row.cause)) return undefined;
  let evidence: CauseEvidence = {};
  try {
    const parsed: unknown = JSON.parse(String(row.cause_evidence ?? '{}'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) evidence = parsed as CauseEvidence;
  } catch {
    // Evidence that does not read leaves the cause standing without it.
  }
  return { cause: row.cause, evidence };
}

/** The stored form of the subjects an outage cut off, which `storedOutage` reads back. */
const unreachableField = (keys: readonly string[]) => keys.join(',');

/** What an outage point holds for the engine and the dashboard alike, read back from a row of `outage`. */
export function storedOutage(row: Row): { start: number; reason: string; unreachable: string[] } {
  return {
    start: Number(row.time),
    reason: String(row.reason ?? ''),
    unreachable: String(row.unreachable ?? '')
      .split(',')
      .filter(Boolean),
  };
}

export interface StateHistory {
  subjects: RestoredSubject[];
  /** Outages left open that a later one replaced (only after an inconsistent store): to be closed. */
  staleOutages: Array<{ subject: string; start: number }>;
  /** The cause judged so far of each open outage (subject key → cause), where one was stored. */
  causes: Map<string, CauseJudgement>;
}

const isState = (v: unknown): v is State => typeof v === 'string' && (STATES as readonly string[]).includes(v);

/**
 * Reads back what the engine needs after a restart: each subject's last
 * transition (its state and since when), open outages, and the transitions
 * and flapping of the last window.
 */
export async function loadStateHistory(query: Query, inventory: Inventory, states: StatesConfig, now: number): Promise<StateHistory> {
  const windowFrom = now - states.flapping.window;
  const [last, recent, open, flapping] = await Promise.all([
    query(`SELECT "to", "reason", "cause" FROM "events"."transition" GROUP BY "device", "service" ORDER BY time DESC LIMIT 1`),
    query(`SELECT "from", "to" FROM "events"."transition" WHERE time > ${windowFrom}ms GROUP BY "device", "service"`),
    query(
      `SELECT "open", "reason", "unreachable", "cause", "cause_evidence" FROM "events"."outage" WHERE "open" = 1 GROUP BY "device", "service"`,
    ),
    query(
      `SELECT "message" FROM "events"."event" WHERE "type" = 'flapping' OR "type" = 'flapping_end' GROUP BY "device", "service", "type" ORDER BY time DESC LIMIT 1`,
    ),
  ]);

  const subjects = new Map<string, RestoredSubject>();
  for (const row of last) {
    const key = subjectOfTags(row);
    if (!key || !inventory.subjects.has(key) || !isState(row.to)) continue;
    subjects.set(key, {
      key,
      state: row.to,
      since: row.time as number,
      ...(typeof row.reason === 'string' ? { reason: row.reason } : {}),
      ...(typeof row.cause === 'string' && row.cause !== '' ? { cause: row.cause } : {}),
      transitions: [],
    });
  }
  for (const row of recent) {
    const s = subjects.get(subjectOfTags(row) ?? '');
    if (s && COUNTED.has(String(row.from)) && COUNTED.has(String(row.to))) s.transitions.push(row.time as number);
  }

  const staleOutages: StateHistory['staleOutages'] = [];
  const causes = new Map<string, CauseJudgement>();
  const openBySubject = new Map<string, Row[]>();
  for (const row of open) {
    const key = subjectOfTags(row);
    if (key) openBySubject.set(key, [...(openBySubject.get(key) ?? []), row]);
  }
  for (const [key, rows] of openBySubject) {
    rows.sort((a, b) => (a.time as number) - (b.time as number));
    const latest = rows.at(-1)!;
    for (const older of rows.slice(0, -1)) staleOutages.push({ subject: key, start: older.time as number });
    const s = subjects.get(key);
    // An open outage belongs to a subject that is still down (or cut off since); otherwise its end was lost.
    if (s && (s.state === 'down' || s.state === 'unreachable')) {
      s.outage = storedOutage(latest);
      const cause = storedCause(latest);
      if (cause) causes.set(key, cause);
    } else {
      staleOutages.push({ subject: key, start: latest.time as number });
    }
  }

  const lastFlap = new Map<string, { type: string; time: number }>();
  for (const row of flapping) {
    const key = subjectOfTags(row);
    if (!key) continue;
    const prev = lastFlap.get(key);
    if (!prev || (row.time as number) > prev.time) lastFlap.set(key, { type: String(row.type), time: row.time as number });
  }
  for (const [key, f] of lastFlap) {
    const s = subjects.get(key);
    if (s && f.type === 'flapping') s.flappingSince = f.time;
  }
  return { subjects: [...subjects.values()], staleOutages, causes };
}
