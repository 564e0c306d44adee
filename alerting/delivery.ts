/**
 * Delivery: each alert to each of its channels, with a timeout per attempt
 * and retries with exponential back-off (honouring a receiver's Retry-After).
 * Every channel has its own queue and worker, so a channel that is down or
 * slow delays only its own alerts, never the other channels, the planner or
 * the collector; within a channel alerts keep their order (a recovery never
 * overtakes its outage). Every attempt is reported, with secrets removed
 * from its error, to be kept in the alert log.
 */
import { deadline } from '../common/deadline.ts';
import type { Logger } from '../common/log.ts';
import type { Channel } from './channels/types.ts';
import { DeliveryError } from './channels/types.ts';
import type { AlertRecord, DeliveryAttempt } from './record.ts';

export interface DeliveryPolicy {
  attempts: number;
  backoffMs: number;
  maxBackoffMs: number;
  timeoutMs: number;
}

export interface DeliveryOptions {
  channels: ReadonlyMap<string, Channel>;
  policy: DeliveryPolicy;
  log: Logger;
  onAttempt(attempt: DeliveryAttempt): void;
  now?: () => number;
}

interface Job {
  alert: AlertRecord;
  /** Attempts made before (by an earlier run of Merezha). */
  done: number;
}

/** Replaces every secret (and its URL-encoded form) in a text. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 3) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join('***');
  }
  return out;
}

export class Delivery {
  private readonly queues = new Map<string, Job[]>();
  private readonly workers = new Map<string, Promise<void>>();
  private readonly stopping = new AbortController();
  private readonly now: () => number;

  constructor(private options: DeliveryOptions) {
    this.now = options.now ?? Date.now;
  }

  enqueue(alert: AlertRecord, channelId: string, attemptsSoFar = 0): void {
    if (this.stopping.signal.aborted || !this.channel(channelId, alert)) return;
    const queue = this.queues.get(channelId) ?? [];
    this.queues.set(channelId, queue);
    queue.push({ alert, done: attemptsSoFar });
    if (!this.workers.has(channelId)) {
      const worker = this.work(channelId, queue).finally(() => this.workers.delete(channelId));
      this.workers.set(channelId, worker);
    }
  }

  /**
   * Takes the channels and policy of a reloaded config. Queued alerts go on
   * through the channel of the same id, or are dropped with it; a channel
   * that is replaced or gone is closed.
   */
  reconfigure(channels: ReadonlyMap<string, Channel>, policy: DeliveryPolicy): void {
    const before = this.options.channels;
    this.options = { ...this.options, channels, policy };
    const kept = new Set(channels.values());
    for (const channel of before.values()) if (!kept.has(channel)) void channel.close?.().catch(() => undefined);
  }

  /** Alerts waiting per channel, besides the one being tried. */
  queueLengths(): Record<string, number> {
    return Object.fromEntries([...this.queues].map(([id, q]) => [id, q.length]));
  }

  /** Resolves when every queue is empty (tests, and a clean stop). */
  async idle(): Promise<void> {
    while (this.workers.size > 0) await Promise.all([...this.workers.values()]);
  }

  /** Stops at once; alerts not yet delivered stay owed in the alert log and go out after the next start. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.all([...this.workers.values()]);
    for (const channel of this.options.channels.values()) await channel.close?.().catch(() => undefined);
  }

  /** The channel of that id; undefined, and the alert dropped, when the config has none. */
  private channel(id: string, alert: AlertRecord): Channel | undefined {
    const channel = this.options.channels.get(id);
    if (!channel) this.options.log.error({ channel: id, alert: alert.id }, 'alert for a channel that is not configured; dropped');
    return channel;
  }

  private async work(channelId: string, queue: Job[]): Promise<void> {
    const { log } = this.options;
    for (let job = queue.shift(); job !== undefined && !this.stopping.signal.aborted; job = queue.shift()) {
      for (let attempt = job.done + 1; attempt <= this.options.policy.attempts; attempt++) {
        // Read at each attempt: a reload may have replaced the channel or the policy meanwhile.
        const { policy } = this.options;
        const channel = this.channel(channelId, job.alert);
        if (!channel) break;
        const outcome = await this.attempt(channel, job.alert);
        if (outcome === 'stopped') return;
        const final = outcome.ok || outcome.permanent || attempt >= policy.attempts;
        const time = this.now();
        this.options.onAttempt({
          alertId: job.alert.id,
          channel: channel.id,
          event: job.alert.event,
          attempt,
          ok: outcome.ok,
          ...(outcome.error !== undefined ? { error: outcome.error } : {}),
          final,
          time,
          delayMs: time - job.alert.time,
        });
        if (outcome.ok) {
          log.info({ channel: channel.id, alert: job.alert.id, event: job.alert.event, attempt }, 'alert delivered');
          break;
        }
        log.warn(
          { channel: channel.id, alert: job.alert.id, attempt, err: outcome.error, final },
          final ? 'alert not delivered; giving up' : 'alert not delivered; will retry',
        );
        if (final) break;
        const backoff = Math.min(policy.backoffMs * 2 ** (attempt - 1), policy.maxBackoffMs);
        const wait = Math.min(Math.max(backoff, outcome.retryAfterMs ?? 0), policy.maxBackoffMs);
        if (!(await this.sleep(wait))) return;
      }
    }
  }

  private async attempt(
    channel: Channel,
    alert: AlertRecord,
  ): Promise<{ ok: boolean; error?: string; permanent?: boolean; retryAfterMs?: number } | 'stopped'> {
    const limit = deadline(this.options.policy.timeoutMs, [this.stopping.signal]);
    let timer: NodeJS.Timeout | undefined;
    try {
      // A channel that ignores its signal still cannot hold the queue past the timeout.
      const backstop = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DeliveryError('timed out')), this.options.policy.timeoutMs + 100);
      });
      const sending = channel.send(alert, limit.signal);
      sending.catch(() => undefined); // settled after the deadline: nobody waits for it any more
      await Promise.race([sending, backstop]);
      return { ok: true };
    } catch (err) {
      if (this.stopping.signal.aborted) return 'stopped';
      const message = limit.timedOut() ? 'timed out' : err instanceof Error ? err.message : String(err);
      const options = err instanceof DeliveryError ? err.options : {};
      return {
        ok: false,
        error: redact(message, channel.secrets),
        ...(options.permanent ? { permanent: true } : {}),
        ...(options.retryAfterMs !== undefined ? { retryAfterMs: options.retryAfterMs } : {}),
      };
    } finally {
      clearTimeout(timer);
      limit.clear();
    }
  }

  /** False when stopped during the wait. */
  private sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const signal = this.stopping.signal;
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
