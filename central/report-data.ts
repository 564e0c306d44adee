/**
 * The oblast report as data: every hromada's yearly figures side by side and
 * the oblast's, pooled from them, as zod schemas with the types derived from
 * them. The JSON form is exactly this object; the CSV and the page lay out
 * the same. Units and nulls as in the hromada report (`common/report.ts`):
 * `_pct` 0–100, `_s` seconds, null where nothing was monitored. A hromada the
 * centre has no inventory from is `no_data`, with no figure at all: never
 * zeros.
 *
 * Pooling, as the hromada report pools its villages: times and counts are
 * summed over the hromadas and the shares taken of the sums, never averaged,
 * so a hromada weighs by its monitored village-time, its institutions, its
 * Invincibility Points' hours without power. Downtime by cause is summed.
 */
import { z } from 'zod';
import { downtimeByCause, KPI_DIRECTIONS, KPI_METRICS, reportKpi } from '../common/report.ts';
import { OUTAGE_CAUSES } from '../common/words/power.ts';

const pct = z.number().min(0).max(100).nullable();
const seconds = z.number().min(0);
const int = z.int().min(0);

/** One hromada's figures, or the oblast's: the sums, and the shares of them. */
export const oblastFigures = z.object({
  /** Villages with at least one uplink. */
  villages: int,
  /** Village-time monitored and offline (every uplink down), over those villages. */
  monitored_s: seconds,
  downtime_s: seconds,
  /** Share of monitored village-time with a working uplink: the `settlements_connected_pct` figure. */
  uptime_pct: pct,
  downtime_by_cause: downtimeByCause,
  /** Without the excused causes in both the judged and the down time. */
  uptime_adjusted_pct: pct,
  /** Institutions installed by the end of the range; those on high-speed links (contracted bandwidth, else measured speed). */
  institutions: z.object({ total: int, high_speed: int, high_speed_pct: pct }),
  wifi_zones: z.object({
    /** Public Free WiFi access points installed by the end of the range. */
    installed: int,
    /** Monitored on the last day and not down at the end. */
    in_service: int,
    /** Installed within the range. */
    added: int,
  }),
  invincibility_points: z.object({
    total: int,
    /** With a backup power and a backup link. */
    meeting_requirement: int,
    /** Their hours without power, where monitored, and the part of them they were online. */
    judged_s: seconds,
    online_s: seconds,
    online_pct: pct,
  }),
  /** Device-time expected and monitored. */
  data_quality: z.object({ device_time_s: seconds, monitored_s: seconds, monitored_pct: pct }),
});

export const oblastHromada = z.object({
  id: z.string(),
  name: z.string(),
  /** `no_data`: no inventory has come from it, so nothing can be computed. */
  status: z.enum(['reported', 'no_data']),
  figures: oblastFigures.nullable(),
  /** Its own strategy's KPIs, as its own report has them. */
  kpis: z.array(reportKpi),
  /** Its own report's sentences for residents. */
  summary: z.array(z.string()),
});

/** One hromada's KPI in a group of the oblast. */
export const oblastKpiEntry = z.object({
  hromada: z.string(),
  ...reportKpi.pick({ id: true, title: true, direction: true, target: true, actual: true, basis: true, met: true }).shape,
});

/**
 * The hromadas' KPIs of one metric (and the same category, service, provider
 * or custom KPI id), side by side, and the oblast's figure of them.
 */
export const oblastKpi = z.object({
  /** `<metric>` or `<metric>:<category | service | provider | custom KPI id>`. */
  key: z.string(),
  metric: z.enum(KPI_METRICS),
  title: z.string(),
  unit: z.string(),
  /** The target and direction every hromada set, when all set the same; else null. */
  target: z.number().nullable(),
  direction: z.enum(KPI_DIRECTIONS).nullable(),
  /**
   * Pooled: 100 × Σ part / Σ whole of the hromadas' bases for a share, the sum
   * for a count (zones); null for a custom query (not comparable) or no data.
   */
  actual: z.number().nullable(),
  basis: reportKpi.shape.basis,
  /** actual against the common target; null when the targets differ. */
  met: z.boolean().nullable(),
  /** Hromadas with a figure for it, and those of them that met their own target(s). */
  hromadas_measured: int,
  hromadas_met: int,
  entries: z.array(oblastKpiEntry),
});

export const oblastReport = z.object({
  oblast: z.string(),
  timezone: z.string(),
  from: z.string(),
  to: z.string(),
  measured_to: z.string(),
  generated_at: z.string(),
  /** A few sentences in Ukrainian. */
  summary: z.array(z.string()),
  /** Every hromada of central.yaml, in its order. */
  hromadas: z.array(oblastHromada),
  /** Pooled over the hromadas with data; null when none has any. */
  oblast_figures: oblastFigures.nullable(),
  kpis: z.array(oblastKpi),
  excused_causes: z.array(z.enum(OUTAGE_CAUSES)),
  cause_priority: z.array(z.enum(OUTAGE_CAUSES)),
});

export type OblastFigures = z.infer<typeof oblastFigures>;
export type OblastHromada = z.infer<typeof oblastHromada>;
export type OblastKpi = z.infer<typeof oblastKpi>;
export type OblastKpiEntry = z.infer<typeof oblastKpiEntry>;
export type OblastReport = z.infer<typeof oblastReport>;
