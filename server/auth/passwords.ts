/**
 * Password hashing and random secrets, on node:crypto alone.
 *
 * Passwords are hashed with scrypt and stored as
 * `scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>`, so the cost parameters
 * travel with each hash: raising them later leaves old hashes verifiable.
 * Verification reads the parameters from the stored string, but only within
 * sane bounds, so an edited users file cannot make a login allocate gigabytes.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** Cost of new hashes: about 80 ms and 32 MiB per hash on a small server. */
const N = 2 ** 15;
const R = 8;
const P = 1;
const SALT_BYTES = 16;
const KEY_BYTES = 32;

/** Limits on parameters read back from a stored hash. */
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const DECIMAL = /^[1-9][0-9]{0,8}$/;

function derive(password: string, salt: Buffer, keyBytes: number, n: number, r: number, p: number): Promise<Buffer> {
  // scrypt needs about 128·N·r bytes for its table (plus 128·r·p); node's default maxmem is 32 MiB, just too little for N=2^15, r=8.
  const options: ScryptOptions = { N: n, r, p, maxmem: 128 * n * r + 128 * r * p + 16 * 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keyBytes, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, KEY_BYTES, N, R, P);
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
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
  if (n < 2 || n > MAX_N || (n & (n - 1)) !== 0 || r > MAX_R || p > MAX_P) return undefined;
  const salt = Buffer.from(salt64, 'base64');
  const key = Buffer.from(key64, 'base64');
  // Canonical base64 only, and a key of exactly our length: a truncated key would still match (it is a prefix of the longer output).
  if (salt.toString('base64') !== salt64 || key.toString('base64') !== key64) return undefined;
  if (salt.length < SALT_BYTES || key.length !== KEY_BYTES) return undefined;
  return { n, r, p, salt, key };
}

/** True when `password` matches `stored`; false for a wrong password and for a stored string that is not a hash of ours. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (parsed === undefined || typeof password !== 'string') return false;
  let key: Buffer;
  try {
    key = await derive(password, parsed.salt, parsed.key.length, parsed.n, parsed.r, parsed.p);
  } catch {
    return false;
  }
  return timingSafeEqual(key, parsed.key);
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
export function dummyHash(): string {
  return `scrypt$${N}$${R}$${P}$${randomBytes(SALT_BYTES).toString('base64')}$${randomBytes(KEY_BYTES).toString('base64')}`;
}
