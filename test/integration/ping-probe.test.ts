/** The ping probe with the real system ping, on loopback, with nftables for a dead device. */
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.ts';
import { pingHost, pingProbe } from '../../collector/probes/ping.ts';
import { loopbackAddress, testConfig } from '../support/config.ts';
import { NftDropper, nftUnavailable } from '../support/nft.ts';

const opts = testConfig({ villages: [{ id: 'v', name: 'V' }] }).polling.ping;
const fast = { ...opts, count: 3, timeout: 500, packet_interval: 200 };

describe('ping probe', () => {
  it('measures a live loopback host', async () => {
    const r = await pingHost(loopbackAddress(), fast);
    expect(r).toMatchObject({ reachable: true, sent: 3, loss_pct: 0 });
    expect(r.rtt_min_ms).toBeGreaterThan(0);
    expect(r.rtt_min_ms!).toBeLessThanOrEqual(r.rtt_avg_ms!);
    expect(r.rtt_avg_ms!).toBeLessThanOrEqual(r.rtt_max_ms!);
    expect(r.rtt_max_ms!).toBeLessThan(50);
  });

  it('turns a result into one ping point with integer flags', () => {
    const config = testConfig({
      villages: [
        { id: 'pomichna', name: 'Помічна', devices: [{ id: 'school', kind: 'institution', category: 'school', host: '127.0.0.9' }] },
      ],
    });
    const [target] = pingProbe.targets(config);
    const runner = pingProbe.create({ config, log: silentLogger() });
    expect(
      runner.points(target!, { reachable: false, sent: 3, loss_pct: 100, rtt_min_ms: null, rtt_avg_ms: null, rtt_max_ms: null }, 7),
    ).toEqual([
      {
        measurement: 'ping',
        tags: { village: 'pomichna', device: 'school', kind: 'institution', category: 'school' },
        fields: { reachable: 0, loss_pct: 100, sent: 3 },
        time: 7,
      },
    ]);
  });

  const noNft = nftUnavailable();
  describe.skipIf(noNft)(`a device whose packets are dropped${noNft ? ` (skipped: ${noNft})` : ''}`, () => {
    const nft = new NftDropper();
    afterAll(() => nft.dispose());

    it('is unreachable with 100% loss, and reachable again when the drop is lifted', async () => {
      const host = loopbackAddress();
      nft.drop(host);
      const started = Date.now();
      const down = await pingHost(host, fast);
      expect(down).toEqual({ reachable: false, sent: 3, loss_pct: 100, rtt_min_ms: null, rtt_avg_ms: null, rtt_max_ms: null });
      // count·interval + timeout bounds the probe: a dead device costs ~1 s, not the default 10 s.
      expect(Date.now() - started).toBeLessThan(3000);
      nft.clear();
      expect((await pingHost(host, fast)).reachable).toBe(true);
    });
  });
});
