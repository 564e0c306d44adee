/**
 * Login sessions, kept across restarts in `sessions.json` of the data folder.
 *
 * The cookie's value is the only secret and is never stored: the file and the
 * map hold its SHA-256 (the session's `key`), and the CSRF token is derived
 * from the value too, so what is on disk cannot sign anyone in or forge a
 * change. The file is written like the users file (whole, atomically, 0600) on
 * every sign-in and sign-out; the last use of a session reaches it at most once
 * a minute and on `close()`, so a crash can cost a session at most a minute of
 * its idle time. A file that cannot be read is logged and set aside: losing the
 * sessions only means signing in again.
 *
 * A session ends `ttlMs` after sign-in whatever happens (absolute expiry), and,
 * with `idleMs`, also after that long without use (sliding: each `get` that
 * extends moves it on, never past the absolute expiry). Background reads (live
 * updates, the periodic re-check of connections) look without extending, so an
 * open tab alone does not keep a session alive. The number of sessions is
 * capped, the least recently used going first, so a flood of sign-ins cannot
 * exhaust memory.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ROLES } from '../../common/api.ts';
import { silentLogger, type Logger } from '../../common/log.ts';
import type { Config } from '../../config/schema.ts';
import { accountFiles, type AuthUser } from './users.ts';
import { randomSecret } from './passwords.ts';
import { restrictMode, WriteQueue, writePrivateFile } from './private-file.ts';

export interface Session {
  /** SHA-256 of the cookie's value: the session's name everywhere but in the cookie. */
  key: string;
  /** Sent back by the web as the X-CSRF-Token header. */
  csrf: string;
  user: AuthUser;
  created: number;
  lastSeen: number;
  /** When the session ends unless used before (ms since the epoch): the absolute expiry, or sooner with an idle timeout. */
  expires: number;
}

/** A session just made, with the cookie's value, which exists nowhere else. */
export interface NewSession extends Session {
  id: string;
}

export interface SessionsOptions {
  ttlMs: number;
  idleMs?: number;
  now?: () => number;
  /** Default 10,000. */
  maxSessions?: number;
  /** Where the sessions are kept; in memory only without it. */
  file?: string;
  log?: Logger;
  /** A stored session's user as of now, so a user removed or given another role while Merezha was stopped is seen at start; undefined drops the session. */
  lookup?: (username: string) => AuthUser | undefined;
}

/** Expired sessions nobody asks for again are swept out at most this often (on `create`). */
const SWEEP_MS = 60_000;
/** Last uses reach the file at most this often. */
const SAVE_MS = 60_000;

const fileSchema = z.object({
  version: z.literal(1),
  sessions: z.array(
    z.object({
      key: z.string().regex(/^[0-9a-f]{64}$/),
      username: z.string(),
      role: z.enum(ROLES),
      created: z.number().int(),
      last_seen: z.number().int(),
    }),
  ),
});

interface Stored {
  key: string;
  user: AuthUser;
  created: number;
  lastSeen: number;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();
const keyOf = (id: string) => sha256(id).toString('hex');
const csrfOf = (id: string) => sha256(`csrf\n${id}`).toString('base64url');

export class Sessions {
  /** By key, in order of last use, least recent first. */
  private readonly sessions = new Map<string, Stored>();
  private readonly ttlMs: number;
  private readonly idleMs: number | undefined;
  private readonly now: () => number;
  private readonly maxSessions: number;
  private readonly file: string | undefined;
  private readonly log: Logger;
  private readonly writes = new WriteQueue();
  private lastSweep: number;
  private saveTimer: NodeJS.Timeout | undefined;

  constructor(options: SessionsOptions) {
    this.ttlMs = options.ttlMs;
    this.idleMs = options.idleMs;
    this.now = options.now ?? Date.now;
    this.maxSessions = Math.max(1, options.maxSessions ?? 10_000);
    this.file = options.file;
    this.log = options.log ?? silentLogger();
    this.lastSweep = this.now();
  }

  /** The sessions of an installation: its file in `server.data_dir`, the config's limits, its users as they are now. */
  static forConfig(config: Pick<Config, 'server'>, users: { get(username: string): AuthUser | undefined }, log: Logger): Promise<Sessions> {
    return Sessions.open({
      file: accountFiles(config.server.data_dir).sessions,
      log,
      ttlMs: config.server.session_ttl,
      idleMs: config.server.session_idle,
      lookup: (username) => users.get(username),
    });
  }

