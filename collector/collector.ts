/**
 * The collector: every probe kind's targets on the scheduler, each result
 * turned into points for the sink and, read by its own kind into typed
 * samples, handed to whoever listens (the state engine, the live dashboard).
 *
 * A poll the collector could not measure properly (its slot found the lane
 * full, its run could not start in time, its replies were dropped by a busy
 * socket, its deadline passed while the event loop was blocked) is no data:
 * it writes no point and its observation carries `notMeasured` instead of a
 * sample, so a busy collector never reports a live device down. Such polls
 * are counted in stats() and warned about, a line per kind and reason a minute.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from '../common/log.ts';
import type { Config } from '../config/schema.ts';
import { PROBE_KINDS } from './probes/index.ts';
import type { ProbeKind, ProbeRunner, ProbeTarget } from './probes/types.ts';
import type { NotMeasuredReason, Observation } from './samples.ts';
import { WAKEUP_STEP_MS } from './delay-timers.ts';
import { Scheduler, type Job, type RunHandle, type SchedulerStats } from './scheduler.ts';
import type { PointSink } from '../storage/point.ts';

export interface CollectorOptions {
  config: Config;
  sink: PointSink;
  log: Logger;
  /** Defaults to every registered kind; tests pass their own. */
  probes?: ProbeKind<any, any>[];
  onObservation?: (observation: Observation) => void;
}

export interface Collector {
  start(): void;
  stop(): Promise<void>;
  /**
   * Polls what a reloaded config lists from now on. A poll whose target and
   * interval stay keeps its slot; a new or changed one is due within one
   * interval, and a run of a removed or changed one still in flight is
   * abandoned, so nothing it reads is taken for the new config.
   */
  reconfigure(config: Config): void;
  stats(): CollectorStats;
}

/** Polls not measured since start, by probe kind, then by reason. */
export type NotMeasuredCounts = Record<string, Partial<Record<NotMeasuredReason, number>>>;

export interface CollectorStats extends SchedulerStats {
  jobs: number;
  notMeasured: NotMeasuredCounts;
}

/** At most one warning per kind and reason in this long; it tells how many polls since the last one. */
export const NOT_MEASURED_WARN_MS = 60_000;

/** What every poll of a collector shares; the runners change when a reload remakes them. */
interface PollContext {
  runners: Map<string, ProbeRunner<any, any>>;
  sink: PointSink;
  tell(observation: Observation): void;
}

/**
 * One scheduled poll: a target of a kind, on its interval. A class, not a job
 * literal with a closure: there is one per device and kind (40,000 in a
 * 20,000-device hromada), so what each holds is the collector's memory.
 */
class PollJob implements Job {
  readonly timeoutMs: number;

  constructor(
    readonly key: string,
    readonly kind: ProbeKind<any, any>,
    /** Replaced by an equal one when a reload keeps the poll, so the old config is not kept alive by it. */
    public target: ProbeTarget,
    readonly intervalMs: number,
    readonly lane: string | undefined,
    private readonly context: PollContext,
  ) {
    // A poll that hangs is abandoned before its next slot, so that slot still runs.
    this.timeoutMs = Math.max(1, Math.floor(intervalMs * 0.9));
  }

  start(run: RunHandle): void {
    const { kind, target, context } = this;
    // Read at each run: a reload that keeps the job may still have brought a new runner.
    const runner = context.runners.get(kind.kind)!;
    const time = Date.now();
    const done = (result: unknown): void => {
      try {
        // Abandoned at its deadline or by a reload: the slot has moved on.
        if (!run.aborted) {
          const observation = observationOf(kind, target, result, time);
          if (observation.notMeasured === undefined) context.sink.write(runner.points(target, result, time));
          context.tell(observation);
        }
      } catch (err) {
        return run.end(err);
      }
      run.end();
    };
    if (runner.start) runner.start(target, run, done);
    else runner.run(target, run).then(done, (err: unknown) => run.end(err));
  }
}

