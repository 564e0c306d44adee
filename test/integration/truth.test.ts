/**
 * Measurement truth end to end: the numbers a user reads, against what the
 * simulator knows happened. The whole stack of `merezha start` (app/stack.ts:
 * simulated devices, collector, state engine, power tracker and cause judge,
 * dashboard server) plays a scripted scenario (test/fixtures/scenarios/
 * truth-power.yaml on truth-hromada.yaml) into a test influxd: a village
 * whose UPS runs flat (power), a queue dark by the schedule
 * (scheduled_blackout), an uplink's own fault with its UPS reading mains
 * (provider), a router's own fault (device), devices cut off behind their
 * uplink (upstream) and a UPS that holds (no outage). Then, against the
 * simulator's ground truth:
 * - every outage of GET /api/outages has the scripted cause; none is missing
 *   or extra;
 * - `merezha report --from --to` over the window, as a user runs it: each
 *   device's and village's uptime, downtime by cause and adjusted uptime, and
 *   the provider's raw and SLA uptime;
 * - the dashboard's 24 h uptime of each device (GET /api/devices/:id/history)
 *   and village (GET /api/villages).
 *
 * Tolerances, and why they hold:
 * - Uptime within 0.05 percentage points. Ping runs every P = 50 ms: an
 *   outage begins at the first failed ping and ends at the first answer,
 *   each less than one interval after the network changed (the truth follows
 *   the moment the nftables rules were in force), so an outage's length is
 *   off by less than P either way, and no subject has more than two outages
 *   in the window: under 2P = 100 ms, which is 0.05 pp of the report's window
 *   of at least 200 s (and less of the dashboard's longer one). The two edges'
 *   errors mostly cancel; the worst measured is written to
 *   test/artifacts/truth.json.
 * - The report reads only the 5-minute rollups, which InfluxDB's continuous
 *   query fills for a bucket after it has ended, and the window ends inside
 *   one: the rollups of the run are recomputed first (storage's
 *   `recomputeRollups`, as the writer does after a spool replay). It counts
 *   monitored time in whole buckets, but per local day clipped to the range,
 *   so a range that begins after every device's first poll is monitored
 *   exactly from its start to its end (checked: monitored_s).
 * - The dashboard's windows end now and count monitored time in whole
 *   buckets from the bucket of a device's first poll (server/store/
 *   availability-store.ts), i.e. from up to five minutes before the
 *   simulation began. Nothing was down before it began, so the truth over the
 *   dashboard's window counts that lead as up time.
 * - Causes exactly as scripted. Recorded outages are matched to the truth's
 *   by overlap. Time a device is cut off behind an uplink that is out is not
 *   its own outage: the monitor records none for it and the report counts it
 *   as `upstream`, whatever the device's own power, so the truth of that
 *   time is compared as upstream.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../app/stack.ts';
import type { HistoryResponse, OutagesResponse, VillagesResponse } from '../../common/api.ts';
import { silentLogger } from '../../common/log.ts';
import type { ReportData } from '../../common/report.ts';
import { EXCUSED_CAUSES, OUTAGE_CAUSES, type OutageCause } from '../../common/words/power.ts';
import type { Config } from '../../config/schema.ts';
import { bucketStart } from '../../server/store/availability-store.ts';
import { difference, intersection, overlapMs, union, uptimePct, type Interval } from '../../server/uptime.ts';
import { loadScenario, type GroundTruth, type Simulation } from '../../simulator/index.ts';
import { connectionTo, createInfluxClient } from '../../storage/influx-client.ts';
import { recomputeRollups } from '../../storage/influx-setup.ts';
import { RETENTION_POLICIES } from '../../storage/measurements.ts';
import { startTestInfluxd, type TestInfluxd } from '../support/influxd.ts';
import { nftUnavailable } from '../support/nft.ts';
import { signIn } from '../support/sign-in.ts';
import { freeLoopbackOctet } from '../support/stack.ts';
import { sharingMachine } from '../support/turns.ts';

const SCENARIO = fileURLToPath(new URL('../fixtures/scenarios/truth-power.yaml', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/merezha.mjs', import.meta.url));
const ADMIN_PASSWORD = 'truth-admin-password';
const MIN = 60_000;
/** The scenario minute (at speed 60, the wall second) of the first cut, and the end of the last fault. */
const FIRST_EVENT_MIN = 20;
const LAST_EVENT_MIN = 145;
/** The report's window begins this long after the last device's first poll, and lasts at least WINDOW_MS. */
const SETTLE_MS = 1_000;
const WINDOW_MS = 200_000;
const TOLERANCE_PP = 0.05;
const run = promisify(execFile);
const noNft = nftUnavailable();

