/**
 * Who is asking: a Bearer API token, or the session cookie. Shared by REST
 * routes and the socket.io handshake so both accept exactly the same proofs.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Access, Principal } from './route.ts';
import type { WebServices } from './services.ts';
import { SESSION_COOKIE } from './routes/session.ts';

export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The principal of a request or handshake, or undefined when it proves nothing
 * (or something false). `extend: false` for what the browser does on its own
 * (live connections, background refreshes), which must not keep a session from
 * its idle timeout.
 */
export function resolvePrincipal(
  headers: IncomingHttpHeaders,
  services: Pick<WebServices, 'users' | 'sessions'>,
  { token, extend = true }: { token?: string | undefined; extend?: boolean } = {},
): Principal | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1] ?? token;
  if (bearer) {
    const user = services.users.verifyToken(bearer);
    return user ? { user, via: 'token' } : undefined;
  }
  const session = services.sessions.get(cookieValue(headers.cookie, SESSION_COOKIE), { extend });
  return session ? { user: session.user, via: 'session', session } : undefined;
}

export function allowed(access: Access, principal: Principal | undefined): boolean {
  if (access === 'public') return true;
  if (!principal) return false;
  return access === 'viewer' || principal.user.role === 'admin';
}

/** The CSRF token of a cookie-authenticated change must match its session's; tokens are not sent by browsers on their own. */
export function csrfOk(principal: Principal | undefined, header: string | undefined): boolean {
  if (principal?.via !== 'session') return true;
  const expected = principal.session?.csrf;
  if (!expected || !header) return false;
  const a = Buffer.from(header);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** No Origin (not a browser) or one on this host; a malformed Origin is as good as a foreign one. */
export function sameSite(origin: string | undefined, host: string | undefined): boolean {
  if (!origin) return true;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
