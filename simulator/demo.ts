/**
 * The demo timeline behind `merezha simulate --demo` and the demo of
 * `merezha start`: over any Merezha config, a fault every few minutes, each in
 * a different village where the config allows, repeating every half hour for
 * as long as it runs. And, in the villages of config/example.yaml, a few
 * devices that are on the network but not in the config yet, for the
 * dashboard's inventory page and `merezha discover` to find.
 */
import type { Config, DeviceConfig } from '../config/schema.ts';
import { scenarioFromConfig, type FaultInput, type Scenario, type UnlistedInput } from './scenario.ts';

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

  return scenarioFromConfig(config, { name: `demo: ${config.hromada.name}`, repeat: '30m', faults, unlisted: demoUnlisted(config) });
}
