/**
 * Signing in and out, the session cookie, and accounts: users (admins only)
 * and API tokens for scripts.
 *
 * A failed sign-in is logged with the name as typed only when such a user
 * exists; any other name is logged as its length alone, since people type
 * their password into the name field and the log must never hold one.
 */
import type { Response } from 'express';
import {
  passwordChangeRequest,
  sessionInfo,
  sessionRequest,
  tokenCreated,
  tokenCreateRequest,
  tokensResponse,
  userCreateRequest,
  userInfo,
  usersResponse,
  type SessionInfo,
} from '../../../common/api.ts';
import { HashBusy } from '../../auth/passwords.ts';
import { AuthError } from '../../auth/users.ts';
import type { NewSession, Session } from '../../auth/sessions.ts';
import { HttpError, route, type RouteDef } from '../route.ts';
import type { WebServices } from '../services.ts';

export const SESSION_COOKIE = 'merezha_session';

function setSessionCookie(res: Response, services: WebServices, session: NewSession | undefined, secure: boolean): void {
  const parts = [
    `${SESSION_COOKIE}=${session?.id ?? ''}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${session ? Math.max(0, Math.floor((session.expires - Date.now()) / 1000)) : 0}`,
  ];
  const setting = services.config.server.secure_cookies;
  if (setting === true || (setting === 'auto' && secure)) parts.push('Secure');
  res.append('Set-Cookie', parts.join('; '));
}

const info = (s: Session): SessionInfo => ({ user: { username: s.user.username, role: s.user.role }, csrf: s.csrf, expires: s.expires });

const busy = () => new HttpError(429, 'too many sign-ins at once; try again in a moment', { 'Retry-After': '1' });

function authError(err: unknown): never {
  if (err instanceof HashBusy) throw busy();
  if (err instanceof AuthError) {
    const status = { exists: 409, not_found: 404, last_admin: 409, bad_password: 400 }[err.code];
    throw new HttpError(status, err.message);
  }
  throw err;
}

/** Sign-in and accounts use nothing of a hromada's: the oblast's server (`central/server.ts`) serves the same list. */
export const sessionRoutes: RouteDef<unknown, unknown, unknown, WebServices>[] = [
  route({
    method: 'get',
    path: '/api/session',
    access: 'viewer',
    tag: 'session',
    summary: 'The signed-in user and the CSRF token',
    response: sessionInfo,
    handler: ({ principal }) => {
      const session = principal?.session;
      if (!session) throw new HttpError(400, 'this request is authenticated by a token, not a session');
      return info(session);
    },
  }),
  route({
    method: 'post',
    path: '/api/session',
    access: 'public',
    tag: 'session',
    summary: 'Sign in: sets the httpOnly session cookie',
    body: sessionRequest,
    response: sessionInfo,
    handler: async ({ req, res, body, services }) => {
      const ip = req.ip ?? 'unknown';
      const typed = services.users.get(body.username.toLowerCase())
        ? { username: body.username }
        : { username_length: body.username.length };
      const attempt = services.throttle.attempt(ip, body.username);
      if (!attempt.ok) {
        services.log.warn({ ip, ...typed }, 'sign-in throttled');
        throw new HttpError(429, 'too many failed attempts; try again later', { 'Retry-After': String(attempt.retryAfterS) });
      }
      let user;
      try {
        user = await services.users.authenticate(body.username, body.password);
      } catch (err) {
        attempt.cancel();
        if (err instanceof HashBusy) throw busy();
        throw err;
      }
      if (!user) {
        services.log.warn({ ip, ...typed }, 'failed sign-in');
        throw new HttpError(401, 'wrong username or password');
      }
      attempt.success();
      const session = await services.sessions.create(user);
      setSessionCookie(res, services, session, req.secure);
      services.log.info({ ip, username: user.username }, 'signed in');
      return info(session);
    },
  }),
  route({
    method: 'delete',
    path: '/api/session',
    access: 'viewer',
    tag: 'session',
    summary: 'Sign out',
    status: 204,
    handler: async ({ req, res, principal, services }) => {
      if (principal?.session) {
        await services.sessions.destroy(principal.session.key);
        services.disconnect({ sessionId: principal.session.key });
      }
      setSessionCookie(res, services, undefined, req.secure);
      return undefined;
    },
  }),
  route({
    method: 'put',
    path: '/api/session/password',
    access: 'viewer',
    tag: 'session',
    summary: "Change one's own password (signs out the other sessions)",
    body: passwordChangeRequest,
    status: 204,
    handler: async ({ principal, body, services }) => {
      const username = principal!.user.username;
      const ok = await services.users.changePassword(username, body.current, body.password).catch(authError);
      if (!ok) throw new HttpError(403, 'the current password is wrong');
      await services.sessions.destroyUser(username, principal!.session?.key);
      services.log.info({ username }, 'password changed');
      return undefined;
    },
  }),
  route({
    method: 'get',
    path: '/api/users',
    access: 'admin',
    tag: 'users',
    summary: 'Users and their roles',
    response: usersResponse,
    handler: ({ services }) => ({ users: services.users.list() }),
  }),
  route({
    method: 'post',
    path: '/api/users',
    access: 'admin',
    tag: 'users',
    summary: 'Add a user',
    body: userCreateRequest,
    response: userInfo,
    status: 201,
    handler: async ({ body, principal, services }) => {
      const user = await services.users.create(body).catch(authError);
      services.log.info({ username: user.username, role: user.role, by: principal!.user.username }, 'user added');
      return user;
    },
  }),
  route({
    method: 'delete',
    path: '/api/users/:username',
    access: 'admin',
    tag: 'users',
    summary: 'Remove a user, their sessions and their tokens',
    status: 204,
    handler: async ({ params, principal, services }) => {
      await services.users.remove(params.username!).catch(authError);
      await services.sessions.destroyUser(params.username!);
      services.disconnect({ username: params.username! });
      services.log.info({ username: params.username, by: principal!.user.username }, 'user removed');
      return undefined;
    },
  }),
  route({
    method: 'get',
    path: '/api/tokens',
    access: 'viewer',
    tag: 'users',
    summary: 'API tokens: all of them for an admin, their own for a viewer',
    response: tokensResponse,
    handler: ({ principal, services }) => ({
      tokens: services.users.listTokens(principal!.user.role === 'admin' ? undefined : principal!.user.username),
    }),
  }),
  route({
    method: 'post',
    path: '/api/tokens',
    access: 'viewer',
    tag: 'users',
    summary: 'Create an API token for the signed-in user (the secret is shown once)',
    body: tokenCreateRequest,
    response: tokenCreated,
    status: 201,
    handler: async ({ body, principal, services }) => {
      const created = await services.users.createToken(principal!.user.username, body.name).catch(authError);
      services.log.info({ id: created.id, name: created.name, username: created.username }, 'API token created');
      return created;
    },
  }),
  route({
    method: 'delete',
    path: '/api/tokens/:id',
    access: 'viewer',
    tag: 'users',
    summary: 'Revoke an API token (any token for an admin, their own for a viewer)',
    status: 204,
    handler: async ({ params, principal, services }) => {
      const owner = principal!.user.role === 'admin' ? undefined : principal!.user.username;
      if (!(await services.users.revokeToken(params.id!, owner))) throw new HttpError(404, 'no such token');
      return undefined;
    },
  }),
];
