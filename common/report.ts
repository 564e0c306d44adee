/**
 * The yearly connectivity report as data: every table of it, as zod schemas
 * with the TypeScript types derived from them. The JSON form of the report
 * is exactly this object; the CSV form lays out the same tables; the HTML
 * page and the PDF render from it too. Shared like
 * `common/api.ts`: the web may import the types only.
 *
 * Units are in the key: `_pct` 0–100, `_s` seconds, `_h` hours. A figure is
 * null when nothing was monitored for it ("no data" is never up or down).
 * Times are ISO 8601 (UTC).
 */
import { z } from 'zod';
import { DEVICE_KINDS } from './words/names.ts';

export const KPI_METRICS = [
  'settlements_connected_pct',
  'institutions_high_speed_pct',
  'wifi_zones_in_service',
  'wifi_zones_installed',
  'service_uptime_pct',
  'provider_sla',
  'influxql',
] as const;
export type KpiMetric = (typeof KPI_METRICS)[number];
export const KPI_DIRECTIONS = ['at_least', 'at_most'] as const;

/** csv is open data (",", decimal point); csv-excel the same tables for a spreadsheet in a Ukrainian locale (";", decimal comma). */
export const REPORT_FORMATS = ['json', 'csv', 'csv-excel', 'html', 'pdf'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const iso = z.string();
const pct = z.number().min(0).max(100).nullable();

export const reportKpi = z.object({
  id: z.string(),
  title: z.string(),
  metric: z.enum(KPI_METRICS),
  direction: z.enum(KPI_DIRECTIONS),
  target: z.number(),
  /** null when there was no data to measure it. */
  actual: z.number().nullable(),
  /** actual ≥ target (at_least) or ≤ target (at_most); null without an actual. */
  met: z.boolean().nullable(),
  /** "%", "зон", or the unit given with a custom query. */
  unit: z.string(),
  /** Set for `influxql` KPIs: the figure comes from the hromada's own query, not from Merezha's definitions. */
  custom: z.boolean(),
  /** A plain-language remark in Ukrainian (the worst month, what was counted); may be empty. */
  note: z.string(),
});

export const reportDevice = z.object({
  id: z.string(),
  name: z.string(),
  village: z.string(),
  kind: z.enum(DEVICE_KINDS),
  provider: z.string().nullable(),
  /** Share of its monitored time it was neither down nor cut off behind a parent's outage. */
  uptime_pct: pct,
  /** Its own outages overlapping the range (not its parent's). */
  outages: z.number().int(),
  /** Down or cut off, within monitored time only. */
  downtime_s: z.number(),
  monitored_s: z.number(),
});

export const reportService = reportDevice.omit({ village: true, kind: true, provider: true });

export const reportVillage = z.object({
  id: z.string(),
  name: z.string(),
  population: z.number().int().nullable(),
  uplinks: z.number().int(),
  /** Share of monitored time at least one uplink worked. */
  uptime_pct: pct,
  /** Times the village lost every uplink (overlapping the range). */
  outages: z.number().int(),
  downtime_s: z.number(),
  monitored_s: z.number(),
  longest_outage_s: z.number().nullable(),
  /** Mean length of those outages (mean time to restore). */
  mttr_s: z.number().nullable(),
  /** Institution-time up over institution-time monitored. */
  institutions_online_pct: pct,
  wifi: z.object({
    /** Public Free WiFi access points in service (installed by the end of the range). */
    zones: z.number().int(),
    /** Average clients connected at once, over all its zones together. */
    avg_clients: z.number().nullable(),
    /** The most clients one of its zones had at once (highest 5-minute peak). */
    peak_clients: z.number().nullable(),
  }),
});

export const reportProvider = z.object({
  id: z.string(),
  name: z.string(),
  /** Devices with `provider: <id>` and no parent: the lines the provider delivers. */
  links: z.number().int(),
  /** Pooled over its links: their up time over their monitored time. */
  uptime_pct: pct,
  sla_pct: z.number().nullable(),
  met: z.boolean().nullable(),
  outages: z.number().int(),
  downtime_h: z.number(),
});

export const reportMonth = z.object({
  /** YYYY-MM in the hromada's time zone. */
  month: z.string(),
  from: iso,
  to: iso,
  /** Village-time with a working uplink over monitored village-time. */
  village_uptime_pct: pct,
  wifi_avg_clients: z.number().nullable(),
  wifi_peak_clients: z.number().nullable(),
  /** Share of device-time that was monitored. */
  monitored_pct: pct,
});

export const reportIncident = z.object({
  village: z.string(),
  village_name: z.string(),
  start: iso,
  end: iso,
  /** Within the range. */
  duration_s: z.number(),
  /** The uplinks that were all down. */
  uplinks: z.array(z.string()),
});

export const reportDataQuality = z.object({
  /** Monitored device-time over device-time in the range (devices installed later count from their `installed` date). */
  monitored_pct: pct,
  device_time_s: z.number(),
  monitored_s: z.number(),
  no_data_s: z.number(),
  /** Devices with less than 99% of their time monitored, least monitored first. */
  gaps: z.array(z.object({ id: z.string(), monitored_pct: pct, no_data_s: z.number() })),
});

export const reportQuery = z.object({ figure: z.string(), influxql: z.string() });

export const reportData = z.object({
  hromada: z.string(),
  timezone: z.string(),
  /** Start (inclusive) and end (exclusive) of the range. */
  from: iso,
  to: iso,
  /** Where figures stop when the range reaches into the future. */
  measured_to: iso,
  generated_at: iso,
  /** 3–5 sentences in Ukrainian for residents. */
  summary: z.array(z.string()),
  kpis: z.array(reportKpi),
  villages: z.array(reportVillage),
  providers: z.array(reportProvider),
  services: z.array(reportService),
  devices: z.array(reportDevice),
  months: z.array(reportMonth),
  incidents: z.array(reportIncident),
  data_quality: reportDataQuality,
  /** Appendix: every InfluxQL query the figures came from, exactly as run. */
  queries: z.array(reportQuery),
});

export type ReportData = z.infer<typeof reportData>;
export type ReportKpi = z.infer<typeof reportKpi>;
export type ReportVillage = z.infer<typeof reportVillage>;
export type ReportProvider = z.infer<typeof reportProvider>;
export type ReportDevice = z.infer<typeof reportDevice>;
export type ReportService = z.infer<typeof reportService>;
export type ReportMonth = z.infer<typeof reportMonth>;
export type ReportIncident = z.infer<typeof reportIncident>;
