/**
 * What `/api/health` (and `merezha status`) says about the process: whether
 * InfluxDB takes writes, whether the collector still completes polls, and
 * whether the spool keeps growing. A stalled collector answers no request of
 * its own, and a spool that only grows loses points once it reaches its cap:
 * both look "ok" from the outside unless someone says so here.
 */
import type { HealthResponse } from '../common/api.ts';
import type { NotMeasuredCounts } from '../collector/collector.ts';
import { PROBE_KINDS } from '../collector/probes/index.ts';
import { formatBytes } from '../common/words/size.ts';
import type { Config } from '../config/schema.ts';
import type { BackupLedger } from './backups.ts';

/** The collector as the health check sees it (`merezha start`'s, or a stand-in in tests). */
export interface CollectorHealth {
  stats(): { jobs: number; lagMsMax: number; lastDoneAt: number | null; notMeasured?: NotMeasuredCounts };
}

/** The storage writer as the health check sees it. */
export interface SpoolHealth {
  stats(): { pending: number; spoolBytes: number };
}

export interface HealthSources {
  influxUp(): boolean;
  collector?: CollectorHealth;
  writer?: SpoolHealth;
  backups?: BackupLedger;
  now?: () => number;
}

/** A collector is stalled when no poll completed in this many of its shortest intervals. */
const STALLED_INTERVALS = 3;
/** The spool is growing when its size rose at each of this many samples in a row, one interval or more apart. */
const GROWING_SAMPLES = 3;
/** Past this share of `storage.spool_max_mb` the spool is reported even when it is not growing: the cap drops the oldest points. */
const SPOOL_FULL_SHARE = 0.5;

/** The shortest interval of any poll the config schedules; null when it schedules none. */
export function shortestPollInterval(config: Config): number | null {
  let shortest = Infinity;
  for (const kind of PROBE_KINDS) {
    for (const target of kind.targets(config)) shortest = Math.min(shortest, kind.intervalMs(config, target));
  }
  return Number.isFinite(shortest) ? shortest : null;
}

export class HealthCheck {
  private readonly now: () => number;
  private readonly startedAt: number;
  private intervalMs: number | null;
  private readonly spoolFullBytes: number;
  private readonly config: Config;
  /** Spool sizes, at least one interval apart, newest last. */
  private readonly spoolSamples: { at: number; bytes: number }[] = [];

  constructor(
    config: Config,
    private readonly sources: HealthSources,
  ) {
    this.config = config;
    this.now = sources.now ?? Date.now;
    this.startedAt = this.now();
    this.intervalMs = shortestPollInterval(config);
    this.spoolFullBytes = config.storage.spool_max_mb * 1024 * 1024 * SPOOL_FULL_SHARE;
  }

  /** Judges the collector by a reloaded config's intervals. */
  reconfigure(config: Config): void {
    this.intervalMs = shortestPollInterval(config);
  }

  check(): Pick<HealthResponse, 'status' | 'influx' | 'reasons' | 'collector' | 'spool' | 'last_backup'> {
    const now = this.now();
    const reasons: string[] = [];
    const influx = this.sources.influxUp();
    if (!influx) reasons.push('InfluxDB does not take writes: points go to the spool');

    let collector: HealthResponse['collector'] = null;
    if (this.sources.collector) {
      const { jobs, lagMsMax, lastDoneAt: lastPoll, notMeasured = {} } = this.sources.collector.stats();
      collector = { jobs, last_poll: lastPoll, lag_max_s: Math.round(lagMsMax / 100) / 10, not_measured: notMeasured };
      const since = lastPoll ?? this.startedAt;
      if (jobs > 0 && this.intervalMs !== null && now - since > STALLED_INTERVALS * this.intervalMs) {
        reasons.push(
          `the collector is stalled: no poll completed in ${Math.round((now - since) / 1000)} s ` +
            `(${STALLED_INTERVALS} intervals are ${Math.round((STALLED_INTERVALS * this.intervalMs) / 1000)} s)`,
        );
      }
    }

    let spool: HealthResponse['spool'] = null;
    if (this.sources.writer) {
      const { pending, spoolBytes } = this.sources.writer.stats();
      spool = { pending_points: pending, bytes: spoolBytes };
      const growing = this.noteSpool(now, spoolBytes);
      if (spoolBytes > this.spoolFullBytes) {
        reasons.push(`the spool holds ${formatBytes(spoolBytes)}, over half its cap: the oldest points are dropped when it is full`);
      } else if (growing) {
        reasons.push(`the spool keeps growing (${formatBytes(spoolBytes)}): InfluxDB does not keep up with the collector`);
      }
    }

    let lastBackup: HealthResponse['last_backup'] = null;
    if (this.sources.backups) {
      const last = this.sources.backups.read().last;
      if (last) lastBackup = { time: last.time, bytes: last.bytes };
      const problem = this.sources.backups.problem(this.config, now, this.startedAt);
      if (problem) reasons.push(problem);
    }

    return { status: reasons.length ? 'degraded' : 'ok', influx, reasons, collector, spool, last_backup: lastBackup };
  }

  /** Whether the spool grew at each of the last samples; a sample is taken at most once an interval, however often health is asked. */
  private noteSpool(now: number, bytes: number): boolean {
    const samples = this.spoolSamples;
    const last = samples.at(-1);
    if (last === undefined || now - last.at >= (this.intervalMs ?? 0)) {
      samples.push({ at: now, bytes });
      if (samples.length > GROWING_SAMPLES + 1) samples.shift();
    }
    return samples.length > GROWING_SAMPLES && samples.every((s, i) => i === 0 || s.bytes > samples[i - 1]!.bytes);
  }
}
