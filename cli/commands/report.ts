/**
 * `merezha report [--year YYYY | --from DATE --to DATE] [--format json|csv|csv-excel|html|pdf] [--out FILE] [--config FILE]`:
 * the yearly connectivity report (`server/report/`) from the data in InfluxDB,
 * read the way `merezha import` reaches it.
 */
import { writeFile } from 'node:fs/promises';
import { errorMessage } from '../../storage/influx-client.ts';
import { createLogger } from '../../common/log.ts';
import { REPORT_FORMATS, type ReportFormat } from '../../common/report.ts';
import { buildInventory } from '../../server/inventory.ts';
import { buildReport, renderReport } from '../../server/report/index.ts';
import { influxQuery } from '../../storage/influx-query.ts';
import { parse, UsageError } from '../args.ts';
import { reportRange } from '../report-range.ts';
import { openDatabase, Refusal, type Database } from '../database.ts';
import { loadConfigOrReport } from './load.ts';

export const OPTIONS = {
  config: { type: 'string' },
  year: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
} as const;

export async function reportCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, OPTIONS);
  const format = values.format ?? 'json';
  if (!(REPORT_FORMATS as readonly string[]).includes(format))
    throw new UsageError(`--format must be ${REPORT_FORMATS.join(', ')} (got ${format})`);
  const loaded = loadConfigOrReport(values.config);
  if (!loaded) return 1;
  const { config } = loaded;
  const now = Date.now();
  const range = reportRange(values, config.hromada.timezone, now);
  if ('problem' in range) throw new UsageError(range.problem);

  const log = createLogger({ level: process.env.MEREZHA_LOG_LEVEL ?? 'warn' });
  const started = Date.now();
  let database: Database | undefined;
  try {
    database = await openDatabase(config, log, 'report');
    // One line rewritten in place on a terminal; in a log, a line at the start and one at the end.
    const progress = (done: number, total: number) => {
      if (process.stderr.isTTY) process.stderr.write(`\rmerezha report: reading InfluxDB, ${done}/${total} queries`);
      else if (done === 0 || done === total) process.stderr.write(`merezha report: reading InfluxDB, ${done}/${total} queries\n`);
    };
    const report = await buildReport({
      query: influxQuery(database.connection),
      config,
      inventory: buildInventory(config),
      range,
      now,
      progress,
    });
    const { body } = await renderReport(report, format as ReportFormat).catch((err: unknown) => {
      throw new Refusal(`cannot make the ${format} report: ${errorMessage(err)}`);
    });
    if (values.out === undefined) process.stdout.write(body);
    else
      await writeFile(values.out, body).catch((err: unknown) => {
        throw new Refusal(`cannot write ${values.out}: ${errorMessage(err)}`);
      });
    process.stderr.write(
      `${process.stderr.isTTY ? '\n' : ''}merezha report: ${values.out ?? 'written'} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
    return 0;
  } catch (err) {
    const message =
      err instanceof Refusal
        ? err.message
        : `reading InfluxDB at ${database?.connection.url ?? 'its address'} failed: ${errorMessage(err)}`;
    process.stderr.write(`\n${message}\nmerezha report: no report was written\n`);
    return 1;
  } finally {
    await database?.stop();
  }
}
