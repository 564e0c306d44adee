/**
 * The simulated hromada: every SNMP device of a Merezha config as a live
 * net-snmp agent on its own loopback address, a fault timeline played on
 * them (and on their ICMP, with nftables when it can), and the exact ground
 * truth of it all.
 *
 *   const sim = await startSimulation(scenarioFromConfig(config, { faults }), { log });
 *   … poll the devices …
 *   expect(reading).toBe(sim.counterAt('makarykha-uplink', 'ether1', 'in', t));
 *   const truth = await sim.stop();
 */
import { silentLogger, type Logger } from '../common/log.ts';
import type { Config } from '../config/schema.ts';
import { SimulationStartError, startAgents, type RunningAgent } from './agents.ts';
import type { DeviceModel } from './devices.ts';
import { guardProcessExit, NftDropper, nftUnavailable, type NftRule } from './nft.ts';
import { startPlayer } from './player.ts';
import type { CutOccurrence, ScheduleSlotSpec, SupplyReading } from './power.ts';
import {
  injectedFault,
  scenarioFromConfig,
  type InjectedFault,
  type PowerCutInput,
  type Scenario,
  type ScenarioInput,
  type UnlistedDevice,
} from './scenario.ts';
import type { TrueState } from './state.ts';
import { occurrenceOf } from './timeline.ts';
import type { Direction } from './traffic.ts';
import { groundTruth, type GroundTruth } from './truth.ts';
import { createWorld, type World } from './world.ts';

export { SimulationStartError } from './agents.ts';
export { demoScenario } from './demo.ts';
export type { CutOccurrence, Feed, PowerCutSpec, ScheduleSlotSpec, SupplyReading, SupplyState } from './power.ts';
export { generateScale, type ScaleOptions, type ScaleSetup } from './scale.ts';
export {
  loadScenario,
  scenarioFromConfig,
  type FaultInput,
  type InjectedFault,
  type PowerCutInput,
  type Scenario,
  type ScenarioInput,
  type UnlistedDevice,
  unlistedWords,
} from './scenario.ts';
export { STATES, type StateName, type TrueState } from './state.ts';
export { FAULT_TYPES, type FaultSpec, type FaultType } from './timeline.ts';
export {
  worldFromTruth,
  type CutRecord,
  type DeviceTruth,
  type FaultRecord,
  type GroundTruth,
  type PowerTruth,
  type StateInterval,
  type SupplyTruth,
  type TruthOutage,
  type VillageTruth,
} from './truth.ts';
export { createWorld };
export type { DeviceModel, Direction, World };

export interface SimulationOptions {
  log?: Logger;
  /**
   * Play outages and packet loss on the network with nftables (ICMP and UDP
   * dropped): true requires it, false never uses it, absent uses it when it
   * works here (root and a working `nft`).
   */
  useNft?: boolean;
}

export interface Simulation {
  readonly name: string;
  readonly world: World;
  readonly devices: readonly DeviceModel[];
  /** Devices served on the network that the config does not list (the scenario's `unlisted`): in no fault and not in the truth. */
  readonly unlisted: readonly UnlistedDevice[];
  /** Whether outages and loss are real on the network (nftables) or played by the agents alone. */
  readonly nft: boolean;
  /** Resolves when the simulation stops: by `stop()`, or once the scenario's duration has played. */
  readonly finished: Promise<void>;
  /** The 64-bit octet counter of a device's interface at wall ms `t`. */
  counterAt(deviceId: string, ifName: string, dir: Direction, t: number): bigint;
  /** The device's Wi-Fi clients at wall ms `t`. */
  clientsAt(deviceId: string, t: number): number;
  /** What is true of the device at wall ms `t`. */
  trueState(deviceId: string, t: number): TrueState;
  /** Starts a fault on the device now; `end()` stops it early (or at all, when it has no duration). */
  inject(deviceId: string, fault: InjectedFault): { end(): void };
  /** What the device's agent reports of its supply at wall ms `t` (a UPS, a router's supply voltage); undefined when none. */
  powerAt(deviceId: string, t: number): SupplyReading | undefined;
  /** Cuts the mains of a village or a queue now, as a scenario's `power:` entry would; `end()` brings it back. */
  cutMains(cut: InjectedCut): { end(): void };
  /**
   * The scenario's blackout schedule over wall ms [from, to) (default: from
   * now, two days): its scheduled cuts and `schedule:` slots, at wall-clock
   * times, as a `BlackoutSchedule` of server/power/schedule.ts (whose shape
   * it has), for the monitor to judge outages by. `covers` is the window: the
   * schedule speaks for all of it.
   */
  blackoutSchedule(from?: number, to?: number): SimulatedSchedule;
  /** The ground truth from the start until now (or until the stop). */
  groundTruth(): GroundTruth;
  /** Closes every agent, removes the nftables table and returns the ground truth. Safe to call twice. */
  stop(): Promise<GroundTruth>;
}

