/**
 * ICMP probe through npm `ping` (which runs the system `ping`): `count` echo
 * requests per probe, RTT min/avg/max and loss.
 */
import ping from 'ping';
import type { Config } from '../../config/schema.ts';
import { deviceTargets } from '../targets.ts';
import type { DeviceTarget, ProbeKind } from './types.ts';

export interface PingResult {
  reachable: boolean;
  sent: number;
  loss_pct: number;
  rtt_min_ms: number | null;
  rtt_avg_ms: number | null;
  rtt_max_ms: number | null;
  error?: string;
}

/** npm `ping` reports numbers as strings and "unknown" where there is none. */
function num(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number.parseFloat(v) : Number.NaN;
  return Number.isFinite(n) ? n : null;
}

export async function pingHost(host: string, opts: Config['polling']['ping']): Promise<PingResult> {
  const unreachable = (error?: string): PingResult => ({
    reachable: false,
    sent: opts.count,
    loss_pct: 100,
    rtt_min_ms: null,
    rtt_avg_ms: null,
    rtt_max_ms: null,
    ...(error ? { error } : {}),
  });
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
      return unreachable(why ? r.output.trim().split('\n')[0] : undefined);
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
    return unreachable(`cannot run ping: ${(err as Error).message}`);
  }
}

export const pingProbe: ProbeKind<DeviceTarget, PingResult> = {
  kind: 'ping',
  targets: (config) => deviceTargets(config).filter((t) => t.device.ping),
  intervalMs: (config) => config.polling.ping.interval,
  create: ({ config }) => ({
    run: (target) => pingHost(target.device.host, config.polling.ping),
    points(target, r, time) {
      const fields: Record<string, number> = { reachable: r.reachable ? 1 : 0, loss_pct: r.loss_pct, sent: r.sent };
      if (r.rtt_min_ms !== null) fields.rtt_min_ms = r.rtt_min_ms;
      if (r.rtt_avg_ms !== null) fields.rtt_avg_ms = r.rtt_avg_ms;
      if (r.rtt_max_ms !== null) fields.rtt_max_ms = r.rtt_max_ms;
      return [{ measurement: 'ping', tags: target.tags, fields, time }];
    },
  }),
};
