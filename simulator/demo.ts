/**
 * The demo timeline behind `merezha simulate --demo` and the demo of
 * `merezha start`: over any Merezha config, a fault every few minutes, each in
 * a different village where the config allows, and a slot of the blackout
 * schedule every seven minutes, each for another queue, repeating every half
 * hour for as long as it runs. And, in the villages of config/example.yaml, a
 * few devices that are on the network but not in the config yet, for the
 * dashboard's inventory page and `merezha discover` to find.
 */
import { parseDuration } from '../config/duration.ts';
import type { Config, DeviceConfig } from '../config/schema.ts';
import { supplyKindOf, upsFeeders } from './devices.ts';
import {
  scenarioFromConfig,
  type FaultInput,
  type PowerCutInput,
  type Scenario,
  type ScenarioInput,
  type UnlistedInput,
} from './scenario.ts';

/**
 * The demo hromada's devices that its config does not list ("found, not yet
 * in the config"): a new Free WiFi access point or two and an institution's
 * router, each seeing its would-be parent over LLDP. Each is at
 * 127.0.<village>.<n>: `n` on its parent's /24 (so a test's copy of the demo
 * on other addresses has them too), with the demo's SNMP credential and port.
 */
export const DEMO_UNLISTED: readonly (Omit<UnlistedInput, 'host' | 'snmp'> & { n: number })[] = [
  {
    village: 'dmytrivka',
    id: 'dmytrivka-culture-house-wifi',
    name: 'Free WiFi, Будинок культури',
    kind: 'wifi',
    vendor: 'mikrotik',
    parent: 'dmytrivka-culture-house',
    n: 23,
  },
  {
    village: 'tsybuleve',
    id: 'tsybuleve-gymnasium-wifi',
    name: 'Free WiFi, гімназія',
    kind: 'wifi',
    vendor: 'tplink',
    parent: 'tsybuleve-gymnasium',
    n: 21,
  },
  {
    village: 'ivankivtsi',
    id: 'ivankivtsi-library',
    name: 'Бібліотека-філія с. Іванківці',
    kind: 'institution',
    category: 'library',
    parent: 'ivankivtsi-uplink-prostonet',
    n: 15,
  },
];

/** As every SNMP device of config/example.yaml. */
const DEMO_SNMP = { credential: 'public-v2', port: 1161 };

/**
 * The unlisted devices that fit `config`: their village, parent and
 * credential are in it, and neither their id nor their address is (once one
 * is added to the config, by the inventory page or by hand, the config's entry
 * is what is simulated after a restart).
 */
export function demoUnlisted(config: Config): UnlistedInput[] {
  const devices = config.villages.flatMap((v) => v.devices.map((d) => ({ ...d, village: v.id })));
  const taken = new Set(devices.flatMap((d) => [d.id, d.host]));
  if (!(DEMO_SNMP.credential in config.snmp_credentials)) return [];
  return DEMO_UNLISTED.flatMap(({ n, ...d }) => {
    const parent = devices.find((p) => p.id === d.parent && p.village === d.village);
    const net = parent && /^(127\.\d{1,3}\.\d{1,3})\.\d{1,3}$/.exec(parent.host)?.[1];
    const host = `${net}.${n}`;
    if (!net || taken.has(d.id) || taken.has(host)) return [];
    return [{ ...d, host, snmp: { ...DEMO_SNMP } }];
  });
}

interface Placed {
  device: DeviceConfig;
  village: string;
}

/**
 * The blackout slots of the demo's half hour: four minutes each, seven
 * minutes apart, each for the next queue of the config whose devices have no
 * fault that takes them off the air within a minute of it (so that every
 * outage has one cause).
 */
const SLOT_STARTS = ['3m', '10m', '17m', '24m'];
const SLOT = '4m';
const MARGIN_MS = 60_000;
/** Faults that take a device off the air or lose its packets: a blackout over one would blur its cause. */
const OFF_THE_AIR: ReadonlySet<FaultInput['type']> = new Set(['outage', 'flapping', 'reboot', 'loss']);
/** How long each sort of battery of a demo lasts, and how long any takes to charge again. */
export interface BatterySizes {
  /** A UPS of a village (one that feeds no Invincibility Point). */
  village: string;
  /** What keeps an Invincibility Point going: its UPS, or its own battery. */
  point: string;
  /** A router's DC UPS (`power_voltage`). */
  dc: string;
  recharge: string;
}

/**
 * The live demo's batteries: a village UPS lasts part of a slot, so that the
 * dashboard shows it draining, the early warning, then the village dark; what
 * keeps an Invincibility Point going outlasts the slot, as it must; a router's
 * DC UPS lasts an hour. Each is full again well before its queue's next slot.
 */
const LIVE_BATTERIES: BatterySizes = { village: '150s', point: '12m', dc: '1h', recharge: '20m' };

const ms = (text: string | 0 | undefined) => (text === undefined || text === 0 ? 0 : parseDuration(text)!);

