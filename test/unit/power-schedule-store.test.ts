/**
 * The blackout schedule of a running Merezha: merging imports into the file,
 * keeping two weeks, the `blackout` points (and which stored ones a later
 * schedule takes back), the file written whole, a damaged file left alone,
 * the running store taking a changed file, and the feed of
 * `power.schedule_url` served on 127.0.0.1 (kept when it fails).
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { chown, mkdir, mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/log.ts';
import { zonedTimeToUtc } from '../../common/timezone.ts';
import type { Config } from '../../config/schema.ts';
import {
  addImport,
  blackoutPoints,
  describeChange,
  feedForLog,
  FEED_MAX_BYTES,
  importSchedule,
  parseScheduleText,
  readStoredSchedule,
  reconcileBlackouts,
  scheduleFile,
  ScheduleFileError,
  ScheduleStore,
  sniffFormat,
  type StoredSchedule,
} from '../../server/power/schedule-store.ts';
import { parseScheduleJson, type BlackoutSchedule, type BlackoutSlot } from '../../server/power/schedule.ts';
import { testConfig } from '../support/config.ts';
import { waitFor } from '../support/influxd.ts';
import { MemorySink } from '../support/memory-sink.ts';

const KYIV = 'Europe/Kyiv';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const kyiv = (y: number, mo: number, d: number, h = 0) => zonedTimeToUtc({ year: y, month: mo, day: d, hour: h, minute: 0 }, KYIV);
const day = (y: number, mo: number, d: number) => ({ start: kyiv(y, mo, d), end: kyiv(y, mo, d + 1) });
const slot = (group: string, start: number, end: number, kind: BlackoutSlot['kind'] = 'definite'): BlackoutSlot => ({
  group,
  start,
  end,
  kind,
});
const schedule = (slots: BlackoutSlot[], covers: { start: number; end: number }[], source = 'csv'): BlackoutSchedule => ({
  slots,
  covers,
  source,
});
const fixture = (name: string) => readFileSync(new URL(`../fixtures/power-schedules/${name}`, import.meta.url), 'utf8');
/** 10:00 in Kyiv on the DTEK fixture's first day. */
const NOW = kyiv(2025, 11, 24, 10);
const at = (now: number) => ({ now, timezone: KYIV });

