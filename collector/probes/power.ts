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
 */
import type { PowerReading } from '../../common/api.ts';
import type { Config, DeviceConfig } from '../../config/schema.ts';
import type { Logger } from '../../common/log.ts';
import type { Point } from '../../storage/point.ts';
import { powerProfileOf } from '../power/index.ts';
import { readPower, UNKNOWN_POWER, type PowerProfile } from '../power/types.ts';
import type { Observed, PowerSample } from '../samples.ts';
import { describeSnmpError, netSnmpClientFactory, SnmpError, type SnmpClientFactory } from '../snmp/client.ts';
import { deviceTargets } from '../targets.ts';
import type { DeviceTarget, ProbeKind, ProbeRunner } from './types.ts';

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
}: PowerRunnerOptions): ProbeRunner<PowerTarget, PowerResult> {
  return {
    async run(target, signal) {
      const started = performance.now();
      const device: DeviceConfig = target.device;
      const timeoutMs = config.polling.power.timeout;
      const client = clientFactory({
        host: device.host,
        port: device.snmp!.port,
        credential: config.snmp_credentials[device.snmp!.credential]!,
        timeoutMs,
        retries: config.polling.snmp.retries,
      });
      const abort = () => client.close();
      signal.addEventListener('abort', abort, { once: true });
      let result: Omit<PowerResult, 'response_ms'>;
      try {
        const { reading, warnings } = await readPower(client, target.profile, config.power.on_battery_below_v);
        result = { ok: true, power: reading, warnings };
      } catch (err) {
        const e = signal.aborted ? new SnmpError('aborted', 'transport') : describeSnmpError(err, timeoutMs);
        if (e.kind === 'malformed') log.warn({ device: device.id, err: e.message }, 'malformed SNMP reply to the power probe');
        result = { ok: false, error: e.message, power: UNKNOWN_POWER, warnings: [] };
      } finally {
        signal.removeEventListener('abort', abort);
        client.close();
      }
      if (result.warnings.length) log.warn({ device: device.id, warnings: result.warnings }, 'power reply had unusable varbinds');
      return { ...result, response_ms: Math.round((performance.now() - started) * 10) / 10 };
    },
    points: powerPoints,
  };
}

/** Numeric fields of the `power` point, written only when known. */
const NUMBERS = ['seconds_on_battery', 'battery_pct', 'minutes_left', 'input_voltage'] as const;

export function powerPoints(target: PowerTarget, r: PowerResult, time: number): Point[] {
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
