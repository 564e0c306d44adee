/**
 * Power probe: where each UPS's power comes from, its battery and the mains
 * (kind ups, through its vendor's profile), and the supply voltage of routers
 * on a DC UPS (`power_voltage:`), one GET per poll through the power profiles
 * (collector/power/).
 *
 * It does not decide reachability (the device's ping or SNMP does), so its
 * samples feed the power state only. A missing object is unknown, never zero;
 * a malformed varbind is logged with the device id and read as unknown; an
 * agent that does not answer leaves the whole reading unknown. It never throws.
 * Like the SNMP probe it keeps each device's client across polls, and a
 * timeout the collector was too far behind to time is not measured.
 */
import type { PowerReading } from '../../common/api.ts';
import type { Config, DeviceConfig } from '../../config/schema.ts';
import type { Logger } from '../../common/log.ts';
import type { Point } from '../../storage/point.ts';
import { powerProfileOf } from '../power/index.ts';
import { readPower, UNKNOWN_POWER, type PowerProfile } from '../power/types.ts';
import type { NotMeasuredReason, Observed, PowerSample } from '../samples.ts';
import { describeSnmpError, netSnmpClientFactory, SnmpError, type SnmpClientFactory } from '../snmp/client.ts';
import { DeviceClients, type ClosableRunner } from '../snmp/device-clients.ts';
import { deviceTargets } from '../targets.ts';
import type { DeviceTarget, ProbeKind } from './types.ts';

export interface PowerTarget extends DeviceTarget {
  profile: PowerProfile;
}

export interface PowerResult {
  /** The agent answered the GET. */
  ok: boolean;
  error?: string;
  response_ms: number;
  power: PowerReading;
  /** Varbinds it could not use, in words. */
  warnings: string[];
  /** The collector could not time the poll (its event loop was far behind): the power is not unknown, just not read. */
  not_measured?: NotMeasuredReason;
}

export function powerTargets(config: Config): PowerTarget[] {
  return deviceTargets(config).flatMap((t) => {
    const profile = powerProfileOf(t.device);
    return profile ? [{ ...t, profile }] : [];
  });
}

export interface PowerRunnerOptions {
  config: Config;
  log: Logger;
  clientFactory?: SnmpClientFactory;
}

export function createPowerRunner({
  config,
  log,
  clientFactory = netSnmpClientFactory,
}: PowerRunnerOptions): ClosableRunner<PowerTarget, PowerResult> {
  const clients = new DeviceClients(config, clientFactory);
  return {
    async run(target, signal) {
      const started = performance.now();
      const device: DeviceConfig = target.device;
      const timeoutMs = config.polling.power.timeout;
      const client = clients.of(target.key, device, timeoutMs);
      const cancel = clients.closeOnAbort(target.key, client, signal);
      let result: Omit<PowerResult, 'response_ms'>;
      try {
        const { reading, warnings } = await readPower(client, target.profile, config.power.on_battery_below_v);
        result = { ok: true, power: reading, warnings };
      } catch (err) {
        const e = signal.aborted ? new SnmpError('aborted', 'transport') : describeSnmpError(err, timeoutMs);
        if (e.kind === 'malformed') log.warn({ device: device.id, err: e.message }, 'malformed SNMP reply to the power probe');
        if (e.kind === 'loop_lag') log.warn({ device: device.id, reason: 'loop_lag', err: e.message }, 'power poll not measured');
        result = {
          ok: false,
          error: e.message,
          power: UNKNOWN_POWER,
          warnings: [],
          ...(e.kind === 'loop_lag' ? { not_measured: 'loop_lag' } : {}),
        };
      } finally {
        cancel();
      }
      if (result.warnings.length) log.warn({ device: device.id, warnings: result.warnings }, 'power reply had unusable varbinds');
      return { ...result, response_ms: Math.round((performance.now() - started) * 10) / 10 };
    },
    points: powerPoints,
    forget: (key) => clients.forget(key),
    close: () => clients.close(),
  };
}

/** Numeric fields of the `power` point, written only when known. */
const NUMBERS = ['seconds_on_battery', 'battery_pct', 'minutes_left', 'input_voltage'] as const;

export function powerPoints(target: PowerTarget, r: PowerResult, time: number): Point[] {
  if (r.not_measured) return [];
  const p = r.power;
  const fields: Record<string, number | string> = { ok: r.ok ? 1 : 0, source: p.source, battery_status: p.battery_status };
  if (p.on_battery !== null) fields.on_battery = p.on_battery ? 1 : 0;
  for (const key of NUMBERS) {
    const v = p[key];
    if (v !== null) fields[key] = v;
  }
  return [{ measurement: 'power', tags: { ...target.tags, vendor: target.profile.id }, fields, time }];
}

function powerObservation(target: PowerTarget, r: PowerResult, time: number): Observed<PowerSample> {
  if (r.not_measured) return { notMeasured: r.not_measured };
  return {
    sample: { source: 'power', subject: target.key, at: time, ok: r.ok, ...(r.error ? { error: r.error } : {}), power: r.power },
    // A poll without an answer makes the power unknown, not "mains as before".
    latest: { power: r.ok ? r.power : null },
  };
}

export const powerProbe: ProbeKind<PowerTarget, PowerResult, PowerSample> = {
  kind: 'power',
  yields: 'power',
  targets: powerTargets,
  intervalMs: (config) => config.polling.power.interval,
  create: (deps) => createPowerRunner(deps),
  observe: powerObservation,
};
