/**
 * A probe kind is the probe file and its registry line: kinds Merezha does
 * not have, defined here, reach the state engine, the live view and the
 * re-checks through the `ProbeKind` interface alone, with no change to any
 * of them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createCollector } from '../../collector/collector.ts';
import type { DeviceTarget, ProbeKind } from '../../collector/probes/types.ts';
import type { PingSample, SnmpSample } from '../../collector/samples.ts';
import { deviceTargets } from '../../collector/targets.ts';
import { silentLogger } from '../../common/log.ts';
import { buildInventory } from '../../server/inventory.ts';
import { LatestValues } from '../../server/live/latest.ts';
import { StateEngine } from '../../server/state/engine.ts';
import { probeRechecker } from '../../server/state/recheck.ts';
import { memoryEventStore } from '../support/memory-sink.ts';
import { testConfig } from '../support/config.ts';

const POLL_MS = 20;

/** Devices that stopped answering, as each test sets it. */
const silent = new Set<string>();

interface EchoResult {
  answered: boolean;
  rtt_ms: number | null;
}

/** An echo of every pinged device, deciding its reachability as ping does. */
const echoProbe: ProbeKind<DeviceTarget, EchoResult, PingSample> = {
  kind: 'echo',
  yields: 'ping',
  targets: (config) => deviceTargets(config).filter((t) => t.device.ping),
  intervalMs: () => POLL_MS,
  create: () => ({
    run: async (target) => (silent.has(target.key) ? { answered: false, rtt_ms: null } : { answered: true, rtt_ms: 4 }),
    points: () => [],
  }),
  observe: (target, r, time) => ({
    sample: { source: 'ping', subject: target.key, at: time, reachable: r.answered, loss_pct: r.answered ? 0 : 100, rtt_avg_ms: r.rtt_ms },
    latest: { rtt_ms: r.rtt_ms, loss_pct: r.answered ? 0 : 100 },
  }),
};

/** A management check of every device with SNMP, deciding the reachability of those not pinged. */
const managementProbe: ProbeKind<DeviceTarget, { ok: boolean; clients: number }, SnmpSample> = {
  kind: 'management',
  yields: 'snmp',
  targets: (config) => deviceTargets(config).filter((t) => t.device.snmp),
  intervalMs: () => POLL_MS,
  create: () => ({
    run: async (target) => ({ ok: !silent.has(target.key), clients: 7 }),
    points: () => [],
  }),
  observe: (target, r, time) => ({
    sample: { source: 'snmp', subject: target.key, at: time, ok: r.ok },
    latest: r.ok ? { clients: r.clients } : { clients: null },
  }),
};

/** A kind that only writes points: it bears on no state and is never used to re-check. */
const tallyProbe: ProbeKind<DeviceTarget, number, never> = {
  kind: 'tally',
  yields: null,
  targets: deviceTargets,
  intervalMs: () => POLL_MS,
  create: () => ({ run: async () => 1, points: () => [] }),
  observe: () => ({}),
};

const KINDS = [tallyProbe, echoProbe, managementProbe];

const config = testConfig({
  snmp_credentials: { v2: { version: '2c', community: 'public' } },
  states: { recheck: false },
  villages: [
    {
      id: 'north',
      name: 'Північне',
      devices: [
        // Pinged and polled by SNMP: the echo decides its state.
        { id: 'gw', kind: 'uplink', host: '127.0.60.1', snmp: { credential: 'v2' } },
        { id: 'ap', kind: 'wifi', host: '127.0.60.2', ping: false, snmp: { credential: 'v2' } },
      ],
    },
  ],
});
const log = silentLogger();
const inventory = buildInventory(config);

afterEach(() => silent.clear());

describe('a new probe kind', () => {
  it('reaches the state engine and the live view through the collector', async () => {
    const engine = new StateEngine({ config, inventory, store: memoryEventStore(), log });
    const latest = new LatestValues();
    const collector = createCollector({
      config,
      sink: { write: () => {} },
      log,
      probes: KINDS,
      onObservation: (observation) => {
        engine.ingest(observation);
        latest.ingest(observation);
      },
    });
    collector.start();
    try {
      await expect.poll(() => [engine.view('gw')?.state, engine.view('ap')?.state], { timeout: 5_000 }).toEqual(['up', 'up']);
      expect(latest.get('gw')).toMatchObject({ rtt_ms: 4, loss_pct: 0, clients: 7 });
      expect(latest.get('ap')).toMatchObject({ rtt_ms: null, clients: 7 });

      silent.add('gw');
      silent.add('ap');
      await expect.poll(() => [engine.view('gw')?.state, engine.view('ap')?.state], { timeout: 5_000 }).toEqual(['down', 'down']);
      expect(latest.get('gw')).toMatchObject({ rtt_ms: null, loss_pct: 100, clients: null });
    } finally {
      await collector.stop();
      await engine.stop();
    }
  });

  it('is the one a re-check polls when its samples decide the subject’s reachability', async () => {
    const recheck = probeRechecker({ config, inventory, log, kinds: KINDS });
    const signal = new AbortController().signal;
    const gw = await recheck.check('gw', signal);
    const ap = await recheck.check('ap', signal);
    expect(gw).toMatchObject({ kind: 'echo', subject: 'gw', sample: { source: 'ping', reachable: true } });
    expect(ap).toMatchObject({ kind: 'management', subject: 'ap', sample: { source: 'snmp', ok: true } });
    expect(await probeRechecker({ config, inventory, log, kinds: [tallyProbe] }).check('gw', signal)).toBeUndefined();

    const engine = new StateEngine({ config, inventory, store: memoryEventStore(), log });
    engine.ingest(gw!, true);
    engine.ingest(ap!, true);
    expect([engine.view('gw')?.state, engine.view('ap')?.state]).toEqual(['up', 'up']);
    await engine.stop();
  });
});
