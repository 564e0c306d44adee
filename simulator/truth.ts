/**
 * The ground truth of a simulation run, as JSON a test or a person can check
 * the monitor against: per device, the intervals of its true state in wall ms,
 * its reboots and counter wraps, and its outages with the scripted cause of
 * each; per village, when it had no uplink and why; the cuts of the mains and
 * what each supply ran on; and enough of the model (devices, clock, fault
 * occurrences, cuts) for `worldFromTruth` to answer the same questions as the
 * live simulation: counter values, clients, power and state at any ms of the run.
 */
import { OUTAGE_CAUSES, type OutageCause } from '../common/words/power.ts';
import type { SimClock } from './clock.ts';
import { MAINS_ONLY, type DeviceModel } from './devices.ts';
import { Mains, type CutOccurrence, type Feed } from './power.ts';
import { describe, type TrueState } from './state.ts';
import { Timeline, type Occurrence } from './timeline.ts';
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

/**
 * A stretch of wall time (from inclusive, to exclusive) in which a device was
 * off the air or cut off, or a village had no uplink, for one scripted cause:
 * `power` (its supply ran out, or a cut that was no scheduled slot took the
 * mains of a device no supply feeds), `scheduled_blackout` (a slot of the
 * schedule did), `provider` (an uplink's own fault), `device` (another
 * device's own fault), `upstream` (a device above it was off the air). A
 * device without power is dark whatever else acts on it; its own fault comes
 * before its parents'. A village's cause is its uplinks' cause, the first in
 * `OUTAGE_CAUSES` order where they differ.
 */
export interface TruthOutage {
  from: number;
  to: number;
  cause: OutageCause;
}

export interface DeviceTruth {
  device: DeviceModel;
  intervals: StateInterval[];
  /** Its intervals off the air or cut off, whatever the network showed of them (without nftables ping still answers). */
  outages: TruthOutage[];
  /** Wall ms at which the device was back from a reboot with sysUpTime 0 and its counters restarted. */
  reboots: number[];
  /** Wall ms at which its interface counters passed 2^bits. */
  wraps: { at: number; bits: 32 | 64 }[];
}

export interface VillageTruth {
  village: string;
  /** When every uplink of the village was off the air or cut off (a village without uplinks has none). */
  outages: TruthOutage[];
}

/** A cut of the mains (scenario-clock `start`/`end`, from which the truth is rebuilt) with its wall-clock span. */
export interface CutRecord extends CutOccurrence {
  from: number;
  to: number | null;
}

export interface SupplyTruth {
  device: string;
  /** What the supply's output ran on: mains, its battery, or nothing once the battery ran flat. */
  intervals: { from: number; to: number; feed: Feed }[];
}

export interface PowerTruth {
  cuts: CutRecord[];
  supplies: SupplyTruth[];
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
  villages: VillageTruth[];
  faults: FaultRecord[];
  power: PowerTruth;
}

function sameState(a: TrueState, b: TrueState): boolean {
  return (
    a.state === b.state &&
    a.ping === b.ping &&
    a.snmp === b.snmp &&
    a.lossPct === b.lossPct &&
    a.link === b.link &&
    a.via === b.via &&
    a.faults.join() === b.faults.join() &&
    a.power === b.power &&
    a.cause === b.cause
  );
}

