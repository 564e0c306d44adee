/**
 * The edge's forwarder: everything this Merezha stores also goes to the
 * oblast's NATS JetStream, and nothing is lost on the way.
 *
 * `write()` only buffers: within a moment the points are appended, fsync'd,
 * to the forwarder's own spool (`forward.spool_dir`), so the collector, the
 * alerts and the local InfluxDB never wait for the centre. A sender takes the
 * oldest segment, splits its points by channel into messages of
 * `forward.batch_points`, publishes them with a window in flight, and removes
 * the segment only once JetStream acknowledged every message of it. Any
 * failure (a timeout, a lost link, no JetStream quorum) means the same
 * segment again after a back-off; its message ids are hashes of hromada and
 * body, so what JetStream stored already is dropped as a duplicate. Segments
 * an earlier run left are the oldest and go first.
 *
 * The meta channels (inventory, heartbeat) are not spooled: only the latest
 * picture matters, kept in memory and sent when the link is up.
 */
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { PermissionViolationError, type NatsConnection } from '@nats-io/transport-node';
import { DATA_CHANNELS, subjectOf, type DataChannel, type ForwardBacklog, type MetaChannel } from '../../common/federation.ts';
import type { Logger } from '../../common/log.ts';
import type { ForwardConfig } from '../../config/schema-forward.ts';
import type { Point, PointSink } from '../point.ts';
import { Spool, type SpoolSegment } from '../spool.ts';
import { connectNats, readSeedFile } from './nats.ts';
import { channelOf, encodeData, messageId } from './wire.ts';

/** Points wait in memory at most this long before they are appended to the spool. */
const APPEND_DELAY_MS = 100;
/** ... or until this many have come. */
const APPEND_POINTS = 5_000;
/** Publishes awaiting their acknowledgement at once: one round trip per window, not per message. */
const WINDOW = 64;
const RETRY_MIN_MS = 500;
/** While connected but refused (no JetStream quorum, a permission): one probe message this often at most. */
const RETRY_MAX_MS = 10_000;
/** NATS refuses a message over the server's max_payload (1 MiB unless configured); room is left for the headers. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;
const HEADER_ROOM = 1024;

export interface ForwarderOptions {
  forward: ForwardConfig;
  log: Logger;
  /** How often the link to NATS is pinged (three unanswered mark it lost); 10 s by default, tests shorten it. */
  pingIntervalMs?: number;
  /** The clock of the outages' durations in the log; Date.now by default. */
  now?: () => number;
}

export interface ForwarderStats {
  /** What waits at the edge: the heartbeat's `backlog` as it is. */
  backlog: ForwardBacklog;
  /** Data messages published, retries included. */
  published: number;
  /** Data messages JetStream acknowledged, duplicates of earlier ones included. */
  acked: number;
  /** Of those, the ones it had already (a retry after a lost acknowledgement, a segment sent again after a crash). */
  duplicates: number;
  /** Connected, and JetStream took the last message sent. */
  linkUp: boolean;
}

export interface Forwarder extends PointSink {
  /** Sends the latest picture of a meta channel when the link is up; a newer one replaces an unsent one. */
  publishMeta(channel: MetaChannel, body: string): void;
  stats(): ForwarderStats;
  /** Resolves when every point written so far is in the spool on disk. */
  flush(): Promise<void>;
  /** Puts what is buffered in the spool and stops; the spool is sent by the next run. */
  close(): Promise<void>;
}

/** One data message of a segment. */
export interface ForwardMessage {
  subject: string;
  channel: DataChannel;
  body: string;
  /** The JetStream message id (`Nats-Msg-Id`). */
  id: string;
  points: number;
}

/**
 * The messages of a segment: its points by channel (in their order), in
 * batches of `batchPoints`, a batch halved until its body fits `maxBytes`. The
 * same points give the same messages, so a segment sent again is recognised
 * by JetStream's duplicate window. A single point over `maxBytes` goes to
 * `tooLarge`: no split can send it.
 */
