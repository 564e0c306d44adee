/**
 * The fault timeline: the scenario's list of faults turned into concrete
 * occurrences on the scenario clock, repeated every `repeat` when the scenario
 * loops, plus faults injected while it runs.
 *
 * A looping timeline is infinite, so occurrences are produced lazily for the
 * window a question is about; a scenario's faults fit in one cycle (the
 * scenario loader checks), so a window needs at most the cycles it touches
 * and the one before.
 */

export const FAULT_TYPES = ['outage', 'flapping', 'loss', 'reboot', 'wrap', 'slow', 'garbage', 'link_down'] as const;
export type FaultType = (typeof FAULT_TYPES)[number];

/** Faults that act on the SNMP agent alone, so they need a device with SNMP. */
export const SNMP_FAULTS: readonly FaultType[] = ['wrap', 'slow', 'garbage', 'link_down'];

/** A fault as a scenario writes it. Times are scenario-clock ms; `delay` is real ms. */
export interface FaultSpec {
  device: string;
  type: FaultType;
  /** Scenario ms after the scenario start. */
  at: number;
  /** Scenario ms. Absent: until the end (for reboot: the time it is down while restarting, default 0). */
  duration?: number;
  /** Flapping: one down-and-up cycle, down for its first half (scenario ms). */
  period?: number;
  /** Loss: share of packets dropped, percent. */
  loss_pct?: number;
  /** Slow: how late the SNMP agent answers, real ms. */
  delay?: number;
  /** Wrap: which counter width passes its maximum (64 also wraps the 32-bit counters). */
  bits?: 32 | 64;
}

/** One concrete occurrence of a fault, in absolute scenario-clock ms. */
export interface Occurrence {
  device: string;
  type: FaultType;
  start: number;
  /** Exclusive; null: it never ends. Equal to `start` for an instant event (wrap, reboot without downtime). */
  end: number | null;
  period?: number;
  /** As in `FaultSpec`. */
  loss_pct?: number;
  delay?: number;
  bits?: 32 | 64;
  /** The scenario fault it comes from (index in `faults`), or null when injected at run time. */
  fault: number | null;
  /** The cycle of a looping timeline (0 without `repeat`). */
  cycle: number;
}

/** Is the occurrence acting at scenario time `s`? A flapping device is only affected in the down half of each period. */
export function isActive(o: Occurrence, s: number): boolean {
  if (s < o.start || (o.end !== null && s >= o.end)) return false;
  if (o.type !== 'flapping' || !o.period) return true;
  return (s - o.start) % o.period < Math.floor(o.period / 2);
}

/** Scenario times in (from, to] at which the occurrence starts, ends or (flapping) changes phase. */
export function boundariesOf(o: Occurrence, from: number, to: number): number[] {
  const out: number[] = [];
  const add = (b: number) => {
    if (b > from && b <= to) out.push(b);
  };
  add(o.start);
  if (o.end !== null) add(o.end);
  if (o.type === 'flapping' && o.period) {
    const last = Math.min(to, o.end ?? to);
    const first = Math.max(0, Math.floor((from - o.start) / o.period));
    for (let i = first; o.start + i * o.period <= last; i++) {
      const down = o.start + i * o.period;
      if (i > 0) add(down);
      if (down + Math.floor(o.period / 2) < (o.end ?? Infinity)) add(down + Math.floor(o.period / 2));
    }
  }
  return out;
}

/** The first scenario time after `after` at which the occurrence starts, ends or changes phase; null when none is left. */
export function nextBoundaryOf(o: Occurrence, after: number): number | null {
  if (after < o.start) return o.start;
  const end = o.end ?? Infinity;
  let next = end > after ? end : Infinity;
  if (o.type === 'flapping' && o.period) {
    const cycleStart = o.start + Math.floor((after - o.start) / o.period) * o.period;
    const upAt = cycleStart + Math.floor(o.period / 2);
    next = Math.min(next, upAt > after ? upAt : cycleStart + o.period);
  }
  return next < end || next === o.end ? next : null;
}

/**
 * The cycles of a timeline whose occurrences may overlap [from, to] (scenario
 * ms): those the window touches and the one before, since an occurrence ends
 * within a cycle of its start. A timeline that plays once has cycle 0 only.
 */
export function cyclesAround(origin: number, repeat: number | null, from: number, to: number): [number, number] {
  if (repeat === null) return [0, 0];
  return [Math.max(0, Math.floor((from - origin) / repeat) - 1), Math.floor((to - origin) / repeat)];
}

function occurs(o: Occurrence, from: number, to: number): boolean {
  return o.start <= to && (o.end === null || o.end >= from);
}

export class Timeline {
  private readonly script = new Map<string, { spec: FaultSpec; index: number }[]>();
  private readonly extra = new Map<string, Occurrence[]>();

  /**
   * @param origin scenario-clock ms of the scenario start (fault `at` counts from here)
   * @param repeat cycle length in scenario ms, or null for a timeline that plays once
   */
  constructor(
    readonly origin: number,
    faults: readonly FaultSpec[],
    readonly repeat: number | null,
  ) {
    faults.forEach((spec, index) => {
      const list = this.script.get(spec.device) ?? [];
      list.push({ spec, index });
      this.script.set(spec.device, list);
    });
  }

