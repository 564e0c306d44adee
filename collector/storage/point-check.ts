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

function fieldProblem(name: string, spec: FieldSpec | undefined, value: FieldValue): string | null {
  if (spec === undefined) return `unknown field "${name}"`;
  const shown = JSON.stringify(value);
  switch (spec.type) {
    case 'integer':
      return Number.isSafeInteger(value) ? null : `field "${name}" must be an integer, got ${shown}`;
    case 'float':
      return typeof value === 'number' && Number.isFinite(value) ? null : `field "${name}" must be a finite number, got ${shown}`;
    case 'string':
      return typeof value === 'string' ? null : `field "${name}" must be a string, got ${shown}`;
  }
}

/**
 * Returns a copy of the point that is safe to queue, or why it is not.
 * Empty tag values are left out: InfluxDB cannot store them, and an empty tag
 * means the same as an absent one there.
 */
export function checkPoint(point: Point): PointCheck {
  const { measurement } = point;
  if (!isMeasurementName(measurement)) return { ok: false, reason: `unknown measurement "${measurement}"` };
  // Time 0 would be sent as "no timestamp" by the client, i.e. the server's clock.
  if (!Number.isSafeInteger(point.time) || point.time <= 0) {
    return { ok: false, reason: `time must be positive whole milliseconds, got ${JSON.stringify(point.time)}` };
  }
  const spec = measurementSpec(measurement);
  const allowedTags = tagNamesOf(measurement);
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(point.tags)) {
    if (!allowedTags.includes(key)) return { ok: false, reason: `unknown tag "${key}" on ${measurement}` };
    if (typeof value !== 'string') return { ok: false, reason: `tag "${key}" must be a string` };
    if (value !== '') tags[key] = value;
  }
  const fieldEntries = Object.entries(point.fields);
  if (fieldEntries.length === 0) return { ok: false, reason: `a ${measurement} point needs at least one field` };
  for (const [name, value] of fieldEntries) {
    const problem = fieldProblem(name, spec.fields[name], value);
    if (problem !== null) return { ok: false, reason: `${measurement}: ${problem}` };
  }
  return { ok: true, point: { measurement, tags, fields: { ...point.fields }, time: point.time } };
}
