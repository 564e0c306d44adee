/**
 * Discovery (`merezha discover`, collector/discovery/), on loopback only:
 *
 * 1. One device: discoverDevice against a real agent, against the same
 *    tables walked by Net-SNMP's C tools the way a script would: one
 *    `snmpbulkwalk -Cr20` per table column discovery walks (and `snmpget` for
 *    the system group and ipRouteTable's default route), one after another.
 *    Two agents: Debian's snmpd (this machine's own interfaces and routes) and
 *    snmpsim serving the recorded Cisco SG350X (233 interfaces, LLDP and CDP).
 * 2. A /24 sweep of simulated agents (`merezha simulate` in a child process,
 *    32 devices on 127.0.79.0/24): sweepRange, which pings all 254
 *    addresses and discovers each answering agent in full, against
 *    `fping -g` and one `snmpget` of the system group per address that
 *    answered ping, at the same concurrency and timeout (which finds the
 *    agents but discovers nothing).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { discoverTarget } from '../collector/discovery/discover.ts';
import { IF_COLUMNS } from '../collector/discovery/interfaces.ts';
import { CDP_COLUMNS, LLDP_COLUMNS } from '../collector/discovery/neighbours.ts';
import { SYS_OBJECT_ID } from '../collector/discovery/oids.ts';
import { sweepRange } from '../collector/discovery/range.ts';
import { DEFAULT_ROUTE_WALKS, IP_ROUTE_DEFAULT } from '../collector/discovery/routes.ts';
import { probeOf, VENDOR_SIGNATURES } from '../collector/discovery/vendor.ts';
import { netSnmpClientFactory } from '../collector/snmp/client.ts';
import { SYS } from '../collector/snmp/oids.ts';
import { parseConfig } from '../config/load.ts';
import type { SnmpCredential } from '../config/schema.ts';
import { freeUdpPort } from '../test/support/ports.ts';
import { startSnmpd } from '../test/support/snmpd.ts';
import { startSnmpsim } from '../test/support/snmpsim.ts';
import type { BenchContext, Row, SectionResult } from './types.ts';
import { defer } from './lib/cleanup.ts';
import { median, pool, round, runCommand, sleep } from './lib/util.ts';

const BIN = fileURLToPath(new URL('../bin/merezha.mjs', import.meta.url));
const SYSTEM = [SYS.descr, SYS_OBJECT_ID, SYS.upTime, SYS.name];

/** What discovery walks and gets, as the C tools' requests. */
function peerRequests(): { walks: string[]; gets: string[][] } {
  const walks = [
    ...Object.values(IF_COLUMNS),
    ...Object.values(LLDP_COLUMNS),
    ...Object.values(CDP_COLUMNS),
    ...DEFAULT_ROUTE_WALKS.inetCidrIfIndex,
    ...DEFAULT_ROUTE_WALKS.ipCidrIfIndex,
  ];
  const gets = [SYSTEM, [IP_ROUTE_DEFAULT]];
  for (const sig of VENDOR_SIGNATURES) {
    const probe = probeOf(sig);
    if (probe?.op === 'walk') walks.push(probe.oid);
    else if (probe) gets.push([probe.oid]);
  }
  return { walks, gets };
}

interface Agent {
  name: string;
  host: string;
  port: number;
  community: string;
}

async function oneDevice(agent: Agent, reps: number) {
  const credential: SnmpCredential = { version: '2c', community: agent.community };
  const target = { host: agent.host, port: agent.port, credential, timeoutMs: 2000, retries: 1 };
  // Warm-up (snmpsim builds its index of a recording on the first request), not measured.
  const warm = await discoverTarget(target);
  const merezha: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await discoverTarget(target);
    merezha.push(performance.now() - t0);
  }
  const { walks, gets } = peerRequests();
  const common = ['-m', '', '-v2c', '-c', agent.community, '-t', '2', '-r', '1', '-On', `${agent.host}:${agent.port}`];
  const peer: number[] = [];
  let peerLines = 0;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    peerLines = 0;
    for (const oids of gets) peerLines += (await runCommand('snmpget', [...common, ...oids])).stdout.split('\n').length - 1;
    for (const oid of walks) peerLines += (await runCommand('snmpbulkwalk', ['-Cr20', ...common, oid])).stdout.split('\n').length - 1;
    peer.push(performance.now() - t0);
  }
  return {
    interfaces: warm.interfaces.length,
    neighbours: warm.neighbours.length,
    merezhaMs: median(merezha),
    peerMs: median(peer),
    peerProcesses: gets.length + walks.length,
    peerLines,
  };
}

