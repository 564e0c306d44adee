/**
 * What `merezha import` writes, worked out before anything is written. Pure.
 *
 * An import covers [from, to) for every device and service of the config:
 * one `backfill` point per subject says it was monitored over that span, and
 * each imported outage is an ordinary `outage` point, finished, as the state
 * engine writes one (`server/state/history.ts`). Uptime then counts the span
 * as monitored and the outages as down (`server/store/availability-store.ts`),
 * with the same arithmetic as for what Merezha measured itself.
 */
import type { Point } from '../../storage/point.ts';
import { formatLocalTime, parseIsoTime } from '../../common/iso-time.ts';
import type { Inventory } from '../inventory.ts';
import type { Interval } from '../uptime.ts';
import type { ImportedOutage } from './outages-csv.ts';

export interface RangeOptions {
  timeZone: string;
  now: number;
  /** How long the database keeps events (storage.retention.rollup): older points would be dropped at once. */
  keepMs: number;
}

const DAY_MS = 86_400_000;

/** [from, to) from the --from and --to texts, or what is wrong with them. */
export function importRange(fromText: string, toText: string, { timeZone, now, keepMs }: RangeOptions): Interval | { problem: string } {
  const from = parseIsoTime(fromText, timeZone);
  const to = parseIsoTime(toText, timeZone);
  const notATime = (flag: string, text: string) => ({ problem: `${flag} "${text}" is neither a date (YYYY-MM-DD) nor an ISO 8601 time` });
  if (from === undefined) return notATime('--from', fromText);
  if (to === undefined) return notATime('--to', toText);
  if (from >= to) return { problem: '--from must be before --to' };
  if (to > now) return { problem: `--to ${toText} is in the future: history can be imported up to now at most` };
  if (from < now - keepMs) {
    return {
      problem: `--from ${fromText} is older than the database keeps events (storage.retention.rollup: ${Math.floor(keepMs / DAY_MS)} days)`,
    };
  }
  return { from, to };
}

/** The points of an import: a `backfill` point per subject, an `outage` point per outage. */
export function importPoints(inventory: Inventory, range: Interval, outages: readonly ImportedOutage[], source: string): Point[] {
  const tagsOf = (key: string) => inventory.subjects.get(key)!.tags;
  const spans: Point[] = inventory.order.map((key) => ({
    measurement: 'backfill',
    tags: tagsOf(key),
    fields: { from_ms: range.from, to_ms: range.to, source },
    time: range.from,
  }));
  const down: Point[] = outages.map((o) => ({
    measurement: 'outage',
    tags: tagsOf(o.subject),
    fields: { open: 0, end_ms: o.to, duration_s: (o.to - o.from) / 1000, reason: `imported from ${source}`, unreachable: '' },
    time: o.from,
  }));
  return [...spans, ...down];
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** "12 devices and 1 service", "2 services", "1 device". */
function subjectCount(inventory: Inventory, keys: Iterable<string>): string {
  let devices = 0;
  let services = 0;
  for (const key of new Set(keys)) {
    if (inventory.subjects.get(key)?.type === 'service') services++;
    else devices++;
  }
  const parts = [devices > 0 || services === 0 ? plural(devices, 'device') : '', services > 0 ? plural(services, 'service') : ''];
  return parts.filter(Boolean).join(' and ');
}

/** "37 outages for 12 devices over 2026-01-01 – 2026-06-30; 488 devices and 2 services counted as monitored and up outside them". */
export function importSummary(inventory: Inventory, range: Interval, outages: readonly ImportedOutage[], timeZone: string): string {
  const over = `over ${formatLocalTime(range.from, timeZone)} – ${formatLocalTime(range.to, timeZone)}`;
  const everyone = subjectCount(inventory, inventory.order);
  if (outages.length === 0) return `no outages ${over}; ${everyone} counted as monitored and up throughout`;
  const affected = subjectCount(
    inventory,
    outages.map((o) => o.subject),
  );
  return `${plural(outages.length, 'outage')} for ${affected} ${over}; ${everyone} counted as monitored and up outside them`;
}
