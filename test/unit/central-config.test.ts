/**
 * central.yaml and `merezha nats-config`: the example loads, mistakes name
 * their line and field, and the generated NATS configs give each hromada
 * exactly its own subjects (the isolation itself is proved against a real
 * nats-server in test/integration/forward.test.ts).
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { planCluster, writeNatsConfig, NatsConfigError } from '../../central/nats-config.ts';
import { hromadaState, parseSubject, subjectOf } from '../../common/federation.ts';
import { hromadaDatabase, loadCentralConfig, parseCentralConfig } from '../../config/central.ts';
import { ConfigError } from '../../config/load.ts';

describe('central.yaml', () => {
  it('config/central.example.yaml loads, with one database per hromada', () => {
    const config = loadCentralConfig('config/central.example.yaml');
    expect(config.hromadas.map((h) => h.id)).toContain('dmytrivska');
    expect(config.nats.replicas).toBe(3);
    expect(config.nats.max_age).toBe(14 * 86_400_000);
    expect(hromadaDatabase(config, 'dmytrivska')).toBe('merezha_dmytrivska');
    expect(hromadaDatabase(config, 'nova-odesa')).toBe('merezha_nova_odesa');
  });

  it('names the line and the field of a wrong hromada id and of a duplicate', () => {
    const text = [
      'oblast: { name: Тест }',
      'nats: { servers: [nats://127.0.0.1:4222], credentials: c.nk }',
      'hromadas:',
      '  - id: Bad.Id',
      '    name: A',
      '  - id: same',
      '    name: B',
      '  - id: same',
      '    name: C',
    ].join('\n');
    let error: unknown;
    try {
      parseCentralConfig(text, 'central.yaml', {});
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const lines = (error as ConfigError).errors;
    expect(lines.some((l) => l.startsWith('central.yaml:4 hromadas[0].id:'))).toBe(true);
    expect(lines.some((l) => l.startsWith('central.yaml:8 hromadas[2].id:') && l.includes('duplicate'))).toBe(true);
  });
});

describe('central.yaml databases', () => {
  it('refuses two hromadas whose ids would share a database', () => {
    const text = [
      'oblast: { name: Тест }',
      'nats: { servers: [nats://127.0.0.1:4222], credentials: c.nk }',
      'hromadas: [{ id: nova-odesa, name: A }, { id: nova_odesa, name: B }]',
    ].join('\n');
    expect(() => parseCentralConfig(text, 'central.yaml', {})).toThrow(
      /hromadas\[1\]\.id: would share the database merezha_nova_odesa with "nova-odesa"/,
    );
  });
});

describe('subjects', () => {
  it('round-trips a hromada and channel, and refuses what is not ours', () => {
    expect(parseSubject(subjectOf('dmytrivska', 'outages'))).toEqual({ hromada: 'dmytrivska', channel: 'outages' });
    expect(parseSubject('merezha.dmytrivska.other')).toBeUndefined();
    expect(parseSubject('merezha.a.b.points')).toBeUndefined();
    expect(parseSubject('other.a.points')).toBeUndefined();
  });

  it('a hromada is stale without a recent heartbeat, else as its villages', () => {
    const now = 1_000_000;
    expect(hromadaState(undefined, null, now, 45_000)).toBe('unknown');
    expect(hromadaState(['online'], now - 46_000, now, 45_000)).toBe('stale');
    expect(hromadaState(['online', 'online'], now, now, 45_000)).toBe('online');
    expect(hromadaState(['online', 'offline'], now, now, 45_000)).toBe('degraded');
    expect(hromadaState(['offline', 'maintenance'], now, now, 45_000)).toBe('offline');
    expect(hromadaState(['maintenance'], now, now, 45_000)).toBe('unknown');
  });
});

describe('merezha nats-config', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'merezha-nats-config-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives each hromada only its own subjects, and the central no hromada subject to publish', async () => {
    const written = await writeNatsConfig(dir, { hromadas: ['a', 'b'], storeDir: join(dir, 'js') });
    expect(written.configs).toHaveLength(3);
    const conf = await readFile(written.configs[0]!, 'utf8');
    const users = conf.split('\n').filter((l) => l.includes('nkey:'));
    expect(users).toHaveLength(3);
    const a = users.find((l) => l.includes('"merezha.a.>"'))!;
    expect(a).toContain('publish: { allow: ["merezha.a.>"] }');
    expect(a).not.toContain('merezha.b');
    const central = users.find((l) => l.includes('$JS.API.>'))!;
    expect(central).not.toMatch(/publish: \{ allow: \[[^\]]*"merezha\./);
    // The routes of node 1 name the other two, never itself.
    expect(conf.match(/nats-route:\/\//g)).toHaveLength(2);
    // Only public keys are in the server configs; the seeds are private files.
    expect(conf).not.toMatch(/SU[A-Z2-7]{56}/);
    expect((await stat(written.credentials.get('a')!)).mode & 0o777).toBe(0o600);
  });

  it('keeps the seeds already there, so adding a hromada locks no one out', async () => {
    const first = await writeNatsConfig(dir, { hromadas: ['a'], storeDir: join(dir, 'js') });
    const seedA = await readFile(first.credentials.get('a')!, 'utf8');
    const second = await writeNatsConfig(dir, { hromadas: ['a', 'b'], storeDir: join(dir, 'js') });
    expect(await readFile(second.credentials.get('a')!, 'utf8')).toBe(seedA);
    expect(second.created).toEqual(['b']);
  });

  it('refuses a broken seed file, a bad id and a duplicate, writing nothing new', async () => {
    await writeFile(join(dir, 'a.nk'), 'not a seed\n');
    await expect(writeNatsConfig(dir, { hromadas: ['a'], storeDir: dir })).rejects.toThrow(/a\.nk is not an nkey user seed/);
    expect(() => planCluster({ hromadas: ['A.b'], storeDir: dir })).toThrow(NatsConfigError);
    expect(() => planCluster({ hromadas: ['a', 'a'], storeDir: dir })).toThrow(/listed twice/);
    expect(() => planCluster({ hromadas: ['central'], storeDir: dir })).toThrow(/central/);
  });

  it('puts nodes on one host on consecutive ports, and nodes on their own hosts on the same ports', () => {
    const local = planCluster({ hromadas: ['a'], storeDir: '/x' });
    expect(local.nodes.map((n) => n.clientPort)).toEqual([4222, 4223, 4224]);
    const spread = planCluster({ hromadas: ['a'], hosts: ['10.0.0.1', '10.0.0.2', '10.0.0.3'], storeDir: '/x' });
    expect(spread.nodes.map((n) => n.clientPort)).toEqual([4222, 4222, 4222]);
  });
});

describe('forward: in hromada.yaml', () => {
  it('refuses the local spool folder as the forward spool, at its line', async () => {
    const { parseConfig } = await import('../../config/load.ts');
    const text = [
      'hromada: { name: Тест }',
      'storage: { spool_dir: ./data/spool }',
      'villages: [{ id: v, name: V, devices: [{ id: d, kind: uplink, host: 127.0.1.1 }] }]',
      'kpis: []',
      'forward:',
      '  hromada: test',
      '  servers: [nats://127.0.0.1:4222]',
      '  credentials: test.nk',
      '  spool_dir: data/spool/',
    ].join('\n');
    expect(() => parseConfig(text, 'hromada.yaml', {})).toThrow(/hromada\.yaml:9 forward\.spool_dir: must not be storage\.spool_dir/);
  });
});
