/**
 * The alert service: runs the planner whenever states change (and every
 * second, for delays, reminders and quiet hours), records each decision in the
 * alert log before anything is sent, then hands it to delivery. After a
 * restart it is built from the alert log: the book (what was said) and the
 * deliveries still owed (decided but not delivered, not given up).
 */
import type { Logger } from '../../common/log.ts';
import type { Config } from '../../config/schema.ts';
import type { Inventory } from '../inventory.ts';
import type { Snapshot } from '../state/types.ts';
import { UniqueTimes, type EventStore } from '../store/event-store.ts';
import { AlertBook } from './book.ts';
import type { Channel } from '../../alerting/channels/types.ts';
import { Delivery, type DeliveryPolicy } from '../../alerting/delivery.ts';
import { alertPoint, deliveryPoint, type AlertLog } from './log.ts';
import { ongoingEpisodes, parseKey, planAlerts, type PlanInput } from './planner.ts';
import type { AlertRecord, DeliveryAttempt } from '../../alerting/record.ts';

/** Delivery attempts kept in memory for the dashboard (all of them are in InfluxDB). */
const ATTEMPTS_KEPT = 5_000;
/** Finished episodes stay in the book (and their records in memory) this long. */
const KEEP_MS = 7 * 86_400_000;

export interface AlertServiceOptions {
  config: Config;
  inventory: Inventory;
  store: EventStore;
  log: Logger;
  channels: Channel[];
  snapshot: () => Snapshot;
  /** The alert log read back after a restart. */
  history?: AlertLog;
  now?: () => number;
}

export class AlertService {
  private readonly book: AlertBook;
  private readonly delivery: Delivery;
  private readonly attemptLog: DeliveryAttempt[] = [];
  private readonly times = new UniqueTimes();
  private readonly now: () => number;
  private persisting: Promise<void> = Promise.resolve();
  private scheduled = false;
  private stopped = false;
  private lastPrune = 0;
  private readonly listeners: ((records: readonly AlertRecord[]) => void)[] = [];

  constructor(private options: AlertServiceOptions) {
    this.now = options.now ?? Date.now;
    const { config, log } = options;
    this.book = new AlertBook(options.history?.records ?? []);
    this.delivery = new Delivery({
      channels: channelMap(options.channels),
      policy: deliveryPolicy(config),
      log,
      now: this.now,
      onAttempt: (a) => this.recordAttempt(a),
    });
    if (options.history) this.resume(options.history);
  }

