/**
 * The collector process of the soak benchmark: the real collector (every
 * probe kind, default intervals) writing through the real InfluxDB writer,
 * for a fixed time. It measures only itself: CPU from process.cpuUsage()
 * (plus the CPU of the processes it spawned and reaped, e.g. system `ping`),
 * peak RSS from getrusage. Reports one JSON line on stdout.
 *
 * Input (env BENCH_SOAK, JSON): { devices, durationS, influxUrl, spoolDir, ports: number[], addressBlock, snmp }
 * With `snmp: false` the devices are pinged only (the ping50k section: the
 * kernel answers on loopback, so no agents compete for the cores).
 */
import { getHeapStatistics } from 'node:v8';
import { createCollector } from '../collector/collector.ts';
import { PROBE_KINDS } from '../collector/probes/index.ts';
import { pingerInfo, pingProbe, type PingResult } from '../collector/probes/ping.ts';
import { snmpProbe, type SnmpResult } from '../collector/probes/snmp.ts';
import type { ProbeKind, ProbeTarget, RunSignal } from '../collector/probes/types.ts';
import { openInfluxWriter } from '../storage/writer.ts';
import { createLogger } from '../common/log.ts';
import { testConfig } from '../test/support/config.ts';
import { COMMUNITY, ADDRESSES_PER_AGENT } from './lib/agents.ts';
import { loopbackAddresses, procCpu, procPeakRssMb } from './lib/util.ts';

interface Input {
  devices: number;
  durationS: number;
  influxUrl: string;
  spoolDir: string;
  ports: number[];
  addressBlock: number;
  snmp: boolean;
}

const input = JSON.parse(process.env.BENCH_SOAK ?? '{}') as Input;
const log = createLogger({ level: 'warn', name: 'soak' });
const addresses = loopbackAddresses(input.addressBlock, input.devices);
const KINDS = ['uplink', 'wifi', 'institution'] as const;

const config = testConfig({
  storage: { spool_dir: input.spoolDir, influx: { url: input.influxUrl, database: 'merezha_soak' } },
  snmp_credentials: { 'public-v2': { version: '2c', community: COMMUNITY } },
  providers: [{ id: 'ukrtelecom', name: 'Укртелеком' }],
  villages: Array.from({ length: Math.ceil(input.devices / 250) }, (_, v) => ({
    id: `village-${v}`,
    name: `Село ${v}`,
    devices: addresses.slice(v * 250, v * 250 + 250).map((host, k) => {
      const i = v * 250 + k;
      const kind = KINDS[i % 3]!;
      return {
        id: `${kind}-${i}`,
        kind,
        host,
        ...(kind === 'uplink' ? { provider: 'ukrtelecom' } : {}),
        ...(kind === 'institution' ? { category: 'school' as const } : {}),
        ...(kind === 'wifi' && input.snmp ? { vendor: 'tplink' as const } : {}),
        ...(input.snmp
          ? { snmp: { credential: 'public-v2', interface: 'lo', port: input.ports[Math.floor(i / ADDRESSES_PER_AGENT)]! } }
          : {}),
      };
    }),
  })),
});

/**
 * Every device of the fleet is live (the kernel or an agent answers), so a
 * ping that is neither reachable nor not measured is a false outage:
 * `pingUnreachable` must stay 0. `notMeasured` counts every observation the
 * collector marked not measured, of any kind, its reasons in `notMeasuredBy`.
 */
const counts = {
  ping: 0,
  pingReachable: 0,
  pingUnreachable: 0,
  snmp: 0,
  snmpOk: 0,
  wifi: 0,
  points: 0,
  notMeasured: 0,
  notMeasuredBy: {} as Record<string, number>,
};
/** What the last 10 s looked like: probes with lost echoes, the slowest reply, SNMP polls over 1 s. */
const window = { pingLossy: 0, pingRttMaxMs: 0, snmpSlow: 0, snmpMaxMs: 0 };
const st = config.storage;
const writer = await openInfluxWriter({
  url: st.influx!.url,
  database: st.influx!.database,
  spoolDir: st.spool_dir,
  spoolMaxBytes: st.spool_max_mb * 1024 * 1024,
  batchSize: st.batch_size,
  flushIntervalMs: st.flush_interval,
  retention: { rawMs: st.retention.raw, rollupMs: st.retention.rollup },
  log,
});
const sink = {
  write(points: Parameters<typeof writer.write>[0]) {
    counts.points += points.length;
    writer.write(points);
  },
};
/** The kind, with every result of a poll that was not abandoned also handed to `see`: the counts want more than the samples carry. */
function tapped<Target extends ProbeTarget, Result>(
  kind: ProbeKind<Target, Result>,
  see: (result: Result) => void,
): ProbeKind<Target, Result> {
  return {
    ...kind,
    create(deps) {
      const runner = kind.create(deps);
      const start = runner.start?.bind(runner);
      return {
        ...runner,
        async run(target, signal) {
          const result = await runner.run(target, signal);
          if (!signal.aborted) see(result);
          return result;
        },
        ...(start && {
          start(target: Target, signal: RunSignal, done: (result: Result) => void) {
            start(target, signal, (result) => {
              if (!signal.aborted) see(result);
              done(result);
            });
          },
        }),
      };
    },
  };
}

