/**
 * The `states` and `alerts` sections of hromada.yaml: when a device counts as
 * down, degraded or flapping, and who is told what, when and how.
 *
 * Part of the config schema (`schema.ts` puts it in place and runs
 * `crossCheckAlerts` with its other whole-file checks). Maintenance windows
 * and quiet hours are parsed here, once, into typed values.
 */
import { z } from 'zod';
import { instantOf, parseClock, parseLocalDateTime, parseWeekly, type LocalDateTime, type WeeklyWindow } from '../common/windows.ts';
import { channelConfigSchema } from '../alerting/channels/index.ts';
import { ALERT_EVENTS } from '../alerting/events.ts';
import { duration } from './primitives.ts';

export const statesSchema = z.strictObject({
  down_after: z.int().min(1).max(100).default(2),
  up_after: z.int().min(1).max(100).default(2),
  degraded_loss_pct: z.number().min(0).max(100).default(20),
  degraded_rtt_ms: z.number().positive().default(300),
  loss_window: z.int().min(1).max(100).default(6),
  recheck: z.union([z.literal(false), duration()]).prefault('2s'),
  flapping: z
    .strictObject({
      transitions: z.int().min(2).max(1000).default(4),
      window: duration().prefault('10m'),
    })
    .prefault({}),
});

/** Parses text with a parser that returns a value or an error message, as a zod transform. */
function parsed<T>(parse: (text: string) => T | string, describe: string) {
  return z
    .string()
    .describe(describe)
    .transform((text, ctx) => {
      const result = parse(text);
      if (typeof result === 'string') {
        ctx.addIssue({ code: 'custom', message: result });
        return z.NEVER;
      }
      return result;
    });
}

const clock = () => parsed((t) => parseClock(t), 'A time of day as HH:MM');

const ruleSchema = z.strictObject({
  on: z.array(z.enum(ALERT_EVENTS)).min(1),
  channels: z.array(z.string().min(1)).min(1),
  after: duration().optional(),
  repeat: duration().optional(),
  villages: z.array(z.string().min(1)).optional(),
  devices: z.array(z.string().min(1)).optional(),
  services: z.array(z.string().min(1)).optional(),
  urgent: z.boolean().default(false),
});

const maintenanceSchema = z.strictObject({
  devices: z.array(z.string().min(1)).optional(),
  villages: z.array(z.string().min(1)).optional(),
  services: z.array(z.string().min(1)).optional(),
  weekly: parsed<WeeklyWindow>(parseWeekly, 'Days and a local time range, e.g. "Tue 02:00-03:00" or "Mon-Fri 22:00-06:00"').optional(),
  from: parsed<LocalDateTime>(parseLocalDateTime, 'A local date and time, e.g. "2025-06-01 02:00"').optional(),
  to: parsed<LocalDateTime>(parseLocalDateTime, 'A local date and time, e.g. "2025-06-01 05:00"').optional(),
  note: z.string().optional(),
});

export const alertsSchema = z.strictObject({
  dashboard_url: z.url({ protocol: /^https?$/ }).optional(),
  channels: z.array(channelConfigSchema).default([]),
  rules: z.array(ruleSchema).default([]),
  maintenance: z.array(maintenanceSchema).default([]),
  quiet_hours: z.strictObject({ from: clock(), to: clock() }).optional(),
  tls_days: z.number().positive().default(14),
  delivery: z
    .strictObject({
      attempts: z.int().min(1).max(100).default(10),
      backoff: duration().prefault('5s'),
      max_backoff: duration().prefault('10m'),
      timeout: duration().prefault('15s'),
    })
    .prefault({}),
});

export type StatesConfig = z.output<typeof statesSchema>;
export type AlertsConfig = z.output<typeof alertsSchema>;
export type AlertRule = AlertsConfig['rules'][number];
export type MaintenanceWindow = AlertsConfig['maintenance'][number];

type Issue = (path: (string | number)[], message: string) => void;

/** References from `alerts` to channels, villages, devices and services, checked with the rest of the file. */
export function crossCheckAlerts(
  alerts: AlertsConfig,
  known: { villages: Set<string>; devices: Set<string>; services: Set<string>; timezone: string },
  issue: Issue,
): void {
  const channels = new Set<string>();
  alerts.channels.forEach((c, i) => {
    if (channels.has(c.id)) issue(['alerts', 'channels', i, 'id'], `duplicate channel id "${c.id}"`);
    channels.add(c.id);
  });
  const refs = (at: (string | number)[], list: string[] | undefined, set: Set<string>, what: string) =>
    list?.forEach((ref, j) => {
      if (!set.has(ref)) issue([...at, j], `unknown ${what} "${ref}"`);
    });
  alerts.rules.forEach((r, i) => {
    const at = ['alerts', 'rules', i];
    refs([...at, 'channels'], r.channels, channels, 'channel');
    refs([...at, 'villages'], r.villages, known.villages, 'village');
    refs([...at, 'devices'], r.devices, known.devices, 'device');
    refs([...at, 'services'], r.services, known.services, 'service');
  });
  alerts.maintenance.forEach((m, i) => {
    const at = ['alerts', 'maintenance', i];
    refs([...at, 'villages'], m.villages, known.villages, 'village');
    refs([...at, 'devices'], m.devices, known.devices, 'device');
    refs([...at, 'services'], m.services, known.services, 'service');
    if (!m.devices?.length && !m.villages?.length && !m.services?.length)
      issue(at, 'needs devices, villages or services: what is maintained?');
    const oneOff = m.from !== undefined || m.to !== undefined;
    if (m.weekly !== undefined && oneOff) issue(at, 'has both weekly and from/to: keep one (a window repeats or happens once)');
    else if (m.weekly === undefined && !oneOff) issue(at, 'needs weekly (e.g. "Tue 02:00-03:00") or from and to');
    else if (oneOff && (m.from === undefined || m.to === undefined)) issue(at, 'needs both from and to');
    else if (m.from && m.to && instantOf(m.to, known.timezone) <= instantOf(m.from, known.timezone))
      issue([...at, 'to'], 'must be after from');
  });
}
