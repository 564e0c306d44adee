/**
 * The backup drill, with real services: a hromada is monitored (a managed
 * influxd with auth, real pings to loopback, a device taken off the air with
 * nftables so there is an outage and alerts), a viewer and a maintenance
 * window are added; `merezha backup` runs while it does; the data folder and
 * the config are destroyed; `merezha restore` brings them back and Merezha
 * starts again on them. Everything before the backup must be as it was: the
 * points of every measurement, the outages, the alert log, the users (the
 * viewer signs in with the old password) and the yearly report.
 *
 * Then what a restore must refuse, changing nothing (a damaged archive, a
 * foreign one, a running Merezha), and the daily schedule with its retention.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleBackups } from '../../app/backup/schedule.ts';
import { startStack, type Stack } from '../../app/stack.ts';
import { backupsResponse, healthResponse } from '../../common/api.ts';
import { silentLogger } from '../../common/log.ts';
import { loadConfig } from '../../config/load.ts';
import type { Config } from '../../config/schema.ts';
import { BackupLedger, listArchives } from '../../server/backups.ts';
import { buildInventory } from '../../server/inventory.ts';
import { buildReport, yearRange } from '../../server/report/index.ts';
import { localDayAt, localTime, zonedTimeToUtc } from '../../common/timezone.ts';
import { influxQuery, type Query } from '../../storage/influx-query.ts';
import { ROLLUP_MS } from '../../storage/influx-setup.ts';
import { readManagedLogin, readRememberedPorts } from '../../storage/managed-influxd.ts';
import { LOOPBACK } from '../../storage/ports.ts';
import { startTestInfluxd, waitFor } from '../support/influxd.ts';
import { NftDropper, nftUnavailable } from '../support/nft.ts';
import { freeTcpPort } from '../support/ports.ts';

const BIN = new URL('../../bin/merezha.mjs', import.meta.url).pathname;
const noNft = nftUnavailable();
const net = `127.${150 + Math.floor(Math.random() * 50)}.${1 + Math.floor(Math.random() * 250)}`;
const host = (n: number) => `${net}.${n}`;
const ADMIN_PASSWORD = 'drill-admin-password-1';
/** The drill's first two steps take about 15 s; this leaves room for a busy machine. */
const DRILL_MS = 75_000;
const VIEWER_PASSWORD = 'old-viewer-password-2';

let dir: string;
let dataDir: string;
let backupDir: string;
let configPath: string;
let stack: Stack | undefined;
let dropper: NftDropper | undefined;

async function cli(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['--openssl-legacy-provider', BIN, ...args], {
    env: { ...process.env, MEREZHA_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (err += d));
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  return { code, out, err };
}

const start = async (): Promise<Stack> =>
  (stack = await startStack({
    config: loadConfig(configPath),
    configFile: configPath,
    log: silentLogger(),
    version: 'test',
    adminPassword: ADMIN_PASSWORD,
  }));

const stop = async () => {
  await stack?.stop();
  stack = undefined;
};

/** The managed influxd's database, with its admin login, while a stack runs on it. */
async function database(): Promise<Query> {
  const login = await readManagedLogin(join(dataDir, 'influxdb'));
  const ports = await readRememberedPorts(join(dataDir, 'influxdb'));
  return influxQuery({ url: `http://${LOOPBACK}:${ports.http}`, database: 'merezha', ...login });
}

/** Field values per measurement and retention policy older than `before`: what a restore must give back. */
async function pointCounts(query: Query, before: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const measurements = (await query('SHOW MEASUREMENTS')).map((row) => String(row.name));
  for (const { name: rp } of await query('SHOW RETENTION POLICIES')) {
    for (const m of measurements) {
      for (const row of await query(`SELECT count(*) FROM "merezha"."${rp}"."${m}" WHERE time < ${before}ms`)) {
        const values = Object.entries(row).filter(([k]) => k.startsWith('count_'));
        counts[`${rp}.${m}`] = values.reduce((sum, [, v]) => sum + Number(v ?? 0), 0);
      }
    }
  }
  return counts;
}

async function api(path: string, cookie?: string): Promise<unknown> {
  const res = await fetch(new URL(path, stack!.url), { headers: cookie ? { cookie } : {} });
  expect(res.status, path).toBe(200);
  return res.json();
}

async function signIn(username: string, password: string): Promise<{ status: number; cookie: string }> {
  const res = await fetch(new URL('/api/session', stack!.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  return { status: res.status, cookie: (res.headers.getSetCookie()[0] ?? '').split(';')[0]! };
}

/** Every file under the folder with its size and hash, and the config's hash: "nothing changed" made checkable. */
function snapshot(): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) walk(full);
      else files[relative(dir, full)] = `${statSync(full).size}:${createHash('sha256').update(readFileSync(full)).digest('hex')}`;
    }
  };
  walk(dataDir);
  files.config = createHash('sha256').update(readFileSync(configPath)).digest('hex');
  return files;
}

