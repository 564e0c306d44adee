/** Turns the inventory into the device targets that device probes poll. */
import type { Config } from '../config/schema.ts';
import type { DeviceTarget } from './probes/types.ts';

// One target per device for every kind that polls it (ping, SNMP, power), built once per config.
const cache = new WeakMap<Config, DeviceTarget[]>();

/** The config's device targets; the same objects on every call for the same config, so callers must not change them. */
export function deviceTargets(config: Config): DeviceTarget[] {
  let targets = cache.get(config);
  if (targets === undefined) {
    targets = config.villages.flatMap((village) =>
      village.devices.map((device) => {
        const tags: Record<string, string> = { village: village.id, device: device.id, kind: device.kind };
        if (device.provider) tags.provider = device.provider;
        if (device.category) tags.category = device.category;
        // Only what the probes and the inventory read of the village: a target stays equal when its village gains a device.
        // Frozen: the writer encodes a frozen tag set once (storage/line-protocol.ts).
        return { key: device.id, device, village: { id: village.id, name: village.name }, tags: Object.freeze(tags) };
      }),
    );
    cache.set(config, targets);
  }
  return targets;
}
