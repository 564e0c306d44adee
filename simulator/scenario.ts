/**
 * Scenario files: which Merezha config to simulate, how fast, per-device
 * overrides, the fault timeline, and the power: cuts of the mains and the
 * slots of a blackout schedule. Read with the config loader's machinery
 * (`loadYamlWith`), so a mistake is reported as `file:line path: message` like
 * in hromada.yaml; scenarios built in code go through the same schema.
 *
 * A scenario is read in two passes: the first finds the config it names,
 * the second checks the faults and overrides against that config's devices.
 */
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError, loadConfig, loadYamlWith, validateWith, type Env, type YamlFileKind } from '../config/load.ts';
import { closest } from '../config/messages.ts';
import { deviceSchema, duration, type Config, type DeviceConfig } from '../config/schema.ts';
import { powerGroup } from '../config/schema-power.ts';
import { parseDuration } from '../config/duration.ts';
import { speedProblem } from './clock.ts';
import { PLACES } from './curves.ts';
import { supplyKindOf, type DeviceOverride } from './devices.ts';
import type { PowerCutSpec, ScheduleSlotSpec } from './power.ts';
import { repeatedWraps, SNMP_FAULTS, type FaultSpec } from './timeline.ts';

/** A checked scenario, ready to play: times in ms, the config it simulates resolved. */
export interface Scenario {
  /** Tells a checked scenario from the input a scenario is built from. */
  kind: 'scenario';
  name: string;
  /** Scenario seconds per real second. */
  speed: number;
  /** The scenario clock at the start, ms since the epoch; undefined: the moment the simulation starts. */
  start?: number;
  /** How much scenario time to play, ms; undefined: until stopped. */
  duration?: number;
  /** Length of a looping timeline's cycle, scenario ms. */
  repeat?: number;
  config: Config;
  devices: Record<string, DeviceOverride>;
  faults: FaultSpec[];
  /** Cuts of the mains, on the timeline like the faults. */
  power: PowerCutSpec[];
  /** Slots of a blackout schedule at absolute times: the definite ones cut the mains of their queue. */
  schedule: ScheduleSlotSpec[];
  /** Devices on the simulated network that the config does not list (yet): served, never in the truth or a fault. */
  unlisted: UnlistedDevice[];
}

/**
 * A device the simulated network has but the config does not: an entry as it
 * would be in the config (the same keys), with the village it would be in. Its
 * agent answers like any other, with LLDP naming its `parent`, for
 * `merezha discover` to find; it has no fault and no ground truth of its own,
 * but its parent's outages and loss cut it off too.
 */
export type UnlistedDevice = DeviceConfig & { village: string };

/** Unlisted devices as a person looking for them needs them: "id (tplink Wi-Fi behind parent) at 127.0.2.21:1161, …". */
export function unlistedWords(devices: readonly UnlistedDevice[]): string {
  return devices
    .map((d) => {
      const what =
        d.kind === 'wifi' ? `${d.vendor ?? 'a'} Wi-Fi access point` : d.kind === 'institution' ? `an institution's router` : 'a router';
      return `${d.id} (${what}${d.parent ? ` behind ${d.parent}` : ''}) at ${d.host}:${d.snmp?.port ?? 161}`;
    })
    .join(', ');
}

const SCENARIO_FILE: YamlFileKind = { noun: 'scenario file', emptyHint: 'see test/fixtures/scenarios/example.yaml' };

/** A time from the scenario start: a duration, where (unlike a duration) zero is allowed. */
const offset = () =>
  z
    .union([z.literal(0), z.string()])
    .describe('A time from the scenario start such as 0s, 90s, 5m or 2h')
    .transform((v, ctx) => {
      if (v === 0 || /^\s*0+(\.0+)?\s*(ms|s|m|h|d|w)?\s*$/.test(v)) return 0;
      const ms = parseDuration(v);
      if (ms === null) {
        ctx.addIssue({ code: 'custom', message: `invalid time "${v}" (use e.g. 0s, 90s, 5m, 2h)` });
        return z.NEVER;
      }
      return ms;
    });

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** An instant: an ISO date and time with its zone, or (in code) ms since the epoch, as a `BlackoutSchedule`'s slots have it. */
const instant = () =>
  z.union([
    z.int(),
    z
      .string()
      .regex(ISO_WITH_ZONE, 'must be an ISO date and time with its zone, e.g. 2025-05-17T18:00:00+03:00')
      .transform((s) => Date.parse(s)),
  ]);

const fault = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.strictObject({ device: z.string().min(1), type: z.literal(type), at: offset(), ...shape });

