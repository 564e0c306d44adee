/**
 * One UDP socket per address family for every SNMP request of the process.
 *
 * A socket per request cost the collector a quarter of its main thread
 * (creating, binding and closing it, and `dgram` sending on a cold socket).
 * Here a net-snmp Session keeps its BER and USM code but talks through an
 * `Endpoint`, a stand-in for its own socket (net-snmp's `dgramModule`
 * option): requests go out through the shared socket, and each reply is
 * routed back to its request by the request id, which `nextRequestId` makes
 * unique across the process, and checked against the address the request
 * went to (a session shared by many agents has no address of its own).
 *
 * The sockets are made on first use, unref'd (a pending request's timer keeps
 * the process alive, not the socket) and closed when their last endpoint is.
 */
import dgram from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIP, isIPv4 } from 'node:net';
import { ber, readBerHeader } from './ber.ts';

export type UdpFamily = 'udp4' | 'udp6';

/**
 * Request ids stay within 4 BER bytes of a positive INTEGER (0x01000000 ..
 * 0x7fffffff), so an encoded request's id can be patched in place and some
 * agents' trouble with negative or 64-bit ids never arises.
 */
const ID_MIN = 0x01000000;
const ID_SPAN = 0x7fffffff - ID_MIN;
let lastId = Math.floor(Math.random() * ID_SPAN);

export function nextRequestId(): number {
  lastId = (lastId + 1) % ID_SPAN;
  return ID_MIN + lastId;
}

interface Shared {
  socket: dgram.Socket;
  users: number;
}

/** What issues requests through a shared session: one device's client. */
export interface Owner {
  readonly host: string;
  readonly port: number;
  /** Its requests in flight, so that closing an owner with none costs nothing. */
  pending: number;
  /** The last datagram from its agent that net-snmp could not decode: a timeout then means "malformed". */
  parseError: Error | undefined;
  /** When its last answered request left and its reply arrived, performance.now() ms. */
  lastAnswer: { sentAt: number; receivedAt: number } | undefined;
}

/**
 * A request waiting for its reply on the shared socket: where it went (a
 * reply must come from there) and the endpoint of the session that sent it.
 */
export interface Pending {
  readonly address: string;
  readonly port: number;
  readonly endpoint: Endpoint;
  /** performance.now() when its reply was read off the socket, before any decoding. */
  receivedAt?: number;
}

const RECV_BUFFER_BYTES = 4 << 20;

const shared = new Map<UdpFamily, Shared>();
const routes = new Map<number, Pending>();
const counters = { sent: 0, received: 0, unrouted: 0 };

/** Where the shared sockets stand, for tests and the bench. */
export function transportStats(): {
  sockets: number;
  endpoints: number;
  pending: number;
  sent: number;
  received: number;
  unrouted: number;
} {
  let endpoints = 0;
  for (const s of shared.values()) endpoints += s.users;
  return { sockets: shared.size, endpoints, pending: routes.size, ...counters };
}

/** An IP literal needs no resolver: skipping dns.lookup's tick per send is part of what one socket saves. */
function literalLookup(
  host: string,
  options: number | LookupOneOptions,
  cb: (err: Error | null, address: string, family: number) => void,
): void {
  const family = isIP(host);
  if (family) cb(null, host, family);
  else dnsLookup(host, typeof options === 'number' ? { family: options } : options, cb);
}

function acquire(family: UdpFamily): Shared {
  let s = shared.get(family);
  if (!s) {
    const socket = dgram.createSocket({ type: family, lookup: literalLookup as never });
    socket.unref();
    socket.on('message', onMessage);
    // A send error reaches its request through the send callback; an error of the socket itself has no one to go to.
    socket.on('error', () => {});
    // Every agent's reply lands in this one buffer: at the default ~200 KB a
    // burst of a few hundred replies overflows it, and a dropped reply costs a
    // whole timeout. The kernel caps the size at net.core.rmem_max.
    socket.once('listening', () => {
      try {
        socket.setRecvBufferSize(RECV_BUFFER_BYTES);
      } catch {
        // Kept at the kernel's default where it refuses.
      }
    });
    s = { socket, users: 0 };
    shared.set(family, s);
  }
  s.users++;
  return s;
}

function release(family: UdpFamily): void {
  const s = shared.get(family);
  if (!s || --s.users > 0) return;
  shared.delete(family);
  s.socket.close();
}

/** Whether a reply from `rinfo` can be an answer to `p` (an IPv4 peer must match exactly; names and v6 spellings vary). */
function answers(p: Pending, rinfo: dgram.RemoteInfo): boolean {
  return !isIPv4(p.address) || (p.address === rinfo.address && p.port === rinfo.port);
}

