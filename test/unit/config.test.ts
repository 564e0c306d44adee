import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configError } from '../support/config.ts';
import { configJsonSchema, renderConfigJsonSchema } from '../../config/json-schema.ts';
import { loadConfig, parseConfig, type Env } from '../../config/load.ts';
import { closest } from '../../config/messages.ts';
import { POWER_VENDORS, WIFI_VENDORS } from '../../config/schema.ts';

// Paths are relative to the repository root, where vitest runs, so they appear as written here in error lines.
const BAD_CONFIGS = 'test/fixtures/bad-configs';
const DAY_MS = 86_400_000;

describe('bad configs', () => {
  const cases = readdirSync(BAD_CONFIGS, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();

  it('has at least 18 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(18);
  });

  for (const name of cases) {
    it(name, () => {
      const dir = `${BAD_CONFIGS}/${name}`;
      const expected = readFileSync(`${dir}/expected-error.txt`, 'utf8');
      const error = configError(() => loadConfig(`${dir}/hromada.yaml`, {}));
      expect(`${error.message}\n`).toBe(expected);
      expect(error.errors).toEqual(expected.trimEnd().split('\n'));
    });
  }

  it('names a file that does not exist', () => {
    const error = configError(() => loadConfig('config/no-such-hromada.yaml', {}));
    expect(error.message).toBe('config/no-such-hromada.yaml: cannot read config file: no such file');
  });
});

describe('config/example.yaml', () => {
  const example = () => loadConfig('config/example.yaml', {});

  it('loads without errors', () => {
    expect(example).not.toThrow();
  });

  it('has durations in milliseconds and defaults filled in', () => {
    const config = example();
    expect(config.polling.ping.interval).toBe(10_000);
    expect(config.polling.ping.timeout).toBe(1_000);
    expect(config.polling.ping.packet_interval).toBe(200);
    expect(config.polling.snmp).toEqual({ interval: 60_000, timeout: 2_000, retries: 1 });
    expect(config.storage.retention).toEqual({ raw: 30 * DAY_MS, rollup: 800 * DAY_MS });
    expect(config.storage.influx).toBeUndefined();
    expect(config.storage.batch_size).toBe(5000);
    expect(config.storage.flush_interval).toBe(1_000);
    expect(config.hromada.timezone).toBe('Europe/Kyiv');
    expect(config.services.find((s) => s.id === 'mail')).toMatchObject({ interval: 300_000, tls_verify: true, public: false });
  });

  it('describes real villages and every device kind, vendor and category', () => {
    const config = example();
    const devices = config.villages.flatMap((v) => v.devices);
    expect(config.villages.map((v) => v.name)).toEqual(['Дмитрівка', 'Цибулеве', 'Макариха', 'Іванківці']);
    expect(new Set(devices.map((d) => d.kind))).toEqual(new Set(['uplink', 'wifi', 'institution', 'ups']));
    // Every vendor the config accepts is shown in the example, so a new one comes with its documentation.
    expect(new Set(devices.map((d) => d.vendor).filter(Boolean))).toEqual(new Set([...WIFI_VENDORS, ...POWER_VENDORS]));
    expect(new Set(devices.map((d) => d.category).filter(Boolean))).toEqual(
      new Set(['school', 'kindergarten', 'clinic', 'library', 'culture', 'council', 'cnap', 'other']),
    );
    expect(devices.find((d) => d.id === 'dmytrivka-kindergarten')).toMatchObject({ ping: true, public: false });
  });

  it.each(['config/example.yaml', 'config/example-pomichna.yaml'])(
    '%s only talks to simulated devices and services on loopback',
    (file) => {
      const config = loadConfig(file, {});
      for (const device of config.villages.flatMap((v) => v.devices)) {
        expect(device.host, device.id).toMatch(/^127\.\d+\.\d+\.\d+$/);
        if (device.snmp) expect(device.snmp.port, device.id).toBe(1161);
      }
      for (const service of config.services) {
        expect(service.url ?? `tcp://${service.tcp}`, service.id).toMatch(/^[a-z]+:\/\/127\.\d+\.\d+\.\d+:\d+(\/|$)/);
      }
    },
  );

  it('has a second demo, Помічнянська громада, with the villages of its strategy', () => {
    const config = loadConfig('config/example-pomichna.yaml', {});
    expect(config.villages.map((v) => v.name)).toEqual(['м. Помічна', 'с. Помічна', 'Новопавлівка', 'Червоний Розділ']);
  });

  it('takes the SNMPv3 keys from the environment, with demo defaults', () => {
    const v3 = (env: Env) => loadConfig('config/example.yaml', env).snmp_credentials['wifi-v3'];
    expect(v3({})).toMatchObject({ version: '3', auth: { key: 'merezha-demo-auth' }, priv: { key: 'merezha-demo-priv' } });
    expect(v3({ SNMP_AUTH_KEY: 'auth-from-env', SNMP_PRIV_KEY: 'priv-from-env' })).toMatchObject({
      auth: { key: 'auth-from-env' },
      priv: { key: 'priv-from-env' },
    });
  });

  it('documents every key of the schema', () => {
    const text = readFileSync('config/example.yaml', 'utf8');
    const undocumented = [...schemaKeys(configJsonSchema())].filter(
      (key) => !new RegExp(`(^|[\\s#\`-])${escapeRegExp(key)}:`, 'm').test(text),
    );
    expect(undocumented).toEqual([]);
  });
});

