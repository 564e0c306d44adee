/**
 * A real influxd for integration tests: managed-influxd in a temp dir on free
 * loopback ports, without auth (test/integration/store-auth.test.ts covers that). stop()/start() take it away and bring it back on the same
 * port and data (an outage); dispose() stops it and removes the temp dir.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../common/log.ts';
import { retentionPolicyOf } from '../../storage/influx-setup.ts';
import { startManagedInfluxd } from '../../storage/managed-influxd.ts';
import type { MeasurementName } from '../../storage/measurements.ts';
import { measurementSpec, tagNamesOf } from '../../storage/point-check.ts';
import type { FieldValue, Point } from '../../storage/point.ts';
import type { InfluxWriterOptions } from '../../storage/writer.ts';
import { runInfluxQL, type Row } from '../../storage/influx-query.ts';
import { authorizationHeader, type InfluxLogin } from '../../storage/influx-client.ts';
import { freeTcpPorts } from './ports.ts';

export type { Row };

export interface TestInfluxd {
  url: string;
  port: number;
  dir: string;
  /** Starts it again after stop(), on the same port and data. */
  start(): Promise<void>;
  /** Stops the process and waits for it to go; the data stays. */
  stop(): Promise<void>;
  /** Stops it and removes its temp dir. Safe to call more than once. */
  dispose(): Promise<void>;
  /** Runs InfluxQL; one row per value row, with the series' tags merged in and time in ms. */
  query(influxql: string, db?: string): Promise<Row[]>;
}

/** `login`: for a managed influxd with auth, such as the one `merezha start` runs. */
export function queryInflux(url: string, influxql: string, db?: string, login?: InfluxLogin): Promise<Row[]> {
  return runInfluxQL(url, influxql, {
    ...(db === undefined ? {} : { database: db }),
    ...(login === undefined ? {} : { headers: authorizationHeader(login) }),
  });
}

export async function startTestInfluxd(): Promise<TestInfluxd> {
  const dir = await mkdtemp(join(tmpdir(), 'merezha-influxd-'));
  try {
    const [httpPort, rpcPort] = await freeTcpPorts(2);
    const managed = await startManagedInfluxd({ dir, httpPort, rpcPort, log: silentLogger(), stopTimeoutMs: 5_000, auth: false });
    return {
      url: managed.url,
      port: managed.httpPort,
      dir,
      start: () => managed.restart(),
      stop: () => managed.stop(),
      async dispose() {
        await managed.stop();
        await rm(dir, { recursive: true, force: true });
      },
      query: (influxql, db) => queryInflux(managed.url, influxql, db),
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

const DAY_MS = 86_400_000;

/** Writer options for tests: small batches, quick flushes and reconnects, the minimum retention. */
export function testWriterOptions(
  url: string,
  database: string,
  spoolDir: string,
  overrides: Partial<InfluxWriterOptions> = {},
): InfluxWriterOptions {
  return {
    url,
    database,
    spoolDir,
    spoolMaxBytes: 10 * 1024 * 1024,
    batchSize: 1000,
    flushIntervalMs: 50,
    retention: { rawMs: 30 * DAY_MS, rollupMs: 730 * DAY_MS },
    reconnect: { initialMs: 50, maxMs: 400 },
    requestTimeoutMs: 5_000,
    log: silentLogger(),
    ...overrides,
  };
}

/** Orders points by time, then series, so that two lists can be compared whatever order they came in. */
export function sortPoints(points: Point[]): Point[] {
  const key = (p: Point) => JSON.stringify([p.time, p.measurement, Object.entries(p.tags).sort()]);
  return [...points].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** Reads a measurement's raw points back from its retention policy as Points (sorted). */
export async function readPoints(influxd: TestInfluxd, database: string, measurement: MeasurementName, where = ''): Promise<Point[]> {
  const spec = measurementSpec(measurement);
  const tagNames = tagNamesOf(measurement);
  const rows = await influxd.query(
    `SELECT * FROM "${database}"."${retentionPolicyOf(measurement)}"."${measurement}" ${where} GROUP BY *`,
    database,
  );
  return sortPoints(
    rows.map((row) => {
      const tags: Record<string, string> = {};
      const fields: Record<string, FieldValue> = {};
      for (const [key, value] of Object.entries(row)) {
        // GROUP BY * shows tags a series lacks as "".
        if (tagNames.includes(key) && typeof value === 'string' && value !== '') tags[key] = value;
        else if (key in spec.fields && value !== null) fields[key] = value;
      }
      return { measurement, tags, fields, time: row.time as number };
    }),
  );
}

/** Polls until the condition holds; never a fixed sleep. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function answersPing(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1_000) })).status === 204;
  } catch {
    return false;
  }
}
