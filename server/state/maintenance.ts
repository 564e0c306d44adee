/**
 * Maintenance windows and quiet hours as functions of time, in the hromada's
 * time zone. A maintenance window puts its devices (and the devices of its
 * villages, and its services) in the `maintenance` state: their failures are
 * neither outages nor alerts while it lasts. Pure: the clock is an argument.
 */
import { localTime } from '../../common/timezone.ts';
import { inDailyRange, instantOf, inWeekly, type WeeklyWindow } from '../../common/windows.ts';
import type { Config } from '../../config/schema.ts';
import { serviceKey } from '../../common/subjects.ts';
import type { Inventory } from '../inventory.ts';

type Window = { weekly: WeeklyWindow } | { from: number; to: number };

/** A one-off window set at run time (from the dashboard), already resolved to subject keys. */
export interface ExtraWindow {
  keys: readonly string[];
  from: number;
  to: number;
}

export interface MaintenanceSchedule {
  /** Subjects that have any window: the only ones whose maintenance can change with the clock. */
  readonly subjects: ReadonlySet<string>;
  active(subject: string, t: number): boolean;
  /** Replaces the run-time windows; the state machine picks them up at its next tick. */
  setExtra(windows: readonly ExtraWindow[]): void;
  /** Replaces the config's windows with a reloaded config's; the run-time ones stay. */
  reconfigure(config: Config, inventory: Inventory): void;
}

export function maintenanceSchedule(config: Config, inventory: Inventory): MaintenanceSchedule {
  const tz = config.hromada.timezone;
  let configured = new Map<string, Window[]>();
  let extra = new Map<string, Window[]>();
  // One Set, updated in place: the machine holds on to it.
  const subjects = new Set<string>();
  // A subject whose last window was removed stays listed so the next tick ends its maintenance.
  const track = (windows: Map<string, Window[]>) => {
    for (const key of windows.keys()) subjects.add(key);
  };
  const schedule: MaintenanceSchedule = {
    subjects,
    active(subject, t) {
      const list = [...(configured.get(subject) ?? []), ...(extra.get(subject) ?? [])];
      let local: ReturnType<typeof localTime> | undefined;
      return list.some((w) => {
        if ('from' in w) return t >= w.from && t < w.to;
        local ??= localTime(t, tz);
        return inWeekly(w.weekly, local);
      });
    },
    setExtra(windows) {
      extra = new Map();
      for (const w of windows) add(extra, w.keys, { from: w.from, to: w.to });
      track(extra);
    },
    reconfigure(next, nextInventory) {
      configured = new Map();
      for (const m of next.alerts.maintenance) {
        const window: Window = m.weekly ? { weekly: m.weekly } : { from: instantOf(m.from!, tz), to: instantOf(m.to!, tz) };
        add(
          configured,
          [
            ...(m.devices ?? []),
            ...(m.villages ?? []).flatMap((v) => nextInventory.villages.get(v)?.devices ?? []),
            ...(m.services ?? []).map(serviceKey),
          ],
          window,
        );
      }
      track(configured);
    },
  };
  schedule.reconfigure(config, inventory);
  return schedule;
}

function add(into: Map<string, Window[]>, keys: readonly string[], window: Window): void {
  for (const key of keys) into.set(key, [...(into.get(key) ?? []), window]);
}

/** Whether `t` falls in the quiet hours of the config (never, when it sets none). */
export function quietHoursAt(config: Config, t: number): boolean {
  const q = config.alerts.quiet_hours;
  return q !== undefined && inDailyRange(q.from, q.to, localTime(t, config.hromada.timezone));
}