/** The scheduled cuts of the demo's cycle, one queue each, clear of the devices' faults. */
function demoBlackouts(all: readonly Placed[], groupOf: (p: Placed) => string | undefined, faults: readonly FaultInput[]): PowerCutInput[] {
  const groups = [...new Set(all.map(groupOf).filter((g) => g !== undefined))];
  const busy = (group: string, start: number, end: number) =>
    faults.some((f) => {
      const placed = all.find((p) => p.device.id === f.device);
      if (!placed || groupOf(placed) !== group || !OFF_THE_AIR.has(f.type)) return false;
      const from = ms(f.at);
      const to = from + ms('duration' in f ? f.duration : undefined);
      return from < end + MARGIN_MS && to > start - MARGIN_MS;
    });
  const cuts: PowerCutInput[] = [];
  for (const at of SLOT_STARTS) {
    const start = ms(at);
    const group = groups.find((g) => !busy(g, start, start + ms(SLOT)));
    if (group === undefined) continue;
    groups.splice(groups.indexOf(group), 1);
    cuts.push({ group, at, duration: SLOT, scheduled: true });
  }
  return cuts;
}

/** A battery of `sizes` for every supply of the config that has one, as a scenario's device overrides. */
export function demoBatteries(config: Config, sizes: BatterySizes): NonNullable<ScenarioInput['devices']> {
  const feeders = upsFeeders(config);
  const devices = config.villages.flatMap((v) => v.devices);
  const points = new Set(devices.filter((d) => d.invincibility_point).map((d) => d.id));
  const feedsPoint = (ups: string) => [...feeders].some(([id, list]) => points.has(id) && list.includes(ups));
  const batteries: NonNullable<ScenarioInput['devices']> = {};
  for (const d of devices) {
    const kind = supplyKindOf(d, feeders.has(d.id));
    if (kind === null || kind === 'generator') continue;
    const runtime = kind === 'dc' ? sizes.dc : kind === 'internal' || feedsPoint(d.id) ? sizes.point : sizes.village;
    batteries[d.id] = { runtime, recharge: sizes.recharge };
  }
  return batteries;
}

export function demoScenario(config: Config): Scenario {
  const all: Placed[] = config.villages.flatMap((v) => v.devices.map((device) => ({ device, village: v.id })));
  const behind = (id: string): number => all.filter((p) => p.device.parent === id).reduce((n, p) => n + 1 + behind(p.device.id), 0);
  const used = new Set<string>();
  const taken = new Set<string>();
  /** The first device that fits, preferring a village with no fault yet, and never a device that has one. */
  const pick = (fits: (d: DeviceConfig) => boolean, order: Placed[] = all): Placed | undefined => {
    const candidates = order.filter((p) => fits(p.device) && !taken.has(p.device.id));
    const chosen = candidates.find((p) => !used.has(p.village)) ?? candidates[0];
    if (chosen) {
      used.add(chosen.village);
      taken.add(chosen.device.id);
    }
    return chosen;
  };

  const faults: FaultInput[] = [];
  // The uplink with the most devices behind it: its whole village goes dark.
  const byReach = [...all].sort((a, b) => behind(b.device.id) - behind(a.device.id));
  const uplink = pick((d) => d.kind === 'uplink' && behind(d.id) > 0, byReach);
  if (uplink) faults.push({ device: uplink.device.id, type: 'outage', at: '2m', duration: '4m' });

  const ap = pick((d) => d.kind === 'wifi' && d.public && !!d.snmp) ?? pick((d) => d.kind === 'wifi');
  if (ap) faults.push({ device: ap.device.id, type: 'reboot', at: '8m', duration: '1m' });

  const institution = pick((d) => d.kind === 'institution');
  if (institution) faults.push({ device: institution.device.id, type: 'loss', at: '11m', duration: '5m', loss_pct: 30 });

  // Late, but inside the collector's timeout: the poll succeeds, slowly.
  const slow = pick((d) => !!d.snmp);
  const delayMs = Math.floor(config.polling.snmp.timeout * 0.75);
  if (slow) faults.push({ device: slow.device.id, type: 'slow', at: '18m', duration: '4m', delay: `${delayMs}ms` });

  // A counter wraps once per uptime, so in a loop the device reboots first.
  const wrapped = pick((d) => d.kind === 'uplink' && d.snmp?.interface !== undefined) ?? pick((d) => d.snmp?.interface !== undefined);
  if (wrapped) {
    faults.push({ device: wrapped.device.id, type: 'reboot', at: '23m', duration: '30s' });
    faults.push({ device: wrapped.device.id, type: 'wrap', at: '26m' });
  }

  const groupOf = (p: Placed) => p.device.power_group ?? config.villages.find((v) => v.id === p.village)!.power_group;
  const input: Omit<ScenarioInput, 'name' | 'config'> = {
    repeat: '30m',
    faults,
    power: demoBlackouts(all, groupOf, faults),
    devices: demoBatteries(config, LIVE_BATTERIES),
    unlisted: demoUnlisted(config),
  };
  return scenarioFromConfig(config, { name: `demo: ${config.hromada.name}`, ...input });
}
