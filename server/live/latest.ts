/**
 * The last reading of every device, kept from the collector's observations so
 * the dashboard shows current RTT, loss, traffic and clients without asking
 * InfluxDB. Each poll patches only what its probe kind measures, so the other
 * kind's values stay: an SNMP timeout does not erase the RTT the ping just
 * measured. What a failed poll clears, its kind says (`snmpObservation` in
 * collector/probes/snmp.ts).
 */
import type { LastValues } from '../../common/api.ts';
import type { Observation } from '../../collector/samples.ts';

const EMPTY: LastValues = {
  at: null,
  rtt_ms: null,
  loss_pct: null,
  in_bps: null,
  out_bps: null,
  speed_mbps: null,
  clients: null,
  power: null,
};

export class LatestValues {
  private readonly values = new Map<string, LastValues>();

  ingest({ subject, time, latest }: Observation): void {
    if (!latest) return;
    this.values.set(subject, { ...(this.values.get(subject) ?? EMPTY), ...latest, at: time });
  }

  get(id: string): LastValues {
    return this.values.get(id) ?? EMPTY;
  }
}
