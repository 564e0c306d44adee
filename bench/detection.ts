/**
 * 4. Detection latency at the default ping settings (interval 10 s, count 3,
 * timeout 1 s, 200 ms between echoes): devices are silenced with an nftables
 * drop of their ICMP and UDP at the input hook, at random moments, and the
 * latency is the time from the drop to the collector's first ping sample
 * that reports the device unreachable.
 */
import { createCollector } from '../collector/collector.ts';
import { pingProbe } from '../collector/probes/ping.ts';
import { silentLogger } from '../common/log.ts';
import { testConfig } from '../test/support/config.ts';
import type { BenchContext, SectionResult } from './types.ts';
import { defer } from './lib/cleanup.ts';
import { NftDropper, nftUnavailable } from '../simulator/nft.ts';
import { loopbackAddresses, median, round, sleep } from './lib/util.ts';

export async function runDetection(ctx: BenchContext): Promise<SectionResult> {
  const why = nftUnavailable();
  if (why) return { rows: [], details: {}, skipped: `detection latency skipped: ${why}` };

  const total = 50;
  const silenced = ctx.quick ? 5 : 10;
  const addresses = loopbackAddresses(79, total);
  const config = testConfig({
    villages: [
      {
        id: 'bench',
        name: 'Бенчмарк',
        devices: addresses.map((host, i) => ({ id: `dev-${i}`, kind: 'institution', category: 'school', host })),
      },
    ],
  });
  const { interval, count, timeout, packet_interval } = config.polling.ping;
  const probeMs = (count - 1) * packet_interval + timeout;

  const nft = new NftDropper(`merezha_bench_${process.pid}`);
  const dropNft = defer(
    'nft table',
    () => nft.dispose(),
    () => nft.dispose(),
  );

  const hostOf = new Map(config.villages.flatMap((v) => v.devices.map((d) => [d.id, d.host])));
  const outcomes = new Map<string, { at: number; reachable: boolean; started: number }[]>();
  const collector = createCollector({
    config,
    sink: { write: () => {} },
    log: silentLogger(),
    probes: [pingProbe],
    onObservation: ({ subject, time, sample }) => {
      if (sample?.source !== 'ping') return;
      const key = hostOf.get(subject)!;
      const list = outcomes.get(key) ?? [];
      // `time` is when the poll started (epoch ms); turn it into the monotonic clock.
      list.push({ at: performance.now(), reachable: sample.reachable, started: performance.now() - (Date.now() - time) });
      outcomes.set(key, list);
    },
  });
  const stopCollector = defer('collector', () => collector.stop());
  try {
    collector.start();
    ctx.say(
      `Detection: ${total} devices pinged every ${interval / 1000} s (count ${count}, timeout ${timeout / 1000} s); silencing ${silenced}`,
    );
    // Every device has been polled (and found up) once before anything is silenced.
    await sleep(interval + probeMs + 500);
    const falseAlarms = [...outcomes.values()].flat().filter((o) => !o.reachable).length;

    const victims = [...addresses].sort(() => Math.random() - 0.5).slice(0, silenced);
    const silencedAt = new Map<string, number>();
    // Random moments over one interval: each device is caught at a random phase of its own schedule.
    const moments = victims.map(() => Math.random() * interval);
    await Promise.all(
      victims.map(async (host, i) => {
        await sleep(moments[i]!);
        nft.drop(host);
        silencedAt.set(host, performance.now());
      }),
    );
    const deadline = performance.now() + interval + probeMs + 5_000;
    const latency = (host: string) => {
      const at = silencedAt.get(host)!;
      const first = outcomes.get(host)?.find((o) => o.at > at && !o.reachable);
      return first && { latencyMs: first.at - at, waitForSlotMs: first.started - at };
    };
    while (performance.now() < deadline && victims.some((h) => !latency(h))) await sleep(100);
    const results = victims.map((host) => ({ host, ...(latency(host) ?? { latencyMs: null, waitForSlotMs: null }) }));
    const ms = results.flatMap((r) => (r.latencyMs === null ? [] : [r.latencyMs]));
    const missed = results.length - ms.length;
    const others = addresses.filter((h) => !victims.includes(h));
    const othersDown = others.filter((h) => outcomes.get(h)?.some((o) => !o.reachable)).length;

    const min = Math.min(...ms);
    const max = Math.max(...ms);
    const med = median(ms);
    const expected = `${round(probeMs / 1000, 1)}–${round((interval + probeMs) / 1000, 1)} s`;
    return {
      rows: [
        {
          section: 'detection',
          measure: `Detection latency, ${silenced} devices silenced at random phases (ping ${interval / 1000} s ×${count}, timeout ${timeout / 1000} s)`,
          merezha: `min ${round(min / 1000, 2)} s, median ${round(med / 1000, 2)} s, max ${round(max / 1000, 2)} s${missed ? `, ${missed} never detected` : ''}`,
          peer: '—',
          ratio: `expected ${expected} (wait for the next slot + ${round(probeMs / 1000, 1)} s probe)`,
          target: `every device detected within interval + ${round(probeMs / 1000, 1)} s`,
          met: missed === 0 && max <= interval + probeMs + 1000 && falseAlarms + othersDown === 0,
        },
      ],
      details: {
        devices: total,
        silenced,
        ping: config.polling.ping,
        probe_ms_dead: probeMs,
        latencies_ms: results.map((r) => ({
          ...r,
          latencyMs: r.latencyMs && round(r.latencyMs, 0),
          waitForSlotMs: r.waitForSlotMs && round(r.waitForSlotMs, 0),
        })),
        min_ms: round(min, 0),
        median_ms: round(med, 0),
        max_ms: round(max, 0),
        missed,
        false_alarms: falseAlarms + othersDown,
      },
    };
  } finally {
    await stopCollector();
    await dropNft();
  }
}
