/**
 * `merezha` command line: dispatches to one module per command.
 * Returns the process exit code; user mistakes print a message, never a stack trace.
 */
import { UsageError } from './args.ts';
import { OVERVIEW, USAGES, type CommandName } from './usage.ts';
import { RUNTIME, VERSION } from './version.ts';

type Command = (argv: string[]) => Promise<number>;

// Loaded on demand, so `check-config` does not pay for net-snmp, influx and the rest, and help for none of it.
const COMMANDS: Record<CommandName, () => Promise<Command>> = {
  start: async () => (await import('./commands/start.ts')).startCommand,
  'check-config': async () => (await import('./commands/check-config.ts')).checkConfigCommand,
  poll: async () => (await import('./commands/poll.ts')).pollCommand,
  discover: async () => (await import('./commands/discover.ts')).discoverCommand,
  import: async () => (await import('./commands/import.ts')).importCommand,
  inventory: async () => (await import('./commands/inventory.ts')).inventoryCommand,
  power: async () => (await import('./commands/power.ts')).powerCommand,
  report: async () => (await import('./commands/report.ts')).reportCommand,
  simulate: async () => (await import('./commands/simulate.ts')).simulateCommand,
  schema: async () => (await import('./commands/schema.ts')).schemaCommand,
  status: async () => (await import('./commands/status.ts')).statusCommand,
  user: async () => (await import('./commands/user.ts')).userCommand,
  alert: async () => (await import('./commands/alert.ts')).alertCommand,
  backup: async () => (await import('./commands/backup.ts')).backupCommand,
  restore: async () => (await import('./commands/restore.ts')).restoreCommand,
  'nats-config': async () => (await import('./commands/nats-config.ts')).natsConfigCommand,
  central: async () => (await import('./commands/central.ts')).centralCommand,
};

const isCommand = (name: string | undefined): name is CommandName => name !== undefined && Object.hasOwn(COMMANDS, name);
const HELP_FLAGS = ['--help', '-h'];

/** Whether the arguments ask for help: a help flag before any `--` that ends the options. */
function asksForHelp(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => HELP_FLAGS.includes(arg));
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === 'version') {
    process.stdout.write(`merezha ${VERSION} (${RUNTIME})\n`);
    return 0;
  }
  if (name === 'help' && isCommand(rest[0])) {
    process.stdout.write(USAGES[rest[0]].usage);
    return 0;
  }
  if (name === undefined || name === 'help' || HELP_FLAGS.includes(name)) {
    process.stdout.write(OVERVIEW);
    return name === undefined ? 2 : 0;
  }
  if (!isCommand(name)) {
    process.stderr.write(`merezha: unknown command "${name}"\n\n${OVERVIEW}`);
    return 2;
  }
  if (asksForHelp(rest)) {
    process.stdout.write(USAGES[name].usage);
    return 0;
  }
  try {
    return await (
      await COMMANDS[name]()
    )(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`merezha ${name}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
