/**
 * 9. The oblast tier: ten edges' forwarders → a 3-node NATS cluster (R3
 * streams) → the central's ingest → the central InfluxDB, all on this
 * machine. Throughput against the same points written straight into
 * InfluxDB, edge → central latency at the oblast's steady rate, the catch-up
 * after the ingest was stopped, and one edge's spool replay after its link
 * to NATS was cut with nftables. Every point is counted in InfluxDB at the end.
 *
 * Where each part runs: the ten forwarders (and the direct writers of the
 * peer) in one child process (bench/oblast-edges.ts); the three nats-server
 * nodes and influxd in processes of their own; the ingest (two pull loops,
 * the default) in this process. On two cores they all compete.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { startIngest, type Ingest } from '../central/ingest.ts';
import { startNatsCluster, type NatsCluster } from '../central/nats-cluster.ts';
import { ensureStreams } from '../central/streams.ts';
import { DATA_STREAM, INGEST_CONSUMER } from '../common/federation.ts';
import { createLogger, type Logger } from '../common/log.ts';
import { centralSchema, hromadaDatabase, type CentralConfig } from '../config/central.ts';
import { connectNats } from '../storage/forward/nats.ts';
import type { Point } from '../storage/point.ts';
import { NftPortCut, nftUnavailable } from '../simulator/nft.ts';
import { startTestInfluxd, type TestInfluxd } from '../test/support/influxd.ts';
import type { BenchContext, Row, SectionResult } from './types.ts';
import { stats, type Stats } from './dashboard.ts';
import { settle } from './influx.ts';
import { defer } from './lib/cleanup.ts';
import { median, procCpu, round, runCommand, sleep } from './lib/util.ts';
import {
  BURST_PREFIX,
  SMALL_BURST_PREFIX,
  STEADY_PREFIX,
  type EdgeCommands,
  type EdgeReply,
  type EdgeRequest,
  type EdgesInput,
  type EdgesSnapshot,
} from './oblast-edges.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const EDGES = 10;
const HROMADAS = Array.from({ length: EDGES }, (_, i) => `h${String(i + 1).padStart(2, '0')}`);
/** The edge whose link is cut: it alone uses node 3. */
const CUT_EDGE = EDGES - 1;

/** The oblast: ≈50 hromadas, ≈25,000 devices, here carried by ten edges. */
const OBLAST_DEVICES = 25_000;
const OBLAST_HROMADAS = 50;
const COUNTRY_DEVICES = 500_000;
const COUNTRY_HROMADAS = 1_470;
const PING_MS = 10_000;
const SNMP_MS = 60_000;
/** What one device stores a minute at the defaults, as the soak's fleet: 6 pings, and per SNMP poll `snmp` + `interface` + `wifi` for a third. */
const POINTS_PER_DEVICE_MIN = 60_000 / PING_MS + (60_000 / SNMP_MS) * (2 + 1 / 3);
const OBLAST_RATE = (OBLAST_DEVICES * POINTS_PER_DEVICE_MIN) / 60;
const EDGE_RATE = OBLAST_RATE / EDGES;
/** The forwarders' NATS ping: a cut link is noticed after three unanswered (6 s here; 30 s at the default 10 s). */
const NATS_PING_MS = 2_000;
/** The forwarder appends (and so sends) what came in the last 100 ms: a steady edge's message rate. */
const APPEND_MS = 100;
/** The second burst's message size: what a 500-device hromada's edge sends at its steady rate (69 points/s, a message per 100 ms). */
const SMALL_BATCH = 10;

/** How long stopping the ingest may take in a teardown (the run's own end waits for it). */
const INGEST_STOP_MS = 5_000;

const TARGET = { throughputShare: 0.5, latencyP95Ms: 2_000, catchUp: 5, replay: 10 };

const MEASUREMENTS: [measurement: string, field: string][] = [
  ['ping', 'loss_pct'],
  ['snmp', 'ok'],
  ['interface', 'oper_up'],
  ['wifi', 'clients'],
];

interface Windows {
  perEdge: number;
  /** Paired rounds of the throughput burst (direct and through the tier, alternating which goes first). */
  rounds: number;
  warmS: number;
  /** Nothing written: what the parts cost at rest. */
  idleS: number;
  steadyS: number;
  stopS: number;
  cutS: number;
}

const WINDOWS: { quick: Windows; full: Windows } = {
  quick: { perEdge: 10_000, rounds: 2, warmS: 3, idleS: 5, steadyS: 20, stopS: 20, cutS: 20 },
  full: { perEdge: 50_000, rounds: 3, warmS: 5, idleS: 10, steadyS: 60, stopS: 300, cutS: 600 },
};

// ---- the edges' process ---------------------------------------------------------

class EdgesProcess {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  private readonly stderrTail: string[] = [];
  readonly ready: Promise<void>;
  private readonly exited: Promise<void>;

