/**
 * History-API routing for the handful of dashboard pages. The server answers every unknown GET with
 * index.html, so any of these paths can be loaded, bookmarked and reloaded directly.
 */

export type Route =
  | { page: 'overview' }
  | { page: 'login' }
  | { page: 'village'; id: string }
  | { page: 'device'; id: string }
  | { page: 'events' }
  | { page: 'admin' }
  | { page: 'inventory' }
  | { page: 'points' }
  | { page: 'not-found' };

/** Paths the server renders itself: links to them must be real page loads. */
const SERVER_PATHS = /^\/(api|status|metrics|socket\.io)(\/|$)/;

function match(pathname: string): Route {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const [first, second, ...rest] = parts;
  if (rest.length > 0) return { page: 'not-found' };
  if (first === undefined) return { page: 'overview' };
  if (second === undefined && (first === 'login' || first === 'events' || first === 'admin' || first === 'inventory'))
    return { page: first };
  if (second === undefined && first === 'invincibility-points') return { page: 'points' };
  if (second !== undefined && first === 'villages') return { page: 'village', id: second };
  if (second !== undefined && first === 'devices') return { page: 'device', id: second };
  return { page: 'not-found' };
}

class Router {
  path = $state(location.pathname);
  search = $state(location.search);
  route = $derived(match(this.path));
  query = $derived(new URLSearchParams(this.search));
  /** Another path than the one the page was loaded at has been shown: each new page's heading takes the focus. */
  moved = false;

  navigate(href: string, { replace = false } = {}): void {
    const url = new URL(href, location.href);
    if (url.pathname === this.path && url.search === this.search) return;
    history[replace ? 'replaceState' : 'pushState'](null, '', url);
    if (!replace) scrollTo(0, 0);
    this.#sync();
  }

  /** Follows history and turns clicks on ordinary same-origin links into in-app navigation. */
  start(): () => void {
    const onPop = () => this.#sync();
    const onClick = (event: MouseEvent) => {
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      const link = (event.target as Element | null)?.closest?.('a[href]');
      if (!(link instanceof HTMLAnchorElement) || link.target || link.hasAttribute('download')) return;
      const url = new URL(link.href);
      if (url.origin !== location.origin || SERVER_PATHS.test(url.pathname)) return;
      // In-page anchors (the skip link) are left to the browser.
      if (url.hash && url.pathname === location.pathname && url.search === location.search) return;
      event.preventDefault();
      this.navigate(url.pathname + url.search);
    };
    addEventListener('popstate', onPop);
    document.addEventListener('click', onClick);
    return () => {
      removeEventListener('popstate', onPop);
      document.removeEventListener('click', onClick);
    };
  }

  #sync(): void {
    if (location.pathname !== this.path) this.moved = true;
    this.path = location.pathname;
    this.search = location.search;
  }
}

export const router = new Router();

/** `/villages/a b` style links, encoded once here rather than in every template. */
export const href = {
  village: (id: string) => `/villages/${encodeURIComponent(id)}`,
  device: (id: string) => `/devices/${encodeURIComponent(id)}`,
};
