/**
 * A connection to the oblast's NATS cluster with an nkey seed file, for the
 * edge's forwarder and the central alike: it tries every server listed,
 * reconnects for ever (a village link may be gone for days), and logs each
 * change of the link once, without the seed.
 */
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, nkeyAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../../common/log.ts';

export interface NatsLinkOptions {
  servers: readonly string[];
  /** The nkey seed file (`<name>.nk` of `merezha nats-config`). */
  credentials: string;
  /** The client name the servers show (`merezha-edge-<hromada>`, `merezha-central`). */
  name: string;
  log: Logger;
  /** Give up the first connection after this; by default keep trying until `signal` aborts. */
  firstConnectTimeoutMs?: number;
  /** How often the link is pinged; three pings unanswered mark it lost. 10 s by default; tests shorten it. */
  pingIntervalMs?: number;
  /** Stops the attempts to connect for the first time (a connection made is the caller's to close). */
  signal?: AbortSignal;
  /**
   * Fail over only to the servers listed, not to those the cluster advertises:
   * for an edge, whose config names the addresses a village can reach (the
   * nodes may advertise others, e.g. behind NAT).
   */
  listedServersOnly?: boolean;
}

const DEFAULT_PING_INTERVAL_MS = 10_000;
const FIRST_CONNECT_RETRY_MS = 1_000;

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

/**
 * Connects, waiting for the first server to answer unless `firstConnectTimeoutMs`
 * runs out or `signal` aborts. The first connection is tried here, round after
 * round, rather than by the client's `waitOnFirstConnect`, which can neither be
 * given up nor cancelled: a process stopping before NATS ever answered would
 * hang on it.
 */
export async function connectNats(options: NatsLinkOptions): Promise<NatsConnection> {
  const seed = await readSeedFile(options.credentials);
  const pingInterval = options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS;
  const deadline = Date.now() + (options.firstConnectTimeoutMs ?? Infinity);
  for (let round = 1; ; round += 1) {
    options.signal?.throwIfAborted();
    try {
      const nc = await connect({
        servers: [...options.servers],
        authenticator: nkeyAuthenticator(seed),
        name: options.name,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 1_000,
        reconnectJitter: 500,
        // A server whose packets vanish is given up as soon as a dead link would be (the client's default is 20 s).
        timeout: Math.max(1, Math.min(20_000, 2 * pingInterval, deadline - Date.now())),
        pingInterval,
        maxPingOut: 3,
        ignoreClusterUpdates: options.listedServersOnly ?? false,
      });
      if (round > 1) options.log.info({ servers: options.servers }, 'NATS link up');
      void watchStatus(nc, options.log);
      return nc;
    } catch (err) {
      if (Date.now() >= deadline) throw err;
      // Once, not every round: the link of a village may be away for days.
      if (round === 1) options.log.warn({ servers: options.servers, err: (err as Error).message }, 'cannot reach NATS; trying on');
      await sleep(
        Math.min(FIRST_CONNECT_RETRY_MS, Math.max(0, deadline - Date.now())),
        undefined,
        options.signal ? { signal: options.signal } : {},
      );
    }
  }
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
