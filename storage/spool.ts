/**
 * On-disk spool for points InfluxDB could not take (it was down, or refused
 * the write for a reason that may pass, such as a missing database).
 *
 * Layout: JSON-lines segment files `seg-<12-digit sequence>.jsonl`, so that
 * sorting names sorts by age. Every append is fsync'd before it resolves,
 * because the spool only exists for the moments when things go wrong, and
 * a crash is one of them. Segments are replayed oldest first and deleted only
 * once every point in them was written.
 *
 * A crash in the middle of an append leaves a torn last line: it is skipped
 * with a warning, and no process ever appends to a segment an earlier process
 * wrote, so a torn line can never swallow the start of a good one.
 *
 * At its size cap the spool drops either its oldest segments (`drop_oldest`,
 * the storage writer's: the newest picture survives a long outage) or the new
 * points (`drop_newest`, which the forwarder may be configured to: what is
 * kept is a history without holes but for its end). Both count and log what
 * they dropped.
 */
import { mkdir, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../common/log.ts';
import type { SPOOL_FULL_POLICIES } from '../config/schema-forward.ts';
import type { Point } from './point.ts';
import { Serial } from './serial.ts';

const SEGMENT_NAME = /^seg-(\d{12})\.jsonl$/;
const MAX_SEGMENT_BYTES = 8 * 1024 * 1024;

export type SpoolFullPolicy = (typeof SPOOL_FULL_POLICIES)[number];

export interface SpoolOptions {
  dir: string;
  /** Cap on the bytes of all segments; what goes at the cap is `full`'s choice. */
  maxBytes: number;
  /** At the cap: drop the oldest segments (the default) or refuse new points. */
  full?: SpoolFullPolicy;
  log: Logger;
  /** Size at which a new segment is started; also the granularity of dropping. */
  segmentBytes?: number;
}

export interface SpoolStats {
  bytes: number;
  /** Points waiting in the spool. */
  points: number;
  /** Points thrown away to respect the size cap (old or new ones, as `full` says), since this Spool was opened. */
  dropped: number;
  segments: number;
}

/** One segment read back for replay; pass it to remove() once it is written. */
export interface SpoolSegment {
  readonly name: string;
  readonly points: Point[];
}

interface SegmentInfo {
  name: string;
  bytes: number;
  points: number;
  /** The time of its earliest point; null without points. */
  oldest: number | null;
}

function earliest(points: readonly Point[], from: number | null): number | null {
  let result = from;
  for (const { time } of points) if (result === null || time < result) result = time;
  return result;
}

function segmentName(sequence: number): string {
  return `seg-${String(sequence).padStart(12, '0')}.jsonl`;
}

function isPoint(value: unknown): value is Point {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Record<string, unknown>;
  return (
    typeof p.measurement === 'string' &&
    typeof p.time === 'number' &&
    typeof p.tags === 'object' &&
    p.tags !== null &&
    typeof p.fields === 'object' &&
    p.fields !== null
  );
}

function parseLine(line: string): Point | null {
  try {
    const value: unknown = JSON.parse(line);
    return isPoint(value) ? value : null;
  } catch {
    return null;
  }
}

function parseSegment(name: string, text: string, log: Logger): Point[] {
  const lines = text.split('\n');
  // Whatever follows the last newline is a line whose write never finished.
  const torn = lines.pop();
  if (torn)
    log.warn({ segment: name, bytes: Buffer.byteLength(torn) }, 'spool segment ends in a torn line (a write was cut off); skipping it');
  const points: Point[] = [];
  let unreadable = 0;
  for (const line of lines) {
    if (line === '') continue;
    const point = parseLine(line);
    if (point) points.push(point);
    else unreadable += 1;
  }
  if (unreadable > 0) log.warn({ segment: name, lines: unreadable }, 'spool segment has unreadable lines; skipping them');
  return points;
}

async function readSegment(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    // A segment whose first write failed may never have reached the disk.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

/** Appends and fsyncs, so the data is on disk when the promise resolves. */
async function appendDurably(path: string, data: string): Promise<void> {
  const file = await open(path, 'a');
  try {
    await file.writeFile(data);
    await file.sync();
  } finally {
    await file.close();
  }
}

/** Makes a newly created file's directory entry durable too. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function sizeOnDisk(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

export class Spool {
  private readonly serial = new Serial();
  private readonly dir: string;
  private readonly maxBytes: number;
  private readonly full: SpoolFullPolicy;
  private readonly segmentBytes: number;
  private readonly log: Logger;
  /** Oldest first. */
  private readonly segments: SegmentInfo[];
  /** Where appends go; never a segment from an earlier process or one already handed out for replay. */
  private current: SegmentInfo | null = null;
  private nextSequence: number;
  private dropped = 0;
  /** Points refused since the spool became full under `drop_newest`; null while it has room. */
  private refusing: number | null = null;

  private constructor(options: SpoolOptions, segments: SegmentInfo[], nextSequence: number) {
    this.dir = options.dir;
    this.maxBytes = options.maxBytes;
    this.full = options.full ?? 'drop_oldest';
    this.segmentBytes = options.segmentBytes ?? Math.max(1, Math.min(MAX_SEGMENT_BYTES, Math.floor(options.maxBytes / 16)));
    this.log = options.log;
    this.segments = segments;
    this.nextSequence = nextSequence;
  }

  /** Opens the spool dir (creating it), finding segments left by earlier runs. */
  static async open(options: SpoolOptions): Promise<Spool> {
    if (!(options.maxBytes > 0)) throw new Error(`spool size cap must be positive, got ${options.maxBytes}`);
    await mkdir(options.dir, { recursive: true });
    const names = (await readdir(options.dir)).filter((name) => SEGMENT_NAME.test(name)).sort();
    const segments: SegmentInfo[] = [];
    for (const name of names) {
      const text = await readSegment(join(options.dir, name));
      const points = parseSegment(name, text, options.log);
      segments.push({ name, bytes: Buffer.byteLength(text), points: points.length, oldest: earliest(points, null) });
    }
    const last = names.at(-1);
    const nextSequence = last === undefined ? 1 : Number(SEGMENT_NAME.exec(last)![1]) + 1;
    const spool = new Spool(options, segments, nextSequence);
    const { points, bytes } = spool.stats();
    if (segments.length > 0)
      options.log.info({ dir: options.dir, segments: segments.length, points, bytes }, 'spool holds points from an earlier run');
    return spool;
  }

  stats(): SpoolStats {
    let bytes = 0;
    let points = 0;
    for (const segment of this.segments) {
      bytes += segment.bytes;
      points += segment.points;
    }
    return { bytes, points, dropped: this.dropped, segments: this.segments.length };
  }

  /** The time of the earliest point waiting, ms since the epoch; null when the spool is empty. */
  oldestTime(): number | null {
    let result: number | null = null;
    for (const { oldest } of this.segments) if (oldest !== null && (result === null || oldest < result)) result = oldest;
    return result;
  }

  /** Appends points durably; at the cap, drops the oldest segments first or the new points, as `full` says. */
  append(points: Point[]): Promise<void> {
    return this.serial.run(() => this.appendNow(points));
  }

  /** Reads the oldest segment, or undefined when the spool is empty. */
  oldest(): Promise<SpoolSegment | undefined> {
    return this.serial.run(async () => {
      const segment = this.segments[0];
      if (segment === undefined) return undefined;
      // Seal it: points appended after this read must not be deleted with it.
      if (segment === this.current) this.current = null;
      const text = await readSegment(join(this.dir, segment.name));
      return { name: segment.name, points: parseSegment(segment.name, text, this.log) };
    });
  }

  /** Deletes a replayed segment. */
  remove(segment: SpoolSegment): Promise<void> {
    return this.serial.run(async () => {
      const index = this.segments.findIndex((s) => s.name === segment.name);
      // Gone already if the size cap dropped it while it was being replayed.
      if (index === -1) return;
      this.segments.splice(index, 1);
      await rm(join(this.dir, segment.name), { force: true });
    });
  }

  /**
   * Keeps points InfluxDB will never accept (such as a field type conflict) in
   * `rejected-<date>.jsonl`, with the reason, so that nothing is lost silently.
   * These files are not part of the spool and are never replayed.
   */
  saveRejected(points: Point[], reason: string): Promise<string> {
    return this.serial.run(async () => {
      const path = join(this.dir, `rejected-${new Date().toISOString().slice(0, 10)}.jsonl`);
      await appendDurably(path, points.map((point) => JSON.stringify({ reason, point }) + '\n').join(''));
      return path;
    });
  }

  private async appendNow(batch: Point[]): Promise<void> {
    const all = batch.map((point) => JSON.stringify(point) + '\n');
    const sizes = all.map((line) => Buffer.byteLength(line));
    let bytes = sizes.reduce((sum, size) => sum + size, 0);
    // The part of the batch that goes in: [from, to).
    let from = 0;
    let to = all.length;
    if (this.full === 'drop_newest') {
      const room = this.maxBytes - this.stats().bytes;
      while (bytes > room && to > 0) bytes -= sizes[--to]!;
      this.recordRefusal(all.length - to);
    } else {
      // A batch bigger than the whole spool keeps its newest points, like the spool itself.
      while (bytes > this.maxBytes && from < to) bytes -= sizes[from++]!;
      if (from > 0) this.recordDrop(from, 'a batch is larger than the whole spool; dropped its oldest points');
      await this.makeRoom(bytes);
    }
    if (from === to) return;
    const lines = all.slice(from, to);
    const points = batch.slice(from, to);

    const segment = this.segmentFor(bytes);
    const path = join(this.dir, segment.name);
    const isNew = segment.bytes === 0;
    try {
      await appendDurably(path, lines.join(''));
    } catch (err) {
      // A failed write may have left a torn line: never append after it, and
      // count whatever reached the disk against the cap.
      this.current = null;
      segment.bytes = await sizeOnDisk(path);
      throw err;
    }
    segment.bytes += bytes;
    segment.points += lines.length;
    segment.oldest = earliest(points, segment.oldest);
    if (isNew) await syncDir(this.dir);
  }

  /**
   * Counts points refused under `drop_newest`, logging when the spool becomes
   * full and when it takes points again, not at every refused batch: a full
   * spool refuses every write of the collector until the link is back.
   */
  private recordRefusal(refused: number): void {
    if (refused === 0) {
      if (this.refusing !== null)
        this.log.warn(
          { droppedWhileFull: this.refusing, droppedTotal: this.dropped },
          `spool has room again; ${this.refusing} new points were dropped while it was full`,
        );
      this.refusing = null;
      return;
    }
    this.dropped += refused;
    if (this.refusing === null)
      this.log.warn(
        { dropped: refused, droppedTotal: this.dropped },
        `spool is full (${this.maxBytes} bytes); dropping new points until it has room (drop_newest)`,
      );
    this.refusing = (this.refusing ?? 0) + refused;
  }

  private async makeRoom(bytes: number): Promise<void> {
    while (this.stats().bytes + bytes > this.maxBytes) {
      const oldest = this.segments.shift();
      if (oldest === undefined) return;
      if (oldest === this.current) this.current = null;
      await rm(join(this.dir, oldest.name), { force: true });
      this.recordDrop(oldest.points, `spool is full (${this.maxBytes} bytes); dropped its oldest segment ${oldest.name}`);
    }
  }

  private segmentFor(bytes: number): SegmentInfo {
    const current = this.current;
    if (current !== null && (current.bytes === 0 || current.bytes + bytes <= this.segmentBytes)) return current;
    const segment: SegmentInfo = { name: segmentName(this.nextSequence), bytes: 0, points: 0, oldest: null };
    this.nextSequence += 1;
    this.segments.push(segment);
    this.current = segment;
    return segment;
  }

  private recordDrop(points: number, message: string): void {
    this.dropped += points;
    this.log.warn({ dropped: points, droppedTotal: this.dropped }, message);
  }
}
