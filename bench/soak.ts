/**
 * 5. CPU seconds and peak RSS per 1,000 devices: the real collector (ping
 * every 10 s, SNMP every 60 s, the defaults) against snmpd agents, writing to
 * a managed influxd: 10,000 devices for 5 minutes (`soak`; 1 with --quick),
 * 20,000 for 2 minutes (`soak20k`), and 50,000 ping-only devices for 2
 * minutes (`ping50k`: the kernel answers on loopback, no agents). The
 * collector runs in a process of its own (bench/soak-child.ts) so its CPU and
 * RSS are measured apart from the agents, influxd and this process.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { heapFlags, heapLimits } from '../app/heap.ts';
import { build } from '../scripts/build-js.mjs';
import { testConfig } from '../test/support/config.ts';
import { startTestInfluxd } from '../test/support/influxd.ts';
import type { BenchContext, Row, SectionResult } from './types.ts';
import { startAgentFleet } from './lib/agents.ts';
import { defer } from './lib/cleanup.ts';
import { newestProfile, summariseProfile } from './lib/profile.ts';
import { loopbackAddresses, procCpu, round } from './lib/util.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ADDRESS_BLOCK = 76;
/** Where the collector process is built (git-ignored as every build/). */
const CHILD_BUILD = join(ROOT, 'bench/build');

export interface ChildReport {
  interrupted: boolean;
  wallS: number;
  cpuUserS: number;
  cpuSystemS: number;
  childrenCpuS: number;
  peakRssMb: number;
  rssAtStartMb: number;
  collector: { runs: number; skipped: number; timeouts: number; lagMsMax: number; running: number; queued: number; jobs: number };
  /** Heap limit the child ran with (v8.getHeapStatistics), MB. */
  heapLimitMb?: number;
  counts: {
    ping: number;
    pingReachable: number;
    pingUnreachable: number;
    snmp: number;
    snmpOk: number;
    wifi: number;
    points: number;
    notMeasured: number;
    notMeasuredBy: Record<string, number>;
  };
  writer: { written: number; spooled: number; dropped: number; rejected: number; pending: number };
  pinger: { kind: string; detail: string };
  lagSamples: unknown[];
}

export interface SoakOptions {
  /** The section's name, on its rows. */
  section: 'soak' | 'soak20k' | 'ping50k';
  devices: number;
  durationS: number;
  /** false: ping only, no agents. */
  snmp: boolean;
  /** The section's own targets, from what the child reports. */
  targets: (r: ChildReport, m: SoakMeasures) => Row[];
}

/** What the section works out of a child's report. */
export interface SoakMeasures {
  devices: number;
  cpuPer1kPerMin: number;
  expectedPing: number;
  expectedSnmp: number;
  /** Every slot polled: ≥ 97% of the expected polls (a slot in the last probe's time may still run) and none skipped. */
  keptUp: boolean;
}

