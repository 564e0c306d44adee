/**
 * What the alert planner decides and the channels send: one record per
 * decision (an alert opened, a reminder, a recovery, a silent close, an
 * acknowledgement), kept in the alert log, and one delivery attempt per
 * channel and try.
 */
import type { OutageCause, PowerSource, PowerState } from '../common/words/power.ts';
import type { AlertEvent } from './events.ts';

export type { AlertEvent };

/** A village's power as a power alert (on_battery, battery_low, power_restored) tells it. */
export interface AlertPower {
  state: PowerState;
  /** What feeds the supply that sets the figures (the UPS with the least time left). */
  source: PowerSource;
  /** Its estimate, minutes; absent when it gives none. */
  minutes_left?: number;
  battery_pct?: number;
  /** Inside a blackout slot: when the schedule says mains returns. */
  mains_expected_at?: number;
  /** When the battery runs out at the estimate (the decision's time plus `minutes_left`). */
  runs_out_at?: number;
}

export type AlertAction = 'open' | 'remind' | 'close' | 'ack';

export interface AlertRecord {
  /** Stable for the same decision: derived from action, key, reminder number and channels. */
  id: string;
  /** When the decision was made, ms since the epoch. */
  time: number;
  action: AlertAction;
  /**
   * What people are told happened (for a close: `recovered`, for an ack: the
   * acknowledged episode's event); `test` for `merezha alert test`, which no
   * rule can name and nothing records, so a receiver can tell it from an outage.
   */
  event: AlertEvent | 'test';
  /**
   * The episode the record is about, e.g. `down:makarykha-uplink:1747490400000`
   * (event, subject, start): one outage, one period of degradation, one bout of flapping.
   */
  key: string;
  /** Subject key (device id, `service:<id>`) or `village:<id>`. */
  subject: string;
  /** Channel ids it is sent to; empty when it is only recorded. */
  channels: string[];
  /** Other episodes this alert speaks for (a village offline folded into its only uplink's outage, and back). */
  folds: string[];
  /** Why a record goes to no channel (a close folded into another message, maintenance, flapping...). */
  suppressed?: string;
  /** Who acknowledged (ack records). */
  by?: string;
  /** 0 for the first alert of an episode, 1, 2, ... for reminders. */
  reminder: number;
  village?: { id: string; name: string };
  device?: { id: string; name: string; kind?: string; provider?: string };
  service?: { id: string; name: string };
  /** The subject's state when the record was made. */
  state: string;
  /** When the episode began (for a recovery: when it began, too; `until` is when it ended). */
  since: number;
  until?: number;
  /** Devices cut off behind the subject (ids). */
  unreachable: string[];
  villageOffline: boolean;
  /** Short headline (email subject) and the text, in the hromada's locale. */
  title: string;
  message: string;
  dashboardUrl?: string;
  /** down, village_offline: the cause of the outage as judged when the record was made. */
  cause?: OutageCause;
  /** Power events: the village's power; `device` is the supply that sets it. */
  power?: AlertPower;
}

export interface DeliveryAttempt {
  alertId: string;
  channel: string;
  event: AlertRecord['event'];
  /** 1 for the first try. */
  attempt: number;
  ok: boolean;
  /** Why it failed, with secrets removed. */
  error?: string;
  /** No further attempt follows (delivered, or given up). */
  final: boolean;
  time: number;
  /** From the alert's decision to the end of this attempt. */
  delayMs: number;
}
