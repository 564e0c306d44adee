/**
 * The batch ICMP pinger (native/icmp + collector/probes/icmp.ts): one socket,
 * many probes in flight, replies matched to the right probe, real timeouts
 * with nftables, and the system ping as the fallback. Builds the addon first
 * if it is not built; skips (saying why) where it cannot be built or no ICMP
 * socket is allowed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { icmpPinger, NATIVE_ADDON_PATH } from '../../collector/probes/icmp.ts';
import { pingConcurrency, pingerInfo, pingHost, pingProbe } from '../../collector/probes/ping.ts';
import { loopbackAddress, testConfig } from '../support/config.ts';
import { NftDropper, nftUnavailable } from '../support/nft.ts';
import { runSignalOf } from '../../collector/probes/types.ts';

if (!existsSync(NATIVE_ADDON_PATH)) {
  spawnSync(process.execPath, [fileURLToPath(new URL('../../scripts/build-native.mjs', import.meta.url))], { stdio: 'ignore' });
}
const pinger = icmpPinger();
const unavailable = typeof pinger === 'string' ? pinger : undefined;
const opts = { ...testConfig({ villages: [{ id: 'v', name: 'V' }] }).polling.ping, count: 3, timeout: 500, packet_interval: 100 };

/** n distinct loopback addresses in a /16 of their own. */
function addresses(n: number): string[] {
  const base = 1 + Math.floor(Math.random() * 250);
  return Array.from({ length: n }, (_, i) => `127.${base}.${Math.floor(i / 250)}.${(i % 250) + 1}`);
}

describe.skipIf(unavailable)(`batch ICMP pinger${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  afterEach(() => {
    delete process.env.MEREZHA_PINGER;
  });

  it('is what pingHost uses, with a lane of its own in the collector', () => {
    const config = testConfig({ villages: [{ id: 'v', name: 'V' }] });
    expect(pingerInfo().kind).toMatch(/^batch-(raw|dgram)$/);
    expect(pingConcurrency(config)).toBeGreaterThan(config.polling.concurrency);
    expect(pingProbe.lane?.(config)).toEqual({ concurrency: pingConcurrency(config) });
  });

  it('pings 1,000 loopback hosts at once on one socket, each with its own replies', async () => {
    const hosts = addresses(1000);
    const started = performance.now();
    const results = await Promise.all(hosts.map((h) => pingHost(h, { ...opts, count: 2 })));
    // Two requests 100 ms apart: the whole sweep is one probe long, not a thousand.
    expect(performance.now() - started).toBeLessThan(1000);
    for (const r of results) {
      expect(r).toMatchObject({ reachable: true, sent: 2, loss_pct: 0 });
      expect(r.rtt_min_ms!).toBeGreaterThanOrEqual(0);
      expect(r.rtt_min_ms!).toBeLessThanOrEqual(r.rtt_avg_ms!);
      expect(r.rtt_avg_ms!).toBeLessThanOrEqual(r.rtt_max_ms!);
      expect(r.rtt_max_ms!).toBeLessThan(200);
    }
    expect((pinger as Exclude<typeof pinger, string>).inFlight()).toBe(0);
  });

  it('pings ::1 over ICMPv6, whatever way the address is written', async () => {
    for (const host of ['::1', '0:0:0:0:0:0:0:1']) {
      expect(await pingHost(host, opts)).toMatchObject({ reachable: true, sent: 3, loss_pct: 0 });
    }
  });

  it('ends a probe when its signal aborts', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const probe = pingHost(loopbackAddress(), { ...opts, count: 10, packet_interval: 1000 }, runSignalOf(controller.signal));
    setTimeout(() => controller.abort(), 50);
    const r = await probe;
    expect(performance.now() - started).toBeLessThan(500);
    expect(r.reachable).toBe(true);
  });

  it('gives the same kind of result as the system ping it falls back to', async () => {
    const host = loopbackAddress();
    const batch = await pingHost(host, opts);
    process.env.MEREZHA_PINGER = 'system';
    expect(pingerInfo().kind).toBe('system');
    const system = await pingHost(host, opts);
    for (const r of [batch, system]) {
      expect(r).toMatchObject({ reachable: true, sent: 3, loss_pct: 0 });
      expect(Object.keys(r).sort()).toEqual(['loss_pct', 'reachable', 'rtt_avg_ms', 'rtt_max_ms', 'rtt_min_ms', 'sent']);
    }
  });

  const noNft = nftUnavailable();
  describe.skipIf(noNft)(`dead devices${noNft ? ` (skipped: ${noNft})` : ''}`, () => {
    const nft = new NftDropper();
    afterAll(() => nft.dispose());

    it('times out the dead ones after the last request + timeout, while the live ones around them answer', async () => {
      const hosts = addresses(200);
      const dead = new Set(hosts.filter((_, i) => i % 10 === 3));
      for (const h of dead) nft.drop(h);
      const started = performance.now();
      const results = await Promise.all(
        hosts.map(async (h) => {
          const r = await pingHost(h, opts);
          return { h, r, ms: performance.now() - started };
        }),
      );
      for (const { h, r, ms } of results) {
        if (dead.has(h)) {
          expect(r).toEqual({ reachable: false, sent: 3, loss_pct: 100, rtt_min_ms: null, rtt_avg_ms: null, rtt_max_ms: null });
          // (count-1)·packet_interval + timeout = 700 ms
          expect(ms).toBeGreaterThanOrEqual(690);
          expect(ms).toBeLessThan(1500);
        } else {
          expect(r).toMatchObject({ reachable: true, loss_pct: 0 });
          // All three replies in: no waiting for the timeout.
          expect(ms).toBeLessThan(600);
        }
      }
    });

    it('reports partial loss as a share of the requests', async () => {
      const host = loopbackAddress();
      const probe = pingHost(host, { ...opts, count: 4, packet_interval: 200, timeout: 300 });
      // Drop from between the second and the third request on.
      await new Promise((resolve) => setTimeout(resolve, 300));
      nft.drop(host);
      const r = await probe;
      expect(r).toMatchObject({ reachable: true, sent: 4, loss_pct: 50 });
    });
  });
});
