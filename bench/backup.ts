/**
 * 7. Backup and restore of the demo hromada after a day of history.
 *
 * The demo runs as `npm start` runs it (its simulated devices polled for
 * real, its simulated past since the start of the year, the managed influxd
 * with auth) for a minute; the raw points of that minute are copied back
 * over the 24 hours before it (round trips and traffic varied by up to 10 %,
 * as a real day's are), and the day's 5-minute rollups computed, so
 * the database holds what a day of the demo writes. Then `merezha backup`'s
 * code runs online, the stack stops, and the archive is restored onto an
 * empty folder. The peer: what a backup by hand would be, `tar -czf` of the
 * stopped influxd's meta/data/wal folders, and `tar -xzf` of that archive.
 */
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeBackup } from '../app/backup/backup.ts';
import { restoreBackup } from '../app/backup/restore.ts';
import { random } from '../app/demo-history.ts';
import { startStack } from '../app/stack.ts';
import { silentLogger } from '../common/log.ts';
import { scenarioFromConfig } from '../simulator/index.ts';
import { authorizationHeader, connectionTo, createInfluxClient } from '../storage/influx-client.ts';
import { influxQuery, type Row } from '../storage/influx-query.ts';
import { recomputeRollups, retentionPolicyOf } from '../storage/influx-setup.ts';
import { toLines } from '../storage/line-protocol.ts';
import { readManagedLogin, readRememberedPorts } from '../storage/managed-influxd.ts';
import { MEASUREMENTS, type MeasurementName } from '../storage/measurements.ts';
import { tagNamesOf } from '../storage/point-check.ts';
import type { Point } from '../storage/point.ts';
import { LOOPBACK } from '../storage/ports.ts';
import { demoConfigOnFreeAddresses, EXAMPLE_CONFIG } from '../test/support/stack.ts';
import { defer } from './lib/cleanup.ts';
import { round, runCommand, sleep } from './lib/util.ts';
import type { BenchContext, SectionResult } from './types.ts';

const DAY_MS = 86_400_000;
const BATCH = 5_000;

/** A row of `SELECT *` back into a point of `measurement`. */
function pointOf(measurement: MeasurementName, row: Row): Point {
  const tags: Record<string, string> = {};
  for (const tag of tagNamesOf(measurement)) if (typeof row[tag] === 'string' && row[tag] !== '') tags[tag] = row[tag] as string;
  const fields: Point['fields'] = {};
  for (const field of Object.keys(MEASUREMENTS[measurement].fields)) {
    const value = row[field];
    if (value !== null && value !== undefined) fields[field] = value as number | string;
  }
  return { measurement, tags, fields, time: row.time as number };
}

/**
 * The copy's measured values moved by up to ±10 %, as a day's round trips and
 * traffic move: identical copies would compress far better than a real day.
 */
function varied(measurement: MeasurementName, fields: Point['fields'], noise: () => number): Point['fields'] {
  const spec = MEASUREMENTS[measurement].fields as Record<string, { type: string }>;
  const out: Point['fields'] = { ...fields };
  for (const [name, value] of Object.entries(fields)) {
    if (spec[name]?.type === 'float' && typeof value === 'number') out[name] = Math.round(value * (0.9 + noise() * 0.2) * 1000) / 1000;
  }
  return out;
}

const mb = (bytes: number) => round(bytes / 1024 ** 2, 1);

