/**
 * `npm run bench`: Merezha's collector measured side by side with a peer in
 * the same run, on loopback only. Prints a table and writes bench/results.json.
 *
 *   npm run bench                  # everything (about 50 minutes: the oblast tier 20, the report's year of data 10)
 *   npm run bench -- --quick       # shorter runs
 *   npm run bench -- --only snmp   # some sections, comma-separated: icmp, snmp, influx, detection, soak, soak20k,
 *                                  # ping50k, dashboard, report, backup, discover, oblast
 *   npm run bench -- --profile     # also a V8 CPU profile of each soak's collector, in $TMPDIR/merezha-bench-profiles/,
 *                                  # and where its time went in the details
 *
 * Everything it starts (snmpd, influxd, nft tables, child processes) is
 * stopped at the end, on errors and on Ctrl-C.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pingerInfo } from '../collector/probes/ping.ts';
import type { BenchContext, Row, Section, SectionResult } from './types.ts';
import { runBackup } from './backup.ts';
import { runDashboard } from './dashboard.ts';
import { runDetection } from './detection.ts';
import { runDiscover } from './discover.ts';
import { runIcmp } from './icmp.ts';
import { runInflux } from './influx.ts';
import { runOblast } from './oblast.ts';
import { runReport } from './report.ts';
import { cleanupAll, installSignalHandlers } from './lib/cleanup.ts';
import { round, systemCpu } from './lib/util.ts';
import { runSnmp } from './snmp.ts';
import { runSoak, type SoakOptions } from './soak.ts';

const row = (section: string, measure: string, merezha: string, target: string, met: boolean): Row => ({
  section,
  measure,
  merezha,
  peer: '—',
  ratio: '—',
  target,
  met,
});

const SOAK = (ctx: BenchContext): SoakOptions => ({
  section: 'soak',
  devices: 10_000,
  durationS: ctx.quick ? 60 : 300,
  snmp: true,
  targets: (r) => [row('soak', 'Peak RSS, 10,000 devices', `${round(r.peakRssMb, 0)} MB`, '≤ 100 MB', r.peakRssMb <= 100)],
});

const SOAK20K = (ctx: BenchContext): SoakOptions => ({
  section: 'soak20k',
  devices: 20_000,
  durationS: ctx.quick ? 60 : 120,
  snmp: true,
  targets: (r, m) => [
    row(
      'soak20k',
      'CPU per 1,000 devices per minute, 20,000 devices',
      `${round(m.cpuPer1kPerMin, 3)} CPU-s`,
      '≤ 0.65 CPU-s',
      m.cpuPer1kPerMin <= 0.65,
    ),
    row('soak20k', 'Skipped slots, 20,000 devices', String(r.collector.skipped), '0', r.collector.skipped === 0),
    row('soak20k', 'Peak RSS, 20,000 devices', `${round(r.peakRssMb, 0)} MB`, '≤ 200 MB', r.peakRssMb <= 200),
  ],
});

const PING50K = (ctx: BenchContext): SoakOptions => ({
  section: 'ping50k',
  devices: 50_000,
  durationS: ctx.quick ? 60 : 120,
  snmp: false,
  targets: (r) => [
    row('ping50k', 'Skipped slots, 50,000 devices', String(r.collector.skipped), '0', r.collector.skipped === 0),
    row(
      'ping50k',
      'Pings of live devices said unreachable, 50,000 devices',
      `${r.counts.pingUnreachable} of ${r.counts.ping.toLocaleString('en')} (${r.counts.notMeasured.toLocaleString('en')} not measured)`,
      '0: reachable or not measured',
      r.counts.pingUnreachable === 0,
    ),
  ],
});

const SECTIONS: Section[] = [
  { name: 'icmp', title: 'ICMP sweep', run: runIcmp },
  { name: 'snmp', title: 'SNMP cycle', run: runSnmp },
  { name: 'influx', title: 'InfluxDB writes', run: runInflux },
  { name: 'detection', title: 'Detection latency', run: runDetection },
  { name: 'soak', title: 'CPU and RSS per 1,000 devices', run: (ctx) => runSoak(ctx, SOAK(ctx)) },
  { name: 'soak20k', title: 'Collector at 20,000 devices', run: (ctx) => runSoak(ctx, SOAK20K(ctx)) },
  { name: 'ping50k', title: 'Collector at 50,000 ping-only devices', run: (ctx) => runSoak(ctx, PING50K(ctx)) },
  { name: 'dashboard', title: 'Dashboard', run: runDashboard },
  { name: 'report', title: 'Yearly report against its floor', run: runReport },
  { name: 'backup', title: 'Backup and restore', run: runBackup },
  { name: 'discover', title: 'Discovery', run: runDiscover },
  { name: 'oblast', title: 'Oblast tier: 10 edges → NATS (3 nodes, R3) → central', run: runOblast },
];

function parseArgs(argv: string[]): { quick: boolean; only: string[] | null; profileDir?: string } {
  let quick = false;
  let only: string[] | null = null;
  let profileDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') quick = true;
    else if (a === '--profile') profileDir = join(tmpdir(), 'merezha-bench-profiles');
    else if (a === '--only' || a.startsWith('--only=')) {
      const value = a === '--only' ? argv[++i] : a.slice('--only='.length);
      if (!value) throw new Error('--only needs a section name');
      only = value.split(',').map((s) => s.trim());
      const unknown = only.filter((n) => !SECTIONS.some((s) => s.name === n));
      if (unknown.length) throw new Error(`unknown section ${unknown.join(', ')}; sections: ${SECTIONS.map((s) => s.name).join(', ')}`);
    } else if (a === '--help' || a === '-h') {
      console.log(`usage: npm run bench -- [--quick] [--only ${SECTIONS.map((s) => s.name).join(',')}] [--profile]`);
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  return { quick, only, profileDir };
}

function version(cmd: string, args: string[], pattern: RegExp): string {
  try {
    const out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return pattern.exec(out)?.[1] ?? out.trim().split('\n')[0]!;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    const out = `${e.stdout ?? ''}${e.stderr ?? ''}`;
    return pattern.exec(out)?.[1] ?? 'unknown';
  }
}

export function machine() {
  const model = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown';
  return {
    nproc: availableParallelism(),
    cpu: model.trim(),
    ram_gb: round(totalmem() / 1024 ** 3, 1),
    kernel: release(),
    node: process.version,
    influxd: version('influxd', ['version'], /InfluxDB (v[\w.~-]+)/),
    snmpd: version('snmpd', ['-v'], /NET-SNMP version:\s+([\w.]+)/),
    fping: version('fping', ['-v'], /Version ([\w.]+)/),
    pinger: pingerInfo(),
  };
}

function table(rows: Row[]): string {
  const head = ['Benchmark', 'Merezha', 'Peer', 'Ratio', 'Target', 'Met'];
  const body = rows.map((r) => [r.measure, r.merezha, r.peer, r.ratio, r.target, r.met === null ? '—' : r.met ? 'yes' : 'NO']);
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [head, head.map(() => '---'), ...body].map((cells) => `| ${cells.map(esc).join(' | ')} |`).join('\n');
}

const MD_START = '<!-- bench:latest:start (written by `npm run bench`) -->';
const MD_END = '<!-- bench:latest:end -->';

function updateBenchmarksMd(rows: Row[], info: ReturnType<typeof machine>, started: Date, seconds: number): void {
  const file = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));
  let md: string;
  try {
    md = readFileSync(file, 'utf8');
  } catch {
    return;
  }
  const a = md.indexOf(MD_START);
  const b = md.indexOf(MD_END);
  if (a < 0 || b < a) return;
  const block = [
    MD_START,
    '',
    `Run of ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${round(seconds / 60, 1)} min: ${info.nproc} × ${info.cpu}, ${info.ram_gb} GB RAM, Linux ${info.kernel}, Node ${info.node}, influxd ${info.influxd}, snmpd ${info.snmpd}, fping ${info.fping}; pinger: ${info.pinger.kind}.`,
    '',
    table(rows),
    '',
    MD_END,
  ].join('\n');
  writeFileSync(file, md.slice(0, a) + block + md.slice(b + MD_END.length));
  console.error('bench: BENCHMARKS.md has the new table');
}

/**
 * A run of some sections keeps the other sections of the file as an earlier
 * run left them (each says when it ran), so results.json holds the latest
 * figure of every section rather than only the last command's.
 */
