/**
 * Blackout schedules in a running Merezha, with a real influxd: `merezha
 * power import-schedule` run as a user runs it, beside a running store that
 * takes each import within its poll period and writes the slots as
 * `blackout` points (deleting those a later schedule took back); a file with
 * mistakes refused with nothing changed; `merezha power schedule --json`.
 * Then the whole stack of `merezha start`: the feed of `power.schedule_url`
 * (served on 127.0.0.1) at start, an import taken within the product's poll
 * period, and a reload that points it at another feed. And what the issue is
 * done by: a DTEK feed imported from the command line makes an outage of a
 * village without a UPS inside its queue's slot a scheduled blackout, in
 * InfluxDB, in the monitor's states and in `GET /api/outages`, while an
 * outage on another queue at the same moment stays unknown.
 */
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../app/stack.ts';
import * as api from '../../common/api.ts';
import { createLogger, silentLogger } from '../../common/log.ts';
import { localTime, zonedTimeToUtc } from '../../common/timezone.ts';
import { loadConfig } from '../../config/load.ts';
import { influxQuery } from '../../storage/influx-query.ts';
import { openInfluxWriter, type InfluxWriter } from '../../storage/writer.ts';
import {
  blackoutPoints,
  scheduleFile,
  ScheduleStore,
  type StoredBlackout,
  type StoredSchedule,
} from '../../server/power/schedule-store.ts';
import { ADMIN_PASSWORD, apiHarness, type ApiHarness } from '../support/api.ts';
import { readPoints, startTestInfluxd, testWriterOptions, waitFor, type TestInfluxd } from '../support/influxd.ts';

const BIN = new URL('../../bin/merezha.mjs', import.meta.url).pathname;
const DTEK = new URL('../fixtures/power-schedules/dtek-kyiv-2025-11-24.json', import.meta.url).pathname;
const KYIV = 'Europe/Kyiv';
const HOUR = 3_600_000;
const DB = 'merezha_power_schedule';
/** The product's poll period of the file is 10 s: an import takes effect within it (and a little more for the fsync). */
const PRODUCT_POLL_MS = 10_000;