export async function runSoak(ctx: BenchContext, o: SoakOptions): Promise<SectionResult> {
  const { devices, durationS } = o;
  const addresses = loopbackAddresses(ADDRESS_BLOCK, devices);
  const fleet = o.snmp ? await startAgentFleet(addresses) : { agents: [], stop: async () => {} };
  const influxd = await startTestInfluxd();
  const stopInfluxd = defer('influxd', () => influxd.dispose());
  const spoolDir = await mkdtemp(join(tmpdir(), 'merezha-bench-soak-spool-'));
  const removeSpool = defer('spool dir', () => rm(spoolDir, { recursive: true, force: true }));
  try {
    const influxdPid = Number((await readFile(join(influxd.dir, 'influxd.pid'), 'utf8')).trim());
    const agentPids = fleet.agents.map((a) => a.pid);
    const others0 = { agents: agentPids.map((p) => procCpu(p)?.own ?? 0), influxd: procCpu(influxdPid)?.own ?? 0 };
    ctx.say(
      `${o.section}: collector over ${devices} devices for ${durationS} s (${o.snmp ? `agents: ${fleet.agents.length} snmpd` : 'ping only'}, writer → influxd)`,
    );

    const input = {
      devices,
      durationS,
      influxUrl: influxd.url,
      spoolDir,
      ports: fleet.agents.map((a) => a.port),
      addressBlock: ADDRESS_BLOCK,
      snmp: o.snmp,
    };
    const profile = ctx.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${ctx.profileDir}`] : [];
    const spawnedAt = Date.now();
    // As production runs: compiled JavaScript (no tsx loader) and the heap limits merezha start gives this inventory;
    // BENCH_CHILD_FLAGS adds one's own flags for a study (GC traces, V8 options), which the figures then include.
    await build(ROOT, CHILD_BUILD, { 'soak-child': `import './bench/soak-child.ts';\n` });
    const heap = heapFlags(heapLimits({ devices, services: 0 }), process.env);
    const extra = (process.env.BENCH_CHILD_FLAGS ?? '').split(' ').filter(Boolean);
    const child = spawn(
      process.execPath,
      [...profile, ...heap, ...extra, '--openssl-legacy-provider', join(CHILD_BUILD, 'soak-child.mjs')],
      {
        cwd: ROOT,
        env: { ...process.env, BENCH_SOAK: JSON.stringify(input) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const killChild = defer(
      'soak collector process',
      async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(t);
        }
      },
      () => child.kill('SIGKILL'),
    );
    let stdout = '';
    let stderrLines = 0;
    let stderrTail: string[] = [];
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    if (process.env.BENCH_CHILD_STDOUT) child.stdout.pipe(createWriteStream(process.env.BENCH_CHILD_STDOUT));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      for (const line of d.split('\n').filter(Boolean)) {
        stderrLines++;
        stderrTail = [...stderrTail, line].slice(-5);
      }
    });
    const guard = setTimeout(() => child.kill('SIGTERM'), (durationS + 90) * 1000);
    const code = await exited;
    clearTimeout(guard);
    await killChild();
    const others1 = { agents: agentPids.map((p) => procCpu(p)?.own ?? 0), influxd: procCpu(influxdPid)?.own ?? 0 };
    if (code !== 0 || !stdout.trim()) throw new Error(`soak collector exited with ${code}: ${stderrTail.join('\n')}`);
    const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildReport;
    const profileFile = ctx.profileDir && newestProfile(ctx.profileDir, spawnedAt);
    const profiled = profileFile ? summariseProfile(profileFile, ROOT) : undefined;
    if (profiled) {
      ctx.say(`${o.section}: where the collector's ${round(profiled.seconds, 1)} CPU-s went (self time), ${profiled.file}:`);
      for (const f of profiled.files.slice(0, 10)) ctx.say(`  ${String(f.pct).padStart(5)}%  ${f.name}`);
    }

    const config = testConfig({ villages: [{ id: 'v', name: 'V' }] });
    const pingS = config.polling.ping.interval / 1000;
    const snmpS = config.polling.snmp.interval / 1000;
    const cores = availableParallelism();
    const cpuS = r.cpuUserS + r.cpuSystemS + r.childrenCpuS;
    const thousands = devices / 1000;
    const cpuPer1kPerMin = cpuS / thousands / (r.wallS / 60);
    const coresUsed = cpuS / r.wallS;
    const at20k = (coresUsed * 20_000) / devices / cores;
    const expectedPing = devices * (r.wallS / pingS);
    const expectedSnmp = o.snmp ? devices * (r.wallS / snmpS) : 0;
    // A poll whose slot fell in the last probe duration may still be running at the end.
    const keptUp = r.counts.ping >= 0.97 * expectedPing && r.counts.snmp >= 0.97 * expectedSnmp && r.collector.skipped === 0;
    const agentsCpuS = others1.agents.reduce((a, b) => a + b, 0) - others0.agents.reduce((a, b) => a + b, 0);
    const influxdCpuS = others1.influxd - others0.influxd;
    const n = (x: number) => Math.round(x).toLocaleString('en');
    const polls = `ping ${n(r.counts.ping)}/${n(expectedPing)} expected${o.snmp ? `, SNMP ${n(r.counts.snmp)}/${n(expectedSnmp)}` : ''}`;
    const notMeasured = Object.entries(r.counts.notMeasuredBy)
      .map(([k, v]) => `${k} ${n(v)}`)
      .join(', ');
    const label = `${n(devices)} devices${o.snmp ? '' : ', ping only'}`;

    return {
      rows: [
        {
          section: o.section,
          measure: `Collector CPU, ${label}, ${round(r.wallS / 60, 1)} min (ping ${pingS} s${o.snmp ? `, SNMP ${snmpS} s` : ''})`,
          merezha: `${round(cpuS, 1)} CPU-s = ${round(cpuPer1kPerMin, 3)} CPU-s per 1,000 devices per minute; ${round((coresUsed / cores) * 100, 1)}% of ${cores} cores`,
          peer: `${o.snmp ? `agents (snmpd) ${round(agentsCpuS, 1)} CPU-s, ` : ''}influxd ${round(influxdCpuS, 1)} CPU-s (not counted)`,
          ratio: `${round(at20k * 100, 1)}% of ${cores} cores at 20,000 devices (${devices === 20_000 ? 'measured' : 'extrapolated'})`,
          target: '— (reported)',
          met: null,
        },
        {
          section: o.section,
          measure: `Collector peak RSS, ${label}`,
          merezha: `${round(r.peakRssMb, 0)} MB peak = ${round(r.peakRssMb / thousands, 1)} MB per 1,000 devices (${round(r.rssAtStartMb, 0)} MB before polling)`,
          peer: `heap limit ${r.heapLimitMb ?? '—'} MB`,
          ratio: '—',
          target: '— (reported)',
          met: null,
        },
        {
          section: o.section,
          measure: `Collector kept its schedule, ${label}`,
          merezha: `${polls}; ${r.collector.skipped} skipped slots, max lag ${round(r.collector.lagMsMax / 1000, 2)} s`,
          peer: `ping reachable ${n(r.counts.pingReachable)}/${n(r.counts.ping)}, unreachable ${n(r.counts.pingUnreachable)}${o.snmp ? `, SNMP ok ${n(r.counts.snmpOk)}/${n(r.counts.snmp)}` : ''}; not measured ${n(r.counts.notMeasured)}${notMeasured ? ` (${notMeasured})` : ''}`,
          ratio: `${round((r.counts.ping / expectedPing) * 100, 1)}% of ping slots`,
          target: 'every slot polled (≥ 97% done, 0 skipped)',
          met: keptUp,
        },
        ...o.targets(r, { devices, cpuPer1kPerMin, expectedPing, expectedSnmp, keptUp }),
      ],
      details: {
        devices,
        durationS,
        cores,
        child: r,
        cpu_s: cpuS,
        cpu_s_per_1000_devices: cpuS / thousands,
        cpu_s_per_1000_devices_per_minute: cpuPer1kPerMin,
        cores_used: coresUsed,
        share_of_cores_at_20000: at20k,
        peak_rss_mb_per_1000_devices: r.peakRssMb / thousands,
        expected_ping_runs: expectedPing,
        expected_snmp_runs: expectedSnmp,
        agents_cpu_s: agentsCpuS,
        influxd_cpu_s: influxdCpuS,
        collector_stderr_lines: stderrLines,
        collector_stderr_tail: stderrTail,
        ...(profiled ? { profile: profiled } : {}),
      },
    };
  } finally {
    await removeSpool();
    await stopInfluxd();
    await fleet.stop();
  }
}
