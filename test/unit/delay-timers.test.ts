import { describe, expect, it } from 'vitest';
import { DelayTimers, stepUp, type TimerWaiter } from '../../collector/delay-timers.ts';

/** A waiter that records when it fired (ms after `t0`) and may act when it does. */
function waiter(t0: number, fired: { name: string; at: number }[], name: string, then?: () => void): TimerWaiter {
  return {
    timerToken: 0,
    onTimer() {
      fired.push({ name, at: performance.now() - t0 });
      then?.();
    },
  };
}

const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('DelayTimers', () => {
  it('ends each wait after its length, in start order, over several lengths', async () => {
    const timers = new DelayTimers();
    const fired: { name: string; at: number }[] = [];
    const t0 = performance.now();
    // The lengths far apart, so that a busy machine's late timers cannot reorder them.
    timers.after(200, waiter(t0, fired, 'a200'));
    timers.after(20, waiter(t0, fired, 'b20'));
    await sleep(10);
    const t1 = performance.now() - t0;
    timers.after(200, waiter(t0, fired, 'c200'));
    timers.after(20, waiter(t0, fired, 'd20'));
    await sleep(400);
    expect(fired.map((f) => f.name)).toEqual(['b20', 'd20', 'a200', 'c200']);
    const at = Object.fromEntries(fired.map((f) => [f.name, f.at]));
    // Never early (a millisecond of timer rounding allowed), and not held back by the other length's queue.
    expect(at.b20).toBeGreaterThanOrEqual(19);
    expect(at.d20).toBeGreaterThanOrEqual(t1 + 19);
    expect(at.a200).toBeGreaterThanOrEqual(199);
    expect(at.c200).toBeGreaterThanOrEqual(t1 + 199);
  });

  it('skips a cancelled wait, and drops the timer once every wait of a length is cancelled', async () => {
    const timers = new DelayTimers();
    const fired: { name: string; at: number }[] = [];
    const t0 = performance.now();
    const before = timeouts();
    const a = waiter(t0, fired, 'a');
    const b = waiter(t0, fired, 'b');
    const wa = timers.after(30, a);
    const wb = timers.after(30, b);
    expect(timeouts()).toBe(before + 1);
    wa.cancel(a);
    expect(timeouts()).toBe(before + 1);
    await sleep(150);
    expect(fired.map((f) => f.name)).toEqual(['b']);

    // Counted again: another timer of the process may have ended during the sleep.
    const idle = timeouts();
    const c = waiter(t0, fired, 'c');
    const wc = timers.after(1000, c);
    expect(timeouts()).toBe(idle + 1);
    // Like clearTimeout: nothing is left to keep the process alive.
    wc.cancel(c);
    expect(timeouts()).toBe(idle);
    expect(wb).toBe(wa);
  });

  it('a waiter queueing again as it fires does not delay an earlier wait of the same length', async () => {
    const timers = new DelayTimers();
    const fired: { name: string; at: number }[] = [];
    const t0 = performance.now();
    const again = waiter(t0, fired, 'again');
    timers.after(
      200,
      waiter(t0, fired, 'first', () => timers.after(200, again)),
    );
    await sleep(15);
    const queued = performance.now() - t0;
    timers.after(200, waiter(t0, fired, 'second'));
    await sleep(550);
    expect(fired.map((f) => f.name)).toEqual(['first', 'second', 'again']);
    const [first, second, last] = fired as [(typeof fired)[0], (typeof fired)[0], (typeof fired)[0]];
    // 'second' is due 15 ms after 'first': before the fix it waited for the timer armed for 'again', 200 ms after 'first'.
    expect(second.at).toBeGreaterThanOrEqual(queued + 199);
    expect(second.at).toBeLessThan(first.at + 150);
    expect(last.at).toBeGreaterThanOrEqual(first.at + 199);
  });

  it('a wait cancelled and the same waiter waiting again fires once, for the new wait', async () => {
    const timers = new DelayTimers();
    const fired: { name: string; at: number }[] = [];
    const t0 = performance.now();
    const w = waiter(t0, fired, 'w');
    timers.after(20, w).cancel(w);
    timers.after(20, w);
    await sleep(150);
    expect(fired.map((f) => f.name)).toEqual(['w']);
  });

  it('with a step, ends waits due within one step together, on its multiple, none before its time', async () => {
    const step = 50;
    const timers = new DelayTimers(step);
    const fired: { name: string; at: number }[] = [];
    const t0 = performance.now();
    const ends = new Map<string, number>();
    for (const [name, ms] of [
      ['a', 20],
      ['b', 20],
    ] as const) {
      ends.set(name, performance.now() + ms);
      timers.after(ms, waiter(0, fired, name));
      await sleep(3);
    }
    await sleep(250);
    expect(fired.map((f) => f.name)).toEqual(['a', 'b']);
    // No wait ends before its own end (a millisecond of timer rounding allowed). A wakeup comes on the step's
    // multiple after the earliest wait it ends; coming late, it also ends a wait already due whose own multiple is
    // the next one (an end of 800.4 at a wakeup at 801 for the multiple 800), which is not early.
    for (const f of fired) expect(f.at).toBeGreaterThanOrEqual(ends.get(f.name)! - 1);
    const wakeups = new Map<number, number>();
    for (const f of fired) {
      const w = fired.find((g) => Math.abs(g.at - f.at) < 1)!.at;
      wakeups.set(w, Math.min(wakeups.get(w) ?? Infinity, ends.get(f.name)!));
    }
    for (const [w, earliest] of wakeups) expect(w).toBeGreaterThanOrEqual(stepUp(earliest, step) - 1);
    // One wakeup for both: their ends are 3 ms apart, within the step (unless a multiple fell between them).
    if (stepUp(ends.get('a')!, step) === stepUp(ends.get('b')!, step)) expect(fired[1]!.at - fired[0]!.at).toBeLessThan(1);
    // Not held back beyond its step (with room for a busy machine's late timer).
    expect(fired[0]!.at - t0).toBeLessThan(20 + step + 100);
  });

  it('stepUp puts a time off to the next multiple of the step, and leaves it with no step', () => {
    expect(stepUp(1001, 10)).toBe(1010);
    expect(stepUp(1010, 10)).toBe(1010);
    expect(stepUp(1000.5, 10)).toBe(1010);
    expect(stepUp(1000.5, 0)).toBe(1000.5);
    expect(stepUp(Infinity, 10)).toBe(Infinity);
  });
});
