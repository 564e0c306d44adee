/**
 * The SNMP clients a runner keeps, one per device, across polls: a client is
 * the device's share of a session on the shared socket (session.ts), with
 * its v3 engine, so opening one per poll would throw that away.
 */
import type { Config, DeviceConfig, SnmpCredential } from '../../config/schema.ts';
import type { ProbeRunner, RunSignal } from '../probes/types.ts';
import type { SnmpClient, SnmpClientFactory } from './client.ts';

/** A runner that keeps a client per device: `close` ends them all (the collector's stop). */
export interface ClosableRunner<Target, Result> extends ProbeRunner<Target, Result> {
  close(): void;
}

/** A device's client and what it was made for: a device whose host, port, credential or timeout changed gets a new one. */
interface Kept {
  client: SnmpClient;
  host: string;
  port: number;
  credential: SnmpCredential;
  timeoutMs: number;
}

/**
 * Each device's SNMP client, kept across polls and made again only when what
 * it talks to changes (host, port, credential, timing). An abandoned poll
 * closes its client, which fails that poll's requests at once; the next poll
 * opens a new one.
 */
export class DeviceClients {
  private readonly kept = new Map<string, Kept>();

  constructor(
    private readonly config: Config,
    private readonly factory: SnmpClientFactory,
  ) {}

  of(key: string, device: DeviceConfig, timeoutMs: number): SnmpClient {
    const { port, credential: name } = device.snmp!;
    // The config is the runner's for its whole life, so one credential is one object.
    const credential = this.config.snmp_credentials[name]!;
    const had = this.kept.get(key);
    if (had && had.host === device.host && had.port === port && had.credential === credential && had.timeoutMs === timeoutMs) {
      return had.client;
    }
    had?.client.close();
    const client = this.factory({ host: device.host, port, credential, timeoutMs, retries: this.config.polling.snmp.retries });
    this.kept.set(key, { client, host: device.host, port, credential, timeoutMs });
    return client;
  }

  closeOnAbort(key: string, client: SnmpClient, signal: RunSignal): () => void {
    return signal.onAbort(() => {
      if (this.kept.get(key)?.client === client) this.kept.delete(key);
      client.close();
    });
  }

  forget(key: string): void {
    this.kept.get(key)?.client.close();
    this.kept.delete(key);
  }

  close(): void {
    for (const { client } of this.kept.values()) client.close();
    this.kept.clear();
  }
}
