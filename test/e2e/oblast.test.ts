/**
 * The oblast dashboard in a real browser: eleven hromadas publish heartbeats
 * (made by a real hromada dashboard, as an edge makes them) to a one-node NATS
 * under their own credentials; the real registry reads them and
 * `startCentralServer` serves the built web's oblast page, driven with Debian's
 * chromium through playwright-core.
 *
 * Ten hromadas are on the map in every state a hromada can be in, one of them
 * stale (its last heartbeat ten minutes old), and one that never sent is listed
 * beside the map. Page-side code is passed as functions (the CSP forbids the
 * eval that string predicates need).
 *
 * The screenshot goes to test/artifacts/screenshots/oblast.png; with
 * MEREZHA_SCREENSHOTS=1 it is copied to docs/screenshots/ as well.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HromadaItem } from '../../common/api.ts';
import { silentLogger } from '../../common/log.ts';
import type { CentralHromada } from '../../config/central.ts';
import { startCentralServer, type RunningCentralServer } from '../../central/server.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/browser.ts';
import { ADMIN_PASSWORD, TEST_HASH_COST } from '../support/api.ts';
import { dashboardHeartbeats, startTestOblast, type Picture, type TestOblast } from '../support/oblast.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SHOTS = join(ROOT, 'test/artifacts/screenshots');
const DOCS_SHOTS = join(ROOT, 'docs/screenshots');

/** What each hromada sends: a picture of its villages, or `stale` (degraded, ten minutes ago), or nothing. */
type Sends = Picture | 'stale' | 'nothing';
const HROMADAS: (CentralHromada & { sends: Sends; backlog?: number })[] = [
  { id: 'kropyvnytska', name: 'Кропивницька', location: { lat: 48.51, lon: 32.26 }, sends: 'online' },
  { id: 'oleksandriiska', name: 'Олександрійська', location: { lat: 48.67, lon: 33.12 }, sends: 'online' },
  { id: 'svitlovodska', name: 'Світловодська', location: { lat: 49.05, lon: 33.24 }, sends: 'degraded' },
  { id: 'znamianska', name: 'Знам’янська', location: { lat: 48.71, lon: 32.67 }, sends: 'online' },
  { id: 'dolynska', name: 'Долинська', location: { lat: 48.11, lon: 32.77 }, sends: 'offline', backlog: 3124 },
  { id: 'bobrynetska', name: 'Бобринецька', location: { lat: 48.06, lon: 32.16 }, sends: 'online' },
  { id: 'novoukrainska', name: 'Новоукраїнська', location: { lat: 48.32, lon: 31.53 }, sends: 'stale', backlog: 18_402 },
  { id: 'haivoronska', name: 'Гайворонська', location: { lat: 48.33, lon: 29.87 }, sends: 'degraded' },
  { id: 'holovanivska', name: 'Голованівська', location: { lat: 48.38, lon: 30.45 }, sends: 'online' },
  { id: 'novomyrhorodska', name: 'Новомиргородська', location: { lat: 48.78, lon: 31.65 }, sends: 'online' },
  { id: 'petrivska', name: 'Петрівська', sends: 'nothing' },
];
const STATE_OF: Record<Sends, HromadaItem['state']> = {
  online: 'online',
  degraded: 'degraded',
  offline: 'offline',
  stale: 'stale',
  nothing: 'unknown',
};
const PLACED = HROMADAS.filter((h) => h.location);
const round = (pct: number) => Math.round(pct * 100) / 100;
const STALE = HROMADAS.find((h) => h.sends === 'stale')!;
const DRILLED = HROMADAS.find((h) => h.sends === 'degraded')!;

/** The page's globals its functions use: the type check runs without the DOM library. */
interface PageGlobals {
  getComputedStyle(element: unknown): { fill: string };
}

