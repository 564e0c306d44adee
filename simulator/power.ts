/**
 * The power behind the simulated hromada, as pure functions of scenario time:
 * the mains of each village and blackout queue, cut by the scenario's
 * `power:` events and `schedule:` slots; the supplies that carry devices
 * through a cut (see `SupplyKind`), each draining its battery at a fixed rate
 * on battery and recharging on mains; and so what each device runs on.
 *
 * A device that no supply feeds goes dark the moment its mains is cut; one
 * that supplies feed stays up while any of them has mains or charge left. A
 * supply's charge depends on every cut since the start, so it is worked out
 * forward once and kept as segments of steady mains (one per change of its
 * mains), which every later question looks up.
 */
import type { OutageCause } from '../common/words/power.ts';
import { hash32, type DeviceModel, type SupplyModel } from './devices.ts';
import { cyclesAround } from './timeline.ts';

/** A cut of the mains as a scenario writes it (`power:`): a village's, or a blackout queue's. */
export interface PowerCutSpec {
  /** Exactly one of `village` and `group`. */
  village?: string;
  group?: string;
  /** Scenario ms after the scenario start. */
  at: number;
  /** Scenario ms; absent: until the end. */
  duration?: number;
  /** A slot of the published blackout schedule (ГПВ), not an emergency cut. */
  scheduled: boolean;
}

export type SlotKind = 'definite' | 'possible';

/** A slot of a blackout schedule given as such (`schedule:`), at absolute scenario ms. */
export interface ScheduleSlotSpec {
  group: string;
  start: number;
  end: number;
  /** definite: the mains is cut; possible: the schedule says it may be, and here it is not. */
  kind: SlotKind;
}

/** One cut of the mains, in absolute scenario ms. */
export interface CutOccurrence {
  village?: string;
  group?: string;
  start: number;
  /** Exclusive; null: it never ends. */
  end: number | null;
  scheduled: boolean;
  /** A `power:` entry (its index) or a `schedule:` slot, or a cut made at run time (index null). */
  source: 'power' | 'schedule' | 'injected';
  index: number | null;
  /** The cycle of a looping timeline (0 otherwise). */
  cycle: number;
}

/** Whose mains: a device's village and its blackout queue. */
export interface MainsScope {
  village: string;
  group: string | null;
}

/** Whether the cut takes the mains of `scope`. */
export function cutsScope(o: CutOccurrence, scope: MainsScope): boolean {
  return o.village !== undefined ? o.village === scope.village : o.group !== undefined && o.group === scope.group;
}

const overlaps = (o: { start: number; end: number | null }, from: number, to: number) => o.start <= to && (o.end === null || o.end >= from);
const acting = (o: CutOccurrence, s: number) => o.start <= s && (o.end === null || s < o.end);

/** How many instants `Mains` keeps the acting cuts of: a truth's boundaries, many times over. */
const MEMO_SIZE = 8192;

export const scopeOf = (d: Pick<DeviceModel, 'village' | 'power'>): MainsScope => ({ village: d.village, group: d.power.group });

/** The cuts of the mains: the scenario's (repeated every cycle of a looping one), its schedule's slots, and those made at run time. */
export class Mains {
  private readonly added: CutOccurrence[] = [];
  /**
   * The cuts acting at each instant asked about: the truth asks it of every
   * device at every boundary, each time for the device and its parents.
   */
  private readonly actingAt = new Map<number, CutOccurrence[]>();

  /** The cuts that happen once, by start: the schedule's slots, and the scenario's when it does not loop. */
  private readonly once: CutOccurrence[];

  constructor(
    readonly origin: number,
    private readonly cuts: readonly PowerCutSpec[],
    private readonly slots: readonly ScheduleSlotSpec[],
    readonly repeat: number | null,
  ) {
    const scripted = repeat === null ? cuts.map((c, index) => this.occurrence(c, index, 0)) : [];
    const scheduled = slots.flatMap((slot, index): CutOccurrence[] =>
      slot.kind === 'definite'
        ? [{ group: slot.group, start: slot.start, end: slot.end, scheduled: true, source: 'schedule', index, cycle: 0 }]
        : [],
    );
    this.once = [...scripted, ...scheduled].sort((a, b) => a.start - b.start);
  }

  private occurrence(c: PowerCutSpec, index: number, cycle: number): CutOccurrence {
    const start = this.origin + cycle * (this.repeat ?? 0) + c.at;
    return {
      ...(c.village !== undefined ? { village: c.village } : { group: c.group! }),
      start,
      end: c.duration === undefined ? null : start + c.duration,
      scheduled: c.scheduled,
      source: 'power',
      index,
      cycle,
    };
  }

