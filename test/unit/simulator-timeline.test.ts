/**
 * The fault timeline and the ground truth: which state each device is in,
 * over time, for outages (and what they cut off), flapping, loops, loss,
 * SNMP-only faults, with and without nftables; and a truth file that
 * answers the same questions as the live model; devices the config does not
 * list, which follow their parents' faults and stay out of the truth.
 */
import { describe, expect, it } from 'vitest';
import { answerFor } from '../../simulator/gate.ts';
import { createWorld, scenarioFromConfig, worldFromTruth, type FaultInput, type StateInterval } from '../../simulator/index.ts';
import { networkRules } from '../../simulator/player.ts';
import { nextBoundaryOf, repeatedWraps, type Occurrence } from '../../simulator/timeline.ts';
import { groundTruth, stateIntervals } from '../../simulator/truth.ts';
import { testConfig } from '../support/config.ts';

const WALL_START = Date.parse('2025-05-17T10:00:00Z');
const MIN = 60_000;

const config = testConfig({
  snmp_credentials: { v2: { version: '2c', community: 'public' } },
  villages: [
    {
      id: 'tsybuleve',
      name: 'Цибулеве',
      devices: [
        { id: 'uplink', kind: 'uplink', host: '127.0.30.1', snmp: { credential: 'v2', interface: 'ether1' } },
        { id: 'gymnasium', kind: 'institution', category: 'school', host: '127.0.30.2', snmp: { credential: 'v2' }, parent: 'uplink' },
        { id: 'square-wifi', kind: 'wifi', vendor: 'tplink', host: '127.0.30.3', snmp: { credential: 'v2' }, parent: 'gymnasium' },
        { id: 'club', kind: 'institution', category: 'culture', host: '127.0.30.4', parent: 'uplink' },
      ],
    },
  ],
});

function world(faults: FaultInput[], options: { nft?: boolean; repeat?: string; speed?: number } = {}) {
  const scenario = scenarioFromConfig(config, {
    faults,
    speed: options.speed ?? 1,
    ...(options.repeat ? { repeat: options.repeat } : {}),
  });
  return createWorld(scenario, WALL_START, options.nft ?? true);
}

/** Intervals as [from, to) in minutes after the start, with the state name (and `via` when set). */
function minutes(intervals: StateInterval[]): [number, number, string][] {
  return intervals.map((i) => [(i.from - WALL_START) / MIN, (i.to - WALL_START) / MIN, i.via ? `${i.state} via ${i.via}` : i.state]);
}

