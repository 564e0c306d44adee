/**
 * The oblast report: the yearly KPIs of every hromada side by side and across
 * the oblast. Each hromada with an inventory is read and computed by the
 * hromada report itself (`server/report/`: the same reads and the same
 * computation as its own `merezha report`), over its own database at the
 * centre and with the config its inventory carried; a configured hromada
 * without one is listed as no data. The oblast's figures are pooled from the
 * hromadas' (`report-compute.ts`). `merezha central report` and
 * `GET /api/oblast/report/<year>.<format>` both come here.
 */
import { mapLimit } from '../common/map-limit.ts';
import { hromadaDatabase, type CentralConfig } from '../config/central.ts';
import type { Config } from '../config/schema.ts';
import { buildInventory } from '../server/inventory.ts';
import { computeReport } from '../server/report/compute.ts';
import { yearRange } from '../server/report/periods.ts';
import { readReportSource } from '../server/report/read.ts';
import type { Interval } from '../server/uptime.ts';
import type { Query } from '../storage/influx-query.ts';
import { composeOblastReport, STANDARD_KPIS, type HromadaMeasured } from './report-compute.ts';
import { oblastCsv } from './report-csv.ts';
import type { OblastReport } from './report-data.ts';
import { oblastHtml } from './report-html.ts';

export { oblastReport, type OblastFigures, type OblastHromada, type OblastKpi, type OblastReport } from './report-data.ts';

/** Hromadas read at once; each runs its own queries several at a time (`read.ts`). */
const CONCURRENCY = 3;

export const OBLAST_REPORT_FORMATS = ['json', 'csv', 'csv-excel', 'html'] as const;
export type OblastReportFormat = (typeof OBLAST_REPORT_FORMATS)[number];

export interface OblastReportOptions {
  central: CentralConfig;
  /** Each hromada's latest inventory (its shared config), by id; a configured hromada missing here is no data. */
  inventories: ReadonlyMap<string, Config>;
  /** InfluxQL against one database of the central InfluxDB. */
  query: (database: string) => Query;
  range: Interval;
  now: number;
  /** Called as hromadas are done (those without data count at once). */
  progress?: (done: number, total: number) => void;
}

/** The oblast's calendar year, in its time zone: what `GET /api/oblast/report/<year>` covers. */
export const oblastYearRange = (central: CentralConfig, year: number): Interval => yearRange(year, central.oblast.timezone);

/**
 * One hromada's report of `range` over its database, and the oblast's
 * standard figures measured by the same definitions from the same reads
 * (computing is pure and cheap next to reading).
 */
async function measureHromada(query: Query, config: Config, range: Interval, now: number): Promise<HromadaMeasured> {
  const inventory = buildInventory(config);
  const source = await readReportSource(query, config, inventory, range, now);
  return {
    config,
    report: computeReport(source, { config, inventory, range, now }),
    standard: computeReport(source, { config: { ...config, kpis: STANDARD_KPIS }, inventory, range, now }).kpis,
  };
}

export async function buildOblastReport(options: OblastReportOptions): Promise<OblastReport> {
  const { central, inventories, range, now } = options;
  let done = 0;
  const total = central.hromadas.length;
  options.progress?.(0, total);
  const hromadas = await mapLimit(central.hromadas, CONCURRENCY, async ({ id, name }) => {
    const config = inventories.get(id);
    const measured = config && (await measureHromada(options.query(hromadaDatabase(central, id)), config, range, now));
    options.progress?.(++done, total);
    return { id, name, ...(measured ? { measured } : {}) };
  });
  return composeOblastReport({ oblast: central.oblast.name, timezone: central.oblast.timezone, range, now, hromadas });
}

/** The report in one of its forms (no PDF at the oblast level). */
export function renderOblastReport(report: OblastReport, format: OblastReportFormat): { body: string; contentType: string } {
  switch (format) {
    case 'csv':
      return { body: oblastCsv(report), contentType: 'text/csv; charset=utf-8' };
    case 'csv-excel':
      return { body: oblastCsv(report, 'excel'), contentType: 'text/csv; charset=utf-8' };
    case 'html':
      return { body: oblastHtml(report), contentType: 'text/html; charset=utf-8' };
    case 'json':
      return { body: `${JSON.stringify(report, null, 2)}\n`, contentType: 'application/json; charset=utf-8' };
  }
}