const pad = (n: number) => String(n).padStart(2, '0');
/** Today in Kyiv: "2026-12-05". */
function today(): string {
  const l = localTime(Date.now(), KYIV);
  return `${l.year}-${pad(l.month)}-${pad(l.day)}`;
}
/** A date in Kyiv, `days` after today's. */
function kyivDate(days: number): { year: number; month: number; day: number } {
  const l = localTime(Date.now(), KYIV);
  const d = new Date(Date.UTC(l.year, l.month - 1, l.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}
/** An hour of a date in Kyiv (24: the next midnight), as an instant. */
const kyivAt = (date: { year: number; month: number; day: number }, hour: number) => zonedTimeToUtc({ ...date, hour, minute: 0 }, KYIV);
/** An hour of today in Kyiv, as an instant. */
const todayAt = (hour: number) => kyivAt(kyivDate(0), hour);
const csvSlot = (group: string, from: number, to: number) => `${group},${today()} ${pad(from)}:00,${today()} ${pad(to)}:00`;

function merezha(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
}

function configText(dir: string, extra = ''): string {
  return `hromada: { name: Тестова громада, timezone: ${KYIV} }
storage:
  spool_dir: ${join(dir, 'spool')}
  managed_dir: ${join(dir, 'influxdb')}
  flush_interval: 200ms
villages:
  - id: ivankivtsi
    name: Іванківці
    power_group: "3.1"
    devices:
      - { id: ivankivtsi-uplink, kind: uplink, host: 127.0.0.1 }
      - { id: ivankivtsi-school, kind: institution, category: school, host: 127.0.0.1, power_group: "1.1" }
  - id: stavky
    name: Ставки
    power_group: "2.1"
    devices:
      - { id: stavky-uplink, kind: uplink, host: 127.0.0.1 }
server: { data_dir: ${join(dir, 'server')} }
${extra}`;
}

/** A schedule feed on 127.0.0.1 whose text can change. */
async function serveFeed(text: string): Promise<{ server: Server; url: string; text: string; requests: number }> {
  const feed = { server: undefined as unknown as Server, url: '', text, requests: 0 };
  feed.server = createServer((_, res) => {
    feed.requests++;
    res.writeHead(200, { 'content-type': 'text/csv' }).end(feed.text);
  });
  await new Promise<void>((resolve) => feed.server.listen(0, '127.0.0.1', resolve));
  feed.url = `http://127.0.0.1:${(feed.server.address() as AddressInfo).port}/gpv.csv`;
  return feed;
}

const closeFeed = (feed: { server: Server } | undefined) => {
  feed?.server.closeAllConnections();
  feed?.server.close();
};

let influxd: TestInfluxd;
/** The `blackout` points of a database. */
async function blackouts(db: string): Promise<StoredBlackout[]> {
  const rows = await influxd.query(`SELECT "end_ms", "certainty", "source" FROM "${db}"."events"."blackout" GROUP BY "group"`, db);
  return rows.map((r) => ({
    group: String(r.group),
    time: Number(r.time),
    end_ms: Number(r.end_ms),
    kind: String(r.certainty),
    source: String(r.source),
  }));
}
beforeAll(async () => {
  influxd = await startTestInfluxd();
}, 60_000);
afterAll(async () => {
  await influxd?.dispose();
});

describe('merezha power import-schedule beside a running store', () => {
  let dir: string;
  let configFile: string;
  let writer: InfluxWriter;
  let store: ScheduleStore;
  const held = () => blackouts(DB);
  const keys = (points: { group: string; time: number }[]) => points.map((p) => `${p.group}@${p.time}`).sort();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'merezha-power-schedule-'));
    configFile = join(dir, 'hromada.yaml');
    await writeFile(configFile, configText(dir));
    const config = loadConfig(configFile, {});
    const options = testWriterOptions(influxd.url, DB, join(dir, 'spool'));
    writer = await openInfluxWriter(options);
    await waitFor('InfluxDB to take writes', () => writer.stats().influxUp);
    store = new ScheduleStore({ config, log: silentLogger(), sink: writer, query: influxQuery(options), pollMs: 200 });
    await store.start();
  }, 60_000);
  afterAll(async () => {
    await store?.stop();
    await writer?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The store's schedule as the file now holds it, once the store has taken it. */
  async function taken(): Promise<StoredSchedule> {
    const file = JSON.parse(await readFile(scheduleFile(join(dir, 'server')), 'utf8')) as StoredSchedule;
    await waitFor(
      'the store to take the file',
      () => JSON.stringify(store.current()?.slots) === JSON.stringify(file.schedule.slots),
      5_000,
    );
    return file;
  }
  /** Waits until InfluxDB holds exactly the file's points. */
  async function recorded(file: StoredSchedule): Promise<void> {
    const want = keys(blackoutPoints(file).map((p) => ({ group: p.tags.group!, time: p.time })));
    await waitFor('the blackout points', async () => JSON.stringify(keys(await held())) === JSON.stringify(want), 10_000);
  }

  it('imports the DTEK feed: the weekly template from today on, the days older than two weeks left out, said in Ukrainian', async () => {
    const run = merezha(['power', 'import-schedule', DTEK, '--config', configFile]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Імпортовано графік відключень з dtek-kyiv-2025-11-24\.json \(ДТЕК, ГПВ\): 1 черга, 7 днів \(/);
    expect(run.stdout).toContain('  черга 1.1: ');
    expect(run.stdout).toContain('пристрої: ivankivtsi-school (Іванківці)');
    expect(run.stdout).toContain('Черги з конфігурації без жодного відключення в цьому графіку: 2.1 (села: Ставки), 3.1 (села: Іванківці)');
    expect(run.stdout).toContain('Пропущено 2 дні, давніших за 14 днів');
    const file = await taken();
    expect(new Set(file.schedule.slots.map((s) => s.group))).toEqual(new Set(['1.1']));
    await recorded(file);
    const points = await held();
    expect(points.every((p) => p.source === 'dtek-kyiv-2025-11-24.json' && p.kind === 'possible')).toBe(true);
  });

  it('a CSV replaces the days it gives, and the points of the slots it took back are deleted from InfluxDB', async () => {
    await writeFile(join(dir, 'one.csv'), `group,start,end\n${csvSlot('3.1', 10, 12)}\n`);
    expect(merezha(['power', 'import-schedule', join(dir, 'one.csv'), '--config', configFile]).status).toBe(0);
    const first = await taken();
    expect(first.schedule.slots.filter((s) => s.start < todayAt(24) && s.end > todayAt(0))).toEqual([
      { group: '3.1', start: todayAt(10), end: todayAt(12), kind: 'definite' },
    ]);
    await recorded(first);

    await writeFile(join(dir, 'two.csv'), `group;start;end\n${csvSlot('3.1', 14, 16).replaceAll(',', ';')}\n`);
    const run = merezha(['power', 'import-schedule', join(dir, 'two.csv'), '--format', 'csv', '--config', configFile]);
    expect(run.status).toBe(0);
    const second = await taken();
    await recorded(second);
    const points = await held();
    expect(points.find((p) => p.group === '3.1' && p.time === todayAt(10))).toBeUndefined();
    expect(points.find((p) => p.group === '3.1' && p.time === todayAt(14))).toEqual({
      group: '3.1',
      time: todayAt(14),
      end_ms: todayAt(16),
      kind: 'definite',
      source: 'two.csv',
    });
  });

  it('a file with mistakes is refused, every mistake named, and nothing changes', async () => {
    const before = await readFile(scheduleFile(join(dir, 'server')), 'utf8');
    const current = store.current();
    await writeFile(
      join(dir, 'bad.csv'),
      `group,start,end\n7.1,${today()} 10:00,${today()} 12:00\n3.1,${today()} 12:00,${today()} 11:00\n`,
    );
    const run = merezha(['power', 'import-schedule', join(dir, 'bad.csv'), '--config', configFile]);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n')).toEqual([
      `${join(dir, 'bad.csv')}: line 2 group: "7.1" is not a power group (1.1 … 6.2)`,
      `${join(dir, 'bad.csv')}: line 3 end: ${today()} 11:00 is not after start ${today()} 12:00`,
      'merezha power import-schedule: nothing was imported',
      '',
    ]);
    expect(await readFile(scheduleFile(join(dir, 'server')), 'utf8')).toBe(before);
    expect(store.current()).toBe(current);
  });

  it('merezha power schedule --json: today and tomorrow of every queue, with who is on it', () => {
    const run = merezha(['power', 'schedule', '--json', '--config', configFile]);
    expect(run.status).toBe(0);
    const shown = JSON.parse(run.stdout) as {
      imports: { source: string }[];
      groups: { group: string; villages: string[]; devices: string[]; days: { date: string; covered: boolean; slots: unknown[] }[] }[];
    };
    // one.csv gave only today, which two.csv replaced.
    expect(shown.imports.map((i) => i.source)).toEqual(['dtek-kyiv-2025-11-24.json', 'two.csv']);
    expect(shown.groups.map((g) => [g.group, g.villages, g.devices])).toEqual([
      ['1.1', [], ['ivankivtsi-school']],
      ['2.1', ['stavky'], []],
      ['3.1', ['ivankivtsi'], []],
    ]);
    const today31 = shown.groups.find((g) => g.group === '3.1')!.days.find((d) => d.date === today());
    expect(today31).toMatchObject({ covered: true, slots: [{ start: todayAt(14), end: todayAt(16), kind: 'definite' }] });
    const text = merezha(['power', 'schedule', '--config', configFile]);
    expect(text.stdout).toContain('черга 3.1: села: Іванківці\n');
    expect(text.stdout).toMatch(/ {2}сьогодні, [^:]+: 14:00–16:00\n/);
  });
});

