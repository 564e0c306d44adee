/**
 * Counter arithmetic for SNMP: turning two readings of a Counter32/Counter64
 * into a rate, telling a counter wrap from a reset, and telling a reboot from
 * a sysUpTime wrap. Pure functions: the SNMP probe feeds them readings.
 */

export type CounterBits = 32 | 64;

const RANGE: Record<CounterBits, bigint> = { 32: 1n << 32n, 64: 1n << 64n };

/** sysUpTime is TimeTicks: hundredths of a second in an unsigned 32-bit value (wraps after ~497 days). */
export const TICKS_RANGE = 2 ** 32;

export interface CounterDelta {
  delta: bigint;
  wrapped: boolean;
}

/**
 * The increase from `prev` to `cur`, assuming at most one wrap of a counter of
 * the given width. Callers must rule out resets (reboots) before trusting it.
 */
export function counterDelta(prev: bigint, cur: bigint, bits: CounterBits): CounterDelta {
  if (cur >= prev) return { delta: cur - prev, wrapped: false };
  return { delta: RANGE[bits] - prev + cur, wrapped: true };
}

export interface RateInput {
  prev: bigint;
  cur: bigint;
  bits: CounterBits;
  elapsedMs: number;
  /** Interface speed in bit/s when known: a "wrap" faster than the line is really a reset. */
  speedBps?: number | null;
}

export type RateResult = { bps: number; wrapped: boolean } | { bps: null; reason: 'no-time' | 'reset' };

/**
 * Bits per second between two octet-counter readings.
 *
 * A decrease is a wrap only when it is plausible: the implied rate fits the
 * line speed (with 10% slack for ifHighSpeed rounding), or, with no speed
 * known, the wrapped delta is under half the counter's range. Anything else is
 * a counter reset (agent restart, counter cleared) and yields no rate rather
 * than a bogus spike.
 */
export function octetRate({ prev, cur, bits, elapsedMs, speedBps }: RateInput): RateResult {
  if (!(elapsedMs > 0)) return { bps: null, reason: 'no-time' };
  const { delta, wrapped } = counterDelta(prev, cur, bits);
  const bps = (Number(delta) * 8 * 1000) / elapsedMs;
  if (wrapped) {
    const plausible = speedBps ? bps <= speedBps * 1.1 : delta < RANGE[bits] / 2n;
    if (!plausible) return { bps: null, reason: 'reset' };
  }
  return { bps, wrapped };
}

/**
 * Did the agent restart between two sysUpTime readings?
 *
 * Uptime going backwards means a reboot unless it is the 497-day TimeTicks
 * wrap: then the new reading is about where the old one plus the elapsed time
 * lands modulo 2^32. `toleranceTicks` absorbs polling jitter and clock skew.
 */
export function isReboot(prevTicks: number, curTicks: number, elapsedMs: number, toleranceTicks = 6000): boolean {
  if (curTicks >= prevTicks) return false;
  const expected = (prevTicks + Math.round(elapsedMs / 10)) % TICKS_RANGE;
  const wrappedAlready = prevTicks + Math.round(elapsedMs / 10) >= TICKS_RANGE - toleranceTicks;
  return !(wrappedAlready && Math.abs(curTicks - expected) <= toleranceTicks);
}

/** Reads an SNMP counter value as net-snmp delivers it: a number (Counter32) or a big-endian Buffer (Counter64). */
export function counterValue(value: unknown): bigint | null {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? BigInt(value) : null;
  if (typeof value === 'bigint') return value >= 0n ? value : null;
  if (Buffer.isBuffer(value)) {
    if (value.length === 0 || value.length > 9) return null;
    let n = 0n;
    for (const byte of value) n = (n << 8n) | BigInt(byte);
    return n < RANGE[64] ? n : null;
  }
  return null;
}
