/**
 * 2. SNMP cycle over 1,000 and 10,000 devices against real snmpd agents:
 * Merezha's SNMP runner (system group, interface `lo`, TP-Link Wi-Fi clients)
 * against one `snmpget` process per device for the same OIDs, the way
 * LibreNMS polls (plus an `snmpbulkwalk` of ifName per device in the first cycle).
 * Merezha's CPU per poll (user + system of this process) is the figure the
 * collector's scale rests on.
 */
import { createSnmpRunner, type SnmpResult } from '../collector/probes/snmp.ts';
import { NEVER_ABORTED } from '../collector/probes/types.ts';
import { transportStats } from '../collector/snmp/transport.ts';
import { IF, SYS } from '../collector/snmp/oids.ts';
import { deviceTargets } from '../collector/targets.ts';
import { TPLINK_EAP_CLIENTS } from '../collector/vendors/tplink.ts';
import { silentLogger } from '../common/log.ts';
import type { Config } from '../config/schema.ts';
import { testConfig } from '../test/support/config.ts';
import type { BenchContext, Row, SectionResult } from './types.ts';
import { COMMUNITY, startAgentFleet, TPLINK_CLIENTS_VALUE, type AgentFleet } from './lib/agents.ts';
import { loopbackAddresses, pool, procCpu, round, runCommand } from './lib/util.ts';

/** The config of a benchmark hromada: `n` TP-Link access points, each its own agent address. */
export function benchSnmpConfig(addresses: string[], fleet: AgentFleet, overrides: Record<string, unknown> = {}): Config {
  return testConfig({
    snmp_credentials: { 'public-v2': { version: '2c', community: COMMUNITY } },
    villages: [
      {
        id: 'bench',
        name: 'Бенчмарк',
        devices: addresses.map((host, i) => ({
          id: `ap-${i}`,
          kind: 'wifi' as const,
          vendor: 'tplink' as const,
          host,
          snmp: { credential: 'public-v2', interface: 'lo', port: fleet.portOf(i) },
        })),
      },
    ],
    ...overrides,
  });
}

interface CycleFigures {
  wallMs: number;
  devicesPerS: number;
  ok: number;
  cpuMs: number;
  /** The process's CPU (user + system) per device polled, in µs: what the collector pays for SNMP at scale. */
  cpuUsPerPoll: number;
}

function check(r: SnmpResult): boolean {
  return r.ok && r.interface?.name === 'lo' && r.interface.oper_up === true && r.wifi?.clients === TPLINK_CLIENTS_VALUE;
}

async function merezhaCycle(run: (i: number) => Promise<SnmpResult>, n: number, concurrency: number): Promise<CycleFigures> {
  const items = Array.from({ length: n }, (_, i) => i);
  let ok = 0;
  const cpu0 = procCpu('self')!;
  const t0 = performance.now();
  await pool(items, concurrency, async (i) => {
    if (check(await run(i))) ok++;
  });
  const wallMs = performance.now() - t0;
  const cpu1 = procCpu('self')!;
  const cpuMs = (cpu1.own - cpu0.own) * 1000;
  return { wallMs, devicesPerS: (n / wallMs) * 1000, ok, cpuMs, cpuUsPerPoll: round((cpuMs * 1000) / n, 1) };
}

/** lo is ifIndex 1 on every Linux agent; the peer's first cycle finds it with a walk like LibreNMS's discovery. */
const LO = 1;
const PEER_OIDS = [
  SYS.upTime,
  SYS.name,
  SYS.descr,
  `${IF.operStatus}.${LO}`,
  `${IF.highSpeed}.${LO}`,
  `${IF.hcInOctets}.${LO}`,
  `${IF.hcOutOctets}.${LO}`,
  `${IF.inErrors}.${LO}`,
  `${IF.outErrors}.${LO}`,
  `${IF.inDiscards}.${LO}`,
  `${IF.outDiscards}.${LO}`,
  TPLINK_EAP_CLIENTS,
];

