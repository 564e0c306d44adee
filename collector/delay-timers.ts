/**
 * Timers for many waits of a few distinct lengths: the batch pinger waits
 * `packet_interval` between echo requests and `timeout` after the last one,
 * for thousands of probes a second. A wait of one length started later ends
 * later, so each length needs only a queue in start order and one timer for
 * its head, not a Node Timeout object per wait (allocated, linked into
 * Node's lists and collected: at 20,000 devices 6,000 a second).
 *
 * A cancelled wait stays queued until it comes up and is then skipped, so a
 * cancel costs nothing; but once every wait of a length is cancelled its
 * timer goes, so that, as with clearTimeout, nothing keeps the process alive.
 */
export interface TimerWaiter {
  /** Compared with the value it had when the wait began: a different one means cancelled. */
  timerToken: number;
  onTimer(): void;
}

/** Waits ending within this much of now are due: a timer may fire a fraction of a millisecond before its time on performance.now()'s clock. */
const EARLY_MS = 1;

/**
 * The step the collector's timers (the scheduler's, the batch pinger's, the
 * SNMP GET's timeouts) fire on: each is put off to the next multiple of it on
 * performance.now()'s clock, so that what comes due within it is done in one
 * wakeup of the process instead of one each. At 20,000 devices polls and
 * echo requests come due every few hundred microseconds; woken for each, the
 * collector spent about a fifth of its CPU going to sleep and waking up
 * (soak20k on an idle machine: 0.857 CPU-s per 1,000 devices per minute with
 * no step, 0.664 with 10 ms). A poll starts, an echo request leaves and a
 * timeout ends up to this much late; no time measured depends on it (an RTT
 * is stamped at the send and by the kernel at the reply, a slot keeps its
 * grid time, a reply after its deadline is refused whenever it is read).
 */
export const WAKEUP_STEP_MS = 10;

/** `at` (performance.now()) put off to the next multiple of `stepMs`; `at` itself for no step. */
export function stepUp(at: number, stepMs: number): number {
  return stepMs > 0 ? Math.ceil(at / stepMs) * stepMs : at;
}

/** The waits of one length; what `DelayTimers.after` returns, to cancel with. */
export class Wait {
  private due: number[] = [];
  private waiters: (TimerWaiter | undefined)[] = [];
  private tokens: number[] = [];
  private head = 0;
  /** Waits queued and not cancelled. */
  private live = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** While due waiters run: a wait they queue is armed for after the loop, with the head's time. */
  private firing = false;

  constructor(
    private readonly ms: number,
    private readonly stepMs: number,
  ) {}

  push(waiter: TimerWaiter): void {
    this.due.push(performance.now() + this.ms);
    this.waiters.push(waiter);
    this.tokens.push(waiter.timerToken);
    this.live++;
    if (this.timer === undefined && !this.firing) this.arm(performance.now());
  }

  /** Cancels `waiter`'s wait, which must be queued here and not have ended. */
  cancel(waiter: TimerWaiter): void {
    waiter.timerToken++;
    if (--this.live === 0) this.reset();
  }

  private reset(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.due = [];
    this.waiters = [];
    this.tokens = [];
    this.head = 0;
  }

  private readonly fire = () => {
    this.timer = undefined;
    const now = performance.now();
    this.firing = true;
    try {
      // Waiters may queue again here as they run; those are due a whole wait later, so the loop stops before them.
      while (this.head < this.due.length && this.due[this.head]! <= now + EARLY_MS) {
        const i = this.head++;
        const waiter = this.waiters[i]!;
        this.waiters[i] = undefined;
        if (waiter.timerToken !== this.tokens[i]) continue;
        this.live--;
        waiter.onTimer();
      }
    } finally {
      this.firing = false;
    }
    if (this.live === 0) return this.reset();
    if (this.head > 1024 && this.head * 2 > this.due.length) {
      this.due = this.due.slice(this.head);
      this.waiters = this.waiters.slice(this.head);
      this.tokens = this.tokens.slice(this.head);
      this.head = 0;
    }
    this.arm(now);
  };

  /** The timer for the head's end, put off to the step. */
  private arm(now: number): void {
    this.timer = setTimeout(this.fire, Math.max(0, Math.ceil(stepUp(this.due[this.head]!, this.stepMs) - now)));
  }
}

export class DelayTimers {
  private readonly waits = new Map<number, Wait>();

  /** `stepMs`: waits end on its multiples (WAKEUP_STEP_MS for the collector's); 0 ends each at its time. */
  constructor(private readonly stepMs = 0) {}

  /** Calls `waiter.onTimer()` after `ms`, unless cancelled through the Wait returned. */
  after(ms: number, waiter: TimerWaiter): Wait {
    let wait = this.waits.get(ms);
    if (wait === undefined) this.waits.set(ms, (wait = new Wait(ms, this.stepMs)));
    wait.push(waiter);
    return wait;
  }
}
