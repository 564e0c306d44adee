import { describe, expect, it } from 'vitest';
import { dummyHash, hashPassword, randomSecret, verifyPassword } from '../../server/auth/passwords.ts';

const FORMAT = /^scrypt\$32768\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/;

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
    const stored = await hashPassword('correct horse battery');
    expect(await verifyPassword('correct horse battery', stored)).toBe(true);
    expect(await verifyPassword('correct horse batterY', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('treats the composed and decomposed forms of a letter alike (NFC)', async () => {
    const composed = 'пароль-й-їжак';
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed);
    expect(await verifyPassword(decomposed, await hashPassword(composed))).toBe(true);
  });

  it('rejects a hash whose key, salt or parameters were tampered with', async () => {
    const stored = await hashPassword('correct horse battery');
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
    const stored = await hashPassword('correct horse battery');
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

describe('randomSecret', () => {
  it('is base64url of the given number of bytes, 24 by default', () => {
    expect(randomSecret()).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(randomSecret(32)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomSecret(12)).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(new Set(Array.from({ length: 100 }, () => randomSecret())).size).toBe(100);
  });
});
