import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../common/log.ts';
import { AuthError, UserStore, type UserStoreOptions } from '../../server/auth/users.ts';

const T0 = Date.UTC(2026, 2, 1, 12);
const ADMIN_PW = 'admin-password-from-env';
/** OWASP's cost takes a second a hash; these tests hash dozens of times (the cost itself is auth-passwords.test.ts's). */
const CHEAP = { N: 2 ** 11, r: 8, p: 1 };

/** A logger with the production redaction that keeps every line it writes, raw. */
function recordingLogger() {
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', destination: { write: (line: string) => lines.push(line) } });
  const records = () => lines.map((l) => JSON.parse(l) as { level: number; msg: string; [key: string]: unknown });
  return { log, lines, records };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

async function authCode(promise: Promise<unknown>): Promise<string> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(AuthError);
  return (error as AuthError).code;
}

describe('UserStore', () => {
  let dir: string;
  let file: string;
  let logger: ReturnType<typeof recordingLogger>;
  let clock: number;
  const stores: UserStore[] = [];

  const open = async (options: Partial<UserStoreOptions> = {}) => {
    const store = await UserStore.open({ file, log: logger.log, adminPassword: ADMIN_PW, now: () => clock, hashCost: CHEAP, ...options });
    stores.push(store);
    return store;
  };
  const fileText = () => readFile(file, 'utf8');
  const fileJson = async () =>
    JSON.parse(await fileText()) as { users: Array<Record<string, unknown>>; tokens: Array<Record<string, unknown>> };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'merezha-auth-unit-'));
    file = join(dir, 'data', 'nested', 'users.json');
    logger = recordingLogger();
    clock = T0;
  });

  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  });

  describe('first start', () => {
    it('creates the folder and an admin with the password from the environment, logging no password', async () => {
      const store = await open();
      expect(store.list()).toEqual([{ username: 'admin', role: 'admin', created: T0 }]);
      expect(await store.authenticate('admin', ADMIN_PW)).toEqual({ username: 'admin', role: 'admin' });
      expect(logger.lines.join('')).not.toContain(ADMIN_PW);
      expect(logger.records().some((r) => /first admin/.test(r.msg) && /MEREZHA_ADMIN_PASSWORD/.test(r.msg))).toBe(true);
      expect(logger.records().some((r) => 'initial_password' in r)).toBe(false);
    });

    it.each([undefined, ''])('without a password (%j) generates one and logs it exactly once, readably', async (adminPassword) => {
      const store = await open({ adminPassword });
      const logged = logger.records().filter((r) => 'initial_password' in r);
      expect(logged).toHaveLength(1);
      const record = logged[0]!;
      expect(record.level).toBe(40);
      expect(record.username).toBe('admin');
      expect(record.msg).toMatch(/change it/);
      const password = record.initial_password as string;
      expect(password).toMatch(/^[A-Za-z0-9_-]{16}$/);
      expect(logger.lines.filter((l) => l.includes(password))).toHaveLength(1);
      expect(await store.authenticate('admin', password)).toEqual({ username: 'admin', role: 'admin' });
    });

    it('warns when the password from the environment is too short, without logging it', async () => {
      await open({ adminPassword: 'short' });
      expect(logger.records().some((r) => r.level === 40 && /MEREZHA_ADMIN_PASSWORD/.test(r.msg))).toBe(true);
      expect(logger.lines.join('')).not.toContain('"short');
    });

    it('on a reopen keeps the users, makes no new admin and logs no password again', async () => {
      const first = await open({ adminPassword: undefined });
      const password = logger.records().find((r) => 'initial_password' in r)!.initial_password as string;
      await first.create({ username: 'olena', password: 'olena-password-1', role: 'viewer' });
      await first.close();

      logger = recordingLogger();
      clock = T0 + 3_600_000;
      const second = await open({ adminPassword: undefined });
      expect(second.list()).toEqual([
        { username: 'admin', role: 'admin', created: T0 },
        { username: 'olena', role: 'viewer', created: T0 },
      ]);
      expect(logger.records().some((r) => 'initial_password' in r || /first admin/.test(r.msg))).toBe(false);
      expect(await second.authenticate('admin', password)).not.toBeNull();
      expect(await second.authenticate('olena', 'olena-password-1')).not.toBeNull();
    });

    it('opens a file with users but no admin, with a warning, and creates none', async () => {
      const store = await open();
      await store.create({ username: 'olena', password: 'olena-password-1', role: 'viewer' });
      const data = await fileJson();
      data.users = data.users.filter((u) => u.username !== 'admin');
      await writeFile(file, JSON.stringify(data), { mode: 0o600 });
      logger = recordingLogger();
      const reopened = await open();
      expect(reopened.list().map((u) => u.username)).toEqual(['olena']);
      expect(logger.records().some((r) => r.level === 40 && /no admin/.test(r.msg))).toBe(true);
    });

    it('creates an admin when the file exists but lists no users', async () => {
      await mkdir(join(dir, 'data', 'nested'), { recursive: true });
      await writeFile(file, JSON.stringify({ version: 1, users: [], tokens: [] }));
      const store = await open();
      expect(store.get('admin')).toEqual({ username: 'admin', role: 'admin' });
    });
  });

  describe('the file', () => {
    it('is mode 0600 after every save, and a too-open file is made private on open', async () => {
      const store = await open();
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      await store.create({ username: 'olena', password: 'olena-password-1', role: 'viewer' });
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      await store.close();

      await chmod(file, 0o644);
      logger = recordingLogger();
      await open();
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(logger.records().some((r) => r.level === 40 && /0600/.test(r.msg))).toBe(true);
    });

    it.each([
      ['not JSON', '{"version": 1, "users": ['],
      ['empty', ''],
      ['a user without a hash', JSON.stringify({ version: 1, users: [{ username: 'admin', role: 'admin', created: 1 }], tokens: [] })],
      [
        'an unknown role',
        JSON.stringify({ version: 1, users: [{ username: 'x1', role: 'root', created: 1, hash: 'scrypt$' }], tokens: [] }),
      ],
      ['a wrong version', JSON.stringify({ version: 2, users: [], tokens: [] })],
      [
        'a duplicate user',
        JSON.stringify({
          version: 1,
          users: [
            { username: 'admin', role: 'admin', created: 1, hash: 'scrypt$x' },
            { username: 'admin', role: 'viewer', created: 2, hash: 'scrypt$y' },
          ],
          tokens: [],
        }),
      ],
      [
        'a token of an unknown user',
        JSON.stringify({
          version: 1,
          users: [{ username: 'admin', role: 'admin', created: 1, hash: 'scrypt$x' }],
          tokens: [{ id: 'a', name: 'n', username: 'ghost', sha256: 'a'.repeat(64), created: 1, last_used: null }],
        }),
      ],
    ])('when damaged (%s) is an error naming it, and is left alone', async (_, content) => {
      await mkdir(join(dir, 'data', 'nested'), { recursive: true });
      await writeFile(file, content);
      const error = await rejection(open());
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toContain(file);
      expect(await fileText()).toBe(content);
      expect(logger.records().some((r) => 'initial_password' in r)).toBe(false);
    });

    it('holds hashes only: no password, no token', async () => {
      const store = await open();
      await store.create({ username: 'olena', password: 'olena-password-1', role: 'viewer' });
      const created = await store.createToken('olena', 'grafana');
      const text = await fileText();
      expect(text).not.toContain(ADMIN_PW);
      expect(text).not.toContain('olena-password-1');
      expect(text).not.toContain(created.token);
      expect(text).not.toContain(created.token.slice(4));
      const data = await fileJson();
      expect(data.users.every((u) => typeof u.hash === 'string' && u.hash.startsWith('scrypt$'))).toBe(true);
      expect(data.tokens).toHaveLength(1);
      expect(data.tokens[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
    });

    it('serializes concurrent changes, losing none', async () => {
      const store = await open();
      const names = ['u1', 'u2', 'u3', 'u4', 'u5'];
      await Promise.all(names.map((username) => store.create({ username, password: `${username}-password`, role: 'viewer' })));
      const tokens = await Promise.all(names.map((username) => store.createToken(username, 't')));
      await store.close();
      const data = await fileJson();
      expect(data.users.map((u) => u.username).sort()).toEqual(['admin', ...names]);
      expect(data.tokens).toHaveLength(5);
      const reopened = await open();
      for (const t of tokens) expect(reopened.verifyToken(t.token)?.username).toBe(t.username);
    });

    it('takes a change back when it cannot be saved', async () => {
      const store = await open();
      // A non-empty folder where the file was: the rename onto it fails.
      await rm(file);
      await mkdir(join(file, 'blocker'), { recursive: true });
      expect(await rejection(store.create({ username: 'olena', password: 'olena-password-1', role: 'viewer' }))).toBeInstanceOf(Error);
      expect(store.get('olena')).toBeUndefined();
      expect(await rejection(store.createToken('admin', 'x'))).toBeInstanceOf(Error);
      expect(store.listTokens()).toEqual([]);
    });
  });

  describe('users', () => {
    it('lists users without hashes, sorted by name', async () => {
      const store = await open();
      clock = T0 + 1000;
      expect(await store.create({ username: 'bohdan', password: 'bohdan-password', role: 'admin' })).toEqual({
        username: 'bohdan',
        role: 'admin',
        created: T0 + 1000,
      });
      await store.create({ username: 'a.b-c_d', password: 'another-password', role: 'viewer' });
      expect(store.list().map((u) => u.username)).toEqual(['a.b-c_d', 'admin', 'bohdan']);
      for (const u of store.list()) expect(Object.keys(u).sort()).toEqual(['created', 'role', 'username']);
      expect(store.get('bohdan')).toEqual({ username: 'bohdan', role: 'admin' });
      expect(store.get('nobody')).toBeUndefined();
    });

    it('refuses a duplicate name, a bad password and a bad name', async () => {
      const store = await open();
      await store.create({ username: 'olena', password: 'olena-password-1', role: 'viewer' });
      expect(await authCode(store.create({ username: 'olena', password: 'other-password', role: 'admin' }))).toBe('exists');
      expect(store.get('olena')?.role).toBe('viewer');
      expect(await authCode(store.create({ username: 'taras', password: 'short', role: 'viewer' }))).toBe('bad_password');
      expect(await authCode(store.create({ username: 'taras', password: 'x'.repeat(201), role: 'viewer' }))).toBe('bad_password');
      await expect(store.create({ username: 'Taras', password: 'taras-password', role: 'viewer' })).rejects.toThrow(/username/);
      expect(store.get('taras')).toBeUndefined();
    });

    it('AuthError carries its code and an English message', () => {
      const error = new AuthError('last_admin');
      expect(error).toBeInstanceOf(Error);
      expect(error.code).toBe('last_admin');
      expect(error.message).toMatch(/last admin/);
      for (const code of ['exists', 'not_found', 'bad_password'] as const) expect(new AuthError(code).message.length).toBeGreaterThan(5);
    });

    it('never removes the last admin; removes unknown users with not_found', async () => {
      const store = await open();
      expect(await authCode(store.remove('admin'))).toBe('last_admin');
      expect(await authCode(store.remove('nobody'))).toBe('not_found');
      await store.create({ username: 'viewer1', password: 'viewer-password', role: 'viewer' });
      expect(await authCode(store.remove('admin'))).toBe('last_admin');
      await store.create({ username: 'bohdan', password: 'bohdan-password', role: 'admin' });
      await store.remove('admin');
      expect(store.list().map((u) => u.username)).toEqual(['bohdan', 'viewer1']);
      expect(await authCode(store.remove('bohdan'))).toBe('last_admin');
    });

    it('of two admins removed at once, keeps one', async () => {
      const store = await open();
      await store.create({ username: 'bohdan', password: 'bohdan-password', role: 'admin' });
      const results = await Promise.allSettled([store.remove('admin'), store.remove('bohdan')]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(store.list().filter((u) => u.role === 'admin')).toHaveLength(1);
    });

    it('removing a user removes their tokens, for good', async () => {
      const store = await open();
      await store.create({ username: 'olena', password: 'olena-password-1', role: 'viewer' });
      const hers = await store.createToken('olena', 'grafana');
      const admins = await store.createToken('admin', 'script');
      await store.remove('olena');
      expect(store.verifyToken(hers.token)).toBeNull();
      expect(store.listTokens().map((t) => t.id)).toEqual([admins.id]);
      await store.close();
      const reopened = await open();
      expect(reopened.verifyToken(hers.token)).toBeNull();
      expect(reopened.verifyToken(admins.token)).toEqual({ username: 'admin', role: 'admin' });
      expect((await fileJson()).tokens).toHaveLength(1);
    });

    it('authenticates the right password only, names in any case', async () => {
      const store = await open();
      await store.create({ username: 'olena', password: 'olena-password-1', role: 'viewer' });
      expect(await store.authenticate('olena', 'olena-password-1')).toEqual({ username: 'olena', role: 'viewer' });
      expect(await store.authenticate('Olena', 'olena-password-1')).toEqual({ username: 'olena', role: 'viewer' });
      expect(await store.authenticate('olena', 'olena-password-2')).toBeNull();
      expect(await store.authenticate('olena', ADMIN_PW)).toBeNull();
      expect(await store.authenticate('nobody', 'olena-password-1')).toBeNull();
      expect(await store.authenticate('', '')).toBeNull();
    });

    it('spends a full password check on an unknown user too', async () => {
      const store = await open();
      const time = async (username: string) => {
        const start = performance.now();
        expect(await store.authenticate(username, 'wrong-password')).toBeNull();
        return performance.now() - start;
      };
      await time('admin'); // warm up
      const known = Math.min(await time('admin'), await time('admin'));
      const unknown = Math.min(await time('nobody'), await time('nobody'));
      // Without the dummy hash an unknown name answers in microseconds.
      expect(unknown).toBeGreaterThan(known * 0.25);
    });

    it('changes a password only given the current one', async () => {
      const store = await open();
      await store.create({ username: 'olena', password: 'olena-password-1', role: 'viewer' });
      const before = await fileText();
      expect(await store.changePassword('olena', 'wrong-current', 'olena-password-2')).toBe(false);
      expect(await store.changePassword('nobody', 'olena-password-1', 'olena-password-2')).toBe(false);
      expect(await fileText()).toBe(before);
      expect(await authCode(store.changePassword('olena', 'olena-password-1', 'short'))).toBe('bad_password');

      expect(await store.changePassword('olena', 'olena-password-1', 'olena-password-2')).toBe(true);
      expect(await store.authenticate('olena', 'olena-password-1')).toBeNull();
      expect(await store.authenticate('olena', 'olena-password-2')).not.toBeNull();
      expect(await fileText()).not.toContain('olena-password-2');
      await store.close();
      const reopened = await open();
      expect(await reopened.authenticate('olena', 'olena-password-2')).not.toBeNull();
    });

    it('an admin can set a password without the current one', async () => {
      const store = await open();
      await store.create({ username: 'olena', password: 'olena-password-1', role: 'viewer' });
      await store.setPassword('olena', 'reset-password-1');
      expect(await store.authenticate('olena', 'reset-password-1')).not.toBeNull();
      expect(await store.authenticate('olena', 'olena-password-1')).toBeNull();
      expect(await authCode(store.setPassword('nobody', 'reset-password-1'))).toBe('not_found');
      expect(await authCode(store.setPassword('olena', 'short'))).toBe('bad_password');
    });
  });

  describe('tokens', () => {
    it('creates a token shown once, which then authenticates as its user', async () => {
      const store = await open();
      await store.create({ username: 'olena', password: 'olena-password-1', role: 'viewer' });
      clock = T0 + 5000;
      const created = await store.createToken('olena', 'grafana');
      expect(created.token).toMatch(/^mrz_[A-Za-z0-9_-]{43}$/);
      expect(created).toMatchObject({ name: 'grafana', username: 'olena', created: T0 + 5000, last_used: null });
      expect(created.id).toMatch(/^[0-9a-f]{12}$/);
      expect(store.listTokens()).toEqual([{ id: created.id, name: 'grafana', username: 'olena', created: T0 + 5000, last_used: null }]);
      expect(store.listTokens().some((t) => 'token' in t)).toBe(false);
      expect(store.verifyToken(created.token)).toEqual({ username: 'olena', role: 'viewer' });
      expect(await authCode(store.createToken('nobody', 'x'))).toBe('not_found');
      await expect(store.createToken('olena', '')).rejects.toThrow();
    });

    it('rejects unknown, altered and malformed tokens', async () => {
      const store = await open();
      const created = await store.createToken('admin', 'script');
      const last = created.token.at(-1) === 'A' ? 'B' : 'A';
      for (const bad of [
        created.token.slice(0, -1) + last,
        created.token.slice(4),
        `${created.token}x`,
        '',
        'mrz_',
        'Bearer x'.repeat(50),
      ]) {
        expect(store.verifyToken(bad)).toBeNull();
      }
      expect(store.verifyToken(undefined as unknown as string)).toBeNull();
    });

    it('lists per user or all; revokes only the owner’s own when a user is given', async () => {
      const store = await open();
      await store.create({ username: 'olena', password: 'olena-password-1', role: 'viewer' });
      const a = await store.createToken('admin', 'a');
      clock += 1;
      const b = await store.createToken('olena', 'b');
      expect(store.listTokens().map((t) => t.id)).toEqual([a.id, b.id]);
      expect(store.listTokens('olena').map((t) => t.id)).toEqual([b.id]);
      expect(store.listTokens('nobody')).toEqual([]);

      expect(await store.revokeToken(a.id, 'olena')).toBe(false);
      expect(store.verifyToken(a.token)).not.toBeNull();
      expect(await store.revokeToken(b.id, 'olena')).toBe(true);
      expect(store.verifyToken(b.token)).toBeNull();
      expect(await store.revokeToken(b.id)).toBe(false);
      expect(await store.revokeToken(a.id)).toBe(true);
      expect(store.verifyToken(a.token)).toBeNull();
      await store.close();
      expect((await fileJson()).tokens).toEqual([]);
    });

    it('a token follows its user’s current role and survives a reopen', async () => {
      const store = await open();
      const created = await store.createToken('admin', 'script');
      await store.close();
      const reopened = await open();
      expect(reopened.verifyToken(created.token)).toEqual({ username: 'admin', role: 'admin' });
    });

    it('notes last_used on every use but saves it at most once a minute', async () => {
      const store = await open();
      const created = await store.createToken('admin', 'script');
      const savedLastUse = async () => (await fileJson()).tokens[0]!.last_used;
      // Waits for every write queued so far without writing anything itself (there is no such token).
      const settled = () => store.revokeToken('no-such-token');

      clock = T0 + 1000;
      expect(store.verifyToken(created.token)).not.toBeNull();
      await settled();
      expect(await savedLastUse()).toBe(T0 + 1000);

      clock = T0 + 20_000;
      store.verifyToken(created.token);
      clock = T0 + 40_000;
      store.verifyToken(created.token);
      expect(store.listTokens()[0]!.last_used).toBe(T0 + 40_000);
      await settled();
      expect(await savedLastUse()).toBe(T0 + 1000);

      clock = T0 + 61_000;
      store.verifyToken(created.token);
      await settled();
      expect(await savedLastUse()).toBe(T0 + 61_000);

      // Within the next minute again: only flush() (or close()) writes it.
      clock = T0 + 70_000;
      store.verifyToken(created.token);
      await settled();
      expect(await savedLastUse()).toBe(T0 + 61_000);
      await store.close();
      expect(await savedLastUse()).toBe(T0 + 70_000);
    });

    it('saves a pending last_used by itself once the minute is over', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      try {
        const store = await open();
        const created = await store.createToken('admin', 'script');
        const settled = () => store.revokeToken('no-such-token');
        clock = T0 + 1000;
        store.verifyToken(created.token);
        await settled();
        clock = T0 + 20_000;
        store.verifyToken(created.token);
        await settled();
        expect((await fileJson()).tokens[0]!.last_used).toBe(T0 + 1000);
        vi.advanceTimersByTime(40_999);
        await settled();
        expect((await fileJson()).tokens[0]!.last_used).toBe(T0 + 1000);
        clock = T0 + 61_000;
        vi.advanceTimersByTime(1);
        await settled();
        expect((await fileJson()).tokens[0]!.last_used).toBe(T0 + 20_000);
      } finally {
        vi.useRealTimers();
      }
    });

    it('pending last_used goes out with the next other change', async () => {
      const store = await open();
      const created = await store.createToken('admin', 'script');
      clock = T0 + 1000;
      store.verifyToken(created.token);
      await store.flush();
      clock = T0 + 2000;
      store.verifyToken(created.token);
      await store.create({ username: 'olena', password: 'olena-password-1', role: 'viewer' });
      expect((await fileJson()).tokens[0]!.last_used).toBe(T0 + 2000);
    });
  });
});
