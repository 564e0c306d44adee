import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sessions, type SessionsOptions } from '../../server/auth/sessions.ts';

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
  it('creates sessions with distinct random ids and CSRF tokens, found again by id', async () => {
    const { sessions } = setup();
    const a = await sessions.create(olena);
    const b = await sessions.create(olena);
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set([a.id, a.csrf, b.id, b.csrf]).size).toBe(4);
    expect(a).toMatchObject({ user: olena, created: T0, expires: T0 + 8 * HOUR });
    expect(sessions.get(a.id)?.key).toBe(a.key);
    expect(sessions.get(b.id)?.key).toBe(b.key);
    expect(sessions.size).toBe(2);
    expect(sessions.get(undefined)).toBeUndefined();
    expect(sessions.get('')).toBeUndefined();
    expect(sessions.get(a.csrf)).toBeUndefined();
  });

  it('keeps its own copy of the user', async () => {
    const { sessions } = setup();
    const user = { username: 'olena', role: 'viewer' as const };
    const session = await sessions.create(user);
    user.username = 'changed';
    expect(sessions.get(session.id)?.user.username).toBe('olena');
  });

  it('ends a session at its ttl, dropping it', async () => {
    const { clock, sessions } = setup({ ttlMs: HOUR });
    const s = await sessions.create(olena);
    clock.now = T0 + HOUR - 1;
    expect(sessions.get(s.id)?.key).toBe(s.key);
    clock.now = T0 + HOUR;
    expect(sessions.get(s.id)).toBeUndefined();
    expect(sessions.size).toBe(0);
    clock.now = T0;
    expect(sessions.get(s.id)).toBeUndefined();
  });

  it('with an idle timeout, ends an unused session, and use moves the timeout on', async () => {
    const { clock, sessions } = setup({ ttlMs: 8 * HOUR, idleMs: 30 * MIN });
    const s = await sessions.create(olena);
    expect(s.expires).toBe(T0 + 30 * MIN);
    clock.now = T0 + 29 * MIN;
    expect(sessions.get(s.id)?.expires).toBe(T0 + 59 * MIN);
    clock.now = T0 + 58 * MIN;
    expect(sessions.get(s.id)?.key).toBe(s.key);
    clock.now = T0 + 88 * MIN;
    expect(sessions.get(s.id)).toBeUndefined();
    expect(sessions.size).toBe(0);
  });

  it('never moves the absolute expiry, however often the session is used', async () => {
    const { clock, sessions } = setup({ ttlMs: 2 * HOUR, idleMs: 30 * MIN });
    const s = await sessions.create(olena);
    let expires = s.expires;
    for (let t = 10 * MIN; t < 2 * HOUR; t += 10 * MIN) {
      clock.now = T0 + t;
      expires = sessions.get(s.id)!.expires;
      expect(expires).toBeLessThanOrEqual(T0 + 2 * HOUR);
    }
    expect(expires).toBe(T0 + 2 * HOUR);
    clock.now = T0 + 2 * HOUR;
    expect(sessions.get(s.id)).toBeUndefined();
  });

  it('destroys one session, or all of a user’s but one', async () => {
    const { sessions } = setup();
    const a = await sessions.create(olena);
    const b = await sessions.create(olena);
    const c = await sessions.create(olena);
    const d = await sessions.create(admin);
    await sessions.destroy(a.key);
    await sessions.destroy(undefined);
    await sessions.destroy('unknown');
    expect(sessions.get(a.id)).toBeUndefined();
    expect(sessions.size).toBe(3);
    expect(await sessions.destroyUser('olena', c.key)).toBe(1);
    expect(sessions.get(b.id)).toBeUndefined();
    expect(sessions.get(c.id)?.key).toBe(c.key);
    expect(await sessions.destroyUser('olena')).toBe(1);
    expect(sessions.get(c.id)).toBeUndefined();
    expect(sessions.get(d.id)?.key).toBe(d.key);
    expect(await sessions.destroyUser('nobody')).toBe(0);
  });

  it('caps the number of sessions, dropping the least recently used', async () => {
    const { clock, sessions } = setup({ maxSessions: 3 });
    const a = await sessions.create(olena);
    const b = await sessions.create(olena);
    const c = await sessions.create(olena);
    clock.now += 1000;
    sessions.get(a.id);
    const d = await sessions.create(olena);
    expect(sessions.size).toBe(3);
    expect(sessions.get(b.id)).toBeUndefined();
    for (const s of [a, c, d]) expect(sessions.get(s.id)?.key).toBe(s.key);
  });

  it('holds at most 10,000 sessions by default', async () => {
    const { sessions } = setup();
    const first = await sessions.create(olena);
    for (let i = 0; i < 10_050; i += 1) await sessions.create(admin);
    expect(sessions.size).toBe(10_000);
    expect(sessions.get(first.id)).toBeUndefined();
  });

  it('sweeps out expired sessions nobody asks for again', async () => {
    const { clock, sessions } = setup({ ttlMs: HOUR, idleMs: 10 * MIN });
    for (let i = 0; i < 50; i += 1) await sessions.create(olena);
    clock.now = T0 + 11 * MIN;
    const fresh = await sessions.create(admin);
    expect(sessions.size).toBe(1);
    expect(sessions.get(fresh.id)?.key).toBe(fresh.key);
  });

  it('does not move the idle timeout on a background read', async () => {
    const { clock, sessions } = setup({ idleMs: 30 * MIN });
    const s = await sessions.create(olena);
    clock.now = T0 + 29 * MIN;
    expect(sessions.get(s.id, { extend: false })?.expires).toBe(T0 + 30 * MIN);
    expect(sessions.alive(s.key)).toBe(true);
    clock.now = T0 + 30 * MIN;
    expect(sessions.alive(s.key)).toBe(false);
    expect(sessions.get(s.id, { extend: false })).toBeUndefined();
  });
});

