/**
 * The hromadas as the oblast sees them: those central.yaml lists, and any
 * other that sends, each with its latest heartbeat (state, devices, backlog,
 * coverage, uptime, Invincibility Points, its villages), its latest inventory
 * (its shared config, for the oblast report) and when the central last heard
 * from it. It reads JetStream itself, so it works in a process that runs no
 * ingest.
 *
 * Two ordered consumers, rather than asking for each hromada's last message
 * per subject on a timer: each starts from the last message of every subject
 * and then follows the stream as it grows, so a new hromada, heartbeat or
 * batch is seen as it arrives, in one subscription however many hromadas
 * there are (polling would make 6 requests per hromada per round: ~9,000 for
 * the country's 1,470). The one on the data stream takes headers only: it
 * needs when a batch came, not its points. Ordered consumers are ephemeral
 * and recreated by the client at the right sequence after a NATS node dies.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type ConsumerMessages,
  type JetStreamManager,
  type JsMsg,
  type OrderedConsumerOptions,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import type { HromadaDetail, HromadaItem } from '../common/api.ts';
import {
  DATA_STREAM,
  heartbeat as heartbeatSchema,
  hromadaState,
  INGEST_CONSUMER,
  META_STREAM,
  parseSubject,
  SUBJECT_ROOT,
  type Heartbeat,
} from '../common/federation.ts';
import type { Logger } from '../common/log.ts';
import type { CentralConfig, CentralHromada } from '../config/central.ts';
import type { Config } from '../config/schema.ts';
import { decodeInventory } from '../storage/forward/wire.ts';
import { errorMessage } from '../storage/influx-client.ts';

/** Three heartbeats missed at the edge's default `forward.heartbeat` of 15 s. */
export const DEFAULT_STALE_AFTER_MS = 3 * 15_000;
const DEFAULT_REFRESH_MS = 5_000;
/** refresh() waits this long at most for the watches to reach the streams' ends. */
const CATCH_UP_TIMEOUT_MS = 5_000;
const CATCH_UP_POLL_MS = 20;
/** As the ingest's pulls: an ordered consumer lost with its node is noticed within this. */
const PULL_EXPIRES_MS = 5_000;
const RETRY = { initialMs: 250, maxMs: 10_000 };

export interface HromadaRegistryOptions {
  config: CentralConfig;
  nc: NatsConnection;
  log: Logger;
  /** A hromada without a heartbeat for this long is stale; DEFAULT_STALE_AFTER_MS by default. */
  staleAfterMs?: number;
  /** How often the ingest's backlog is read; 5 s by default. */
  refreshMs?: number;
}

/** What the central has heard from one hromada. */
export interface HeardFrom {
  heartbeat: Heartbeat | null;
  inventory: Config | null;
  /** When JetStream last received anything from it, ms since the epoch. */
  lastMessageAt: number | null;
}

// ---- pure parts ----------------------------------------------------------

export type HeartbeatRead = { ok: true; heartbeat: Heartbeat } | { ok: false; reason: string };

/** A heartbeat published under `hromada`'s subject, checked against the schema and its subject. */
export function readHeartbeat(hromada: string, body: string): HeartbeatRead {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    return { ok: false, reason: `not JSON: ${errorMessage(err)}` };
  }
  const result = heartbeatSchema.safeParse(json);
  if (!result.success) return { ok: false, reason: z.prettifyError(result.error) };
  if (result.data.hromada !== hromada) return { ok: false, reason: `sent as hromada "${result.data.hromada}"` };
  return { ok: true, heartbeat: result.data };
}

const collator = new Intl.Collator('uk');

/** One hromada's line on the oblast map. */
export function hromadaItem(
  id: string,
  listed: CentralHromada | undefined,
  heard: HeardFrom | undefined,
  now: number,
  staleAfterMs: number,
): HromadaItem {
  const beat = heard?.heartbeat ?? null;
  return {
    id,
    name: listed?.name ?? beat?.name ?? id,
    state: hromadaState(
      beat?.villages.villages.map((v) => v.state),
      beat?.sent_at ?? null,
      now,
      staleAfterMs,
    ),
    devices: beat?.devices.total ?? 0,
    last_message_at: heard?.lastMessageAt ?? null,
    backlog: beat?.backlog.points ?? 0,
    location: listed?.location ?? null,
    backlog_oldest: beat?.backlog.oldest ?? null,
    heartbeat_at: beat?.sent_at ?? null,
    version: beat?.version ?? null,
    coverage: beat?.villages.total ?? null,
    // The one uptime of the edge's own dashboard total: its institutions', pooled over their monitored time.
    uptime: beat?.villages.total.institutions.uptime ?? null,
    invincibility: beat?.invincibility ?? null,
  };
}

