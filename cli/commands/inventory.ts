/**
 * `merezha inventory import FILE.csv [--config FILE] [--dry-run]`: adds the
 * devices of a spreadsheet (one a row, `config/inventory-csv.ts`) to the
 * config file, and the villages they name that it does not have yet.
 *
 * All or nothing: every row is checked, then the edited config as the loader
 * checks it; while anything is wrong, every problem is printed and the file
 * is left as it is. The edit goes through `InventoryDocument`
 * (config/edit.ts), which keeps the file's comments and order and a
 * timestamped copy of the previous file. A running Merezha is then told to
 * read it again (SIGHUP to the pid in `<server.data_dir>/merezha.pid`), or
 * the user is told how.
 */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../../config/load.ts';
import { InventoryDocument, VersionConflictError } from '../../config/edit.ts';
import {
  applyInventory,
  contextOf,
  describeRead,
  formatRowProblem,
  readInventorySpreadsheet,
  type ImportedDevice,
  type InventoryFile,
} from '../../config/inventory-csv.ts';
import type { Config } from '../../config/schema.ts';
import { parse, resolveConfigPath, UsageError } from '../args.ts';
import { askServer, pidFileOf } from '../running.ts';
import { USAGES } from '../usage.ts';

export const OPTIONS = {
  config: { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
} as const;

const APPLY_BY_HAND = 'run `systemctl reload merezha` (or send SIGHUP to merezha start) to apply it';

export async function inventoryCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS, true);
  const [action, ...files] = positionals;
  if (action === undefined) {
    process.stdout.write(USAGES.inventory.usage);
    return 2;
  }
  if (action !== 'import') {
    process.stderr.write(`merezha inventory: unknown subcommand "${action}"\n\n${USAGES.inventory.usage}`);
    return 2;
  }
  if (files.length !== 1) throw new UsageError('import expects one FILE.csv');
  return importInventory(files[0]!, values.config, values['dry-run']);
}

async function importInventory(csvFile: string, configFlag: string | undefined, dryRun: boolean): Promise<number> {
  const { path, demo } = resolveConfigPath(configFlag);
  // The demo hromada is shipped with Merezha: it is not the inventory of anyone's network.
  if (demo) throw new UsageError('needs your config: --config FILE or MEREZHA_CONFIG (there is no config/hromada.yaml)');

  let bytes: Buffer;
  try {
    bytes = await readFile(csvFile);
  } catch (err) {
    return refuse([`${csvFile}: cannot read it: ${readFailure(err)}`]);
  }
  let doc: InventoryDocument;
  try {
    doc = await InventoryDocument.read(path);
  } catch (err) {
    if (err instanceof ConfigError) return refuse(err.errors);
    return refuse([`${path}: cannot read the config file: ${readFailure(err)}`]);
  }
  // Rows are read against the config as it is, and refused while it does not load: its own errors come first.
  const before = doc.check();
  if (!before.ok) return refuse([...before.errors, `${path}: the config has errors of its own; fix them first`]);

  const read = readInventorySpreadsheet(bytes, contextOf(before.config));
  if ('problem' in read) return refuse([`${csvFile}: ${read.problem}`]);
  process.stdout.write(`${describeRead(csvFile, read)}\n`);
  if (read.problems.length > 0) return refuse(read.problems.map((p) => formatRowProblem(csvFile, p)));

  const applied = applyInventory(doc, read);
  if (!applied.ok) return refuse([...applied.rows.map((p) => formatRowProblem(csvFile, p)), ...applied.other]);

  if (dryRun) {
    process.stdout.write(`would add to ${path}: ${summary(read)}\n${listing(read, before.config)}dry run: nothing was written\n`);
    return 0;
  }
  let copy: string;
  try {
    ({ copy } = await doc.save());
  } catch (err) {
    if (err instanceof VersionConflictError) return refuse([`${path} was changed while the import ran: run it again`]);
    return refuse([`${path}: cannot write the config file: ${readFailure(err)}`]);
  }
  process.stdout.write(`added to ${path}: ${summary(read)}\n${listing(read, before.config)}the previous file is kept as ${copy}\n`);
  process.stdout.write(`${await reload(applied.config)}\n`);
  return 0;
}

function refuse(problems: string[]): number {
  process.stderr.write(`${problems.join('\n')}\nmerezha inventory import: nothing was imported\n`);
  return 1;
}

