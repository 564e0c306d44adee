/**
 * The simulated hromada as pure functions of time: the devices, the clock and
 * the fault timeline, and what is true of each device at any wall-clock ms.
 *
 * The SNMP agents serve exactly these values, and tests compare what the
 * collector read with them, so ground truth is exact by construction. Nothing
 * here touches the network or the clock on the wall: when nftables put a
 * fault in place is told to the model (`networkChanged`), not read.
 */
import { makeClock, scenarioAt, utcOffsetMinutes, wallAt, type SimClock } from './clock.ts';
import { deviceModel, deviceModels, MAINS_ONLY, type DeviceModel } from './devices.ts';
import { Mains, PowerModel, type SupplyReading } from './power.ts';
import type { Scenario } from './scenario.ts';
import { conditionAt, describe, OPEN_NETWORK, withNetwork, type Condition, type TrueState } from './state.ts';
import { boundariesOf, Timeline } from './timeline.ts';
import {
  clientsAt,
  counterAt,
  epochAt,
  errorCounterAt,
  findInterface,
  uptimeTicksAt,
  type Direction,
  type TrafficContext,
} from './traffic.ts';

/** From wall ms `at` on, the network had the faults of scenario instant `s` in place. */
export interface NetworkChange {
  s: number;
  at: number;
}

export interface WorldInit {
  clock: SimClock;
  utcOffsetMinutes: number;
  devices: readonly DeviceModel[];
  /** See `World.unlisted`; absent: none. */
  unlisted?: readonly DeviceModel[];
  timeline: Timeline;
  /** The cuts of the mains; absent: none. */
  mains?: Mains;
  /** Whether network faults are real (nftables drops ICMP and UDP) or played by the SNMP agents alone. */
  nft: boolean;
  /** See `World.network`; absent: null. */
  network?: NetworkChange[] | null;
}

export class World {
  readonly clock: SimClock;
  readonly utcOffsetMinutes: number;
  readonly timeline: Timeline;
  readonly nft: boolean;
  readonly devices: readonly DeviceModel[];
  /**
   * Devices on the network that the config does not list (the scenario's
   * `unlisted`): they answer like the others and follow their parents' faults,
   * but have none of their own and are not in the ground truth (`devices` is).
   */
  readonly unlisted: readonly DeviceModel[];
  /**
   * When the network had each scenario instant's faults in place, in order:
   * kept by a live run with nftables, whose rules take an nft run to apply
   * (tens of ms, hundreds on a busy machine), so that the agents and the truth
   * change with the network instead of before it. Empty until the first rules
   * are in place, when nothing is dropped. Null: the network follows the
   * scenario clock exactly (without nftables the agents play every fault).
   */
  readonly network: NetworkChange[] | null;
  /** The mains, the supplies, and what each device runs on. */
  readonly power: PowerModel;
  private readonly byId: ReadonlyMap<string, DeviceModel>;
  private readonly ancestorsOf = new Map<string, string[]>();
  private readonly traffic: TrafficContext;

  constructor(init: WorldInit) {
    this.clock = init.clock;
    this.utcOffsetMinutes = init.utcOffsetMinutes;
    this.timeline = init.timeline;
    this.nft = init.nft;
    this.devices = init.devices;
    this.unlisted = init.unlisted ?? [];
    this.network = init.network ?? null;
    this.byId = new Map([...init.devices, ...this.unlisted].map((d) => [d.id, d]));
    this.power = new PowerModel(init.mains ?? new Mains(init.clock.scenarioStart, [], [], null), [...init.devices, ...this.unlisted]);
    this.traffic = { clock: init.clock, utcOffsetMs: init.utcOffsetMinutes * 60_000, timeline: init.timeline };
  }

  device(id: string): DeviceModel {
    const d = this.byId.get(id);
    if (!d) throw new RangeError(`no simulated device "${id}"`);
    return d;
  }

  scenarioAt(wall: number): number {
    return scenarioAt(this.clock, wall);
  }

  wallAt(scenario: number): number {
    return wallAt(this.clock, scenario);
  }

  /** The device's parents, nearest first (the config guarantees the chain ends). */
  ancestors(id: string): string[] {
    let chain = this.ancestorsOf.get(id);
    if (!chain) {
      chain = [];
      for (let p = this.device(id).parent; p !== null && this.byId.has(p); p = this.device(p).parent) chain.push(p);
      this.ancestorsOf.set(id, chain);
    }
    return chain;
  }

  /** The faults and the power acting on the device at scenario ms `s`. */
  conditionAt(id: string, s: number): Condition {
    return conditionAt(this.timeline, this.device(id), this.ancestors(id), s, this.power);
  }

  /**
   * Scenario ms in (from, to] at which the condition of the device may
   * change: the boundaries of its and its parents' faults, and of the power.
   */
  changesOf(id: string, from: number, to: number): number[] {
    const out = new Set(this.power.boundaries(from, to));
    for (const d of [id, ...this.ancestors(id)]) {
      for (const o of this.timeline.between(d, from, to)) for (const b of boundariesOf(o, from, to)) out.add(b);
    }
    return [...out];
  }