export function forwardMessages(
  hromada: string,
  points: readonly Point[],
  limits: { batchPoints: number; maxBytes: number },
): { messages: ForwardMessage[]; tooLarge: Point[] } {
  const byChannel = new Map<DataChannel, Point[]>(DATA_CHANNELS.map((c) => [c, []]));
  for (const point of points) byChannel.get(channelOf(point.measurement))!.push(point);
  const messages: ForwardMessage[] = [];
  const tooLarge: Point[] = [];
  for (const [channel, list] of byChannel) {
    const work: Point[][] = [];
    for (let i = 0; i < list.length; i += limits.batchPoints) work.push(list.slice(i, i + limits.batchPoints));
    while (work.length > 0) {
      const batch = work.shift()!;
      const body = encodeData(batch);
      if (Buffer.byteLength(body) <= limits.maxBytes) {
        messages.push({ subject: subjectOf(hromada, channel), channel, body, id: messageId(hromada, body), points: batch.length });
      } else if (batch.length === 1) {
        tooLarge.push(batch[0]!);
      } else {
        const middle = Math.ceil(batch.length / 2);
        work.unshift(batch.slice(0, middle), batch.slice(middle));
      }
    }
  }
  return { messages, tooLarge };
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The server's refusal of a subject, which a request's error carries as its cause. */
function permissionViolation(err: unknown): PermissionViolationError | undefined {
  for (let e = err; e instanceof Error; e = e.cause) if (e instanceof PermissionViolationError) return e;
  return undefined;
}

/** Wakes a waiting loop; a notice given while nobody waits is kept for the next wait. */
class Wakeup {
  private pending = false;
  private waiter: (() => void) | undefined;

  notify(): void {
    this.pending = true;
    this.waiter?.();
  }

  /** Until a notice, `timeoutMs` or the abort, whichever comes first. */
  wait(signal: AbortSignal, timeoutMs = Infinity): Promise<void> {
    if (this.pending || signal.aborted) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.waiter = undefined;
        this.pending = false;
        resolve();
      };
      const timer = Number.isFinite(timeoutMs) ? setTimeout(done, timeoutMs) : undefined;
      signal.addEventListener('abort', done, { once: true });
      this.waiter = done;
    });
  }
}

class NatsForwarder implements Forwarder {
  private readonly closing = new AbortController();
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly hromada: string;
  /** Points not appended yet, and the batches being appended. */
  private buffer: Point[] = [];
  private readonly appending = new Set<Point[]>();
  private appendTimer: NodeJS.Timeout | undefined;
  private lastAppend: Promise<void> = Promise.resolve();
  private readonly counters = { published: 0, acked: 0, duplicates: 0, lost: 0 };
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private connected = false;
  /** Since when the link has been down (lost, or JetStream not taking messages); null while it works. */
  private outageSince: number | null = null;
  /** The outage's failure was logged: once per outage, not per retry. */
  private failureLogged = false;
  /** Messages of the segment under way that JetStream took, so that a retry sends only the rest. */
  private acked = { segment: '', ids: new Set<string>() };
  private readonly meta = new Map<MetaChannel, string>();
  private metaSending = false;
  /** New points in the spool, or the link back: the sender looks again. */
  private readonly data = new Wakeup();
  private readonly link = new Wakeup();
  private readonly running: Promise<void>;
  private closed: Promise<void> | null = null;

  constructor(
    private readonly options: ForwarderOptions,
    private readonly spool: Spool,
  ) {
    this.log = options.log;
    this.now = options.now ?? Date.now;
    this.hromada = options.forward.hromada;
    void this.connect();
    this.running = this.send();
  }

  write(points: Point[]): void {
    if (points.length === 0) return;
    if (this.closed !== null) {
      this.counters.lost += points.length;
      this.log.warn({ points: points.length }, 'points written after the forwarder was closed; not forwarded');
      return;
    }
    for (const point of points) this.buffer.push(point);
    if (this.buffer.length >= APPEND_POINTS) this.appendBuffer();
    else this.appendTimer ??= setTimeout(() => this.appendBuffer(), APPEND_DELAY_MS);
  }

  publishMeta(channel: MetaChannel, body: string): void {
    if (this.closed !== null) return;
    this.meta.set(channel, body);
    void this.sendMeta();
  }