  /** Whether anything ever cuts the mains: without, nothing of this model needs asking. */
  get empty(): boolean {
    return this.once.length === 0 && this.cuts.length === 0 && this.added.length === 0;
  }

  /** How far ahead a search must look to be sure to find the next scripted cut. */
  get reach(): number {
    return this.repeat === null ? Infinity : 2 * this.repeat;
  }

  /** Adds a cut made at run time, or one read back from a ground truth file. */
  add(o: CutOccurrence): void {
    this.added.push(o);
    this.changed();
  }

  /** A cut was added or ended early: what was worked out from the cuts no longer holds. */
  changed(): void {
    this.actingAt.clear();
  }

  /** The cuts that overlap [from, to] (both ends included), by start. */
  between(from: number, to: number): CutOccurrence[] {
    const out: CutOccurrence[] = [];
    for (const o of this.once) {
      if (o.start > to) break;
      if (overlaps(o, from, to)) out.push(o);
    }
    if (this.repeat !== null && to >= this.origin) {
      const [first, last] = cyclesAround(this.origin, this.repeat, from, to);
      for (let cycle = first; cycle <= last; cycle++) {
        this.cuts.forEach((c, index) => {
          const o = this.occurrence(c, index, cycle);
          if (overlaps(o, from, to)) out.push(o);
        });
      }
    }
    out.push(...this.added.filter((o) => overlaps(o, from, to)));
    return out.sort((a, b) => a.start - b.start);
  }

  /** The cuts acting on the mains of `scope` at scenario ms `s`. */
  at(scope: MainsScope, s: number): CutOccurrence[] {
    if (this.empty) return [];
    let all = this.actingAt.get(s);
    if (!all) {
      if (this.actingAt.size >= MEMO_SIZE) this.actingAt.clear();
      all = this.between(s, s).filter((o) => acting(o, s));
      this.actingAt.set(s, all);
    }
    return all.filter((o) => cutsScope(o, scope));
  }

  /** The slots a schedule published for (from, to): the scheduled cuts, and the possible slots that cut nothing. */
  published(from: number, to: number): ScheduleSlotSpec[] {
    const definite = this.between(from, to)
      .filter((o) => o.scheduled && o.group !== undefined && o.end !== null && o.end > from && o.start < to)
      .map((o): ScheduleSlotSpec => ({ group: o.group!, start: o.start, end: o.end!, kind: 'definite' }));
    const possible = this.slots.filter((s) => s.kind === 'possible' && s.end > from && s.start < to);
    return [...definite, ...possible].sort((a, b) => a.start - b.start || a.group.localeCompare(b.group));
  }

  /**
   * Scenario ms in (from, to] at which the mains of `scope` comes or goes,
   * given whether it was on at `from` (cuts that overlap, or one that starts
   * as another ends, change nothing).
   */
  transitions(scope: MainsScope, from: number, to: number, onAtFrom: boolean): number[] {
    const mine = this.between(from, to).filter((o) => cutsScope(o, scope));
    const candidates = [...new Set(mine.flatMap((o) => [o.start, o.end ?? Infinity]))]
      .filter((b) => b > from && b <= to)
      .sort((a, b) => a - b);
    const out: number[] = [];
    let on = onAtFrom;
    for (const b of candidates) {
      const now = !mine.some((o) => acting(o, b));
      if (now !== on) out.push(b);
      on = now;
    }
    return out;
  }
}

/** A stretch of a supply's life with its mains steady: on mains it charges, on battery it drains. */
interface Segment {
  start: number;
  mains: boolean;
  /** Charge at `start`, 0 … 1. */
  charge: number;
  /** When it went on battery, while it is on battery. */
  batterySince: number | null;
}

/** What a supply is doing at one instant. */
export interface SupplyState {
  /** Its input has mains. */
  mains: boolean;
  /** 0 … 1. */
  charge: number;
  /** Scenario ms it went on battery, while it is on battery. */
  batterySince: number | null;
  /** It feeds its load: from the mains, or from a battery with charge left. */
  output: boolean;
  /** Scenario ms its charge lasts at its load (on mains: what it would last if the mains went now). */
  left: number;
}

function chargeAt(m: SupplyModel, seg: Segment, s: number): number {
  const dt = Math.max(0, s - seg.start);
  return seg.mains ? Math.min(1, seg.charge + dt / m.recharge) : Math.max(0, seg.charge - dt / m.runtime);
}