/**
 * The DTEK feed of the fixture, published now: its `fact` holds yesterday,
 * today and tomorrow in Kyiv, queue 3.1 off ("no") in each hour that touches
 * [from, to) and on ("yes") in the others, queue 2.1 on all the time. With the
 * slot of 3.1 it gives: those hours joined.
 */
async function dtekFeedAround(from: number, to: number): Promise<{ text: string; slot: { start: number; end: number } }> {
  const feed = JSON.parse(await readFile(DTEK, 'utf8')) as { lastUpdated: string; fact: Record<string, unknown> };
  const data: Record<string, Record<string, Record<string, string>>> = {};
  const slot = { start: Infinity, end: -Infinity };
  for (const days of [-1, 0, 1]) {
    const at = (hour: number) => kyivAt(kyivDate(days), hour);
    const off: Record<string, string> = {};
    const on: Record<string, string> = {};
    // Hour "1" is 00:00–01:00.
    for (let hour = 1; hour <= 24; hour++) {
      const cut = at(hour - 1) < to && at(hour) > from;
      off[hour] = cut ? 'no' : 'yes';
      on[hour] = 'yes';
      if (cut) slot.start = Math.min(slot.start, at(hour - 1));
      if (cut) slot.end = Math.max(slot.end, at(hour));
    }
    data[at(0) / 1000] = { 'GPV2.1': on, 'GPV3.1': off };
  }
  const l = localTime(Date.now(), KYIV);
  feed.lastUpdated = new Date().toISOString();
  feed.fact = {
    data,
    update: `${pad(l.day)}.${pad(l.month)}.${l.year} ${pad(l.hour)}:${pad(l.minute)}`,
    today: todayAt(0) / 1000,
  };
  return { text: JSON.stringify(feed, null, 2), slot };
}

