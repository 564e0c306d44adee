/**
 * The power as the dashboard shows it: each village's power state with
 * today's and tomorrow's blackout slots of its queue (`GET /api/power`), and
 * the Invincibility Points (Пункти незламності) with their power, the uplinks
 * they depend on and whether they meet the requirement
 * (`GET /api/invincibility-points`). Pure: the power tracker's picture, the
 * schedule, the device states and the clock are arguments, so the answers can
 * be tested without a running tracker.
 */
import type {
  BlackoutSlotItem,
  InvincibilityPoint,
  InvincibilityResponse,
  PowerResponse,
  State,
  SupplyPower,
  VillagePower,
} from '../../common/api.ts';
import { backupLacks, POWER_STATE_RANK, type PowerState } from '../../common/words/power.ts';
import type { Config, DeviceConfig, VillageConfig } from '../../config/schema.ts';
import type { Inventory } from '../inventory.ts';
import { inBlackout, slotsByDay, type BlackoutSchedule, type BlackoutSlot } from '../power/schedule.ts';
import type { PowerSnapshot, ScheduleSource, SupplyView, VillagePowerView } from '../power/types.ts';
import { isWorking } from './summaries.ts';

/** Where the routes read the power from: the power tracker and the schedule store, as the process assembly hands them in. */
export interface PowerSources {
  /** The power tracker's picture now. */
  snapshot(): PowerSnapshot | undefined;
  schedule: ScheduleSource;
}

/** What the power views are built from, at one moment. */
export interface PowerViewInputs {
  config: Config;
  inventory: Inventory;
  /** A device's state as the dashboard shows it. */
  stateOf(deviceId: string): State;
  /** The power tracker's picture; undefined in a process without one (every state unknown). */
  power: PowerSnapshot | undefined;
  /** undefined before a schedule was imported or fetched (no slots). */
  schedule: BlackoutSchedule | undefined;
  now: number;
}

const WITHOUT_MAINS: ReadonlySet<PowerState> = new Set(['battery', 'lost']);

const slotItem = (s: BlackoutSlot): BlackoutSlotItem => ({ start: s.start, end: s.end, kind: s.kind });

/** Today's and tomorrow's slots of a queue, and whether the schedule speaks for each day. */
function queueDays(inputs: PowerViewInputs, group: string | undefined): Pick<VillagePower, 'slots' | 'covered'> {
  if (group === undefined || inputs.schedule === undefined) {
    return { slots: { today: [], tomorrow: [] }, covered: { today: false, tomorrow: false } };
  }
  const [today, tomorrow] = slotsByDay(inputs.schedule, group, inputs.config.hromada.timezone, 2, inputs.now);
  return {
    slots: { today: today!.slots.map(slotItem), tomorrow: tomorrow!.slots.map(slotItem) },
    covered: { today: today!.covered, tomorrow: tomorrow!.covered },
  };
}

/** The power of a village or of a supply, as the API gives it: unknown where the tracker knows nothing. */
function powerNow(view: VillagePowerView | SupplyView | undefined, supply: string | undefined) {
  return {
    state: view?.state ?? ('unknown' as const),
    since: view?.since ?? null,
    minutes_left: view?.minutes_left ?? null,
    supply: supply ?? null,
  };
}

function villagePower(inputs: PowerViewInputs, village: VillageConfig): VillagePower {
  const view = inputs.power?.villages.get(village.id);
  const group = village.power_group ?? view?.group;
  return {
    id: village.id,
    name: village.name,
    group: group ?? null,
    ...powerNow(view, view?.supply),
    mains_expected_at: view?.mains_expected_at ?? null,
    ...queueDays(inputs, group),
  };
}

/** Config order: the order the dashboard lists devices in everywhere. */
function inConfigOrder<T>(inputs: PowerViewInputs, items: Iterable<T>, id: (item: T) => string): T[] {
  const rank = new Map(inputs.config.villages.flatMap((v) => v.devices).map((d, i) => [d.id, i]));
  return [...items].sort((a, b) => (rank.get(id(a)) ?? Infinity) - (rank.get(id(b)) ?? Infinity));
}

function supplyPower(inputs: PowerViewInputs, s: SupplyView): SupplyPower {
  return {
    device: s.device,
    name: inputs.inventory.subjects.get(s.device)?.name ?? s.device,
    village: s.village,
    state: s.state,
    source: s.source,
    since: s.since,
    minutes_left: s.minutes_left ?? null,
    battery_pct: s.battery_pct ?? null,
    input_voltage: s.input_voltage ?? null,
    feeds: [...s.feeds],
  };
}