/** When a segment on battery runs the battery flat (whole ms, so that the state changes on the scenario clock's grid); null on mains or a generator. */
function runOutOf(m: SupplyModel, seg: Segment): number | null {
  return seg.mains || m.runtime === Infinity ? null : seg.start + Math.ceil(seg.charge * m.runtime);
}

/** One supply's charge over time, worked out forward as far as it has been asked about. */
class SupplyTrack {
  private segments: Segment[];
  /** Changes of the mains are known up to here (scenario ms). */
  private scanned: number;

  constructor(
    readonly model: SupplyModel,
    private readonly mains: Mains,
    private readonly scope: MainsScope,
  ) {
    const s0 = mains.origin;
    const off = mains.at(scope, s0).length > 0;
    this.segments = [{ start: s0, mains: !off, charge: model.charge, batterySince: off ? s0 : null }];
    this.scanned = s0;
  }

  private ensure(s: number): void {
    if (s <= this.scanned) return;
    for (const t of this.mains.transitions(this.scope, this.scanned, s, this.segments.at(-1)!.mains)) {
      const last = this.segments.at(-1)!;
      this.segments.push({ start: t, mains: !last.mains, charge: chargeAt(this.model, last, t), batterySince: last.mains ? t : null });
    }
    this.scanned = s;
  }

  /** The index of the segment `s` falls in (the first one for instants before the start). */
  private indexAt(s: number): number {
    this.ensure(s);
    let lo = 0;
    let hi = this.segments.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.segments[mid]!.start <= s) lo = mid + 1;
      else hi = mid;
    }
    return Math.max(0, lo - 1);
  }

  at(s: number): SupplyState {
    const seg = this.segments[this.indexAt(s)]!;
    const runOut = runOutOf(this.model, seg);
    const charge = runOut !== null && s >= runOut ? 0 : chargeAt(this.model, seg, s);
    return {
      mains: seg.mains,
      charge,
      batterySince: seg.batterySince,
      output: seg.mains || runOut === null || s < runOut,
      left: charge * this.model.runtime,
    };
  }

  /** Scenario ms in (from, to] at which its battery runs flat. */
  runOuts(from: number, to: number): number[] {
    this.ensure(to);
    const out: number[] = [];
    for (let i = this.indexAt(from); i < this.segments.length; i++) {
      const seg = this.segments[i]!;
      if (seg.start > to) break;
      const r = runOutOf(this.model, seg);
      const next = this.segments[i + 1]?.start ?? Infinity;
      if (r !== null && r < next && r > from && r <= to) out.push(r);
    }
    return out;
  }

  /** The next instant after `after` at which its battery runs flat, within the segment `after` is in. */
  nextRunOut(after: number): number | null {
    const i = this.indexAt(after);
    const r = runOutOf(this.model, this.segments[i]!);
    const next = this.segments[i + 1]?.start ?? Infinity;
    return r !== null && r > after && r < next ? r : null;
  }

  /** Forgets what it worked out from `s` on: a cut was made or ended then. */
  forgetFrom(s: number): void {
    this.segments = this.segments.filter((seg, i) => i === 0 || seg.start < s);
    this.scanned = Math.min(this.scanned, s - 1);
  }
}

/** What feeds a device: the mains, a supply's battery, or nothing (it is dark). */
export type Feed = 'mains' | 'battery' | 'none';

/** What a supply's agent reports, in the reading's units (seconds, percent, volts). */
export interface SupplyReading {
  source: 'mains' | 'battery';
  batteryPct: number;
  secondsOnBattery: number;
  secondsLeft: number;
  inputVoltage: number;
  batteryStatus: 'normal' | 'low' | 'depleted';
}

/** A battery at or under this charge is low; on mains under `DEPLETED` it could not carry the load if the mains went. */
const LOW = 0.25;
const DEPLETED = 0.05;

/** The mains as an AC UPS measures it: 230 V, a few volts up or down from minute to minute. */
function acVolts(id: string, s: number): number {
  return 227 + (hash32(`${id}/${Math.floor(s / 60_000)}`) % 7);
}

/** A 24 V DC UPS's output: its charger's float voltage on mains, the battery's falling voltage without. */
const DC_FLOAT_V = 27.2;
const dcBatteryVolts = (charge: number) => Math.round((23 + 1.4 * charge) * 10) / 10;

/** Everything power-related of the world: the mains, the supplies and what each device runs on. */
export class PowerModel {
  private readonly tracks = new Map<string, SupplyTrack>();
  private readonly byId: ReadonlyMap<string, DeviceModel>;
  /** The last window's boundaries: the truth asks for the same window for every device. */
  private lastBoundaries: { from: number; to: number; at: number[] } | undefined;

