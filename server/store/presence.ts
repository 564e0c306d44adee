/**
 * What counts as monitored, and how a subject's points are found: a subject
 * was being looked at wherever the measurement of the probe that says
 * whether it is reachable (its `reachBy`) holds a point tagged with it. Raw
 * points carry the probe's own field; the 5-minute rollups count those
 * points in `samples` (`storage/measurements.ts`). The dashboard's
 * availability reads both, the report the rollups only: each picks the
 * field of the retention policy it reads.
 */
import { subjectOfTags } from '../../common/subjects.ts';
import { ident, literal, type Row } from '../../storage/influx-query.ts';
import type { Inventory, SubjectInfo } from '../inventory.ts';

interface Presence {
  /** The tag naming the subject in the measurement's points. */
  tag: 'device' | 'service';
  /** Per retention policy, the field present in every point. */
  field: { raw: string; rollup: string };
}

/** Keyed by measurement, which is named like the `reachBy` it serves. */
export const PRESENCE = {
  ping: { tag: 'device', field: { raw: 'reachable', rollup: 'samples' } },
  snmp: { tag: 'device', field: { raw: 'ok', rollup: 'samples' } },
  service: { tag: 'service', field: { raw: 'up', rollup: 'samples' } },
} as const satisfies Record<SubjectInfo['reachBy'], Presence>;

export type PresenceMeasurement = keyof typeof PRESENCE;

/** The measurement that tells whether a subject was monitored; an unknown key is read as a pinged device. */
export function presenceOf(inventory: Inventory, key: string): PresenceMeasurement {
  return inventory.subjects.get(key)?.reachBy ?? 'ping';
}

/**
 * The subject whose monitored time a row of `m` tells, if any: a device both
 * pinged and polled over SNMP is counted by its `reachBy` alone, not twice.
 */
export function presentSubject(inventory: Inventory, m: PresenceMeasurement, row: Row): string | undefined {
  const key = subjectOfTags(row);
  return key && presenceOf(inventory, key) === m ? key : undefined;
}

/** The measurements the inventory's subjects are monitored in: one query each covers them all. */
export function presenceMeasurements(inventory: Inventory): Set<PresenceMeasurement> {
  return new Set([...inventory.subjects.keys()].map((key) => presenceOf(inventory, key)));
}

/** The InfluxQL condition that selects the points of one subject: its `service` tag, or its `device` tag. */
export function subjectCondition(subject: Pick<SubjectInfo, 'type' | 'id'>): string {
  return `${ident(subject.type === 'service' ? 'service' : 'device')} = ${literal(subject.id)}`;
}
