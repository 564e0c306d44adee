/**
 * `merezha nats-config --out DIR (--hromadas a,b,c | --config central.yaml)`:
 * writes the oblast's NATS cluster configs (`node-N.conf`) and the nkey
 * seeds of the central and of each hromada (`<name>.nk`) into DIR. Seeds
 * already there are kept, so adding a hromada and running it again does not
 * lock the others out; the node configs are written anew.
 */
import { ConfigError } from '../../config/load.ts';
import { loadCentralConfig } from '../../config/central.ts';
import { CENTRAL_USER, clientUrl, NatsConfigError, writeNatsConfig } from '../../central/nats-config.ts';
import { parse, UsageError } from '../args.ts';

export const OPTIONS = {
  out: { type: 'string' },
  hromadas: { type: 'string' },
  config: { type: 'string' },
  hosts: { type: 'string' },
  port: { type: 'string' },
  'cluster-port': { type: 'string' },
  'monitor-port': { type: 'string' },
  'store-dir': { type: 'string' },
} as const;

function port(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`${flag} must be a port number 1-65535, got "${value}"`);
  return n;
}

const list = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

export async function natsConfigCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, OPTIONS);
  if (!values.out) throw new UsageError('--out DIR is required');
  if ((values.hromadas === undefined) === (values.config === undefined)) throw new UsageError('give either --hromadas or --config');
  let hromadas: string[];
  if (values.config !== undefined) {
    try {
      hromadas = loadCentralConfig(values.config).hromadas.map((h) => h.id);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
  } else hromadas = list(values.hromadas!);
  const hosts = values.hosts === undefined ? undefined : list(values.hosts);
  try {
    const written = await writeNatsConfig(values.out, {
      hromadas,
      ...(hosts ? { hosts } : {}),
      ...(values.port ? { clientPort: port(values.port, '--port')! } : {}),
      ...(values['cluster-port'] ? { clusterPort: port(values['cluster-port'], '--cluster-port')! } : {}),
      ...(values['monitor-port'] ? { monitorPort: port(values['monitor-port'], '--monitor-port')! } : {}),
      storeDir: values['store-dir'] ?? '/var/lib/nats/merezha',
    });
    const out = process.stdout;
    out.write(`NATS cluster of ${written.plan.nodes.length} nodes, ${hromadas.length} hromadas, in ${values.out}:\n`);
    written.plan.nodes.forEach((node, i) =>
      out.write(`  ${written.configs[i]}  (${node.name}: ${clientUrl(node)}; run nats-server -c FILE)\n`),
    );
    for (const [user, file] of written.credentials) {
      const made = written.created.includes(user) ? 'new' : 'kept';
      out.write(
        `  ${file}  (${user === CENTRAL_USER ? 'the central' : `hromada ${user}`}, ${made}; keep it 0600, give it to no one else)\n`,
      );
    }
    out.write(
      `Each hromada's hromada.yaml: forward: { hromada: <id>, servers: [${written.plan.nodes.map(clientUrl).join(', ')}], credentials: <its .nk file> }\n`,
    );
    return 0;
  } catch (err) {
    if (!(err instanceof NatsConfigError)) throw err;
    process.stderr.write(`merezha nats-config: ${err.message}\n`);
    return 1;
  }
}
