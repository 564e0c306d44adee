/**
 * A simulated past for the demo hromada: the outages its devices might have
 * had since the start of the year, each with its cause, and the blackouts of
 * its queues, so that a fresh `npm start` shows a year's uptime and a yearly
 * report with something in it, its power section included. Written once,
 * through the same points as `merezha import` (a `backfill` span per subject
 * and finished outages), labelled as simulated, and only where Merezha has no
 * data of its own. Pure and seeded: the same range gives the same history.
 *
 * The blackouts are played on the simulator's own model of the power (the
 * UPSes drain and run flat, the Invincibility Point keeps its link), so the
 * outages, their causes and the supplies' events agree with each other as
 * they would live.
 */
import type { CauseEvidence, CauseJudgement } from '../common/words/cause.ts';
import type { Config } from '../config/schema.ts';
import type { ImportedOutage } from '../server/backfill/outages-csv.ts';
import type { Inventory } from '../server/inventory.ts';
import type { BlackoutSlot } from '../server/power/schedule.ts';
import type { PowerEvent } from '../server/power/state.ts';
import type { Interval } from '../server/uptime.ts';
import { demoBatteries, type BatterySizes } from '../simulator/demo.ts';
import { scenarioFromConfig, type PowerCutInput } from '../simulator/scenario.ts';
import { groundTruth } from '../simulator/truth.ts';
import { createWorld, type World } from '../simulator/world.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 1440 * MIN;

/** An outage of the past with the cause Merezha would have judged. */
export interface DemoOutage extends ImportedOutage {
  judgement: CauseJudgement;
}

/** Outages a subject of each sort has per 30 days, and how long they last (minutes, log-uniform). */
const PROFILE = {
  uplink: { perMonth: 1.5, minutes: [5, 360] },
  institution: { perMonth: 0.6, minutes: [5, 120] },
  wifi: { perMonth: 0.8, minutes: [3, 60] },
  ups: { perMonth: 0.6, minutes: [5, 120] },
  service: { perMonth: 0.2, minutes: [10, 180] },
} as const;

/** mulberry32: small, fast, and the same in every run. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seedOf(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** A line's own failure is its provider's, any other device's its own; a service's Merezha cannot tell (server/power/cause.ts). */
function faultJudgement(inventory: Inventory, subject: string): CauseJudgement {
  const info = inventory.subjects.get(subject)!;
  if (info.type === 'service') return { cause: 'unknown', evidence: {} };
  if (info.kind !== 'uplink') return { cause: 'device', evidence: {} };
  return { cause: 'provider', evidence: info.provider ? { provider: info.provider.id } : {} };
}

/** Own outages of every subject over `range`, none overlapping another of the same subject, all inside the range. */
export function demoHistory(inventory: Inventory, range: Interval): DemoOutage[] {
  const outages: DemoOutage[] = [];
  for (const key of inventory.order) {
    const info = inventory.subjects.get(key)!;
    const profile = PROFILE[info.type === 'service' ? 'service' : (info.kind ?? 'institution')];
    const next = random(seedOf(`${key}@${range.from}`));
    const expected = (profile.perMonth * (range.to - range.from)) / (30 * DAY);
    const count = Math.floor(expected) + (next() < expected % 1 ? 1 : 0);
    const [shortest, longest] = profile.minutes;
    const starts = Array.from({ length: count }, () => range.from + next() * (range.to - range.from)).sort((a, b) => a - b);
    let free = range.from;
    for (const start of starts) {
      const minutes = shortest * Math.pow(longest / shortest, next());
      const from = Math.max(Math.round(start / MIN) * MIN, free);
      const to = Math.min(from + Math.round(minutes) * MIN, range.to);
      if (to <= from) continue;
      outages.push({ subject: key, from, to, line: 0, judgement: faultJudgement(inventory, key) });
      // At least an hour of service between two outages of one subject.
      free = to + 60 * MIN;
    }
  }
  return outages.sort((a, b) => a.from - b.from);
}

/** Blackouts of each queue per 30 days: slots of the schedule (ГПВ) and emergency cuts (ГАВ), and how many whole hours each lasts. */
const BLACKOUTS = {
  scheduled: { perMonth: 3, hours: [2, 4] },
  emergency: { perMonth: 1, hours: [1, 3] },
} as const;
/** Real batteries, not the live demo's: a village UPS lasts under an hour, the ЦНАП's outlasts any blackout. */
const PAST_BATTERIES: BatterySizes = { village: '45m', point: '8h', dc: '4h', recharge: '6h' };

/** The power part of the demo's past. */
export interface DemoPowerPast {
  /** Devices dark for want of power, with the cause: `power` or `scheduled_blackout`. */
  outages: DemoOutage[];
  /** What the supplies that report their power (UPSes, routers' supply voltages) went through. */
  events: PowerEvent[];
  /** The slots of the schedule. */
  slots: BlackoutSlot[];
}

