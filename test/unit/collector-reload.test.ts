/**
 * The collector taking a reloaded config (`collector.reconfigure`), with a
 * probe kind of its own that records every run: new and changed targets are
 * polled within one interval, removed ones no more, a run in flight of a
 * removed one writes nothing, and the runner keeps what it learned of the
 * targets that stay unless settings other than the targets change.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createCollector, type Collector } from '../../collector/collector.ts';
import type { DeviceTarget, ProbeKind } from '../../collector/probes/types.ts';
import type { PingSample } from '../../collector/samples.ts';
import { deviceTargets } from '../../collector/targets.ts';
import { silentLogger } from '../../common/log.ts';
import type { Config } from '../../config/schema.ts';
import { testConfig } from '../support/config.ts';

const INTERVAL_MS = 40;

interface Run {
  key: string;
  host: string;
  at: number;
  target: DeviceTarget;
}

/** Every run, every runner made and every target it was told to forget; runs of hosts in `hang` wait for their abort. */
function recordingKind() {
  const runs: Run[] = [];
  const forgotten: string[] = [];
  const hang = new Set<string>();
  let made = 0;
  const kind: ProbeKind<DeviceTarget, boolean, PingSample> = {
    kind: 'record',
    yields: 'ping',
    targets: deviceTargets,
    intervalMs: () => INTERVAL_MS,
    create: () => {
      made++;
      return {
        run: (target, signal) => {
          runs.push({ key: target.key, host: target.device.host, at: performance.now(), target });
          if (!hang.has(target.device.host)) return Promise.resolve(true);
          return new Promise((resolve) => signal.onAbort(() => resolve(true)));
        },
        points: (target) => [{ measurement: 'ping', tags: target.tags, fields: { reachable: 1 }, time: Date.now() }],
        forget: (key) => forgotten.push(key),
      };
    },
    observe: (target, ok, time) => ({
      sample: { source: 'ping', subject: target.key, at: time, reachable: ok, loss_pct: 0, rtt_avg_ms: 1 },
    }),
  };
  return { kind, runs, forgotten, hang, made: () => made };
}

const device = (id: string, host: string) => ({ id, kind: 'institution' as const, category: 'school' as const, host });

function hromada(devices: ReturnType<typeof device>[], count = 3): Config {
  return testConfig({ polling: { ping: { count } }, villages: [{ id: 'v', name: 'Село', devices }] });
}

let collector: Collector | undefined;
afterEach(async () => {
  await collector?.stop();
  collector = undefined;
});

function start(config: Config, kind: ProbeKind<DeviceTarget, boolean, PingSample>) {
  const written: string[] = [];
  const observed: string[] = [];
  collector = createCollector({
    config,
    sink: { write: (points) => written.push(...points.map((p) => p.tags.device!)) },
    log: silentLogger(),
    probes: [kind],
    onObservation: (o) => observed.push(o.subject),
  });
  collector.start();
  return { collector, written, observed };
}

describe('collector.reconfigure', () => {
  it('polls added and changed targets within one interval, stops the removed ones, keeps the others and their runner', async () => {
    const rec = recordingKind();
    const { collector } = start(hromada([device('a', '127.0.80.1'), device('b', '127.0.80.2'), device('c', '127.0.80.3')]), rec.kind);
    await expect.poll(() => new Set(rec.runs.map((r) => r.key)).size).toBe(3);

    const at = performance.now();
    const next = hromada([device('a', '127.0.80.1'), device('b', '127.0.80.22'), device('d', '127.0.80.4')]);
    collector.reconfigure(next);
    expect(collector.stats().jobs).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS * 4));
    const after = rec.runs.filter((r) => r.at >= at);
    const first = (key: string, host: string) => after.find((r) => r.key === key && r.host === host)?.at ?? Infinity;
    // Due within one interval; the second is slack for timers on a busy machine.
    expect(first('d', '127.0.80.4') - at).toBeLessThan(INTERVAL_MS * 2);
    expect(first('b', '127.0.80.22') - at).toBeLessThan(INTERVAL_MS * 2);
    expect(after.filter((r) => r.key === 'c' || r.host === '127.0.80.2')).toEqual([]);
    expect(after.filter((r) => r.key === 'a').length).toBeGreaterThanOrEqual(2);
    // A kept poll runs with the new config's (equal) target, so the old config is not kept alive through it.
    const keptTarget = deviceTargets(next).find((t) => t.key === 'a');
    expect(after.filter((r) => r.key === 'a').every((r) => r.target === keptTarget)).toBe(true);
    expect(rec.made()).toBe(1);
    expect(rec.forgotten.sort()).toEqual(['b', 'c']);
  });

  it('abandons a run in flight of a target the reload removed: nothing it read is written or observed', async () => {
    const rec = recordingKind();
    rec.hang.add('127.0.80.9');
    const { collector, written, observed } = start(hromada([device('a', '127.0.80.1'), device('slow', '127.0.80.9')]), rec.kind);
    await expect.poll(() => rec.runs.some((r) => r.key === 'slow')).toBe(true);

    collector.reconfigure(hromada([device('a', '127.0.80.1')]));
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS * 2));
    expect(written.filter((d) => d === 'slow')).toEqual([]);
    expect(observed.filter((d) => d === 'slow')).toEqual([]);
    expect(rec.runs.filter((r) => r.key === 'slow')).toHaveLength(1);
  });

  it('makes its runners anew when settings besides the targets change, and polls on with them', async () => {
    const rec = recordingKind();
    const { collector } = start(hromada([device('a', '127.0.80.1')]), rec.kind);
    await expect.poll(() => rec.runs.length).toBeGreaterThan(0);
    collector.reconfigure(hromada([device('a', '127.0.80.1')], 5));
    expect(rec.made()).toBe(2);
    expect(rec.forgotten).toEqual([]);
    const at = performance.now();
    await expect.poll(() => rec.runs.filter((r) => r.at >= at).length).toBeGreaterThan(1);
  });
});
