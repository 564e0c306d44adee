/**
 * What a poll says, typed, for whoever listens to the collector (the state
 * engine, the live dashboard). Each probe kind turns its own result into these
 * (`ProbeKind.observe`), so listeners never need to know which kind polled:
 * a new kind reaches them through the registry alone, and a new sample type
 * fails to compile in the state machine until it is handled there.
 *
 * A "subject" is anything with a state: a device (keyed by its id) or a
 * service (keyed `service:<id>`, common/subjects.ts).
 */
import type { LastValues, PowerReading } from '../common/api.ts';

export interface PingSample {
  source: 'ping';
  subject: string;
  at: number;
  reachable: boolean;
  loss_pct: number;
  rtt_avg_ms: number | null;
  error?: string;
}

export interface SnmpSample {
  source: 'snmp';
  subject: string;
  at: number;
  ok: boolean;
  error?: string;
  /** ifOperStatus of the configured interface; null or absent when unknown. */
  oper_up?: boolean | null;
  interface?: string;
  reboot?: { previous_uptime_s: number; uptime_s: number };
}

export interface ServiceSample {
  source: 'service';
  subject: string;
  at: number;
  up: boolean;
  error?: string;
  tls_days_left?: number;
}

/**
 * One poll of a device's power (a UPS, or a router's supply voltage). It does
 * not decide reachability: the device's ping or SNMP does. The power state of
 * devices and villages is built from it by the power tracker (server/power/state.ts).
 */
export interface PowerSample {
  source: 'power';
  subject: string;
  at: number;
  /** The agent answered; false leaves the power unknown. */
  ok: boolean;
  error?: string;
  power: PowerReading;
}

/**
 * One reading that bears on a subject's state. `source` is the type of
 * sample, not the probe kind: the http and tcp kinds both yield `service`.
 */
export type Sample = PingSample | SnmpSample | ServiceSample | PowerSample;

export type SampleSource = Sample['source'];

/** A poll's part of a device's latest readings: what it measured, and null for what it failed to. */
export type LatestPatch = Partial<Omit<LastValues, 'at'>>;

/** Why the collector could not measure a poll: it was itself too busy or could not send, not the target down. */
export type NotMeasuredReason = 'lane_full' | 'lag' | 'receive_drops' | 'send_failed' | 'loop_lag';

/** What one result of a probe kind says, as the kind itself reads it. */
export interface Observed<S extends Sample = Sample> {
  /**
   * Set, with neither sample nor latest, when the poll was not measured: no
   * data, so no state transition, no outage and no recovery come of it.
   */
  notMeasured?: NotMeasuredReason;
  /** For the state machine; absent for a kind that does not bear on state. */
  sample?: S;
  /** For the live view of a device; absent for a kind that measures none of it (services). */
  latest?: LatestPatch;
}

/** One poll as the collector hands it to its listeners. */
export interface Observation extends Observed {
  /** The probe kind that polled, as a label for metrics: nothing branches on it. */
  kind: string;
  subject: string;
  /** When the poll started, ms since the epoch; its points carry this time. */
  time: number;
}
