/**
 * SNMPv1/v2c GETs and walk steps without net-snmp's objects per request.
 *
 * Every device's steady poll is one GET of the same OID list, a few hundred
 * a second at 20,000 devices. Through net-snmp each one built a request, a
 * PDU and a message, joined the OID list into a key, armed a Node timer, and
 * decoded its reply into a message object, a PDU and a varbind per OID, each
 * OID joined into a string from an array of its arcs: some ten kilobytes of
 * garbage per poll. Here the request of an OID list is encoded once per
 * session (its id patched in place), the timeouts share one timer per length
 * (delay-timers.ts), and a reply is read straight off the datagram into
 * results, each OID compared as bytes with the one asked at its place, so the
 * OID strings are the caller's own.
 *
 * A walk's step (GETNEXT on v1, GETBULK on v2c) is read the same way. Every
 * device walks its interface table when the collector starts, which through
 * net-snmp was a sixth of the first minute's CPU at 20,000 devices: most of
 * a GETBULK's 20 varbinds lie past the walked column, and net-snmp decoded
 * each into objects and a joined OID string only to have the walk drop it.
 * Here a varbind is tested against the column as bytes, and only those
 * within it become varbinds.
 *
 * What it answers is what net-snmp answers for the same datagram: the
 * version and community checked, an error-status as net-snmp's
 * RequestFailedError (with its status, which SNMPv1's noSuchName handling
 * reads), a varbind count other than asked as its ResponseInvalidError, a
 * timeout as its RequestTimedOutError with how late the timer fired. A
 * datagram it cannot read is the owner's `parseError` and its request waits
 * on, as net-snmp's 'error' event did, so its timeout says "malformed".
 */
import snmp from 'net-snmp';
import { DelayTimers, WAKEUP_STEP_MS, type TimerWaiter, type Wait } from '../delay-timers.ts';
import { ber, readBerHeader } from './ber.ts';
import { nextRequestId, type Endpoint, type Owner, type Pending } from './transport.ts';
import type { GetResult, Varbind } from './varbinds.ts';

type ErrorClass<Arg> = new (message: string, arg: Arg) => Error;
const NetSnmp = snmp as unknown as {
  ResponseInvalidError: ErrorClass<number>;
  RequestFailedError: ErrorClass<number>;
  RequestTimedOutError: new (message: string) => Error;
  ResponseInvalidCode: Record<string, number>;
  ErrorStatus: Record<string | number, string | number>;
};
const { ObjectType } = snmp;

const TAG_SEQUENCE = 0x30;
const TAG_INTEGER = 0x02;
const TAG_OCTETS = 0x04;
const TAG_OID = 0x06;
const PDU_GET = 0xa0;
const PDU_GETNEXT = 0xa1;
const PDU_RESPONSE = 0xa2;
const PDU_GETBULK = 0xa5;
/** net-snmp's ErrorStatus.NoSuchName: how an SNMPv1 agent ends a walk. */
const NO_SUCH_NAME = 2;
/** Varbinds a walk's GETBULK asks for, as net-snmp's walk does. */
export const WALK_REPETITIONS = 20;

/** A datagram that is not a readable SNMP message. */
class Malformed extends Error {}

/** Reads the tag-length header at `pos` (tag `tag`, when given), its element within `end`, into `ber`; returns the tag. */
function readHeader(buf: Buffer, pos: number, end: number, tag?: number): number {
  const t = readBerHeader(buf, pos, end);
  if (t < 0) throw new Malformed('truncated or bad length');
  if (tag !== undefined && t !== tag) throw new Malformed(`expected tag 0x${tag.toString(16)}, got 0x${t.toString(16)}`);
  if (ber.start + ber.length > end) throw new Malformed('length past the end of the message');
  return t;
}

/** A BER INTEGER's contents as net-snmp's reader takes them: two's complement, at most a safe integer. */
function integerOf(buf: Buffer, from: number, len: number): number {
  if (len === 0) throw new Malformed('zero-length integer');
  let v = buf.readInt8(from);
  for (let i = 1; i < len; i++) v = v * 256 + buf[from + i]!;
  if (!Number.isSafeInteger(v)) throw new Malformed('integer not representable');
  return v;
}