  /** Records that from wall ms `at` on, the network has the faults of scenario instant `s` in place. */
  networkChanged(s: number, at: number): void {
    const last = this.network?.at(-1);
    if (last === undefined || last.s < s) this.network?.push({ s, at });
  }

  /**
   * The faults acting on the device at wall ms `t`, with their network side
   * as the network had it then: what the agents serve and the truth tells.
   */
  conditionAtWall(id: string, t: number): Condition {
    const c = this.conditionAt(id, this.scenarioAt(t));
    if (this.network === null) return c;
    const change = changeAt(this.network, t);
    return withNetwork(c, change ? this.conditionAt(id, change.s) : OPEN_NETWORK);
  }

  /**
   * Wall ms in (from, to) at which the network may have changed what the
   * device's packets meet: the first change, and each that put in place a
   * boundary of the device's or its parents' faults. Not every change: a
   * large hromada has one per boundary of any device, and its truth would
   * cost devices × changes.
   */
  networkChangesOf(id: string, from: number, to: number): number[] {
    const network = this.network;
    if (network === null || network.length === 0) return [];
    // Boundaries up to `lo` were in place by `from`.
    const lo = (changeAt(network, from) ?? network[0]!).s;
    const at = new Set([network[0]!.at]);
    for (const b of this.changesOf(id, lo, this.scenarioAt(to))) {
      const change = firstChangeFor(network, b);
      if (change) at.add(change.at);
    }
    return [...at].filter((t) => t > from && t < to);
  }

  /** What is true of the device at wall ms `t`, in the state vocabulary of `state.ts`. */
  trueState(id: string, t: number): TrueState {
    return describe(this.conditionAtWall(id, t), this.device(id), this.nft);
  }

  /** The 64-bit octet counter of an interface at wall ms `t` (the 32-bit counter is this mod 2^32). */
  counterAt(id: string, ifName: string, dir: Direction, t: number): bigint {
    const d = this.device(id);
    return counterAt(this.traffic, d, findInterface(d, ifName), dir, t);
  }

  errorCounterAt(id: string, ifName: string, dir: Direction, kind: 'errors' | 'discards', t: number): number {
    const d = this.device(id);
    return errorCounterAt(this.traffic, d, findInterface(d, ifName), dir, kind, t);
  }

  /** Associated Wi-Fi clients at wall ms `t`, summed over radios. */
  clientsAt(id: string, t: number): number {
    return clientsAt(this.traffic, this.device(id), t);
  }

  uptimeTicksAt(id: string, t: number): number {
    return uptimeTicksAt(this.traffic, this.device(id), t);
  }

  /** What the device's agent reports of its supply at wall ms `t` (a UPS, a router's supply voltage); undefined when none. */
  powerAt(id: string, t: number): SupplyReading | undefined {
    return this.power.reading(id, this.scenarioAt(t));
  }

  /** The current uptime of the device at wall ms `t`: when it booted, and the wrap it has in store, if any. */
  epochAt(id: string, t: number) {
    return epochAt(this.traffic, this.device(id), this.scenarioAt(t));
  }
}

/** The last change at or before wall ms `t`; changes are in order of `at`. */
function changeAt(changes: readonly NetworkChange[], t: number): NetworkChange | undefined {
  let lo = 0;
  let hi = changes.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (changes[mid]!.at <= t) lo = mid + 1;
    else hi = mid;
  }
  return changes[lo - 1];
}

/** The first change that put scenario instant `s` in place; changes are in order of `s`. */
function firstChangeFor(changes: readonly NetworkChange[], s: number): NetworkChange | undefined {
  let lo = 0;
  let hi = changes.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (changes[mid]!.s < s) lo = mid + 1;
    else hi = mid;
  }
  return changes[lo];
}

/** The world of a scenario whose clock starts at wall ms `wallStart`; `network` as in `WorldInit`. */
export function createWorld(scenario: Scenario, wallStart: number, nft: boolean, network: NetworkChange[] | null = null): World {
  const clock = makeClock(wallStart, scenario.start ?? wallStart, scenario.speed);
  const groupOf = new Map(scenario.config.villages.map((v) => [v.id, v.power_group ?? null]));
  return new World({
    clock,
    utcOffsetMinutes: utcOffsetMinutes(scenario.config.hromada.timezone, clock.scenarioStart),
    devices: deviceModels(scenario.config, scenario.devices),
    // Not in the config, so no UPS of it feeds them: they go dark with their village's mains.
    unlisted: scenario.unlisted.map((d) =>
      deviceModel(d, d.village, scenario.devices[d.id], { ...MAINS_ONLY, group: d.power_group ?? groupOf.get(d.village) ?? null }),
    ),
    timeline: new Timeline(clock.scenarioStart, scenario.faults, scenario.repeat ?? null),
    mains: new Mains(clock.scenarioStart, scenario.power, scenario.schedule, scenario.repeat ?? null),
    nft,
    network,
  });
}
