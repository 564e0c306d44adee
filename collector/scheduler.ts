/**
 * The collector's job scheduler: runs every polling job on its own fixed grid
 * of slots, with a global cap on concurrent runs.
 *
 * Slots are start + phase + n·interval on the monotonic clock, so neither slow
 * runs nor late timers nor wall-clock jumps (NTP on a box without an RTC) make
 * the schedule drift. The phase comes from a hash of the key, so 20,000
 * devices with the same interval are spread over it instead of polled in one
 * burst, and a job's offset from start() is the same on every run of the
 * collector, which keeps tests and logs comparable.
 *
 * Everything runs off one timer set for the earliest due slot or run
 * deadline, kept in two binary heaps; the cost per job is a heap entry, not a
 * timer.
 *
 * Jobs run in lanes, each with its own cap on runs in flight: the default lane
 * has `concurrency`; a kind of job whose runs cost next to nothing while they
 * wait (pings on the shared batch ICMP socket) gets a lane of its own, so that
 * thousands of them in flight neither wait behind nor crowd out the SNMP polls.
 */
import type { Logger } from '../common/log.ts';

export interface Job {
  /** Unique among the scheduler's jobs; also seeds the job's phase. */
  key: string;
  intervalMs: number;
  /** Deadline of one run, after which its signal aborts and its slot is freed. Defaults to intervalMs. */
  timeoutMs?: number;
  /** The lane (see SchedulerOptions.lanes) whose cap this job's runs count against; the default lane if absent. */
  lane?: string;
  run: (signal: AbortSignal) => Promise<void>;
}

export interface SchedulerOptions {
  /** Most runs in flight at once in the default lane; due jobs beyond it wait, oldest slot first. */
  concurrency: number;
  /** Further lanes by name, each with its own cap on runs in flight. */
  lanes?: Record<string, number>;
  /** Adds a random 0..jitterMs to each job's phase (default 0: fully deterministic). */
  jitterMs?: number;
  log: Logger;
  /** Called when a run throws or rejects; by default the error is logged as a warning. */
  onRunError?: (key: string, error: unknown) => void;
}

export interface JobStats {
  runs: number;
  /** Slots that came while the previous run was still queued or running. */
  skipped: number;
  timeouts: number;
}

export interface SchedulerStats extends JobStats {
  running: number;
  queued: number;
  /** Largest delay between a slot and the actual start of its run, since the scheduler was made. */
  lagMsMax: number;
  /** When a run last completed, ms since the epoch (wall clock, for people); null before the first. */
  lastDoneAt: number | null;
}

interface Lane {
  concurrency: number;
  queue: Fifo<JobState>;
  /** Live entries in `queue`; entries of removed jobs stay there until they reach the head. */
  queued: number;
  running: number;
}

interface JobState {
  job: Job;
  lane: Lane;
  timeoutMs: number;
  phaseMs: number;
  /** Tie-breaker among equal due times so the order is deterministic. */
  seq: number;
  nextDue: number;
  /** The slot a queued job waits for, kept to measure lag when it starts. */
  queuedDue: number;
  state: 'idle' | 'queued' | 'running';
  removed: boolean;
  stats: JobStats;
}

interface Flight {
  job: JobState;
  controller: AbortController;
  deadline: number;
  settled: boolean;
}

// setTimeout treats longer delays as 1 ms; a longer wait is simply re-armed.
const MAX_TIMER_MS = 2 ** 31 - 1;

export class Scheduler {
  private readonly jobs = new Map<string, JobState>();
  private readonly slots = new MinHeap<JobState>((a, b) => a.nextDue - b.nextDue || a.seq - b.seq);
  private readonly deadlines = new MinHeap<Flight>((a, b) => a.deadline - b.deadline);
  /** The default lane is ''. */
  private readonly lanes = new Map<string, Lane>();
  /** Queued runs over all lanes. */
  private queued = 0;
  private readonly inflight = new Set<Flight>();
  private readonly idleWaiters: (() => void)[] = [];
  private readonly totals = { runs: 0, skipped: 0, timeouts: 0, lagMsMax: 0, lastDoneAt: null as number | null };
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;
  private started = false;
  private seq = 0;