describe('a schedule imported from JSON tells the cause of outages where no UPS does', () => {
  const db = 'merezha_power_schedule_cause';
  let dir: string;
  let writer: InfluxWriter;
  let store: ScheduleStore;
  let h: ApiHarness;
  let slot: { start: number; end: number };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'merezha-power-cause-'));
    const configFile = join(dir, 'hromada.yaml');
    await writeFile(configFile, configText(dir));
    // An hour either side of the run: the slot holds whatever the clock reads during it.
    const feed = await dtekFeedAround(Date.now() - HOUR, Date.now() + HOUR);
    slot = feed.slot;
    await writeFile(join(dir, 'gpv.json'), feed.text);
    const run = merezha(['power', 'import-schedule', join(dir, 'gpv.json'), '--config', configFile]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);

    // As `merezha start` wires them: the store reads the file the command wrote, the monitor asks the store.
    const config = loadConfig(configFile, {});
    const options = testWriterOptions(influxd.url, db, join(dir, 'spool'));
    writer = await openInfluxWriter(options);
    await waitFor('InfluxDB to take writes', () => writer.stats().influxUp);
    const query = influxQuery(options);
    store = new ScheduleStore({ config, log: silentLogger(), sink: writer, query });
    await store.start();
    h = await apiHarness({
      dataDir: dir,
      configText,
      store: writer,
      query,
      now: Date.now(),
      schedule: () => store.current(),
    });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await store?.stop();
    await writer?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('an uplink of queue 3.1 down inside its slot is a scheduled blackout; one of queue 2.1 down with it is unknown', async () => {
    for (const uplink of ['ivankivtsi-uplink', 'stavky-uplink']) h.ping(uplink, true);
    h.ping('ivankivtsi-uplink', false);
    h.ping('stavky-uplink', false);
    const scheduled = { cause: 'scheduled_blackout', evidence: { slot: { group: '3.1', ...slot } } };

    const states = h.monitor.snapshot().subjects;
    const ivankivtsi = states.get('ivankivtsi-uplink')!.outage!;
    const stavky = states.get('stavky-uplink')!.outage!;
    // Both began within the slot of 3.1: only the queue tells them apart.
    for (const outage of [ivankivtsi, stavky]) expect(slot.start <= outage.start && outage.start < slot.end).toBe(true);
    expect(ivankivtsi.cause).toEqual(scheduled);
    expect(stavky.cause).toEqual({ cause: 'unknown', evidence: {} });

    await h.monitor.engine.flushed();
    await writer.flush();
    const stored = async (device: string) => {
      const points = await readPoints(influxd, db, 'outage', `WHERE "device" = '${device}'`);
      expect(points).toHaveLength(1);
      const { open, cause, cause_evidence } = points[0]!.fields;
      return { time: points[0]!.time, open, cause, evidence: JSON.parse(String(cause_evidence)) as unknown };
    };
    expect(await stored('ivankivtsi-uplink')).toEqual({
      time: ivankivtsi.start,
      open: 1,
      cause: 'scheduled_blackout',
      evidence: scheduled.evidence,
    });
    expect(await stored('stavky-uplink')).toEqual({ time: stavky.start, open: 1, cause: 'unknown', evidence: {} });

    const admin = await h.signIn('admin', ADMIN_PASSWORD);
    const res = await h.request({ method: 'GET', url: '/api/outages', headers: { cookie: admin.cookie } });
    expect(res.statusCode, res.body).toBe(200);
    const listed = api.outagesResponse.parse(res.json()).outages;
    expect(listed.find((o) => o.subject === 'ivankivtsi-uplink')).toMatchObject({
      cause: 'scheduled_blackout',
      cause_judged: 'scheduled_blackout',
      cause_facts: scheduled.evidence,
      end: null,
    });
    expect(listed.find((o) => o.subject === 'ivankivtsi-uplink')!.cause_evidence).toContain('3.1');
    expect(listed.find((o) => o.subject === 'stavky-uplink')).toMatchObject({ cause: 'unknown', cause_facts: {}, end: null });
  });
});

