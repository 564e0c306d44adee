/**
 * What things are called: the states of a device or service, the kinds of
 * device and the categories of institution, as the dashboard, the alerts and
 * the report show them. The lists are here rather than in the zod contract
 * (`common/api.ts` builds its enums from them) so that the web can use them
 * at run time without zod.
 */
import type { Locale } from './locale.ts';

export const STATES = ['up', 'degraded', 'down', 'unreachable', 'maintenance', 'unknown'] as const;
export type State = (typeof STATES)[number];

// A UPS (ДБЖ) is polled for the power it gives the devices it feeds: it is no link, institution or Free WiFi zone.
export const DEVICE_KINDS = ['uplink', 'wifi', 'institution', 'ups'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

export const INSTITUTION_CATEGORIES = ['school', 'kindergarten', 'clinic', 'library', 'culture', 'council', 'cnap', 'other'] as const;
export type InstitutionCategory = (typeof INSTITUTION_CATEGORIES)[number];

const STATE_NAMES: Record<Locale, Record<State, string>> = {
  uk: {
    up: 'працює',
    degraded: 'з погіршенням',
    down: 'не працює',
    // Not «недоступний»: an unreachable device may well work, it is the way to it that is cut.
    unreachable: 'недосяжний',
    maintenance: 'обслуговування',
    unknown: 'невідомо',
  },
  en: { up: 'up', degraded: 'degraded', down: 'down', unreachable: 'unreachable', maintenance: 'maintenance', unknown: 'unknown' },
};

const KIND_NAMES: Record<Locale, Record<DeviceKind | 'service', string>> = {
  uk: { uplink: 'канал зв’язку', wifi: 'точка Free WiFi', institution: 'заклад', ups: 'ДБЖ', service: 'сервіс' },
  en: { uplink: 'uplink', wifi: 'Free WiFi access point', institution: 'institution', ups: 'UPS', service: 'service' },
};

/** One institution («школа», in a sentence) and a heading over several («Школи»). */
const CATEGORY_NAMES: Record<Locale, Record<InstitutionCategory, { one: string; heading: string }>> = {
  uk: {
    school: { one: 'школа', heading: 'Школи' },
    kindergarten: { one: 'заклад дошкільної освіти', heading: 'Заклади дошкільної освіти' },
    clinic: { one: 'медичний заклад', heading: 'Медичні заклади' },
    library: { one: 'бібліотека', heading: 'Бібліотеки' },
    culture: { one: 'заклад культури', heading: 'Заклади культури' },
    council: { one: 'рада / старостат', heading: 'Органи влади' },
    cnap: { one: 'ЦНАП', heading: 'ЦНАП' },
    other: { one: 'заклад', heading: 'Інші заклади' },
  },
  en: {
    school: { one: 'school', heading: 'Schools' },
    kindergarten: { one: 'kindergarten', heading: 'Kindergartens' },
    clinic: { one: 'clinic', heading: 'Clinics' },
    library: { one: 'library', heading: 'Libraries' },
    culture: { one: 'culture house', heading: 'Culture houses' },
    council: { one: 'council / starosta office', heading: 'Councils' },
    cnap: { one: 'administrative service centre', heading: 'Administrative service centres (ЦНАП)' },
    other: { one: 'institution', heading: 'Other institutions' },
  },
};

export const stateName = (state: State, locale: Locale): string => STATE_NAMES[locale][state];

/** "канал зв’язку", "заклад", "сервіс". */
export const kindName = (kind: DeviceKind | 'service', locale: Locale): string => KIND_NAMES[locale][kind];

/** One institution of the category, for a sentence: "школа". */
export const institutionName = (category: InstitutionCategory, locale: Locale): string => CATEGORY_NAMES[locale][category].one;

/** The heading over the institutions of a category: "Школи". */
export const categoryHeading = (category: InstitutionCategory, locale: Locale): string => CATEGORY_NAMES[locale][category].heading;
