/**
 * The edges of the oblast benchmark (bench/oblast.ts): ten hromadas'
 * forwarders (`openForwarder`, as `merezha start` runs one with `forward:`)
 * in a process of their own, so that their work does not share the event
 * loop of the central's ingest, and the load they are given: bursts of
 * stored points (through the forwarders, in full messages or in small ones),
 * a steady oblast-like stream stamped with the moment of the write, and the
 * bursts' peer (the same points written straight into InfluxDB by the
 * storage writer).
 *
 * Input (env BENCH_OBLAST, JSON): EdgesInput. Protocol over the IPC channel:
 * it sends `{ ready: true }` once every forwarder is open, then answers each
 * `{ id, cmd, args }` with `{ id, result }` or `{ id, error }`.
 */
import { join } from 'node:path';
import { createLogger } from '../common/log.ts';
import { forwardSchema } from '../config/schema-forward.ts';
import { openForwarder, type Forwarder } from '../storage/forward/forwarder.ts';
import { encodeData } from '../storage/forward/wire.ts';
import type { Point } from '../storage/point.ts';
import { openInfluxWriter } from '../storage/writer.ts';
import { testWriterOptions } from '../test/support/influxd.ts';
import { realisticPoints } from './influx.ts';

export interface EdgesInput {
  edges: { hromada: string; servers: string[]; credentials: string; spoolDir: string }[];
  /** Devices each edge stands for in the steady stream. */
  devicesPerEdge: number;
  pingIntervalMs: number;
  snmpIntervalMs: number;
  /** The forwarders' NATS ping interval. */
  natsPingIntervalMs: number;
}

/**
 * The first letter of every village tag says which load a point belongs to,
 * so that each can be counted apart: the bursts in full messages
 * (`batch_points`, the default 500; `b<round>-`), the burst in small
 * messages (`c-`) and the steady stream (`s-`).
 */
export const BURST_PREFIX = 'b';
export const SMALL_BURST_PREFIX = 'c';
export const STEADY_PREFIX = 's';

export interface EdgeSnapshot {
  /** Steady points written, in total and per bucket (the spans between marks). */
  steady: number;
  buckets: number[];
  /** Points of all bursts handed to its forwarders. */
  burst: number;
  backlog: number;
  linkUp: boolean;
  published: number;
  acked: number;
  duplicates: number;
  dropped: number;
}

export interface EdgesSnapshot {
  at: number;
  edges: EdgeSnapshot[];
}

export interface ReplayFigures {
  /** When the watch began (just before the cut was lifted), the first acknowledgement after it, and when the backlog was back to its steady level. */
  watchedAt: number;
  firstAckAt: number | null;
  drainedAt: number | null;
  backlogAtStart: number;
  backlogAtEnd: number;
  /** Steady points the edge wrote while it replayed. */
  writtenDuring: number;
}

export interface EdgeCommands {
  /** Makes a burst's points, village tags starting with `prefix` (outside any timed part), and measures the wire size of both kinds of points. */
  prepare: { args: { perEdge: number; prefix: string }; result: { wireBytesPerPoint: { burst: number; steady: number } } };
  /** Opens a second forwarder per edge that sends `batchPoints` points a message; resolves once all are connected. */
  openSmall: { args: { batchPoints: number }; result: Record<string, never> };
  /**
   * Hands every edge the prepared burst, 50 points at a time as the collector
   * does, through its forwarder or its small-message one. `startedAt` is the first write.
   */
  burst: { args: { small: boolean }; result: { startedAt: number } };
  /** The peer: the burst written by ten storage writers straight into InfluxDB, one fresh database each. */
  direct: {
    args: { url: string; spoolDir: string; databasePrefix: string };
    result: { startedAt: number; endedAt: number; written: number[] };
  };
  steady: { args: { on: boolean }; result: EdgesSnapshot };
  /** Starts a new bucket: every steady point written before has a time < `at`, every one after ≥ `at`. */
  mark: { args: Record<string, never>; result: { at: number; bucket: number } };
  stats: { args: Record<string, never>; result: EdgesSnapshot };
  /** Starts watching an edge's spool replay; `replayed` waits for its end. */
  watchReplay: { args: { edge: number; settledPoints: number; timeoutMs: number }; result: { watchedAt: number } };
  replayed: { args: Record<string, never>; result: ReplayFigures };
  close: { args: Record<string, never>; result: EdgesSnapshot };
}

