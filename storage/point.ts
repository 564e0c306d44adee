/**
 * A time-series point as the collector produces it and the writer stores it.
 *
 * Field types are fixed per measurement by `measurements.ts`; integer fields
 * must hold whole numbers. Time is milliseconds since the epoch (the writer
 * uses millisecond precision end to end).
 */
export type FieldValue = number | boolean | string;

export interface Point {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, FieldValue>;
  /** Milliseconds since the epoch. */
  time: number;
}

/** Anything that accepts points: the InfluxDB writer, or an in-memory sink in tests. */
export interface PointSink {
  /** Queues points; never throws and never blocks the caller on I/O. */
  write(points: Point[]): void;
}
