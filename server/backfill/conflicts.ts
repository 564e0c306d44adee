/**
 * Why an import may not be written: for a subject, the range holds data
 * Merezha measured itself, or an earlier import. Either would make uptime
 * count the same time twice (see `server/store/availability-store.ts`), and
 * measured data is better than any import anyway.
 */
import { formatLocalTime, formatUtc } from '../../common/iso-time.ts';
import type { Inventory } from '../inventory.ts';
import { importedSpans, measuredFrom } from '../store/availability-store.ts';
import type { Query } from '../../storage/influx-query.ts';
import type { Interval } from '../uptime.ts';

/** One message per subject that refuses the import, in the config's order. */
export async function importConflicts(query: Query, inventory: Inventory, range: Interval, timeZone: string): Promise<string[]> {
  const [measured, imported] = await Promise.all([measuredFrom(query, inventory, range), importedSpans(query)]);
  const problems: string[] = [];
  for (const key of inventory.order) {
    const subject = inventory.subjects.get(key)!;
    const name = `${subject.type} ${subject.id}`;
    const first = measured.get(key);
    if (first !== undefined) {
      const advice = first > range.from ? `import up to then (--to ${formatUtc(first)})` : 'there is nothing before it to import';
      problems.push(`${name}: Merezha has its own data from ${formatUtc(first)} in this range; ${advice}`);
    }
    for (const span of imported.get(key) ?? []) {
      if (span.from < range.to && span.to > range.from) {
        const over = `${formatLocalTime(span.from, timeZone)} – ${formatLocalTime(span.to, timeZone)}`;
        problems.push(`${name}: already imported over ${over} (from ${span.source}); imports may not overlap`);
      }
    }
  }
  return problems;
}
