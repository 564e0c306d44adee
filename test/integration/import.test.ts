/**
 * `merezha import` against a real influxd, run as a user runs it (the
 * spawned command, INFLUX_URL pointing at the test influxd): a CSV of past
 * outages for two villages, then uptime read back with the dashboard's own
 * functions equals what the CSV gives by hand; a second import over the same
 * range, one over data Merezha measured, and a file with one bad row are all
 * refused with nothing written.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInfluxClient, createLineWriter } from '../../storage/influx-client.ts';
import { setupInflux } from '../../storage/influx-setup.ts';
import { toLine } from '../../storage/line-protocol.ts';
import { freeTcpPorts } from '../../storage/ports.ts';
import { formatUtc } from '../../common/iso-time.ts';
import { silentLogger } from '../../common/log.ts';
import { localTime, zonedTimeToUtc } from '../../common/timezone.ts';
import { loadConfig } from '../../config/load.ts';
import { importConflicts } from '../../server/backfill/conflicts.ts';
import { buildInventory, type Inventory } from '../../server/inventory.ts';
import { AvailabilityIndex, computeParts, uptimeSetOf, WINDOWS, type WindowName } from '../../server/live/availability.ts';
import { BUCKET_MS, importedSpans, monitoredTime, recordedOutages, watchedWhileDown } from '../../server/store/availability-store.ts';
import { influxQuery } from '../../storage/influx-query.ts';
import { uptimePct, type Interval } from '../../server/uptime.ts';
import { readPoints, startTestInfluxd, type TestInfluxd } from '../support/influxd.ts';

const BIN = new URL('../../bin/merezha.mjs', import.meta.url).pathname;
const ZONE = 'Europe/Kyiv';
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/**
 * Two whole months, from local midnights. Placed by the clock because it has
 * to be: InfluxDB drops points older than the events retention, and the
 * command refuses a --to in the future. About half a year back is safe from both.
 */
const START = localTime(Date.now() - 200 * DAY, ZONE);
const midnight = (monthsAfter: number, day = 1) => {
  const month = START.month - 1 + monthsAfter;
  return zonedTimeToUtc({ year: START.year + Math.floor(month / 12), month: (month % 12) + 1, day, hour: 0, minute: 0 }, ZONE);
};
const FROM = midnight(0);
const TO = midnight(2);
const SPAN = TO - FROM;
const dateText = (monthsAfter: number) => {
  const l = localTime(midnight(monthsAfter), ZONE);
  return `${l.year}-${String(l.month).padStart(2, '0')}-${String(l.day).padStart(2, '0')}`;
};
const FROM_DATE = dateText(0);
const TO_DATE = dateText(2);
/** Day `day` of the first month, `hh:mm` on the clocks of the hromada. */
const local = (day: number, hh: number, mm = 0) => ({
  text: `${FROM_DATE.slice(0, 8)}${String(day).padStart(2, '0')}T${String(hh).padStart(2, '0')}:${String(mm).padStart(2, '0')}`,
  ms: zonedTimeToUtc({ year: START.year, month: START.month, day, hour: hh, minute: mm }, ZONE),
});
const utc = (ms: number) => ({ text: new Date(ms).toISOString(), ms });
/** The same instant on the clocks of UTC+05:00, which is nobody's zone here. */
const plus5 = (ms: number) => ({ text: `${new Date(ms + 5 * HOUR).toISOString().slice(0, 16)}+05:00`, ms });

const uplinkA = { from: local(3, 10), to: local(3, 12) };
const uplinkB = { from: utc(FROM + 40 * DAY + 3 * HOUR), to: utc(FROM + 40 * DAY + 3 * HOUR + 30 * MIN) };
// From 11:00 to 13:30 on day 3: together with uplink A, Зелене is offline from 11:00 to 12:00.
const backup = { from: utc(uplinkA.from.ms + HOUR), to: utc(uplinkA.from.ms + 3.5 * HOUR) };
const school = { from: plus5(local(10, 8).ms), to: plus5(local(10, 9).ms) };
// In the last week of the range.
const yasne = { from: utc(TO - 3 * DAY + 14 * HOUR), to: utc(TO - 3 * DAY + 14 * HOUR + 45 * MIN) };
const website = { from: local(20, 0), to: local(21, 0) };

