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
 * timer, and the cost per run one small record that is also the run's signal.
 *
 * A slot that cannot be run properly (its job still busy, or its run unable
 * to start within lagBoundMs) is not silently lost: `onMissed` tells, so the
 * collector reports that slot as not measured rather than leave a silent gap.
 *
 * Jobs run in lanes, each with its own cap on runs in flight: the default lane
 * has `concurrency`; a kind of job whose runs cost next to nothing while they
 * wait (pings on the shared batch ICMP socket) gets a lane of its own, so that
 * thousands of them in flight neither wait behind nor crowd out the SNMP polls.
 */
import type { Logger } from '../common/log.ts';
import { stepUp } from './delay-timers.ts';
import type { RunSignal } from './probes/types.ts';

export interface Job {
  /** Unique among the scheduler's jobs; also seeds the job's phase. */
  key: string;
  intervalMs: number;
  /** Deadline of one run, after which its signal aborts and its slot is freed. Defaults to intervalMs. */
  timeoutMs?: number;
  /** The lane (see SchedulerOptions.lanes) whose cap this job's runs count against; the default lane if absent. */
  lane?: string;
  /** One run: the scheduler waits for its promise. A job has `run` or `start`. */
  run?: (signal: RunSignal) => Promise<void>;
  /**
   * One run that tells its own end (`run.end()`, once; with the error if it
   * failed), so that a job run thousands of times a second (the collector's
   * polls) costs no promise per run.
   */
  start?: (run: RunHandle) => void;
}

/** A run's signal, and how a run started by `Job.start` says it has ended. */
export interface RunHandle extends RunSignal {
  end(error?: unknown): void;
}

/**
 * Why a slot got no run, or no result: `lane_full` when it came while the
 * job's previous run was still queued or running, `lag` when its run could
 * not start within the bound (lagBoundMs) or a later slot of the job was
 * already due, `loop_lag` when its run was abandoned at a deadline that the
 * event loop, blocked, saw more than LOOP_LAG_MS late.
 */
export type MissReason = 'lane_full' | 'lag' | 'loop_lag';

/**
 * How late a timer may fire before the event loop counts as blocked: timers
 * under load fire tens of ms late; past this, whatever was decided at the
 * timer (a run or a check out of time) may have had its answer waiting unread.
 */
export const LOOP_LAG_MS = 250;

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
  /** Called for each slot that got no run, with the slot's time (ms since the epoch). */
  onMissed?: (key: string, slotTime: number, reason: MissReason) => void;
  /**
   * The timer fires on multiples of this (WAKEUP_STEP_MS in the collector),
   * so that slots and deadlines due within a step share a wakeup; a run may
   * start that much after its slot, whose time stays on the grid. 0 (the
   * default) fires at each due time.
   */
  wakeupStepMs?: number;
}

export interface JobStats {
  runs: number;
  /** Slots that came while the previous run was still queued or running, or behind a later slot already due. */
  skipped: number;
  timeouts: number;
  /** Runs not started because they could not start within the lag bound of their slot. */
  lagged: number;
}

export interface SchedulerStats extends JobStats {
  running: number;
  queued: number;
  /** Largest delay between a slot and the start (or the refusal, past the lag bound) of its run, since the scheduler was made. */
  lagMsMax: number;
  /** When a run last completed, ms since the epoch (wall clock, for people); null before the first. */
  lastDoneAt: number | null;
}

/**
 * How late a run may start after its slot: half the interval, at least 1 s.
 * Later than that it would measure a moment closer to the next slot than to
 * its own, off the grid the rollups and the uptime expect; the slot is
 * reported not measured instead. The floor keeps a GC pause or a timer fired
 * a few hundred ms late from dropping the runs of short intervals. A job
 * whose previous run was dropped so is run however late, so that a lane
 * saturated for good still measures every job, at worst every other slot,
 * instead of starving the jobs whose phase always finds it full.
 */
export function lagBoundMs(intervalMs: number): number {
  return Math.max(1000, intervalMs / 2);
}

interface Lane {
  concurrency: number;
  queue: Fifo<JobState>;
  /** Live entries in `queue`; entries of removed jobs stay there until they reach the head. */
  queued: number;
  running: number;
}

const IDLE = 0;
const QUEUED = 1;
const RUNNING = 2;

