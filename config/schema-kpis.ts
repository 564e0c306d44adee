/**
 * The `kpis` section of hromada.yaml: the targets of the hromada's strategy
 * that the yearly report measures (`merezha report`, `/api/reports/<year>`).
 *
 * Each KPI has an id, a Ukrainian title, a metric, a target and optionally
 * the period it belongs to (`year`, or `from`/`to` dates): a report includes
 * the KPIs whose period overlaps its range, and those without a period. The
 * figure is always measured over the report's range. `schema.ts` puts the
 * section in place and runs `crossCheckKpis` with its other whole-file checks.
 */
import { z } from 'zod';
import { KPI_DIRECTIONS } from '../common/report.ts';
import { id } from '../common/ids.ts';

const isoDate = () =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
    .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)), 'is not a real date');

const common = {
  id: id(),
  /** Shown in the report, in Ukrainian. */
  title: z.string().min(1),
  year: z.int().min(2000).max(2100).optional(),
  from: isoDate().optional(),
  to: isoDate().optional(),
  direction: z.enum(KPI_DIRECTIONS).default('at_least'),
};
const pctTarget = z.number().min(0).max(100);
const countTarget = z.int().min(0).max(100_000);

export const kpiSchema = z.discriminatedUnion('metric', [
  z.strictObject({ ...common, metric: z.literal('settlements_connected_pct'), target: pctTarget }),
  z.strictObject({ ...common, metric: z.literal('institutions_high_speed_pct'), target: pctTarget, category: z.string().optional() }),
  z.strictObject({ ...common, metric: z.literal('wifi_zones_in_service'), target: countTarget }),
  z.strictObject({ ...common, metric: z.literal('wifi_zones_installed'), target: countTarget }),
  z.strictObject({ ...common, metric: z.literal('service_uptime_pct'), target: pctTarget, service: z.string().min(1) }),
  z.strictObject({ ...common, metric: z.literal('provider_sla'), target: pctTarget.optional(), provider: z.string().min(1) }),
  /** The share of blackout hours during which the Invincibility Points stayed online; the requirement is all of them. */
  z.strictObject({ ...common, metric: z.literal('invincibility_points_online_pct'), target: pctTarget.default(100) }),
  z.strictObject({
    ...common,
    metric: z.literal('influxql'),
    target: z.number(),
    /** One number: the first value of the first row. `$from` and `$to` become the range's bounds (e.g. `time >= $from`). */
    query: z.string().min(1),
    unit: z.string().default(''),
  }),
]);

export const kpisSchema = z.array(kpiSchema).default([]);

export type KpiConfig = z.output<typeof kpiSchema>;

type Issue = (path: (string | number)[], message: string) => void;

/** Ids unique, references known, periods sane, and a target for every provider_sla. */
export function crossCheckKpis(
  kpis: readonly KpiConfig[],
  known: { services: Set<string>; providers: Map<string, number | undefined>; categories: readonly string[] },
  issue: Issue,
): void {
  const ids = new Set<string>();
  kpis.forEach((k, i) => {
    const at = ['kpis', i];
    if (ids.has(k.id)) issue([...at, 'id'], `duplicate kpi id "${k.id}"`);
    ids.add(k.id);
    if (k.year !== undefined && (k.from !== undefined || k.to !== undefined))
      issue(at, 'has both year and from/to: keep one (a KPI belongs to a year or to a period)');
    if (k.from !== undefined && k.to !== undefined && k.to <= k.from) issue([...at, 'to'], 'must be after from');
    if (k.metric === 'service_uptime_pct' && !known.services.has(k.service)) issue([...at, 'service'], `unknown service "${k.service}"`);
    if (k.metric === 'provider_sla') {
      if (!known.providers.has(k.provider)) issue([...at, 'provider'], `unknown provider "${k.provider}"`);
      else if (k.target === undefined && known.providers.get(k.provider) === undefined)
        issue(at, `needs target: provider "${k.provider}" has no sla_pct to take it from`);
    }
    if (k.metric === 'institutions_high_speed_pct' && k.category !== undefined && !known.categories.includes(k.category))
      issue([...at, 'category'], `unknown category "${k.category}" (one of: ${known.categories.join(', ')})`);
    if (k.metric === 'influxql' && !/^\s*select\b/i.test(k.query)) issue([...at, 'query'], 'must be one SELECT query');
  });
}
