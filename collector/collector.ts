/**
 * The collector: every probe kind's targets on the scheduler, each result
 * turned into points for the sink and handed to whoever listens (the state
 * engine, the live dashboard).
 */
import type { Logger } from '../common/log.ts';
import type { Config } from '../config/schema.ts';
import { PROBE_KINDS } from './probes/index.ts';
import type { ProbeKind } from './probes/types.ts';
import { Scheduler, type SchedulerStats } from './scheduler.ts';
import type { PointSink } from '../storage/point.ts';

export interface ProbeOutcome {
  kind: string;
  key: string;
  target: unknown;
  result: unknown;
  /** When the poll started, ms since the epoch; the points carry this time. */
  time: number;
}

export interface CollectorOptions {
  config: Config;
  sink: PointSink;
  log: Logger;
  /** Defaults to every registered kind; tests pass their own. */
  probes?: ProbeKind<any, any>[];
  onOutcome?: (outcome: ProbeOutcome) => void;
}

export interface Collector {
  start(): void;
  stop(): Promise<void>;
  stats(): SchedulerStats & { jobs: number };
}

export function createCollector({ config, sink, log, probes = PROBE_KINDS, onOutcome }: CollectorOptions): Collector {
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
      const key = `${kind.kind}:${(target as { key: string }).key}`;
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
          onOutcome?.({ kind: kind.kind, key, target, result, time });
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
