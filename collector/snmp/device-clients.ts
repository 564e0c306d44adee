/**
 * The SNMP clients a runner keeps, one per device, across polls: a client is a
 * session on the shared socket (transport.ts) with its v3 engine and its
 * encoded GET, so opening one per poll would throw both away.
 */
import type { Config, DeviceConfig } from '../../config/schema.ts';
import type { ProbeRunner, RunSignal } from '../probes/types.ts';
import type { SnmpClient, SnmpClientFactory } from './client.ts';

/** A runner that keeps a client per device: `close` ends them all (the collector's stop). */
export interface ClosableRunner<Target, Result> extends ProbeRunner<Target, Result> {
  close(): void;
}

/**
 * Each device's SNMP client, kept across polls and made again only when what
 * it talks to changes (host, port, credential, timing). An abandoned poll
 * closes its client, which fails that poll's requests at once; the next poll
 * opens a new one.
 */
export class DeviceClients {
  private readonly kept = new Map<string, { client: SnmpClient; signature: string }>();

  constructor(
    private readonly config: Config,
    private readonly factory: SnmpClientFactory,
  ) {}

  of(key: string, device: DeviceConfig, timeoutMs: number): SnmpClient {
    const snmpCfg = device.snmp!;
    const credential = this.config.snmp_credentials[snmpCfg.credential]!;
    const retries = this.config.polling.snmp.retries;
    const signature = JSON.stringify([device.host, snmpCfg.port, credential, timeoutMs, retries]);
    const had = this.kept.get(key);
    if (had?.signature === signature) return had.client;
    had?.client.close();
    const client = this.factory({ host: device.host, port: snmpCfg.port, credential, timeoutMs, retries });
    this.kept.set(key, { client, signature });
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
