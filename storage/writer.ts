/**
 * The InfluxDB writer: batches points, writes them with one request in flight
 * at a time, and keeps them in an on-disk spool while InfluxDB is away.
 *
 * Life of a batch:
 *   - InfluxDB up and spool empty → written; a refused point (400, e.g. a field
 *     type conflict) is isolated by splitting the batch and kept in a
 *     `rejected-*.jsonl` file, the rest is written.
 *   - any other failure (network, timeout, 5xx, 401/403/404) → the batch goes to
 *     the spool, InfluxDB is marked down and probed with back-off; when /ping
 *     answers: setup again, replay the spool oldest first, recompute the rollup
 *     for the replayed time range (continuous queries never backfill).
 *   - InfluxDB down, or the spool not empty → spooled, so that order is kept.
 *
 * Writing a point twice is harmless: InfluxDB identifies a point by series and
 * timestamp and overwrites it, so a replay after an ambiguous failure (a
 * timeout after InfluxDB took the batch) cannot duplicate anything.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { InfluxDB } from 'influx';
import type { Logger } from '../common/log.ts';
import {
  classifyWriteError,
  createInfluxClient,
  createLineWriter,
  errorMessage,
  type InfluxConnection,
  type LineWriter,
} from './influx-client.ts';
import { checkRetention, recomputeRollups, retentionPolicyOf, setupInflux, type RetentionMs, type TimeRange } from './influx-setup.ts';
import { influxVersionProblem } from './influx-version.ts';
import { LineBody } from './line-protocol.ts';
import type { MeasurementName } from './measurements.ts';
import { checkPoint } from './point-check.ts';
import type { Point, PointSink } from './point.ts';
import { Serial } from './serial.ts';
import { Spool } from './spool.ts';

export interface InfluxWriterOptions extends InfluxConnection {
  spoolDir: string;
  spoolMaxBytes: number;
  batchSize: number;
  flushIntervalMs: number;
  retention: RetentionMs;
  log: Logger;
  /** Back-off between reachability probes while InfluxDB is down. */
  reconnect?: { initialMs: number; maxMs: number };
  /**
   * Also gets every point the writer admits (past the schema check), once, as
   * it is written: the edge's forwarder, so that the centre gets exactly what
   * is stored here. Not the spool's replays, which are the same points again.
   */
  tee?: PointSink;
}

export interface WriterStats {
  /** Points written to InfluxDB as they came. */
  written: number;
  /** Points put in the spool. */
  spooled: number;
  /** Points written to InfluxDB from the spool. */
  replayed: number;
  /** Points lost: dropped by the spool size cap, or the spool could not be written. */
  dropped: number;
  /** Points refused by the schema check or by InfluxDB; kept in `rejected-*.jsonl`. */
  rejected: number;
  /** Points not in InfluxDB yet: queued in memory plus waiting in the spool. */
  pending: number;
  spoolBytes: number;
  influxUp: boolean;
}

export interface InfluxWriter extends PointSink {
  /** Resolves when every point written so far is in InfluxDB or in the spool. */
  flush(): Promise<void>;
  /** Flushes and stops; points written afterwards are dropped. */
  close(): Promise<void>;
  stats(): WriterStats;
}

const DEFAULT_RECONNECT = { initialMs: 250, maxMs: 10_000 };
const PING_TIMEOUT_MS = 5_000;

/** The result of sending points: those not sent because InfluxDB became unavailable, and why. */
interface SendResult {
  unsent: Point[];
  error?: unknown;
}

function chunks<T>(items: T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}

function addTo<K, V>(map: Map<K, V[]>, key: K, items: V[]): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [...items]);
  else list.push(...items);
}

const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Line-protocol request bodies by retention policy. */
type Bodies = Map<string, Buffer>;

/** About what a point takes as a line. */
const LINE_BYTES = 160;
/**
 * Lines a body is first sized for: a batch's body then grows a few times by
 * doubling, and the body of a policy with few points (nearly every point is
 * `raw`) is not as big as the whole batch's.
 */
const FIRST_LINES = 256;

/** Nearly every point goes to `raw`: one body per retention policy, built in one pass. */
export function encode(points: Point[]): Bodies {
  const bodies = new Map<string, LineBody>();
  for (const point of points) {
    const policy = retentionPolicyOf(point.measurement as MeasurementName);
    let body = bodies.get(policy);
    if (body === undefined) bodies.set(policy, (body = new LineBody(Math.min(points.length, FIRST_LINES) * LINE_BYTES)));
    body.add(point);
  }
  return new Map([...bodies].map(([policy, body]) => [policy, body.toBuffer()]));
}

