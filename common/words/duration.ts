/**
 * How long something lasted, in the two largest units that matter: «2 дн 5 год»,
 * «3 год 5 хв», «45 хв», «менше хвилини»; "2 d 5 h". Alerts, the dashboard and
 * the report all write durations this way.
 */
import type { Locale } from './locale.ts';

const UNITS = [
  ['day', 86_400],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
] as const;
type Unit = (typeof UNITS)[number][0];

const WORDS: Record<Locale, Record<Unit, string> & { underAMinute: string }> = {
  uk: { day: 'дн', hour: 'год', minute: 'хв', second: 'с', underAMinute: 'менше хвилини' },
  en: { day: 'd', hour: 'h', minute: 'min', second: 's', underAMinute: 'under a minute' },
};

/**
 * The largest unit that is not zero and the one below it, when that is not
 * zero either: "2 d 5 h", but "2 d" for two days and five minutes, so a
 * duration never reads more precise than its first unit. Whole units only,
 * cut down rather than rounded up: "11 min" until the twelfth minute is over.
 */
export function formatDuration(seconds: number, locale: Locale, smallest: 'minute' | 'second' = 'minute'): string {
  const words = WORDS[locale];
  const units = UNITS.slice(0, UNITS.findIndex(([unit]) => unit === smallest) + 1);
  let rest = Math.max(0, Math.floor(seconds));
  const counts = units.map(([unit, size]) => {
    const n = Math.floor(rest / size);
    rest -= n * size;
    return { unit, n };
  });
  const first = counts.findIndex(({ n }) => n > 0);
  if (first < 0) return smallest === 'minute' ? words.underAMinute : `0 ${words.second}`;
  return counts
    .slice(first, first + 2)
    .filter(({ n }, i) => i === 0 || n > 0)
    .map(({ unit, n }) => `${n} ${words[unit]}`)
    .join(' ');
}