export type EdgeRequest = { [K in keyof EdgeCommands]: { id: number; cmd: K; args: EdgeCommands[K]['args'] } }[keyof EdgeCommands];
export type EdgeReply = { ready: true } | { id: number; result: unknown } | { id: number; error: string };

// ---- the load ----------------------------------------------------------------

const KINDS = ['uplink', 'wifi', 'institution'] as const;
const PROVIDERS = ['ukrtelecom', 'volia', 'kyivstar'];
const CATEGORIES = ['school', 'kindergarten', 'clinic', 'library', 'culture', 'council', 'cnap'];

function deviceTags(d: number): Record<string, string> {
  const kind = KINDS[d % 3]!;
  const tags: Record<string, string> = { village: `${STEADY_PREFIX}village-${d % 50}`, device: `${kind}-${d}`, kind };
  if (kind === 'uplink') tags.provider = PROVIDERS[d % PROVIDERS.length]!;
  if (kind === 'institution') tags.category = CATEGORIES[d % CATEGORIES.length]!;
  return tags;
}

/** A device's ping probe, as the collector stores it (one in fifty lost). */
function pingPoint(d: number, k: number, time: number): Point {
  const jitter = ((k * 7919) % 1000) / 1000;
  const lost = k % 50 === 0;
  return {
    measurement: 'ping',
    tags: deviceTags(d),
    fields: lost
      ? { reachable: 0, loss_pct: 100, sent: 3 }
      : { reachable: 1, loss_pct: 0, sent: 3, rtt_min_ms: 0.8 + jitter, rtt_avg_ms: 1.2 + jitter, rtt_max_ms: 2.5 + jitter },
    time,
  };
}

/** A device's SNMP poll: the `snmp` point, its interface, and the Wi-Fi clients of an access point (a third of the devices, as in the soak). */
function snmpPoints(d: number, k: number, time: number): Point[] {
  const tags = deviceTags(d);
  const jitter = ((k * 7919) % 1000) / 1000;
  const points: Point[] = [
    { measurement: 'snmp', tags, fields: { ok: 1, response_ms: 12 + 30 * jitter, sys_uptime_s: 86_400 + k }, time },
    {
      measurement: 'interface',
      tags: { ...tags, interface: 'ether1' },
      fields: {
        oper_up: 1,
        speed_mbps: 100,
        in_bps: Math.round(5_000_000 * (1 + jitter)) + 0.5,
        out_bps: Math.round(900_000 * (1 + jitter)) + 0.25,
        in_errors: k % 11 === 0 ? 2 : 0,
        out_errors: 0,
        in_discards: 0,
        out_discards: 0,
      },
      time,
    },
  ];
  if (tags.kind === 'wifi')
    points.push({ measurement: 'wifi', tags: { ...tags, vendor: 'tplink' }, fields: { clients: 3 + (k % 17), radios_up: 2 }, time });
  return points;
}

/**
 * One edge's steady stream: its devices' probes in the collector's rhythm,
 * each device at its own phase of the interval (slot k of the interval is
 * device k mod devices), so an edge writes a few dozen points every tick.
 */
class SteadyLoad {
  private pingSlots: number;
  private snmpSlots: number;

  constructor(
    private readonly input: EdgesInput,
    private readonly offsetMs: number,
    now: number,
  ) {
    this.pingSlots = this.slots(now, input.pingIntervalMs);
    this.snmpSlots = this.slots(now, input.snmpIntervalMs);
  }

  private slots(now: number, intervalMs: number): number {
    return Math.floor(((now + this.offsetMs) * this.input.devicesPerEdge) / intervalMs);
  }

  /** The points due since the last call, stamped `time`. */
  due(now: number, time: number): Point[] {
    const devices = this.input.devicesPerEdge;
    const points: Point[] = [];
    const ping = this.slots(now, this.input.pingIntervalMs);
    for (let k = this.pingSlots + 1; k <= ping; k++) points.push(pingPoint(k % devices, k, time));
    this.pingSlots = ping;
    const snmp = this.slots(now, this.input.snmpIntervalMs);
    for (let k = this.snmpSlots + 1; k <= snmp; k++) points.push(...snmpPoints(k % devices, k, time));
    this.snmpSlots = snmp;
    return points;
  }
}

