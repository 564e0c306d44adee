/**
 * 3. InfluxDB writes: the same points through Merezha's writer
 * (openInfluxWriter, flush) and as raw line-protocol POSTs in batches of
 * 5,000 with precision=ms, into fresh databases on the same influxd.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInfluxClient } from '../storage/influx-client.ts';
import { setupInflux } from '../storage/influx-setup.ts';
import { MEASUREMENTS, type MeasurementName } from '../storage/measurements.ts';
import type { Point } from '../storage/point.ts';
import { openInfluxWriter } from '../storage/writer.ts';
import { startTestInfluxd, testWriterOptions, type TestInfluxd } from '../test/support/influxd.ts';
import type { BenchContext, SectionResult } from './types.ts';
import { defer } from './lib/cleanup.ts';
import { median, procCpu, round, sleep } from './lib/util.ts';
import { silentLogger } from '../common/log.ts';

const BATCH = 5000;
const PROVIDERS = ['ukrtelecom', 'volia', 'kyivstar'];
const CATEGORIES = ['school', 'kindergarten', 'clinic', 'library', 'culture', 'council', 'cnap'];

/** Realistic points: half ping, half interface, 2,000 devices in 40 villages, every 10 s over the last hours. */
export function realisticPoints(n: number, now = Date.now()): Point[] {
  const devices = 2000;
  const points: Point[] = [];
  const start = now - Math.ceil(n / devices) * 10_000 - 60_000;
  for (let i = 0; i < n; i++) {
    const d = i % devices;
    const time = start + Math.floor(i / devices) * 10_000 + (d % 997);
    const kind = d % 3 === 0 ? 'uplink' : d % 3 === 1 ? 'wifi' : 'institution';
    const tags: Record<string, string> = { village: `village-${d % 40}`, device: `${kind}-${d}`, kind };
    if (kind === 'uplink') tags.provider = PROVIDERS[d % PROVIDERS.length]!;
    if (kind === 'institution') tags.category = CATEGORIES[d % CATEGORIES.length]!;
    const jitter = ((i * 7919) % 1000) / 1000;
    if (i % 2 === 0) {
      const lost = i % 50 === 0;
      points.push({
        measurement: 'ping',
        tags,
        fields: lost
          ? { reachable: 0, loss_pct: 100, sent: 3 }
          : { reachable: 1, loss_pct: 0, sent: 3, rtt_min_ms: 0.8 + jitter, rtt_avg_ms: 1.2 + jitter, rtt_max_ms: 2.5 + jitter },
        time,
      });
    } else {
      points.push({
        measurement: 'interface',
        tags: { ...tags, interface: d % 5 === 0 ? 'GigabitEthernet 0/1' : 'ether1' },
        fields: {
          oper_up: 1,
          speed_mbps: 100,
          in_bps: Math.round(5_000_000 * (1 + jitter)) + 0.5,
          out_bps: Math.round(900_000 * (1 + jitter)) + 0.25,
          in_errors: i % 11 === 0 ? 2 : 0,
          out_errors: 0,
          in_discards: 0,
          out_discards: 0,
        },
        time,
      });
    }
  }
  return points;
}

const escKey = (s: string) => s.replace(/[,= ]/g, (c) => `\\${c}`);

/** Line protocol written by hand, outside the timed part: the raw peer only pays for the POSTs. */
function lineOf(p: Point): string {
  const spec = MEASUREMENTS[p.measurement as MeasurementName];
  let line = escKey(p.measurement);
  for (const k of Object.keys(p.tags).sort()) line += `,${escKey(k)}=${escKey(p.tags[k]!)}`;
  const fields = Object.entries(p.fields).map(([k, v]) => {
    const type = (spec.fields as Record<string, { type: string }>)[k]!.type;
    return `${escKey(k)}=${type === 'integer' ? `${v}i` : type === 'string' ? JSON.stringify(v) : v}`;
  });
  return `${line} ${fields.join(',')} ${p.time}`;
}

const RETENTION = { rawMs: 30 * 86_400_000, rollupMs: 730 * 86_400_000 };

/** The raw side's database is set up exactly like the writer's (retention policies, continuous queries). */
async function createDatabase(url: string, database: string): Promise<void> {
  await setupInflux(createInfluxClient({ url, database }), { database, retention: RETENTION, log: silentLogger() });
}

/** Waits until influxd has finished the background work of the previous round (cache snapshots, compactions). */
export async function settle(pid: number): Promise<void> {
  const deadline = performance.now() + 10_000;
  let last = procCpu(pid)?.own ?? 0;
  while (performance.now() < deadline) {
    await sleep(300);
    const now = procCpu(pid)?.own ?? 0;
    if (now - last <= 0.02) return;
    last = now;
  }
}

async function countPoints(influxd: TestInfluxd, db: string, rp: string): Promise<number> {
  let total = 0;
  for (const m of ['ping', 'interface']) {
    const field = m === 'ping' ? 'loss_pct' : 'oper_up';
    const rows = await influxd.query(`SELECT count("${field}") FROM "${db}"."${rp}"."${m}"`, db);
    total += Number(rows[0]?.count ?? 0);
  }
  return total;
}

interface RunFigures {
  wallMs: number;
  pointsPerS: number;
  cpuMs: number;
}

