/**
 * Uptime from outages and monitored time: the arithmetic behind every uptime
 * figure of the dashboard, the public page and the yearly report. Pure.
 *
 * A subject's downtime is the union of its own outages and those of the
 * devices it hangs behind (cut off is not working, as far as anyone using it
 * can tell). Downtime never exceeds the time that was actually monitored:
 * gaps in the data are "no data", neither up nor down.
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