describe('true state over a timeline', () => {
  const cases: {
    name: string;
    faults: FaultInput[];
    device: string;
    nft?: boolean;
    repeat?: string;
    span: number;
    expected: [number, number, string][];
  }[] = [
    {
      name: 'an outage takes the device down',
      faults: [{ device: 'uplink', type: 'outage', at: '1m', duration: '2m' }],
      device: 'uplink',
      span: 5,
      expected: [
        [0, 1, 'up'],
        [1, 3, 'down'],
        [3, 5, 'up'],
      ],
    },
    {
      name: 'an uplink outage cuts off the devices behind it, also two hops away',
      faults: [{ device: 'uplink', type: 'outage', at: '1m', duration: '2m' }],
      device: 'square-wifi',
      span: 5,
      expected: [
        [0, 1, 'up'],
        [1, 3, 'unreachable via uplink'],
        [3, 5, 'up'],
      ],
    },
    {
      name: 'without nftables an outage is an SNMP outage: ping keeps answering',
      faults: [{ device: 'uplink', type: 'outage', at: '1m', duration: '2m' }],
      device: 'gymnasium',
      nft: false,
      span: 5,
      expected: [
        [0, 1, 'up'],
        [1, 3, 'snmp_down via uplink'],
        [3, 5, 'up'],
      ],
    },
    {
      name: 'flapping is down for the first half of each period',
      faults: [{ device: 'gymnasium', type: 'flapping', at: '1m', duration: '3m', period: '1m' }],
      device: 'gymnasium',
      span: 5,
      expected: [
        [0, 1, 'up'],
        [1, 1.5, 'down'],
        [1.5, 2, 'up'],
        [2, 2.5, 'down'],
        [2.5, 3, 'up'],
        [3, 3.5, 'down'],
        [3.5, 5, 'up'],
      ],
    },
    {
      name: 'a looping timeline repeats every cycle',
      faults: [{ device: 'uplink', type: 'outage', at: '1m', duration: '1m' }],
      device: 'uplink',
      repeat: '5m',
      span: 12,
      expected: [
        [0, 1, 'up'],
        [1, 2, 'down'],
        [2, 6, 'up'],
        [6, 7, 'down'],
        [7, 11, 'up'],
        [11, 12, 'down'],
      ],
    },
    {
      name: 'a reboot is down while restarting',
      faults: [{ device: 'gymnasium', type: 'reboot', at: '2m', duration: '30s' }],
      device: 'gymnasium',
      span: 4,
      expected: [
        [0, 2, 'up'],
        [2, 2.5, 'down'],
        [2.5, 4, 'up'],
      ],
    },
    {
      name: 'SNMP faults: slow and link down degrade, garbage is an SNMP outage',
      faults: [
        { device: 'gymnasium', type: 'slow', at: '1m', duration: '1m', delay: '800ms' },
        { device: 'gymnasium', type: 'garbage', at: '2m', duration: '1m' },
        { device: 'gymnasium', type: 'link_down', at: '3m', duration: '1m' },
      ],
      device: 'gymnasium',
      span: 5,
      expected: [
        [0, 1, 'up'],
        [1, 2, 'degraded'],
        [2, 3, 'snmp_down'],
        [3, 4, 'degraded'],
        [4, 5, 'up'],
      ],
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const w = world(c.faults, { nft: c.nft ?? true, ...(c.repeat ? { repeat: c.repeat } : {}) });
      expect(minutes(stateIntervals(w, c.device, WALL_START, WALL_START + c.span * MIN))).toEqual(c.expected);
    });
  }

  it('runs the timeline on the scenario clock', () => {
    const w = world([{ device: 'uplink', type: 'outage', at: '10m', duration: '5m' }], { speed: 60 });
    // 10 scenario minutes at speed 60 are 10 real seconds.
    expect(stateIntervals(w, 'uplink', WALL_START, WALL_START + 30_000).map((i) => [i.from - WALL_START, i.state])).toEqual([
      [0, 'up'],
      [10_000, 'down'],
      [15_000, 'up'],
    ]);
  });

  it('combines the loss of a device with its parents', () => {
    const w = world([
      { device: 'uplink', type: 'loss', at: '0s', duration: '5m', loss_pct: 20 },
      { device: 'gymnasium', type: 'loss', at: '0s', duration: '5m', loss_pct: 10 },
    ]);
    const s = w.trueState('gymnasium', WALL_START + MIN);
    expect(s).toMatchObject({ state: 'degraded', ping: 'lossy', snmp: 'lossy', lossPct: 28, faults: ['loss'] });
  });

  it('says what it is when nothing can be observed: an outage of a ping-only device without nftables', () => {
    const w = world([{ device: 'club', type: 'outage', at: '0s', duration: '5m' }], { nft: false });
    expect(w.trueState('club', WALL_START + MIN)).toMatchObject({ state: 'up', ping: 'ok', snmp: null, faults: ['outage'] });
  });
});

