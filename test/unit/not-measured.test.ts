/** A result the collector could not measure reads as no data: no sample, no latest values, only the reason. */
import { describe, expect, it } from 'vitest';
import { observationOf } from '../../collector/collector.ts';
import { httpProbe } from '../../collector/probes/http.ts';
import { pingProbe, type PingResult } from '../../collector/probes/ping.ts';
import { tcpProbe } from '../../collector/probes/tcp.ts';
import { testConfig } from '../support/config.ts';

const config = testConfig({
  villages: [{ id: 'v', name: 'Село', devices: [{ id: 'school', kind: 'institution', category: 'school', host: '127.0.0.9' }] }],
  services: [
    { id: 'site', name: 'Сайт', url: 'http://127.0.0.9/' },
    { id: 'mail', name: 'Пошта', tcp: '127.0.0.9:25' },
  ],
});
const lost: PingResult = { reachable: false, sent: 3, loss_pct: 100, rtt_min_ms: null, rtt_avg_ms: null, rtt_max_ms: null };

describe('observe() of a result that was not measured', () => {
  it('ping: the reason alone, while an ordinary loss stays a sample', () => {
    const [target] = pingProbe.targets(config);
    for (const reason of ['receive_drops', 'send_failed'] as const) {
      expect(observationOf(pingProbe, target!, { ...lost, not_measured: reason }, 7)).toEqual({
        kind: 'ping',
        subject: 'school',
        time: 7,
        notMeasured: reason,
      });
    }
    expect(observationOf(pingProbe, target!, lost, 7)).toMatchObject({ sample: { reachable: false }, latest: { loss_pct: 100 } });
  });

  it('http and tcp: the reason alone, while an ordinary failure stays a sample', () => {
    for (const kind of [httpProbe, tcpProbe]) {
      const [target] = kind.targets(config);
      const down = { up: false, error: 'timeout after 10000 ms' };
      expect(kind.observe(target!, { ...down, not_measured: 'loop_lag' }, 7)).toEqual({ notMeasured: 'loop_lag' });
      expect(kind.observe(target!, down, 7)).toMatchObject({ sample: { up: false } });
    }
  });
});
