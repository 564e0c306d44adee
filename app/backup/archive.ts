/**
 * The backup archive: a gzipped tar of a folder with `manifest.json` at its
 * top, which names every other file with its size and SHA-256. Packing and
 * unpacking use the system's GNU tar (Debian's essential `tar`), which also
 * lets an operator open an archive by hand. An archive is read back only after
 * every member name is checked (no absolute paths, no `..`, no links) and
 * every file matches the manifest, so a damaged or foreign file is refused
 * before anything is restored from it.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { z } from 'zod';

export const FORMAT = 'merezha-backup';
export const FORMAT_VERSION = 1;
export const MANIFEST = 'manifest.json';

const manifestFile = z.object({ path: z.string(), bytes: z.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) });

export const manifestSchema = z.object({
  format: z.literal(FORMAT),
  format_version: z.number().int().min(1),
  merezha_version: z.string(),
  /** When the backup started (ms since the epoch) and how long it took. */
  created: z.number().int(),
  took_ms: z.number().int(),
  hromada: z.string(),
  /** The config file's path on the machine it came from. */
  config_file: z.string(),
  database: z.string(),
  influx_version: z.string().nullable(),
  /** The measurements the database had, to check a restore against. */
  measurements: z.array(z.string()),
  files: z.array(manifestFile),
});
export type Manifest = z.output<typeof manifestSchema>;
export type ManifestFile = z.output<typeof manifestFile>;

/** Why an archive cannot be restored: damaged, foreign or from a newer Merezha. Nothing has been changed when it is thrown. */
export class ArchiveError extends Error {}

export async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Every regular file under `dir`, as paths relative to it with `/` separators, sorted. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

/** The manifest's list of the files under `dir`. */
export async function describeFiles(dir: string): Promise<ManifestFile[]> {
  const files: ManifestFile[] = [];
  for (const path of await filesUnder(dir)) {
    const full = join(dir, path);
    files.push({ path, bytes: (await stat(full)).size, sha256: await sha256Of(full) });
  }
  return files;
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (err = (err + chunk.toString('utf8')).slice(-2000)));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(err.trim().split('\n').slice(-2).join('; ') || `${command} exited with ${code}`)),
    );
  });
}

/**
 * Writes `manifest` into `dir` and packs the folder into `out`, through a
 * temporary file renamed at the end: a failed backup leaves no half archive
 * that retention would count as a good one. The archive is 0600: it holds
 * password hashes and maybe secrets of the config.
 */
export async function packArchive(dir: string, manifest: Manifest, out: string): Promise<void> {
  await writeFile(join(dir, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
  const partial = `${out}.partial`;
  await rm(partial, { force: true });
  await writeFile(partial, '', { mode: 0o600 });
  try {
    const members = [MANIFEST, ...manifest.files.map((f) => f.path)];
    await run('tar', [
      '--create',
      '--gzip',
      '--file',
      partial,
      '--directory',
      dir,
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      '--',
      ...members,
    ]);
    await rename(partial, out);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
}

/** A member name that unpacks inside the target folder: relative, no `..`, nothing odd. */
const safeMember = (name: string) =>
  name.length > 0 && !name.startsWith('/') && !name.split('/').some((part) => part === '..') && !/[\0\n\\]/.test(name);

/**
 * Unpacks `file` into the empty folder `into` and checks it against its
 * manifest; returns the manifest. Throws `ArchiveError` saying what is wrong.
 */
export async function unpackArchive(file: string, into: string): Promise<Manifest> {
  const exists = await stat(file).catch(() => undefined);
  if (!exists?.isFile()) throw new ArchiveError(`${file} is not a file`);
  let listing: string;
  try {
    // --verbose shows the type of each member: only plain files and folders are accepted.
    listing = await run('tar', ['--list', '--verbose', '--gzip', '--file', file]);
  } catch (err) {
    throw new ArchiveError(
      `${file} is not a readable .tar.gz archive (damaged, cut short, or another kind of file): ${(err as Error).message}`,
    );
  }
  const lines = listing.split('\n').filter(Boolean);
  for (const line of lines) {
    if (!/^[-d]/.test(line)) throw new ArchiveError(`${file} holds a link or a special file, which no Merezha backup has: ${line}`);
  }
  const names = (await run('tar', ['--list', '--gzip', '--file', file])).split('\n').filter(Boolean);
  const unsafe = names.find((name) => !safeMember(name.replace(/\/$/, '')));
  if (unsafe !== undefined) throw new ArchiveError(`${file} has a member outside its folder ("${unsafe}"): not a Merezha backup`);
  if (!names.includes(MANIFEST)) throw new ArchiveError(`${file} has no ${MANIFEST}: not a Merezha backup`);

  try {
    await run('tar', ['--extract', '--gzip', '--file', file, '--directory', into, '--no-same-owner', '--no-same-permissions']);
  } catch (err) {
    throw new ArchiveError(`${file} cannot be unpacked (damaged?): ${(err as Error).message}`);
  }
  let manifest: Manifest;
  try {
    const raw = JSON.parse(await readFile(join(into, MANIFEST), 'utf8')) as { format?: unknown; format_version?: unknown };
    if (raw.format !== FORMAT) throw new ArchiveError(`${file} is not a Merezha backup (its ${MANIFEST} is not one)`);
    if (typeof raw.format_version === 'number' && raw.format_version > FORMAT_VERSION) {
      throw new ArchiveError(
        `${file} was made by a newer Merezha (backup format ${raw.format_version}; this one reads ${FORMAT_VERSION}): upgrade Merezha, then restore`,
      );
    }
    manifest = manifestSchema.parse(raw);
  } catch (err) {
    if (err instanceof ArchiveError) throw err;
    throw new ArchiveError(`${file}: its ${MANIFEST} is damaged (${(err as Error).message.split('\n')[0]})`);
  }
  await checkFiles(file, into, manifest);
  return manifest;
}

/** Every file of the manifest present with its size and checksum, and no file it does not name. */
async function checkFiles(file: string, dir: string, manifest: Manifest): Promise<void> {
  const listed = new Set(manifest.files.map((f) => f.path));
  const extra = (await filesUnder(dir)).filter((path) => path !== MANIFEST && !listed.has(path));
  if (extra.length > 0)
    throw new ArchiveError(`${file} holds files its manifest does not name (${extra.slice(0, 3).join(', ')}): damaged or altered`);
  for (const entry of manifest.files) {
    const full = join(dir, entry.path);
    const info = await stat(full).catch(() => undefined);
    if (!info?.isFile()) throw new ArchiveError(`${file} lacks ${entry.path}, which its manifest names: damaged or cut short`);
    if (info.size !== entry.bytes || (await sha256Of(full)) !== entry.sha256) {
      throw new ArchiveError(`${file}: ${entry.path} does not match its checksum in the manifest: the archive is damaged`);
    }
  }
}
