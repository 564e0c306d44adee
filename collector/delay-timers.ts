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

  constructor(private readonly ms: number) {}

  push(waiter: TimerWaiter): void {
    this.due.push(performance.now() + this.ms);
    this.waiters.push(waiter);
    this.tokens.push(waiter.timerToken);
    this.live++;
    if (this.timer === undefined && !this.firing) this.timer = setTimeout(this.fire, this.ms);
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
    this.timer = setTimeout(this.fire, Math.max(0, Math.ceil(this.due[this.head]! - now)));
  };
}

export class DelayTimers {
  private readonly waits = new Map<number, Wait>();

  /** Calls `waiter.onTimer()` after `ms`, unless cancelled through the Wait returned. */
  after(ms: number, waiter: TimerWaiter): Wait {
    let wait = this.waits.get(ms);
    if (wait === undefined) this.waits.set(ms, (wait = new Wait(ms)));
    wait.push(waiter);
    return wait;
  }
}
