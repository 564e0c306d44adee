/**
 * A MikroTik router's supply voltage: MIKROTIK-MIB mtxrHlVoltage
 * (mtxrHealth 8), a Voltage in tenths of a volt (DISPLAY-HINT "d-1"). A
 * router on a DC UPS sees the voltage fall when the UPS runs on battery; the
 * source is that voltage against `power.on_battery_below_v`.
 */
import type { PowerProfile } from './types.ts';

export const MTXR_HL_VOLTAGE = '1.3.6.1.4.1.14988.1.1.3.8.0';

export const mikrotikVoltage: PowerProfile = {
  id: 'mikrotik',
  mib: 'MIKROTIK-MIB mtxrHlVoltage',
  sysDescr: 'RouterOS hEX',
  sourceFromVoltage: true,
  objects: {
    inputVoltage: { oid: MTXR_HL_VOLTAGE, name: 'mtxrHlVoltage', type: 'Integer', unit: 'decivolts' },
  },
};
