/**
 * The central's ingest: pull loops on the durable consumer of the data stream
 * (`INGEST_CONSUMER`) that write each hromada's points into its own database
 * and acknowledge a message only once InfluxDB took its points.
 *
 * Any number of loops, in any number of processes, share the consumer:
 * JetStream hands each message to one of them, and a message taken by a loop
 * that died comes back to another after `ingest.ack_wait`. So a message may
 * be written more than once; InfluxDB keeps one point per series and
 * timestamp, so writing it again changes nothing, with one exception handled
 * here: an outage point is written open and later overwritten closed, and
 * the open one arriving last (a redelivery, or two loops taking the two
 * messages at once) would reopen it. So an open outage point is not written
 * over a closed one (looked up first, under a lock per database that the
 * loops of a process share), and an outage found reopened after a write (by
 * another process in between) is closed again.
 *
 * While InfluxDB is away nothing is acknowledged: the loops give their
 * messages back and wait for it, and the stream keeps everything
 * (`nats.max_age`). A message that can never be written (not JSON, not our
 * schema, refused by InfluxDB) is logged and terminated; the stream still has
 * it for a later central that understands it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstream, type Consumer, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { DATA_CHANNELS, DATA_STREAM, INGEST_CONSUMER, parseSubject } from '../common/federation.ts';
import type { Logger } from '../common/log.ts';
import type { CentralConfig } from '../config/central.ts';
import { parseDuration } from '../config/duration.ts';
import { decodeData } from '../storage/forward/wire.ts';
import { classifyWriteError, errorMessage, type InfluxLogin } from '../storage/influx-client.ts';
import { ident, type Row } from '../storage/influx-query.ts';
import {
  CQ_RESAMPLE_FOR,
  recomputeRollups,
  retentionPolicyOf,
  ROLLUP_MEASUREMENTS,
  ROLLUP_MS,
  type TimeRange,
} from '../storage/influx-setup.ts';
import { checkPoint, tagNamesOf } from '../storage/point-check.ts';
import type { Point } from '../storage/point.ts';
import { Serial } from '../storage/serial.ts';
import { encode } from '../storage/writer.ts';
import { CentralInflux, type HromadaDatabase } from './influx.ts';

/**
 * How long one pull request lives. After a NATS node dies, a loop whose
 * request was held by that node notices by the missed heartbeats (every half
 * of this) and pulls again: short enough to resume in seconds.
 */
const PULL_EXPIRES_MS = 5_000;
const RETRY = { initialMs: 250, maxMs: 10_000 };
/** Messages given back while InfluxDB is away come again after this, not at once. */
const NAK_DELAY_MS = 2_000;
/** Recompute a database's late rollups after this long without more late points ... */
const DEFAULT_ROLLUP_DELAY_MS = 2_000;
/** ... but not later than this after the first, during a long catch-up. */
const ROLLUP_MAX_DELAY_MS = 30_000;
/** How far back the continuous queries compute again at each run. */
const CQ_HORIZON_MS = parseDuration(CQ_RESAMPLE_FOR)!;
/** Times per query when looking for closed outages. */
const OUTAGE_QUERY_TIMES = 100;
const REASON_MAX = 300;

export interface IngestOptions {
  nc: NatsConnection;
  config: CentralConfig;
  influx: { url: string; login?: InfluxLogin };
  log: Logger;
  /** Pull loops in this process; `ingest.workers` by default. */
  workers?: number;
  /** Quiet time before the rollups of late points are recomputed; tests shorten it. */
  rollupDelayMs?: number;
  /** Called with each message's points once InfluxDB took them (`at`: ms since the epoch); the benchmark's latency. */
  onWritten?: (hromada: string, points: readonly Point[], at: number) => void;
}

export interface HromadaIngestStats {
  messages: number;
  points: number;
  /** When its last message was acknowledged, ms since the epoch. */
  lastAt: number | null;
}

export interface IngestStats {
  /** Messages written and acknowledged (a redelivered one counts again). */
  messages: number;
  points: number;
  /** Messages terminated because they can never be written. */
  malformed: number;
  /** Messages that came a second time or more (a loop died or was too slow with them). */
  redelivered: number;
  byHromada: Map<string, HromadaIngestStats>;
}

export interface Ingest {
  /** Finishes the batches in hand, gives the rest back to the consumer at once, recomputes pending rollups. */
  stop(): Promise<void>;
  stats(): IngestStats;
}

// ---- pure parts ----------------------------------------------------------

export type DataMessage = { ok: true; hromada: string; points: Point[] } | { ok: false; reason: string };

