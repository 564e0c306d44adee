/**
 * The device boundary for SNMP: a small client interface (get, walk, close)
 * and its implementation over npm `net-snmp`.
 *
 * Probes and vendor profiles only see `SnmpClient`, so unit tests hand them a
 * fake built from a map of OID → value instead of patching net-snmp. Every
 * error crossing this boundary is an `SnmpError` whose message is safe to log:
 * net-snmp puts the community string into some of its messages, we never do.
 */
import snmp from 'net-snmp';
import type { SnmpCredential } from '../../config/schema.ts';
import { WALK_REPETITIONS, walkScope, type WalkScope } from './community.ts';
import { acquireSession, type SharedSession } from './session.ts';
import type { Owner } from './transport.ts';
import type { GetResult, Varbind } from './varbinds.ts';

export type { GetResult, Varbind } from './varbinds.ts';

export interface SnmpClient {
  readonly version: '1' | '2c' | '3';
  /** One GET for all OIDs; results come back in the same order. */
  get(oids: readonly string[]): Promise<GetResult[]>;
  /** Every varbind under `baseOid` (GETBULK on v2c/v3, GETNEXT on v1). */
  walk(baseOid: string): Promise<Varbind[]>;
  /** Ends the session; requests still pending fail at once. Safe to call twice. */
  close(): void;
  /**
   * When the last answered request left and its reply was read off the
   * socket (performance.now() ms), for timing what the agent read: absent
   * where the client cannot tell (test fakes).
   */
  readonly lastAnswer?: { sentAt: number; receivedAt: number } | undefined;
}

export interface SnmpTarget {
  host: string;
  port: number;
  credential: SnmpCredential;
  timeoutMs: number;
  retries: number;
}

export type SnmpClientFactory = (target: SnmpTarget) => SnmpClient;

export class SnmpError extends Error {
  constructor(
    message: string,
    readonly kind: 'timeout' | 'auth' | 'malformed' | 'agent' | 'transport' | 'loop_lag',
  ) {
    super(message);
    this.name = 'SnmpError';
  }
}

export const ObjectType = snmp.ObjectType as unknown as Record<string, number>;

export function isMissing(r: GetResult): r is Extract<GetResult, { missing: string }> {
  return 'missing' in r;
}

const MISSING_TYPES: Record<number, 'noSuchObject' | 'noSuchInstance' | 'endOfMibView'> = {
  [snmp.ObjectType.NoSuchObject]: 'noSuchObject',
  [snmp.ObjectType.NoSuchInstance]: 'noSuchInstance',
  [snmp.ObjectType.EndOfMibView]: 'endOfMibView',
};

const AUTH = {
  md5: snmp.AuthProtocols.md5,
  sha: snmp.AuthProtocols.sha,
  sha224: snmp.AuthProtocols.sha224,
  sha256: snmp.AuthProtocols.sha256,
  sha384: snmp.AuthProtocols.sha384,
  sha512: snmp.AuthProtocols.sha512,
} as const;

const PRIV = {
  des: snmp.PrivProtocols.des,
  aes: snmp.PrivProtocols.aes,
  aes256b: snmp.PrivProtocols.aes256b,
  aes256r: snmp.PrivProtocols.aes256r,
} as const;

/** net-snmp's constant tables map both ways; these read code → name. */
const STATUS_NAMES = snmp.ErrorStatus as unknown as Record<number, string | undefined>;
const INVALID_CODE_NAMES = snmp.ResponseInvalidCode as unknown as Record<number, string | undefined>;

