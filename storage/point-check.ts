/**
 * Checks a point against the schema in `measurements.ts` before it is queued.
 *
 * A point that breaks the schema would make InfluxDB refuse it (or, worse,
 * fix a wrong field type for the whole shard), so the writer and the memory
 * sink turn it away at the door with a reason a person can act on.
 */
import { DEVICE_TAGS, MEASUREMENTS, type FieldSpec, type MeasurementName, type MeasurementSpec } from './measurements.ts';
import type { FieldValue, Point } from './point.ts';

export type PointCheck = { ok: true; point: Point } | { ok: false; reason: string };

function isMeasurementName(name: string): name is MeasurementName {
  return Object.hasOwn(MEASUREMENTS, name);
}

export function measurementSpec(name: MeasurementName): MeasurementSpec {
  return MEASUREMENTS[name];
}

const TAG_NAMES = new Map(
  (Object.keys(MEASUREMENTS) as MeasurementName[]).map((name) => [
    name,
    [...DEVICE_TAGS, ...measurementSpec(name).extraTags] as readonly string[],
  ]),
);

/** Every tag a measurement may carry: the device tags and its own. */
export function tagNamesOf(name: MeasurementName): readonly string[] {
  return TAG_NAMES.get(name)!;
}

const TAG_SETS = new Map([...TAG_NAMES].map(([name, tags]) => [name, new Set(tags)]));

function fieldProblem(name: string, spec: FieldSpec | undefined, value: FieldValue): string | null {
  if (spec === undefined) return `unknown field "${name}"`;
  switch (spec.type) {
    case 'integer':
      return Number.isSafeInteger(value) ? null : `field "${name}" must be an integer, got ${JSON.stringify(value)}`;
    case 'float':
      return typeof value === 'number' && Number.isFinite(value)
        ? null
        : `field "${name}" must be a finite number, got ${JSON.stringify(value)}`;
    case 'string':
      return typeof value === 'string' ? null : `field "${name}" must be a string, got ${JSON.stringify(value)}`;
  }
}

/**
 * Returns the point if it is safe to queue as it is, a copy without its empty
 * tags if it has any, or why it cannot be queued. Empty tag values are left
 * out: InfluxDB cannot store them, and an empty tag means the same as an
 * absent one there.
 *
 * A valid point is not copied (the writer may hold hundreds of thousands):
 * whoever writes a point must not change it afterwards. The collector builds
 * new points for every poll.
 */
export function checkPoint(point: Point): PointCheck {
  const { measurement } = point;
  if (!isMeasurementName(measurement)) return { ok: false, reason: `unknown measurement "${measurement}"` };
  // Time 0 would be sent as "no timestamp" by the client, i.e. the server's clock.
  if (!Number.isSafeInteger(point.time) || point.time <= 0) {
    return { ok: false, reason: `time must be positive whole milliseconds, got ${JSON.stringify(point.time)}` };
  }
  const spec = measurementSpec(measurement);
  const allowedTags = TAG_SETS.get(measurement)!;
  let empty = false;
  for (const key in point.tags) {
    if (!Object.hasOwn(point.tags, key)) continue;
    const value = point.tags[key];
    if (!allowedTags.has(key)) return { ok: false, reason: `unknown tag "${key}" on ${measurement}` };
    if (typeof value !== 'string') return { ok: false, reason: `tag "${key}" must be a string` };
    if (value === '') empty = true;
  }
  let fields = 0;
  for (const name in point.fields) {
    if (!Object.hasOwn(point.fields, name)) continue;
    fields++;
    const problem = fieldProblem(name, Object.hasOwn(spec.fields, name) ? spec.fields[name] : undefined, point.fields[name]!);
    if (problem !== null) return { ok: false, reason: `${measurement}: ${problem}` };
  }
  if (fields === 0) return { ok: false, reason: `a ${measurement} point needs at least one field` };
  if (!empty) return { ok: true, point };
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(point.tags)) if (value !== '') tags[key] = value;
  return { ok: true, point: { measurement, tags, fields: point.fields, time: point.time } };
}