/** The listed hromadas and every other heard from, by name in Ukrainian order. */
export function hromadaItems(
  listed: readonly CentralHromada[],
  heard: ReadonlyMap<string, HeardFrom>,
  now: number,
  staleAfterMs: number,
): HromadaItem[] {
  const ids = new Set([...listed.map((h) => h.id), ...heard.keys()]);
  const byId = new Map(listed.map((h) => [h.id, h]));
  return [...ids]
    .map((id) => hromadaItem(id, byId.get(id), heard.get(id), now, staleAfterMs))
    .sort((a, b) => collator.compare(a.name, b.name) || (a.id < b.id ? -1 : 1));
}

// ---- I/O -----------------------------------------------------------------

const receivedAt = (msg: JsMsg) => Number(msg.timestampNanos / 1_000_000n);

interface Watches {
  stop(): Promise<void>;
}

export class HromadaRegistry {
  private readonly heard = new Map<string, HeardFrom>();
  /** The last sequence each watch has seen, by stream. */
  private readonly seen = new Map<string, number>();
  /** The last complaint about a subject, so that an edge sending the same bad heartbeat every 15 s is logged once. */
  private readonly complaints = new Map<string, string>();
  private readonly staleAfterMs: number;
  private readonly log: Logger;
  private jsm: JetStreamManager | null = null;
  /** The watches between start() and stop(); a refresh() without them runs its own. */
  private watching: Watches | null = null;
  private timer: NodeJS.Timeout | undefined;
  private pending: number | null = null;
  private refreshing: Promise<void> | null = null;

  constructor(private readonly options: HromadaRegistryOptions) {
    this.staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
    this.log = options.log;
  }

  /** Starts the watches and resolves once they have read what the streams hold (or CATCH_UP_TIMEOUT_MS passed). */
  async start(): Promise<void> {
    this.watching ??= this.watch();
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.options.refreshMs ?? DEFAULT_REFRESH_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    const watching = this.watching;
    this.watching = null;
    await watching?.stop();
  }

  list(now: number): HromadaItem[] {
    return hromadaItems(this.options.config.hromadas, this.heard, now, this.staleAfterMs);
  }

  detail(id: string, now: number): HromadaDetail | undefined {
    const listed = this.options.config.hromadas.find((h) => h.id === id);
    const heard = this.heard.get(id);
    if (listed === undefined && heard === undefined) return undefined;
    return { hromada: hromadaItem(id, listed, heard, now, this.staleAfterMs), villages: heard?.heartbeat?.villages ?? null };
  }

  /** The hromada's shared config (without secrets) from its latest inventory message. */
  inventory(id: string): Config | undefined {
    return this.heard.get(id)?.inventory ?? undefined;
  }

  /** Messages of the data stream the ingest has not acknowledged yet; null when JetStream did not say. */
  ingestPending(): number | null {
    return this.pending;
  }