beforeAll(async () => {
  if (noNft) return;
  dir = await mkdtemp(join(tmpdir(), 'merezha-backup-'));
  dataDir = join(dir, 'data');
  backupDir = join(dir, 'backups');
  configPath = join(dir, 'hromada.yaml');
  await writeFile(
    configPath,
    `hromada: { name: Дмитрівська сільська громада }
storage:
  managed_dir: ${join(dataDir, 'influxdb')}
  spool_dir: ${join(dataDir, 'spool')}
  flush_interval: 200ms
server: { data_dir: ${join(dataDir, 'server')}, port: ${await freeTcpPort()} }
polling:
  ping: { interval: 1s, count: 1, timeout: 300ms }
states: { down_after: 2, up_after: 2, recheck: 300ms }
backup: { dir: ${backupDir}, keep: 2 }
villages:
  - id: tsybuleve
    name: Цибулеве
    devices:
      - { id: tsybuleve-uplink, kind: uplink, host: ${host(1)} }
      - { id: tsybuleve-school, name: Цибулівська гімназія, kind: institution, category: school, host: ${host(10)}, parent: tsybuleve-uplink }
      - { id: tsybuleve-club, name: Сільський клуб, kind: institution, category: culture, host: ${host(12)}, parent: tsybuleve-uplink }
alerts:
  channels:
    - { id: journal, type: log }
  rules:
    - { on: [down, recovered], channels: [journal] }
`,
  );
}, 30_000);

