/**
 * A simulated past for the demo hromada: the outages its devices might have
 * had since the start of the year, so that a fresh `npm start` shows a year's
 * uptime and a yearly report with something in it. Written once, through the
 * same points as `merezha import` (a `backfill` span per subject and finished
 * outages), labelled as simulated, and only where Merezha has no data of its
 * own. Pure and seeded: the same range gives the same history.
 */
import type { ImportedOutage } from '../server/backfill/outages-csv.ts';
import type { Inventory } from '../server/inventory.ts';
import type { Interval } from '../server/uptime.ts';

const MIN = 60_000;
const DAY = 1440 * MIN;

/** Outages a subject of each sort has per 30 days, and how long they last (minutes, log-uniform). */
const PROFILE = {
  uplink: { perMonth: 1.5, minutes: [5, 360] },
  institution: { perMonth: 0.6, minutes: [5, 120] },
  wifi: { perMonth: 0.8, minutes: [3, 60] },
  ups: { perMonth: 0.6, minutes: [5, 120] },
  service: { perMonth: 0.2, minutes: [10, 180] },
} as const;

/** mulberry32: small, fast, and the same in every run. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seedOf(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Own outages of every subject over `range`, none overlapping another of the same subject, all inside the range. */
export function demoHistory(inventory: Inventory, range: Interval): ImportedOutage[] {
  const outages: ImportedOutage[] = [];
  for (const key of inventory.order) {
    const info = inventory.subjects.get(key)!;
    const profile = PROFILE[info.type === 'service' ? 'service' : (info.kind ?? 'institution')];
    const next = random(seedOf(`${key}@${range.from}`));
    const expected = (profile.perMonth * (range.to - range.from)) / (30 * DAY);
    const count = Math.floor(expected) + (next() < expected % 1 ? 1 : 0);
    const [shortest, longest] = profile.minutes;
    const starts = Array.from({ length: count }, () => range.from + next() * (range.to - range.from)).sort((a, b) => a - b);
    let free = range.from;
    for (const start of starts) {
      const minutes = shortest * Math.pow(longest / shortest, next());
      const from = Math.max(Math.round(start / MIN) * MIN, free);
      const to = Math.min(from + Math.round(minutes) * MIN, range.to);
      if (to <= from) continue;
      outages.push({ subject: key, from, to, line: 0 });
      // At least an hour of service between two outages of one subject.
      free = to + 60 * MIN;
    }
  }
  return outages.sort((a, b) => a.from - b.from);
}
