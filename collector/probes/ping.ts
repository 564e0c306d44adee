/**
 * ICMP probe: `count` echo requests per probe, RTT min/avg/max and loss.
 *
 * Probes go through the batch pinger (icmp.ts: one ICMP socket shared by all
 * probes, many requests in flight) when the native addon is built and an ICMP
 * socket can be opened, else through npm `ping`, which runs one system `ping`
 * process per probe. MEREZHA_PINGER=system forces the latter.
 */
import ping from 'ping';
import type { Config } from '../../config/schema.ts';
import type { NotMeasuredReason, PingSample } from '../samples.ts';
import { deviceTargets } from '../targets.ts';
import { icmpPinger, type EchoResult, type IcmpPinger } from './icmp.ts';
import type { DeviceTarget, ProbeKind, RunSignal } from './types.ts';

export interface PingResult {
  reachable: boolean;
  sent: number;
  loss_pct: number;
  rtt_min_ms: number | null;
  rtt_avg_ms: number | null;
  rtt_max_ms: number | null;
  error?: string;
  /**
   * Set when the pinger could not tell (its receive path dropped replies, it
   * could not send): then no ping point and no sample come of the result.
   */
  not_measured?: NotMeasuredReason;
}

/**
 * Ping probes in flight at once with the batch pinger. A probe in flight
 * costs a timer and a map entry, so the cap is far above `polling.concurrency`
 * (which bounds sockets and processes): 20,000 dead devices every 10 s need
 * about 2,800 probes in flight ((count-1)·packet_interval + timeout = 1.4 s each).
 */
export const BATCH_PING_CONCURRENCY = 10_000;

type PingOptions = Config['polling']['ping'];

