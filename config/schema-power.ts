/**
 * The `power` section of hromada.yaml: how Merezha reads the power behind
 * the network (UPSes, the supply voltage of routers on a DC UPS), and the
 * device keys that go with it (`kind: ups` with its `vendor` and `powers`,
 * `power_voltage` on a router). `schema.ts` puts the section in place and
 * runs `crossCheckPower` with its other whole-file checks.
 */
import { z } from 'zod';
import { BACKUP_LINKS, BACKUP_POWER, isPowerGroup, POWER_GROUPS } from '../common/words/power.ts';
import { duration } from './primitives.ts';

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
  /**
   * A public blackout-schedule feed (the DTEK ГПВ or Yasno JSON, or a
   * `group,start,end` CSV), fetched every `schedule_refresh`. Without it the
   * schedule is what `merezha power import-schedule` last imported.
   */
  schedule_url: z.url({ protocol: /^https?$/ }).optional(),
  schedule_refresh: duration().prefault('1h'),
});

/** `power_group: "3.1"`: the blackout queue (черга) a village or a device is on. A number 3.1 is taken as "3.1". */
export const powerGroup = () =>
  z.preprocess(
    (v) => (typeof v === 'number' ? v.toFixed(1) : v),
    z
      .string()
      .refine(isPowerGroup, `must be a blackout queue as the schedules write it: ${POWER_GROUPS[0]} … ${POWER_GROUPS.at(-1)}, e.g. "3.1"`),
  );

/** The device keys of an Invincibility Point (Пункт незламності). */
export const invincibilityKeys = {
  /** A Пункт незламності: it must keep internet without mains. */
  invincibility_point: z.boolean().default(false),
  /** What keeps it powered without mains; only with invincibility_point. */
  backup_power: z.enum(BACKUP_POWER).optional(),
  /** What keeps it online when the wired provider is dark; only with invincibility_point. */
  backup_link: z.enum(BACKUP_LINKS).optional(),
};

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
  invincibility_point?: boolean;
  backup_power?: string;
  backup_link?: string;
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
  for (const key of ['backup_power', 'backup_link'] as const) {
    if (device[key] !== undefined && !device.invincibility_point)
      issue([...at, key], 'only applies to an Invincibility Point (invincibility_point: true)');
  }
}
