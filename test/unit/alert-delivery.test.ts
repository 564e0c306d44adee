/**
 * Delivery and the alert service with fake channels: retries with back-off,
 * give-up, a channel that hangs or fails holding up no other, secrets kept out
 * of errors, the alert log written before anything is sent, and a restart
 * that sends what was owed and nothing that was delivered.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.ts';
import type { Channel } from '../../alerting/channels/types.ts';
import { DeliveryError } from '../../alerting/channels/types.ts';
import { Delivery, redact } from '../../alerting/delivery.ts';
import { AlertService } from '../../server/alerts/service.ts';
import type { AlertRecord, DeliveryAttempt } from '../../alerting/record.ts';
import { buildInventory } from '../../server/inventory.ts';
import type { Snapshot, SubjectView } from '../../server/state/types.ts';
import { memoryEventStore } from '../support/memory-sink.ts';
import { testConfig } from '../support/config.ts';

const POLICY = { attempts: 4, backoffMs: 10, maxBackoffMs: 40, timeoutMs: 200 };

function alert(id: string, overrides: Partial<AlertRecord> = {}): AlertRecord {
  return {
    id,
    time: Date.now(),
    action: 'open',
    event: 'down',
    key: `down:uplink:${id}`,
    subject: 'uplink',
    channels: ['a'],
    folds: [],
    reminder: 0,
    state: 'down',
    since: Date.now(),
    unreachable: [],
    villageOffline: false,
    title: 'title',
    message: 'message',
    ...overrides,
  };
}

/** A channel that runs `behaviour` for each send and remembers what it sent. */
function fakeChannel(id: string, behaviour: (alert: AlertRecord, n: number, signal: AbortSignal) => Promise<void> = async () => {}) {
  const sent: Array<{ id: string; at: number }> = [];
  let n = 0;
  const channel: Channel & { sent: typeof sent } = {
    id,
    type: 'fake',
    secrets: ['s3cret-token'],
    sent,
    async send(a, signal) {
      await behaviour(a, ++n, signal);
      sent.push({ id: a.id, at: Date.now() });
    },
  };
  return channel;
}

function delivery(channels: Channel[]) {
  const attempts: DeliveryAttempt[] = [];
  const d = new Delivery({
    channels: new Map(channels.map((c) => [c.id, c])),
    policy: POLICY,
    log: silentLogger(),
    onAttempt: (a) => attempts.push(a),
  });
  return { d, attempts };
}

