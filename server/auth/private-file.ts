/**
 * Files only Merezha's user may read (users, tokens, sessions, the backup
 * ledger), written so a crash never leaves one half written: whole, to a
 * synced temporary file (0600) renamed over the old one. When root writes one
 * (`merezha user`, `merezha backup` beside the service), it goes to the
 * owner of its folder: the service's user must still read it.
 */
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from '../../common/log.ts';

export async function writePrivateFile(file: string, text: string): Promise<void> {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await mkdir(dirname(file), { recursive: true });
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await giveToFolderOwner(temp, dirname(file));
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * When root makes `path` (a file, or a folder with all in it) in `folder`,
 * gives it to the folder's owner: the service's user must read it, write it
 * and, for archives, delete it.
 */
export async function giveToFolderOwner(path: string, folder = dirname(path)): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const { uid, gid } = await stat(folder);
  if (uid === 0 && gid === 0) return;
  const visit = async (p: string): Promise<void> => {
    await chown(p, uid, gid);
    if ((await stat(p)).isDirectory()) for (const name of await readdir(p)) await visit(join(p, name));
  };
  await visit(path);
}

/** A file readable by others (copied in by hand, say) is made private. */
export async function restrictMode(file: string, log: Logger): Promise<void> {
  if (process.platform === 'win32') return;
  const { mode } = await stat(file);
  if ((mode & 0o077) !== 0) {
    await chmod(file, 0o600);
    log.warn({ file, mode: (mode & 0o777).toString(8) }, 'the file was readable by others; made it 0600');
  }
}

/** Runs the writes of one file one after the other, each after every write queued before it, whether that failed or not. */
export class WriteQueue {
  private queue: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => {});
    return run;
  }
}