/** The cuts of each queue over `range`: whole hours in the day, none overlapping another of the queue. */
function blackoutsOf(config: Config, range: Interval): PowerCutInput[] {
  const groups = [...new Set(config.villages.flatMap((v) => [v.power_group, ...v.devices.map((d) => d.power_group)]))].filter(
    (g) => g !== undefined,
  );
  const cuts: PowerCutInput[] = [];
  for (const group of groups.sort()) {
    const next = random(seedOf(`blackouts ${group}@${range.from}`));
    const planned: { at: number; duration: number; scheduled: boolean }[] = [];
    for (const [kind, { perMonth, hours }] of Object.entries(BLACKOUTS)) {
      const expected = (perMonth * (range.to - range.from)) / (30 * DAY);
      const count = Math.floor(expected) + (next() < expected % 1 ? 1 : 0);
      for (let i = 0; i < count; i++) {
        const day = Math.floor(next() * Math.floor((range.to - range.from) / DAY));
        const at = day * DAY + (6 + Math.floor(next() * 14)) * HOUR;
        const duration = (hours[0] + Math.floor(next() * (hours[1] - hours[0] + 1))) * HOUR;
        planned.push({ at, duration, scheduled: kind === 'scheduled' });
      }
    }
    let free = 0;
    for (const c of planned.sort((a, b) => a.at - b.at)) {
      if (c.at < free || range.from + c.at + c.duration > range.to) continue;
      cuts.push({ group, at: `${c.at}ms`, duration: `${c.duration}ms`, scheduled: c.scheduled });
      free = c.at + c.duration + HOUR;
    }
  }
  return cuts;
}

/** The supply that reports what happened (a UPS or a router's voltage), of those that feed the device; undefined when none does. */
const reportingSupply = (world: World, device: string) =>
  world.device(device).power.fedBy.find((id) => world.device(id).power.profile !== null);

/**
 * The demo's blackouts over `range`, played on the simulator's model of its
 * power: who went dark and why, each supply's events, the schedule's slots.
 */
export function demoPowerPast(config: Config, range: Interval): DemoPowerPast {
  const scenario = scenarioFromConfig(config, {
    name: 'the demo’s past blackouts',
    start: new Date(range.from).toISOString(),
    power: blackoutsOf(config, range),
    devices: demoBatteries(config, PAST_BATTERIES),
  });
  // At speed 1 from the start of the range, wall and scenario ms are the same.
  const world = createWorld(scenario, range.from, false);
  const truth = groundTruth(world, scenario.name, range.from, range.to);

  const outages = truth.devices.flatMap((d) =>
    d.outages
      .filter((o) => o.cause === 'power' || o.cause === 'scheduled_blackout')
      .map((o): DemoOutage => {
        const evidence: CauseEvidence = {};
        if (o.cause === 'scheduled_blackout') {
          const slot = world.power.mains.at({ village: d.device.village, group: d.device.power.group }, o.from).find((c) => c.scheduled)!;
          evidence.slot = { group: slot.group as NonNullable<CauseEvidence['slot']>['group'], start: slot.start, end: slot.end! };
        } else {
          const supply = reportingSupply(world, d.device.id);
          const since = supply === undefined ? null : world.power.supply(supply, o.from - 1)!.batterySince;
          if (supply !== undefined && since !== null) Object.assign(evidence, { supply, on_battery_at: since, lost_at: o.from });
        }
        return { subject: d.device.id, from: o.from, to: o.to, line: 0, judgement: { cause: o.cause, evidence } };
      }),
  );

  const events: PowerEvent[] = [];
  for (const supply of truth.power.supplies) {
    if (world.device(supply.device).power.profile === null) continue;
    let since: number | null = null;
    for (const i of supply.intervals) {
      if (i.from === range.from) continue;
      const onBattery = since === null ? 0 : Math.round((i.from - since) / 1000);
      if (i.feed === 'battery') {
        since = i.from;
        const left = Math.floor(world.power.supply(supply.device, i.from)!.left / MIN);
        events.push({ type: 'on_battery', supply: supply.device, at: i.from, value: left, message: `on battery, ${left} min left` });
      } else if (i.feed === 'none') {
        events.push({ type: 'power_lost', supply: supply.device, at: i.from, value: onBattery, message: 'the battery ran out' });
      } else {
        events.push({ type: 'power_restored', supply: supply.device, at: i.from, value: onBattery, message: 'mains is back' });
        since = null;
      }
    }
  }

  const slots = world.power.mains
    .published(range.from, range.to)
    .map((s): BlackoutSlot => ({ group: s.group, start: s.start, end: s.end, kind: s.kind }));
  return { outages: outages.sort((a, b) => a.from - b.from), events: events.sort((a, b) => a.at - b.at), slots };
}

/**
 * The whole past: the blackouts, and the own outages of `demoHistory` but
 * those that would fall on a blackout of the same device.
 */
export function demoPast(config: Config, inventory: Inventory, range: Interval): DemoPowerPast {
  const power = demoPowerPast(config, range);
  const dark = (o: Interval & { subject: string }) =>
    power.outages.some((p) => p.subject === o.subject && p.from < o.to + HOUR && o.from < p.to + HOUR);
  const own = demoHistory(inventory, range).filter((o) => !dark(o));
  return { ...power, outages: [...own, ...power.outages].sort((a, b) => a.from - b.from) };
}
