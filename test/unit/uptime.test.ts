import { describe, expect, it } from 'vitest';
import { intersection, overlapMs, pooledUptimePct, union, uptimePct } from '../../server/uptime.ts';

describe('uptime arithmetic', () => {
  it('joins overlapping and touching intervals, drops empty ones', () => {
    expect(
      union([
        { from: 5, to: 8 },
        { from: 0, to: 2 },
        { from: 2, to: 3 },
        { from: 7, to: 10 },
        { from: 4, to: 4 },
      ]),
    ).toEqual([
      { from: 0, to: 3 },
      { from: 5, to: 10 },
    ]);
  });

  it('intersects lists: a village is down only while all its uplinks are', () => {
    const a = [
      { from: 0, to: 10 },
      { from: 20, to: 30 },
    ];
    const b = [
      { from: 5, to: 25 },
      { from: 28, to: 40 },
    ];
    expect(intersection([a, b])).toEqual([
      { from: 5, to: 10 },
      { from: 20, to: 25 },
      { from: 28, to: 30 },
    ]);
    expect(intersection([a, []])).toEqual([]);
    expect(intersection([])).toEqual([]);
    expect(intersection([a])).toEqual(a);
  });

  it('measures overlap with a window', () => {
    expect(
      overlapMs(
        [
          { from: 0, to: 10 },
          { from: 20, to: 30 },
        ],
        { from: 5, to: 25 },
      ),
    ).toBe(10);
  });

  it('counts only monitored time, never more down than monitored', () => {
    expect(uptimePct(1000, 250)).toBe(75);
    expect(uptimePct(1000, 5000)).toBe(0);
    expect(uptimePct(0, 0)).toBeNull();
    // Pooled: a briefly watched subject weighs little.
    expect(
      pooledUptimePct([
        { monitoredMs: 900, downMs: 0 },
        { monitoredMs: 100, downMs: 100 },
      ]),
    ).toBe(90);
    expect(pooledUptimePct([])).toBeNull();
  });
});