/** A simulated hromada on 127.0.79.0/24: 32 agents, every eighth address, four groups of an uplink and seven access points. */
function sweepConfig(port: number): string {
  const vendors = ['mikrotik', 'unifi', 'tplink', 'airmax'];
  const devices = Array.from({ length: 32 }, (_, k) => {
    const host = `127.0.79.${8 * k + 1}`;
    const snmp = `snmp: { credential: v2, port: ${port} }`;
    if (k % 8 === 0) return `      - { id: uplink-${k / 8}, kind: uplink, host: ${host}, ${snmp} }`;
    return `      - { id: ap-${k}, kind: wifi, vendor: ${vendors[k % 4]}, host: ${host}, ${snmp}, parent: uplink-${Math.floor(k / 8)} }`;
  });
  return `hromada: { name: Бенчмарк }
snmp_credentials:
  v2: { version: 2c, community: public }
villages:
  - id: bench
    name: Бенчмарк
    devices:
${devices.join('\n')}
`;
}

/** `merezha simulate` of the config in a child process, so that its agents do not share the measured process. */
async function startSimulator(dir: string, port: number): Promise<() => Promise<void>> {
  await writeFile(join(dir, 'hromada.yaml'), sweepConfig(port));
  await writeFile(join(dir, 'scenario.yaml'), 'name: bench-discover\nconfig: hromada.yaml\nspeed: 1\n');
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', BIN, 'simulate', '--scenario', join(dir, 'scenario.yaml'), '--no-nft'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, MEREZHA_LOG_LEVEL: 'warn' },
    },
  );
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (output = (output + d).slice(-4000)));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (output = (output + d).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = defer(
    'merezha simulate',
    async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
    () => child.kill('SIGKILL'),
  );
  const deadline = Date.now() + 30_000;
  for (const host of ['127.0.79.1', '127.0.79.249']) {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`merezha simulate exited: ${output}`);
      if (Date.now() > deadline) throw new Error(`the simulated agents did not answer within 30 s: ${output}`);
      const client = netSnmpClientFactory({ host, port, credential: { version: '2c', community: 'public' }, timeoutMs: 300, retries: 0 });
      try {
        await client.get([SYS.name]);
        break;
      } catch {
        await sleep(100);
      } finally {
        client.close();
      }
    }
  }
  return stop;
}

const RANGE = '127.0.79.0/24';
const SWEEP_TIMEOUT_MS = 1000;
const SWEEP_CONCURRENCY = 64;

async function sweep(port: number) {
  const config = parseConfig(sweepConfig(port), 'bench.yaml');
  const t0 = performance.now();
  const result = await sweepRange(RANGE, {
    port,
    credentials: [{ id: 'v2', credential: config.snmp_credentials.v2! }],
    config,
    concurrency: SWEEP_CONCURRENCY,
    timeoutMs: SWEEP_TIMEOUT_MS,
    retries: 0,
    ping: { ...config.polling.ping, count: 1, timeout: 500 },
  });
  const merezhaMs = performance.now() - t0;

  const p0 = performance.now();
  const fping = await runCommand('fping', ['-a', '-q', '-r0', '-t500', '-g', RANGE]);
  const fpingMs = performance.now() - p0;
  const alive = fping.stdout.split('\n').filter((l) => l.trim() !== '');
  let answered = 0;
  await pool(alive, SWEEP_CONCURRENCY, async (host) => {
    const r = await runCommand('snmpget', [
      '-m',
      '',
      '-v2c',
      '-c',
      'public',
      '-t',
      String(SWEEP_TIMEOUT_MS / 1000),
      '-r',
      '0',
      `${host}:${port}`,
      ...SYSTEM,
    ]);
    if (r.code === 0) answered++;
  });
  const peerMs = performance.now() - p0;
  return {
    merezhaMs,
    found: result.found.length,
    configured: result.found.filter((d) => d.configured).length,
    withParent: result.found.filter((d) => d.suggested_parent).length,
    alive: result.alive,
    peerMs,
    fpingMs,
    peerAlive: alive.length,
    peerAnswered: answered,
  };
}