const shorten = (text: string) => (text.length > REASON_MAX ? `${text.slice(0, REASON_MAX)}…` : text);

/** The hromada and points of a data message, or why it can never be written. */
export function readDataMessage(subject: string, body: string): DataMessage {
  const parsed = parseSubject(subject);
  if (parsed === undefined || !(DATA_CHANNELS as readonly string[]).includes(parsed.channel))
    return { ok: false, reason: 'not a data subject of a hromada' };
  let points: Point[];
  try {
    points = decodeData(body);
  } catch (err) {
    return { ok: false, reason: `not a data message: ${shorten(errorMessage(err))}` };
  }
  const admitted: Point[] = [];
  for (const point of points) {
    const check = checkPoint(point);
    if (!check.ok) return { ok: false, reason: shorten(check.reason) };
    admitted.push(check.point);
  }
  return { ok: true, hromada: parsed.hromada, points: admitted };
}

const IDLE = Symbol('idle');
const nextTurn = () => new Promise<typeof IDLE>((resolve) => setImmediate(() => resolve(IDLE)));

/**
 * Groups what an async source already holds into batches of at most `max`:
 * a batch is what arrived while the previous one was being written, so a
 * quiet stream goes through one message at a time and a backlog in full batches.
 */
export async function* batches<T>(source: AsyncIterable<T>, max: number): AsyncGenerator<T[]> {
  const iterator = source[Symbol.asyncIterator]();
  let next = iterator.next();
  for (;;) {
    const first = await next;
    if (first.done) return;
    const batch = [first.value];
    next = iterator.next();
    while (batch.length < max) {
      const ready = await Promise.race([next, nextTurn()]);
      if (ready === IDLE) break;
      if (ready.done) {
        yield batch;
        return;
      }
      batch.push(ready.value);
      next = iterator.next();
    }
    yield batch;
  }
}

const OUTAGE_TAGS = tagNamesOf('outage');

/** The outage tags of a point or of a row read back (where a series lacks a tag, GROUP BY * gives ""). */
function outageTags(source: Readonly<Record<string, unknown>>): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const tag of OUTAGE_TAGS) {
    const value = source[tag];
    if (typeof value === 'string' && value !== '') tags[tag] = value;
  }
  return tags;
}

/** An outage point's identity in InfluxDB: its series and time. */
export function outageKey(tags: Readonly<Record<string, unknown>>, time: number): string {
  return `${time} ${Object.entries(outageTags(tags))
    .map(([tag, value]) => `${tag}=${value}`)
    .join(',')}`;
}

const isOutage = (point: Point, open: 0 | 1) => point.measurement === 'outage' && point.fields.open === open;

/**
 * The open outage points that must not be written: those whose outage is
 * closed in InfluxDB (`closedInStore`, by `outageKey`) or in the same batch.
 */
export function reopeningOutages(points: readonly Point[], closedInStore: ReadonlySet<string>): Set<Point> {
  const closed = new Set(closedInStore);
  for (const point of points) if (isOutage(point, 0)) closed.add(outageKey(point.tags, point.time));
  return new Set(points.filter((point) => isOutage(point, 1) && closed.has(outageKey(point.tags, point.time))));
}

/**
 * What closes again the outages read back open but with an end: an open
 * point was written over the closed one. Only `open` is written, so the rest
 * of the point stays as it is.
 */
export function reclosing(rows: readonly Row[]): Point[] {
  return rows
    .filter((row) => row.open === 1 && row.end_ms !== null && row.end_ms !== undefined)
    .map((row) => ({ measurement: 'outage', tags: outageTags(row), fields: { open: 0 }, time: row.time as number }));
}

/**
 * The time range of rolled-up points that the continuous queries will not
 * compute any more: the next run (at the next 5-minute boundary) goes back
 * only CQ_HORIZON_MS. Null when there are none.
 */
export function lateRange(points: readonly Point[], now: number): TimeRange | null {
  const horizon = Math.floor(now / ROLLUP_MS) * ROLLUP_MS + ROLLUP_MS - CQ_HORIZON_MS;
  let range: TimeRange | null = null;
  for (const { measurement, time } of points) {
    if (time >= horizon || !(ROLLUP_MEASUREMENTS as readonly string[]).includes(measurement)) continue;
    range = range === null ? { fromMs: time, toMs: time } : { fromMs: Math.min(range.fromMs, time), toMs: Math.max(range.toMs, time) };
  }
  return range;
}

/** A read from InfluxDB failed: like a failed write, a reason to try again, never to drop a message. */
class ReadFailed extends Error {
  override readonly name = 'ReadFailed';
}

