/**
 * The Debian package (`npm run package`, scripts/package.ts, debian/), checked
 * without building it: the shipped config validates and keeps every path under
 * /var/lib/merezha, the unit passes systemd-analyze, and the file list holds
 * what Merezha runs from and nothing it does not.
 */
import { spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heapFlags, heapLimits } from '../../app/heap.ts';
import { VERSION } from '../../cli/version.ts';
import { loadConfig, parseConfig } from '../../config/load.ts';
import { build, isFresh, MAIN, NODE_FLAGS } from '../../scripts/build-js.mjs';
import { APP_DIR, CONTROL_FILES, controlText, debianVersion, packageFiles, ROOT } from '../../scripts/package.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const debian = (file: string) => join(root, 'debian', file);
const text = (file: string) => readFileSync(debian(file), 'utf8');
const hasCommand = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

// The package ships the compiled build: make it as `npm run package` would, when the tree's is missing or stale.
if (!isFresh()) await build();
const files = packageFiles();
const targets = new Set(files.map((f) => f.to));
const unit = text('merezha.service');
/** `Key=value` lines of the unit, a key that repeats keeping every value. */
const directives = new Map<string, string[]>();
for (const line of unit.split('\n')) {
  const match = /^([A-Za-z]+)=(.*)$/.exec(line);
  if (match) directives.set(match[1]!, [...(directives.get(match[1]!) ?? []), match[2]!]);
}
const directive = (key: string) => directives.get(key)?.join(' ');