describe('delivery', () => {
  it('retries with back-off until the channel takes the alert', async () => {
    const flaky = fakeChannel('a', async (_a, n) => {
      if (n < 3) throw new DeliveryError(`HTTP 502 at attempt ${n}`);
    });
    const { d, attempts } = delivery([flaky]);
    d.enqueue(alert('x1'), 'a');
    await d.idle();
    expect(attempts.map((a) => [a.attempt, a.ok, a.final, a.error])).toEqual([
      [1, false, false, 'HTTP 502 at attempt 1'],
      [2, false, false, 'HTTP 502 at attempt 2'],
      [3, true, true, undefined],
    ]);
    expect(attempts[1]!.time - attempts[0]!.time).toBeGreaterThanOrEqual(9);
    expect(attempts[2]!.time - attempts[1]!.time).toBeGreaterThanOrEqual(19);
    expect(flaky.sent.map((s) => s.id)).toEqual(['x1']);
  });

  it('gives up after the last attempt, and at once on a permanent error', async () => {
    const down = fakeChannel('a', async () => {
      throw new DeliveryError('connection refused');
    });
    const wrong = fakeChannel('b', async () => {
      throw new DeliveryError('HTTP 400', { permanent: true });
    });
    const { d, attempts } = delivery([down, wrong]);
    d.enqueue(alert('x2'), 'a');
    d.enqueue(alert('x3'), 'b');
    await d.idle();
    expect(attempts.filter((a) => a.channel === 'a').map((a) => [a.attempt, a.final])).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [4, true],
    ]);
    expect(attempts.filter((a) => a.channel === 'b').map((a) => [a.attempt, a.final])).toEqual([[1, true]]);
  });

  it('a channel that hangs or keeps failing holds up no other channel', async () => {
    const hangs = fakeChannel('slow', () => new Promise<void>(() => {}));
    const fine = fakeChannel('fine');
    const { d, attempts } = delivery([hangs, fine]);
    const started = Date.now();
    d.enqueue(alert('x4', { channels: ['slow', 'fine'] }), 'slow');
    d.enqueue(alert('x4', { channels: ['slow', 'fine'] }), 'fine');
    d.enqueue(alert('x5', { channels: ['fine'] }), 'fine');
    await new Promise((r) => setTimeout(r, 50));
    expect(fine.sent.map((s) => s.id)).toEqual(['x4', 'x5']);
    expect(fine.sent.every((s) => s.at - started < 50)).toBe(true);
    await d.stop();
    expect(attempts.filter((a) => a.channel === 'slow')).toEqual([]);
  });

  it('keeps the order of alerts within a channel', async () => {
    const ch = fakeChannel('a', async (a, n) => {
      if (a.id === 'first' && n === 1) throw new DeliveryError('try again');
    });
    const { d } = delivery([ch]);
    d.enqueue(alert('first'), 'a');
    d.enqueue(alert('second'), 'a');
    await d.idle();
    expect(ch.sent.map((s) => s.id)).toEqual(['first', 'second']);
  });

  it('times out an attempt, and never stores a secret in an error', async () => {
    const leaky = fakeChannel('a', async (_a, n, signal) => {
      if (n === 1) throw new Error('POST https://api.telegram.org/bots3cret-token/sendMessage failed');
      await new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
    });
    const { d, attempts } = delivery([leaky]);
    d.enqueue(alert('x6'), 'a');
    await d.idle();
    expect(attempts[0]!.error).toBe('POST https://api.telegram.org/bot***/sendMessage failed');
    expect(attempts.every((a) => !a.error?.includes('s3cret-token'))).toBe(true);
    expect(attempts.slice(1).map((a) => a.error)).toEqual(['timed out', 'timed out', 'timed out']);
  });

  it('after a reload sends what is queued through the channel of the same id as it is now, drops what a removed one had queued', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const closed: string[] = [];
    const withClose = (channel: ReturnType<typeof fakeChannel>, name: string) =>
      Object.assign(channel, { close: async () => void closed.push(name) });
    const oldA = withClose(
      fakeChannel('a', () => gate),
      'old a',
    );
    const oldB = withClose(
      fakeChannel('b', () => gate),
      'old b',
    );
    const { d, attempts } = delivery([oldA, oldB]);
    for (const [id, channel] of [
      ['a1', 'a'],
      ['a2', 'a'],
      ['b1', 'b'],
      ['b2', 'b'],
    ])
      d.enqueue(alert(id!), channel!);

    const newA = fakeChannel('a');
    d.reconfigure(new Map([['a', newA]]), { ...POLICY, attempts: 1 });
    expect(closed.sort()).toEqual(['old a', 'old b']);
    release();
    await d.idle();
    // The sends in flight finish where they began; the rest follow the reloaded config.
    expect([oldA.sent.map((x) => x.id), newA.sent.map((x) => x.id), oldB.sent.map((x) => x.id)]).toEqual([['a1'], ['a2'], ['b1']]);
    expect(attempts.map((x) => x.alertId).sort()).toEqual(['a1', 'a2', 'b1']);
  });

  it('redacts secrets and their URL-encoded forms', () => {
    expect(redact('smtp://it:p@ss w0rd@mail:587 p%40ss%20w0rd', ['p@ss w0rd'])).toBe('smtp://it:***@mail:587 ***');
  });
});