/** Encoding ahead is an optimisation: a point that cannot be encoded is dealt with when the batch is sent. */
function encodeAhead(points: Point[]): Bodies | undefined {
  try {
    return encode(points);
  } catch {
    return undefined;
  }
}

function timeRangeOf(points: Point[], range: TimeRange | null): TimeRange | null {
  let result = range;
  for (const { time } of points) {
    result = result === null ? { fromMs: time, toMs: time } : { fromMs: Math.min(result.fromMs, time), toMs: Math.max(result.toMs, time) };
  }
  return result;
}

class Writer implements InfluxWriter {
  private readonly serial = new Serial();
  private readonly reconnectBackoff: { initialMs: number; maxMs: number };
  private readonly timer: NodeJS.Timeout;
  private readonly closing = new AbortController();
  private readonly log: Logger;
  private queue: Point[] = [];
  private influxUp = false;
  private readonly counters = { written: 0, spooled: 0, replayed: 0, dropped: 0, rejected: 0 };
  /** A flush that is queued but has not started: later flush() calls join it. */
  private pendingFlush: Promise<void> | null = null;
  private reconnecting: Promise<void> | null = null;
  /** Time span of points replayed whose rollup is not recomputed yet. */
  private replayRange: TimeRange | null = null;
  private closed: Promise<void> | null = null;

  constructor(
    private readonly options: InfluxWriterOptions,
    private readonly spool: Spool,
    private readonly influx: InfluxDB,
    private readonly writeLines: LineWriter,
  ) {
    this.log = options.log;
    this.reconnectBackoff = options.reconnect ?? DEFAULT_RECONNECT;
    // Unref'd: a pending flush must not keep a finished command alive; close() flushes.
    this.timer = setInterval(() => {
      if (this.queue.length > 0) this.flushInBackground();
    }, options.flushIntervalMs).unref();
    // The first connection (setup, replay of an earlier run's spool) runs
    // before any batch, because every batch waits its turn behind it.
    this.startReconnecting();
  }

  write(points: Point[]): void {
    try {
      if (this.closed !== null) {
        this.counters.dropped += points.length;
        this.log.warn({ points: points.length }, 'points written after the writer was closed; dropped');
        return;
      }
      const admitted = this.admit(points);
      for (const point of admitted) this.queue.push(point);
      this.options.tee?.write(admitted);
      if (this.queue.length >= this.options.batchSize) this.flushInBackground();
    } catch (err) {
      // Only reachable with input that breaks the Point type (e.g. from plain JS).
      this.counters.dropped += points.length;
      this.log.error({ err: errorMessage(err) }, 'could not queue points; dropped');
    }
  }

