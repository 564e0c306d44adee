import { describe, expect, it } from 'vitest';
import { Sessions } from '../../server/auth/sessions.ts';

const T0 = Date.UTC(2026, 2, 1, 12);
const MIN = 60_000;
const HOUR = 60 * MIN;
const olena = { username: 'olena', role: 'viewer' } as const;
const admin = { username: 'admin', role: 'admin' } as const;

function setup(options: { ttlMs?: number; idleMs?: number; maxSessions?: number } = {}) {
  const clock = { now: T0 };
  const sessions = new Sessions({
    ttlMs: options.ttlMs ?? 8 * HOUR,
    idleMs: options.idleMs,
    maxSessions: options.maxSessions,
    now: () => clock.now,
  });
  return { clock, sessions };
}

describe('Sessions', () => {
  it('creates sessions with distinct random ids and CSRF tokens, found again by id', () => {
    const { sessions } = setup();
    const a = sessions.create(olena);
    const b = sessions.create(olena);
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set([a.id, a.csrf, b.id, b.csrf]).size).toBe(4);
    expect(a).toMatchObject({ user: olena, created: T0, expires: T0 + 8 * HOUR });
    expect(sessions.get(a.id)).toBe(a);
    expect(sessions.get(b.id)).toBe(b);
    expect(sessions.size).toBe(2);
    expect(sessions.get(undefined)).toBeUndefined();
    expect(sessions.get('')).toBeUndefined();
    expect(sessions.get(a.csrf)).toBeUndefined();
  });

  it('keeps its own copy of the user', () => {
    const { sessions } = setup();
    const user = { username: 'olena', role: 'viewer' as const };
    const session = sessions.create(user);
    user.username = 'changed';
    expect(sessions.get(session.id)?.user.username).toBe('olena');
  });

  it('ends a session at its ttl, dropping it', () => {
    const { clock, sessions } = setup({ ttlMs: HOUR });
    const s = sessions.create(olena);
    clock.now = T0 + HOUR - 1;
    expect(sessions.get(s.id)).toBe(s);
    clock.now = T0 + HOUR;
    expect(sessions.get(s.id)).toBeUndefined();
    expect(sessions.size).toBe(0);
    clock.now = T0;
    expect(sessions.get(s.id)).toBeUndefined();
  });

  it('with an idle timeout, ends an unused session, and use moves the timeout on', () => {
    const { clock, sessions } = setup({ ttlMs: 8 * HOUR, idleMs: 30 * MIN });
    const s = sessions.create(olena);
    expect(s.expires).toBe(T0 + 30 * MIN);
    clock.now = T0 + 29 * MIN;
    expect(sessions.get(s.id)).toBe(s);
    expect(s.expires).toBe(T0 + 59 * MIN);
    clock.now = T0 + 58 * MIN;
    expect(sessions.get(s.id)).toBe(s);
    clock.now = T0 + 88 * MIN;
    expect(sessions.get(s.id)).toBeUndefined();
    expect(sessions.size).toBe(0);
  });

  it('never moves the absolute expiry, however often the session is used', () => {
    const { clock, sessions } = setup({ ttlMs: 2 * HOUR, idleMs: 30 * MIN });
    const s = sessions.create(olena);
    for (let t = 10 * MIN; t < 2 * HOUR; t += 10 * MIN) {
      clock.now = T0 + t;
      expect(sessions.get(s.id)).toBe(s);
      expect(s.expires).toBeLessThanOrEqual(T0 + 2 * HOUR);
    }
    expect(s.expires).toBe(T0 + 2 * HOUR);
    clock.now = T0 + 2 * HOUR;
    expect(sessions.get(s.id)).toBeUndefined();
  });

  it('destroys one session, or all of a user’s but one', () => {
    const { sessions } = setup();
    const a = sessions.create(olena);
    const b = sessions.create(olena);
    const c = sessions.create(olena);
    const d = sessions.create(admin);
    sessions.destroy(a.id);
    sessions.destroy(undefined);
    sessions.destroy('unknown');
    expect(sessions.get(a.id)).toBeUndefined();
    expect(sessions.size).toBe(3);
    expect(sessions.destroyUser('olena', c.id)).toBe(1);
    expect(sessions.get(b.id)).toBeUndefined();
    expect(sessions.get(c.id)).toBe(c);
    expect(sessions.destroyUser('olena')).toBe(1);
    expect(sessions.get(c.id)).toBeUndefined();
    expect(sessions.get(d.id)).toBe(d);
    expect(sessions.destroyUser('nobody')).toBe(0);
  });

  it('caps the number of sessions, dropping the least recently used', () => {
    const { clock, sessions } = setup({ maxSessions: 3 });
    const a = sessions.create(olena);
    const b = sessions.create(olena);
    const c = sessions.create(olena);
    clock.now += 1000;
    sessions.get(a.id);
    const d = sessions.create(olena);
    expect(sessions.size).toBe(3);
    expect(sessions.get(b.id)).toBeUndefined();
    for (const s of [a, c, d]) expect(sessions.get(s.id)).toBe(s);
  });

  it('holds at most 10,000 sessions by default', () => {
    const { sessions } = setup();
    const first = sessions.create(olena);
    for (let i = 0; i < 10_050; i += 1) sessions.create(admin);
    expect(sessions.size).toBe(10_000);
    expect(sessions.get(first.id)).toBeUndefined();
  });

  it('sweeps out expired sessions nobody asks for again', () => {
    const { clock, sessions } = setup({ ttlMs: HOUR, idleMs: 10 * MIN });
    for (let i = 0; i < 50; i += 1) sessions.create(olena);
    clock.now = T0 + 11 * MIN;
    const fresh = sessions.create(admin);
    expect(sessions.size).toBe(1);
    expect(sessions.get(fresh.id)).toBe(fresh);
  });
});
