/**
 * The oblast's picture for its pages: `GET /api/hromadas`, read while someone is signed in and again
 * every POLL_MS. The central pushes nothing; an edge's heartbeat comes every 15 s by default, so a
 * poll this often shows it soon enough. Paths of the oblast app, which the hromada's router does not know.
 */
import type { HromadasResponse } from '../../../common/api.ts';
import { request } from '../lib/api.ts';
import { useHromadaDefaults } from '../lib/i18n.ts';

export const POLL_MS = 10_000;

export type OblastRoute = { page: 'oblast' } | { page: 'hromada'; id: string } | { page: 'not-found' };

/** The oblast app's pages; /login is the shell's (AppShell), as in the hromada's app. */
export function oblastRoute(pathname: string): OblastRoute {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { page: 'oblast' };
  if (parts.length === 2 && parts[0] === 'hromadas') return { page: 'hromada', id: parts[1]! };
  return { page: 'not-found' };
}

export const hromadaHref = (id: string): string => `/hromadas/${encodeURIComponent(id)}`;

class Oblast {
  value = $state.raw<HromadasResponse | null>(null);
  error = $state.raw<unknown>(null);
  #defaultsSet = false;

  /** Reads now and every POLL_MS until the returned stop is called (`$effect`). */
  start(): () => void {
    void this.load();
    const timer = setInterval(() => void this.load(), POLL_MS);
    return () => clearInterval(timer);
  }

  async load(): Promise<void> {
    try {
      const value = await request<HromadasResponse>('GET', '/api/hromadas');
      if (!this.#defaultsSet) {
        useHromadaDefaults(value.oblast);
        this.#defaultsSet = true;
      }
      this.value = value;
      this.error = null;
    } catch (error) {
      this.error = error;
    }
  }
}

export const oblast = new Oblast();