/** The device's true state over [from, to) wall ms, as maximal intervals of one state each. */
export function stateIntervals(world: World, id: string, from: number, to: number): StateInterval[] {
  const sTo = world.scenarioAt(to);
  // Wall ms at which the state may change: the scenario's boundaries, and when the network changed.
  const points = new Set([from]);
  for (const b of world.changesOf(id, world.scenarioAt(from), sTo)) if (b < sTo) points.add(world.wallAt(b));
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

/** Adjacent stretches with one cause, joined. */
function joined(outages: TruthOutage[]): TruthOutage[] {
  const out: TruthOutage[] = [];
  for (const o of outages) {
    const last = out.at(-1);
    if (last && last.to === o.from && last.cause === o.cause) last.to = o.to;
    else out.push({ ...o });
  }
  return out;
}

function deviceOutages(intervals: readonly StateInterval[]): TruthOutage[] {
  return joined(intervals.flatMap((i) => (i.cause === null ? [] : [{ from: i.from, to: i.to, cause: i.cause }])));
}

const CAUSE_ORDER = new Map(OUTAGE_CAUSES.map((c, i) => [c, i]));

/** When every one of the uplinks was out, with the cause of the first of their causes in `OUTAGE_CAUSES` order. */
function villageOutages(uplinks: readonly (readonly TruthOutage[])[]): TruthOutage[] {
  if (uplinks.length === 0) return [];
  const points = [...new Set(uplinks.flatMap((list) => list.flatMap((o) => [o.from, o.to])))].sort((a, b) => a - b);
  const out: TruthOutage[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const at = points[i]!;
    const causes = uplinks.map((list) => list.find((o) => o.from <= at && at < o.to)?.cause);
    if (causes.some((c) => c === undefined)) continue;
    const cause = (causes as OutageCause[]).sort((a, b) => CAUSE_ORDER.get(a)! - CAUSE_ORDER.get(b)!)[0]!;
    out.push({ from: at, to: points[i + 1]!, cause });
  }
  return joined(out);
}

function record(world: World, o: Occurrence): FaultRecord {
  return { ...o, from: world.wallAt(o.start), to: o.end === null ? null : world.wallAt(o.end) };
}

/** The cuts that overlap [sFrom, sTo], and what each supply ran on over [from, to) wall ms. */
function powerTruth(world: World, from: number, to: number): PowerTruth {
  const sFrom = world.scenarioAt(from);
  const sTo = world.scenarioAt(to);
  const cuts = world.power.mains
    .between(sFrom, sTo)
    .map((o): CutRecord => ({ ...o, from: world.wallAt(o.start), to: o.end === null ? null : world.wallAt(o.end) }));
  const changes = world.power.boundaries(sFrom, sTo).filter((b) => b < sTo);
  const supplies = world.devices
    .filter((d) => d.power.supply !== null)
    .map((d): SupplyTruth => {
      const intervals: SupplyTruth['intervals'] = [];
      for (const s of [sFrom, ...changes]) {
        const st = world.power.supply(d.id, s)!;
        const feed: Feed = st.mains ? 'mains' : st.output ? 'battery' : 'none';
        const at = s === sFrom ? from : world.wallAt(s);
        const last = intervals.at(-1);
        if (last?.feed === feed) continue;
        if (last) last.to = at;
        intervals.push({ from: at, to, feed });
      }
      return { device: d.id, intervals };
    });
  return { cuts, supplies };
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
    const intervals = stateIntervals(world, device.id, from, to);
    return {
      device,
      intervals,
      outages: deviceOutages(intervals),
      reboots: mine.filter((f) => f.type === 'reboot' && f.end! >= sFrom && f.end! <= sTo).map((f) => f.to!),
      wraps: mine.filter((f) => f.type === 'wrap' && f.start <= sTo).map((f) => ({ at: f.from, bits: f.bits ?? 64 })),
    };
  });
  const villages = [...new Set(world.devices.map((d) => d.village))].map((village): VillageTruth => ({
    village,
    outages: villageOutages(devices.filter((d) => d.device.village === village && d.device.kind === 'uplink').map((d) => d.outages)),
  }));
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
    villages,
    faults,
    power: powerTruth(world, from, to),
  };
}

/** Rebuilds the model of a finished run from its ground truth, to compute counters, clients and states of [from, to]. */
export function worldFromTruth(truth: GroundTruth): World {
  if (truth.format !== TRUTH_FORMAT) throw new Error(`not a Merezha simulation truth (format ${String(truth.format)})`);
  const timeline = new Timeline(truth.clock.scenarioStart, [], null);
  for (const { from: _from, to: _to, ...occurrence } of truth.faults) timeline.add(occurrence);
  const mains = new Mains(truth.clock.scenarioStart, [], [], null);
  // A truth written before power was simulated has no cuts, and devices on mains alone.
  for (const { from: _from, to: _to, ...cut } of truth.power?.cuts ?? []) mains.add(cut);
  return new World({
    clock: truth.clock,
    utcOffsetMinutes: truth.utcOffsetMinutes,
    devices: truth.devices.map((d) => ({ ...d.device, power: d.device.power ?? MAINS_ONLY })),
    timeline,
    mains,
    nft: truth.nft,
    // A truth written before the network was recorded has none: its network followed the scenario clock.
    network: truth.network ?? null,
  });
}