function readFailure(err: unknown): string {
  const { code, message } = err as NodeJS.ErrnoException;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return message;
}

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** "1 village, 3 devices". */
function summary(read: InventoryFile): string {
  const devices = count(read.devices.length, 'device', 'devices');
  return read.villages.length === 0 ? devices : `${count(read.villages.length, 'new village', 'new villages')}, ${devices}`;
}

/** The devices by village, each as id, kind, host and name, in columns. */
function listing(read: InventoryFile, config: Config): string {
  const kindOf = ({ entry }: ImportedDevice) =>
    entry.category === undefined ? String(entry.kind) : `${String(entry.kind)}/${String(entry.category)}`;
  const widths = {
    id: Math.max(...read.devices.map((d) => String(d.entry.id).length)),
    kind: Math.max(...read.devices.map((d) => kindOf(d).length)),
    host: Math.max(...read.devices.map((d) => String(d.entry.host).length)),
  };
  const byVillage = new Map<string, ImportedDevice[]>();
  for (const d of read.devices) byVillage.set(d.village, [...(byVillage.get(d.village) ?? []), d]);
  const lines: string[] = [];
  for (const [village, devices] of byVillage) {
    const added = read.villages.find((v) => v.id === village);
    const name = added?.name ?? config.villages.find((v) => v.id === village)?.name ?? village;
    lines.push(`  ${added ? 'new village ' : ''}${name} (${village}): ${count(devices.length, 'device', 'devices')}`);
    for (const d of devices) {
      const cells = [String(d.entry.id).padEnd(widths.id), kindOf(d).padEnd(widths.kind), String(d.entry.host).padEnd(widths.host)];
      lines.push(`    ${[...cells, d.entry.name === undefined ? '' : String(d.entry.name)].join('  ').trimEnd()}`);
    }
  }
  return lines.map((l) => `${l}\n`).join('');
}

/**
 * Tells a running Merezha to read its config again, and says what happened:
 * SIGHUP to the pid `merezha start` keeps in server.data_dir, once its
 * /api/health answers and the pid is a Merezha process (a pid file left by a
 * crash may name another program by now, which SIGHUP would end).
 */
async function reload(config: Config): Promise<string> {
  const server = await askServer(config);
  if (!server.running) return `Merezha is not running (nothing answers at ${server.url}): it reads the new inventory when it starts`;
  if ('error' in server) return `something answers at ${server.url}, but not as Merezha (${server.error}): ${APPLY_BY_HAND}`;
  const pidFile = pidFileOf(config);
  let pid: number;
  try {
    const text = await readFile(pidFile, 'utf8');
    if (!/^\d+\s*$/.test(text)) return `Merezha is running (${server.url}), but ${pidFile} holds no process id: ${APPLY_BY_HAND}`;
    pid = Number(text.trim());
  } catch {
    return `Merezha is running (${server.url}), but has no ${pidFile}: ${APPLY_BY_HAND}`;
  }
  const program = await commandLineOf(pid);
  if (program === null) return `Merezha is running (${server.url}), but process ${pid} of ${pidFile} is not: ${APPLY_BY_HAND}`;
  if (program !== undefined && !program.includes('merezha')) {
    return `Merezha is running (${server.url}), but process ${pid} of ${pidFile} is another program: ${APPLY_BY_HAND}`;
  }
  try {
    process.kill(pid, 'SIGHUP');
  } catch (err) {
    const { code } = err as NodeJS.ErrnoException;
    const why = code === 'EPERM' ? `not allowed to signal Merezha (process ${pid} is another user's)` : `cannot signal process ${pid}`;
    return `${why}: ${APPLY_BY_HAND}`;
  }
  return `sent SIGHUP to Merezha (process ${pid}): it reads the config again now, and logs what changed`;
}

/** The command line of a process (Linux): null when there is no such process, undefined when it cannot be told. */
async function commandLineOf(pid: number): Promise<string | null | undefined> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replaceAll('\0', ' ');
  } catch (err) {
    const { code } = err as NodeJS.ErrnoException;
    if (code === 'ENOENT' || code === 'ESRCH') {
      try {
        await readFile('/proc/self/cmdline');
      } catch {
        return undefined;
      }
      return null;
    }
    return undefined;
  }
}