  constructor(
    private readonly child: ChildProcess,
    timeoutMs: number,
  ) {
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      for (const line of d.split('\n').filter(Boolean)) {
        this.stderrTail.push(line);
        if (this.stderrTail.length > 20) this.stderrTail.shift();
      }
    });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    // A send after the process died (a Ctrl-C reaches it too) fails that call, not the benchmark.
    child.on('error', () => undefined);
    this.ready = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the edges did not start in ${timeoutMs / 1000} s: ${this.tail()}`)), timeoutMs);
      child.on('message', (reply: EdgeReply) => {
        if ('ready' in reply) {
          clearTimeout(timer);
          resolve();
          return;
        }
        const call = this.pending.get(reply.id);
        this.pending.delete(reply.id);
        if ('error' in reply) call?.reject(new Error(`edges: ${reply.error}`));
        else call?.resolve(reply.result);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        const err = new Error(`the edges' process exited (${code ?? signal}): ${this.tail()}`);
        reject(err);
        for (const call of this.pending.values()) call.reject(err);
        this.pending.clear();
      });
    });
  }

  static start(input: EdgesInput): EdgesProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/oblast-edges.ts')], {
      cwd: ROOT,
      env: { ...process.env, BENCH_OBLAST: JSON.stringify(input) },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    return new EdgesProcess(child, 60_000);
  }

  get pid(): number {
    return this.child.pid!;
  }

  tail(): string {
    return this.stderrTail.slice(-5).join('\n');
  }

  warnings(): string[] {
    return [...this.stderrTail];
  }

  call<K extends keyof EdgeCommands>(cmd: K, args: EdgeCommands[K]['args']): Promise<EdgeCommands[K]['result']> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (!this.child.connected) {
        reject(new Error(`the edges' process is gone: ${this.tail()}`));
        return;
      }
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ id, cmd, args } as EdgeRequest, (err) => {
        if (err === null) return;
        this.pending.delete(id);
        reject(err);
      });
    });
  }

  /** Closes the forwarders (their spools stay) and ends the process. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    try {
      await Promise.race([this.call('close', {}), sleep(15_000)]);
    } catch {
      // exiting anyway
    }
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(timer);
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

// ---- measuring -------------------------------------------------------------------

interface CpuSample {
  at: number;
  edges: number;
  central: number;
  nats: number[];
  influxd: number;
}

interface CpuUse {
  seconds: number;
  edges: number;
  central: number;
  nats: number[];
  natsTotal: number;
  influxd: number;
}

function cpuDiff(a: CpuSample, b: CpuSample): CpuUse {
  const nats = b.nats.map((n, i) => round(n - a.nats[i]!, 2));
  return {
    seconds: round((b.at - a.at) / 1000, 2),
    edges: round(b.edges - a.edges, 2),
    central: round(b.central - a.central, 2),
    nats,
    natsTotal: round(sum(nats), 2),
    influxd: round(b.influxd - a.influxd, 2),
  };
}

function addUse(a: CpuUse, b: CpuUse): CpuUse {
  const nats = a.nats.map((n, i) => round(n + b.nats[i]!, 2));
  return {
    seconds: round(a.seconds + b.seconds, 2),
    edges: round(a.edges + b.edges, 2),
    central: round(a.central + b.central, 2),
    nats,
    natsTotal: round(a.natsTotal + b.natsTotal, 2),
    influxd: round(a.influxd + b.influxd, 2),
  };
}

/** The pids of the cluster's nats-server processes, found by their config files. */
async function natsPids(natsDir: string, nodes: number): Promise<number[]> {
  const configs = Array.from({ length: nodes }, (_, i) => join(natsDir, 'config', `node-${i + 1}.conf`));
  const pids = configs.map(() => 0);
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const args = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    configs.forEach((config, i) => {
      if (args.includes(config)) pids[i] = Number(entry);
    });
  }
  return pids;
}

/** Points of one load (by the prefix of their village tag) in a database, optionally with times in [fromMs, toMs). */
async function stored(influxd: TestInfluxd, db: string, prefix: string, fromMs?: number, toMs?: number): Promise<number> {
  const span = fromMs === undefined ? '' : ` AND time >= ${fromMs}ms AND time < ${toMs}ms`;
  let total = 0;
  for (const [measurement, field] of MEASUREMENTS) {
    const rows = await influxd
      .query(`SELECT count("${field}") FROM "${db}"."raw"."${measurement}" WHERE "village" =~ /^${prefix}/${span}`, db)
      .catch((err: Error) => (/not found/.test(err.message) ? [] : Promise.reject(err)));
    total += Number(rows[0]?.count ?? 0);
  }
  return total;
}

