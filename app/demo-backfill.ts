/**
 * The demo's simulated past, written once at the first `merezha start` of the
 * demo hromada: from the start of the year up to now, as `merezha import`
 * would write it, unless Merezha already has data of its own or an import in
 * that range (so a second start, or a real hromada, never gets it).
 */
import type { EventStore } from '../server/store/event-store.ts';
import type { Logger } from '../common/log.ts';
import { localTime, zonedTimeToUtc } from '../common/timezone.ts';
import { demoHistory } from './demo-history.ts';
import type { Inventory } from '../server/inventory.ts';
import { BUCKET_MS } from '../server/store/availability-store.ts';
import type { Query } from '../storage/influx-query.ts';
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
}): Promise<void> {
  const { query, store, inventory, timeZone, log, now } = options;
  const to = Math.floor(now / BUCKET_MS) * BUCKET_MS;
  const from = zonedTimeToUtc({ year: localTime(now, timeZone).year, month: 1, day: 1, hour: 0, minute: 0 }, timeZone);
  if (to - from < DAY) return;
  const conflicts = await importConflicts(query, inventory, { from, to }, timeZone);
  if (conflicts.length > 0) {
    log.debug({ first: conflicts[0] }, 'the demo has data of its own: no simulated history written');
    return;
  }
  const outages = demoHistory(inventory, { from, to });
  store.write(importPoints(inventory, { from, to }, outages, DEMO_HISTORY_SOURCE));
  await store.flush();
  log.info(
    { outages: outages.length, from: new Date(from).toISOString() },
    'wrote a simulated history for the demo since the start of the year, so that uptime and the yearly report have a year to show',
  );
}
