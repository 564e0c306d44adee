/**
 * The report as one CSV file, in one of two styles. Pure.
 *
 * `plain` (`--format csv`, open data): "," between fields, numbers with a
 * decimal point, UTF-8 with a byte order mark (so that Excel shows Cyrillic),
 * CRLF line ends, RFC 4180 quoting. `excel` (`--format csv-excel`): the same
 * file as Excel and LibreOffice in a Ukrainian locale read it with a double
 * click: ";" between fields and a decimal comma (99,5), so that numbers are
 * numbers and columns are columns.
 *
 * Every table of the JSON form is a section: a header row whose first cell
 * is `table`, its rows, a blank line. The first column names the table of
 * every row, so one file holds the whole report (one download, one resource
 * on an open-data portal, nothing to keep in step) while a script still gets
 * each table by filtering on that column and a person sees each table under
 * its own header. Empty means no data.
 */
import { writeCsv, type CsvCell, type CsvStyle } from '../../common/csv.ts';
import type { DowntimeByCause, ReportData } from '../../common/report.ts';
import { OUTAGE_CAUSES } from '../../common/words/power.ts';

export interface CsvTable {
  name: string;
  columns: string[];
  rows: CsvCell[][];
}

/** `downtime_by_cause` and `uptime_adjusted_pct` as flat columns: downtime_power_s … downtime_unknown_s, uptime_adjusted_pct. */
export const FAIR_COLUMNS = [...OUTAGE_CAUSES.map((c) => `downtime_${c}_s`), 'uptime_adjusted_pct'];
export const fair = (x: { downtime_by_cause: DowntimeByCause; uptime_adjusted_pct: number | null }): CsvCell[] => [
  ...OUTAGE_CAUSES.map((c) => x.downtime_by_cause[c]),
  x.uptime_adjusted_pct,
];

