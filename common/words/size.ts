/**
 * A size in bytes as a person reads it: «512 Б», «3,4 МБ»; "512 B", "3.4 MB".
 * The CLI, the health reasons and the admin page write sizes this way.
 */
import type { Locale } from './locale.ts';

const UNITS: Record<Locale, readonly string[]> = {
  uk: ['Б', 'КБ', 'МБ', 'ГБ', 'ТБ'],
  en: ['B', 'KB', 'MB', 'GB', 'TB'],
};

export function formatBytes(bytes: number, locale: Locale = 'en'): string {
  const units = UNITS[locale];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const number =
    unit === 0
      ? String(value)
      : value.toLocaleString(locale === 'uk' ? 'uk-UA' : 'en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  return `${number} ${units[unit]}`;
}
