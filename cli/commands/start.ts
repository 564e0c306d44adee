/**
 * `merezha start [--config FILE] [--simulate]`: the long-running process.
 * Starts the whole stack (`app/stack.ts`): for the demo hromada, or on
 * request, with simulated devices on loopback; reloads its config file on
 * SIGHUP (`app/reload.ts`); and stops it on SIGINT/SIGTERM.
 *
 * While it runs, `<server.data_dir>/merezha.pid` holds its pid, for
 * `merezha inventory import` and scripts to send it SIGHUP. The demo runs
 * from a working copy of config/example.yaml (`data/demo/hromada.yaml`), so
 * that the dashboard's inventory page edits that and never the repository's
 * example.
 */
import { mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ManagedInfluxdBusyError } from '../../storage/managed-influxd.ts';
import { InfluxVersionError } from '../../storage/influx-version.ts';
import { createLogger } from '../../common/log.ts';
import { ConfigError, loadConfig } from '../../config/load.ts';
import type { Config } from '../../config/schema.ts';
import type { Logger } from '../../common/log.ts';
import { PortError } from '../../server/http/server.ts';
import { startStack, type Stack } from '../../app/stack.ts';
import { demoScenario, SimulationStartError, unlistedWords } from '../../simulator/index.ts';
import { demoWorkingCopy, parse, resolveConfigPath } from '../args.ts';
import { pidFileOf, untilSignalled } from '../running.ts';
import { VERSION } from '../version.ts';
import { reportConfigError, type LoadedConfig } from './load.ts';

const STATUS_EVERY_MS = 60_000;

export const OPTIONS = { config: { type: 'string' }, simulate: { type: 'boolean', default: false } } as const;

export async function startCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, OPTIONS);
  const log = createLogger();
  const loaded = await loadStartConfig(values.config, log);
  if (!loaded) return 1;
  const { config } = loaded;
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
      .then((stack) => stack.reload())
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
    const { unlisted } = stack.simulation;
    if (unlisted.length > 0) {
      const credentials = [...new Set(unlisted.map((d) => d.snmp!.credential))].join(', ');
      const first = unlisted[0]!;
      log.info(
        { unlisted: unlisted.map((d) => ({ id: d.id, village: d.village, host: d.host, port: d.snmp!.port, parent: d.parent })) },
        `the simulated network also has ${unlisted.length} devices that are not in the config yet, to find and add on the dashboard's Інвентар page ` +
          `(address, credential ${credentials}, port ${first.snmp!.port}) or with merezha discover, e.g. ` +
          `merezha discover --range ${first.host.replace(/\.\d+$/, '.0')}/27 --port ${first.snmp!.port} --credential ${first.snmp!.credential} --config ${loaded.path}: ` +
          unlistedWords(unlisted),
      );
    }
  }
  log.info(
    { hromada: config.hromada.name, dashboard: stack.url, status_page: `${stack.url}status` },
    `Merezha is running: dashboard at ${stack.url}`,
  );
  const pidFile = await writePidFile(config, log);

  const status = setInterval(
    () => log.info({ collector: stack.collector.stats(), storage: stack.writer.stats() }, 'status'),
    STATUS_EVERY_MS,
  );
  await untilSignalled(log);
  clearInterval(status);
  stopping = true;
  await reloads;
  await stack.stop();
  process.off('SIGHUP', onHangup);
  if (pidFile) await removePidFile(pidFile);
  log.info('stopped');
  return 0;
}

/**
 * The config as every command loads it, but for the demo: its working copy
 * (made or refreshed from config/example.yaml), announced as the demo.
 */
async function loadStartConfig(flag: string | undefined, log: Logger): Promise<LoadedConfig | undefined> {
  const resolved = resolveConfigPath(flag);
  let path = resolved.path;
  if (resolved.demo) {
    const copy = await demoWorkingCopy();
    if (copy.state === 'refreshed') {
      log.warn(
        { config: copy.path, previous: copy.backup },
        `DEMO: config/example.yaml changed since the demo's working copy was made from it: made it again (the previous one, with any edits, is ${copy.backup})`,
      );
    }
    path = copy.path;
  }
  return reportConfigError(() => {
    const config = loadConfig(path);
    if (resolved.demo) {
      log.warn(
        { config: path },
        `DEMO: no config/hromada.yaml found, running the demo hromada "${config.hromada.name}" from ${path} (a working copy of config/example.yaml, which the dashboard's inventory page edits). ` +
          'Its simulated network also has a few devices that are not in the config yet (listed once running): try adding one on the inventory page (Інвентар). ' +
          'To monitor your own network: cp config/example.yaml config/hromada.yaml, edit it, and restart (or pass --config FILE / MEREZHA_CONFIG).',
      );
    }
    return { config, path, demo: resolved.demo };
  });
}

/** Writes the pid file, or says why not: the process runs on without one. */
async function writePidFile(config: Config, log: Logger): Promise<string | undefined> {
  const file = pidFileOf(config);
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, `${process.pid}\n`);
    return file;
  } catch (err) {
    log.warn(
      { file, err: (err as Error).message },
      'could not write the pid file: merezha inventory import cannot tell this process to reload',
    );
    return undefined;
  }
}

/** Removes the pid file if it is still this process's (another start may have taken it over). */
async function removePidFile(file: string): Promise<void> {
  const text = await readFile(file, 'utf8').catch(() => '');
  if (text.trim() === String(process.pid)) await unlink(file).catch(() => undefined);
}
