/**
 * Power on the dashboard in a real browser (Debian chromium through
 * playwright-core) against the whole product: the demo hromada simulated,
 * polled and served by `startStack`, with two of its institutions marked
 * Invincibility Points (the Дмитрівка lyceum with a UPS and Starlink, the
 * Цибулеве club with neither).
 *
 * A blackout schedule is imported as `merezha power import-schedule` does it
 * (merged into the data folder's file, which the running server reads again
 * by itself): queue 3.1, Дмитрівка's, is dark now and tomorrow 14:00–18:00
 * and 22:00–24:00. The overview's card and the village page show the slots of
 * the queue, and the Invincibility Points page shows the lyceum keeping
 * internet in the blackout and the club lacking backup power and link.
 *
 * Screenshots go to test/artifacts/screenshots/; with MEREZHA_SCREENSHOTS=1
 * the Invincibility Points page is copied to docs/screenshots/ as well.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../../app/stack.ts';
import type { InvincibilityResponse, PowerResponse } from '../../common/api.ts';
import { localDayAt, localTime, zonedTimeToUtc } from '../../common/timezone.ts';
import type { Config } from '../../config/schema.ts';
import { importSchedule, parseScheduleText, scheduleFile } from '../../server/power/schedule-store.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/browser.ts';
import { signIn } from '../support/sign-in.ts';
import { demoConfigOnFreeAddresses, startTestStack, STACK_ADMIN_PASSWORD, type TestStack } from '../support/stack.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SHOTS = join(ROOT, 'test/artifacts/screenshots');
const DOCS_SHOTS = join(ROOT, 'docs/screenshots');
const KEEPS = 'dmytrivka-lyceum';
const LACKS = 'tsybuleve-club';

/** What the page functions use of the browser's globals: the type check runs without the DOM library. */
interface PageElement {
  getAttribute(name: string): string | null;
  textContent: string | null;
  outerHTML: string;
  labels?: ArrayLike<unknown> | null;
}
interface PageGlobals {
  document: { querySelectorAll(selector: string): ArrayLike<PageElement> };
}

