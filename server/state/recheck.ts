/**
 * Quick re-checks for the state engine: one more poll of a subject, now,
 * through the same probe kinds the collector uses: the kind whose samples
 * decide the subject's reachability (`yields` matches its `reachBy`: ping for
 * a pinged device, SNMP for one that is not, HTTP or TCP for a service).
 *
 * With `down_after: 2` and a 10 s ping interval, waiting for the second failed
 * poll takes up to 20 s; re-checking the first failure after `states.recheck`
 * (2 s) confirms it in about 3 s. Re-checks feed the state machine only: the
 * stored measurements stay on the collector's regular grid.
 */
import { observationOf } from '../../collector/collector.ts';
import { PROBE_KINDS } from '../../collector/probes/index.ts';
import { runSignalOf, type ProbeKind, type ProbeRunner, type ProbeTarget } from '../../collector/probes/types.ts';
import type { Observation } from '../../collector/samples.ts';
import type { Logger } from '../../common/log.ts';
import type { Config } from '../../config/schema.ts';
import type { Inventory } from '../inventory.ts';

export interface Rechecker {
  /** Polls the subject now; undefined when nothing can (or the limit of re-checks in flight is reached). */
  check(subject: string, signal: AbortSignal): Promise<Observation | undefined>;
  /** Ends what its runners keep (SNMP sessions); the re-checker is not used again. */
  close?(): void;
}

/** Re-checks in flight at once; more are skipped (the scheduled polls still come). */
const MAX_IN_FLIGHT = 64;

export function probeRechecker(options: { config: Config; inventory: Inventory; log: Logger; kinds?: ProbeKind<any, any>[] }): Rechecker {
  const { config, inventory, log, kinds = PROBE_KINDS } = options;
  const targets = new Map<string, { kind: ProbeKind<any, any>; target: ProbeTarget }>();
  for (const kind of kinds) {
    for (const target of kind.targets(config)) {
      if (kind.yields === inventory.subjects.get(target.key)?.reachBy) targets.set(target.key, { kind, target });
    }
  }
  const runners = new Map<ProbeKind<any, any>, ProbeRunner<any, any>>();
  let inFlight = 0;
  let closing = false;
  // A re-check still running when the re-checker is replaced must end as it would have: closing its
  // session under it would fail it and read as the subject down. So the runners close after the last.
  const closeIfDone = () => {
    if (!closing || inFlight > 0) return;
    for (const runner of runners.values()) runner.close?.();
    runners.clear();
  };
  return {
    async check(subject, signal) {
      const entry = targets.get(subject);
      if (!entry || closing || inFlight >= MAX_IN_FLIGHT || signal.aborted) return undefined;
      let runner = runners.get(entry.kind);
      if (!runner) {
        runner = entry.kind.create({ config, log });
        runners.set(entry.kind, runner);
      }
      inFlight++;
      try {
        const time = Date.now();
        const result: unknown = await runner.run(entry.target, runSignalOf(signal));
        if (signal.aborted) return undefined;
        return observationOf(entry.kind, entry.target, result, time);
      } finally {
        inFlight--;
        closeIfDone();
      }
    },
    close() {
      closing = true;
      closeIfDone();
    },
  };
}
