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
 * are matched to probes by sequence number, unique among the requests waited
 * for (the addon checks that a reply comes from where its request went); the
 * RTT is taken from the kernel's receive timestamp, so a busy event loop does
 * not inflate it.
 *
 * A busy collector must not call a live device unreachable. So before a probe
 * is given up at its timeout the socket is drained synchronously: a reply that
 * came in time but was not read because the event loop was busy still counts
 * (one stamped by the kernel after the deadline is late, and does not). A
 * probe left without any reply is not measured, rather than unreachable, when
 * the kernel dropped datagrams on the socket while it waited
 * (`receive_drops`), or when its requests could not be sent for want of
 * buffers (`send_failed`).
 */
import { lookup } from 'node:dns/promises';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIP, SocketAddress } from 'node:net';
import { constants as osConstants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { DelayTimers, WAKEUP_STEP_MS, type TimerWaiter, type Wait } from '../delay-timers.ts';
import type { NotMeasuredReason } from '../samples.ts';
import type { RunSignal } from './types.ts';

export interface EchoOptions {
  count: number;
  /** ms to wait after the last echo request for replies. */
  timeout: number;
  /** ms between echo requests of one probe. */
  packet_interval: number;
}

/** What a probe got: read at once by whoever it is handed to (it may be the probe itself). */
export interface EchoResult {
  readonly sent: number;
  /** Replies that came in time, and the least, greatest and sum of their RTTs, in ms. */
  readonly received: number;
  readonly rttMinMs: number;
  readonly rttMaxMs: number;
  readonly rttSumMs: number;
  /** Why requests could not be sent or the host not resolved; only when nothing was sent. */
  readonly error?: string | undefined;
  /** No reply, and the pinger itself is why it cannot say the host did not answer. */
  readonly notMeasured?: Extract<NotMeasuredReason, 'receive_drops' | 'send_failed'> | undefined;
}

/** A probe that sent nothing. */
const nothingSent = (error: string): EchoResult => ({ sent: 0, received: 0, rttMinMs: 0, rttMaxMs: 0, rttSumMs: 0, error });

interface NativeSocket {
  handle: object;
  kind: 'dgram' | 'raw';
  ident: number;
  /** The receive buffer the kernel granted, in bytes (as it reports it: twice the payload it queues). */
  rcvbuf: number;
}

interface NativeIcmp {
  open(family: 4 | 6, replies: Float64Array, onReplies: (n: number) => void): NativeSocket;
  send(handle: object, address: Uint8Array, seq: number): number;
  drain(handle: object): number;
  close(handle: object): void;
}

export const NATIVE_ADDON_PATH = fileURLToPath(new URL('../../native/icmp/build/Release/merezha_icmp.node', import.meta.url));

const ERRNO_NAMES = new Map(Object.entries(osConstants.errno).map(([name, code]) => [code, name]));
const errnoName = (negative: number) => ERRNO_NAMES.get(-negative) ?? `errno ${-negative}`;
/** Send errors that say the pinger ran out of buffers, not that the host is unreachable. */
const OUT_OF_BUFFERS = new Set([osConstants.errno.ENOBUFS, osConstants.errno.EAGAIN, osConstants.errno.ENOMEM].map((e) => -e));

/** Replies handed over per batch; the addon reads more batches while there are more. */
const BATCH = 1024;

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

/**
 * An address as the pinger keeps it: IPv4 as one signed 32-bit number (a
 * small integer to V8, no object), IPv6 as its 16 bytes. The collector keeps
 * one per device for good, so a typed array and its buffer for every IPv4
 * address (about 230 bytes) would be a good part of its memory per device.
 */
export type IcmpAddress = number | Uint8Array;

export function addressOf(address: string, family: 4 | 6): IcmpAddress {
  if (family === 4) return address.split('.').reduce((n, octet) => (n << 8) | Number(octet), 0);
  // The canonical form has no zone and at most one "::"; an IPv4-mapped tail is two groups in dotted form.
  let text = new SocketAddress({ address, family: 'ipv6' }).address;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = Number.parseInt(g, 16);
    bytes[2 * i] = v >> 8;
    bytes[2 * i + 1] = v & 0xff;
  });
  return bytes;
}

/** An IPv4 address kept as a number (addressOf), spelled out as the addon sends to it. */
export function spellIpv4(address: number, into: Uint8Array): Uint8Array {
  into[0] = address >>> 24;
  into[1] = address >>> 16;
  into[2] = address >>> 8;
  into[3] = address;
  return into;
}

