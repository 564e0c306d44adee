/** Argument parsing shared by the commands, and the config file resolution they share. */
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {}

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export const USER_CONFIG = 'config/hromada.yaml';
/** The demo hromada ships with the package, so it is found from any working directory. */
export const DEMO_CONFIG = fileURLToPath(new URL('../config/example.yaml', import.meta.url));

/**
 * Which config to use: --config, then MEREZHA_CONFIG, then the user's
 * config/hromada.yaml, and only when none exists the demo hromada.
 */
export function resolveConfigPath(flag: string | undefined, env = process.env): { path: string; demo: boolean } {
  const chosen = flag ?? env.MEREZHA_CONFIG;
  if (chosen) return { path: chosen, demo: false };
  if (existsSync(USER_CONFIG)) return { path: USER_CONFIG, demo: false };
  // Relative when it can be, for readable error lines.
  return { path: relative(process.cwd(), DEMO_CONFIG), demo: true };
}
