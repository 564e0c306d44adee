/**
 * Files only Merezha's user may read (users, tokens, sessions, the backup
 * ledger), written so a crash never leaves one half written: whole, to a
 * synced temporary file (0600) renamed over the old one. When root writes one
 * (`merezha user`, `merezha backup` beside the service), it goes to the
 * owner of its folder: the service's user must still read it.
 */
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
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
    if (process.getuid?.() === 0) {
      const folder = await stat(dirname(file));
      await chown(temp, folder.uid, folder.gid);
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
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
