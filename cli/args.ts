/** Argument parsing shared by the commands, and the config file resolution they share. */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
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

/** Where `merezha start` runs the demo hromada from: a working copy of config/example.yaml, which the dashboard may edit. */
export const DEMO_DIR = 'data/demo';
export const DEMO_COPY = 'hromada.yaml';
/** Beside the working copy: the version of config/example.yaml it was made from. */
export const DEMO_MADE_FROM = 'example.version';

export interface DemoCopy {
  /** The working copy, relative to the working directory when given so. */
  path: string;
  /** made: there was none; refreshed: the example changed since, and the old copy is kept as `backup`; kept: as it was. */
  state: 'made' | 'refreshed' | 'kept';
  backup?: string;
}

/**
 * The demo's working copy (`data/demo/hromada.yaml`): made from the example
 * when absent, made again when the example is not the version it was made
 * from (the old copy, with any edits made on the dashboard, kept beside it as
 * `hromada.yaml.<time>.bak`), kept otherwise. The repository's example itself
 * is never edited.
 */
export async function demoWorkingCopy(dir = DEMO_DIR, example = DEMO_CONFIG, now = new Date()): Promise<DemoCopy> {
  // Loaded here, not with the module: every command parses its arguments, few edit a config.
  const { versionOf } = await import('../config/edit.ts');
  const path = join(dir, DEMO_COPY);
  const madeFrom = join(dir, DEMO_MADE_FROM);
  const text = await readFile(example, 'utf8');
  const version = versionOf(text);
  const make = async () => {
    await writeFile(path, text);
    await writeFile(madeFrom, `${version}\n`);
  };
  await mkdir(dir, { recursive: true });
  const copy = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (copy === undefined) {
    await make();
    return { path, state: 'made' };
  }
  const recorded = (await readFile(madeFrom, 'utf8').catch(() => '')).trim();
  if (recorded === version) return { path, state: 'kept' };
  // No record, but the copy is the example as it is: nothing to refresh.
  if (recorded === '' && versionOf(copy) === version) {
    await writeFile(madeFrom, `${version}\n`);
    return { path, state: 'kept' };
  }
  const backup = `${path}.${now
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replaceAll(':', '')}.bak`;
  await rename(path, backup);
  await make();
  return { path, state: 'refreshed', backup };
}
