/**
 * A connection to the oblast's NATS cluster with an nkey seed file, for the
 * edge's forwarder and the central alike: it tries every server listed,
 * reconnects for ever (a village link may be gone for days), and logs each
 * change of the link once, without the seed.
 */
import { readFile } from 'node:fs/promises';
import { connect, nkeyAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../../common/log.ts';

export interface NatsLinkOptions {
  servers: readonly string[];
  /** The nkey seed file (`<name>.nk` of `merezha nats-config`). */
  credentials: string;
  /** The client name the servers show (`merezha-edge-<hromada>`, `merezha-central`). */
  name: string;
  log: Logger;
  /** Give up the first connection after this; by default keep trying in the background. */
  firstConnectTimeoutMs?: number;
}

export class NatsCredentialsError extends Error {
  override readonly name = 'NatsCredentialsError';
}

export async function readSeedFile(file: string): Promise<Uint8Array> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new NatsCredentialsError(
      `cannot read the NATS credentials ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  const seed = text.trim();
  if (!/^SU[A-Z2-7]{56}$/.test(seed)) throw new NatsCredentialsError(`${file} is not an nkey user seed (written by merezha nats-config)`);
  return new TextEncoder().encode(seed);
}

/** Connects, waiting for the first server to answer unless `firstConnectTimeoutMs` runs out. */
export async function connectNats(options: NatsLinkOptions): Promise<NatsConnection> {
  const seed = await readSeedFile(options.credentials);
  const nc = await connect({
    servers: [...options.servers],
    authenticator: nkeyAuthenticator(seed),
    name: options.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1_000,
    reconnectJitter: 500,
    waitOnFirstConnect: true,
    ...(options.firstConnectTimeoutMs === undefined ? {} : { timeout: options.firstConnectTimeoutMs }),
    pingInterval: 10_000,
    maxPingOut: 3,
  });
  void watchStatus(nc, options.log);
  return nc;
}

async function watchStatus(nc: NatsConnection, log: Logger): Promise<void> {
  for await (const status of nc.status()) {
    switch (status.type) {
      case 'disconnect':
        log.warn({ server: status.server }, 'lost the link to NATS; reconnecting');
        break;
      case 'reconnect':
        log.info({ server: status.server }, 'NATS link back');
        break;
      case 'error':
        log.warn({ err: status.error.message }, 'NATS error');
        break;
      default:
        break;
    }
  }
}
