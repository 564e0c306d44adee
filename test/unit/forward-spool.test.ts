/**
 * The forward spool at its bound (`forward.spool_full`): `drop_oldest` drops
 * the oldest segments, `drop_newest` refuses new points while full and takes
 * them again once the sender made room; both count every point dropped and
 * say so in the log with the numbers. And the time of the oldest point
 * waiting, which the heartbeat's backlog reports.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Point } from '../../storage/point.ts';
import { Spool, type SpoolOptions } from '../../storage/spool.ts';

const BASE_MS = Date.UTC(2026, 0, 1);

const point = (i: number): Point => ({
  measurement: 'ping',
  tags: { village: 'v1', device: `d${i % 3}` },
  fields: { reachable: 1, sent: i, loss_pct: 0.5 },
  time: BASE_MS + i * 1000,
});
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => point(from + k));
/** Every point of the range has the same size on disk. */
const LINE_BYTES = Buffer.byteLength(JSON.stringify(point(10)) + '\n');

function recordingLogger() {
  const records: Array<{ level: number; msg: string; [key: string]: unknown }> = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => records.push(JSON.parse(line)) });
  return { log, warnings: () => records.filter((r) => r.level === 40) };
}

async function drain(spool: Spool): Promise<Point[]> {
  const out: Point[] = [];
  for (let segment = await spool.oldest(); segment !== undefined; segment = await spool.oldest()) {
    out.push(...segment.points);
    await spool.remove(segment);
  }
  return out;
}

describe('forward spool at its bound', () => {
  let dir: string;
  let logger: ReturnType<typeof recordingLogger>;
  const open = (options: Partial<SpoolOptions>) =>
    Spool.open({ dir, maxBytes: LINE_BYTES * 10, segmentBytes: LINE_BYTES * 3, log: logger.log, ...options });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'merezha-forward-spool-'));
    logger = recordingLogger();
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('drop_newest keeps the oldest points and refuses the rest, logging once when full and once when it has room again', async () => {
    const spool = await open({ full: 'drop_newest' });
    for (let i = 10; i < 40; i += 1) await spool.append([point(i)]);

    // The first ten fit; the twenty after them were refused, without a gap in what is kept.
    expect(spool.stats()).toMatchObject({ points: 10, dropped: 20 });
    expect(spool.stats().bytes).toBeLessThanOrEqual(LINE_BYTES * 10);
    const full = logger.warnings();
    expect(full).toEqual([expect.objectContaining({ dropped: 1, droppedTotal: 1, msg: expect.stringContaining('dropping new points') })]);

    // A batch that half fits keeps its first points.
    const first = (await spool.oldest())!;
    await spool.remove(first);
    expect(first.points).toEqual(range(10, 13));
    await spool.append(range(40, 45));
    expect(spool.stats()).toMatchObject({ points: 10, dropped: 22 });

    // Room again: the episode's total is logged, and points are taken.
    await spool.remove((await spool.oldest())!);
    await spool.append([point(45)]);
    expect(logger.warnings().at(-1)).toMatchObject({ droppedWhileFull: 22, droppedTotal: 22, msg: expect.stringContaining('room again') });
    expect(await drain(spool)).toEqual([...range(16, 20), ...range(40, 43), point(45)]);
  });

  it('drop_newest keeps the first points of a batch larger than the whole spool', async () => {
    const spool = await open({ full: 'drop_newest' });
    await spool.append(range(0, 25));
    expect(spool.stats()).toMatchObject({ points: 10, dropped: 15 });
    expect(await drain(spool)).toEqual(range(0, 10));
  });

  it('drop_oldest (the default) drops whole oldest segments and keeps the newest points', async () => {
    const spool = await open({});
    for (let i = 10; i < 40; i += 1) await spool.append([point(i)]);

    const { points, dropped } = spool.stats();
    expect(points + dropped).toBe(30);
    expect(dropped).toBeGreaterThan(0);
    expect(await drain(spool)).toEqual(range(40 - points, 40));
    expect(logger.warnings().reduce((sum, w) => sum + (w.dropped as number), 0)).toBe(dropped);
  });

  it('knows the time of its oldest point, across segments and after a reopen', async () => {
    const spool = await open({ maxBytes: 1_000_000 });
    expect(spool.oldestTime()).toBeNull();
    // Out of order on purpose: a late point of an earlier time in a later segment.
    await spool.append(range(20, 23));
    await spool.append([point(5), point(30)]);
    expect(spool.oldestTime()).toBe(point(5).time);

    const reopened = await open({ maxBytes: 1_000_000 });
    expect(reopened.oldestTime()).toBe(point(5).time);
    await reopened.remove((await reopened.oldest())!);
    expect(reopened.oldestTime()).toBe(point(5).time);
    await drain(reopened);
    expect(reopened.oldestTime()).toBeNull();
  });
});