  constructor(private readonly options: SchedulerOptions) {
    const lane = (name: string, concurrency: number): Lane => {
      if (!(Number.isInteger(concurrency) && concurrency >= 1)) {
        throw new RangeError(
          `${name === '' ? 'concurrency' : `concurrency of lane "${name}"`} must be a whole number ≥ 1, got ${concurrency}`,
        );
      }
      return { concurrency, queue: new Fifo<JobState>(), queued: 0, running: 0 };
    };
    this.lanes.set('', lane('', options.concurrency));
    for (const [name, concurrency] of Object.entries(options.lanes ?? {})) {
      if (name !== '') this.lanes.set(name, lane(name, concurrency));
    }
  }

  add(job: Job): void {
    if (this.jobs.has(job.key)) throw new Error(`job "${job.key}" is already scheduled`);
    const lane = this.lanes.get(job.lane ?? '');
    if (lane === undefined) throw new Error(`job "${job.key}": unknown lane "${job.lane}"`);
    const timeoutMs = job.timeoutMs ?? job.intervalMs;
    for (const [name, ms] of [
      ['intervalMs', job.intervalMs],
      ['timeoutMs', timeoutMs],
    ] as const) {
      if (!(Number.isFinite(ms) && ms > 0)) throw new RangeError(`job "${job.key}": ${name} must be > 0, got ${ms}`);
    }
    const jitter = Math.floor(Math.random() * (this.options.jitterMs ?? 0));
    const state: JobState = {
      job,
      lane,
      timeoutMs,
      phaseMs: (phaseOf(job.key, job.intervalMs) + jitter) % job.intervalMs,
      seq: this.seq++,
      nextDue: 0,
      queuedDue: 0,
      state: 'idle',
      removed: false,
      stats: { runs: 0, skipped: 0, timeouts: 0 },
    };
    this.jobs.set(job.key, state);
    if (this.started) {
      this.schedule(state, performance.now());
      this.arm();
    }
  }

  /** Stops scheduling the job; a queued run is dropped and a running one aborted. */
  remove(key: string): void {
    const state = this.jobs.get(key);
    if (!state) return;
    this.jobs.delete(key);
    // Heap and queue entries are dropped lazily when they come up.
    state.removed = true;
    if (state.state === 'queued') {
      state.lane.queued--;
      this.queued--;
    }
    for (const flight of this.inflight) {
      if (flight.job === state) flight.controller.abort(new DOMException(`job "${key}" removed`, 'AbortError'));
    }
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    const now = performance.now();
    for (const state of this.jobs.values()) this.schedule(state, now);
    this.arm();
  }