/** One job, flat: 20,000 of them are the scheduler's memory. */
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
  state: typeof IDLE | typeof QUEUED | typeof RUNNING;
  removed: boolean;
  /** The job's last run was dropped for lag (see lagBoundMs). */
  laggedLast: boolean;
  /** The run in flight, if any. */
  flight: Flight | null;
  runs: number;
  skipped: number;
  timeouts: number;
  lagged: number;
}

/**
 * One run in flight, and the signal that run sees: the scheduler's own record
 * stands in for an AbortController. It sits in the deadline heap (at `index`)
 * only while in flight.
 */
class Flight implements RunHandle {
  aborted = false;
  index = -1;
  /** One listener is the common case (a probe's own cancel); more go in an array. */
  private listeners: (() => void) | (() => void)[] | undefined = undefined;

  constructor(
    readonly job: JobState,
    readonly deadline: number,
    /** The scheduler's one function that settles a run: one per scheduler, not a closure per run. */
    private readonly ended: (flight: Flight, error: unknown) => void,
  ) {}

  end(error?: unknown): void {
    this.ended(this, error);
  }

  /** Calls `fn` at once when the run is already abandoned, so no abort is ever lost to registering late. */
  onAbort(fn: () => void): () => void {
    if (this.aborted) {
      fn();
      return noop;
    }
    const l = this.listeners;
    this.listeners = l === undefined ? fn : typeof l === 'function' ? [l, fn] : (l.push(fn), l);
    return () => {
      const now = this.listeners;
      if (now === fn) this.listeners = undefined;
      else if (Array.isArray(now)) {
        const i = now.indexOf(fn);
        if (i >= 0) now.splice(i, 1);
      }
    };
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const l = this.listeners;
    this.listeners = undefined;
    if (typeof l === 'function') l();
    else if (l) for (const fn of l) fn();
  }
}

const noop = () => {};

// setTimeout treats longer delays as 1 ms; a longer wait is simply re-armed.
const MAX_TIMER_MS = 2 ** 31 - 1;

export class Scheduler<J extends Job = Job> {
  /** The only map of the jobs: their owner (the collector) finds its own here too, so 20,000 jobs are not kept twice. */
  private readonly jobs = new Map<string, JobState>();
  private readonly slots = new SlotHeap();
  /** Runs in flight by deadline; a run leaves it as it settles. */
  private readonly deadlines = new IndexedHeap();
  /** The default lane is ''. */
  private readonly lanes = new Map<string, Lane>();
  /** Queued runs over all lanes. */
  private queued = 0;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly totals = {
    runs: 0,
    skipped: 0,
    timeouts: 0,
    lagged: 0,
    lagMsMax: 0,
    lastDoneAt: null as number | null,
  };
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;
  private started = false;
  private seq = 0;
  /** Runs are being started; a run that ends meanwhile (one that fails at once) asks for another pass (`repump`). */
  private pumping = false;
  private repump = false;
  private readonly ended = (flight: Flight, error: unknown): void =>
    error === undefined ? this.settle(flight, 'done') : this.settle(flight, 'failed', error);

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

  add(job: J): void {
    if (this.jobs.has(job.key)) throw new Error(`job "${job.key}" is already scheduled`);
    const lane = this.lanes.get(job.lane ?? '');
    if (lane === undefined) throw new Error(`job "${job.key}": unknown lane "${job.lane}"`);
    if (!job.run === !job.start) throw new Error(`job "${job.key}" needs either run or start`);
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
      state: IDLE,
      removed: false,
      laggedLast: false,
      flight: null,
      runs: 0,
      skipped: 0,
      timeouts: 0,
      lagged: 0,
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
    // Slot heap and queue entries are dropped lazily when they come up.
    state.removed = true;
    if (state.state === QUEUED) {
      state.lane.queued--;
      this.queued--;
    }
    state.flight?.abort();
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
      for (const state of lane.queue.drain()) state.state = IDLE;
      lane.queued = 0;
    }
    this.queued = 0;
    this.deadlines.forEach((flight) => flight.abort());
    this.arm();
    if (this.deadlines.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** The scheduled job of that key. */
  job(key: string): J | undefined {
    return this.jobs.get(key)?.job as J | undefined;
  }

  /** Every scheduled job. */
  *allJobs(): IterableIterator<J> {
    for (const state of this.jobs.values()) yield state.job as J;
  }

  get size(): number {
    return this.jobs.size;
  }

  stats(): SchedulerStats {
    return { ...this.totals, running: this.deadlines.size, queued: this.queued };
  }

  jobStats(key: string): JobStats | undefined {
    const state = this.jobs.get(key);
    return state && { runs: state.runs, skipped: state.skipped, timeouts: state.timeouts, lagged: state.lagged };
  }

  private schedule(state: JobState, now: number): void {
    state.nextDue = now + state.phaseMs;
    this.slots.push(state);
  }

  /** Points the one timer at the earliest slot or deadline, whichever comes first. */
  private arm(): void {
    const at = stepUp(
      Math.min(this.started ? (this.slots.peek()?.nextDue ?? Infinity) : Infinity, this.deadlines.peek()?.deadline ?? Infinity),
      this.options.wakeupStepMs ?? 0,
    );
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
      const state = f.job;
      this.settle(f, 'timeout');
      // A run abandoned because the loop was blocked past its deadline says nothing of its target.
      if (now - f.deadline > LOOP_LAG_MS && !state.removed)
        this.options.onMissed?.(state.job.key, Date.now() - (now - state.queuedDue), 'loop_lag');
    }
    for (let s = this.slots.peek(); s && s.nextDue <= now; s = this.slots.peek()) {
      if (s.removed) {
        this.slots.pop();
        continue;
      }
      // A slot whose successor is due too (the loop was blocked for an interval) is superseded:
      // running it now would measure the moment of the later one.
      if (s.nextDue + s.job.intervalMs <= now) this.missed(s, s.nextDue, 'lag', now);
      else this.slotCame(s, now);
      // Stepping along the grid (not from now) is what keeps the schedule from drifting.
      s.nextDue += s.job.intervalMs;
      this.slots.updateTop();
    }
    this.pump();
    this.arm();
  }

