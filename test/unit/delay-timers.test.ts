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
    timers.after(60, waiter(t0, fired, 'a60'));
    timers.after(20, waiter(t0, fired, 'b20'));
    await sleep(10);
    timers.after(60, waiter(t0, fired, 'c60'));
    timers.after(20, waiter(t0, fired, 'd20'));
    await sleep(150);
    expect(fired.map((f) => f.name)).toEqual(['b20', 'd20', 'a60', 'c60']);
    const at = Object.fromEntries(fired.map((f) => [f.name, f.at]));
    // Never early (a millisecond of timer rounding allowed), and not held back by the other length's queue.
    expect(at.b20).toBeGreaterThanOrEqual(19);
    expect(at.d20).toBeGreaterThanOrEqual(29);
    expect(at.a60).toBeGreaterThanOrEqual(59);
    expect(at.c60).toBeGreaterThanOrEqual(69);
    expect(at.d20).toBeLessThan(at.a60!);
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
    await sleep(60);
    expect(fired.map((f) => f.name)).toEqual(['b']);

    const c = waiter(t0, fired, 'c');
    const wc = timers.after(1000, c);
    expect(timeouts()).toBe(before + 1);
    // Like clearTimeout: nothing is left to keep the process alive.
    wc.cancel(c);
    expect(timeouts()).toBe(before);
    expect(wb).toBe(wa);
  });

  it('a waiter queueing again as it fires does not delay an earlier wait of the same length', async () => {
    const timers = new DelayTimers();
    const fired: { name: string; at: number }[] = [];
    const t0 = performance.now();
    const again = waiter(t0, fired, 'again');
    timers.after(
      40,
      waiter(t0, fired, 'first', () => timers.after(40, again)),
    );
    await sleep(15);
    timers.after(40, waiter(t0, fired, 'second'));
    await sleep(120);
    expect(fired.map((f) => f.name)).toEqual(['first', 'second', 'again']);
    // 'second' is due at 55 ms: before the fix it waited for the timer armed for 'again' (80 ms).
    expect(fired[1]!.at).toBeLessThan(75);
    expect(fired[2]!.at).toBeGreaterThanOrEqual(79);
  });

  it('a wait cancelled and the same waiter waiting again fires once, for the new wait', async () => {
    const timers = new DelayTimers();
    const fired: { name: string; at: number }[] = [];
    const t0 = performance.now();
    const w = waiter(t0, fired, 'w');
    timers.after(20, w).cancel(w);
    timers.after(20, w);
    await sleep(60);
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
    await sleep(150);
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
    expect(fired[0]!.at - t0).toBeLessThan(20 + step + 40);
  });

  it('stepUp puts a time off to the next multiple of the step, and leaves it with no step', () => {
    expect(stepUp(1001, 10)).toBe(1010);
    expect(stepUp(1010, 10)).toBe(1010);
    expect(stepUp(1000.5, 10)).toBe(1010);
    expect(stepUp(1000.5, 0)).toBe(1000.5);
    expect(stepUp(Infinity, 10)).toBe(Infinity);
  });
});
