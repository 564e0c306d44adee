import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NEVER_ABORTED, type RunSignal } from '../../collector/probes/types.ts';
import { lagBoundMs, Scheduler, type MissReason, type SchedulerOptions } from '../../collector/scheduler.ts';
import { silentLogger } from '../../common/log.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

function scheduler(options: Partial<SchedulerOptions> = {}): Scheduler {
  return new Scheduler({ concurrency: 100, log: silentLogger(), ...options });
}

/** A fake-timer sleep that ends early, rejecting, when the signal aborts. */
function sleep(ms: number, signal?: RunSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.onAbort(() => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    });
  });
}

const never = () => new Promise<void>(() => {});

/** Stops a scheduler whose runs may never settle: stop() then waits for a deadline that fake time has to reach. */
async function stopHung(s: Scheduler): Promise<void> {
  const stopped = s.stop();
  await vi.runOnlyPendingTimersAsync();
  await stopped;
}

/** Where a key's first run falls in its interval, observed on a scheduler of its own. */
async function observedPhase(key: string, intervalMs: number, options: Partial<SchedulerOptions> = {}): Promise<number> {
  const s = scheduler(options);
  const t0 = performance.now();
  let first = -1;
  s.add({ key, intervalMs, run: async () => void (first < 0 && (first = performance.now() - t0)) });
  s.start();
  await vi.advanceTimersByTimeAsync(intervalMs);
  await s.stop();
  return first;
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('phase', () => {
  it('puts the first run at an offset inside the interval derived from the key alone', async () => {
    const phases = await Promise.all(['ping:a', 'ping:b', 'ping:c', 'ping:d'].map((k) => observedPhase(k, MINUTE)));
    for (const p of phases) {
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(MINUTE);
    }
    expect(new Set(phases).size).toBe(4);
    // Same key, another scheduler, Math.random returning something else: same phase.
    vi.spyOn(Math, 'random').mockReturnValue(0.99);
    expect(await observedPhase('ping:a', MINUTE)).toBe(phases[0]);
  });

  it('adds 0..jitterMs of randomness when asked, keeping the phase inside the interval', async () => {
    const base = await observedPhase('snmp:x', MINUTE);
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    expect(await observedPhase('snmp:x', MINUTE, { jitterMs: 2000 })).toBe((base + 1000) % MINUTE);
  });
});

describe('timing', () => {
  it('does not drift: run k starts at start + phase + k·interval over hours, however long runs take', async () => {
    const s = scheduler();
    const phase = await observedPhase('svc', MINUTE);
    const t0 = performance.now();
    const starts: number[] = [];
    s.add({
      key: 'svc',
      intervalMs: MINUTE,
      run: (signal) => {
        starts.push(performance.now() - t0);
        // Durations between 0 and 59 s, different each time.
        return sleep(((starts.length * 7919) % 60) * SECOND, signal);
      },
    });
    s.start();
    await vi.advanceTimersByTimeAsync(3 * HOUR);
    expect(starts).toHaveLength(180);
    starts.forEach((t, k) => expect(Math.abs(t - (phase + k * MINUTE))).toBeLessThanOrEqual(2));
    expect(s.stats()).toMatchObject({ runs: 180, skipped: 0, timeouts: 0, lagMsMax: 0 });
    await s.stop();
  });

  it('with a wakeup step, starts the runs due within a step together on its multiple, and keeps the grid', async () => {
    const step = 10;
    const s = scheduler({ wakeupStepMs: step });
    const keys = Array.from({ length: 200 }, (_, i) => `job-${i}`);
    const phases = new Map<string, number>();
    for (const key of keys) phases.set(key, await observedPhase(key, 10 * SECOND));
    const t0 = performance.now();
    const starts = new Map<string, number[]>(keys.map((k) => [k, []]));
    for (const key of keys) s.add({ key, intervalMs: 10 * SECOND, run: async () => void starts.get(key)!.push(performance.now()) });
    s.start();
    await vi.advanceTimersByTimeAsync(60 * SECOND);
    const wakeups = new Set<number>();
    for (const key of keys) {
      const runs = starts.get(key)!;
      expect(runs).toHaveLength(6);
      runs.forEach((at, k) => {
        const due = t0 + phases.get(key)! + k * 10 * SECOND;
        // Never before its slot, on a multiple of the step, and at most one step late, run after run: no drift.
        expect(at).toBeGreaterThanOrEqual(due);
        expect(at - due).toBeLessThanOrEqual(step);
        expect(at % step).toBe(0);
        wakeups.add(at);
      });
    }
    // 1,200 runs in at most one wakeup per step of the minute, fewer than one each.
    expect(wakeups.size).toBeLessThan(1200);
    expect(s.stats()).toMatchObject({ runs: 1200, skipped: 0 });
    await s.stop();
  });

  it('keeps its grid when timers fire late and the wall clock jumps', async () => {
    const phase = await observedPhase('svc', MINUTE);
    // A busy event loop: every timer fires 7 ms after it was due.
    const fakeSetTimeout = globalThis.setTimeout;
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms = 0) => fakeSetTimeout(fn, ms + 7)) as typeof setTimeout);
    const s = scheduler();
    const t0 = performance.now();
    const starts: number[] = [];
    s.add({ key: 'svc', intervalMs: MINUTE, run: async () => void starts.push(performance.now() - t0) });
    s.start();
    await vi.advanceTimersByTimeAsync(HOUR);
    // NTP sets the clock of a box without an RTC back by an hour.
    vi.setSystemTime(Date.now() - HOUR);
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(starts).toHaveLength(120);
    starts.forEach((t, k) => expect(t - (phase + k * MINUTE)).toBe(7));
    await s.stop();
  });

  it('keeps later slots on the grid after a run had to wait for a free slot', async () => {
    const s = scheduler({ concurrency: 1 });
    const phase = await observedPhase('a', 10 * SECOND);
    const t0 = performance.now();
    const lags: number[] = [];
    // The blocker holds the only slot 90% of the time, so `a` mostly waits.
    s.add({ key: 'blocker', intervalMs: 10 * SECOND, run: (signal) => sleep(9 * SECOND, signal) });
    s.add({
      key: 'a',
      intervalMs: 10 * SECOND,
      run: async () => void lags.push(performance.now() - t0 - phase - lags.length * 10 * SECOND),
    });
    s.start();
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(lags.length).toBeGreaterThanOrEqual(359);
    // Measured from the grid, each wait is bounded by one blocker run; with drift it would add up.
    for (const lag of lags) {
      expect(lag).toBeGreaterThanOrEqual(0);
      expect(lag).toBeLessThanOrEqual(9 * SECOND);
    }
    expect(Math.max(...lags)).toBeGreaterThan(0);
    expect(s.stats().lagMsMax).toBe(Math.max(...lags));
    await s.stop();
  });
});

