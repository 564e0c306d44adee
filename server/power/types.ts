/**
 * The power seam of the server: what the power tracker (`state.ts`) knows of
 * the supplies behind the network, as the alert planner, the cause of an
 * outage (`cause.ts`), the dashboard and the Invincibility Points view read
 * it. A "supply" is what reports power: a UPS (kind ups) or a device whose
 * own supply voltage is read (`power_voltage:`).
 */
import type { PowerGroup, PowerSource, PowerState } from '../../common/words/power.ts';
import type { BlackoutSchedule } from './schedule.ts';

export type { CauseEvidence, CauseJudgement } from '../../common/words/cause.ts';

/** One supply now. */
export interface SupplyView {
  /** The device id of the UPS or of the router whose voltage is read. */
  device: string;
  village: string;
  state: PowerState;
  /** When the current state began (on battery: when it went on battery). */
  since: number;
  source: PowerSource;
  /** The supply's own estimate; absent when it gave none. */
  minutes_left?: number;
  battery_pct?: number;
  input_voltage?: number;
  /** Device ids it feeds (`powers:`, or every other device of its village). */
  feeds: readonly string[];
  /** When it was last read (answered or not). */
  at: number;
}

/** A village now: the worst of its supplies (lost > battery > mains > unknown), with the least time left. */
export interface VillagePowerView {
  village: string;
  state: PowerState;
  since: number;
  /** The smallest estimate among its supplies on battery. */
  minutes_left?: number;
  /** The supply that sets `state` (the one with the least left when several are on battery). */
  supply?: string;
  /** Its blackout queue, when the config gives one. */
  group?: PowerGroup;
  /** Inside a slot of its queue's schedule now: when the schedule says mains returns. */
  mains_expected_at?: number;
}

/**
 * One stretch a supply ran without mains: from going on battery to mains
 * back (`end`), with `lost` when it ran out or fell silent first.
 */
export interface PowerEpisode {
  supply: string;
  village: string;
  start: number;
  end?: number;
  lost?: number;
  /** The lowest estimate seen during it, minutes. */
  min_minutes_left?: number;
}

/** Readings of mains, joined while consecutive: [from, to] are the first and last reading's times. */
export interface MainsSpan {
  from: number;
  to: number;
}

/** What the cause of an outage needs of one supply. */
export interface SupplyHistory {
  device: string;
  /** Its episodes on battery within the tracker's memory, oldest first (the last one may be open). */
  episodes: readonly PowerEpisode[];
  /** When it read mains. */
  mains: readonly MainsSpan[];
  /** When its own outages began (it fell, as the state engine saw it). */
  fell: readonly number[];
}

/** The power part of a state snapshot, for the alert planner. */
export interface PowerSnapshot {
  supplies: ReadonlyMap<string, SupplyView>;
  villages: ReadonlyMap<string, VillagePowerView>;
}

/** Where the current blackout schedule comes from (imported, or fetched from `power.schedule_url`); undefined before there is one. */
export type ScheduleSource = () => BlackoutSchedule | undefined;
