import { describe, expect, it } from 'vitest';
import { counterDelta, counterValue, isReboot, octetRate, TICKS_RANGE } from '../../collector/counters.ts';

const MAX32 = (1n << 32n) - 1n;
const MAX64 = (1n << 64n) - 1n;

describe('counterDelta', () => {
  it.each([
    { name: 'plain increase', prev: 100n, cur: 250n, bits: 32 as const, delta: 150n, wrapped: false },
    { name: 'no change', prev: 7n, cur: 7n, bits: 64 as const, delta: 0n, wrapped: false },
    { name: 'Counter32 wrap', prev: MAX32 - 9n, cur: 20n, bits: 32 as const, delta: 30n, wrapped: true },
    { name: 'Counter64 wrap', prev: MAX64 - 999n, cur: 1000n, bits: 64 as const, delta: 2000n, wrapped: true },
  ])('$name', ({ prev, cur, bits, delta, wrapped }) => {
    expect(counterDelta(prev, cur, bits)).toEqual({ delta, wrapped });
  });
});

describe('octetRate', () => {
  it('converts octets per interval to bits per second', () => {
    expect(octetRate({ prev: 0n, cur: 7_500_000n, bits: 64, elapsedMs: 60_000 })).toEqual({ bps: 1_000_000, wrapped: false });
  });

  it('accepts a Counter32 wrap that fits the line speed', () => {
    const r = octetRate({ prev: MAX32 - 1_249_999n, cur: 6_250_000n, bits: 32, elapsedMs: 60_000, speedBps: 100e6 });
    expect(r).toEqual({ bps: 1_000_000, wrapped: true });
  });

  it('accepts a Counter64 wrap with no speed known', () => {
    const r = octetRate({ prev: MAX64 - 3_749_999n, cur: 3_750_000n, bits: 64, elapsedMs: 60_000 });
    expect(r).toEqual({ bps: 1_000_000, wrapped: true });
  });

  it('calls a drop faster than the line a reset, not a spike', () => {
    expect(octetRate({ prev: 9_000_000_000n, cur: 1_000n, bits: 64, elapsedMs: 60_000, speedBps: 100e6 })).toEqual({
      bps: null,
      reason: 'reset',
    });
    expect(octetRate({ prev: 9_000_000_000n, cur: 1_000n, bits: 64, elapsedMs: 60_000 })).toEqual({ bps: null, reason: 'reset' });
    expect(octetRate({ prev: 3_000_000_000n, cur: 10n, bits: 32, elapsedMs: 60_000, speedBps: 10e6 })).toEqual({
      bps: null,
      reason: 'reset',
    });
  });

  it('gives no rate without elapsed time', () => {
    expect(octetRate({ prev: 0n, cur: 10n, bits: 64, elapsedMs: 0 })).toEqual({ bps: null, reason: 'no-time' });
  });
});

describe('isReboot', () => {
  it.each([
    { name: 'uptime grows', prev: 10_000, cur: 16_000, elapsed: 60_000, reboot: false },
    { name: 'uptime the same (agent caches it)', prev: 10_000, cur: 10_000, elapsed: 5_000, reboot: false },
    { name: 'uptime back to near zero', prev: 5_000_000, cur: 1_200, elapsed: 60_000, reboot: true },
    { name: 'uptime back a little', prev: 5_000_000, cur: 4_990_000, elapsed: 60_000, reboot: true },
    { name: 'TimeTicks wrap after 497 days', prev: TICKS_RANGE - 3_000, cur: 3_000, elapsed: 60_000, reboot: false },
    { name: 'reboot just before the wrap point', prev: TICKS_RANGE - 3_000, cur: 500_000, elapsed: 60_000, reboot: true },
  ])('$name', ({ prev, cur, elapsed, reboot }) => {
    expect(isReboot(prev, cur, elapsed)).toBe(reboot);
  });
});

describe('counterValue', () => {
  it.each([
    { name: 'Counter32 number', value: 42, want: 42n },
    { name: 'Counter64 buffer', value: Buffer.from([0, 0, 0, 1, 0, 0, 0, 0]), want: 1n << 32n },
    { name: 'short Counter64 buffer', value: Buffer.from([1, 0]), want: 256n },
    { name: 'nine-byte buffer with sign byte', value: Buffer.from([0, 255, 255, 255, 255, 255, 255, 255, 255]), want: MAX64 },
    { name: 'negative number', value: -1, want: null },
    { name: 'fraction', value: 1.5, want: null },
    { name: 'string', value: '12', want: null },
    { name: 'empty buffer', value: Buffer.alloc(0), want: null },
  ])('$name', ({ value, want }) => {
    expect(counterValue(value)).toBe(want);
  });
});
