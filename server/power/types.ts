/**
 * The power seam of the server: what the power tracker (`state.ts`) knows of
 * the supplies behind the network, as the alert planner, the cause of an
 * outage (`cause.ts`), the dashboard and the Invincibility Points view read
 * it. A "supply" is what reports power: a UPS (kind ups) or a device whose
 * own supply voltage is read (`power_voltage:`).
 */
import type { OutageCause, PowerGroup, PowerSource, PowerState } from '../../common/words/power.ts';

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

/** The power part of a state snapshot, for the alert planner. */
export interface PowerSnapshot {
  supplies: ReadonlyMap<string, SupplyView>;
  villages: ReadonlyMap<string, VillagePowerView>;
}

/**
 * Why an outage is judged as it is: the facts behind `cause`, kept as data
 * (stored as JSON in the outage point's `cause_evidence`) and put into words
 * in the reader's language when shown.
 */
export interface CauseEvidence {
  /** The supply whose reading decided (power), or that vouched for mains (provider, device). */
  supply?: string;
  /** When that supply went on battery / ran out or fell silent. */
  on_battery_at?: number;
  lost_at?: number;
  /** The blackout slot the outage began in (scheduled_blackout). */
  slot?: { group: PowerGroup; start: number; end: number };
  /** The parent whose outage cut this one off (upstream). */
  parent?: string;
  /** The maintenance window (maintenance). */
  window?: string;
}

export interface CauseJudgement {
  cause: OutageCause;
  evidence: CauseEvidence;
}
