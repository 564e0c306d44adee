/**
 * The registry's pure parts: a heartbeat checked against its schema and its
 * subject, and the oblast's list made from central.yaml and what was heard.
 */
import { describe, expect, it } from 'vitest';
import { hromadaItem as hromadaItemSchema } from '../../common/api.ts';
import { DEFAULT_STALE_AFTER_MS, hromadaItems, readHeartbeat, type HeardFrom } from '../../central/registry.ts';
import type { CentralHromada } from '../../config/central.ts';
import { sampleHeartbeat } from '../support/central-heartbeat.ts';

const NOW = Date.UTC(2026, 2, 1, 10, 0, 0);

describe('readHeartbeat', () => {
  const beat = sampleHeartbeat('ivankiv', { sentAt: NOW });

  it('takes a heartbeat sent under its own subject', () => {
    expect(readHeartbeat('ivankiv', JSON.stringify(beat))).toEqual({ ok: true, heartbeat: beat });
  });

  it.each([
    ['not JSON', 'ivankiv', '{', /^not JSON/],
    ['a field missing', 'ivankiv', JSON.stringify({ ...beat, backlog: undefined }), /backlog/],
    ['a field of the wrong type', 'ivankiv', JSON.stringify({ ...beat, sent_at: 'now' }), /sent_at/],
    ['another hromada in the body', 'borodianka', JSON.stringify(beat), /sent as hromada "ivankiv"/],
  ])('refuses %s', (_, hromada, body, reason) => {
    expect(readHeartbeat(hromada, body)).toMatchObject({ ok: false, reason });
  });
});

describe('hromadaItems', () => {
  const listed: CentralHromada[] = [
    { id: 'ivankiv', name: 'Іванківська', location: { lat: 50.93, lon: 29.9 } },
    { id: 'borodianka', name: 'Бородянська' },
    { id: 'yasnohorodka', name: 'Ясногородська' },
  ];
  const heard = (h: Partial<HeardFrom>): HeardFrom => ({ heartbeat: null, inventory: null, lastMessageAt: null, ...h });

  it('lists every configured hromada, unknown before its first heartbeat, in Ukrainian order', () => {
    const items = hromadaItems(listed, new Map(), NOW, DEFAULT_STALE_AFTER_MS);
    // By code point, І (U+0406) would come before Б (U+0411).
    expect(items.map((h) => h.name)).toEqual(['Бородянська', 'Іванківська', 'Ясногородська']);
    expect(items[1]).toEqual({
      id: 'ivankiv',
      name: 'Іванківська',
      state: 'unknown',
      devices: 0,
      last_message_at: null,
      backlog: 0,
      location: { lat: 50.93, lon: 29.9 },
      backlog_oldest: null,
      heartbeat_at: null,
      version: null,
      coverage: null,
      uptime: null,
      invincibility: null,
    });
    for (const item of items) hromadaItemSchema.parse(item);
  });

  it('shows the latest heartbeat: state from the villages, devices, backlog, coverage, uptime and points', () => {
    const beat = sampleHeartbeat('ivankiv', {
      sentAt: NOW - 5_000,
      villages: ['online', 'offline'],
      devices: 42,
      backlog: { points: 1200, bytes: 90_000, oldest: NOW - 600_000 },
      uptime: { '24h': 91.5, '7d': 95, '30d': null, year: null },
    });
    const [, item] = hromadaItems(listed, new Map([['ivankiv', heard({ heartbeat: beat, lastMessageAt: NOW - 1_000 })]]), NOW, 45_000);
    expect(item).toMatchObject({
      id: 'ivankiv',
      state: 'degraded',
      devices: 42,
      last_message_at: NOW - 1_000,
      backlog: 1200,
      backlog_oldest: NOW - 600_000,
      heartbeat_at: NOW - 5_000,
      version: '0.1.0-test',
      coverage: beat.villages.total,
      uptime: { '24h': 91.5, '7d': 95, '30d': null, year: null },
      invincibility: { total: 2, in_blackout: 1, online_in_blackout: 1, lacking: 0 },
    });
    hromadaItemSchema.parse(item);
  });

  it('calls a hromada stale once its heartbeat is older than staleAfterMs, whatever its villages said', () => {
    const beat = sampleHeartbeat('ivankiv', { sentAt: NOW, villages: ['online'] });
    const state = (now: number) =>
      hromadaItems(listed, new Map([['ivankiv', heard({ heartbeat: beat })]]), now, 45_000).find((h) => h.id === 'ivankiv')!.state;
    expect(state(NOW + 45_000)).toBe('online');
    expect(state(NOW + 45_001)).toBe('stale');
  });

  it('adds a hromada that sends without being listed, named from its heartbeat, not placed', () => {
    const beat = sampleHeartbeat('zhytomyr-x', { name: 'Аврамівська', sentAt: NOW });
    const items = hromadaItems(
      listed,
      new Map([
        ['zhytomyr-x', heard({ heartbeat: beat, lastMessageAt: NOW })],
        // Data but no heartbeat yet: its id is its name.
        ['quiet', heard({ lastMessageAt: NOW - 10 })],
      ]),
      NOW,
      45_000,
    );
    expect(items.map((h) => [h.id, h.name, h.state, h.location])).toEqual([
      ['zhytomyr-x', 'Аврамівська', 'online', null],
      ['borodianka', 'Бородянська', 'unknown', null],
      ['ivankiv', 'Іванківська', 'unknown', { lat: 50.93, lon: 29.9 }],
      ['yasnohorodka', 'Ясногородська', 'unknown', null],
      ['quiet', 'quiet', 'unknown', null],
    ]);
  });
});