export function createCollector({ config, sink, log, probes = PROBE_KINDS, onObservation }: CollectorOptions): Collector {
  // Kinds with a lane of their own (the batch pinger) do not count against polling.concurrency.
  const lanes: Record<string, number> = {};
  for (const kind of probes) {
    const lane = kind.lane?.(config);
    if (lane) lanes[kind.kind] = lane.concurrency;
  }
  const notMeasured: NotMeasuredCounts = {};
  const warnings = new Map<string, { at: number; count: number }>();
  const tell = (observation: Observation) => {
    const reason = observation.notMeasured;
    if (reason !== undefined) {
      const byReason = (notMeasured[observation.kind] ??= {});
      byReason[reason] = (byReason[reason] ?? 0) + 1;
      const key = `${observation.kind}:${reason}`;
      const now = Date.now();
      const warned = warnings.get(key) ?? { at: -Infinity, count: 0 };
      warned.count++;
      if (now - warned.at >= NOT_MEASURED_WARN_MS) {
        log.warn(
          { kind: observation.kind, reason, polls: warned.count, subject: observation.subject },
          `polls not measured (${reason}): the collector was too busy or could not send, which says nothing about the targets`,
        );
        warned.at = now;
        warned.count = 0;
      }
      warnings.set(key, warned);
    }
    onObservation?.(observation);
  };
  const scheduler: Scheduler<PollJob> = new Scheduler({
    concurrency: config.polling.concurrency,
    lanes,
    log,
    wakeupStepMs: WAKEUP_STEP_MS,
    onMissed: (key, slotTime, reason) => {
      const poll = scheduler.job(key);
      if (poll) tell({ kind: poll.kind.kind, subject: poll.target.key, time: slotTime, notMeasured: reason });
    },
  });
  const context: PollContext = { runners: new Map(), sink, tell };
  // Runners are made from everything but the targets, which the villages and services give.
  let settings: unknown;

  const closeRunners = () => {
    for (const runner of context.runners.values()) runner.close?.();
  };

  const reconfigure = (nextConfig: Config) => {
    const nextSettings = { ...nextConfig, villages: undefined, services: undefined };
    const remade = !isDeepStrictEqual(settings, nextSettings);
    if (remade) {
      closeRunners();
      context.runners = new Map(probes.map((kind) => [kind.kind, kind.create({ config: nextConfig, log })]));
    }
    settings = nextSettings;
    const next = new Map<string, PollJob>();
    for (const kind of probes) {
      const lane = kind.kind in lanes ? kind.kind : undefined;
      for (const target of kind.targets(nextConfig)) {
        const key = `${kind.kind}:${target.key}`;
        next.set(key, new PollJob(key, kind, target, kind.intervalMs(nextConfig, target), lane, context));
      }
    }
    for (const old of [...scheduler.allJobs()]) {
      const poll = next.get(old.key);
      if (poll && poll.intervalMs === old.intervalMs && isDeepStrictEqual(poll.target, old.target)) {
        old.target = poll.target;
        next.delete(old.key);
        continue;
      }
      scheduler.remove(old.key);
      if (!remade) context.runners.get(old.kind.kind)!.forget?.(old.target.key);
    }
    for (const poll of next.values()) scheduler.add(poll);
  };

  reconfigure(config);
  log.info({ jobs: scheduler.size, concurrency: config.polling.concurrency, lanes }, 'collector scheduled its polls');
  return {
    start: () => scheduler.start(),
    stop: async () => {
      await scheduler.stop();
      closeRunners();
    },
    reconfigure,
    stats: () => ({ ...scheduler.stats(), jobs: scheduler.size, notMeasured: structuredClone(notMeasured) }),
  };
}

/** One result of `kind`, read by the kind itself, as the collector's listeners take it. */
export function observationOf<Target extends ProbeTarget, Result>(
  kind: ProbeKind<Target, Result>,
  target: Target,
  result: Result,
  time: number,
): Observation {
  return { kind: kind.kind, subject: target.key, time, ...kind.observe(target, result, time) };
}
