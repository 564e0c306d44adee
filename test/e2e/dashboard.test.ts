/**
 * The dashboard in a real browser against the whole product: the demo hromada
 * (config/example.yaml, moved to free loopback addresses) simulated, polled,
 * stored in a test influxd and served by `startStack`, driven with chromium
 * through playwright-core.
 *
 * The tests run in order and share one outage of Цибулеве: it goes red live,
 * a viewer sees its alert without the acknowledge button, the admin
 * acknowledges it, and it comes back live, all on an overview that is never
 * reloaded. Page-side code is passed as functions (the dashboard's CSP forbids
 * the eval that string predicates need) reaching the page's globals through
 * `globalThis` typed as PageGlobals, since the type check has no DOM library.
 *
 * Screenshots go to test/artifacts/screenshots/; with MEREZHA_SCREENSHOTS=1
 * the ones the README shows are copied to docs/screenshots/ as well.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertItem, AlertsResponse, VillagesResponse } from '../../common/api.ts';
import { OUTAGE_CAUSES } from '../../common/words/power.ts';
import type { Config } from '../../config/schema.ts';
import type { Stack } from '../../app/stack.ts';
import { waitFor } from '../support/influxd.ts';
import { BackupLedger } from '../../server/backups.ts';
import { demoConfigOnFreeAddresses, startTestStack, STACK_ADMIN_PASSWORD, type TestStack } from '../support/stack.ts';
import { signIn as signInAt } from '../support/sign-in.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/browser.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SHOTS = join(ROOT, 'test/artifacts/screenshots');
const DOCS_SHOTS = join(ROOT, 'docs/screenshots');
/** The screenshots the README shows, copied to docs/screenshots/ with MEREZHA_SCREENSHOTS=1. */
const FOR_DOCS = ['overview', 'village', 'events', 'status'];
const VILLAGES = ['dmytrivka', 'tsybuleve', 'makarykha', 'ivankivtsi'];
const VIEWER = { username: 'viewer', password: 'viewer-pass-for-e2e', role: 'viewer' as const };

/**
 * What the page functions below use of the browser's globals: the type check runs without the DOM
 * library. Page functions are sent as functions, not strings: the dashboard's CSP forbids eval.
 */
interface PageElement {
  dataset: Record<string, string | undefined>;
  getAttribute(name: string): string | null;
  textContent: string | null;
  outerHTML: string;
  tagName: string;
  /** Form controls only. */
  labels?: ArrayLike<unknown> | null;
}
interface PageGlobals {
  document: {
    querySelector(selector: string): PageElement | null;
    querySelectorAll(selector: string): ArrayLike<PageElement>;
    body: unknown;
    documentElement: { scrollWidth: number; clientWidth: number };
    activeElement: PageElement | null;
  };
  getComputedStyle(element: PageElement, pseudo?: string): { outlineStyle: string };
  MutationObserver: new (callback: () => void) => { observe(target: unknown, options: Record<string, unknown>): void; disconnect(): void };
  __merezhaMarker?: number;
  __offlineAt?: number | null;
  __drawnAt?: number;
}

