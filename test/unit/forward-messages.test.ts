/**
 * How a spool segment becomes JetStream messages: by channel, in batches of
 * `forward.batch_points`, halved below NATS's payload limit, the same points
 * always the same messages (so a segment sent again is a duplicate). And a
 * reload that changes `forward:` keeps it running as it started (it needs a
 * restart, and the reload says so).
 */
import { describe, expect, it } from 'vitest';
import { subjectOf } from '../../common/federation.ts';
import { planReload } from '../../config/reload.ts';
import { forwardMessages } from '../../storage/forward/forwarder.ts';
import { decodeData, messageId } from '../../storage/forward/wire.ts';
import type { Point } from '../../storage/point.ts';
import { testConfig } from '../support/config.ts';

const T0 = Date.UTC(2026, 2, 1);
const ping = (i: number): Point => ({
  measurement: 'ping',
  tags: { device: `d${i % 5}` },
  fields: { reachable: 1, sent: 3, loss_pct: 0 },
  time: T0 + i,
});
const outage = (i: number): Point => ({ measurement: 'outage', tags: { subject: `d${i}` }, fields: { duration_s: 60 }, time: T0 + i });
const transition = (i: number): Point => ({
  measurement: 'transition',
  tags: { subject: `d${i}` },
  fields: { to: 'offline' },
  time: T0 + i,
});
const alert = (i: number): Point => ({ measurement: 'alert', tags: { event: 'down' }, fields: { text: 'Село без зв’язку' }, time: T0 + i });
const delivery = (i: number): Point => ({ measurement: 'delivery', tags: { channel: 'hook' }, fields: { ok: true }, time: T0 + i });

const LIMITS = { batchPoints: 10, maxBytes: 1_000_000 };

describe('forwardMessages', () => {
  // Interleaved, as the writer admits them.
  const points = [
    ...Array.from({ length: 25 }, (_, i) => ping(i)),
    outage(1),
    transition(1),
    alert(1),
    delivery(1),
    outage(2),
    transition(2),
  ];

  it('splits by channel, in batches of batch_points, each point once and in order, on its hromada subject', () => {
    const { messages, tooLarge } = forwardMessages('alpha', points, LIMITS);
    expect(tooLarge).toEqual([]);
    expect(messages.map((m) => [m.subject, m.points])).toEqual([
      [subjectOf('alpha', 'points'), 10],
      [subjectOf('alpha', 'points'), 10],
      [subjectOf('alpha', 'points'), 5],
      [subjectOf('alpha', 'outages'), 2],
      [subjectOf('alpha', 'states'), 2],
      [subjectOf('alpha', 'alerts'), 2],
    ]);
    const decoded = (channel: string) => messages.filter((m) => m.channel === channel).flatMap((m) => decodeData(m.body));
    expect(decoded('points')).toEqual(points.filter((p) => p.measurement === 'ping'));
    expect(decoded('outages')).toEqual([outage(1), outage(2)]);
    expect(decoded('states')).toEqual([transition(1), transition(2)]);
    expect(decoded('alerts')).toEqual([alert(1), delivery(1)]);
    for (const m of messages) expect(m.id).toBe(messageId('alpha', m.body));
  });

  it('gives the same points the same message ids, and another hromada other ids', () => {
    const ids = (hromada: string) => forwardMessages(hromada, points, LIMITS).messages.map((m) => m.id);
    expect(ids('alpha')).toEqual(ids('alpha'));
    expect(new Set(ids('alpha')).size).toBe(6);
    expect(ids('beta').filter((id) => ids('alpha').includes(id))).toEqual([]);
  });

  it('halves a batch until its body fits the payload limit, and sets aside a point no message can hold', () => {
    const oneBody = Buffer.byteLength(forwardMessages('alpha', [ping(0)], LIMITS).messages[0]!.body);
    const { messages, tooLarge } = forwardMessages('alpha', points.slice(0, 10), { batchPoints: 10, maxBytes: oneBody * 3 });
    expect(messages.every((m) => Buffer.byteLength(m.body) <= oneBody * 3)).toBe(true);
    expect(messages.flatMap((m) => decodeData(m.body))).toEqual(points.slice(0, 10));
    expect(tooLarge).toEqual([]);

    const huge: Point = { ...alert(9), fields: { text: 'x'.repeat(5_000) } };
    const split = forwardMessages('alpha', [alert(3), huge], { batchPoints: 10, maxBytes: 2_000 });
    expect(split.tooLarge).toEqual([huge]);
    expect(split.messages.flatMap((m) => decodeData(m.body))).toEqual([alert(3)]);
  });
});

describe('forward: on reload', () => {
  it('keeps the running forward: and lists it as needing a restart', () => {
    const forward = { hromada: 'alpha', servers: ['nats://127.0.0.1:4222'], credentials: '/etc/merezha/alpha.nk' };
    const villages = [{ id: 'v', name: 'Село', devices: [{ id: 'd', kind: 'uplink' as const, host: '127.0.0.2' }] }];
    const running = testConfig({ villages, forward });
    const file = testConfig({ villages, forward: { ...forward, servers: ['nats://127.0.0.1:4333'] } });
    const plan = planReload(running, file);
    expect(plan.config.forward).toEqual(running.forward);
    expect(plan.restart).toContain('forward.servers');
  });
});

describe('decodeData', () => {
  it('refuses what is not a data message, saying where', () => {
    const ok = { measurement: 'ping', tags: { device: 'd' }, fields: { reachable: 1 }, time: 1 };
    expect(decodeData(JSON.stringify({ v: 1, points: [ok] }))).toEqual([ok]);
    expect(() => decodeData('{')).toThrow();
    expect(() => decodeData(JSON.stringify({ v: 2, points: [] }))).toThrow(/version 1/);
    expect(() => decodeData(JSON.stringify({ v: 1, points: {} }))).toThrow(/points is not a list/);
    expect(() => decodeData(JSON.stringify({ v: 1, points: [{ ...ok, measurement: 'nope' }] }))).toThrow(/points\[0\]\.measurement "nope"/);
    expect(() => decodeData(JSON.stringify({ v: 1, points: [ok, { ...ok, time: 1.5 }] }))).toThrow(/points\[1\]\.time/);
    expect(() => decodeData(JSON.stringify({ v: 1, points: [{ ...ok, tags: { a: 1 } }] }))).toThrow(/points\[0\]\.tags/);
    expect(() => decodeData(JSON.stringify({ v: 1, points: [{ ...ok, fields: null }] }))).toThrow(/points\[0\]\.fields/);
  });
});
