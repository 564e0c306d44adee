import { describe, expect, it } from 'vitest';
import {
  downIntervals,
  intersection,
  observedDown,
  observedLengths,
  observedOffline,
  overlapMs,
  pooledUptimePct,
  union,
  uptimePct,
} from '../../server/uptime.ts';

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

describe('observed downtime: time without data is neither up nor down', () => {
  const iv = (from: number, to: number) => ({ from, to });

  it('counts only the monitored parts of an outage with gaps inside', () => {
    // Down 0..100; data 0..20, 50..60 and 80..120 (Merezha stopped twice meanwhile).
    const observed = observedDown([iv(0, 100)], [iv(0, 20), iv(50, 60), iv(80, 120)]);
    expect(observed).toEqual([iv(0, 20), iv(50, 60), iv(80, 100)]);
    expect(overlapMs(observed, iv(0, 1000))).toBe(50);
    // One recorded outage, three observed pieces: its observed length is their sum.
    expect(observedLengths([iv(0, 100)], observed)).toEqual([50]);
  });

  it('cuts an outage that spans a gap at its start or its end', () => {
    // Kept open over a gap before the first answer after a restart: only the part after the data resumed.
    expect(observedDown([iv(10, 70)], [iv(0, 10), iv(60, 100)])).toEqual([iv(60, 70)]);
    // Seen going down, then no data: only the part before the gap.
    expect(observedDown([iv(10, 70)], [iv(0, 15)])).toEqual([iv(10, 15)]);
    // Nothing observed at all.
    expect(observedDown([iv(10, 70)], [])).toEqual([]);
  });

  it("applies a parent's outage to a child only where the child has data", () => {
    const down = downIntervals(['up', 'school'], (k) => (k === 'school' ? 'up' : undefined), new Map([['up', [iv(0, 100)]]]));
    expect(down.get('school')).toEqual([iv(0, 100)]);
    // The uplink was watched throughout; the school had no data from 30 to 80.
    expect(observedDown(down.get('up')!, [iv(0, 200)])).toEqual([iv(0, 100)]);
    expect(observedDown(down.get('school')!, [iv(0, 30), iv(80, 200)])).toEqual([iv(0, 30), iv(80, 100)]);
  });

  it('counts imported spans as monitored, like measured buckets', () => {
    const measured = [iv(0, 300), iv(600, 900)];
    const imported = [iv(300, 450)];
    expect(observedDown([iv(100, 800)], union([...measured, ...imported]))).toEqual([iv(100, 450), iv(600, 800)]);
  });

  it('takes a village as down while every uplink is down and at least one uplink is monitored', () => {
    // Both uplinks down 10..90; `a` has data 0..40 and 70..100, `b` (another probe) none at all.
    const uplinks = [
      { down: [iv(10, 90)], watched: [iv(0, 40), iv(70, 100)] },
      { down: [iv(0, 100)], watched: [] },
    ];
    expect(observedOffline(uplinks)).toEqual([iv(10, 40), iv(70, 90)]);
    // No uplink monitored: no data, not offline.
    expect(observedOffline(uplinks.map((u) => ({ ...u, watched: [] })))).toEqual([]);
    // Only one uplink down: online, whatever was monitored.
    expect(observedOffline([uplinks[0]!, { down: [], watched: [] }])).toEqual([]);
    expect(observedOffline([])).toEqual([]);
  });
});