const hasChromium = existsSync(CHROMIUM);
const suite = hasChromium ? describe : describe.skip;
if (!hasChromium) console.warn(`test/e2e/dashboard.test.ts skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);
const title = hasChromium
  ? 'dashboard in chromium'
  : `dashboard in chromium — SKIPPED: ${CHROMIUM} is missing (apt-get install -y chromium; never download a browser)`;

let handle: TestStack | undefined;
let stack: Stack;
let config: Config;
let browser: Browser | undefined;
let admin: BrowserContext;
let overview: Page;
const pageErrors: string[] = [];
const external: string[] = [];

/** One outage of Цибулеве shared by the live, roles, acknowledge and recovery tests. */
const outage = {
  faults: [] as { end(): void }[],
  alert: undefined as AlertItem | undefined,
};

const url = (path: string) => new URL(path, stack.url).href;

const signIn = (username: string, password: string) => signInAt(url('/'), username, password);

async function newContext(options: Parameters<Browser['newContext']>[0] = {}): Promise<BrowserContext> {
  const context = await browser!.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  // Loopback only: anything else the UI asks for is refused and remembered (the demo has no map tiles).
  await context.route('**/*', (route) => {
    const target = new URL(route.request().url());
    if (target.hostname === '127.0.0.1') return route.continue();
    external.push(target.href);
    return route.abort();
  });
  context.on('page', (page) => {
    page.on('pageerror', (err) => pageErrors.push(`${page.url()}: ${err.message}`));
  });
  return context;
}

async function signInInBrowser(page: Page, username: string, password: string): Promise<void> {
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  await page.locator('button[type="submit"]').click();
}

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

const cardState = (page: Page, village: string) => page.getAttribute(`[data-testid="village-card-${village}"]`, 'data-state');

/** Whether the overview's "uplinks up" figure is the hromada total the server counts now. */
async function stripShowsServerTotal(page: Page): Promise<boolean> {
  const { cookie } = await adminApi();
  const { total } = (await (await fetch(url('/api/villages'), { headers: { cookie } })).json()) as VillagesResponse;
  return (await page.locator('[data-testid="coverage-uplinks"] .value').textContent()) === `${total.uplinks.up} з ${total.uplinks.total}`;
}

suite(title, () => {
  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'web/dist/index.html'))) {
      const build = spawnSync(process.execPath, ['scripts/build-web.mjs'], { cwd: ROOT, encoding: 'utf8' });
      if (build.status !== 0) throw new Error(`building the web failed:\n${build.stdout}${build.stderr}`);
    }
    config = await demoConfigOnFreeAddresses();
    stack = await startTestStack(config, {}, (t) => (handle = t));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    admin = await newContext();
  }, 180_000);

  afterAll(async () => {
    // Whatever failed, nothing stays behind: the outage, the browser, the stack and its temp dirs.
    for (const fault of outage.faults.splice(0)) fault.end();
    await browser?.close().catch(() => undefined);
    await handle?.stop();
  }, 60_000);

  it('sends a signed-out visitor to the login page, refuses a wrong password and signs the admin in to the overview', async () => {
    overview = await admin.newPage();
    await overview.goto(stack.url);
    await overview.waitForURL((u) => u.pathname === '/login');
    await expect.poll(() => overview.locator('h1').textContent()).toBe('Вхід');

    await signInInBrowser(overview, 'admin', 'not-the-password');
    await expect.poll(() => overview.locator('[role="alert"]').textContent()).toContain('Неправильне ім’я користувача або пароль');
    expect(new URL(overview.url()).pathname).toBe('/login');

    await signInInBrowser(overview, 'admin', STACK_ADMIN_PASSWORD);
    await overview.waitForURL((u) => u.pathname === '/');
    await expect.poll(() => overview.locator('h1').textContent()).toBe('Огляд громади');
  });

  it('shows the four demo villages as cards and map markers once their states are known', async () => {
    await overview.waitForFunction(
      (ids) => ids.every((id) => (globalThis as unknown as PageGlobals).document.querySelector(`[data-testid="village-card-${id}"]`)),
      VILLAGES,
    );
    for (const id of VILLAGES) {
      const village = config.villages.find((v) => v.id === id)!;
      await expect.poll(() => overview.locator(`[data-testid="village-card-${id}"] h3`).textContent()).toBe(village.name);
    }
    // Every village of the demo has a location, so each has a marker.
    const located = config.villages.filter((v) => v.location).map((v) => v.id);
    expect(located.sort()).toEqual([...VILLAGES].sort());
    await overview.waitForFunction(
      (expected) =>
        Array.from((globalThis as unknown as PageGlobals).document.querySelectorAll('.village-marker[data-village]'), (m) =>
          m.getAttribute('data-village'),
        )
          .sort()
          .join() === expected,
      located.sort().join(),
    );
    // The first polls decide every village within a few seconds of the start; the markers follow the cards.
    await overview.waitForFunction(
      (ids) => {
        // No named helpers in page functions: tsx would wrap them in a __name() the page does not have.
        const { document } = globalThis as unknown as PageGlobals;
        const states = [
          ...ids.map((id) => document.querySelector(`[data-testid="village-card-${id}"]`)?.dataset.state),
          ...Array.from(document.querySelectorAll('.village-marker[data-village]'), (m) => m.getAttribute('data-state')),
        ];
        return states.every((state) => !!state && state !== 'unknown');
      },
      VILLAGES,
      { timeout: 45_000, polling: 100 },
    );
    const states = await Promise.all(VILLAGES.map((id) => cardState(overview, id)));
    console.log(`village states on the overview: ${VILLAGES.map((id, i) => `${id}=${states[i]}`).join(', ')}`);
  });

  it('turns Цибулеве red live when its uplinks go down, without a reload', async (ctx) => {
    if (!stack.simulation?.nft)
      ctx.skip(true, 'outages need nftables (root and nft) to drop ping; without it the simulator cannot take a device down');
    await overview.evaluate(() => void ((globalThis as unknown as PageGlobals).__merezhaMarker = 1));
    await overview.waitForSelector('[data-testid="live"][data-connected="true"]');
    const uplinks = config.villages.find((v) => v.id === 'tsybuleve')!.devices.filter((d) => d.kind === 'uplink');
    expect(uplinks.length).toBeGreaterThan(0);
    expect(await cardState(overview, 'tsybuleve')).not.toBe('offline');

    // The moment the card turns red, in epoch ms, seen by the page itself.
    await overview.evaluate(() => {
      const w = globalThis as unknown as PageGlobals;
      w.__offlineAt = null;
      new w.MutationObserver(() => {
        const card = w.document.querySelector('[data-testid="village-card-tsybuleve"]');
        if (w.__offlineAt === null && card?.dataset.state === 'offline') w.__offlineAt = performance.timeOrigin + performance.now();
      }).observe(w.document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
    });
    let serverOfflineAt: number | undefined;
    stack.dashboard.onEvent((e) => {
      if (e.name === 'village' && e.payload.id === 'tsybuleve' && e.payload.state === 'offline') serverOfflineAt ??= Date.now();
    });
    const injectedAt = Date.now();
    for (const uplink of uplinks) outage.faults.push(stack.simulation!.inject(uplink.id, { type: 'outage' }));

    // Ping every 10 s, a re-check 2 s after the first failure, down after 2: well within 30 s.
    const turnedRed = await overview.waitForFunction(() => (globalThis as unknown as PageGlobals).__offlineAt ?? false, undefined, {
      timeout: 40_000,
      polling: 100,
    });
    const cardAt = Number(await turnedRed.jsonValue());
    console.log(
      `Цибулеве offline: inject → server village event ${serverOfflineAt === undefined ? '?' : serverOfflineAt - injectedAt} ms, ` +
        `inject → red card ${Math.round(cardAt - injectedAt)} ms (server event → card ${serverOfflineAt === undefined ? '?' : Math.round(cardAt - serverOfflineAt)} ms)`,
    );
    expect(await cardState(overview, 'tsybuleve')).toBe('offline');
    await overview.waitForSelector('.village-marker[data-village="tsybuleve"][data-state="offline"]', { timeout: 5_000 });
    // The hromada's figures above the cards follow as well, as the server counted them (the browser adds nothing up).
    await expect.poll(() => stripShowsServerTotal(overview), { timeout: 15_000 }).toBe(true);
    expect(await overview.getAttribute('[data-testid="live"]', 'data-connected')).toBe('true');
  });

  it('shows a viewer the outage alert without an acknowledge button, and refuses the viewer an acknowledgement', async (ctx) => {
    if (outage.faults.length === 0) ctx.skip(true, 'needs the outage of the previous test');
    // Alerts are decided within about a second of the change.
    await waitFor(
      'the alert of the Цибулеве outage',
      async () => {
        const res = await fetch(url('/api/alerts?village=tsybuleve&active=true'), { headers: { cookie: (await adminApi()).cookie } });
        const { alerts } = (await res.json()) as AlertsResponse;
        outage.alert = alerts.find((a) => a.action === 'open' && a.active && a.acked === null);
        return outage.alert !== undefined;
      },
      15_000,
    );
    const alert = outage.alert!;
    console.log(`alert ${alert.id}: ${alert.event} «${alert.title}»`);

    const { cookie, csrf } = await adminApi();
    const created = await fetch(url('/api/users'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf },
      body: JSON.stringify(VIEWER),
    });
    expect(created.status).toBe(201);

    const viewerContext = await newContext();
    try {
      const page = await viewerContext.newPage();
      await page.goto(url('/events'));
      await page.waitForURL((u) => u.pathname === '/login');
      await signInInBrowser(page, VIEWER.username, VIEWER.password);
      await page.waitForURL((u) => u.pathname === '/events');
      await page.waitForSelector(`[data-testid="alert-row-${alert.id}"]`);
      expect(await page.locator('[data-testid^="ack-"]').count()).toBe(0);
    } finally {
      await viewerContext.close();
    }

    const viewer = await signIn(VIEWER.username, VIEWER.password);
    const refused = await fetch(url('/api/alerts/ack'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: viewer.cookie, 'x-csrf-token': viewer.csrf },
      body: JSON.stringify({ target: alert.id }),
    });
    expect(refused.status).toBe(403);
  });

  it('lets the admin acknowledge the alert on the events page', async (ctx) => {
    if (!outage.alert) ctx.skip(true, 'needs the alert of the previous tests');
    const alert = outage.alert!;
    const events = await admin.newPage();
    try {
      await events.goto(url('/events'));
      const row = events.locator(`[data-testid="alert-row-${alert.id}"]`);
      await row.waitFor();
      expect(await row.getAttribute('data-acked')).toBe('false');
      await events.locator(`[data-testid="ack-${alert.id}"]`).click();
      await events.waitForSelector(`[data-testid="alert-row-${alert.id}"][data-acked="true"]`);

      const { cookie } = await adminApi();
      const res = await fetch(url('/api/alerts?village=tsybuleve'), { headers: { cookie } });
      const item = ((await res.json()) as AlertsResponse).alerts.find((a) => a.id === alert.id);
      expect(item?.acked).toMatchObject({ by: 'admin' });
      // It stays acknowledged on a fresh load of the page, not only in the page's memory.
      await events.reload();
      await events.waitForSelector(`[data-testid="alert-row-${alert.id}"][data-acked="true"]`);
      // The outage beside it says its cause, which the admin may change.
      const uplinks = config.villages.find((v) => v.id === 'tsybuleve')!.devices.filter((d) => d.kind === 'uplink');
      const outageRow = events.locator(uplinks.map((d) => `[data-testid^="outage-row-${d.id}@"]`).join(', ')).first();
      await outageRow.waitFor();
      expect(OUTAGE_CAUSES).toContain(await outageRow.getAttribute('data-cause'));
      expect(await events.getByRole('columnheader', { name: 'Причина', exact: true }).count()).toBe(1);
      expect(await outageRow.locator('[data-testid^="reclassify-"] summary').count()).toBe(1);
      await shot(events, 'events');
    } finally {
      await events.close();
    }
  });

  it('brings Цибулеве back live when the outage ends, on the same never-reloaded overview', async (ctx) => {
    if (outage.faults.length === 0) ctx.skip(true, 'needs the outage of the earlier tests');
    const endedAt = Date.now();
    for (const fault of outage.faults.splice(0)) fault.end();
    await overview.waitForFunction(
      () => {
        const state = (globalThis as unknown as PageGlobals).document.querySelector('[data-testid="village-card-tsybuleve"]')?.dataset
          .state;
        return state === 'online' || state === 'degraded';
      },
      undefined,
      { timeout: 40_000, polling: 100 },
    );
    console.log(`Цибулеве back: end of outage → card ${await cardState(overview, 'tsybuleve')} in ${Date.now() - endedAt} ms`);
    await overview.waitForSelector(
      '.village-marker[data-village="tsybuleve"][data-state="online"], .village-marker[data-village="tsybuleve"][data-state="degraded"]',
      { timeout: 5_000 },
    );
    await expect.poll(() => stripShowsServerTotal(overview), { timeout: 15_000 }).toBe(true);
    expect(await overview.evaluate(() => (globalThis as unknown as PageGlobals).__merezhaMarker)).toBe(1);
    expect(await overview.getAttribute('[data-testid="live"]', 'data-connected')).toBe('true');
  });

  it('shows the public status page without signing in, with nothing that is not public', async () => {
    // A resident's browser in Ukrainian; the English page (?lang=en) is checked as well.
    const anonymous = await newContext({ locale: 'uk-UA' });
    try {
      const page = await anonymous.newPage();
      const res = await page.goto(url('/status'));
      expect(res?.status()).toBe(200);
      expect(new URL(page.url()).pathname).toBe('/status');
      expect(await page.locator('h1').textContent()).toBe('Стан мережі');
      const html = await page.content();
      const served = await res!.text();
      const json = await (await fetch(url('/api/public/status'))).text();
      const english = await (await fetch(url('/status?lang=en'))).text();
      expect(english).toContain('Network status');

      const devices = config.villages.flatMap((v) => v.devices);
      const publicWifi = devices.filter((d) => d.kind === 'wifi' && d.public);
      expect(publicWifi.length).toBeGreaterThan(0);
      const text = await page.locator('body').innerText();
      for (const d of publicWifi) expect(text).toContain(d.name ?? d.id);
      const website = config.services.find((s) => s.id === 'website')!;
      expect(website.public).toBe(true);
      expect(text).toContain(website.name);

      const communities = Object.values(config.snmp_credentials).flatMap((c) => (c.version === '3' ? [] : [c.community]));
      const keys = Object.values(config.snmp_credentials).flatMap((c) =>
        c.version === '3' ? [c.auth?.key, c.priv?.key].filter((k): k is string => !!k) : [],
      );
      expect(communities.length + keys.length).toBeGreaterThan(0);
      const hidden = [
        ...devices.filter((d) => !d.public).map((d) => d.name ?? d.id),
        ...config.services.filter((s) => !s.public).map((s) => s.name),
      ];
      for (const [what, body] of [
        ['page', html],
        ['served HTML', served],
        ['/api/public/status', json],
        ['English page', english],
      ] as const) {
        expect(body, `${what}: a loopback address`).not.toContain('127.');
        for (const d of devices) expect(body, `${what}: device id ${d.id}`).not.toContain(d.id);
        for (const key of keys) expect(body, `${what}: an SNMPv3 key`).not.toContain(key);
        // The demo's community is "public", which the English page's wording uses as a word ("the public Free WiFi zones").
        if (what !== 'English page') for (const c of communities) expect(body, `${what}: SNMP community «${c}»`).not.toContain(c);
        for (const name of hidden) expect(body, `${what}: non-public «${name}»`).not.toContain(name);
      }
      await shot(page, 'status');
    } finally {
      await anonymous.close();
    }
  });

  it('shows the overview’s cards and map before the devices, its largest answer, arrive', async () => {
    const page = await admin.newPage();
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    try {
      // The devices are held back until the overview has drawn everything it shows without them.
      await page.route('**/api/devices', async (route) => {
        await held;
        await route.continue();
      });
      await page.goto(stack.url);
      await page.waitForFunction(
        (n) => {
          const { document } = globalThis as unknown as PageGlobals;
          return (
            document.querySelectorAll('[data-testid^="village-card-"]').length === n &&
            document.querySelectorAll('.village-marker[data-village]').length === n
          );
        },
        VILLAGES.length,
        { timeout: 10_000 },
      );
    } finally {
      release();
      await page.close();
    }
  });

  it('carries the overview’s first data in the page for a signed-in user, who then asks the server for none of it', async () => {
    const page = await admin.newPage();
    const asked: string[] = [];
    page.on('request', (request) => asked.push(new URL(request.url()).pathname));
    try {
      const response = await page.goto(stack.url);
      // The user's own data: never kept by the browser or anything between.
      expect(response!.headers()['cache-control']).toBe('no-store');
      await page.locator(`[data-testid="village-card-${VILLAGES[0]!}"]`).waitFor();
      expect(await page.locator('head script[type="application/json"]#merezha-first-reads').count()).toBe(1);
      for (const path of ['/api/session', '/api/hromada', '/api/villages'])
        expect(
          asked.filter((p) => p === path),
          path,
        ).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('reads the first data from the server when the page asks for it more than 10 s after it loaded, not from the page', async () => {
    const page = await admin.newPage();
    const asked: string[] = [];
    page.on('request', (request) => asked.push(new URL(request.url()).pathname));
    try {
      // The page's clock 11 s on: its first reads come, to it, later than the carried data may be used.
      await page.addInitScript(() => {
        const now = performance.now.bind(performance);
        performance.now = () => now() + 11_000;
      });
      await page.goto(stack.url);
      await page.locator(`[data-testid="village-card-${VILLAGES[0]!}"]`).waitFor();
      expect(await page.locator('head script[type="application/json"]#merezha-first-reads').count()).toBe(1);
      for (const path of ['/api/session', '/api/hromada', '/api/villages']) expect(asked, path).toContain(path);
    } finally {
      await page.close();
    }
  });

  it('opens the socket and reads the devices and services only once the cards and markers are on screen', async () => {
    const page = await admin.newPage();
    try {
      await page.addInitScript((n) => {
        const w = globalThis as unknown as PageGlobals;
        const observer = new w.MutationObserver(() => {
          if (
            w.document.querySelectorAll('[data-testid^="village-card-"]').length === n &&
            w.document.querySelectorAll('.village-marker[data-village]').length === n
          ) {
            w.__drawnAt = performance.now();
            observer.disconnect();
          }
        });
        observer.observe(w.document, { subtree: true, childList: true, attributes: true });
      }, VILLAGES.length);
      await page.goto(stack.url);
      await page.locator('[data-testid="live"][data-connected="true"]').waitFor({ timeout: 10_000 });
      await page.locator('section[aria-labelledby="services-title"] li').first().waitFor();
      const { drawnAt, asked } = await page.evaluate(() => ({
        drawnAt: (globalThis as unknown as PageGlobals).__drawnAt ?? null,
        asked: performance.getEntriesByType('resource').map((entry) => ({ path: new URL(entry.name).pathname, at: entry.startTime })),
      }));
      expect(drawnAt, 'cards and markers drawn').not.toBeNull();
      const later = [/^\/assets\/socket-.*\.js$/, /^\/socket\.io\/$/, /^\/api\/devices$/, /^\/api\/services$/];
      for (const pattern of later) {
        const first = asked.find((request) => pattern.test(request.path));
        expect(first, String(pattern)).toBeDefined();
        expect(first!.at, `${String(pattern)} asked for after the first picture`).toBeGreaterThan(drawnAt!);
      }
    } finally {
      await page.close();
    }
  });

  it('reads the devices and services still, and says what failed, when the socket’s code cannot be loaded', async () => {
    const page = await admin.newPage();
    try {
      await page.route('**/assets/socket-*.js', (route) => route.abort());
      await page.goto(stack.url);
      // The services come with the devices, after the first picture: they are there although the socket is not.
      await page.locator('section[aria-labelledby="services-title"] li').first().waitFor({ timeout: 10_000 });
      await page.locator('main [role="alert"]').waitFor();
      expect(await page.getAttribute('[data-testid="live"]', 'data-connected')).toBe('false');
    } finally {
      await page.close();
    }
  });

  it('reads the overview’s data afresh after signing in on a sign-in page opened directly', async () => {
    // Signed out, the page carries no data and its first read of the session is answered 401: signing in reads afresh.
    const context = await newContext();
    try {
      const page = await context.newPage();
      await page.goto(url('/login'));
      await signInInBrowser(page, 'admin', STACK_ADMIN_PASSWORD);
      await page.waitForURL((u) => u.pathname === '/');
      await page.locator(`[data-testid="village-card-${VILLAGES[0]!}"]`).waitFor({ timeout: 10_000 });
    } finally {
      await context.close();
    }
  });

  it('says where to add devices when the inventory has none, and not otherwise', async () => {
    expect(await overview.locator('[data-testid="first-device"]').count()).toBe(0);
    const page = await admin.newPage();
    try {
      // The demo has devices: the answer of an installation without any stands in for one, in the page (which carries
      // the villages for a signed-in user) and from the API (should the page read them again).
      const withoutDevices = (body: VillagesResponse) => {
        for (const part of [body.total.uplinks, body.total.institutions, body.total.wifi]) part.total = 0;
        return body;
      };
      await page.route(
        (u) => u.pathname === '/',
        async (route) => {
          const response = await route.fetch();
          const block = /(<script type="application\/json" id="merezha-first-reads">)(.*?)(<\/script>)/s;
          const html = (await response.text()).replace(block, (_all, open: string, json: string, close: string) => {
            const reads = JSON.parse(json) as Record<string, unknown>;
            reads['/api/villages'] = withoutDevices(reads['/api/villages'] as VillagesResponse);
            return `${open}${JSON.stringify(reads).replace(/</g, '\\u003c')}${close}`;
          });
          expect(html).toContain('"/api/villages"');
          // The body handed on is the decoded one.
          const headers = Object.entries(response.headers()).filter(([name]) => !['content-encoding', 'content-length'].includes(name));
          await route.fulfill({ status: response.status(), headers: Object.fromEntries(headers), body: html });
        },
      );
      await page.route('**/api/villages', async (route) => {
        const response = await route.fetch();
        await route.fulfill({ response, json: withoutDevices((await response.json()) as VillagesResponse) });
      });
      // No live connection on this page: a `coverage` event would put the real totals back before the hint is read.
      // (socket.io opens with HTTP long-polling, so refusing that keeps the socket from connecting at all.)
      await page.route('**/socket.io/**', (route) => route.abort());
      await page.goto(stack.url);
      const hint = page.locator('[data-testid="first-device"]');
      await expect.poll(() => hint.count(), { timeout: 10_000 }).toBe(1);
      expect(await hint.textContent()).toContain('/etc/merezha/hromada.yaml');
      expect(await hint.textContent()).toContain('merezha check-config');
      expect(await page.locator('[data-testid="live"]').getAttribute('data-connected')).toBe('false');
    } finally {
      await page.close();
    }
  });

  it('shows the last backup and its size on the admin page', async () => {
    await BackupLedger.of(stack.config.server.data_dir).succeeded({
      time: Date.now() - 3_600_000,
      bytes: 1_572_864,
      file: join(stack.config.backup!.dir, 'merezha-backup-20261205-013000.tar.gz'),
      took_ms: 1_200,
    });
    const page = await admin.newPage();
    try {
      await page.goto(url('/admin'));
      const last = page.locator('[data-testid="last-backup"]');
      await expect.poll(() => last.textContent(), { timeout: 10_000 }).toContain('1,5 МБ');
      expect(await page.locator('#backups-title').textContent()).toBe('Резервні копії');
      expect(await page.locator('#backups-title + dl').textContent()).toContain('зберігаються 7 останніх');
    } finally {
      await page.close();
    }
  });

  it('switches the overview to English and back', async () => {
    const heading = overview.locator('h1');
    expect(await heading.textContent()).toBe('Огляд громади');
    await overview.locator('[data-testid="lang-switch"]').click();
    await expect.poll(() => heading.textContent()).toBe('Hromada overview');
    await expect.poll(() => overview.locator('#villages-title').textContent()).toBe('Villages');
    expect(await overview.locator('html').getAttribute('lang')).toBe('en');
    await shot(overview, 'overview-en');
    await overview.locator('[data-testid="lang-switch"]').click();
    await expect.poll(() => heading.textContent()).toBe('Огляд громади');
    await expect.poll(() => overview.locator('#villages-title').textContent()).toBe('Населені пункти');
  });

  it('names every control for screen readers and works from the keyboard', async () => {
    const page = await admin.newPage();
    for (const path of ['/', '/villages/dmytrivka', '/devices/dmytrivka-uplink-ukrtelecom', '/events', '/admin']) {
      await page.goto(url(path));
      await page.locator('h1').waitFor();
      const unnamed = await page.evaluate(() => {
        const { document } = globalThis as unknown as PageGlobals;
        const nameOf = (el: PageElement) =>
          (el.getAttribute('aria-label') ?? '').trim() ||
          (el.getAttribute('aria-labelledby') ?? '').trim() ||
          (el.labels?.length ? 'label' : '') ||
          (el.getAttribute('title') ?? '').trim() ||
          (el.textContent ?? '').trim();
        const controls = Array.from(document.querySelectorAll('button, a[href], input:not([type="hidden"]), select, textarea'));
        const images = Array.from(document.querySelectorAll('img:not([alt])'));
        return [
          ...controls.filter((el) => !nameOf(el)).map((el) => el.outerHTML.slice(0, 120)),
          ...images.map((el) => el.outerHTML.slice(0, 120)),
        ];
      });
      expect(unnamed, `unnamed controls on ${path}`).toEqual([]);
      expect(await page.locator('main').count(), `one main landmark on ${path}`).toBe(1);
      expect(await page.locator('h1').count(), `one h1 on ${path}`).toBe(1);
    }
    // From the keyboard alone: Tab to a village card's link and open it with Enter.
    await page.goto(url('/'));
    await page.locator('[data-testid="village-card-tsybuleve"]').waitFor();
    let focused = '';
    for (let i = 0; i < 60 && !focused.includes('/villages/'); i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.getAttribute('href') ?? '');
    }
    expect(focused).toMatch(/^\/villages\//);
    // The card draws its focus ring around the whole card, from the link's ::after.
    const outlines = await page.evaluate(() => {
      const w = globalThis as unknown as PageGlobals;
      const el = w.document.activeElement!;
      return [w.getComputedStyle(el).outlineStyle, w.getComputedStyle(el, '::after').outlineStyle];
    });
    expect(
      outlines.some((o) => o !== 'none'),
      'the focused link shows where the focus is',
    ).toBe(true);
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.pathname === focused);
    // The village page's code is read on the way (App.svelte): its heading still takes the focus once it is there.
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.activeElement?.tagName === 'H1', undefined, {
      timeout: 10_000,
    });
    await page.close();
  });

  it('takes screenshots of the main pages, on a desktop and a phone', async () => {
    const page = await admin.newPage();
    try {
      await page.goto(stack.url);
      await page.waitForFunction((n) => {
        const { document } = globalThis as unknown as PageGlobals;
        return (
          document.querySelectorAll('[data-testid^="village-card-"]').length === n &&
          document.querySelectorAll('.village-marker[data-village]').length === n
        );
      }, VILLAGES.length);
      await shot(page, 'overview');

      await page.goto(url('/villages/dmytrivka'));
      await page.waitForSelector('[data-testid^="device-row-"]');
      await shot(page, 'village');

      await page.goto(url('/devices/dmytrivka-uplink-ukrtelecom'));
      await page.waitForSelector('figure .chart canvas', { timeout: 15_000 });
      await shot(page, 'device');
    } finally {
      await page.close();
    }

    const phone = await newContext({
      storageState: await admin.storageState(),
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    try {
      const page = await phone.newPage();
      await page.goto(stack.url);
      await page.waitForFunction(
        (n) => (globalThis as unknown as PageGlobals).document.querySelectorAll('[data-testid^="village-card-"]').length === n,
        VILLAGES.length,
      );
      await page.waitForSelector('.village-marker[data-village]');
      await shot(page, 'phone-overview');
      // Nothing wider than the phone: no sideways scrolling on the overview.
      const overflow = await page.evaluate(() => {
        const { documentElement } = (globalThis as unknown as PageGlobals).document;
        return documentElement.scrollWidth - documentElement.clientWidth;
      });
      expect(overflow, 'the overview scrolls sideways on a phone').toBeLessThanOrEqual(0);
    } finally {
      await phone.close();
    }

    for (const name of ['overview', 'overview-en', 'village', 'device', 'events', 'status', 'phone-overview']) {
      expect(existsSync(join(SHOTS, `${name}.png`)), `${name}.png`).toBe(true);
    }
    if (process.env.MEREZHA_SCREENSHOTS === '1') {
      mkdirSync(DOCS_SHOTS, { recursive: true });
      for (const name of FOR_DOCS) copyFileSync(join(SHOTS, `${name}.png`), join(DOCS_SHOTS, `${name}.png`));
      console.log(`screenshots copied to docs/screenshots/: ${FOR_DOCS.join(', ')}`);
    }
  });

  it('raised no uncaught error in any page and asked nothing of any host but the dashboard', () => {
    expect(pageErrors).toEqual([]);
    expect(external).toEqual([]);
  });
});

let adminSession: { cookie: string; csrf: string } | undefined;
/** An API session of the admin of its own (the browser's cookie is httpOnly and stays in the browser). */
async function adminApi(): Promise<{ cookie: string; csrf: string }> {
  return (adminSession ??= await signIn('admin', STACK_ADMIN_PASSWORD));
}
