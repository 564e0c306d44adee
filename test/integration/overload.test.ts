/**
 * A collector overloaded on purpose never calls a live device down: it says it
 * did not measure. Real pings of live loopback devices (the kernel answers),
 * through the real scheduler and collector, with a ping lane far too small for
 * its polls and the event loop blocked, right after an echo went out, for
 * longer than the ping timeout. Every sample that reaches the state engine is
 * reachable without loss, the polls that could not be made are observations
 * marked not measured with the reason, counted in the collector's stats, with
 * no point written for them, and the state engine records no outage.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createCollector } from '../../collector/collector.ts';
import { icmpPinger } from '../../collector/probes/icmp.ts';
import { pingProbe, type PingResult } from '../../collector/probes/ping.ts';
import type { DeviceTarget, ProbeKind } from '../../collector/probes/types.ts';
import type { NotMeasuredReason, Observation, PingSample } from '../../collector/samples.ts';
import { silentLogger } from '../../common/log.ts';
import { buildInventory } from '../../server/inventory.ts';
import { StateEngine } from '../../server/state/engine.ts';
import { testConfig } from '../support/config.ts';
import { MemorySink, memoryEventStore } from '../support/memory-sink.ts';

const pinger = icmpPinger();
const unavailable = typeof pinger === 'string' ? pinger : undefined;

const DEVICES = 20;
const INTERVAL_MS = 2000;
/** How long each run holds its place in the lane after its ping: polls that are slow to finish. */
const HOLD_MS = 500;
/** Longer than the ping timeout, shorter than the scheduler's deadline of a run (0.9 · interval). */
const BLOCK_MS = 800;
const PING = { interval: `${INTERVAL_MS}ms`, count: 1, timeout: '300ms', packet_interval: '100ms' };

const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(unavailable)(`an overloaded collector${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  const base = 1 + Math.floor(Math.random() * 250);
  const config = testConfig({
    polling: { ping: PING },
    villages: [
      {
        id: 'v',
        name: 'Село',
        devices: Array.from({ length: DEVICES }, (_, i) => ({
          id: `d${i}`,
          kind: 'institution' as const,
          category: 'school' as const,
          host: `127.${base}.9.${i + 1}`,
        })),
      },
    ],
  });
  const log = silentLogger();
  const engine = new StateEngine({ config, inventory: buildInventory(config), store: memoryEventStore(), log });
  afterAll(() => engine.stop());

  it('marks the polls it could not make or time as not measured, never a live device unreachable', async () => {
    // The blocked run: whose it was and when, to find its observation.
    let blocked: { subject: string; at: number } | undefined;
    const blockAfter = Date.now() + 1.5 * INTERVAL_MS;
    const overloaded: ProbeKind<DeviceTarget, PingResult> = {
      ...pingProbe,
      // Two places for twenty polls that each hold one for half a second: slots find their job still waiting.
      lane: () => ({ concurrency: 2 }),
      create(deps) {
        const runner = pingProbe.create(deps);
        return {
          ...runner,
          // The collector polls through start() where a runner has it, as the batch pinger's does.
          start(target, signal, done) {
            const started = Date.now();
            if (blocked === undefined && started >= blockAfter) {
              blocked = { subject: target.key, at: started };
              runner.start!(target, signal, done);
              // The echo request is out when start() returns: the busy loop keeps its reply unread past the timeout.
              // Not held as well: on a loaded machine 0.8 + 0.5 s and the loop's delays could reach the run's deadline, and an abandoned run has no sample.
              busy(BLOCK_MS);
              return;
            }
            const held = sleep(HOLD_MS);
            runner.start!(target, signal, (result) => void held.then(() => done(result)));
          },
        };
      },
    };
    const observations: Observation[] = [];
    const sink = new MemorySink();
    const collector = createCollector({
      config,
      sink,
      log,
      probes: [overloaded],
      onObservation: (o) => {
        observations.push(o);
        engine.ingest(o);
      },
    });
    collector.start();
    await sleep(4 * INTERVAL_MS);
    await collector.stop();

    const samples = observations.flatMap((o) => (o.sample ? [o.sample as PingSample] : []));
    const missed = observations.filter((o) => o.notMeasured !== undefined);
    // Enough of both to mean something.
    expect(samples.length).toBeGreaterThanOrEqual(8);
    expect(missed.length).toBeGreaterThanOrEqual(20);

    // Every device that was measured answered, every time, with no echo lost.
    for (const s of samples) expect(s, s.subject).toMatchObject({ reachable: true, loss_pct: 0 });
    // Including the probe whose timeout passed while the loop was blocked: its reply was read before giving up.
    expect(blocked).toBeDefined();
    expect(samples.find((s) => s.subject === blocked!.subject && s.at === blocked!.at)).toMatchObject({ reachable: true });

    // A not-measured poll carries its reason and nothing else, and writes no point.
    for (const o of missed) {
      expect(o.sample).toBeUndefined();
      expect(o.latest).toBeUndefined();
    }
    expect(sink.points.filter((p) => p.measurement === 'ping')).toHaveLength(samples.length);
    const byReason: Partial<Record<NotMeasuredReason, number>> = {};
    for (const o of missed) byReason[o.notMeasured!] = (byReason[o.notMeasured!] ?? 0) + 1;
    expect(byReason.lane_full).toBeGreaterThan(0);
    expect(byReason.lag).toBeGreaterThan(0);
    expect(collector.stats().notMeasured).toEqual({ ping: byReason });
    expect(collector.stats().skipped).toBeGreaterThan(0);

    // The state engine saw only live devices: no outage, nothing down.
    for (let i = 0; i < DEVICES; i++) expect(engine.view(`d${i}`)?.state).not.toBe('down');
    expect(new Set(samples.map((s) => s.subject)).size).toBeGreaterThan(1);
    for (const s of new Set(samples.map((s) => s.subject))) expect(engine.view(s)?.state).toBe('up');
  });
});
