/**
 * The inventory page in a real browser (Debian chromium through
 * playwright-core) against the whole product as `merezha start` runs it from
 * a config file in a temp dir: a test influxd, a real snmpd on a 127.x
 * address, polling every second.
 *
 * An admin adds a device the way the page offers it: address and credential,
 * discovery against the agent, the form filled in from its answer, saved. The
 * device is then in the file, on the never-reloaded village page beside it,
 * and polled (ping and SNMP) within an interval or two, without a restart. A
 * viewer gets no control and the API refuses them; every control has a name,
 * the form works from the keyboard, and a file changed on disk meanwhile is
 * not overwritten.
 *
 * Screenshots go to test/artifacts/screenshots/; with MEREZHA_SCREENSHOTS=1
 * the inventory page with its form filled in from discovery is copied to
 * docs/screenshots/inventory.png as well.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../app/stack.ts';
import type { AuditResponse, DevicesResponse } from '../../common/api.ts';
import { silentLogger } from '../../common/log.ts';
import { loadConfig } from '../../config/load.ts';
import { signIn as signInAt } from '../support/sign-in.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/browser.ts';
import { readPoints, startTestInfluxd, waitFor, type TestInfluxd } from '../support/influxd.ts';
import { startSnmpd, type Snmpd } from '../support/snmpd.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SHOTS = join(ROOT, 'test/artifacts/screenshots');
const DOCS_SHOTS = join(ROOT, 'docs/screenshots');
const DB = 'merezha';
const PASSWORD = 'admin-pass-for-inventory-e2e';
const VIEWER = { username: 'viewer', password: 'viewer-pass-for-inventory', role: 'viewer' as const };
const net = `127.${100 + Math.floor(Math.random() * 50)}.${1 + Math.floor(Math.random() * 250)}`;
const host = (n: number) => `${net}.${n}`;
/** The agent's sysName: discovery makes the new device's id and name of it. */
const AGENT_NAME = 'selo-school-router';

/** What the page functions use of the browser's globals: the type check runs without the DOM library. */
interface PageElement {
  getAttribute(name: string): string | null;
  textContent: string | null;
  outerHTML: string;
  id: string;
  labels?: ArrayLike<unknown> | null;
}
interface PageGlobals {
  document: {
    querySelectorAll(selector: string): ArrayLike<PageElement>;
    activeElement: PageElement | null;
  };
}