/** One ICMP socket of one address family, shared by every probe. */
class EchoSocket {
  /** Where an IPv4 address is spelled out for the addon at each send. */
  private readonly v4 = new Uint8Array(4);
  /** The probe waiting for each sequence number, and when its request was sent (performance.now()). */
  private readonly waiters: (Probe | undefined)[] = new Array(0x10000).fill(undefined);
  readonly sentAt = new Float64Array(0x10000);
  private waiting = 0;
  private seq = Math.floor(Math.random() * 0x10000);
  /** [0] the kernel's drop count on the socket, then (sequence, rtt) pairs of a batch of replies. */
  private readonly replies = new Float64Array(1 + 2 * BATCH);
  private readonly socket: NativeSocket;
  /** The probes' waits between requests and for replies. */
  readonly timers = new DelayTimers(WAKEUP_STEP_MS);

  constructor(
    private readonly addon: NativeIcmp,
    readonly family: 4 | 6,
  ) {
    this.socket = addon.open(family, this.replies, (n) => this.take(n));
  }

  get kind(): 'dgram' | 'raw' {
    return this.socket.kind;
  }

  get rcvbuf(): number {
    return this.socket.rcvbuf;
  }

  /** Datagrams the kernel dropped on this socket since it was opened, as of the last read. */
  get drops(): number {
    return this.replies[0]!;
  }

  get inFlight(): number {
    return this.waiting;
  }

  /** Sends one echo request for `probe`; returns its sequence number, or the negative errno when it could not be sent. */
  send(address: IcmpAddress, probe: Probe): number {
    if (this.waiting >= 0x10000) return -osConstants.errno.ENOBUFS;
    // A sequence number still waited for is skipped (only with very long timeouts or 65,536 requests out).
    do this.seq = (this.seq + 1) & 0xffff;
    while (this.waiters[this.seq] !== undefined);
    const seq = this.seq;
    const at = performance.now();
    const bytes = typeof address === 'number' ? spellIpv4(address, this.v4) : address;
    const rc = this.addon.send(this.socket.handle, bytes, seq);
    if (rc !== 0) return rc;
    this.sentAt[seq] = at;
    this.waiters[seq] = probe;
    this.waiting++;
    return seq;
  }

  forget(seq: number, probe: Probe): void {
    if (this.waiters[seq] !== probe) return;
    this.waiters[seq] = undefined;
    this.waiting--;
  }

  /** Reads what the socket holds now, without waiting for the event loop to get to it. */
  drain(): void {
    let n: number;
    do {
      n = this.addon.drain(this.socket.handle);
      this.take(n);
    } while (n === BATCH);
  }

  private take(n: number): void {
    const replies = this.replies;
    for (let i = 0; i < n; i++) {
      const seq = replies[1 + 2 * i]!;
      const probe = this.waiters[seq];
      // Late, duplicate, or of a request already given up: nothing waits for it.
      if (probe?.reply(seq, replies[2 + 2 * i]!)) this.forget(seq, probe);
    }
  }

  close(): void {
    this.waiters.fill(undefined);
    this.waiting = 0;
    this.addon.close(this.socket.handle);
  }
}

export interface IcmpPinger {
  /** 'raw' or 'dgram': the kind of the IPv4 socket. */
  readonly kind: 'dgram' | 'raw';
  /** Echo requests waiting for a reply, over both families. */
  inFlight(): number;
  /** The IPv4 socket's receive buffer (bytes, as the kernel reports it) and the datagrams it dropped over both families. */
  receive(): { rcvbufBytes: number; drops: number };
  /** Pings `host`; `done` gets the result once, read at once (it may be the probe's own record). */
  ping(host: string, opts: EchoOptions, signal: RunSignal | undefined, done: (r: EchoResult) => void): void;
}

/** Hosts pinged lately, parsed: the collector pings the same ones every interval. */
const ADDRESS_CACHE_MAX = 100_000;

const familyOf = (address: IcmpAddress): 4 | 6 => (typeof address === 'number' ? 4 : 6);

class BatchPinger implements IcmpPinger {
  private readonly sockets = new Map<4 | 6, EchoSocket | string>();
  private readonly addresses = new Map<string, IcmpAddress>();

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

