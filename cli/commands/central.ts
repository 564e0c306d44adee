/**
 * `merezha central`: the oblast's Merezha (`central/central.ts`), its demo
 * (`central/demo.ts`) and its report (`merezha central report`).
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createLogger, type Logger } from '../../common/log.ts';
import { loadCentralConfig, type CentralConfig } from '../../config/central.ts';
import { startCentral, oblastReportOf } from '../../central/central.ts';
import { startCentralDemo } from '../../central/demo.ts';
import { HromadaRegistry } from '../../central/registry.ts';
import { OBLAST_REPORT_FORMATS, renderOblastReport, type OblastReportFormat } from '../../central/report.ts';
import { connectNats } from '../../storage/forward/nats.ts';
import { errorMessage, type InfluxLogin } from '../../storage/influx-client.ts';
import { ManagedInfluxdBusyError, readManagedLogin, readRememberedPorts, startManagedInfluxd } from '../../storage/managed-influxd.ts';
import { LOOPBACK } from '../../storage/ports.ts';
import { parse, UsageError } from '../args.ts';
import { untilSignalled } from '../running.ts';
import { VERSION } from '../version.ts';
import { reportConfigError } from './load.ts';
import { reportRange } from '../report-range.ts';

export const OPTIONS = {
  config: { type: 'string' },
  'ingest-only': { type: 'boolean', default: false },
  'no-ingest': { type: 'boolean', default: false },
  demo: { type: 'boolean', default: false },
  year: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
} as const;

const port = () => (process.env.PORT ? Number(process.env.PORT) : undefined);

export async function centralCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS, true);
  const [sub, ...rest] = positionals;
  if (rest.length > 0 || (sub !== undefined && sub !== 'report')) throw new UsageError(`unknown argument "${sub ?? rest[0]}"`);
  if (values['ingest-only'] && values['no-ingest']) throw new UsageError('give --ingest-only or --no-ingest, not both');
  const log = createLogger();
  const adminPassword = process.env.MEREZHA_ADMIN_PASSWORD;

  if (values.demo) {
    if (sub !== undefined || values.config !== undefined) throw new UsageError('--demo takes no config and no subcommand');
    const demo = await startCentralDemo({
      log,
      version: VERSION,
      ...(port() ? { port: port()! } : {}),
      ...(adminPassword ? { adminPassword } : {}),
    });
    await untilSignalled(log);
    await demo.stop();
    log.info('stopped');
    return 0;
  }
  if (values.config === undefined) throw new UsageError('--config central.yaml is required (or --demo)');
  const config = reportConfigError(() => loadCentralConfig(values.config!));
  if (!config) return 1;
  if (sub === 'report') return centralReport(config, values, log);

  const central = await startCentral({
    config,
    log,
    version: VERSION,
    role: values['ingest-only'] ? 'ingest' : values['no-ingest'] ? 'server' : 'all',
    ...(process.env.INFLUX_URL ? { influx: { url: process.env.INFLUX_URL } } : {}),
    ...(port() ? { port: port()! } : {}),
    ...(adminPassword ? { adminPassword } : {}),
  });
  await untilSignalled(log);
  await central.stop();
  log.info('stopped');
  return 0;
}

/** The central's InfluxDB for a one-off read: the configured one, the running central's managed one, or the managed one started for it. */
async function openCentralInflux(
  config: CentralConfig,
  log: Logger,
): Promise<{ url: string; login: InfluxLogin | undefined; stop: () => Promise<void> }> {
  const url = process.env.INFLUX_URL ?? config.storage.influx?.url;
  const influx = config.storage.influx;
  if (url !== undefined) {
    const login = influx?.username === undefined ? undefined : { username: influx.username, password: influx.password ?? '' };
    return { url, login, stop: async () => {} };
  }
  const dir = resolve(config.storage.managed_dir);
  try {
    const managed = await startManagedInfluxd({ dir, log });
    return { url: managed.url, login: managed.login, stop: () => managed.stop() };
  } catch (err) {
    if (!(err instanceof ManagedInfluxdBusyError)) throw err;
    // The running central's: a report only reads.
    const ports = await readRememberedPorts(dir);
    return { url: `http://${LOOPBACK}:${ports.http}`, login: await readManagedLogin(dir), stop: async () => {} };
  }
}

async function centralReport(
  config: CentralConfig,
  values: {
    year?: string | undefined;
    from?: string | undefined;
    to?: string | undefined;
    format?: string | undefined;
    out?: string | undefined;
  },
  log: Logger,
): Promise<number> {
  const format = values.format ?? 'json';
  if (!(OBLAST_REPORT_FORMATS as readonly string[]).includes(format))
    throw new UsageError(`--format must be ${OBLAST_REPORT_FORMATS.join(', ')} (got ${format})`);
  const now = Date.now();
  const range = reportRange(values, config.oblast.timezone, now);
  if ('problem' in range) throw new UsageError(range.problem);
  const quiet = log.child({}, { level: 'warn' });
  const influx = await openCentralInflux(config, quiet);
  try {
    const nats = await connectNats({
      servers: config.nats.servers,
      credentials: config.nats.credentials,
      name: 'merezha-central-report',
      log: quiet,
      firstConnectTimeoutMs: 10_000,
    });
    try {
      const registry = new HromadaRegistry({ config, nc: nats, log: quiet });
      await registry.refresh();
      const report = await oblastReportOf(config, influx, registry)(range, now);
      const { body } = renderOblastReport(report, format as OblastReportFormat);
      if (values.out === undefined) process.stdout.write(body);
      else await writeFile(values.out, body);
      return 0;
    } finally {
      await nats.close();
    }
  } catch (err) {
    process.stderr.write(`merezha central report: ${errorMessage(err)}\nno report was written\n`);
    return 1;
  } finally {
    await influx.stop();
  }
}
