#!/usr/bin/env node
// Installs what a fresh Debian machine lacks before `npm start` / `npm test`:
// the Debian packages Merezha drives (influxd, snmpd, ping, ...) and node_modules,
// and turns off Debian's own influxdb.service, which that install enables.
// Plain Node with no dependencies until `npm ci` has run.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';

const forTests = process.argv.includes('--for-tests');

/** command on PATH → Debian package that provides it */
const NEEDED = {
  influxd: 'influxdb',
  ping: 'iputils-ping',
  snmpd: 'snmpd',
  snmpget: 'snmp',
  openssl: 'openssl',
  ...(forTests
    ? {
        nft: 'nftables',
        fping: 'fping',
        chromium: 'chromium',
        pdftotext: 'poppler-utils',
        snmpsimd: 'snmpsim',
        'nats-server': 'nats-server',
      }
    : {}),
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

await turnOffDebianInfluxd();

// The batch ICMP pinger is a small native addon; without it the collector
// falls back to one system `ping` per probe, so a failed build only warns.
spawnSync(process.execPath, [new URL('./build-native.mjs', import.meta.url).pathname], { stdio: 'inherit' });

// The compiled JavaScript that bin/merezha.mjs runs while it matches the sources; without it
// (or once a .ts is edited) the launcher runs the TypeScript through tsx, so a failed build only warns.
spawnSync(process.execPath, [new URL('./build-js.mjs', import.meta.url).pathname, '--if-stale'], { stdio: 'inherit' });

// The dashboard, by contrast, is nothing without its built files: a failed web build stops here.
const web = spawnSync(process.execPath, [new URL('./build-web.mjs', import.meta.url).pathname], { stdio: 'inherit' });
if (web.status !== 0) process.exit(1);

/**
 * `apt-get install influxdb` enables Debian's influxdb.service: on a Debian
 * host booted with systemd it runs an influxd without auth on every interface
 * (:8086), beside the managed one that Merezha locks down. It is turned off
 * unless the config (MEREZHA_CONFIG, else config/hromada.yaml) or INFLUX_URL
 * uses it. On a machine not booted with systemd (containers, CI) the unit's
 * links are removed all the same, so a later boot does not start it.
 */
async function turnOffDebianInfluxd() {
  const unit = ['/lib/systemd/system/influxdb.service', '/usr/lib/systemd/system/influxdb.service'].some(existsSync);
  const sysv = existsSync('/etc/init.d/influxdb');
  if (!unit && !sysv) return;
  const running = debianInfluxdPids();
  if (!isEnabled(unit, sysv) && running.length === 0) return;
  const users = await whoUsesDebianInfluxd();
  if (users) {
    console.error(`merezha: keeping Debian's influxdb.service: ${users} points at it`);
    return;
  }
  const why = "Debian's influxdb.service (an influxd without auth on :8086; Merezha runs its own, on 127.0.0.1 with auth)";
  if (process.getuid?.() !== 0) {
    console.error(`merezha: ${why} is enabled or running; turn it off with: sudo systemctl disable --now influxdb`);
    return;
  }
  const systemdRuns = existsSync('/run/systemd/system') && has('systemctl');
  if (systemdRuns && run('systemctl', ['disable', '--now', '--quiet', 'influxdb.service'])) {
    console.error(`merezha: disabled and stopped ${why}`);
    return;
  }
  // Without a running systemd, systemctl still edits the unit's links (and the init script's) offline.
  const disabled = [
    unit && has('systemctl') && run('systemctl', ['disable', '--quiet', 'influxdb.service']),
    // It acts only for maintainer scripts, hence the package name.
    unit &&
      has('deb-systemd-helper') &&
      run('deb-systemd-helper', ['disable', 'influxdb.service'], { DPKG_MAINTSCRIPT_PACKAGE: 'influxdb' }),
    sysv && has('update-rc.d') && run('update-rc.d', ['influxdb', 'disable']),
  ].some(Boolean);
  for (const pid of running) process.kill(pid, 'SIGTERM');
  const stopped = running.length > 0 ? ` and stopped it (pid ${running.join(', ')})` : '';
  if (disabled || stopped) console.error(`merezha: disabled ${why}${stopped}`);
  else console.error(`merezha: could not disable ${why}; turn it off yourself: systemctl disable --now influxdb`);
}

function run(cmd, args, env = {}) {
  return spawnSync(cmd, args, { stdio: 'ignore', env: { ...process.env, ...env } }).status === 0;
}

function isEnabled(unit, sysv) {
  if (unit && has('systemctl')) {
    const state = spawnSync('systemctl', ['is-enabled', 'influxdb.service'], { encoding: 'utf8' }).stdout?.trim();
    if (state === 'enabled') return true;
  }
  return sysv && [2, 3, 4, 5].some((level) => safeReaddir(`/etc/rc${level}.d`).some((name) => /^S\d\dinfluxdb$/.test(name)));
}

function safeReaddir(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** influxds running with Debian's config, as its unit and init script start them; never a managed one. */
function debianInfluxdPids() {
  return safeReaddir('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      let argv;
      try {
        argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      } catch {
        return false;
      }
      return argv[0]?.endsWith('influxd') && argv.includes('/etc/influxdb/influxdb.conf');
    })
    .map(Number);
}

/** What names Debian's influxd as Merezha's store ("storage.influx.url", "INFLUX_URL"), or null. */
async function whoUsesDebianInfluxd() {
  const port = debianHttpPort();
  if (process.env.INFLUX_URL && isThisMachine(process.env.INFLUX_URL, port)) return 'INFLUX_URL';
  const file = process.env.MEREZHA_CONFIG ?? new URL('../config/hromada.yaml', import.meta.url).pathname;
  if (!existsSync(file)) return null;
  const { parse } = await import('yaml');
  let url;
  try {
    url = parse(readFileSync(file, 'utf8'))?.storage?.influx?.url;
  } catch {
    return null; // merezha start reports a broken config with its line numbers
  }
  if (typeof url !== 'string') return null;
  // As config/env.ts expands it; a variable that is not set here leaves it unknown, and the service is kept rather than the user's store broken.
  let unknown = false;
  const expanded = url.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_, name, fallback) => {
    const value = process.env[name] || fallback;
    if (value === undefined) unknown = true;
    return value ?? '';
  });
  return unknown || isThisMachine(expanded, port) ? `storage.influx.url in ${file}` : null;
}

function debianHttpPort() {
  try {
    const http =
      readFileSync('/etc/influxdb/influxdb.conf', 'utf8')
        .split(/^\[http\]/m)[1]
        ?.split(/^\[/m)[0] ?? '';
    const bind = /^\s*bind-address\s*=\s*"[^"]*:(\d+)"/m.exec(http);
    return bind ? Number(bind[1]) : 8086;
  } catch {
    return 8086;
  }
}

function isThisMachine(text, port) {
  let url;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (Number(url.port || (url.protocol === 'https:' ? 443 : 80)) !== port) return false;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const own = Object.values(networkInterfaces())
    .flat()
    .map((address) => address?.address);
  return (
    host === 'localhost' || host === hostname() || host.startsWith('127.') || host === '::1' || host === '0.0.0.0' || own.includes(host)
  );
}
