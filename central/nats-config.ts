/**
 * `merezha nats-config`: the server configs of the oblast's NATS cluster and
 * the credentials of everyone who talks to it.
 *
 * One account with JetStream; one user per hromada, allowed to publish only
 * under `merezha.<hromada>.>` (so a hromada cannot write as another), and one
 * central user that may read every hromada's subjects and use the JetStream
 * API, but not publish as a hromada. Users are nkeys: the server configs hold
 * only public keys, and each party gets its seed in `<name>.nk` (0600).
 * Seeds already in the folder are kept, so adding a hromada and running it
 * again does not lock the others out.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createUser, fromSeed } from '@nats-io/nkeys';
import { HROMADA_ID, HROMADA_ID_RULE, hromadaSubjects, SUBJECT_ROOT } from '../common/federation.ts';

export const CENTRAL_USER = 'central';
export const CLUSTER_NAME = 'merezha';
export const ACCOUNT = 'MEREZHA';

export interface NatsNodePlan {
  name: string;
  host: string;
  clientPort: number;
  clusterPort: number;
  /** The monitoring port (`/healthz`, `/jsz`), on the node's host. */
  monitorPort: number;
  storeDir: string;
}

export interface NatsPlan {
  nodes: NatsNodePlan[];
  hromadas: string[];
}

export interface PlanOptions {
  hromadas: readonly string[];
  /** One host per node; the same host for all puts the nodes on consecutive ports (a cluster on one machine). */
  hosts?: readonly string[];
  nodes?: number;
  clientPort?: number;
  clusterPort?: number;
  monitorPort?: number;
  /** Each node's ports, where they are not the consecutive ones from the bases above (the test clusters take free ones). */
  nodePorts?: readonly { client: number; cluster: number; monitor: number }[];
  /** Where each node keeps its JetStream files (a folder per node below it). */
  storeDir: string;
}

export class NatsConfigError extends Error {
  override readonly name = 'NatsConfigError';
}

export function planCluster(options: PlanOptions): NatsPlan {
  const count = options.nodes ?? options.hosts?.length ?? 3;
  const hosts = options.hosts ?? Array.from({ length: count }, () => '127.0.0.1');
  if (hosts.length !== count) throw new NatsConfigError(`${hosts.length} hosts given for ${count} nodes`);
  if (count < 1) throw new NatsConfigError('a cluster needs at least one node');
  const bad = options.hromadas.filter((h) => !HROMADA_ID.test(h));
  if (bad.length > 0) throw new NatsConfigError(`hromada ids must be ${HROMADA_ID_RULE}: ${bad.join(', ')}`);
  const duplicate = options.hromadas.find((h, i) => options.hromadas.indexOf(h) !== i);
  if (duplicate !== undefined) throw new NatsConfigError(`hromada "${duplicate}" is listed twice`);
  if (options.hromadas.includes(CENTRAL_USER)) throw new NatsConfigError(`"${CENTRAL_USER}" is the central's user, not a hromada id`);
  // Nodes sharing a host cannot share ports.
  const shared = new Set(hosts).size < hosts.length;
  const port = (base: number, i: number) => (shared ? base + i : base);
  if (options.nodePorts !== undefined && options.nodePorts.length !== count)
    throw new NatsConfigError(`${options.nodePorts.length} sets of ports given for ${count} nodes`);
  return {
    hromadas: [...options.hromadas],
    nodes: hosts.map((host, i) => ({
      name: `${CLUSTER_NAME}-${i + 1}`,
      host,
      clientPort: options.nodePorts?.[i]?.client ?? port(options.clientPort ?? 4222, i),
      clusterPort: options.nodePorts?.[i]?.cluster ?? port(options.clusterPort ?? 6222, i),
      monitorPort: options.nodePorts?.[i]?.monitor ?? port(options.monitorPort ?? 8222, i),
      storeDir: resolve(options.storeDir, `${CLUSTER_NAME}-${i + 1}`),
    })),
  };
}

const hostPart = (host: string) => (host.includes(':') ? `[${host}]` : host);
export const clientUrl = (node: NatsNodePlan) => `nats://${hostPart(node.host)}:${node.clientPort}`;
const quote = (s: string) => JSON.stringify(s);