describe('the network as nftables had it', () => {
  // The player tells the model when each nft run was done; its rules took effect then, not at the scenario's boundary.
  const played = () => {
    const w = createWorld(
      scenarioFromConfig(config, { faults: [{ device: 'uplink', type: 'outage', at: '1m', duration: '2m' }], speed: 1 }),
      WALL_START,
      true,
      [],
    );
    w.networkChanged(w.scenarioAt(WALL_START), WALL_START + 20);
    w.networkChanged(w.scenarioAt(WALL_START + MIN), WALL_START + MIN + 150);
    w.networkChanged(w.scenarioAt(WALL_START + 3 * MIN), WALL_START + 3 * MIN + 40);
    return w;
  };

  it('moves the truth of an outage, and of what it cuts off, to when the rules were in force', () => {
    const w = played();
    const at = (device: string) =>
      stateIntervals(w, device, WALL_START, WALL_START + 5 * MIN).map((i) => [
        i.from - WALL_START,
        i.via ? `${i.state} via ${i.via}` : i.state,
      ]);
    expect(at('uplink')).toEqual([
      [0, 'up'],
      [MIN + 150, 'down'],
      [3 * MIN + 40, 'up'],
    ]);
    expect(at('club')).toEqual([
      [0, 'up'],
      [MIN + 150, 'unreachable via uplink'],
      [3 * MIN + 40, 'up'],
    ]);
  });

  it('keeps the SNMP agents in step with the network, not ahead of it', () => {
    const w = played();
    expect(w.conditionAtWall('uplink', WALL_START + MIN + 100).off).toBe(false);
    expect(w.conditionAtWall('uplink', WALL_START + MIN + 150).off).toBe(true);
    expect(w.conditionAtWall('uplink', WALL_START + 3 * MIN + 10).off).toBe(true);
    expect(w.conditionAtWall('uplink', WALL_START + 3 * MIN + 40).off).toBe(false);
  });

  it('carries the record in the truth file, so a rebuilt model tells the same intervals', () => {
    const w = played();
    const truth = groundTruth(w, 'played', WALL_START, WALL_START + 5 * MIN);
    expect(truth.network).toHaveLength(3);
    const rebuilt = worldFromTruth(JSON.parse(JSON.stringify(truth)) as typeof truth);
    expect(stateIntervals(rebuilt, 'uplink', WALL_START, WALL_START + 5 * MIN)).toEqual(
      stateIntervals(w, 'uplink', WALL_START, WALL_START + 5 * MIN),
    );
  });
});

describe('the SNMP port during faults', () => {
  const w = world([
    { device: 'gymnasium', type: 'slow', at: '1m', duration: '1m', delay: '700ms' },
    { device: 'gymnasium', type: 'garbage', at: '2m', duration: '1m' },
    { device: 'gymnasium', type: 'loss', at: '3m', duration: '1m', loss_pct: 50 },
    { device: 'uplink', type: 'outage', at: '4m', duration: '1m' },
  ]);
  const at = (minute: number) => w.conditionAt('gymnasium', w.scenarioAt(WALL_START + minute * MIN));

  it('answers late, answers garbage, or stays silent', () => {
    expect(answerFor(at(0.5), true)).toEqual({ kind: 'answer', delayMs: 0 });
    expect(answerFor(at(1.5), true)).toEqual({ kind: 'answer', delayMs: 700 });
    expect(answerFor(at(2.5), true)).toEqual({ kind: 'garbage' });
    expect(answerFor(at(4.5), true)).toEqual({ kind: 'drop' });
  });

  it('drops the lost share itself only when nftables does not', () => {
    expect(answerFor(at(3.5), true, () => 0.1)).toEqual({ kind: 'answer', delayMs: 0 });
    expect(answerFor(at(3.5), false, () => 0.1)).toEqual({ kind: 'drop' });
    expect(answerFor(at(3.5), false, () => 0.9)).toEqual({ kind: 'answer', delayMs: 0 });
  });
});

describe('timeline mechanics', () => {
  it('finds the next moment a fault changes anything, flapping phases included', () => {
    const flap: Occurrence = { device: 'x', type: 'flapping', start: 1000, end: 5000, period: 1000, fault: 0, cycle: 0 };
    expect([0, 1000, 1499, 1500, 4500, 4999, 5000].map((s) => nextBoundaryOf(flap, s))).toEqual([1000, 1500, 1500, 2000, 5000, 5000, null]);
    const forever: Occurrence = { device: 'x', type: 'outage', start: 10, end: null, fault: null, cycle: 0 };
    expect(nextBoundaryOf(forever, 20)).toBeNull();
  });

  it('allows one wrap per uptime: a second needs a reboot between, also across cycles', () => {
    const wrap = (at: number) => ({ device: 'd', type: 'wrap' as const, at });
    const reboot = (at: number) => ({ device: 'd', type: 'reboot' as const, at });
    expect(repeatedWraps([wrap(10), wrap(20)], null)).toEqual([1]);
    expect(repeatedWraps([wrap(10), reboot(15), wrap(20)], null)).toEqual([]);
    expect(repeatedWraps([wrap(10)], 100)).toEqual([0]);
    expect(repeatedWraps([reboot(5), wrap(10)], 100)).toEqual([]);
  });
});

