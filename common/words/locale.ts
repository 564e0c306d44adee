/**
 * The languages Merezha speaks: Ukrainian first (every default), English
 * second. The config's `hromada.locale`, the dashboard's switch, the alerts
 * and the public page all choose from this one list.
 */
export const LOCALES = ['uk', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

export const isLocale = (value: unknown): value is Locale => LOCALES.includes(value as Locale);

/** The tag for Intl: en-GB, not en-US, so English dates keep the day before the month and a 24-hour clock. */
export const INTL_LOCALE: Record<Locale, string> = { uk: 'uk-UA', en: 'en-GB' };