function readInteger(buf: Buffer, pos: number, end: number): number {
  readHeader(buf, pos, end, TAG_INTEGER);
  return integerOf(buf, ber.start, ber.length);
}

/** An OID's contents in dotted form. */
function oidOf(buf: Buffer, from: number, len: number): string {
  if (len === 0) throw new Malformed('empty OID');
  const arcs: number[] = [];
  let v = 0;
  for (let i = from; i < from + len; i++) {
    const b = buf[i]!;
    v = v * 128 + (b & 0x7f);
    if (b & 0x80) continue;
    if (arcs.length === 0) arcs.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
    else arcs.push(v);
    v = 0;
  }
  if (buf[from + len - 1]! & 0x80) throw new Malformed('truncated OID');
  return arcs.join('.');
}

function encodeOid(oid: string): number[] {
  const arcs = oid.split('.').map(Number);
  if (arcs.length < 2 || arcs.some((a) => !Number.isSafeInteger(a) || a < 0) || arcs[0]! > 2 || (arcs[0]! < 2 && arcs[1]! >= 40)) {
    throw new Error(`invalid OID "${oid}"`);
  }
  const bytes: number[] = [];
  for (const arc of [arcs[0]! * 40 + arcs[1]!, ...arcs.slice(2)]) {
    const groups = [arc % 128];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) groups.unshift((v % 128) | 0x80);
    bytes.push(...groups);
  }
  return bytes;
}

function tlv(tag: number, contents: number[]): number[] {
  const n = contents.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return [tag, ...len, ...contents];
}

