/**
 * V8 heap limits for `merezha start`, scaled to the inventory. Node's
 * defaults size the heap to the machine (up to a few GB of old space, 16 MB
 * semi-spaces), so a collector of 50 devices grows toward hundreds of MB
 * before V8 bothers to collect, while a big one on a small box never learns
 * its limit until it is killed. A limit from the inventory keeps a small box
 * small and gives 20k–50k devices the room they need.
 *
 * The limits must be flags of the node that runs Merezha: V8 sizes its heap
 * once, at start. So production computes them in a short-lived step before
 * it starts the one long-lived node (`build/node-flags.mjs`, see
 * scripts/build-js.mjs; /usr/bin/merezha and `npm start` exec node with its
 * output), rather than a launcher that spawns a second node and idles beside
 * it as its parent. The operator's own NODE_OPTIONS or MEREZHA_HEAP_MB wins.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

export interface Inventory {
  devices: number;
  services: number;
  /** The devices are simulated in the same process (the demo, --simulate): their agents share its heap. */
  simulated?: boolean;
}

export interface HeapLimits {
  /** --max-old-space-size, MB: where V8 collects hard and, past it, gives up (an out-of-memory crash). */
  maxOldSpaceMb: number;
  /** --max-semi-space-size, MB: each of the young generation's halves, which stay resident once grown. */
  maxSemiSpaceMb: number;
}

/*
 * Measured with the soak collector (bench/soak-child.ts: every probe kind,
 * the writer to influxd, snmpd agents on loopback), its live heap after a
 * full GC: 20 MB at 1,000 devices, 66–85 MB at 10,000, ~107 MB at 20,000,
 * i.e. ~15 MB plus 4.5 MB per 1,000 devices. The old space gets twice that
 * per device, so a major GC is not forced every cycle and a spike (influxd
 * away, points queueing for the spool) has room; its base is what the rest of
 * `merezha start` holds beside the collector (config, server, dashboard, a
 * yearly report being made). Services count as devices. The ceiling is what
 * a 4 GB box can give. At 10,000 devices, 176 MB of old space and 6 MB
 * semi-spaces held the collector's peak RSS to 215 MB against 334 MB with
 * V8's defaults.
 */
const OLD_SPACE_BASE_MB = 128;
const OLD_SPACE_PER_1000_MB = 8;
const OLD_SPACE_MAX_MB = 2048;
/*
 * Set explicitly because V8 otherwise derives the young generation from the
 * old space's limit, which would shrink it to ~1 MB here and promote a poll's
 * short-lived objects (request, reply, points) into the old space. 2 MB halves
 * for a village network, growing with the polls per second up to V8's own
 * 16 MB default; once grown a half stays resident, so it is not oversized.
 * V8 rounds the limit up to a power of two (Node 20: 6 MB gives 8 MB
 * halves, 10 MB gives 16), so the limit is given as a power of two. Up to
 * 10,000 devices it is the power at or below the estimate: at 10,000, 4 MB
 * halves held the soak's peak RSS 8–11 MB lower than 8 MB ones (129–131
 * against 138–139 MB; 139 against 150 on an earlier tree) for 6–13% more
 * CPU (1.19–1.48 against 1.10–1.31 CPU-s per 1,000 devices per minute, runs
 * side by side on a busy machine). Above, the power at or above: at 20,000
 * devices 8 MB halves cost 15% CPU (1.04–1.05 against 0.90) against 16 MB,
 * as a scavenge promoted polls still in flight. Peak RSS at 20,000 varied
 * between 197 and 223 MB from run to run either way.
 */
const SEMI_SPACE_MIN_MB = 2;
const SEMI_SPACE_PER_5000_DEVICES_MB = 2;
const SEMI_SPACE_MAX_MB = 16;
/** Up to this many devices the halves are rounded down to a power of two, above it up (see above). */
const SEMI_SPACE_ROUND_DOWN_TO_DEVICES = 10_000;
/** The simulated agents cost about what their devices' polling does. */
const SIMULATION_FACTOR = 2;

