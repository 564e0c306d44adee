/**
 * The cause of each outage over the API, against a real influxd: outage
 * points with the judged cause and its evidence (and older ones without),
 * listed with the evidence in words and filtered by cause; an admin's
 * reclassification (refused to a viewer, and for an outage that does not
 * exist) stored as an `outage_note`, the latest note winning, and carried by
 * the live event of an outage that ends after it was reclassified.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as api from '../../common/api.ts';
import { causeEvidenceText, type CauseEvidence, type CauseJudgement } from '../../common/words/cause.ts';
import type { Locale } from '../../common/words/locale.ts';
import type { OutageCause } from '../../common/words/power.ts';
import type { LiveEvent } from '../../server/dashboard.ts';
import { influxQuery } from '../../storage/influx-query.ts';
import type { Point } from '../../storage/point.ts';
import { openInfluxWriter, type InfluxWriter } from '../../storage/writer.ts';
import { buildInventory } from '../../server/inventory.ts';
import { ADMIN_PASSWORD, apiHarness, apiTestConfig, type ApiHarness } from '../support/api.ts';
import { readPoints, startTestInfluxd, testWriterOptions, waitFor, type TestInfluxd } from '../support/influxd.ts';

const DB = 'merezha_outage_causes';
const MIN = 60_000;
const HOUR = 60 * MIN;
const NOW = Math.floor(Date.now() / HOUR) * HOUR;
const VIEWER = { username: 'viewer', password: 'viewer-pass-123', role: 'viewer' as const };

interface Written {
  subject: string;
  start: number;
  end: number | null;
  /** Absent: an outage recorded before causes were judged. */
  judged?: { cause: OutageCause; evidence: CauseEvidence | string };
}

/** Newest first, as the API lists them. */
const OUTAGES: Record<string, Written> = {
  // Still going on, inside its queue's slot: the one reclassified while it lasts and then ended.
  yasne: {
    subject: 'yasne-uplink',
    start: NOW - HOUR,
    end: null,
    judged: { cause: 'scheduled_blackout', evidence: { slot: { group: '3.1', start: NOW - 2 * HOUR, end: NOW + 2 * HOUR } } },
  },
  school: {
    subject: 'zelene-school',
    start: NOW - 5 * HOUR,
    end: NOW - 4 * HOUR,
    judged: { cause: 'power', evidence: { supply: 'zelene-backup', on_battery_at: NOW - 5 * HOUR - 25 * MIN, lost_at: NOW - 5 * HOUR } },
  },
  website: { subject: 'service:website', start: NOW - 6 * HOUR, end: NOW - 6 * HOUR + 10 * MIN },
  // Evidence that does not read leaves the cause standing without it.
  backup: {
    subject: 'zelene-backup',
    start: NOW - 7 * HOUR,
    end: NOW - 7 * HOUR + 5 * MIN,
    judged: { cause: 'device', evidence: '{not json' },
  },
  uplink: {
    subject: 'zelene-uplink',
    start: NOW - 10 * HOUR,
    end: NOW - 8 * HOUR,
    judged: { cause: 'provider', evidence: { provider: 'fibre' } },
  },
  park: { subject: 'zelene-wifi-park', start: NOW - 26 * HOUR, end: NOW - 25 * HOUR },
};

/** Names as the test config gives them, written out here rather than read from the inventory under test. */
const NAMES: Record<string, string> = { fibre: 'Оптика', 'zelene-backup': 'Зелене, 4G' };
const words = (j: CauseJudgement, locale: Locale) =>
  causeEvidenceText(j, { locale, timeZone: 'Europe/Kyiv', name: (id) => NAMES[id] ?? id });
/** «14:35» in Kyiv. */
const kyiv = (t: number) =>
  new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Kyiv', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(t);

let influxd: TestInfluxd;
let writer: InfluxWriter;
let spool: string;
let h: ApiHarness;
let admin: { cookie: string; csrf: string };
let viewer: { cookie: string; csrf: string };

