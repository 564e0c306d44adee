/** Samples as the power probe and ping hand them on, for tests that drive the power tracker or the monitor without agents. */
import type { PingSample, PowerSample } from '../../collector/samples.ts';
import type { PowerReading } from '../../common/api.ts';
import type { Observation } from '../../collector/samples.ts';
import { UNKNOWN_POWER } from '../../collector/power/types.ts';

const MAINS: PowerReading = {
  source: 'mains',
  on_battery: false,
  seconds_on_battery: 0,
  battery_pct: 100,
  minutes_left: 60,
  input_voltage: 230,
  battery_status: 'normal',
};

/** A UPS reading mains. */
export const mains = (more: Partial<PowerReading> = {}): PowerReading => ({ ...MAINS, ...more });

/** A UPS on battery for `seconds` with `minutes` left. */
export const battery = (seconds: number | null, minutes: number | null, more: Partial<PowerReading> = {}): PowerReading => ({
  source: 'battery',
  on_battery: true,
  seconds_on_battery: seconds,
  battery_pct: 50,
  minutes_left: minutes,
  input_voltage: 0,
  battery_status: 'normal',
  ...more,
});

/** One power poll; `null` for one the agent did not answer. */
export function powerSample(subject: string, at: number, power: PowerReading | null): PowerSample {
  return power === null
    ? { source: 'power', subject, at, ok: false, error: 'timeout', power: UNKNOWN_POWER }
    : { source: 'power', subject, at, ok: true, power };
}

export function pingSample(subject: string, at: number, reachable: boolean): PingSample {
  return reachable
    ? { source: 'ping', subject, at, reachable, loss_pct: 0, rtt_avg_ms: 1 }
    : { source: 'ping', subject, at, reachable, loss_pct: 100, rtt_avg_ms: null, error: 'timeout' };
}

/** A sample as the collector hands it to `monitor.onObservation`. */
export const observation = (sample: PingSample | PowerSample): Observation => ({
  kind: sample.source,
  subject: sample.subject,
  time: sample.at,
  sample,
});
