/**
 * APC (Schneider Electric) Smart-UPS and Back-UPS with a network card:
 * PowerNet-MIB's ups group (1.3.6.1.4.1.318.1.1.1). Richer than UPS-MIB in
 * its output states; its runtime and time on battery are TimeTicks.
 */
import type { PowerProfile } from './types.ts';

const UPS = '1.3.6.1.4.1.318.1.1.1';

export const apc: PowerProfile = {
  id: 'apc',
  mib: 'PowerNet-MIB (APC)',
  sysDescr: 'APC Web/SNMP Management Card (MB:v4.1.0 PF:v6.8.2 PN:apc_hw05_aos_682.bin AN1:apc_hw05_sumx_682.bin MN:AP9630)',
  objects: {
    source: {
      oid: `${UPS}.4.1.1.0`,
      name: 'upsBasicOutputStatus',
      values: {
        1: 'unknown',
        2: 'mains', // onLine
        3: 'battery', // onBattery
        4: 'mains', // onSmartBoost: the AVR raising a low mains
        5: 'unknown', // timedSleeping: output off
        6: 'bypass', // softwareBypass
        7: 'unknown', // off
        8: 'unknown', // rebooting
        9: 'bypass', // switchedBypass
        10: 'bypass', // hardwareFailureBypass
        11: 'unknown', // sleepingUntilPowerReturn: output off, nothing is fed
        12: 'mains', // onSmartTrim: the AVR lowering a high mains
        13: 'mains', // ecoMode
        14: 'mains', // hotStandby
        // A self-test runs the load on battery while the mains is there: not a blackout, so not "battery".
        15: 'mains', // onBatteryTest
        16: 'bypass', // emergencyStaticBypass
        17: 'bypass', // staticBypassStandby
        18: 'mains', // powerSavingMode
        19: 'unknown', // spotMode (service test modes, 19, 21, 22, 24)
        20: 'mains', // eConversion
        21: 'unknown', // chargerSpotmode
        22: 'unknown', // inverterSpotmode
        23: 'mains', // activeLoad
        24: 'unknown', // batteryDischargeSpotmode
        25: 'unknown', // inverterStandby
        26: 'unknown', // chargerOnly: output off
        27: 'unknown', // distributedEnergyReserve
        28: 'mains', // selfTest, as 15
      },
    },
    batteryStatus: {
      oid: `${UPS}.2.1.1.0`,
      name: 'upsBasicBatteryStatus',
      values: { 1: 'unknown', 2: 'normal', 3: 'low', 4: 'fault', 5: 'missing' },
    },
    secondsOnBattery: { oid: `${UPS}.2.1.2.0`, name: 'upsBasicBatteryTimeOnBattery', type: 'TimeTicks', unit: 'ticks' },
    batteryPct: { oid: `${UPS}.2.2.1.0`, name: 'upsAdvBatteryCapacity', type: 'Gauge', unit: 'percent' },
    // Some cards give 2^32-1 for "not supported".
    minutesLeft: {
      oid: `${UPS}.2.2.3.0`,
      name: 'upsAdvBatteryRunTimeRemaining',
      type: 'TimeTicks',
      unit: 'ticks',
      unsupported: 4294967295,
    },
    inputVoltage: { oid: `${UPS}.3.2.1.0`, name: 'upsAdvInputLineVoltage', type: 'Gauge', unit: 'volts' },
  },
};
