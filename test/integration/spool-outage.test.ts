/**
 * The writer through real InfluxDB outages: influxd stopped in the middle of a
 * run and started again on the same data and port, a writer restarted with a
 * spool left on disk, and a database dropped under a running writer. In every
 * case each point written ends up in InfluxDB exactly once, and the rollup of
 * the replayed time range exists (continuous queries never backfill).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ROLLUP_MS } from '../../storage/influx-setup.ts';
import type { Point } from '../../storage/point.ts';
import { openInfluxWriter, type InfluxWriter, type InfluxWriterOptions } from '../../storage/writer.ts';
import { answersPing, readPoints, sortPoints, startTestInfluxd, testWriterOptions, waitFor, type TestInfluxd } from '../support/influxd.ts';

const BATCH = 25;
const STEP_MS = 6_000;
const DEVICES = 5;
/** Two hours ago, on a bucket boundary: every point is in a completed 5-minute bucket. */
const BASE_MS = Math.floor((Date.now() - 2 * 3_600_000) / ROLLUP_MS) * ROLLUP_MS;

/** Batch i: 25 ping points, a distinct time each, over five devices. */
function batch(i: number): Point[] {
  return Array.from({ length: BATCH }, (_, k) => {
    const n = i * BATCH + k;
    return {
      measurement: 'ping',
      tags: { village: 'v1', device: `d${n % DEVICES}` },
      fields: { reachable: n % 4 === 0 ? 0 : 1, loss_pct: (n % 7) * 10, sent: 3 },
      time: BASE_MS + n * STEP_MS,
    };
  });
}

/** The rollup InfluxDB holds for whole buckets in [fromMs, toMs), next to the one computed here from the raw points. */
async function rollupOf(influxd: TestInfluxd, database: string, points: Point[], fromMs: number, toMs: number) {
  const first = Math.ceil(fromMs / ROLLUP_MS) * ROLLUP_MS;
  const last = Math.floor(toMs / ROLLUP_MS) * ROLLUP_MS;
  expect(last).toBeGreaterThan(first);
  const expected = new Map<string, { samples: number; reachable: number }>();
  for (const p of points) {
    if (p.time < first || p.time >= last) continue;
    const key = `${p.tags.device} ${Math.floor(p.time / ROLLUP_MS) * ROLLUP_MS}`;
    const entry = expected.get(key) ?? { samples: 0, reachable: 0 };
    entry.samples += 1;
    entry.reachable += p.fields.reachable as number;
    expected.set(key, entry);
  }
  const rows = await influxd.query(
    `SELECT samples, reachable FROM "${database}"."rollup_5m"."ping" WHERE time >= ${first}ms AND time < ${last}ms GROUP BY device`,
    database,
  );
  return {
    actual: Object.fromEntries(rows.map((r) => [`${r.device} ${r.time}`, { samples: r.samples, reachable: r.reachable }])),
    expected: Object.fromEntries(
      [...expected].map(([key, e]) => [key, { samples: e.samples, reachable: expect.closeTo(e.reachable / e.samples, 9) }]),
    ),
  };
}

const segmentsIn = async (dir: string) => (await readdir(dir)).filter((f) => f.startsWith('seg-'));

