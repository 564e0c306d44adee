/**
 * The state engine: the collector's observations in, current states and typed
 * changes out. It runs the pure state machine, writes every transition,
 * outage and event to the store (and flushes it, so that a kill -9 a moment
 * later loses nothing), re-checks a device at once when a poll disagrees with
 * its state instead of waiting a whole interval, and tells its listeners (the
 * alerts, later the dashboard) what changed.
 *
 * It also keeps the cause of each open outage: judged when it begins
 * (provisional), again when news of the power comes in shortly after
 * (`rejudge`) and when it ends (final), stored with the outage and shown in
 * its view.
 *
 * `ingest` is synchronous and cheap: it never waits for the store or the
 * network, so the collector is never held up.
 */
import { setMaxListeners } from 'node:events';
import { isDeepStrictEqual } from 'node:util';
import type { Observation, Sample } from '../../collector/samples.ts';
import type { Logger } from '../../common/log.ts';
import type { CauseJudgement } from '../../common/words/cause.ts';
import type { Config } from '../../config/schema.ts';
import type { Point } from '../../storage/point.ts';
import type { Inventory } from '../inventory.ts';
import { settleCause } from '../power/cause.ts';
import { UniqueTimes, type EventStore } from '../store/event-store.ts';
import { causePoint, changePoints, type StateHistory } from './history.ts';
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
  /** Judges the cause of an outage; without it outages carry none. */
  judge?: OutageJudge;
  now?: () => number;
}

export type ChangeListener = (changes: Change[]) => void;

/** An outage whose cause is asked for. */
export interface OutageQuestion {
  subject: string;
  start: number;
  /** The nearest ancestor that was down when it began. */
  downAncestor?: string;
}

export type OutageJudge = (outage: OutageQuestion) => CauseJudgement | undefined;

/** The cause of an open outage, as judged so far. */
interface OpenCause {
  start: number;
  downAncestor?: string;
  judgement?: CauseJudgement;
  /** Since when news of the power bears on it: its start, or the restart that found it open. */
  weighedFrom: number;
  /** Found open after a restart: the judge has forgotten what its earlier judgement saw. */
  restored?: true;
}