  /** The sessions of `options.file` that are still valid, for their users as they are now. */
  static async open(options: SessionsOptions & { file: string }): Promise<Sessions> {
    const sessions = new Sessions(options);
    let text: string | undefined;
    try {
      text = await readFile(options.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') sessions.setAside(error);
    }
    if (text !== undefined) {
      try {
        sessions.load(text, options.lookup);
        await restrictMode(options.file, sessions.log);
      } catch (error) {
        sessions.setAside(error);
      }
    }
    return sessions;
  }

  get size(): number {
    return this.sessions.size;
  }

  async create(user: AuthUser): Promise<NewSession> {
    const now = this.now();
    if (now - this.lastSweep >= SWEEP_MS || this.sessions.size >= this.maxSessions) this.sweep(now);
    while (this.sessions.size >= this.maxSessions) {
      const oldest = this.sessions.keys().next();
      if (oldest.done) break;
      this.sessions.delete(oldest.value);
    }
    const id = randomSecret(32);
    const stored: Stored = { key: keyOf(id), user: { username: user.username, role: user.role }, created: now, lastSeen: now };
    this.sessions.set(stored.key, stored);
    await this.save();
    return { ...this.view(stored, id), id };
  }

  /**
   * The live session whose cookie has this value; undefined for an unknown or
   * expired one (which is dropped). With `extend` (the default) this is a use:
   * the idle timeout moves on. Background reads pass `extend: false`.
   */
  get(id: string | undefined, { extend = true }: { extend?: boolean } = {}): Session | undefined {
    if (typeof id !== 'string' || id === '') return undefined;
    const key = keyOf(id);
    const stored = this.sessions.get(key);
    if (stored === undefined) return undefined;
    const now = this.now();
    if (now >= this.expiry(stored)) {
      this.sessions.delete(key);
      return undefined;
    }
    if (extend) {
      stored.lastSeen = now;
      // Re-inserted to keep the map in order of use, for the cap.
      this.sessions.delete(key);
      this.sessions.set(key, stored);
      this.saveLater();
    }
    return this.view(stored, id);
  }

  /** Whether the session with this key is still live; never extends it (for connections checked in the background). */
  alive(key: string | undefined): boolean {
    const stored = key === undefined ? undefined : this.sessions.get(key);
    return stored !== undefined && this.now() < this.expiry(stored);
  }

  async destroy(key: string | undefined): Promise<void> {
    if (typeof key === 'string' && this.sessions.delete(key)) await this.save();
  }

  /** Ends every session of the user (removed, or a new password), except the one with key `keep` (the one that changed the password, say); returns how many. */
  async destroyUser(username: string, keep?: string): Promise<number> {
    let count = 0;
    for (const [key, stored] of this.sessions) {
      if (stored.user.username === username && key !== keep) {
        this.sessions.delete(key);
        count += 1;
      }
    }
    if (count > 0) await this.save();
    return count;
  }

  /** Saves the last uses not yet in the file and stops the timer; call on shutdown. */
  async close(): Promise<void> {
    if (this.saveTimer === undefined) return;
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    await this.save();
  }

  private view(stored: Stored, id: string): Session {
    return {
      key: stored.key,
      csrf: csrfOf(id),
      user: stored.user,
      created: stored.created,
      lastSeen: stored.lastSeen,
      expires: this.expiry(stored),
    };
  }

  private expiry(stored: Stored): number {
    const absolute = stored.created + this.ttlMs;
    return this.idleMs === undefined ? absolute : Math.min(absolute, stored.lastSeen + this.idleMs);
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, stored] of this.sessions) if (now >= this.expiry(stored)) this.sessions.delete(key);
  }

  private load(text: string, lookup: SessionsOptions['lookup']): void {
    const data = fileSchema.parse(JSON.parse(text));
    const now = this.now();
    const stored = data.sessions
      .map((s) => ({
        key: s.key,
        user: lookup ? lookup(s.username) : { username: s.username, role: s.role },
        created: s.created,
        lastSeen: s.last_seen,
      }))
      .filter((s): s is Stored => s.user !== undefined && now < this.expiry(s as Stored))
      .sort((a, b) => a.lastSeen - b.lastSeen)
      .slice(-this.maxSessions);
    for (const s of stored) this.sessions.set(s.key, s);
  }

  private setAside(error: unknown): void {
    this.log.warn({ file: this.file, err: (error as Error).message }, 'could not read the saved sessions; everybody signs in again');
  }

  /** The whole map to the file, in turn with every other save; without a file, nothing. */
  private save(): Promise<void> {
    const file = this.file;
    if (file === undefined) return Promise.resolve();
    return this.writes.run(async () => {
      const body = {
        version: 1,
        sessions: [...this.sessions.values()].map((s) => ({
          key: s.key,
          username: s.user.username,
          role: s.user.role,
          created: s.created,
          last_seen: s.lastSeen,
        })),
      } satisfies z.input<typeof fileSchema>;
      await writePrivateFile(file, `${JSON.stringify(body)}\n`);
    });
  }

  private saveLater(): void {
    if (this.file === undefined || this.saveTimer !== undefined) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.save().catch((error: unknown) =>
        this.log.error({ err: (error as Error).message, file: this.file }, 'could not save the sessions'),
      );
    }, SAVE_MS);
    this.saveTimer.unref();
  }
}
