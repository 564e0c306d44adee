/**
 * The collector: every probe kind's targets on the scheduler, each result
 * turned into points for the sink and, read by its own kind into typed
 * samples, handed to whoever listens (the state engine, the live dashboard).
 */
import type { Logger } from '../common/log.ts';
import type { Config } from '../config/schema.ts';
import { PROBE_KINDS } from './probes/index.ts';
import type { ProbeKind, ProbeTarget } from './probes/types.ts';
import type { Observation } from './samples.ts';
import { Scheduler, type SchedulerStats } from './scheduler.ts';
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
  stats(): SchedulerStats & { jobs: number };
}

export function createCollector({ config, sink, log, probes = PROBE_KINDS, onObservation }: CollectorOptions): Collector {
  // Kinds with a lane of their own (the batch pinger) do not count against polling.concurrency.
  const lanes: Record<string, number> = {};
  for (const kind of probes) {
    const lane = kind.lane?.(config);
    if (lane) lanes[kind.kind] = lane.concurrency;
  }
  const scheduler = new Scheduler({ concurrency: config.polling.concurrency, lanes, log });
  let jobs = 0;
  for (const kind of probes) {
    const runner = kind.create({ config, log });
    const lane = kind.kind in lanes ? kind.kind : undefined;
    for (const target of kind.targets(config)) {
      const key = `${kind.kind}:${target.key}`;
      const intervalMs = kind.intervalMs(config, target);
      scheduler.add({
        key,
        intervalMs,
        lane,
        // A poll that hangs is abandoned before its next slot, so that slot still runs.
        timeoutMs: Math.max(1, Math.floor(intervalMs * 0.9)),
        run: async (signal) => {
          const time = Date.now();
          const result = await runner.run(target, signal);
          if (signal.aborted) return; // abandoned at its deadline: the slot has moved on
          sink.write(runner.points(target, result, time));
          onObservation?.(observationOf(kind, target, result, time));
        },
      });
      jobs++;
    }
  }
  log.info({ jobs, concurrency: config.polling.concurrency, lanes }, 'collector scheduled its polls');
  return {
    start: () => scheduler.start(),
    stop: () => scheduler.stop(),
    stats: () => ({ ...scheduler.stats(), jobs }),
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