  stats(): ForwarderStats {
    const spool = this.spool.stats();
    let points = spool.points;
    let oldest = this.spool.oldestTime();
    for (const batch of [this.buffer, ...this.appending]) {
      points += batch.length;
      for (const { time } of batch) if (oldest === null || time < oldest) oldest = time;
    }
    return {
      backlog: { points, bytes: spool.bytes, oldest, dropped: spool.dropped + this.counters.lost },
      published: this.counters.published,
      acked: this.counters.acked,
      duplicates: this.counters.duplicates,
      linkUp: this.connected && this.outageSince === null,
    };
  }

  flush(): Promise<void> {
    this.appendBuffer();
    return this.lastAppend;
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      await this.flush();
      this.closing.abort();
      // Pending publishes fail with the connection; their segment stays for the next run.
      await this.nc?.close().catch(() => undefined);
      await this.running;
      this.log.info(this.stats(), 'forwarder closed');
    })();
    return this.closed;
  }

  private appendBuffer(): void {
    clearTimeout(this.appendTimer);
    this.appendTimer = undefined;
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    this.appending.add(batch);
    this.lastAppend = this.spool.append(batch).then(
      () => {
        this.appending.delete(batch);
        this.data.notify();
      },
      (err: unknown) => {
        this.appending.delete(batch);
        this.counters.lost += batch.length;
        this.log.error(
          { points: batch.length, err: errorText(err) },
          'could not write to the forward spool; these points will not reach the centre',
        );
      },
    );
  }

  private async connect(): Promise<void> {
    const { forward } = this.options;
    try {
      const nc = await connectNats({
        servers: forward.servers,
        credentials: forward.credentials,
        name: `merezha-edge-${forward.hromada}`,
        log: this.log,
        signal: this.closing.signal,
        listedServersOnly: true,
        ...(this.options.pingIntervalMs === undefined ? {} : { pingIntervalMs: this.options.pingIntervalMs }),
      });
      if (this.closing.signal.aborted) {
        await nc.close();
        return;
      }
      this.nc = nc;
      this.js = jetstream(nc, { timeout: forward.ack_timeout });
      this.setConnected(true);
      for await (const status of nc.status()) {
        if (status.type === 'disconnect') this.setConnected(false);
        else if (status.type === 'reconnect') this.setConnected(true);
      }
    } catch (err) {
      if (!this.closing.signal.aborted)
        this.log.error({ err: errorText(err) }, 'cannot connect to NATS; nothing is forwarded until a restart');
    }
  }

  private setConnected(connected: boolean): void {
    this.connected = connected;
    if (!connected) {
      this.outageSince ??= this.now();
      return;
    }
    // Cut the back-off short: the spool and the latest picture go now.
    this.link.notify();
    void this.sendMeta();
  }

  /** The sender: oldest segment first, each removed once every message of it is acknowledged. */
  private async send(): Promise<void> {
    const { signal } = this.closing;
    let backoff = RETRY_MIN_MS;
    while (!signal.aborted) {
      const js = this.js;
      // While the link is away nothing is published: the client would only pile the messages up in memory.
      if (js === undefined || !this.connected) {
        await this.link.wait(signal);
        continue;
      }
      let failure: unknown;
      try {
        const segment = await this.spool.oldest();
        if (segment === undefined) {
          await this.data.wait(signal);
          continue;
        }
        failure = await this.sendSegment(js, segment);
        if (failure === undefined) await this.spool.remove(segment);
      } catch (err) {
        failure = err;
      }
      if (signal.aborted) return;
      if (failure === undefined) {
        backoff = RETRY_MIN_MS;
        continue;
      }
      this.linkFailed(failure);
      await this.link.wait(signal, backoff);
      backoff = Math.min(backoff * 2, RETRY_MAX_MS);
    }
  }

  /** Undefined when JetStream acknowledged every message of the segment; else why not. */
  private async sendSegment(js: JetStreamClient, segment: SpoolSegment): Promise<unknown> {
    if (this.acked.segment !== segment.name) this.acked = { segment: segment.name, ids: new Set() };
    const { ids } = this.acked;
    const maxPayload = this.nc?.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
    const { messages, tooLarge } = forwardMessages(this.hromada, segment.points, {
      batchPoints: this.options.forward.batch_points,
      maxBytes: maxPayload - HEADER_ROOM,
    });
    if (tooLarge.length > 0 && ids.size === 0)
      this.log.error(
        { segment: segment.name, points: tooLarge.length, maxPayload },
        'points larger than a NATS message can be are not forwarded (raise max_payload on the NATS servers)',
      );
    const todo = messages.filter((m) => !ids.has(m.id));
    // During an outage one message probes the link before a window of them is sent into it.
    const probe = this.outageSince === null ? 0 : 1;
    const failure = (await this.publishAll(js, todo.slice(0, probe), 1)) ?? (await this.publishAll(js, todo.slice(probe), WINDOW));
    if (failure !== undefined) return failure;
    return todo.every((m) => ids.has(m.id)) ? undefined : new Error('the forwarder is closing');
  }

  /** Publishes with up to `width` awaiting their acknowledgement; stops at the first failure and returns it. */
  private async publishAll(js: JetStreamClient, messages: readonly ForwardMessage[], width: number): Promise<unknown> {
    const { ids } = this.acked;
    let next = 0;
    let failure: unknown;
    const worker = async () => {
      while (failure === undefined && next < messages.length && !this.closing.signal.aborted) {
        const message = messages[next++]!;
        this.counters.published += 1;
        try {
          const ack = await js.publish(message.subject, message.body, { msgID: message.id, timeout: this.options.forward.ack_timeout });
          ids.add(message.id);
          this.counters.acked += 1;
          if (ack.duplicate) this.counters.duplicates += 1;
          this.linkWorks();
        } catch (err) {
          failure ??= err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(width, messages.length) }, worker));
    return failure;
  }

  private linkWorks(): void {
    if (this.outageSince === null || !this.connected) return;
    if (this.failureLogged) {
      const { backlog } = this.stats();
      this.log.info(
        { downMs: this.now() - this.outageSince, waiting: backlog.points, oldest: backlog.oldest },
        'JetStream takes points again; sending what waited',
      );
    }
    this.outageSince = null;
    this.failureLogged = false;
  }

  /** Logged once per outage; the retries that follow only at debug level. */
  private linkFailed(err: unknown): void {
    this.outageSince ??= this.now();
    const fields = { err: errorText(err), waiting: this.stats().backlog.points };
    const refused = permissionViolation(err);
    if (this.failureLogged) this.log.debug(fields, 'JetStream still does not take points; retrying');
    else if (refused)
      this.log.error(
        { ...fields, subject: refused.subject },
        `NATS refuses this edge's subjects: forward.credentials must be the seed merezha nats-config wrote for hromada "${this.hromada}"; points wait in the spool`,
      );
    else this.log.warn(fields, 'cannot deliver to JetStream; points wait in the spool and are sent when it takes them');
    this.failureLogged = true;
  }

  private async sendMeta(): Promise<void> {
    const js = this.js;
    if (this.metaSending || js === undefined || !this.connected) return;
    this.metaSending = true;
    try {
      for (const [channel, body] of this.meta) {
        try {
          await js.publish(subjectOf(this.hromada, channel), body, { timeout: this.options.forward.ack_timeout });
          // A newer picture that came meanwhile stays to be sent.
          if (this.meta.get(channel) === body) this.meta.delete(channel);
          this.linkWorks();
        } catch (err) {
          this.log.debug({ channel, err: errorText(err) }, 'could not send the latest picture; sent again when the link is back');
          return;
        }
      }
    } finally {
      this.metaSending = false;
    }
    if (this.meta.size > 0 && this.connected) void this.sendMeta();
  }
}

/**
 * Opens the forward spool (finding what an earlier run left) and starts the
 * forwarder. Never waits for NATS: it connects in the background and sends
 * once it is there. A credentials file that cannot be read fails here, as a
 * config error would.
 */
export async function openForwarder(options: ForwarderOptions): Promise<Forwarder> {
  await readSeedFile(options.forward.credentials);
  const spool = await Spool.open({
    dir: options.forward.spool_dir,
    maxBytes: options.forward.spool_max_mb * 1024 * 1024,
    full: options.forward.spool_full,
    log: options.log,
  });
  return new NatsForwarder(options, spool);
}
