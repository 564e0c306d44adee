/**
 * Ukrainian to Latin as the state writes it: the transliteration table of
 * Resolution of the Cabinet of Ministers of Ukraine No. 55 of 27 January 2010
 * (the one of passports and road signs), and ids made from names with it.
 * Pure.
 *
 * Its rules beyond one letter for one letter:
 * - є, ї, й, ю, я are ye, yi, y, yu, ya at the start of a word and ie, i, i,
 *   iu, ia elsewhere (Єнакієве → Yenakiieve, Стрий → Stryi, Юрій → Yurii);
 * - зг is zgh, so that it is not read as ж (Згорани → Zghorany);
 * - ь and the apostrophe are dropped (Знам'янка → Znamianka).
 *
 * A letter after an apostrophe is inside its word (the я of Знам'янка is
 * ia); after any other character that is not a letter (a space, a hyphen, a
 * quote) a new word starts. The Russian letters ё ъ ы э, which turn up in
 * spreadsheets typed on a Russian layout, are written as their nearest
 * Ukrainian sounds; they are not part of the official table. Anything else,
 * Latin letters and digits included, is kept as it is.
 */

/** The letters whose Latin form does not depend on their place in the word. */
const LETTERS: Record<string, string> = {
  а: 'a',
  б: 'b',
  в: 'v',
  г: 'h',
  ґ: 'g',
  д: 'd',
  е: 'e',
  ж: 'zh',
  з: 'z',
  и: 'y',
  і: 'i',
  к: 'k',
  л: 'l',
  м: 'm',
  н: 'n',
  о: 'o',
  п: 'p',
  р: 'r',
  с: 's',
  т: 't',
  у: 'u',
  ф: 'f',
  х: 'kh',
  ц: 'ts',
  ч: 'ch',
  ш: 'sh',
  щ: 'shch',
  ь: '',
  // Not Ukrainian letters (see above).
  ы: 'y',
  э: 'e',
  ъ: '',
};

/** The letters written one way at the start of a word and another elsewhere. */
const INITIAL: Record<string, [start: string, inside: string]> = {
  є: ['ye', 'ie'],
  ї: ['yi', 'i'],
  й: ['y', 'i'],
  ю: ['yu', 'iu'],
  я: ['ya', 'ia'],
  ё: ['yo', 'io'],
};

/** The apostrophe as people type it: ', ’ (the typographic one), ʼ (the Ukrainian letter apostrophe), ‘ and `. */
const APOSTROPHES = new Set(["'", '\u2019', '\u02BC', '\u2018', '`']);

const isCyrillic = (c: string) => c.toLowerCase() in LETTERS || c.toLowerCase() in INITIAL;
const isLetter = (c: string | undefined) => c !== undefined && /\p{L}/u.test(c);
const isUpper = (c: string | undefined) => c !== undefined && c !== c.toLowerCase() && c === c.toUpperCase();

/**
 * The text with its Ukrainian letters in Latin: «Макарихська гімназія» →
 * "Makarykhska himnaziia", «ЗГОРАНИ» → "ZGHORANY". Capitals stay capitals:
 * a capital letter whose neighbour is a capital too (a word in capitals) is
 * written in capitals, otherwise only its first Latin letter is (Щ → Shch).
 */
export function transliterate(text: string): string {
  const chars = [...text];
  let out = '';
  for (const [i, c] of chars.entries()) {
    const lower = c.toLowerCase();
    const before = chars[i - 1];
    if (APOSTROPHES.has(c) && isLetter(before) && isLetter(chars[i + 1])) continue;
    if (!isCyrillic(c)) {
      out += c;
      continue;
    }
    // A word starts after anything but a letter or an apostrophe inside the word.
    const startsWord = !isLetter(before) && !(before !== undefined && APOSTROPHES.has(before) && isLetter(chars[i - 2]));
    let latin: string;
    if (lower in INITIAL) latin = INITIAL[lower]![startsWord ? 0 : 1];
    else if (lower === 'г' && before?.toLowerCase() === 'з') latin = 'gh';
    else latin = LETTERS[lower]!;
    if (isUpper(c) && latin !== '') {
      const inCapitals = isUpper(before) || isUpper(chars[i + 1]);
      latin = inCapitals ? latin.toUpperCase() : latin[0]!.toUpperCase() + latin.slice(1);
    }
    out += latin;
  }
  return out;
}

/**
 * An id of the config made from a name: transliterated, lower-case, accents
 * dropped, every run of other characters a single "-", none at either end.
 * «Макарихська гімназія» → "makarykhska-himnaziia", «Free WiFi, парк» →
 * "free-wifi-park", «Ліцей №1» → "litsei-1". Empty when the name has no
 * letter or digit to make one of.
 */
export function slugId(text: string): string {
  return (
    transliterate(text)
      // № would decompose to "No": "ліцей №1" is litsei-1.
      .replaceAll('№', ' ')
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
  );
}
