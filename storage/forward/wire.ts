/**
 * What travels from an edge to the central over JetStream, encoded and
 * checked in one place for both ends.
 *
 * A data message is a batch of stored points of one channel, JSON. Its
 * JetStream message id is a hash of the hromada and the body, so that a batch
 * published again (a retry after a lost acknowledgement, a spool segment
 * replayed after a crash) is dropped by the stream's duplicate window; a
 * redelivery past that window only writes the same points again, which
 * InfluxDB takes as an overwrite (a point is its series and timestamp).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { DataChannel } from '../../common/federation.ts';
import type { Config } from '../../config/schema.ts';
import { MEASUREMENTS, type MeasurementName } from '../measurements.ts';
import type { Point } from '../point.ts';

export const WIRE_VERSION = 1;

/** The channel of each measurement: what the central and an operator reading a subject expect in it. */
const CHANNEL_OF: Record<MeasurementName, DataChannel> = {
  ping: 'points',
  snmp: 'points',
  interface: 'points',
  wifi: 'points',
  power: 'points',
  service: 'points',
  blackout: 'points',
  backfill: 'points',
  outage: 'outages',
  outage_note: 'outages',
  transition: 'states',
  event: 'states',
  alert: 'alerts',
  delivery: 'alerts',
};

export function channelOf(measurement: string): DataChannel {
  return CHANNEL_OF[measurement as MeasurementName] ?? 'points';
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The frame only: each point's tags and fields against the schema are
 * checked by whoever stores it (`storage/point-check.ts`), once. A full
 * schema parse here cost the central more CPU than anything else it does
 * with a message.
 */
function framePoint(value: unknown, index: number): Point {
  if (!isRecord(value)) throw new Error(`points[${index}] is not an object`);
  const { measurement, tags, fields, time } = value;
  if (typeof measurement !== 'string' || !(measurement in MEASUREMENTS))
    throw new Error(`points[${index}].measurement ${JSON.stringify(measurement)} is not a Merezha measurement`);
  if (!Number.isInteger(time)) throw new Error(`points[${index}].time is not a whole number of ms`);
  if (!isRecord(tags) || !Object.values(tags).every((t) => typeof t === 'string')) throw new Error(`points[${index}].tags are not strings`);
  if (!isRecord(fields)) throw new Error(`points[${index}].fields is not an object`);
  return value as unknown as Point;
}

export function encodeData(points: readonly Point[]): string {
  return JSON.stringify({ v: WIRE_VERSION, points });
}

/** The points of a data message; throws with the reason when it is not one. */
export function decodeData(body: string): Point[] {
  const message: unknown = JSON.parse(body);
  if (!isRecord(message) || message.v !== WIRE_VERSION) throw new Error(`not a version ${WIRE_VERSION} data message`);
  if (!Array.isArray(message.points)) throw new Error('points is not a list');
  return message.points.map(framePoint);
}

/** The JetStream message id of a body: the same batch from the same hromada is the same message. */
export function messageId(hromada: string, body: string): string {
  return `${hromada}.${createHash('sha256').update(body).digest('base64url').slice(0, 32)}`;
}

/** The inventory message: the edge's config without secrets (`config/shareable.ts`), sent at start and on reload. */
export interface InventoryMessage {
  v: typeof WIRE_VERSION;
  hromada: string;
  sent_at: number;
  config: Config;
}

export function encodeInventory(hromada: string, config: Config, now: number): string {
  const message: InventoryMessage = { v: WIRE_VERSION, hromada, sent_at: now, config };
  return JSON.stringify(message);
}

/**
 * Trusted as the edge's own validated config: the sender is authenticated and
 * may publish only under its own subject. Only the frame is checked.
 */
export function decodeInventory(body: string): InventoryMessage {
  const value = z
    .object({
      v: z.literal(WIRE_VERSION),
      hromada: z.string(),
      sent_at: z.number(),
      config: z.looseObject({ villages: z.array(z.unknown()) }),
    })
    .parse(JSON.parse(body));
  return value as unknown as InventoryMessage;
}
