/** Loads the config the way every command does, printing errors instead of throwing them. */
import { createLogger } from '../../common/log.ts';
import { ConfigError, loadConfig } from '../../config/load.ts';
import type { Config } from '../../config/schema.ts';
import { resolveConfigPath } from '../args.ts';

export interface LoadedConfig {
  config: Config;
  path: string;
  /** No config of the user's exists: this is the shipped demo hromada. */
  demo: boolean;
}

export function loadConfigOrReport(flag: string | undefined, announceDemo = false): LoadedConfig | undefined {
  const { path, demo } = resolveConfigPath(flag);
  return reportConfigError(() => {
    const config = loadConfig(path);
    if (demo && announceDemo) {
      createLogger().warn(
        { config: path },
        `DEMO: no config/hromada.yaml found, running the demo hromada "${config.hromada.name}" from ${path}. ` +
          'To monitor your own network: cp config/example.yaml config/hromada.yaml, edit it, and restart (or pass --config FILE / MEREZHA_CONFIG).',
      );
    }
    return { config, path, demo };
  });
}

/** `read`'s result, or undefined once a config error is told to the user; any other error is a bug and is thrown on. */
export function reportConfigError<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return undefined;
  }
}
