/**
 * Preloaded (NODE_OPTIONS --import, set by data-guard-setup.ts) into every
 * node process a test spawns: the data guard of the test workers, with each
 * touch appended to the file the run reads at its end (data-guard-global.ts),
 * since the spawned code may well swallow the error.
 */
import { appendFileSync } from 'node:fs';
import { CHILD_LOG_ENV, installDataGuard } from './data-guard.ts';

const log = process.env[CHILD_LOG_ENV];
const command = process.argv.slice(1).join(' ') || `node ${process.execArgv.join(' ')}`;
if (log) installDataGuard((call) => appendFileSync(log, `${command}: ${call}\n`));
