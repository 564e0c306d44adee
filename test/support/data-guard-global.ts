/**
 * vitest globalSetup: fails the run when the node processes the tests spawned
 * touched the user's data (their guard, data-guard-child.ts, writes it to a
 * file), or when what a real installation in this checkout keeps (./data,
 * config/hromada.yaml) changed during the run by any other process.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { listInstallation, listingChanges, REPO_ROOT, runningInstallation } from './data-guard.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where the spawned processes' guards record what they touched. */
    dataGuardChildLog: string;
  }
}

/**
 * A `npm start` running next to the tests keeps writing its InfluxDB and
 * spool; those two are left out then. Its accounts and maintenance windows
 * change only when someone uses its dashboard, so they stay in.
 */
function skipped(): string[] {
  const pid = runningInstallation();
  if (pid === undefined) return [];
  const skip = [join(REPO_ROOT, 'data', 'influxdb'), join(REPO_ROOT, 'data', 'spool')];
  process.stderr.write(`data guard: a Merezha (pid ${pid}) runs on ./data; not comparing ${skip.join(' and ')}\n`);
  return skip;
}

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'merezha-data-guard-'));
  const childLog = join(dir, 'touched.log');
  project.provide('dataGuardChildLog', childLog);
  const skip = skipped();
  const before = listInstallation(REPO_ROOT, skip);
  return () => {
    let touched: string[] = [];
    try {
      touched = readFileSync(childLog, 'utf8').split('\n').filter(Boolean);
    } catch {
      // no spawned process touched anything
    }
    rmSync(dir, { recursive: true, force: true });
    const problems = [...touched, ...listingChanges(before, listInstallation(REPO_ROOT, skip))];
    if (problems.length === 0) return;
    // vitest logs an error thrown here but does not fail the run for it.
    process.exitCode = 1;
    throw new Error(
      `the tests touched the user's data (a harness, or a process it spawned, used a default path; give it a temp dir):\n  ${problems.join('\n  ')}`,
    );
  };
}
