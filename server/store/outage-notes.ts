/**
 * Admins' reclassifications of outages in InfluxDB (the `outage_note`
 * measurement): the point one writes, and the notes read back for
 * `GET /api/outages` and the yearly report. Which note counts is the rule of
 * server/power/notes.ts.
 *
 * A note's point is at its outage's start, so a later note of the same outage
 * replaces the earlier one in the store: the latest wins there too, with who
 * made it and when.
 */
import { subjectOfTags } from '../../common/subjects.ts';
import { isOutageCause } from '../../common/words/power.ts';
import { ident, type Query } from '../../storage/influx-query.ts';
import { RETENTION_POLICIES } from '../../storage/measurements.ts';
import type { Point } from '../../storage/point.ts';
import type { OutageNote } from '../power/notes.ts';

/** The point of a note; `tags`: the outage's subject's (the same series as its `outage` point). */
export function outageNotePoint(note: OutageNote, tags: Record<string, string>): Point {
  return {
    measurement: 'outage_note',
    tags,
    fields: { start_ms: note.start, cause: note.cause, note: note.note, by: note.by, at_ms: note.at },
    time: note.start,
  };
}

/**
 * Notes about outages that began in [from, to] (both ms, inclusive), optionally
 * narrowed by an InfluxQL condition on the subject tags. Rows without a known
 * cause or subject are left out.
 */
export async function readOutageNotes(query: Query, range: { from: number; to: number }, where?: string): Promise<OutageNote[]> {
  const rows = await query(
    `SELECT "start_ms", "cause", "note", "by", "at_ms", "device", "service" ` +
      `FROM ${ident(RETENTION_POLICIES.events)}."outage_note" ` +
      `WHERE time >= ${Math.floor(range.from)}ms AND time <= ${Math.ceil(range.to)}ms${where ? ` AND ${where}` : ''}`,
  );
  return rows.flatMap((row) => {
    const subject = subjectOfTags(row);
    if (subject === undefined || !isOutageCause(row.cause)) return [];
    return [
      {
        subject,
        start: Number(row.start_ms ?? row.time),
        cause: row.cause,
        note: String(row.note ?? ''),
        by: String(row.by ?? ''),
        at: Number(row.at_ms ?? row.time),
      },
    ];
  });
}
