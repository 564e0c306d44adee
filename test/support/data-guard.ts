/**
 * Tests never touch the user's data. This checkout is also where a hromada
 * runs Merezha: `npm start` keeps its accounts, InfluxDB and spool under
 * ./data (the defaults of config/schema.ts) and reads config/hromada.yaml. A
 * harness that forgets its temp dir falls back to those paths, reads the real
 * users.json, or writes into the installation.
 *
 * Wired up in vitest.config.ts, three checks:
 * - in the test workers (data-guard-setup.ts), every node:fs call that takes
 *   a path throws on a guarded path and records it, so the test fails even
 *   when the code under test swallows the error;
 * - in the node processes the tests spawn (`merezha start` and the like,
 *   data-guard-child.ts), the same, recorded in a file the run reads at its end;
 * - around the whole run (data-guard-global.ts), the guarded paths are listed
 *   before and after, for any other process (influxd, a shell command).
 */
import fs, { lstatSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { USER_CONFIG } from '../../cli/args.ts';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../../', import.meta.url)));
export const USER_DATA_DIR = join(REPO_ROOT, 'data');

/** What a real installation in the checkout `root` keeps: the data folder and the user's config. */
const installationPaths = (root: string) => [join(root, 'data'), join(root, USER_CONFIG)];

/** Through the checkout's path and its real one (they differ behind a symlink). */
export const GUARDED_PATHS = [...new Set([REPO_ROOT, realpathSync(REPO_ROOT)])].flatMap(installationPaths);

export function isGuarded(path: string): boolean {
  const absolute = resolve(path);
  return GUARDED_PATHS.some((guarded) => absolute === guarded || absolute.startsWith(guarded + sep));
}

/** Names, in a spawned process, the file where its guard records what it touched. */
export const CHILD_LOG_ENV = 'MEREZHA_DATA_GUARD_LOG';

export class UserDataTouched extends Error {
  override name = 'UserDataTouched';
}

// node:fs is one module per worker, while vitest evaluates this file afresh for every test file: the record lives with fs.
const STATE = Symbol.for('merezha.dataGuard');
interface GuardState {
  touched: string[];
}
const state = ((globalThis as Record<symbol, GuardState | undefined>)[STATE] ??= { touched: [] });

/** The guarded paths opened since the last call, as "call(path)"; empties the record. */
export function takeTouched(): string[] {
  return state.touched.splice(0);
}

/** Calls whose first argument is a path (their *Sync and promise forms too). */
const ONE_PATH = [
  'access',
  'appendFile',
  'chmod',
  'chown',
  'createReadStream',
  'createWriteStream',
  'exists',
  'lchown',
  'lstat',
  'lutimes',
  'mkdir',
  'mkdtemp',
  'open',
  'openAsBlob',
  'opendir',
  'readdir',
  'readFile',
  'readlink',
  'realpath',
  'rm',
  'rmdir',
  'stat',
  'statfs',
  'truncate',
  'unlink',
  'utimes',
  'watch',
  'watchFile',
  'writeFile',
];
/** Calls whose first two arguments are paths. */
const TWO_PATHS = ['copyFile', 'cp', 'link', 'rename', 'symlink'];

function pathOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg instanceof URL) return arg.protocol === 'file:' ? fileURLToPath(arg) : undefined;
  if (Buffer.isBuffer(arg)) return arg.toString();
  return undefined; // a file descriptor or a FileHandle: its path was checked when it was opened
}

function guard(module: Record<string, unknown>, key: string, paths: number, onTouch: (call: string) => void): void {
  const original = module[key];
  if (typeof original !== 'function') return;
  const promised = module === (fs.promises as unknown);
  const guarded = function (this: unknown, ...args: unknown[]): unknown {
    for (const arg of args.slice(0, paths)) {
      const path = pathOf(arg);
      if (path === undefined || !isGuarded(path)) continue;
      const call = `${promised ? 'fs.promises' : 'fs'}.${key}(${resolve(path)})`;
      onTouch(call);
      const error = new UserDataTouched(
        `${call}: a test touched the user's data; give its harness a temp dir (test/support/data-guard.ts)`,
      );
      // As the call would fail: a promise rejects, so that `.catch()` in the code under test sees it.
      if (promised) return Promise.reject(error);
      throw error;
    }
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  };
  // Keeps realpath.native, exists' promisify.custom and the like.
  for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(original))) {
    if (name !== 'length' && name !== 'name' && name !== 'prototype') Object.defineProperty(guarded, name, descriptor);
  }
  module[key] = guarded;
}

/**
 * Wraps node:fs and node:fs/promises in this process, once however often it
 * is called: a guarded path throws, after `onTouch` heard of it (by default it
 * goes to `takeTouched()`).
 */
export function installDataGuard(onTouch: (call: string) => void = (call) => state.touched.push(call)): void {
  const marked = fs as unknown as Record<symbol, boolean>;
  if (marked[STATE]) return;
  marked[STATE] = true;
  const callbacks = fs as unknown as Record<string, unknown>;
  const promises = fs.promises as unknown as Record<string, unknown>;
  for (const [names, paths] of [
    [ONE_PATH, 1],
    [TWO_PATHS, 2],
  ] as const) {
    for (const name of names) {
      guard(callbacks, name, paths, onTouch);
      guard(callbacks, `${name}Sync`, paths, onTouch);
      guard(promises, name, paths, onTouch);
    }
  }
  // `import { readFile } from 'node:fs'` reads the ESM view of the module: bring it up to date.
  syncBuiltinESMExports();
}

/** Path (relative to the checkout) to its type, size and mtime. */
export type Listing = Map<string, string>;

/** Everything a real installation in the checkout `root` keeps, as it is now (symlinks not followed), but the paths in `skip`. */
export function listInstallation(root = REPO_ROOT, skip: string[] = []): Listing {
  const listing: Listing = new Map();
  const visit = (path: string) => {
    if (skip.includes(path)) return;
    let stat: fs.Stats;
    try {
      stat = lstatSync(path);
    } catch {
      return;
    }
    // A folder changes with its entries, which are listed themselves.
    if (stat.isDirectory()) {
      listing.set(relative(root, path), 'folder');
      for (const entry of readdirSync(path)) visit(join(path, entry));
      return;
    }
    const type = stat.isSymbolicLink() ? 'symlink' : 'file';
    listing.set(relative(root, path), `${type} ${stat.size} bytes, modified ${new Date(stat.mtimeMs).toISOString()}`);
  };
  for (const path of installationPaths(root)) visit(path);
  return listing;
}

/** What differs between two listings, one line per path. */
export function listingChanges(before: Listing, after: Listing): string[] {
  const changes: string[] = [];
  for (const [path, was] of before) {
    const now = after.get(path);
    if (now === undefined) changes.push(`removed ${path}`);
    else if (now !== was) changes.push(`changed ${path}: ${was} -> ${now}`);
  }
  for (const [path, now] of after) if (!before.has(path)) changes.push(`created ${path} (${now})`);
  return changes;
}

/**
 * The pid of a live process that owns the managed influxd under ./data (a
 * running `npm start`), from the owner file storage/managed-influxd.ts writes.
 */
export function runningInstallation(root = REPO_ROOT): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(join(root, 'data', 'influxdb', 'owner.pid'), 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!(pid > 0)) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    // EPERM: alive, but another user's.
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}