describe('concurrency', () => {
  it('never has more than `concurrency` runs at once and starts waiting jobs oldest slot first', async () => {
    const keys = Array.from({ length: 10 }, (_, i) => `job-${i}`);
    const phases = new Map<string, number>();
    for (const k of keys) phases.set(k, await observedPhase(k, 20 * SECOND));
    // Ten 2.5-s runs in three places wait up to ~7.5 s, inside the lag bound of a 20-s interval.
    const s = scheduler({ concurrency: 3 });
    let active = 0;
    let maxActive = 0;
    let maxQueued = 0;
    let maxRunning = 0;
    const order: string[] = [];
    for (const key of keys) {
      s.add({
        key,
        intervalMs: 20 * SECOND,
        run: async (signal) => {
          order.push(key);
          maxActive = Math.max(maxActive, ++active);
          maxQueued = Math.max(maxQueued, s.stats().queued);
          maxRunning = Math.max(maxRunning, s.stats().running);
          await sleep(2500, signal).finally(() => active--);
        },
      });
    }
    s.start();
    await vi.advanceTimersByTimeAsync(20 * SECOND);
    expect(maxActive).toBe(3);
    expect(maxRunning).toBe(3);
    expect(maxQueued).toBeGreaterThan(0);
    expect(order.slice(0, 10)).toEqual([...keys].sort((a, b) => phases.get(a)! - phases.get(b)!));
    await s.stop();
  });

  it('is fair under saturation: every job gets its turn, every slot is run or told', async () => {
    const missed = new Map<string, number>();
    const s = scheduler({ concurrency: 1, onMissed: (key) => missed.set(key, (missed.get(key) ?? 0) + 1) });
    const keys = Array.from({ length: 10 }, (_, i) => `busy-${i}`);
    // Each interval asks for 40 s of work and there are 10 s of capacity.
    for (const key of keys) s.add({ key, intervalMs: 10 * SECOND, run: (signal) => sleep(4 * SECOND, signal) });
    s.start();
    await vi.advanceTimersByTimeAsync(30 * MINUTE);
    const stats = keys.map((k) => s.jobStats(k)!);
    // Runs dropped for lag leave their place to fresher ones, but never twice in a row: no job starves.
    expect(Math.min(...stats.map((j) => j.runs))).toBeGreaterThanOrEqual(20);
    for (const j of stats) expect(j.lagged).toBeLessThanOrEqual(j.runs + 1);
    // The lane never idles while runs wait.
    expect(stats.reduce((n, j) => n + j.runs, 0)).toBeGreaterThanOrEqual(440);
    // 180 slots a job: each one run, or missed and told (lane full or lag), or still waiting at the end.
    for (const [i, j] of stats.entries()) {
      expect(j.runs + j.skipped + j.lagged).toBeGreaterThanOrEqual(179);
      expect(j.runs + j.skipped + j.lagged).toBeLessThanOrEqual(180);
      expect(missed.get(keys[i]!)).toBe(j.skipped + j.lagged);
    }
    expect(s.stats().skipped).toBeGreaterThan(0);
    await s.stop();
  });

  it('caps each lane on its own: a full lane neither waits for nor blocks the default lane', async () => {
    const s = scheduler({ concurrency: 2, lanes: { ping: 50 } });
    const active = { default: 0, ping: 0 };
    const most = { default: 0, ping: 0 };
    const track = (lane: 'default' | 'ping') => async (signal: RunSignal) => {
      most[lane] = Math.max(most[lane], ++active[lane]);
      await sleep(5 * SECOND, signal).finally(() => active[lane]--);
    };
    for (let i = 0; i < 100; i++) s.add({ key: `ping-${i}`, intervalMs: 10 * SECOND, lane: 'ping', run: track('ping') });
    for (let i = 0; i < 10; i++) s.add({ key: `snmp-${i}`, intervalMs: 10 * SECOND, run: track('default') });
    s.start();
    await vi.advanceTimersByTimeAsync(60 * SECOND);
    expect(most).toEqual({ default: 2, ping: 50 });
    // Ten 5-s SNMP runs per 10 s with two places: they never get more than 4 s of the lane each interval.
    const snmpRuns = Array.from({ length: 10 }, (_, i) => s.jobStats(`snmp-${i}`)!.runs);
    expect(Math.min(...snmpRuns)).toBeGreaterThan(0);
    // A hundred 5-s pings per 10 s with fifty places: every slot runs.
    const pingRuns = Array.from({ length: 100 }, (_, i) => s.jobStats(`ping-${i}`)!.runs);
    expect(Math.min(...pingRuns)).toBeGreaterThanOrEqual(5);
    expect(Array.from({ length: 100 }, (_, i) => s.jobStats(`ping-${i}`)!.skipped).every((n) => n === 0)).toBe(true);
    await s.stop();
  });

  it('rejects a job in an unknown lane and a lane without a sensible cap', () => {
    const s = scheduler({ lanes: { ping: 10 } });
    expect(() => s.add({ key: 'x', intervalMs: SECOND, lane: 'pong', run: async () => {} })).toThrow(/unknown lane "pong"/);
    expect(() => scheduler({ lanes: { ping: 0 } })).toThrow(/concurrency of lane "ping"/);
  });
});

