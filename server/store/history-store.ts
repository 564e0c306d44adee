/**
 * The dashboard's reads of stored history: a device's chart series, its state
 * periods, and the outage log with filters, each outage with its cause (an
 * admin's reclassification over what Merezha judged).
 *
 * Charts of a day come from the raw points; longer ranges from the 5-minute
 * rollups, which keep the raw field names for the means the charts show.
 */
import type { HistoryResponse, OutageItem, Range, State } from '../../common/api.ts';
import { RETENTION_POLICIES } from '../../storage/measurements.ts';
import { subjectOfTags } from '../../common/subjects.ts';
import { causeEvidenceText, type CauseJudgement, type CauseWordsContext } from '../../common/words/cause.ts';
import type { Locale } from '../../common/words/locale.ts';
import type { OutageCause } from '../../common/words/power.ts';
import { type Inventory, type SubjectInfo } from '../inventory.ts';
import { effectiveCause, latestNotes, outageKey, type OutageNote } from '../power/notes.ts';
import { storedCause, storedOutage } from '../state/history.ts';
import { STATES } from '../state/types.ts';
import { ident, literal, type Query, type Row } from '../../storage/influx-query.ts';
import { readOutageNotes } from './outage-notes.ts';
import { subjectCondition } from './presence.ts';

const MIN = 60_000;
const DAY = 86_400_000;

/** Length, source and bucket of each chart range: at most ~720 points per series. */
export const RANGE_PLAN: Record<Range, { ms: number; source: 'raw' | 'rollup'; stepMs: number }> = {
  '24h': { ms: DAY, source: 'raw', stepMs: 2 * MIN },
  '7d': { ms: 7 * DAY, source: 'rollup', stepMs: 15 * MIN },
  '30d': { ms: 30 * DAY, source: 'rollup', stepMs: 60 * MIN },
  '1y': { ms: 365 * DAY, source: 'rollup', stepMs: DAY },
};

type Series = HistoryResponse['series'];
type SeriesName = Exclude<keyof Series, 'time'>;

/** Chart series → (measurement, field); the same field name exists in raw and rollup. */
const SERIES: Record<SeriesName, { measurement: string; field: string }> = {
  rtt_ms: { measurement: 'ping', field: 'rtt_avg_ms' },
  loss_pct: { measurement: 'ping', field: 'loss_pct' },
  in_bps: { measurement: 'interface', field: 'in_bps' },
  out_bps: { measurement: 'interface', field: 'out_bps' },
  clients: { measurement: 'wifi', field: 'clients' },
};

export async function deviceSeries(
  query: Query,
  deviceId: string,
  range: Range,
  now: number,
): Promise<Pick<HistoryResponse, 'from' | 'to' | 'step_s' | 'source' | 'series'>> {
  const plan = RANGE_PLAN[range];
  const to = Math.ceil(now / plan.stepMs) * plan.stepMs;
  const from = to - plan.ms;
  const rp = ident(plan.source === 'raw' ? RETENTION_POLICIES.raw : RETENTION_POLICIES.rollup);
  const byMeasurement = new Map<string, SeriesName[]>();
  for (const [name, s] of Object.entries(SERIES) as [SeriesName, (typeof SERIES)[SeriesName]][]) {
    byMeasurement.set(s.measurement, [...(byMeasurement.get(s.measurement) ?? []), name]);
  }
  const time: number[] = [];
  for (let t = from; t < to; t += plan.stepMs) time.push(t);
  const index = new Map(time.map((t, i) => [t, i]));
  const series = { time } as Series;
  for (const name of Object.keys(SERIES) as SeriesName[]) series[name] = time.map(() => null);

  await Promise.all(
    [...byMeasurement].map(async ([measurement, names]) => {
      const fields = names.map((n) => `mean(${ident(SERIES[n].field)}) AS ${ident(n)}`).join(', ');
      const rows = await query(
        `SELECT ${fields} FROM ${rp}.${ident(measurement)} WHERE "device" = ${literal(deviceId)} ` +
          `AND time >= ${from}ms AND time < ${to}ms GROUP BY time(${plan.stepMs}ms) fill(none)`,
      );
      for (const row of rows) {
        const i = index.get(Number(row.time));
        if (i === undefined) continue;
        for (const n of names) if (typeof row[n] === 'number') series[n][i] = row[n] as number;
      }
    }),
  );
  return { from, to, step_s: plan.stepMs / 1000, source: plan.source, series };
}

/** State periods of a subject overlapping [from, to), oldest first; the first one began at or before `from`. */
export async function statePeriods(query: Query, subject: SubjectInfo, from: number, to: number): Promise<HistoryResponse['states']> {
  const where = subjectCondition(subject);
  const [before, within] = await Promise.all([
    query(
      `SELECT "to", "reason" FROM ${ident(RETENTION_POLICIES.events)}."transition" WHERE ${where} AND time < ${from}ms ORDER BY time DESC LIMIT 1`,
    ),
    query(
      `SELECT "to", "reason" FROM ${ident(RETENTION_POLICIES.events)}."transition" WHERE ${where} AND time >= ${from}ms AND time < ${to}ms`,
    ),
  ]);
  const rows = [...before, ...within].sort((a, b) => Number(a.time) - Number(b.time));
  return rows
    .filter((r) => (STATES as readonly string[]).includes(String(r.to)))
    .map((r, i, all) => ({
      state: r.to as State,
      from: Math.max(Number(r.time), from),
      to: i + 1 < all.length ? Number(all[i + 1]!.time) : null,
      reason: String(r.reason ?? ''),
    }));
}