describe('a minimal config', () => {
  it('gets every default', () => {
    const config = loadConfig('test/fixtures/good-configs/minimal.yaml', {});
    expect(config.hromada).toEqual({ name: 'Дмитрівська сільська громада', timezone: 'Europe/Kyiv', locale: 'uk' });
    expect(config.polling.services).toEqual({ interval: 60_000, timeout: 10_000 });
    expect(config.polling.concurrency).toBe(200);
    expect(config.storage.spool_dir).toBe('./data/spool');
    expect(config.snmp_credentials).toEqual({});
    expect(config.providers).toEqual([]);
    expect(config.services).toEqual([]);
    expect(config.villages[0]!.devices[0]).toEqual({
      id: 'dmytrivka-council',
      kind: 'institution',
      category: 'council',
      host: '127.0.1.10',
      ping: true,
      public: false,
      invincibility_point: false,
    });
  });
});

describe('environment variables', () => {
  /** A valid config around one SNMP credential and its use; `credential` is the YAML of the credential's keys. */
  const withCredential = (credential: string, snmp = 'credential: main') => `hromada:
  name: Test
snmp_credentials:
  main:
${credential}
villages:
  - id: village
    name: Village
    devices:
      - id: router
        kind: uplink
        host: 127.0.9.1
        snmp:
          ${snmp}
`;
  const V3 = (key: string) => `    version: 3
    user: merezha
    auth:
      protocol: sha
      key: ${key}`;
  const parse = (text: string, env: Env) => parseConfig(text, 'hromada.yaml', env);

  it('substitutes a variable that is set', () => {
    const config = parse(withCredential(V3('"${AUTH_KEY}"')), { AUTH_KEY: 'from-the-environment' });
    expect(config.snmp_credentials.main).toMatchObject({ auth: { key: 'from-the-environment' } });
  });

  it('substitutes inside a longer string', () => {
    const config = parse(withCredential(V3('"${PREFIX}-${SUFFIX:-tail}"')), { PREFIX: 'head-and' });
    expect(config.snmp_credentials.main).toMatchObject({ auth: { key: 'head-and-tail' } });
  });

  it('uses the default when the variable is unset or empty', () => {
    const text = withCredential(V3('"${AUTH_KEY:-default-key}"'));
    expect(parse(text, {}).snmp_credentials.main).toMatchObject({ auth: { key: 'default-key' } });
    expect(parse(text, { AUTH_KEY: '' }).snmp_credentials.main).toMatchObject({ auth: { key: 'default-key' } });
  });

  it('reports a variable that is not set at the line of its value', () => {
    const error = configError(() => parse(withCredential(V3('"${AUTH_KEY}"')), {}));
    expect(error.errors).toEqual(['hromada.yaml:9 snmp_credentials.main.auth.key: environment variable AUTH_KEY is not set']);
  });

  it('reports a malformed reference', () => {
    const error = configError(() => parse(withCredential(V3('"${AUTH KEY}"')), {}));
    expect(error.errors).toEqual([
      'hromada.yaml:9 snmp_credentials.main.auth.key: invalid reference "${AUTH KEY}" (write ${NAME} or ${NAME:-default})',
    ]);
  });

  it('types an unquoted value after substitution, and keeps a quoted one a string', () => {
    const port = (snmp: string, env: Env) =>
      parse(withCredential('    version: 2c\n    community: public', snmp), env).villages[0]!.devices[0]!.snmp!.port;
    expect(port('credential: main\n          port: ${SNMP_PORT:-1161}', {})).toBe(1161);
    const error = configError(() =>
      parse(withCredential('    version: 2c\n    community: public', 'credential: main\n          port: "${SNMP_PORT}"'), {
        SNMP_PORT: '1161',
      }),
    );
    expect(error.errors).toEqual([
      'hromada.yaml:16 villages[0].devices[0].snmp.port: must be a number (got a string, not shown here; remove the quotes to make it a number)',
    ]);
  });

  it('never prints the value of a variable or a secret', () => {
    const secret = 's3cr';
    const cases: [string, Env][] = [
      [withCredential(V3('"${AUTH_KEY}"')), { AUTH_KEY: secret }],
      [withCredential('    version: 2c\n    community: ${COMMUNITY}'), { COMMUNITY: '5309' }],
      [withCredential('    version: 2c\n    community: 5309'), {}],
      [withCredential('    version: 2c\n    community: public', 'credential: main\n          port: ${SNMP_PORT}'), { SNMP_PORT: secret }],
      [
        `polling:\n  ping:\n    interval: \${PING_INTERVAL}\n${withCredential('    version: 2c\n    community: public')}`,
        { PING_INTERVAL: secret },
      ],
    ];
    for (const [text, env] of cases) {
      const error = configError(() => parse(text, env));
      expect(error.message).not.toMatch(/s3cr|5309/);
    }
  });
});