function withEarlierSections<T extends { sections: Record<string, unknown> }>(file: string, out: T): T & { earlier?: string[] } {
  let before: { started?: string; sections?: Record<string, { started?: string }> };
  try {
    before = JSON.parse(readFileSync(file, 'utf8')) as typeof before;
  } catch {
    return out;
  }
  const kept = Object.entries(before.sections ?? {}).filter(([name]) => !(name in out.sections));
  if (kept.length === 0) return out;
  const sections = Object.fromEntries(kept.map(([name, r]) => [name, { started: before.started, ...r }]));
  return { ...out, sections: { ...sections, ...out.sections }, earlier: kept.map(([name]) => name) };
}

async function main(): Promise<number> {
  const { quick, only, profileDir } = parseArgs(process.argv.slice(2));
  installSignalHandlers();
  const started = new Date();
  const t0 = performance.now();
  const ctx: BenchContext = {
    quick,
    profileDir,
    say: (m) =>
      console.error(
        `[${round((performance.now() - t0) / 1000, 1)
          .toFixed(1)
          .padStart(6)} s] ${m}`,
      ),
  };
  const info = machine();
  ctx.say(`machine: ${info.nproc} × ${info.cpu}, ${info.ram_gb} GB, Linux ${info.kernel}, Node ${info.node}; pinger: ${info.pinger.kind}`);
  const results: Record<
    string,
    SectionResult & { started?: string; seconds: number; error?: string; load?: { loadavg_before: string; machine_busy_pct: number } }
  > = {};
  const rows: Row[] = [];
  let failed = false;
  try {
    for (const section of SECTIONS.filter((s) => !only || only.includes(s.name))) {
      const s0 = performance.now();
      ctx.say(`— ${section.title} —`);
      // Other work on the machine skews every figure: note how busy it was (this benchmark included).
      const loadavg = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
      const cpu0 = systemCpu();
      const load = () => {
        const cpu1 = systemCpu();
        return {
          loadavg_before: loadavg,
          machine_busy_pct: round(((cpu1.busy - cpu0.busy) / Math.max(1, cpu1.total - cpu0.total)) * 100, 1),
        };
      };
      try {
        const r = await section.run(ctx);
        results[section.name] = {
          ...r,
          started: new Date(s0 - t0 + started.getTime()).toISOString(),
          seconds: round((performance.now() - s0) / 1000, 1),
          load: load(),
        };
        rows.push(...r.rows);
        if (r.skipped) ctx.say(r.skipped);
      } catch (err) {
        failed = true;
        const message = (err as Error).stack ?? String(err);
        ctx.say(`${section.name} failed: ${message}`);
        results[section.name] = { rows: [], details: {}, error: message, seconds: round((performance.now() - s0) / 1000, 1), load: load() };
      } finally {
        await cleanupAll();
      }
    }
  } finally {
    await cleanupAll();
  }
  const seconds = round((performance.now() - t0) / 1000, 1);
  const out = {
    started: started.toISOString(),
    seconds,
    mode: quick ? 'quick' : 'full',
    only,
    command: `npm run bench${quick ? ' -- --quick' : ''}${only ? ` -- --only ${only.join(',')}` : ''}`,
    machine: info,
    table: rows,
    sections: results,
  };
  const file = fileURLToPath(new URL('results.json', import.meta.url));
  writeFileSync(file, `${JSON.stringify(only ? withEarlierSections(file, out) : out, null, 2)}\n`);
  console.log(table(rows));
  // A full run that went through is the latest table of BENCHMARKS.md.
  if (!quick && !only && !failed) updateBenchmarksMd(rows, info, started, seconds);
  for (const [name, r] of Object.entries(results)) {
    if (r.skipped) console.log(`\n${name}: ${r.skipped}`);
    if (r.error) console.log(`\n${name}: FAILED: ${r.error.split('\n')[0]}`);
  }
  console.log(
    `\n${rows.filter((r) => r.met === true).length} of ${rows.filter((r) => r.met !== null).length} targets met; ${seconds} s; results in bench/results.json`,
  );
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    await cleanupAll();
    process.exit(2);
  },
);
