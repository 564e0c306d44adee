/**
 * Daily curves: how busy a place is at each minute of the local day, as a
 * share of its peak in permille.
 *
 * A curve is constant within each minute (linear between the hourly points
 * below, rounded per minute), so a traffic counter driven by it is piecewise
 * linear and its integral has a closed form, and a client count read at any
 * time is exactly predictable.
 */
import { DAY_MS, MINUTE_MS } from './clock.ts';

export const PLACES = ['residential', 'park', 'square', 'school', 'library', 'office', 'culture'] as const;
export type Place = (typeof PLACES)[number];

/** Permille of the peak at each full hour 00:00 … 23:00. Nights never reach zero: some traffic always flows. */
const HOURLY: Record<Place, readonly number[]> = {
  // Homes behind a provider uplink: quiet at night, streaming in the evening.
  residential: [350, 220, 140, 100, 80, 80, 120, 250, 350, 400, 420, 450, 480, 470, 460, 480, 550, 680, 820, 930, 1000, 980, 800, 560],
  // Parks and squares fill up after work and school.
  park: [60, 30, 20, 10, 10, 10, 30, 80, 150, 220, 300, 380, 450, 480, 500, 550, 650, 800, 950, 1000, 900, 650, 350, 150],
  square: [80, 40, 20, 10, 10, 20, 60, 150, 250, 320, 380, 450, 550, 520, 500, 550, 650, 780, 900, 1000, 950, 700, 400, 200],
  // Lessons from 8 to early afternoon.
  school: [10, 10, 10, 10, 10, 10, 20, 300, 850, 1000, 1000, 950, 900, 850, 700, 450, 250, 120, 60, 40, 30, 20, 10, 10],
  library: [10, 10, 10, 10, 10, 10, 10, 30, 150, 500, 800, 850, 700, 800, 900, 850, 700, 400, 100, 30, 20, 10, 10, 10],
  // Council, ЦНАП, clinic: office hours with a lunch dip.
  office: [10, 10, 10, 10, 10, 10, 20, 150, 700, 950, 1000, 950, 700, 900, 950, 900, 600, 200, 60, 30, 20, 10, 10, 10],
  // Houses of culture and clubs: evening events.
  culture: [20, 10, 10, 10, 10, 10, 10, 20, 50, 100, 150, 200, 250, 250, 300, 400, 550, 750, 950, 1000, 850, 500, 200, 60],
};

const MINUTES_PER_DAY = DAY_MS / MINUTE_MS;

export interface DailyCurve {
  readonly place: Place;
  /** Permille of the peak in each minute of the day (1440 integers). */
  readonly perMinute: readonly number[];
  /** prefix[k] = ∫ of the curve over minutes 0 … k−1, in permille·ms. */
  readonly prefix: readonly number[];
}

function buildCurve(place: Place): DailyCurve {
  const hours = HOURLY[place];
  const perMinute = Array.from({ length: MINUTES_PER_DAY }, (_, k) => {
    const h = Math.floor(k / 60);
    const from = hours[h]!;
    const to = hours[(h + 1) % 24]!;
    return Math.round(from + ((to - from) * (k % 60)) / 60);
  });
  const prefix = [0];
  for (const v of perMinute) prefix.push(prefix.at(-1)! + v * MINUTE_MS);
  return { place, perMinute, prefix };
}

export const CURVES: Record<Place, DailyCurve> = Object.fromEntries(PLACES.map((p) => [p, buildCurve(p)])) as Record<Place, DailyCurve>;

/** The curve's value (permille) at local time `localMs` (ms since the epoch, shifted by the UTC offset). */
export function curveAt(curve: DailyCurve, localMs: number): number {
  const minute = Math.floor(localMs / MINUTE_MS);
  return curve.perMinute[minute - Math.floor(minute / MINUTES_PER_DAY) * MINUTES_PER_DAY]!;
}

/**
 * ∫ of the curve from the epoch to `localMs`, in permille·ms: whole days, then
 * whole minutes, then the part of the current minute. An integer below 2^53
 * for any date this side of the year 2200, so differences are exact.
 */
export function curveIntegral(curve: DailyCurve, localMs: number): number {
  const t = Math.floor(localMs);
  const day = Math.floor(t / DAY_MS);
  const inDay = t - day * DAY_MS;
  const minute = Math.floor(inDay / MINUTE_MS);
  return day * curve.prefix[MINUTES_PER_DAY]! + curve.prefix[minute]! + (inDay - minute * MINUTE_MS) * curve.perMinute[minute]!;
}
