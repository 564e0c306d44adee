/**
 * Collector outcomes as state-machine samples: which subject, when, and the
 * few fields of the result that bear on its state. Pure.
 */
import type { ProbeOutcome } from '../../collector/collector.ts';
import type { PingResult } from '../../collector/probes/ping.ts';
import type { ServiceResult } from '../../collector/probes/service.ts';
import type { SnmpResult } from '../../collector/probes/snmp.ts';
import type { DeviceTarget, ServiceTarget } from '../../collector/probes/types.ts';
import { serviceKey } from '../../common/subjects.ts';
import type { Sample } from './types.ts';

export function sampleOf(outcome: ProbeOutcome): Sample | undefined {
  switch (outcome.kind) {
    case 'ping': {
      const r = outcome.result as PingResult;
      return {
        source: 'ping',
        subject: (outcome.target as DeviceTarget).device.id,
        at: outcome.time,
        reachable: r.reachable,
        loss_pct: r.loss_pct,
        rtt_avg_ms: r.rtt_avg_ms,
        ...(r.error ? { error: r.error } : {}),
      };
    }
    case 'snmp': {
      const r = outcome.result as SnmpResult;
      return {
        source: 'snmp',
        subject: (outcome.target as DeviceTarget).device.id,
        at: outcome.time,
        ok: r.ok,
        ...(r.error ? { error: r.error } : {}),
        ...(r.interface ? { oper_up: r.interface.oper_up, interface: r.interface.name } : {}),
        ...(r.reboot ? { reboot: r.reboot } : {}),
      };
    }
    case 'http':
    case 'tcp': {
      const r = outcome.result as ServiceResult;
      return {
        source: 'service',
        subject: serviceKey((outcome.target as ServiceTarget).service.id),
        at: outcome.time,
        up: r.up,
        ...(r.error ? { error: r.error } : {}),
        ...(r.tls_days_left !== undefined ? { tls_days_left: r.tls_days_left } : {}),
      };
    }
    default:
      return undefined;
  }
}