function onMessage(buffer: Buffer, rinfo: dgram.RemoteInfo): void {
  counters.received++;
  const id = peekRequestId(buffer);
  const pending = id === undefined ? undefined : routes.get(id);
  if (pending && answers(pending, rinfo)) {
    pending.receivedAt = performance.now();
    return pending.endpoint.deliver(buffer, pending);
  }
  // A reply too broken to read its id still belongs to whatever asked that agent, so its client can say "malformed".
  if (id === undefined) {
    const asked = [...routes.values()].filter((p) => answers(p, rinfo));
    for (const p of asked) p.endpoint.deliver(buffer, p);
    if (asked.length) return;
  }
  counters.unrouted++;
}

/** Reads a BER tag-length header at `pos`: where the contents start and how long they are. */
function header(buf: Buffer, pos: number): { start: number; length: number } | undefined {
  return readBerHeader(buf, pos, buf.length) < 0 ? undefined : { start: ber.start, length: ber.length };
}

/** The contents of the INTEGER at `pos` and where the next element starts. */
function integerAt(buf: Buffer, pos: number): { value: number; next: number } | undefined {
  const h = buf[pos] === 0x02 ? header(buf, pos) : undefined;
  if (!h || h.length < 1 || h.length > 6 || h.start + h.length > buf.length) return undefined;
  return { value: buf.readIntBE(h.start, h.length), next: h.start + h.length };
}

/**
 * Where the request id of an SNMP message starts, without decoding the rest:
 * v1/v2c the PDU's request-id, v3 the msgID of the header (what net-snmp
 * matches a reply by). Offsets point at the id's INTEGER tag.
 */
export function requestIdOffset(buf: Buffer): number | undefined {
  const outer = buf[0] === 0x30 ? header(buf, 0) : undefined;
  if (!outer) return undefined;
  const version = integerAt(buf, outer.start);
  if (!version) return undefined;
  if (version.value === 3) {
    const global = buf[version.next] === 0x30 ? header(buf, version.next) : undefined;
    return global?.start;
  }
  const community = buf[version.next] === 0x04 ? header(buf, version.next) : undefined;
  if (!community) return undefined;
  const pdu = header(buf, community.start + community.length);
  return pdu?.start;
}

export function peekRequestId(buf: Buffer): number | undefined {
  const at = requestIdOffset(buf);
  return at === undefined ? undefined : integerAt(buf, at)?.value;
}

/**
 * What a net-snmp Session uses of its socket, over the shared one: it sends,
 * registers each request it waits for (`expect`) and drops it when the request
 * ends (`forget`). A reply comes back with the request it answers. Sessions are
 * few and long-lived, but an SNMPv3 agent has one of its own, so this holds
 * two listeners and nothing per request.
 */
export class Endpoint {
  private closed = false;
  private readonly shared: Shared;
  private onmessage: ((buffer: Buffer, pending: Pending) => void) | undefined;
  private onclose: (() => void) | undefined;

  constructor(private readonly family: UdpFamily) {
    this.shared = acquire(family);
  }

  /** net-snmp listens for 'message', 'close' and 'error'; errors reach each request through its send callback instead. */
  on(event: string, listener: (...args: never[]) => void): this {
    if (event === 'message') this.onmessage = listener as (buffer: Buffer, pending: Pending) => void;
    else if (event === 'close') this.onclose = listener as () => void;
    return this;
  }

  send(buffer: Buffer, offset: number, length: number, port: number, address: string, cb: (err: Error | null) => void): void {
    if (this.closed) return cb(new Error('the SNMP session is closed'));
    counters.sent++;
    this.shared.socket.send(buffer, offset, length, port, address, cb);
  }

  expect(id: number, pending: Pending): void {
    routes.set(id, pending);
  }

  forget(id: number, pending: Pending): void {
    if (routes.get(id) === pending) routes.delete(id);
  }

  deliver(buffer: Buffer, pending: Pending): void {
    this.onmessage?.(buffer, pending);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    release(this.family);
    // Synchronously: net-snmp fails the session's pending requests (and forgets their routes) on 'close'.
    this.onclose?.();
  }

  // The shared socket is unref'd for good: pending requests' timers keep the process alive.
  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  bind(): this {
    throw new Error('an SNMP session on the shared socket cannot bind a source address of its own');
  }
}

/** net-snmp's `dgramModule`: each Session gets an Endpoint on the shared socket of its family. */
export const sharedDgram = {
  createSocket: (family: UdpFamily) => new Endpoint(family),
};