describe('merging imports into the file', () => {
  const a = schedule(
    [slot('3.1', kyiv(2025, 11, 24, 8), kyiv(2025, 11, 24, 12)), slot('3.1', kyiv(2025, 11, 25, 8), kyiv(2025, 11, 25, 12))],
    [day(2025, 11, 24), day(2025, 11, 25)],
  );
  const b = schedule([slot('3.1', kyiv(2025, 11, 25, 14), kyiv(2025, 11, 25, 16))], [day(2025, 11, 25)], 'dtek-gpv');

  it('a new schedule replaces the days it covers; the others stay; each slot names the import it came from', () => {
    const stored = addImport(addImport(undefined, a, 'a.csv', at(NOW)), b, 'feed.example', at(NOW + HOUR));
    expect(stored.schedule.slots).toEqual([
      slot('3.1', kyiv(2025, 11, 24, 8), kyiv(2025, 11, 24, 12)),
      slot('3.1', kyiv(2025, 11, 25, 14), kyiv(2025, 11, 25, 16)),
    ]);
    expect(stored.schedule.covers).toEqual([{ start: kyiv(2025, 11, 24), end: kyiv(2025, 11, 26) }]);
    expect(stored.imports.map((i) => [i.source, i.at])).toEqual([
      ['a.csv', NOW],
      ['feed.example', NOW + HOUR],
    ]);
    expect(blackoutPoints(stored)).toEqual([
      {
        measurement: 'blackout',
        tags: { group: '3.1' },
        fields: { end_ms: kyiv(2025, 11, 24, 12), certainty: 'definite', source: 'a.csv' },
        time: kyiv(2025, 11, 24, 8),
      },
      {
        measurement: 'blackout',
        tags: { group: '3.1' },
        fields: { end_ms: kyiv(2025, 11, 25, 16), certainty: 'definite', source: 'feed.example' },
        time: kyiv(2025, 11, 25, 14),
      },
    ]);
  });

  it('keeps two weeks back: older days, slots and imports go', () => {
    const stored = addImport(undefined, a, 'a.csv', at(NOW));
    const later = addImport(stored, b, 'b.csv', at(kyiv(2025, 12, 9, 12)));
    // 24 November ended more than 14 days before 9 December noon; the 25th did not.
    expect(later.schedule.slots.map((s) => s.start)).toEqual([kyiv(2025, 11, 25, 14)]);
    expect(later.schedule.covers).toEqual([day(2025, 11, 25)]);
    // What is left of a.csv (the 25th) b.csv replaced: a.csv is forgotten.
    expect(later.imports.map((i) => [i.source, i.covers])).toEqual([['b.csv', [day(2025, 11, 25)]]]);
    const muchLater = addImport(later, schedule([], [day(2025, 12, 20)]), 'c.csv', at(kyiv(2025, 12, 20, 12)));
    expect(muchLater.schedule.slots).toEqual([]);
    expect(muchLater.imports.map((i) => i.source)).toEqual(['c.csv']);
  });

  it('an import whose days later ones all replaced is forgotten: an hourly feed keeps one entry', () => {
    let stored = addImport(undefined, a, 'a.csv', at(NOW));
    for (let h = 1; h <= 24; h++) stored = addImport(stored, b, 'feed.example', at(NOW + h * HOUR));
    expect(stored.imports.map((i) => [i.source, i.at])).toEqual([
      ['a.csv', NOW],
      ['feed.example', NOW + 24 * HOUR],
    ]);
    stored = addImport(stored, schedule([], [day(2025, 11, 24), day(2025, 11, 25)]), 'both.csv', at(NOW + 25 * HOUR));
    expect(stored.imports.map((i) => i.source)).toEqual(['both.csv']);
    expect(stored.schedule.slots).toEqual([]);
  });

  it('writes one point per group and start: of a definite and a possible slot starting together, the definite one', () => {
    const t = kyiv(2025, 11, 24, 8);
    const stored = addImport(
      undefined,
      schedule([slot('1.1', t, t + HOUR, 'possible'), slot('1.1', t, t + 2 * HOUR)], [day(2025, 11, 24)]),
      'x.csv',
      at(NOW),
    );
    expect(blackoutPoints(stored).map((p) => [p.time, p.fields.certainty, p.fields.end_ms])).toEqual([[t, 'definite', t + 2 * HOUR]]);
  });

  it('the real DTEK feed: every slot of the fact and the preset becomes a point, the same slot the same point', () => {
    const parsed = parseScheduleJson(fixture('dtek-kyiv-2025-11-24.json'), { timezone: KYIV, now: NOW });
    if ('problems' in parsed) throw new Error(parsed.problems.join('\n'));
    const once = addImport(undefined, parsed, 'dtek.json', at(NOW));
    const twice = addImport(once, parsed, 'dtek.json', at(NOW + HOUR));
    expect(twice.schedule.slots).toEqual(once.schedule.slots);
    expect(blackoutPoints(twice)).toEqual(blackoutPoints(once));
    expect(new Set(blackoutPoints(once).map((p) => p.tags.group))).toEqual(new Set(['1.1', '1.2', '3.1', '4.2', '6.1']));
  });
});

describe('the points InfluxDB holds against the schedule', () => {
  const t = kyiv(2025, 11, 24, 8);
  const stored: StoredSchedule = addImport(
    undefined,
    schedule([slot('3.1', t, t + 2 * HOUR), slot('3.2', t, t + HOUR)], [day(2025, 11, 24)]),
    'x.csv',
    at(NOW),
  );
  const points = blackoutPoints(stored);
  const held = (group: string, time: number, end_ms: number, source = 'x.csv') => ({ group, time, end_ms, kind: 'definite', source });

  it.each([
    { name: 'nothing held: every point is written', held: [], write: ['3.1', '3.2'], stale: [] },
    { name: 'held as they are: nothing is written', held: [held('3.1', t, t + 2 * HOUR), held('3.2', t, t + HOUR)], write: [], stale: [] },
    {
      name: 'a slot that changed its end or source is written again',
      held: [held('3.1', t, t + HOUR), held('3.2', t, t + HOUR, 'y.csv')],
      write: ['3.1', '3.2'],
      stale: [],
    },
    {
      name: 'a slot taken back inside a covered day is stale; one outside the covered days stays',
      held: [
        held('3.1', t, t + 2 * HOUR),
        held('3.2', t, t + HOUR),
        held('3.1', t + 4 * HOUR, t + 5 * HOUR),
        held('3.1', t - DAY, t - DAY + HOUR),
      ],
      write: [],
      stale: [t + 4 * HOUR],
    },
  ])('$name', ({ held: h, write, stale }) => {
    const r = reconcileBlackouts(points, h, stored.schedule.covers!);
    expect(r.write.map((p) => p.tags.group)).toEqual(write);
    expect(r.stale.map((b) => b.time)).toEqual(stale);
  });
});