describe('Sessions kept in a file', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'merezha-sessions-'));
    file = join(dir, 'sessions.json');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const open = (clock: { now: number }, options: Partial<SessionsOptions> = {}) =>
    Sessions.open({ file, ttlMs: 8 * HOUR, idleMs: 30 * MIN, now: () => clock.now, ...options });

  it('survive a restart, stored as hashes only (0600), and signing out removes them from the file', async () => {
    const clock = { now: T0 };
    const first = await open(clock);
    const a = await first.create(olena);
    const b = await first.create(admin);
    const text = await readFile(file, 'utf8');
    expect(text).toContain(a.key);
    for (const secret of [a.id, a.csrf, b.id, b.csrf]) expect(text).not.toContain(secret);
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    clock.now = T0 + 10 * MIN;
    const second = await open(clock);
    expect(second.get(a.id)).toMatchObject({ key: a.key, csrf: a.csrf, user: olena, created: T0 });
    await second.destroy(b.key);
    expect(await readFile(file, 'utf8')).not.toContain(b.key);
    await second.close();

    // The use at +10 min reached the file on close, so the idle timeout counts from there.
    clock.now = T0 + 35 * MIN;
    const third = await open(clock);
    expect(third.get(a.id)?.user).toEqual(olena);
    expect(third.get(b.id)).toBeUndefined();
  });

  it('drops sessions that expired while stopped and those of users gone meanwhile, and takes roles as they are now', async () => {
    const clock = { now: T0 };
    const first = await open(clock);
    const a = await first.create(olena);
    const b = await first.create(admin);
    clock.now = T0 + 20 * MIN;
    first.get(b.id);
    await first.close();
    clock.now = T0 + 40 * MIN;
    const promoted = await open(clock, { lookup: (name) => (name === 'olena' ? { username: 'olena', role: 'admin' } : undefined) });
    expect(promoted.size).toBe(0);
    clock.now = T0 + 25 * MIN;
    const again = await open(clock, { lookup: (name) => (name === 'olena' ? { username: 'olena', role: 'admin' } : undefined) });
    expect(again.get(a.id)?.user.role).toBe('admin');
    expect(again.get(b.id)).toBeUndefined();
  });

  it('sets a damaged file aside: everybody signs in again', async () => {
    await writeFile(file, '{"version":1,', { mode: 0o600 });
    const sessions = await open({ now: T0 });
    expect(sessions.size).toBe(0);
    await sessions.create(olena);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ version: 1, sessions: [{ username: 'olena' }] });
  });
});