  constructor(
    readonly mains: Mains,
    devices: readonly DeviceModel[],
  ) {
    this.byId = new Map(devices.map((d) => [d.id, d]));
    for (const d of devices) if (d.power.supply) this.tracks.set(d.id, new SupplyTrack(d.power.supply, mains, scopeOf(d)));
  }

  private device(id: string): DeviceModel {
    const d = this.byId.get(id);
    if (!d) throw new RangeError(`no simulated device "${id}"`);
    return d;
  }

  /** What feeds the device at scenario ms `s`. */
  feed(id: string, s: number): Feed {
    if (this.mains.empty) return 'mains';
    const d = this.device(id);
    if (d.power.fedBy.length === 0) return this.mains.at(scopeOf(d), s).length > 0 ? 'none' : 'mains';
    const states = d.power.fedBy.map((u) => this.supply(u, s)!);
    if (states.some((st) => st.mains)) return 'mains';
    return states.some((st) => st.output) ? 'battery' : 'none';
  }

  /**
   * Why a device without power at `s` is dark: `power` when its supplies ran
   * out or the cut was not scheduled, `scheduled_blackout` when a slot of the
   * schedule took the mains of a device that no supply feeds.
   */
  darkCause(id: string, s: number): Extract<OutageCause, 'power' | 'scheduled_blackout'> {
    const d = this.device(id);
    if (d.power.fedBy.length > 0) return 'power';
    return this.mains.at(scopeOf(d), s).some((o) => o.scheduled) ? 'scheduled_blackout' : 'power';
  }

  hasBackupLink(id: string): boolean {
    return this.device(id).power.backupLink;
  }

  /** The supply's state at `s`; undefined for a device that is not one. */
  supply(id: string, s: number): SupplyState | undefined {
    return this.tracks.get(id)?.at(s);
  }

  /** What the device's agent reports of its supply at `s`; undefined for a device whose agent reports none. */
  reading(id: string, s: number): SupplyReading | undefined {
    const d = this.device(id);
    const st = this.supply(id, s);
    if (!st || d.power.profile === null) return undefined;
    const batteryStatus = st.charge <= 0 || (st.mains && st.charge < DEPLETED) ? 'depleted' : st.charge <= LOW ? 'low' : 'normal';
    const dc = d.power.profile === 'mikrotik';
    return {
      source: st.mains ? 'mains' : 'battery',
      batteryPct: Math.ceil(st.charge * 100),
      secondsOnBattery: st.batterySince === null ? 0 : Math.floor((s - st.batterySince) / 1000),
      secondsLeft: Math.floor(st.left / 1000),
      inputVoltage: dc ? (st.mains ? DC_FLOAT_V : dcBatteryVolts(st.charge)) : st.mains ? acVolts(id, s) : 0,
      batteryStatus,
    };
  }

  /** Scenario ms in (from, to] at which power changes for some device: a cut begins or ends, a battery runs flat. */
  boundaries(from: number, to: number): number[] {
    if (this.mains.empty) return [];
    const last = this.lastBoundaries;
    if (last?.from === from && last.to === to) return last.at;
    const out = new Set<number>();
    for (const o of this.mains.between(from, to)) {
      for (const b of [o.start, o.end]) if (b !== null && b > from && b <= to) out.add(b);
    }
    for (const track of this.tracks.values()) for (const r of track.runOuts(from, to)) out.add(r);
    const at = [...out].sort((a, b) => a - b);
    this.lastBoundaries = { from, to, at };
    return at;
  }

  /** The first instant after `after` at which power changes for some device; null when none is to come. */
  nextBoundary(after: number): number | null {
    if (this.mains.empty) return null;
    let next = Infinity;
    for (const o of this.mains.between(after, after + this.mains.reach)) {
      for (const b of [o.start, o.end]) if (b !== null && b > after && b < next) next = b;
    }
    for (const track of this.tracks.values()) {
      const r = track.nextRunOut(after);
      if (r !== null && r < next) next = r;
    }
    return next === Infinity ? null : next;
  }

  /** Adds a cut made at run time: the charge worked out from its start on no longer holds. */
  add(o: CutOccurrence): void {
    this.mains.add(o);
    this.forgetFrom(o.start);
  }

  /** A cut made at run time was ended at `s`. */
  forgetFrom(s: number): void {
    this.mains.changed();
    this.lastBoundaries = undefined;
    for (const track of this.tracks.values()) track.forgetFrom(s);
  }
}
