/**
 * 5. CPU seconds and peak RSS per 1,000 devices: the real collector (ping
 * every 10 s, SNMP every 60 s, the defaults) over 10,000 devices against
 * snmpd agents for 5 minutes (1 with --quick), writing to a managed influxd.
 * The collector runs in a process of its own (bench/soak-child.ts) so its
 * CPU and RSS are measured apart from the agents, influxd and this process.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testConfig } from '../test/support/config.ts';
import { startTestInfluxd } from '../test/support/influxd.ts';
import type { BenchContext, SectionResult } from './types.ts';
import { startAgentFleet } from './lib/agents.ts';
import { defer } from './lib/cleanup.ts';
import { loopbackAddresses, procCpu, round } from './lib/util.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ADDRESS_BLOCK = 76;

interface ChildReport {
  interrupted: boolean;
  wallS: number;
  cpuUserS: number;
  cpuSystemS: number;
  childrenCpuS: number;
  peakRssMb: number;
  rssAtStartMb: number;
  collector: { runs: number; skipped: number; timeouts: number; lagMsMax: number; running: number; queued: number; jobs: number };
  counts: { ping: number; pingReachable: number; snmp: number; snmpOk: number; wifi: number; points: number };
  writer: { written: number; spooled: number; dropped: number; rejected: number; pending: number };
  pinger: { kind: string; detail: string };
  lagSamples: unknown[];
}

export async function runSoak(ctx: BenchContext, devices = 10_000, durationS = ctx.quick ? 60 : 300): Promise<SectionResult> {
  const addresses = loopbackAddresses(ADDRESS_BLOCK, devices);
  const fleet = await startAgentFleet(addresses);
  const influxd = await startTestInfluxd();
  const stopInfluxd = defer('influxd', () => influxd.dispose());
  const spoolDir = await mkdtemp(join(tmpdir(), 'merezha-bench-soak-spool-'));
  const removeSpool = defer('spool dir', () => rm(spoolDir, { recursive: true, force: true }));
  try {
    const influxdPid = Number((await readFile(join(influxd.dir, 'influxd.pid'), 'utf8')).trim());
    const agentPids = fleet.agents.map((a) => a.pid);
    const others0 = { agents: agentPids.map((p) => procCpu(p)?.own ?? 0), influxd: procCpu(influxdPid)?.own ?? 0 };
    ctx.say(`Soak: collector over ${devices} devices for ${durationS} s (agents: ${fleet.agents.length} snmpd, writer → influxd)`);

    const input = {
      devices,
      durationS,
      influxUrl: influxd.url,
      spoolDir,
      ports: fleet.agents.map((a) => a.port),
      addressBlock: ADDRESS_BLOCK,
    };
    const profile = ctx.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${ctx.profileDir}`] : [];
    const child = spawn(process.execPath, [...profile, '--openssl-legacy-provider', '--import', 'tsx', join(ROOT, 'bench/soak-child.ts')], {
      cwd: ROOT,
      env: { ...process.env, BENCH_SOAK: JSON.stringify(input) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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
    const expectedSnmp = devices * (r.wallS / snmpS);
    // A poll whose slot fell in the last probe duration may still be running at the end.
    const keptUp = r.counts.ping >= 0.97 * expectedPing && r.counts.snmp >= 0.97 * expectedSnmp && r.collector.skipped === 0;
    const agentsCpuS = others1.agents.reduce((a, b) => a + b, 0) - others0.agents.reduce((a, b) => a + b, 0);
    const influxdCpuS = others1.influxd - others0.influxd;
    const polls = `ping ${r.counts.ping.toLocaleString('en')}/${Math.round(expectedPing).toLocaleString('en')} expected, SNMP ${r.counts.snmp.toLocaleString('en')}/${Math.round(expectedSnmp).toLocaleString('en')}`;

    return {
      rows: [
        {
          section: 'soak',
          measure: `Collector CPU, ${devices.toLocaleString('en')} devices, ${round(r.wallS / 60, 1)} min (ping ${pingS} s, SNMP ${snmpS} s)`,
          merezha: `${round(cpuS, 1)} CPU-s = ${round(cpuS / thousands, 2)} CPU-s per 1,000 devices (${round(cpuPer1kPerMin, 3)} per minute); ${round((coresUsed / cores) * 100, 1)}% of ${cores} cores`,
          peer: `agents (snmpd) ${round(agentsCpuS, 1)} CPU-s, influxd ${round(influxdCpuS, 1)} CPU-s (not counted)`,
          ratio: `${round(at20k * 100, 1)}% of ${cores} cores at 20,000 devices (${devices === 20_000 ? 'measured' : 'extrapolated'})`,
          target: `≥ 20,000 devices per 60-s cycle on 2 cores at ≤ 50% CPU`,
          met: at20k <= 0.5 && keptUp,
        },
        {
          section: 'soak',
          measure: `Collector peak RSS, ${devices.toLocaleString('en')} devices`,
          merezha: `${round(r.peakRssMb, 0)} MB peak = ${round(r.peakRssMb / thousands, 1)} MB per 1,000 devices`,
          peer: '—',
          ratio: `—`,
          target: '— (reported)',
          met: null,
        },
        {
          section: 'soak',
          measure: `Collector kept its schedule, ${devices.toLocaleString('en')} devices`,
          merezha: `${polls}; ${r.collector.skipped} skipped slots, max lag ${round(r.collector.lagMsMax / 1000, 2)} s`,
          peer: `ping reachable ${r.counts.pingReachable}/${r.counts.ping}, SNMP ok ${r.counts.snmpOk}/${r.counts.snmp}`,
          ratio: `${round((r.counts.ping / expectedPing) * 100, 1)}% of ping slots`,
          target: 'every slot polled (≥ 97% done, 0 skipped)',
          met: keptUp,
        },
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
      },
    };
  } finally {
    await removeSpool();
    await stopInfluxd();
    await fleet.stop();
  }
}