describe('reading a schedule, and what changed', () => {
  it.each([
    ['{"fact": {}}', 'json'],
    ['\uFEFF  \n[1]', 'json'],
    ['group,start,end\n', 'csv'],
    ['', 'csv'],
  ])('%j is %s', (text, format) => expect(sniffFormat(text)).toBe(format));

  it('a CSV by its content, or as told', () => {
    const csv = 'group,start,end\n3.1,2025-11-24 08:00,2025-11-24 12:00\n';
    const read = parseScheduleText(csv, { timezone: KYIV, now: NOW });
    expect(read).toMatchObject({ source: 'csv', slots: [slot('3.1', kyiv(2025, 11, 24, 8), kyiv(2025, 11, 24, 12))] });
    expect(parseScheduleText(csv, { format: 'json', timezone: KYIV, now: NOW })).toEqual({
      problems: [expect.stringMatching(/^\$: not valid JSON/)],
    });
  });

  it('names the slots added and removed, their groups and local days', () => {
    const before = schedule(
      [slot('3.1', kyiv(2025, 11, 24, 8), kyiv(2025, 11, 24, 12)), slot('1.1', kyiv(2025, 11, 24, 8), kyiv(2025, 11, 24, 9))],
      [],
    );
    const after = schedule(
      [
        slot('3.1', kyiv(2025, 11, 24, 8), kyiv(2025, 11, 24, 10)),
        slot('1.1', kyiv(2025, 11, 24, 8), kyiv(2025, 11, 24, 9)),
        slot('4.2', kyiv(2025, 11, 25, 23), kyiv(2025, 11, 26, 1)),
      ],
      [],
    );
    expect(describeChange(before, after, KYIV)).toEqual({
      added: 2,
      removed: 1,
      groups: ['3.1', '4.2'],
      days: ['2025-11-24', '2025-11-25'],
    });
    expect(describeChange(after, after, KYIV)).toEqual({ added: 0, removed: 0, groups: [], days: [] });
  });

  it('a feed is logged without its user, password or query', () => {
    expect(feedForLog('https://me:secret@feed.example:8443/gpv/kyiv.json?token=abc&x=1')).toBe('https://feed.example:8443/gpv/kyiv.json');
  });
});

describe('the file', () => {
  let dir: string;
  let file: string;
  const a = schedule([slot('3.1', kyiv(2025, 11, 24, 8), kyiv(2025, 11, 24, 12))], [day(2025, 11, 24)]);
  const b = schedule([slot('3.1', kyiv(2025, 11, 24, 9), kyiv(2025, 11, 24, 10))], [day(2025, 11, 24)]);
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'merezha-schedule-'));
    file = scheduleFile(join(dir, 'server'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('is written whole and renamed over the old one: a reader of the old file reads it to its end', async () => {
    await importSchedule(file, a, 'a.csv', at(NOW));
    const reader = await open(file, 'r');
    try {
      const after = await importSchedule(file, b, 'b.csv', at(NOW + HOUR));
      expect(JSON.parse(await reader.readFile('utf8')).schedule.slots).toEqual(a.slots);
      expect(await readStoredSchedule(file)).toEqual(after);
      expect(after.schedule.slots).toEqual(b.slots);
    } finally {
      await reader.close();
    }
    expect(await readdir(join(dir, 'server'))).toEqual(['power-schedule.json']);
  });

  it.runIf(process.getuid?.() === 0)('written by root (the command on a package install), it goes to the data folder’s owner', async () => {
    await mkdir(join(dir, 'server'));
    await chown(join(dir, 'server'), 65534, 65534);
    await importSchedule(file, a, 'a.csv', at(NOW));
    expect(await stat(file)).toMatchObject({ uid: 65534, gid: 65534 });
  });

  it.each([
    ['not JSON', '{"version": 1, "schedule": '],
    [
      'not a schedule of Merezha',
      JSON.stringify({ version: 1, schedule: { slots: [{ group: '9.9', start: 0, end: 1, kind: 'definite' }], source: 'x' }, imports: [] }),
    ],
  ])('a damaged file (%s) is refused and left as it is', async (_, text) => {
    await importSchedule(file, a, 'a.csv', at(NOW));
    await writeFile(file, text);
    await expect(importSchedule(file, b, 'b.csv', at(NOW))).rejects.toBeInstanceOf(ScheduleFileError);
    expect(await readFile(file, 'utf8')).toBe(text);
  });
});

