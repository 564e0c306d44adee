/**
 * The "what counts as monitored" table against the stored schema: each
 * field it reads must be written by the probe and counted by the rollup, or
 * availability and the report would count nothing (InfluxDB answers a
 * missing field with no rows, not an error).
 */
import { describe, expect, it } from 'vitest';
import { measurementSpec, tagNamesOf } from '../../storage/point-check.ts';
import { PRESENCE, type PresenceMeasurement } from '../../server/store/presence.ts';

describe('PRESENCE', () => {
  for (const m of Object.keys(PRESENCE) as PresenceMeasurement[]) {
    const { tag, field } = PRESENCE[m];
    it(`${m}: the raw field is written, the rollup counts it, the tag names the subject`, () => {
      const spec = measurementSpec(m);
      expect(spec.retention).toBe('raw');
      expect(spec.fields[field.raw]?.rollup?.[field.rollup]).toBe('count');
      expect(tagNamesOf(m)).toContain(tag);
    });
  }
});
