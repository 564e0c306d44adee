/**
 * What a reload of hromada.yaml changes (SIGHUP, `systemctl reload merezha`):
 * which devices and services come, go or change, which sections move, and
 * which settings differ in the file but keep their running values until a
 * restart. Pure: two validated configs in, a plan out; `app/reload.ts`
 * applies it to the running parts.
 *
 * A device or service that is polled or placed differently now (address,
 * SNMP, credential, kind, vendor, village, provider, parent, check, …) is
 * `changed`: what its old polls said no longer describes it, so its state
 * starts afresh, as a new one's. One whose names and figures for people alone
 * changed (name, bandwidth, install date, public) is `relabelled` and keeps
 * its state.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Config } from './schema.ts';

/**
 * The settings a reload takes from the file. Every other one (server.*,
 * storage.*, polling.concurrency, hromada.timezone, alerts.dashboard_url,
 * sections added later until they join this list) is read once at start:
 * the listening socket, the database, the scheduler's lanes, the uptime
 * windows and the host names the dashboard answers to are made from them.
 */
export const RELOADABLE = [
  '$schema',
  'hromada.name',
  'hromada.locale',
  'polling.ping',
  'polling.snmp',
  'polling.services',
  'polling.power',
  'snmp_credentials',
  'providers',
  'villages',
  'services',
  'states',
  'alerts.channels',
  'alerts.rules',
  'alerts.maintenance',
  'alerts.quiet_hours',
  'alerts.tls_days',
  'alerts.delivery',
  'coverage',
  'backup',
  'kpis',
  'power',
] as const;

/** Ids of devices (or services), in the order of the file they are in. */
export interface SubjectChanges {
  added: string[];
  removed: string[];
  /** Polled or placed differently: their state starts afresh. */
  changed: string[];
  /** Only names and figures shown to people differ: their state goes on. */
  relabelled: string[];
}

export interface ReloadPlan {
  /** The config to run from now on: the file's, with the settings that need a restart kept as they run. */
  config: Config;
  devices: SubjectChanges;
  services: SubjectChanges;
  /** Top-level sections whose running values change. */
  sections: string[];
  /** Settings that differ in the file and keep their running values until a restart, e.g. `server.port`. */
  restart: string[];
}

const DEVICE_LABELS = ['name', 'bandwidth_mbps', 'installed', 'public'] as const;
const SERVICE_LABELS = ['name', 'public'] as const;

export function planReload(running: Config, file: Config): ReloadPlan {
  const config = RELOADABLE.reduce<Config>((c, path) => withValue(c, path.split('.'), valueAt(file, path.split('.'))), running);
  return {
    config,
    devices: compare(devicesOf(running), devicesOf(config)),
    services: compare(servicesOf(running), servicesOf(config)),
    sections: Object.keys({ ...running, ...config }).filter((key) => !isDeepStrictEqual(field(running, key), field(config, key))),
    restart: differences(config, file, []),
  };
}

/** The plan in words, for the log line of the reload. */
export function describeReload(plan: ReloadPlan): string {
  const parts =
    plan.sections.length === 0
      ? ['nothing changed']
      : [
          `devices ${subjectWords(plan.devices)}`,
          `services ${subjectWords(plan.services)}`,
          `sections changed: ${plan.sections.join(', ')}`,
        ];
  if (plan.restart.length > 0) parts.push(`needs a restart (running values kept): ${plan.restart.join(', ')}`);
  return parts.join('; ');
}

function subjectWords(c: SubjectChanges): string {
  const counts = (['added', 'changed', 'relabelled', 'removed'] as const).filter((k) => c[k].length > 0).map((k) => `${c[k].length} ${k}`);
  return counts.length > 0 ? counts.join(', ') : 'unchanged';
}

/** Per id, what decides how it is polled and placed, and what people see of it. */
type Entries = Map<string, { polled: unknown; shown: unknown }>;

function devicesOf(config: Config): Entries {
  const providers = new Map(config.providers.map((p) => [p.id, p.name]));
  const out: Entries = new Map();
  for (const village of config.villages) {
    for (const device of village.devices) {
      const { polled, shown } = split(device, DEVICE_LABELS);
      out.set(device.id, {
        polled: { ...polled, village: village.id, credential: device.snmp && config.snmp_credentials[device.snmp.credential] },
        shown: { ...shown, village: village.name, provider: device.provider && providers.get(device.provider) },
      });
    }
  }
  return out;
}

function servicesOf(config: Config): Entries {
  return new Map(config.services.map((service) => [service.id, split(service, SERVICE_LABELS)]));
}

function split<T extends object>(item: T, labels: readonly (keyof T)[]): { polled: Partial<T>; shown: Partial<T> } {
  const polled: Partial<T> = { ...item };
  const shown: Partial<T> = {};
  for (const key of labels) {
    shown[key] = item[key];
    delete polled[key];
  }
  return { polled, shown };
}

function compare(before: Entries, after: Entries): SubjectChanges {
  const changes: SubjectChanges = { added: [], removed: [], changed: [], relabelled: [] };
  for (const id of before.keys()) if (!after.has(id)) changes.removed.push(id);
  for (const [id, now] of after) {
    const then = before.get(id);
    if (!then) changes.added.push(id);
    else if (!isDeepStrictEqual(then.polled, now.polled)) changes.changed.push(id);
    else if (!isDeepStrictEqual(then.shown, now.shown)) changes.relabelled.push(id);
  }
  return changes;
}

const isSection = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const field = (obj: unknown, key: string): unknown => (isSection(obj) ? obj[key] : undefined);

function valueAt(obj: unknown, path: readonly string[]): unknown {
  return path.reduce(field, obj);
}

/** A copy of `obj` with the value at `path` replaced (removed when undefined, as zod leaves an absent optional key). */
function withValue<T>(obj: T, [key, ...rest]: readonly string[], value: unknown): T {
  const copy: Record<string, unknown> = { ...(obj as Record<string, unknown>) };
  const inner = rest.length === 0 ? value : withValue(copy[key!] ?? {}, rest, value);
  if (inner === undefined) delete copy[key!];
  else copy[key!] = inner;
  return copy as T;
}

/** Dotted paths, two levels deep at most, where `a` and `b` differ. */
function differences(a: unknown, b: unknown, path: string[]): string[] {
  if (isDeepStrictEqual(a, b)) return [];
  if (path.length < 2 && isSection(a) && isSection(b)) {
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].flatMap((key) => differences(a[key], b[key], [...path, key]));
  }
  return [path.join('.')];
}