const unavailable = (err: unknown) => err instanceof ReadFailed || classifyWriteError(err) === 'unavailable';

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}

// ---- I/O -----------------------------------------------------------------

/** Waits, cut short by the signal. */
async function pause(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    // stopping
  }
}

/**
 * Whether InfluxDB takes points, shared by the loops of a process. Down from
 * the first failed write until /ping answers; the outage is logged once, at
 * its start, and its end at the first write that succeeds.
 */
class Availability {
  up = true;
  private back: Promise<void> | null = null;
  private delay = RETRY.initialMs;
  private logged = false;

  constructor(
    private readonly influx: CentralInflux,
    private readonly log: Logger,
    private readonly signal: AbortSignal,
  ) {}

  markDown(err: unknown): void {
    this.up = false;
    if (!this.logged) {
      this.logged = true;
      this.log.warn({ err: errorMessage(err) }, 'InfluxDB is unavailable; the messages stay in JetStream until it takes points again');
    }
    this.back ??= this.probe().finally(() => {
      this.back = null;
    });
  }

  wrote(): void {
    this.delay = RETRY.initialMs;
    if (!this.logged) return;
    this.logged = false;
    this.log.info('InfluxDB takes points again');
  }

  whenUp(): Promise<void> {
    return this.back ?? Promise.resolve();
  }

  private async probe(): Promise<void> {
    while (!this.signal.aborted) {
      await pause(this.delay, this.signal);
      // Not reset here: a server that answers /ping but refuses writes is retried ever more slowly.
      this.delay = Math.min(this.delay * 2, RETRY.maxMs);
      if (await this.influx.answers()) {
        this.influx.forgetSetups();
        this.up = true;
        return;
      }
    }
  }
}

/** The rollups of late points, recomputed per database once its late points stop coming. */
class LateRollups {
  private readonly pending = new Map<string, { database: HromadaDatabase; range: TimeRange; first: number; timer: NodeJS.Timeout }>();
  private readonly serial = new Serial();
  private closed = false;
  /** Retries while InfluxDB is away are logged once. */
  private failing = false;

  constructor(
    private readonly delayMs: number,
    private readonly log: Logger,
  ) {}

  add(database: HromadaDatabase, range: TimeRange): void {
    const entry = this.pending.get(database.name);
    if (entry !== undefined) clearTimeout(entry.timer);
    const first = entry?.first ?? Date.now();
    const merged =
      entry === undefined ? range : { fromMs: Math.min(entry.range.fromMs, range.fromMs), toMs: Math.max(entry.range.toMs, range.toMs) };
    const wait = Math.max(0, Math.min(this.delayMs, first + ROLLUP_MAX_DELAY_MS - Date.now()));
    const timer = setTimeout(() => void this.run(database.name), wait).unref();
    this.pending.set(database.name, { database, range: merged, first, timer });
  }

  /** Recomputes everything pending now, once, and no more afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.pending.keys()].map((name) => this.run(name)));
  }

  private run(name: string): Promise<void> {
    return this.serial.run(async () => {
      const entry = this.pending.get(name);
      if (entry === undefined) return;
      this.pending.delete(name);
      clearTimeout(entry.timer);
      const { fromMs, toMs } = entry.range;
      const span = { database: name, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() };
      try {
        const written = await recomputeRollups(entry.database.client, name, fromMs, toMs);
        this.failing = false;
        this.log.info({ ...span, written }, 'recomputed the rollups of late points');
      } catch (err) {
        if (this.closed) {
          this.log.error({ ...span, err: errorMessage(err) }, 'could not recompute the rollups of late points; they stay incomplete');
          return;
        }
        this.log[this.failing ? 'debug' : 'warn'](
          { ...span, err: errorMessage(err) },
          'could not recompute the rollups of late points; will retry',
        );
        this.failing = true;
        this.add(entry.database, entry.range);
      }
    });
  }
}

interface Item {
  msg: JsMsg;
  hromada: string;
  points: Point[];
}

class IngestLoops implements Ingest {
  private readonly counters = { messages: 0, points: 0, malformed: 0, redelivered: 0 };
  private readonly byHromada = new Map<string, HromadaIngestStats>();
  private readonly stopping = new AbortController();
  private readonly subscriptions = new Set<ConsumerMessages>();
  /** Per database: outage points are looked up and written by one loop at a time. */
  private readonly outageLocks = new Map<string, Serial>();
  private readonly availability: Availability;
  private readonly rollups: LateRollups;
  private readonly fetch: number;
  private readonly batchSize: number;
  private readonly log: Logger;
  private readonly onWritten: IngestOptions['onWritten'];
  private workers: Promise<void>[] = [];
  private stopped: Promise<void> | null = null;

