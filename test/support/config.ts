/** Builds a validated Config from a partial inventory, for tests that do not go through a YAML file. */
import { ConfigError } from '../../config/load.ts';
import { configSchema, type Config, type ConfigInput } from '../../config/schema.ts';

export function testConfig(input: Partial<ConfigInput> & Pick<ConfigInput, 'villages'>): Config {
  return configSchema.parse({ hromada: { name: 'Тестова громада' }, ...input });
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
