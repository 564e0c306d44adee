/**
 * The state engine: the collector's observations in, current states and typed
 * changes out. It runs the pure state machine, writes every transition,
 * outage and event to the store (and flushes it, so that a kill -9 a moment
 * later loses nothing), re-checks a device at once when a poll disagrees with
 * its state instead of waiting a whole interval, and tells its listeners (the
 * alerts, later the dashboard) what changed.
 *
 * `ingest` is synchronous and cheap: it never waits for the store or the
 * network, so the collector is never held up.
 */
import { setMaxListeners } from 'node:events';
import type { Observation, Sample } from '../../collector/samples.ts';
import type { Logger } from '../../common/log.ts';
import type { Config } from '../../config/schema.ts';
import type { Inventory } from '../inventory.ts';
import { UniqueTimes, type EventStore } from '../store/event-store.ts';
import { changePoints, type StateHistory } from './history.ts';
import { StateMachine, type StepResult } from './machine.ts';
import { maintenanceSchedule, type MaintenanceSchedule } from './maintenance.ts';
import type { Rechecker } from './recheck.ts';
import type { Change, Snapshot, SubjectView } from './types.ts';

export interface StateEngineOptions {
  config: Config;
  inventory: Inventory;
  store: EventStore;
  log: Logger;
  /** Re-checks a subject now; without it, changes wait for the next scheduled poll. */
  recheck?: Rechecker;
  now?: () => number;
}

export type ChangeListener = (changes: Change[]) => void;