/** The outages by hand: own outages plus the parent's (cut off counts as down); villages down while every uplink is. */
const DOWN_MS: Record<string, number> = {
  'zelene-uplink': 2 * HOUR + 30 * MIN,
  'zelene-backup': 2.5 * HOUR,
  'zelene-school': HOUR + 2 * HOUR + 30 * MIN,
  'zelene-wifi': 2.5 * HOUR,
  'yasne-uplink': 45 * MIN,
  'yasne-library': 45 * MIN,
  'service:website': website.to.ms - website.from.ms,
};
const VILLAGE_DOWN_MS: Record<string, number> = { zelene: HOUR, yasne: 45 * MIN };

const CSV =
  '\uFEFFdevice,start,end\r\n' +
  `zelene-uplink,${uplinkA.from.text},${uplinkA.to.text}\r\n` +
  `zelene-backup,${backup.from.text},${backup.to.text}\r\n` +
  `zelene-school,${school.from.text},${school.to.text}\r\n` +
  '\r\n' +
  `"yasne-uplink","${yasne.from.text}","${yasne.to.text}"\r\n` +
  `zelene-uplink,${uplinkB.from.text},${uplinkB.to.text}\r\n` +
  `service:website,${website.from.text.slice(0, 10)},${website.to.text.slice(0, 10)}\r\n`;

let influxd: TestInfluxd;
let dir: string;

/**
 * A config for the test influxd's database `database`; its own URL is dead, so INFLUX_URL is what reaches InfluxDB.
 * Its managed_dir is the test's own: with INFLUX_URL set, import still looks there for a running Merezha's login.
 */
async function writeConfig(
  database: string,
  storage = `influx: { url: "http://127.0.0.1:1", database: ${database} }\n  managed_dir: ${join(dir, `influxdb-${database}`)}`,
): Promise<string> {
  const path = join(dir, `${database}.yaml`);
  await writeFile(
    path,
    `hromada: { name: Тестова громада, timezone: ${ZONE} }
storage:
  ${storage}
villages:
  - id: zelene
    name: Зелене
    devices:
      - { id: zelene-uplink, kind: uplink, host: 127.0.70.1 }
      - { id: zelene-backup, kind: uplink, host: 127.0.70.2 }
      - { id: zelene-school, kind: institution, category: school, host: 127.0.70.3, parent: zelene-uplink }
      - { id: zelene-wifi, kind: wifi, host: 127.0.70.4, parent: zelene-backup }
  - id: yasne
    name: Ясне
    devices:
      - { id: yasne-uplink, kind: uplink, host: 127.0.71.1 }
      - { id: yasne-library, kind: institution, category: library, host: 127.0.71.2, parent: yasne-uplink }
services:
  - { id: website, name: Сайт громади, url: "https://example.org/" }
`,
  );
  return path;
}

