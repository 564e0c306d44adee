/**
 * The vocabulary of the state engine: what a device or service can be and
 * what the machine reports (changes, snapshots). What it is fed, samples,
 * comes from the probe kinds (collector/samples.ts).
 *
 * A "subject" is anything with a state: a device (keyed by its id, as the
 * collector keys it) or a service (keyed `service:<id>`).
 */
import { STATES } from '../../common/api.ts';
import type { CauseJudgement } from '../../common/words/cause.ts';
import type { PowerSnapshot } from '../power/types.ts';

// One list of states for the engine, the store and the API that the web reads.
export { STATES };
export type State = (typeof STATES)[number];

/** What a device's own checks say, before parents and maintenance are taken into account. */
export type Health = 'unknown' | 'up' | 'degraded' | 'down';

export type Change =
  | {
      type: 'transition';
      subject: string;
      from: State;
      to: State;
      at: number;
      reason: string;
      /** For `unreachable`: the device whose outage cuts this one off. */
      cause?: string;
    }
  /** `cause`: as judged when it began (provisional), and at its end (final). */
  | { type: 'outage_start'; subject: string; start: number; reason: string; unreachable: string[]; cause?: CauseJudgement }
  | { type: 'outage_end'; subject: string; start: number; end: number; reason: string; unreachable: string[]; cause?: CauseJudgement }
  | { type: 'flapping'; subject: string; at: number; flapping: boolean; transitions: number }
  | { type: 'village'; village: string; at: number; offline: boolean; uplinks: string[] }
  | { type: 'reboot'; subject: string; at: number; previous_uptime_s: number; uptime_s: number };

/** A subject as the alert planner and the dashboard see it. */
export interface SubjectView {
  key: string;
  state: State;
  /** When the current state began, ms since the epoch. */
  since: number;
  /** Why, in words (English, for logs and the event store). */
  reason: string;
  /** For `unreachable`: the device whose outage cuts this one off. */
  cause?: string;
  /**
   * The subject's own outage in progress (also while cut off behind a parent
   * that went down later), with its cause as judged so far.
   */
  outage?: { start: number; reason: string; unreachable: string[]; cause?: CauseJudgement };
  flapping?: { since: number; transitions: number };
  lastReboot?: { at: number; previous_uptime_s: number; uptime_s: number };
  tls?: { daysLeft: number; expiresAt: number; at: number };
}

export interface VillageView {
  id: string;
  offline: boolean;
  /** When it went offline (or back online). */
  since: number;
  /** An uplink of the offline village is in a maintenance window: planned, not alerted. */
  maintenance: boolean;
}

export interface Snapshot {
  at: number;
  subjects: ReadonlyMap<string, SubjectView>;
  villages: ReadonlyMap<string, VillageView>;
  /** The supplies and villages' power, where the config has any supply. */
  power?: PowerSnapshot;
}

/** What the store remembers of a subject, to rebuild the machine after a restart. */
export interface RestoredSubject {
  key: string;
  state: State;
  since: number;
  reason?: string;
  cause?: string;
  outage?: { start: number; reason: string; unreachable: string[] };
  /** Times of the counted transitions within the flapping window. */
  transitions: number[];
  flappingSince?: number;
}