async function waitUntil(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number, stepMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${round(timeoutMs / 1000, 0)} s waiting for ${what}`);
    await sleep(stepMs);
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en');
const sum = (values: number[]) => values.reduce((s, v) => s + v, 0);
const totalWritten = (s: EdgesSnapshot) => sum(s.edges.map((e) => e.burst + e.steady));

/** Warnings and errors of the central's parts, kept for results.json. */
function keptLogger(lines: string[]): Logger {
  return createLogger({
    level: 'warn',
    destination: {
      write: (line: string) => {
        if (lines.length < 50) lines.push(line.trim());
      },
    },
  });
}

// ---- the section ---------------------------------------------------------------

export async function runOblast(ctx: BenchContext): Promise<SectionResult> {
  const w = ctx.quick ? WINDOWS.quick : WINDOWS.full;
  const noNft = nftUnavailable();
  // Everything started here is stopped here, newest first, also when a step fails.
  const teardowns: { name: string; run: () => Promise<void> }[] = [];
  const later = (name: string, fn: () => unknown, sync?: () => void) => {
    const run = defer(name, fn, sync);
    teardowns.push({ name, run });
    return run;
  };
  const dir = await mkdtemp(join(tmpdir(), 'merezha-bench-oblast-'));
  later('oblast temp dir', () => rm(dir, { recursive: true, force: true }));
  const centralLog: string[] = [];
  const log = keptLogger(centralLog);
  const natsDir = join(dir, 'nats');
  let cluster: NatsCluster | undefined;
  let influxd: TestInfluxd | undefined;
  /** The servers' pids, killed at exit if their teardown never ran (a second Ctrl-C, a crash). */
  const serverPids: number[] = [];
  const killServers = () => {
    for (const pid of serverPids)
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
  };
  later('NATS cluster', () => cluster?.stop(), killServers);
  later('influxd', () => influxd?.dispose());
  try {
    [cluster, influxd] = await Promise.all([startNatsCluster({ dir: natsDir, hromadas: HROMADAS, log }), startTestInfluxd()]);
    const { urls } = cluster;
    const influxdPid = Number((await readFile(join(influxd.dir, 'influxd.pid'), 'utf8')).trim());
    const nodePids = await natsPids(natsDir, urls.length);
    serverPids.push(influxdPid, ...nodePids.filter((pid) => pid > 0));
    if (nodePids.includes(0)) throw new Error(`cannot find the nats-server processes: ${nodePids.join(', ')}`);

    const config: CentralConfig = centralSchema.parse({
      oblast: { name: 'Бенчмарк' },
      nats: { servers: urls.slice(0, 2), credentials: cluster.credentials('central') },
      hromadas: HROMADAS.map((id, i) => ({ id, name: `Громада ${i + 1}` })),
    });
    // Nodes 1 and 2 only: node 3 is the cut edge's, and its cut must not touch the central.
    const nc: NatsConnection = await connectNats({
      servers: config.nats.servers,
      credentials: config.nats.credentials,
      name: 'merezha-central-bench',
      log,
      listedServersOnly: true,
    });
    const ingests: Ingest[] = [];
    later('central ingest and its NATS connection', async () => {
      // With the cluster gone (a Ctrl-C reaches its processes too) the pull loops may wait for ever: closing the connection ends them.
      await Promise.race([Promise.all(ingests.map((i) => i.stop())), sleep(INGEST_STOP_MS)]);
      await nc.close();
    });
    const jsm: JetStreamManager = await ensureStreams(nc, {
      replicas: config.nats.replicas,
      maxAgeMs: config.nats.max_age,
      ackWaitMs: config.ingest.ack_wait,
    });

    const edges = EdgesProcess.start({
      edges: HROMADAS.map((hromada, i) => ({
        hromada,
        servers: i === CUT_EDGE ? [urls[2]!] : i % 2 === 0 ? [urls[0]!, urls[1]!] : [urls[1]!, urls[0]!],
        credentials: cluster!.credentials(hromada),
        spoolDir: join(dir, 'forward', hromada),
      })),
      devicesPerEdge: OBLAST_DEVICES / EDGES,
      pingIntervalMs: PING_MS,
      snmpIntervalMs: SNMP_MS,
      natsPingIntervalMs: NATS_PING_MS,
    });
    later(
      "edges' process",
      () => edges.stop(),
      () => edges.kill(),
    );
    await edges.ready;

    // ---- the central's ingest, restartable; its writes give the latency ----
    let recording: { from: number; to: number; values: number[] } | null = null;
    const onWritten = (_hromada: string, points: readonly Point[], at: number) => {
      if (recording === null) return;
      for (const p of points) if (p.time >= recording.from && p.time < recording.to) recording.values.push(at - p.time);
    };
    const startCentral = () => {
      const ingest = startIngest({ nc, config, influx: { url: influxd!.url }, log, onWritten });
      ingests.push(ingest);
      return ingest;
    };
    const ingested = () => sum(ingests.map((i) => i.stats().points));
    const redelivered = () => sum(ingests.map((i) => i.stats().redelivered));
    const consumer = async () => {
      const info = await jsm.consumers.info(DATA_STREAM, INGEST_CONSUMER);
      return { pending: info.num_pending, ackPending: info.num_ack_pending };
    };
    const cpu = (): CpuSample => ({
      at: performance.now(),
      edges: procCpu(edges.pid)?.own ?? 0,
      central: procCpu('self')?.own ?? 0,
      nats: nodePids.map((pid) => procCpu(pid)?.own ?? 0),
      influxd: procCpu(influxdPid)?.own ?? 0,
    });
    const streamState = async () => {
      const { state } = await jsm.streams.info(DATA_STREAM);
      return { messages: state.messages, bytes: state.bytes };
    };
    const marks = new Map<string, { at: number; bucket: number }>();
    const mark = async (name: string) => {
      const m = await edges.call('mark', {});
      marks.set(name, m);
      return m.at;
    };
    /** Until every point written so far is in InfluxDB by the ingests' count. */
    const caughtUp = async (what: string, timeoutMs: number) => {
      const written = totalWritten(await edges.call('stats', {}));
      await waitUntil(what, () => ingested() >= written, timeoutMs);
    };

    let ingest = startCentral();
    await edges.call('openSmall', { batchPoints: SMALL_BATCH });
    ctx.say(
      `Oblast: ${EDGES} edges (one process) → NATS ${urls.length} nodes R3 → ingest (${config.ingest.workers} loops, this process) → influxd; steady rate ${fmt(OBLAST_RATE)} points/s`,
    );

    // Warm-up: every database set up, every link and pull loop at work.
    await edges.call('steady', { on: true });
    await sleep(w.warmS * 1000);
    await edges.call('steady', { on: false });
    await caughtUp('the warm-up', 60_000);
    await sleep(1_000);
    const i0 = cpu();
    await sleep(w.idleS * 1000);
    const idleCpu = cpuDiff(i0, cpu());

    // ---- 1. throughput: the same points straight into InfluxDB and through the tier, in paired rounds ----
    const total = EDGES * w.perEdge;
    ctx.say(`Throughput: ${EDGES} × ${fmt(w.perEdge)} points, straight into InfluxDB and through the tier, ${w.rounds} rounds`);
    const directBurst = async (prefix: string) => {
      await settle(influxdPid);
      const c0 = cpu();
      const run = await edges.call('direct', { url: influxd!.url, spoolDir: join(dir, 'direct'), databasePrefix: 'direct_' });
      const use = cpuDiff(c0, cpu());
      const ms = run.endedAt - run.startedAt;
      const storedPoints = sum(await Promise.all(HROMADAS.map((h) => stored(influxd!, `direct_${h}`, prefix))));
      return { ms, pointsPerS: (total / ms) * 1000, stored: storedPoints, cpu: use };
    };
    /** A burst through the tier, from its first write until every point is counted in InfluxDB. */
    const tierBurst = async (prefix: string, small: boolean) => {
      await settle(influxdPid);
      const base = ingested();
      const m0 = await streamState();
      const c0 = cpu();
      const { startedAt } = await edges.call('burst', { small });
      await waitUntil('the burst in InfluxDB', () => ingested() - base >= total, 300_000);
      let endedAt = Date.now();
      const c1 = cpu();
      const m1 = await streamState();
      const perDb = () => Promise.all(HROMADAS.map((h) => stored(influxd!, hromadaDatabase(config, h), prefix)));
      let storedPoints = sum(await perDb());
      if (storedPoints !== total) {
        // Counted by the ingest but not all in InfluxDB: only a count there ends the timing.
        await waitUntil(
          'every burst point counted in InfluxDB',
          async () => (storedPoints = sum(await perDb())) === total,
          60_000,
          200,
        ).catch(() => undefined);
        endedAt = Date.now();
      }
      const ms = endedAt - startedAt;
      return { ms, pointsPerS: (total / ms) * 1000, stored: storedPoints, messages: m1.messages - m0.messages, cpu: cpuDiff(c0, c1) };
    };
    const rounds: { direct: Awaited<ReturnType<typeof directBurst>>; tier: Awaited<ReturnType<typeof tierBurst>> }[] = [];
    let wireBytesPerPoint = { burst: 0, steady: 0 };
    for (let r = 0; r < w.rounds; r++) {
      const prefix = `${BURST_PREFIX}${r}-`;
      ({ wireBytesPerPoint } = await edges.call('prepare', { perEdge: w.perEdge, prefix }));
      // Alternate the order so that neither side always writes into a busier server.
      if (r % 2 === 0) {
        const direct = await directBurst(prefix);
        rounds.push({ direct, tier: await tierBurst(prefix, false) });
      } else {
        const tier = await tierBurst(prefix, false);
        rounds.push({ direct: await directBurst(prefix), tier });
      }
      const { direct, tier } = rounds.at(-1)!;
      ctx.say(
        `  round ${r + 1}: direct ${fmt(direct.pointsPerS)} points/s, through the tier ${fmt(tier.pointsPerS)} points/s (${round((tier.pointsPerS / direct.pointsPerS) * 100, 1)}%)`,
      );
    }
    const share = median(rounds.map((r) => r.tier.pointsPerS / r.direct.pointsPerS));
    const directPps = median(rounds.map((r) => r.direct.pointsPerS));
    const tierPps = median(rounds.map((r) => r.tier.pointsPerS));
    const allStored = rounds.every((r) => r.direct.stored === total && r.tier.stored === total);
    const tierTotals = {
      cpu: rounds.map((r) => r.tier.cpu).reduce(addUse),
      points: total * rounds.length,
      messages: sum(rounds.map((r) => r.tier.messages)),
    };
    await edges.call('prepare', { perEdge: w.perEdge, prefix: `${SMALL_BURST_PREFIX}-` });
    const smallTier = await tierBurst(`${SMALL_BURST_PREFIX}-`, true);
    ctx.say(
      `  in messages of ${SMALL_BATCH} points: ${fmt(smallTier.pointsPerS)} points/s, ${fmt((smallTier.messages / smallTier.ms) * 1000)} messages/s`,
    );

    // ---- 2. latency at the steady rate ----
    ctx.say(`Steady: ${fmt(OBLAST_RATE)} points/s for ${w.steadyS} s`);
    await edges.call('steady', { on: true });
    await sleep(3_000);
    const steadyFrom = await mark('steady');
    recording = { from: steadyFrom, to: Infinity, values: [] };
    const m2 = await streamState();
    const s0 = cpu();
    await sleep(w.steadyS * 1000);
    const s1 = cpu();
    const m3 = await streamState();
    const steadyTo = await mark('after-steady');
    const latencies = recording;
    latencies.to = steadyTo;
    await sleep(3_000);
    recording = null;
    const afterSteady = await edges.call('stats', {});
    const steadyPoints = sum(afterSteady.edges.map((e) => e.buckets[marks.get('steady')!.bucket]!));
    const steadyRate = (steadyPoints / (steadyTo - steadyFrom)) * 1000;
    const latency: Stats = stats(latencies.values);
    const steadyCpu = cpuDiff(s0, s1);
    ctx.say(
      `  p50 ${round(latency.p50, 0)} ms, p95 ${round(latency.p95, 0)} ms, max ${round(latency.max, 0)} ms over ${fmt(latency.n)} points`,
    );

    // ---- 3a. the central's ingest stopped while the edges write on ----
    ctx.say(`Catch-up: the ingest stopped for ${w.stopS} s`);
    const stoppedFrom = await mark('stopped');
    await ingest.stop();
    const backlogSamples: { s: number; pending_messages: number }[] = [];
    const stopStart = Date.now();
    while (Date.now() - stopStart < w.stopS * 1000) {
      await sleep(Math.min(5_000, stopStart + w.stopS * 1000 - Date.now()));
      backlogSamples.push({ s: round((Date.now() - stopStart) / 1000, 0), pending_messages: (await consumer()).pending });
    }
    const stoppedTo = await mark('restarted');
    const atRestart = await edges.call('stats', {});
    const writtenAtRestart = totalWritten(atRestart);
    const ingestedAtRestart = ingested();
    const backlogPoints = writtenAtRestart - ingestedAtRestart;
    const backlogMessages = (await consumer()).pending;
    const r0 = cpu();
    const restartedAt = Date.now();
    ingest = startCentral();
    await waitUntil('the backlog drained', () => ingested() >= writtenAtRestart, Math.max(120_000, w.stopS * 2_000), 20);
    const drainedAt = Date.now();
    const r1 = cpu();
    const drainS = (drainedAt - restartedAt) / 1000;
    const catchUpRate = (ingested() - ingestedAtRestart) / drainS;
    const stoppedWritten = (atRestart.at - stopStart) / 1000;
    ctx.say(
      `  backlog ${fmt(backlogPoints)} points (${fmt(backlogMessages)} messages) after ${round(stoppedWritten, 0)} s; drained in ${round(drainS, 1)} s at ${fmt(catchUpRate)} points/s`,
    );

    // ---- 3b. one edge's link to NATS cut ----
    let cutFigures: Record<string, unknown> = { skipped: noNft };
    let replayRow: Row | undefined;
    if (noNft === undefined) {
      ctx.say(`Edge cut: ${HROMADAS[CUT_EDGE]}'s link to NATS (node 3) dropped for ${w.cutS} s`);
      await sleep(3_000);
      const node = cluster.plan.nodes[2]!;
      const portCut = new NftPortCut(node.clientPort, node.host);
      const liftCut = later(
        'nft table',
        () => portCut.dispose(),
        () => portCut.dispose(),
      );
      const cutFrom = await mark('cut');
      portCut.apply();
      const cutStart = Date.now();
      const cutSamples: { s: number; backlog: number; link_up: boolean }[] = [];
      while (Date.now() - cutStart < w.cutS * 1000) {
        await sleep(Math.min(5_000, cutStart + w.cutS * 1000 - Date.now()));
        const e = (await edges.call('stats', {})).edges[CUT_EDGE]!;
        cutSamples.push({ s: round((Date.now() - cutStart) / 1000, 0), backlog: e.backlog, link_up: e.linkUp });
      }
      await edges.call('watchReplay', { edge: CUT_EDGE, settledPoints: Math.ceil(EDGE_RATE), timeoutMs: 180_000 + w.cutS * 100 });
      await liftCut();
      const liftedAt = Date.now();
      const cutTo = await mark('lifted');
      const replay = await edges.call('replayed', {});
      if (replay.firstAckAt === null || replay.drainedAt === null)
        throw new Error(`the cut edge did not replay its spool: ${edges.tail()}`);
      const replayed = replay.backlogAtStart + replay.writtenDuring - replay.backlogAtEnd;
      const replayS = (replay.drainedAt - replay.firstAckAt) / 1000;
      const replayRate = replayed / Math.max(0.001, replayS);
      const linkBackS = (replay.firstAckAt - liftedAt) / 1000;
      ctx.say(
        `  backlog ${fmt(replay.backlogAtStart)} points; link back ${round(linkBackS, 1)} s after the lift; replayed in ${round(replayS, 2)} s at ${fmt(replayRate)} points/s`,
      );
      cutFigures = {
        cut_s: w.cutS,
        cut_from: cutFrom,
        cut_to: cutTo,
        samples: cutSamples,
        replay,
        replayed_points: replayed,
        replay_s: replayS,
        replay_points_per_s: replayRate,
        link_back_s_after_lift: linkBackS,
        edge_steady_points_per_s: EDGE_RATE,
      };
      replayRow = {
        section: 'oblast',
        measure: `One edge's link to NATS cut for ${w.cutS} s (nftables), then its spool replayed`,
        merezha: `${fmt(replay.backlogAtStart)} points waiting; replayed at ${fmt(replayRate)} points/s (${round(replayS, 2)} s; link back ${round(linkBackS, 1)} s after the cut was lifted)`,
        peer: `its steady rate: ${fmt(EDGE_RATE)} points/s`,
        ratio: `${round(replayRate / EDGE_RATE, 1)}× its steady rate`,
        target: `≥ ${TARGET.replay}× its steady rate (a 10-min cut replayed within a minute)`,
        met: replayRate >= TARGET.replay * EDGE_RATE,
      };
    }

    // ---- everything in, counted ----
    await edges.call('steady', { on: false });
    const final = await edges.call('stats', {});
    await waitUntil(
      'the edges to deliver everything',
      async () => (await edges.call('stats', {})).edges.every((e) => e.backlog === 0),
      120_000,
      200,
    );
    await caughtUp('the last points', 120_000);
    await waitUntil(
      'every message acknowledged',
      async () => {
        const c = await consumer();
        return c.pending === 0 && c.ackPending === 0;
      },
      60_000,
      200,
    );
    const written = totalWritten(final);
    const check = async (prefix: string, from?: number, to?: number) =>
      Promise.all(HROMADAS.map((h) => stored(influxd!, hromadaDatabase(config, h), prefix, from, to)));
    const storedBurst = await check(BURST_PREFIX);
    const storedSmall = await check(SMALL_BURST_PREFIX);
    const storedSteady = await check(STEADY_PREFIX);
    const storedAll = sum(storedBurst) + sum(storedSmall) + sum(storedSteady);
    const bucketOf = (name: string) => marks.get(name)!.bucket;
    const inBucket = (name: string) => final.edges.map((e) => e.buckets[bucketOf(name)]!);
    const whileStopped = { written: inBucket('stopped'), stored: await check(STEADY_PREFIX, stoppedFrom, stoppedTo) };
    const stoppedOk = sum(whileStopped.written) === sum(whileStopped.stored);
    const cut = marks.has('cut')
      ? {
          written: inBucket('cut')[CUT_EDGE]!,
          stored: (await check(STEADY_PREFIX, marks.get('cut')!.at, marks.get('lifted')!.at))[CUT_EDGE]!,
        }
      : null;
    if (replayRow !== undefined && cut !== null) {
      replayRow.met = replayRow.met === true && cut.written === cut.stored;
      replayRow.merezha += `; stored ${fmt(cut.stored)} of ${fmt(cut.written)} written during the cut`;
    }
    const everyPointOnce = storedAll === written && final.edges.every((e) => e.dropped === 0);
    const stream = await jsm.streams.info(DATA_STREAM);
    const storeBytes = await Promise.all(
      cluster.plan.nodes.map(async (n) => Number((await runCommand('du', ['-sb', n.storeDir])).stdout.split('\t')[0] ?? 0)),
    );

    // ---- per-node rates, for sizing on paper ----
    const regimes = {
      full: tierTotals,
      small: { cpu: smallTier.cpu, points: total, messages: smallTier.messages },
      steady: { cpu: steadyCpu, points: steadyPoints, messages: m3.messages - m2.messages },
    };
    const cost = costModels(idleCpu, regimes.full, regimes.small);
    const directCpu = rounds.map((r) => r.direct.cpu).reduce(addUse);
    const perCpuS = (cpuS: number) => (cpuS > 0 ? round(tierTotals.points / cpuS, 0) : null);
    const perNode = {
      tier_points_per_s: round(tierPps, 0),
      tier_small_messages_points_per_s: round(smallTier.pointsPerS, 0),
      tier_small_messages_per_s: round((smallTier.messages / smallTier.ms) * 1000, 0),
      direct_points_per_s: round(directPps, 0),
      points_per_message: Object.fromEntries(Object.entries(regimes).map(([name, r]) => [name, round(r.points / r.messages, 1)])),
      points_per_cpu_s_full_messages: {
        edges: perCpuS(tierTotals.cpu.edges),
        ingest: perCpuS(tierTotals.cpu.central),
        nats_all_nodes: perCpuS(tierTotals.cpu.natsTotal),
        influxd_via_ingest: perCpuS(tierTotals.cpu.influxd),
        influxd_direct: perCpuS(directCpu.influxd),
      },
      cost,
      // The model against what the steady stream (a message per edge per 100 ms) cost.
      steady_cores: { measured: cores(steadyCpu), predicted: predictedCores(cost, regimes.steady) },
      idle_cores: cores(idleCpu),
      stream: {
        messages: stream.state.messages,
        bytes: stream.state.bytes,
        bytes_per_point: round(stream.state.bytes / written, 1),
        bytes_per_message: round(stream.state.bytes / stream.state.messages, 0),
        disk_bytes_per_node: storeBytes,
        disk_bytes_per_point_per_node: storeBytes.map((bytes) => round(bytes / written, 1)),
      },
      wire_bytes_per_point: { burst: round(wireBytesPerPoint.burst, 1), steady: round(wireBytesPerPoint.steady, 1) },
    };

    const rows: Row[] = [
      {
        section: 'oblast',
        measure: `Oblast tier throughput, ${EDGES} edges × ${fmt(w.perEdge)} points: forwarders → NATS (3 nodes, R3) → ingest → InfluxDB (everything on this machine)`,
        merezha: `${fmt(tierPps)} points/s (${rounds.map((r) => `${round(r.tier.ms / 1000, 1)} s`).join(', ')}; stored ${rounds.map((r) => fmt(r.tier.stored)).join(', ')} of ${fmt(total)})`,
        peer: `${EDGES} storage writers straight into InfluxDB: ${fmt(directPps)} points/s (stored ${rounds.map((r) => fmt(r.direct.stored)).join(', ')})`,
        ratio: `${round(share * 100, 1)}% of direct writes (median of ${rounds.length} paired rounds: ${rounds.map((r) => `${round((r.tier.pointsPerS / r.direct.pointsPerS) * 100, 0)}%`).join(', ')}); ${round(tierPps / OBLAST_RATE, 1)}× the oblast's steady rate`,
        target: `≥ ${TARGET.throughputShare * 100}% of direct writes`,
        met: share >= TARGET.throughputShare && allStored,
      },
      {
        section: 'oblast',
        measure: `The same points, the edges sending ${SMALL_BATCH} points a message (a 500-device hromada's steady messages) instead of up to 500 (batch_points)`,
        merezha: `${fmt(smallTier.pointsPerS)} points/s, ${fmt((smallTier.messages / smallTier.ms) * 1000)} messages/s (${round(smallTier.ms / 1000, 1)} s; stored ${fmt(smallTier.stored)}/${fmt(total)})`,
        peer: `direct writes: ${fmt(directPps)} points/s`,
        ratio: `${round((smallTier.pointsPerS / directPps) * 100, 1)}% of direct writes`,
        target: '— (reported: the message rate decides the sizing)',
        met: null,
      },
      {
        section: 'oblast',
        measure: `Edge → central latency, steady state: ${fmt(OBLAST_DEVICES)} devices (ping ${PING_MS / 1000} s, SNMP ${SNMP_MS / 1000} s) = ${fmt(steadyRate)} points/s from ${EDGES} edges, ${w.steadyS} s`,
        merezha: `p50 ${round(latency.p50, 0)} ms, p95 ${round(latency.p95, 0)} ms, max ${round(latency.max, 0)} ms (${fmt(latency.n)} of ${fmt(steadyPoints)} points)`,
        peer: '—',
        ratio: `p95 ${round(latency.p95 / 1000, 2)} s`,
        target: `p95 ≤ ${TARGET.latencyP95Ms / 1000} s`,
        met: latency.p95 <= TARGET.latencyP95Ms && latency.n >= steadyPoints,
      },
      {
        section: 'oblast',
        measure: `Catch-up after the central ingest was stopped for ${w.stopS} s, the edges writing on`,
        merezha: `${fmt(backlogPoints)} points waiting (${fmt(backlogMessages)} messages); drained in ${round(drainS, 1)} s at ${fmt(catchUpRate)} points/s; stored ${fmt(sum(whileStopped.stored))} of ${fmt(sum(whileStopped.written))} written meanwhile`,
        peer: `the steady rate: ${fmt(OBLAST_RATE)} points/s`,
        ratio: `${round(catchUpRate / OBLAST_RATE, 1)}× the steady rate`,
        target: `≥ ${TARGET.catchUp}× the steady rate; nothing lost`,
        met: catchUpRate >= TARGET.catchUp * OBLAST_RATE && stoppedOk,
      },
      ...(replayRow === undefined ? [] : [replayRow]),
      {
        section: 'oblast',
        measure: 'Every point of the section in the central InfluxDB once (burst, steady, catch-up, cut)',
        merezha: `stored ${fmt(storedAll)} of ${fmt(written)} written (${EDGES} databases)`,
        peer: '—',
        ratio: `${fmt(storedAll - written)} missing or extra; ${fmt(redelivered())} messages redelivered (written again, idempotent), ${fmt(sum(final.edges.map((e) => e.duplicates)))} duplicates dropped by JetStream`,
        target: 'stored = written, nothing dropped at the edges',
        met: everyPointOnce,
      },
    ];

    // The normal way out, with all the time it takes; the teardowns then find everything stopped.
    await edges.stop();
    await Promise.all(ingests.map((i) => i.stop()));
    await nc.close();
    return {
      rows,
      ...(noNft === undefined ? {} : { skipped: `oblast: the edge cut was skipped: ${noNft}` }),
      details: {
        where: {
          edges: `one Node process, ${EDGES} forwarders (pid ${edges.pid})`,
          nats: `${urls.length} nats-server processes (pids ${nodePids.join(', ')})`,
          ingest: `this process, ${config.ingest.workers} pull loops, fetch ${config.ingest.fetch}, batch ${config.storage.batch_size}`,
          influxd: `one process (pid ${influxdPid})`,
          cut_edge: `${HROMADAS[CUT_EDGE]} uses node 3 alone; the others and the central use nodes 1 and 2`,
          nats_server: (await runCommand('nats-server', ['--version'])).stdout.trim(),
        },
        windows: w,
        rates: {
          points_per_device_per_minute: round(POINTS_PER_DEVICE_MIN, 3),
          oblast_points_per_s: round(OBLAST_RATE, 1),
          edge_points_per_s: round(EDGE_RATE, 1),
          measured_steady_points_per_s: round(steadyRate, 1),
          nats_ping_ms: NATS_PING_MS,
        },
        throughput: {
          points: total,
          rounds,
          direct_points_per_s_median: directPps,
          tier_points_per_s_median: tierPps,
          share,
          small_messages: { batch_points: SMALL_BATCH, ...smallTier },
        },
        latency: { ...latency, window_s: w.steadyS, steady_points: steadyPoints, cpu: steadyCpu },
        catch_up: {
          stop_s: w.stopS,
          backlog_points: backlogPoints,
          backlog_messages: backlogMessages,
          samples: backlogSamples,
          drain_s: drainS,
          points_per_s: catchUpRate,
          multiple_of_steady: catchUpRate / OBLAST_RATE,
          while_stopped: whileStopped,
          cpu: cpuDiff(r0, r1),
        },
        edge_cut: { ...cutFigures, stored: cut },
        counts: { written, stored_burst: storedBurst, stored_small_burst: storedSmall, stored_steady: storedSteady, edges: final.edges },
        per_node: perNode,
        sizing: sizing(perNode.cost, perNode.stream.bytes_per_point),
        central_warnings: centralLog,
        edge_warnings: edges.warnings(),
      },
    };
  } finally {
    for (const { name, run } of teardowns.reverse())
      await run().catch((err: unknown) =>
        ctx.say(`oblast: stopping the ${name} failed: ${err instanceof Error ? err.message : String(err)}`),
      );
  }
}