export class StateEngine {
  private readonly machine: StateMachine;
  /** The config's maintenance windows plus those set at run time (`maintenance.setExtra`). */
  readonly maintenance: MaintenanceSchedule;
  private readonly listeners: ChangeListener[] = [];
  private readonly times = new UniqueTimes();
  private readonly rechecking = new Map<string, NodeJS.Timeout | 'running'>();
  private readonly aborter = new AbortController();
  private readonly now: () => number;
  private flushing: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private options: StateEngineOptions) {
    this.now = options.now ?? Date.now;
    // Every re-check in flight listens to this one signal; a village's worth of them at once is normal, not a leak.
    setMaxListeners(0, this.aborter.signal);
    this.maintenance = maintenanceSchedule(options.config, options.inventory);
    this.machine = new StateMachine({ inventory: options.inventory, states: options.config.states, maintenance: this.maintenance });
  }

  /** Rebuilds states and open outages from the store's history; closes outages the store left open by mistake. */
  restore(history: StateHistory): void {
    const now = this.now();
    this.machine.restore(history.subjects, now);
    const since = new Map(history.subjects.map((s) => [s.key, s.since]));
    for (const stale of history.staleOutages) {
      const after = since.get(stale.subject);
      const end = after !== undefined && after > stale.start ? after : now;
      this.write([
        { type: 'outage_end', subject: stale.subject, start: stale.start, end, reason: 'closed after a restart', unreachable: [] },
      ]);
      this.options.log.warn(
        { subject: stale.subject, start: new Date(stale.start).toISOString() },
        'closed an outage left open in the store',
      );
    }
    const open = history.subjects.filter((s) => s.outage).map((s) => s.key);
    this.options.log.info({ subjects: history.subjects.length, openOutages: open }, 'state restored from the event store');
  }

  /**
   * Takes a reloaded config and its inventory (see `StateMachine.reconfigure`
   * for what each subject keeps). What the reload ends goes to the store
   * under the subjects' old tags, and not to the listeners: a config changed
   * by hand is no news to alert about.
   */
  reconfigure(config: Config, inventory: Inventory, fresh: ReadonlySet<string>, recheck: Rechecker | undefined): void {
    const before = this.options.inventory;
    this.options = { ...this.options, config, inventory, recheck };
    this.maintenance.reconfigure(config, inventory);
    this.write(this.machine.reconfigure({ inventory, states: config.states, maintenance: this.maintenance }, fresh, this.now()), before);
  }

  onChange(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  /** A collector observation; `recheck` marks one the engine asked for itself. */
  ingest({ sample }: Observation, recheck = false): void {
    if (this.stopped || !sample) return;
    // A re-check's SNMP runner is not the collector's: its idea of the previous uptime means nothing.
    this.observe(recheck && sample.source === 'snmp' ? { ...sample, reboot: undefined } : sample);
  }

  observe(sample: Sample): void {
    this.handle(this.machine.observe(sample));
  }

  /** Moves the clock: maintenance windows, the end of flapping. */
  tick(): void {
    if (!this.stopped) this.handle(this.machine.tick(this.now()));
  }

  snapshot(): Snapshot {
    return this.machine.snapshot(this.now());
  }

  view(subject: string): SubjectView | undefined {
    return this.machine.view(subject);
  }

  /** Resolves when every change so far is in the store (or its spool). */
  flushed(): Promise<void> {
    return this.flushing;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.aborter.abort();
    for (const t of this.rechecking.values()) if (t !== 'running') clearTimeout(t);
    this.rechecking.clear();
    await this.flushing;
  }

  private handle(step: StepResult): void {
    if (step.changes.length > 0) {
      this.write(step.changes);
      this.logChanges(step.changes);
      for (const listener of this.listeners) {
        try {
          listener(step.changes);
        } catch (err) {
          this.options.log.error({ err: (err as Error).message }, 'a state change listener failed');
        }
      }
    }
    const delay = this.options.config.states.recheck;
    if (delay !== false) {
      for (const subject of step.recheckNow) this.scheduleRecheck(subject, 0);
      for (const subject of step.recheck) this.scheduleRecheck(subject, delay);
    }
  }

  private write(changes: Change[], inventory = this.options.inventory): void {
    const points = changes.flatMap((c) => changePoints(c, inventory));
    if (points.length === 0) return;
    // Outage points are rewritten on purpose at their start time; every other event gets its own millisecond.
    this.options.store.write(points.map((p) => (p.measurement === 'outage' ? p : this.times.apply(p))));
    this.flushing = this.flushing
      .then(() => this.options.store.flush())
      .catch((err: unknown) => this.options.log.error({ err: (err as Error).message }, 'could not flush state events'));
  }

  private logChanges(changes: Change[]): void {
    const log = this.options.log;
    for (const c of changes) {
      if (c.type === 'transition') {
        const fields = { subject: c.subject, from: c.from, to: c.to, at: new Date(c.at).toISOString(), reason: c.reason, cause: c.cause };
        if (c.from === 'unknown' || c.to === 'unknown') log.debug(fields, 'state');
        else log.info(fields, `${c.subject}: ${c.from} → ${c.to}`);
      } else if (c.type === 'village') {
        log.info(
          { village: c.village, offline: c.offline },
          c.offline ? `village ${c.village} is offline` : `village ${c.village} is back online`,
        );
      } else if (c.type === 'flapping') {
        log.info(
          { subject: c.subject, transitions: c.transitions },
          c.flapping ? `${c.subject} is flapping` : `${c.subject} is stable again`,
        );
      }
    }
  }

  private scheduleRecheck(subject: string, delay: number): void {
    const recheck = this.options.recheck;
    if (!recheck || this.stopped || this.rechecking.has(subject)) return;
    const timer = setTimeout(() => {
      this.rechecking.set(subject, 'running');
      recheck
        .check(subject, this.aborter.signal)
        .then((observation) => {
          this.rechecking.delete(subject);
          if (observation && !this.stopped) this.ingest(observation, true);
        })
        .catch((err: unknown) => {
          this.rechecking.delete(subject);
          this.options.log.warn({ subject, err: (err as Error).message }, 're-check failed');
        });
    }, delay);
    timer.unref();
    this.rechecking.set(subject, timer);
  }
}