const hasChromium = existsSync(CHROMIUM);
const suite = hasChromium ? describe : describe.skip;
if (!hasChromium) console.warn(`test/e2e/inventory.test.ts skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);

let dir: string;
let file: string;
let influxd: TestInfluxd | undefined;
let agent: Snmpd | undefined;
let stack: Stack | undefined;
let browser: Browser | undefined;
let admin: BrowserContext;
let adminApi: { cookie: string; csrf: string };
/** The village page, opened before the device is added and never reloaded. */
let villagePage: Page;
const pageErrors: string[] = [];
const external: string[] = [];
let newId = '';

const url = (path: string) => new URL(path, stack!.url).href;

function configText(): string {
  return `# The inventory e2e test's hromada.
hromada: { name: Тестова громада }
storage:
  spool_dir: ${join(dir, 'spool')}
  managed_dir: ${join(dir, 'influxdb')}
  flush_interval: 100ms
polling:
  ping: { interval: 1s, count: 1, timeout: 300ms }
  snmp: { interval: 1s, timeout: 300ms, retries: 0 }
states: { down_after: 2, up_after: 1, recheck: false }
snmp_credentials:
  public-v2: { version: 2c, community: public } # the test agent's
villages:
  # the one village, with its uplink
  - id: selo
    name: Село
    devices:
      - { id: selo-uplink, name: "Село, оптика", kind: uplink, host: ${host(1)} }
server: { data_dir: ${join(dir, 'server')} }
`;
}

const signIn = (username: string, password: string) => signInAt(url('/'), username, password);

async function newContext(): Promise<BrowserContext> {
  const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
  // Loopback only: anything else the page asks for is refused and remembered.
  await context.route('**/*', (route) => {
    const target = new URL(route.request().url());
    if (target.hostname === '127.0.0.1') return route.continue();
    external.push(target.href);
    return route.abort();
  });
  context.on('page', (page) => page.on('pageerror', (err) => pageErrors.push(`${page.url()}: ${err.message}`)));
  return context;
}

async function signInInBrowser(page: Page, username: string, password: string, next: string): Promise<void> {
  await page.goto(url(`/login?next=${encodeURIComponent(next)}`));
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  await page.locator('button[type="submit"]').click();
  await page.waitForURL((u) => u.pathname === next);
}

async function shot(page: Page, name: string): Promise<string> {
  mkdirSync(SHOTS, { recursive: true });
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Controls without an accessible name, and the count of main landmarks and h1s. */
async function unnamedControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const { document } = globalThis as unknown as PageGlobals;
    const nameOf = (el: PageElement) =>
      (el.getAttribute('aria-label') ?? '').trim() ||
      (el.getAttribute('aria-labelledby') ?? '').trim() ||
      (el.labels?.length ? 'label' : '') ||
      (el.getAttribute('title') ?? '').trim() ||
      (el.textContent ?? '').trim();
    const controls = Array.from(document.querySelectorAll('button, a[href], input:not([type="hidden"]), select, textarea, summary'));
    return controls.filter((el) => !nameOf(el)).map((el) => el.outerHTML.slice(0, 120));
  });
}

const activeId = (page: Page) => page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.id ?? '');
const activeText = (page: Page) =>
  page.evaluate(() => ((globalThis as unknown as PageGlobals).document.activeElement?.textContent ?? '').trim());

suite('the inventory page in chromium', () => {
  beforeAll(async () => {
    // Builds the dashboard when its sources are newer than web/dist (a no-op otherwise).
    const build = spawnSync(process.execPath, ['scripts/build-web.mjs'], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`building the web failed:\n${build.stdout}${build.stderr}`);
    dir = await mkdtemp(join(tmpdir(), 'merezha-inventory-e2e-'));
    file = join(dir, 'hromada.yaml');
    [influxd, agent] = await Promise.all([startTestInfluxd(), startSnmpd({ addresses: [host(10)], sysName: AGENT_NAME })]);
    await writeFile(file, configText());
    stack = await startStack({
      config: loadConfig(file),
      configFile: file,
      log: silentLogger(),
      version: 'test',
      influxUrl: influxd.url,
      port: 0,
      adminPassword: PASSWORD,
    });
    adminApi = await signIn('admin', PASSWORD);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    admin = await newContext();
  }, 120_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await stack?.stop();
    await Promise.all([influxd?.dispose(), agent?.dispose()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('lets an admin add a device from discovery; it is saved, shown live and polled within an interval, without a restart', async () => {
    villagePage = await admin.newPage();
    await signInInBrowser(villagePage, 'admin', PASSWORD, '/villages/selo');
    await villagePage.locator('[data-testid="device-row-selo-uplink"]').waitFor();

    const page = await admin.newPage();
    await page.goto(url('/'));
    // The navigation leads an admin there.
    await page.locator('nav a[href="/inventory"]').click();
    await page.waitForURL((u) => u.pathname === '/inventory');
    await expect.poll(() => page.locator('h1').textContent()).toBe('Інвентар');
    await page.locator('[data-testid="inventory-device-selo-uplink"]').waitFor();

    await page.locator('[data-testid="add-device-selo"]').click();
    await page.locator('#discover-host').fill(host(10));
    await page.locator('#discover-port').fill(String(agent!.port));
    await page.locator('#discover-credential').selectOption('public-v2');
    await page.getByRole('button', { name: 'Опитати' }).click();
    await page.locator('[data-testid="discovered"]').waitFor({ timeout: 15_000 });

    // The form as discovery filled it in.
    newId = await page.locator('#device-id').inputValue();
    expect(newId).toBe(AGENT_NAME);
    expect(await page.locator('#device-name').inputValue()).toBe(AGENT_NAME);
    expect(await page.locator('#device-host').inputValue()).toBe(host(10));
    expect(await page.locator('#device-credential').inputValue()).toBe('public-v2');
    expect(await page.locator('#device-port').inputValue()).toBe(String(agent!.port));
    expect(['uplink', 'institution', 'wifi']).toContain(await page.locator('#device-kind').inputValue());
    // Each suggestion says why, in the page's language.
    expect(await page.locator('#device-kind-hint').textContent()).toBe(
      `запропоновано: жодна Wi-Fi MIB не відповідає, а назва «${AGENT_NAME}» вказує на заклад («school» — категорія «школа»)`,
    );
    expect(await page.locator('#device-parent-hint').textContent()).toMatch(/^запропоновано: .+/);
    for (const hint of ['#device-parent-hint', '#device-interface-hint']) {
      const why = (await page.locator(hint).textContent())!.replace(/^запропоновано: /, '');
      expect(why, hint).toMatch(/[а-щьюяєіїґ]/i);
      expect(why, hint).not.toMatch(/\b(the|and|answers?|no|is|of|its)\b/);
    }
    // Whatever discovery made of it (its name says "school"): a school behind the uplink.
    await page.locator('#device-kind').selectOption('institution');
    await page.locator('#device-category').selectOption('school');
    await page.locator('#device-parent').selectOption('selo-uplink');
    await page.locator('#device-name').fill('Сільська школа');
    // A Пункт незламності on its own blackout queue: the backup keys appear once it is marked one.
    await page.locator('#device-power-group').selectOption('4.2');
    expect(await page.locator('#device-backup-link').count()).toBe(0);
    await page.getByLabel('Пункт незламності').check();
    await page.locator('#device-backup-power').selectOption('generator');
    await page.locator('#device-backup-link').selectOption('starlink');
    const screenshot = await shot(page, 'inventory');
    if (process.env.MEREZHA_SCREENSHOTS === '1') {
      mkdirSync(DOCS_SHOTS, { recursive: true });
      copyFileSync(screenshot, join(DOCS_SHOTS, 'inventory.png'));
    }

    await page.getByRole('button', { name: 'Зберегти' }).click();
    const savedAt = Date.now();
    await expect
      .poll(() => page.locator('[data-testid="inventory-notice"]').textContent())
      .toBe('Збережено й застосовано без перезапуску.');
    await page.locator(`[data-testid="inventory-device-${newId}"]`).waitFor();

    // In the file, with its comments, and the previous file kept beside it.
    const text = await readFile(file, 'utf8');
    expect(text).toContain(`      - id: ${newId}\n`);
    expect(text).toContain('# the one village, with its uplink');
    expect(text).toContain(`port: ${agent!.port}`);
    expect(text).toMatch(/power_group: ["']?4\.2["']?\n/);
    expect(text).toContain('invincibility_point: true\n');
    expect(text).toContain('backup_power: generator\n');
    expect(text).toContain('backup_link: starlink\n');
    expect((await readdir(dir)).filter((name) => name.endsWith('.bak'))).toHaveLength(1);

    // Polled without a restart: ping and SNMP points within an interval or two of the save.
    await waitFor(
      'the first SNMP poll of the added device',
      async () => (await readPoints(influxd!, DB, 'snmp', `WHERE "device" = '${newId}'`)).length > 0,
      5_000,
    );
    await waitFor(
      'the first ping of the added device',
      async () => (await readPoints(influxd!, DB, 'ping', `WHERE "device" = '${newId}'`)).length > 0,
      5_000,
    );
    expect(Date.now() - savedAt).toBeLessThan(5_000);
    const [snmp] = await readPoints(influxd!, DB, 'snmp', `WHERE "device" = '${newId}'`);
    // The agent answered: its system group is stored.
    expect(snmp!.fields.ok).toBe(1);
    expect(snmp!.fields.sys_uptime_s).toBeGreaterThan(0);

    // Its state on the dashboard: the API, the inventory page and the village page opened before it was added.
    await waitFor('the device up in the API', async () => {
      const res = await fetch(url('/api/devices?village=selo'), { headers: { cookie: adminApi.cookie } });
      const device = ((await res.json()) as DevicesResponse).devices.find((d) => d.id === newId);
      return device?.state === 'up' && device.last.at !== null && device.parent === 'selo-uplink';
    });
    await page.locator(`[data-testid="inventory-device-${newId}"][data-state="up"]`).waitFor({ timeout: 10_000 });
    await villagePage.locator(`[data-testid="device-row-${newId}"]`).waitFor({ timeout: 10_000 });
    await villagePage.locator(`[data-testid="device-row-${newId}"][data-state="up"]`).waitFor({ timeout: 10_000 });

    // The change in the audit log, on the page and over the API.
    const audit = (await (await fetch(url('/api/inventory/audit'), { headers: { cookie: adminApi.cookie } })).json()) as AuditResponse;
    expect(audit.entries[0]).toMatchObject({ user: 'admin', action: 'add', entity: 'device', id: newId, village: 'selo' });
    await expect.poll(() => page.locator('#audit-title + .table-scroll tbody tr').first().textContent()).toContain(newId);
    await page.close();
  });

  it('names every control and works from the keyboard', async () => {
    const page = await admin.newPage();
    await page.goto(url('/inventory'));
    await page.locator('[data-testid="add-device-selo"]').waitFor();
    expect(await unnamedControls(page), 'unnamed controls on the inventory page').toEqual([]);

    // From the keyboard alone: Tab to "add a device", open the form, its fields and Save in reach.
    let found = false;
    for (let i = 0; i < 80 && !found; i++) {
      await page.keyboard.press('Tab');
      found =
        (await page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.getAttribute('data-testid'))) ===
        'add-device-selo';
    }
    expect(found, 'the add-device button is reached with Tab').toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(() => activeId(page)).toBe('device-form-title');
    await page.keyboard.press('Tab');
    expect(await activeId(page)).toBe('discover-host');
    expect(await unnamedControls(page), 'unnamed controls in the device form').toEqual([]);
    expect(await page.locator('main').count()).toBe(1);
    expect(await page.locator('h1').count()).toBe(1);
    let save = false;
    for (let i = 0; i < 60 && !save; i++) {
      await page.keyboard.press('Tab');
      save = (await activeText(page)) === 'Зберегти';
    }
    expect(save, 'Save is reached with Tab').toBe(true);
    // Saving the empty form is refused at its fields, and the file stays as it is.
    const before = await readFile(file, 'utf8');
    await page.keyboard.press('Enter');
    await page.locator('[data-testid="error-device-id"]').waitFor();
    await page.locator('[data-testid="error-device-host"]').waitFor();
    expect(await page.locator('#device-host').getAttribute('aria-invalid')).toBe('true');
    expect(await readFile(file, 'utf8')).toBe(before);
    await page.close();
  });

  it('does not overwrite a file changed on disk since the page read it, and offers to read it again', async () => {
    const page = await admin.newPage();
    await page.goto(url('/inventory'));
    await page.locator(`[data-testid="inventory-device-${newId || 'selo-uplink'}"]`).waitFor();
    const edited = `${await readFile(file, 'utf8')}# edited on the server meanwhile\n`;
    await writeFile(file, edited);

    await page.locator('[data-testid="inventory-device-selo-uplink"] button', { hasText: 'Змінити' }).click();
    await page.locator('#device-bandwidth').fill('500');
    await page.getByRole('button', { name: 'Зберегти' }).click();
    await page.locator('[data-testid="inventory-conflict"]').waitFor();
    expect(await readFile(file, 'utf8')).toBe(edited);

    await page.getByRole('button', { name: 'Перечитати інвентар' }).click();
    await page.locator('[data-testid="inventory-conflict"]').waitFor({ state: 'detached' });
    await page.locator('[data-testid="inventory-device-selo-uplink"] button', { hasText: 'Змінити' }).click();
    await page.locator('#device-bandwidth').fill('500');
    await page.getByRole('button', { name: 'Зберегти' }).click();
    await expect
      .poll(() => page.locator('[data-testid="inventory-notice"]').textContent())
      .toBe('Збережено й застосовано без перезапуску.');
    const text = await readFile(file, 'utf8');
    expect(text).toContain('# edited on the server meanwhile');
    expect(text).toContain('bandwidth_mbps: 500');
    await page.close();
  });

  it('gives a viewer no control, and the API refuses them', async () => {
    const created = await fetch(url('/api/users'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: adminApi.cookie, 'x-csrf-token': adminApi.csrf },
      body: JSON.stringify(VIEWER),
    });
    expect(created.status).toBe(201);
    const context = await newContext();
    try {
      const page = await context.newPage();
      await signInInBrowser(page, VIEWER.username, VIEWER.password, '/inventory');
      await page.locator('[data-testid="inventory-forbidden"]').waitFor();
      expect(await page.locator('main button, main input, main select').count()).toBe(0);
      expect(await page.locator('nav a[href="/inventory"]').count()).toBe(0);

      const viewer = await signIn(VIEWER.username, VIEWER.password);
      const before = await readFile(file, 'utf8');
      const res = await fetch(url('/api/inventory/devices'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: viewer.cookie, 'x-csrf-token': viewer.csrf },
        body: JSON.stringify({ village: 'selo', device: { id: 'sneaky', kind: 'uplink', host: host(20) } }),
      });
      expect(res.status).toBe(403);
      expect((await fetch(url('/api/inventory'), { headers: { cookie: viewer.cookie } })).status).toBe(403);
      expect(await readFile(file, 'utf8')).toBe(before);
    } finally {
      await context.close();
    }
  });

  it('raised no uncaught error in any page and asked nothing of any host but the dashboard', () => {
    expect(pageErrors).toEqual([]);
    expect(external).toEqual([]);
  });
});