  receive(): { rcvbufBytes: number; drops: number } {
    let drops = 0;
    for (const s of this.sockets.values()) if (typeof s !== 'string') drops += s.drops;
    return { rcvbufBytes: this.v4.rcvbuf, drops };
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

  ping(host: string, opts: EchoOptions, signal: RunSignal | undefined, done: (r: EchoResult) => void): void {
    // An address goes out at once, with no await: the echo request is on its way when ping() returns.
    const address = this.addresses.get(host) ?? (isIP(host) === 0 ? undefined : this.remember(host));
    if (address !== undefined) return this.start(address, host, opts, signal, done);
    // A name is looked up again each time: its address may change.
    lookup(host).then(
      ({ address, family }) => {
        // Nobody awaits this promise: what the start throws (the addon refusing the send) is the probe's answer.
        try {
          this.start(addressOf(address, family === 6 ? 6 : 4), host, opts, signal, done);
        } catch (err) {
          done(nothingSent(`ping: ${host}: ${(err as Error).message}`));
        }
      },
      () => done(nothingSent(`ping: ${host}: Name or service not known`)),
    );
  }

  /** An address as the pinger keeps it, kept: the collector pings the same ones every interval. */
  private remember(host: string): IcmpAddress {
    const address = addressOf(host, isIP(host) === 6 ? 6 : 4);
    if (this.addresses.size >= ADDRESS_CACHE_MAX) this.addresses.clear();
    this.addresses.set(host, address);
    return address;
  }

  private start(address: IcmpAddress, host: string, opts: EchoOptions, signal: RunSignal | undefined, done: (r: EchoResult) => void): void {
    const socket = this.socket(familyOf(address));
    if (typeof socket === 'string') return done(nothingSent(socket));
    new Probe(socket, address, host, opts, done, signal).start();
  }
}

/**
 * One probe in flight: its requests, their replies, its one wait at a time.
 * Its own fields are its result: what it hands over is itself.
 */
class Probe implements TimerWaiter, EchoResult {
  /** Sequence numbers of the requests sent, the first `seqCount` of them. */
  private readonly seqs: number[];
  private seqCount = 0;
  sent = 0;
  received = 0;
  rttMinMs = Infinity;
  rttMaxMs = -Infinity;
  rttSumMs = 0;
  error: string | undefined = undefined;
  notMeasured: EchoResult['notMeasured'] = undefined;
  private outOfBuffers = false;
  private dropsBefore = 0;
  /** performance.now() after which a reply is late; Infinity until the last request is out. */
  private deadline = Infinity;
  timerToken = 0;
  /** The wait under way, if any. */
  private wait: Wait | undefined;
  private cancelAbort: (() => void) | undefined;
  private done = false;

  constructor(
    private readonly socket: EchoSocket,
    private readonly address: IcmpAddress,
    private readonly host: string,
    private readonly opts: EchoOptions,
    private readonly resolve: (r: EchoResult) => void,
    private readonly signal: RunSignal | undefined,
  ) {
    this.seqs = new Array<number>(opts.count);
  }

  start(): void {
    if (this.signal?.aborted) return this.finish();
    this.cancelAbort = this.signal?.onAbort(() => this.finish());
    this.dropsBefore = this.socket.drops;
    this.sendNext();
  }

  /** Takes a reply unless it is late or cannot be this request's; true when taken. */
  reply(seq: number, rttMs: number): boolean {
    if (this.done) return false;
    // Received (by the kernel's stamp) after the deadline, or longer ago than the request was sent (a stale reply to an earlier use of the number).
    const received = this.socket.sentAt[seq]! + rttMs;
    if (received > Math.min(this.deadline, performance.now()) + 1) return false;
    this.received++;
    this.rttSumMs += rttMs;
    if (rttMs < this.rttMinMs) this.rttMinMs = rttMs;
    if (rttMs > this.rttMaxMs) this.rttMaxMs = rttMs;
    if (this.sent === this.opts.count && this.received === this.seqCount) this.finish();
    return true;
  }

  /** The wait between requests ended, or the one after the last. */
  onTimer(): void {
    this.wait = undefined;
    if (this.deadline === Infinity) this.sendNext();
    else this.expire();
  }

  private sendNext(): void {
    this.sent++;
    const rc = this.socket.send(this.address, this);
    if (rc >= 0) this.seqs[this.seqCount++] = rc;
    else {
      this.error = `sendto ${this.host}: ${errnoName(rc)}`;
      if (OUT_OF_BUFFERS.has(rc)) this.outOfBuffers = true;
    }
    if (this.sent < this.opts.count) this.wait = this.socket.timers.after(this.opts.packet_interval, this);
    else if (this.seqCount === 0 || this.received === this.seqCount) this.finish();
    else {
      this.deadline = performance.now() + this.opts.timeout;
      this.wait = this.socket.timers.after(this.opts.timeout, this);
    }
  }

  /** The timeout: whatever came in time but is still unread counts, so read it first. */
  private expire(): void {
    this.socket.drain();
    this.finish();
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.wait?.cancel(this);
    this.cancelAbort?.();
    for (let i = 0; i < this.seqCount; i++) this.socket.forget(this.seqs[i]!, this);
    if (this.received === 0 && this.outOfBuffers) this.notMeasured = 'send_failed';
    else if (this.received === 0 && this.seqCount > 0 && this.socket.drops > this.dropsBefore) this.notMeasured = 'receive_drops';
    // A send error is the answer only when no request went out, or the pinger ran out of buffers.
    if (this.received > 0 || (this.seqCount > 0 && !this.outOfBuffers)) this.error = undefined;
    this.resolve(this);
  }
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
