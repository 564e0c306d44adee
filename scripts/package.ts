// `npm run package`: builds dist/merezha_<version>_<arch>.deb with dpkg-deb, so
// that nothing is built on the server. The package holds the compiled
// JavaScript Merezha runs (build/, scripts/build-js.mjs: no TypeScript and no
// tsx loader at run time), what it reads beside it (package.json, the example
// configs and the JSON Schema), its production node_modules (`npm ci
// --omit=dev` from the lockfile, in a staging folder), the built dashboard
// (web/dist) and the native ICMP pinger.
// Debian's side (control, maintainer scripts, unit, shipped config) is in
// debian/. Run with tsx (`node --import tsx`); the functions it exports are
// what the unit test checks without building anything.
import { execFileSync, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const APP_DIR = 'usr/lib/merezha';

/**
 * Single files of the tree the compiled app reads at run time or npm needs to
 * install its node_modules: npm's manifest (the version) and lockfile, the
 * example configs (the demo, `merezha central --demo`) and the JSON Schema
 * that /etc/merezha/hromada.yaml names for editors.
 */
export const APP_FILES = [
  'package.json',
  'package-lock.json',
  'config/example.yaml',
  'config/example-pomichna.yaml',
  'config/central.example.yaml',
  'config/hromada.schema.json',
];
/** Built output that must be in the package (the server has no compiler, esbuild, vite or node-gyp). */
export const BUILT = ['build', 'web/dist', 'native/icmp/build/Release/merezha_icmp.node'];
/** Docs installed under /usr/share/doc/merezha (the screenshots stay out). */
export const DOCS = ['README.md', 'docs/architecture.md', 'docs/extending.md', 'docs/simulator.md'];

/** What never goes in: tests, benchmarks, editor and OS litter. */
const EXCLUDED = /(^|\/)(test|tests|__tests__|bench|node_modules|\.DS_Store)(\/|$)|\.test\.ts$|\.spec\.ts$/;

function walk(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const rel = relative(base, path);
    if (EXCLUDED.test(rel)) continue;
    if (entry.isDirectory()) out.push(...walk(path, base));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/**
 * Every file of the package but node_modules (installed by npm ci) and the
 * control files: `{ from, to, mode }`, `from` relative to the source tree,
 * `to` relative to the package root (the file system's /).
 */
export interface PackageFile {
  from: string;
  to: string;
  mode: number;
}

export function packageFiles(root = ROOT): PackageFile[] {
  const files: PackageFile[] = [];
  const add = (from: string, to: string, mode = 0o644) => files.push({ from, to, mode });
  for (const file of APP_FILES) add(file, `${APP_DIR}/${file}`);
  for (const built of BUILT) {
    const abs = join(root, built);
    if (existsSync(abs) && statSync(abs).isDirectory()) {
      for (const file of walk(abs)) add(relative(root, file), `${APP_DIR}/${relative(root, file)}`);
    } else add(built, `${APP_DIR}/${built}`);
  }
  for (const doc of DOCS) add(doc, `usr/share/doc/merezha/${doc.replace(/^docs\//, '')}`);
  add('debian/copyright', 'usr/share/doc/merezha/copyright');
  add('debian/merezha', 'usr/bin/merezha', 0o755);
  add('debian/merezha.service', 'lib/systemd/system/merezha.service');
  add('debian/hromada.yaml', 'etc/merezha/hromada.yaml');
  add('debian/merezha.env', 'etc/merezha/merezha.env', 0o600);
  return files;
}

/** The files of DEBIAN/: control (from control.in), conffiles and the maintainer scripts. */
export const CONTROL_FILES: PackageFile[] = [
  { from: 'debian/conffiles', to: 'conffiles', mode: 0o644 },
  { from: 'debian/postinst', to: 'postinst', mode: 0o755 },
  { from: 'debian/prerm', to: 'prerm', mode: 0o755 },
  { from: 'debian/postrm', to: 'postrm', mode: 0o755 },
];

/** npm's semver as a Debian version: a pre-release sorts before its release (1.0.0-rc.1 → 1.0.0~rc.1). */
export function debianVersion(version: string): string {
  return version.replace('-', '~');
}

export function controlText(
  { version, arch, installedSizeKiB }: { version: string; arch: string; installedSizeKiB: number },
  root = ROOT,
): string {
  return readFileSync(join(root, 'debian/control.in'), 'utf8')
    .replaceAll('@VERSION@', version)
    .replaceAll('@ARCH@', arch)
    .replaceAll('@INSTALLED_SIZE@', String(installedSizeKiB));
}

function sizeKiB(dir: string): number {
  let bytes = 0;
  const visit = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) visit(p);
      else bytes += lstatSync(p).size;
    }
  };
  visit(dir);
  return Math.ceil(bytes / 1024);
}

function run(cmd: string, args: string[], options: SpawnSyncOptions = {}): void {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...options });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`})`);
}

function build(): void {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const version = debianVersion(pkg.version);
  const arch = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();

  // The app, the dashboard and the native pinger, built here (the last two skip an up-to-date build).
  run(process.execPath, [join(ROOT, 'scripts/build-js.mjs')]);
  run(process.execPath, [join(ROOT, 'scripts/build-web.mjs')]);
  run(process.execPath, [join(ROOT, 'scripts/build-native.mjs')]);
  for (const built of BUILT) {
    if (!existsSync(join(ROOT, built))) throw new Error(`${built} is missing after the build; the package needs it`);
  }

  const dist = join(ROOT, 'dist');
  const stage = join(dist, `.staging-merezha_${version}_${arch}`);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(join(stage, 'DEBIAN'), { recursive: true });

  for (const file of packageFiles()) {
    const to = join(stage, file.to);
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(join(ROOT, file.from), to);
    chmodSync(to, file.mode);
  }

  // Production dependencies exactly as locked; --prefer-offline uses npm's cache when it has them.
  console.error('merezha: installing production node_modules (npm ci --omit=dev) ...');
  run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=warn'], {
    cwd: join(stage, APP_DIR),
    env: { ...process.env, NODE_ENV: 'production' },
  });
  // npm's own bookkeeping is not needed at run time.
  rmSync(join(stage, APP_DIR, 'node_modules/.cache'), { recursive: true, force: true });

  for (const file of CONTROL_FILES) {
    const to = join(stage, 'DEBIAN', file.to);
    copyFileSync(join(ROOT, file.from), to);
    chmodSync(to, file.mode);
  }
  writeFileSync(
    join(stage, 'DEBIAN/control'),
    controlText({ version, arch, installedSizeKiB: sizeKiB(stage) - sizeKiB(join(stage, 'DEBIAN')) }),
  );

  const deb = join(dist, `merezha_${version}_${arch}.deb`);
  run('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', stage, deb]);
  rmSync(stage, { recursive: true, force: true });
  console.error(`merezha: wrote ${relative(process.cwd(), deb)} (${(statSync(deb).size / 1048576).toFixed(1)} MB)`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    build();
  } catch (err) {
    console.error(`merezha package: ${(err as Error).message}`);
    process.exit(1);
  }
}