export async function runDiscover(ctx: BenchContext): Promise<SectionResult> {
  const reps = ctx.quick ? 3 : 7;
  const rows: Row[] = [];
  const details: Record<string, unknown> = {};

  const snmpd = await startSnmpd({ addresses: ['127.0.80.1'], sysName: 'merezha-bench-host' });
  const undoSnmpd = defer('snmpd', () => snmpd.dispose());
  const snmpsim = await startSnmpsim({ address: '127.0.80.2', recordings: ['lldp-switch'] });
  const undoSnmpsim = defer('snmpsim', () => snmpsim.dispose());
  try {
    for (const agent of [
      { name: 'Debian snmpd (this host)', host: '127.0.80.1', port: snmpd.port, community: 'public' },
      { name: 'Cisco SG350X recording (snmpsim)', host: snmpsim.address, port: snmpsim.port, community: 'lldp-switch' },
    ]) {
      const r = await oneDevice(agent, reps);
      const ratio = r.peerMs / r.merezhaMs;
      ctx.say(
        `discover one device, ${agent.name}: Merezha ${round(r.merezhaMs)} ms; ${r.peerProcesses} snmpget/snmpbulkwalk one after another ${round(r.peerMs)} ms`,
      );
      rows.push({
        section: 'discover',
        measure: `Discovery of one device: ${agent.name}, ${r.interfaces} interfaces, ${r.neighbours} neighbours`,
        merezha: `${round(r.merezhaMs)} ms (median of ${reps})`,
        peer: `${r.peerProcesses} snmpbulkwalk/snmpget in turn: ${round(r.peerMs)} ms`,
        ratio: `${round(ratio, 1)}× faster`,
        target: '—',
        met: null,
      });
      details[agent.name] = { ...r, reps, ratio: round(ratio, 2) };
    }
  } finally {
    await undoSnmpsim();
    await undoSnmpd();
  }

  const dir = await mkdtemp(join(tmpdir(), 'merezha-bench-discover-'));
  const undoDir = defer('discover temp dir', () => rm(dir, { recursive: true, force: true }));
  try {
    const port = await freeUdpPort('127.0.79.1');
    const stop = await startSimulator(dir, port);
    try {
      const s = await sweep(port);
      ctx.say(
        `discover ${RANGE}: Merezha ${round(s.merezhaMs / 1000, 2)} s (${s.found} found, ${s.alive} pinged alive); fping -g + snmpget ${round(s.peerMs / 1000, 2)} s (${s.peerAnswered} answered)`,
      );
      const ratio = s.peerMs / s.merezhaMs;
      rows.push({
        section: 'discover',
        measure: `Sweep of a /24 (254 addresses, 32 simulated agents), SNMP timeout ${SWEEP_TIMEOUT_MS} ms, ${SWEEP_CONCURRENCY} at once`,
        merezha: `${round(s.merezhaMs / 1000, 2)} s: ping + full discovery, ${s.found}/32 found, ${s.withParent} with their parent`,
        peer: `fping -g (${round(s.fpingMs / 1000, 2)} s) + snmpget of the system group per live address: ${round(s.peerMs / 1000, 2)} s, ${s.peerAnswered}/32 found`,
        ratio: ratio >= 1 ? `${round(ratio, 2)}× faster` : `${round(1 / ratio, 2)}× slower`,
        target: '—',
        met: null,
      });
      details.sweep = { range: RANGE, timeout_ms: SWEEP_TIMEOUT_MS, concurrency: SWEEP_CONCURRENCY, ...s, ratio: round(ratio, 2) };
    } finally {
      await stop();
    }
  } finally {
    await undoDir();
  }
  return { rows, details };
}
