/**
 * The batch ICMP pinger: every ping probe of the collector shares one ICMP
 * socket per address family, with many echo requests in flight at once (as
 * fping does), instead of one system `ping` process per probe. At 20,000
 * devices pinged every 10 s that is the difference between 2,000 process
 * spawns a second and none.
 *
 * The socket comes from the native addon in native/icmp (built by node-gyp,
 * `npm run build:native`): an unprivileged ICMP datagram socket where
 * net.ipv4.ping_group_range allows it, else a raw socket (CAP_NET_RAW, like
 * the system ping). When the addon is not built or no socket can be opened,
 * `icmpPinger()` says why and ping.ts falls back to the system ping.
 *
 * A probe sends `count` echo requests `packet_interval` apart and ends when
 * all have been answered or `timeout` after the last one was sent. Replies
 * are matched to probes by (address, sequence number); the RTT is taken from
 * the kernel's receive timestamp, so a busy event loop does not inflate it.
 */
import { lookup } from 'node:dns/promises';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { constants as osConstants } from 'node:os';
import { fileURLToPath } from 'node:url';

export interface EchoOptions {
  count: number;
  /** ms to wait after the last echo request for replies. */
  timeout: number;
  /** ms between echo requests of one probe. */
  packet_interval: number;
}

export interface EchoResult {
  sent: number;
  /** RTTs of the replies, in ms, in order of arrival. */
  rtts: number[];
  /** Why requests could not be sent or the host not resolved; only when nothing was sent. */
  error?: string;
}

interface NativeSocket {
  handle: object;
  kind: 'dgram' | 'raw';
  ident: number;
}

interface NativeIcmp {
  open(family: 4 | 6, onReply: (address: string, seq: number, rttMs: number) => void): NativeSocket;
  send(handle: object, address: string, seq: number): number;
  close(handle: object): void;
}

export const NATIVE_ADDON_PATH = fileURLToPath(new URL('../../native/icmp/build/Release/merezha_icmp.node', import.meta.url));

const ERRNO_NAMES = new Map(Object.entries(osConstants.errno).map(([name, code]) => [code, name]));
const errnoName = (negative: number) => ERRNO_NAMES.get(-negative) ?? `errno ${-negative}`;

let native: NativeIcmp | string | undefined;

/** The addon, or why it cannot be used. */
function loadNative(): NativeIcmp | string {
  if (native !== undefined) return native;
  if (process.platform !== 'linux') return (native = `the native ICMP pinger is Linux-only (this is ${process.platform})`);
  if (!existsSync(NATIVE_ADDON_PATH)) return (native = 'the native ICMP pinger is not built (npm run build:native)');
  try {
    native = createRequire(import.meta.url)(NATIVE_ADDON_PATH) as NativeIcmp;
  } catch (err) {
    native = `the native ICMP pinger does not load: ${(err as Error).message}`;
  }
  return native;
}

interface Waiter {
  onReply(rttMs: number): void;
}

/** One ICMP socket of one address family, shared by every probe. */
class EchoSocket {
  private readonly pending = new Map<string, Waiter>();
  private seq = Math.floor(Math.random() * 0x10000);
  private readonly socket: NativeSocket;

  constructor(
    private readonly addon: NativeIcmp,
    family: 4 | 6,
  ) {
    this.socket = addon.open(family, (address, seq, rttMs) => {
      const key = `${address}/${seq}`;
      const waiter = this.pending.get(key);
      // Late, duplicate, or someone else's: nothing waits for it.
      if (waiter === undefined) return;
      this.pending.delete(key);
      waiter.onReply(rttMs);
    });
  }

  get kind(): 'dgram' | 'raw' {
    return this.socket.kind;
  }

  /** Sends one echo request; returns the key to forget it by, or the errno name when it could not be sent. */
  send(address: string, waiter: Waiter): { key: string } | { error: string } {
    // A sequence number still waited for at this address is skipped (only with very long timeouts).
    let key = '';
    for (let tries = 0; tries < 0x10000; tries++) {
      this.seq = (this.seq + 1) & 0xffff;
      key = `${address}/${this.seq}`;
      if (!this.pending.has(key)) break;
    }
    this.pending.set(key, waiter);
    const rc = this.addon.send(this.socket.handle, address, this.seq);
    if (rc === 0) return { key };
    this.pending.delete(key);
    return { error: errnoName(rc) };
  }