afterAll(async () => {
  dropper?.dispose();
  await stop().catch(() => {});
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(noNft)('backup drill: collect, back up online, destroy, restore, start', () => {
  let before: { points: Record<string, number>; outages: unknown; alerts: unknown; report: unknown };
  let cutoff: number;
  let archive: string;

  it('backs up a running Merezha with an outage, its alerts, a viewer and a maintenance window', async () => {
    // The continuous queries add a 5-minute rollup (which the report reads) at each boundary: the drill, from the first
    // figures taken to the last compared, stays between two, or a rollup made after the backup would differ by right.
    const toBoundary = ROLLUP_MS - (Date.now() % ROLLUP_MS);
    if (toBoundary < DRILL_MS) await sleep(toBoundary + 3_000);
    const running = await start();
    await running.http.services.users.create({ username: 'viewer', password: VIEWER_PASSWORD, role: 'viewer' });
    await running.dashboard.maintenance.add(
      { devices: ['tsybuleve-club'], villages: [], services: [], minutes: 600, note: 'ремонт' },
      'admin',
    );
    await waitFor('first pings stored', async () => (await pointCounts(await database(), Date.now()))['raw.ping']! > 3, 20_000);

    dropper = new NftDropper();
    dropper.drop(host(10));
    const alerted = () => running.monitor.alerts.records().some((r) => r.event === 'down' && r.device?.id === 'tsybuleve-school');
    await waitFor('the school down and alerted', alerted, 20_000);
    dropper.dispose();
    await waitFor(
      'the school back',
      () => running.monitor.alerts.records().some((r) => r.event === 'recovered' && r.device?.id === 'tsybuleve-school'),
      20_000,
    );
    // The cut-off lies after the outage, and far enough back that no point older than it is still on its way.
    await sleep(2_500);
    cutoff = Date.now() - 1_500;
    await waitFor('everything written', () => running.writer.stats().pending === 0, 10_000);

    const admin = await signIn('admin', ADMIN_PASSWORD);
    const year = localTime(cutoff, 'Europe/Kyiv').year;
    const config = running.config;
    const reportOf = async () =>
      buildReport({
        query: await database(),
        config,
        inventory: buildInventory(config),
        range: yearRange(year, 'Europe/Kyiv'),
        now: cutoff,
      });
    const range = `from=${cutoff - 3_600_000}&to=${cutoff}`;
    before = {
      points: await pointCounts(await database(), cutoff),
      outages: await api(`/api/outages?${range}`, admin.cookie),
      alerts: await api(`/api/alerts?${range}`, admin.cookie),
      report: await reportOf(),
    };
    expect(before.points['raw.ping']).toBeGreaterThan(10);
    expect((before.outages as { outages: unknown[] }).outages.length).toBeGreaterThan(0);
    expect((before.alerts as { alerts: unknown[] }).alerts.length).toBeGreaterThan(1);

    const made = await cli('backup', '--config', configPath);
    expect(made.err).toBe('');
    expect(made.code).toBe(0);
    const archives = await listArchives(backupDir);
    expect(archives).toHaveLength(1);
    archive = join(backupDir, archives[0]!.file);
    expect(made.out).toContain(archive);
    expect(statSync(archive).mode & 0o777).toBe(0o600);

    // The running server sees the backup the CLI made.
    const health = healthResponse.parse(await api('/api/health'));
    expect(health.last_backup).toEqual({ time: expect.any(Number), bytes: archives[0]!.bytes });
    const overview = backupsResponse.parse(await api('/api/backups', admin.cookie));
    expect(overview.schedule).toEqual({ dir: backupDir, time: '03:30', keep: 2 });
    expect(overview.archives.map((a) => a.file)).toEqual([archives[0]!.file]);
    expect((await fetch(new URL('/api/backups', stack!.url))).status).toBe(401);

    await stop();
  }, 200_000);

  it('restores onto a destroyed installation, and Merezha starts with the same past', async () => {
    await rm(dataDir, { recursive: true, force: true });
    await rm(configPath);
    const restored = await cli('restore', archive, '--config', configPath);
    expect(restored.err).toBe('');
    expect(restored.code).toBe(0);
    expect(restored.out).toContain('restored "Дмитрівська сільська громада"');
    expect(existsSync(join(dataDir, 'server', 'sessions.json'))).toBe(false);

    const running = await start();
    const admin = await signIn('admin', ADMIN_PASSWORD);
    expect(admin.status).toBe(200);
    expect((await signIn('viewer', VIEWER_PASSWORD)).status).toBe(200);
    expect((await signIn('viewer', 'not-the-password')).status).toBe(401);
    expect(running.dashboard.maintenance.list().map((w) => w.note)).toEqual(['ремонт']);

    const range = `from=${cutoff - 3_600_000}&to=${cutoff}`;
    expect(await pointCounts(await database(), cutoff)).toEqual(before.points);
    expect(await api(`/api/outages?${range}`, admin.cookie)).toEqual(before.outages);
    expect(await api(`/api/alerts?${range}`, admin.cookie)).toEqual(before.alerts);
    const year = localTime(cutoff, 'Europe/Kyiv').year;
    const config = running.config;
    const report = await buildReport({
      query: await database(),
      config,
      inventory: buildInventory(config),
      range: yearRange(year, 'Europe/Kyiv'),
      now: cutoff,
    });
    expect(report).toEqual(before.report);
  }, 120_000);

  it('refuses a running Merezha, a damaged archive and a foreign one, changing nothing', async () => {
    expect(stack).toBeDefined();
    const whileRunning = await cli('restore', archive, '--config', configPath);
    expect(whileRunning.code).toBe(1);
    expect(whileRunning.err).toMatch(/Merezha is running \(it answers at http:\/\/127\.0\.0\.1:\d+\/api\/health\).*\nnothing was changed/s);
    await stop();

    const stopped = snapshot();
    // One byte changed deep inside: gzip's CRC or the manifest's checksums must catch it.
    const bytes = await readFile(archive);
    bytes[Math.floor(bytes.length * 0.6)]! ^= 0xff;
    const damaged = join(dir, 'damaged.tar.gz');
    await writeFile(damaged, bytes);
    const refusedDamaged = await cli('restore', damaged, '--config', configPath);
    expect(refusedDamaged.code).toBe(1);
    expect(refusedDamaged.err).toMatch(/damaged|not a readable/);

    const foreign = join(dir, 'foreign.tar.gz');
    await mkdir(join(dir, 'foreign'));
    await writeFile(join(dir, 'foreign', 'manifest.json'), JSON.stringify({ format: 'something-else' }));
    const packed = await new Promise<number | null>((done) =>
      spawn('tar', ['-czf', foreign, '-C', join(dir, 'foreign'), 'manifest.json']).once('exit', done),
    );
    expect(packed).toBe(0);
    const refusedForeign = await cli('restore', foreign, '--config', configPath);
    expect(refusedForeign.code).toBe(1);
    expect(refusedForeign.err).toContain('is not a Merezha backup');

    expect(Object.keys(stopped).length).toBeGreaterThan(5);
    expect(snapshot()).toEqual(stopped);
    expect(Object.keys(stopped).filter((f) => f.includes('before-restore'))).toEqual([]);
  }, 120_000);

  it('restores over an installation, keeping what it replaced aside and the config file its mode', async () => {
    await chmod(configPath, 0o640);
    const restored = await cli('restore', archive, '--config', configPath);
    expect(restored.code).toBe(0);
    expect(statSync(configPath).mode & 0o777).toBe(0o640);
    const aside = (await readdir(dataDir)).filter((f) => f.startsWith('influxdb.before-restore-'));
    expect(aside).toHaveLength(1);
    expect(restored.out).toContain(join(dataDir, aside[0]!));
    expect(existsSync(`${configPath}.${aside[0]!.split('.')[1]}`)).toBe(true);
  }, 60_000);

  it('makes the daily backup on schedule and keeps the newest backup.keep archives', async () => {
    const running = await start();
    const config: Config = running.config;
    // Two older archives of this folder and a file of someone else's, which retention must leave alone.
    const older = ['merezha-backup-20200101-033000.tar.gz', 'merezha-backup-20200102-033000.tar.gz'];
    for (const name of [...older, 'notes.txt']) await writeFile(join(backupDir, name), 'x');
    const login = await readManagedLogin(join(dataDir, 'influxdb'));
    const ports = await readRememberedPorts(join(dataDir, 'influxdb'));
    // A clock two seconds before 03:30 in Kyiv, today.
    const today = localTime(Date.now(), 'Europe/Kyiv');
    const target = zonedTimeToUtc({ year: today.year, month: today.month, day: today.day, hour: 3, minute: 30 }, 'Europe/Kyiv');
    const shift = target - 2_000 - Date.now();
    const ledger = BackupLedger.of(config.server.data_dir);
    const lastBefore = ledger.read().last;
    const schedule = scheduleBackups({
      config,
      configFile: configPath,
      database: {
        connection: { url: `http://${LOOPBACK}:${ports.http}`, database: 'merezha', ...login },
        rpcAddress: `${LOOPBACK}:${ports.rpc}`,
      },
      version: 'test',
      log: silentLogger(),
      now: () => Date.now() + shift,
    })!;
    try {
      expect(schedule.nextAt).toBe(target);
      await waitFor('the scheduled backup', () => ledger.read().last?.time !== lastBefore?.time, 30_000);
    } finally {
      await schedule.stop();
    }
    const names = (await readdir(backupDir)).sort();
    expect(names).toContain('notes.txt');
    const kept = names.filter((n) => n.startsWith('merezha-backup-'));
    // The drill's archive and the new one; both of 2020 deleted.
    expect(kept).toHaveLength(2);
    expect(kept.some((n) => older.includes(n))).toBe(false);
    // Tomorrow's 03:30: 23 or 25 hours on when the clocks change overnight.
    expect(schedule.nextAt).toBe(localDayAt(today, 1, 3, 30, 'Europe/Kyiv'));
  }, 120_000);
});

describe("restore into an InfluxDB of the operator's", () => {
  it('refuses while its database holds data, and restores once the database is gone', async () => {
    const influxd = await startTestInfluxd();
    const own = await mkdtemp(join(tmpdir(), 'merezha-backup-external-'));
    try {
      const { rpc } = await readRememberedPorts(influxd.dir);
      const config = join(own, 'hromada.yaml');
      await writeFile(
        config,
        `hromada: { name: Тестова громада }
storage:
  influx: { url: "${influxd.url}", database: hromada, rpc_address: "127.0.0.1:${rpc}" }
  spool_dir: ${join(own, 'spool')}
  managed_dir: ${join(own, 'influxdb')}
server: { data_dir: ${join(own, 'server')}, port: ${await freeTcpPort()} }
villages:
  - { id: v, name: Село, devices: [{ id: school, kind: institution, category: school, host: ${host(20)} }] }
`,
      );
      const before = await cli('backup', '--config', config, '--out', join(own, 'none.tar.gz'));
      expect(before.code).toBe(1);
      expect(before.err).toContain('the database "hromada" does not exist yet: start Merezha once');
      expect(existsSync(join(own, 'none.tar.gz'))).toBe(false);
      await influxd.query('CREATE DATABASE hromada');
      // A fresh installation: a database without a point, which influxd 1.6 cannot restore by itself.
      const empty = join(own, 'empty.tar.gz');
      expect((await cli('backup', '--config', config, '--out', empty)).code).toBe(0);
      const restoredEmpty = await cli('restore', empty, '--config', config);
      expect(restoredEmpty.err).toBe('');
      expect(restoredEmpty.code).toBe(0);
      await influxd.query('CREATE DATABASE hromada');
      const lines = Array.from({ length: 50 }, (_, i) => `ping,device=school reachable=1i ${1_700_000_000_000 + i * 10_000}`).join('\n');
      const written = await fetch(`${influxd.url}/write?db=hromada&precision=ms`, { method: 'POST', body: lines });
      expect(written.status).toBe(204);
      const count = async () => Number((await influxd.query('SELECT count(reachable) FROM ping', 'hromada'))[0]?.count ?? 0);
      expect(await count()).toBe(50);

      const archive = join(own, 'hromada.tar.gz');
      const made = await cli('backup', '--config', config, '--out', archive);
      expect(made.err).toBe('');
      expect(made.code).toBe(0);

      const refused = await cli('restore', archive, '--config', config);
      expect(refused.code).toBe(1);
      expect(refused.err).toContain('the database "hromada" at');
      expect(refused.err).toContain('already holds data');
      expect(await count()).toBe(50);

      // The InfluxDB is set up anew, empty, at the same address.
      await influxd.stop();
      for (const part of ['data', 'meta', 'wal']) await rm(join(influxd.dir, part), { recursive: true, force: true });
      await influxd.start();
      expect((await influxd.query('SHOW DATABASES')).map((row) => row.name)).not.toContain('hromada');

      const restored = await cli('restore', archive, '--config', config);
      expect(restored.err).toBe('');
      expect(restored.code).toBe(0);
      expect(await count()).toBe(50);
    } finally {
      await influxd.dispose();
      await rm(own, { recursive: true, force: true });
    }
  }, 120_000);
});