/** The heap limits for an inventory: a pure function, so the soak benchmark runs its collector with the same flags. */
export function heapLimits({ devices, services, simulated = false }: Inventory): HeapLimits {
  const weight = simulated ? SIMULATION_FACTOR : 1;
  const oldSpace = OLD_SPACE_BASE_MB + (weight * (devices + services) * OLD_SPACE_PER_1000_MB) / 1000;
  const semiSpace = SEMI_SPACE_MIN_MB + Math.floor((weight * devices) / 5000) * SEMI_SPACE_PER_5000_DEVICES_MB;
  const round = weight * devices <= SEMI_SPACE_ROUND_DOWN_TO_DEVICES ? Math.floor : Math.ceil;
  return {
    maxOldSpaceMb: Math.min(OLD_SPACE_MAX_MB, Math.ceil(oldSpace)),
    maxSemiSpaceMb: Math.min(SEMI_SPACE_MAX_MB, 2 ** round(Math.log2(semiSpace))),
  };
}

/**
 * The node flags for `limits`, but those the operator set: a flag already in
 * NODE_OPTIONS is left to it (node's command line would win over it), and
 * MEREZHA_HEAP_MB replaces the computed old space.
 */
export function heapFlags(limits: HeapLimits, env: NodeJS.ProcessEnv = process.env): string[] {
  // Node reads --max_old_space_size as --max-old-space-size.
  const operator = (env.NODE_OPTIONS ?? '').replaceAll('_', '-');
  const chosen = Number(env.MEREZHA_HEAP_MB);
  const oldSpace = env.MEREZHA_HEAP_MB && Number.isInteger(chosen) && chosen > 0 ? chosen : limits.maxOldSpaceMb;
  return [
    ['--max-old-space-size', oldSpace],
    ['--max-semi-space-size', limits.maxSemiSpaceMb],
  ]
    .filter(([flag]) => !operator.includes(`${flag}=`))
    .map(([flag, mb]) => `${flag}=${mb}`);
}

/**
 * Devices and services of a hromada.yaml, estimated from its lines: the items
 * of every block `devices:` list and of the top-level `services:` list. Not
 * the YAML parser, which takes seconds on a 20,000-device file that
 * `merezha start` parses anyway right after; an inventory in flow
 * style (`devices: [{...}]`) counts as none and gets the small heap of the
 * floor. Whatever is wrong with the file, `merezha start` reports.
 */
export function inventoryOf(yamlText: string): Omit<Inventory, 'simulated'> {
  const counts = { devices: 0, services: 0 };
  let list: { key: 'devices' | 'services'; indent: number; itemIndent?: number } | undefined;
  for (const line of yamlText.split('\n')) {
    const text = line.trimStart();
    if (text === '' || text.startsWith('#')) continue;
    const indent = line.length - text.length;
    if (list) {
      list.itemIndent ??= text.startsWith('-') && indent >= list.indent ? indent : -1;
      if (indent === list.itemIndent && text.startsWith('-')) counts[list.key]++;
      else if (indent <= list.itemIndent || list.itemIndent < 0) list = undefined;
    }
    const key = /^(devices|services):\s*(#.*)?$/.exec(text)?.[1];
    if (!list && key && (key === 'devices' || indent === 0)) list = { key: key as 'devices' | 'services', indent };
  }
  return counts;
}

/**
 * The node flags for a `merezha <argv>` about to start: the heap limits of
 * its inventory for `merezha start`, nothing for the short commands (V8's
 * defaults never bind them). `resolveConfig` is the command line's own choice
 * of config file (cli/args.ts), passed in since app/ does not import cli/.
 */
export async function startNodeFlags(
  argv: string[],
  env: NodeJS.ProcessEnv,
  resolveConfig: (flag: string | undefined, env: NodeJS.ProcessEnv) => { path: string; demo: boolean },
): Promise<string[]> {
  if (argv[0] !== 'start') return [];
  // Not strict: the other options of start, and mistakes in them, are the command's to report.
  const { values } = parseArgs({
    args: argv.slice(1),
    options: { config: { type: 'string' }, simulate: { type: 'boolean' } },
    strict: false,
  });
  const { path, demo } = resolveConfig(typeof values.config === 'string' ? values.config : undefined, env);
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return [];
  return heapFlags(heapLimits({ ...inventoryOf(text), simulated: demo || values.simulate === true }), env);
}