/** `GET /api/power`: every village of the config, and every supply the tracker reads. */
export function powerView(inputs: PowerViewInputs): PowerResponse {
  const { schedule } = inputs;
  return {
    at: inputs.now,
    schedule: schedule ? { source: schedule.source, fetched_at: schedule.fetched_at ?? null } : null,
    villages: inputs.config.villages.map((v) => villagePower(inputs, v)),
    supplies: inConfigOrder(inputs, inputs.power?.supplies.values() ?? [], (s) => s.device).map((s) => supplyPower(inputs, s)),
  };
}

/** The supply that feeds a device (the worst, with the least left, when several do); undefined when none does. */
function feedingSupply(power: PowerSnapshot | undefined, deviceId: string): SupplyView | undefined {
  const feeding = [...(power?.supplies.values() ?? [])].filter((s) => s.device === deviceId || s.feeds.includes(deviceId));
  return feeding.sort(
    (a, b) => POWER_STATE_RANK[b.state] - POWER_STATE_RANK[a.state] || (a.minutes_left ?? Infinity) - (b.minutes_left ?? Infinity),
  )[0];
}

/**
 * The power of a point no supply feeds: mains while its village has mains;
 * without mains there, nothing is known of its own (a generator nobody
 * reads, or nothing), and `in_blackout` says the rest.
 */
function unfedPower(village: VillagePowerView | undefined): InvincibilityPoint['power'] {
  return village?.state === 'mains' ? powerNow(village, undefined) : powerNow(undefined, undefined);
}

/** The uplinks a device depends on: those up its parent chain, nearest first, then the rest of its village's. */
function linksOf(inputs: PowerViewInputs, deviceId: string, villageId: string): string[] {
  const { subjects, villages } = inputs.inventory;
  const chain: string[] = [];
  // The config forbids parent loops; the bound keeps a bad inventory from hanging a request all the same.
  for (let key = subjects.get(deviceId)?.parent; key !== undefined && chain.length < subjects.size; key = subjects.get(key)?.parent) {
    if (subjects.get(key)?.kind === 'uplink') chain.push(key);
  }
  return [...new Set([...chain, ...(villages.get(villageId)?.uplinks ?? [])])].filter((id) => id !== deviceId);
}

function invincibilityPoint(inputs: PowerViewInputs, device: DeviceConfig, village: VillageConfig): InvincibilityPoint {
  const villageView = inputs.power?.villages.get(village.id);
  const supply = feedingSupply(inputs.power, device.id);
  const power = supply ? powerNow(supply, supply.device) : unfedPower(villageView);
  const group = device.power_group ?? village.power_group ?? villageView?.group;
  // A "possible" slot (ГПВ «можливо») is not a blackout until the power goes.
  const scheduled =
    group !== undefined && inputs.schedule !== undefined && inBlackout(inputs.schedule, group, inputs.now)?.kind === 'definite';
  const lacks = backupLacks(device);
  const state = inputs.stateOf(device.id);
  return {
    id: device.id,
    name: device.name ?? device.id,
    village: village.id,
    state,
    power,
    backup_power: device.backup_power ?? null,
    backup_link: device.backup_link ?? null,
    links: linksOf(inputs, device.id, village.id).map((id) => {
      const info = inputs.inventory.subjects.get(id);
      return { id, name: info?.name ?? id, kind: info?.kind ?? 'uplink', state: inputs.stateOf(id) };
    }),
    online: isWorking(state),
    in_blackout: WITHOUT_MAINS.has(power.state) || WITHOUT_MAINS.has(villageView?.state ?? 'unknown') || scheduled,
    meets_requirement: lacks.length === 0,
    lacks,
  };
}

/** `GET /api/invincibility-points`: the devices marked `invincibility_point: true`, in config order. */
export function invincibilityView(inputs: PowerViewInputs): InvincibilityResponse {
  const points = inputs.config.villages.flatMap((v) =>
    v.devices.filter((d) => d.invincibility_point).map((d) => invincibilityPoint(inputs, d, v)),
  );
  const blackout = points.filter((p) => p.in_blackout);
  return {
    at: inputs.now,
    summary: {
      total: points.length,
      in_blackout: blackout.length,
      online_in_blackout: blackout.filter((p) => p.online).length,
      lacking: points.filter((p) => !p.meets_requirement).length,
    },
    points,
  };
}