const hasChromium = existsSync(CHROMIUM);
const suite = hasChromium ? describe : describe.skip;
if (!hasChromium) console.warn(`test/e2e/oblast.test.ts skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);
const title = hasChromium
  ? 'oblast dashboard in chromium'
  : `oblast dashboard in chromium — SKIPPED: ${CHROMIUM} is missing (apt-get install -y chromium; never download a browser)`;

let oblast: TestOblast | undefined;
let server: RunningCentralServer | undefined;
let browser: Browser | undefined;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];
const external: string[] = [];

const markerFill = (id: string) =>
  page
    .locator(`.hromada-marker[data-hromada="${id}"]`)
    .evaluate((element) => (globalThis as unknown as PageGlobals).getComputedStyle(element).fill);

suite(title, () => {
  beforeAll(async () => {
    // Builds web/dist when any source is newer than it (a no-op otherwise).
    const build = spawnSync(process.execPath, ['scripts/build-web.mjs'], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`building the web failed:\n${build.stdout}${build.stderr}`);
    expect(existsSync(join(ROOT, 'web/dist/oblast.html'))).toBe(true);

    const made = await dashboardHeartbeats();
    oblast = await startTestOblast(
      HROMADAS.map(({ id, name, location }) => ({ id, name, ...(location ? { location } : {}) })),
      { staleAfterMs: 60_000 },
    );
    const now = Date.now();
    for (const [index, hromada] of HROMADAS.entries()) {
      if (hromada.sends === 'nothing') continue;
      // Figures its dashboard would read from its InfluxDB, a little lower down the list.
      const uptime = { '24h': 100, '7d': 99.9, '30d': round(99.9 - index * 0.37), year: round(99.1 - index * 0.52) };
      const backlog = hromada.backlog
        ? { points: hromada.backlog, bytes: hromada.backlog * 40, oldest: now - 25 * 60_000, dropped: 0 }
        : undefined;
      const sentAt = hromada.sends === 'stale' ? now - 10 * 60_000 : now;
      const picture = hromada.sends === 'stale' ? 'degraded' : hromada.sends;
      await oblast.send(made.heartbeat(picture, hromada, sentAt, { uptime, ...(backlog ? { backlog } : {}) }), made.config);
    }
    server = await startCentralServer({
      config: oblast.config,
      hromadas: oblast.registry,
      log: silentLogger(),
      version: 'test',
      port: 0,
      adminPassword: ADMIN_PASSWORD,
      hashCost: TEST_HASH_COST,
    });

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // Loopback only: anything else the page asks for is refused and remembered (no map tiles are configured).
    await context.route('**/*', (route) => {
      const target = new URL(route.request().url());
      if (target.hostname === '127.0.0.1') return route.continue();
      external.push(target.href);
      return route.abort();
    });
    context.on('page', (p) => p.on('pageerror', (err) => pageErrors.push(`${p.url()}: ${err.message}`)));
    page = await context.newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await server?.close();
    await oblast?.stop();
  }, 30_000);

  it('sends a signed-out visitor to the sign-in form and signs the admin in to the oblast overview', async () => {
    await page.goto(server!.url);
    await page.waitForURL((u) => u.pathname === '/login');
    await expect.poll(() => page.locator('h1').textContent()).toBe('Вхід');
    await page.locator('#username').fill('admin');
    await page.locator('#password').fill(ADMIN_PASSWORD);
    await page.locator('button[type="submit"]').click();
    await page.waitForURL((u) => u.pathname === '/');
    await expect.poll(() => page.locator('h1').textContent()).toBe('Огляд області');
  });

  it('puts the ten placed hromadas on the map, each marker in the colour of its state, and lists the other beside it', async () => {
    const markers = page.locator('.hromada-marker[data-hromada]');
    await expect.poll(() => markers.count()).toBe(PLACED.length);
    for (const hromada of PLACED) {
      await expect
        .poll(() => page.getAttribute(`.hromada-marker[data-hromada="${hromada.id}"]`, 'data-state'), { message: hromada.id })
        .toBe(STATE_OF[hromada.sends]);
    }
    // The colours of app.css: online green, degraded amber, offline red, stale as unreachable (violet).
    const online = PLACED.find((h) => h.sends === 'online')!;
    expect(await markerFill(online.id)).toBe('rgb(20, 108, 46)');
    expect(await markerFill(DRILLED.id)).toBe('rgb(138, 90, 0)');
    expect(await markerFill(PLACED.find((h) => h.sends === 'offline')!.id)).toBe('rgb(192, 32, 43)');
    expect(await markerFill(STALE.id)).toBe('rgb(122, 69, 214)');

    const unplaced = page.locator('[data-testid="unplaced"] li');
    expect(await unplaced.count()).toBe(1);
    expect(await unplaced.getAttribute('data-hromada')).toBe('petrivska');
    expect(await unplaced.textContent()).toContain('невідомо');

    await expect.poll(() => page.locator('[data-testid="oblast-summary"]').textContent()).toMatch(/^11 громад:/);
  });

  it('shows in the table how far behind each hromada is, the stale one as stale', async () => {
    const row = (id: string) => page.locator(`[data-testid="hromada-row-${id}"]`);
    /** A cell's text as read: spaces between its parts collapsed, none at the ends. */
    const cell = async (id: string, column: string) =>
      ((await row(id).locator(`[data-testid="${column}"]`).textContent()) ?? '').replace(/[ \t\n]+/g, ' ').trim();
    expect(await page.locator('[data-testid^="hromada-row-"]').count()).toBe(HROMADAS.length);

    expect(await row(STALE.id).getAttribute('data-state')).toBe('stale');
    expect(await row(STALE.id).locator('.badge').textContent()).toBe('дані застаріли');
    expect(await cell(STALE.id, 'backlog')).toMatch(/^18\s402 записи · найдавніший 25 хв тому$/);

    // Ages count from the server's clock: JetStream stamped every message on arrival, a moment ago.
    const fresh = HROMADAS[0]!;
    expect(await cell(fresh.id, 'last-message')).toBe('менше хвилини тому');
    expect(await cell(fresh.id, 'backlog')).toBe('усе передано');
    // The harness's two institutions are Invincibility Points, none in a blackout.
    expect(await cell(fresh.id, 'points')).toBe('0 з 2');
    expect(await cell(fresh.id, 'institutions')).toBe('100% (2 з 2)');
    expect(await cell(fresh.id, 'uptime')).toBe('99,9% / 99,1%');
    expect(await cell(PLACED[1]!.id, 'uptime')).toBe('99,53% / 98,58%');
    expect(await cell('petrivska', 'last-message')).toBe('ще не було');
    expect(await cell('petrivska', 'backlog')).toBe('—');

    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'oblast.png'), fullPage: true });
  });

  it('opens a hromada from its marker and shows its villages read-only, as its heartbeat has them', async () => {
    await page.locator(`.hromada-marker[data-hromada="${DRILLED.id}"]`).click();
    await page.waitForURL((u) => u.pathname === `/hromadas/${DRILLED.id}`);
    await expect.poll(() => page.locator('h1').textContent()).toBe(DRILLED.name);
    await expect.poll(() => page.getAttribute('[data-testid="village-card-zelene"]', 'data-state')).toBe('degraded');
    expect(await page.getAttribute('[data-testid="village-card-yasne"]', 'data-state')).toBe('online');
    // Read-only: nothing in a card leads to a page the oblast does not have.
    expect(await page.locator('[data-testid^="village-card-"] a').count()).toBe(0);
    expect(await page.locator('.village-marker[data-village="zelene"]').getAttribute('data-state')).toBe('degraded');
    await page.screenshot({ path: join(SHOTS, 'oblast-hromada.png'), fullPage: true });

    await page.locator('a', { hasText: 'Усі громади' }).click();
    await page.waitForURL((u) => u.pathname === '/');
    await page.goto(new URL('/hromadas/nowhere', server!.url).href);
    await expect.poll(() => page.locator('[data-testid="hromada-not-found"]').textContent()).toBe('Такої громади немає.');
  });

  it('switches to English', async () => {
    await page.goto(server!.url);
    await page.locator('[data-testid="lang-switch"]').click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Oblast overview');
    expect(await page.locator(`[data-testid="hromada-row-${STALE.id}"] .badge`).textContent()).toBe('stale');
    await expect.poll(() => page.locator('[data-testid="oblast-summary"]').textContent()).toMatch(/^11 hromadas:/);

    if (process.env.MEREZHA_SCREENSHOTS === '1') {
      mkdirSync(DOCS_SHOTS, { recursive: true });
      copyFileSync(join(SHOTS, 'oblast.png'), join(DOCS_SHOTS, 'oblast.png'));
    }
  });

  it('raised no uncaught error and asked nothing of any host but the central', () => {
    expect(pageErrors).toEqual([]);
    expect(external).toEqual([]);
  });
});
