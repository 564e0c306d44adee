/**
 * The demo's simulated past, written once at the first `merezha start` of the
 * demo hromada: from the start of the year up to now, as `merezha import`
 * would write it, unless Merezha already has data of its own or an import in
 * that range (so a second start, or a real hromada, never gets it). With the
 * config, its blackouts too: the outages' causes (as the monitor writes them
 * on the outage's point), the supplies' power events and the schedule's
 * `blackout` slots, so that the yearly report has its power section.
 */
import type { EventStore } from '../server/store/event-store.ts';
import type { Logger } from '../common/log.ts';
import { localTime, zonedTimeToUtc } from '../common/timezone.ts';
import type { Config } from '../config/schema.ts';
import { demoHistory, demoPast, type DemoPowerPast } from './demo-history.ts';
import type { Inventory } from '../server/inventory.ts';
import { blackoutPoints } from '../server/power/schedule-store.ts';
import { powerEventPoint } from '../server/power/state.ts';
import { causePoint } from '../server/state/history.ts';
import { BUCKET_MS } from '../server/store/availability-store.ts';
import type { Query } from '../storage/influx-query.ts';
import type { Point } from '../storage/point.ts';
import { importConflicts } from '../server/backfill/conflicts.ts';
import { importPoints } from '../server/backfill/import-plan.ts';

export const DEMO_HISTORY_SOURCE = 'simulated demo history';
const DAY = 86_400_000;

export async function writeDemoHistory(options: {
  query: Query;
  store: EventStore;
  inventory: Inventory;
  timeZone: string;
  log: Logger;
  now: number;
  /** The demo's config: with it, the past has its blackouts too. */
  config?: Config;
}): Promise<void> {
  const { query, store, inventory, timeZone, log, now, config } = options;
  const to = Math.floor(now / BUCKET_MS) * BUCKET_MS;
  const from = zonedTimeToUtc({ year: localTime(now, timeZone).year, month: 1, day: 1, hour: 0, minute: 0 }, timeZone);
  if (to - from < DAY) return;
  const conflicts = await importConflicts(query, inventory, { from, to }, timeZone);
  if (conflicts.length > 0) {
    log.debug({ first: conflicts[0] }, 'the demo has data of its own: no simulated history written');
    return;
  }
  const past: DemoPowerPast = config
    ? demoPast(config, inventory, { from, to })
    : { outages: demoHistory(inventory, { from, to }), events: [], slots: [] };
  const present = <T>(p: T | undefined): p is T => p !== undefined;
  const points: Point[] = [
    ...importPoints(inventory, { from, to }, past.outages, DEMO_HISTORY_SOURCE),
    // The cause as the monitor stores it: fields of the outage's own point, which InfluxDB merges with it.
    ...past.outages.map((o) => causePoint(o.subject, o.from, o.judgement, inventory)).filter(present),
    ...past.events.map((e) => powerEventPoint(e, inventory)).filter(present),
    ...blackoutPoints({ schedule: { slots: past.slots, source: DEMO_HISTORY_SOURCE }, imports: [] }),
  ];
  store.write(points);
  await store.flush();
  log.info(
    {
      outages: past.outages.length,
      power_events: past.events.length,
      blackout_slots: past.slots.length,
      from: new Date(from).toISOString(),
    },
    'wrote a simulated history for the demo since the start of the year, so that uptime and the yearly report have a year to show',
  );
}