  forget(key: string): void {
    this.pending.delete(key);
  }

  get inFlight(): number {
    return this.pending.size;
  }

  close(): void {
    this.pending.clear();
    this.addon.close(this.socket.handle);
  }
}

export interface IcmpPinger {
  /** 'raw' or 'dgram': the kind of the IPv4 socket. */
  readonly kind: 'dgram' | 'raw';
  /** Echo requests waiting for a reply, over both families. */
  inFlight(): number;
  ping(host: string, opts: EchoOptions, signal?: AbortSignal): Promise<EchoResult>;
}

class BatchPinger implements IcmpPinger {
  private readonly sockets = new Map<4 | 6, EchoSocket | string>();

  constructor(
    private readonly addon: NativeIcmp,
    private readonly v4: EchoSocket,
  ) {
    this.sockets.set(4, v4);
  }

  get kind(): 'dgram' | 'raw' {
    return this.v4.kind;
  }

  inFlight(): number {
    let n = 0;
    for (const s of this.sockets.values()) if (typeof s !== 'string') n += s.inFlight;
    return n;
  }

  private socket(family: 4 | 6): EchoSocket | string {
    let s = this.sockets.get(family);
    if (s === undefined) {
      try {
        s = new EchoSocket(this.addon, family);
      } catch (err) {
        s = `cannot open an ICMPv${family} socket: ${(err as Error).message}`;
      }
      this.sockets.set(family, s);
    }
    return s;
  }

  async ping(host: string, opts: EchoOptions, signal?: AbortSignal): Promise<EchoResult> {
    let address = host;
    let family = isIP(host);
    if (family === 0) {
      try {
        ({ address, family } = await lookup(host));
      } catch {
        return { sent: 0, rtts: [], error: `ping: ${host}: Name or service not known` };
      }
    }
    const socket = this.socket(family === 6 ? 6 : 4);
    if (typeof socket === 'string') return { sent: 0, rtts: [], error: socket };
    return probe(socket, address, opts, signal);
  }
}

function probe(socket: EchoSocket, address: string, opts: EchoOptions, signal?: AbortSignal): Promise<EchoResult> {
  return new Promise((resolve) => {
    const rtts: number[] = [];
    const keys: string[] = [];
    let sent = 0;
    let error: string | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let done = false;

    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', finish);
      for (const key of keys) socket.forget(key);
      resolve(rtts.length === 0 && error !== undefined && keys.length === 0 ? { sent, rtts, error } : { sent, rtts });
    };
    const waiter: Waiter = {
      onReply(rttMs) {
        if (done) return;
        rtts.push(rttMs);
        if (sent === opts.count && rtts.length === keys.length) finish();
      },
    };
    const sendNext = () => {
      sent++;
      const r = socket.send(address, waiter);
      if ('key' in r) keys.push(r.key);
      else error = `sendto ${address}: ${r.error}`;
      if (sent < opts.count) timer = setTimeout(sendNext, opts.packet_interval);
      else if (keys.length === 0 || rtts.length === keys.length) finish();
      else timer = setTimeout(finish, opts.timeout);
    };
    if (signal?.aborted) return finish();
    signal?.addEventListener('abort', finish, { once: true });
    sendNext();
  });
}

let pinger: IcmpPinger | string | undefined;

/** The shared batch pinger, or why there is none (then the system ping is used). */
export function icmpPinger(): IcmpPinger | string {
  if (pinger !== undefined) return pinger;
  const addon = loadNative();
  if (typeof addon === 'string') return (pinger = addon);
  try {
    pinger = new BatchPinger(addon, new EchoSocket(addon, 4));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    pinger =
      e.code === 'EPERM' || e.code === 'EACCES'
        ? 'no ICMP socket allowed: needs CAP_NET_RAW or a net.ipv4.ping_group_range that includes our group'
        : `cannot open an ICMP socket: ${e.message}`;
  }
  return pinger;
}