/** A cut of the mains made at run time: a scenario's `power:` entry without `at`. */
export type InjectedCut = Omit<PowerCutInput, 'at'>;

/** The source a simulation's blackout schedule names. */
export const SIMULATED_SCHEDULE_SOURCE = 'simulated';

/** A blackout schedule in the shape of server/power/schedule.ts's `BlackoutSchedule`, times in wall ms. */
export interface SimulatedSchedule {
  slots: ScheduleSlotSpec[];
  source: typeof SIMULATED_SCHEDULE_SOURCE;
  fetched_at: number;
  covers: { start: number; end: number }[];
}

const DAY_MS = 86_400_000;

/** A scenario, or what to build one from: a config and, optionally, the keys of a scenario file. */
export type ScenarioSource = Scenario | (Omit<ScenarioInput, 'name' | 'config'> & { name?: string; config: Config });

function decideNft(useNft: boolean | undefined, log: Logger): boolean {
  if (useNft === false) {
    log.info('nftables not used: ICMP faults are simulated on the SNMP side only (ping keeps answering; loss drops SNMP requests only)');
    return false;
  }
  const why = nftUnavailable();
  if (why === undefined) return true;
  if (useNft) throw new SimulationStartError(`the simulation needs nftables, but ${why}`);
  log.warn(
    { reason: why },
    'nftables unavailable: ICMP faults are simulated on the SNMP side only (ping keeps answering; loss drops SNMP requests only)',
  );
  return false;
}

