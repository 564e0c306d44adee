/**
 * Slows down password guessing, in memory, with the clock injected.
 *
 * Two limits, both counting failed sign-ins only:
 * - per (address, username) pair: `freeAttempts` consecutive failures cost
 *   nothing; from then on the pair is blocked for `baseDelayMs` after each
 *   failure, doubling per failure up to `maxDelayMs`. A success clears the
 *   pair. Keying on the pair means a guesser elsewhere cannot lock a user out
 *   of their own address.
 * - per address: at most `perIpLimit` failures within `windowMs` (a sliding
 *   window), whatever the usernames; a success does not clear this one.
 *
 * A sign-in takes its place with `attempt` before the password is hashed and
 * counts as a failure from that moment: checking first and counting after the
 * hash let fifty attempts sent at once all through.
 *
 * Usernames are compared case-insensitively. Memory stays bounded: a pair is
 * forgotten `windowMs` after its block ends, an address once its last failure
 * has left the window, and beyond `maxEntries` of either the least recently
 * failed go first.
 */

export interface LoginThrottleOptions {
  now?: () => number;
  /** Consecutive failures of one pair before delays begin; default 5. */
  freeAttempts?: number;
  /** The first delay; default 1 s. */
  baseDelayMs?: number;
  /** Delays stop doubling here; default 15 min. */
  maxDelayMs?: number;
  /** Failures allowed from one address per window; default 30. */
  perIpLimit?: number;
  /** Default 15 min. */
  windowMs?: number;
  /** Pairs, and addresses, remembered at most; default 10,000 each. */
  maxEntries?: number;
}

export type ThrottleVerdict = { ok: true } | { ok: false; retryAfterS: number };

/** A sign-in under way, already counted as failed: `success` clears the pair, `cancel` takes the attempt back (it was never tried). */
export type Attempt = { ok: true; success(): void; cancel(): void } | { ok: false; retryAfterS: number };

interface Pair {
  failures: number;
  last: number;
}

const SWEEP_MS = 60_000;

export class LoginThrottle {
  private readonly now: () => number;
  private readonly freeAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly perIpLimit: number;
  private readonly windowMs: number;
  private readonly maxEntries: number;
  /** Both in order of last failure, least recent first. */
  private readonly pairs = new Map<string, Pair>();
  /** The times of an address's latest failures (at most `perIpLimit`), oldest first. */
  private readonly ips = new Map<string, number[]>();
  private lastSweep = -Infinity;

  constructor(options: LoginThrottleOptions = {}) {
    this.now = options.now ?? Date.now;
    this.freeAttempts = options.freeAttempts ?? 5;
    this.baseDelayMs = options.baseDelayMs ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 15 * 60_000;
    this.perIpLimit = Math.max(1, options.perIpLimit ?? 30);
    this.windowMs = options.windowMs ?? 15 * 60_000;
    this.maxEntries = Math.max(1, options.maxEntries ?? 10_000);
  }

  /** Whether a sign-in may be tried now; when not, the seconds to wait (for a Retry-After header). */
  check(ip: string, username: string): ThrottleVerdict {
    const now = this.now();
    let until = 0;
    const pair = this.pairs.get(pairKey(ip, username));
    if (pair !== undefined) until = pair.last + this.delay(pair.failures);
    const times = this.ips.get(ip);
    if (times !== undefined && times.length >= this.perIpLimit) {
      // The window holds `perIpLimit` failures until the oldest of the latest `perIpLimit` leaves it.
      until = Math.max(until, times[times.length - this.perIpLimit]! + this.windowMs);
    }
    return now < until ? { ok: false, retryAfterS: Math.ceil((until - now) / 1000) } : { ok: true };
  }

  /** Checks and, when allowed, counts the sign-in as a failure at once, until it is settled. */
  attempt(ip: string, username: string): Attempt {
    const verdict = this.check(ip, username);
    if (!verdict.ok) return verdict;
    const at = this.failure(ip, username);
    return {
      ok: true,
      success: () => {
        this.forget(ip, at);
        this.success(ip, username);
      },
      cancel: () => {
        this.forget(ip, at);
        const pair = this.pairs.get(pairKey(ip, username));
        if (pair !== undefined) pair.failures = Math.max(0, pair.failures - 1);
      },
    };
  }

  /** Counts a failure; returns its time. */
  failure(ip: string, username: string): number {
    const now = this.now();
    this.sweep(now);
    const key = pairKey(ip, username);
    const pair = this.pairs.get(key) ?? { failures: 0, last: now };
    pair.failures += 1;
    pair.last = now;
    touch(this.pairs, key, pair, this.maxEntries);

    const times = (this.ips.get(ip) ?? []).filter((t) => t > now - this.windowMs);
    times.push(now);
    if (times.length > this.perIpLimit) times.splice(0, times.length - this.perIpLimit);
    touch(this.ips, ip, times, this.maxEntries);
    return now;
  }

  /** Clears the pair's failures; the address's window stays. */
  success(ip: string, username: string): void {
    this.pairs.delete(pairKey(ip, username));
  }

  /** Takes one failure at `at` out of the address's window: an attempt that did not fail. */
  private forget(ip: string, at: number): void {
    const times = this.ips.get(ip);
    const index = times?.lastIndexOf(at) ?? -1;
    if (index >= 0) times!.splice(index, 1);
  }

  /** Entries remembered (pairs + addresses), for tests and metrics. */
  get size(): number {
    return this.pairs.size + this.ips.size;
  }

  /** How long the pair is blocked after its latest failure. */
  private delay(failures: number): number {
    const extra = failures - this.freeAttempts + 1;
    if (extra <= 0) return 0;
    // 2 ** extra grows past any cap long before it overflows; min() keeps it there.
    return Math.min(this.baseDelayMs * 2 ** Math.min(extra - 1, 52), this.maxDelayMs);
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < SWEEP_MS) return;
    this.lastSweep = now;
    for (const [key, pair] of this.pairs) {
      if (now >= pair.last + this.delay(pair.failures) + this.windowMs) this.pairs.delete(key);
    }
    for (const [ip, times] of this.ips) {
      const newest = times[times.length - 1];
      if (newest === undefined || now >= newest + this.windowMs) this.ips.delete(ip);
    }
  }
}

const pairKey = (ip: string, username: string) => `${ip}\n${username.toLowerCase()}`;

/** Sets `key` as the most recent entry, dropping the least recent beyond `max`. */
function touch<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) {
    const oldest = map.keys().next();
    if (oldest.done) break;
    map.delete(oldest.value);
  }
}
