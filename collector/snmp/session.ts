/**
 * net-snmp Sessions on the shared socket (transport.ts), shared by every
 * client that can share one, and what they change of net-snmp per request.
 *
 * A v1/v2c session holds nothing of the agents it talks to, so one serves
 * every device with the same community, version, timing and address family:
 * a client (an `Owner`: a device's host and port) issues its operations
 * through it, and each request carries its own agent's address, taken from
 * the owner that issued it (`issue`) or, for a request net-snmp sends from a
 * reply's callback (a walk's next GETBULK, v3's request after discovery),
 * from the owner of that reply's request. A v3 session holds its agent's
 * engine (id, boots, time), so it serves one agent.
 *
 * Per request:
 * - ids: every request gets a process-unique id of fixed width (the shared
 *   socket routes replies by it), assigned before the message is encoded, so
 *   v3's authentication covers it;
 * - v1/v2c GETs (every device's steady poll) and walk steps do without
 *   net-snmp, in community.ts; net-snmp keeps SNMPv3;
 * - timeouts: a request is registered before its datagram leaves (no reply
 *   can beat its registration), and a timeout is decided after the poll phase
 *   that reads the socket has run (setImmediate), so a reply that arrived
 *   while the event loop was busy counts; the timeout says how late its timer
 *   fired (`lateMs`), so a collector that was itself behind can tell "not
 *   measured" from "no answer".
 *
 * It overrides Session.send, registerRequest, unregisterRequest and onMsg of
 * net-snmp 3.29 (node_modules/net-snmp/index.js), and relies on its get,
 * getNext and getBulk creating and sending their request synchronously;
 * BER, USM and the v3 engine discovery and time window stay net-snmp's. The
 * SNMP client tests (v1/v2c/v3, malformed replies, restarts) hold it to that
 * version.
 */
import { randomBytes } from 'node:crypto';
import snmp from 'net-snmp';
import { CommunityRequests, isCommunityRequest, type GetCallback, type WalkScope, type WalkStepCallback } from './community.ts';
import { Endpoint, nextRequestId, sharedDgram, type Owner, type Pending } from './transport.ts';

/** What of a net-snmp request (its `Req`) this file touches; the fields of `Pending` are set on its first send. */
interface Req extends Pending {
  message: {
    version: number;
    pdu: { id: number; type: number; varbinds: { oid: string }[] };
    msgGlobalData?: { msgID: number };
    toBuffer(): Buffer;
  };
  owner?: Owner;
  port: number;
  retries: number;
  timeout: number;
  backoff?: number;
  timer?: NodeJS.Timeout;
  lateMs?: number;
  /** performance.now() at its latest send (a retry sends again). */
  sentAt?: number;
  getId(): number;
  responseCb(err: Error | null): void;
}

/** What of a net-snmp Session this file touches. */
interface SessionInternals {
  dgram: Endpoint;
  reqs: Record<number, Req>;
  reqCount: number;
  msgSecurityParameters?: object;
  engineTimeBoots: number | null;
  engineTimeBase: number | null;
  engineTimeReceivedAt: number | null;
  latestReceivedEngineTime: number | null;
  on(event: 'error', listener: (err: Error) => void): void;
  close(): void;
  onMsg(buffer: Buffer): void;
  send(req: Req, noWait?: boolean): unknown;
  registerRequest(req: Req): void;
  unregisterRequest(id: number): Req | null;
}

type SessionConstructor = new (target: string, authenticator: unknown, options: object) => SessionInternals;

const Base = snmp.Session as unknown as SessionConstructor;
// Exported by net-snmp, missing from its typings.
const TimedOut = (snmp as unknown as { RequestTimedOutError: new (message: string) => Error }).RequestTimedOutError;

/**
 * net-snmp gives every Session an engine of its own with a random id, used
 * only to send traps and informs, which a poller never does: one id serves
 * the process.
 */
const ENGINE_ID = Buffer.concat([Buffer.from('8000b98380', 'hex'), randomBytes(12)]);

export interface SharedSessionOptions {
  retries: number;
  timeout: number;
  transport: 'udp4' | 'udp6';
  version: number;
}

const sessions = new Map<string, SharedSession>();

/** Made by `acquireSession`, which shares it; given back by `release`. */
export class SharedSession extends Base {
  private users = 0;
  /** Whose operation is being issued, or whose reply is being read: the owner of any request net-snmp sends meanwhile. */
  private current: Owner | undefined;
  /** A v1/v2c session's GETs and walk steps, which do without net-snmp (community.ts). */
  private community: CommunityRequests | undefined;

  constructor(
    private readonly key: string,
    private readonly authenticator: unknown,
    private readonly options: SharedSessionOptions,
  ) {
    super('', authenticator, { ...options, dgramModule: sharedDgram, engineID: ENGINE_ID });
    // net-snmp emits 'error' for a datagram it cannot decode (unheard, the EventEmitter would throw and take the
    // collector down); it does so while reading that datagram for `current`, whose agent sent it.
    this.on('error', (err) => {
      if (this.current) this.current.parseError = err;
    });
  }

  /** Runs a net-snmp operation for `owner`: the requests it sends go to the owner's agent. */
  issue(owner: Owner, op: (session: snmp.Session) => void): void {
    const outer = this.current;
    this.current = owner;
    try {
      op(this as unknown as snmp.Session);
    } finally {
      this.current = outer;
    }
  }

  /** A v1/v2c GET for `owner`: the results in the order of `oids`, or the error net-snmp would give. */
  communityGet(owner: Owner, oids: readonly string[], callback: GetCallback): void {
    this.communityRequests().get(owner, oids, callback);
  }