/** A non-negative INTEGER's contents: two's complement, as few bytes as it takes. */
function integerContents(n: number): number[] {
  const bytes = [n & 0xff];
  for (let v = Math.floor(n / 256); v > 0 || bytes[0]! & 0x80; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return bytes;
}

/** One request, encoded for one community, and where the parts a reply is checked against sit in it. */
interface Template {
  readonly buffer: Buffer;
  /** The 4 bytes of the request id. */
  readonly idAt: number;
  readonly oids: readonly string[];
  /** Where each OID's contents start in `buffer`, and their lengths. */
  readonly oidAt: readonly number[];
  readonly oidLength: readonly number[];
}

/** A GET of `oids`, or with `repetitions` a GETBULK of that many repetitions of each (no non-repeaters); GETNEXT by `pdu`. */
function encodeRequest(version: number, community: Buffer, oids: readonly string[], pdu = PDU_GET, repetitions = 0): Template {
  const varbinds = oids.flatMap((oid) => tlv(TAG_SEQUENCE, [...tlv(TAG_OID, encodeOid(oid)), 0x05, 0x00]));
  // A placeholder id of 4 bytes: nextRequestId keeps every id that wide and positive.
  // GETBULK's non-repeaters and max-repetitions take the place of error-status and error-index.
  const message = tlv(pdu, [
    ...tlv(TAG_INTEGER, [1, 0, 0, 0]),
    ...tlv(TAG_INTEGER, [0]),
    ...tlv(TAG_INTEGER, integerContents(repetitions)),
    ...tlv(TAG_SEQUENCE, varbinds),
  ]);
  const buffer = Buffer.from(tlv(TAG_SEQUENCE, [...tlv(TAG_INTEGER, [version]), ...tlv(TAG_OCTETS, [...community]), ...message]));
  // Where things landed is read back with the reader the replies go through.
  const oidAt: number[] = [];
  const oidLength: number[] = [];
  let idAt = 0;
  walkMessage(
    buffer,
    pdu,
    (at) => (idAt = at),
    (at, len) => (oidAt.push(at), oidLength.push(len), undefined),
  );
  return { buffer, idAt, oids: Object.freeze([...oids]), oidAt, oidLength };
}

/**
 * Reads a v1/v2c message down to its varbinds: `onId` gets where the request
 * id's contents start, `onVarbind` each varbind's OID (start, length) and
 * where its value element starts, within what end. Returns the message's
 * version, community (as a span), PDU tag, the PDU's status fields and how
 * many varbinds it has.
 */
function walkMessage(
  buf: Buffer,
  pduTag: number | undefined,
  onId: (at: number) => void,
  onVarbind: (oidAt: number, oidLength: number, valueAt: number, end: number) => void,
): {
  version: number;
  communityAt: number;
  communityLength: number;
  pdu: number;
  errorStatus: number;
  errorIndex: number;
  varbinds: number;
} {
  readHeader(buf, 0, buf.length, TAG_SEQUENCE);
  const end = ber.start + ber.length;
  const version = readInteger(buf, ber.start, end);
  readHeader(buf, ber.start + ber.length, end, TAG_OCTETS);
  const communityAt = ber.start;
  const communityLength = ber.length;
  const pdu = readHeader(buf, ber.start + ber.length, end, pduTag);
  const pduEnd = ber.start + ber.length;
  readHeader(buf, ber.start, pduEnd, TAG_INTEGER);
  onId(ber.start);
  integerOf(buf, ber.start, ber.length);
  const errorStatus = readInteger(buf, ber.start + ber.length, pduEnd);
  const errorIndex = readInteger(buf, ber.start + ber.length, pduEnd);
  readHeader(buf, ber.start + ber.length, pduEnd, TAG_SEQUENCE);
  const listEnd = ber.start + ber.length;
  let pos = ber.start;
  let varbinds = 0;
  for (; pos < listEnd; varbinds++) {
    readHeader(buf, pos, listEnd, TAG_SEQUENCE);
    const vbEnd = ber.start + ber.length;
    readHeader(buf, ber.start, vbEnd, TAG_OID);
    const oidAt = ber.start;
    const oidLength = ber.length;
    onVarbind(oidAt, oidLength, oidAt + oidLength, vbEnd);
    pos = vbEnd;
  }
  return { version, communityAt, communityLength, pdu, errorStatus, errorIndex, varbinds };
}

/** What `readValue` read: the varbind's type and its value, or why the agent has none. */
let valueType = 0;
let value: unknown = null;
let missing: MissingName = undefined;

/** A varbind's value as net-snmp reads it: numbers for the integer types, Buffers for strings and Counter64. */
function readValue(buf: Buffer, at: number, end: number): void {
  const type = (valueType = readHeader(buf, at, end));
  if (ber.start + ber.length !== end) throw new Malformed('bytes after a varbind value');
  missing = undefined;
  switch (type) {
    case ObjectType.Integer:
      value = integerOf(buf, ber.start, ber.length);
      return;
    case ObjectType.Counter:
    case ObjectType.Gauge:
    case ObjectType.TimeTicks:
      value = integerOf(buf, ber.start, ber.length) >>> 0;
      return;
    case ObjectType.OctetString:
    case ObjectType.Opaque:
    case ObjectType.Counter64:
      value = ber.length === 0 ? Buffer.alloc(0) : buf.subarray(ber.start, ber.start + ber.length);
      return;
    case ObjectType.OID:
      value = oidOf(buf, ber.start, ber.length);
      return;
    case ObjectType.IpAddress:
      if (ber.length !== 4) throw new Malformed(`IP address of ${ber.length} bytes`);
      value = `${buf[ber.start]}.${buf[ber.start + 1]}.${buf[ber.start + 2]}.${buf[ber.start + 3]}`;
      return;
    case ObjectType.Boolean:
      value = integerOf(buf, ber.start, ber.length) !== 0;
      return;
    case ObjectType.Null:
      value = null;
      return;
    default:
      missing = MISSING[type];
      if (missing === undefined) throw new Malformed(`unknown type 0x${type.toString(16)} in a varbind`);
      value = null;
  }
}

type MissingName = 'noSuchObject' | 'noSuchInstance' | 'endOfMibView' | undefined;
const MISSING: Record<number, MissingName> = {
  [ObjectType.NoSuchObject]: 'noSuchObject',
  [ObjectType.NoSuchInstance]: 'noSuchInstance',
  [ObjectType.EndOfMibView]: 'endOfMibView',
};

type Header = ReturnType<typeof walkMessage>;

/** The error net-snmp gives for a reply with this header (`read`: its varbinds, for the error index's OID), if any. */
function headerError(m: Header, version: number, community: Buffer, buf: Buffer, read: readonly GetResult[]): Error | undefined {
  const codes = NetSnmp.ResponseInvalidCode;
  if (m.version !== version) {
    return new NetSnmp.ResponseInvalidError(
      `Version in request '${version}' does not match version in response '${m.version}'`,
      codes.EVersionNoMatch!,
    );
  }
  if (
    m.communityLength !== community.length ||
    buf.compare(community, 0, community.length, m.communityAt, m.communityAt + m.communityLength) !== 0
  ) {
    // Unlike net-snmp's, the message does not quote the communities: they are secrets.
    return new NetSnmp.ResponseInvalidError('Community in request does not match community in response', codes.ECommunityNoMatch!);
  }
  if (m.pdu !== PDU_RESPONSE) return new NetSnmp.ResponseInvalidError(`Unknown PDU type '${m.pdu}' in response`, codes.EUnknownPduType!);
  if (m.errorStatus > 0) {
    const name = (NetSnmp.ErrorStatus[m.errorStatus] as string | undefined) ?? 'GeneralError';
    const status = NetSnmp.ErrorStatus[name] as number;
    const at = m.errorIndex > 0 && m.errorIndex <= read.length ? `: ${read[m.errorIndex - 1]!.oid}` : '';
    return new NetSnmp.RequestFailedError(`${name}${at}`, status);
  }
  return undefined;
}

/** The results of a GET's reply to `t`, or the error net-snmp would give for it; throws Malformed for what it cannot read. */
function readGetReply(buf: Buffer, t: Template, version: number, community: Buffer): GetResult[] | Error {
  const results: GetResult[] = [];
  const asked = t.oids;
  const m = walkMessage(buf, undefined, noop, (oidAt, oidLength, valueAt, end) => {
    const i = results.length;
    // The agent answers the OIDs asked, in order: compared as bytes, the caller's strings serve.
    const same =
      i < asked.length &&
      oidLength === t.oidLength[i] &&
      buf.compare(t.buffer, t.oidAt[i], t.oidAt[i]! + oidLength, oidAt, oidAt + oidLength) === 0;
    const oid = same ? asked[i]! : oidOf(buf, oidAt, oidLength);
    readValue(buf, valueAt, end);
    results.push(missing !== undefined ? { oid, missing } : { oid, type: valueType, value });
  });
  const error = headerError(m, version, community, buf, results);
  if (error) return error;
  if (results.length !== asked.length)
    return new NetSnmp.ResponseInvalidError('Requested OIDs do not match response OIDs', NetSnmp.ResponseInvalidCode.EReqResOidNoMatch!);
  return results;
}

/**
 * What a walk's step read: the varbinds within the walked subtree, in the
 * order answered (noSuchObject, noSuchInstance and endOfMibView as their
 * types, with a null value, as net-snmp gives them), and whether the subtree
 * ended.
 */
export interface WalkStep {
  varbinds: Varbind[];
  end: boolean;
}

/** The subtree a walk reads, as encoded: the encoding of every OID within it starts with these bytes. */
export interface WalkScope {
  readonly bytes: Buffer;
}

/** The scope of a walk of `base`; throws for an OID that cannot be encoded. */
export function walkScope(base: string): WalkScope {
  return { bytes: Buffer.from(encodeOid(base)) };
}

/**
 * A walk step's reply: the varbinds up to the first outside the subtree
 * (none of which is decoded), or the error net-snmp would give. The subtree
 * ends there, at an SNMPv1 agent's noSuchName and at a reply without
 * varbinds, as net-snmp's walk ends. Every varbind's value is read, as
 * net-snmp decodes the whole message: a reply malformed anywhere is refused.
 */
function readWalkReply(buf: Buffer, scope: WalkScope, version: number, community: Buffer): WalkStep | Error {
  const varbinds: Varbind[] = [];
  const within = scope.bytes;
  let end = false;
  const m = walkMessage(buf, undefined, noop, (oidAt, oidLength, valueAt, vbEnd) => {
    readValue(buf, valueAt, vbEnd);
    if (end) return;
    // The subtree's OID is whole arcs, so its encoding is a prefix of the encoding of every OID within it.
    end = oidLength <= within.length || buf.compare(within, 0, within.length, oidAt, oidAt + within.length) !== 0;
    if (!end) varbinds.push({ oid: oidOf(buf, oidAt, oidLength), type: valueType, value });
  });
  const error = headerError(m, version, community, buf, varbinds);
  if (error) return error instanceof NetSnmp.RequestFailedError && m.errorStatus === NO_SUCH_NAME ? { varbinds: [], end: true } : error;
  // A GETNEXT is answered with as many varbinds as it asked: one.
  if (version === 0 && m.varbinds !== 1)
    return new NetSnmp.ResponseInvalidError('Requested OIDs do not match response OIDs', NetSnmp.ResponseInvalidCode.EReqResOidNoMatch!);
  return { varbinds, end: end || m.varbinds === 0 };
}

const noop = () => {};

export type GetCallback = (err: Error | null, results?: GetResult[]) => void;
export type WalkStepCallback = (err: Error | null, step?: WalkStep) => void;

/** How a request's reply is read: into T, or the error net-snmp would give; throws Malformed for what it cannot read. */
type ReplyReader<T> = (buf: Buffer, request: Request<T>) => T | Error;

const getReply: ReplyReader<GetResult[]> = (buf, r) => readGetReply(buf, r.template, r.requests.options.version, r.requests.community);
const walkReply: ReplyReader<WalkStep> = (buf, r) => readWalkReply(buf, r.scope!, r.requests.options.version, r.requests.community);

/** A request whatever it reads into, for what does not read its answer (the type is its reader's and its callback's alone). */
type AnyRequest = Request<any>;

/** One request in flight: its route on the shared socket, its timeout, and its caller. */
class Request<T> implements Pending, TimerWaiter {
  readonly address: string;
  readonly port: number;
  readonly endpoint: Endpoint;
  receivedAt?: number;
  timerToken = 0;
  /** The timeout under way. */
  wait: Wait | undefined = undefined;
  sentAt = 0;
  lateMs = 0;
  done = false;

  constructor(
    readonly requests: CommunityRequests,
    readonly owner: Owner,
    readonly template: Template,
    readonly reply: ReplyReader<T>,
    /** A walk step's subtree. */
    readonly scope: WalkScope | undefined,
    readonly id: number,
    readonly buffer: Buffer,
    public retries: number,
    readonly callback: (err: Error | null, answer?: T) => void,
  ) {
    this.address = owner.host;
    this.port = owner.port;
    this.endpoint = requests.endpoint;
  }

  onTimer(): void {
    this.wait = undefined;
    this.requests.expired(this, performance.now() - (this.sentAt + this.requests.options.timeout));
  }

  readonly onSent = (err: Error | null): void => {
    if (err) this.requests.finish(this, err);
  };
}

export interface CommunityOptions {
  version: number;
  community: string;
  timeout: number;
  retries: number;
}

/** The OID lists a session asks are a handful per community; far more means they are not steady, and the oldest go. */
const MAX_TEMPLATES = 512;

const timers = new DelayTimers(WAKEUP_STEP_MS);

/** The GETs and walk steps of one v1/v2c session (one community, version and timing) on its endpoint of the shared socket. */
export class CommunityRequests {
  private readonly templates = new Map<string, Template>();
  /** The same by list, for lists their owners keep frozen (a steady poll's): no key joined per request. */
  private readonly byList = new WeakMap<readonly string[], Template>();
  private readonly inFlight = new Set<AnyRequest>();
  readonly community: Buffer;
  private late: { request: AnyRequest; lateMs: number }[] = [];

  constructor(
    readonly endpoint: Endpoint,
    readonly options: CommunityOptions,
  ) {
    this.community = Buffer.from(options.community, 'utf8');
  }

  get templateCount(): number {
    return this.templates.size;
  }

  /** Sends a GET of `oids` to `owner`'s agent; `callback` gets the results in the order asked, or the error. */
  get(owner: Owner, oids: readonly string[], callback: GetCallback): void {
    let template: Template;
    try {
      template = this.template(oids);
    } catch (err) {
      return callback(err as Error);
    }
    this.start(owner, template, getReply, undefined, callback);
  }

  /**
   * Sends a walk's step to `owner`'s agent: what follows `from` (GETNEXT on
   * v1, GETBULK of WALK_REPETITIONS on v2c). `callback` gets the varbinds of
   * `scope`'s subtree that came, and whether it ended, or the error.
   */
  walkStep(owner: Owner, scope: WalkScope, from: string, callback: WalkStepCallback): void {
    let template: Template;
    try {
      // Each step asks from where the last ended: encoded for the one request, not kept.
      template =
        this.options.version === 0
          ? encodeRequest(0, this.community, [from], PDU_GETNEXT)
          : encodeRequest(this.options.version, this.community, [from], PDU_GETBULK, WALK_REPETITIONS);
    } catch (err) {
      return callback(err as Error);
    }
    this.start(owner, template, walkReply, scope, callback);
  }

  private start<T>(
    owner: Owner,
    template: Template,
    reply: ReplyReader<T>,
    scope: WalkScope | undefined,
    callback: (err: Error | null, answer?: T) => void,
  ): void {
    const id = nextRequestId();
    const buffer = Buffer.from(template.buffer);
    buffer.writeInt32BE(id, template.idAt);
    const request = new Request(this, owner, template, reply, scope, id, buffer, this.options.retries, callback);
    this.inFlight.add(request);
    owner.pending++;
    this.endpoint.expect(id, request);
    this.send(request);
  }

  private template(oids: readonly string[]): Template {
    let t = this.byList.get(oids);
    if (t !== undefined) return t;
    const key = oids.join(' ');
    t = this.templates.get(key);
    if (t === undefined) {
      t = encodeRequest(this.options.version, this.community, oids);
      if (this.templates.size >= MAX_TEMPLATES) this.templates.delete(this.templates.keys().next().value!);
      this.templates.set(key, t);
    }
    if (Object.isFrozen(oids)) this.byList.set(oids, t);
    return t;
  }

  private send(request: AnyRequest): void {
    request.sentAt = performance.now();
    request.wait = timers.after(this.options.timeout, request);
    this.endpoint.send(request.buffer, 0, request.buffer.length, request.port, request.address, request.onSent);
  }

  /** A datagram routed to `request` by its id. */
  read<T>(request: Request<T>, buffer: Buffer): void {
    if (request.done) return;
    let answer: T | Error;
    try {
      answer = request.reply(buffer, request);
    } catch (err) {
      if (!(err instanceof Malformed)) throw err;
      // As net-snmp: the request waits on, and its timeout tells what was wrong with what came.
      request.owner.parseError = err;
      return;
    }
    const a = request.owner.lastAnswer;
    if (a) {
      a.sentAt = request.sentAt;
      a.receivedAt = request.receivedAt ?? performance.now();
    } else {
      request.owner.lastAnswer = { sentAt: request.sentAt, receivedAt: request.receivedAt ?? performance.now() };
    }
    if (answer instanceof Error) this.finish(request, answer);
    else this.finish(request, null, answer);
  }

  /**
   * A request's timer fired; the verdict waits for the poll phase, so that a
   * reply already in the socket's buffer is read first and wins.
   */
  expired(request: AnyRequest, lateMs: number): void {
    if (request.done) return;
    if (this.late.push({ request, lateMs }) === 1) setImmediate(this.judge);
  }

  private readonly judge = (): void => {
    const late = this.late;
    this.late = [];
    for (const { request, lateMs } of late) {
      if (request.done) continue;
      request.lateMs = Math.max(request.lateMs, lateMs);
      if (request.retries-- > 0) {
        this.send(request);
        continue;
      }
      const err = Object.assign(new NetSnmp.RequestTimedOutError('Request timed out'), { lateMs: request.lateMs });
      this.finish(request, err);
    }
  };

  finish<T>(request: Request<T>, err: Error | null, answer?: T): void {
    if (request.done) return;
    request.done = true;
    request.wait?.cancel(request);
    request.wait = undefined;
    this.inFlight.delete(request);
    request.owner.pending--;
    this.endpoint.forget(request.id, request);
    request.callback(err, answer);
  }

  /** Fails `owner`'s requests in flight at once. */
  abort(owner: Owner, error: Error): void {
    for (const request of this.inFlight) if (request.owner === owner) this.finish(request, error);
  }

  /** Fails every request in flight: the session is closing. */
  close(error: Error): void {
    for (const request of this.inFlight) this.finish(request, error);
  }
}

export function isCommunityRequest(pending: Pending | undefined): pending is AnyRequest {
  return pending instanceof Request;
}
