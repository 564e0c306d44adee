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
 *
 * Downtime is split by cause (`downtime_by_cause`, the seven causes of
 * `OUTAGE_CAUSES`, an admin's reclassification counting over Merezha's
 * judgement): where causes overlap in time, the time goes to one of them, the
 * first of `CAUSE_PRIORITY`. Beside the raw uptime (the headline),
 * `uptime_adjusted_pct` leaves the excused causes (`EXCUSED_CAUSES`:
 * scheduled blackouts and maintenance) out of both the judged and the down
 * time.
 */
import { z } from 'zod';
import { DEVICE_KINDS } from './words/names.ts';
import { BACKUP_LINKS, BACKUP_POWER, OUTAGE_CAUSES, type OutageCause } from './words/power.ts';

export const KPI_METRICS = [
  'settlements_connected_pct',
  'institutions_high_speed_pct',
  'wifi_zones_in_service',
  'wifi_zones_installed',
  'service_uptime_pct',
  'provider_sla',
  'invincibility_points_online_pct',
  'influxql',
] as const;
export type KpiMetric = (typeof KPI_METRICS)[number];
export const KPI_DIRECTIONS = ['at_least', 'at_most'] as const;

/** csv is open data (",", decimal point); csv-excel the same tables for a spreadsheet in a Ukrainian locale (";", decimal comma). */
export const REPORT_FORMATS = ['json', 'csv', 'csv-excel', 'html', 'pdf'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const iso = z.string();
const pct = z.number().min(0).max(100).nullable();

/**
 * Which cause keeps time that several causes share: planned work first (it
 * explains whatever else fell then), then the power (mains gone, on a
 * schedule or not), then being cut off behind a parent, and only then the
 * line itself, the device, or nothing known.
 */
export const CAUSE_PRIORITY = [
  'maintenance',
  'power',
  'scheduled_blackout',
  'upstream',
  'provider',
  'device',
  'unknown',
] as const satisfies readonly OutageCause[];

const seconds = z.number().min(0);
/** Down time per cause, seconds: every cause present, together the downtime. */
export const downtimeByCause = z.object({
  power: seconds,
  scheduled_blackout: seconds,
  provider: seconds,
  upstream: seconds,
  device: seconds,
  maintenance: seconds,
  unknown: seconds,
} satisfies Record<OutageCause, typeof seconds>);

/** The cause split, and uptime without the excused causes (null when nothing but excused time was monitored). */
const fair = {
  downtime_by_cause: downtimeByCause,
  uptime_adjusted_pct: pct,
};

export const reportKpi = z.object({
  id: z.string(),
  title: z.string(),
  metric: z.enum(KPI_METRICS),
  direction: z.enum(KPI_DIRECTIONS),
  target: z.number(),
  /** null when there was no data to measure it. */
  actual: z.number().nullable(),
  /**
   * What a share is a share of, so that it can be pooled over hromadas (the
   * oblast report): actual = 100 × part / whole, in seconds (time up of time
   * judged) or in institutions (on high-speed links of all). null for a count
   * (Free WiFi zones) and a custom query's number.
   */
  basis: z.object({ part: z.number().min(0), whole: z.number().min(0) }).nullable(),
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
  /** Time cut off behind a parent counts as `upstream`. */
  ...fair,
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
  /** Offline time by the causes of the uplinks' outages that made it (at each moment the first in `CAUSE_PRIORITY`). */
  ...fair,
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
  /** Pooled over its links: their up time over their monitored time, whatever the cause (raw). */
  uptime_pct: pct,
  /** What the SLA is judged on: the same, counting only provider-caused downtime as down. */
  sla_uptime_pct: pct,
  sla_pct: z.number().nullable(),
  /** sla_uptime_pct ≥ sla_pct. */
  met: z.boolean().nullable(),
  outages: z.number().int(),
  /** All its links' downtime, whatever the cause. */
  downtime_h: z.number(),
  ...fair,
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

/** A village's hours without power, and how much of its time offline the power explains. */
export const reportPowerVillage = z.object({
  id: z.string(),
  name: z.string(),
  /** Its blackout queue (черга); null when the config gives none. */
  power_group: z.string().nullable(),
  /** Without power: its supplies on battery or out, or its queue in a definite slot (the union; within the range). */
  blackout_h: z.number(),
  downtime_s: z.number(),
  /** Of that, due to the power: causes power and scheduled_blackout. */
  power_downtime_s: z.number(),
  /** power_downtime_s over downtime_s; null without downtime. */
  power_share_pct: pct,
});

/** How one supply (a UPS, a router on a DC UPS) held without mains: its episodes that began in the range. */
export const reportSupply = z.object({
  id: z.string(),
  name: z.string(),
  village: z.string(),
  /** Times it went without mains. */
  episodes: z.int(),
  /** Times it ran out (or fell silent) before mains came back. */
  ran_out: z.int(),
  /** From going on battery to running out or mains back, over the episodes that ended; null without one. */
  median_hold_s: z.number().nullable(),
  longest_hold_s: z.number().nullable(),
});

/** An Invincibility Point (Пункт незламності): whether it has what it needs, and whether it stayed online without power. */
export const reportInvincibilityPoint = z.object({
  id: z.string(),
  name: z.string(),
  village: z.string(),
  backup_power: z.enum(BACKUP_POWER).nullable(),
  backup_link: z.enum(BACKUP_LINKS).nullable(),
  /** Both backups given and not `none`. */
  meets_requirement: z.boolean(),
  /** What it lacks. */
  lacks: z.array(z.enum(['backup_power', 'backup_link'])),
  /** Its hours without power (its village's supplies, its queue) within the range. */
  blackout_h: z.number(),
  /** Share of those hours, where monitored, that it was up; null when none was monitored. */
  online_pct: pct,
});

export const reportPower = z.object({
  villages: z.array(reportPowerVillage),
  supplies: z.array(reportSupply),
  invincibility_points: z.array(reportInvincibilityPoint),
});

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
  /** Impact of power outages (Вплив відключень електроенергії). */
  power: reportPower,
  /** What `uptime_adjusted_pct` leaves out. */
  excused_causes: z.array(z.enum(OUTAGE_CAUSES)),
  /** Which cause keeps time several causes share, first wins. */
  cause_priority: z.array(z.enum(OUTAGE_CAUSES)),
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
export type DowntimeByCause = z.infer<typeof downtimeByCause>;
export type ReportPower = z.infer<typeof reportPower>;
