/** app/heap.ts: V8 heap limits from the inventory, the operator's override, and the flags `merezha start` gets. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heapFlags, heapLimits, inventoryOf, startNodeFlags } from '../../app/heap.ts';
import { loadConfig } from '../../config/load.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('heapLimits', () => {
  it.each([
    { name: 'a village network', devices: 50, services: 2, old: 129, semi: 2 },
    { name: '1,000 devices', devices: 1_000, services: 0, old: 136, semi: 2 },
    { name: '10,000 devices', devices: 10_000, services: 0, old: 208, semi: 4 },
    { name: '12,000 devices', devices: 12_000, services: 0, old: 224, semi: 8 },
    { name: '20,000 devices', devices: 20_000, services: 0, old: 288, semi: 16 },
    { name: '50,000 devices', devices: 50_000, services: 0, old: 528, semi: 16 },
  ])('$name: old space $old MB, semi-spaces $semi MB', ({ devices, services, old, semi }) => {
    // At least twice the live heap measured at 10k and 20k devices (85 and 107 MB), with room for the rest of merezha start.
    expect(heapLimits({ devices, services })).toEqual({ maxOldSpaceMb: old, maxSemiSpaceMb: semi });
  });

  it('grows with devices and services, more when the devices are simulated in the same process, and stops at its ceiling', () => {
    const base = heapLimits({ devices: 5_000, services: 0 });
    expect(heapLimits({ devices: 6_000, services: 0 }).maxOldSpaceMb).toBeGreaterThan(base.maxOldSpaceMb);
    expect(heapLimits({ devices: 5_000, services: 500 }).maxOldSpaceMb).toBeGreaterThan(base.maxOldSpaceMb);
    expect(heapLimits({ devices: 5_000, services: 0, simulated: true }).maxOldSpaceMb).toBeGreaterThan(base.maxOldSpaceMb);
    const huge = heapLimits({ devices: 10_000_000, services: 100_000 });
    expect(huge).toEqual({ maxOldSpaceMb: 2048, maxSemiSpaceMb: 16 });
    expect(heapLimits({ devices: 0, services: 0 })).toEqual({ maxOldSpaceMb: 128, maxSemiSpaceMb: 2 });
  });

  it('gives semi-spaces as powers of two, which V8 would round up to anyway, never shrinking as devices grow', () => {
    let previous = 0;
    for (let devices = 0; devices <= 60_000; devices += 250) {
      const semi = heapLimits({ devices, services: 0 }).maxSemiSpaceMb;
      expect(Math.log2(semi) % 1, `${devices} devices: ${semi} MB`).toBe(0);
      expect(semi).toBeGreaterThanOrEqual(previous);
      previous = semi;
    }
  });

  it('sizes the young generation V8 really uses: three semi-spaces (two halves and the large objects) beside the old space', () => {
    const { maxOldSpaceMb, maxSemiSpaceMb } = heapLimits({ devices: 10_000, services: 0 });
    const limit = execFileSync(
      process.execPath,
      [`--max-old-space-size=${maxOldSpaceMb}`, `--max-semi-space-size=${maxSemiSpaceMb}`, '-p', 'v8.getHeapStatistics().heap_size_limit'],
      { encoding: 'utf8' },
    );
    // A semi-space that is not a power of two would come back rounded up: 6 MB as 8, 24 MB of young generation instead of 18.
    expect(Number(limit) / 2 ** 20).toBe(maxOldSpaceMb + 3 * maxSemiSpaceMb);
  });
});

describe('heapFlags', () => {
  const limits = { maxOldSpaceMb: 180, maxSemiSpaceMb: 6 };

  it('gives both limits as node flags', () => {
    expect(heapFlags(limits, {})).toEqual(['--max-old-space-size=180', '--max-semi-space-size=6']);
  });

  it("leaves a limit the operator set in NODE_OPTIONS (either spelling) to it, and MEREZHA_HEAP_MB replaces the old space's", () => {
    expect(heapFlags(limits, { NODE_OPTIONS: '--max-old-space-size=512' })).toEqual(['--max-semi-space-size=6']);
    expect(heapFlags(limits, { NODE_OPTIONS: '--enable-source-maps --max_semi_space_size=32' })).toEqual(['--max-old-space-size=180']);
    expect(heapFlags(limits, { MEREZHA_HEAP_MB: '300' })).toEqual(['--max-old-space-size=300', '--max-semi-space-size=6']);
    // Not a positive whole number of MB: the computed limit stands.
    for (const wrong of ['', '0', '-5', '1.5', 'lots'])
      expect(heapFlags(limits, { MEREZHA_HEAP_MB: wrong })[0], wrong).toBe('--max-old-space-size=180');
  });
});

describe('inventoryOf', () => {
  it("counts the items of every village's devices and of the services, comments and nesting aside", () => {
    const yaml = [
      'villages:',
      '  - id: a',
      '    devices:',
      '      # the uplink first',
      '      - id: x',
      '        snmp:',
      '          interfaces:',
      '            - ether1',
      '            - ether2',
      '',
      '      - id: y',
      '    name: A',
      '  - id: b',
      '    devices: []',
      '  - id: c',
      '    devices:',
      '    - id: z',
      '    -',
      '      id: w',
      'services:',
      '  - id: s',
      '    tcp: mail:25',
      'alerts:',
      '  rules:',
      '    - on: [down]',
    ].join('\n');
    expect(inventoryOf(yaml)).toEqual({ devices: 4, services: 1 });
  });

  it('agrees with the loader on the shipped inventories', () => {
    for (const file of ['config/example.yaml', 'config/example-pomichna.yaml', 'debian/hromada.yaml']) {
      const config = loadConfig(join(root, file), { SNMP_COMMUNITY: 'c', SNMP_AUTH_KEY: 'auth-key-123', SNMP_PRIV_KEY: 'priv-key-123' });
      expect(inventoryOf(readFileSync(join(root, file), 'utf8')), file).toEqual({
        devices: config.villages.flatMap((v) => v.devices).length,
        services: config.services.length,
      });
    }
  });

  it('counts nothing in what is no block list of devices', () => {
    expect(inventoryOf('villages: [\n')).toEqual({ devices: 0, services: 0 });
    expect(inventoryOf('')).toEqual({ devices: 0, services: 0 });
    expect(inventoryOf('villages:\n  - id: v\n    devices:\n    name: V\n')).toEqual({ devices: 0, services: 0 });
  });
});

describe('startNodeFlags', () => {
  let dir: string;
  let config: string;
  const devices = (n: number) => Array.from({ length: n }, (_, i) => `      - id: d${i}\n`).join('');
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'merezha-heap-'));
    config = join(dir, 'hromada.yaml');
    await writeFile(config, `villages:\n  - id: v\n    devices:\n${devices(12_000)}`);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const resolved: { flag: string | undefined; env: NodeJS.ProcessEnv }[] = [];
  const resolve = (demo: boolean) => (flag: string | undefined, env: NodeJS.ProcessEnv) => {
    resolved.push({ flag, env });
    return { path: flag ?? env.MEREZHA_CONFIG ?? join(dir, 'missing.yaml'), demo };
  };

  it('sizes merezha start by the config the command line would choose', async () => {
    const expected = heapFlags(heapLimits({ devices: 12_000, services: 0 }), {});
    expect(await startNodeFlags(['start', '--config', config], {}, resolve(false))).toEqual(expected);
    expect(await startNodeFlags(['start', `--config=${config}`], {}, resolve(false))).toEqual(expected);
    expect(await startNodeFlags(['start'], { MEREZHA_CONFIG: config }, resolve(false))).toEqual(expected);
    expect(resolved.map((r) => r.flag)).toEqual([config, config, undefined]);
  });

  it('counts simulated devices (--simulate, the demo) at their in-process cost', async () => {
    const simulated = heapFlags(heapLimits({ devices: 12_000, services: 0, simulated: true }), {});
    expect(await startNodeFlags(['start', '--config', config, '--simulate'], {}, resolve(false))).toEqual(simulated);
    expect(await startNodeFlags(['start'], { MEREZHA_CONFIG: config }, resolve(true))).toEqual(simulated);
  });

  it('gives nothing to the short commands, for a config that is missing, or beyond what the operator set', async () => {
    expect(await startNodeFlags(['check-config', config], {}, resolve(false))).toEqual([]);
    expect(await startNodeFlags(['--version'], {}, resolve(false))).toEqual([]);
    expect(await startNodeFlags([], {}, resolve(false))).toEqual([]);
    expect(await startNodeFlags(['start'], {}, resolve(false))).toEqual([]);
    expect(
      await startNodeFlags(
        ['start', '--config', config],
        { NODE_OPTIONS: '--max-old-space-size=64 --max-semi-space-size=1' },
        resolve(false),
      ),
    ).toEqual([]);
  });
});