describe('one run per job at a time', () => {
  it('skips and counts the slots that come while the previous run is still running', async () => {
    const s = scheduler({ concurrency: 10 });
    const phase = await observedPhase('slow', 10 * SECOND);
    expect(phase).toBeGreaterThan(0); // with phase 0 a 101st second slot would count
    let active = 0;
    let maxActive = 0;
    s.add({
      key: 'slow',
      intervalMs: 10 * SECOND,
      timeoutMs: MINUTE,
      run: async (signal) => {
        maxActive = Math.max(maxActive, ++active);
        await sleep(25 * SECOND, signal).finally(() => active--);
      },
    });
    s.start();
    await vi.advanceTimersByTimeAsync(100 * SECOND);
    // Slots at phase + 0, 10, …, 90 s: runs at 0, 30, 60, 90, the six between skipped.
    expect(maxActive).toBe(1);
    expect(s.jobStats('slow')).toEqual({ runs: 4, skipped: 6, timeouts: 0, lagged: 0 });
    expect(s.stats().skipped).toBe(6);
    await s.stop();
  });

  it('skips and counts the slots that come while the previous run is still queued', async () => {
    const blockerPhase = await observedPhase('blocker', HOUR);
    const s = scheduler({ concurrency: 1 });
    s.add({ key: 'blocker', intervalMs: HOUR, run: (signal) => sleep(35 * SECOND, signal) });
    s.add({ key: 'victim', intervalMs: 10 * SECOND, run: async () => {} });
    s.start();
    await vi.advanceTimersByTimeAsync(blockerPhase + 35 * SECOND - 1);
    // 35 s of blocking cover 3 or 4 victim slots: the first waits in the queue, the rest are skipped.
    expect(s.stats()).toMatchObject({ running: 1, queued: 1 });
    expect([2, 3]).toContain(s.jobStats('victim')!.skipped);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.stats()).toMatchObject({ running: 0, queued: 0 });
    await s.stop();
  });
});

