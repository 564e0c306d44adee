/**
 * 6. The dashboard: the whole product (`startStack`: 1,000 simulated devices
 * in 50 villages, the collector, state engine, alerts and dashboard server)
 * with chromium and socket.io clients in front of it.
 *
 * a) First render of the overview: from navigation start to the moment all 50
 *    village cards and all 50 map markers are in the DOM, median of 5 cold
 *    loads (a new browser context each time). The moment is reported by a
 *    MutationObserver through a CDP binding, not polled with waitForFunction,
 *    whose injected script would run on the page's main thread while it starts.
 *    Peer: the page's data fetch alone (/api/villages, /api/devices,
 *    /api/hromada, in parallel), timed from the same page once it has settled
 *    (its own later reads done), so that the two do not share the server.
 *    Since stop 23 the page gets its first data in the HTML: for a signed-in
 *    user the server puts the answers of /api/session, /api/hromada and
 *    /api/villages into index.html (server/http/app.ts, `firstReads`), so the
 *    render's time includes the server making them but no round trip for
 *    them; the devices come after the first picture, as before. The peer is
 *    still the three fetches.
 *    What the measure does not see: Playwright keeps the CDP Runtime domain on,
 *    so V8 records a full stack trace (and reparses the function for its
 *    source positions) for every Error created; Svelte creates one as its
 *    runtime loads, which costs tens of ms here and ~0.3 ms in a browser
 *    without developer tools. The figure is a little worse than a user's.
 * b) State change → dashboard: 100 socket.io clients in a child process
 *    (bench/dashboard-clients.ts) and one chromium tab on the overview, while
 *    uplink outages are injected and ended; latency from the server's emit of
 *    each `state` event to its receipt in every client, and from the emit of
 *    a village's summary to its card's data-state changing in the browser.
 *    Peer: a bare socket.io server in this process broadcasting the same events
 *    in the same bursts to the same 100 child-process clients.
 *
 * Emit times are taken by a `dashboard.onEvent` listener, which runs right
 * after socket.io's own (the broadcast is handed to the sockets first); the
 * peer takes its times the same way, right after `io.emit`. All times are
 * epoch ms of the same machine clock.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { Server } from 'socket.io';
import type { DevicesResponse, SessionInfo, TokenCreated } from '../common/api.ts';
import type { Config } from '../config/schema.ts';
import type { LiveEvent } from '../server/dashboard.ts';
import { generateScale } from '../simulator/index.ts';
import { nftUnavailable } from '../simulator/nft.ts';
import { freeLoopbackOctet, startTestStack, type TestStack } from '../test/support/stack.ts';
import type { BenchContext, Row, SectionResult } from './types.ts';
import { defer } from './lib/cleanup.ts';
import { median, round, runCommand, sleep } from './lib/util.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../test/support/browser.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ADMIN_PASSWORD = 'bench-admin-password';
const VILLAGES = 50;
const DEVICES_PER_VILLAGE = 20;
const COLD_LOADS = 5;
const CLIENTS = 100;
/** Between two injected outages; each is ended 3 s after the server saw its uplink down. */
const STAGGER_MS = 4_000;
const HOLD_DOWN_MS = 3_000;
/** The issue's target: the first render within this many times the page's data fetch. */
const RENDER_TARGET_RATIO = 3;
const LATENCY_TARGET_MS = 500;
const RENDERED_BINDING = '__merezhaRendered';
/** After the first render, until the page has read the rest of its data and the other pages' code (App.svelte). */
const PAGE_SETTLES_MS = 2_000;

/** What the page functions use of the browser's globals (no DOM library in the type check). */
interface PageElement {
  getAttribute(name: string): string | null;
}
interface PageGlobals {
  document: { querySelectorAll(selector: string): ArrayLike<PageElement>; body: unknown };
  MutationObserver: new (callback: (mutations: { target: PageElement; oldValue: string | null }[]) => void) => {
    observe(target: unknown, options: Record<string, unknown>): void;
    disconnect(): void;
  };
  /** The CDP binding that reports the render (firstRender). */
  [RENDERED_BINDING]?: (payload: string) => void;
  __changes?: { village: string; state: string; at: number }[];
}

interface Emit {
  t: number;
  batch: number;
  event: LiveEvent;
}

