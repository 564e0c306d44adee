/**
 * `merezha central --demo` end to end: the 3-node NATS cluster, ten whole
 * simulated hromadas (collector, state engine, alerts, dashboard, each
 * forwarding through its spool) and the central, in a temp dir. The oblast
 * map must show the ten, each heard from with its devices; the central's
 * database of each must fill from its edge; and the oblast report must have
 * every hromada's figures, from the inventory each edge sent.
 *
 * The screenshot goes to test/artifacts/screenshots/oblast-demo.png; with
 * MEREZHA_SCREENSHOTS=1 it is copied to docs/screenshots/ as well.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hromadasResponse, type HromadasResponse } from '../../common/api.ts';
import { silentLogger } from '../../common/log.ts';
import { hromadaDatabase } from '../../config/central.ts';
import { DEMO_HROMADAS, startCentralDemo, type CentralDemo } from '../../central/demo.ts';
import { oblastReport } from '../../central/report-data.ts';
import { localTime } from '../../common/timezone.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/browser.ts';
import { queryInflux } from '../support/influxd.ts';
import { freeTcpPorts } from '../support/ports.ts';
import { signIn } from '../support/sign-in.ts';
import { aloneOnMachine } from '../support/turns.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PASSWORD = 'demo-admin-pass-for-tests';
const HEARD: readonly string[] = ['online', 'degraded', 'offline'];

describe('merezha central --demo', () => {
  let dir: string;
  let demo: CentralDemo | undefined;
  let browser: Browser | undefined;
  let cookie: string;
  let release: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    // Ten whole hromadas load both cores: never beside the tests that time probes to the millisecond.
    release = await aloneOnMachine();
    const build = spawnSync(process.execPath, ['scripts/build-web.mjs'], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`building the web failed:\n${build.stdout}${build.stderr}`);
    dir = await mkdtemp(join(tmpdir(), 'merezha-oblast-demo-'));
    const [http, rpc] = await freeTcpPorts(2);
    demo = await startCentralDemo({
      log: silentLogger(),
      version: 'test',
      dir,
      port: 0,
      adminPassword: PASSWORD,
      // Never 8086/8088, which other tests expect free.
      influxPorts: { http: http!, rpc: rpc! },
    });
    ({ cookie } = await signIn(demo.central.url!, 'admin', PASSWORD));
  }, 10 * 60_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await demo?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    await release?.();
  }, 60_000);

  const hromadas = async (): Promise<HromadasResponse> => {
    const res = await fetch(new URL('/api/hromadas', demo!.central.url), { headers: { cookie } });
    expect(res.status).toBe(200);
    return hromadasResponse.parse(await res.json());
  };

  it('shows the ten hromadas, each heard from through NATS with its devices and villages', async () => {
    await expect
      // A heartbeat before the first polls says unknown: wait for the villages' first states.
      .poll(async () => (await hromadas()).hromadas.filter((h) => HEARD.includes(h.state)).length, { timeout: 60_000, interval: 1_000 })
      .toBe(DEMO_HROMADAS.length);
    const answer = await hromadas();
    expect(answer.hromadas.map((h) => h.id).sort()).toEqual(DEMO_HROMADAS.map((h) => h.id).sort());
    for (const h of answer.hromadas) {
      expect(HEARD, h.id).toContain(h.state);
      expect(h.devices, h.id).toBe(34);
      expect(h.location, h.id).not.toBeNull();
      expect(answer.at - h.last_message_at!, h.id).toBeLessThan(30_000);
      const detail = await fetch(new URL(`/api/hromadas/${h.id}`, demo!.central.url), { headers: { cookie } });
      expect(((await detail.json()) as { villages: { villages: unknown[] } }).villages.villages, h.id).toHaveLength(4);
    }
  }, 90_000);

  it("fills each hromada's own central database from its edge", async () => {
    const { url, login } = demo!.central.influx;
    for (const h of DEMO_HROMADAS) {
      const database = hromadaDatabase(demo!.central.config, h.id);
      await expect
        .poll(async () => (await queryInflux(url, 'SELECT count(reachable) FROM ping', database, login))[0]?.count ?? 0, {
          timeout: 30_000,
          message: database,
        })
        .toBeGreaterThan(0);
    }
  }, 60_000);

  it("reports every hromada's yearly figures at the centre, from the inventory its edge sent", async () => {
    const year = localTime(Date.now(), 'Europe/Kyiv').year;
    const res = await fetch(new URL(`/api/oblast/report/${year}.json`, demo!.central.url), { headers: { cookie } });
    expect(res.status).toBe(200);
    const report = oblastReport.parse(await res.json());
    expect(report.hromadas.map((h) => [h.id, h.status])).toEqual(DEMO_HROMADAS.map((h) => [h.id, 'reported']));
  }, 60_000);

  it('draws the ten on the oblast map', async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addCookies([{ name: cookie.split('=')[0]!, value: cookie.split('=').slice(1).join('='), url: demo!.central.url! }]);
    const page = await context.newPage();
    await page.goto(demo!.central.url!);
    const markers = page.locator('.hromada-marker[data-hromada]');
    await expect.poll(() => markers.count(), { timeout: 20_000 }).toBe(DEMO_HROMADAS.length);
    const shots = join(ROOT, 'test/artifacts/screenshots');
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: join(shots, 'oblast-demo.png'), fullPage: true });
    if (process.env.MEREZHA_SCREENSHOTS === '1') {
      mkdirSync(join(ROOT, 'docs/screenshots'), { recursive: true });
      copyFileSync(join(shots, 'oblast-demo.png'), join(ROOT, 'docs/screenshots/oblast-demo.png'));
    }
  }, 60_000);
});