async function rawRun(influxd: TestInfluxd, bodies: string[], db: string, n: number, pid: number): Promise<RunFigures> {
  await createDatabase(influxd.url, db);
  await settle(pid);
  const cpu0 = procCpu('self')!;
  const t0 = performance.now();
  for (const body of bodies) {
    const r = await fetch(`${influxd.url}/write?db=${db}&rp=raw&precision=ms`, { method: 'POST', body });
    if (r.status !== 204) throw new Error(`raw write: HTTP ${r.status} ${await r.text()}`);
  }
  const wallMs = performance.now() - t0;
  const cpu1 = procCpu('self')!;
  return { wallMs, pointsPerS: (n / wallMs) * 1000, cpuMs: (cpu1.own - cpu0.own) * 1000 };
}

async function writerRun(influxd: TestInfluxd, points: Point[], db: string, spoolDir: string, pid: number): Promise<RunFigures> {
  const writer = await openInfluxWriter(
    testWriterOptions(influxd.url, db, spoolDir, { batchSize: BATCH, flushIntervalMs: 1000, requestTimeoutMs: 30_000 }),
  );
  try {
    // Setup (database, retention policies, CQs) is not part of the write figure.
    const deadline = Date.now() + 20_000;
    while (!writer.stats().influxUp) {
      if (Date.now() > deadline) throw new Error('the writer did not connect to influxd');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await settle(pid);
    const cpu0 = procCpu('self')!;
    const t0 = performance.now();
    // As the collector hands them over: a poll's few points at a time.
    for (let i = 0; i < points.length; i += 50) writer.write(points.slice(i, i + 50));
    await writer.flush();
    const wallMs = performance.now() - t0;
    const cpu1 = procCpu('self')!;
    const stats = writer.stats();
    if (stats.written !== points.length) throw new Error(`writer wrote ${stats.written} of ${points.length}: ${JSON.stringify(stats)}`);
    return { wallMs, pointsPerS: (points.length / wallMs) * 1000, cpuMs: (cpu1.own - cpu0.own) * 1000 };
  } finally {
    await writer.close();
  }
}

export async function runInflux(ctx: BenchContext): Promise<SectionResult> {
  const n = ctx.quick ? 50_000 : 200_000;
  const reps = ctx.quick ? 2 : 5;
  const points = realisticPoints(n);
  const bodies: string[] = [];
  for (let i = 0; i < n; i += BATCH)
    bodies.push(
      points
        .slice(i, i + BATCH)
        .map(lineOf)
        .join('\n'),
    );
  const influxd = await startTestInfluxd();
  const stopInfluxd = defer('influxd', () => influxd.dispose());
  const spool = await mkdtemp(join(tmpdir(), 'merezha-bench-spool-'));
  const removeSpool = defer('spool dir', () => rm(spool, { recursive: true, force: true }));
  try {
    const pid = Number((await readFile(join(influxd.dir, 'influxd.pid'), 'utf8')).trim());
    ctx.say(`InfluxDB: ${n} points, batches of ${BATCH}, ${reps} rounds`);
    // A warm-up round on its own databases: the first writes into a new server pay for its start.
    await rawRun(influxd, bodies.slice(0, 4), 'warm_raw', 4 * BATCH, pid);
    await writerRun(influxd, points.slice(0, 4 * BATCH), 'warm_writer', join(spool, 'warm'), pid);
    const raw: RunFigures[] = [];
    const writer: RunFigures[] = [];
    for (let r = 0; r < reps; r++) {
      // Alternate the order so that neither side always writes into a busier server.
      if (r % 2 === 0) {
        raw.push(await rawRun(influxd, bodies, `raw_${r}`, n, pid));
        writer.push(await writerRun(influxd, points, `writer_${r}`, join(spool, String(r)), pid));
      } else {
        writer.push(await writerRun(influxd, points, `writer_${r}`, join(spool, String(r)), pid));
        raw.push(await rawRun(influxd, bodies, `raw_${r}`, n, pid));
      }
    }
    // Both sides stored every point.
    const stored = { raw: await countPoints(influxd, 'raw_0', 'raw'), writer: await countPoints(influxd, 'writer_0', 'raw') };
    const rawPps = median(raw.map((r) => r.pointsPerS));
    const writerPps = median(writer.map((r) => r.pointsPerS));
    // influxd's speed drifts as its databases fill: each round's two runs, back to back, make one ratio.
    const shares = raw.map((r, i) => writer[i]!.pointsPerS / r.pointsPerS);
    const share = median(shares);
    return {
      rows: [
        {
          section: 'influx',
          measure: `InfluxDB writes, ${n.toLocaleString('en')} points`,
          merezha: `writer: ${Math.round(writerPps).toLocaleString('en')} points/s (stored ${stored.writer})`,
          peer: `raw POSTs of ${BATCH}: ${Math.round(rawPps).toLocaleString('en')} points/s (stored ${stored.raw})`,
          ratio: `${round(share * 100, 1)}% of raw (median of ${reps} paired rounds)`,
          target: '≥ 80% of raw',
          met: share >= 0.8 && stored.writer === n && stored.raw === n,
        },
      ],
      details: {
        points: n,
        batch: BATCH,
        rounds: reps,
        raw,
        writer,
        stored,
        raw_pps_median: rawPps,
        writer_pps_median: writerPps,
        shares_by_round: shares.map((x) => round(x, 3)),
        share,
      },
    };
  } finally {
    await removeSpool();
    await stopInfluxd();
  }
}
