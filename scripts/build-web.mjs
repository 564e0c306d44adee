#!/usr/bin/env node
// Builds the dashboard (web/ → web/dist/) when its sources or the shared API types are newer than
// the last build. Plain Node: it runs from ensure-system before `npm start` and `npm test`.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const web = `${root}web`;
const built = `${web}/dist/index.html`;
const sources = [`${root}common/api.ts`];

/** Newest modification time of the files under `dir`, leaving out the build output. */
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      if (path !== `${web}/dist` && entry.name !== 'node_modules') latest = Math.max(latest, newest(path));
    } else latest = Math.max(latest, statSync(path).mtimeMs);
  }
  return latest;
}

const sourceTime = Math.max(newest(web), ...sources.map((file) => statSync(file).mtimeMs));
if (existsSync(built) && statSync(built).mtimeMs >= sourceTime) {
  console.error('merezha: web dashboard is up to date (web/dist)');
  process.exit(0);
}

const started = Date.now();
const vite = `${root}node_modules/vite/bin/vite.js`;
const result = spawnSync(process.execPath, [vite, 'build', '--config', `${web}/vite.config.ts`], { cwd: root, encoding: 'utf8' });
if (result.status !== 0) {
  process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? `${result.error}\n` : ''}`);
  console.error('merezha: building the web dashboard failed (see above); fix it and run `npm run build:web`');
  process.exit(1);
}
console.error(`merezha: web dashboard built into web/dist in ${((Date.now() - started) / 1000).toFixed(1)} s`);