  private slotCame(state: JobState, now: number): void {
    if (state.state !== IDLE) {
      this.missed(state, state.nextDue, 'lane_full', now);
      return;
    }
    state.state = QUEUED;
    state.queuedDue = state.nextDue;
    state.lane.queue.push(state);
    state.lane.queued++;
    this.queued++;
  }

  /** A slot that gets no run; counted as skipped, as a slot that found its job busy always was. */
  private missed(state: JobState, due: number, reason: MissReason, now: number): void {
    state.skipped++;
    this.totals.skipped++;
    this.options.onMissed?.(state.job.key, Date.now() - (now - due), reason);
  }

  /** Starts queued runs while their lane has room. Queues are in due order because slots leave the heap in due order. */
  private pump(): void {
    if (this.pumping) {
      this.repump = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.repump = false;
        if (this.queued > 0) this.startQueued();
      } while (this.repump);
    } finally {
      this.pumping = false;
    }
  }

  private startQueued(): void {
    let now = -1;
    for (const lane of this.lanes.values()) {
      while (this.started && lane.running < lane.concurrency && lane.queued > 0) {
        const state = lane.queue.shift();
        if (state.removed) continue;
        lane.queued--;
        this.queued--;
        if (now < 0) now = performance.now();
        const lag = now - state.queuedDue;
        if (lag > this.totals.lagMsMax) this.totals.lagMsMax = lag;
        if (lag > lagBoundMs(state.job.intervalMs) && !state.laggedLast) {
          state.state = IDLE;
          state.laggedLast = true;
          state.lagged++;
          this.totals.lagged++;
          this.options.onMissed?.(state.job.key, Date.now() - lag, 'lag');
          continue;
        }
        this.launch(state, now);
      }
    }
  }

  private launch(state: JobState, now: number): void {
    state.state = RUNNING;
    state.laggedLast = false;
    state.lane.running++;
    state.runs++;
    this.totals.runs++;
    const flight = new Flight(state, now + state.timeoutMs, this.ended);
    state.flight = flight;
    this.deadlines.push(flight);
    if (state.job.start) {
      try {
        state.job.start(flight);
      } catch (error) {
        this.settle(flight, 'failed', error);
      }
      return;
    }
    let result: Promise<void>;
    try {
      result = state.job.run!(flight);
    } catch (error) {
      result = Promise.reject(error);
    }
    result.then(
      () => this.settle(flight, 'done'),
      (error: unknown) => this.settle(flight, 'failed', error),
    );
  }

  /** Ends a run once: whichever of completion, failure or deadline comes first wins. */
  private settle(flight: Flight, outcome: 'done' | 'failed' | 'timeout', error?: unknown): void {
    if (flight.index < 0) return;
    this.deadlines.remove(flight);
    const { job: state } = flight;
    state.flight = null;
    state.state = IDLE;
    state.lane.running--;
    if (outcome === 'done') this.totals.lastDoneAt = Date.now();
    // Read before the abort below: a run that fails because it was aborted (reload, stop) is no news.
    const abandoned = flight.aborted;
    if (outcome === 'timeout') {
      state.timeouts++;
      this.totals.timeouts++;
      flight.abort();
    }
    this.pump();
    this.arm();
    if (this.deadlines.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    if (outcome === 'failed' && !abandoned) this.reportError(state.job.key, error);
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

/**
 * The jobs by their next slot (due time, then the order they were added): a
 * binary heap whose keys sit in typed arrays beside it. Sifting through
 * 40,000 jobs then compares numbers in two arrays instead of reading two job
 * records scattered over the heap at every step, whose cache misses were
 * most of the scheduler's time. A job's key is read from it when it is
 * pushed or, at the top, when its slot has moved on (updateTop).
 */
class SlotHeap {
  private readonly items: JobState[] = [];
  private due = new Float64Array(1024);
  private seq = new Float64Array(1024);

  peek(): JobState | undefined {
    return this.items[0];
  }

  push(state: JobState): void {
    const n = this.items.length;
    if (n === this.due.length) this.grow();
    this.items.push(state);
    this.items[this.up(n, state.nextDue, state.seq)] = state;
  }

  pop(): JobState | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    const n = items.length;
    if (n > 0) items[this.down(0, this.due[n]!, this.seq[n]!)] = last!;
    return top;
  }

  /** Restores order after the top job's slot moved later. */
  updateTop(): void {
    const top = this.items[0];
    if (top !== undefined) this.items[this.down(0, top.nextDue, top.seq)] = top;
  }

  clear(): void {
    this.items.length = 0;
  }

  /** Moves parents down until key (d, s) fits at the hole `i`; returns where it fits, with its key written there. */
  private up(i: number, d: number, s: number): number {
    const { due, seq } = this;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!(d < due[p]! || (d === due[p]! && s < seq[p]!))) break;
      this.move(p, i);
      i = p;
    }
    due[i] = d;
    seq[i] = s;
    return i;
  }

  /** Moves the lesser child up until key (d, s) fits at the hole `i`; returns where it fits, with its key written there. */
  private down(i: number, d: number, s: number): number {
    const { due, seq } = this;
    const n = this.items.length;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && (due[c + 1]! < due[c]! || (due[c + 1] === due[c] && seq[c + 1]! < seq[c]!))) c++;
      if (!(due[c]! < d || (due[c] === d && seq[c]! < s))) break;
      this.move(c, i);
      i = c;
    }
    due[i] = d;
    seq[i] = s;
    return i;
  }

  /** Moves the job at `from`, with its key, to `to`. */
  private move(from: number, to: number): void {
    this.items[to] = this.items[from]!;
    this.due[to] = this.due[from]!;
    this.seq[to] = this.seq[from]!;
  }

  private grow(): void {
    const due = new Float64Array(this.due.length * 2);
    const seq = new Float64Array(this.seq.length * 2);
    due.set(this.due);
    seq.set(this.seq);
    this.due = due;
    this.seq = seq;
  }
}

