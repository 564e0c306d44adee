/**
 * `merezha backup [--config FILE] [--out FILE]`: one archive of the
 * installation, made while Merezha runs (or not): the config, the accounts and
 * API tokens, the maintenance windows, and InfluxDB's portable backup of the
 * database (measurements, outages, alert log). See app/backup/.
 */
import { join, resolve } from 'node:path';
import { createLogger } from '../../common/log.ts';
import { formatBytes } from '../../common/words/size.ts';
import { makeBackup, pruneArchives } from '../../app/backup/backup.ts';
import { archiveName } from '../../server/backups.ts';
import { errorMessage } from '../../storage/influx-client.ts';
import { parse, UsageError } from '../args.ts';
import { openDatabase, Refusal } from '../database.ts';
import { VERSION } from '../version.ts';
import { loadConfigOrReport } from './load.ts';

export const OPTIONS = { config: { type: 'string' }, out: { type: 'string' } } as const;

export async function backupCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS, true);
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const loaded = loadConfigOrReport(values.config);
  if (!loaded) return 1;
  const { config } = loaded;
  const log = createLogger();
  const scheduleDir = config.backup && resolve(config.backup.dir);
  const out = resolve(values.out ?? join(scheduleDir ?? '.', archiveName(Date.now())));

  let database;
  try {
    database = await openDatabase(config, log, 'backup');
  } catch (err) {
    if (!(err instanceof Refusal)) throw err;
    process.stderr.write(`merezha backup: ${err.message}\n`);
    return 1;
  }
  try {
    const made = await makeBackup({ config, configFile: loaded.path, database, out, version: VERSION, log });
    if (scheduleDir && resolve(out, '..') === scheduleDir) await pruneArchives(scheduleDir, config.backup!.keep, log);
    const files = made.manifest.files.length;
    process.stdout.write(
      `backup written: ${made.file}\n` +
        `  ${formatBytes(made.bytes)} in ${(made.tookMs / 1000).toFixed(1)} s: the config, ` +
        `${made.manifest.files.filter((f) => f.path.startsWith('server/')).length} server files and ` +
        `the database "${made.manifest.database}" (${made.manifest.measurements.length} measurements), ${files} files with checksums\n` +
        `  restore it with: merezha restore ${made.file}\n`,
    );
    return 0;
  } catch (err) {
    process.stderr.write(`merezha backup: failed, nothing written to ${out}: ${errorMessage(err)}\n`);
    return 1;
  } finally {
    await database.stop();
  }
}