/** The tables in file order; the same names as the keys of the JSON form (`power_…` for those of `power`). */
export function reportTables(r: ReportData): CsvTable[] {
  const table = <T>(name: string, columns: string[], items: readonly T[], row: (item: T) => CsvCell[]): CsvTable => ({
    name,
    columns,
    rows: items.map(row),
  });
  return [
    table('report', ['hromada', 'timezone', 'from', 'to', 'measured_to', 'generated_at'], [r], (x) => [
      x.hromada,
      x.timezone,
      x.from,
      x.to,
      x.measured_to,
      x.generated_at,
    ]),
    table('summary', ['text'], r.summary, (s) => [s]),
    table(
      'kpis',
      ['id', 'title', 'metric', 'direction', 'target', 'actual', 'met', 'unit', 'custom', 'note', 'basis_part', 'basis_whole'],
      r.kpis,
      (k) => [
        k.id,
        k.title,
        k.metric,
        k.direction,
        k.target,
        k.actual,
        k.met,
        k.unit,
        k.custom,
        k.note,
        k.basis?.part ?? null,
        k.basis?.whole ?? null,
      ],
    ),
    table(
      'villages',
      [
        'id',
        'name',
        'population',
        'uplinks',
        'uptime_pct',
        'outages',
        'downtime_s',
        'monitored_s',
        'longest_outage_s',
        'mttr_s',
        'institutions_online_pct',
        'wifi_zones',
        'wifi_avg_clients',
        'wifi_peak_clients',
        ...FAIR_COLUMNS,
      ],
      r.villages,
      (v) => [
        v.id,
        v.name,
        v.population,
        v.uplinks,
        v.uptime_pct,
        v.outages,
        v.downtime_s,
        v.monitored_s,
        v.longest_outage_s,
        v.mttr_s,
        v.institutions_online_pct,
        v.wifi.zones,
        v.wifi.avg_clients,
        v.wifi.peak_clients,
        ...fair(v),
      ],
    ),
    table(
      'providers',
      ['id', 'name', 'links', 'uptime_pct', 'sla_uptime_pct', 'sla_pct', 'met', 'outages', 'downtime_h', ...FAIR_COLUMNS],
      r.providers,
      (p) => [p.id, p.name, p.links, p.uptime_pct, p.sla_uptime_pct, p.sla_pct, p.met, p.outages, p.downtime_h, ...fair(p)],
    ),
    table('services', ['id', 'name', 'uptime_pct', 'outages', 'downtime_s', 'monitored_s', ...FAIR_COLUMNS], r.services, (s) => [
      s.id,
      s.name,
      s.uptime_pct,
      s.outages,
      s.downtime_s,
      s.monitored_s,
      ...fair(s),
    ]),
    table(
      'devices',
      ['id', 'name', 'village', 'kind', 'provider', 'uptime_pct', 'outages', 'downtime_s', 'monitored_s', ...FAIR_COLUMNS],
      r.devices,
      (d) => [d.id, d.name, d.village, d.kind, d.provider, d.uptime_pct, d.outages, d.downtime_s, d.monitored_s, ...fair(d)],
    ),
    table(
      'months',
      ['month', 'from', 'to', 'village_uptime_pct', 'wifi_avg_clients', 'wifi_peak_clients', 'monitored_pct'],
      r.months,
      (m) => [m.month, m.from, m.to, m.village_uptime_pct, m.wifi_avg_clients, m.wifi_peak_clients, m.monitored_pct],
    ),
    table('incidents', ['village', 'village_name', 'start', 'end', 'duration_s', 'uplinks'], r.incidents, (i) => [
      i.village,
      i.village_name,
      i.start,
      i.end,
      i.duration_s,
      i.uplinks.join(' '),
    ]),
    table(
      'power_villages',
      ['id', 'name', 'power_group', 'blackout_h', 'downtime_s', 'power_downtime_s', 'power_share_pct'],
      r.power.villages,
      (v) => [v.id, v.name, v.power_group, v.blackout_h, v.downtime_s, v.power_downtime_s, v.power_share_pct],
    ),
    table('power_supplies', ['id', 'name', 'village', 'episodes', 'ran_out', 'median_hold_s', 'longest_hold_s'], r.power.supplies, (x) => [
      x.id,
      x.name,
      x.village,
      x.episodes,
      x.ran_out,
      x.median_hold_s,
      x.longest_hold_s,
    ]),
    table(
      'power_invincibility_points',
      ['id', 'name', 'village', 'backup_power', 'backup_link', 'meets_requirement', 'lacks', 'blackout_h', 'online_pct'],
      r.power.invincibility_points,
      (p) => [p.id, p.name, p.village, p.backup_power, p.backup_link, p.meets_requirement, p.lacks.join(' '), p.blackout_h, p.online_pct],
    ),
    // excused_causes and cause_priority of the JSON form: which cause keeps shared time (1 first), which the adjusted uptime leaves out.
    table('causes', ['cause', 'priority', 'excused'], r.cause_priority, (c) => [
      c,
      r.cause_priority.indexOf(c) + 1,
      r.excused_causes.includes(c),
    ]),
    table('data_quality', ['monitored_pct', 'device_time_s', 'monitored_s', 'no_data_s'], [r.data_quality], (q) => [
      q.monitored_pct,
      q.device_time_s,
      q.monitored_s,
      q.no_data_s,
    ]),
    table('data_gaps', ['id', 'monitored_pct', 'no_data_s'], r.data_quality.gaps, (g) => [g.id, g.monitored_pct, g.no_data_s]),
    table('queries', ['figure', 'influxql'], r.queries, (q) => [q.figure, q.influxql]),
  ];
}

export type ReportCsvStyle = 'plain' | 'excel';

export const REPORT_CSV_STYLES: Record<ReportCsvStyle, CsvStyle> = {
  plain: { delimiter: ',', decimal: '.', bom: true, newline: '\r\n' },
  excel: { delimiter: ';', decimal: ',', bom: true, newline: '\r\n' },
};

export function reportCsv(r: ReportData, style: ReportCsvStyle = 'plain'): string {
  return tablesCsv(reportTables(r), style);
}

/** Tables as one file: each under its header row (first cell `table`), every row led by its table's name, a blank line between. */
export function tablesCsv(tables: readonly CsvTable[], style: ReportCsvStyle): string {
  const rows: CsvCell[][] = [];
  for (const t of tables) {
    if (rows.length) rows.push([]);
    rows.push(['table', ...t.columns]);
    for (const row of t.rows) rows.push([t.name, ...row]);
  }
  return writeCsv(rows, REPORT_CSV_STYLES[style]);
}
