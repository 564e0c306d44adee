/**
 * What a process assembly started, to stop in reverse order: the stack of
 * `merezha start`, the central and its demo. A stop that fails is logged and
 * the others still run, so that one stuck part never leaves the rest running.
 */
import type { Logger } from '../common/log.ts';

export class Stops {
  private readonly stops: (() => Promise<unknown> | void)[] = [];

  constructor(private readonly log: Logger) {}

  push(stop: () => Promise<unknown> | void): void {
    this.stops.push(stop);
  }

  /** Stops everything pushed so far, newest first; later calls stop only what was pushed since. */
  async stopAll(): Promise<void> {
    for (const stop of this.stops.reverse().splice(0)) {
      try {
        await stop();
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'error while stopping');
      }
    }
  }
}
