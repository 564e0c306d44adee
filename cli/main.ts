/**
 * `merezha` command line: dispatches to one module per command.
 * Returns the process exit code; user mistakes print a message, never a stack trace.
 */
import { UsageError } from './args.ts';

type Command = (argv: string[]) => Promise<number>;

// Loaded on demand, so `check-config` does not pay for net-snmp, influx and the rest.
const COMMANDS: Record<string, { load: () => Promise<Command>; summary: string }> = {
  start: {
    load: async () => (await import('./commands/start.ts')).startCommand,
    summary: 'start [--config FILE]                      run the collector (and, later, the server)',
  },
  'check-config': {
    load: async () => (await import('./commands/check-config.ts')).checkConfigCommand,
    summary: 'check-config FILE                          validate a config file; exit 1 with every error',
  },
  poll: {
    load: async () => (await import('./commands/poll.ts')).pollCommand,
    summary: 'poll [--config FILE] [--device ID] [--once] [--json]   poll devices now and print what they answer',
  },
  import: {
    load: async () => (await import('./commands/import.ts')).importCommand,
    summary: 'import --from DATE --to DATE --outages FILE.csv [--config FILE] [--dry-run]   load past outages (see import --help)',
  },
  report: {
    load: async () => (await import('./commands/report.ts')).reportCommand,
    summary: 'report [--year YYYY | --from DATE --to DATE] --format json|csv [--out FILE]   the yearly connectivity report',
  },
  simulate: {
    load: async () => (await import('./commands/simulate.ts')).simulateCommand,
    summary: 'simulate --scenario FILE | --demo | --generate …   run simulated devices on loopback (see docs/simulator.md)',
  },
  schema: {
    load: async () => (await import('./commands/schema.ts')).schemaCommand,
    summary: 'schema [--out FILE]                        print the JSON Schema of the config file',
  },
};

export const USAGE = `Usage: merezha <command> [options]\n\nCommands:\n${Object.values(COMMANDS)
  .map((c) => `  ${c.summary}`)
  .join('\n')}\n\nThe config file also comes from MEREZHA_CONFIG; the InfluxDB URL from INFLUX_URL.\n`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`merezha: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  try {
    return await (
      await command.load()
    )(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`merezha ${name}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
