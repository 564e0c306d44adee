/**
 * 7. The yearly report for 500 devices (test/support/report-year.ts: 100
 * villages, a year of 5-minute rollups, about 63 million points) against its
 * floor: the bare read of exactly the rollups and events it needs, that is
 * the queries the report itself recorded, run against the same influxd with
 * the same concurrency, their answers parsed into rows and nothing computed
 * on them. Report and floor take turns, so that both see the same machine;
 * each figure is the median of a few runs after one warm-up of each.
 */
import { mapLimit } from '../common/map-limit.ts';
import { buildInventory } from '../server/inventory.ts';
import { buildReport, yearRange } from '../server/report/index.ts';
import { REPORT_CONCURRENCY } from '../server/report/read.ts';
import { influxQuery, type Query } from '../storage/influx-query.ts';
import { startTestInfluxd } from '../test/support/influxd.ts';
import { seedReportYear } from '../test/support/report-year.ts';
import type { BenchContext, SectionResult } from './types.ts';
import { defer } from './lib/cleanup.ts';
import { median, round } from './lib/util.ts';

const DATABASE = 'report_bench';
const TIME_ZONE = 'Europe/Kyiv';
const RUNS = 3;
const TARGET_RATIO = 2;

/** The floor: every query the report ran, as it ran them, answers read and parsed, nothing computed. */
export async function readFloor(query: Query, queries: readonly { influxql: string }[]): Promise<number> {
  const started = performance.now();
  await mapLimit(queries, REPORT_CONCURRENCY, (q) => query(q.influxql));
  return (performance.now() - started) / 1000;
}

export async function runReport(ctx: BenchContext): Promise<SectionResult> {
  const influxd = await startTestInfluxd();
  const stopInfluxd = defer('influxd', () => influxd.dispose());
  try {
    // Last year: whole, and inside the rollups' retention.
    const range = yearRange(new Date().getUTCFullYear() - 1, TIME_ZONE);
    ctx.say('Report: writing a year of 5-minute rollups for 500 devices (a few minutes)');
    const seeded = await seedReportYear(influxd.url, DATABASE, range, TIME_ZONE);
    ctx.say(`  ${seeded.points.toLocaleString('en')} rollup points written in ${round(seeded.writeS, 0)} s`);
    const query = influxQuery({ url: influxd.url, database: DATABASE, requestTimeoutMs: 300_000 });
    const inventory = buildInventory(seeded.config);
    const report = async () => {
      const started = performance.now();
      const data = await buildReport({ query, config: seeded.config, inventory, range, now: Date.now() });
      return { seconds: (performance.now() - started) / 1000, data };
    };
    const reportS: number[] = [];
    const floorS: number[] = [];
    let last = await report();
    await readFloor(query, last.data.queries);
    for (let i = 1; i <= RUNS; i++) {
      floorS.push(await readFloor(query, last.data.queries));
      last = await report();
      reportS.push(last.seconds);
      ctx.say(`  run ${i}: report ${round(last.seconds, 2)} s, floor ${round(floorS.at(-1)!, 2)} s`);
    }
    const seconds = median(reportS);
    const floor = median(floorS);
    const ratio = seconds / floor;
    const devices = last.data.devices.length;
    return {
      rows: [
        {
          section: 'report',
          measure: `Yearly report, ${devices} devices in ${seeded.config.villages.length} villages (${last.data.queries.length} queries over ${round(seeded.points / 1e6, 1)} M rollup points; median of ${RUNS})`,
          merezha: `${round(seconds, 2)} s (${reportS.map((s) => round(s, 2)).join(', ')})`,
          peer: `its floor, the same queries read and parsed: ${round(floor, 2)} s`,
          ratio: `${round(ratio, 2)}× the floor`,
          target: `≤ ${TARGET_RATIO}× the floor`,
          met: ratio <= TARGET_RATIO,
        },
      ],
      details: {
        devices,
        seconds: round(seconds, 2),
        floor_seconds: round(floor, 2),
        ratio: round(ratio, 2),
        runs_s: reportS.map((s) => round(s, 2)),
        floor_runs_s: floorS.map((s) => round(s, 2)),
        queries: last.data.queries.length,
        points: seeded.points,
        write_s: round(seeded.writeS, 0),
      },
    };
  } finally {
    await stopInfluxd();
  }
}
