/**
 * A NATS cluster run by Merezha itself, for `merezha central --demo`, the
 * failure tests and the benchmark: Debian's `nats-server`, one process per
 * node on loopback, configured by `merezha nats-config` (the same files an
 * oblast deploys), JetStream files under `dir`. A node can be killed and
 * started again, to show that the cluster loses nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../common/log.ts';
import { freeTcpPorts, startOnFreePorts } from '../storage/ports.ts';
import { clientUrl, writeNatsConfig, type NatsPlan } from './nats-config.ts';

export const NATS_SERVER = process.env.MEREZHA_NATS_SERVER ?? 'nats-server';
/*
 * A whole cluster started again (every node stopped, then started) took
 * 5.6–7.4 s to be healthy here, idle: its nodes elect a meta leader and catch
 * up before /healthz says OK. Under the test suite's load it once took over
 * 30 s.
 */
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

export interface NatsCluster {
  /** nats://127.0.0.1:port of every node. */
  urls: string[];
  plan: NatsPlan;
  /** The seed file of a user: a hromada id, or `central`. */
  credentials(user: string): string;
  /** Kills a node at once (SIGKILL), as a crash would. */
  kill(node: number): Promise<void>;
  /** Starts a node again after kill(), on its ports and files. */
  start(node: number): Promise<void>;
  isRunning(node: number): boolean;
  stop(): Promise<void>;
}

export interface NatsClusterOptions {
  /** Configs, seeds, JetStream files and the nodes' logs go here. */
  dir: string;
  hromadas: readonly string[];
  nodes?: number;
  log: Logger;
  /** How long a node started may take to be healthy (/healthz OK): 60 s unless given. */
  readyTimeoutMs?: number;
}

/** Why a node's /healthz is not OK (its `error`, e.g. "JetStream is not current with the meta leader"), or undefined when it is. */
async function unhealthy(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    if (response.ok) return undefined;
    const body = (await response.json().catch(() => ({}))) as { error?: unknown };
    return typeof body.error === 'string' ? body.error : `HTTP ${response.status}`;
  } catch (err) {
    return (err as Error).message;
  }
}

export function startNatsCluster(options: NatsClusterOptions): Promise<NatsCluster> {
  return startOnFreePorts(() => startOnPorts(options));
}

/** What a node wrote last, to say why it exited. */
const OUTPUT_TAIL = 2_000;

async function startOnPorts(options: NatsClusterOptions): Promise<NatsCluster> {
  const count = options.nodes ?? 3;
  const ports = await freeTcpPorts(count * 3);
  const written = await writeNatsConfig(join(options.dir, 'config'), {
    hromadas: options.hromadas,
    nodes: count,
    nodePorts: Array.from({ length: count }, (_, i) => ({ client: ports[i]!, cluster: ports[count + i]!, monitor: ports[2 * count + i]! })),
    storeDir: join(options.dir, 'jetstream'),
  });
  const logs = join(options.dir, 'logs');
  await mkdir(logs, { recursive: true });
  const processes: (ChildProcess | undefined)[] = Array.from({ length: count }, () => undefined);
  /** Each node's last output and the end of its output streams, for the error of a node that exits at start. */
  const outputs: { tail: string; closed: Promise<void> }[] = [];

  const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;
  const waitExit = (child: ChildProcess, timeoutMs: number) =>
    exited(child)
      ? Promise.resolve(true)
      : Promise.race([new Promise<boolean>((r) => child.once('exit', () => r(true))), sleep(timeoutMs).then(() => false)]);

  const startNode = async (i: number) => {
    const node = written.plan.nodes[i]!;
    await mkdir(node.storeDir, { recursive: true });
    const out = createWriteStream(join(logs, `${node.name}.log`), { flags: 'a' });
    const child = spawn(NATS_SERVER, ['-c', written.configs[i]!], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(out);
    child.stderr.pipe(out);
    const output = { tail: '', closed: new Promise<void>((resolve) => child.once('close', () => resolve())) };
    for (const stream of [child.stdout, child.stderr])
      stream.on('data', (d: Buffer) => (output.tail = (output.tail + d).slice(-OUTPUT_TAIL)));
    outputs[i] = output;
    child.once('error', (err) => options.log.error({ node: node.name, err: err.message }, `cannot run ${NATS_SERVER}`));
    processes[i] = child;
  };
  const waitReady = async (indexes: number[]) => {
    const readyTimeoutMs = options.readyTimeoutMs ?? READY_TIMEOUT_MS;
    const deadline = Date.now() + readyTimeoutMs;
    for (const i of indexes) {
      const node = written.plan.nodes[i]!;
      let why: string | undefined;
      while ((why = await unhealthy(`http://${node.host}:${node.monitorPort}/healthz`)) !== undefined) {
        const child = processes[i];
        if (child === undefined || exited(child)) {
          // Its last words say why (a port taken meanwhile, which startOnFreePorts tries again, or a bad config).
          await Promise.race([outputs[i]?.closed, sleep(1_000)]);
          const last = outputs[i]?.tail.trim().split('\n').at(-1) ?? '';
          throw new Error(`nats-server ${node.name} exited at start${last ? `: ${last}` : ''}; see ${join(logs, `${node.name}.log`)}`);
        }
        if (Date.now() > deadline)
          throw new Error(
            `nats-server ${node.name} not ready after ${readyTimeoutMs / 1000} s (/healthz: ${why}); see ${join(logs, `${node.name}.log`)}`,
          );
        await sleep(100);
      }
    }
  };
  const stopNode = async (i: number, signal: NodeJS.Signals) => {
    const child = processes[i];
    if (child === undefined || exited(child)) return;
    child.kill(signal);
    if (!(await waitExit(child, STOP_TIMEOUT_MS))) {
      child.kill('SIGKILL');
      await waitExit(child, STOP_TIMEOUT_MS);
    }
  };
  const stop = async () => {
    await Promise.all(processes.map((_, i) => stopNode(i, 'SIGTERM')));
  };

  try {
    for (let i = 0; i < count; i++) await startNode(i);
    await waitReady([...Array(count).keys()]);
  } catch (err) {
    await stop();
    throw err;
  }
  options.log.info({ nodes: count, urls: written.plan.nodes.map(clientUrl) }, 'NATS cluster up');
  return {
    urls: written.plan.nodes.map(clientUrl),
    plan: written.plan,
    credentials: (user) => {
      const file = written.credentials.get(user);
      if (file === undefined) throw new Error(`no NATS user "${user}"`);
      return file;
    },
    kill: (i) => stopNode(i, 'SIGKILL'),
    start: async (i) => {
      const child = processes[i];
      if (child !== undefined && !exited(child)) return;
      await startNode(i);
      await waitReady([i]);
    },
    isRunning: (i) => processes[i] !== undefined && !exited(processes[i]!),
    stop,
  };
}
