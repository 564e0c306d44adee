/**
 * The yearly connectivity report over HTTP: `GET /api/reports/<year>.json`
 * and `.csv` (open data), `.csv-excel` (the CSV for a spreadsheet in a
 * Ukrainian locale, downloaded as <name>-excel.csv), `.html` (a page to read
 * and print, shown in the browser) and `.pdf` (a download). A computed
 * report is kept for a minute per range, so a page and its download, or a
 * few people at once, cost InfluxDB one computation.
 */
import { REPORT_FORMATS, type ReportData, type ReportFormat } from '../../../common/report.ts';
import { localTime } from '../../../common/timezone.ts';
import { buildReport, MissingFontError, renderReport, yearRange } from '../../report/index.ts';
import { HttpError, route, type RouteDef } from '../route.ts';
import type { Services } from '../services.ts';

const CACHE_MS = 60_000;
const FILE_RE = new RegExp(`^(\\d{4})\\.(${REPORT_FORMATS.join('|')})$`);

const cache = new WeakMap<Services, Map<string, { at: number; report: Promise<ReportData> }>>();

function reportFor(services: Services, year: number, now: number): Promise<ReportData> {
  const { query, inventory } = services.dashboard;
  if (!query) throw new HttpError(503, 'InfluxDB was not reachable when Merezha started: there is no history to report from');
  const range = yearRange(year, services.config.hromada.timezone);
  const key = `${range.from}-${range.to}`;
  const entries = cache.get(services) ?? new Map<string, { at: number; report: Promise<ReportData> }>();
  cache.set(services, entries);
  for (const [k, e] of entries) if (now - e.at > CACHE_MS) entries.delete(k);
  let entry = entries.get(key);
  if (!entry) {
    const report = buildReport({ query, config: services.config, inventory, range, now });
    entry = { at: now, report };
    entries.set(key, entry);
    // A failed computation is not kept.
    report.catch(() => entries.delete(key));
  }
  return entry.report;
}

export const reportRoutes: RouteDef[] = [
  route({
    method: 'get',
    path: '/api/reports/:file',
    access: 'viewer',
    tag: 'reports',
    summary:
      'The connectivity report of a year: /api/reports/2026.json (the whole report) or .csv (every table, UTF-8) as open data, .csv-excel (the same CSV with ";" and decimal commas, for Excel in a Ukrainian locale), .html (a printable page in Ukrainian) or .pdf (A4)',
    handler: async ({ params, res, services }) => {
      const m = FILE_RE.exec(params.file ?? '');
      if (!m) throw new HttpError(404, 'no such report: ask for <year>.json, .csv, .csv-excel, .html or .pdf');
      const year = Number(m[1]);
      const format = m[2] as ReportFormat;
      const now = Date.now();
      if (year < 2000 || year > localTime(now, services.config.hromada.timezone).year) throw new HttpError(404, `no report for ${year}`);
      const report = await reportFor(services, year, now);
      const { body, contentType } = await renderReport(report, format).catch((err: unknown) => {
        if (err instanceof MissingFontError) throw new HttpError(503, err.message);
        throw err;
      });
      res.type(contentType).set('Cache-Control', 'private, max-age=60');
      if (format === 'csv' || format === 'pdf') res.attachment(`merezha-report-${year}.${format}`);
      if (format === 'csv-excel') res.attachment(`merezha-report-${year}-excel.csv`);
      res.send(body);
      return undefined;
    },
  }),
];
