/**
 * The JetStream streams and the central's durable consumer, made or brought
 * up to date at every start of the central (never by an edge: its user may
 * only publish).
 *
 * The data stream keeps messages by age (`nats.max_age`), not by
 * acknowledgement, so that a second central (a new oblast dashboard, a
 * rebuild of the store) can read the history again with its own consumer;
 * its duplicate window drops a batch an edge publishes twice. The meta stream
 * keeps the last inventory and heartbeat of each hromada.
 */
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { DATA_STREAM, dataStreamSubjects, INGEST_CONSUMER, META_STREAM, metaStreamSubjects } from '../common/federation.ts';

const NS_PER_MS = 1_000_000;
/** A batch published again within this window is dropped by the stream. */
export const DUPLICATE_WINDOW_MS = 10 * 60_000;

export interface StreamOptions {
  replicas: number;
  /** How long the data stream keeps a message. */
  maxAgeMs: number;
  /** How long a fetched message may stay unacknowledged before another worker gets it. */
  ackWaitMs: number;
  /** Give up after this while the cluster elects its leaders; default 30 s. */
  timeoutMs?: number;
}

/** Retries while the cluster has no JetStream leader yet (just started, or a node just died). */
async function retrying<T>(what: string, timeoutMs: number, work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await work();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what}: ${(err as Error).message}`);
      await sleep(250);
    }
  }
}

async function upsertStream(jsm: JetStreamManager, config: Parameters<JetStreamManager['streams']['add']>[0] & { name: string }) {
  try {
    await jsm.streams.info(config.name);
    return await jsm.streams.update(config.name, config);
  } catch (err) {
    if (!/not found/i.test((err as Error).message)) throw err;
    return await jsm.streams.add(config);
  }
}

export async function ensureStreams(nc: NatsConnection, options: StreamOptions): Promise<JetStreamManager> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const jsm = await retrying('JetStream is not available', timeoutMs, () => jetstreamManager(nc, { timeout: 5_000 }));
  await retrying(`cannot set up the stream ${DATA_STREAM}`, timeoutMs, () =>
    upsertStream(jsm, {
      name: DATA_STREAM,
      subjects: dataStreamSubjects(),
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      num_replicas: options.replicas,
      max_age: options.maxAgeMs * NS_PER_MS,
      discard: DiscardPolicy.Old,
      duplicate_window: DUPLICATE_WINDOW_MS * NS_PER_MS,
    }),
  );
  await retrying(`cannot set up the stream ${META_STREAM}`, timeoutMs, () =>
    upsertStream(jsm, {
      name: META_STREAM,
      subjects: metaStreamSubjects(),
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      num_replicas: options.replicas,
      max_msgs_per_subject: 1,
      discard: DiscardPolicy.Old,
    }),
  );
  await retrying(`cannot set up the consumer ${INGEST_CONSUMER}`, timeoutMs, async () => {
    const config = {
      durable_name: INGEST_CONSUMER,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: options.ackWaitMs * NS_PER_MS,
      max_ack_pending: 20_000,
      num_replicas: options.replicas,
    };
    try {
      await jsm.consumers.info(DATA_STREAM, INGEST_CONSUMER);
      await jsm.consumers.update(DATA_STREAM, INGEST_CONSUMER, { ack_wait: config.ack_wait, max_ack_pending: config.max_ack_pending });
    } catch (err) {
      if (!/not found/i.test((err as Error).message)) throw err;
      await jsm.consumers.add(DATA_STREAM, config);
    }
  });
  return jsm;
}
