/**
 * Uptime of every device, service and village over the dashboard's windows
 * (24 h, 7 d, 30 d, this year, and this month for the public page), refreshed
 * from InfluxDB in the background so that no page load waits for a query.
 *
 * Downtime is the observed part of the down intervals (`uptime.ts`): an
 * outage left open across a gap in the data (Merezha stopped) counts only
 * where the subject was monitored, at 5-minute-bucket resolution.
 */
import type { UptimeSet } from '../../common/api.ts';
import type { Logger } from '../../common/log.ts';
import { localTime, zonedTimeToUtc } from '../../common/timezone.ts';
import type { Inventory } from '../inventory.ts';
import { importedSpans, monitoredTime, recordedOutages, subjectDownIntervals, watchedWhileDown } from '../store/availability-store.ts';
import type { Query } from '../../storage/influx-query.ts';
import { observedDown, observedOffline, overlapMs, pooledUptimePct, uptimePct, type Interval } from '../uptime.ts';

export const WINDOWS = ['24h', '7d', '30d', 'year', 'month'] as const;
export type WindowName = (typeof WINDOWS)[number];

const DAY = 86_400_000;
const REFRESH_MS = 30_000;

/** Monitored and down time of one subject (or village) in one window. */
export interface Part {
  monitoredMs: number;
  downMs: number;
}

export function windowsAt(now: number, timeZone: string): Record<WindowName, Interval> {
  const local = localTime(now, timeZone);
  const startOf = (month: number) => zonedTimeToUtc({ year: local.year, month, day: 1, hour: 0, minute: 0 }, timeZone);
  return {
    '24h': { from: now - DAY, to: now },
    '7d': { from: now - 7 * DAY, to: now },
    '30d': { from: now - 30 * DAY, to: now },
    year: { from: startOf(1), to: now },
    month: { from: startOf(local.month), to: now },
  };
}

interface Computed {
  at: number;
  subjects: Map<string, Record<WindowName, Part>>;
  villages: Map<string, Record<WindowName, Part>>;
}

/**
 * Pure: parts per subject and village from monitored time, recorded outages
 * and `watched` (where each subject was monitored while down: measured
 * buckets and imported spans, `watchedWhileDown`).
 */
export function computeParts(
  inventory: Inventory,
  windows: Record<WindowName, Interval>,
  monitored: Record<string, Map<string, number>>,
  outages: Map<string, Interval[]>,
  now: number,
  watched: ReadonlyMap<string, readonly Interval[]>,
): Computed {
  // A subject is down while it, or any device it hangs behind, has an outage; only the monitored part counts.
  const down = subjectDownIntervals(inventory, outages);
  const observed = new Map([...down].map(([key, list]) => [key, observedDown(list, watched.get(key) ?? [])]));
  const partsOf = (intervals: Interval[], monitoredIn: (w: WindowName) => number) =>
    Object.fromEntries(WINDOWS.map((w) => [w, { monitoredMs: monitoredIn(w), downMs: overlapMs(intervals, windows[w]) }])) as Record<
      WindowName,
      Part
    >;

  const subjects = new Map<string, Record<WindowName, Part>>();
  for (const key of inventory.order)
    subjects.set(
      key,
      partsOf(observed.get(key) ?? [], (w) => monitored[w]?.get(key) ?? 0),
    );

  const villages = new Map<string, Record<WindowName, Part>>();
  for (const v of inventory.villages.values()) {
    if (v.uplinks.length === 0) continue;
    // The village is online while any uplink works, and was watched while any uplink was (`observedOffline`).
    const offline = observedOffline(v.uplinks.map((u) => ({ down: down.get(u) ?? [], watched: watched.get(u) ?? [] })));
    villages.set(
      v.id,
      partsOf(offline, (w) => Math.max(...v.uplinks.map((u) => monitored[w]?.get(u) ?? 0))),
    );
  }
  return { at: now, subjects, villages };
}

export function uptimeSetOf(parts: Record<WindowName, Part> | undefined): UptimeSet {
  const pct = (w: WindowName) => (parts ? uptimePct(parts[w].monitoredMs, parts[w].downMs) : null);
  return { '24h': pct('24h'), '7d': pct('7d'), '30d': pct('30d'), year: pct('year') };
}

export function pooledUptimeSet(list: readonly (Record<WindowName, Part> | undefined)[]): UptimeSet {
  const present = list.filter((p): p is Record<WindowName, Part> => p !== undefined);
  const pct = (w: WindowName) => pooledUptimePct(present.map((p) => p[w]));
  return { '24h': pct('24h'), '7d': pct('7d'), '30d': pct('30d'), year: pct('year') };
}

export class AvailabilityIndex {
  private computed: Computed = { at: 0, subjects: new Map(), villages: new Map() };
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private options: { inventory: Inventory; query: Query | undefined; timeZone: string; log: Logger; now?: () => number }) {}

  /** Refreshes now and then every minute. */
  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Figures for a reloaded config's subjects: resolves when they are read (after a refresh of the old ones in flight). */
  async reconfigure(inventory: Inventory): Promise<void> {
    this.options = { ...this.options, inventory };
    await this.running;
    await this.refresh();
  }

  /** One refresh; concurrent callers share it. Failures keep the previous figures and are logged. */
  refresh(): Promise<void> {
    this.running ??= this.load().finally(() => (this.running = undefined));
    return this.running;
  }

  private async load(): Promise<void> {
    const { inventory, query, timeZone, log } = this.options;
    if (!query) return;
    const now = (this.options.now ?? Date.now)();
    const windows = windowsAt(now, timeZone);
    const since = Math.min(...Object.values(windows).map((w) => w.from));
    try {
      const [imported, outages] = await Promise.all([importedSpans(query), recordedOutages(query, since, now)]);
      const [monitored, watched] = await Promise.all([
        monitoredTime(query, inventory, windows, now, imported),
        watchedWhileDown(query, inventory, outages, imported, { from: since, to: now }, now),
      ]);
      this.computed = computeParts(inventory, windows, monitored, outages, now, watched);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'could not refresh uptime figures; showing the previous ones');
    }
  }

  get at(): number {
    return this.computed.at;
  }

  subject(key: string): Record<WindowName, Part> | undefined {
    return this.computed.subjects.get(key);
  }

  village(id: string): Record<WindowName, Part> | undefined {
    return this.computed.villages.get(id);
  }
}