  /** Looked up by the first loop that needs it, again after a failure. */
  private consumer: Promise<Consumer> | null = null;

  constructor(
    private readonly nc: NatsConnection,
    private readonly influx: CentralInflux,
    options: IngestOptions,
  ) {
    this.log = options.log;
    this.onWritten = options.onWritten;
    this.fetch = options.config.ingest.fetch;
    this.batchSize = options.config.storage.batch_size;
    this.availability = new Availability(influx, options.log, this.stopping.signal);
    this.rollups = new LateRollups(options.rollupDelayMs ?? DEFAULT_ROLLUP_DELAY_MS, options.log);
  }

  start(workers: number): void {
    this.workers = Array.from({ length: workers }, (_, i) =>
      this.work().catch((err: unknown) => this.log.error({ worker: i, err: errorMessage(err) }, 'ingest loop stopped')),
    );
  }

  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping.abort();
      await Promise.all([...this.subscriptions].map((messages) => messages.close()));
      await Promise.all(this.workers);
      await this.rollups.close();
      this.log.info(
        { messages: this.counters.messages, points: this.counters.points, malformed: this.counters.malformed },
        'ingest stopped',
      );
    })();
    return this.stopped;
  }

  stats(): IngestStats {
    return { ...this.counters, byHromada: new Map([...this.byHromada].map(([id, s]) => [id, { ...s }])) };
  }

  private async work(): Promise<void> {
    const signal = this.stopping.signal;
    let retry = RETRY.initialMs;
    while (!signal.aborted) {
      await this.availability.whenUp();
      if (signal.aborted) return;
      let messages: ConsumerMessages;
      try {
        this.consumer ??= jetstream(this.nc).consumers.get(DATA_STREAM, INGEST_CONSUMER);
        messages = await (await this.consumer).consume({ max_messages: this.fetch, expires: PULL_EXPIRES_MS });
      } catch (err) {
        this.consumer = null;
        this.log[retry === RETRY.initialMs ? 'warn' : 'debug'](
          { err: errorMessage(err) },
          'cannot pull from the ingest consumer; retrying',
        );
        await pause(retry, signal);
        retry = Math.min(retry * 2, RETRY.maxMs);
        continue;
      }
      retry = RETRY.initialMs;
      this.subscriptions.add(messages);
      // stop() may have come while consume() was being set up.
      if (signal.aborted) void messages.close();
      try {
        for await (const batch of batches(messages, this.fetch)) {
          if (signal.aborted || !this.availability.up) {
            // What was in hand when this loop let go: another loop takes it, at once unless InfluxDB is away.
            for (const msg of batch) msg.nak(signal.aborted ? undefined : NAK_DELAY_MS);
            continue;
          }
          if (!(await this.handle(batch))) void messages.close();
        }
      } catch (err) {
        this.log.warn({ err: errorMessage(err) }, 'pulling from the ingest consumer failed; pulling again');
        await pause(retry, signal);
      } finally {
        this.subscriptions.delete(messages);
      }
    }
  }

  /** Writes a batch, one request per database and retention policy; false if InfluxDB is away. */
  private async handle(batch: JsMsg[]): Promise<boolean> {
    const groups = new Map<string, { database: HromadaDatabase; items: Item[] }>();
    for (const msg of batch) {
      if (msg.redelivered) this.counters.redelivered += 1;
      const read = readDataMessage(msg.subject, msg.string());
      if (!read.ok) {
        this.malformed(msg, read.reason);
        continue;
      }
      const database = this.influx.database(read.hromada);
      const group = groups.get(database.name) ?? { database, items: [] };
      group.items.push({ msg, hromada: read.hromada, points: read.points });
      groups.set(database.name, group);
    }
    const results = await Promise.all([...groups.values()].map(({ database, items }) => this.store(database, items)));
    return results.every(Boolean);
  }

  private async store(database: HromadaDatabase, items: Item[]): Promise<boolean> {
    try {
      await this.influx.ensureSetUp(database);
      await this.write(
        database,
        items.flatMap((item) => item.points),
      );
    } catch (err) {
      if (unavailable(err)) {
        this.giveBack(items, err);
        return false;
      }
      // Refused: find the message InfluxDB will never take, and write the others.
      for (const [i, item] of items.entries()) {
        try {
          await this.write(database, item.points);
        } catch (itemErr) {
          if (unavailable(itemErr)) {
            this.giveBack(items.slice(i), itemErr);
            return false;
          }
          this.malformed(item.msg, `InfluxDB refused it: ${shorten(errorMessage(itemErr))}`);
          continue;
        }
        this.acknowledge(database, [item]);
      }
      return true;
    }
    this.acknowledge(database, items);
    return true;
  }

  private async write(database: HromadaDatabase, points: Point[]): Promise<void> {
    const outages = points.filter((point) => point.measurement === 'outage');
    await this.send(database, outages.length === 0 ? points : points.filter((point) => point.measurement !== 'outage'));
    if (outages.length === 0) return;
    let lock = this.outageLocks.get(database.name);
    if (lock === undefined) this.outageLocks.set(database.name, (lock = new Serial()));
    await lock.run(() => this.writeOutages(database, outages));
  }

  private async send(database: HromadaDatabase, points: Point[]): Promise<void> {
    for (const chunk of chunks(points, this.batchSize))
      for (const [retentionPolicy, body] of encode(chunk)) await database.writeLines(retentionPolicy, body);
  }

  /** Outage points, never an open one over a closed one (see the top of the file). */
  private async writeOutages(database: HromadaDatabase, outages: Point[]): Promise<void> {
    const closed = (await this.outageRows(database, outages, 0)).map((row) => outageKey(row, row.time as number));
    const skip = reopeningOutages(outages, new Set(closed));
    const kept = skip.size === 0 ? outages : outages.filter((point) => !skip.has(point));
    await this.send(database, kept);
    const reopened = reclosing(await this.outageRows(database, kept, 1));
    if (reopened.length === 0) return;
    await this.send(database, reopened);
    this.log.info({ database: database.name, outages: reopened.length }, 'closed again outages written open over their end elsewhere');
  }

  /** The stored outages, with `open` as given, at the times of the open outage points. */
  private async outageRows(database: HromadaDatabase, points: Point[], open: 0 | 1): Promise<Row[]> {
    const times = [...new Set(points.filter((point) => isOutage(point, 1)).map((point) => point.time))];
    const rows: Row[] = [];
    for (const chunk of chunks(times, OUTAGE_QUERY_TIMES)) {
      try {
        rows.push(
          ...(await database.query(
            `SELECT "open", "end_ms" FROM ${ident(database.name)}.${ident(retentionPolicyOf('outage'))}."outage"` +
              ` WHERE "open" = ${open} AND (${chunk.map((time) => `time = ${time}ms`).join(' OR ')}) GROUP BY *`,
          )),
        );
      } catch (err) {
        throw new ReadFailed(`cannot read the outages back: ${errorMessage(err)}`);
      }
    }
    return rows;
  }

  private acknowledge(database: HromadaDatabase, items: Item[]): void {
    const now = Date.now();
    for (const item of items) {
      item.msg.ack();
      this.counters.messages += 1;
      this.counters.points += item.points.length;
      const stats = this.byHromada.get(item.hromada) ?? { messages: 0, points: 0, lastAt: null };
      stats.messages += 1;
      stats.points += item.points.length;
      stats.lastAt = now;
      this.byHromada.set(item.hromada, stats);
      this.onWritten?.(item.hromada, item.points, now);
    }
    this.availability.wrote();
    const range = lateRange(
      items.flatMap((item) => item.points),
      now,
    );
    if (range !== null) this.rollups.add(database, range);
  }

  private giveBack(items: Item[], err: unknown): void {
    for (const item of items) item.msg.nak(NAK_DELAY_MS);
    this.availability.markDown(err);
  }

  private malformed(msg: JsMsg, reason: string): void {
    this.counters.malformed += 1;
    this.log.error({ subject: msg.subject, seq: msg.seq, reason }, 'a message that can never be written; terminated');
    // Without the reason: nats-server before 2.10 does not know `+TERM <reason>` and would leave the message pending.
    msg.term();
  }
}

/** Starts the loops on the durable consumer that ensureStreams made. */
export function startIngest(options: IngestOptions): Ingest {
  const influx = new CentralInflux({
    config: options.config,
    url: options.influx.url,
    ...(options.influx.login === undefined ? {} : { login: options.influx.login }),
    log: options.log,
  });
  const workers = options.workers ?? options.config.ingest.workers;
  const ingest = new IngestLoops(options.nc, influx, options);
  ingest.start(workers);
  options.log.info({ workers, fetch: options.config.ingest.fetch, influx: options.influx.url }, 'ingest started');
  return ingest;
}
