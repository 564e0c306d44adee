/**
 * Live updates: socket.io on the same HTTP server, with the same proofs as
 * the REST API (session cookie or API token) checked at the handshake, and
 * every dashboard event broadcast to every signed-in connection.
 */
import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../../common/api.ts';
import type { Dashboard } from '../dashboard.ts';
import { resolvePrincipal, sameSite } from './auth.ts';
import { hostChecker } from './hosts.ts';
import type { Principal } from './route.ts';
import type { Services } from './services.ts';

/** How often connections are checked against their session (expired, signed out elsewhere). */
const RECHECK_MS = 30_000;

type Io = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, { principal: Principal; token?: string }>;

export interface LiveServer {
  io: Io;
  disconnect(target: { sessionId: string } | { username: string }): void;
  close(): Promise<void>;
}

export function attachSocket(http: HttpServer, services: Omit<Services, 'disconnect'>, dashboard: Dashboard): LiveServer {
  const hostOk = hostChecker(services.config);
  // Refused at the transport already, as the REST API refuses them: no engine.io session for a host name not ours.
  const io: Io = new Server(http, {
    serveClient: false,
    maxHttpBufferSize: 10_000,
    allowRequest: (req, done) => done(null, hostOk(req.headers)),
  });
  io.use((socket, next) => {
    if (!sameSite(socket.request.headers.origin, socket.request.headers.host)) return next(new Error('cross-site connection refused'));
    const token = typeof socket.handshake.auth?.token === 'string' ? socket.handshake.auth.token : undefined;
    // A live connection (and every reconnection) is the browser's doing, not the user's: it does not extend the session.
    const principal = resolvePrincipal(socket.request.headers, services as Services, { token, extend: false });
    if (!principal) return next(new Error('unauthorized'));
    socket.data.principal = principal;
    if (principal.via === 'token') socket.data.token = token ?? socket.request.headers.authorization?.replace(/^Bearer\s+/i, '');
    void socket.join(`user:${principal.user.username}`);
    if (principal.session) void socket.join(`session:${principal.session.key}`);
    next();
  });
  // Nothing is accepted from clients: a message from one is a protocol misuse, and the connection ends.
  io.on('connection', (socket) => socket.onAny(() => socket.disconnect(true)));

  dashboard.onEvent((event) => io.emit(event.name, event.payload as never));

  const recheck = setInterval(() => {
    for (const socket of io.sockets.sockets.values()) {
      const { principal, token } = socket.data;
      // A revoked token or removed user loses its live connection too.
      const valid =
        principal.via === 'session' ? services.sessions.alive(principal.session?.key) : services.users.verifyToken(token ?? '') !== null;
      if (!valid) socket.disconnect(true);
    }
  }, RECHECK_MS);
  recheck.unref();

  return {
    io,
    disconnect(target) {
      io.in('sessionId' in target ? `session:${target.sessionId}` : `user:${target.username}`).disconnectSockets(true);
    },
    async close() {
      clearInterval(recheck);
      await io.close();
    },
  };
}
