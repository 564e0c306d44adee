/**
 * The `power` section of hromada.yaml: how Merezha reads the power behind
 * the network (UPSes, the supply voltage of routers on a DC UPS), and the
 * device keys that go with it (`kind: ups` with its `vendor` and `powers`,
 * `power_voltage` on a router). `schema.ts` puts the section in place and
 * runs `crossCheckPower` with its other whole-file checks.
 */
import { z } from 'zod';

/** The UPS vendor profiles (collector/power/): RFC 1628 UPS-MIB, and APC's PowerNet-MIB. */
export const POWER_VENDORS = ['ups-mib', 'apc'] as const;
export type PowerVendor = (typeof POWER_VENDORS)[number];

/** Where a router's supply voltage is read from (`power_voltage:` of a device): MIKROTIK-MIB mtxrHlVoltage. */
export const VOLTAGE_SOURCES = ['mikrotik'] as const;
export type VoltageSource = (typeof VOLTAGE_SOURCES)[number];

export const powerSchema = z.strictObject({
  /**
   * A router's supply voltage (`power_voltage:`) below this many volts means
   * it runs on its DC UPS's battery: a 24 V DC UPS gives ~27 V on mains and
   * falls under ~25 V on battery. Required once a device reads its voltage:
   * the voltage alone does not say mains or battery.
   */
  on_battery_below_v: z.number().positive().max(1000).optional(),
  /** Warn when a UPS on battery has fewer minutes left than this. */
  warn_minutes_left: z
    .int()
    .min(1)
    .max(24 * 60)
    .default(15),
});

export type PowerConfig = z.output<typeof powerSchema>;

type Issue = (path: (string | number)[], message: string) => void;

/** What the power keys of one device need from the rest of the file. */
export interface PowerDevice {
  id: string;
  kind: string;
  vendor?: string;
  snmp?: object;
  powers?: string[];
  power_voltage?: VoltageSource;
}

const isPowerVendor = (v: string | undefined): v is PowerVendor => (POWER_VENDORS as readonly string[]).includes(v ?? '');

/** A UPS's vendor and SNMP, what it powers, and the threshold a read voltage needs. */
export function crossCheckPower(
  device: PowerDevice,
  at: (string | number)[],
  known: { devices: ReadonlySet<string>; power: PowerConfig },
  issue: Issue,
): void {
  if (device.kind === 'ups') {
    if (device.vendor === undefined) issue([...at, 'vendor'], `is required for kind ups (one of: ${POWER_VENDORS.join(', ')})`);
    if (!device.snmp) issue([...at, 'snmp'], 'is required for kind ups: its power is read over SNMP');
  }
  if (isPowerVendor(device.vendor) && device.kind !== 'ups') {
    issue([...at, 'vendor'], `${device.vendor} is a UPS vendor: it only applies to kind ups, not ${device.kind}`);
  }
  if (device.powers !== undefined) {
    if (device.kind !== 'ups') issue([...at, 'powers'], `only applies to kind ups, not ${device.kind}`);
    device.powers.forEach((id, i) => {
      if (id === device.id) issue([...at, 'powers', i], 'a UPS does not power itself: list the devices it feeds');
      else if (!known.devices.has(id)) issue([...at, 'powers', i], `unknown device "${id}"`);
    });
  }
  if (device.power_voltage !== undefined) {
    if (device.kind === 'ups') issue([...at, 'power_voltage'], 'does not apply to kind ups: a UPS reports its power through its vendor');
    if (!device.snmp) issue([...at, 'snmp'], `is required to read the supply voltage (power_voltage: ${device.power_voltage})`);
    if (known.power.on_battery_below_v === undefined) {
      issue([...at, 'power_voltage'], 'needs power.on_battery_below_v: the voltage alone does not say mains or battery');
    }
  }
}
