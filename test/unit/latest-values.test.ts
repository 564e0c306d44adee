import { describe, expect, it } from 'vitest';
import { observationOf } from '../../collector/collector.ts';
import { pingProbe } from '../../collector/probes/ping.ts';
import { snmpProbe } from '../../collector/probes/snmp.ts';
import type { DeviceTarget } from '../../collector/probes/types.ts';
import { LatestValues } from '../../server/live/latest.ts';

const target = { key: 'ap', device: { id: 'ap' } } as DeviceTarget;
const ping = (time: number, rtt: number | null) =>
  observationOf(
    pingProbe,
    target,
    { reachable: rtt !== null, sent: 3, loss_pct: rtt === null ? 100 : 0, rtt_min_ms: rtt, rtt_avg_ms: rtt, rtt_max_ms: rtt },
    time,
  );
const snmp = (time: number, ok: boolean) =>
  observationOf(
    snmpProbe,
    target,
    ok
      ? {
          ok,
          response_ms: 2,
          warnings: [],
          interface: {
            name: 'wlan1',
            index: 2,
            oper_up: true,
            speed_mbps: 300,
            in_bps: 5e6,
            out_bps: 1e6,
            in_errors: 0,
            out_errors: 0,
            in_discards: 0,
            out_discards: 0,
          },
          wifi: { clients: 9 },
        }
      : { ok, response_ms: 2000, warnings: [], error: 'no answer' },
    time,
  );

describe('last readings', () => {
  it('keeps the newest of each kind, and forgets traffic and clients when the agent stops answering', () => {
    const latest = new LatestValues();
    expect(latest.get('ap')).toMatchObject({ at: null, rtt_ms: null, clients: null });
    latest.ingest(ping(1000, 2.5));
    latest.ingest(snmp(2000, true));
    expect(latest.get('ap')).toEqual({
      at: 2000,
      rtt_ms: 2.5,
      loss_pct: 0,
      in_bps: 5e6,
      out_bps: 1e6,
      speed_mbps: 300,
      clients: 9,
      power: null,
    });
    latest.ingest(snmp(3000, false));
    expect(latest.get('ap')).toEqual({
      at: 3000,
      rtt_ms: 2.5,
      loss_pct: 0,
      in_bps: null,
      out_bps: null,
      speed_mbps: 300,
      clients: null,
      power: null,
    });
    latest.ingest(ping(4000, null));
    expect(latest.get('ap')).toMatchObject({ rtt_ms: null, loss_pct: 100, speed_mbps: 300 });
  });
});