const PARTS = ['edges', 'central', 'natsTotal', 'influxd'] as const;
type Part = (typeof PARTS)[number];

interface Regime {
  cpu: CpuUse;
  points: number;
  messages: number;
}

/** A part's CPU as cores at rest plus µs per message plus µs per point. */
export interface Cost {
  idle_cores: number;
  us_per_message: number;
  us_per_point: number;
}

/**
 * Solves cpu − idle = a × messages + b × points from two regimes that differ
 * in message size (the same points in full messages and in small ones, both
 * as fast as the tier goes). Noise can make one term negative: then it is 0
 * and the small-message regime alone gives the other.
 */
export function costModel(
  idleCores: number,
  full: { cpuS: number; seconds: number; points: number; messages: number },
  small: typeof full,
): Cost {
  const net = (r: typeof full) => Math.max(0, r.cpuS - idleCores * r.seconds);
  const [cf, cs] = [net(full), net(small)];
  const det = full.messages * small.points - small.messages * full.points;
  let a = det === 0 ? -1 : (cf * small.points - cs * full.points) / det;
  let b = det === 0 ? -1 : (full.messages * cs - small.messages * cf) / det;
  if (a < 0) [a, b] = [0, cs / small.points];
  else if (b < 0) [a, b] = [cs / small.messages, 0];
  return { idle_cores: round(idleCores, 3), us_per_message: round(a * 1e6, 1), us_per_point: round(b * 1e6, 2) };
}

