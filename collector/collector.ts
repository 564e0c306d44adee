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
import { Scheduler, type Job, type SchedulerStats } from './scheduler.ts';
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

/** One scheduled poll: a target of a kind, on its interval. */
interface Poll {
  kind: ProbeKind<any, any>;
  target: ProbeTarget;
  intervalMs: number;
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
  const scheduler = new Scheduler({
    concurrency: config.polling.concurrency,
    lanes,
    log,
    onMissed: (key, slotTime, reason) => {
      const poll = polls.get(key);
      if (poll) tell({ kind: poll.kind.kind, subject: poll.target.key, time: slotTime, notMeasured: reason });
    },
  });
  let polls = new Map<string, Poll>();
  let runners = new Map<string, ProbeRunner<any, any>>();
  // Runners are made from everything but the targets, which the villages and services give.
  let settings: unknown;

  const closeRunners = () => {
    for (const runner of runners.values()) runner.close?.();
  };

  const reconfigure = (next: Config) => {
    const nextSettings = { ...next, villages: undefined, services: undefined };
    const remade = !isDeepStrictEqual(settings, nextSettings);
    if (remade) {
      closeRunners();
      runners = new Map(probes.map((kind) => [kind.kind, kind.create({ config: next, log })]));
    }
    settings = nextSettings;
    const before = polls;
    polls = new Map();
    for (const kind of probes) {
      for (const target of kind.targets(next)) {
        polls.set(`${kind.kind}:${target.key}`, { kind, target, intervalMs: kind.intervalMs(next, target) });
      }
    }
    const kept = new Set<string>();
    for (const [key, old] of before) {
      const poll = polls.get(key);
      if (poll && poll.intervalMs === old.intervalMs && isDeepStrictEqual(poll.target, old.target)) {
        kept.add(key);
        continue;
      }
      scheduler.remove(key);
      if (!remade) runners.get(old.kind.kind)!.forget?.(old.target.key);
    }
    for (const [key, poll] of polls) if (!kept.has(key)) scheduler.add(jobOf(key, poll));
  };

  const jobOf = (key: string, { kind, intervalMs }: Poll): Job => ({
    key,
    intervalMs,
    lane: kind.kind in lanes ? kind.kind : undefined,
    // A poll that hangs is abandoned before its next slot, so that slot still runs.
    timeoutMs: Math.max(1, Math.floor(intervalMs * 0.9)),
    start: (run) => {
      // Read at each run: a reload that keeps the job may still have brought a new runner.
      const { target } = polls.get(key)!;
      const runner = runners.get(kind.kind)!;
      const time = Date.now();
      const done = (result: unknown): void => {
        try {
          // Abandoned at its deadline or by a reload: the slot has moved on.
          if (!run.aborted) {
            const observation = observationOf(kind, target, result, time);
            if (observation.notMeasured === undefined) sink.write(runner.points(target, result, time));
            tell(observation);
          }
        } catch (err) {
          return run.end(err);
        }
        run.end();
      };
      if (runner.start) runner.start(target, run, done);
      else runner.run(target, run).then(done, (err: unknown) => run.end(err));
    },
  });

  reconfigure(config);
  log.info({ jobs: polls.size, concurrency: config.polling.concurrency, lanes }, 'collector scheduled its polls');
  return {
    start: () => scheduler.start(),
    stop: async () => {
      await scheduler.stop();
      closeRunners();
    },
    reconfigure,
    stats: () => ({ ...scheduler.stats(), jobs: polls.size, notMeasured: structuredClone(notMeasured) }),
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
