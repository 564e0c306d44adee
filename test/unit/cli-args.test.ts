import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_CONFIG, resolveConfigPath, USER_CONFIG } from '../../cli/args.ts';

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