/** A feed on 127.0.0.1 that answers as `answer` says at the time. */
async function serveFeed(): Promise<{ server: Server; url: string; answer: (res: ServerResponse) => void; requests: number }> {
  const feed = {
    server: undefined as unknown as Server,
    url: '',
    requests: 0,
    answer: (res: ServerResponse) => void res.writeHead(404).end(),
  };
  feed.server = createServer((_, res) => {
    feed.requests++;
    feed.answer(res);
  });
  await new Promise<void>((resolve) => feed.server.listen(0, '127.0.0.1', resolve));
  feed.url = `http://127.0.0.1:${(feed.server.address() as AddressInfo).port}`;
  return feed;
}

describe('the running store', () => {
  let dir: string;
  let sink: MemorySink;
  let logged: Record<string, unknown>[];
  let store: ScheduleStore | undefined;
  const log = () => createLogger({ level: 'debug', destination: { write: (line: string) => void logged.push(JSON.parse(line)) } });
  const config = (power: Record<string, unknown> = {}): Config =>
    testConfig({
      server: { data_dir: join(dir, 'server') },
      power,
      villages: [{ id: 'v', name: 'V', power_group: '3.1', devices: [{ id: 'd', kind: 'uplink', host: '127.0.0.1' }] }],
    });
  const messages = (level: number) => logged.filter((l) => l.level === level).map((l) => String(l.msg));
  const WARN = 40;
  const INFO = 30;
  const csv = (h: number, to = h + 2) =>
    `group,start,end\n3.1,2025-11-24 ${String(h).padStart(2, '0')}:00,2025-11-24 ${String(to).padStart(2, '0')}:00\n`;
  const startsOf = () => store!.current()?.slots.map((s) => s.start);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'merezha-schedule-store-'));
    sink = new MemorySink();
    logged = [];
  });
  afterEach(async () => {
    await store?.stop();
    store = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the file at start, takes it again when another process changes it, and writes the points of every new schedule', async () => {
    const c = config();
    await importSchedule(
      scheduleFile(c.server.data_dir),
      schedule([slot('3.1', kyiv(2025, 11, 24, 8), kyiv(2025, 11, 24, 12))], [day(2025, 11, 24)]),
      'a.csv',
      at(NOW),
    );
    store = new ScheduleStore({ config: c, log: log(), sink, pollMs: 30, now: () => NOW });
    await store.start();
    expect(startsOf()).toEqual([kyiv(2025, 11, 24, 8)]);
    await waitFor('the points', () => sink.pointsOf('blackout').length > 0, 5_000);
    expect(sink.pointsOf('blackout').map((p) => [p.tags.group, p.time, p.fields.source])).toEqual([
      ['3.1', kyiv(2025, 11, 24, 8), 'a.csv'],
    ]);
    expect(sink.rejected).toEqual([]);

    // As `merezha power import-schedule` does it, beside the running process.
    const parsed = parseScheduleText(csv(14), { timezone: KYIV, now: NOW }) as BlackoutSchedule;
    await importSchedule(store.file, parsed, 'b.csv', at(NOW));
    await waitFor('the store to take the changed file', () => startsOf()?.[0] === kyiv(2025, 11, 24, 14), 5_000);
    await waitFor('its point', () => sink.pointsOf('blackout').length > 1, 5_000);
    expect(sink.pointsOf('blackout').at(-1)).toMatchObject({
      time: kyiv(2025, 11, 24, 14),
      fields: { source: 'b.csv', end_ms: kyiv(2025, 11, 24, 16) },
    });
    expect(messages(INFO)).toContainEqual(
      expect.stringMatching(/^blackout schedule changed by b\.csv: 1 slots added, 1 removed \(groups 3\.1 on 2025-11-24\)/),
    );

    // A damaged file is logged and the schedule kept.
    await writeFile(store.file, 'not json');
    await waitFor('the warning', () => messages(WARN).some((m) => m.startsWith('the blackout schedule file could not be read')), 5_000);
    expect(startsOf()).toEqual([kyiv(2025, 11, 24, 14)]);
  });

  it('imports the feed of power.schedule_url at start and every refresh; keeps the last good one when it fails, and says why once', async () => {
    const feed = await serveFeed();
    try {
      let text = fixture('dtek-kyiv-2025-11-24.json');
      feed.answer = (res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(text);
      const url = `http://reader:pa55word@${feed.url.slice('http://'.length)}/gpv.json?token=s3cr3t-t0ken`;
      store = new ScheduleStore({
        config: config({ schedule_url: url, schedule_refresh: '100ms' }),
        log: log(),
        sink,
        now: () => NOW,
        feedTimeoutMs: 1_000,
      });
      await store.start();
      await waitFor('the feed', () => store!.current() !== undefined, 5_000);
      const good = store.current()!;
      expect(good.source).toBe('dtek-gpv');
      expect(store.imports().at(-1)?.source).toBe(`127.0.0.1:${new URL(feed.url).port}`);
      const slots = new Set(good.slots.map((s) => `${s.group} ${s.start}`)).size;
      await waitFor('the points of the feed', () => sink.pointsOf('blackout').length === slots, 5_000);

      const failures: [string, (res: ServerResponse) => void, RegExp][] = [
        ['an HTTP error', (res) => void res.writeHead(503).end('down'), /HTTP 503/],
        [
          'not a schedule',
          (res) => void res.writeHead(200).end('{"hello": "world"}'),
          /not a schedule Merezha reads: \$: not a schedule shape/,
        ],
        ['too large', (res) => void res.writeHead(200).end(Buffer.alloc(FEED_MAX_BYTES + 1, 0x20)), /larger than/],
        ['no answer', () => undefined, /no answer within 1 s/],
      ];
      for (const [name, answer, reason] of failures) {
        feed.answer = answer;
        const before = feed.requests;
        await waitFor(`the warning of ${name}`, () => logged.some((l) => l.level === WARN && reason.test(String(l.reason))), 5_000);
        // Tried again at the refresh, warned once while the reason stays.
        await waitFor(`another try of ${name}`, () => feed.requests >= before + 2, 5_000);
        expect(logged.filter((l) => l.level === WARN && reason.test(String(l.reason)))).toHaveLength(1);
        expect(store.current()).toEqual(good);
      }
      text = 'group,start,end\n6.2,2025-11-24 20:00,2025-11-24 22:00\n';
      feed.answer = (res) => void res.writeHead(200, { 'content-type': 'text/csv' }).end(text);
      await waitFor('the feed back', () => store!.current()?.slots.some((s) => s.group === '6.2') === true, 5_000);
      expect(messages(INFO)).toContain('the blackout schedule feed answers again');
      const lines = JSON.stringify(logged);
      expect(lines).not.toContain('pa55word');
      expect(lines).not.toContain('s3cr3t-t0ken');
      expect(logged.find((l) => l.level === WARN)?.feed).toBe(`http://127.0.0.1:${new URL(feed.url).port}/gpv.json`);
    } finally {
      feed.server.closeAllConnections();
      feed.server.close();
    }
  });

  it('takes a new schedule_url on reconfigure, and stops fetching the one it had', async () => {
    const [one, two] = [await serveFeed(), await serveFeed()];
    try {
      one.answer = (res) => void res.writeHead(200).end(csv(8));
      two.answer = (res) => void res.writeHead(200).end(csv(18, 20));
      store = new ScheduleStore({
        config: config({ schedule_url: `${one.url}/a.csv`, schedule_refresh: '1h' }),
        log: log(),
        sink,
        now: () => NOW,
      });
      await store.start();
      await waitFor('the first feed', () => startsOf()?.[0] === kyiv(2025, 11, 24, 8), 5_000);
      store.reconfigure(config({ schedule_url: `${two.url}/b.csv`, schedule_refresh: '1h' }));
      await waitFor('the second feed', () => startsOf()?.[0] === kyiv(2025, 11, 24, 18), 5_000);
      expect([one.requests, two.requests]).toEqual([1, 1]);
    } finally {
      for (const f of [one, two]) {
        f.server.closeAllConnections();
        f.server.close();
      }
    }
  });
});
