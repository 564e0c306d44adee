/**
 * One poll of every device (or one), ping and SNMP side by side, as the
 * `merezha poll` command prints it: what the IT specialist runs to check that
 * a new device answers and reads right.
 */
import type { Logger } from '../common/log.ts';
import { mapLimit } from '../common/map-limit.ts';
import type { PowerBrief } from '../common/api.ts';
import { isWifiVendor, type Config } from '../config/schema.ts';
import { pingProbe, type PingResult } from './probes/ping.ts';
import { createPowerRunner, type PowerResult, type PowerTarget } from './probes/power.ts';
import { createSnmpRunner, type SnmpResult } from './probes/snmp.ts';
import { NEVER_ABORTED, type DeviceTarget, type ProbeRunner } from './probes/types.ts';
import { powerProfileOf } from './power/index.ts';
import { powerBrief } from './power/types.ts';
import type { SnmpClientFactory } from './snmp/client.ts';
import { deviceTargets } from './targets.ts';

export interface DeviceReport {
  device: string;
  village: string;
  kind: string;
  host: string;
  /** From ping; from SNMP for a device with `ping: false`. */
  reachable: boolean;
  rtt_ms: number | null;
  loss_pct: number | null;
  ping_error?: string;
  snmp?:
    | {
        ok: true;
        sys_uptime_s: number | null;
        sys_name: string | null;
        sys_descr: string | null;
        interface: string | null;
        if_oper_up: boolean | null;
        speed_mbps: number | null;
        in_bps: number | null;
        out_bps: number | null;
        warnings?: string[];
        interface_error?: string;
      }
    | { ok: false; error: string };
  wifi?: { clients: number | null; radios_up?: number; error?: string };
  /** For a UPS and a router whose supply voltage is read: null figures are unknown, never 0. */
  power?: PowerBrief;
  /** Why the power could not be read, or which of its objects were unusable. */
  power_error?: string;
}

export function deviceReport(
  target: DeviceTarget,
  ping: PingResult | undefined,
  snmp: SnmpResult | undefined,
  power?: PowerResult,
): DeviceReport {
  const d = target.device;
  const report: DeviceReport = {
    device: d.id,
    village: target.village.id,
    kind: d.kind,
    host: d.host,
    reachable: ping ? ping.reachable : !!snmp?.ok,
    rtt_ms: ping?.rtt_avg_ms ?? null,
    loss_pct: ping ? ping.loss_pct : null,
  };
  if (ping?.error) report.ping_error = ping.error;
  if (snmp) {
    if (!snmp.ok) {
      report.snmp = { ok: false, error: snmp.error ?? 'unknown error' };
    } else {
      const i = snmp.interface;
      report.snmp = {
        ok: true,
        sys_uptime_s: snmp.sys_uptime_s ?? null,
        sys_name: snmp.sys_name ?? null,
        sys_descr: snmp.sys_descr ?? null,
        interface: i?.name ?? null,
        if_oper_up: i?.oper_up ?? null,
        speed_mbps: i?.speed_mbps ?? null,
        in_bps: i?.in_bps ?? null,
        out_bps: i?.out_bps ?? null,
        ...(snmp.warnings.length ? { warnings: snmp.warnings } : {}),
        ...(snmp.interface_error ? { interface_error: snmp.interface_error } : {}),
      };
    }
    if (isWifiVendor(d.vendor)) {
      report.wifi = snmp.wifi ? { ...snmp.wifi } : { clients: null, error: snmp.wifi_error ?? snmp.error ?? 'no reading' };
    }
  }
  if (power) {
    report.power = powerBrief(power.power);
    if (power.error) report.power_error = power.error;
    else if (power.warnings.length) report.power_error = power.warnings.join('; ');
  }
  return report;
}

export interface DevicePoller {
  poll(targets: DeviceTarget[]): Promise<DeviceReport[]>;
}

/**
 * A poller that keeps its SNMP state between calls, so a second call gives
 * rates (`merezha poll` without --once repeats it).
 */
export function createDevicePoller(config: Config, log: Logger, clientFactory?: SnmpClientFactory): DevicePoller {
  const ping = pingProbe.create({ config, log });
  const snmp: ProbeRunner<DeviceTarget, SnmpResult> = createSnmpRunner({ config, log, ...(clientFactory ? { clientFactory } : {}) });
  const power: ProbeRunner<PowerTarget, PowerResult> = createPowerRunner({ config, log, ...(clientFactory ? { clientFactory } : {}) });
  return {
    poll: (targets) =>
      mapLimit(targets, config.polling.concurrency, async (t) => {
        const signal = NEVER_ABORTED;
        const profile = powerProfileOf(t.device);
        const [p, s, w] = await Promise.all([
          t.device.ping ? ping.run(t, signal) : undefined,
          t.device.snmp ? snmp.run(t, signal) : undefined,
          profile ? power.run({ ...t, profile }, signal) : undefined,
        ]);
        return deviceReport(t, p, s, w);
      }),
  };
}

/** The devices `merezha poll` looks at: all, or the one named (undefined when there is no such device). */
export function selectDevices(config: Config, deviceId?: string): DeviceTarget[] | undefined {
  const all = deviceTargets(config);
  if (deviceId === undefined) return all;
  const one = all.filter((t) => t.device.id === deviceId);
  return one.length ? one : undefined;
}