  /** Plans on the next turn of the event loop: several changes in a row make one plan. */
  schedulePlan(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.plan();
    });
  }

  /**
   * Decides what is due now, records it, and starts its delivery. Returns the
   * new records. `ended`: episodes a reload of the config ended (`PlanInput`).
   */
  plan(ended?: ReadonlySet<string>): AlertRecord[] {
    if (this.stopped) return [];
    const now = this.now();
    const { records, done } = planAlerts({ ...this.planInput(now), ended });
    for (const r of records) this.book.add(r);
    if (now - this.lastPrune > 600_000) {
      this.lastPrune = now;
      const open = new Set(this.book.openKeys());
      this.book.prune(now - KEEP_MS, (key) => open.has(key) && !done.includes(key));
    }
    if (records.length > 0) this.record(records);
    return records;
  }

  /** The episodes going on now: what `reconfigure` is given, taken before the reload. */
  ongoing(): Set<string> {
    return ongoingEpisodes(this.planInput(this.now()));
  }

  /**
   * Takes a reloaded config, its inventory and channels. The episodes that
   * were going on (`ongoing()` before the reload) and that the new config
   * ends are closed at once, without a recovery: they ended by an edit, not
   * by anything getting better.
   */
  reconfigure(next: Pick<AlertServiceOptions, 'config' | 'inventory' | 'channels'>, ongoing: ReadonlySet<string>): void {
    this.options = { ...this.options, ...next };
    this.delivery.reconfigure(channelMap(next.channels), deliveryPolicy(next.config));
    const still = this.ongoing();
    this.plan(new Set([...ongoing].filter((key) => !still.has(key))));
  }

  /**
   * Acknowledges what is going on with `target` (an alert id, an episode key, a
   * device id, `service:<id>` or `village:<id>`): no more reminders for it.
   */
  acknowledge(target: string, by: string): AlertRecord[] {
    const now = this.now();
    const byId = this.book.records().find((r) => r.id === target)?.key;
    const keys = this.book
      .openKeys()
      .filter((key) => key === target || key === byId || parseKey(key).subject === target)
      .filter((key) => !this.book.acked(key));
    const acks = keys.map((key): AlertRecord => {
      const opening = this.book.opening(key)!;
      return { ...opening, id: `${opening.id}-ack`, time: now, action: 'ack', key, channels: [], folds: [], by, reminder: 0 };
    });
    for (const a of acks) this.book.add(a);
    if (acks.length > 0) this.record(acks, false);
    return acks;
  }

  /** Called with every batch of new records (alerts, reminders, recoveries, acks), after they are in the book. */
  onRecord(listener: (records: readonly AlertRecord[]) => void): void {
    this.listeners.push(listener);
  }

  /** Who acknowledged an episode, and when. */
  acked(key: string): { by: string; time: number } | undefined {
    return this.book.acked(key);
  }

  /** The alert log, oldest first, and the delivery attempts (the dashboard's view). */
  records(): readonly AlertRecord[] {
    return this.book.records();
  }

  /** Alerts waiting per channel. */
  queueLengths(): Record<string, number> {
    return this.delivery.queueLengths();
  }

  attempts(): readonly DeliveryAttempt[] {
    return this.attemptLog;
  }

  /** Resolves when every decision so far is recorded and every delivery is done (tests). */
  async idle(): Promise<void> {
    await this.persisting;
    await this.delivery.idle();
    await this.persisting;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.persisting;
    await this.delivery.stop();
    await this.persisting;
  }

  private planInput(now: number): PlanInput {
    const { config, inventory, snapshot } = this.options;
    return { config, inventory, snapshot: snapshot(), book: this.book, now };
  }

  private record(records: AlertRecord[], deliver = true): void {
    const { store, log } = this.options;
    for (const r of records) {
      const where = r.device?.id ?? r.service?.id ?? r.village?.id;
      if (r.channels.length > 0) log.info({ alert: r.id, action: r.action, event: r.event, where, channels: r.channels }, r.title);
      else log.debug({ alert: r.id, action: r.action, event: r.event, where, suppressed: r.suppressed }, 'alert recorded');
    }
    store.write(records.map((r) => this.times.apply(alertPoint(r))));
    for (const listener of this.listeners) listener(records);
    // Recorded first, sent after: a crash in between leaves the alert owed, never sent unrecorded.
    this.persisting = this.persisting
      .then(() => store.flush())
      .catch((err: unknown) => log.error({ err: (err as Error).message }, 'could not flush the alert log'))
      .then(() => {
        if (!deliver || this.stopped) return;
        for (const r of records) for (const channel of r.channels) this.delivery.enqueue(r, channel);
      });
  }

  private recordAttempt(a: DeliveryAttempt): void {
    this.attemptLog.push(a);
    if (this.attemptLog.length > ATTEMPTS_KEPT) this.attemptLog.splice(0, this.attemptLog.length - ATTEMPTS_KEPT);
    this.options.store.write([this.times.apply(deliveryPoint(a))]);
    this.persisting = this.persisting
      .then(() => this.options.store.flush())
      .catch((err: unknown) => this.options.log.error({ err: (err as Error).message }, 'could not flush the delivery log'));
  }

  /** Deliveries decided before a restart and neither delivered nor given up: owed still. */
  private resume(history: AlertLog): void {
    this.attemptLog.push(...history.attempts.slice(-ATTEMPTS_KEPT));
    const tries = new Map<string, { count: number; over: boolean }>();
    for (const a of history.attempts) {
      const k = `${a.alertId}|${a.channel}`;
      const t = tries.get(k) ?? { count: 0, over: false };
      t.count = Math.max(t.count, a.attempt);
      t.over ||= a.ok || a.final;
      tries.set(k, t);
    }
    let owed = 0;
    for (const r of history.records) {
      if (r.action === 'ack') continue;
      for (const channel of r.channels) {
        const t = tries.get(`${r.id}|${channel}`);
        if (t?.over) continue;
        this.delivery.enqueue(r, channel, t?.count ?? 0);
        owed++;
      }
    }
    this.options.log.info({ records: history.records.length, owed }, 'alert log restored');
  }
}

const channelMap = (channels: readonly Channel[]) => new Map(channels.map((c) => [c.id, c]));

function deliveryPolicy(config: Config): DeliveryPolicy {
  const { attempts, backoff, max_backoff, timeout } = config.alerts.delivery;
  return { attempts, backoffMs: backoff, maxBackoffMs: max_backoff, timeoutMs: timeout };
}