  /** A v1/v2c walk's step for `owner`: what of `scope`'s subtree follows `from`, or the error net-snmp would give. */
  communityWalkStep(owner: Owner, scope: WalkScope, from: string, callback: WalkStepCallback): void {
    this.communityRequests().walkStep(owner, scope, from, callback);
  }

  private communityRequests(): CommunityRequests {
    if (typeof this.authenticator !== 'string') throw new Error('a request by community on an SNMPv3 session');
    const { version, timeout, retries } = this.options;
    return (this.community ??= new CommunityRequests(this.dgram, { version, community: this.authenticator, timeout, retries }));
  }

  /** Fails the requests of `owner` still in flight at once; those of the session's other owners go on. */
  abort(owner: Owner, error: Error): void {
    if (owner.pending === 0) return;
    this.community?.abort(owner, error);
    for (const id in this.reqs) {
      const req = this.reqs[id]!;
      if (req.owner !== owner) continue;
      this.unregisterRequest(req.getId());
      req.responseCb(error);
    }
  }

  /** A v3 agent that restarted refuses the engine learnt before it: the next request discovers the engine again. */
  forgetEngine(): void {
    this.msgSecurityParameters = undefined;
    this.engineTimeBoots = null;
    this.engineTimeBase = null;
    this.engineTimeReceivedAt = null;
    this.latestReceivedEngineTime = null;
  }

  /** One owner fewer; the last one closes the session (and, the last of all, the shared socket). */
  release(): void {
    if (--this.users > 0) return;
    if (sessions.get(this.key) === this) sessions.delete(this.key);
    this.close();
  }

  templateCount(): number {
    return this.community?.templateCount ?? 0;
  }

  override close(): void {
    this.community?.close(new Error('Socket forcibly closed'));
    super.close();
  }

  override onMsg(buffer: Buffer, pending?: Pending): void {
    if (isCommunityRequest(pending)) return pending.requests.read(pending, buffer);
    const outer = this.current;
    this.current = (pending as Req | undefined)?.owner;
    try {
      super.onMsg(buffer);
    } finally {
      this.current = outer;
    }
  }

  override send(req: Req, noWait?: boolean): this {
    try {
      const message = req.message;
      // A retry resends the datagram of its first try to the same agent, id and all.
      if (!req.owner) {
        const owner = this.current;
        if (!owner) throw new Error('an SNMP request on a shared session without its agent');
        req.owner = owner;
        (req as { address: string }).address = owner.host;
        (req as { endpoint: Endpoint }).endpoint = this.dgram;
        req.port = owner.port;
        this.assignId(req);
      }
      const buffer = message.toBuffer();
      if (!noWait) this.registerRequest(req);
      req.sentAt = performance.now();
      this.dgram.send(buffer, 0, buffer.length, req.port, req.address, (err) => {
        if (err) {
          this.unregisterRequest(req.getId());
          req.responseCb(err);
        } else if (noWait) req.responseCb(null);
      });
    } catch (err) {
      req.responseCb(err as Error);
    }
    return this;
  }

  private assignId(req: Req): void {
    const id = nextRequestId();
    if (req.message.msgGlobalData) req.message.msgGlobalData.msgID = id;
    else req.message.pdu.id = id;
  }

  override registerRequest(req: Req): void {
    const id = req.getId();
    if (!this.reqs[id]) {
      this.reqs[id] = req;
      this.reqCount++;
      req.owner!.pending++;
    }
    this.dgram.expect(id, req);
    const due = performance.now() + req.timeout;
    req.timer = setTimeout(() => {
      const late = performance.now() - due;
      // The verdict waits for the poll phase: a reply already in the socket's buffer is read first and wins.
      setImmediate(() => {
        if (this.reqs[id] !== req) return;
        req.lateMs = Math.max(req.lateMs ?? 0, late);
        if (req.retries-- > 0) {
          this.send(req);
          return;
        }
        this.unregisterRequest(id);
        req.responseCb(Object.assign(new TimedOut('Request timed out'), { lateMs: req.lateMs }));
      });
    }, req.timeout);
    if (req.backoff && req.backoff >= 1) req.timeout *= req.backoff;
  }

  override unregisterRequest(id: number): Req | null {
    const req = super.unregisterRequest(id);
    if (req) {
      req.owner!.pending--;
      if (req.receivedAt !== undefined && req.sentAt !== undefined)
        req.owner!.lastAnswer = { sentAt: req.sentAt, receivedAt: req.receivedAt };
      this.dgram.forget(id, req);
    }
    return req;
  }

  static acquire(owner: Owner, authenticator: string | snmp.User, options: SharedSessionOptions): SharedSession {
    // A community session holds nothing of its agents; a v3 session holds its agent's engine.
    const key = JSON.stringify(
      options.version === snmp.Version3 ? [options, authenticator, owner.host, owner.port] : [options, authenticator],
    );
    let session = sessions.get(key);
    if (!session) {
      session = new SharedSession(key, authenticator, options);
      sessions.set(key, session);
    }
    session.users++;
    return session;
  }
}

/** The shared session for `owner` (v1/v2c with a community, v3 with a user), one more of its owners until `release`. */
export const acquireSession = SharedSession.acquire;

/** The shared sessions open and the encoded GETs they keep, for tests and the bench. */
export function sessionStats(): { sessions: number; templates: number } {
  let templates = 0;
  for (const session of sessions.values()) templates += session.templateCount();
  return { sessions: sessions.size, templates };
}