const faultSchema = z.discriminatedUnion('type', [
  fault('outage', { duration: duration().optional() }),
  fault('flapping', { duration: duration(), period: duration() }),
  fault('loss', { duration: duration().optional(), loss_pct: z.number().gt(0).max(100) }),
  fault('reboot', { duration: duration().optional() }),
  fault('wrap', { bits: z.union([z.literal(32), z.literal(64)]).default(64) }),
  fault('slow', { duration: duration().optional(), delay: duration() }),
  fault('garbage', { duration: duration().optional() }),
  fault('link_down', { duration: duration().optional() }),
]);

const overrideSchema = z.strictObject({
  place: z.enum(PLACES).optional(),
  clients_peak: z.int().min(0).optional(),
  in_peak_mbps: z.number().positive().optional(),
  out_peak_mbps: z.number().positive().optional(),
  uptime: duration().optional(),
  runtime: duration().optional(),
  recharge: duration().optional(),
  charge_pct: z.number().min(0).max(100).optional(),
});

const powerCutSchema = z.strictObject({
  village: z.string().min(1).optional(),
  group: powerGroup().optional(),
  at: offset(),
  duration: duration().optional(),
  scheduled: z.boolean().default(false),
});

const slotSchema = z.strictObject({
  group: powerGroup(),
  start: instant(),
  end: instant(),
  kind: z.enum(['definite', 'possible']).default('definite'),
});

const unlistedSchema = deviceSchema.extend({ village: z.string().min(1) });