  /** Adds an occurrence that is not in the script: injected at run time, or read back from a ground truth file. */
  add(occurrence: Occurrence): void {
    const list = this.extra.get(occurrence.device) ?? [];
    list.push(occurrence);
    this.extra.set(occurrence.device, list);
  }

  /** Devices that have any fault at all, scripted or added. */
  devices(): Set<string> {
    return new Set([...this.script.keys(), ...this.extra.keys()]);
  }

  /** The device's occurrences that overlap [from, to] (both ends included, so instant events at the edges count). */
  between(device: string, from: number, to: number): Occurrence[] {
    const added = (this.extra.get(device) ?? []).filter((o) => occurs(o, from, to));
    return [...this.scripted(device, from, to), ...added].sort((a, b) => a.start - b.start);
  }

  /** How far back or ahead a search must look to be sure to find the nearest occurrence of a scripted fault. */
  get reach(): number {
    return this.repeat === null ? Infinity : 2 * this.repeat;
  }

  /** The occurrence of `type` that ended last at or before `s` (end not null). */
  lastEnded(device: string, type: FaultType, s: number): Occurrence | undefined {
    let best: Occurrence | undefined;
    for (const o of this.near(device, s - this.reach, s)) {
      if (o.type === type && o.end !== null && o.end <= s && (!best || o.end > best.end!)) best = o;
    }
    return best;
  }

  /** The first occurrence of `type` that ends after `s`. */
  firstEndingAfter(device: string, type: FaultType, s: number): Occurrence | undefined {
    let best: Occurrence | undefined;
    for (const o of this.near(device, s, s + this.reach)) {
      if (o.type === type && (o.end === null || o.end > s) && (!best || (o.end ?? Infinity) < (best.end ?? Infinity))) best = o;
    }
    return best;
  }

  /** Scripted occurrences in the window, and every added one: those are not bound to a cycle, so no window is safe for them. */
  private near(device: string, from: number, to: number): Occurrence[] {
    return [...this.scripted(device, from, to), ...(this.extra.get(device) ?? [])];
  }

  private *scripted(device: string, from: number, to: number): Generator<Occurrence> {
    const specs = this.script.get(device);
    if (!specs || to < this.origin) return;
    const [firstCycle, lastCycle] = cyclesAround(this.origin, this.repeat, from, to);
    for (let cycle = firstCycle; cycle <= lastCycle; cycle++) {
      for (const { spec, index } of specs) {
        const o = this.occurrence(spec, index, cycle);
        if (occurs(o, from, to)) yield o;
      }
    }
  }

  private occurrence(spec: FaultSpec, index: number, cycle: number): Occurrence {
    return occurrenceOf(spec, this.origin + cycle * (this.repeat ?? 0) + spec.at, index, cycle);
  }
}

/** The occurrence of `spec` that starts at scenario ms `start` (its `at` already applied). */
export function occurrenceOf(spec: FaultSpec, start: number, fault: number | null, cycle = 0): Occurrence {
  const instant = spec.type === 'wrap' || spec.type === 'reboot';
  const end = spec.duration !== undefined ? start + spec.duration : instant ? start : null;
  const o: Occurrence = { device: spec.device, type: spec.type, start, end, fault, cycle };
  if (spec.period !== undefined) o.period = spec.period;
  if (spec.loss_pct !== undefined) o.loss_pct = spec.loss_pct;
  if (spec.delay !== undefined) o.delay = spec.delay;
  if (spec.type === 'wrap') o.bits = spec.bits ?? 64;
  return o;
}

/**
 * Indexes of wrap faults that would wrap a device's counters a second time in
 * one uptime. A wrap is arranged by where the counters start at boot (so the
 * counters stay continuous and the collector sees a true wrap, not a jump),
 * which allows one wrap per uptime: a device that wraps in every cycle of a
 * looping timeline must also reboot in every cycle, before the wrap.
 */
export function repeatedWraps(faults: readonly FaultSpec[], repeat: number | null): number[] {
  const byDevice = new Map<string, { time: number; wrap: boolean; index: number }[]>();
  faults.forEach((f, index) => {
    if (f.type !== 'wrap' && f.type !== 'reboot') return;
    // A reboot starts a new uptime when the device is back, after its downtime.
    const time = f.type === 'reboot' ? f.at + (f.duration ?? 0) : f.at;
    byDevice.set(f.device, [...(byDevice.get(f.device) ?? []), { time, wrap: f.type === 'wrap', index }]);
  });
  const offending = new Set<number>();
  for (const events of byDevice.values()) {
    // Reboots before wraps at the same time: the wrap then belongs to the new uptime.
    const cycle = events.sort((a, b) => a.time - b.time || Number(a.wrap) - Number(b.wrap));
    // A loop is checked over two cycles, so a wrap late in one cycle meets the wrap of the next.
    const sequence = repeat === null ? cycle : [...cycle, ...cycle];
    let wrapped = false;
    for (const e of sequence) {
      if (!e.wrap) wrapped = false;
      else if (wrapped) offending.add(e.index);
      else wrapped = true;
    }
  }
  return [...offending].sort((a, b) => a - b);
}
