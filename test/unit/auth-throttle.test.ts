import { describe, expect, it } from 'vitest';
import { LoginThrottle, type LoginThrottleOptions } from '../../server/auth/throttle.ts';

const T0 = Date.UTC(2026, 2, 1, 12);
const MIN = 60_000;
const IP = '192.0.2.10';

function setup(options: Omit<LoginThrottleOptions, 'now'> = {}) {
  const clock = { now: T0 };
  const throttle = new LoginThrottle({ now: () => clock.now, ...options });
  return { clock, throttle };
}

describe('LoginThrottle', () => {
  it('lets five failures go by, then blocks the pair for 1 s', () => {
    const { clock, throttle } = setup();
    for (let i = 0; i < 5; i += 1) {
      expect(throttle.check(IP, 'admin')).toEqual({ ok: true });
      throttle.failure(IP, 'admin');
    }
    expect(throttle.check(IP, 'admin')).toEqual({ ok: false, retryAfterS: 1 });
    clock.now += 999;
    expect(throttle.check(IP, 'admin').ok).toBe(false);
    clock.now += 1;
    expect(throttle.check(IP, 'admin')).toEqual({ ok: true });
  });

  it('doubles the delay with every further failure, up to the cap', () => {
    const { clock, throttle } = setup();
    for (let i = 0; i < 5; i += 1) throttle.failure(IP, 'admin');
    const waits: number[] = [];
    for (let i = 0; i < 14; i += 1) {
      throttle.failure(IP, 'admin');
      const verdict = throttle.check(IP, 'admin');
      if (verdict.ok) throw new Error('expected a block');
      waits.push(verdict.retryAfterS);
      clock.now += verdict.retryAfterS * 1000; // wait it out, then fail again
      expect(throttle.check(IP, 'admin').ok).toBe(true);
    }
    expect(waits).toEqual([2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900, 900, 900]);
  });

  it('honours its options', () => {
    const { throttle } = setup({ freeAttempts: 2, baseDelayMs: 10_000, maxDelayMs: 30_000 });
    throttle.failure(IP, 'admin');
    expect(throttle.check(IP, 'admin').ok).toBe(true);
    throttle.failure(IP, 'admin');
    expect(throttle.check(IP, 'admin')).toEqual({ ok: false, retryAfterS: 10 });
    throttle.failure(IP, 'admin');
    throttle.failure(IP, 'admin');
    expect(throttle.check(IP, 'admin')).toEqual({ ok: false, retryAfterS: 30 });
  });

  it('counts down retryAfterS as the clock passes, rounding up', () => {
    const { clock, throttle } = setup();
    for (let i = 0; i < 9; i += 1) throttle.failure(IP, 'admin'); // 16 s
    clock.now += 2500;
    expect(throttle.check(IP, 'admin')).toEqual({ ok: false, retryAfterS: 14 });
  });

  it('clears the pair on success', () => {
    const { throttle } = setup();
    for (let i = 0; i < 9; i += 1) throttle.failure(IP, 'admin');
    expect(throttle.check(IP, 'admin').ok).toBe(false);
    throttle.success(IP, 'admin');
    expect(throttle.check(IP, 'admin')).toEqual({ ok: true });
    // Free failures again.
    for (let i = 0; i < 4; i += 1) throttle.failure(IP, 'admin');
    expect(throttle.check(IP, 'admin')).toEqual({ ok: true });
  });

  it('compares usernames case-insensitively', () => {
    const { throttle } = setup();
    for (let i = 0; i < 6; i += 1) throttle.failure(IP, i % 2 ? 'Admin' : 'ADMIN');
    expect(throttle.check(IP, 'admin').ok).toBe(false);
    throttle.success(IP, 'aDmIn');
    expect(throttle.check(IP, 'admin').ok).toBe(true);
  });

  it('blocks a pair only: other users, and the same user elsewhere, go on', () => {
    const { throttle } = setup();
    for (let i = 0; i < 10; i += 1) throttle.failure(IP, 'admin');
    expect(throttle.check(IP, 'admin').ok).toBe(false);
    expect(throttle.check(IP, 'olena')).toEqual({ ok: true });
    expect(throttle.check('198.51.100.7', 'admin')).toEqual({ ok: true });
  });

  it('allows an address 30 failures per 15 minutes, whatever the names, over a sliding window', () => {
    const { clock, throttle } = setup();
    for (let i = 0; i < 29; i += 1) {
      throttle.failure(IP, `user${i}`);
      clock.now += 10_000;
    }
    expect(throttle.check(IP, 'someone')).toEqual({ ok: true });
    throttle.failure(IP, 'user29'); // the 30th, at T0 + 290 s
    const verdict = throttle.check(IP, 'someone');
    // Until the first failure (at T0) leaves the 15-minute window.
    expect(verdict).toEqual({ ok: false, retryAfterS: 15 * 60 - 290 });
    expect(throttle.check('198.51.100.7', 'someone')).toEqual({ ok: true });
    clock.now = T0 + 15 * MIN - 1;
    expect(throttle.check(IP, 'someone').ok).toBe(false);
    clock.now = T0 + 15 * MIN;
    expect(throttle.check(IP, 'someone')).toEqual({ ok: true });
    // One more failure refills the window: blocked until the second-oldest (T0 + 10 s) leaves it.
    throttle.failure(IP, 'user30');
    expect(throttle.check(IP, 'someone')).toEqual({ ok: false, retryAfterS: 10 });
  });

  it('a success does not clear the address’s window', () => {
    const { throttle } = setup({ perIpLimit: 3 });
    for (const name of ['a1', 'a2', 'a3']) throttle.failure(IP, name);
    throttle.success(IP, 'a3');
    expect(throttle.check(IP, 'a4').ok).toBe(false);
  });

  it('keeps counting a pair whose block has ended, within the window', () => {
    const { clock, throttle } = setup();
    for (let i = 0; i < 6; i += 1) throttle.failure(IP, 'admin');
    clock.now += 10 * MIN; // long past the 1 s block, but within the window
    throttle.failure(IP, 'olena'); // gives the sweep a chance to run
    throttle.failure(IP, 'admin');
    expect(throttle.check(IP, 'admin')).toEqual({ ok: false, retryAfterS: 4 });
  });

  it('counts an attempt as failed before it is decided, so attempts at once cannot pass the limit', () => {
    const { throttle } = setup();
    const attempts = Array.from({ length: 50 }, () => throttle.attempt(IP, 'admin'));
    expect(attempts.filter((a) => a.ok)).toHaveLength(5);
    expect(attempts.filter((a) => !a.ok).every((a) => !a.ok && a.retryAfterS === 1)).toBe(true);
  });

  it('takes a successful or cancelled attempt out of the counts', () => {
    const { throttle } = setup({ perIpLimit: 3 });
    for (const name of ['a1', 'a2']) throttle.failure(IP, name);
    const cancelled = throttle.attempt(IP, 'a3');
    if (!cancelled.ok) throw new Error('expected an attempt');
    expect(throttle.check(IP, 'a4').ok).toBe(false);
    cancelled.cancel();
    expect(throttle.check(IP, 'a4').ok).toBe(true);
    const succeeded = throttle.attempt(IP, 'a3');
    if (!succeeded.ok) throw new Error('expected an attempt');
    succeeded.success();
    expect(throttle.check(IP, 'a4').ok).toBe(true);

    const pairs = setup().throttle;
    for (let i = 0; i < 4; i += 1) pairs.failure(IP, 'olena');
    const last = pairs.attempt(IP, 'olena');
    expect(pairs.check(IP, 'olena').ok).toBe(false);
    if (last.ok) last.cancel();
    expect(pairs.check(IP, 'olena').ok).toBe(true);
  });

  it('forgets pairs and addresses once their time has passed', () => {
    const { clock, throttle } = setup();
    for (let i = 0; i < 200; i += 1) throttle.failure(`10.0.${i >> 8}.${i & 255}`, 'admin');
    expect(throttle.size).toBe(400);
    clock.now += 16 * MIN;
    throttle.failure(IP, 'admin');
    expect(throttle.size).toBe(2);
  });

  it('remembers at most maxEntries pairs and addresses, dropping the least recently failed', () => {
    const { throttle } = setup({ maxEntries: 100 });
    for (let i = 0; i < 6; i += 1) throttle.failure(IP, 'first');
    expect(throttle.check(IP, 'first').ok).toBe(false);
    for (let i = 0; i < 1000; i += 1) throttle.failure(`10.0.${i >> 8}.${i & 255}`, `user${i}`);
    expect(throttle.size).toBe(200);
    expect(throttle.check(IP, 'first')).toEqual({ ok: true });
    for (let i = 0; i < 6; i += 1) throttle.failure(IP, 'last');
    for (let i = 0; i < 50; i += 1) throttle.failure(`10.1.0.${i}`, `other${i}`);
    expect(throttle.check(IP, 'last').ok).toBe(false);
  });
});
