/**
 * The scenario clock and the local day it runs in.
 *
 * A scenario may run faster than real time (`speed`): scenario time =
 * start + speed × (wall − wallStart). Daily curves and the fault timeline run
 * on scenario time; uptime and traffic counters run on wall time, because the
 * collector measures real seconds. Both directions of the mapping are exact
 * integer arithmetic on milliseconds (speed is kept in thousandths), so the
 * ground truth and the agents always agree on which scenario millisecond a
 * wall millisecond belongs to.
 */

export interface SimClock {
  /** Wall-clock ms (Date.now()) at which the scenario clock reads `scenarioStart`. */
  wallStart: number;
  /** Scenario clock at `wallStart`, ms since the Unix epoch. */
  scenarioStart: number;
  /** Scenario ms per wall ms, in thousandths (speed 60 → 60000). */
  speedMilli: number;
}

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;
export const MAX_SPEED = 1000;

/** Why `speed` cannot drive a clock, or undefined when it can. */
export function speedProblem(speed: number): string | undefined {
  if (!(speed > 0) || speed > MAX_SPEED) return `must be greater than 0 and at most ${MAX_SPEED}`;
  if (Math.abs(speed * 1000 - Math.round(speed * 1000)) > 1e-6) return 'may have at most 3 decimals';
  return undefined;
}

export function makeClock(wallStart: number, scenarioStart: number, speed: number): SimClock {
  const problem = speedProblem(speed);
  if (problem) throw new RangeError(`speed ${speed} ${problem}`);
  return { wallStart: Math.floor(wallStart), scenarioStart: Math.floor(scenarioStart), speedMilli: Math.round(speed * 1000) };
}

/** The scenario ms at wall ms `wall` (rounded down to a whole scenario ms). */
export function scenarioAt(clock: SimClock, wall: number): number {
  const elapsed = Math.floor(wall) - clock.wallStart;
  // Split into whole seconds and the rest so that no product leaves the exact range of a double.
  const seconds = Math.floor(elapsed / 1000);
  const rest = elapsed - seconds * 1000;
  return clock.scenarioStart + seconds * clock.speedMilli + Math.floor((rest * clock.speedMilli) / 1000);
}

/** The first wall ms whose scenario time is at least `scenario`: where a scenario boundary falls in real time. */
export function wallAt(clock: SimClock, scenario: number): number {
  let wall = clock.wallStart + Math.ceil(((scenario - clock.scenarioStart) * 1000) / clock.speedMilli);
  // The division is inexact in floating point; settle on the exact boundary.
  while (scenarioAt(clock, wall - 1) >= scenario) wall--;
  while (scenarioAt(clock, wall) < scenario) wall++;
  return wall;
}

/**
 * Local time of day for the daily curves. The offset from UTC is fixed at the
 * scenario start, so that every day of a run has the same shape and the
 * traffic integral stays a closed form (a DST change during a run is ignored).
 */
export function utcOffsetMinutes(timeZone: string, at: number): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
    .formatToParts(new Date(at))
    .find((p) => p.type === 'timeZoneName')?.value;
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name ?? '');
  if (!m) return 0; // "GMT" alone: UTC itself
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}
