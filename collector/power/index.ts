/** The registry of power profiles: the UPS vendors of the config's `vendor:`, and the supply voltages of `power_voltage:`. */
import type { DeviceConfig, PowerVendor, VoltageSource } from '../../config/schema.ts';
import { isPowerVendor } from '../../config/schema.ts';
import { apc } from './apc.ts';
import { mikrotikVoltage } from './mikrotik-voltage.ts';
import type { PowerProfile } from './types.ts';
import { upsMib } from './ups-mib.ts';

export const UPS_PROFILES: Record<PowerVendor, PowerProfile> = { 'ups-mib': upsMib, apc };
export const VOLTAGE_PROFILES: Record<VoltageSource, PowerProfile> = { mikrotik: mikrotikVoltage };

/** The profile the power probe reads a device through; undefined for a device it does not poll. */
export function powerProfileOf(device: Pick<DeviceConfig, 'kind' | 'vendor' | 'power_voltage' | 'snmp'>): PowerProfile | undefined {
  if (!device.snmp) return undefined;
  if (device.kind === 'ups' && isPowerVendor(device.vendor)) return UPS_PROFILES[device.vendor];
  if (device.power_voltage !== undefined) return VOLTAGE_PROFILES[device.power_voltage];
  return undefined;
}
