/**
 * Login sessions, in memory only: a restart of the server signs everybody out,
 * which is acceptable for a dashboard (and means no session secrets on disk).
 *
 * A session ends `ttlMs` after sign-in whatever happens (absolute expiry), and,
 * with `idleMs`, also after that long without use (sliding: each `get` moves
 * it on, never past the absolute expiry). The number of sessions is capped, the
 * least recently used going first, so a flood of sign-ins cannot exhaust memory.
 */
import type { AuthUser } from './users.ts';
import { randomSecret } from './passwords.ts';

export interface Session {
  /** The cookie's value. */
  id: string;
  /** Sent back by the web as the X-CSRF-Token header. */
  csrf: string;
  user: AuthUser;
  created: number;
  /** When the session ends unless used before (ms since the epoch): the absolute expiry, or sooner with an idle timeout. */
  expires: number;
}

export interface SessionsOptions {
  ttlMs: number;
  idleMs?: number;
  now?: () => number;
  /** Default 10,000. */
  maxSessions?: number;
}

/** Expired sessions nobody asks for again are swept out at most this often (on `create`). */
const SWEEP_MS = 60_000;

export class Sessions {
  /** In order of last use, least recent first. */
  private readonly sessions = new Map<string, Session>();
  private readonly ttlMs: number;
  private readonly idleMs: number | undefined;
  private readonly now: () => number;
  private readonly maxSessions: number;
  private lastSweep: number;

  constructor(options: SessionsOptions) {
    this.ttlMs = options.ttlMs;
    this.idleMs = options.idleMs;
    this.now = options.now ?? Date.now;
    this.maxSessions = Math.max(1, options.maxSessions ?? 10_000);
    this.lastSweep = this.now();
  }

  get size(): number {
    return this.sessions.size;
  }

  create(user: AuthUser): Session {
    const now = this.now();
    if (now - this.lastSweep >= SWEEP_MS || this.sessions.size >= this.maxSessions) this.sweep(now);
    while (this.sessions.size >= this.maxSessions) {
      const oldest = this.sessions.keys().next();
      if (oldest.done) break;
      this.sessions.delete(oldest.value);
    }
    const session: Session = {
      id: randomSecret(32),
      csrf: randomSecret(32),
      user: { username: user.username, role: user.role },
      created: now,
      expires: this.expiry(now, now),
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id, its idle timeout moved on; undefined for an unknown or expired one (which is dropped). */
  get(id: string | undefined): Session | undefined {
    if (typeof id !== 'string') return undefined;
    const session = this.sessions.get(id);
    if (session === undefined) return undefined;
    const now = this.now();
    if (now >= session.expires) {
      this.sessions.delete(id);
      return undefined;
    }
    session.expires = this.expiry(session.created, now);
    // Re-inserted to keep the map in order of use, for the cap.
    this.sessions.delete(id);
    this.sessions.set(id, session);
    return session;
  }

  destroy(id: string | undefined): void {
    if (typeof id === 'string') this.sessions.delete(id);
  }

  /** Ends every session of the user (removed, or a new password), except `keep` (the one that changed the password, say); returns how many. */
  destroyUser(username: string, keep?: string): number {
    let count = 0;
    for (const [id, session] of this.sessions) {
      if (session.user.username === username && id !== keep) {
        this.sessions.delete(id);
        count += 1;
      }
    }
    return count;
  }

  private expiry(created: number, lastUse: number): number {
    const absolute = created + this.ttlMs;
    return this.idleMs === undefined ? absolute : Math.min(absolute, lastUse + this.idleMs);
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [id, session] of this.sessions) if (now >= session.expires) this.sessions.delete(id);
  }
}
