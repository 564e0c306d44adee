#!/usr/bin/env node
// Builds the native ICMP pinger (native/icmp) with node-gyp, offline: npm's
// own node-gyp and the Node headers that come with Node (or npm's nodedir).
// Plain Node with no dependencies. Exits 0 without building when the addon is
// up to date; exits 1 (after saying why) when it cannot be built: the collector
// then falls back to the system ping, so this never blocks a start.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../native/icmp/', import.meta.url));
const addon = join(dir, 'build/Release/merezha_icmp.node');
const sources = ['icmp.c', 'binding.gyp'].map((f) => join(dir, f));
const force = process.argv.includes('--force');

if (process.platform !== 'linux') {
  console.error('merezha: the native ICMP pinger is Linux-only; the system ping will be used');
  process.exit(0);
}
if (!force && existsSync(addon) && sources.every((s) => statSync(s).mtimeMs <= statSync(addon).mtimeMs)) process.exit(0);

const prefix = dirname(dirname(process.execPath));
const candidates = [
  process.env.npm_config_node_gyp,
  join(prefix, 'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
  '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
  '/usr/share/nodejs/node-gyp/bin/node-gyp.js',
].filter(Boolean);
const gyp = candidates.find((p) => existsSync(p));
if (!gyp) {
  console.error('merezha: node-gyp not found (it comes with npm); the native ICMP pinger is not built, the system ping will be used');
  process.exit(1);
}
// Headers from the local Node install, so node-gyp never downloads anything.
const nodedir = [process.env.npm_config_nodedir, prefix, '/usr'].find((d) => d && existsSync(join(d, 'include/node/node_api.h')));
if (!nodedir) {
  console.error('merezha: Node headers (include/node/node_api.h) not found; the native ICMP pinger is not built');
  process.exit(1);
}
const r = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`, '--loglevel=warn'], { cwd: dir, stdio: 'inherit' });
if (r.status !== 0) {
  console.error('merezha: building the native ICMP pinger failed (needs g++/make and python3); the system ping will be used');
  process.exit(1);
}
console.error(`merezha: built the native ICMP pinger (${addon})`);
