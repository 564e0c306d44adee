/**
 * The demo timeline behind `merezha simulate --demo`: over any Merezha config,
 * a fault every few minutes, each in a different village where the config
 * allows, repeating every half hour for as long as it runs.
 */
import type { Config, DeviceConfig } from '../config/schema.ts';
import { scenarioFromConfig, type FaultInput, type Scenario } from './scenario.ts';

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

  return scenarioFromConfig(config, { name: `demo: ${config.hromada.name}`, repeat: '30m', faults });
}