export class StateEngine {
  private readonly machine: StateMachine;
  /** The config's maintenance windows plus those set at run time (`maintenance.setExtra`). */
  readonly maintenance: MaintenanceSchedule;
  private readonly listeners: ChangeListener[] = [];
  private readonly times = new UniqueTimes();
  /** Subject key → its open outage's cause. */
  private readonly causes = new Map<string, OpenCause>();
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
    // Judged again: what was stored stands unless the judge knows better now (settleCause).
    const judged: Point[] = [];
    for (const s of history.subjects) {
      if (!s.outage) continue;
      const stored = history.causes.get(s.key);
      const cause = this.openCause(s.key, s.outage.start, now);
      cause.restored = true;
      cause.judgement = settleCause(stored, this.judge(s.key, cause), true);
      const point =
        cause.judgement &&
        !isDeepStrictEqual(cause.judgement, stored) &&
        causePoint(s.key, cause.start, cause.judgement, this.options.inventory);
      if (point) judged.push(point);
    }
    this.save(judged);
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
    if (this.options.recheck !== recheck) this.options.recheck?.close?.();
    this.options = { ...this.options, config, inventory, recheck };
    this.maintenance.reconfigure(config, inventory);
    const ended = this.machine.reconfigure({ inventory, states: config.states, maintenance: this.maintenance }, fresh, this.now());
    // Ended by the reload, not by anything seen: each keeps the cause judged so far.
    this.write(
      ended.map((c) => this.withJudgement(c, false)),
      before,
    );
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
    const snapshot = this.machine.snapshot(this.now());
    for (const view of snapshot.subjects.values()) this.overlayCause(view);
    return snapshot;
  }

  view(subject: string): SubjectView | undefined {
    const view = this.machine.view(subject);
    return view && this.overlayCause(view);
  }

  /**
   * Judges again the open outages that began (or were found open after a
   * restart) at most `withinMs` before `at`, the time of news of the power: a
   * UPS polled every 30 s may report its battery only after a ping failed.
   * Stores the causes that changed; true when any did.
   */
  rejudge(at: number, withinMs: number): boolean {
    if (this.stopped || !this.options.judge) return false;
    const points: Point[] = [];
    for (const [subject, open] of this.causes) {
      if (at - open.weighedFrom > withinMs) continue;
      const judgement = settleCause(open.judgement, this.judge(subject, open), open.restored);
      if (!judgement || isDeepStrictEqual(judgement, open.judgement)) continue;
      open.judgement = judgement;
      const point = causePoint(subject, open.start, judgement, this.options.inventory);
      if (point) points.push(point);
    }
    this.save(points);
    return points.length > 0;
  }

  /** Resolves when every change so far is in the store (or its spool). */
  flushed(): Promise<void> {
    return this.flushing;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.aborter.abort();
    this.options.recheck?.close?.();
    for (const t of this.rechecking.values()) if (t !== 'running') clearTimeout(t);
    this.rechecking.clear();
    await this.flushing;
  }

  private handle(step: StepResult): void {
    if (step.changes.length > 0) {
      const changes = step.changes.map((c) => this.withJudgement(c, true));
      this.write(changes);
      this.logChanges(changes);
      for (const listener of this.listeners) {
        try {
          listener(changes);
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

  /**
   * An outage's beginning or end with its cause: judged as it begins, judged
   * again as it ends (`judge`: false keeps the cause judged so far).
   */
  private withJudgement(c: Change, judge: boolean): Change {
    if (c.type === 'outage_start') {
      const open = this.openCause(c.subject, c.start, c.start);
      open.judgement = this.judge(c.subject, open);
      return open.judgement ? { ...c, cause: open.judgement } : c;
    }
    if (c.type === 'outage_end') {
      const known = this.causes.get(c.subject);
      const open = known?.start === c.start ? known : undefined;
      if (open) this.causes.delete(c.subject);
      const cause = judge
        ? settleCause(open?.judgement, this.judge(c.subject, open ?? { start: c.start }), open?.restored)
        : open?.judgement;
      return cause ? { ...c, cause } : c;
    }
    return c;
  }

  private openCause(subject: string, start: number, weighedFrom: number): OpenCause {
    const downAncestor = this.downAncestor(subject, start);
    const open: OpenCause = { start, weighedFrom, ...(downAncestor !== undefined ? { downAncestor } : {}) };
    this.causes.set(subject, open);
    return open;
  }

  private judge(subject: string, open: Pick<OpenCause, 'start' | 'downAncestor'>): CauseJudgement | undefined {
    const { start, downAncestor } = open;
    return this.options.judge?.({ subject, start, ...(downAncestor !== undefined ? { downAncestor } : {}) });
  }

  /** The nearest ancestor whose own outage had begun by `start`. */
  private downAncestor(subject: string, start: number): string | undefined {
    const subjects = this.options.inventory.subjects;
    for (let key = subjects.get(subject)?.parent; key !== undefined; key = subjects.get(key)?.parent) {
      const outage = this.machine.view(key)?.outage;
      if (outage && outage.start <= start) return key;
    }
    return undefined;
  }

  /** The machine's views are copies: the cause of the open outage is laid on in place. */
  private overlayCause(view: SubjectView): SubjectView {
    const open = this.causes.get(view.key);
    if (view.outage && open?.judgement && open.start === view.outage.start) view.outage.cause = open.judgement;
    return view;
  }

  private write(changes: Change[], inventory = this.options.inventory): void {
    this.save(changes.flatMap((c) => changePoints(c, inventory)));
  }

  private save(points: Point[]): void {
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
