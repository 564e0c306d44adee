/**
 * The one way the dashboard talks REST to the server: JSON in and out, the session cookie, the CSRF
 * header on changes, and a trip to the login page whenever the server says the session is gone.
 *
 * A request sent more than ACTIVE_MS after the user's last key press, click, touch or scroll is the
 * page's own doing (a timer, a reconnect) and says so in a header: the server does not count it as
 * use, so a tab left open does not keep the session from its idle timeout.
 */
import type { ErrorResponse, SessionInfo, SessionRequest } from '../../../common/api.ts';
import { BACKGROUND_HEADER, FIRST_READS_ELEMENT } from '../../../common/headers.ts';
import { router } from './router.svelte.ts';
import { session } from './session.svelte.ts';

export class ApiError extends Error {
  constructor(
    /** HTTP status; 0 when the server could not be reached at all. */
    readonly status: number,
    message: string,
    /** Seconds to wait, from `Retry-After` on 429. */
    readonly retryAfterS: number | null = null,
    /** The server's answer: field errors of a refused change, the file's version of a conflict. */
    readonly problem: ErrorResponse | null = null,
  ) {
    super(message);
  }
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

const ACTIVE_MS = 10_000;

/**
 * The answers to the page's first reads, which the server puts into index.html for a signed-in user
 * (server/http/static.ts): the first GET of each of those paths takes its answer from there, with no round trip after
 * the scripts. They belong to the session they were read in, so signing in or out drops them, and to the moment the
 * page loaded, so a read that comes later (the overview opened long after a deep link) asks the server.
 */
const firstAnswers = readFirstAnswers();
const FIRST_ANSWERS_FRESH_MS = 10_000;

function readFirstAnswers(): Map<string, unknown> {
  const text = document.getElementById(FIRST_READS_ELEMENT)?.textContent;
  if (!text) return new Map();
  try {
    return new Map(Object.entries(JSON.parse(text) as Record<string, unknown>));
  } catch {
    // Asked for as usual.
    return new Map();
  }
}

/** Opening the page is the user's doing too. */
let lastInput = Date.now();
for (const type of ['pointerdown', 'keydown', 'wheel'])
  addEventListener(type, () => (lastInput = Date.now()), { capture: true, passive: true });

export async function request<T>(
  method: Method,
  path: string,
  body?: unknown,
  signal?: AbortSignal,
  extraHeaders: Record<string, string> = {},
): Promise<T> {
  if (method === 'GET' && firstAnswers.has(path)) {
    const answer = firstAnswers.get(path);
    firstAnswers.delete(path);
    if (performance.now() < FIRST_ANSWERS_FRESH_MS) return answer as T;
  }
  const headers: Record<string, string> = { Accept: 'application/json', ...extraHeaders };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && session.info) headers['X-CSRF-Token'] = session.info.csrf;
  if (Date.now() - lastInput > ACTIVE_MS) headers[BACKGROUND_HEADER] = '1';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal,
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError(0, String(error));
  }
  if (response.status === 401) sendToLogin();
  if (!response.ok) {
    const problem = (await response.json().catch(() => null)) as ErrorResponse | null;
    const retryAfter = Number(response.headers.get('Retry-After'));
    throw new ApiError(
      response.status,
      problem?.error ?? response.statusText,
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
      problem,
    );
  }
  return (response.status === 204 ? undefined : await response.json()) as T;
}

/** `path?a=1&b=x`, leaving out parameters that are unset. */
export function withQuery(path: string, params: Record<string, string | number | boolean | null | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value != null && value !== '') query.set(name, String(value));
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

/** The session is gone (expired, logged out elsewhere, never there): forget it and ask to log in. */
export function sendToLogin(): void {
  session.info = null;
  firstAnswers.clear();
  if (router.route.page === 'login') return;
  const here = location.pathname + location.search;
  router.navigate(here === '/' ? '/login' : withQuery('/login', { next: here }), { replace: true });
}

export async function loadSession(): Promise<void> {
  try {
    session.info = await request<SessionInfo>('GET', '/api/session');
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) throw error;
  } finally {
    session.checked = true;
  }
}

export async function login(credentials: SessionRequest): Promise<void> {
  firstAnswers.clear();
  session.info = await request<SessionInfo>('POST', '/api/session', credentials);
}

export async function logout(): Promise<void> {
  // Leaving is local first: even when the server cannot be told, this browser forgets the session.
  await request<void>('DELETE', '/api/session').catch(() => undefined);
  session.info = null;
  firstAnswers.clear();
  router.navigate('/login');
}
