/**
 * The compiled build (scripts/build-js.mjs) and the launcher's choice of it:
 * the build runs without tsx and finds everything it reads beside the tree
 * (package.json, the demo config, the native pinger, web/dist), and
 * bin/merezha.mjs runs it only while it matches the sources.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heapFlags, heapLimits } from '../../app/heap.ts';
import { VERSION } from '../../cli/version.ts';
import { build, isFresh, MAIN, NODE_FLAGS } from '../../scripts/build-js.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
/** The product's sources: what a build compiles and a copied tree needs. */
const SOURCES = ['cli', 'common', 'alerting', 'config', 'collector', 'storage', 'simulator', 'server', 'app', 'central'];

const node = (args: string[], cwd = root, env: NodeJS.ProcessEnv = {}) => {
  const { MEREZHA_CONFIG: _config, NODE_OPTIONS: _options, ...inherited } = process.env;
  return spawnSync(process.execPath, ['--openssl-legacy-provider', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...inherited, ...env },
    timeout: 60_000,
  });
};

describe('the compiled build', () => {
  // Inside the tree, so its npm packages resolve from ./node_modules as the real build/'s do.
  const out = join(root, 'test/artifacts', `build-${process.pid}`);
  let elsewhere: string;
  beforeAll(async () => {
    mkdirSync(dirname(out), { recursive: true });
    await build(root, out);
    elsewhere = mkdtempSync(join(tmpdir(), 'merezha-build-cwd-'));
  }, 120_000);
  afterAll(() => {
    rmSync(out, { recursive: true, force: true });
    rmSync(elsewhere, { recursive: true, force: true });
  });

  it('runs merezha without tsx from any working directory', () => {
    const version = node([join(out, MAIN), '--version'], elsewhere);
    expect([version.status, version.stdout, version.stderr]).toEqual([0, `merezha ${VERSION} (compiled)\n`, '']);
    const check = node([join(out, MAIN), 'check-config', join(root, 'config/example.yaml')], elsewhere);
    expect([check.status, check.stderr]).toEqual([0, '']);
    expect(check.stdout).toMatch(/: OK \(4 villages, 34 devices, 2 services\)\n$/);
    const bad = node([join(out, MAIN), 'check-config', join(elsewhere, 'missing.yaml')], elsewhere);
    expect(bad.status).toBe(1);
    // Nothing of it loads tsx or a .ts module.
    for (const file of readdirSync(out).filter((f) => f.endsWith('.mjs'))) {
      expect(readFileSync(join(out, file), 'utf8'), file).not.toMatch(/from\s*"tsx|import\("[^"]*\.ts"\)|from\s*"[^"]*\.ts"/);
    }
  });

  it('prints the heap flags of merezha start, for the demo found from the build (no config here)', () => {
    const demo = node([join(out, NODE_FLAGS), 'start'], elsewhere);
    expect(demo.status).toBe(0);
    expect(demo.stdout).toBe(heapFlags(heapLimits({ devices: 34, services: 2, simulated: true }), {}).join(' '));
    const operator = node([join(out, NODE_FLAGS), 'start'], elsewhere, { MEREZHA_HEAP_MB: '333', NODE_OPTIONS: '--max-semi-space-size=4' });
    expect(operator.stdout).toBe('--max-old-space-size=333');
    expect(node([join(out, NODE_FLAGS), 'status'], elsewhere).stdout).toBe('');
  });

  it("keeps every module's import.meta location pointing at its source, so the paths it builds on are the tree's", () => {
    const located: string[] = [];
    for (const file of readdirSync(out).filter((f) => f.endsWith('.mjs'))) {
      const text = readFileSync(join(out, file), 'utf8');
      expect(text, file).not.toMatch(/import\.meta\.(url|dirname|filename)(?!\s*\)\.href| \+ ")/);
      for (const m of text.matchAll(/new URL\("([^"]+)", import\.meta\.url\)\.href|import\.meta\.dirname \+ "\/([^"]+)"/g))
        located.push(resolve(out, m[1] ?? m[2]!));
    }
    for (const path of located) expect(existsSync(path), path).toBe(true);
    // The native pinger, web/dist, the example configs and package.json all hang off these.
    expect(located.map((p) => p.slice(root.length)).sort()).toEqual(
      expect.arrayContaining(['cli/args.ts', 'cli/version.ts', 'collector/probes/icmp.ts', 'central/demo.ts', 'server/http']),
    );
  });
});

describe('bin/merezha.mjs', () => {
  // A copy of the tree, so that its sources can be touched and its build removed.
  let tree: string;
  const launch = (...args: string[]) => node([join(tree, 'bin/merezha.mjs'), ...args], tree);
  beforeAll(async () => {
    tree = mkdtempSync(join(tmpdir(), 'merezha-launcher-'));
    for (const dir of [...SOURCES, 'bin', 'scripts'])
      cpSync(join(root, dir), join(tree, dir), { recursive: true, preserveTimestamps: true });
    for (const file of ['package.json', 'tsconfig.json']) cpSync(join(root, file), join(tree, file));
    symlinkSync(join(root, 'node_modules'), join(tree, 'node_modules'));
    await build(tree);
  }, 120_000);
  afterAll(() => rmSync(tree, { recursive: true, force: true }));

  it('runs the build while it matches the sources, and the TypeScript through tsx once one is edited', () => {
    expect(isFresh(tree)).toBe(true);
    // Not a source of the build: read at run time from beside the tree, by the compiled code too.
    const pkg = JSON.parse(readFileSync(join(tree, 'package.json'), 'utf8')) as { version: string };
    writeFileSync(join(tree, 'package.json'), JSON.stringify({ ...pkg, version: '9.8.7-launcher' }));
    expect(launch('--version').stdout).toBe('merezha 9.8.7-launcher (compiled)\n');

    const later = new Date(Date.now() + 60_000);
    utimesSync(join(tree, 'cli/usage.ts'), later, later);
    expect(isFresh(tree)).toBe(false);
    expect(launch('--version').stdout).toBe('merezha 9.8.7-launcher (tsx)\n');
    const check = launch('check-config', 'config/example.yaml');
    expect([check.status, check.stdout]).toEqual([0, 'config/example.yaml: OK (4 villages, 34 devices, 2 services)\n']);
  });

  it('runs tsx without a build, and the build again once rebuilt', async () => {
    rmSync(join(tree, 'build'), { recursive: true, force: true });
    expect(launch('--version').stdout).toMatch(/ \(tsx\)\n$/);
    await build(tree);
    expect(launch('--version').stdout).toMatch(/ \(compiled\)\n$/);
    // A source gone is a build that no longer matches.
    rmSync(join(tree, 'cli/usage.ts'));
    expect(isFresh(tree)).toBe(false);
  }, 120_000);
});