/** Orders two numeric OIDs as SNMP does: arc by arc, a prefix first. */
export function compareOids(a: string, b: string): number {
  const x = a.split('.');
  const y = b.split('.');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = Number(x[i]) - Number(y[i]);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/**
 * The rows of a walk of the subtree under `base`, fed each reply's varbinds
 * in order. The walk ends at the first varbind outside the subtree or at the
 * agent's noSuchObject, noSuchInstance or endOfMibView: net-snmp's own JS
 * agent answers a GETNEXT past its last object with noSuchObject at the OID
 * asked, which net-snmp's walk would ask again forever. An answer not past
 * the last OID would loop the same way, so it fails the walk.
 */
class SubtreeWalk {
  readonly rows: Varbind[] = [];
  error: SnmpError | undefined = undefined;
  last: string;
  private readonly prefix: string;

  constructor(base: string) {
    this.last = base;
    this.prefix = `${base}.`;
  }

  /** Takes a reply's varbinds; true when the walk has ended. */
  feed(varbinds: readonly { oid: string; type?: unknown; value?: unknown }[]): boolean {
    for (const vb of varbinds) {
      // net-snmp's subtree() would test each OID by splitting both into arrays; a prefix test says the same.
      if (!vb.oid.startsWith(this.prefix)) return true;
      const type = Number(vb.type);
      if (MISSING_TYPES[type]) return true;
      if (compareOids(vb.oid, this.last) <= 0) {
        this.error = new SnmpError(`malformed reply: the agent answered ${vb.oid} after ${this.last} (OIDs not increasing)`, 'malformed');
        return true;
      }
      this.last = vb.oid;
      this.rows.push({ oid: vb.oid, type, value: vb.value });
    }
    return false;
  }
}

/**
 * How late a timeout's timer may fire before the timeout says more about the
 * collector (its event loop far behind) than about the agent.
 */
export const loopLagBoundMs = (timeoutMs: number) => Math.max(100, timeoutMs / 2);

/** Turns whatever net-snmp reports into a message with no secrets in it. */
export function describeSnmpError(err: unknown, timeoutMs: number, parseError?: Error): SnmpError {
  if (err instanceof SnmpError) return err;
  const e = err as { name?: string; message?: string; status?: number; code?: number; lateMs?: number };
  switch (e.name) {
    case 'RequestTimedOutError':
      if (parseError) return new SnmpError(`malformed reply: ${parseError.message}`, 'malformed');
      if ((e.lateMs ?? 0) > loopLagBoundMs(timeoutMs)) {
        return new SnmpError(`not measured: the collector was ${Math.round(e.lateMs!)} ms late to time the request`, 'loop_lag');
      }
      return new SnmpError(`no answer within ${timeoutMs} ms (agent down, blocked, or wrong community/user)`, 'timeout');
    case 'RequestFailedError':
      return new SnmpError(`agent error: ${STATUS_NAMES[e.status ?? -1] ?? `status ${e.status}`}`, 'agent');
    case 'ResponseInvalidError': {
      if (/digest/i.test(e.message ?? '')) return new SnmpError('authentication failed (wrong SNMPv3 auth key?)', 'auth');
      if (/community/i.test(e.message ?? '')) return new SnmpError('community in the reply does not match', 'auth');
      const name = INVALID_CODE_NAMES[e.code ?? -1];
      return new SnmpError(`invalid reply${name ? ` (${name})` : ''}`, /Usm|Auth|Decrypt/i.test(name ?? '') ? 'auth' : 'malformed');
    }
    default:
      if (/digital envelope routines::unsupported/.test(e.message ?? '')) {
        // Node 20's OpenSSL 3 hides DES unless the legacy provider is on.
        return new SnmpError('DES privacy is unavailable: run node with --openssl-legacy-provider (bin/merezha does)', 'transport');
      }
      return new SnmpError(e.message ?? String(err), 'transport');
  }
}

/** An agent that restarted with a new engine (boots, time or id) answers a cached v3 engine with one of these reports. */
const STALE_ENGINE = /Not In Time Window|Unknown Engine ID/;

/** What net-snmp needs to talk to the target's agent: its user (v3) or community, and the session options. */
function sessionOf(owner: Owner, t: SnmpTarget): SharedSession {
  const base = { retries: t.retries, timeout: t.timeoutMs, transport: t.host.includes(':') ? ('udp6' as const) : ('udp4' as const) };
  const c = t.credential;
  if (c.version === '3') {
    const level = c.priv ? snmp.SecurityLevel.authPriv : c.auth ? snmp.SecurityLevel.authNoPriv : snmp.SecurityLevel.noAuthNoPriv;
    const user: snmp.User = { name: c.user, level };
    if (c.auth) Object.assign(user, { authProtocol: AUTH[c.auth.protocol], authKey: c.auth.key });
    if (c.priv) Object.assign(user, { privProtocol: PRIV[c.priv.protocol], privKey: c.priv.key });
    return acquireSession(owner, user, { ...base, version: snmp.Version3 });
  }
  return acquireSession(owner, c.community, { ...base, version: c.version === '1' ? snmp.Version1 : snmp.Version2c });
}

/**
 * The real client: one device's agent, through the session it shares with
 * every device that has the same credential and timing (session.ts), kept
 * across polls so a v3 agent's engine is discovered once. What it holds is
 * its own: the agent's address, its requests in flight and the last datagram
 * from its agent that could not be decoded.
 */
class NetSnmpClient implements SnmpClient, Owner {
  readonly version: SnmpClient['version'];
  readonly host: string;
  readonly port: number;
  pending = 0;
  parseError: Error | undefined = undefined;
  lastAnswer: { sentAt: number; receivedAt: number } | undefined = undefined;
  private closed = false;
  private readonly timeoutMs: number;
  private readonly session: SharedSession;

  constructor(target: SnmpTarget) {
    this.version = target.credential.version;
    this.host = target.host;
    this.port = target.port;
    this.timeoutMs = target.timeoutMs;
    this.session = sessionOf(this, target);
  }

  /**
   * One operation on the session. A v3 agent that restarted since its engine
   * was learnt refuses the cached one; the operation runs once more after the
   * session forgets it, which discovers the engine again.
   */
  private call<T>(op: (s: snmp.Session, done: (err: Error | null, value?: T) => void) => void, retried = false): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.closed) return reject(new SnmpError('aborted', 'transport'));
      this.parseError = undefined;
      this.session.issue(this, (s) =>
        op(s, (err, value) => {
          if (!err) return resolve(value as T);
          if (this.version === '3' && !retried && !this.closed && STALE_ENGINE.test(err.message)) {
            this.session.forgetEngine();
            return this.call(op, true).then(resolve, reject);
          }
          reject(describeSnmpError(err, this.timeoutMs, this.parseError));
        }),
      );
    });
  }

  async get(oids: readonly string[]): Promise<GetResult[]> {
    const isV1 = this.version === '1';
    let results: GetResult[] | undefined;
    try {
      results = await (this.version === '3' ? this.getV3(oids) : this.getByCommunity(oids));
    } catch (err) {
      // SNMPv1 fails the whole PDU with noSuchName when any OID is absent;
      // ask one OID at a time so v1 agents give the same per-OID answers as v2c.
      if (!(isV1 && (err as { status?: number }).status === snmp.ErrorStatus.NoSuchName))
        throw describeSnmpError(err, this.timeoutMs, this.parseError);
    }
    if (results) return results;
    if (oids.length === 1) return [{ oid: oids[0]!, missing: 'noSuchObject' }];
    return (await Promise.all(oids.map((oid) => this.get([oid])))).flat();
  }

  /** v1/v2c: through the session's own GET (community.ts); errors as net-snmp gives them. */
  private getByCommunity(oids: readonly string[]): Promise<GetResult[]> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new SnmpError('aborted', 'transport'));
      this.parseError = undefined;
      this.session.communityGet(this, oids, (err, results) => (err ? reject(err) : resolve(results!)));
    });
  }

  private async getV3(oids: readonly string[]): Promise<GetResult[]> {
    const varbinds = await this.call<snmp.Varbind[]>((s, done) =>
      s.get([...oids], (err, vbs) => (!err && !vbs ? done(new Error('no varbinds in the reply')) : done(err, vbs))),
    );
    return varbinds.map((vb, i) => {
      const type = Number(vb.type);
      const missing = MISSING_TYPES[type];
      return missing ? { oid: vb.oid ?? oids[i]!, missing } : { oid: vb.oid, type, value: vb.value };
    });
  }

  walk(baseOid: string): Promise<Varbind[]> {
    return this.version === '3' ? this.walkV3(baseOid) : this.walkByCommunity(baseOid);
  }

  /** v1/v2c: step by step through the session's own requests (community.ts); errors as net-snmp gives them. */
  private walkByCommunity(baseOid: string): Promise<Varbind[]> {
    return new Promise((resolve, reject) => {
      const walk = new SubtreeWalk(baseOid);
      let scope: WalkScope;
      try {
        scope = walkScope(baseOid);
      } catch (err) {
        return reject(describeSnmpError(err, this.timeoutMs));
      }
      const step = (from: string) => {
        if (this.closed) return reject(new SnmpError('aborted', 'transport'));
        this.parseError = undefined;
        this.session.communityWalkStep(this, scope, from, (err, answer) => {
          if (err) return reject(describeSnmpError(err, this.timeoutMs, this.parseError));
          const ended = walk.feed(answer!.varbinds) || answer!.end;
          if (walk.error) reject(walk.error);
          else if (ended) resolve(walk.rows);
          else step(walk.last);
        });
      };
      step(baseOid);
    });
  }

  private walkV3(baseOid: string): Promise<Varbind[]> {
    return this.call<Varbind[]>((s, done) => {
      // A new walk for each try: the operation runs again after a stale engine was forgotten.
      const walk = new SubtreeWalk(baseOid);
      s.walk(
        baseOid,
        WALK_REPETITIONS,
        (varbinds) => walk.feed(varbinds),
        (err) => (err ? done(err) : walk.error ? done(walk.error) : done(null, walk.rows)),
      );
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.session.abort(this, new SnmpError('the SNMP client was closed', 'transport'));
    this.session.release();
  }
}

export const netSnmpClientFactory: SnmpClientFactory = (target) => new NetSnmpClient(target);
