/**
 * The simulated hromada as pure functions of time: the devices, the clock and
 * the fault timeline, and what is true of each device at any wall-clock ms.
 *
 * The SNMP agents serve exactly these values, and tests compare what the
 * collector read with them, so ground truth is exact by construction. Nothing
 * here touches the network or the clock on the wall.
 */
import { makeClock, scenarioAt, utcOffsetMinutes, wallAt, type SimClock } from './clock.ts';
import { deviceModels, type DeviceModel } from './devices.ts';
import type { Scenario } from './scenario.ts';
import { conditionAt, describe, type Condition, type TrueState } from './state.ts';
import { Timeline } from './timeline.ts';
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

export interface WorldInit {
  clock: SimClock;
  utcOffsetMinutes: number;
  devices: readonly DeviceModel[];
  timeline: Timeline;
  /** Whether network faults are real (nftables drops ICMP and UDP) or played by the SNMP agents alone. */
  nft: boolean;
}

export class World {
  readonly clock: SimClock;
  readonly utcOffsetMinutes: number;
  readonly timeline: Timeline;
  readonly nft: boolean;
  readonly devices: readonly DeviceModel[];
  private readonly byId: ReadonlyMap<string, DeviceModel>;
  private readonly ancestorsOf = new Map<string, string[]>();
  private readonly traffic: TrafficContext;

  constructor(init: WorldInit) {
    this.clock = init.clock;
    this.utcOffsetMinutes = init.utcOffsetMinutes;
    this.timeline = init.timeline;
    this.nft = init.nft;
    this.devices = init.devices;
    this.byId = new Map(init.devices.map((d) => [d.id, d]));
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

  /** The faults acting on the device at scenario ms `s`. */
  conditionAt(id: string, s: number): Condition {
    return conditionAt(this.timeline, id, this.ancestors(id), s);
  }

  /** What is true of the device at wall ms `t`, in the state vocabulary of `state.ts`. */
  trueState(id: string, t: number): TrueState {
    return describe(this.conditionAt(id, this.scenarioAt(t)), this.device(id), this.nft);
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

  /** The current uptime of the device at wall ms `t`: when it booted, and the wrap it has in store, if any. */
  epochAt(id: string, t: number) {
    return epochAt(this.traffic, this.device(id), this.scenarioAt(t));
  }
}

/** The world of a scenario whose clock starts at wall ms `wallStart`. */
export function createWorld(scenario: Scenario, wallStart: number, nft: boolean): World {
  const clock = makeClock(wallStart, scenario.start ?? wallStart, scenario.speed);
  return new World({
    clock,
    utcOffsetMinutes: utcOffsetMinutes(scenario.config.hromada.timezone, clock.scenarioStart),
    devices: deviceModels(scenario.config, scenario.devices),
    timeline: new Timeline(clock.scenarioStart, scenario.faults, scenario.repeat ?? null),
    nft,
  });
}
