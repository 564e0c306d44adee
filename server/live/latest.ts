/**
 * The last reading of every device, kept from the collector's outcomes so the
 * dashboard shows current RTT, loss, traffic and clients without asking
 * InfluxDB. A failed poll clears what it would have measured (traffic and
 * clients are unknown while the agent does not answer) and leaves the other
 * probe kind's values: an SNMP timeout does not erase the RTT the ping just
 * measured. The interface speed stays: it is a property of the link.
 */
import type { LastValues } from '../../common/api.ts';
import type { ProbeOutcome } from '../../collector/collector.ts';
import type { PingResult } from '../../collector/probes/ping.ts';
import type { SnmpResult } from '../../collector/probes/snmp.ts';
import type { DeviceTarget } from '../../collector/probes/types.ts';

const EMPTY: LastValues = { at: null, rtt_ms: null, loss_pct: null, in_bps: null, out_bps: null, speed_mbps: null, clients: null };

export class LatestValues {
  private readonly values = new Map<string, LastValues>();

  ingest(outcome: ProbeOutcome): void {
    if (outcome.kind !== 'ping' && outcome.kind !== 'snmp') return;
    const id = (outcome.target as DeviceTarget).device.id;
    const v = { ...(this.values.get(id) ?? EMPTY), at: outcome.time };
    if (outcome.kind === 'ping') {
      const r = outcome.result as PingResult;
      v.rtt_ms = r.rtt_avg_ms;
      v.loss_pct = r.loss_pct;
    } else {
      const r = outcome.result as SnmpResult;
      if (!r.ok) {
        v.in_bps = null;
        v.out_bps = null;
        v.clients = null;
      } else if (r.interface) {
        v.in_bps = r.interface.in_bps;
        v.out_bps = r.interface.out_bps;
        v.speed_mbps = r.interface.speed_mbps;
      }
      if (r.ok && r.wifi) v.clients = r.wifi.clients;
    }
    this.values.set(id, v);
  }

  get(id: string): LastValues {
    return this.values.get(id) ?? EMPTY;
  }
}
