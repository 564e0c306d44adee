/**
 * The ground truth of a simulation run, as JSON a test or a person can check
 * the monitor against: per device, the intervals of its true state in wall ms,
 * its reboots and counter wraps; and enough of the model (devices, clock,
 * fault occurrences) for `worldFromTruth` to answer the same questions as the
 * live simulation: counter values, clients and state at any ms of the run.
 */
import type { SimClock } from './clock.ts';
import type { DeviceModel } from './devices.ts';
import { describe, type TrueState } from './state.ts';
import { boundariesOf, Timeline, type Occurrence } from './timeline.ts';
import { World, type NetworkChange } from './world.ts';

export const TRUTH_FORMAT = 'merezha-simulation-truth/1';

export interface StateInterval extends TrueState {
  /** Wall ms, inclusive. */
  from: number;
  /** Wall ms, exclusive. */
  to: number;
}

/** A fault occurrence (scenario-clock `start`/`end`, from which the truth is rebuilt) with its wall-clock span. */
export interface FaultRecord extends Occurrence {
  from: number;
  to: number | null;
}

export interface DeviceTruth {
  device: DeviceModel;
  intervals: StateInterval[];
  /** Wall ms at which the device was back from a reboot with sysUpTime 0 and its counters restarted. */
  reboots: number[];
  /** Wall ms at which its interface counters passed 2^bits. */
  wraps: { at: number; bits: 32 | 64 }[];
}

export interface GroundTruth {
  format: typeof TRUTH_FORMAT;
  scenario: string;
  /** The wall-clock span the intervals cover, ms. */
  from: number;
  to: number;
  clock: SimClock;
  utcOffsetMinutes: number;
  /** True when outages and loss were real (nftables), false when only the SNMP agents played them. */
  nft: boolean;
  /**
   * With nftables: from which wall ms the network had the faults of each
   * scenario instant in place (the intervals follow it, not the scenario
   * clock); null when it followed the scenario clock.
   */
  network: NetworkChange[] | null;
  devices: DeviceTruth[];
  faults: FaultRecord[];
}

function sameState(a: TrueState, b: TrueState): boolean {
  return (
    a.state === b.state &&
    a.ping === b.ping &&
    a.snmp === b.snmp &&
    a.lossPct === b.lossPct &&
    a.link === b.link &&
    a.via === b.via &&
    a.faults.join() === b.faults.join()
  );
}

/** The device's true state over [from, to) wall ms, as maximal intervals of one state each. */
export function stateIntervals(world: World, id: string, from: number, to: number): StateInterval[] {
  const sFrom = world.scenarioAt(from);
  const sTo = world.scenarioAt(to);
  // Wall ms at which the state may change: the scenario's boundaries, and when the network changed.
  const points = new Set([from]);
  for (const d of [id, ...world.ancestors(id)]) {
    for (const o of world.timeline.between(d, sFrom, sTo)) {
      for (const b of boundariesOf(o, sFrom, sTo)) if (b < sTo) points.add(world.wallAt(b));
    }
  }
  for (const at of world.networkChangesOf(id, from, to)) points.add(at);
  const device = world.device(id);
  const intervals: StateInterval[] = [];
  for (const at of [...points].sort((a, b) => a - b)) {
    const state = describe(world.conditionAtWall(id, at), device, world.nft);
    const last = intervals.at(-1);
    if (last && sameState(last, state)) continue;
    if (last) last.to = at;
    intervals.push({ from: at, to, ...state });
  }
  return intervals;
}

function record(world: World, o: Occurrence): FaultRecord {
  return { ...o, from: world.wallAt(o.start), to: o.end === null ? null : world.wallAt(o.end) };
}

export function groundTruth(world: World, scenario: string, from: number, to: number): GroundTruth {
  const sFrom = world.scenarioAt(from);
  const sTo = world.scenarioAt(to);
  const faults: FaultRecord[] = [];
  for (const id of world.timeline.devices()) {
    const occurrences = world.timeline.between(id, sFrom, sTo);
    // A wrap still to come shapes the counters of the current uptime already (see traffic.ts): keep it.
    const epoch = world.epochAt(id, to);
    const pending = epoch.wrap && epoch.wrap.at > sTo ? world.timeline.between(id, epoch.wrap.at, epoch.wrap.at) : [];
    for (const o of [...occurrences, ...pending.filter((o) => o.type === 'wrap')]) faults.push(record(world, o));
  }
  faults.sort((a, b) => a.start - b.start || a.device.localeCompare(b.device));

  const devices = world.devices.map((device): DeviceTruth => {
    const mine = faults.filter((f) => f.device === device.id);
    return {
      device,
      intervals: stateIntervals(world, device.id, from, to),
      reboots: mine.filter((f) => f.type === 'reboot' && f.end! >= sFrom && f.end! <= sTo).map((f) => f.to!),
      wraps: mine.filter((f) => f.type === 'wrap' && f.start <= sTo).map((f) => ({ at: f.from, bits: f.bits ?? 64 })),
    };
  });
  return {
    format: TRUTH_FORMAT,
    scenario,
    from,
    to,
    clock: world.clock,
    utcOffsetMinutes: world.utcOffsetMinutes,
    nft: world.nft,
    network: world.network?.filter((c) => c.at <= to) ?? null,
    devices,
    faults,
  };
}

/** Rebuilds the model of a finished run from its ground truth, to compute counters, clients and states of [from, to]. */
export function worldFromTruth(truth: GroundTruth): World {
  if (truth.format !== TRUTH_FORMAT) throw new Error(`not a Merezha simulation truth (format ${String(truth.format)})`);
  const timeline = new Timeline(truth.clock.scenarioStart, [], null);
  for (const { from: _from, to: _to, ...occurrence } of truth.faults) timeline.add(occurrence);
  return new World({
    clock: truth.clock,
    utcOffsetMinutes: truth.utcOffsetMinutes,
    devices: truth.devices.map((d) => d.device),
    timeline,
    nft: truth.nft,
    // A truth written before the network was recorded has none: its network followed the scenario clock.
    network: truth.network ?? null,
  });
}