export async function startSimulation(source: ScenarioSource, options: SimulationOptions = {}): Promise<Simulation> {
  const log = options.log ?? silentLogger();
  const scenario = 'kind' in source ? source : fromSource(source);
  const { config } = scenario;
  const nft = decideNft(options.useNft, log);

  const wallStart = Date.now();
  const world = createWorld(scenario, wallStart, nft, nft ? [] : null);

  const dropper = nft ? new NftDropper(`merezha_sim_${process.pid}_${Math.floor(Math.random() * 1e6)}`) : undefined;
  const unguard = dropper ? guardProcessExit(() => dropper.dispose()) : () => {};
  let agents: RunningAgent[];
  try {
    dropper?.prepare();
    agents = await startAgents(world, credentialsOf(scenario), log);
  } catch (err) {
    unguard();
    dropper?.dispose();
    throw err;
  }
  let stopping: Promise<void> | undefined;
  let stoppedAt: number | undefined;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const truthUntil = () => groundTruth(world, scenario.name, wallStart, stoppedAt ?? Date.now());
  const stop = () =>
    (stopping ??= (async () => {
      stoppedAt = Date.now();
      player.stop();
      await Promise.all(agents.map((a) => a.close()));
      unguard();
      dropper?.dispose();
      log.info({ scenario: scenario.name }, 'simulation stopped');
      finish();
    })());

  const player = startPlayer(world, {
    log,
    ...(dropper ? { applyNetwork: (rules: NftRule[]) => dropper.replace(rules) } : {}),
    ...(scenario.duration === undefined
      ? {}
      : {
          endAt: world.clock.scenarioStart + scenario.duration,
          onEnd: () => {
            log.info({ scenario: scenario.name }, 'the scenario has played its duration');
            // Deferred: a very short duration can end during startPlayer itself, before `player` is assigned.
            queueMicrotask(() => void stop());
          },
        }),
  });
  const unlisted = world.unlisted.length;
  log.info(
    { scenario: scenario.name, devices: world.devices.length, unlisted, agents: agents.length, speed: scenario.speed, nft },
    `simulating ${world.devices.length} devices${unlisted ? ` and ${unlisted} not in the config` : ''} (${agents.length} SNMP agents)`,
  );

  /** The handle of an injected fault or cut: it ends at the player's next instant, unless it ended by itself before. */
  const endAtNextInstant = (occurrence: { end: number | null }, ended?: (at: number) => void) => ({
    end() {
      const at = player.nextInstant();
      if (occurrence.end !== null && occurrence.end <= at) return;
      occurrence.end = at;
      ended?.(at);
      player.refresh();
    },
  });

  const sim: Simulation = {
    name: scenario.name,
    world,
    devices: world.devices,
    unlisted: scenario.unlisted,
    nft,
    finished,
    counterAt: (id, ifName, dir, t) => world.counterAt(id, ifName, dir, t),
    clientsAt: (id, t) => world.clientsAt(id, t),
    trueState: (id, t) => world.trueState(id, t),
    inject(deviceId, fault) {
      const occurrence = occurrenceOf(injectedFault(config, deviceId, fault), player.nextInstant(), null);
      const plannedWrap = world.epochAt(deviceId, world.wallAt(occurrence.start)).wrap;
      if (occurrence.type === 'reboot' && plannedWrap && plannedWrap.at >= occurrence.start) {
        // The counters served so far were set up to wrap later in this uptime; a reboot now would rewrite that past.
        throw new Error(
          `${deviceId} has a counter wrap planned in this uptime: inject the reboot after the wrap, or put it in the scenario`,
        );
      }
      world.timeline.add(occurrence);
      player.refresh();
      return endAtNextInstant(occurrence);
    },
    powerAt: (id, t) => world.powerAt(id, t),
    cutMains(cut) {
      // Checked as a scenario's cut is; its time comes from the player.
      const [spec] = scenarioFromConfig(config, { power: [{ ...cut, at: 0 }] }).power;
      const start = player.nextInstant();
      const occurrence: CutOccurrence = {
        ...(spec!.village !== undefined ? { village: spec!.village } : { group: spec!.group! }),
        start,
        end: spec!.duration === undefined ? null : start + spec!.duration,
        scheduled: spec!.scheduled,
        source: 'injected',
        index: null,
        cycle: 0,
      };
      world.power.add(occurrence);
      player.refresh();
      return endAtNextInstant(occurrence, (at) => world.power.forgetFrom(at));
    },
    blackoutSchedule(from = Date.now(), to = from + 2 * DAY_MS) {
      const slots = world.power.mains
        .published(world.scenarioAt(from), world.scenarioAt(to))
        .map((slot) => ({ ...slot, start: world.wallAt(slot.start), end: world.wallAt(slot.end) }));
      return { slots, source: SIMULATED_SCHEDULE_SOURCE, fetched_at: Date.now(), covers: [{ start: from, end: to }] };
    },
    groundTruth: truthUntil,
    async stop() {
      await stop();
      return truthUntil();
    },
  };
  return sim;
}

function fromSource({ config, ...input }: Exclude<ScenarioSource, Scenario>): Scenario {
  return scenarioFromConfig(config, input);
}

function credentialsOf({ config, unlisted }: Scenario) {
  return new Map(
    [...config.villages.flatMap((v) => v.devices), ...unlisted].flatMap((d) =>
      d.snmp ? [[d.id, config.snmp_credentials[d.snmp.credential]!] as const] : [],
    ),
  );
}