async function peerCycle(addresses: string[], fleet: AgentFleet, first: boolean, concurrency: number, config: Config) {
  const { timeout, retries } = config.polling.snmp;
  const common = ['-m', '', '-v2c', '-c', COMMUNITY, '-t', String(timeout / 1000), '-r', String(retries), '-On'];
  let ok = 0;
  const cpu0 = procCpu('self')!;
  const t0 = performance.now();
  await pool(addresses, concurrency, async (host, i) => {
    const agent = `udp:${host}:${fleet.portOf(i)}`;
    if (first) {
      const walk = await runCommand('snmpbulkwalk', [...common, agent, IF.name]);
      if (!/STRING: "?lo"?/.test(walk.stdout)) return;
    }
    const r = await runCommand('snmpget', [...common, agent, ...PEER_OIDS]);
    if (r.code === 0 && r.stdout.trim().split('\n').length === PEER_OIDS.length && r.stdout.includes(`INTEGER: ${TPLINK_CLIENTS_VALUE}`))
      ok++;
  });
  const wallMs = performance.now() - t0;
  const cpu1 = procCpu('self')!;
  return {
    wallMs,
    devicesPerS: (addresses.length / wallMs) * 1000,
    ok,
    cpuMs: (cpu1.own - cpu0.own) * 1000,
    childCpuMs: (cpu1.children - cpu0.children) * 1000,
  };
}

function fmt(c: { wallMs: number; devicesPerS: number; ok: number }, n: number): string {
  return `${round(c.wallMs / 1000, 2)} s, ${Math.round(c.devicesPerS)} dev/s (${c.ok}/${n} ok)`;
}

export async function runSnmp(ctx: BenchContext): Promise<SectionResult> {
  const sizes = ctx.quick ? [1000] : [1000, 10_000];
  const rows: Row[] = [];
  const details: Record<string, unknown> = {};
  for (const n of sizes) {
    const addresses = loopbackAddresses(77, n);
    const t0 = performance.now();
    const fleet = await startAgentFleet(addresses);
    ctx.say(`SNMP: ${n} devices on ${fleet.agents.length} snmpd processes (started in ${round((performance.now() - t0) / 1000, 1)} s)`);
    try {
      const config = benchSnmpConfig(addresses, fleet);
      const concurrency = config.polling.concurrency;
      const targets = deviceTargets(config);
      const runner = createSnmpRunner({ config, log: silentLogger() });
      const run = (i: number) => runner.run(targets[i]!, NEVER_ABORTED);
      const mFirst = await merezhaCycle(run, n, concurrency);
      const mSteady = await merezhaCycle(run, n, concurrency);
      const sockets = transportStats().sockets;
      runner.close();
      ctx.say(
        `SNMP ${n}: Merezha first ${fmt(mFirst, n)}, ${mFirst.cpuUsPerPoll} µs CPU/poll; steady ${fmt(mSteady, n)}, ${mSteady.cpuUsPerPoll} µs CPU/poll; ${sockets} SNMP socket(s)`,
      );
      const pFirst = await peerCycle(addresses, fleet, true, concurrency, config);
      ctx.say(`SNMP ${n}: snmpbulkwalk+snmpget ${fmt(pFirst, n)}`);
      const pSteady = await peerCycle(addresses, fleet, false, concurrency, config);
      ctx.say(`SNMP ${n}: snmpget ${fmt(pSteady, n)}`);
      for (const [label, m, p, peerName] of [
        ['steady-state cycle', mSteady, pSteady, 'snmpget per device'],
        ['first cycle', mFirst, pFirst, 'snmpbulkwalk ifName + snmpget per device'],
      ] as const) {
        const speedup = p.wallMs / m.wallMs;
        rows.push({
          section: 'snmp',
          measure: `SNMP ${label}, ${n.toLocaleString('en')} devices`,
          merezha: `${fmt(m, n)}, ${m.cpuUsPerPoll} µs CPU/poll`,
          peer: `${peerName}: ${fmt(p, n)}`,
          ratio: `${round(speedup, 1)}× faster`,
          target: '≥ 10× faster',
          met: speedup >= 10 && m.ok === n,
        });
      }
      details[String(n)] = {
        devices: n,
        agents: fleet.agents.length,
        concurrency,
        merezha: { first: mFirst, steady: mSteady, sockets },
        peer: { first: pFirst, steady: pSteady },
        speedup_steady: round(pSteady.wallMs / mSteady.wallMs, 2),
        speedup_first: round(pFirst.wallMs / mFirst.wallMs, 2),
      };
    } finally {
      await fleet.stop();
    }
  }
  return { rows, details };
}
