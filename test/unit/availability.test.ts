import { describe, expect, it } from 'vitest';
import { availability, outagesFromSamples, type Sample } from '../support/availability.ts';

/** One sample per 10 s from t=0; `pattern` is a string of u (up) and d (down). */
const samples = (pattern: string, step = 10_000): Sample[] => [...pattern].map((c, i) => ({ time: i * step, up: c === 'u' }));

describe('outagesFromSamples', () => {
  it.each([
    { name: 'always up', pattern: 'uuuu', want: [] },
    { name: 'one outage', pattern: 'uuddduu', want: [{ start: 20_000, end: 50_000 }] },
    { name: 'still down at the end', pattern: 'uudd', want: [{ start: 20_000, end: null }] },
    {
      name: 'down from the start, then flapping',
      pattern: 'dudu',
      want: [
        { start: 0, end: 10_000 },
        { start: 20_000, end: 30_000 },
      ],
    },
  ])('$name', ({ pattern, want }) => {
    expect(outagesFromSamples(samples(pattern))).toEqual(want);
  });

  it('does not depend on the order samples arrive in', () => {
    expect(outagesFromSamples(samples('uudduu').reverse())).toEqual([{ start: 20_000, end: 40_000 }]);
  });
});

describe('availability', () => {
  it('weights each sample by the time to the next one', () => {
    // 10 samples, 10 s apart, 3 down: the window [0, 100 s) is 70% up.
    expect(availability(samples('uuuddduuuu'), { from: 0, to: 100_000 }, 20_000)).toEqual({
      upMs: 70_000,
      downMs: 30_000,
      monitoredMs: 100_000,
      uptimePct: 70,
    });
  });

  it('counts a gap longer than maxGap as no data, not as up or down', () => {
    const s: Sample[] = [
      { time: 0, up: true },
      { time: 10_000, up: false },
      { time: 100_000, up: true }, // 90 s later: only 20 s of it count
    ];
    expect(availability(s, { from: 0, to: 110_000 }, 20_000)).toEqual({ upMs: 20_000, downMs: 20_000, monitoredMs: 40_000, uptimePct: 50 });
  });

  it('clips samples to the window', () => {
    expect(availability(samples('dduu'), { from: 15_000, to: 35_000 }, 20_000)).toEqual({
      upMs: 15_000,
      downMs: 5_000,
      monitoredMs: 20_000,
      uptimePct: 75,
    });
  });

  it('has no uptime without samples', () => {
    expect(availability([], { from: 0, to: 1 }, 1)).toEqual({ upMs: 0, downMs: 0, monitoredMs: 0, uptimePct: null });
  });
});