/** The runs in flight, by deadline, each knowing its place so that it leaves as soon as it settles. */
class IndexedHeap {
  private readonly items: Flight[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): Flight | undefined {
    return this.items[0];
  }

  forEach(fn: (flight: Flight) => void): void {
    // A copy: aborting a run may settle it synchronously and reorder the heap.
    for (const flight of this.items.slice()) fn(flight);
  }

  push(flight: Flight): void {
    this.items.push(flight);
    this.up(this.items.length - 1, flight);
  }

  remove(flight: Flight): void {
    const items = this.items;
    const i = flight.index;
    flight.index = -1;
    const last = items.pop()!;
    if (last === flight) return;
    // The last item fills the hole and moves whichever way restores the order.
    if (i > 0 && last.deadline < items[(i - 1) >> 1]!.deadline) this.up(i, last);
    else this.down(i, last);
  }

  private up(i: number, flight: Flight): void {
    const items = this.items;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent]!;
      if (p.deadline <= flight.deadline) break;
      items[i] = p;
      p.index = i;
      i = parent;
    }
    items[i] = flight;
    flight.index = i;
  }

  private down(i: number, flight: Flight): void {
    const items = this.items;
    const n = items.length;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && items[child + 1]!.deadline < items[child]!.deadline) child++;
      const c = items[child]!;
      if (c.deadline >= flight.deadline) break;
      items[i] = c;
      c.index = i;
      i = child;
    }
    items[i] = flight;
    flight.index = i;
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
