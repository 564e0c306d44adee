/**
 * A net-snmp Session that lives as long as its client, on the shared socket
 * (transport.ts), and changes three things net-snmp does per request:
 *
 * - ids: every request gets a process-unique id of fixed width (the shared
 *   socket routes replies by it), assigned before the message is encoded, so
 *   v3's authentication covers it;
 * - encoding: a v1/v2c GET of OIDs already asked (a device's steady poll) is
 *   a copy of its first encoding with the id patched in place;
 * - timeouts: a request is registered before its datagram leaves (no reply
 *   can beat its registration), and a timeout is decided after the poll phase
 *   that reads the socket has run (setImmediate), so a reply that arrived
 *   while the event loop was busy counts; the timeout says how late its timer
 *   fired (`lateMs`), so a collector that was itself behind can tell "not
 *   measured" from "no answer".
 *
 * It overrides Session.send, registerRequest and unregisterRequest of
 * net-snmp 3.29 (node_modules/net-snmp/index.js); BER, USM and the v3
 * engine discovery and time window stay net-snmp's. The SNMP client tests
 * (v1/v2c/v3, malformed replies, restarts) hold it to that version.
 */
import snmp from 'net-snmp';
import { Endpoint, nextRequestId, requestIdOffset, sharedDgram } from './transport.ts';

/** What of a net-snmp request (its `Req`) this file touches. */
interface Req {
  message: {
    version: number;
    buffer?: Buffer;
    pdu: { id: number; type: number; varbinds: { oid: string }[] };
    msgGlobalData?: { msgID: number };
    toBuffer(): Buffer;
  };
  port: number;
  retries: number;
  timeout: number;
  backoff?: number;
  timer?: NodeJS.Timeout;
  lateMs?: number;
  getId(): number;
  responseCb(err: Error | null): void;
}

/** What of a net-snmp Session this file touches. */
interface SessionInternals {
  target: string;
  dgram: Endpoint;
  reqs: Record<number, Req>;
  reqCount: number;
  send(req: Req, noWait?: boolean): unknown;
  registerRequest(req: Req): void;
  unregisterRequest(id: number): Req | null;
}

type SessionConstructor = new (target: string, authenticator: unknown, options: object) => SessionInternals;

const Base = snmp.Session as unknown as SessionConstructor;
// Exported by net-snmp, missing from its typings.
const TimedOut = (snmp as unknown as { RequestTimedOutError: new (message: string) => Error }).RequestTimedOutError;

/** A device's steady poll asks a handful of OID lists; more than this means it is not steady, so the cache starts over. */
const MAX_TEMPLATES = 8;

export interface SharedSessionOptions {
  port: number;
  retries: number;
  timeout: number;
  transport: 'udp4' | 'udp6';
  version: number;
}

/** Made by `openSharedSession`, which gives it net-snmp's public face. */
class SharedSession extends Base {
  private readonly templates = new Map<string, { buffer: Buffer; idAt: number }>();

  constructor(target: string, authenticator: unknown, options: SharedSessionOptions) {
    super(target, authenticator, { ...options, dgramModule: sharedDgram });
  }

  override send(req: Req, noWait?: boolean): this {
    try {
      const message = req.message;
      // A retry resends the datagram of its first try, id and all.
      if (!message.buffer) this.encode(req);
      const buffer = message.toBuffer();
      if (!noWait) this.registerRequest(req);
      this.dgram.send(buffer, 0, buffer.length, req.port, this.target, (err) => {
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

  private encode(req: Req): void {
    const message = req.message;
    const id = nextRequestId();
    if (message.msgGlobalData) {
      message.msgGlobalData.msgID = id;
      return;
    }
    message.pdu.id = id;
    if (message.pdu.type !== snmp.PduType.GetRequest) return;
    const key = message.pdu.varbinds.map((vb) => vb.oid).join(' ');
    const template = this.templates.get(key);
    if (template) {
      const buffer = Buffer.from(template.buffer);
      buffer.writeInt32BE(id, template.idAt);
      message.buffer = buffer;
      return;
    }
    const buffer = message.toBuffer();
    const at = requestIdOffset(buffer);
    // nextRequestId keeps ids 4 bytes wide; anything else is not a layout to patch.
    if (at === undefined || buffer[at] !== 0x02 || buffer[at + 1] !== 4) return;
    if (this.templates.size >= MAX_TEMPLATES) this.templates.clear();
    this.templates.set(key, { buffer: Buffer.from(buffer), idAt: at + 2 });
  }

  override registerRequest(req: Req): void {
    const id = req.getId();
    if (!this.reqs[id]) {
      this.reqs[id] = req;
      this.reqCount++;
    }
    this.dgram.expect(id);
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
    if (req) this.dgram.forget(id);
    return req;
  }
}

/** A net-snmp Session (v1/v2c with a community, v3 with a user) on the shared socket. */
export function openSharedSession(target: string, authenticator: string | snmp.User, options: SharedSessionOptions): snmp.Session {
  return new SharedSession(target, authenticator, options) as unknown as snmp.Session;
}
