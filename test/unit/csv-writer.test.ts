/**
 * The one CSV writer (common/csv.ts) and the report's two CSV styles
 * (server/report/csv.ts): open data with "," and decimal points, and the file
 * a spreadsheet in a Ukrainian locale opens as columns of numbers.
 */
import { describe, expect, it } from 'vitest';
import { readCsv, writeCsv, type CsvStyle } from '../../common/csv.ts';
import type { ReportData } from '../../common/report.ts';
import { REPORT_CSV_STYLES, reportCsv, reportTables } from '../../server/report/csv.ts';

const PLAIN: CsvStyle = { delimiter: ',', decimal: '.', bom: false, newline: '\n' };
const EXCEL: CsvStyle = { delimiter: ';', decimal: ',', bom: true, newline: '\r\n' };

describe('writeCsv', () => {
  it('quotes a field holding its separator, a quote or a line break, or spaces at an end, and no other', () => {
    const rows = [['plain', 'a,b', 'a;b', 'say "hi"', 'two\nlines', ' padded', 99.5, -0.25, 3, true, null]];
    expect(writeCsv(rows, PLAIN)).toBe('plain,"a,b",a;b,"say ""hi""","two\nlines"," padded",99.5,-0.25,3,true,\n');
    expect(writeCsv(rows, EXCEL)).toBe('\uFEFFplain;a,b;"a;b";"say ""hi""";"two\nlines";" padded";99,5;-0,25;3;true;\r\n');
  });

  it('writes an empty row as an empty line, and text as it is: only numbers get the decimal comma', () => {
    expect(writeCsv([['a'], [], ['99.5', 99.5]], EXCEL)).toBe('\uFEFFa\r\n\r\n99.5;99,5\r\n');
  });

  it('reads back through readCsv with the same separator', () => {
    const rows = [['Макариха', 'a;b', 'a,b', 'say "hi"', '1,5']];
    for (const style of [PLAIN, EXCEL]) {
      expect(readCsv(writeCsv(rows, style), { delimiter: style.delimiter }).records).toEqual([{ line: 1, fields: rows[0] }]);
    }
  });
});

const REPORT: ReportData = {
  hromada: 'Тестова громада',
  timezone: 'Europe/Kyiv',
  from: '2025-12-31T22:00:00.000Z',
  to: '2026-12-31T22:00:00.000Z',
  measured_to: '2026-06-01T00:00:00.000Z',
  generated_at: '2026-06-01T00:00:00.000Z',
  summary: ['Зв’язок був у 99,5% часу; найдовше відключення — 2 год.'],
  kpis: [
    {
      id: 'settlements',
      title: 'Села з інтернетом',
      metric: 'settlements_connected_pct',
      direction: 'at_least',
      target: 95,
      actual: 99.52,
      basis: { part: 12_983_777.5, whole: 13_046_400 },
      met: true,
      unit: '%',
      custom: false,
      note: '',
    },
  ],
  villages: [
    {
      id: 'makarykha',
      name: 'Макариха',
      population: 540,
      uplinks: 2,
      uptime_pct: 99.52,
      outages: 1,
      downtime_s: 7200.5,
      monitored_s: 13_046_400,
      longest_outage_s: 7200.5,
      mttr_s: 7200.5,
      institutions_online_pct: null,
      wifi: { zones: 1, avg_clients: 3.25, peak_clients: 12 },
      downtime_by_cause: { power: 7200.5, scheduled_blackout: 0, provider: 0, upstream: 0, device: 0, maintenance: 0, unknown: 0 },
      uptime_adjusted_pct: 99.52,
    },
  ],
  providers: [],
  services: [],
  devices: [],
  months: [],
  incidents: [],
  power: { villages: [], supplies: [], invincibility_points: [] },
  excused_causes: ['scheduled_blackout', 'maintenance'],
  cause_priority: ['maintenance', 'power', 'scheduled_blackout', 'upstream', 'provider', 'device', 'unknown'],
  data_quality: { monitored_pct: 100, device_time_s: 10, monitored_s: 10, no_data_s: 0, gaps: [] },
  queries: [{ figure: 'villages', influxql: 'SELECT "up" FROM "rollup"."uptime"; SELECT 1' }],
};

describe('the report as CSV', () => {
  it('plain: "," and decimal points, with the byte order mark and CRLF it always had', () => {
    const csv = reportCsv(REPORT);
    expect(csv).toBe(reportCsv(REPORT, 'plain'));
    expect(csv.startsWith('\uFEFFtable,hromada,timezone,from,to,measured_to,generated_at\r\n')).toBe(true);
    expect(csv).toContain('\r\ntable,id,name,population,uplinks,uptime_pct,');
    expect(csv).toContain(
      '\r\nvillages,makarykha,Макариха,540,2,99.52,1,7200.5,13046400,7200.5,7200.5,,1,3.25,12,7200.5,0,0,0,0,0,0,99.52\r\n',
    );
    expect(csv).toContain('\r\nsummary,"Зв’язок був у 99,5% часу; найдовше відключення — 2 год."\r\n');
    expect(csv).toContain('\r\nqueries,villages,"SELECT ""up"" FROM ""rollup"".""uptime""; SELECT 1"\r\n');
  });

  it('excel: the same tables with ";" and decimal commas, a byte order mark and CRLF', () => {
    const csv = reportCsv(REPORT, 'excel');
    expect(REPORT_CSV_STYLES.excel).toEqual({ delimiter: ';', decimal: ',', bom: true, newline: '\r\n' });
    expect(csv.startsWith('\uFEFFtable;hromada;timezone;from;to;measured_to;generated_at\r\n')).toBe(true);
    expect(csv).toContain(
      '\r\nvillages;makarykha;Макариха;540;2;99,52;1;7200,5;13046400;7200,5;7200,5;;1;3,25;12;7200,5;0;0;0;0;0;0;99,52\r\n',
    );
    expect(csv).toContain(
      '\r\nkpis;settlements;Села з інтернетом;settlements_connected_pct;at_least;95;99,52;true;%;false;;12983777,5;13046400\r\n',
    );
    // Text keeps its own commas and points; a ";" in it is quoted.
    expect(csv).toContain('\r\nsummary;"Зв’язок був у 99,5% часу; найдовше відключення — 2 год."\r\n');
    expect(csv.endsWith('\r\n')).toBe(true);
  });

  it('holds the same tables, row for row, in both styles', () => {
    const read = (text: string, delimiter: ',' | ';') => readCsv(text, { delimiter }).records.map((r) => r.fields);
    const plain = read(reportCsv(REPORT), ',');
    const excel = read(reportCsv(REPORT, 'excel'), ';');
    expect(excel.length).toBe(plain.length);
    expect(plain.length).toBe(reportTables(REPORT).reduce((n, t) => n + 1 + t.rows.length, 0));
    expect(excel.map((fields) => fields.map((f) => f.replace(/^(-?\d+),(\d+)$/, '$1.$2')))).toEqual(plain);
  });
});
