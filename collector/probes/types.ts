/**
 * The small interface every probe kind implements (ping, snmp, http, tcp).
 *
 * A kind says which targets of the config it polls and how often; its runner
 * polls one target and turns the result into points. Runners may keep state
 * between polls of the same target (previous counters, resolved ifIndex), so
 * the collector creates one runner per kind and reuses it. The kind itself
 * reads a result into the typed sample and latest readings that the state
 * engine and the live view take (collector/samples.ts).
 */
import type { Config, DeviceConfig, ServiceConfig, VillageConfig } from '../../config/schema.ts';
import type { Logger } from '../../common/log.ts';
import type { Point } from '../../storage/point.ts';
import type { Observed, Sample } from '../samples.ts';

export interface ProbeTarget {
  /** The subject the target is about: a device's id, a service's `service:<id>`. */
  key: string;
}

/** A device together with where it stands, as probes need it. */
export interface DeviceTarget extends ProbeTarget {
  device: DeviceConfig;
  village: Pick<VillageConfig, 'id' | 'name'>;
  /** InfluxDB tags shared by every point about this device. */
  tags: Record<string, string>;
}

export interface ServiceTarget extends ProbeTarget {
  service: ServiceConfig;
  tags: Record<string, string>;
}

export interface ProbeDeps {
  config: Config;
  log: Logger;
}

/** What a run sees of its own end. The scheduler's record of the run is it, so a run costs no AbortController. */
export interface RunSignal {
  readonly aborted: boolean;
  /** Calls `fn` once if the run is abandoned (deadline, reload, stop); returns a function that cancels that. */
  onAbort(fn: () => void): () => void;
}

/** A run nobody abandons: one-off polls (`merezha poll`, discovery) and tests. */
export const NEVER_ABORTED: RunSignal = { aborted: false, onAbort: () => () => {} };

/** The RunSignal of a poll bounded by an AbortSignal of its caller (the state engine's re-checks). */
export function runSignalOf(signal: AbortSignal): RunSignal {
  return {
    get aborted() {
      return signal.aborted;
    },
    onAbort(fn) {
      if (signal.aborted) {
        fn();
        return () => {};
      }
      signal.addEventListener('abort', fn, { once: true });
      return () => signal.removeEventListener('abort', fn);
    },
  };
}

export interface ProbeRunner<Target, Result> {
  /** Polls one target. Must resolve (never reject) with a result that records any failure. */
  run(target: Target, signal: RunSignal): Promise<Result>;
  /**
   * The same poll, its result handed to `done` (once, never throwing) rather
   * than through a promise: for a kind polled thousands of times a second (the
   * batch pinger), whose promises and async frames per poll were most of what
   * it allocated. The collector uses it where a runner has it.
   */
  start?(target: Target, signal: RunSignal, done: (result: Result) => void): void;
  points(target: Target, result: Result, time: number): Point[];
  /** Drops what the runner keeps of a target (by key) that left the config or changed in it; for runners that keep anything. */
  forget?(key: string): void;
  /** Ends what the runner keeps for its targets (SNMP sessions on the shared socket); the runner is not used again. */
  close?(): void;
}

export interface ProbeKind<Target extends ProbeTarget = ProbeTarget, Result = unknown, S extends Sample = Sample> {
  readonly kind: string;
  /**
   * The type of sample its results yield, null for a kind that does not bear
   * on state. A re-check of a subject polls through the kind that yields the
   * subject's `reachBy` (server/inventory.ts).
   */
  readonly yields: S['source'] | null;
  /** The targets of this kind in the config, each polled on its own schedule. */
  targets(config: Config): Target[];
  intervalMs(config: Config, target: Target): number;
  /**
   * A scheduler lane of its own, with its own cap on runs in flight, for a
   * kind whose polls cost next to nothing while they wait (the batch pinger).
   * Kinds without one share `polling.concurrency`.
   */
  lane?(config: Config): { concurrency: number } | undefined;
  create(deps: ProbeDeps): ProbeRunner<Target, Result>;
  /** What one result, of a poll started at `time`, says about its target. Pure, so re-checks and tests need no runner. */
  observe(target: Target, result: Result, time: number): Observed<S>;
}
