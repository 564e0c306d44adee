/**
 * The yearly connectivity report: read (`read.ts`), compute (`compute.ts`),
 * and render as JSON, CSV, a web page or a PDF. `merezha report` and `/api/reports/<year>.<fmt>`
 * both come here.
 */
import type { ReportData, ReportFormat } from '../../common/report.ts';
import type { Query } from '../../storage/influx-query.ts';
import { computeReport, type ReportOptions } from './compute.ts';
import { reportCsv } from './csv.ts';
import { reportHtml } from './html.ts';
import { reportPdf } from './pdf.ts';
import { readReportSource } from './read.ts';

export { yearRange } from './periods.ts';

export async function buildReport(
  options: ReportOptions & { query: Query; progress?: (done: number, total: number) => void },
): Promise<ReportData> {
  const { query, config, inventory, range, now } = options;
  const source = await readReportSource(query, config, inventory, range, now, options.progress);
  return computeReport(source, { config, inventory, range, now });
}

export { MissingFontError } from './pdf.ts';

/** The report in one of its forms; the PDF is binary, and fails with `MissingFontError` without the DejaVu fonts. */
export async function renderReport(report: ReportData, format: ReportFormat): Promise<{ body: string | Buffer; contentType: string }> {
  switch (format) {
    case 'csv':
      return { body: reportCsv(report), contentType: 'text/csv; charset=utf-8' };
    case 'csv-excel':
      return { body: reportCsv(report, 'excel'), contentType: 'text/csv; charset=utf-8' };
    case 'html':
      return { body: reportHtml(report), contentType: 'text/html; charset=utf-8' };
    case 'pdf':
      return { body: await reportPdf(report), contentType: 'application/pdf' };
    case 'json':
      return { body: `${JSON.stringify(report, null, 2)}\n`, contentType: 'application/json; charset=utf-8' };
  }
}
