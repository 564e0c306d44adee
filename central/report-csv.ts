/**
 * The oblast report as one CSV file, laid out as the hromada report's
 * (`server/report/csv.ts`): each table under its own header row, the first
 * column naming the table of every row, open data (`plain`) or for a
 * spreadsheet in a Ukrainian locale (`excel`). `hromadas` has a row per
 * hromada and then the oblast's (`level` = `oblast`); `kpis` a row per
 * hromada's KPI and then the oblast's of each group. Empty means no data: a
 * hromada without an inventory has every figure empty, never 0. Pure.
 */
import type { CsvCell } from '../common/csv.ts';
import { FAIR_COLUMNS, fair, tablesCsv, type CsvTable, type ReportCsvStyle } from '../server/report/csv.ts';
import type { OblastFigures, OblastReport } from './report-data.ts';

const FIGURE_COLUMNS = [
  'villages',
  'monitored_s',
  'downtime_s',
  'uptime_pct',
  ...FAIR_COLUMNS,
  'institutions',
  'institutions_high_speed',
  'institutions_high_speed_pct',
  'wifi_zones_installed',
  'wifi_zones_in_service',
  'wifi_zones_added',
  'invincibility_points',
  'invincibility_points_meeting_requirement',
  'invincibility_points_judged_s',
  'invincibility_points_online_s',
  'invincibility_points_online_pct',
  'device_time_s',
  'device_monitored_s',
  'monitored_pct',
];

function figureCells(f: OblastFigures | null): CsvCell[] {
  if (!f) return FIGURE_COLUMNS.map(() => null);
  const p = f.invincibility_points;
  return [
    f.villages,
    f.monitored_s,
    f.downtime_s,
    f.uptime_pct,
    ...fair(f),
    f.institutions.total,
    f.institutions.high_speed,
    f.institutions.high_speed_pct,
    f.wifi_zones.installed,
    f.wifi_zones.in_service,
    f.wifi_zones.added,
    p.total,
    p.meeting_requirement,
    p.judged_s,
    p.online_s,
    p.online_pct,
    f.data_quality.device_time_s,
    f.data_quality.monitored_s,
    f.data_quality.monitored_pct,
  ];
}

export function oblastTables(r: OblastReport): CsvTable[] {
  return [
    {
      name: 'report',
      columns: ['oblast', 'timezone', 'from', 'to', 'measured_to', 'generated_at'],
      rows: [[r.oblast, r.timezone, r.from, r.to, r.measured_to, r.generated_at]],
    },
    { name: 'summary', columns: ['text'], rows: r.summary.map((s) => [s]) },
    {
      name: 'hromadas',
      columns: ['level', 'id', 'name', 'status', ...FIGURE_COLUMNS],
      rows: [
        ...r.hromadas.map((h) => ['hromada', h.id, h.name, h.status, ...figureCells(h.figures)]),
        ['oblast', '', r.oblast, r.oblast_figures ? 'reported' : 'no_data', ...figureCells(r.oblast_figures)],
      ],
    },
    {
      name: 'kpis',
      columns: [
        'key',
        'metric',
        'title',
        'level',
        'hromada',
        'kpi_id',
        'kpi_title',
        'direction',
        'target',
        'actual',
        'met',
        'unit',
        'basis_part',
        'basis_whole',
        'hromadas_measured',
        'hromadas_met',
      ],
      rows: r.kpis.flatMap((k) => [
        ...k.entries.map((e) => [
          k.key,
          k.metric,
          k.title,
          'hromada',
          e.hromada,
          e.id,
          e.title,
          e.direction,
          e.target,
          e.actual,
          e.met,
          k.unit,
          e.basis?.part ?? null,
          e.basis?.whole ?? null,
          null,
          null,
        ]),
        [
          k.key,
          k.metric,
          k.title,
          'oblast',
          null,
          null,
          null,
          k.direction,
          k.target,
          k.actual,
          k.met,
          k.unit,
          k.basis?.part ?? null,
          k.basis?.whole ?? null,
          k.hromadas_measured,
          k.hromadas_met,
        ],
      ]),
    },
    // excused_causes and cause_priority of the JSON form, as in the hromada report.
    {
      name: 'causes',
      columns: ['cause', 'priority', 'excused'],
      rows: r.cause_priority.map((c, i) => [c, i + 1, r.excused_causes.includes(c)]),
    },
  ];
}

export function oblastCsv(r: OblastReport, style: ReportCsvStyle = 'plain'): string {
  return tablesCsv(oblastTables(r), style);
}
