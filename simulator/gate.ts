/**
 * The UDP port of a simulated agent, with the SNMP-side faults in front of
 * it: a silent device drops requests, a garbage device answers bytes that are
 * not SNMP, a slow one answers late, and without nftables packet loss is
 * played here too.
 *
 * net-snmp lets an agent take its sockets from a dgram-compatible module
 * (`dgramModule`); the agent gets a `GatedSocket` that hands it only the
 * requests the device would answer. The socket stays bound through every
 * fault, so no other process can take the port and nothing races to rebind.
 */
import { createSocket, type RemoteInfo, type Socket, type SocketType } from 'node:dgram';
import { EventEmitter } from 'node:events';
import type { Condition } from './state.ts';

/** What the port does with one request. */
export type Answer = { kind: 'drop' } | { kind: 'garbage' } | { kind: 'answer'; delayMs: number };

/** Bytes that begin like a BER sequence and then stop making sense: a client tries to decode them and fails. */
export const GARBAGE = Buffer.from('\x30\x03\x02\x01garbage, not SNMP', 'latin1');

/**
 * The answer to a request that arrives while `c` holds. `nft` tells whether
 * nftables already drops the lost share of packets before they get here.
 */
export function answerFor(c: Condition, nft: boolean, random: () => number = Math.random): Answer {
  if (c.off || c.cutBy !== null) return { kind: 'drop' };
  if (!nft && c.lossPct > 0 && random() * 100 < c.lossPct) return { kind: 'drop' };
  if (c.garbage) return { kind: 'garbage' };
  return { kind: 'answer', delayMs: c.delayMs };
}

export class GatedSocket extends EventEmitter {
  private readonly inner: Socket;
  private readonly pending = new Set<NodeJS.Timeout>();
  private closed = false;
  /** Resolves once bound; rejects when the address or port cannot be had. */
  readonly listening: Promise<void>;

  constructor(
    type: SocketType,
    private readonly gate: () => Answer,
    private readonly onDeliveryError: (err: Error) => void,
  ) {
    super();
    this.inner = createSocket(type);
    this.listening = new Promise((resolve, reject) => {
      this.inner.once('listening', resolve);
      this.inner.once('error', reject);
    });
    // Later errors go to the agent's error listener; one before binding rejects `listening` instead.
    this.listening.then(
      () => this.inner.on('error', (err) => this.emit('error', err)),
      () => {},
    );
    this.inner.on('message', (msg, rinfo) => this.receive(msg, rinfo));
  }

  private receive(msg: Buffer, rinfo: RemoteInfo): void {
    const answer = this.gate();
    if (answer.kind === 'drop') return;
    if (answer.kind === 'garbage') {
      this.inner.send(GARBAGE, rinfo.port, rinfo.address);
      return;
    }
    if (answer.delayMs <= 0) return this.deliver(msg, rinfo);
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      this.deliver(msg, rinfo);
    }, answer.delayMs);
    this.pending.add(timer);
  }

  /** Hands a request to the agent; a throw inside net-snmp is reported, never allowed to end the process. */
  private deliver(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.closed) return;
    try {
      this.emit('message', msg, rinfo);
    } catch (err) {
      this.onDeliveryError(err as Error);
    }
  }

  // The dgram.Socket methods net-snmp's listener uses.
  bind(port: number, address: string): void {
    this.inner.bind(port, address);
  }

  send(...args: unknown[]): void {
    (this.inner.send as (...a: unknown[]) => void)(...args);
  }

  address() {
    return this.inner.address();
  }

  close(callback?: () => void): void {
    this.closed = true;
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
    this.inner.close(callback);
  }
}