async function writeCsv(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

function merezha(args: string[], env: Record<string, string> = { INFLUX_URL: influxd.url }) {
  const { INFLUX_URL: _url, MEREZHA_CONFIG: _config, ...inherited } = process.env;
  const r = spawnSync(process.execPath, [BIN, 'import', ...args], { encoding: 'utf8', env: { ...inherited, ...env }, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const range = (config: string, csv: string, from = FROM_DATE, to = TO_DATE) => [
  '--config',
  config,
  '--from',
  from,
  '--to',
  to,
  '--outages',
  csv,
];

async function pointCount(database: string): Promise<{ backfill: number; outage: number }> {
  return {
    backfill: (await readPoints(influxd, database, 'backfill')).length,
    outage: (await readPoints(influxd, database, 'outage')).length,
  };
}

const inventoryOf = (config: string): Inventory => buildInventory(loadConfig(config));

beforeAll(async () => {
  influxd = await startTestInfluxd();
  dir = await mkdtemp(join(tmpdir(), 'merezha-import-'));
});

afterAll(async () => {
  await influxd?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('merezha import', () => {
  const DB = 'import_main';
  let config: string;
  let csv: string;

  beforeAll(async () => {
    config = await writeConfig(DB);
    csv = await writeCsv('outages.csv', CSV);
  });

  it('imports the outages file and the span of every device and service', async () => {
    const r = merezha(range(config, csv));
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      `imported 6 outages for 4 devices and 1 service over ${FROM_DATE} – ${TO_DATE}; ` +
        '6 devices and 1 service counted as monitored and up outside them\n',
    );
    expect(r.status).toBe(0);

    const spans = await readPoints(influxd, DB, 'backfill');
    expect(spans.map((p) => p.tags.device ?? `service:${p.tags.service}`).sort()).toEqual([...inventoryOf(config).subjects.keys()].sort());
    for (const p of spans) expect(p).toMatchObject({ time: FROM, fields: { from_ms: FROM, to_ms: TO, source: 'outages.csv' } });
    expect(spans.find((p) => p.tags.device === 'zelene-school')!.tags).toEqual({
      village: 'zelene',
      device: 'zelene-school',
      kind: 'institution',
      category: 'school',
    });

    const outages = await readPoints(influxd, DB, 'outage');
    expect(outages.map((p) => [p.tags.device ?? p.tags.service, p.time, p.fields.end_ms]).sort()).toEqual(
      [
        ['zelene-uplink', uplinkA.from.ms, uplinkA.to.ms],
        ['zelene-backup', backup.from.ms, backup.to.ms],
        ['zelene-school', school.from.ms, school.to.ms],
        ['yasne-uplink', yasne.from.ms, yasne.to.ms],
        ['zelene-uplink', uplinkB.from.ms, uplinkB.to.ms],
        ['website', website.from.ms, website.to.ms],
      ].sort(),
    );
    expect(outages[0]!.fields).toMatchObject({ open: 0, reason: 'imported from outages.csv' });
  });

  it('makes uptime over the range what the file says: monitored throughout, down only in the outages', async () => {
    const query = influxQuery({ url: influxd.url, database: DB });
    const inventory = inventoryOf(config);
    const windows = Object.fromEntries(WINDOWS.map((w) => [w, { from: FROM, to: TO }])) as Record<WindowName, Interval>;
    const monitored = await monitoredTime(query, inventory, windows, TO);
    const outages = await recordedOutages(query, FROM, TO);
    const watched = await watchedWhileDown(query, inventory, outages, await importedSpans(query), { from: FROM, to: TO }, TO);
    const parts = computeParts(inventory, windows, monitored, outages, TO, watched);
    for (const key of inventory.order) {
      const part = parts.subjects.get(key)!.year;
      expect(part, key).toEqual({ monitoredMs: SPAN, downMs: DOWN_MS[key] });
      expect(uptimePct(part.monitoredMs, part.downMs), key).toBeCloseTo(((SPAN - DOWN_MS[key]!) / SPAN) * 100, 12);
    }
    for (const [village, downMs] of Object.entries(VILLAGE_DOWN_MS)) {
      expect(parts.villages.get(village)!.year, village).toEqual({ monitoredMs: SPAN, downMs });
    }

    // The dashboard's own index, on the last day of the range: the last week and the last 30 days.
    const index = new AvailabilityIndex({ inventory, query, timeZone: ZONE, log: silentLogger(), now: () => TO });
    await index.refresh();
    const pct = (window: number, down: number) => ((window - down) / window) * 100;
    expect(uptimeSetOf(index.subject('yasne-library'))['7d']).toBeCloseTo(pct(7 * DAY, 45 * MIN), 12);
    expect(uptimeSetOf(index.subject('zelene-uplink'))['7d']).toBe(100);
    expect(uptimeSetOf(index.subject('zelene-uplink'))['30d']).toBeCloseTo(pct(30 * DAY, 30 * MIN), 12);
    expect(uptimeSetOf(index.village('yasne'))['30d']).toBeCloseTo(pct(30 * DAY, 45 * MIN), 12);
  });

  it('refuses a second import over the same range, for every subject, and writes nothing', async () => {
    const before = await pointCount(DB);
    // A good file over the second month: the database, not the file, refuses it.
    const again = await writeCsv('again.csv', `device,start,end\nzelene-uplink,${uplinkB.from.text},${uplinkB.to.text}\n`);
    const r = merezha(range(config, again, dateText(1), TO_DATE));
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    const over = `already imported over ${FROM_DATE} – ${TO_DATE} (from outages.csv); imports may not overlap`;
    expect(r.stderr).toBe(
      [...inventoryOf(config).order.map((key) => `${key.startsWith('service:') ? key.replace(':', ' ') : `device ${key}`}: ${over}`)]
        .concat('merezha import: nothing was imported\n')
        .join('\n'),
    );
    expect(await pointCount(DB)).toEqual(before);
  });

  it('--dry-run checks everything and prints the points, writing nothing', async () => {
    const dry = await writeConfig('import_dry');
    const r = merezha([...range(dry, csv), '--dry-run']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(7 + 6 + 1);
    expect(lines[0]).toBe(
      `backfill,device=zelene-uplink,kind=uplink,village=zelene from_ms=${FROM}i,to_ms=${TO}i,source="outages.csv" ${FROM}`,
    );
    expect(lines.filter((l) => l.startsWith('outage,'))).toHaveLength(6);
    expect(lines.at(-1)).toMatch(/^dry run: would import 6 outages for 4 devices and 1 service over .*; nothing was written$/);
    expect((await influxd.query('SHOW DATABASES')).map((row) => row.name)).not.toContain('import_dry');
  });
});

describe('merezha import refuses', () => {
  it('a range where Merezha has its own data, and says up to when to import', async () => {
    const DB = 'import_measured';
    const config = await writeConfig(DB);
    const empty = await writeCsv('empty.csv', 'device,start,end\n');
    const connection = { url: influxd.url, database: DB };
    await setupInflux(createInfluxClient(connection), {
      database: DB,
      retention: { rawMs: 30 * DAY, rollupMs: 800 * DAY },
      log: silentLogger(),
    });
    // What the continuous query makes of a morning of pings, long ago.
    const measured = FROM + 20 * DAY;
    await createLineWriter(connection)(
      'rollup_5m',
      `ping,device=zelene-backup,kind=uplink,village=zelene reachable=1,samples=30i ${measured}`,
    );

    const refused = merezha(range(config, empty));
    expect(refused.stderr).toBe(
      `device zelene-backup: Merezha has its own data from ${formatUtc(measured)} in this range; import up to then (--to ${formatUtc(measured)})\n` +
        'merezha import: nothing was imported\n',
    );
    expect(refused.status).toBe(1);
    expect(await pointCount(DB)).toEqual({ backfill: 0, outage: 0 });

    // Taking the advice works.
    const advised = merezha(range(config, empty, FROM_DATE, formatUtc(measured)));
    expect(advised.status, advised.stderr).toBe(0);
    expect((await readPoints(influxd, DB, 'backfill'))[0]!.fields).toMatchObject({ from_ms: FROM, to_ms: measured });

    // Raw points count too, by their whole 5-minute bucket, even past the end of the range within it.
    const bucket = Math.floor((Date.now() - 2 * DAY) / BUCKET_MS) * BUCKET_MS;
    const tags = { village: 'yasne', device: 'yasne-uplink', kind: 'uplink' };
    await createLineWriter(connection)(
      'raw',
      toLine({ measurement: 'ping', tags, fields: { reachable: 1, loss_pct: 0, sent: 3 }, time: bucket + 3 * MIN }),
    );
    const inventory = inventoryOf(config);
    const advice = `Merezha has its own data from ${formatUtc(bucket)} in this range; import up to then (--to ${formatUtc(bucket)})`;
    const query = influxQuery(connection);
    expect(await importConflicts(query, inventory, { from: bucket - DAY, to: bucket + MIN }, ZONE)).toEqual([
      `device yasne-uplink: ${advice}`,
    ]);
    expect(await importConflicts(query, inventory, { from: bucket - DAY, to: bucket }, ZONE)).toEqual([]);
  });

  it('a file with one bad row, writing nothing', async () => {
    const DB = 'import_bad';
    const config = await writeConfig(DB);
    await setupInflux(createInfluxClient({ url: influxd.url, database: DB }), {
      database: DB,
      retention: { rawMs: 30 * DAY, rollupMs: 800 * DAY },
      log: silentLogger(),
    });
    const lines = CSV.split('\r\n');
    lines.splice(4, 0, `zelene-scool,${local(12, 8).text},${local(12, 9).text}`);
    const csv = await writeCsv('one-bad-row.csv', lines.join('\r\n'));
    const r = merezha(range(config, csv));
    expect(r.stderr).toBe(
      `${csv}:5: unknown device "zelene-scool" (did you mean "zelene-school"?)\nmerezha import: nothing was imported\n`,
    );
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(await pointCount(DB)).toEqual({ backfill: 0, outage: 0 });
  });

  it('wrong usage with status 2, and an InfluxDB that does not answer with status 1', async () => {
    const config = await writeConfig('import_usage');
    const csv = await writeCsv('usage.csv', 'device,start,end\n');
    const missing = merezha(['--config', config, '--from', FROM_DATE, '--outages', csv]);
    expect([missing.status, missing.stderr]).toEqual([
      2,
      'merezha import: needs --from DATE, --to DATE and --outages FILE.csv (see merezha import --help)\n',
    ]);
    const future = merezha(range(config, csv, FROM_DATE, '2999-01-01'));
    expect([future.status, future.stderr]).toEqual([
      2,
      'merezha import: --to 2999-01-01 is in the future: history can be imported up to now at most\n',
    ]);
    const help = merezha(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("read in the hromada's time");

    const [closed] = await freeTcpPorts(1);
    const down = merezha(range(config, csv), { INFLUX_URL: `http://127.0.0.1:${closed}` });
    expect(down.stderr).toBe(
      `InfluxDB at http://127.0.0.1:${closed} (INFLUX_URL) does not answer; start it, or fix the address\nmerezha import: nothing was imported\n`,
    );
    expect(down.status).toBe(1);
  });

  it('to take over the managed influxd of a running Merezha, and says how to import into it', async () => {
    const managed = join(dir, 'managed');
    const config = await writeConfig('import_managed', `managed_dir: ${managed}`);
    const csv = await writeCsv('managed.csv', 'device,start,end\n');
    await rm(managed, { recursive: true, force: true });
    await mkdir(managed);
    // This test's own process stands in for the running Merezha.
    await writeFile(join(managed, 'owner.pid'), `${process.pid}\n`);
    await writeFile(join(managed, 'ports.json'), '{"http":48086,"rpc":48088}\n');
    const r = merezha(range(config, csv), {});
    expect(r.stderr).toBe(
      `another Merezha is running with the influxd in ${managed}; stop it and import again, ` +
        'or import into that influxd while it runs: INFLUX_URL=http://127.0.0.1:48086 merezha import …\n' +
        'merezha import: nothing was imported\n',
    );
    expect(r.status).toBe(1);
  });
});
