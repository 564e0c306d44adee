/**
 * The InfluxDB a one-off command (`merezha import`, `report`, `backup`) works
 * with: the one `merezha start` would use, or the managed influxd started for
 * the command. When a running Merezha owns that one, import and report refuse
 * plainly; a backup is made online, through the running influxd.
 */
import { resolve } from 'node:path';
import { connectionTo, errorMessage, type InfluxConnection } from '../storage/influx-client.ts';
import { rpcAddressOf } from '../storage/influx-backup.ts';
import { checkInfluxVersion } from '../storage/influx-version.ts';
import { ManagedInfluxdBusyError, readManagedLogin, readRememberedPorts, startManagedInfluxd } from '../storage/managed-influxd.ts';
import { LOOPBACK } from '../storage/ports.ts';
import type { Logger } from '../common/log.ts';
import type { Config } from '../config/schema.ts';

/** A reason for a command to do nothing, printed as one line. */
export class Refusal extends Error {}

export interface Database {
  connection: InfluxConnection;
  /** host:port of its backup/restore service. */
  rpcAddress: string;
  stop(): Promise<void>;
}

type Command = 'import' | 'report' | 'backup';

/**
 * The InfluxDB that `merezha start` would use, answering /ping; the managed one
 * is started for the command (import, or report, which reads the same way).
 */
export async function openDatabase(config: Config, log: Logger, command: Command = 'import'): Promise<Database> {
  const url = process.env.INFLUX_URL ?? config.storage.influx?.url;
  const dir = resolve(config.storage.managed_dir);
  if (url) {
    // INFLUX_URL may name the managed influxd of a running Merezha, as the refusal below suggests: its login is in its folder.
    const ports = await readRememberedPorts(dir);
    const managed = !config.storage.influx?.username && url === `http://${LOOPBACK}:${ports.http}`;
    const login = managed ? await readManagedLogin(dir) : undefined;
    const connection = connectionTo(config, url, login);
    const server = await checkInfluxVersion(url).catch((err: unknown) => {
      throw new Refusal(errorMessage(err));
    });
    if (!server.reachable) {
      const from = process.env.INFLUX_URL ? 'INFLUX_URL' : 'storage.influx.url';
      throw new Refusal(`InfluxDB at ${url} (${from}) does not answer; start it, or fix the address`);
    }
    const rpcAddress =
      managed && ports.rpc !== undefined ? `${LOOPBACK}:${ports.rpc}` : rpcAddressOf(url, config.storage.influx?.rpc_address);
    return { connection, rpcAddress, stop: async () => {} };
  }
  try {
    const managed = await startManagedInfluxd({ dir, log });
    return {
      connection: connectionTo(config, managed.url, managed.login),
      rpcAddress: `${LOOPBACK}:${managed.rpcPort}`,
      stop: () => managed.stop(),
    };
  } catch (err) {
    if (!(err instanceof ManagedInfluxdBusyError)) throw new Refusal(`cannot start the managed influxd in ${dir}: ${errorMessage(err)}`);
    const ports = await readRememberedPorts(dir);
    if (command === 'backup') {
      if (ports.http === undefined || ports.rpc === undefined) {
        throw new Refusal(
          `another Merezha is running with the influxd in ${dir}, whose ports.json is missing or damaged: restart it, then back up`,
        );
      }
      const login = await readManagedLogin(dir);
      return {
        connection: connectionTo(config, `http://${LOOPBACK}:${ports.http}`, login),
        rpcAddress: `${LOOPBACK}:${ports.rpc}`,
        stop: async () => {},
      };
    }
    const running = ports.http === undefined ? 'its address' : `http://${LOOPBACK}:${ports.http}`;
    const into = command === 'report' ? 'report from' : 'import into';
    throw new Refusal(
      `another Merezha is running with the influxd in ${dir}; stop it and ${command} again, ` +
        `or ${into} that influxd while it runs: INFLUX_URL=${running} merezha ${command} …`,
    );
  }
}
