/** `merezha check-config FILE`: exit 0 with a one-line summary, or every error and exit 1. */
import { parse, UsageError } from '../args.ts';
import { loadConfigOrReport } from './load.ts';

export async function checkConfigCommand(argv: string[]): Promise<number> {
  const { positionals } = parse(argv, {}, true);
  if (positionals.length !== 1) throw new UsageError('expects exactly one FILE');
  const file = positionals[0]!;
  const loaded = loadConfigOrReport(file);
  if (!loaded) return 1;
  const { config } = loaded;
  const devices = config.villages.reduce((n, v) => n + v.devices.length, 0);
  process.stdout.write(`${file}: OK (${config.villages.length} villages, ${devices} devices, ${config.services.length} services)\n`);
  return 0;
}