let influxd: TestInfluxd;
let dir: string;
let stack: Stack | undefined;
let sim: Simulation;
let config: Config;
let configPath: string;
let env: Record<string, string>;
let cookie: string;
let truth: GroundTruth;
/** The report's range: from just after every device's first poll, at least WINDOW_MS. */
let window: Interval;
/** The first ping of each device. */
const firstPoll = new Map<string, number>();
let report: ReportData;
let dashboard: { at: number; devices: Map<string, number | null>; villages: Map<string, number | null> };
let outages: OutagesResponse['outages'];
/** The deviations measured, written to test/artifacts/truth.json for the record. */
const measured: Record<string, unknown> = {};

const wallAt = (minute: number) => sim.world.wallAt(sim.world.clock.scenarioStart + minute * MIN);
const sleepUntil = (t: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, t - Date.now())));

async function api<T>(path: string): Promise<T> {
  const res = await fetch(new URL(path, stack!.url), { headers: { cookie } });
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}

/** The dashboard's figures as of one refresh of its uptime (retried if its own timer refreshed meanwhile). */
async function readDashboard(): Promise<typeof dashboard> {
  const index = stack!.dashboard.availability;
  for (let attempt = 0; attempt < 5; attempt++) {
    await index.refresh();
    const at = index.at;
    const villages = await api<VillagesResponse>('/api/villages');
    const devices = await Promise.all(
      deviceIds().map(async (id) => [id, (await api<HistoryResponse>(`/api/devices/${id}/history?range=24h`)).uptime['24h']] as const),
    );
    if (index.at === at) {
      return { at, devices: new Map(devices), villages: new Map(villages.villages.map((v) => [v.id, v.uptime['24h']])) };
    }
  }
  throw new Error('the dashboard refreshed its uptime during every read');
}

beforeAll(async () => {
  if (noNft) return;
  await sharingMachine(measure);
}, 10 * 60_000);

async function measure(): Promise<void> {
  influxd = await startTestInfluxd();
  dir = await mkdtemp(join(tmpdir(), 'merezha-truth-'));
  env = { TRUTH_NET: `127.${freeLoopbackOctet()}.13`, TRUTH_DIR: dir };
  const loaded = loadScenario(SCENARIO, { env });
  config = loaded.scenario.config;
  configPath = loaded.configPath;
  stack = await startStack({
    config,
    log: silentLogger(),
    version: 'test',
    simulate: loaded.scenario,
    influxUrl: influxd.url,
    port: 0,
    adminPassword: ADMIN_PASSWORD,
  });
  sim = stack.simulation!;
  cookie = (await signIn(stack.url, 'admin', ADMIN_PASSWORD)).cookie;
  // The collector polls from now on: the window starts within a few polls of it.
  const end = Math.max(wallAt(LAST_EVENT_MIN) + 5_000, Date.now() + SETTLE_MS + WINDOW_MS + 5_000);
  await sleepUntil(end);

  await stack.monitor.engine.flushed();
  await stack.writer.flush();
  const connection = connectionTo(config, influxd.url);
  const firsts = await influxd.query(
    `SELECT first("reachable") FROM "${RETENTION_POLICIES.raw}"."ping" GROUP BY "device"`,
    connection.database,
  );
  for (const row of firsts) firstPoll.set(String(row.device), Number(row.time));
  window = { from: Math.max(...firstPoll.values()) + SETTLE_MS, to: end };
  await recomputeRollups(createInfluxClient(connection), connection.database, Math.min(...firstPoll.values()), Date.now());

  dashboard = await readDashboard();
  const [outageList, cli] = await Promise.all([
    api<OutagesResponse>(`/api/outages?from=${sim.world.clock.wallStart}&to=${dashboard.at}&limit=5000&locale=en`),
    run(
      process.execPath,
      [BIN, 'report', '--from', new Date(window.from).toISOString(), '--to', new Date(window.to).toISOString(), '--config', configPath],
      { env: { ...process.env, ...env, INFLUX_URL: influxd.url }, maxBuffer: 64 * 1024 * 1024 },
    ),
  ]);
  outages = outageList.outages;
  report = JSON.parse(cli.stdout) as ReportData;
  truth = sim.groundTruth();
}