describe('messages', () => {
  it.each([
    ['intervall', ['interval', 'count'], 'interval'],
    ['hots', ['host', 'kind'], 'host'],
    ['Kind', ['host', 'kind'], 'kind'],
    ['ip', ['id', 'host'], undefined],
    ['router', ['uplink', 'wifi', 'institution'], undefined],
  ])('suggests for %s', (word, candidates, suggestion) => {
    expect(closest(word, candidates)).toBe(suggestion);
  });

  it('reports duplicate keys with both lines', () => {
    const error = configError(() => parseConfig('hromada:\n  name: A\n  name: B\nvillages: []\n', 'h.yaml', {}));
    expect(error.errors).toEqual(['h.yaml:3 YAML syntax error: duplicate key "name" (first set on line 2)']);
  });

  it('points at the top of a file that is not a mapping', () => {
    const error = configError(() => parseConfig('- just\n- a list\n', 'h.yaml', {}));
    expect(error.errors).toEqual(['h.yaml:1 (top level): must be a mapping of keys to values (got a list)']);
  });

  it('treats a file of comments as empty', () => {
    const error = configError(() => parseConfig('# nothing here yet\n', 'h.yaml', {}));
    expect(error.errors).toEqual(['h.yaml: the config file is empty (start from a copy of config/example.yaml)']);
  });
});

describe('config/hromada.schema.json', () => {
  it('is the schema generated from config/schema.ts', () => {
    const committed = readFileSync('config/hromada.schema.json', 'utf8');
    expect(committed, 'config/hromada.schema.json is out of date: run `npm run schema`').toBe(renderConfigJsonSchema());
  });

  it('rejects unknown keys, so editors flag them', () => {
    const schema = configJsonSchema() as {
      additionalProperties: unknown;
      properties: { polling: { properties: { ping: Record<string, unknown> } } };
    };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.polling.properties.ping.additionalProperties).toBe(false);
  });

  it('documents durations as strings', () => {
    const schema = configJsonSchema() as { properties: { polling: { properties: { ping: { properties: { interval: unknown } } } } } };
    expect(schema.properties.polling.properties.ping.properties.interval).toMatchObject({ type: 'string', default: '10s' });
  });
});

/** Every property name anywhere in a JSON Schema. */
function* schemaKeys(schema: unknown): Generator<string> {
  if (schema === null || typeof schema !== 'object') return;
  const node = schema as Record<string, unknown>;
  for (const [name, child] of Object.entries((node.properties ?? {}) as Record<string, unknown>)) {
    yield name;
    yield* schemaKeys(child);
  }
  for (const key of ['items', 'additionalProperties']) yield* schemaKeys(node[key]);
  for (const key of ['oneOf', 'anyOf', 'allOf']) for (const child of (node[key] ?? []) as unknown[]) yield* schemaKeys(child);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
