/**
 * Dashboard users and their API tokens, kept in one JSON file.
 *
 * The file holds scrypt hashes of the passwords and SHA-256 hashes of the
 * tokens, never either secret itself; it is written with mode 0600, always
 * whole, to a temporary file renamed over the old one, and one write at a time,
 * so a crash or two requests at once cannot leave it half written. A file that
 * cannot be read is an error naming it: starting over with an empty one would
 * silently reset every account.
 *
 * On the first start (no users) an `admin` is created with the password from
 * MEREZHA_ADMIN_PASSWORD, or with a generated one that is logged once: the only
 * place a password is ever logged.
 *
 * Tokens are looked up synchronously by their hash. Their `last_used` changes
 * in memory on every use and reaches the file at most once a minute (or with
 * the next other change, or on `close()`), not on every request; so does a
 * user's `last_sign_in`, which only `merezha user list` shows.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { ROLES, userCreateRequest, tokenCreateRequest } from '../../common/api.ts';
import type { Role, TokenCreated, TokenInfo, UserInfo } from '../../common/api.ts';
import type { Logger } from '../../common/log.ts';
import { dummyHash, hashPassword, needsRehash, OWASP_COST, randomSecret, verifyPassword, type ScryptCost } from './passwords.ts';
import { restrictMode, WriteQueue, writePrivateFile } from './private-file.ts';

export interface AuthUser {
  username: string;
  role: Role;
}

export type AuthErrorCode = 'exists' | 'not_found' | 'last_admin' | 'bad_password';

const MESSAGES: Record<AuthErrorCode, string> = {
  exists: 'a user with this name already exists',
  not_found: 'no such user',
  last_admin: 'the last admin cannot be removed: make another admin first',
  bad_password: 'the password must be 10 to 200 characters long',
};

export class AuthError extends Error {
  constructor(public readonly code: AuthErrorCode) {
    super(MESSAGES[code]);
    this.name = 'AuthError';
  }
}

export interface UserStoreOptions {
  /** The users file, e.g. `data/users.json`; its folder is created when missing. */
  file: string;
  log: Logger;
  /** The first admin's password (MEREZHA_ADMIN_PASSWORD); undefined or empty: generate one and log it once. */
  adminPassword?: string;
  /** Clock for `created` and `last_used`, for tests. */
  now?: () => number;
  /** The cost of new password hashes; OWASP's unless a test needs speed. */
  hashCost?: ScryptCost;
  /** False: a missing or empty file stays without users (`merezha user add` before the first start makes the first one itself). */
  firstAdmin?: boolean;
}

/** The users and the sessions files of a data folder (`server.data_dir`), for the server and for `merezha user` alike. */
export function accountFiles(dataDir: string): { users: string; sessions: string } {
  return { users: join(resolve(dataDir), 'users.json'), sessions: join(resolve(dataDir), 'sessions.json') };
}

/** `last_used` reaches the file at most this often. */
const USAGE_SAVE_MS = 60_000;
const TOKEN_PREFIX = 'mrz_';

const usernameRule = userCreateRequest.shape.username;
const passwordRule = userCreateRequest.shape.password;
const tokenNameRule = tokenCreateRequest.shape.name;

