/**
 * RFC 1628 UPS-MIB (1.3.6.1.2.1.33), the standard UPS agent: Eaton, Riello,
 * Delta, CyberPower, Legrand and most network cards serve it, APC's as an
 * option. Objects and enums as the MIB defines them; the input voltage is
 * line 1 of upsInputTable (a village UPS is single-phase).
 */
import type { PowerProfile } from './types.ts';

const UPS = '1.3.6.1.2.1.33.1';

export const upsMib: PowerProfile = {
  id: 'ups-mib',
  mib: 'UPS-MIB (RFC 1628)',
  sysDescr: 'Network Management Card for UPS (UPS-MIB)',
  objects: {
    source: {
      oid: `${UPS}.4.1.0`,
      name: 'upsOutputSource',
      // booster(6) and reducer(7) are the AVR raising or lowering the mains: still mains. none(2) is output off.
      values: { 1: 'unknown', 2: 'unknown', 3: 'mains', 4: 'bypass', 5: 'battery', 6: 'mains', 7: 'mains' },
    },
    batteryStatus: {
      oid: `${UPS}.2.1.0`,
      name: 'upsBatteryStatus',
      values: { 1: 'unknown', 2: 'normal', 3: 'low', 4: 'depleted' },
    },
    // Zero when not on battery (the MIB says so): a reading, not a missing value.
    secondsOnBattery: { oid: `${UPS}.2.2.0`, name: 'upsSecondsOnBattery', type: 'Integer', unit: 'seconds' },
    minutesLeft: { oid: `${UPS}.2.3.0`, name: 'upsEstimatedMinutesRemaining', type: 'Integer', unit: 'minutes' },
    batteryPct: { oid: `${UPS}.2.4.0`, name: 'upsEstimatedChargeRemaining', type: 'Integer', unit: 'percent' },
    inputVoltage: { oid: `${UPS}.3.3.1.3.1`, name: 'upsInputVoltage.1', type: 'Integer', unit: 'volts' },
  },
};
