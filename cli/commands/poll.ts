/**
 * `merezha poll [--config FILE] [--device ID] [--once] [--json]`: polls devices
 * now and prints what they answered. Without --once it repeats every ping
 * interval until interrupted, which is how rates (two readings) appear.
 */
import { createLogger } from '../../common/log.ts';
import { createDevicePoller, selectDevices, type DeviceReport } from '../../collector/device-poller.ts';
import type { Config } from '../../config/schema.ts';
import { parse, UsageError } from '../args.ts';
import { loadConfigOrReport } from './load.ts';

const fmt = (v: number | null | undefined, digits = 1) => (v === null || v === undefined ? '-' : v.toFixed(digits));

function bps(v: number | null | undefined): string {
  if (v === null || v === undefined) return '-';
  if (v >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  return v.toFixed(0);
}

/** The power column: "mains 100% 42min 230V", "battery 61% 23min", "?" when unknown. */
function powerCell(r: DeviceReport): string {
  if (!r.power) return '';
  const p = r.power;
  const parts = [p.source === 'unknown' ? '?' : p.source];
  if (p.battery_pct !== null) parts.push(`${fmt(p.battery_pct, 0)}%`);
  if (p.minutes_left !== null) parts.push(`${fmt(p.minutes_left, 0)}min`);
  if (p.input_voltage !== null) parts.push(`${fmt(p.input_voltage, Number.isInteger(p.input_voltage) ? 0 : 1)}V`);
  return parts.join(' ');
}

export function formatTable(reports: DeviceReport[]): string {
  const rows = reports.map((r) => {
    const s = r.snmp;
    const snmp = !s
      ? ''
      : s.ok
        ? `${s.sys_name ?? '?'}${s.interface ? ` ${s.interface} ${s.if_oper_up ? 'up' : 'down'} ${fmt(s.speed_mbps, 0)}Mb in ${bps(s.in_bps)} out ${bps(s.out_bps)}` : ''}`
        : `SNMP: ${s.error}`;
    // When SNMP failed as a whole, the Wi-Fi reading failed for the same reason: say it once.
    const wifi = r.wifi && s?.ok ? (r.wifi.clients === null ? ` wifi: ${r.wifi.error}` : ` clients ${r.wifi.clients}`) : '';
    return [
      r.village,
      r.device,
      r.host,
      r.reachable ? 'up' : 'DOWN',
      `${fmt(r.rtt_ms, 2)} ms`,
      `${fmt(r.loss_pct, 0)}%`,
      powerCell(r) || (r.power_error ? '?' : ''),
      snmp + wifi,
    ];
  });
  const head = ['village', 'device', 'host', 'state', 'rtt', 'loss', 'power', 'snmp'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

export const OPTIONS = {
  config: { type: 'string' },
  device: { type: 'string' },
  once: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
} as const;

export async function pollCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, OPTIONS);
  const config: Config | undefined = loadConfigOrReport(values.config)?.config;
  if (!config) return 1;
  const targets = selectDevices(config, values.device);
  if (!targets) throw new UsageError(`no device "${values.device}" in the config`);

  const log = createLogger({ level: process.env.MEREZHA_LOG_LEVEL ?? 'warn' });
  const poller = createDevicePoller(config, log);
  const print = (reports: DeviceReport[]) =>
    process.stdout.write(values.json ? `${JSON.stringify(reports, null, 2)}\n` : `${formatTable(reports)}\n`);

  print(await poller.poll(targets));
  if (values.once) return 0;
  let stopped = false;
  process.once('SIGINT', () => (stopped = true));
  while (!stopped) {
    await new Promise((r) => setTimeout(r, config.polling.ping.interval));
    if (!stopped) print(await poller.poll(targets));
  }
  return 0;
}
