/**
 * A fleet of real Net-SNMP agents (Debian `snmpd`) for the benchmark: each
 * process listens on up to 1,000 loopback addresses on one UDP port, so
 * 10,000 simulated devices are 10 processes. Both Merezha and the C tools
 * poll the same agents. Every process and temp dir is torn down by stop(),
 * which is registered with the cleanup registry.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { netSnmpClientFactory } from '../../collector/snmp/client.ts';
import { TPLINK_EAP_CLIENTS } from '../../collector/vendors/tplink.ts';
import { freeUdpPort } from '../../test/support/ports.ts';
import { defer } from './cleanup.ts';
import { sleep } from './util.ts';

export const COMMUNITY = 'public';
export const TPLINK_CLIENTS_VALUE = 7;
export const ADDRESSES_PER_AGENT = 1000;

export interface Agent {
  pid: number;
  port: number;
  addresses: string[];
}

export interface AgentFleet {
  agents: Agent[];
  /** The UDP port the agent serving this device index listens on. */
  portOf(index: number): number;
  stop(): Promise<void>;
}

interface Running {
  child: ChildProcess;
  exited: Promise<void>;
  dir: string;
}

async function answers(host: string, port: number): Promise<boolean> {
  const client = netSnmpClientFactory({ host, port, credential: { version: '2c', community: COMMUNITY }, timeoutMs: 300, retries: 0 });
  try {
    await client.get(['1.3.6.1.2.1.1.3.0']);
    return true;
  } catch {
    return false;
  } finally {
    client.close();
  }
}

async function stopRunning(r: Running): Promise<void> {
  if (r.child.exitCode === null && r.child.signalCode === null) {
    r.child.kill('SIGTERM');
    const timer = setTimeout(() => r.child.kill('SIGKILL'), 5_000);
    await r.exited;
    clearTimeout(timer);
  }
  await rm(r.dir, { recursive: true, force: true });
}

async function startOne(addresses: string[], running: Running[]): Promise<Agent> {
  for (let attempt = 1; ; attempt++) {
    const dir = await mkdtemp(join(tmpdir(), 'merezha-bench-snmpd-'));
    await mkdir(join(dir, 'persist'));
    const port = await freeUdpPort(addresses[0]!);
    const conf = [
      `[snmp] persistentDir ${join(dir, 'persist')}`,
      `rocommunity ${COMMUNITY} 127.0.0.0/8`,
      'sysName merezha-bench-agent',
      'sysDescr Merezha benchmark agent (Net-SNMP)',
      'master no',
      'dontLogTCPWrappersConnects yes',
      `override ${TPLINK_EAP_CLIENTS} integer ${TPLINK_CLIENTS_VALUE}`,
    ].join('\n');
    const confPath = join(dir, 'snmpd.conf');
    await writeFile(confPath, `${conf}\n`);
    const listen = addresses.map((a) => `udp:${a}:${port}`).join(',');
    const child = spawn('snmpd', ['-f', '-Lo', '-C', '-m', '', '-c', confPath, '-p', join(dir, 'pid'), listen], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SNMP_PERSISTENT_DIR: join(dir, 'persist'), MIBS: '' },
    });
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (output = (output + d).slice(-2000)));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (output = (output + d).slice(-2000)));
    const r: Running = { child, dir, exited: new Promise((resolve) => child.once('exit', () => resolve())) };
    running.push(r);
    const deadline = Date.now() + 20_000;
    let ready = false;
    while (Date.now() < deadline && child.exitCode === null) {
      if ((await answers(addresses[0]!, port)) && (await answers(addresses.at(-1)!, port))) {
        ready = true;
        break;
      }
      await sleep(50);
    }
    if (ready) return { pid: child.pid!, port, addresses };
    running.splice(running.indexOf(r), 1);
    await stopRunning(r);
    // Another test's agent may hold this port on one of our addresses: try another port.
    if (attempt >= 3) throw new Error(`snmpd did not start on ${addresses.length} addresses: ${output.trim()}`);
  }
}

/** Starts agents for `addresses`, ADDRESSES_PER_AGENT per process, in parallel. */
export async function startAgentFleet(addresses: string[]): Promise<AgentFleet> {
  const running: Running[] = [];
  const stop = async () => {
    await Promise.all(running.splice(0).map(stopRunning));
  };
  const undo = defer('snmpd agents', stop, () => {
    for (const r of running) r.child.kill('SIGKILL');
  });
  try {
    const groups: string[][] = [];
    for (let i = 0; i < addresses.length; i += ADDRESSES_PER_AGENT) groups.push(addresses.slice(i, i + ADDRESSES_PER_AGENT));
    // allSettled: a failed agent must not leave others still starting when we tear down.
    const settled = await Promise.allSettled(groups.map((g) => startOne(g, running)));
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    const agents = settled.map((s) => (s as PromiseFulfilledResult<Agent>).value);
    return { agents, portOf: (index) => agents[Math.floor(index / ADDRESSES_PER_AGENT)]!.port, stop: undo };
  } catch (err) {
    await undo();
    throw err;
  }
}