  /**
   * Reads the ingest's backlog, and waits until the watches have seen what
   * the streams hold now; callers share one at a time. Without start(), it
   * reads the streams once (as `merezha central report` does).
   */
  refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      if (this.watching !== null) return this.readStreams();
      const once = this.watch();
      try {
        await this.readStreams();
      } finally {
        await once.stop();
      }
    })().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /** Never rejects: what JetStream does not answer now stays as it was (the backlog becomes unknown). */
  private async readStreams(): Promise<void> {
    let jsm: JetStreamManager;
    try {
      jsm = this.jsm ??= await jetstreamManager(this.options.nc);
      const info = await jsm.consumers.info(DATA_STREAM, INGEST_CONSUMER);
      this.pending = info.num_pending + info.num_ack_pending;
    } catch (err) {
      this.pending = null;
      this.log.debug({ err: errorMessage(err) }, 'cannot read the ingest consumer');
      if (this.jsm === null) return;
      jsm = this.jsm;
    }
    try {
      const ends = await Promise.all(
        [META_STREAM, DATA_STREAM].map(async (stream) => {
          const { state } = await jsm.streams.info(stream);
          return { stream, last: state.messages > 0 ? state.last_seq : 0 };
        }),
      );
      const deadline = Date.now() + CATCH_UP_TIMEOUT_MS;
      while (ends.some(({ stream, last }) => (this.seen.get(stream) ?? 0) < last) && Date.now() < deadline) await sleep(CATCH_UP_POLL_MS);
    } catch (err) {
      this.log.debug({ err: errorMessage(err) }, 'cannot read the streams');
    }
  }

  private heardFrom(hromada: string, msg: JsMsg): HeardFrom {
    let heard = this.heard.get(hromada);
    if (heard === undefined) {
      heard = { heartbeat: null, inventory: null, lastMessageAt: null };
      this.heard.set(hromada, heard);
    }
    heard.lastMessageAt = Math.max(heard.lastMessageAt ?? 0, receivedAt(msg));
    return heard;
  }

  private onMeta(msg: JsMsg): void {
    const subject = parseSubject(msg.subject);
    if (subject === undefined) return this.complain(msg, 'not a subject of a hromada');
    const heard = this.heardFrom(subject.hromada, msg);
    if (subject.channel === 'heartbeat') {
      const read = readHeartbeat(subject.hromada, msg.string());
      if (!read.ok) return this.complain(msg, read.reason);
      heard.heartbeat = read.heartbeat;
    } else if (subject.channel === 'inventory') {
      try {
        const inventory = decodeInventory(msg.string());
        if (inventory.hromada !== subject.hromada) return this.complain(msg, `sent as hromada "${inventory.hromada}"`);
        heard.inventory = inventory.config;
      } catch (err) {
        return this.complain(msg, err instanceof z.ZodError ? z.prettifyError(err) : errorMessage(err));
      }
    }
    this.complaints.delete(msg.subject);
  }

  private onData(msg: JsMsg): void {
    const subject = parseSubject(msg.subject);
    if (subject !== undefined) this.heardFrom(subject.hromada, msg);
  }

  private complain(msg: JsMsg, reason: string): void {
    const repeated = this.complaints.get(msg.subject) === reason;
    this.complaints.set(msg.subject, reason);
    this.log[repeated ? 'debug' : 'warn']({ subject: msg.subject, seq: msg.seq, reason }, 'ignored a message from a hromada');
  }

  /** Follows both streams, each from the last message of every subject. */
  private watch(): Watches {
    const abort = new AbortController();
    const subscriptions = new Set<ConsumerMessages>();
    const loops = [
      this.follow(META_STREAM, {}, (msg) => this.onMeta(msg), abort.signal, subscriptions),
      this.follow(DATA_STREAM, { headers_only: true }, (msg) => this.onData(msg), abort.signal, subscriptions),
    ];
    return {
      async stop() {
        abort.abort();
        await Promise.all([...subscriptions].map((messages) => messages.close()));
        await Promise.all(loops);
      },
    };
  }

  /** Follows a stream until the signal, again after each failure (an ordered consumer lost with its node is made anew). */
  private async follow(
    stream: string,
    options: Partial<OrderedConsumerOptions>,
    onMessage: (msg: JsMsg) => void,
    signal: AbortSignal,
    subscriptions: Set<ConsumerMessages>,
  ): Promise<void> {
    const js = jetstream(this.options.nc);
    let retry = RETRY.initialMs;
    while (!signal.aborted) {
      let messages: ConsumerMessages | undefined;
      try {
        const consumer = await js.consumers.get(stream, {
          filter_subjects: `${SUBJECT_ROOT}.>`,
          deliver_policy: DeliverPolicy.LastPerSubject,
          ...options,
        });
        messages = await consumer.consume({ expires: PULL_EXPIRES_MS });
        subscriptions.add(messages);
        if (signal.aborted) void messages.close();
        retry = RETRY.initialMs;
        for await (const msg of messages) {
          this.seen.set(stream, Math.max(this.seen.get(stream) ?? 0, msg.seq));
          onMessage(msg);
        }
      } catch (err) {
        this.log[retry === RETRY.initialMs ? 'warn' : 'debug']({ stream, err: errorMessage(err) }, 'cannot follow the stream; retrying');
        try {
          await sleep(retry, undefined, { signal });
        } catch {
          // stopping
        }
        retry = Math.min(retry * 2, RETRY.maxMs);
      } finally {
        if (messages !== undefined) subscriptions.delete(messages);
      }
    }
  }
}
