/**
 * `forward:` of hromada.yaml: this Merezha is an edge of the oblast tier and
 * also delivers what it stores to NATS JetStream, under `merezha.<hromada>.…`.
 * Without the key nothing leaves the hromada.
 */
import { z } from 'zod';
import { HROMADA_ID, HROMADA_ID_RULE } from '../common/federation.ts';
import { duration } from './primitives.ts';

/** nats://host:port (tls:// for a TLS listener); the client tries them in turn and fails over. */
const natsUrl = () =>
  z
    .string()
    .regex(/^(?:nats|tls):\/\/(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be nats://host:port, e.g. nats://127.0.0.1:4222');

export const SPOOL_FULL_POLICIES = ['drop_oldest', 'drop_newest'] as const;

export const forwardSchema = z.strictObject({
  /** This hromada's id in the oblast: its subjects, its NATS user and its database at the centre. */
  hromada: z.string().regex(HROMADA_ID, `must be ${HROMADA_ID_RULE}`),
  /** The oblast's NATS servers (all three nodes of the cluster, so that one down is no outage). */
  servers: z.array(natsUrl()).min(1, 'list at least one NATS server'),
  /** The NATS nkey seed file `merezha nats-config` wrote for this hromada (`<hromada>.nk`); keep it 0600. */
  credentials: z.string().min(1),
  /** Points stored here wait in this folder until JetStream acknowledged them. */
  spool_dir: z.string().min(1).default('./data/forward'),
  /** The folder's bound; what happens at it is `spool_full`. About 1 KB a device a minute, so 2048 MB hold ~3 weeks of 100 devices. */
  spool_max_mb: z.number().positive().default(2048),
  /**
   * At the bound: `drop_oldest` removes the oldest segment (the centre loses
   * the start of a long cut; the recent picture arrives), `drop_newest` keeps
   * what is spooled and drops new points (the centre gets a history with a
   * gap at its end). Either is logged with the number of points dropped, and
   * the local InfluxDB keeps everything in both cases.
   */
  spool_full: z.enum(SPOOL_FULL_POLICIES).default('drop_oldest'),
  /** Points per JetStream message. */
  batch_points: z.int().min(1).max(10_000).default(500),
  /** How often the edge sends its picture (villages, devices, backlog); the centre calls it stale after three missed. */
  heartbeat: duration().prefault('15s'),
  /** How long to wait for JetStream's acknowledgement of one message before trying again. */
  ack_timeout: duration().prefault('10s'),
});

export type ForwardConfig = z.output<typeof forwardSchema>;
