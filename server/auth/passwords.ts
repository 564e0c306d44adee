/**
 * Password hashing and random secrets, on node:crypto alone.
 *
 * Passwords are hashed with scrypt and stored as
 * `scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>`, so the cost parameters
 * travel with each hash: raising them later leaves old hashes verifiable.
 * Verification reads the parameters from the stored string, but only within
 * sane bounds, so an edited users file cannot make a login allocate gigabytes.
 *
 * At most `HASHING_AT_ONCE` hashes run at once and `HASHING_WAITING` wait for
 * their turn; any more fail at once with `HashBusy`. scrypt runs on libuv's
 * thread pool (4 threads), which also serves file reads: a burst of sign-ins
 * must not take all of it, or static files stall for seconds.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

/** Cost of new hashes, OWASP's minimum for scrypt: about 0.5 to 1 s and 128 MiB per hash on a small server. Only tests pass a cheaper one. */
export const OWASP_COST: ScryptCost = { N: 2 ** 17, r: 8, p: 1 };
const SALT_BYTES = 16;
const KEY_BYTES = 32;

/** Limits on parameters read back from a stored hash. */
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;
/** scrypt's table is 128·N·r bytes; twice today's is allowed. */
const MAX_TABLE_BYTES = 2 * 128 * OWASP_COST.N * OWASP_COST.r;

const HASHING_AT_ONCE = 2;
const HASHING_WAITING = 4;

/** Too many password hashes are running or waiting: try again in a second. */
export class HashBusy extends Error {
  constructor() {
    super('too many sign-ins at once; try again in a moment');
    this.name = 'HashBusy';
  }
}

let running = 0;
const waiting: (() => void)[] = [];

async function inTurn<T>(task: () => Promise<T>): Promise<T> {
  if (running >= HASHING_AT_ONCE) {
    if (waiting.length >= HASHING_WAITING) throw new HashBusy();
    await new Promise<void>((resume) => waiting.push(resume));
  } else running += 1;
  try {
    return await task();
  } finally {
    // The slot passes straight to the next in line, so `running` never drops below the queue's need.
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  }
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const DECIMAL = /^[1-9][0-9]{0,8}$/;

function derive(password: string, salt: Buffer, keyBytes: number, n: number, r: number, p: number): Promise<Buffer> {
  // scrypt needs 128·N·r bytes for its table plus 128·r·p; node's default maxmem is 32 MiB, far too little for N=2^17, r=8.
  const options: ScryptOptions = { N: n, r, p, maxmem: 2 * 128 * n * r + 128 * r * p };
  return inTurn(
    () =>
      new Promise((resolve, reject) => {
        scrypt(password.normalize('NFC'), salt, keyBytes, options, (error, key) => (error ? reject(error) : resolve(key)));
      }),
  );
}

export async function hashPassword(password: string, cost = OWASP_COST): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, KEY_BYTES, cost.N, cost.r, cost.p);
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

interface Parsed {
  n: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

function parse(stored: string): Parsed | undefined {
  if (typeof stored !== 'string') return undefined;
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [, ns, rs, ps, salt64, key64] = parts as [string, string, string, string, string, string];
  if (!DECIMAL.test(ns) || !DECIMAL.test(rs) || !DECIMAL.test(ps) || !BASE64.test(salt64) || !BASE64.test(key64)) return undefined;
  const n = Number(ns);
  const r = Number(rs);
  const p = Number(ps);
  // N must be a power of two above 1.
  if (n < 2 || n > MAX_N || (n & (n - 1)) !== 0 || r > MAX_R || p > MAX_P || 128 * n * r > MAX_TABLE_BYTES) return undefined;
  const salt = Buffer.from(salt64, 'base64');
  const key = Buffer.from(key64, 'base64');
  // Canonical base64 only, and a key of exactly our length: a truncated key would still match (it is a prefix of the longer output).
  if (salt.toString('base64') !== salt64 || key.toString('base64') !== key64) return undefined;
  if (salt.length < SALT_BYTES || key.length !== KEY_BYTES) return undefined;
  return { n, r, p, salt, key };
}

/**
 * True when `password` matches `stored`; false for a wrong password and for a
 * stored string that is not a hash of ours. Throws `HashBusy` when too many
 * hashes are under way.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (parsed === undefined || typeof password !== 'string') return false;
  let key: Buffer;
  try {
    key = await derive(password, parsed.salt, parsed.key.length, parsed.n, parsed.r, parsed.p);
  } catch (error) {
    if (error instanceof HashBusy) throw error;
    return false;
  }
  return timingSafeEqual(key, parsed.key);
}

/** A hash made with other parameters than `cost`, to be replaced at the next sign-in, which has the password. */
export function needsRehash(stored: string, cost = OWASP_COST): boolean {
  const parsed = parse(stored);
  return parsed !== undefined && (parsed.n !== cost.N || parsed.r !== cost.r || parsed.p !== cost.p);
}

/** `bytes` random bytes as base64url (24 bytes: 32 characters). */
export function randomSecret(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * A well-formed hash with today's parameters that no password matches (its key
 * is random): verifying against it costs as much as a real check, so a login
 * for an unknown user takes as long as one for a known user.
 */
export function dummyHash(cost = OWASP_COST): string {
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${randomBytes(SALT_BYTES).toString('base64')}$${randomBytes(KEY_BYTES).toString('base64')}`;
}