  flush(): Promise<void> {
    this.pendingFlush ??= this.serial.run(async () => {
      this.pendingFlush = null;
      let batch = this.queue.splice(0, this.options.batchSize);
      let bodies: Bodies | undefined;
      while (batch.length > 0) {
        // deliver() hands the request to the HTTP client before it first waits; the client
        // writes it on the next tick, which the yield lets happen ...
        const delivered = this.deliver(batch, bodies);
        // Awaited below; this only keeps a failure during the yield from counting as unhandled.
        delivered.catch(() => undefined);
        await yieldToIo();
        // ... so the next batch is encoded while InfluxDB (another core) stores this one.
        const next = this.queue.splice(0, this.options.batchSize);
        bodies = next.length > 0 && this.influxUp ? encodeAhead(next) : undefined;
        await delivered;
        batch = next;
      }
    });
    return this.pendingFlush;
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      clearInterval(this.timer);
      this.closing.abort();
      await this.flush();
      await this.reconnecting;
      this.log.info(this.stats(), 'InfluxDB writer closed');
    })();
    return this.closed;
  }

  stats(): WriterStats {
    const spool = this.spool.stats();
    return {
      ...this.counters,
      dropped: this.counters.dropped + spool.dropped,
      pending: this.queue.length + spool.points,
      spoolBytes: spool.bytes,
      influxUp: this.influxUp,
    };
  }

  private flushInBackground(): void {
    this.flush().catch((err: unknown) => this.log.error({ err: errorMessage(err) }, 'flush failed'));
  }

  /** Returns the points that fit the schema; the others are counted and kept in a rejected file. */
  private admit(points: Point[]): Point[] {
    const accepted: Point[] = [];
    // Made only for a refusal: a write is a poll's handful of points, thousands a second.
    let refused: Map<string, Point[]> | undefined;
    for (const point of points) {
      const check = checkPoint(point);
      if (check.ok) accepted.push(check.point);
      else addTo((refused ??= new Map()), check.reason, [point]);
    }
    for (const [reason, group] of refused ?? []) {
      this.counters.rejected += group.length;
      // Through the serial queue, so that flush() also waits for the rejected file.
      void this.serial.run(() => this.keepRejected(group, reason));
    }
    return accepted;
  }

  private async keepRejected(points: Point[], reason: string): Promise<void> {
    try {
      const file = await this.spool.saveRejected(points, reason);
      this.log.error({ rejected: points.length, reason, file }, 'points refused; they will not be retried');
    } catch (err) {
      this.log.error(
        { rejected: points.length, reason, err: errorMessage(err) },
        'points refused, and the rejected file could not be written',
      );
    }
  }

  private async deliver(batch: Point[], bodies?: Bodies): Promise<void> {
    let rest = batch;
    if (this.influxUp && this.spool.stats().segments === 0) {
      const result = await this.send(batch, 'written', bodies);
      if (result.unsent.length === 0) return;
      this.markDown(result.error);
      rest = result.unsent;
    }
    try {
      await this.spool.append(rest);
      this.counters.spooled += rest.length;
    } catch (err) {
      this.counters.dropped += rest.length;
      this.log.error({ points: rest.length, err: errorMessage(err) }, 'could not write to the spool; points lost');
    }
  }

  /**
   * Writes points. A refused request is split in halves until the refused
   * points are alone (InfluxDB does not say which points it dropped); stops at
   * the first sign that InfluxDB is unavailable and returns what is left.
   */
  private async send(points: Point[], counter: 'written' | 'replayed', bodies?: Bodies): Promise<SendResult> {
    const work = [points];
    const refused = new Map<string, Point[]>();
    let result: SendResult = { unsent: [] };
    while (work.length > 0) {
      const chunk = work.shift()!;
      try {
        // Bodies encoded ahead are for the whole batch, i.e. the first try only.
        await this.writeToInflux(chunk, chunk === points ? bodies : undefined);
        this.counters[counter] += chunk.length;
      } catch (err) {
        if (classifyWriteError(err) === 'unavailable') {
          result = { unsent: [chunk, ...work].flat(), error: err };
          break;
        }
        if (chunk.length === 1) {
          addTo(refused, errorMessage(err), chunk);
        } else {
          const middle = Math.ceil(chunk.length / 2);
          work.unshift(chunk.slice(0, middle), chunk.slice(middle));
        }
      }
    }
    for (const [reason, group] of refused) {
      this.counters.rejected += group.length;
      await this.keepRejected(group, reason);
    }
    return result;
  }

  private async writeToInflux(points: Point[], bodies: Bodies = encode(points)): Promise<void> {
    for (const [retentionPolicy, body] of bodies) await this.writeLines(retentionPolicy, body);
  }

  private markDown(err: unknown): void {
    if (this.influxUp) this.log.warn({ err: errorMessage(err) }, 'InfluxDB is unavailable; spooling points until it is back');
    this.influxUp = false;
    this.startReconnecting();
  }

  private startReconnecting(): void {
    if (this.reconnecting !== null || this.closed !== null) return;
    this.reconnecting = this.reconnectLoop()
      .catch((err: unknown) => this.log.error({ err: errorMessage(err) }, 'InfluxDB reconnection stopped'))
      .finally(() => {
        this.reconnecting = null;
      });
  }

  private async reconnectLoop(): Promise<void> {
    let delay = this.reconnectBackoff.initialMs;
    for (let attempt = 1; this.closed === null; attempt += 1) {
      if (await this.serial.run(() => this.reconnect(attempt))) return;
      try {
        await sleep(delay, undefined, { signal: this.closing.signal, ref: false });
      } catch {
        return; // close() cut the wait short
      }
      delay = Math.min(delay * 2, this.reconnectBackoff.maxMs);
    }
  }

  /** One attempt: probe, set up, replay the spool, recompute rollups. True when InfluxDB takes writes again. */
  private async reconnect(attempt: number): Promise<boolean> {
    // Logged once per outage; the retries that follow only at debug level.
    const logFailure = (message: string, err?: unknown) =>
      this.log[attempt === 1 ? 'warn' : 'debug']({ attempt, err: err === undefined ? undefined : errorMessage(err) }, message);
    try {
      const host = (await this.influx.ping(PING_TIMEOUT_MS)).find((h) => h.online);
      if (host === undefined) {
        logFailure(`InfluxDB at ${this.options.url} does not answer /ping; will retry`);
        return false;
      }
      // Checked at start too; this is for a server that was away then, or replaced since. Points stay in the spool.
      const problem = influxVersionProblem(this.options.url, host.version);
      if (problem !== null) {
        this.log[attempt === 1 ? 'error' : 'debug']({ attempt }, `${problem}; keeping points in the spool`);
        return false;
      }
      await this.setup();
      if (!(await this.replaySpool())) return false;
    } catch (err) {
      logFailure('InfluxDB reconnection failed; will retry', err);
      return false;
    }
    this.influxUp = true;
    this.log.info({ url: this.options.url, database: this.options.database }, 'InfluxDB is up');
    await this.recomputeReplayedRollups();
    return true;
  }

  /**
   * Setup that an InfluxDB 1.x refuses for good (a statement it turns down,
   * not a missing right, which is retried) must not stop the raw points, but
   * the operator must learn what is missing.
   */
  private async setup(): Promise<void> {
    try {
      await setupInflux(this.influx, { database: this.options.database, retention: this.options.retention, log: this.log });
    } catch (err) {
      if (classifyWriteError(err) === 'unavailable') throw err;
      this.log.error(
        { err: errorMessage(err), database: this.options.database },
        'InfluxDB refused to set up the database, its retention policies or its continuous queries: until an InfluxDB admin fixes that, the raw points are written but the rollups and the yearly report stay empty',
      );
    }
  }

  /** Writes the spool to InfluxDB oldest segment first; false if InfluxDB went away again or we are closing. */
  private async replaySpool(): Promise<boolean> {
    for (let segment = await this.spool.oldest(); segment !== undefined; segment = await this.spool.oldest()) {
      if (this.closed !== null) return false;
      // Points spooled by an older version may no longer fit the schema.
      const points = this.admit(segment.points);
      // Widened before writing: a partly replayed segment needs its rollup too.
      this.replayRange = timeRangeOf(points, this.replayRange);
      for (const batch of chunks(points, this.options.batchSize)) {
        const { unsent, error } = await this.send(batch, 'replayed');
        if (unsent.length > 0) {
          this.log.warn({ segment: segment.name, err: errorMessage(error) }, 'replay of the spool interrupted; will resume');
          return false;
        }
      }
      await this.spool.remove(segment);
      this.log.info({ segment: segment.name, points: points.length }, 'replayed spool segment');
    }
    return true;
  }

  private async recomputeReplayedRollups(): Promise<void> {
    const range = this.replayRange;
    if (range === null) return;
    try {
      const written = await recomputeRollups(this.influx, this.options.database, range.fromMs, range.toMs);
      this.replayRange = null;
      this.log.info(
        { from: new Date(range.fromMs).toISOString(), to: new Date(range.toMs).toISOString(), written },
        'recomputed rollups for replayed points',
      );
    } catch (err) {
      // Kept for the next reconnection; not a reason to keep spooling.
      this.log.warn({ err: errorMessage(err) }, 'could not recompute rollups for replayed points');
    }
  }
}

/**
 * Opens the spool and starts the writer. Never waits for InfluxDB: if it is
 * unreachable, points go to the spool until it answers.
 */
export async function openInfluxWriter(options: InfluxWriterOptions): Promise<InfluxWriter> {
  if (!(Number.isInteger(options.batchSize) && options.batchSize >= 1))
    throw new Error(`batchSize must be a positive integer, got ${options.batchSize}`);
  if (!(options.flushIntervalMs > 0)) throw new Error(`flushIntervalMs must be positive, got ${options.flushIntervalMs}`);
  checkRetention(options.retention);
  const spool = await Spool.open({ dir: options.spoolDir, maxBytes: options.spoolMaxBytes, log: options.log });
  return new Writer(options, spool, createInfluxClient(options), createLineWriter(options));
}
