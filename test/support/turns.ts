/**
 * Turns on the machine for tests in different vitest workers: the tests that
 * measure time to the millisecond (accuracy, truth) share it, and the one
 * that loads both cores for a minute (ten whole hromadas of the oblast demo)
 * runs alone. Without it the two collide on 2 cores, and a 100 ms probe of a
 * live device times out: the measurement, not the product, goes wrong.
 *
 * A turn is a file in the temp dir holding its pid, made atomically (link);
 * one whose process is gone is taken over.
 */
import { link, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const DIR = join(tmpdir(), 'merezha-test-turns');
const EXCLUSIVE = 'exclusive';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Whether a turn file is held by another live process; a dead one's (or one this process left) is removed. */
async function held(name: string): Promise<boolean> {
  const pid = Number(await readFile(join(DIR, name), 'utf8').catch(() => ''));
  if (pid > 0 && pid !== process.pid && alive(pid)) return true;
  await rm(join(DIR, name), { force: true });
  return false;
}

async function make(name: string): Promise<boolean> {
  await mkdir(DIR, { recursive: true });
  const draft = join(DIR, `draft-${process.pid}-${Math.random()}`);
  await writeFile(draft, String(process.pid));
  try {
    await link(draft, join(DIR, name));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return false;
  } finally {
    await rm(draft, { force: true });
  }
}

const sharedHolders = async () => (await readdir(DIR).catch(() => [])).filter((n) => n.startsWith('shared-'));

/** Waits for the machine alone; resolves to the release. */
export async function aloneOnMachine(): Promise<() => Promise<void>> {
  while (!(await make(EXCLUSIVE))) if (await held(EXCLUSIVE)) await sleep(500);
  // Made before waiting, so that no new shared turn starts meanwhile.
  for (;;) {
    let busy = false;
    for (const name of await sharedHolders()) if (await held(name)) busy = true;
    if (!busy) break;
    await sleep(500);
  }
  return () => rm(join(DIR, EXCLUSIVE), { force: true });
}

/** Waits until no test has the machine alone; resolves to the release. Others sharing it may run. */
export async function shareMachine(): Promise<() => Promise<void>> {
  const name = `shared-${process.pid}-${Math.floor(Math.random() * 1e9)}`;
  for (;;) {
    await make(name);
    if (!(await held(EXCLUSIVE))) return () => rm(join(DIR, name), { force: true });
    // Backs off while a lone test holds or waits for its turn.
    await rm(join(DIR, name), { force: true });
    await sleep(500);
  }
}

/** Runs `work` in a shared turn (see shareMachine), released however it ends. */
export async function sharingMachine<T>(work: () => Promise<T>): Promise<T> {
  const release = await shareMachine();
  try {
    return await work();
  } finally {
    await release();
  }
}