export interface OutageFilter {
  from: number;
  to: number;
  /** Subject keys (device ids, `service:<id>`); any when undefined. */
  subjects?: readonly string[];
  open?: boolean;
  /** Causes that count (reclassified or judged); any when undefined. */
  causes?: readonly OutageCause[];
  limit: number;
}

/** An outage as stored: its point, with the cause Merezha judged (none on outages recorded before causes were judged). */
export interface StoredOutage {
  start: number;
  end: number | null;
  reason: string;
  unreachable: string[];
  cause?: CauseJudgement;
}

const OUTAGE_COLUMNS = '"open", "end_ms", "reason", "unreachable", "cause", "cause_evidence", "device", "service"';
const OUTAGES = `${ident(RETENTION_POLICIES.events)}."outage"`;

/** How causes are told: the reader's language, the hromada's time zone, devices and providers by the names the inventory gives. */
export function causeWords(inventory: Inventory, locale: Locale, timeZone: string): CauseWordsContext {
  const providers = new Map<string, string>();
  for (const s of inventory.subjects.values()) if (s.provider) providers.set(s.provider.id, s.provider.name);
  return { locale, timeZone, name: (id) => inventory.subjects.get(id)?.name ?? providers.get(id) ?? id };
}

/** Outages overlapping [from, to) (or still open), newest first. */
export async function listOutages(
  query: Query,
  inventory: Inventory,
  filter: OutageFilter,
  words: CauseWordsContext,
  now: number,
): Promise<OutageItem[]> {
  const conditions = [`time < ${filter.to}ms`, `("open" = 1 OR "end_ms" >= ${Math.floor(filter.from)})`];
  if (filter.open !== undefined) conditions.push(`"open" = ${filter.open ? 1 : 0}`);
  let subjects: string | undefined;
  if (filter.subjects) {
    if (filter.subjects.length === 0) return [];
    const terms = filter.subjects.map((key) => subjectCondition(inventory.subjects.get(key) ?? { type: 'device', id: key }));
    subjects = `(${terms.join(' OR ')})`;
    conditions.push(subjects);
  }
  // The cause that counts is known only once the notes are read: filtered by cause, the whole range is read and cut here.
  const limit = filter.causes ? '' : ` LIMIT ${filter.limit}`;
  const rows = await query(`SELECT ${OUTAGE_COLUMNS} FROM ${OUTAGES} WHERE ${conditions.join(' AND ')} ORDER BY time DESC${limit}`);
  const found = rows.flatMap((row) => {
    const key = subjectOfTags(row);
    const info = key ? inventory.subjects.get(key) : undefined;
    return info ? [{ info, outage: outageOfRow(row) }] : [];
  });
  if (found.length === 0) return [];
  // Newest first: the notes of these outages lie between the last one's start and the first one's.
  const range = { from: found[found.length - 1]!.outage.start, to: found[0]!.outage.start };
  const notes = latestNotes(await readOutageNotes(query, range, subjects));
  const items = found.map(({ info, outage }) => outageItem(info, outage, notes.get(outageKey(info.key, outage.start)), words, now));
  const causes = filter.causes;
  return causes ? items.filter((item) => causes.includes(item.cause)).slice(0, filter.limit) : items;
}

/** The outage of a subject that began at `start`, as stored; undefined when there is none. */
export async function findOutage(query: Query, subject: SubjectInfo, start: number): Promise<StoredOutage | undefined> {
  const rows = await query(`SELECT ${OUTAGE_COLUMNS} FROM ${OUTAGES} WHERE ${subjectCondition(subject)} AND time = ${start}ms`);
  return rows[0] && outageOfRow(rows[0]);
}

function outageOfRow(row: Row): StoredOutage {
  const end = Number(row.open) === 1 || row.end_ms === null || row.end_ms === undefined ? null : Number(row.end_ms);
  const cause = storedCause(row);
  return { ...storedOutage(row), end, ...(cause ? { cause } : {}) };
}

/**
 * An outage as the API shows it; one still open has lasted until `now`. Its
 * cause is the admin's `note` where there is one, else the judged one, else
 * `unknown`.
 */
export function outageItem(
  info: SubjectInfo,
  outage: StoredOutage,
  note: OutageNote | undefined,
  words: CauseWordsContext,
  now: number,
): OutageItem {
  const cause = effectiveCause(outage.cause, note);
  return {
    subject: info.key,
    name: info.name,
    village: info.village?.id ?? null,
    kind: info.kind ?? info.type,
    start: outage.start,
    end: outage.end,
    duration_s: ((outage.end ?? now) - outage.start) / 1000,
    reason: outage.reason,
    unreachable: outage.unreachable,
    cause: cause.cause,
    cause_evidence: causeEvidenceText(cause, words),
    cause_facts: cause.evidence,
    cause_judged: outage.cause?.cause ?? 'unknown',
    reclassified: note ? { cause: note.cause, note: note.note, by: note.by, at: note.at } : null,
  };
}
