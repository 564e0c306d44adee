/** Signing in over the API, as the dashboard does, for tests that then call routes or hand the cookie to a browser. */
import { expect } from 'vitest';
import type { SessionInfo } from '../../common/api.ts';

/** Signs in at the server of `base` (its URL); the session cookie and the CSRF token a change needs. */
export async function signIn(base: string, username: string, password: string): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(new URL('/api/session', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  expect(res.status, `sign in as ${username}`).toBe(200);
  return { cookie: res.headers.get('set-cookie')!.split(';')[0]!, csrf: ((await res.json()) as SessionInfo).csrf };
}
