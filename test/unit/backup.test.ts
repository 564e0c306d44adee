/**
 * The parts of backups that need no influxd: when the daily backup runs, what
 * the ledger reports to /api/health, and what an archive must be before a
 * restore trusts it (the drill with real services is in
 * test/integration/backup.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ArchiveError,
  describeFiles,
  FORMAT,
  FORMAT_VERSION,
  packArchive,
  unpackArchive,
  type Manifest,
} from '../../app/backup/archive.ts';
import { CATCH_UP_MS, DailyBackups, firstBackupAt, nextBackupAt } from '../../app/backup/schedule.ts';
import { silentLogger } from '../../common/log.ts';
import { zonedTimeToUtc } from '../../common/timezone.ts';
import { archiveName, BackupLedger, timeStamp } from '../../server/backups.ts';
import { testConfig } from '../support/config.ts';

const KYIV = 'Europe/Kyiv';
const kyiv = (year: number, month: number, day: number, hour: number, minute: number) =>
  zonedTimeToUtc({ year, month, day, hour, minute }, KYIV);
const HOUR = 3_600_000;

describe('when the daily backup runs', () => {
  it('is at backup.time today while that is ahead, else tomorrow', () => {
    expect(nextBackupAt(kyiv(2026, 12, 5, 1, 0), '03:30', KYIV)).toBe(kyiv(2026, 12, 5, 3, 30));
    expect(nextBackupAt(kyiv(2026, 12, 5, 3, 30), '03:30', KYIV)).toBe(kyiv(2026, 12, 6, 3, 30));
    expect(nextBackupAt(kyiv(2026, 12, 31, 23, 0), '03:30', KYIV)).toBe(kyiv(2027, 1, 1, 3, 30));
  });

  it('follows the hromada’s clock across daylight saving time, not the machine’s', () => {
    // Kyiv moves to summer time at 03:00 on the last Sunday of March 2027 (the 28th): that day is 23 hours long.
    const saturday = nextBackupAt(kyiv(2027, 3, 27, 1, 0), '05:00', KYIV);
    const sunday = nextBackupAt(saturday, '05:00', KYIV);
    expect(new Date(saturday).toISOString()).toBe('2027-03-27T03:00:00.000Z');
    expect(new Date(sunday).toISOString()).toBe('2027-03-28T02:00:00.000Z');
    expect(sunday - saturday).toBe(23 * HOUR);
    // 03:30 does not exist that night: it is read as the hour before the jump, so the backup still runs once.
    expect(new Date(nextBackupAt(saturday, '03:30', KYIV)).toISOString()).toBe('2027-03-28T01:30:00.000Z');
  });

  it('catches up soon after a start when the last good backup is over a day old, or there is none', () => {
    const now = kyiv(2026, 12, 5, 12, 0);
    expect(firstBackupAt(now, '03:30', KYIV, null)).toBe(now + CATCH_UP_MS);
    expect(firstBackupAt(now, '03:30', KYIV, now - 30 * HOUR)).toBe(now + CATCH_UP_MS);
    expect(firstBackupAt(now, '03:30', KYIV, now - 9 * HOUR)).toBe(kyiv(2026, 12, 6, 3, 30));
    // The set time first when it comes before the catch-up would.
    const early = kyiv(2026, 12, 5, 3, 25);
    expect(firstBackupAt(early, '03:30', KYIV, null)).toBe(kyiv(2026, 12, 5, 3, 30));
  });

  it('names archives by UTC time, so that names sort by age', () => {
    expect(archiveName(Date.UTC(2026, 11, 5, 1, 30, 7))).toBe('merezha-backup-20261205-013007.tar.gz');
    expect(timeStamp(Date.UTC(2027, 0, 1))).toBe('20270101-000000');
  });
});

describe('the daily backups of a running stack', () => {
  it('are planned anew when a reload changes backup:, and stop when it goes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'merezha-daily-'));
    try {
      const base = { villages: [{ id: 'v', name: 'V', devices: [] }], server: { data_dir: dir } };
      const at = (time: string) => testConfig({ ...base, backup: { dir: join(dir, 'backups'), time } });
      // A good backup an hour ago: no catch-up, the set time decides.
      await BackupLedger.of(dir).succeeded({ time: Date.now() - HOUR, bytes: 1, file: 'a', took_ms: 1 });
      const now = Date.now();
      const daily = new DailyBackups(at('03:30'), {
        configFile: join(dir, 'hromada.yaml'),
        database: { connection: { url: 'http://127.0.0.1:9', database: 'merezha' }, rpcAddress: '127.0.0.1:9' },
        version: 'test',
        log: silentLogger(),
      });
      expect(daily.nextAt).toBe(nextBackupAt(now, '03:30', KYIV));
      await daily.reconfigure(at('05:00'));
      expect(daily.nextAt).toBe(nextBackupAt(now, '05:00', KYIV));
      await daily.reconfigure(testConfig(base));
      expect(daily.nextAt).toBeUndefined();
      await daily.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the backup ledger in /api/health', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'merezha-ledger-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const config = (backup = true) =>
    testConfig({
      villages: [{ id: 'v', name: 'V', devices: [] }],
      server: { data_dir: '/nonexistent' },
      ...(backup ? { backup: { dir: '/nonexistent/backups' } } : {}),
    });
  const DAY = 24 * HOUR;

  it('has nothing to say without a schedule, or with a recent good backup', async () => {
    const ledger = BackupLedger.of(dir);
    const now = Date.UTC(2026, 11, 5);
    expect(ledger.problem(config(false), now, now - 10 * DAY)).toBeUndefined();
    await ledger.succeeded({ time: now - DAY, bytes: 10, file: 'a', took_ms: 5 });
    expect(ledger.problem(config(), now, now - 10 * DAY)).toBeUndefined();
    expect(ledger.read().last).toEqual({ time: now - DAY, bytes: 10, file: 'a', took_ms: 5 });
  });

  it('reports the last failure until a good backup follows it', async () => {
    const ledger = BackupLedger.of(dir);
    const now = Date.UTC(2026, 11, 5);
    await ledger.succeeded({ time: now - 2 * HOUR, bytes: 10, file: 'a', took_ms: 5 });
    await ledger.failed({ time: now - HOUR, message: 'influxd backup exited with 1: connection refused' });
    expect(ledger.problem(config(), now, now)).toBe('the last backup failed: influxd backup exited with 1: connection refused');
    await ledger.succeeded({ time: now, bytes: 10, file: 'b', took_ms: 5 });
    expect(ledger.problem(config(), now, now)).toBeUndefined();
  });

  it('reports a schedule that has made no backup for two days', async () => {
    const ledger = BackupLedger.of(dir);
    const now = Date.UTC(2026, 11, 5);
    expect(ledger.problem(config(), now, now - DAY)).toBeUndefined();
    expect(ledger.problem(config(), now, now - 3 * DAY)).toBe('no backup yet after 3 days of running');
    await ledger.succeeded({ time: now - 3 * DAY, bytes: 10, file: 'a', took_ms: 5 });
    expect(ledger.problem(config(), now, now - 9 * DAY)).toBe('no backup for 3 days (backup.time is 03:30 daily)');
  });

  it('reads a damaged ledger as empty rather than failing health', async () => {
    const ledger = BackupLedger.of(dir);
    await writeFile(ledger.file, '{ not json');
    expect(ledger.read()).toEqual({ last: null, failure: null });
  });
});

describe('what a restore trusts in an archive', () => {
  let dir: string;
  let content: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'merezha-archive-'));
    content = join(dir, 'content');
    await mkdir(join(content, 'config'), { recursive: true });
    await mkdir(join(content, 'influx'));
    await writeFile(join(content, 'config', 'hromada.yaml'), 'hromada: { name: Тест }\n');
    await writeFile(join(content, 'influx', 'x.manifest'), '{}');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const manifest = async (extra: Partial<Manifest> = {}): Promise<Manifest> => ({
    format: FORMAT,
    format_version: FORMAT_VERSION,
    merezha_version: '0.1.0',
    created: 1,
    took_ms: 1,
    hromada: 'Тест',
    config_file: '/etc/merezha/hromada.yaml',
    database: 'merezha',
    influx_version: '1.6.7~rc0',
    measurements: ['ping'],
    files: await describeFiles(content),
    ...extra,
  });
  const fresh = () => mkdtemp(join(dir, 'unpacked-'));
  /** A tar.gz of `folder` made by hand, as a damaged or foreign archive would be. */
  const tar = (out: string, folder: string, ...members: string[]) => {
    const result = spawnSync('tar', ['-czf', out, '-C', folder, ...members]);
    expect(result.status, String(result.stderr)).toBe(0);
  };

  it('reads back what it packed, checksums and all, as a private file', async () => {
    const out = join(dir, 'a.tar.gz');
    const written = await manifest();
    await packArchive(content, written, out);
    expect(await unpackArchive(out, await fresh())).toEqual(written);
  });

  it('refuses a file whose checksum does not match, and one the manifest does not name', async () => {
    const written = await manifest();
    await packArchive(content, written, join(dir, 'good.tar.gz'));
    await writeFile(join(content, 'config', 'hromada.yaml'), 'hromada: { name: Інша }\n');
    tar(join(dir, 'altered.tar.gz'), content, 'manifest.json', 'config', 'influx');
    await expect(unpackArchive(join(dir, 'altered.tar.gz'), await fresh())).rejects.toThrow(
      'config/hromada.yaml does not match its checksum in the manifest: the archive is damaged',
    );

    await writeFile(join(content, 'config', 'hromada.yaml'), 'hromada: { name: Тест }\n');
    await writeFile(join(content, 'extra.txt'), 'x');
    tar(join(dir, 'extra.tar.gz'), content, 'manifest.json', 'config', 'influx', 'extra.txt');
    await expect(unpackArchive(join(dir, 'extra.tar.gz'), await fresh())).rejects.toThrow(
      'holds files its manifest does not name (extra.txt)',
    );
  });

  it('refuses a foreign archive, one of a newer Merezha, a link and a member outside its folder', async () => {
    await writeFile(join(content, 'manifest.json'), JSON.stringify({ format: 'other' }));
    tar(join(dir, 'foreign.tar.gz'), content, 'manifest.json');
    await expect(unpackArchive(join(dir, 'foreign.tar.gz'), await fresh())).rejects.toThrow('is not a Merezha backup');

    await writeFile(join(content, 'manifest.json'), JSON.stringify({ ...(await manifest()), format_version: FORMAT_VERSION + 1 }));
    tar(join(dir, 'newer.tar.gz'), content, 'manifest.json', 'config', 'influx');
    await expect(unpackArchive(join(dir, 'newer.tar.gz'), await fresh())).rejects.toThrow('was made by a newer Merezha');

    await symlink('/etc/passwd', join(content, 'link'));
    tar(join(dir, 'link.tar.gz'), content, 'manifest.json', 'link');
    await expect(unpackArchive(join(dir, 'link.tar.gz'), await fresh())).rejects.toThrow('holds a link or a special file');

    const outside = spawnSync('tar', [
      '-czf',
      join(dir, 'outside.tar.gz'),
      '-C',
      content,
      '--transform',
      's,^manifest.json,../escape.json,',
      'manifest.json',
    ]);
    expect(outside.status).toBe(0);
    await expect(unpackArchive(join(dir, 'outside.tar.gz'), await fresh())).rejects.toThrow('has a member outside its folder');
  });

  it('refuses what is not an archive, or is cut short, with ArchiveError', async () => {
    await writeFile(join(dir, 'text.tar.gz'), 'hello');
    await expect(unpackArchive(join(dir, 'text.tar.gz'), await fresh())).rejects.toBeInstanceOf(ArchiveError);
    await expect(unpackArchive(join(dir, 'missing.tar.gz'), await fresh())).rejects.toThrow('is not a file');
  });
});