afterAll(async () => {
  if (Object.keys(measured).length) {
    await mkdir('test/artifacts', { recursive: true });
    await writeFile('test/artifacts/truth.json', `${JSON.stringify({ window, ...measured }, null, 2)}\n`);
  }
  await stack?.stop();
  await influxd?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

// ---- the truth, as the monitor counts it --------------------------------

interface Labelled extends Interval {
  cause: OutageCause;
}

const deviceIds = () => config.villages.flatMap((v) => v.devices.map((d) => d.id));
const deviceConfig = (id: string) => config.villages.flatMap((v) => v.devices).find((d) => d.id === id)!;
const truthOf = (id: string) => truth.devices.find((d) => d.device.id === id)!;

function ancestorsOf(id: string): string[] {
  const parent = deviceConfig(id).parent;
  return parent ? [parent, ...ancestorsOf(parent)] : [];
}

/** A device's true outages split into its own (with their scripted cause) and the time it was cut off behind an ancestor that was out. */
function splitOutages(id: string): { own: Labelled[]; cutOff: Interval[] } {
  const above = union(ancestorsOf(id).flatMap((a) => truthOf(a).outages));
  const all = truthOf(id).outages;
  return {
    own: all.flatMap((o) => difference([o], above).map((i) => ({ ...i, cause: o.cause }))),
    cutOff: intersection([all, above]),
  };
}

/** A device's or village's down time as the report and the dashboard count it: cut-off time as upstream. */
function countedDown(subject: { device: string } | { village: string }): Labelled[] {
  if ('village' in subject) return truth.villages.find((v) => v.village === subject.village)!.outages;
  const { own, cutOff } = splitOutages(subject.device);
  return [...own, ...cutOff.map((i) => ({ ...i, cause: 'upstream' as const }))];
}

/** Down ms inside `w`, in all and per cause. */
function downIn(down: readonly Labelled[], w: Interval): { ms: number; byCause: Record<OutageCause, number> } {
  const byCause = Object.fromEntries(OUTAGE_CAUSES.map((c) => [c, overlapMs(union(down.filter((o) => o.cause === c)), w)])) as Record<
    OutageCause,
    number
  >;
  return { ms: overlapMs(union(down), w), byCause };
}

const villageIds = () => config.villages.map((v) => v.id);
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const uplinksOf = (village: string) => config.villages.find((v) => v.id === village)!.devices.filter((d) => d.kind === 'uplink');

describe.skipIf(noNft)(`measurement truth end to end${noNft ? ` (skipped: ${noNft})` : ''}`, () => {
  it('plays every cause of outage inside the window, with every device polled from before it', () => {
    expect(window.from, 'the collector was late to start').toBeLessThan(wallAt(FIRST_EVENT_MIN));
    expect(window.to - window.from).toBeGreaterThanOrEqual(WINDOW_MS);
    expect(firstPoll.size).toBe(deviceIds().length);
    const scripted = new Set(
      [...deviceIds().flatMap((id) => countedDown({ device: id })), ...villageIds().flatMap((v) => countedDown({ village: v }))]
        .filter((o) => overlapMs([o], window) > 0)
        .map((o) => o.cause),
    );
    expect([...scripted].sort()).toEqual(['device', 'power', 'provider', 'scheduled_blackout', 'upstream']);
  });

  it('records every outage with the scripted cause, and no other', () => {
    const pairs: unknown[] = [];
    for (const id of deviceIds()) {
      const expected = splitOutages(id).own.filter((o) => o.from < dashboard.at);
      const recorded = outages.filter((o) => o.subject === id).sort((a, b) => a.start - b.start);
      expect(
        recorded.map((o) => [o.cause, o.end === null ? 'open' : 'ended']),
        `${id}: ${JSON.stringify(recorded.map((o) => [o.start, o.end, o.cause, o.cause_evidence]))}`,
      ).toEqual(expected.map((o) => [o.cause, 'ended']));
      recorded.forEach((o, i) => {
        const t = expected[i]!;
        expect(o.start < t.to && o.end! > t.from, `${id}: recorded ${o.start}–${o.end}, true ${t.from}–${t.to}`).toBe(true);
        pairs.push({ device: id, cause: o.cause, evidence: o.cause_evidence, startErrorMs: o.start - t.from, endErrorMs: o.end! - t.to });
      });
    }
    expect(outages.every((o) => deviceIds().includes(o.subject))).toBe(true);
    measured.outages = pairs;
  });

  it('the report: uptime of each device and village within 0.05 pp, its downtime by cause and adjusted uptime', () => {
    const w = window.to - window.from;
    const tolS = (TOLERANCE_PP / 100) * (w / 1000);
    const rows = [
      ...report.devices.map((r) => ({ key: r.id, subject: { device: r.id }, row: r })),
      ...report.villages.map((r) => ({ key: `village ${r.id}`, subject: { village: r.id }, row: r })),
    ];
    expect(rows.map((r) => r.key).sort()).toEqual([...deviceIds(), ...villageIds().map((v) => `village ${v}`)].sort());
    const errors: Record<string, number> = {};
    for (const { key, subject, row } of rows) {
      const down = downIn(countedDown(subject), window);
      const excused = sum(EXCUSED_CAUSES.map((c) => down.byCause[c]));
      const truePct = uptimePct(w, down.ms)!;
      errors[key] = row.uptime_pct! - truePct;
      expect(row.monitored_s, `${key}: monitored`).toBe(w / 1000);
      expect(Math.abs(row.uptime_pct! - truePct), `${key}: report ${row.uptime_pct}%, true ${truePct}%`).toBeLessThanOrEqual(TOLERANCE_PP);
      expect(
        Math.abs(row.uptime_adjusted_pct! - uptimePct(w - excused, down.ms - excused)!),
        `${key}: adjusted ${row.uptime_adjusted_pct}%`,
      ).toBeLessThanOrEqual(TOLERANCE_PP);
      for (const cause of OUTAGE_CAUSES) {
        const trueS = down.byCause[cause] / 1000;
        expect(
          Math.abs(row.downtime_by_cause[cause] - trueS),
          `${key}: ${cause} ${row.downtime_by_cause[cause]} s, true ${trueS} s`,
        ).toBeLessThanOrEqual(tolS);
        // A cause the scenario did not play is not there at all.
        if (trueS === 0) expect(row.downtime_by_cause[cause], `${key}: ${cause}`).toBe(0);
      }
    }
    for (const row of report.devices)
      expect(row.outages, `${row.id}: outages`).toBe(splitOutages(row.id).own.filter((o) => overlapMs([o], window) > 0).length);
    measured.report = { ...worst(errors), errorsPp: errors };
  });

  it('the report: the provider’s uptime, and its SLA charged with its own downtime only', () => {
    const [provider] = report.providers;
    // Its lines: the devices with the provider and no parent.
    const links = config.villages.flatMap((v) => v.devices).filter((d) => d.provider === 'ukrtelecom' && d.parent === undefined);
    expect(provider).toMatchObject({ id: 'ukrtelecom', links: links.length });
    const w = window.to - window.from;
    const downs = links.map((d) => downIn(countedDown({ device: d.id }), window));
    const raw = uptimePct(w * links.length, sum(downs.map((d) => d.ms)))!;
    const sla = uptimePct(w * links.length, sum(downs.map((d) => d.byCause.provider)))!;
    measured.provider = { uptimeErrorPp: provider!.uptime_pct! - raw, slaErrorPp: provider!.sla_uptime_pct! - sla };
    expect(Math.abs(provider!.uptime_pct! - raw)).toBeLessThanOrEqual(TOLERANCE_PP);
    expect(Math.abs(provider!.sla_uptime_pct! - sla)).toBeLessThanOrEqual(TOLERANCE_PP);
    // The blackouts are not the provider's: only its own fault is charged.
    expect(provider!.sla_uptime_pct!).toBeGreaterThan(provider!.uptime_pct! + 1);
  });

  it('the dashboard: uptime of each device and village within 0.05 pp', () => {
    const errors: Record<string, number> = {};
    const check = (key: string, shown: number | null | undefined, subject: { device: string } | { village: string }, polled: number) => {
      const w = { from: bucketStart(polled), to: dashboard.at };
      const truePct = uptimePct(w.to - w.from, downIn(countedDown(subject), w).ms)!;
      errors[key] = shown! - truePct;
      expect(Math.abs(shown! - truePct), `${key}: dashboard ${shown}%, true ${truePct}%`).toBeLessThanOrEqual(TOLERANCE_PP);
    };
    for (const id of deviceIds()) check(id, dashboard.devices.get(id), { device: id }, firstPoll.get(id)!);
    for (const v of villageIds()) {
      check(`village ${v}`, dashboard.villages.get(v), { village: v }, Math.min(...uplinksOf(v).map((d) => firstPoll.get(d.id)!)));
    }
    measured.dashboard = { at: dashboard.at, ...worst(errors), errorsPp: errors };
  });
});

/** The largest deviation of the devices and of the villages, pp. */
function worst(errors: Record<string, number>): { worstDevice: Worst; worstVillage: Worst } {
  const largest = (village: boolean) =>
    Object.entries(errors)
      .filter(([key]) => key.startsWith('village ') === village)
      .reduce<Worst>((a, [subject, pp]) => (Math.abs(pp) > Math.abs(a.pp) ? { subject, pp } : a), { subject: '', pp: 0 });
  return { worstDevice: largest(false), worstVillage: largest(true) };
}

interface Worst {
  subject: string;
  pp: number;
}
