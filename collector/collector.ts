/**
 * The collector: every probe kind's targets on the scheduler, each result
 * turned into points for the sink and, read by its own kind into typed
 * samples, handed to whoever listens (the state engine, the live dashboard).
 */
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from '../common/log.ts';
import type { Config } from '../config/schema.ts';
import { PROBE_KINDS } from './probes/index.ts';
import type { ProbeKind, ProbeRunner, ProbeTarget } from './probes/types.ts';
import type { Observation } from './samples.ts';
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
  stats(): SchedulerStats & { jobs: number };
}

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
  const scheduler = new Scheduler({ concurrency: config.polling.concurrency, lanes, log });
  let polls = new Map<string, Poll>();
  let runners = new Map<string, ProbeRunner<any, any>>();
  // Runners are made from everything but the targets, which the villages and services give.
  let settings: unknown;

  const reconfigure = (next: Config) => {
    const nextSettings = { ...next, villages: undefined, services: undefined };
    const remade = !isDeepStrictEqual(settings, nextSettings);
    if (remade) runners = new Map(probes.map((kind) => [kind.kind, kind.create({ config: next, log })]));
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
    run: async (signal) => {
      // Read at each run: a reload that keeps the job may still have brought a new runner.
      const { target } = polls.get(key)!;
      const runner = runners.get(kind.kind)!;
      const time = Date.now();
      const result = await runner.run(target, signal);
      if (signal.aborted) return; // abandoned at its deadline or by a reload: the slot has moved on
      sink.write(runner.points(target, result, time));
      onObservation?.(observationOf(kind, target, result, time));
    },
  });

  reconfigure(config);
  log.info({ jobs: polls.size, concurrency: config.polling.concurrency, lanes }, 'collector scheduled its polls');
  return {
    start: () => scheduler.start(),
    stop: () => scheduler.stop(),
    reconfigure,
    stats: () => ({ ...scheduler.stats(), jobs: polls.size }),
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