describe('the shipped /etc/merezha/hromada.yaml', () => {
  const config = loadConfig(debian('hromada.yaml'), {});

  it('is a valid inventory with no devices yet (not the demo)', () => {
    expect(config.villages.length).toBeGreaterThanOrEqual(1);
    expect(config.villages.flatMap((v) => v.devices)).toEqual([]);
  });

  it('keeps everything Merezha writes under /var/lib/merezha (the unit makes the rest read-only)', () => {
    const written = [config.storage.managed_dir, config.storage.spool_dir, config.server.data_dir];
    for (const dir of written) expect(dir).toMatch(/^\/var\/lib\/merezha\//);
    expect(directive('StateDirectory')).toBe('merezha');
  });

  it('still validates with every commented example uncommented and its secrets set', () => {
    const uncommented = text('hromada.yaml')
      .split('\n')
      .slice(1) // the editor's schema line
      .filter((line) => !/^\s*devices: \[\]$/.test(line))
      .map((line) => line.replace(/^(\s*)# (?!#)/, '$1').replace(/^#(?!#)\s?/, ''))
      .join('\n');
    const env = { SNMP_COMMUNITY: 'community', SNMP_AUTH_KEY: 'auth-key-123', SNMP_PRIV_KEY: 'priv-key-123', INFLUX_PASSWORD: 'x' };
    const full = parseConfig(uncommented, 'hromada.yaml (uncommented)', { ...env, TG_TOKEN: 't', SMTP_PASSWORD: 'p' });
    expect(full.villages[0]!.devices.map((d) => d.kind)).toEqual(['uplink', 'wifi', 'institution']);
    // Examples of real devices, not the demo's simulated ones on loopback.
    for (const device of full.villages[0]!.devices) expect(device.host).not.toMatch(/^127\./);
    expect(full.storage.influx?.url).toBe('http://127.0.0.1:8086');
  });
});

describe('merezha.env', () => {
  it('sets nothing by default and is installed root-only', () => {
    const set = text('merezha.env')
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('#'));
    expect(set).toEqual([]);
    expect(files.find((f) => f.to === 'etc/merezha/merezha.env')?.mode).toBe(0o600);
  });
});

describe('merezha.service', () => {
  it('runs the packaged command as merezha with the shipped config and env file, and no tsx', () => {
    expect(directive('User')).toBe('merezha');
    expect(directive('EnvironmentFile')).toBe('/etc/merezha/merezha.env');
    // /usr/bin/merezha execs node itself (test below), so the service's main process is that node.
    expect(directive('ExecStart')).toBe('/bin/sh /usr/bin/merezha start --config /etc/merezha/hromada.yaml');
    expect(unit).not.toMatch(/tsx|TSX_/);
    expect(targets).toContain(`${APP_DIR}/build/${MAIN}`);
    expect(targets).toContain('etc/merezha/hromada.yaml');
    expect(targets).toContain('lib/systemd/system/merezha.service');
  });

  it('is hardened, with raw ICMP as its only capability and no W^X (Node JIT)', () => {
    expect(directive('AmbientCapabilities')).toBe('CAP_NET_RAW');
    expect(directive('CapabilityBoundingSet')).toBe('CAP_NET_RAW');
    for (const key of ['NoNewPrivileges', 'PrivateTmp', 'ProtectKernelTunables', 'ProtectKernelModules', 'ProtectControlGroups']) {
      expect(directive(key), key).toBe('yes');
    }
    expect(directive('ProtectSystem')).toBe('strict');
    // The one place outside its state it writes: hromada.yaml, edited on the inventory page.
    expect(directive('ReadWritePaths')).toBe('/etc/merezha');
    expect(text('postinst')).toMatch(/chown root:merezha \/etc\/merezha\n\s+chmod 1770 \/etc\/merezha\n/);
    expect(text('postinst')).toContain('chown merezha:merezha /etc/merezha/hromada.yaml');
    expect(directive('ProtectHome')).toBe('yes');
    expect(directive('RestrictAddressFamilies')).toBe('AF_INET AF_INET6 AF_UNIX AF_NETLINK');
    expect(directive('SystemCallFilter')).toContain('@system-service');
    expect(directive('Restart')).toBe('on-failure');
    expect(directives.has('MemoryDenyWriteExecute')).toBe(false);
  });

  it('reloads the config with SIGHUP (test/integration/reload.test.ts sends one to merezha start)', () => {
    expect(directive('ExecReload')).toBe('/bin/kill -HUP $MAINPID');
  });

  it.skipIf(!hasCommand('systemd-analyze'))('passes systemd-analyze verify (skipped without systemd-analyze)', () => {
    const r = spawnSync('systemd-analyze', ['verify', debian('merezha.service')], { encoding: 'utf8' });
    expect(r.stderr + r.stdout).toBe('');
    expect(r.status).toBe(0);
  });

  it.skipIf(!hasCommand('systemd-analyze'))('has a low exposure in systemd-analyze security (skipped without systemd-analyze)', (ctx) => {
    const r = spawnSync('systemd-analyze', ['security', '--offline=true', '--no-pager', debian('merezha.service')], { encoding: 'utf8' });
    const score = /Overall exposure level for merezha\.service: ([\d.]+)/.exec(r.stdout)?.[1];
    if (r.status !== 0 && !score) ctx.skip(`systemd-analyze security --offline is not supported here: ${r.stderr.trim()}`);
    expect(Number(score)).toBeLessThanOrEqual(2);
  });
});

describe('the package contents', () => {
  it('hold the compiled app, the built dashboard and the native pinger, but no sources, tests, benchmarks or screenshots', () => {
    for (const file of [
      `build/${MAIN}`,
      `build/${NODE_FLAGS}`,
      'config/example.yaml',
      'config/hromada.schema.json',
      'package.json',
      'package-lock.json',
    ]) {
      expect(targets, file).toContain(`${APP_DIR}/${file}`);
    }
    // The compiled JavaScript runs as it is: no TypeScript, no launcher that would pick tsx.
    for (const to of targets) expect(to).not.toMatch(/\.ts$|\/bin\/merezha\.mjs$|tsconfig/);
    expect([...targets].some((t) => t.startsWith(`${APP_DIR}/web/dist`))).toBe(true);
    expect(targets).toContain(`${APP_DIR}/native/icmp/build/Release/merezha_icmp.node`);
    expect(targets).toContain('usr/bin/merezha');
    for (const to of targets) expect(to).not.toMatch(/(^|\/)(test|bench|screenshots|node_modules)\/|\.test\.ts$|web\/src\//);
    // Files of the tree (not the build output) must all exist.
    for (const f of files)
      if (!f.from.startsWith('web/dist') && !f.from.startsWith('native/')) expect(existsSync(join(ROOT, f.from)), f.from).toBe(true);
  });

  it('ship every module the shipped code imports: its own chunks, Node built-ins and the dependencies npm ci installs', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const shipped = new Set(files.filter((f) => f.to.startsWith(`${APP_DIR}/`)).map((f) => f.from));
    const missing: string[] = [];
    for (const from of shipped) {
      if (!from.endsWith('.mjs')) continue;
      const source = readFileSync(join(ROOT, from), 'utf8');
      // esbuild's own output: `} from "x";`, `import "x";`, `import("x")`.
      for (const match of source.matchAll(/(?:\bfrom\s*|^import\s*|\bimport\(\s*)"([^"\s]+)"\s*[;)]/gm)) {
        const spec = match[1]!;
        if (spec.startsWith('.')) {
          const target = posix.normalize(posix.join(dirname(from), spec));
          if (!shipped.has(target)) missing.push(`${from} → ${target}`);
        } else {
          const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
          if (!spec.startsWith('node:') && !builtinModules.includes(name) && !pkg.dependencies[name]) missing.push(`${from} → ${spec}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('name the Node version, the Debian dependencies and the version of package.json', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      version: string;
      engines: { node: string };
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.package).toContain('scripts/package.ts');
    const control = controlText({ version: debianVersion(pkg.version), arch: 'amd64', installedSizeKiB: 1 });
    expect(control).not.toMatch(/@[A-Z_]+@/);
    expect(control).toContain(`Version: ${debianVersion(pkg.version)}\n`);
    expect(control).toMatch(
      new RegExp(
        `^Depends: nodejs \\(>= ${pkg.engines.node.replace(/^>=/, '').replaceAll('.', '\\.')}\\), influxdb, snmp, iputils-ping`,
        'm',
      ),
    );
    expect(control).toMatch(/^Recommends: fonts-dejavu-core$/m);
    // merezha central --demo and the oblast tier run Debian's nats-server; a hromada alone does not need it.
    expect(control).toMatch(/^Suggests: nats-server$/m);
    expect(debianVersion('1.0.0-rc.1')).toBe('1.0.0~rc.1');
  });

  it('mark both files of /etc/merezha as conffiles, with POSIX sh maintainer scripts', () => {
    const conffiles = text('conffiles').trim().split('\n');
    expect(conffiles.sort()).toEqual(
      [...targets]
        .filter((t) => t.startsWith('etc/'))
        .map((t) => `/${t}`)
        .sort(),
    );
    for (const script of CONTROL_FILES.filter((f) => f.mode === 0o755)) {
      const body = readFileSync(join(root, script.from), 'utf8');
      expect(body.startsWith('#!/bin/sh\nset -e\n'), script.from).toBe(true);
      const check = spawnSync('sh', ['-n', join(root, script.from)], { encoding: 'utf8' });
      expect(check.status, `${script.from}: ${check.stderr}`).toBe(0);
    }
    const postrm = text('postrm');
    // Data and the user go on purge only.
    expect(postrm).toMatch(/purge\)[\s\S]*rm -rf \/var\/lib\/merezha[\s\S]*deluser/);
    expect(postrm.slice(0, postrm.indexOf('purge)'))).not.toContain('rm -rf');
  });
});

describe('/usr/bin/merezha', () => {
  // debian/merezha with the package's paths pointed at this tree: with a node that only shows how it was run, and with the real one.
  let dir: string;
  const run = (script: string, ...args: string[]) =>
    spawnSync('sh', [join(dir, script), ...args], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, MEREZHA_ENV_FILE: join(dir, 'none.env') },
    });
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'merezha-usr-bin-'));
    // The heap step really runs; the long-lived node says what it was given.
    writeFileSync(join(dir, 'node'), `#!/bin/sh\ncase "$1" in *${NODE_FLAGS}) exec ${process.execPath} "$@" ;; esac\necho "node $*"\n`);
    chmodSync(join(dir, 'node'), 0o755);
    const inTree = text('merezha').replaceAll(`/${APP_DIR}`, root.replace(/\/$/, ''));
    writeFileSync(join(dir, 'shown'), inTree.replaceAll('/usr/bin/node', join(dir, 'node')));
    writeFileSync(join(dir, 'real'), inTree.replaceAll('/usr/bin/node', process.execPath));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('execs node on the compiled build, with the heap limits of the inventory for merezha start only', () => {
    const main = join(root, 'build', MAIN);
    expect(text('merezha')).not.toMatch(/tsx|TSX_|bin\/merezha\.mjs/);
    expect(run('shown', 'status').stdout).toBe(`node --openssl-legacy-provider ${main} status\n`);
    const example = join(root, 'config/example.yaml');
    const heap = heapFlags(heapLimits({ devices: 34, services: 2 }), {}).join(' ');
    expect(run('shown', 'start', '--config', example).stdout).toBe(
      `node --openssl-legacy-provider ${heap} ${main} start --config ${example}\n`,
    );
  });

  it('runs the compiled build', () => {
    const r = run('real', '--version');
    expect([r.status, r.stdout, r.stderr]).toEqual([0, `merezha ${VERSION} (compiled)\n`, '']);
  });
});