export interface Stats {
  n: number;
  p50: number;
  p95: number;
  max: number;
}

export function stats(values: number[]): Stats {
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN;
  return { n: s.length, p50: at(50), p95: at(95), max: s.at(-1) ?? Number.NaN };
}

const fmtStats = (s: Stats) => `p50 ${round(s.p50, 0)} ms, p95 ${round(s.p95, 0)} ms, max ${round(s.max, 0)} ms`;

/** The scale hromada with each village on a 10 × 5 grid around 48.8° N 32.7° E, so the map has markers. */
function withLocations(config: Config): Config {
  return {
    ...config,
    villages: config.villages.map((village, i) => ({
      ...village,
      location: { lat: round(48.74 + Math.floor(i / 10) * 0.03, 4), lon: round(32.55 + (i % 10) * 0.035, 4) },
    })),
  };
}

interface Clients {
  /** ms until all were connected */
  connectMs: number;
  stop(): Promise<{ receipts: Record<string, number[]>; disconnects: number }>;
}

/** Starts the child process with `count` socket.io clients and waits until all are connected. */
async function startClients(name: string, url: string, count: number, token?: string): Promise<Clients> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/dashboard-clients.ts')], {
    cwd: ROOT,
    env: { ...process.env, BENCH_CLIENTS: JSON.stringify({ url, clients: count, ...(token ? { token } : {}) }) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = defer(
    `${name} client process`,
    async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(t);
      }
    },
    () => child.kill('SIGKILL'),
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-2000)));
  const lines = createInterface({ input: child.stdout });
  const next = () =>
    new Promise<string>((resolve, reject) => {
      const onLine = (line: string) => {
        lines.off('close', onClose);
        resolve(line);
      };
      const onClose = () => {
        lines.off('line', onLine);
        reject(new Error(`the ${name} client process ended: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
      };
      lines.once('line', onLine);
      lines.once('close', onClose);
    });
  try {
    const ready = await Promise.race([
      next(),
      sleep(60_000).then(() => {
        throw new Error(`the ${name} clients did not connect within 60 s`);
      }),
    ]);
    if (!ready.startsWith('ready ')) throw new Error(`the ${name} clients: ${ready}`);
    return {
      connectMs: Number(ready.slice('ready '.length)),
      async stop() {
        const result = next();
        child.stdin.write('stop\n');
        const line = await result;
        await kill();
        return JSON.parse(line) as { receipts: Record<string, number[]>; disconnects: number };
      },
    };
  } catch (err) {
    await kill();
    throw err;
  }
}

/** Latencies from each recorded `state` emit to its receipt in every client; and the receipts that never came. */
function clientLatencies(emits: Emit[], receipts: Record<string, number[]>, clients: number) {
  const latencies: number[] = [];
  let missing = 0;
  let events = 0;
  for (const { t, event } of emits) {
    if (event.name !== 'state') continue;
    events++;
    const got = receipts[`${event.payload.subject}|${event.payload.state}|${event.payload.since}`] ?? [];
    missing += Math.max(0, clients - got.length);
    for (const at of got) latencies.push(at - t);
  }
  return { latencies, missing, events };
}

async function signIn(base: string): Promise<{ cookie: string; value: string; csrf: string }> {
  const res = await fetch(new URL('/api/session', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`sign-in answered ${res.status}`);
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  return { cookie, value: cookie.slice(cookie.indexOf('=') + 1), csrf: ((await res.json()) as SessionInfo).csrf };
}

async function signedInContext(browser: Browser, base: string, session: { value: string }): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addCookies([{ name: 'merezha_session', value: session.value, url: base }]);
  return context;
}

/**
 * Installed before the page's own scripts: reports the performance.now() at which all cards and markers are in the DOM
 * through a CDP binding. Not polled with waitForFunction: that evaluates Playwright's injected script (about 200 KB) in
 * the page while the page is still starting, on the same main thread, and the time was counted as the dashboard's.
 */
function watchRender({ binding, cards, markers }: { binding: typeof RENDERED_BINDING; cards: number; markers: number }): void {
  const w = globalThis as unknown as PageGlobals;
  const observer = new w.MutationObserver(() => {
    if (
      w.document.querySelectorAll('[data-testid^="village-card-"]').length >= cards &&
      w.document.querySelectorAll('.village-marker[data-village]').length >= markers
    ) {
      observer.disconnect();
      w[binding]?.(String(performance.now()));
    }
  });
  observer.observe(w.document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-village'] });
}

/** The overview's data, fetched from the page as the page fetches it (in parallel, bodies parsed). */
async function fetchOverviewData(): Promise<number> {
  const t0 = performance.now();
  await Promise.all(['/api/villages', '/api/devices', '/api/hromada'].map((path) => fetch(path).then((r) => r.json())));
  return performance.now() - t0;
}

async function firstRender(ctx: BenchContext, browser: Browser, base: string, session: { value: string }) {
  const loads: { renderMs: number; fetchMs: number }[] = [];
  // One load first that is not counted: it warms the browser process (not the page: every context starts cold).
  for (let i = 0; i <= COLD_LOADS; i++) {
    const context = await signedInContext(browser, base, session);
    try {
      // Playwright widens the argument's literal binding name to string.
      await context.addInitScript(watchRender as (arg: { binding: string; cards: number; markers: number }) => void, {
        binding: RENDERED_BINDING,
        cards: VILLAGES,
        markers: VILLAGES,
      });
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('Runtime.enable');
      await cdp.send('Runtime.addBinding', { name: RENDERED_BINDING });
      const rendered = new Promise<number>((resolve) =>
        cdp.on('Runtime.bindingCalled', ({ name, payload }) => name === RENDERED_BINDING && resolve(Number(payload))),
      );
      await page.goto(base);
      let timer: NodeJS.Timeout | undefined;
      const renderMs = await Promise.race([
        rendered,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('the overview did not show all cards and markers within 30 s')), 30_000);
        }),
      ]).finally(() => clearTimeout(timer));
      // The peer is timed on a quiet page: the page's own reads after its first picture (the socket, the devices, the
      // services, the other pages' code a second later) would otherwise share the server with it and slow it down.
      await sleep(PAGE_SETTLES_MS);
      await page.waitForLoadState('networkidle');
      const fetchMs = await page.evaluate(fetchOverviewData);
      if (i > 0) loads.push({ renderMs, fetchMs });
      ctx.say(
        `  ${i === 0 ? 'warm-up load' : `cold load ${i}`}: cards and markers in ${round(renderMs, 0)} ms; data fetch ${round(fetchMs, 0)} ms`,
      );
    } finally {
      await context.close();
    }
  }
  return loads;
}

/** Records every village card's data-state change with its epoch ms. */
function watchCards(): void {
  const w = globalThis as unknown as PageGlobals;
  w.__changes = [];
  new w.MutationObserver((mutations) => {
    const at = performance.timeOrigin + performance.now();
    for (const m of mutations) {
      const id = m.target.getAttribute('data-testid') ?? '';
      const state = m.target.getAttribute('data-state') ?? '';
      if (id.startsWith('village-card-') && m.oldValue !== state)
        w.__changes!.push({ village: id.slice('village-card-'.length), state, at });
    }
  }).observe(w.document.body, { subtree: true, attributes: true, attributeFilter: ['data-state'], attributeOldValue: true });
}

async function waitUntil(what: string, condition: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

export async function runDashboard(ctx: BenchContext): Promise<SectionResult> {
  if (!existsSync(CHROMIUM))
    return { rows: [], details: {}, skipped: `dashboard skipped: ${CHROMIUM} is missing (apt-get install -y chromium)` };
  if (!existsSync(join(ROOT, 'web/dist/index.html'))) {
    ctx.say('building the web dashboard (web/dist is missing)');
    const build = await runCommand(process.execPath, [join(ROOT, 'scripts/build-web.mjs')]);
    if (build.code !== 0) throw new Error(`building the web failed: ${build.stderr}`);
  }
  const noNft = nftUnavailable();
  const octet = freeLoopbackOctet();
  const config = withLocations(generateScale({ villages: VILLAGES, devicesPerVillage: DEVICES_PER_VILLAGE, secondOctet: octet }).config);
  const devices = config.villages.flatMap((v) => v.devices);
  ctx.say(`Dashboard: ${devices.length} simulated devices in ${VILLAGES} villages on 127.${octet}.x.y; starting the stack`);

  let handle: TestStack | undefined;
  const stopStack = defer('dashboard stack (simulation, influxd, server, collector)', () => handle?.stop());
  let browser: Browser | undefined;
  const closeBrowser = defer('chromium', () => browser?.close());
  // Injected outages end before the stack stops (registered after it, so Ctrl-C ends them first too).
  const faults: { end(): void }[] = [];
  const endAll = defer('injected outages', () => faults.splice(0).forEach((f) => f.end()));
  const details: Record<string, unknown> = { devices: devices.length, villages: VILLAGES, address_block: `127.${octet}.0.0/16` };
  const rows: Row[] = [];
  try {
    const t0 = Date.now();
    const stack = await startTestStack(config, { adminPassword: ADMIN_PASSWORD }, (t) => (handle = t));
    const base = stack.url;
    const session = await signIn(base);
    await waitUntil(
      'every device to have a known state',
      async () => {
        const res = await fetch(new URL('/api/devices', base), { headers: { cookie: session.cookie } });
        return ((await res.json()) as DevicesResponse).devices.every((d) => d.state !== 'unknown');
      },
      120_000,
      500,
    );
    details.all_known_after_s = round((Date.now() - t0) / 1000, 1);
    ctx.say(`every device has a known state after ${details.all_known_after_s} s`);
    details.payload_bytes = Object.fromEntries(
      await Promise.all(
        ['/api/villages', '/api/devices', '/api/hromada'].map(async (path) => {
          const res = await fetch(new URL(path, base), { headers: { cookie: session.cookie } });
          return [path, (await res.arrayBuffer()).byteLength] as const;
        }),
      ),
    );

    // The bench's own Ctrl-C handler closes chromium with the rest; Playwright's would exit before the stack and temp dirs are gone.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });

    // ---- a) first render --------------------------------------------------
    ctx.say(`First render of the overview: ${COLD_LOADS} cold loads (new context each)`);
    const loads = await firstRender(ctx, browser, base, session);
    const renderMed = median(loads.map((l) => l.renderMs));
    const fetchMed = median(loads.map((l) => l.fetchMs));
    details.first_render = {
      loads_ms: loads.map((l) => ({ render: round(l.renderMs, 0), fetch: round(l.fetchMs, 0) })),
      render_median_ms: round(renderMed, 0),
      fetch_median_ms: round(fetchMed, 0),
    };
    rows.push({
      section: 'dashboard',
      measure: `First render of the overview, ${devices.length.toLocaleString('en')} devices in ${VILLAGES} villages (navigation start → all cards and markers in the DOM, median of ${COLD_LOADS} cold loads)`,
      merezha: `${round(renderMed, 0)} ms (${loads.map((l) => round(l.renderMs, 0)).join(', ')})`,
      peer: `data fetch alone (villages + devices + hromada, from the page): ${round(fetchMed, 0)} ms`,
      ratio: `${round(renderMed / fetchMed, 1)}× the fetch (+${round(renderMed - fetchMed, 0)} ms for page load and rendering)`,
      target: `≤ ${RENDER_TARGET_RATIO}× the fetch`,
      met: renderMed <= RENDER_TARGET_RATIO * fetchMed,
    });

    // ---- b) state change → dashboards --------------------------------------
    if (noNft) {
      return { rows, details, skipped: `state-change latency skipped: ${noNft} (outages need nftables to silence a device)` };
    }
    const outages = ctx.quick ? 8 : 15;
    // Spread over the villages; each outage takes its village offline (one uplink each).
    const uplinks = Array.from({ length: outages }, (_, i) => config.villages[Math.floor((i * VILLAGES) / outages)]!.devices[0]!.id);

    const emits: Emit[] = [];
    let recording = false;
    let batch = 0;
    let batchOpen = false;
    const waiters: { match: (e: LiveEvent) => boolean; resolve: () => void }[] = [];
    stack.dashboard.onEvent((event) => {
      const t = Date.now();
      if (!batchOpen) {
        batchOpen = true;
        batch++;
        queueMicrotask(() => (batchOpen = false));
      }
      if (recording) emits.push({ t, batch, event });
      for (const w of waiters.filter((x) => x.match(event))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    });
    const stateOf = (subject: string, state: string, timeoutMs: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${subject} did not turn ${state} within ${timeoutMs / 1000} s`)), timeoutMs);
        waiters.push({
          match: (e) => e.name === 'state' && e.payload.subject === subject && e.payload.state === state,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });

    const tokenRes = await fetch(new URL('/api/tokens', base), {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: session.cookie, 'x-csrf-token': session.csrf },
      body: JSON.stringify({ name: 'bench dashboards' }),
    });
    if (tokenRes.status !== 201) throw new Error(`creating an API token answered ${tokenRes.status}`);
    const { token } = (await tokenRes.json()) as TokenCreated;

    ctx.say(`State change → dashboards: ${CLIENTS} socket.io clients (child process) and 1 chromium tab; ${outages} uplink outages`);
    const clients = await startClients('Merezha', base, CLIENTS, token);
    const context = await signedInContext(browser, base, session);
    const page: Page = await context.newPage();
    await page.goto(base);
    await page.waitForFunction(
      (n) => {
        const cards = Array.from((globalThis as unknown as PageGlobals).document.querySelectorAll('[data-testid^="village-card-"]'));
        return cards.length === n && cards.every((c) => !['unknown', 'offline'].includes(c.getAttribute('data-state') ?? 'unknown'));
      },
      VILLAGES,
      { timeout: 60_000 },
    );
    await page.evaluate(watchCards);

    recording = true;
    const runStart = Date.now();
    const timeline: { uplink: string; injected: number; down: number | null; ended: number | null; up: number | null }[] = [];
    await Promise.all(
      uplinks.map(async (uplink, i) => {
        await sleep(i * STAGGER_MS);
        const row = {
          uplink,
          injected: Date.now() - runStart,
          down: null as number | null,
          ended: null as number | null,
          up: null as number | null,
        };
        timeline.push(row);
        const down = stateOf(uplink, 'down', 45_000);
        const fault = stack.simulation!.inject(uplink, { type: 'outage' });
        faults.push(fault);
        await down;
        row.down = Date.now() - runStart;
        await sleep(HOLD_DOWN_MS);
        const up = stateOf(uplink, 'up', 45_000);
        fault.end();
        row.ended = Date.now() - runStart;
        await up;
        row.up = Date.now() - runStart;
      }),
    );
    await endAll();
    // The devices behind each uplink come back as they are polled again: wait for all of them.
    await waitUntil(
      'every device to answer again',
      async () => {
        const res = await fetch(new URL('/api/devices', base), { headers: { cookie: session.cookie } });
        return ((await res.json()) as DevicesResponse).devices.every((d) => d.state === 'up' || d.state === 'degraded');
      },
      60_000,
      500,
    );
    await page.waitForFunction(
      () =>
        Array.from((globalThis as unknown as PageGlobals).document.querySelectorAll('[data-testid^="village-card-"]')).every(
          (c) => c.getAttribute('data-state') !== 'offline',
        ),
      undefined,
      { timeout: 10_000 },
    );
    // Deliveries are in flight for milliseconds; one second of quiet lets the last ones land.
    await sleep(1_000);
    recording = false;
    const runS = (Date.now() - runStart) / 1000;

    const changes = (await page.evaluate(() => (globalThis as unknown as PageGlobals).__changes ?? [])).map((c) => ({ ...c }));
    await context.close();
    const merezhaReceipts = await clients.stop();
    const merezha = clientLatencies(emits, merezhaReceipts.receipts, CLIENTS);

    const villageEmits = emits.filter((e): e is Emit & { event: Extract<LiveEvent, { name: 'village' }> } => e.event.name === 'village');
    const browserLatencies: number[] = [];
    let unmatched = 0;
    for (const change of changes) {
      // The latest summary of that village with that state sent before the card changed (1 ms of clock tolerance).
      const sent = villageEmits
        .filter((e) => e.event.payload.id === change.village && e.event.payload.state === change.state && e.t <= change.at + 1)
        .at(-1);
      if (sent) browserLatencies.push(change.at - sent.t);
      else unmatched++;
    }
    const stateEmits = emits.filter((e) => e.event.name === 'state').length;
    const uplinkChanges = emits.filter((e) => e.event.name === 'state' && uplinks.includes(e.event.payload.subject)).length;
    ctx.say(
      `  ${runS.toFixed(0)} s: ${stateEmits} state events (${uplinkChanges} of them uplinks), ${emits.length} events in all, ${changes.length} card changes in the browser`,
    );

    // Merezha is stopped before the peer runs: the peer has this process to itself.
    await closeBrowser();
    await stopStack();

    // ---- peer: bare socket.io ---------------------------------------------
    ctx.say(
      `Peer: a bare socket.io server broadcasting the same ${emits.length} events in the same ${new Set(emits.map((e) => e.batch)).size} bursts`,
    );
    const http = createServer();
    const io = new Server(http, { serveClient: false, maxHttpBufferSize: 10_000 });
    const closePeer = defer('peer socket.io server', async () => {
      await io.close();
      http.closeAllConnections();
    });
    let peer: ReturnType<typeof clientLatencies>;
    try {
      await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
      const peerUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}/`;
      const peerClients = await startClients('peer', peerUrl, CLIENTS);
      const peerEmits: Emit[] = [];
      const batches: Emit[][] = [];
      for (const e of emits) {
        if (batches.at(-1)?.[0]?.batch === e.batch) batches.at(-1)!.push(e);
        else batches.push([e]);
      }
      let lastAt = batches[0]?.[0]?.t ?? 0;
      for (const burst of batches) {
        // The recorded pacing, with idle gaps cut to 200 ms.
        await sleep(Math.min(200, burst[0]!.t - lastAt));
        lastAt = burst[0]!.t;
        for (const { event } of burst) {
          io.emit(event.name, event.payload);
          peerEmits.push({ t: Date.now(), batch: burst[0]!.batch, event });
        }
      }
      await sleep(1_000);
      const peerReceipts = await peerClients.stop();
      peer = clientLatencies(peerEmits, peerReceipts.receipts, CLIENTS);
    } finally {
      await closePeer();
    }

    const m = stats(merezha.latencies);
    const p = stats(peer.latencies);
    const b = stats(browserLatencies);
    details.latency = {
      run_s: round(runS, 1),
      outages: timeline,
      state_events: stateEmits,
      uplink_state_events: uplinkChanges,
      events_in_all: emits.length,
      bursts: new Set(emits.map((e) => e.batch)).size,
      clients: CLIENTS,
      clients_connect_ms: clients.connectMs,
      merezha_clients: { ...m, missing: merezha.missing, disconnects: merezhaReceipts.disconnects },
      browser: { ...b, changes: changes.length, unmatched },
      peer_clients: { ...p, missing: peer.missing },
    };
    rows.push(
      {
        section: 'dashboard',
        measure: `State change → ${CLIENTS} socket.io dashboards (server emit → receipt, ${stateEmits} state events × ${CLIENTS} clients, ${outages} uplink outages in ${round(runS, 0)} s)`,
        merezha: `${fmtStats(m)}${merezha.missing ? `; ${merezha.missing} never arrived` : ''}`,
        peer: `bare socket.io, same events and clients: ${fmtStats(p)}${peer.missing ? `; ${peer.missing} never arrived` : ''}`,
        ratio: `p95 ${round(m.p95 / Math.max(1, p.p95), 1)}× the peer's`,
        target: `p95 ≤ ${LATENCY_TARGET_MS} ms`,
        met: m.p95 <= LATENCY_TARGET_MS && merezha.missing === 0,
      },
      {
        section: 'dashboard',
        measure: `State change → village card in chromium (server emit → data-state changed in the DOM, ${changes.length} card changes, with the ${CLIENTS} clients connected)`,
        merezha: `${fmtStats(b)}${unmatched ? `; ${unmatched} changes without a matching event` : ''}`,
        peer: `socket clients' p95 ${round(m.p95, 0)} ms`,
        ratio: `p95 ${round(b.p95 / Math.max(1, m.p95), 1)}× the socket clients'`,
        target: `p95 ≤ ${LATENCY_TARGET_MS} ms`,
        met: b.n > 0 && b.p95 <= LATENCY_TARGET_MS && unmatched === 0 && changes.length >= 2 * outages,
      },
    );
    return { rows, details };
  } finally {
    await endAll();
    await closeBrowser();
    await stopStack();
  }
}