const fileSchema = z.object({
  version: z.literal(1),
  users: z.array(
    z.object({
      username: usernameRule,
      role: z.enum(ROLES),
      created: z.number().int(),
      hash: z.string().startsWith('scrypt$'),
      /** Absent in files from before it was kept, and for users who never signed in since. */
      last_sign_in: z.number().int().optional(),
    }),
  ),
  tokens: z.array(
    z.object({
      id: z.string().min(1).max(100),
      name: z.string(),
      username: z.string(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      created: z.number().int(),
      last_used: z.number().int().nullable(),
    }),
  ),
});

type UserRecord = z.output<typeof fileSchema>['users'][number];
type TokenRecord = z.output<typeof fileSchema>['tokens'][number];

/** A change made in memory, and how to take it back when the file cannot be written. No `undo`: nothing changed, nothing to write. */
interface Change<T> {
  result: T;
  undo?: () => void;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const userInfo = (u: UserRecord): UserInfo => ({ username: u.username, role: u.role, created: u.created });
const tokenInfo = (t: TokenRecord): TokenInfo => ({
  id: t.id,
  name: t.name,
  username: t.username,
  created: t.created,
  last_used: t.last_used,
});

function checkPassword(password: string): void {
  if (!passwordRule.safeParse(password).success) throw new AuthError('bad_password');
}

export class UserStore {
  private readonly users = new Map<string, UserRecord>();
  private readonly tokensById = new Map<string, TokenRecord>();
  private readonly tokensByHash = new Map<string, TokenRecord>();
  /** Verified against when the user does not exist, so that takes as long as a wrong password. */
  private readonly dummy: string;
  private readonly writes = new WriteQueue();
  private usageDirty = false;
  private lastUsageSave = -Infinity;
  private usageTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly file: string,
    private readonly log: Logger,
    private readonly now: () => number,
    private readonly cost: ScryptCost,
  ) {
    this.dummy = dummyHash(cost);
  }

  static async open(options: UserStoreOptions): Promise<UserStore> {
    const store = new UserStore(options.file, options.log, options.now ?? Date.now, options.hashCost ?? OWASP_COST);
    await mkdir(dirname(options.file), { recursive: true });
    let text: string | undefined;
    try {
      text = await readFile(options.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new Error(`cannot read the users file ${options.file}: ${(error as Error).message}`, { cause: error });
      }
    }
    if (text !== undefined) {
      store.load(text);
      await restrictMode(options.file, options.log);
    }
    if (store.users.size === 0) {
      if (options.firstAdmin !== false) await store.createFirstAdmin(options.adminPassword);
    } else if (![...store.users.values()].some((u) => u.role === 'admin')) {
      options.log.warn({ file: options.file }, 'the users file has no admin: nobody can manage users until one is added to it');
    }
    return store;
  }

  // ---- users ---------------------------------------------------------------

  /** All users, without their hashes, by name. */
  list(): UserInfo[] {
    return [...this.users.values()].map(userInfo).sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0));
  }

  /** When the user last signed in with a password, as far as the file knows (saved lazily, like token use). */
  lastSignIn(username: string): number | null {
    return this.users.get(username)?.last_sign_in ?? null;
  }

  get(username: string): AuthUser | undefined {
    const user = this.users.get(username);
    return user && { username: user.username, role: user.role };
  }

  /** Throws AuthError `exists` or `bad_password` (under 10 or over 200 characters), and an Error for a name outside the API's rule. */
  async create(req: { username: string; password: string; role: Role }): Promise<UserInfo> {
    const { username, password, role } = req;
    if (!usernameRule.safeParse(username).success) throw new Error(`invalid username ${JSON.stringify(username)}`);
    if (!ROLES.includes(role)) throw new Error(`invalid role ${JSON.stringify(role)}`);
    checkPassword(password);
    if (this.users.has(username)) throw new AuthError('exists'); // before spending a hash on it
    const hash = await hashPassword(password, this.cost);
    return this.mutate(() => {
      if (this.users.has(username)) throw new AuthError('exists');
      const record: UserRecord = { username, role, created: this.now(), hash };
      this.users.set(username, record);
      return { result: userInfo(record), undo: () => this.users.delete(username) };
    });
  }

  /** Removes the user and their tokens (their sessions are the caller's: `Sessions.destroyUser`). */
  async remove(username: string): Promise<void> {
    await this.mutate(() => {
      const user = this.users.get(username);
      if (user === undefined) throw new AuthError('not_found');
      if (user.role === 'admin' && [...this.users.values()].filter((u) => u.role === 'admin').length <= 1) {
        throw new AuthError('last_admin');
      }
      const tokens = [...this.tokensById.values()].filter((t) => t.username === username);
      this.users.delete(username);
      for (const token of tokens) this.dropToken(token);
      return {
        result: undefined,
        undo: () => {
          this.users.set(username, user);
          for (const token of tokens) this.addToken(token);
        },
      };
    });
  }

  /**
   * The user, when the password is theirs; null otherwise. The name is taken in
   * lower case (all names are). An unknown name costs a full scrypt too, so the
   * answer's timing does not tell which names exist. A hash made with older
   * parameters is replaced by one with today's while the password is at hand.
   * Throws `HashBusy` when too many hashes are under way.
   */
  async authenticate(username: string, password: string): Promise<AuthUser | null> {
    const name = typeof username === 'string' ? username.toLowerCase() : '';
    const user = this.users.get(name);
    const ok = await verifyPassword(password, user?.hash ?? this.dummy);
    // Removed, or given a new password, while scrypt ran: the old password no longer counts.
    if (!ok || user === undefined || this.users.get(name) !== user) return null;
    // Before a rehash, which copies the record.
    user.last_sign_in = this.now();
    this.noteUsage();
    if (needsRehash(user.hash, this.cost)) await this.rehash(name, user, password);
    return { username: user.username, role: user.role };
  }

  /** Best effort: a sign-in goes on with the old hash when the new one cannot be made or saved now. */
  private async rehash(username: string, user: UserRecord, password: string): Promise<void> {
    try {
      const hash = await hashPassword(password, this.cost);
      if (await this.mutate(() => this.replaceHash(username, user, hash)))
        this.log.info({ username }, 'password hash upgraded to today’s parameters');
    } catch (error) {
      this.log.warn({ username, err: (error as Error).message }, 'could not upgrade the password hash; trying again at the next sign-in');
    }
  }

  /**
   * Sets a new password when `current` is right: false for a wrong password or
   * an unknown user. Throws AuthError `bad_password` when `next` breaks the rules.
   * Tokens stay valid; the caller ends the user's other sessions.
   */
  async changePassword(username: string, current: string, next: string): Promise<boolean> {
    checkPassword(next);
    const user = this.users.get(username);
    if (!(await verifyPassword(current, user?.hash ?? this.dummy)) || user === undefined) return false;
    const hash = await hashPassword(next, this.cost);
    return this.mutate(() => this.replaceHash(username, user, hash));
  }

  /** Sets a password without the current one (an admin resetting a forgotten one). Throws AuthError `not_found`, `bad_password`. */
  async setPassword(username: string, password: string): Promise<void> {
    checkPassword(password);
    if (!this.users.has(username)) throw new AuthError('not_found');
    const hash = await hashPassword(password, this.cost);
    await this.mutate(() => {
      const user = this.users.get(username);
      if (user === undefined) throw new AuthError('not_found');
      return this.replaceHash(username, user, hash);
    });
  }

  /** A new record, not an edit, so an `authenticate` running meanwhile sees the change. */
  private replaceHash(username: string, user: UserRecord, hash: string): Change<boolean> {
    if (this.users.get(username) !== user) return { result: false }; // changed or removed meanwhile
    this.users.set(username, { ...user, hash });
    return { result: true, undo: () => this.users.set(username, user) };
  }

  // ---- tokens --------------------------------------------------------------

  /** A new API token; its secret is in the answer and nowhere else (the file keeps its SHA-256). Throws AuthError `not_found`. */
  async createToken(username: string, name: string): Promise<TokenCreated> {
    if (!tokenNameRule.safeParse(name).success) throw new Error('a token name is 1 to 64 characters');
    const token = `${TOKEN_PREFIX}${randomSecret(32)}`;
    return this.mutate(() => {
      if (!this.users.has(username)) throw new AuthError('not_found');
      let id: string;
      do id = randomBytes(6).toString('hex');
      while (this.tokensById.has(id));
      const record: TokenRecord = { id, name, username, sha256: sha256(token), created: this.now(), last_used: null };
      this.addToken(record);
      return { result: { ...tokenInfo(record), token }, undo: () => this.dropToken(record) };
    });
  }

  /** One user's tokens, or everybody's, oldest first. */
  listTokens(username?: string): TokenInfo[] {
    return [...this.tokensById.values()]
      .filter((t) => username === undefined || t.username === username)
      .sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : 1))
      .map(tokenInfo);
  }

  /** False when there is no such token, or (with `username`) it is somebody else's. */
  async revokeToken(id: string, username?: string): Promise<boolean> {
    return this.mutate(() => {
      const record = this.tokensById.get(id);
      if (record === undefined || (username !== undefined && record.username !== username)) return { result: false };
      this.dropToken(record);
      return { result: true, undo: () => this.addToken(record) };
    });
  }

  /**
   * The token's user, or null. A lookup by the token's SHA-256 (its timing can
   * only tell about a hash of the guess, which does not help guessing); notes
   * `last_used`, which is saved lazily.
   */
  verifyToken(token: string): AuthUser | null {
    if (typeof token !== 'string' || !token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
    const record = this.tokensByHash.get(sha256(token));
    const user = record && this.users.get(record.username);
    if (record === undefined || user === undefined) return null;
    record.last_used = this.now();
    this.noteUsage();
    return { username: user.username, role: user.role };
  }

  /** Resolves when every change so far, `last_used` included, is in the file. */
  async flush(): Promise<void> {
    await this.serial(async () => {
      if (this.usageDirty) await this.write();
    });
  }

  /** Saves what is pending and stops the `last_used` timer; call on shutdown. */
  async close(): Promise<void> {
    clearTimeout(this.usageTimer);
    this.usageTimer = undefined;
    await this.flush();
  }

  private addToken(record: TokenRecord): void {
    this.tokensById.set(record.id, record);
    this.tokensByHash.set(record.sha256, record);
  }

  private dropToken(record: TokenRecord): void {
    this.tokensById.delete(record.id);
    this.tokensByHash.delete(record.sha256);
  }

  private noteUsage(): void {
    this.usageDirty = true;
    const wait = this.lastUsageSave + USAGE_SAVE_MS - this.now();
    if (wait <= 0) {
      this.saveUsage();
    } else if (this.usageTimer === undefined) {
      this.usageTimer = setTimeout(() => this.saveUsage(), wait);
      this.usageTimer.unref();
    }
  }

  private saveUsage(): void {
    clearTimeout(this.usageTimer);
    this.usageTimer = undefined;
    this.lastUsageSave = this.now();
    this.flush().catch((error: unknown) => this.log.error({ err: error, file: this.file }, 'could not save when tokens were last used'));
  }

  // ---- the file ------------------------------------------------------------

  private load(text: string): void {
    const damaged = (why: string) =>
      new Error(
        `the users file ${this.file} is damaged (${why}); repair it or restore a backup (Merezha will not start over, that would reset every account)`,
      );
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw damaged(`not JSON: ${(error as Error).message}`);
    }
    const parsed = fileSchema.safeParse(data);
    if (!parsed.success) {
      throw damaged(
        parsed.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join('.') || 'top level'}: ${i.message}`)
          .join('; '),
      );
    }
    for (const user of parsed.data.users) {
      if (this.users.has(user.username)) throw damaged(`user ${user.username} appears twice`);
      this.users.set(user.username, user);
    }
    for (const token of parsed.data.tokens) {
      if (!this.users.has(token.username)) throw damaged(`token ${token.id} belongs to unknown user ${token.username}`);
      if (this.tokensById.has(token.id) || this.tokensByHash.has(token.sha256)) throw damaged(`token ${token.id} appears twice`);
      this.addToken(token);
    }
  }

  private async createFirstAdmin(adminPassword: string | undefined): Promise<void> {
    const generated = adminPassword === undefined || adminPassword === '';
    const password = generated ? randomSecret(12) : adminPassword;
    if (!generated && !passwordRule.safeParse(password).success) {
      this.log.warn({ username: 'admin' }, 'MEREZHA_ADMIN_PASSWORD is not 10 to 200 characters long; sign in and change it');
    }
    const hash = await hashPassword(password, this.cost);
    await this.mutate(() => {
      const record: UserRecord = { username: 'admin', role: 'admin', created: this.now(), hash };
      this.users.set('admin', record);
      return { result: undefined, undo: () => this.users.delete('admin') };
    });
    // Only once the file holds it: a password logged but never saved would be no use.
    if (generated) {
      this.log.warn(
        { username: 'admin', initial_password: password },
        'created the first admin user with a generated password, shown only this once: sign in as admin and change it now ' +
          '(or remove the users file and set MEREZHA_ADMIN_PASSWORD before the next start)',
      );
    } else {
      this.log.info({ username: 'admin' }, 'created the first admin user with the password from MEREZHA_ADMIN_PASSWORD');
    }
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    return this.writes.run(task);
  }

  /** Makes a change in memory and saves it, in turn with every other write; takes the change back when the save fails. */
  private mutate<T>(change: () => Change<T>): Promise<T> {
    return this.serial(async () => {
      const { result, undo } = change();
      if (undo === undefined) return result;
      try {
        await this.write();
      } catch (error) {
        undo();
        throw error;
      }
      return result;
    });
  }

  /** The whole state, atomically (0600). Only from within `serial`. */
  private async write(): Promise<void> {
    const body = {
      version: 1,
      users: [...this.users.values()],
      tokens: [...this.tokensById.values()],
    } satisfies z.input<typeof fileSchema>;
    const text = `${JSON.stringify(body, null, 2)}\n`;
    // Any use noted from here on is after this snapshot and still to be saved.
    this.usageDirty = false;
    try {
      await writePrivateFile(this.file, text);
    } catch (error) {
      this.usageDirty = true;
      throw error;
    }
  }
}
