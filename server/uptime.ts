/**
 * Uptime from outages and monitored time: the arithmetic behind every uptime
 * figure of the dashboard, the public page and the yearly report. Pure.
 *
 * A subject is down while it has an outage of its own or one of the devices
 * it hangs behind has one (cut off is not working, as far as anyone using it
 * can tell). Time without data is "no data", neither up nor down: downtime is
 * only the part of those down intervals that was monitored (`observedDown`),
 * at the grain of monitored time (5-minute buckets, imported spans to the
 * millisecond). An outage that stays open across a gap in the data (Merezha
 * stopped meanwhile) counts only where there was data; it still counts once.
 */

export interface Interval {
  from: number;
  /** Exclusive. */
  to: number;
}

/** Sorted, non-overlapping, adjacent intervals joined. */
export function union(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals.filter((i) => i.to > i.from).sort((a, b) => a.from - b.from);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i.from <= last.to) last.to = Math.max(last.to, i.to);
    else out.push({ ...i });
  }
  return out;
}

/** Where every list has an interval at once: a village is down only while all its uplinks are. */
export function intersection(lists: readonly (readonly Interval[])[]): Interval[] {
  if (lists.length === 0) return [];
  let acc = union(lists[0]!);
  for (const list of lists.slice(1)) {
    const other = union(list);
    const next: Interval[] = [];
    let i = 0;
    let j = 0;
    while (i < acc.length && j < other.length) {
      const a = acc[i]!;
      const b = other[j]!;
      const from = Math.max(a.from, b.from);
      const to = Math.min(a.to, b.to);
      if (to > from) next.push({ from, to });
      if (a.to < b.to) i++;
      else j++;
    }
    acc = next;
  }
  return acc;
}

/** What of `a` is outside every interval of `b`. */
export function difference(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const cut = union(b);
  const out: Interval[] = [];
  let j = 0;
  for (const i of union(a)) {
    let from = i.from;
    while (j < cut.length && cut[j]!.to <= from) j++;
    for (let k = j; k < cut.length && cut[k]!.from < i.to; k++) {
      if (cut[k]!.from > from) out.push({ from, to: cut[k]!.from });
      from = Math.max(from, cut[k]!.to);
    }
    if (from < i.to) out.push({ from, to: i.to });
  }
  return out;
}

/**
 * Labelled intervals made disjoint: where labels overlap, the one earlier in
 * `priority` keeps the time, so that every moment counts once, under one
 * label. Every label of `priority` is in the answer (empty when unused).
 */
export function byPriority<L extends string>(labelled: readonly (Interval & { label: L })[], priority: readonly L[]): Map<L, Interval[]> {
  const out = new Map<L, Interval[]>();
  let claimed: Interval[] = [];
  for (const label of priority) {
    const mine = union(labelled.filter((i) => i.label === label));
    out.set(label, difference(mine, claimed));
    if (mine.length) claimed = union([...claimed, ...mine]);
  }
  return out;
}

/** Total length of `intervals` (non-overlapping) inside `window`. */
export function overlapMs(intervals: readonly Interval[], window: Interval): number {
  let total = 0;
  for (const i of intervals) total += Math.max(0, Math.min(i.to, window.to) - Math.max(i.from, window.from));
  return total;
}

/** Up share of the monitored time, in percent; null when nothing was monitored. */
export function uptimePct(monitoredMs: number, downMs: number): number | null {
  if (monitoredMs <= 0) return null;
  return (Math.max(0, monitoredMs - Math.min(downMs, monitoredMs)) / monitoredMs) * 100;
}

/** Sums subjects' monitored and down time before dividing, so a briefly monitored subject weighs little. */
export function pooledUptimePct(parts: readonly { monitoredMs: number; downMs: number }[]): number | null {
  let monitored = 0;
  let down = 0;
  for (const p of parts) {
    monitored += p.monitoredMs;
    down += Math.min(p.downMs, p.monitoredMs);
  }
  return uptimePct(monitored, down);
}

/** Down intervals per subject: its own outages and its ancestors', parents first in `order`. */
export function downIntervals(
  order: readonly string[],
  parentOf: (key: string) => string | undefined,
  outages: ReadonlyMap<string, readonly Interval[]>,
): Map<string, Interval[]> {
  const down = new Map<string, Interval[]>();
  for (const key of order) {
    const parent = parentOf(key);
    const own = outages.get(key) ?? [];
    down.set(key, union(parent ? [...own, ...(down.get(parent) ?? [])] : own));
  }
  return down;
}

/**
 * The observed part of down intervals: where the subject was also monitored
 * (`watched`: its measured buckets and imported spans, at least wherever it
 * was down). A parent's outage over the child's gap is no downtime of the child.
 */
export function observedDown(down: readonly Interval[], watched: readonly Interval[]): Interval[] {
  return intersection([down, watched]);
}

/**
 * A village's observed offline time: while every uplink is down and at least
 * one uplink was monitored. This matches the village's monitored time (it is
 * watched while any uplink is): an uplink without data that has an outage
 * recorded over the time still counts as down, as long as another uplink is
 * seen down; with no uplink monitored, the time is no data.
 */
export function observedOffline(uplinks: readonly { down: readonly Interval[]; watched: readonly Interval[] }[]): Interval[] {
  if (uplinks.length === 0) return [];
  return intersection([intersection(uplinks.map((u) => u.down)), union(uplinks.flatMap((u) => u.watched))]);
}

/** The observed length inside each of `spans` (e.g. each recorded outage), in order. */
export function observedLengths(spans: readonly Interval[], observed: readonly Interval[]): number[] {
  const sorted = union(observed);
  return spans.map((s) => overlapMs(sorted, s));
}