beforeAll(async () => {
  influxd = await startTestInfluxd();
  spool = await mkdtemp(join(tmpdir(), 'merezha-cause-spool-'));
  writer = await openInfluxWriter(testWriterOptions(influxd.url, DB, spool));
  // The tags the state engine writes with, from the test config's inventory.
  const inventory = buildInventory(apiTestConfig(spool));
  const tagsOf = (key: string) => inventory.subjects.get(key)!.tags;
  const points: Point[] = Object.values(OUTAGES).map((o) => ({
    measurement: 'outage',
    tags: tagsOf(o.subject),
    fields: {
      open: o.end === null ? 1 : 0,
      reason: 'no answer to ping',
      unreachable: '',
      ...(o.end === null ? {} : { end_ms: o.end, duration_s: (o.end - o.start) / 1000 }),
      ...(o.judged
        ? {
            cause: o.judged.cause,
            cause_evidence: typeof o.judged.evidence === 'string' ? o.judged.evidence : JSON.stringify(o.judged.evidence),
          }
        : {}),
    },
    time: o.start,
  }));
  // Ясне's uplink went down with its open outage: the engine takes both back at start, and ends the outage when it answers.
  points.push({
    measurement: 'transition',
    tags: tagsOf('yasne-uplink'),
    fields: { from: 'up', to: 'down', reason: 'no answer to ping' },
    time: OUTAGES.yasne!.start,
  });
  writer.write(points);
  await writer.flush();

  h = await apiHarness({ query: influxQuery({ url: influxd.url, database: DB }), store: writer, now: NOW });
  admin = await h.signIn('admin', ADMIN_PASSWORD);
  const created = await h.request({
    method: 'POST',
    url: '/api/users',
    headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf },
    payload: VIEWER,
  });
  expect(created.statusCode).toBe(201);
  viewer = await h.signIn(VIEWER.username, VIEWER.password);
}, 120_000);

afterAll(async () => {
  await h?.close();
  await writer?.close();
  await influxd?.dispose();
  if (spool) await rm(spool, { recursive: true, force: true });
});

async function list(query = ''): Promise<api.OutageItem[]> {
  const res = await h.request({ method: 'GET', url: `/api/outages${query}`, headers: { cookie: viewer.cookie } });
  expect(res.statusCode, res.body).toBe(200);
  return api.outagesResponse.parse(res.json()).outages;
}

const reclassify = (who: { cookie: string; csrf: string }, payload: Record<string, unknown>) =>
  h.request({
    method: 'POST',
    url: '/api/outages/cause',
    headers: { cookie: who.cookie, 'x-csrf-token': who.csrf },
    payload,
  });

const find = (items: api.OutageItem[], o: Written) => items.find((i) => i.subject === o.subject && i.start === o.start);

