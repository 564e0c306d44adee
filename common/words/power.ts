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

/** The blackout queues (черги) of the Ukrainian schedules, as the config writes them (`power_group: "3.1"`). */
export const POWER_GROUPS = ['1.1', '1.2', '2.1', '2.2', '3.1', '3.2', '4.1', '4.2', '5.1', '5.2', '6.1', '6.2'] as const;
export type PowerGroup = (typeof POWER_GROUPS)[number];

/** Whether `text` is a power group as the config writes it: "1.1" … "6.2". */
export function isPowerGroup(text: string): text is PowerGroup {
  return /^[1-6]\.[12]$/.test(text);
}

/**
 * Why an outage happened, as Merezha judges it (or an admin reclassifies it):
 * `power` (its UPS or supply voltage went to battery before it fell, or its
 * UPS fell with it), `scheduled_blackout` (inside its group's slot, no UPS
 * evidence), `provider` (an uplink down while its power is known good),
 * `upstream` (cut off by a parent), `device`, `maintenance`, `unknown`.
 */
export const OUTAGE_CAUSES = ['power', 'scheduled_blackout', 'provider', 'upstream', 'device', 'maintenance', 'unknown'] as const;
export type OutageCause = (typeof OUTAGE_CAUSES)[number];

/** Whether a stored or given word is one of the causes (older outages carry none). */
export const isOutageCause = (value: unknown): value is OutageCause => (OUTAGE_CAUSES as readonly unknown[]).includes(value);

/**
 * Causes the adjusted uptime leaves out of the time it judges: planned
 * (a published blackout slot, a maintenance window). Raw uptime counts them.
 */
export const EXCUSED_CAUSES: readonly OutageCause[] = ['scheduled_blackout', 'maintenance'];

const CAUSE_NAMES: Record<Locale, Record<OutageCause, string>> = {
  uk: {
    power: 'відключення світла',
    scheduled_blackout: 'планове відключення за графіком',
    provider: 'збій провайдера',
    upstream: 'відрізано вищим вузлом',
    device: 'несправність пристрою',
    maintenance: 'планові роботи',
    unknown: 'причина невідома',
  },
  en: {
    power: 'power cut',
    scheduled_blackout: 'scheduled blackout',
    provider: 'provider failure',
    upstream: 'cut off upstream',
    device: 'device failure',
    maintenance: 'maintenance',
    unknown: 'unknown cause',
  },
};

/** «відключення світла», «збій провайдера». */
export const outageCauseName = (cause: OutageCause, locale: Locale): string => CAUSE_NAMES[locale][cause];

/** What a device's power state is: mains, on battery, power lost (a UPS ran out or fell silent on battery), unknown. */
export const POWER_STATES = ['mains', 'battery', 'lost', 'unknown'] as const;
export type PowerState = (typeof POWER_STATES)[number];

/** How bad each power state is, worse higher: a village, or a device fed by several supplies, is as its worst. */
export const POWER_STATE_RANK: Readonly<Record<PowerState, number>> = { unknown: 0, mains: 1, battery: 2, lost: 3 };

const STATE_NAMES: Record<Locale, Record<PowerState, string>> = {
  uk: { mains: 'є світло', battery: 'на батареї', lost: 'живлення немає', unknown: 'невідомо' },
  en: { mains: 'mains', battery: 'on battery', lost: 'power lost', unknown: 'unknown' },
};

/** «є світло», «на батареї». */
export const powerStateName = (state: PowerState, locale: Locale): string => STATE_NAMES[locale][state];

/** What keeps an Invincibility Point (Пункт незламності) powered without mains. */
export const BACKUP_POWER = ['ups', 'generator', 'battery', 'none'] as const;
export type BackupPower = (typeof BACKUP_POWER)[number];

/** What keeps an Invincibility Point online when the wired provider is dark. */
export const BACKUP_LINKS = ['starlink', 'xpon', 'mobile', 'none'] as const;
export type BackupLink = (typeof BACKUP_LINKS)[number];

const BACKUP_POWER_NAMES: Record<Locale, Record<BackupPower, string>> = {
  uk: { ups: 'ДБЖ', generator: 'генератор', battery: 'акумулятор (зарядна станція)', none: 'немає' },
  en: { ups: 'UPS', generator: 'generator', battery: 'battery (power station)', none: 'none' },
};
const BACKUP_LINK_NAMES: Record<Locale, Record<BackupLink, string>> = {
  uk: { starlink: 'Starlink', xpon: 'оптика (xPON)', mobile: 'мобільний інтернет', none: 'немає' },
  en: { starlink: 'Starlink', xpon: 'fibre (xPON)', mobile: 'mobile internet', none: 'none' },
};

/** «генератор», «немає». */
export const backupPowerName = (v: BackupPower, locale: Locale): string => BACKUP_POWER_NAMES[locale][v];
/** «оптика (xPON)», «немає». */
export const backupLinkName = (v: BackupLink, locale: Locale): string => BACKUP_LINK_NAMES[locale][v];

/**
 * What an Invincibility Point lacks of the requirement (power and internet
 * without mains): a backup the config says is `none`, or does not name.
 */
export function backupLacks(point: {
  backup_power?: BackupPower | null;
  backup_link?: BackupLink | null;
}): ('backup_power' | 'backup_link')[] {
  return (['backup_power', 'backup_link'] as const).filter((key) => (point[key] ?? 'none') === 'none');
}
