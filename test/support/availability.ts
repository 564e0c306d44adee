/**
 * Availability arithmetic over probe samples: outages and uptime.
 *
 * Each sample stands for the time from its own timestamp to the next sample,
 * but never for more than `maxGapMs`: beyond that the collector or the store
 * was not looking, and that time is "no data", counted neither as up nor as
 * down. The accuracy test's ground truth, from the points the collector
 * stored; the product counts uptime from recorded outages (`server/uptime.ts`).
 */

export interface Sample {
  time: number;
  up: boolean;
}

export interface Outage {
  /** Time of the first sample that saw the device down. */
  start: number;
  /** Time of the first sample that saw it up again; null while still down. */
  end: number | null;
}

export interface Availability {
  upMs: number;
  downMs: number;
  /** upMs + downMs: the part of the window that was actually observed. */
  monitoredMs: number;
  /** upMs / monitoredMs × 100; null when nothing was observed. */
  uptimePct: number | null;
}

function sorted(samples: readonly Sample[]): Sample[] {
  return [...samples].sort((a, b) => a.time - b.time);
}

export function outagesFromSamples(samples: readonly Sample[]): Outage[] {
  const outages: Outage[] = [];
  let open: Outage | null = null;
  for (const s of sorted(samples)) {
    if (!s.up && open === null) {
      open = { start: s.time, end: null };
      outages.push(open);
    } else if (s.up && open !== null) {
      open.end = s.time;
      open = null;
    }
  }
  return outages;
}

export function availability(samples: readonly Sample[], window: { from: number; to: number }, maxGapMs: number): Availability {
  let upMs = 0;
  let downMs = 0;
  const list = sorted(samples);
  list.forEach((s, i) => {
    const next = list[i + 1]?.time ?? Infinity;
    const from = Math.max(s.time, window.from);
    const to = Math.min(next, s.time + maxGapMs, window.to);
    if (to <= from) return;
    if (s.up) upMs += to - from;
    else downMs += to - from;
  });
  const monitoredMs = upMs + downMs;
  return { upMs, downMs, monitoredMs, uptimePct: monitoredMs > 0 ? (upMs / monitoredMs) * 100 : null };
}