/** The public keys of every user, by name (a hromada id or `central`). */
export type PublicKeys = ReadonlyMap<string, string>;

export function serverConfig(plan: NatsPlan, index: number, keys: PublicKeys): string {
  const node = plan.nodes[index]!;
  const routes = plan.nodes.filter((_, i) => i !== index).map((n) => `nats-route://${hostPart(n.host)}:${n.clusterPort}`);
  const key = (name: string) => {
    const value = keys.get(name);
    if (value === undefined) throw new NatsConfigError(`no key for "${name}"`);
    return value;
  };
  const hromadaUsers = plan.hromadas.map(
    (h) =>
      `      # ${h}: publishes only its own subjects\n` +
      `      { nkey: ${key(h)}, permissions: { publish: { allow: [${quote(hromadaSubjects(h))}] }, subscribe: { allow: ["_INBOX.>"] } } }`,
  );
  const central =
    `      # the central: reads every hromada and drives JetStream, never publishes as a hromada\n` +
    `      { nkey: ${key(CENTRAL_USER)}, permissions: { publish: { allow: ["$JS.API.>", "$JS.ACK.>", "$JS.FC.>", "_INBOX.>"] }, subscribe: { allow: ["_INBOX.>", ${quote(`${SUBJECT_ROOT}.>`)}] } } }`;
  return [
    `# Written by merezha nats-config: node ${index + 1} of ${plan.nodes.length}.`,
    '# Change the list of hromadas and run the command again rather than editing this file.',
    `server_name: ${quote(node.name)}`,
    `listen: ${quote(`${hostPart(node.host)}:${node.clientPort}`)}`,
    `http: ${quote(`${hostPart(node.host)}:${node.monitorPort}`)}`,
    `jetstream {\n  store_dir: ${quote(node.storeDir)}\n}`,
    plan.nodes.length > 1
      ? `cluster {\n  name: ${quote(CLUSTER_NAME)}\n  listen: ${quote(`${hostPart(node.host)}:${node.clusterPort}`)}\n  routes: [\n${routes.map((r) => `    ${quote(r)}`).join('\n')}\n  ]\n}`
      : '',
    `accounts {\n  ${ACCOUNT} {\n    jetstream: enabled\n    users: [\n${[central, ...hromadaUsers].join('\n')}\n    ]\n  }\n}`,
    '',
  ]
    .filter((part) => part !== '')
    .join('\n');
}

export interface WrittenNatsConfig {
  plan: NatsPlan;
  /** `node-1.conf` … in the folder. */
  configs: string[];
  /** Seed files by user name. */
  credentials: Map<string, string>;
  /** Users whose seed was made now (the others were kept). */
  created: string[];
}

async function readSeed(file: string): Promise<string | undefined> {
  try {
    const seed = (await readFile(file, 'utf8')).trim();
    fromSeed(new TextEncoder().encode(seed));
    return seed;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new NatsConfigError(`${file} is not an nkey user seed: ${(err as Error).message}`);
  }
}

/** Writes the node configs and any missing seed into `dir`. */
export async function writeNatsConfig(dir: string, options: PlanOptions): Promise<WrittenNatsConfig> {
  const plan = planCluster(options);
  await mkdir(dir, { recursive: true });
  const keys = new Map<string, string>();
  const credentials = new Map<string, string>();
  const created: string[] = [];
  for (const name of [CENTRAL_USER, ...plan.hromadas]) {
    const file = join(dir, `${name}.nk`);
    let seed = await readSeed(file);
    if (seed === undefined) {
      seed = new TextDecoder().decode(createUser().getSeed());
      await writeFile(file, `${seed}\n`, { mode: 0o600 });
      created.push(name);
    }
    await chmod(file, 0o600);
    keys.set(name, fromSeed(new TextEncoder().encode(seed)).getPublicKey());
    credentials.set(name, file);
  }
  const configs: string[] = [];
  for (let i = 0; i < plan.nodes.length; i++) {
    const file = join(dir, `node-${i + 1}.conf`);
    await writeFile(file, serverConfig(plan, i, keys), { mode: 0o640 });
    configs.push(file);
  }
  return { plan, configs, credentials, created };
}
