import { appendFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Point } from '../../storage/point.ts';
import { Spool, type SpoolOptions } from '../../storage/spool.ts';

const BASE_MS = Date.UTC(2026, 0, 1);

function point(i: number): Point {
  return {
    measurement: 'ping',
    tags: { village: 'v1', device: `d${i % 3}` },
    fields: { reachable: 1, sent: i, loss_pct: 0.5 },
    time: BASE_MS + i * 1000,
  };
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => point(from + k));

/** A logger that keeps what it logs, to check the warnings. */
function recordingLogger() {
  const records: Array<{ level: number; msg: string; [key: string]: unknown }> = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => records.push(JSON.parse(line)) });
  return { log, warnings: () => records.filter((r) => r.level === 40) };
}

async function drain(spool: Spool): Promise<Point[]> {
  const replayed: Point[] = [];
  for (let segment = await spool.oldest(); segment !== undefined; segment = await spool.oldest()) {
    replayed.push(...segment.points);
    await spool.remove(segment);
  }
  return replayed;
}

const segmentFiles = async (dir: string) => (await readdir(dir)).filter((name) => name.startsWith('seg-')).sort();

describe('Spool', () => {
  let dir: string;
  let logger: ReturnType<typeof recordingLogger>;
  const open = (options: Partial<SpoolOptions> = {}) => Spool.open({ dir, maxBytes: 1_000_000, log: logger.log, ...options });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'merezha-spool-unit-'));
    logger = recordingLogger();
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('replays segments oldest first, and file names sort by age past nine segments', async () => {
    const spool = await open({ segmentBytes: 300 });
    for (let batch = 0; batch < 12; batch += 1) await spool.append(range(batch * 2, batch * 2 + 2));

    const files = await segmentFiles(dir);
    expect(files.length).toBeGreaterThanOrEqual(10);
    expect(files).toEqual([...files].sort((a, b) => Number(a.match(/\d+/)![0]) - Number(b.match(/\d+/)![0])));
    expect(spool.stats()).toMatchObject({ points: 24, dropped: 0, segments: files.length });

    expect(await drain(spool)).toEqual(range(0, 24));
    expect(spool.stats()).toEqual({ bytes: 0, points: 0, dropped: 0, segments: 0 });
    expect(await segmentFiles(dir)).toEqual([]);
  });

  it('keeps points appended after a segment was read for replay', async () => {
    const spool = await open();
    await spool.append(range(0, 3));
    const segment = (await spool.oldest())!;
    await spool.append(range(3, 5));
    await spool.remove(segment);

    expect(segment.points).toEqual(range(0, 3));
    expect(await drain(spool)).toEqual(range(3, 5));
  });

  it('skips a torn last line with a warning, and never appends after it', async () => {
    const first = await open();
    await first.append(range(0, 3));
    const [tornFile] = await segmentFiles(dir);
    // What a crash in the middle of a write leaves behind.
    await appendFile(join(dir, tornFile!), JSON.stringify(point(3)).slice(0, 25));

    const second = await open();
    expect(logger.warnings().map((w) => w.msg)).toEqual([expect.stringContaining('torn line')]);
    expect(second.stats().points).toBe(3);

    await second.append(range(4, 6));
    const files = await segmentFiles(dir);
    expect(files).toHaveLength(2);
    expect(files[0]).toBe(tornFile);
    expect(await drain(second)).toEqual([...range(0, 3), ...range(4, 6)]);
  });

  it('skips an unreadable line in the middle of a segment with a warning', async () => {
    const spool = await open();
    await spool.append(range(0, 2));
    const [file] = await segmentFiles(dir);
    await appendFile(join(dir, file!), 'not json\n' + JSON.stringify(point(2)) + '\n');

    const reopened = await open();
    expect(reopened.stats().points).toBe(3);
    expect(logger.warnings()).toEqual([expect.objectContaining({ lines: 1 })]);
    expect(await drain(reopened)).toEqual(range(0, 3));
  });

  it('drops the oldest segments at the size cap and counts exactly the points dropped', async () => {
    const lineBytes = Buffer.byteLength(JSON.stringify(point(10)) + '\n');
    const maxBytes = lineBytes * 10;
    const spool = await open({ maxBytes, segmentBytes: lineBytes * 3 });
    for (let i = 10; i < 40; i += 1) await spool.append([point(i)]);

    const { bytes, points, dropped } = spool.stats();
    expect(bytes).toBeLessThanOrEqual(maxBytes);
    expect(points + dropped).toBe(30);
    expect(dropped).toBeGreaterThan(0);
    // What is left is the newest points, without a gap.
    expect(await drain(spool)).toEqual(range(40 - points, 40));
    const logged = logger.warnings().reduce((sum, w) => sum + (w.dropped as number), 0);
    expect(logged).toBe(dropped);
  });

  it('keeps the newest points of a batch larger than the whole cap', async () => {
    const lineBytes = Buffer.byteLength(JSON.stringify(point(10)) + '\n');
    const spool = await open({ maxBytes: lineBytes * 4 });
    await spool.append(range(10, 20));

    expect(spool.stats()).toMatchObject({ points: 4, dropped: 6 });
    expect(await drain(spool)).toEqual(range(16, 20));
  });

  it('finds the segments of an earlier process and appends after them', async () => {
    const before = await open({ segmentBytes: 300 });
    await before.append(range(0, 4));
    await before.append(range(4, 8));
    const statsBefore = before.stats();

    const after = await open({ segmentBytes: 300 });
    expect(after.stats()).toEqual(statsBefore);
    await after.append(range(8, 10));
    expect(await drain(after)).toEqual(range(0, 10));
  });

  it('keeps refused points with the reason in a rejected file that is never replayed', async () => {
    const spool = await open();
    const file = await spool.saveRejected(range(0, 2), 'field type conflict');
    expect(file).toMatch(/rejected-\d{4}-\d{2}-\d{2}\.jsonl$/);
    const lines = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toEqual(range(0, 2).map((p) => ({ reason: 'field type conflict', point: p })));

    const reopened = await open();
    expect(reopened.stats().points).toBe(0);
    expect(await reopened.oldest()).toBeUndefined();
  });
});