const scenarioShape = {
  name: z.string().min(1),
  speed: z
    .number()
    .default(1)
    .superRefine((speed, ctx) => {
      const problem = speedProblem(speed);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  start: z
    .string()
    .regex(ISO_WITH_ZONE, 'must be an ISO date and time with its zone, e.g. 2025-05-17T18:00:00+03:00')
    .transform((s) => Date.parse(s))
    .optional(),
  duration: duration().optional(),
  repeat: duration().optional(),
  /** The Merezha config to simulate, relative to the scenario file. */
  config: z.string().min(1).optional(),
  devices: z.record(z.string(), overrideSchema).default({}),
  faults: z.array(faultSchema).default([]),
  power: z.array(powerCutSchema).default([]),
  schedule: z.array(slotSchema).default([]),
  /** Devices on the network that the config does not list: config entries with their `village`. */
  unlisted: z.array(unlistedSchema).default([]),
};

const baseSchema = z.strictObject(scenarioShape);

export type ScenarioInput = z.input<typeof baseSchema>;
export type FaultInput = z.input<typeof faultSchema>;
export type PowerCutInput = z.input<typeof powerCutSchema>;
export type UnlistedInput = z.input<typeof unlistedSchema>;
type ScenarioOutput = z.output<typeof baseSchema>;
type Issue = { path: (string | number)[]; message: string };

/** The schema with every check that needs the config: devices named, loopback hosts, a timeline that can be played. */
function scenarioSchema(config: Config) {
  return baseSchema.superRefine((s, ctx) => {
    for (const { path, message } of scenarioProblems(config, s)) ctx.addIssue({ code: 'custom', path, message });
  });
}

const IPV4_LOOPBACK = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

function formatMs(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

function scenarioProblems(config: Config, s: ScenarioOutput): Issue[] {
  const issues: Issue[] = [];
  const devices = new Map(config.villages.flatMap((v) => v.devices.map((d) => [d.id, d] as const)));
  const unlisted = new Map(s.unlisted.map((d) => [d.id, d]));
  const unknown = (id: string) => {
    if (unlisted.has(id)) return `"${id}" is unlisted: faults act on the config's devices only`;
    const suggestion = closest(id, [...devices.keys()]);
    return `unknown device "${id}" in the config${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`;
  };

  // The network rule: simulated devices live on loopback, one address each (faults drop packets by address).
  const hosts = new Map<string, string>();
  for (const d of devices.values()) {
    if (!IPV4_LOOPBACK.test(d.host)) {
      issues.push({ path: ['config'], message: `device "${d.id}" has host ${d.host}: the simulator serves only loopback 127.0.0.0/8` });
    } else if (hosts.has(d.host)) {
      issues.push({
        path: ['config'],
        message: `devices "${hosts.get(d.host)}" and "${d.id}" share host ${d.host}: give each its own address`,
      });
    } else hosts.set(d.host, d.id);
  }
  issues.push(...unlistedProblems(config, s.unlisted, hosts));

  for (const [id, o] of Object.entries(s.devices)) {
    const d = devices.get(id) ?? unlisted.get(id);
    if (!d) {
      issues.push({ path: ['devices', id], message: unknown(id) });
      continue;
    }
    const bandwidth = d.bandwidth_mbps ?? 100;
    for (const key of ['in_peak_mbps', 'out_peak_mbps'] as const) {
      const peak = o[key];
      if (peak !== undefined && peak > bandwidth) {
        issues.push({
          path: ['devices', id, key],
          message: `is more than the line's ${bandwidth} Mbit/s (bandwidth_mbps): the collector would take such traffic for a counter reset`,
        });
      }
    }
    if (o.clients_peak !== undefined && d.kind !== 'wifi')
      issues.push({ path: ['devices', id, 'clients_peak'], message: 'only applies to wifi devices' });
    // An unlisted device is fed by no supply of the config, and is none: only the config's own supplies have a battery.
    const supply = devices.has(id) ? supplyKindOf(d, false) : null;
    for (const key of ['runtime', 'recharge', 'charge_pct'] as const) {
      if (o[key] === undefined) continue;
      if (supply === null || supply === 'generator') {
        issues.push({
          path: ['devices', id, key],
          message:
            'only applies to a battery: a UPS (kind ups), a router on a DC UPS (power_voltage) or an Invincibility Point with backup_power ups or battery',
        });
      }
    }
  }

  /** A fault or cut of a looping scenario must end within its cycle. */
  const withinCycle = (key: 'faults' | 'power', i: number, what: string, at: number, length: number | undefined) => {
    if (s.repeat === undefined) return;
    if (length === undefined) {
      issues.push({
        path: [key, i, 'duration'],
        message: `is required when the scenario repeats: every ${what} must end within the cycle`,
      });
    } else if (at + length > s.repeat) {
      issues.push({
        path: [key, i, 'at'],
        message: `the ${what} ends ${formatMs(at + length)} after the cycle starts, past the end of the ${formatMs(s.repeat)} cycle (repeat)`,
      });
    }
  };

  s.faults.forEach((f, i) => {
    const d = devices.get(f.device);
    if (!d) issues.push({ path: ['faults', i, 'device'], message: unknown(f.device) });
    else if (SNMP_FAULTS.includes(f.type) && !d.snmp) {
      issues.push({ path: ['faults', i, 'type'], message: `${f.type} acts on the SNMP agent, but "${f.device}" has no snmp block` });
    }
    const length = 'duration' in f && f.duration !== undefined ? f.duration : f.type === 'reboot' || f.type === 'wrap' ? 0 : undefined;
    withinCycle('faults', i, 'fault', f.at, length);
  });

  issues.push(...powerProblems(config, s));
  s.power.forEach((c, i) => withinCycle('power', i, 'cut', c.at, c.duration));

  for (const i of repeatedWraps(s.faults, s.repeat ?? null)) {
    issues.push({
      path: ['faults', i],
      message: `wraps the counters of "${s.faults[i]!.device}" a second time in one uptime: a counter wraps once per uptime, so reboot the device between two wraps`,
    });
  }
  return issues;
}

/** The villages and queues of the cuts and slots: each named in the config, one of the two per cut, queues for a schedule. */
function powerProblems(config: Config, s: ScenarioOutput): Issue[] {
  const issues: Issue[] = [];
  const villages = config.villages.map((v) => v.id);
  const groups = new Set<string | undefined>(config.villages.flatMap((v) => [v.power_group, ...v.devices.map((d) => d.power_group)]));
  const unusedGroup = (group: string) =>
    groups.has(group)
      ? undefined
      : `no village or device of the config is on queue ${group} (power_group): the cut would take nobody's mains`;
  s.power.forEach((c, i) => {
    const at =
      (...path: (string | number)[]) =>
      (message: string) =>
        issues.push({ path: ['power', i, ...path], message });
    if (c.village === undefined && c.group === undefined) at()('needs the village or the queue (group) whose mains is cut');
    if (c.village !== undefined && c.group !== undefined) at('group')('a cut takes a village or a queue, not both');
    if (c.village !== undefined && !villages.includes(c.village)) {
      const suggestion = closest(c.village, villages);
      at('village')(`unknown village "${c.village}" in the config${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`);
    }
    if (c.group !== undefined) {
      const unused = unusedGroup(c.group);
      if (unused) at('group')(unused);
    }
    if (c.scheduled && c.village !== undefined) {
      const group = config.villages.find((v) => v.id === c.village)?.power_group;
      at('scheduled')(`a schedule cuts queues, not villages: give the queue instead${group ? ` (${c.village} is on ${group})` : ''}`);
    }
  });
  s.schedule.forEach((slot, i) => {
    const unused = unusedGroup(slot.group);
    if (unused) issues.push({ path: ['schedule', i, 'group'], message: unused });
    if (slot.end <= slot.start) issues.push({ path: ['schedule', i, 'end'], message: 'must be after start' });
  });
  return issues;
}

/** The checks of the config's own devices that an unlisted entry needs too, and that it is not in the config. */
function unlistedProblems(config: Config, unlisted: readonly UnlistedDevice[], hosts: Map<string, string>): Issue[] {
  const issues: Issue[] = [];
  const villages = config.villages.map((v) => v.id);
  const configured = new Set(config.villages.flatMap((v) => v.devices.map((d) => d.id)));
  const seen = new Set<string>();
  unlisted.forEach((d, i) => {
    const at =
      (...path: string[]) =>
      (message: string) =>
        issues.push({ path: ['unlisted', i, ...path], message });
    if (!villages.includes(d.village)) {
      const suggestion = closest(d.village, villages);
      at('village')(`unknown village "${d.village}" in the config${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`);
    }
    if (configured.has(d.id)) at('id')(`"${d.id}" is a device of the config: an unlisted device is one the config does not have`);
    else if (seen.has(d.id)) at('id')(`"${d.id}" is unlisted twice`);
    seen.add(d.id);
    if (!IPV4_LOOPBACK.test(d.host)) at('host')(`is ${d.host}: the simulator serves only loopback 127.0.0.0/8`);
    else if (hosts.has(d.host)) at('host')(`${d.host} is already the host of "${hosts.get(d.host)}": give each its own address`);
    else hosts.set(d.host, d.id);
    if (!d.snmp) at('snmp')('is required: an unlisted device is there to be found by its SNMP agent');
    else if (!(d.snmp.credential in config.snmp_credentials))
      at('snmp', 'credential')(`unknown credential "${d.snmp.credential}" in the config`);
    if (d.parent !== undefined && !configured.has(d.parent)) at('parent')(`unknown device "${d.parent}" in the config`);
    if (d.vendor !== undefined && d.kind !== 'wifi') at('vendor')(`only applies to kind wifi, not ${d.kind}`);
    if (d.vendor === 'generic' && d.clients_oid === undefined) at('clients_oid')('is required with vendor generic');
    if (d.clients_oid !== undefined && d.vendor !== 'generic') at('clients_oid')('only applies with vendor generic');
  });
  return issues;
}

function toScenario(s: ScenarioOutput, config: Config): Scenario {
  const scenario: Scenario = {
    kind: 'scenario',
    name: s.name,
    speed: s.speed,
    config,
    devices: s.devices,
    faults: s.faults,
    power: s.power,
    schedule: s.schedule,
    unlisted: s.unlisted,
  };
  if (s.start !== undefined) scenario.start = s.start;
  if (s.duration !== undefined) scenario.duration = s.duration;
  if (s.repeat !== undefined) scenario.repeat = s.repeat;
  return scenario;
}

/**
 * A scenario over `config`, built in code: the same keys and checks as a
 * scenario file (durations as text, e.g. `at: '2m'`). Throws a `ConfigError`
 * listing every problem.
 */
export function scenarioFromConfig(config: Config, input: Omit<ScenarioInput, 'name' | 'config'> & { name?: string } = {}): Scenario {
  return toScenario(validateWith(scenarioSchema(config), { name: 'simulation', ...input }, 'scenario'), config);
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A fault started on a running simulation: any scenario fault but a wrap, which is planned from the boot of a device (see traffic.ts). */
export type InjectedFault = DistributiveOmit<Exclude<FaultInput, { type: 'wrap' }>, 'device' | 'at'>;

/** Checks a fault to start now on `device`, like a scenario fault. */
export function injectedFault(config: Config, device: string, fault: InjectedFault): FaultSpec {
  if ((fault as { type: string }).type === 'wrap') {
    throw new ConfigError([
      'a wrap cannot be injected: counters are set up to wrap from the boot of a device; put it in the scenario (faults:)',
    ]);
  }
  return scenarioFromConfig(config, { faults: [{ ...fault, device, at: 0 }] }).faults[0]!;
}

export interface LoadScenarioOptions {
  /** A config file that replaces the one the scenario names (`--config`). */
  config?: string;
  /** The config to use when neither `config` nor the scenario names one. */
  defaultConfig?: string;
  env?: Env;
}

/** Reads a scenario file and the config it simulates; a user mistake in either is a `ConfigError`. */
export function loadScenario(file: string, options: LoadScenarioOptions = {}): { scenario: Scenario; configPath: string } {
  const env = options.env ?? process.env;
  const first = loadYamlWith(baseSchema, file, env, SCENARIO_FILE);
  const configPath = options.config ?? (first.config !== undefined ? resolve(dirname(file), first.config) : options.defaultConfig);
  if (configPath === undefined) {
    throw new ConfigError([`${file}: no config to simulate: name one with "config:" in the scenario or pass --config`]);
  }
  const config = loadConfig(configPath, env);
  return { scenario: toScenario(loadYamlWith(scenarioSchema(config), file, env, SCENARIO_FILE), config), configPath };
}
