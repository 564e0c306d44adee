/**
 * `merezha start [--config FILE] [--simulate]`: the long-running process.
 * Starts the whole stack (`app/stack.ts`): for the demo hromada, or on
 * request, with simulated devices on loopback; reloads its config file on
 * SIGHUP (`app/reload.ts`); and stops it on SIGINT/SIGTERM.
 */
import { ManagedInfluxdBusyError } from '../../storage/managed-influxd.ts';
import { InfluxVersionError } from '../../storage/influx-version.ts';
import { createLogger } from '../../common/log.ts';
import { ConfigError } from '../../config/load.ts';
import { PortError } from '../../server/http/server.ts';
import { reloadConfig } from '../../app/reload.ts';
import { startStack, type Stack } from '../../app/stack.ts';
import { demoScenario, SimulationStartError } from '../../simulator/index.ts';
import { parse } from '../args.ts';
import { VERSION } from '../version.ts';
import { loadConfigOrReport } from './load.ts';

const STATUS_EVERY_MS = 60_000;

export const OPTIONS = { config: { type: 'string' }, simulate: { type: 'boolean', default: false } } as const;

export async function startCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, OPTIONS);
  const loaded = loadConfigOrReport(values.config, true);
  if (!loaded) return 1;
  const { config } = loaded;
  const log = createLogger();
  const simulate = loaded.demo || values.simulate;

  // Handled from here on, since Node's default for SIGHUP ends the process; one that comes during the start waits for it.
  let started!: (stack: Stack) => void;
  const running = new Promise<Stack>((resolve) => (started = resolve));
  let reloads: Promise<unknown> = running;
  let stopping = false;
  const onHangup = () => {
    if (stopping) return;
    // One at a time: a SIGHUP during a reload reloads again after it.
    reloads = reloads
      .then(() => running)
      .then((stack) => reloadConfig(stack, loaded.path, log))
      .catch((err: unknown) => log.error({ err }, 'config reload failed; running on'));
  };
  process.on('SIGHUP', onHangup);

  let stack;
  try {
    stack = await startStack({
      config,
      log,
      version: VERSION,
      // The demo hromada has no real devices: simulate them on loopback, faults and all.
      ...(simulate ? { simulate: demoScenario(config) } : {}),
      // The demo (not a user's config, simulated or not) also gets a simulated past, once.
      demoHistory: loaded.demo,
      configFile: loaded.path,
      ...(process.env.INFLUX_URL ? { influxUrl: process.env.INFLUX_URL } : {}),
    });
  } catch (err) {
    // A config the simulator cannot serve, a port taken: the user's to fix, in one line, no stack trace.
    if (err instanceof ManagedInfluxdBusyError || err instanceof InfluxVersionError) {
      process.stderr.write(`merezha start: ${err.message}\n`);
      return 1;
    }
    if (err instanceof ConfigError || err instanceof SimulationStartError) {
      process.stderr.write(`merezha start --simulate: ${err.message}\n`);
      return 1;
    }
    if (
      err instanceof PortError ||
      (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ||
      (err as NodeJS.ErrnoException).code === 'EACCES'
    ) {
      process.stderr.write(`merezha start: cannot serve the dashboard: ${(err as Error).message} (set PORT or server.port)\n`);
      return 1;
    }
    throw err;
  }
  started(stack);
  if (stack.simulation) {
    log.info(
      { devices: stack.simulation.devices.length },
      'simulating the devices of this config on loopback addresses, with a fault every few minutes (a demo, not a real network)',
    );
  }
  log.info(
    { hromada: config.hromada.name, dashboard: stack.url, status_page: `${stack.url}status` },
    `Merezha is running: dashboard at ${stack.url}`,
  );

  const status = setInterval(
    () => log.info({ collector: stack.collector.stats(), storage: stack.writer.stats() }, 'status'),
    STATUS_EVERY_MS,
  );
  await new Promise<void>((done) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'stopping');
      done();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  clearInterval(status);
  stopping = true;
  await reloads;
  await stack.stop();
  process.off('SIGHUP', onHangup);
  log.info('stopped');
  return 0;
}