const TICK_MS = 100;
const COLLECTOR_CHUNK = 50;

function wireBytesPerPoint(points: Point[]): number {
  const batch = points.slice(0, 500);
  return Buffer.byteLength(encodeData(batch)) / batch.length;
}

// ---- the process ---------------------------------------------------------------

/** Runs the edges; only when started as the benchmark's child, not when the types are imported. */
async function main(): Promise<void> {
  const input = JSON.parse(process.env.BENCH_OBLAST ?? '{}') as EdgesInput;
  // Warnings and errors go to stderr, which the benchmark keeps the tail of.
  const log = createLogger({ level: 'warn' });
  const openEdge = (edge: EdgesInput['edges'][number], overrides: Record<string, unknown> = {}) =>
    openForwarder({
      forward: forwardSchema.parse({
        hromada: edge.hromada,
        servers: edge.servers,
        credentials: edge.credentials,
        spool_dir: edge.spoolDir,
        ...overrides,
      }),
      log: log.child({ hromada: edge.hromada }),
      pingIntervalMs: input.natsPingIntervalMs,
    });
  const forwarders: Forwarder[] = [];
  for (const edge of input.edges) forwarders.push(await openEdge(edge));

  const counts = input.edges.map(() => ({ steady: 0, buckets: [0], burst: 0 }));
  let burst: Point[][] = [];
  /** The small-message forwarders, one per edge, made by `openSmall`. */
  const small: Forwarder[] = [];
  let steadyTimer: NodeJS.Timeout | undefined;
  let loads: SteadyLoad[] = [];
  /** Every stamp so far is ≤ lastStamp; after a mark every new one is ≥ floor. */
  let lastStamp = 0;
  let floor = 0;
  let replay: Promise<ReplayFigures> | undefined;

  const snapshot = (): EdgesSnapshot => ({
    at: Date.now(),
    edges: forwarders.map((f, i) => {
      const s = f.stats();
      const extra = small[i]?.stats();
      return {
        ...counts[i]!,
        buckets: [...counts[i]!.buckets],
        backlog: s.backlog.points + (extra?.backlog.points ?? 0),
        linkUp: s.linkUp,
        published: s.published,
        acked: s.acked,
        duplicates: s.duplicates + (extra?.duplicates ?? 0),
        dropped: s.backlog.dropped + (extra?.backlog.dropped ?? 0),
      };
    }),
  });

  const tick = () => {
    const now = Date.now();
    const time = Math.max(now, floor);
    lastStamp = Math.max(lastStamp, time);
    forwarders.forEach((forwarder, i) => {
      const points = loads[i]!.due(now, time);
      if (points.length === 0) return;
      forwarder.write(points);
      counts[i]!.steady += points.length;
      counts[i]!.buckets[counts[i]!.buckets.length - 1]! += points.length;
    });
  };

  const watch = async (edge: number, settledPoints: number, timeoutMs: number): Promise<ReplayFigures> => {
    const forwarder = forwarders[edge]!;
    const start = forwarder.stats();
    const steadyAtStart = counts[edge]!.steady;
    const figures: ReplayFigures = {
      watchedAt: Date.now(),
      firstAckAt: null,
      drainedAt: null,
      backlogAtStart: start.backlog.points,
      backlogAtEnd: start.backlog.points,
      writtenDuring: 0,
    };
    const deadline = figures.watchedAt + timeoutMs;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      const s = forwarder.stats();
      if (figures.firstAckAt === null && s.acked > start.acked) figures.firstAckAt = Date.now();
      if (figures.firstAckAt !== null && s.backlog.points <= settledPoints) {
        figures.drainedAt = Date.now();
        figures.backlogAtEnd = s.backlog.points;
        break;
      }
    }
    figures.writtenDuring = counts[edge]!.steady - steadyAtStart;
    return figures;
  };

  const handlers: { [K in keyof EdgeCommands]: (args: EdgeCommands[K]['args']) => Promise<EdgeCommands[K]['result']> } = {
    async prepare({ perEdge, prefix }) {
      const now = Date.now();
      burst = input.edges.map(() =>
        realisticPoints(perEdge, now).map((p) => ({ ...p, tags: { ...p.tags, village: `${prefix}${p.tags.village}` } })),
      );
      const sample = new SteadyLoad(input, 0, now);
      const steady = sample.due(now + input.snmpIntervalMs, now);
      return { wireBytesPerPoint: { burst: wireBytesPerPoint(burst[0]!), steady: wireBytesPerPoint(steady) } };
    },
    async openSmall({ batchPoints }) {
      for (const edge of input.edges) small.push(await openEdge(edge, { batch_points: batchPoints, spool_dir: `${edge.spoolDir}-small` }));
      const deadline = Date.now() + 30_000;
      while (!small.every((f) => f.stats().linkUp)) {
        if (Date.now() > deadline) throw new Error('the small-message forwarders did not connect');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return {};
    },
    async burst({ small: useSmall }) {
      const sinks = useSmall ? small : forwarders;
      const startedAt = Date.now();
      burst.forEach((points, i) => {
        for (let k = 0; k < points.length; k += COLLECTOR_CHUNK) sinks[i]!.write(points.slice(k, k + COLLECTOR_CHUNK));
        counts[i]!.burst += points.length;
      });
      return { startedAt };
    },
    async direct({ url, spoolDir, databasePrefix }) {
      const writers = await Promise.all(
        input.edges.map((edge) =>
          openInfluxWriter(
            testWriterOptions(url, `${databasePrefix}${edge.hromada.replaceAll('-', '_')}`, join(spoolDir, edge.hromada), {
              batchSize: 5000,
              flushIntervalMs: 1000,
              requestTimeoutMs: 30_000,
            }),
          ),
        ),
      );
      try {
        // The databases' setup (retention policies, continuous queries) is not part of the timed writes.
        const deadline = Date.now() + 20_000;
        while (!writers.every((w) => w.stats().influxUp)) {
          if (Date.now() > deadline) throw new Error('the direct writers did not connect to influxd');
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        const startedAt = Date.now();
        burst.forEach((points, i) => {
          for (let k = 0; k < points.length; k += COLLECTOR_CHUNK) writers[i]!.write(points.slice(k, k + COLLECTOR_CHUNK));
        });
        await Promise.all(writers.map((w) => w.flush()));
        const endedAt = Date.now();
        return { startedAt, endedAt, written: writers.map((w) => w.stats().written) };
      } finally {
        await Promise.all(writers.map((w) => w.close()));
      }
    },
    async steady({ on }) {
      clearInterval(steadyTimer);
      steadyTimer = undefined;
      if (on) {
        const now = Date.now();
        // Each edge at its own phase, as ten collectors started at different moments would be.
        loads = input.edges.map((_, i) => new SteadyLoad(input, i * 37, now));
        steadyTimer = setInterval(tick, TICK_MS);
      }
      return snapshot();
    },
    async mark() {
      floor = Math.max(Date.now(), lastStamp + 1);
      for (const c of counts) c.buckets.push(0);
      return { at: floor, bucket: counts[0]!.buckets.length - 1 };
    },
    async stats() {
      return snapshot();
    },
    async watchReplay({ edge, settledPoints, timeoutMs }) {
      replay = watch(edge, settledPoints, timeoutMs);
      return { watchedAt: Date.now() };
    },
    async replayed() {
      if (replay === undefined) throw new Error('no replay is being watched');
      return replay;
    },
    async close() {
      clearInterval(steadyTimer);
      await Promise.all([...forwarders, ...small].map((f) => f.close()));
      return snapshot();
    },
  };

  process.on('message', (message: EdgeRequest) => {
    const handler = handlers[message.cmd] as (args: unknown) => Promise<unknown>;
    handler(message.args).then(
      (result) => process.send!({ id: message.id, result } satisfies EdgeReply),
      (err: unknown) =>
        process.send!({ id: message.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies EdgeReply),
    );
  });
  process.on('disconnect', () => process.exit(0));
  process.send!({ ready: true } satisfies EdgeReply);
}

if (process.env.BENCH_OBLAST !== undefined && process.send !== undefined) await main();