const hasChromium = existsSync(CHROMIUM);
const suite = hasChromium ? describe : describe.skip;
if (!hasChromium) console.warn(`test/e2e/power.test.ts skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);

let handle: TestStack | undefined;
let stack: Stack;
let browser: Browser | undefined;
let admin: BrowserContext;
let page: Page;
/** The slots of queue 3.1 tomorrow once the schedule is imported, as the card shows them. */
let tomorrow: string;
const pageErrors: string[] = [];
const external: string[] = [];

const url = (path: string) => new URL(path, stack.url).href;

async function shot(name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/**
 * The demo with two more Invincibility Points: one that meets the requirement, one that lacks both
 * backups. Цибулеве (no UPS) loses its queue, so that one village has nothing to say of its power.
 */
function withPoints(config: Config): Config {
  return {
    ...config,
    villages: config.villages.map(({ power_group, ...village }) => ({
      ...village,
      ...(village.id === 'tsybuleve' || power_group === undefined ? {} : { power_group }),
      devices: village.devices.map((device) =>
        device.id === KEEPS
          ? { ...device, invincibility_point: true, backup_power: 'ups' as const, backup_link: 'starlink' as const }
          : device.id === LACKS
            ? { ...device, invincibility_point: true }
            : device,
      ),
    })),
  };
}

/**
 * Queue 3.1 dark from the start of this hour for two hours, and tomorrow 14:00–18:00 and 22:00–24:00, Kyiv time;
 * with the slots tomorrow has, as the card shows them (from 23:00 the first block goes on past midnight).
 */
function schedule(now: number, timezone: string): { csv: string; tomorrow: string } {
  const today = localTime(now, timezone);
  const at = (days: number, hour: number) => localDayAt(today, days, hour, 0, timezone);
  const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');
  const hourStart = zonedTimeToUtc({ ...today, minute: 0, second: 0 }, timezone);
  const pastMidnight = today.hour + 2 - 24;
  return {
    csv: [
      'group,start,end',
      `3.1,${iso(hourStart)},${iso(hourStart + 2 * 3_600_000)}`,
      `3.1,${iso(at(1, 14))},${iso(at(1, 18))}`,
      `3.1,${iso(at(1, 22))},${iso(at(2, 0))}`,
    ].join('\n'),
    tomorrow: `${pastMidnight > 0 ? `00:00–0${pastMidnight}:00, ` : ''}14:00–18:00, 22:00–24:00`,
  };
}

suite('power on the dashboard in chromium', () => {
  beforeAll(async () => {
    // A no-op when web/dist is newer than its sources.
    const build = spawnSync(process.execPath, ['scripts/build-web.mjs'], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`building the web failed:\n${build.stdout}${build.stderr}`);
    const config = withPoints(await demoConfigOnFreeAddresses());
    stack = await startTestStack(config, {}, (t) => (handle = t));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    admin = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // Loopback only: anything else the UI asks for is refused and remembered (the demo has no map tiles).
    await admin.route('**/*', (route) => {
      const target = new URL(route.request().url());
      if (target.hostname === '127.0.0.1') return route.continue();
      external.push(target.href);
      return route.abort();
    });
    admin.on('page', (p) => p.on('pageerror', (err) => pageErrors.push(`${p.url()}: ${err.message}`)));
    const { cookie } = await signIn(stack.url, 'admin', STACK_ADMIN_PASSWORD);
    const split = cookie.indexOf('=');
    await admin.addCookies([{ name: cookie.slice(0, split), value: cookie.slice(split + 1), url: stack.url }]);
    page = await admin.newPage();
  }, 180_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await handle?.stop();
  }, 60_000);

  it('shows the queue’s slots on the village card once a schedule is imported, without a restart', async () => {
    const { config } = stack;
    await page.goto(stack.url);
    await page.locator('[data-testid="village-card-dmytrivka"]').waitFor();
    // Before any schedule: the queue is known, its days not published.
    const slots = page.locator('[data-testid="power-slots-dmytrivka"]');
    await expect.poll(() => slots.innerText(), { timeout: 20_000 }).toBe('Черга 3.1: сьогодні графіка ще немає; завтра графіка ще немає');
    // A village the server knows nothing of the power of (no queue, no supply answering) says nothing of it.
    const { cookie } = await signIn(stack.url, 'admin', STACK_ADMIN_PASSWORD);
    const power = (await (await fetch(url('/api/power'), { headers: { cookie } })).json()) as PowerResponse;
    const silent = power.villages.filter((v) => v.group === null && v.state === 'unknown').map((v) => v.id);
    expect(silent.length).toBeGreaterThan(0);
    for (const id of silent) expect(await page.locator(`[data-testid="village-power-${id}"]`).count(), id).toBe(0);

    const now = Date.now();
    const made = schedule(now, config.hromada.timezone);
    tomorrow = made.tomorrow;
    const parsed = parseScheduleText(made.csv, { timezone: config.hromada.timezone, now });
    if ('problems' in parsed) throw new Error(parsed.problems.join('\n'));
    const importedAt = Date.now();
    await importSchedule(scheduleFile(config.server.data_dir), parsed, 'grafik.csv', { now, timezone: config.hromada.timezone });

    // The server reads the file again within its poll (10 s); the card reads the power every 15 s.
    await expect.poll(() => slots.innerText(), { timeout: 45_000, interval: 500 }).toContain(`завтра ${tomorrow}`);
    console.log(`schedule imported → slots on the never-reloaded card in ${Date.now() - importedAt} ms`);
    await shot('power-overview');
    expect(await slots.innerText()).toMatch(/^Черга 3\.1: сьогодні (\d\d:\d\d–\d\d:\d\d)(, \d\d:\d\d–\d\d:\d\d)*; завтра /);
  });

  it('shows the village page’s power: the queue’s slots and where the schedule came from', async () => {
    await page.goto(url('/villages/dmytrivka'));
    const section = page.locator('[data-testid="village-power"]');
    await section.waitFor();
    expect(await section.locator('h2').textContent()).toBe('Живлення');
    await expect.poll(() => section.locator('[data-testid="power-slots-dmytrivka"]').innerText()).toContain(`завтра ${tomorrow}`);
    expect(await section.innerText()).toContain('Графік відключень: csv.');
    await shot('power-village');
  });

  it('opens the Invincibility Points page from the nav: who keeps internet in the blackout, and who lacks what', async () => {
    await page.goto(stack.url);
    const link = page.getByRole('link', { name: 'Пункти незламності' });
    await link.click();
    await page.waitForURL((u) => u.pathname === '/invincibility-points');
    await expect.poll(() => page.locator('h1').textContent()).toBe('Пункти незламності');
    expect(await link.getAttribute('aria-current')).toBe('page');

    // The lyceum answers its pings within a poll or two; queue 3.1 is in a slot now.
    const keeps = page.locator(`[data-testid="point-row-${KEEPS}"]`);
    await expect.poll(() => keeps.getAttribute('data-online'), { timeout: 45_000, interval: 500 }).toBe('true');
    expect(await keeps.getAttribute('data-blackout')).toBe('true');
    expect(await keeps.innerText()).toContain('тримає зв’язок без світла');
    expect(await keeps.innerText()).toContain('живлення: ДБЖ');
    expect(await keeps.innerText()).toContain('канал: Starlink');

    const lacks = page.locator(`[data-testid="point-row-${LACKS}"]`);
    expect(await lacks.getAttribute('data-blackout')).toBe('false');
    const club = stack.config.villages.flatMap((v) => v.devices).find((d) => d.id === LACKS)!;
    expect(await page.locator(`[data-testid="lacking-${LACKS}"]`).innerText()).toBe(
      `${club.name} (Цибулеве): немає резервного живлення, резервного зв’язку`,
    );
    expect(await page.locator(`[data-testid="lacking-${KEEPS}"]`).count()).toBe(0);

    // The figures are the server's, as it counts them (the demo has points of its own besides these two).
    const { cookie } = await signIn(stack.url, 'admin', STACK_ADMIN_PASSWORD);
    const summaryText = async () => {
      const { summary } = (await (await fetch(url('/api/invincibility-points'), { headers: { cookie } })).json()) as InvincibilityResponse;
      return `Без світла зараз ${summary.in_blackout} з ${summary.total} пунктів; на зв’язку з них ${summary.online_in_blackout}.`;
    };
    await expect.poll(async () => (await page.locator('[data-testid="points-summary"]').innerText()) === (await summaryText())).toBe(true);

    await shot('invincibility');
    if (process.env.MEREZHA_SCREENSHOTS === '1') {
      mkdirSync(DOCS_SHOTS, { recursive: true });
      copyFileSync(join(SHOTS, 'invincibility.png'), join(DOCS_SHOTS, 'invincibility.png'));
    }
  });

  it('speaks English after the switch', async () => {
    await page.locator('[data-testid="lang-switch"]').click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Invincibility Points');
    expect(await page.locator(`[data-testid="point-row-${KEEPS}"]`).innerText()).toContain('keeps internet without mains');
    await page.goto(stack.url);
    await expect.poll(() => page.locator('[data-testid="power-slots-dmytrivka"]').innerText()).toContain(`tomorrow ${tomorrow}`);
    await page.locator('[data-testid="lang-switch"]').click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Огляд громади');
  });

  it('names every control, has one h1 and one main landmark', async () => {
    await page.goto(url('/invincibility-points'));
    await page.locator(`[data-testid="point-row-${KEEPS}"]`).waitFor();
    const unnamed = await page.evaluate(() => {
      const { document } = globalThis as unknown as PageGlobals;
      const nameOf = (el: PageElement) =>
        (el.getAttribute('aria-label') ?? '').trim() ||
        (el.labels?.length ? 'label' : '') ||
        (el.getAttribute('title') ?? '').trim() ||
        (el.textContent ?? '').trim();
      return Array.from(document.querySelectorAll('button, a[href], input:not([type="hidden"]), select'))
        .filter((el) => !nameOf(el))
        .map((el) => el.outerHTML.slice(0, 120));
    });
    expect(unnamed).toEqual([]);
    expect(await page.locator('main').count()).toBe(1);
    expect(await page.locator('h1').count()).toBe(1);
  });

  it('raised no uncaught error in any page and asked nothing of any host but the dashboard', () => {
    expect(pageErrors).toEqual([]);
    expect(external).toEqual([]);
  });
});