describe('ground truth', () => {
  const faults: FaultInput[] = [
    { device: 'gymnasium', type: 'reboot', at: '1m', duration: '10s' },
    { device: 'uplink', type: 'outage', at: '2m', duration: '1m' },
    { device: 'uplink', type: 'wrap', at: '10m' },
  ];
  const live = world(faults, { speed: 60 });
  const to = WALL_START + 5_000;
  const truth = JSON.parse(JSON.stringify(groundTruth(live, 'test', WALL_START, to)));

  it('lists reboots, wraps, intervals and the faults, in wall ms', () => {
    const gymnasium = truth.devices.find((d: { device: { id: string } }) => d.device.id === 'gymnasium');
    expect(gymnasium.reboots).toEqual([live.wallAt(live.clock.scenarioStart + 70_000)]);
    expect(truth.faults.map((f: { type: string; from: number }) => [f.type, f.from - WALL_START])).toEqual([
      ['reboot', 1000],
      ['outage', 2000],
      // Not played yet, but it already shapes the counters (they are set up to wrap there): kept.
      ['wrap', 10_000],
    ]);
  });

  it('rebuilds a model that agrees with the live one on counters, clients and states', () => {
    const rebuilt = worldFromTruth(truth);
    for (let t = WALL_START; t < to; t += 333) {
      expect(rebuilt.counterAt('uplink', 'ether1', 'in', t)).toBe(live.counterAt('uplink', 'ether1', 'in', t));
      expect(rebuilt.uptimeTicksAt('gymnasium', t)).toBe(live.uptimeTicksAt('gymnasium', t));
      expect(rebuilt.clientsAt('square-wifi', t)).toBe(live.clientsAt('square-wifi', t));
      expect(rebuilt.trueState('gymnasium', t)).toEqual(live.trueState('gymnasium', t));
    }
  });
});

describe('devices the config does not list', () => {
  const unlisted = [
    {
      village: 'tsybuleve',
      id: 'library-wifi',
      kind: 'wifi' as const,
      vendor: 'tplink' as const,
      host: '127.0.30.9',
      snmp: { credential: 'v2' },
      parent: 'gymnasium',
    },
  ];
  const faults: FaultInput[] = [
    { device: 'uplink', type: 'outage', at: '1m', duration: '2m' },
    { device: 'gymnasium', type: 'loss', at: '5m', duration: '2m', loss_pct: 30 },
  ];
  const live = createWorld(scenarioFromConfig(config, { faults, unlisted }), WALL_START, true);
  const plain = world(faults);

  it('answer like the others and follow their would-be parent’s faults, on the network too', () => {
    expect(live.devices.map((d) => d.id)).toEqual(plain.devices.map((d) => d.id));
    expect(live.unlisted.map((d) => [d.id, d.village, d.sysName, d.parent, d.vendor])).toEqual([
      ['library-wifi', 'tsybuleve', 'library-wifi', 'gymnasium', 'tplink'],
    ]);
    expect(live.clientsAt('library-wifi', WALL_START)).toBeGreaterThanOrEqual(0);
    const s = (m: number) => live.clock.scenarioStart + m * MIN;
    expect(live.conditionAt('library-wifi', s(0.5))).toMatchObject({ off: false, cutBy: null, lossPct: 0 });
    expect(live.conditionAt('library-wifi', s(2))).toMatchObject({ cutBy: 'uplink' });
    expect(networkRules(live, s(2))).toContainEqual({ address: '127.0.30.9', dropPct: 100 });
    expect(networkRules(live, s(6))).toContainEqual({ address: '127.0.30.9', dropPct: 30 });
    expect(networkRules(live, s(0.5))).toEqual([]);
  });

  it('are in no fault and not in the ground truth, which stays what it is without them', () => {
    const to = WALL_START + 10 * MIN;
    const truth = groundTruth(live, 'test', WALL_START, to);
    expect(truth.devices.map((d) => d.device.id)).not.toContain('library-wifi');
    expect(truth.faults.map((f) => f.device)).not.toContain('library-wifi');
    expect(truth).toEqual(groundTruth(plain, 'test', WALL_START, to));
  });
});
