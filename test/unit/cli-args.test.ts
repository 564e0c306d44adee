import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEMO_CONFIG, resolveConfigPath, USER_CONFIG } from '../../cli/args.ts';
import { healthUrl } from '../../cli/running.ts';
import { USAGES, type CommandName } from '../../cli/usage.ts';
import type { Config } from '../../config/schema.ts';

describe('which config a command uses', () => {
  const cwd = process.cwd();
  afterEach(() => process.chdir(cwd));

  it.each([
    { name: '--config wins', flag: 'a.yaml', env: { MEREZHA_CONFIG: 'b.yaml' }, userConfig: true, want: { path: 'a.yaml', demo: false } },
    {
      name: 'then MEREZHA_CONFIG',
      flag: undefined,
      env: { MEREZHA_CONFIG: 'b.yaml' },
      userConfig: true,
      want: { path: 'b.yaml', demo: false },
    },
    { name: "then the user's config/hromada.yaml", flag: undefined, env: {}, userConfig: true, want: { path: USER_CONFIG, demo: false } },
    { name: 'and the demo only when there is none', flag: undefined, env: {}, userConfig: false, want: { path: '', demo: true } },
  ])('$name', ({ flag, env, userConfig, want }) => {
    const dir = mkdtempSync(join(tmpdir(), 'merezha-args-'));
    if (userConfig) {
      mkdirSync(join(dir, 'config'));
      writeFileSync(join(dir, USER_CONFIG), 'hromada: { name: X }\n');
    }
    process.chdir(dir);
    const got = resolveConfigPath(flag, env);
    expect(got.demo).toBe(want.demo);
    if (want.demo) expect(resolve(dir, got.path)).toBe(DEMO_CONFIG);
    else expect(got.path).toBe(want.path);
  });
});

describe('where the commands ask whether Merezha runs', () => {
  const at = (host: string, port = 8470) => ({ server: { host, port } }) as Config;

  it.each([
    { host: '127.0.0.1', env: {}, want: 'http://127.0.0.1:8470/api/health' },
    { host: '0.0.0.0', env: {}, want: 'http://127.0.0.1:8470/api/health' },
    { host: '::', env: {}, want: 'http://[::1]:8470/api/health' },
    { host: '10.0.0.5', env: { PORT: '9000' }, want: 'http://10.0.0.5:9000/api/health' },
  ])('server.host $host, env $env', ({ host, env, want }) => {
    expect(healthUrl(at(host), env)).toBe(want);
  });
});

describe('help and version', () => {
  const NAMES = Object.keys(USAGES) as CommandName[];
  let main: (argv: string[]) => Promise<number>;
  let printed: { stdout: string; stderr: string };

  beforeAll(async () => {
    // Help is printed without loading the command (and net-snmp, influx, pdfkit behind it): any load fails the test.
    for (const name of NAMES) {
      vi.doMock(`../../cli/commands/${name}.ts`, () => {
        throw new Error(`merezha ${name} --help loaded the command`);
      });
    }
    ({ main } = await import('../../cli/main.ts'));
  });
  beforeEach(() => {
    printed = { stdout: '', stderr: '' };
    for (const stream of ['stdout', 'stderr'] as const) {
      vi.spyOn(process[stream], 'write').mockImplementation((chunk) => {
        printed[stream] += String(chunk);
        return true;
      });
    }
  });
  afterEach(() => vi.restoreAllMocks());

  it.each(NAMES)('merezha %s --help (or -h, wherever it stands) prints its usage and exits 0', async (name) => {
    for (const argv of [['--help'], ['-h'], ['--config', 'x.yaml', '--help'], ['help']]) {
      printed.stdout = '';
      const asked = argv[0] === 'help' ? ['help', name] : [name, ...argv];
      expect(await main(asked), asked.join(' ')).toBe(0);
      expect(printed.stdout).toBe(USAGES[name].usage);
    }
    expect(printed.stdout).toMatch(new RegExp(`^Usage: merezha ${name}\\b`));
    expect(printed.stderr).toBe('');
  });

  it.each(NAMES)('the usage of %s names exactly the options it parses', async (name) => {
    const { OPTIONS = {} } = await vi.importActual<{ OPTIONS?: Record<string, unknown> }>(`../../cli/commands/${name}.ts`);
    const named = new Set(USAGES[name].usage.match(/--[a-z][a-z-]*/g));
    expect([...named].sort()).toEqual(
      Object.keys(OPTIONS)
        .map((option) => `--${option}`)
        .sort(),
    );
  });

  it('a help flag after -- is an argument, not a request for help', async () => {
    // The command is loaded, which the mock above refuses.
    await expect(main(['check-config', '--', '--help'])).rejects.toThrow();
    expect(printed.stdout).toBe('');
  });

  it('merezha --help lists every command with its summary; no command at all is wrong usage', async () => {
    expect(await main(['--help'])).toBe(0);
    for (const name of NAMES) expect(printed.stdout).toContain(`  ${name.padEnd(17)}${USAGES[name].summary}\n`);
    const overview = printed.stdout;
    printed.stdout = '';
    expect(await main([])).toBe(2);
    expect(printed.stdout).toBe(overview);
    expect(await main(['nope'])).toBe(2);
    expect(printed.stderr).toBe(`merezha: unknown command "nope"\n\n${overview}`);
  });

  it('merezha --version and merezha version print the version of package.json and the runtime (tsx under vitest)', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const argv of [['--version'], ['version']]) {
      printed.stdout = '';
      expect(await main(argv)).toBe(0);
      expect(printed.stdout).toBe(`merezha ${version} (tsx)\n`);
    }
  });
});
