/**
 * What the power probe says, in words: where a device's power comes from and
 * how its battery is, as the device page, `merezha poll` and (later) the
 * alerts name them. The lists are here rather than in the zod contract
 * (`common/api.ts` builds its enums from them) so that the web can use them
 * at run time without zod.
 */
import type { Locale } from './locale.ts';

/**
 * What feeds the load now. `unknown` when the agent did not say or said
 * something that is none of these (output off, a test mode): never a guess.
 */
export const POWER_SOURCES = ['mains', 'battery', 'bypass', 'unknown'] as const;
export type PowerSource = (typeof POWER_SOURCES)[number];

/** The battery as the UPS reports it: UPS-MIB's four values, plus APC's fault and no-battery. */
export const BATTERY_STATUSES = ['normal', 'low', 'depleted', 'fault', 'missing', 'unknown'] as const;
export type BatteryStatus = (typeof BATTERY_STATUSES)[number];

const SOURCE_NAMES: Record<Locale, Record<PowerSource, string>> = {
  uk: { mains: 'від мережі', battery: 'від батареї', bypass: 'байпас (напряму від мережі)', unknown: 'невідомо' },
  en: { mains: 'mains', battery: 'on battery', bypass: 'bypass (straight from mains)', unknown: 'unknown' },
};

const BATTERY_NAMES: Record<Locale, Record<BatteryStatus, string>> = {
  uk: {
    normal: 'у нормі',
    low: 'низький заряд',
    depleted: 'розряджена',
    fault: 'несправна',
    missing: 'немає батареї',
    unknown: 'невідомо',
  },
  en: { normal: 'normal', low: 'low', depleted: 'depleted', fault: 'fault', missing: 'no battery', unknown: 'unknown' },
};

/** «від мережі», «від батареї». */
export const powerSourceName = (source: PowerSource, locale: Locale): string => SOURCE_NAMES[locale][source];

/** «у нормі», «розряджена». */
export const batteryStatusName = (status: BatteryStatus, locale: Locale): string => BATTERY_NAMES[locale][status];
