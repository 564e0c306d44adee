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
import type { ReportData } from '../../common/report.ts';

export interface CsvTable {
  name: string;
  columns: string[];
  rows: CsvCell[][];
}

/** The tables in file order; the same names as the keys of the JSON form. */
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
    table('kpis', ['id', 'title', 'metric', 'direction', 'target', 'actual', 'met', 'unit', 'custom', 'note'], r.kpis, (k) => [
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
    ]),
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
      ],
    ),
    table('providers', ['id', 'name', 'links', 'uptime_pct', 'sla_pct', 'met', 'outages', 'downtime_h'], r.providers, (p) => [
      p.id,
      p.name,
      p.links,
      p.uptime_pct,
      p.sla_pct,
      p.met,
      p.outages,
      p.downtime_h,
    ]),
    table('services', ['id', 'name', 'uptime_pct', 'outages', 'downtime_s', 'monitored_s'], r.services, (s) => [
      s.id,
      s.name,
      s.uptime_pct,
      s.outages,
      s.downtime_s,
      s.monitored_s,
    ]),
    table(
      'devices',
      ['id', 'name', 'village', 'kind', 'provider', 'uptime_pct', 'outages', 'downtime_s', 'monitored_s'],
      r.devices,
      (d) => [d.id, d.name, d.village, d.kind, d.provider, d.uptime_pct, d.outages, d.downtime_s, d.monitored_s],
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
  const rows: CsvCell[][] = [];
  for (const t of reportTables(r)) {
    if (rows.length) rows.push([]);
    rows.push(['table', ...t.columns]);
    for (const row of t.rows) rows.push([t.name, ...row]);
  }
  return writeCsv(rows, REPORT_CSV_STYLES[style]);
}
