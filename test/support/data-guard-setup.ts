/**
 * vitest setupFiles: installs the data guard in every test worker and fails
 * the test (or the file, for its hooks) that touched a guarded path, even when
 * the code under test caught the guard's error; and has the node processes the
 * tests spawn load it too.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, inject } from 'vitest';
import { CHILD_LOG_ENV, installDataGuard, takeTouched } from './data-guard.ts';

// The user's shell may point at their real installation, and a test that spawns `merezha` passes its environment on.
delete process.env.MEREZHA_CONFIG;
delete process.env.INFLUX_URL;

installDataGuard();

const childLog = inject('dataGuardChildLog');
if (childLog) {
  process.env[CHILD_LOG_ENV] = childLog;
  // tsx first: the guard is TypeScript, and a spawned script need not be.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;
  const guard = new URL('./data-guard-child.ts', import.meta.url).href;
  const options = process.env.NODE_OPTIONS ?? '';
  // A worker runs this once per test file.
  if (!options.includes(guard)) process.env.NODE_OPTIONS = `${options} --import=${tsx} --import=${guard}`.trim();
}

function failIfTouched(): void {
  const touched = takeTouched();
  if (touched.length > 0) {
    throw new Error(`touched the user's data (use a temp dir in the harness):\n  ${touched.join('\n  ')}`);
  }
}

afterEach(failIfTouched);
afterAll(failIfTouched);