function costModels(idle: CpuUse, full: Regime, small: Regime): Record<Part, Cost> {
  const of = (part: Part, r: Regime) => ({ cpuS: r.cpu[part], seconds: r.cpu.seconds, points: r.points, messages: r.messages });
  return Object.fromEntries(PARTS.map((part) => [part, costModel(idle[part] / idle.seconds, of(part, full), of(part, small))])) as Record<
    Part,
    Cost
  >;
}

/** Cores each part used over a window. */
function cores(use: CpuUse): Record<Part, number> {
  return Object.fromEntries(PARTS.map((part) => [part, round(use[part] / use.seconds, 3)])) as Record<Part, number>;
}

/** Cores the model gives each part for a regime's rates. */
function predictedCores(cost: Record<Part, Cost>, r: Regime): Record<Part, number> {
  const seconds = r.cpu.seconds;
  return Object.fromEntries(
    PARTS.map((part) => [
      part,
      round(cost[part].idle_cores + (r.messages * cost[part].us_per_message + r.points * cost[part].us_per_point) / 1e6 / seconds, 3),
    ]),
  ) as Record<Part, number>;
}

/**
 * The oblast and the country on paper, from this run's cost model: the cores
 * each central part needs at the steady rate and at the catch-up peak the
 * target asks for (5× the steady rate), and the stream's disk per day. An
 * edge sends about one message per 100 ms (the forwarder's append delay), so
 * messages grow with the number of hromadas, points with the devices.
 */
function sizing(cost: Record<Part, Cost>, bytesPerPoint: number) {
  const plan = (hromadas: number, devices: number) => {
    const points = (devices * POINTS_PER_DEVICE_MIN) / 60;
    const messages = hromadas * (1000 / APPEND_MS);
    const cores = (part: Part, k: number) =>
      round(cost[part].idle_cores + (k * (messages * cost[part].us_per_message + points * cost[part].us_per_point)) / 1e6, 2);
    const at = (k: number) => ({
      ingest_cores: cores('central', k),
      influxd_cores: cores('influxd', k),
      nats_cores_all_nodes: cores('natsTotal', k),
    });
    return {
      hromadas,
      devices,
      points_per_s: round(points, 0),
      messages_per_s: round(messages, 0),
      steady: at(1),
      catch_up_peak: at(TARGET.catchUp),
      stream_gb_per_day_per_node: round((points * 86_400 * bytesPerPoint) / 1e9, 1),
    };
  };
  return {
    points_per_device_per_minute: round(POINTS_PER_DEVICE_MIN, 3),
    oblast: plan(OBLAST_HROMADAS, OBLAST_DEVICES),
    country: plan(COUNTRY_HROMADAS, COUNTRY_DEVICES),
  };
}
