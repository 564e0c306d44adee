/**
 * `merezha restore FILE [--config FILE]`: puts an archive of `merezha backup`
 * back onto a stopped or fresh installation: the config (to --config, else
 * MEREZHA_CONFIG, else config/hromada.yaml), the accounts, the maintenance
 * windows and the database. A damaged or foreign archive, a config that does
 * not load here or a running Merezha is refused with nothing changed.
 */
import { resolve } from 'node:path';
import { createLogger } from '../../common/log.ts';
import { formatLocalTime } from '../../common/iso-time.ts';
import { ArchiveError } from '../../app/backup/archive.ts';
import { restoreBackup } from '../../app/backup/restore.ts';
import { errorMessage } from '../../storage/influx-client.ts';
import { parse, resolveConfigPath, USER_CONFIG, UsageError } from '../args.ts';
import { askServer } from '../running.ts';

export const OPTIONS = { config: { type: 'string' } } as const;

export async function restoreCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS, true);
  if (positionals.length !== 1)
    throw new UsageError(positionals.length === 0 ? 'which archive? merezha restore FILE' : `unexpected argument "${positionals[1]}"`);
  const archive = resolve(positionals[0]!);
  // Never onto the shipped demo: a restored config is the user's own.
  const { path, demo } = resolveConfigPath(values.config);
  const configFile = resolve(demo ? USER_CONFIG : path);
  const log = createLogger();
  try {
    const restored = await restoreBackup({
      archive,
      configFile,
      log,
      busy: async (config) => {
        const answer = await askServer(config);
        return answer.running ? `Merezha is running (it answers at ${answer.url})` : undefined;
      },
    });
    const { manifest, config } = restored;
    const lines = [
      `restored "${manifest.hromada}" from the backup of ${formatLocalTime(manifest.created, config.hromada.timezone)} (Merezha ${manifest.merezha_version}) in ${(restored.tookMs / 1000).toFixed(1)} s`,
      `  config: ${configFile}`,
      `  database "${manifest.database}": ${manifest.measurements.length} measurements`,
      `  accounts and maintenance windows: ${resolve(config.server.data_dir)} (everyone signs in again)`,
    ];
    if (restored.keptAside.length > 0) {
      lines.push('  what was there before is kept; delete it once the restored Merezha works:');
      for (const path of restored.keptAside) lines.push(`    ${path}`);
    }
    lines.push('  start Merezha: systemctl start merezha (or npm start)');
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  } catch (err) {
    const why = err instanceof ArchiveError ? err.message : `failed: ${errorMessage(err)}`;
    process.stderr.write(`merezha restore: ${why}\nnothing was changed\n`);
    return 1;
  }
}
