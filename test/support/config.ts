/** Builds a validated Config from a partial inventory, for tests that do not go through a YAML file. */
import { ConfigError } from '../../config/load.ts';
import { configSchema, type Config, type ConfigInput } from '../../config/schema.ts';

type Primitive = string | number | boolean | bigint | symbol | null | undefined;

/** Config input where every section may be given in part: what `mergeConfig` lays over a base. */
export type ConfigOverrides<T = ConfigInput> = {
  [K in keyof T]?: unknown extends T[K]
    ? T[K]
    : NonNullable<T[K]> extends Primitive | readonly unknown[]
      ? T[K]
      : ConfigOverrides<NonNullable<T[K]>>;
};

const isSection = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;

/**
 * `overrides` laid over `base`: sections (plain objects) merge key by key, lists
 * and values replace. A spread would replace whole sections, so a test giving
 * `server: { trusted_proxies: 1 }` would lose the harness's `server.data_dir`
 * and fall back to the real installation's ./data/server. An undefined
 * override leaves the base as it is, for the same reason.
 */
export function mergeConfig<T extends object>(base: T, overrides: ConfigOverrides<T>): T {
  const merged = { ...base } as Record<string, unknown>;
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    const current = merged[key];
    merged[key] = isSection(current) && isSection(value) ? mergeConfig(current, value) : value;
  }
  return merged as T;
}

export function testConfig(input: ConfigOverrides & Pick<ConfigInput, 'villages'>): Config {
  return configSchema.parse(mergeConfig<ConfigOverrides>({ hromada: { name: 'Тестова громада' } }, input));
}

/** A random 127.x.y.z address so parallel test files never share an agent address. */
export function loopbackAddress(): string {
  const b = () => 1 + Math.floor(Math.random() * 250);
  return `127.${b()}.${b()}.${b()}`;
}

/** The ConfigError that `load` throws; fails the test if it returns or throws anything else. */
export function configError(load: () => unknown): ConfigError {
  try {
    load();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError, but it loaded');
}
