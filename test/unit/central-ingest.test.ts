/**
 * The ingest's pure parts: what a data message is (and why one can never be
 * written), batching what the consumer already holds, the rule that an open
 * outage never overwrites a closed one, and which points the continuous
 * queries will not roll up any more.
 */
import { describe, expect, it } from 'vitest';
import { batches, lateRange, outageKey, readDataMessage, reclosing, reopeningOutages } from '../../central/ingest.ts';
import { ROLLUP_MS } from '../../storage/influx-setup.ts';
import type { Point } from '../../storage/point.ts';
import { encodeData } from '../../storage/forward/wire.ts';

const ping = (time: number, device = 'd1'): Point => ({
  measurement: 'ping',
  tags: { village: 'v1', device },
  fields: { reachable: 1, sent: 3 },
  time,
});

const outage = (open: 0 | 1, device = 'd1', time = 1_700_000_000_000): Point => ({
  measurement: 'outage',
  tags: { village: 'v1', device, kind: 'uplink' },
  fields: open === 1 ? { open, reason: 'timeout' } : { open, end_ms: time + 60_000, duration_s: 60, reason: 'timeout' },
  time,
});

describe('readDataMessage', () => {
  const good = encodeData([ping(1_700_000_000_000)]);
  it.each([
    ['a batch of points', 'merezha.a.points', good, { ok: true, hromada: 'a', points: [ping(1_700_000_000_000)] }],
    ['outages on their channel', 'merezha.b-2.outages', encodeData([outage(1)]), { ok: true, hromada: 'b-2', points: [outage(1)] }],
    ['a meta subject', 'merezha.a.heartbeat', good, { ok: false, reason: 'not a data subject of a hromada' }],
    ['another root', 'other.a.points', good, { ok: false, reason: 'not a data subject of a hromada' }],
    ['a hromada id that cannot be', 'merezha.A.points', good, { ok: false, reason: 'not a data subject of a hromada' }],
    ['an unknown channel', 'merezha.a.secrets', good, { ok: false, reason: 'not a data subject of a hromada' }],
  ])('%s', (_, subject, body, expected) => {
    expect(readDataMessage(subject, body)).toEqual(expected);
  });

  it('says why a body is not a data message', () => {
    expect(readDataMessage('merezha.a.points', '{"v":1,"points":[')).toMatchObject({ ok: false, reason: /^not a data message: .*JSON/ });
    const unknown = readDataMessage('merezha.a.points', JSON.stringify({ v: 1, points: [{ ...ping(1), measurement: 'cpu' }] }));
    expect(unknown).toMatchObject({ ok: false, reason: /not a Merezha measurement/ });
    expect(readDataMessage('merezha.a.points', JSON.stringify({ v: 2, points: [] }))).toMatchObject({ ok: false });
  });

  it('holds every point to the schema, as the edge writer does', () => {
    const wrongType = { ...ping(1), fields: { reachable: 'yes' } };
    expect(readDataMessage('merezha.a.points', JSON.stringify({ v: 1, points: [wrongType] }))).toEqual({
      ok: false,
      reason: 'ping: field "reachable" must be an integer, got "yes"',
    });
    const emptyTag = { ...ping(5), tags: { village: 'v1', device: 'd1', provider: '' } };
    expect(readDataMessage('merezha.a.points', JSON.stringify({ v: 1, points: [emptyTag] }))).toEqual({
      ok: true,
      hromada: 'a',
      points: [ping(5)],
    });
  });
});

/** An async source fed by hand, as the consumer's iterator is fed by the network. */
function feed<T>() {
  const queue: T[] = [];
  const waiting: ((r: IteratorResult<T>) => void)[] = [];
  let ended = false;
  return {
    push(...items: T[]) {
      for (const item of items) {
        const take = waiting.shift();
        if (take) take({ value: item, done: false });
        else queue.push(item);
      }
    },
    end() {
      ended = true;
      for (const take of waiting.splice(0)) take({ value: undefined, done: true });
    },
    source: {
      [Symbol.asyncIterator]: () => ({
        next: () =>
          queue.length > 0
            ? Promise.resolve({ value: queue.shift()!, done: false as const })
            : ended
              ? Promise.resolve({ value: undefined, done: true as const })
              : new Promise<IteratorResult<T>>((resolve) => waiting.push(resolve)),
      }),
    } as AsyncIterable<T>,
  };
}

describe('batches', () => {
  it('takes what is already there, up to the maximum, and waits for no more', async () => {
    const { push, end, source } = feed<number>();
    const got = batches(source, 4);
    push(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
    expect((await got.next()).value).toEqual([1, 2, 3, 4]);
    expect((await got.next()).value).toEqual([5, 6, 7, 8]);
    expect((await got.next()).value).toEqual([9, 10]);
    // Nothing held: the next batch is whatever comes first, alone.
    const next = got.next();
    setTimeout(() => push(11), 20);
    expect((await next).value).toEqual([11]);
    push(12, 13);
    end();
    expect((await got.next()).value).toEqual([12, 13]);
    expect((await got.next()).done).toBe(true);
  });
});

describe('reopeningOutages', () => {
  it('keeps an open outage from overwriting the same outage closed, in InfluxDB or in the batch', () => {
    const open = outage(1);
    const closed = outage(0);
    const otherDevice = outage(1, 'd2');
    expect(reopeningOutages([open, otherDevice, ping(1)], new Set([outageKey(closed.tags, closed.time)]))).toEqual(new Set([open]));
    expect(reopeningOutages([open, closed], new Set())).toEqual(new Set([open]));
    expect(reopeningOutages([closed, open], new Set())).toEqual(new Set([open]));
    expect(reopeningOutages([open, otherDevice], new Set())).toEqual(new Set());
  });

  it('closes again an outage read back open with an end, writing only `open`', () => {
    const time = 1_700_000_000_000;
    const row = { time, village: 'v1', device: 'd1', kind: 'uplink', provider: '', service: '', category: '' };
    expect(
      reclosing([
        { ...row, open: 1, end_ms: time + 60_000 },
        { ...row, device: 'd2', open: 1, end_ms: null },
      ]),
    ).toEqual([{ measurement: 'outage', tags: { village: 'v1', device: 'd1', kind: 'uplink' }, fields: { open: 0 }, time }]);
  });

  it('keys an outage by its series as InfluxDB reads it back: empty tags are no tags', () => {
    const { tags, time } = outage(0);
    expect(outageKey({ ...tags, provider: '', service: '', open: 0, time }, time)).toBe(outageKey(tags, time));
    expect(outageKey(tags, time)).not.toBe(outageKey({ ...tags, device: 'd2' }, time));
    expect(outageKey(tags, time)).not.toBe(outageKey(tags, time + 1));
  });
});

describe('lateRange', () => {
  const now = Date.UTC(2026, 0, 10, 12, 3, 0);
  // The next continuous query runs at 12:05 and computes from 11:55.
  const horizon = Date.UTC(2026, 0, 10, 11, 55, 0);

  it('spans the rolled-up points older than what the next continuous query computes', () => {
    expect(lateRange([ping(horizon), ping(now)], now)).toBeNull();
    expect(lateRange([ping(horizon - 1), ping(now - 3_600_000, 'd2'), ping(now)], now)).toEqual({
      fromMs: now - 3_600_000,
      toMs: horizon - 1,
    });
    expect(horizon % ROLLUP_MS).toBe(0);
  });

  it('leaves out measurements without a rollup', () => {
    expect(lateRange([outage(0, 'd1', now - 86_400_000)], now)).toBeNull();
  });
});