describe('GET /api/outages', () => {
  it('gives each outage its judged cause with the evidence in words and as data, and unknown to outages recorded without one', async () => {
    const items = await list();
    expect(items.map((i) => [i.subject, i.start])).toEqual(Object.values(OUTAGES).map((o) => [o.subject, o.start]));

    const school = find(items, OUTAGES.school!)!;
    const facts = OUTAGES.school!.judged!.evidence as CauseEvidence;
    expect(school).toMatchObject({ cause: 'power', cause_judged: 'power', cause_facts: facts, reclassified: null });
    expect(school.cause_evidence).toBe(words({ cause: 'power', evidence: facts }, 'uk'));
    // The UPS by its name, and the times in the hromada's zone.
    expect(school.cause_evidence).toContain('Зелене, 4G');
    expect(school.cause_evidence).toContain(kyiv(facts.lost_at!));
    expect(school.cause_evidence).toContain(kyiv(facts.on_battery_at!));

    const uplink = find(items, OUTAGES.uplink!)!;
    expect(uplink).toMatchObject({ cause: 'provider', cause_judged: 'provider', cause_facts: { provider: 'fibre' } });
    expect(uplink.cause_evidence).toBe(words({ cause: 'provider', evidence: { provider: 'fibre' } }, 'uk'));
    expect(uplink.cause_evidence).toContain('Оптика');

    const yasne = find(items, OUTAGES.yasne!)!;
    expect(yasne).toMatchObject({ cause: 'scheduled_blackout', end: null });
    expect(yasne.cause_evidence).toContain('3.1');

    for (const old of [OUTAGES.park!, OUTAGES.website!]) {
      expect(find(items, old)).toMatchObject({
        cause: 'unknown',
        cause_judged: 'unknown',
        cause_evidence: '',
        cause_facts: {},
        reclassified: null,
      });
    }
    expect(find(items, OUTAGES.backup!)).toMatchObject({ cause: 'device', cause_facts: {}, cause_evidence: '' });
  });

  it('tells the evidence in the locale asked for', async () => {
    const uplink = find(await list('?locale=en'), OUTAGES.uplink!)!;
    expect(uplink.cause_evidence).toBe(words({ cause: 'provider', evidence: { provider: 'fibre' } }, 'en'));
    expect(uplink.cause_evidence).not.toBe(find(await list(), OUTAGES.uplink!)!.cause_evidence);
  });

  it('filters by cause, with the other filters and the limit', async () => {
    const subjects = async (query: string) => (await list(query)).map((i) => i.subject);
    expect(await subjects('?cause=power,provider')).toEqual(['zelene-school', 'zelene-uplink']);
    expect(await subjects('?cause=unknown')).toEqual(['service:website', 'zelene-wifi-park']);
    expect(await subjects('?cause=power,provider&limit=1')).toEqual(['zelene-school']);
    expect(await subjects('?cause=power,provider&village=zelene&device=zelene-uplink')).toEqual(['zelene-uplink']);
    expect(await subjects('?cause=maintenance')).toEqual([]);
    const bad = await h.request({ method: 'GET', url: '/api/outages?cause=weather', headers: { cookie: viewer.cookie } });
    expect(bad.statusCode).toBe(400);
  });
});

