#!/usr/bin/env node
// Installs what a fresh Debian machine lacks before `npm start` / `npm test`:
// the Debian packages Merezha drives (influxd, snmpd, ping, ...) and node_modules.
// Plain Node with no dependencies, because it runs before `npm ci`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const forTests = process.argv.includes('--for-tests');

/** command on PATH → Debian package that provides it */
const NEEDED = {
  influxd: 'influxdb',
  ping: 'iputils-ping',
  snmpd: 'snmpd',
  snmpget: 'snmp',
  openssl: 'openssl',
  ...(forTests ? { nft: 'nftables', fping: 'fping', chromium: 'chromium', pdftotext: 'poppler-utils' } : {}),
};

/** file → Debian package that provides it: what is needed but is not a command (the PDF report's Cyrillic fonts) */
const NEEDED_FILES = {
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf': 'fonts-dejavu-core',
  '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf': 'fonts-dejavu-core',
  '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf': 'fonts-dejavu-core',
};

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const missing = [
  ...new Set([
    ...Object.entries(NEEDED)
      .filter(([cmd]) => !has(cmd))
      .map(([, pkg]) => pkg),
    ...Object.entries(NEEDED_FILES)
      .filter(([file]) => !existsSync(file))
      .map(([, pkg]) => pkg),
  ]),
];

if (missing.length) {
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !has('apt-get')) {
    console.error(
      `merezha: missing Debian packages: ${missing.join(' ')}\n  install them with: sudo apt-get install -y ${missing.join(' ')}`,
    );
    process.exit(1);
  }
  console.error(`merezha: installing ${missing.join(' ')} (apt-get) ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
}

if (!existsSync(new URL('../node_modules/.package-lock.json', import.meta.url))) {
  console.error('merezha: installing npm dependencies (npm ci) ...');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit', cwd: new URL('..', import.meta.url) });
}

// The batch ICMP pinger is a small native addon; without it the collector
// falls back to one system `ping` per probe, so a failed build only warns.
spawnSync(process.execPath, [new URL('./build-native.mjs', import.meta.url).pathname], { stdio: 'inherit' });

// The dashboard, by contrast, is nothing without its built files: a failed web build stops here.
const web = spawnSync(process.execPath, [new URL('./build-web.mjs', import.meta.url).pathname], { stdio: 'inherit' });
if (web.status !== 0) process.exit(1);
