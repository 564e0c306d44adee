/**
 * Maintenance windows and quiet hours as functions of time, in the hromada's
 * time zone. A maintenance window puts its devices (and the devices of its
 * villages, and its services) in the `maintenance` state: their failures are
 * neither outages nor alerts while it lasts. Pure: the clock is an argument.
 */
import { localTime } from '../../common/timezone.ts';
import { inDailyRange, instantOf, inWeekly, type WeeklyWindow } from '../../common/windows.ts';
import type { Config } from '../../config/schema.ts';
import { serviceKey, type Inventory } from '../inventory.ts';

type Window = { weekly: WeeklyWindow } | { from: number; to: number };

export interface MaintenanceSchedule {
  /** Subjects that have any window: the only ones whose maintenance can change with the clock. */
  readonly subjects: ReadonlySet<string>;
  active(subject: string, t: number): boolean;
}

export function maintenanceSchedule(config: Config, inventory: Inventory): MaintenanceSchedule {
  const tz = config.hromada.timezone;
  const windows = new Map<string, Window[]>();
  for (const m of config.alerts.maintenance) {
    const window: Window = m.weekly ? { weekly: m.weekly } : { from: instantOf(m.from!, tz), to: instantOf(m.to!, tz) };
    const keys = [
      ...(m.devices ?? []),
      ...(m.villages ?? []).flatMap((v) => inventory.villages.get(v)?.devices ?? []),
      ...(m.services ?? []).map(serviceKey),
    ];
    for (const key of keys) windows.set(key, [...(windows.get(key) ?? []), window]);
  }
  return {
    subjects: new Set(windows.keys()),
    active(subject, t) {
      const list = windows.get(subject);
      if (!list) return false;
      let local: ReturnType<typeof localTime> | undefined;
      return list.some((w) => {
        if ('from' in w) return t >= w.from && t < w.to;
        local ??= localTime(t, tz);
        return inWeekly(w.weekly, local);
      });
    },
  };
}

/** Whether `t` falls in the quiet hours of the config (never, when it sets none). */
export function quietHoursAt(config: Config, t: number): boolean {
  const q = config.alerts.quiet_hours;
  return q !== undefined && inDailyRange(q.from, q.to, localTime(t, config.hromada.timezone));
}