describe('the stack of merezha start', () => {
  let dir: string;
  let configFile: string;
  let stack: Stack | undefined;
  let feeds: Awaited<ReturnType<typeof serveFeed>>[] = [];
  const logged: Record<string, unknown>[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'merezha-power-stack-'));
    configFile = join(dir, 'hromada.yaml');
    feeds = [
      await serveFeed(`group,start,end\n${csvSlot('2.1', 6, 8)}\n`),
      await serveFeed(`group,start,end\n${csvSlot('2.1', 18, 20)}\n`),
    ];
    await writeFile(configFile, configText(dir, `power: { schedule_url: "${feeds[0]!.url}", schedule_refresh: 1h }\n`));
    stack = await startStack({
      config: loadConfig(configFile, {}),
      log: createLogger({ destination: { write: (line: string) => void logged.push(JSON.parse(line) as Record<string, unknown>) } }),
      version: 'test',
      influxUrl: influxd.url,
      port: 0,
      configFile,
    });
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    for (const feed of feeds) closeFeed(feed);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('fetches power.schedule_url at start, takes an import within its poll period, and follows a reload to another feed', async () => {
    const s = stack!;
    const slotOf2_1 = () => s.schedule.current()?.slots.find((x) => x.group === '2.1')?.start;
    await waitFor('the feed at start', () => slotOf2_1() === todayAt(6), 10_000);
    await waitFor('its point', async () => (await blackouts('merezha')).some((p) => p.group === '2.1' && p.time === todayAt(6)), 10_000);

    await writeFile(join(dir, 'one.csv'), `group,start,end\n${csvSlot('3.1', 10, 12)}\n${csvSlot('2.1', 6, 8)}\n`);
    const imported = Date.now();
    expect(merezha(['power', 'import-schedule', join(dir, 'one.csv'), '--config', configFile]).status).toBe(0);
    await waitFor('the import', () => s.schedule.current()?.slots.some((x) => x.group === '3.1') === true, PRODUCT_POLL_MS + 5_000);
    expect(Date.now() - imported).toBeLessThan(PRODUCT_POLL_MS + 5_000);
    // The import gave today, all the feed gave.
    expect(s.schedule.imports().map((i) => i.source)).toEqual(['one.csv']);

    await writeFile(configFile, configText(dir, `power: { schedule_url: "${feeds[1]!.url}", schedule_refresh: 1h }\n`));
    const reloaded = await s.reload();
    expect(reloaded.ok).toBe(true);
    await waitFor('the other feed', () => slotOf2_1() === todayAt(18), 10_000);
    expect(feeds.map((f) => f.requests)).toEqual([1, 1]);
    expect(logged.filter((l) => (l.level as number) >= 40 && /schedule/.test(String(l.msg)))).toEqual([]);
  }, 60_000);
});