/** npm `ping` reports numbers as strings and "unknown" where there is none. */
function num(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number.parseFloat(v) : Number.NaN;
  return Number.isFinite(n) ? n : null;
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

function unreachable(opts: PingOptions, error?: string): PingResult {
  return {
    reachable: false,
    sent: opts.count,
    loss_pct: 100,
    rtt_min_ms: null,
    rtt_avg_ms: null,
    rtt_max_ms: null,
    ...(error ? { error } : {}),
  };
}

/** The batch pinger, unless forced off or unavailable. */
function batchPinger(): IcmpPinger | string {
  if (process.env.MEREZHA_PINGER === 'system') return 'the system ping is forced by MEREZHA_PINGER=system';
  return icmpPinger();
}

/** Which pinger pingHost uses, and why. */
export function pingerInfo(): { kind: 'batch-raw' | 'batch-dgram' | 'system'; detail: string } {
  const p = batchPinger();
  if (typeof p === 'string') return { kind: 'system', detail: `npm ping, one system ping process per probe: ${p}` };
  return {
    kind: `batch-${p.kind}`,
    detail: `one ${p.kind === 'raw' ? 'raw' : 'unprivileged datagram'} ICMP socket for all probes (native/icmp)`,
  };
}

/** How many ping probes the collector runs at once: its own lane with the batch pinger, the shared cap otherwise. */
export function pingConcurrency(config: Config): number {
  return typeof batchPinger() === 'string' ? config.polling.concurrency : Math.max(config.polling.concurrency, BATCH_PING_CONCURRENCY);
}

function fromEchoes(r: EchoResult, opts: PingOptions): PingResult {
  const n = r.received;
  if (r.notMeasured) return { ...unreachable(opts, r.error ?? `not measured: ${r.notMeasured}`), not_measured: r.notMeasured };
  if (n === 0) return unreachable(opts, r.error);
  return {
    reachable: true,
    sent: opts.count,
    loss_pct: round3((Math.max(0, opts.count - n) / opts.count) * 100),
    rtt_min_ms: round3(r.rttMinMs),
    rtt_avg_ms: round3(r.rttSumMs / n),
    rtt_max_ms: round3(r.rttMaxMs),
  };
}

async function systemPing(host: string, opts: PingOptions): Promise<PingResult> {
  try {
    const r = await ping.promise.probe(host, {
      min_reply: opts.count,
      // iputils takes fractional seconds for both; -W bounds the wait for the last reply.
      timeout: opts.timeout / 1000,
      extra: ['-i', String(opts.packet_interval / 1000)],
      v6: host.includes(':'),
    });
    if (!r.alive) {
      // A name that does not resolve or a bad address prints no statistics: say why.
      const why = /unknown host|not known|failure in name resolution|Invalid argument|not permitted/i.exec(r.output ?? '');
      return unreachable(opts, why ? r.output.trim().split('\n')[0] : undefined);
    }
    return {
      reachable: true,
      sent: opts.count,
      loss_pct: num(r.packetLoss) ?? 0,
      rtt_min_ms: num(r.min),
      rtt_avg_ms: num(r.avg),
      rtt_max_ms: num(r.max),
    };
  } catch (err) {
    return unreachable(opts, `cannot run ping: ${(err as Error).message}`);
  }
}

/**
 * Pings a host `opts.count` times through `batch` (the batch pinger, or why
 * the system ping is used); `done` gets the result, once. An abort ends the
 * probe early with the replies so far (batch pinger only).
 */
function startPing(
  batch: IcmpPinger | string,
  host: string,
  opts: PingOptions,
  signal: RunSignal | undefined,
  done: (r: PingResult) => void,
): void {
  // A scoped IPv6 address (fe80::1%eth0) needs the system ping's interface handling.
  if (typeof batch === 'string' || host.includes('%')) void systemPing(host, opts).then(done);
  else batch.ping(host, opts, signal, (r) => done(fromEchoes(r, opts)));
}

function pingThrough(batch: IcmpPinger | string, host: string, opts: PingOptions, signal?: RunSignal): Promise<PingResult> {
  return new Promise((resolve) => startPing(batch, host, opts, signal, resolve));
}

/** Pings a host `opts.count` times. Never rejects; see startPing. */
export function pingHost(host: string, opts: PingOptions, signal?: RunSignal): Promise<PingResult> {
  return pingThrough(batchPinger(), host, opts, signal);
}

export const pingProbe: ProbeKind<DeviceTarget, PingResult, PingSample> = {
  kind: 'ping',
  yields: 'ping',
  targets: (config) => deviceTargets(config).filter((t) => t.device.ping),
  intervalMs: (config) => config.polling.ping.interval,
  lane: (config) => (typeof batchPinger() === 'string' ? undefined : { concurrency: pingConcurrency(config) }),
  create: ({ config, log }) => {
    const info = pingerInfo();
    if (info.kind === 'system') log.warn({ pinger: info.kind }, `ping probes use ${info.detail}`);
    else log.info({ pinger: info.kind }, `ping probes use ${info.detail}`);
    // Chosen once per runner: reading process.env on every probe (2,000 a second) was a visible cost.
    const batch = batchPinger();
    return {
      run: (target, signal) => pingThrough(batch, target.device.host, config.polling.ping, signal),
      start: (target, signal, done) => startPing(batch, target.device.host, config.polling.ping, signal, done),
      points(target, r, time) {
        const fields: Record<string, number> = { reachable: r.reachable ? 1 : 0, loss_pct: r.loss_pct, sent: r.sent };
        if (r.rtt_min_ms !== null) fields.rtt_min_ms = r.rtt_min_ms;
        if (r.rtt_avg_ms !== null) fields.rtt_avg_ms = r.rtt_avg_ms;
        if (r.rtt_max_ms !== null) fields.rtt_max_ms = r.rtt_max_ms;
        return [{ measurement: 'ping', tags: target.tags, fields, time }];
      },
    };
  },
  observe: (target, r, time) =>
    r.not_measured
      ? { notMeasured: r.not_measured }
      : {
          sample: {
            source: 'ping',
            subject: target.key,
            at: time,
            reachable: r.reachable,
            loss_pct: r.loss_pct,
            rtt_avg_ms: r.rtt_avg_ms,
            ...(r.error ? { error: r.error } : {}),
          },
          latest: { rtt_ms: r.rtt_avg_ms, loss_pct: r.loss_pct },
        },
};
