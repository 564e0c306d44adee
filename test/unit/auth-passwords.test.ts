import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.ts';
import { dummyHash, HashBusy, hashPassword, needsRehash, randomSecret, verifyPassword } from '../../server/auth/passwords.ts';
import { UserStore } from '../../server/auth/users.ts';

/** OWASP's minimum for scrypt: N=2^17, r=8, p=1. */
const FORMAT = /^scrypt\$131072\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/;
/** For the tests that hash many times; the format and the OWASP cost are checked once, above it. */
const CHEAP = { N: 2 ** 11, r: 8, p: 1 };

/** `stored` with its i-th `$` field replaced. */
function withField(stored: string, i: number, value: string): string {
  const parts = stored.split('$');
  parts[i] = value;
  return parts.join('$');
}

describe('hashPassword and verifyPassword', () => {
  it('encodes scrypt parameters, a 16-byte salt and a 32-byte key, salted afresh each time', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).toMatch(FORMAT);
    expect(Buffer.from(a.split('$')[4]!, 'base64')).toHaveLength(16);
    expect(Buffer.from(a.split('$')[5]!, 'base64')).toHaveLength(32);
    expect(a).not.toBe(b);
    expect(a).not.toContain('correct horse');
  });

  it('verifies the right password and rejects others', async () => {
    const stored = await hashPassword('correct horse battery', CHEAP);
    expect(await verifyPassword('correct horse battery', stored)).toBe(true);
    expect(await verifyPassword('correct horse batterY', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('treats the composed and decomposed forms of a letter alike (NFC)', async () => {
    const composed = 'пароль-й-їжак';
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed);
    expect(await verifyPassword(decomposed, await hashPassword(composed, CHEAP))).toBe(true);
  });

  it('rejects a hash whose key, salt or parameters were tampered with', async () => {
    const stored = await hashPassword('correct horse battery', CHEAP);
    const key = stored.split('$')[5]!;
    const flipped = (key[0] === 'A' ? 'B' : 'A') + key.slice(1);
    expect(await verifyPassword('correct horse battery', withField(stored, 5, flipped))).toBe(false);
    const i = key.length - 4; // a late byte: the whole key must match
    const flippedLate = key.slice(0, i) + (key[i] === 'A' ? 'B' : 'A') + key.slice(i + 1);
    expect(await verifyPassword('correct horse battery', withField(stored, 5, flippedLate))).toBe(false);
    const salt = stored.split('$')[4]!;
    expect(await verifyPassword('correct horse battery', withField(stored, 4, (salt[0] === 'A' ? 'B' : 'A') + salt.slice(1)))).toBe(false);
    expect(await verifyPassword('correct horse battery', withField(stored, 1, '16384'))).toBe(false);
    expect(await verifyPassword('correct horse battery', withField(stored, 2, '4'))).toBe(false);
  });

  it('answers false, without throwing, for malformed stored strings', async () => {
    const stored = await hashPassword('correct horse battery', CHEAP);
    const malformed = [
      '',
      'nonsense',
      '$2b$12$abcdefghijklmnopqrstuvABCDEFGHIJKLMNOPQRSTUVWXYZ01234',
      stored.slice(0, -10),
      `${stored}$extra`,
      stored.replace('scrypt$', 'scrypy$'),
      withField(stored, 1, '30000'), // not a power of two
      withField(stored, 1, String(2 ** 30)), // would need a gigabyte
      withField(stored, 1, '0x8000'),
      withField(stored, 2, '0'),
      withField(stored, 3, '-1'),
      withField(stored, 4, 'not base64!'),
      withField(stored, 5, ''),
      // The key cut to 24 bytes, validly encoded: scrypt's shorter output is a prefix of the longer, so only the length check stops it.
      withField(stored, 5, Buffer.from(stored.split('$')[5]!, 'base64').subarray(0, 24).toString('base64')),
    ];
    for (const s of malformed) expect(await verifyPassword('correct horse battery', s), s).toBe(false);
    expect(await verifyPassword('correct horse battery', undefined as unknown as string)).toBe(false);
  });

  it('dummyHash is well formed and matches no password', async () => {
    const dummy = dummyHash();
    expect(dummy).toMatch(FORMAT);
    expect(dummyHash()).not.toBe(dummy);
    expect(await verifyPassword('', dummy)).toBe(false);
  });
});

describe('scrypt cost', () => {
  it('keeps verifying hashes of older parameters, and marks them for a new hash', async () => {
    const old = await hashPassword('correct horse battery', { N: 2 ** 15, r: 8, p: 1 });
    expect(await verifyPassword('correct horse battery', old)).toBe(true);
    expect(needsRehash(old)).toBe(true);
    expect(needsRehash(dummyHash())).toBe(false);
    expect(needsRehash(old, { N: 2 ** 15, r: 8, p: 1 })).toBe(false);
    expect(needsRehash('nonsense')).toBe(false);
  });

  it('runs two hashes at once, queues four, and refuses any more at once', async () => {
    const all = Array.from({ length: 8 }, () =>
      hashPassword('x', CHEAP).then(
        () => 'ok',
        (error: unknown) => error,
      ),
    );
    const results = await Promise.all(all);
    expect(results.filter((r) => r === 'ok')).toHaveLength(6);
    expect(results.filter((r) => r instanceof HashBusy)).toHaveLength(2);
    expect(await hashPassword('x', CHEAP)).toMatch(/^scrypt\$2048\$/);
  });

  it('a sign-in with the right password replaces an older hash with one of today’s cost; a wrong one does not', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'merezha-rehash-'));
    try {
      const file = join(dir, 'users.json');
      const open = (hashCost: typeof CHEAP) => UserStore.open({ file, log: silentLogger(), adminPassword: 'admin-password-1', hashCost });
      await (await open(CHEAP)).close();
      const hashOf = async () => (JSON.parse(await readFile(file, 'utf8')) as { users: { hash: string }[] }).users[0]!.hash;
      expect(await hashOf()).toMatch(/^scrypt\$2048\$/);
      const today = { N: 2 ** 12, r: 8, p: 1 };
      const store = await open(today);
      expect(await store.authenticate('admin', 'wrong-password')).toBeNull();
      expect(await hashOf()).toMatch(/^scrypt\$2048\$/);
      expect(await store.authenticate('admin', 'admin-password-1')).toEqual({ username: 'admin', role: 'admin' });
      expect(await hashOf()).toMatch(/^scrypt\$4096\$/);
      expect(await store.authenticate('admin', 'admin-password-1')).not.toBeNull();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('randomSecret', () => {
  it('is base64url of the given number of bytes, 24 by default', () => {
    expect(randomSecret()).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(randomSecret(32)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomSecret(12)).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(new Set(Array.from({ length: 100 }, () => randomSecret())).size).toBe(100);
  });
});
