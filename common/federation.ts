/**
 * The oblast tier's vocabulary, shared by the edge (a hromada's Merezha that
 * forwards), the central (`merezha central`) and `merezha nats-config`:
 * subjects, stream names, what a hromada id may be, the heartbeat an edge
 * sends, and the one rule that turns a hromada's villages into its state.
 *
 * Every subject of a hromada starts with `merezha.<hromada>.`, which is what
 * its NATS user may publish under and nothing else.
 */
import { z } from 'zod';
import { HROMADA_STATES, villagesResponse, invincibilityResponse, VILLAGE_STATES } from './api.ts';

export const SUBJECT_ROOT = 'merezha';

/**
 * A hromada id is a single NATS subject token (no dots, no wildcards) and a
 * safe part of a database and file name.
 */
export const HROMADA_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const HROMADA_ID_RULE = 'lowercase Latin letters, digits, "-" and "_", starting with a letter or digit (at most 63)';

/**
 * What an edge publishes, one subject each. The data channels carry batches
 * of stored points and go through the edge's spool (nothing lost); the meta
 * channels carry the latest picture only and are sent when the link is up.
 */
export const DATA_CHANNELS = ['points', 'outages', 'states', 'alerts'] as const;
export const META_CHANNELS = ['inventory', 'heartbeat'] as const;
export type DataChannel = (typeof DATA_CHANNELS)[number];
export type MetaChannel = (typeof META_CHANNELS)[number];

/** The stream of the data channels (R3, limits retention): the central's durable consumer reads it. */
export const DATA_STREAM = 'MEREZHA';
/** The stream of the meta channels: the last message per subject is kept, read by subject. */
export const META_STREAM = 'MEREZHA_META';
/** The durable consumer the central's ingest workers share. */
export const INGEST_CONSUMER = 'central-ingest';

export function subjectOf(hromada: string, channel: DataChannel | MetaChannel): string {
  return `${SUBJECT_ROOT}.${hromada}.${channel}`;
}

/** The subjects a hromada's user may publish under. */
export const hromadaSubjects = (hromada: string): string => `${SUBJECT_ROOT}.${hromada}.>`;

export const dataStreamSubjects = (): string[] => DATA_CHANNELS.map((c) => `${SUBJECT_ROOT}.*.${c}`);
export const metaStreamSubjects = (): string[] => META_CHANNELS.map((c) => `${SUBJECT_ROOT}.*.${c}`);

/** The hromada and channel of a subject, or undefined for one that is not ours. */
export function parseSubject(subject: string): { hromada: string; channel: DataChannel | MetaChannel } | undefined {
  const parts = subject.split('.');
  if (parts.length !== 3 || parts[0] !== SUBJECT_ROOT || !HROMADA_ID.test(parts[1]!)) return undefined;
  const channel = parts[2] as DataChannel | MetaChannel;
  if (!(DATA_CHANNELS as readonly string[]).includes(channel) && !(META_CHANNELS as readonly string[]).includes(channel)) return undefined;
  return { hromada: parts[1]!, channel };
}

/** The edge's spool as it reports it: what is stored locally and not yet acknowledged by JetStream. */
export const forwardBacklog = z.object({
  points: z.number().int().min(0),
  bytes: z.number().int().min(0),
  /** The time of the oldest point waiting, ms since the epoch; null when none waits. */
  oldest: z.number().int().nullable(),
  /** Points dropped at the spool's bound since the edge started. */
  dropped: z.number().int().min(0),
});

/**
 * The picture an edge sends every `forward.heartbeat`: what its own dashboard
 * shows (villages with state, coverage and uptime; its Invincibility Points),
 * how many devices it watches in which state, and its backlog. The central
 * shows the latest one read-only and computes nothing of a hromada's own.
 */
export const heartbeat = z.object({
  v: z.literal(1),
  hromada: z.string().regex(HROMADA_ID),
  name: z.string(),
  timezone: z.string(),
  sent_at: z.number().int(),
  /** The edge's version, for the operator who upgrades 50 of them. */
  version: z.string(),
  devices: z.object({ total: z.number().int(), by_state: z.record(z.string(), z.number().int()) }),
  villages: villagesResponse,
  invincibility: invincibilityResponse.shape.summary,
  backlog: forwardBacklog,
});

export type Heartbeat = z.output<typeof heartbeat>;
export type ForwardBacklog = z.output<typeof forwardBacklog>;

export { HROMADA_STATES };
export type HromadaState = (typeof HROMADA_STATES)[number];
type VillageState = (typeof VILLAGE_STATES)[number];

/**
 * From its latest heartbeat: `unknown` when none came yet, `stale` when the
 * last one is older than `staleAfterMs` (the edge's link to NATS is down, or
 * the edge is), else `offline` when every village is offline, `degraded` when
 * some village is offline or degraded, `online` otherwise. A hromada whose
 * villages are all in maintenance or unknown is `unknown`.
 */
export function hromadaState(
  villageStates: readonly VillageState[] | undefined,
  sentAt: number | null,
  now: number,
  staleAfterMs: number,
): HromadaState {
  if (villageStates === undefined || sentAt === null) return 'unknown';
  if (now - sentAt > staleAfterMs) return 'stale';
  const watched = villageStates.filter((s) => s !== 'maintenance' && s !== 'unknown');
  if (watched.length === 0) return 'unknown';
  if (watched.every((s) => s === 'offline')) return 'offline';
  if (watched.some((s) => s === 'offline' || s === 'degraded')) return 'degraded';
  return 'online';
}