const countPing = (r: PingResult) => {
  counts.ping++;
  if (r.reachable) counts.pingReachable++;
  else if (r.not_measured === undefined) counts.pingUnreachable++;
  if (r.loss_pct > 0) window.pingLossy++;
  window.pingRttMaxMs = Math.max(window.pingRttMaxMs, r.rtt_max_ms ?? 0);
};
const countSnmp = (r: SnmpResult) => {
  counts.snmp++;
  if (r.ok && r.interface) counts.snmpOk++;
  if (r.wifi) counts.wifi++;
  if (r.response_ms > 1000) window.snmpSlow++;
  window.snmpMaxMs = Math.max(window.snmpMaxMs, r.response_ms);
};

const collector = createCollector({
  config,
  sink,
  log,
  probes: PROBE_KINDS.map((kind) =>
    kind === pingProbe ? tapped(pingProbe, countPing) : kind === snmpProbe ? tapped(snmpProbe, countSnmp) : kind,
  ),
  onObservation(o) {
    if (o.notMeasured === undefined) return;
    counts.notMeasured++;
    const key = `${o.kind}:${o.notMeasured}`;
    counts.notMeasuredBy[key] = (counts.notMeasuredBy[key] ?? 0) + 1;
  },
});

let stopping = false;
const finish = async (interrupted: boolean) => {
  if (stopping) return;
  stopping = true;
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const proc = procCpu('self')!;
  const stats = collector.stats();
  await collector.stop();
  await writer.close();
  const ru = process.resourceUsage();
  process.stdout.write(
    `${JSON.stringify({
      interrupted,
      wallS,
      cpuUserS: cpu.user / 1e6,
      cpuSystemS: cpu.system / 1e6,
      childrenCpuS: proc.children - children0,
      peakRssMb: procPeakRssMb('self') ?? ru.maxRSS / 1024,
      rssAtStartMb,
      heapLimitMb: Math.round(getHeapStatistics().heap_size_limit / 2 ** 20),
      collector: stats,
      counts,
      writer: writer.stats(),
      pinger: pingerInfo(),
      lagSamples,
    })}\n`,
  );
  process.exit(0);
};
process.on('SIGINT', () => void finish(true));
process.on('SIGTERM', () => void finish(true));

const rssAtStartMb = process.memoryUsage().rss / 1024 / 1024;
const lagSamples: {
  atS: number;
  running: number;
  queued: number;
  lagMsMax: number;
  skipped: number;
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  pingLossy: number;
  pingRttMaxMs: number;
  snmpSlow: number;
  snmpMaxMs: number;
}[] = [];
const children0 = procCpu('self')!.children;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
collector.start();
const sampler = setInterval(() => {
  const s = collector.stats();
  const m = process.memoryUsage();
  lagSamples.push({
    atS: Math.round((performance.now() - t0) / 1000),
    running: s.running,
    queued: s.queued,
    lagMsMax: Math.round(s.lagMsMax),
    skipped: s.skipped,
    rssMb: Math.round(m.rss / 2 ** 20),
    heapUsedMb: Math.round(m.heapUsed / 2 ** 20),
    heapTotalMb: Math.round(m.heapTotal / 2 ** 20),
    externalMb: Math.round((m.external + m.arrayBuffers) / 2 ** 20),
    ...window,
  });
  Object.assign(window, { pingLossy: 0, pingRttMaxMs: 0, snmpSlow: 0, snmpMaxMs: 0 });
}, 10_000);
setTimeout(() => {
  clearInterval(sampler);
  void finish(false);
}, input.durationS * 1000);
