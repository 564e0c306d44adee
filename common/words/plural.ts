/**
 * Numbers with the noun in the right form: «1 клієнт», «2 клієнти»,
 * «5 клієнтів», «2,5 клієнта»; "1 client", "2 clients". The form is chosen
 * by the CLDR rules of `Intl.PluralRules`, which know that 11 takes «клієнтів»
 * and 21 «клієнт», so no caller counts the last digits itself.
 */
import { INTL_LOCALE, type Locale } from './locale.ts';

/**
 * A noun's form for each plural category the language has: Ukrainian one
 * (1, 21), few (2–4, 22–24), many (0, 5–20, 25…) and other, the fractions
 * («2,5 людини»); English one and other.
 */
export interface PluralForms {
  uk: { one: string; few: string; many: string; other: string };
  en: { one: string; other: string };
}

/** At most one decimal, as people say a count; the form follows the number as written. */
const DIGITS = { maximumFractionDigits: 1 } as const;

const rules: Record<Locale, Intl.PluralRules> = {
  uk: new Intl.PluralRules(INTL_LOCALE.uk, DIGITS),
  en: new Intl.PluralRules(INTL_LOCALE.en, DIGITS),
};
const numbers: Record<Locale, Intl.NumberFormat> = {
  uk: new Intl.NumberFormat(INTL_LOCALE.uk, DIGITS),
  en: new Intl.NumberFormat(INTL_LOCALE.en, DIGITS),
};

/** The noun's form that goes with `n`. */
export function plural<L extends Locale>(n: number, forms: PluralForms[L], locale: L): string {
  return (forms as Partial<Record<Intl.LDMLPluralRule, string>>)[rules[locale].select(n)] ?? forms.other;
}

/** `n`, written the locale's way, and the noun: «41 клієнт», «2,5 людини», "1 client". */
export function count<L extends Locale>(n: number, forms: PluralForms[L], locale: L): string {
  return `${numbers[locale].format(n)} ${plural(n, forms, locale)}`;
}
