/**
 * 1. ICMP sweep of 1,000 loopback targets: Merezha's pinger (pingHost, count 1,
 * at the concurrency the collector gives ping probes) against fping with its
 * defaults and with -i1.
 */
import { pingConcurrency, pingHost, pingerInfo } from '../collector/probes/ping.ts';
import { testConfig } from '../test/support/config.ts';
import type { BenchContext, SectionResult } from './types.ts';
import { loopbackAddresses, median, pool, procCpu, round, runCommand } from './lib/util.ts';

const TARGETS = 1000;

async function sweepMerezha(targets: string[], concurrency: number) {
  const opts = { ...testConfig({ villages: [{ id: 'v', name: 'V' }] }).polling.ping, count: 1 };
  const cpu0 = procCpu('self')!;
  const t0 = performance.now();
  let alive = 0;
  await pool(targets, concurrency, async (host) => {
    if ((await pingHost(host, opts)).reachable) alive++;
  });
  const wallMs = performance.now() - t0;
  const cpu1 = procCpu('self')!;
  return { wallMs, alive, cpuMs: (cpu1.own - cpu0.own) * 1000, childCpuMs: (cpu1.children - cpu0.children) * 1000 };
}

async function sweepFping(targets: string[], extra: string[]) {
  const args = ['-c1', '-t500', ...extra, ...targets];
  const t0 = performance.now();
  const r = await runCommand('fping', args);
  const wallMs = performance.now() - t0;
  // -c prints one "addr : xmt/rcv/%loss = 1/1/0%" summary line per target on stderr.
  const alive = (r.stderr.match(/= 1\/1\//g) ?? []).length;
  return { wallMs, alive };
}

export async function runIcmp(ctx: BenchContext): Promise<SectionResult> {
  const targets = loopbackAddresses(78, TARGETS);
  const config = testConfig({ villages: [{ id: 'v', name: 'V' }] });
  const concurrency = pingConcurrency(config);
  const pinger = pingerInfo();
  ctx.say(`ICMP: ${TARGETS} targets, pinger: ${pinger.kind} (${pinger.detail}), concurrency ${concurrency}`);
  const reps = ctx.quick ? 2 : 3;

  // Warm-up (loads the pinger, opens its socket), not measured.
  await sweepMerezha(targets.slice(0, 50), concurrency);
  const merezha = [];
  const fast = [];
  for (let i = 0; i < reps; i++) {
    merezha.push(await sweepMerezha(targets, concurrency));
    fast.push(await sweepFping(targets, ['-i1']));
  }
  const defaults = await sweepFping(targets, []);
  // At the shared cap too (what the probe would get without a lane of its own).
  const atShared = await sweepMerezha(targets, config.polling.concurrency);
  // The fallback when the native pinger is not available: one system ping per probe (npm ping).
  const before = process.env.MEREZHA_PINGER;
  process.env.MEREZHA_PINGER = 'system';
  let fallback;
  try {
    fallback = await sweepMerezha(targets, config.polling.concurrency);
  } finally {
    if (before === undefined) delete process.env.MEREZHA_PINGER;
    else process.env.MEREZHA_PINGER = before;
  }

  const mMs = median(merezha.map((r) => r.wallMs));
  const fMs = median(fast.map((r) => r.wallMs));
  const dMs = defaults.wallMs;
  const alive = Math.min(...merezha.map((r) => r.alive));
  const cpuMs = median(merezha.map((r) => r.cpuMs + r.childCpuMs));
  const vsDefaults = mMs / dMs;
  const vsFast = mMs / fMs;
  const m = `${round(mMs / 1000, 3)} s (${alive}/${TARGETS} alive, CPU ${round(cpuMs / 1000, 2)} s)`;
  return {
    rows: [
      {
        section: 'icmp',
        measure: `ICMP sweep, ${TARGETS} targets: vs fping defaults`,
        merezha: m,
        peer: `fping -c1 -t500: ${round(dMs / 1000, 3)} s (${defaults.alive} alive)`,
        ratio: `${round(vsDefaults, 3)}× the time`,
        target: '≤ 1× (no slower)',
        met: vsDefaults <= 1 && alive === TARGETS,
      },
      {
        section: 'icmp',
        measure: `ICMP sweep, ${TARGETS} targets: vs fping -i1`,
        merezha: m,
        peer: `fping -c1 -t500 -i1: ${round(fMs / 1000, 3)} s (${Math.min(...fast.map((r) => r.alive))} alive)`,
        ratio: `${round(vsFast, 3)}× the time`,
        target: '≤ 1.5×',
        met: vsFast <= 1.5 && alive === TARGETS,
      },
      {
        section: 'icmp',
        measure: `ICMP sweep, ${TARGETS} targets: fallback (npm ping, system ping per target), concurrency ${config.polling.concurrency}`,
        merezha: `${round(fallback.wallMs / 1000, 3)} s (${fallback.alive}/${TARGETS} alive, CPU ${round((fallback.cpuMs + fallback.childCpuMs) / 1000, 2)} s)`,
        peer: `fping -c1 -t500 -i1: ${round(fMs / 1000, 3)} s`,
        ratio: `${round(fallback.wallMs / fMs, 3)}× the time`,
        target: '— (reported: the pinger before this change)',
        met: null,
      },
    ],
    details: {
      targets: TARGETS,
      at_shared_concurrency: { concurrency: config.polling.concurrency, ...atShared, wallMs: round(atShared.wallMs, 1) },
      system_ping_fallback: { concurrency: config.polling.concurrency, ...fallback, wallMs: round(fallback.wallMs, 1) },
      pinger,
      concurrency,
      repetitions: reps,
      merezha: merezha.map((r) => ({ ...r, wallMs: round(r.wallMs, 1) })),
      fping_i1: fast.map((r) => ({ ...r, wallMs: round(r.wallMs, 1) })),
      fping_defaults: { ...defaults, wallMs: round(defaults.wallMs, 1) },
      merezha_wall_ms_median: round(mMs, 1),
      fping_i1_wall_ms_median: round(fMs, 1),
      ratio_vs_defaults: round(vsDefaults, 4),
      ratio_vs_i1: round(vsFast, 4),
    },
  };
}
