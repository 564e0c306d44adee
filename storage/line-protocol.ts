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
  /** Each field's key as it goes on the wire (UTF-8), and its type. */
  fields: Map<string, { key: Buffer; type: FieldType }>;
  /**
   * Heads (measurement and tags) of frozen tag sets. A device's tags are one
   * frozen object on every point of it (its target's), so they are escaped
   * and joined once, not on each of the thousands of points a second; a tag
   * set that is not frozen may change and is encoded each time. Kept as
   * strings: a small Buffer would hold on to the whole 8-KB pool slab it was
   * cut from, with whatever short-lived bytes share it.
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
          { key: Buffer.from(escapeTag(k), 'utf8'), type: f.type },
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

const COMMA = 0x2c;
const EQUALS = 0x3d;
const SPACE = 0x20;
const NEWLINE = 0x0a;
const MINUS = 0x2d;
const ZERO = 0x30;
const I = 0x69;

/**
 * Lines of line protocol written straight into bytes, as the request body
 * goes out: the writer's thousands of points a second were each a rope of
 * strings per field, a number turned into a string for the time, a string
 * per line and one joined body, before the body was encoded to UTF-8 once
 * more. Now a point writes its cached head (one UTF-8 write), copies its
 * fields' keys as bytes, and writes integers (the time too) digit by digit.
 */
export class LineBody {
  private buf: Buffer;
  private length = 0;

  constructor(capacity = 256) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  /** Appends one point as a line. */
  add(point: Point): this {
    const enc = ENCODING.get(point.measurement);
    if (enc === undefined) throw new Error(`unknown measurement "${point.measurement}"`);
    if (this.length > 0) this.byte(NEWLINE);
    this.text(cachedHead(enc, point.tags));
    let sep = SPACE;
    const fields = point.fields;
    for (const k in fields) {
      const f = enc.fields.get(k);
      if (f === undefined) throw new Error(`unknown field "${k}" on ${point.measurement}`);
      const v = fields[k]!;
      this.byte(sep);
      this.bytes(f.key);
      this.byte(EQUALS);
      if (f.type === 'integer') {
        this.integer(v as number);
        this.byte(I);
      } else if (f.type === 'string') {
        this.text(quote(String(v)));
      } else {
        // A finite number's shortest form, as String gives it: ASCII only.
        this.ascii(String(v));
      }
      sep = COMMA;
    }
    this.byte(SPACE);
    this.integer(point.time);
    return this;
  }

  /** The lines written, as UTF-8 (a view of the body's buffer: valid until more is added). */
  toBuffer(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  toString(): string {
    return this.buf.toString('utf8', 0, this.length);
  }

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  private byte(c: number): void {
    this.room(1);
    this.buf[this.length++] = c;
  }

  private bytes(b: Buffer): void {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  private text(s: string): void {
    this.room(s.length * 3);
    this.length += this.buf.write(s, this.length, 'utf8');
  }

  private ascii(s: string): void {
    this.room(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.length++] = s.charCodeAt(i);
  }

  /** A safe integer in decimal, as String would write it. */
  private integer(n: number): void {
    if (n < 0) {
      this.byte(MINUS);
      n = -n;
    }
    let digits = 1;
    for (let v = n; v >= 10; v = Math.floor(v / 10)) digits++;
    this.room(digits);
    this.length += digits;
    let at = this.length;
    let v = n;
    do {
      this.buf[--at] = ZERO + (v % 10);
      v = Math.floor(v / 10);
    } while (v > 0);
  }
}

/** One point as a line (without the newline). */
export function toLine(point: Point): string {
  return new LineBody().add(point).toString();
}

/** Points as a request body: one line each. */
export function toLines(points: readonly Point[]): string {
  const body = new LineBody();
  for (const point of points) body.add(point);
  return body.toString();
}
