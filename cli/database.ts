/**
 * The InfluxDB a one-off command (`merezha import`, `merezha report`) works
 * with: the one `merezha start` would use, or the managed influxd started for
 * the command, and a plain refusal when a running Merezha owns that one.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { connectionTo, errorMessage, type InfluxConnection } from '../storage/influx-client.ts';
import { checkInfluxVersion } from '../storage/influx-version.ts';
import { ManagedInfluxdBusyError, readManagedLogin, startManagedInfluxd } from '../storage/managed-influxd.ts';
import { LOOPBACK } from '../storage/ports.ts';
import type { Logger } from '../common/log.ts';
import type { Config } from '../config/schema.ts';

/** A reason for a command to do nothing, printed as one line. */
export class Refusal extends Error {}

export interface Database {
  connection: InfluxConnection;
  stop(): Promise<void>;
}

/**
 * The InfluxDB that `merezha start` would use, answering /ping; the managed one
 * is started for the command (import, or report, which reads the same way).
 */
export async function openDatabase(config: Config, log: Logger, command: 'import' | 'report' = 'import'): Promise<Database> {
  const url = process.env.INFLUX_URL ?? config.storage.influx?.url;
  const dir = resolve(config.storage.managed_dir);
  if (url) {
    // INFLUX_URL may name the managed influxd of a running Merezha, as the refusal below suggests: its login is in its folder.
    const port = await rememberedHttpPort(dir);
    const login = !config.storage.influx?.username && url === `http://${LOOPBACK}:${port}` ? await readManagedLogin(dir) : undefined;
    const connection = connectionTo(config, url, login);
    const server = await checkInfluxVersion(url).catch((err: unknown) => {
      throw new Refusal(errorMessage(err));
    });
    if (!server.reachable) {
      const from = process.env.INFLUX_URL ? 'INFLUX_URL' : 'storage.influx.url';
      throw new Refusal(`InfluxDB at ${url} (${from}) does not answer; start it, or fix the address`);
    }
    return { connection, stop: async () => {} };
  }
  try {
    const managed = await startManagedInfluxd({ dir, log });
    return { connection: connectionTo(config, managed.url, managed.login), stop: () => managed.stop() };
  } catch (err) {
    if (!(err instanceof ManagedInfluxdBusyError)) throw new Refusal(`cannot start the managed influxd in ${dir}: ${errorMessage(err)}`);
    const port = await rememberedHttpPort(dir);
    const running = port === undefined ? 'its address' : `http://${LOOPBACK}:${port}`;
    const into = command === 'import' ? 'import into' : 'report from';
    throw new Refusal(
      `another Merezha is running with the influxd in ${dir}; stop it and ${command} again, ` +
        `or ${into} that influxd while it runs: INFLUX_URL=${running} merezha ${command} …`,
    );
  }
}

/** The port the managed influxd listens on, as it remembers it in its folder (see managed-influxd.ts). */
async function rememberedHttpPort(dir: string): Promise<number | undefined> {
  try {
    const { http } = JSON.parse(await readFile(join(dir, 'ports.json'), 'utf8')) as { http?: unknown };
    return Number.isInteger(http) ? (http as number) : undefined;
  } catch {
    return undefined;
  }
}