describe('InfluxDB writer through outages', () => {
  let influxd: TestInfluxd;
  let spoolDir: string;
  const writers: InfluxWriter[] = [];
  const open = async (database: string, overrides: Partial<InfluxWriterOptions> = {}) => {
    const writer = await openInfluxWriter(
      testWriterOptions(influxd.url, database, spoolDir, { batchSize: BATCH, flushIntervalMs: 20, ...overrides }),
    );
    writers.push(writer);
    return writer;
  };

  beforeAll(async () => {
    influxd = await startTestInfluxd();
  });

  afterAll(async () => {
    await influxd?.dispose();
  });

  beforeEach(async () => {
    spoolDir = await mkdtemp(join(tmpdir(), 'merezha-outage-'));
    // A test that failed with influxd stopped must not leave the next one without it.
    if (!(await answersPing(influxd.url))) await influxd.start();
  });

  afterEach(async () => {
    await Promise.all(writers.splice(0).map((w) => w.close()));
    await rm(spoolDir, { recursive: true, force: true });
  });

  it('spools while influxd is down, replays when it is back: nothing lost, nothing twice, the outage rolled up', async () => {
    const database = 'outage';
    const writer = await open(database);
    const sent: Point[] = [];
    const send = (i: number) => {
      sent.push(...batch(i));
      writer.write(batch(i));
    };

    for (let i = 0; i < 6; i += 1) {
      send(i);
      await writer.flush();
    }
    expect(writer.stats()).toMatchObject({ influxUp: true, written: 6 * BATCH, spooled: 0 });

    // The outage begins while a batch is on its way.
    send(6);
    await Promise.all([influxd.stop(), writer.flush()]);
    for (let i = 7; i < 14; i += 1) {
      send(i);
      await writer.flush();
    }
    const during = writer.stats();
    expect(during).toMatchObject({ influxUp: false, dropped: 0, rejected: 0 });
    expect(during.spooled).toBeGreaterThanOrEqual(7 * BATCH);
    expect(during.pending).toBe(during.spooled);
    expect(during.spoolBytes).toBeGreaterThan(0);
    expect(await segmentsIn(spoolDir)).not.toEqual([]);

    await influxd.start();
    // Writing goes on while the writer notices and replays.
    for (let i = 14; i < 20; i += 1) send(i);
    await waitFor('the spool to be replayed', () => {
      const s = writer.stats();
      return s.influxUp && s.pending === 0;
    });
    await writer.flush(); // also waits for the rollup recomputation, which runs before any later batch

    const after = writer.stats();
    expect(after).toMatchObject({ dropped: 0, rejected: 0, pending: 0, spoolBytes: 0 });
    expect(after.replayed).toBe(after.spooled);
    expect(after.written + after.replayed).toBeGreaterThanOrEqual(20 * BATCH);
    expect(await segmentsIn(spoolDir)).toEqual([]);

    const [count] = await influxd.query(`SELECT count(sent) FROM "${database}"."raw"."ping"`, database);
    expect(count?.count).toBe(20 * BATCH);
    expect(await readPoints(influxd, database, 'ping')).toEqual(sortPoints(sent));

    // Batches 7..13 went through the spool for certain.
    const { actual, expected } = await rollupOf(influxd, database, sent, batch(7)[0]!.time, batch(13)[BATCH - 1]!.time);
    expect(actual).toEqual(expected);
  });

  it('a new writer replays the spool a closed writer left on disk, and sets up a database created while influxd was down', async () => {
    const database = 'restart';
    await influxd.stop();

    const first = await open(database);
    for (let i = 0; i < 3; i += 1) first.write(batch(i));
    await first.close();
    expect(first.stats()).toMatchObject({ influxUp: false, spooled: 3 * BATCH, pending: 3 * BATCH, written: 0 });
    expect(await segmentsIn(spoolDir)).not.toEqual([]);

    // Opens while influxd is still down: points of its own go to the spool after the old ones.
    const second = await open(database);
    expect(second.stats()).toMatchObject({ pending: 3 * BATCH });
    for (let i = 3; i < 6; i += 1) second.write(batch(i));
    await second.flush();
    expect(second.stats()).toMatchObject({ influxUp: false, spooled: 3 * BATCH, pending: 6 * BATCH });

    await influxd.start();
    await waitFor('the spool to be replayed', () => second.stats().pending === 0);
    await second.flush();

    expect(second.stats()).toMatchObject({ influxUp: true, replayed: 6 * BATCH, pending: 0, dropped: 0 });
    expect((await influxd.query(`SHOW RETENTION POLICIES ON "${database}"`)).map((r) => r.name)).toEqual(
      expect.arrayContaining(['raw', 'rollup_5m', 'events']),
    );
    const sent = [0, 1, 2, 3, 4, 5].flatMap(batch);
    expect(await readPoints(influxd, database, 'ping')).toEqual(sortPoints(sent));
    const { actual, expected } = await rollupOf(influxd, database, sent, BASE_MS, batch(5)[BATCH - 1]!.time);
    expect(actual).toEqual(expected);
    expect(await segmentsIn(spoolDir)).toEqual([]);
  });

  it('recreates a database dropped under a running writer (404) and writes the batch that failed', async () => {
    const database = 'dropped';
    const writer = await open(database);
    writer.write(batch(0));
    await writer.flush();
    await influxd.query(`DROP DATABASE "${database}"`);

    writer.write(batch(1));
    await writer.flush();
    expect(writer.stats().spooled).toBe(BATCH);
    await waitFor('the spool to be replayed', () => writer.stats().pending === 0);
    await writer.flush();

    expect(writer.stats()).toMatchObject({ influxUp: true, replayed: BATCH, dropped: 0, rejected: 0 });
    // The points written before the drop are gone with the database; the failed batch is not.
    expect(await readPoints(influxd, database, 'ping')).toEqual(sortPoints(batch(1)));
  });
});