describe('alert service', () => {
  const config = testConfig({
    villages: [{ id: 'v', name: 'Село', devices: [{ id: 'uplink', kind: 'uplink', host: '127.0.70.1' }] }],
    alerts: {
      channels: [
        { id: 'a', type: 'log' },
        { id: 'b', type: 'log' },
      ],
      rules: [{ on: ['down', 'recovered'], channels: ['a', 'b'], repeat: '1h' }],
    },
  });
  const inventory = buildInventory(config);
  const T = Date.UTC(2025, 5, 3, 9, 0);
  const snapshotOf =
    (view: Partial<SubjectView>): (() => Snapshot) =>
    () => ({
      at: T,
      subjects: new Map([['uplink', { key: 'uplink', state: 'up', since: 0, reason: '', ...view }]]),
      villages: new Map([['v', { id: 'v', offline: false, since: 0, maintenance: false }]]),
    });
  const down = snapshotOf({
    state: 'down',
    since: T - 60_000,
    outage: { start: T - 60_000, reason: 'no answer to ping', unreachable: [] },
  });

  it('records an alert in the log before it is sent, and each attempt after', async () => {
    const store = memoryEventStore();
    const order: string[] = [];
    const flush = store.flush;
    store.flush = async () => {
      order.push(`flush ${store.points.map((p) => p.measurement).join(',')}`);
      await flush();
    };
    const channel = fakeChannel('a', async () => void order.push('send a'));
    const service = new AlertService({
      config,
      inventory,
      store,
      log: silentLogger(),
      channels: [channel, fakeChannel('b')],
      snapshot: down,
      now: () => T,
    });
    const [record] = service.plan();
    expect(record).toMatchObject({ action: 'open', event: 'down', channels: ['a', 'b'] });
    await service.idle();
    expect(order[0]).toBe('flush alert');
    expect(order[1]).toBe('send a');
    expect(store.points.filter((p) => p.measurement === 'delivery').map((p) => [p.tags.channel, p.fields.ok])).toEqual([
      ['a', 1],
      ['b', 1],
    ]);
    expect(service.plan()).toEqual([]);
  });

  it('after a restart sends what was owed and nothing that was delivered or given up', async () => {
    const delivered = alert('d1', { channels: ['a', 'b'], time: T - 30_000 });
    const attempts: DeliveryAttempt[] = [
      { alertId: 'd1', channel: 'a', event: 'down', attempt: 1, ok: true, final: true, time: T - 29_000, delayMs: 1000 },
      {
        alertId: 'd1',
        channel: 'b',
        event: 'down',
        attempt: 1,
        ok: false,
        final: false,
        error: 'HTTP 502',
        time: T - 29_000,
        delayMs: 1000,
      },
    ];
    const a = fakeChannel('a');
    const b = fakeChannel('b');
    const service = new AlertService({
      config,
      inventory,
      store: memoryEventStore(),
      log: silentLogger(),
      channels: [a, b],
      snapshot: snapshotOf({ state: 'down', since: T - 60_000, outage: { start: T - 60_000, reason: 'x', unreachable: [] } }),
      history: { records: [{ ...delivered, key: `down:uplink:${T - 60_000}` }], attempts },
      now: () => T,
    });
    await service.idle();
    expect(a.sent).toEqual([]);
    expect(b.sent.map((s) => s.id)).toEqual(['d1']);
    expect(
      service
        .attempts()
        .filter((x) => x.channel === 'b')
        .map((x) => x.attempt),
    ).toEqual([1, 2]);
    // The episode is known: planning again makes nothing new.
    expect(service.plan()).toEqual([]);
  });

  it('acknowledging an outage stops its reminders', async () => {
    let now = T;
    const service = new AlertService({
      config,
      inventory,
      store: memoryEventStore(),
      log: silentLogger(),
      channels: [fakeChannel('a'), fakeChannel('b')],
      snapshot: down,
      now: () => now,
    });
    service.plan();
    now += 3_600_000;
    expect(service.plan().map((r) => [r.action, r.reminder])).toEqual([['remind', 1]]);
    const acks = service.acknowledge('uplink', 'Олена');
    expect(acks).toMatchObject([{ action: 'ack', by: 'Олена', key: `down:uplink:${T - 60_000}` }]);
    expect(service.acknowledge('uplink', 'Олена')).toEqual([]);
    now += 3_600_000;
    expect(service.plan()).toEqual([]);
    await service.stop();
  });
});
