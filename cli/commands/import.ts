/**
 * `merezha import --from DATE --to DATE --outages FILE.csv [--config FILE] [--dry-run]`:
 * loads availability from before Merezha, or from another tool, so that a
 * hromada that starts mid-year can still report the whole year.
 *
 * All or nothing: the file is checked row by row (`server/backfill/outages-csv.ts`),
 * then the database for data the import would overlap (`server/backfill/conflicts.ts`);
 * only when both are clean are the points (`server/backfill/import-plan.ts`)
 * written, in one request.
 */
import { readFile } from 'node:fs/promises';
import type { InfluxDB } from 'influx';
import { basename } from 'node:path';
import { classifyWriteError, createInfluxClient, createLineWriter, errorMessage } from '../../storage/influx-client.ts';
import { retentionPolicyOf, setupInflux } from '../../storage/influx-setup.ts';
import { toLine } from '../../storage/line-protocol.ts';
import type { MeasurementName } from '../../storage/measurements.ts';
import { checkPoint } from '../../storage/point-check.ts';
import type { Point } from '../../storage/point.ts';
import { createLogger, type Logger } from '../../common/log.ts';
import type { Config } from '../../config/schema.ts';
import { importConflicts } from '../../server/backfill/conflicts.ts';
import { importPoints, importRange, importSummary } from '../../server/backfill/import-plan.ts';
import { readOutagesFile } from '../../server/backfill/outages-csv.ts';
import { buildInventory } from '../../server/inventory.ts';
import { influxQuery } from '../../storage/influx-query.ts';
import { parse, UsageError } from '../args.ts';
import { openDatabase, Refusal, type Database } from '../database.ts';
import { loadConfigOrReport } from './load.ts';

export const OPTIONS = {
  config: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  outages: { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
} as const;

export async function importCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, OPTIONS);
  if (values.from === undefined || values.to === undefined || values.outages === undefined) {
    throw new UsageError('needs --from DATE, --to DATE and --outages FILE.csv (see merezha import --help)');
  }
  const loaded = loadConfigOrReport(values.config);
  if (!loaded) return 1;
  // Imported history is permanent: it must go with the hromada's own config, never the demo's.
  if (loaded.demo) throw new UsageError('needs your config: --config FILE or MEREZHA_CONFIG (there is no config/hromada.yaml)');
  const { config } = loaded;
  const timeZone = config.hromada.timezone;
  const range = importRange(values.from, values.to, { timeZone, now: Date.now(), keepMs: config.storage.retention.rollup });
  if ('problem' in range) throw new UsageError(range.problem);

  const text = await readText(values.outages);
  if (text === undefined) return 1;
  const inventory = buildInventory(config);
  const file = readOutagesFile(text, { file: values.outages, inventory, range, timeZone });
  if (file.errors.length > 0) return refuse(file.errors);
  const bodies = encode(importPoints(inventory, range, file.outages, basename(values.outages)));
  const summary = importSummary(inventory, range, file.outages, timeZone);

  const log = createLogger({ level: process.env.MEREZHA_LOG_LEVEL ?? 'warn' });
  let database: Database | undefined;
  try {
    database = await openDatabase(config, log);
    const { connection } = database;
    const influx = createInfluxClient(connection);
    const exists = (await influx.getDatabaseNames()).includes(connection.database);
    if (!values['dry-run']) await setUp(influx, connection.database, config, log);
    // A database that does not exist yet holds nothing to overlap.
    const conflicts = exists ? await importConflicts(influxQuery(connection), inventory, range, timeZone) : [];
    if (conflicts.length > 0) return refuse(conflicts);
    if (values['dry-run']) {
      const lines = [...bodies.values()].flat();
      process.stdout.write(`${lines.join('\n')}\ndry run: would import ${summary}; nothing was written\n`);
      return 0;
    }
    const writeLines = createLineWriter(connection);
    for (const [policy, lines] of bodies) await writeLines(policy, lines.join('\n'));
    process.stdout.write(`imported ${summary}\n`);
    return 0;
  } catch (err) {
    if (err instanceof Refusal) return refuse([err.message]);
    // InfluxDB failed a query, the setup or the write (one request: it took all of it or nothing).
    return refuse([`talking to InfluxDB at ${database?.connection.url ?? 'its address'} failed: ${errorMessage(err)}`]);
  } finally {
    await database?.stop();
  }
}

function refuse(problems: string[]): number {
  process.stderr.write(`${problems.join('\n')}\nmerezha import: nothing was imported\n`);
  return 1;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    // Fatal: a file in another encoding (a Windows-1251 export) must not import as garbled ids.
    return new TextDecoder('utf-8', { fatal: true }).decode(await readFile(path));
  } catch (err) {
    const { code } = err as NodeJS.ErrnoException;
    const reason = code === 'ENOENT' ? 'no such file' : code === undefined ? 'it is not UTF-8 text' : errorMessage(err);
    process.stderr.write(`${path}: cannot read the outages file: ${reason}\n`);
    return undefined;
  }
}

/** The database and retention policies, as `merezha start` makes them; refused setup (no admin rights) is not fatal, as for the writer. */
async function setUp(influx: InfluxDB, database: string, config: Config, log: Logger): Promise<void> {
  const retention = { rawMs: config.storage.retention.raw, rollupMs: config.storage.retention.rollup };
  try {
    await setupInflux(influx, { database, retention, log });
  } catch (err) {
    if (classifyWriteError(err) === 'unavailable') throw err;
    log.warn({ err: errorMessage(err) }, 'InfluxDB refused the setup of the database; importing anyway');
  }
}

/** Line protocol by retention policy: every point of an import goes to `events`, so it is written in one request. */
function encode(points: Point[]): Map<string, string[]> {
  const bodies = new Map<string, string[]>();
  for (const point of points) {
    const check = checkPoint(point);
    // The points are built from the schema: a refusal here is a bug, not the user's to fix.
    if (!check.ok) throw new Error(`an imported point breaks the schema: ${check.reason}`);
    const policy = retentionPolicyOf(point.measurement as MeasurementName);
    const lines = bodies.get(policy) ?? [];
    lines.push(toLine(check.point));
    bodies.set(policy, lines);
  }
  return bodies;
}
