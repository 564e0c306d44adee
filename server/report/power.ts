/**
 * The power side of the yearly report, pure: the supplies' episodes without
 * mains from their power events, and the hours each village and each
 * Invincibility Point spent without power. `read.ts` needs the points' hours
 * before it reads (it reads their measured buckets there); `compute.ts`
 * needs all of it for the figures.
 *
 * Hours without power (blackout hours) are the union of two sources, since
 * neither alone sees every blackout: the episodes of the supplies of the
 * village (from going on battery, or losing power, to mains back), and the
 * definite slots of its queue's schedule (a «possible» slot is not a
 * blackout until the power goes, which a supply then shows). An
 * Invincibility Point takes its village's supplies and its own queue (its
 * `power_group`, else its village's).
 */
import type { Config, DeviceConfig, VillageConfig } from '../../config/schema.ts';
import type { PowerEpisode } from '../power/types.ts';
import { intersection, union, type Interval } from '../uptime.ts';

/** The supply events of the `event` measurement. */
export const POWER_EVENTS = ['on_battery', 'power_lost', 'power_restored'] as const;
export type SupplyEventType = (typeof POWER_EVENTS)[number];

/** One event of a supply: on_battery (`value` minutes left), power_lost, power_restored. */
export interface SupplyEvent {
  supply: string;
  village: string;
  type: SupplyEventType;
  at: number;
  value: number | null;
}

/** One stored slot of a blackout schedule. */
export interface BlackoutRow extends Interval {
  group: string;
  /** definite or possible. */
  kind: string;
}

function pushTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * Each supply's episodes without mains, in order: from on_battery (or
 * power_lost, for a supply that fell without a warning) to power_restored;
 * `lost` when it ran out on the way; no `end` while it lasts. A repeated
 * on_battery or power_lost inside an episode changes nothing but the lowest
 * estimate; a power_restored outside one is ignored.
 */
export function supplyEpisodes(events: readonly SupplyEvent[]): Map<string, PowerEpisode[]> {
  const out = new Map<string, PowerEpisode[]>();
  const open = new Map<string, PowerEpisode>();
  for (const e of [...events].sort((a, b) => a.at - b.at)) {
    let episode = open.get(e.supply);
    if (e.type === 'power_restored') {
      if (!episode) continue;
      episode.end = e.at;
      open.delete(e.supply);
      continue;
    }
    if (!episode) {
      episode = { supply: e.supply, village: e.village, start: e.at };
      open.set(e.supply, episode);
      pushTo(out, e.supply, episode);
    }
    if (e.type === 'power_lost') episode.lost ??= e.at;
    else if (e.value !== null) episode.min_minutes_left = Math.min(episode.min_minutes_left ?? Infinity, e.value);
  }
  return out;
}

/** An episode as time without mains: to its end, or on past the range while it lasts. */
export const episodeInterval = (e: PowerEpisode): Interval => ({ from: e.start, to: e.end ?? Infinity });

/** Where a village's or point's hours without power are counted from. */
export interface PowerHours {
  episodes: Map<string, PowerEpisode[]>;
  /** Per village: its supplies' episodes as intervals, merged. */
  supplyDark: Map<string, Interval[]>;
  /** Per queue: its definite slots, merged. */
  scheduled: Map<string, Interval[]>;
  /** The measured range: every figure is inside it. */
  within: Interval;
}

export function powerHours(events: readonly SupplyEvent[], slots: readonly BlackoutRow[], within: Interval): PowerHours {
  const episodes = supplyEpisodes(events);
  const byVillage = new Map<string, Interval[]>();
  for (const list of episodes.values()) for (const e of list) pushTo(byVillage, e.village, episodeInterval(e));
  const byGroup = new Map<string, Interval[]>();
  for (const s of slots) if (s.kind !== 'possible') pushTo(byGroup, s.group, { from: s.from, to: s.to });
  const merged = (lists: Map<string, Interval[]>) => new Map([...lists].map(([k, list]) => [k, union(list)]));
  return { episodes, supplyDark: merged(byVillage), scheduled: merged(byGroup), within };
}

/** The hours without power of a village's supplies and a queue, inside the measured range. */
export function darkHours(p: PowerHours, village: string, group: string | undefined): Interval[] {
  const both = [...(p.supplyDark.get(village) ?? []), ...(group === undefined ? [] : (p.scheduled.get(group) ?? []))];
  return intersection([both, [p.within]]);
}

/** The Invincibility Points of the config, each with its village. */
export function invincibilityPoints(config: Config): { device: DeviceConfig; village: VillageConfig }[] {
  return config.villages.flatMap((village) => village.devices.filter((d) => d.invincibility_point).map((device) => ({ device, village })));
}

/** Each Invincibility Point's hours without power: its village's supplies and its own queue. */
export function pointDarkHours(config: Config, p: PowerHours): Map<string, Interval[]> {
  return new Map(
    invincibilityPoints(config).map(({ device, village }) => [
      device.id,
      darkHours(p, village.id, device.power_group ?? village.power_group),
    ]),
  );
}