  /**
   * Stops scheduling, drops queued runs and aborts running ones. Resolves when
   * every run has settled or been abandoned at its deadline.
   */
  stop(): Promise<void> {
    this.started = false;
    this.slots.clear();
    for (const lane of this.lanes.values()) {
      for (const state of lane.queue.drain()) state.state = 'idle';
      lane.queued = 0;
    }
    this.queued = 0;
    for (const flight of this.inflight) flight.controller.abort(new DOMException('scheduler stopped', 'AbortError'));
    this.arm();
    if (this.inflight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stats(): SchedulerStats {
    return { ...this.totals, running: this.inflight.size, queued: this.queued };
  }

  jobStats(key: string): JobStats | undefined {
    const state = this.jobs.get(key);
    return state && { ...state.stats };
  }

  private schedule(state: JobState, now: number): void {
    state.nextDue = now + state.phaseMs;
    this.slots.push(state);
  }

  /** Points the one timer at the earliest slot or deadline, whichever comes first. */
  private arm(): void {
    // Deadlines of runs that already settled are dropped here rather than on settling.
    while (this.deadlines.peek()?.settled) this.deadlines.pop();
    const at = Math.min(this.started ? (this.slots.peek()?.nextDue ?? Infinity) : Infinity, this.deadlines.peek()?.deadline ?? Infinity);
    if (at === this.timerAt) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = at;
    if (at === Infinity) return;
    // Rounding up: a timer that fires a fraction early would find nothing due.
    const delay = Math.min(Math.max(0, Math.ceil(at - performance.now())), MAX_TIMER_MS);
    this.timer = setTimeout(() => this.tick(), delay);
  }

  private tick(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = performance.now();
    // Deadlines first, so a run that hangs until its next slot frees the job for that slot.
    for (let f = this.deadlines.peek(); f && f.deadline <= now; f = this.deadlines.peek()) {
      this.deadlines.pop();
      this.settle(f, 'timeout');
    }
    for (let s = this.slots.peek(); s && s.nextDue <= now; s = this.slots.peek()) {
      if (s.removed) {
        this.slots.pop();
        continue;
      }
      this.slotCame(s);
      // Stepping along the grid (not from now) is what keeps the schedule from drifting;
      // slots missed entirely come up again at once and count as skipped.
      s.nextDue += s.job.intervalMs;
      this.slots.updateTop();
    }
    this.pump();
    this.arm();
  }

  private slotCame(state: JobState): void {
    if (state.state !== 'idle') {
      state.stats.skipped++;
      this.totals.skipped++;
      return;
    }
    state.state = 'queued';
    state.queuedDue = state.nextDue;
    state.lane.queue.push(state);
    state.lane.queued++;
    this.queued++;
  }

  /** Starts queued runs while their lane has room. Queues are in due order because slots leave the heap in due order. */
  private pump(): void {
    if (this.queued === 0) return;
    for (const lane of this.lanes.values()) {
      while (this.started && lane.running < lane.concurrency && lane.queued > 0) {
        const state = lane.queue.shift();
        if (state.removed) continue;
        lane.queued--;
        this.queued--;
        this.launch(state);
      }
    }
  }

  private launch(state: JobState): void {
    const now = performance.now();
    this.totals.lagMsMax = Math.max(this.totals.lagMsMax, now - state.queuedDue);
    state.state = 'running';
    state.lane.running++;
    state.stats.runs++;
    this.totals.runs++;
    const flight: Flight = { job: state, controller: new AbortController(), deadline: now + state.timeoutMs, settled: false };
    this.inflight.add(flight);
    this.deadlines.push(flight);
    // The executor turns a synchronous throw into a rejection like any other.
    new Promise<void>((resolve) => resolve(state.job.run(flight.controller.signal))).then(
      () => this.settle(flight, 'done'),
      (error: unknown) => this.settle(flight, 'failed', error),
    );
  }

  /** Ends a run once: whichever of completion, failure or deadline comes first wins. */
  private settle(flight: Flight, outcome: 'done' | 'failed' | 'timeout', error?: unknown): void {
    if (flight.settled) return;
    flight.settled = true;
    this.inflight.delete(flight);
    const { job: state } = flight;
    state.state = 'idle';
    state.lane.running--;
    if (outcome === 'done') this.totals.lastDoneAt = Date.now();
    if (outcome === 'timeout') {
      state.stats.timeouts++;
      this.totals.timeouts++;
      flight.controller.abort(new DOMException(`run of "${state.job.key}" exceeded ${state.timeoutMs} ms`, 'TimeoutError'));
    }
    this.pump();
    this.arm();
    if (this.inflight.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    // A run that fails because we aborted it is no news.
    if (outcome === 'failed' && !flight.controller.signal.aborted) this.reportError(state.job.key, error);
  }

  private reportError(key: string, error: unknown): void {
    if (this.options.onRunError) this.options.onRunError(key, error);
    else this.options.log.warn({ job: key, err: error }, 'scheduled run failed');
  }
}

/** FNV-1a of the key scaled into [0, interval): the same for a key every time, and evenly spread over keys. */
function phaseOf(key: string, intervalMs: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return Math.floor(((hash >>> 0) / 2 ** 32) * intervalMs);
}

class MinHeap<T> {
  private readonly items: T[] = [];

  constructor(private readonly compare: (a: T, b: T) => number) {}

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const items = this.items;
    let i = items.push(item) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.compare(items[parent]!, item) <= 0) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = item;
  }

  pop(): T | undefined {
    const top = this.items[0];
    const last = this.items.pop();
    if (this.items.length > 0) {
      this.items[0] = last!;
      this.updateTop();
    }
    return top;
  }

  /** Restores order after the top item's key grew. */
  updateTop(): void {
    const items = this.items;
    const n = items.length;
    const item = items[0];
    if (item === undefined) return;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.compare(items[child + 1]!, items[child]!) < 0) child++;
      if (this.compare(items[child]!, item) >= 0) break;
      items[i] = items[child]!;
      i = child;
    }
    items[i] = item;
  }

  clear(): void {
    this.items.length = 0;
  }
}

/** An array queue with amortised O(1) shift; callers know it is not empty. */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T {
    const item = this.items[this.head++]!;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  drain(): T[] {
    const rest = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return rest;
  }
}
