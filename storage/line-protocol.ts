/**
 * InfluxDB line protocol for the writer, straight from the schema in
 * `measurements.ts`: integer fields get the `i` suffix, strings are quoted,
 * tags are sorted by key (what InfluxDB would otherwise do for every point),
 * time is in milliseconds. Points have passed `checkPoint` before they get
 * here, so every field is known and of its type.
 *
 * This replaces the `influx` client's writePoints, whose per-point schema
 * coercion, regex escaping and request building cost about as much CPU as
 * InfluxDB needs to store the points (see BENCHMARKS.md).
 */
import { DEVICE_TAGS, MEASUREMENTS, type FieldType, type MeasurementName } from './measurements.ts';
import type { Point } from './point.ts';

/** Tag keys and values, and field keys: comma, equals sign and space are escaped. */
const TAG_SPECIAL = /[,= ]/;
const TAG_SPECIAL_G = /[,= ]/g;
export function escapeTag(s: string): string {
  return TAG_SPECIAL.test(s) ? s.replace(TAG_SPECIAL_G, '\\$&') : s;
}

/** String field values are double-quoted; double quotes and backslashes inside are escaped. */
const STRING_SPECIAL = /["\\]/;
const STRING_SPECIAL_G = /["\\]/g;
function quote(s: string): string {
  return `"${STRING_SPECIAL.test(s) ? s.replace(STRING_SPECIAL_G, '\\$&') : s}"`;
}

interface Encoded {
  /** Measurement name as it goes on the wire. */
  name: string;
  /** Every tag the measurement may have, sorted, with its key as it goes on the wire. */
  tags: { name: string; key: string }[];
  fields: Map<string, { key: string; type: FieldType }>;
  /**
   * Heads (measurement and tags) of frozen tag sets. A device's tags are one
   * frozen object on every point of it (its target's), so they are escaped
   * and joined once, not on each of the thousands of points a second; a tag
   * set that is not frozen may change and is encoded each time.
   */
  heads: WeakMap<Point['tags'], string>;
}

const ENCODING = new Map<string, Encoded>(
  (Object.keys(MEASUREMENTS) as MeasurementName[]).map((m) => [
    m,
    {
      name: m.replace(/[, ]/g, '\\$&'),
      tags: [...DEVICE_TAGS, ...MEASUREMENTS[m].extraTags].sort().map((name) => ({ name, key: `,${escapeTag(name)}=` })),
      fields: new Map(
        Object.entries(MEASUREMENTS[m].fields as Record<string, { type: FieldType }>).map(([k, f]) => [
          k,
          { key: escapeTag(k), type: f.type },
        ]),
      ),
      heads: new WeakMap(),
    },
  ]),
);

/**
 * The measurement and tags of a line, as they go on the wire. Joined, not
 * appended: `+=` would leave a rope of a dozen pieces (32 bytes each) that a
 * cached head keeps for the device's life, about 4 MB at 10,000 devices, and
 * that every line written from it walks again.
 */
function head(enc: Encoded, tags: Point['tags']): string {
  const parts = [enc.name];
  // checkPoint allows only the measurement's tags: walking them in order sorts for free.
  for (const tag of enc.tags) {
    const value = tags[tag.name];
    if (value !== undefined && value !== '') parts.push(tag.key, escapeTag(value));
  }
  return parts.join('');
}

function cachedHead(enc: Encoded, tags: Point['tags']): string {
  if (!Object.isFrozen(tags)) return head(enc, tags);
  let line = enc.heads.get(tags);
  if (line === undefined) enc.heads.set(tags, (line = head(enc, tags)));
  return line;
}

/** One point as a line (without the newline). */
export function toLine(point: Point): string {
  const enc = ENCODING.get(point.measurement);
  if (enc === undefined) throw new Error(`unknown measurement "${point.measurement}"`);
  let line = cachedHead(enc, point.tags);
  let sep = ' ';
  const fields = point.fields;
  for (const k in fields) {
    const f = enc.fields.get(k);
    if (f === undefined) throw new Error(`unknown field "${k}" on ${point.measurement}`);
    const v = fields[k]!;
    line += `${sep}${f.key}=${f.type === 'integer' ? `${v}i` : f.type === 'string' ? quote(String(v)) : String(v)}`;
    sep = ',';
  }
  return `${line} ${point.time}`;
}

/** Points as a request body: one line each. */
export function toLines(points: readonly Point[]): string {
  // join() builds one flat string; += would build a rope that the UTF-8 encoder has to flatten.
  return points.map(toLine).join('\n');
}