export async function runBackup(ctx: BenchContext): Promise<SectionResult> {
  const home = process.cwd();
  const root = await mkdtemp(join(tmpdir(), 'merezha-bench-backup-'));
  const release = defer('backup temp dir', async () => {
    process.chdir(home);
    await rm(root, { recursive: true, force: true });
  });
  // The demo's paths are relative (./data/…), as in a checkout: here they are inside the temp dir.
  const installed = join(root, 'installed');
  const restored = join(root, 'restored');
  await mkdir(installed);
  await mkdir(restored);
  process.chdir(installed);

  const config = { ...(await demoConfigOnFreeAddresses()), backup: undefined };
  const runSeconds = ctx.quick ? 30 : 60;
  ctx.say(`the demo hromada for ${runSeconds} s, with its simulated past`);
  const stack = await startStack({
    config,
    log: silentLogger(),
    version: 'bench',
    simulate: scenarioFromConfig(config),
    demoHistory: true,
    port: 0,
    adminPassword: 'bench-admin-password',
  });
  const stopStack = defer('backup stack', () => stack.stop());
  const windowStart = Date.now();
  await sleep(runSeconds * 1000);
  const windowEnd = Date.now();

  const managedDir = join(installed, 'data', 'influxdb');
  const login = await readManagedLogin(managedDir);
  const { http, rpc } = await readRememberedPorts(managedDir);
  const url = `http://${LOOPBACK}:${http}`;
  const connection = connectionTo(config, url, login);
  const query = influxQuery(connection);

  ctx.say('copying the minute of raw points over the day before it');
  const window = windowEnd - windowStart;
  let written = 0;
  const noise = random(42);
  for (const measurement of Object.keys(MEASUREMENTS) as MeasurementName[]) {
    if (retentionPolicyOf(measurement) !== 'raw') continue;
    const rows = await query(
      `SELECT * FROM "${connection.database}"."raw"."${measurement}" WHERE time >= ${windowStart}ms AND time < ${windowEnd}ms`,
    );
    const points = rows.map((row) => pointOf(measurement, row));
    let batch: Point[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const res = await fetch(`${url}/write?db=${connection.database}&rp=raw&precision=ms`, {
        method: 'POST',
        headers: authorizationHeader(connection),
        body: toLines(batch),
      });
      if (res.status !== 204) throw new Error(`write: HTTP ${res.status} ${await res.text()}`);
      written += batch.length;
      batch = [];
    };
    for (let k = 1; k * window <= DAY_MS; k++) {
      for (const p of points) {
        batch.push({ ...p, fields: varied(measurement, p.fields, noise), time: p.time - k * window });
        if (batch.length >= BATCH) await flush();
      }
    }
    await flush();
  }
  await recomputeRollups(createInfluxClient(connection), connection.database, windowEnd - DAY_MS, windowEnd);
  ctx.say(`${written.toLocaleString('en')} raw points written over the day`);

  const archive = join(root, 'demo.tar.gz');
  const backup = await makeBackup({
    config,
    configFile: EXAMPLE_CONFIG,
    database: { connection, rpcAddress: `${LOOPBACK}:${rpc}` },
    out: archive,
    version: 'bench',
    log: silentLogger(),
  });
  ctx.say(`backup: ${mb(backup.bytes)} MB in ${round(backup.tookMs / 1000, 2)} s`);
  await stopStack();

  const peerArchive = join(root, 'peer.tar.gz');
  const peerStart = performance.now();
  const peer = await runCommand('tar', ['-czf', peerArchive, '-C', managedDir, 'meta', 'data', 'wal']);
  if (peer.code !== 0) throw new Error(`tar: ${peer.stderr}`);
  const peerMs = performance.now() - peerStart;
  const peerBytes = (await stat(peerArchive)).size;
  const peerRestoreDir = join(root, 'peer-restored');
  await mkdir(peerRestoreDir);
  const peerRestoreStart = performance.now();
  const unpacked = await runCommand('tar', ['-xzf', peerArchive, '-C', peerRestoreDir]);
  if (unpacked.code !== 0) throw new Error(`tar -x: ${unpacked.stderr}`);
  const peerRestoreMs = performance.now() - peerRestoreStart;

  process.chdir(restored);
  const restore = await restoreBackup({
    archive,
    configFile: join(restored, 'hromada.yaml'),
    busy: async () => undefined,
    log: silentLogger(),
  });
  ctx.say(`restore: ${round(restore.tookMs / 1000, 2)} s`);
  await release();

  const ratio = (a: number, b: number) => `${round(a / b, 2)}×`;
  return {
    rows: [
      {
        section: 'backup',
        measure: 'Backup of the demo after a day, online: size',
        merezha: `${mb(backup.bytes)} MB`,
        peer: `${mb(peerBytes)} MB (tar -czf of the stopped influxd)`,
        ratio: ratio(backup.bytes, peerBytes),
        target: '—',
        met: null,
      },
      {
        section: 'backup',
        measure: 'Backup of the demo after a day, online: time',
        merezha: `${round(backup.tookMs / 1000, 2)} s`,
        peer: `${round(peerMs / 1000, 2)} s`,
        ratio: ratio(backup.tookMs, peerMs),
        target: '—',
        met: null,
      },
      {
        section: 'backup',
        measure: 'Restore onto an empty installation: time',
        merezha: `${round(restore.tookMs / 1000, 2)} s`,
        peer: `${round(peerRestoreMs / 1000, 2)} s (tar -xzf)`,
        ratio: ratio(restore.tookMs, peerRestoreMs),
        target: '—',
        met: null,
      },
    ],
    details: {
      run_seconds: runSeconds,
      raw_points_written: written,
      measurements: backup.manifest.measurements,
      archive_bytes: backup.bytes,
      backup_ms: backup.tookMs,
      restore_ms: restore.tookMs,
      peer: { bytes: peerBytes, backup_ms: round(peerMs), restore_ms: round(peerRestoreMs) },
    },
  };
}