describe('POST /api/outages/cause', () => {
  it('is refused to a viewer, for an outage that does not exist, and without a note', async () => {
    const uplink = OUTAGES.uplink!;
    const asViewer = await reclassify(viewer, { subject: uplink.subject, start: uplink.start, cause: 'power', note: 'світла не було' });
    expect(asViewer.statusCode).toBe(403);
    const noSuchStart = await reclassify(admin, { subject: uplink.subject, start: uplink.start + 1, cause: 'power', note: 'x' });
    expect(noSuchStart.statusCode, noSuchStart.body).toBe(404);
    const noSuchSubject = await reclassify(admin, { subject: 'nowhere', start: uplink.start, cause: 'power', note: 'x' });
    expect(noSuchSubject.statusCode).toBe(404);
    for (const note of ['', '   ', 'x'.repeat(501)]) {
      const res = await reclassify(admin, { subject: uplink.subject, start: uplink.start, cause: 'power', note });
      expect(res.statusCode, JSON.stringify(note)).toBe(400);
    }
    const badCause = await reclassify(admin, { subject: uplink.subject, start: uplink.start, cause: 'weather', note: 'x' });
    expect(badCause.statusCode).toBe(400);
    expect(await readPoints(influxd, DB, 'outage_note')).toEqual([]);
    expect(find(await list(), uplink)).toMatchObject({ cause: 'provider', reclassified: null });
  });

  it('records the admin’s cause and note, who and when; the latest note wins, in the list and in the store', async () => {
    const uplink = OUTAGES.uplink!;
    const first = await reclassify(admin, {
      subject: uplink.subject,
      start: uplink.start,
      cause: 'power',
      note: 'Світла не було в усьому селі',
    });
    expect(first.statusCode, first.body).toBe(200);
    expect(api.outageItem.parse(first.json())).toMatchObject({
      subject: 'zelene-uplink',
      start: uplink.start,
      cause: 'power',
      cause_judged: 'provider',
      reclassified: { cause: 'power', note: 'Світла не було в усьому селі', by: 'admin', at: NOW },
    });

    h.clock.now = NOW + MIN;
    const second = await reclassify(admin, {
      subject: uplink.subject,
      start: uplink.start,
      cause: 'scheduled_blackout',
      note: '  Черга 3.1 за графіком ДТЕК  ',
      locale: 'en',
    });
    expect(second.statusCode, second.body).toBe(200);
    const answered = api.outageItem.parse(second.json());
    const note = { by: 'admin', text: 'Черга 3.1 за графіком ДТЕК', at: NOW + MIN };
    expect(answered).toMatchObject({
      cause: 'scheduled_blackout',
      cause_judged: 'provider',
      cause_facts: { provider: 'fibre', note },
      reclassified: { cause: 'scheduled_blackout', note: note.text, by: 'admin', at: NOW + MIN },
    });
    expect(answered.cause_evidence).toBe(words({ cause: 'scheduled_blackout', evidence: { provider: 'fibre', note } }, 'en'));
    expect(answered.cause_evidence).toContain(note.text);

    // A service is reclassified by its subject key.
    const website = OUTAGES.website!;
    const service = await reclassify(admin, {
      subject: website.subject,
      start: website.start,
      cause: 'maintenance',
      note: 'оновлення сайту',
    });
    expect(service.statusCode, service.body).toBe(200);

    const items = await list();
    // The same outage in the hromada's language.
    expect(find(items, uplink)).toEqual({
      ...answered,
      cause_evidence: words({ cause: 'scheduled_blackout', evidence: { provider: 'fibre', note } }, 'uk'),
    });
    expect(find(items, website)).toMatchObject({
      cause: 'maintenance',
      cause_judged: 'unknown',
      reclassified: { cause: 'maintenance', note: 'оновлення сайту', by: 'admin' },
    });
    const subjects = async (query: string) => (await list(query)).map((i) => i.subject);
    expect(await subjects('?cause=power,provider')).toEqual(['zelene-school']);
    expect(await subjects('?cause=scheduled_blackout,maintenance')).toEqual(['yasne-uplink', 'service:website', 'zelene-uplink']);

    // One note per outage in the store: the later one replaced the earlier, at the outage's start, with the subject's tags.
    const stored = await readPoints(influxd, DB, 'outage_note');
    expect(stored).toEqual([
      {
        measurement: 'outage_note',
        tags: h.monitor.inventory.subjects.get('zelene-uplink')!.tags,
        fields: { start_ms: uplink.start, cause: 'scheduled_blackout', note: note.text, by: 'admin', at_ms: NOW + MIN },
        time: uplink.start,
      },
      {
        measurement: 'outage_note',
        tags: { service: 'website' },
        fields: { start_ms: website.start, cause: 'maintenance', note: 'оновлення сайту', by: 'admin', at_ms: NOW + MIN },
        time: website.start,
      },
    ]);
  });

  it('keeps the reclassification of an outage that ends after it, in the live event of its end', async () => {
    const yasne = OUTAGES.yasne!;
    const res = await reclassify(admin, {
      subject: yasne.subject,
      start: yasne.start,
      cause: 'power',
      note: 'ДБЖ вимкнувся раніше за слот',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(api.outageItem.parse(res.json())).toMatchObject({ cause: 'power', cause_judged: 'scheduled_blackout', end: null });

    const ended: api.OutageItem[] = [];
    h.dashboard.onEvent((e: LiveEvent) => {
      if (e.name === 'outage' && e.payload.subject === yasne.subject && e.payload.end !== null) ended.push(e.payload);
    });
    h.ping(yasne.subject, true, h.config.states.up_after);
    await waitFor('the live event of the end of Ясне’s outage', () => ended.length > 0, 10_000);
    expect(api.outageItem.parse(ended[0])).toMatchObject({
      start: yasne.start,
      cause: 'power',
      reclassified: { cause: 'power', note: 'ДБЖ вимкнувся раніше за слот', by: 'admin' },
    });
  });
});
