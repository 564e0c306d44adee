/**
 * The express app: routes from their declarations (auth, CSRF, validation
 * and errors handled here once, so handlers only do their job), the built
 * dashboard from memory (static.ts) with a fallback for its client-side routes,
 * and security headers and the host name check on everything. `createWebApp`
 * is the frame for any list of routes and any page of the built web; the
 * oblast's server (`central/server.ts`) uses it with its own.
 */
import type { IncomingHttpHeaders } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { BACKGROUND_HEADER } from '../../common/headers.ts';
import { allowed, csrfOk, resolvePrincipal, sameSite } from './auth.ts';
import { HOST_REFUSED, hostChecker } from './hosts.ts';
import { HttpError, type RouteDef } from './route.ts';
import type { Services, WebServices } from './services.ts';
import { webFiles } from './static.ts';

const CHANGES = new Set(['post', 'put', 'delete']);

function securityHeaders(services: WebServices) {
  const tiles = services.config.server.map.tiles;
  const tileOrigin = tiles ? ` ${new URL(tiles.replace(/\{[a-z]\}/g, 'a')).origin}` : '';
  const csp = [
    "default-src 'self'",
    `img-src 'self' data:${tileOrigin}`,
    // Svelte transitions and Leaflet position elements with inline styles.
    "style-src 'self' 'unsafe-inline'",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
  return (_req: Request, res: Response, next: NextFunction) => {
    res.set({
      'Content-Security-Policy': csp,
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'same-origin',
    });
    next();
  };
}

const issuesOf = (err: z.ZodError) => err.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));

function handle<S extends WebServices>(def: RouteDef<unknown, unknown, unknown, S>, services: S) {
  return async (req: Request, res: Response) => {
    res.on('finish', () => services.metrics.observeRequest(def.path, def.method, res.statusCode));
    try {
      const principal = resolvePrincipal(req.headers, services, { extend: req.get(BACKGROUND_HEADER) === undefined });
      if (!allowed(def.access, principal)) {
        throw principal ? new HttpError(403, 'your role may not do this') : new HttpError(401, 'sign in first');
      }
      if (CHANGES.has(def.method)) {
        // A change must come from a page of this server: a cross-site Origin is refused even before CSRF is checked.
        if (!sameSite(req.headers.origin, req.headers.host)) throw new HttpError(403, 'cross-site request refused');
        if (!csrfOk(principal, req.get('x-csrf-token'))) throw new HttpError(403, 'missing or wrong X-CSRF-Token header');
      }
      const query = def.query ? def.query.parse(req.query) : undefined;
      const body = def.body ? def.body.parse(req.body ?? {}) : undefined;
      const result = await def.handler({ req, res, params: req.params as Record<string, string>, query, body, principal, services });
      if (res.headersSent) return;
      if (result === undefined) res.status(def.status ?? 204).end();
      else res.status(def.status ?? 200).json(result);
    } catch (err) {
      if (res.headersSent) return;
      if (err instanceof HttpError) res.status(err.status).set(err.headers).json({ error: err.message });
      else if (err instanceof z.ZodError) res.status(400).json({ error: 'invalid request', issues: issuesOf(err) });
      else {
        services.log.error({ err: (err as Error).message, route: def.path }, 'request failed');
        res.status(500).json({ error: 'internal error' });
      }
    }
  };
}

export interface WebAppOptions {
  /** The built web (web/dist). */
  webDir: string;
  /** The page in it that every client-side route loads: index.html for a hromada's dashboard. */
  shell: string;
  /** Whether a request names this server (`hostChecker`), and what one that does not is told. */
  hostOk(headers: IncomingHttpHeaders): boolean;
  hostRefused: string;
  /**
   * GET routes whose answers the shell carries for a signed-in user, each only if that user may read it: what the
   * page's first picture needs, so that it does not wait for a round trip after its scripts. None by default.
   */
  firstReads?: readonly string[];
}

/** What the overview's first picture needs: who is signed in, the hromada and its villages (web/src/lib/live.svelte.ts). */
const HROMADA_FIRST_READS = ['/api/session', '/api/hromada', '/api/villages'];

/** The hromada's dashboard: its routes and the web's index.html. */
export function createApp(services: Services, routes: readonly RouteDef[], webDir: string): express.Express {
  return createWebApp(services, routes, {
    webDir,
    shell: 'index.html',
    hostOk: hostChecker(services.config),
    hostRefused: HOST_REFUSED,
    firstReads: HROMADA_FIRST_READS,
  });
}

/**
 * The answers of `defs` for the user whose session cookie `req` carries, by path, as the routes would give them; none
 * without a session (an API token does not load pages). A read the user may not make, or that fails, is left out:
 * the page asks for it as usual and is told why.
 */
async function answersFor<S extends WebServices>(
  req: Request,
  res: Response,
  services: S,
  defs: readonly RouteDef<unknown, unknown, unknown, S>[],
): Promise<Record<string, unknown> | undefined> {
  if (defs.length === 0) return undefined;
  // Opening the page is the user's doing: it extends the session, as the page's own first read of it did.
  const principal = resolvePrincipal(req.headers, services);
  if (principal?.via !== 'session') return undefined;
  const answers: Record<string, unknown> = {};
  for (const def of defs) {
    if (!allowed(def.access, principal)) continue;
    try {
      const query = def.query ? def.query.parse({}) : undefined;
      answers[def.path] = await def.handler({ req, res, params: {}, query, body: undefined, principal, services });
    } catch {
      // Asked for by the page instead, which shows the error if it is one.
    }
  }
  return answers;
}

/** Any server of ours: its routes, then the built web with `shell` for every other path. */
export function createWebApp<S extends WebServices>(
  services: S,
  routes: readonly RouteDef<unknown, unknown, unknown, S>[],
  { webDir, shell, hostOk, hostRefused, firstReads = [] }: WebAppOptions,
): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', services.config.server.trusted_proxies);
  app.set('query parser', 'simple');
  app.use(securityHeaders(services));
  app.use((req, res, next) => {
    if (hostOk(req.headers)) return next();
    res.status(421).type('text').send(hostRefused);
  });
  app.use('/api', express.json({ limit: '100kb' }));
  for (const def of routes) app[def.method](def.path, handle(def, services));
  app.use('/api', (_req, res) => {
    res.status(404).json({ error: 'no such API route' });
  });

  const web = webFiles(webDir, shell);
  app.use((req, res, next) => {
    if (!web.file(req, res)) next();
  });
  const firstReadDefs = routes.filter((def) => def.method === 'get' && firstReads.includes(def.path));
  // Client-side routes of the dashboard (/villages/x, /devices/y, ...) all load the app shell.
  app.get(/^\/(?!api\/|socket\.io\/|metrics$|status$).*/, async (req, res, next) => {
    try {
      if (await web.shell(req, res, await answersFor(req, res, services, firstReadDefs))) return;
      res.status(503).type('text').send('The dashboard is not built: run `npm run build:web` (npm start does it for you).\n');
    } catch (err) {
      next(err);
    }
  });

  app.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const status = (err as { status?: number }).status;
    if (status && status >= 400 && status < 500)
      res.status(status).json({ error: status === 413 ? 'request too large' : 'malformed request' });
    else {
      services.log.error({ err: (err as Error).message }, 'request failed');
      res.status(500).json({ error: 'internal error' });
    }
  });
  return app;
}