describe('timeouts', () => {
  it('aborts a run at its deadline and frees its slot then, ignoring its late completion', async () => {
    const phase = await observedPhase('waiter', SECOND);
    const t0 = performance.now();
    const wall0 = Date.now();
    const hung: { at: number; signal: RunSignal }[] = [];
    let abortedAt = -1;
    const waiterStarts: number[] = [];
    const waiterMissed: { at: number; reason: string }[] = [];
    const onMissed = (key: string, slotTime: number, reason: string) =>
      void (key === 'waiter' && waiterMissed.push({ at: slotTime - wall0, reason }));
    const s = scheduler({ concurrency: 1, onMissed });
    s.add({
      key: 'hung',
      intervalMs: HOUR,
      timeoutMs: 5 * SECOND,
      run: (signal) => {
        hung.push({ at: performance.now() - t0, signal });
        signal.onAbort(() => (abortedAt = performance.now() - t0));
        return sleep(8 * SECOND); // ignores the signal
      },
    });
    s.add({ key: 'waiter', intervalMs: SECOND, run: async () => void waiterStarts.push(performance.now() - t0) });
    s.start();
    await vi.advanceTimersByTimeAsync(HOUR - 1);

    expect(hung).toHaveLength(1);
    const { at, signal } = hung[0]!;
    expect(abortedAt).toBe(at + 5 * SECOND);
    expect(signal.aborted).toBe(true);
    // The waiter never ran beside the hung run, and took over the lane at its first slot after the deadline.
    expect(waiterStarts.filter((t) => t >= at && t < at + 5 * SECOND)).toEqual([]);
    const resumed = waiterStarts.find((t) => t >= at + 5 * SECOND)!;
    expect(resumed).toBeLessThanOrEqual(at + 6 * SECOND);
    expect((resumed - phase) % SECOND).toBe(0);
    // The five slots under the hung run: the first waited in the queue past the lag bound (1 s), the rest found it queued.
    const under = waiterMissed.filter((m) => m.at >= at - SECOND && m.at < at + 5 * SECOND);
    expect(under.map((m) => m.reason).sort()).toEqual(['lag', 'lane_full', 'lane_full', 'lane_full', 'lane_full']);
    // After the late completion at +8 s the waiter still runs every second, no more and no less.
    expect(waiterStarts.filter((t) => t >= at + 6 * SECOND && t < at + 16 * SECOND)).toHaveLength(10);
    expect(s.stats()).toMatchObject({ timeouts: 1, running: 0 });
    expect(s.jobStats('hung')).toEqual({ runs: 1, skipped: 0, timeouts: 1, lagged: 0 });
    await s.stop();
  });

  it('tells when a run last completed, and not when one was abandoned at its deadline', async () => {
    const s = scheduler({ concurrency: 2 });
    let finish = true;
    s.add({
      key: 'k',
      intervalMs: 10 * SECOND,
      timeoutMs: 2 * SECOND,
      run: (signal) => (finish ? sleep(SECOND, signal) : sleep(HOUR, signal)),
    });
    expect(s.stats().lastDoneAt).toBeNull();
    s.start();
    // The first slot falls somewhere in the first interval (its phase); the run takes a second.
    await vi.advanceTimersByTimeAsync(20 * SECOND);
    expect(s.stats().lastDoneAt).not.toBeNull();
    expect(Date.now() - s.stats().lastDoneAt!).toBeLessThan(20 * SECOND);
    // From the next slot on, every run hangs past its deadline; one begun before may still complete.
    finish = false;
    await vi.advanceTimersByTimeAsync(10 * SECOND);
    const done = s.stats().lastDoneAt;
    await vi.advanceTimersByTimeAsync(30 * SECOND);
    expect(s.stats().timeouts).toBeGreaterThanOrEqual(3);
    expect(s.stats().lastDoneAt).toBe(done);
    await s.stop();
  });

  it('defaults the deadline to the interval', async () => {
    const s = scheduler();
    const runs: { at: number; signal: RunSignal }[] = [];
    s.add({ key: 'k', intervalMs: 2 * SECOND, run: (signal) => (runs.push({ at: performance.now(), signal }), never()) });
    s.start();
    await vi.advanceTimersByTimeAsync(2 * SECOND);
    expect(runs).toHaveLength(1);
    const { at, signal } = runs[0]!;
    await vi.advanceTimersByTimeAsync(at + 2 * SECOND - 1 - performance.now());
    expect(signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(signal.aborted).toBe(true);
    // Deadlines are handled before slots due at the same moment, so that slot was not skipped.
    expect(s.jobStats('k')).toEqual({ runs: 2, skipped: 0, timeouts: 1, lagged: 0 });
    await stopHung(s);
  });

  it('lets a job whose run never settles delay no other job', async () => {
    const s = scheduler({ concurrency: 2 });
    const keys = Array.from({ length: 20 }, (_, i) => `ok-${i}`);
    const phases = new Map<string, number>();
    for (const k of keys) phases.set(k, await observedPhase(k, 10 * SECOND));
    const t0 = performance.now();
    const starts = new Map<string, number[]>(keys.map((k) => [k, []]));
    s.add({ key: 'dead', intervalMs: 10 * SECOND, run: never });
    for (const key of keys) s.add({ key, intervalMs: 10 * SECOND, run: async () => void starts.get(key)!.push(performance.now() - t0) });
    s.start();
    await vi.advanceTimersByTimeAsync(10 * MINUTE);
    for (const key of keys) {
      const got = starts.get(key)!;
      expect(got).toHaveLength(60);
      got.forEach((t, n) => expect(t).toBe(phases.get(key)! + n * 10 * SECOND));
    }
    expect(s.jobStats('dead')!.timeouts).toBeGreaterThanOrEqual(59);
    await stopHung(s);
  });
});

describe('errors', () => {
  it('reports runs that throw or reject to onRunError and keeps scheduling them', async () => {
    const errors: [string, unknown][] = [];
    const s = scheduler({ onRunError: (key, error) => errors.push([key, error]) });
    s.add({
      key: 'throws',
      intervalMs: SECOND,
      run: () => {
        throw new Error('sync');
      },
    });
    s.add({
      key: 'rejects',
      intervalMs: SECOND,
      run: async () => {
        throw new Error('async');
      },
    });
    s.start();
    await vi.advanceTimersByTimeAsync(5 * SECOND);
    expect(s.jobStats('throws')!.runs).toBe(5);
    expect(s.jobStats('rejects')!.runs).toBe(5);
    expect(errors).toHaveLength(10);
    expect(errors).toContainEqual(['throws', new Error('sync')]);
    expect(errors).toContainEqual(['rejects', new Error('async')]);
    await s.stop();
  });

  it('runs a job by start(), which tells its end: at once, later, failed or thrown; a run ended at once frees its place for the next', async () => {
    const errors: [string, unknown][] = [];
    // One place for all: runs that end inside start() must let the queued ones start in the same pass.
    const s = scheduler({ concurrency: 1, onRunError: (key, error) => errors.push([key, error]) });
    const started: string[] = [];
    let later: { end(error?: unknown): void } | undefined;
    const add = (key: string, start: (run: { end(error?: unknown): void }) => void) =>
      s.add({ key, intervalMs: SECOND, start: (run) => (started.push(key), start(run)) });
    add('at-once', (run) => run.end());
    add('failed', (run) => run.end(new Error('failed')));
    add('throws', () => {
      throw new Error('thrown');
    });
    add('later', (run) => (later = run));
    s.start();
    await vi.advanceTimersByTimeAsync(SECOND - 1);
    // Those that ended at once freed the one place at once; 'later' holds it, whatever waits behind it, until it ends.
    expect(started).toContain('later');
    expect(s.stats().running).toBe(1);
    later!.end();
    later!.end(new Error('twice: ignored'));
    expect(new Set(started)).toEqual(new Set(['at-once', 'failed', 'throws', 'later']));
    expect(s.stats().running).toBe(0);
    expect(s.jobStats('later')).toMatchObject({ runs: 1, skipped: 0 });
    expect(errors).toHaveLength(2);
    expect(errors).toContainEqual(['failed', new Error('failed')]);
    expect(errors).toContainEqual(['throws', new Error('thrown')]);
    expect(() => s.add({ key: 'neither', intervalMs: SECOND })).toThrow(/either run or start/);
    await s.stop();
  });

  it('logs a failed run as a warning when there is no hook', async () => {
    const log = silentLogger();
    const warn = vi.spyOn(log, 'warn');
    const s = scheduler({ log });
    s.add({
      key: 'boom',
      intervalMs: SECOND,
      run: async () => {
        throw new Error('boom');
      },
    });
    s.start();
    await vi.advanceTimersByTimeAsync(SECOND);
    expect(warn).toHaveBeenCalledWith({ job: 'boom', err: new Error('boom') }, 'scheduled run failed');
    await s.stop();
  });

  it('does not report the rejection of a run it aborted itself', async () => {
    const onRunError = vi.fn();
    const s = scheduler({ onRunError });
    s.add({ key: 'late', intervalMs: MINUTE, timeoutMs: SECOND, run: (signal) => sleep(HOUR, signal) });
    s.add({ key: 'stopped', intervalMs: MINUTE, run: (signal) => sleep(HOUR, signal) });
    s.start();
    await vi.advanceTimersByTimeAsync(MINUTE);
    await s.stop();
    expect(s.stats().timeouts).toBe(1);
    expect(onRunError).not.toHaveBeenCalled();
  });
});

describe('lifecycle', () => {
  it('stop() aborts running runs, drops queued ones and leaves no timers behind', async () => {
    const s = scheduler({ concurrency: 1 });
    const signals: RunSignal[] = [];
    s.add({ key: 'a', intervalMs: 10 * SECOND, run: (signal) => (signals.push(signal), sleep(HOUR, signal)) });
    s.add({ key: 'b', intervalMs: 10 * SECOND, run: (signal) => (signals.push(signal), sleep(HOUR, signal)) });
    s.start();
    await vi.advanceTimersByTimeAsync(10 * SECOND);
    expect(s.stats()).toMatchObject({ running: 1, queued: 1 });
    await s.stop();
    expect(signals).toHaveLength(1);
    expect(signals[0]!.aborted).toBe(true);
    expect(s.stats()).toMatchObject({ running: 0, queued: 0 });
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(signals).toHaveLength(1);
  });

  it('stop() waits for a run that ignores the abort until its deadline, then abandons it', async () => {
    const s = scheduler();
    let startedAt = -1;
    s.add({ key: 'stubborn', intervalMs: 10 * SECOND, timeoutMs: 4 * SECOND, run: () => ((startedAt = performance.now()), never()) });
    s.start();
    await vi.advanceTimersByTimeAsync(10 * SECOND);
    let stopped = false;
    void s.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(startedAt + 4 * SECOND - 1 - performance.now());
    expect(stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(stopped).toBe(true);
    expect(s.stats()).toMatchObject({ running: 0, timeouts: 1 });
  });

  it('add() after start() runs the job at its phase counted from when it was added', async () => {
    const phase = await observedPhase('late-comer', MINUTE);
    const s = scheduler();
    s.start();
    await vi.advanceTimersByTimeAsync(12_345);
    const addedAt = performance.now();
    let first = -1;
    s.add({ key: 'late-comer', intervalMs: MINUTE, run: async () => void (first < 0 && (first = performance.now())) });
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(first).toBe(addedAt + phase);
    await s.stop();
  });

  it('remove() stops future runs, drops a queued run and aborts a running one', async () => {
    const s = scheduler({ concurrency: 1 });
    const signals = new Map<string, RunSignal>();
    for (const key of ['x', 'y']) s.add({ key, intervalMs: 10 * SECOND, run: (signal) => (signals.set(key, signal), sleep(HOUR, signal)) });
    s.start();
    await vi.advanceTimersByTimeAsync(10 * SECOND);
    const [running] = [...signals.keys()];
    const waiting = running === 'x' ? 'y' : 'x';
    expect(s.stats()).toMatchObject({ running: 1, queued: 1 });
    const job = s.job(waiting);
    expect(job?.key).toBe(waiting);
    s.remove(waiting);
    // Its owner finds a job only while it is scheduled.
    expect(s.job(waiting)).toBeUndefined();
    expect([...s.allJobs()].map((j) => j.key)).toEqual([running]);
    expect(s.size).toBe(1);
    expect(s.stats().queued).toBe(0);
    s.remove(running!);
    expect(signals.get(running!)!.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(s.stats()).toMatchObject({ runs: 1, running: 0, queued: 0 });
    expect(s.jobStats(running!)).toBeUndefined();
    expect(s.size).toBe(0);
    await s.stop();
  });

  it('rejects a duplicate key and nonsensical intervals', () => {
    const s = scheduler();
    s.add({ key: 'k', intervalMs: SECOND, run: async () => {} });
    expect(() => s.add({ key: 'k', intervalMs: SECOND, run: async () => {} })).toThrow(/already scheduled/);
    expect(() => s.add({ key: 'z', intervalMs: 0, run: async () => {} })).toThrow(/intervalMs/);
    expect(() => s.add({ key: 'z', intervalMs: SECOND, timeoutMs: -1, run: async () => {} })).toThrow(/timeoutMs/);
    expect(() => scheduler({ concurrency: 0 })).toThrow(/concurrency/);
  });
});

describe('scale', () => {
  it('runs 20,000 jobs spread evenly over the interval, off a single timer', async () => {
    const s = scheduler({ concurrency: 200 });
    const t0 = performance.now();
    const firstRun = new Map<string, number>();
    let maxTimers = 0;
    for (let i = 0; i < 20_000; i++) {
      const key = `ping:dev-${i}`;
      s.add({
        key,
        intervalMs: 10 * SECOND,
        run: async () => {
          if (!firstRun.has(key)) firstRun.set(key, performance.now() - t0);
          maxTimers = Math.max(maxTimers, vi.getTimerCount());
        },
      });
    }
    s.start();
    expect(vi.getTimerCount()).toBe(1);
    // Every phase is < 10 s, so 3 intervals less 1 ms hold exactly 3 slots per job.
    await vi.advanceTimersByTimeAsync(30 * SECOND - 1);
    expect(s.stats()).toMatchObject({ runs: 60_000, skipped: 0, timeouts: 0, running: 0, queued: 0 });
    expect(maxTimers).toBeLessThanOrEqual(1);
    // Per second of the interval about 2,000 first runs, not a burst at the start.
    const perSecond = new Array<number>(10).fill(0);
    for (const t of firstRun.values()) perSecond[Math.floor(t / SECOND)]!++;
    expect(Math.min(...perSecond)).toBeGreaterThan(1800);
    expect(Math.max(...perSecond)).toBeLessThan(2200);
    await s.stop();
  });
});

describe('slots that get no run', () => {
  function missedLog() {
    const missed: { key: string; at: number; reason: MissReason }[] = [];
    const wall0 = Date.now();
    return {
      missed,
      onMissed: (key: string, slotTime: number, reason: MissReason) => void missed.push({ key, at: slotTime - wall0, reason }),
    };
  }

  it('tells a slot that finds its job still running as lane_full, at the slot time', async () => {
    const phase = await observedPhase('slow', 10 * SECOND);
    const { missed, onMissed } = missedLog();
    const s = scheduler({ onMissed });
    s.add({ key: 'slow', intervalMs: 10 * SECOND, timeoutMs: MINUTE, run: (signal) => sleep(15 * SECOND, signal) });
    s.start();
    await vi.advanceTimersByTimeAsync(phase + 10 * SECOND);
    expect(missed).toEqual([{ key: 'slow', at: phase + 10 * SECOND, reason: 'lane_full' }]);
    await s.stop();
  });

  it('does not start a run that waited past the lag bound, but runs the next one however late', async () => {
    expect(lagBoundMs(10 * SECOND)).toBe(5 * SECOND);
    expect(lagBoundMs(SECOND)).toBe(SECOND);
    const blockerPhase = await observedPhase('blocker', 20 * SECOND);
    const { missed, onMissed } = missedLog();
    const s = scheduler({ concurrency: 1, onMissed });
    // The blocker holds the lane 18 s of every 20, so each victim run waits far past the bound.
    s.add({ key: 'blocker', intervalMs: 20 * SECOND, timeoutMs: 19 * SECOND, run: (signal) => sleep(18 * SECOND, signal) });
    const victimStarts: number[] = [];
    s.add({ key: 'victim', intervalMs: 20 * SECOND, run: async () => void victimStarts.push(performance.now()) });
    s.start();
    await vi.advanceTimersByTimeAsync(blockerPhase + 2 * MINUTE);
    const victim = s.jobStats('victim')!;
    expect(victim.lagged).toBeGreaterThan(0);
    // Dropped and run by turns: never two drops in a row.
    expect(Math.abs(victim.lagged - victim.runs)).toBeLessThanOrEqual(1);
    expect(missed.filter((m) => m.key === 'victim' && m.reason === 'lag')).toHaveLength(victim.lagged);
    expect(s.stats().lagged).toBe(victim.lagged);
    await s.stop();
  });

  it('after a blocked event loop, runs only the latest due slot and tells the ones it superseded as lag', async () => {
    const phase = await observedPhase('svc', 10 * SECOND);
    const { missed, onMissed } = missedLog();
    const s = scheduler({ onMissed });
    const starts: number[] = [];
    const t0 = performance.now();
    s.add({ key: 'svc', intervalMs: 10 * SECOND, run: async () => void starts.push(performance.now() - t0) });
    s.start();
    await vi.advanceTimersByTimeAsync(phase + 1);
    expect(starts).toEqual([phase]);
    // The loop is blocked for 35 s: the timer for the next slot fires 25 s late.
    const realSetTimeout = globalThis.setTimeout;
    vi.spyOn(globalThis, 'setTimeout').mockImplementationOnce(((fn: () => void, ms = 0) =>
      realSetTimeout(fn, ms + 25 * SECOND)) as typeof setTimeout);
    s.remove('svc');
    s.add({ key: 'svc', intervalMs: 10 * SECOND, run: async () => void starts.push(performance.now() - t0) });
    await vi.advanceTimersByTimeAsync(40 * SECOND);
    // Re-added at phase+1: slots at 2·phase+1, +10, +20 came at once 25 s late; only the last ran then.
    const blockedAt = 2 * phase + 1 + 25 * SECOND;
    expect(starts[1]).toBe(blockedAt);
    expect(missed).toEqual([
      { key: 'svc', at: 2 * phase + 1, reason: 'lag' },
      { key: 'svc', at: 2 * phase + 1 + 10 * SECOND, reason: 'lag' },
    ]);
    expect(s.jobStats('svc')!.skipped).toBe(2);
    await s.stop();
  });
});

describe('the run signal', () => {
  it('calls each listener once on abort, not the cancelled ones, and at once when already aborted', async () => {
    const s = scheduler();
    const calls: string[] = [];
    let signal: RunSignal | undefined;
    s.add({
      key: 'k',
      intervalMs: SECOND,
      run: (sig) => {
        signal = sig;
        sig.onAbort(() => calls.push('a'));
        const cancel = sig.onAbort(() => calls.push('b'));
        sig.onAbort(() => calls.push('c'));
        cancel();
        return never();
      },
    });
    s.start();
    await vi.advanceTimersByTimeAsync(SECOND);
    expect(signal!.aborted).toBe(false);
    s.remove('k');
    expect(signal!.aborted).toBe(true);
    expect(calls).toEqual(['a', 'c']);
    signal!.onAbort(() => calls.push('late'));
    expect(calls).toEqual(['a', 'c', 'late']);
    await stopHung(s);
    expect(calls).toEqual(['a', 'c', 'late']);
  });

  it('NEVER_ABORTED never calls back', () => {
    const fn = vi.fn();
    NEVER_ABORTED.onAbort(fn)();
    expect(NEVER_ABORTED.aborted).toBe(false);
    expect(fn).not.toHaveBeenCalled();
  });
});
