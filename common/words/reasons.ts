/**
 * The state engine's reasons ("no answer to ping", "packet loss 35%", "cut
 * off: x is down") and the alert planner's reasons for not sending a record
 * are English, as they are stored and logged. People read them in the
 * hromada's language: this puts each known phrase into Ukrainian, part by
 * part, and leaves anything it does not know as it is. Pure; the dashboard
 * and the alerts use it.
 */
import type { Locale } from './locale.ts';
import { stateName, STATES, type State } from './names.ts';

type Rule = [RegExp, (m: RegExpExecArray, inner: (s: string) => string) => string];

const isState = (word: string): word is State => STATES.includes(word as State);
const stateUk = (word: string) => (isState(word) ? stateName(word, 'uk') : word);

/** Why a recovery was recorded but not sent: the planner's internal words, one of them naming an episode key. */
const PART_OF = /^part of \S+$/;

/** Whole phrases first, then the ones with values; `inner` translates text in parentheses. */
const UK: Rule[] = [
  [PART_OF, () => 'надіслано разом з іншим сповіщенням'],
  [/^flapping$/, () => 'нестабільний зв’язок'],
  [/^maintenance$/, () => 'обслуговування'],
  [/^certificate renewed$/, () => 'сертифікат оновлено'],
  [/^now (\w+)$/, (m) => `тепер: ${stateUk(m[1]!)}`],
  [/^stopped flapping, (\w+)$/, (m) => `зв’язок стабілізувався, стан: ${stateUk(m[1]!)}`],
  [/^no rule sends recoveries there$/, () => 'жодне правило не надсилає туди відновлення'],
  [/^answers$/, () => 'відповідає'],
  [/^no data yet$/, () => 'ще немає даних'],
  [/^maintenance window$/, () => 'технічне обслуговування'],
  [/^was cut off; waiting for an answer$/, () => 'був відрізаний; чекаємо відповіді'],
  [/^closed after a restart$/, () => 'закрито після перезапуску'],
  [/^check failed$/, () => 'перевірка не пройшла'],
  [/^no answer to (ping|SNMP)(?: \((.*)\))?$/, (m, inner) => `не відповідає на ${m[1]}${m[2] ? ` (${inner(m[2])})` : ''}`],
  [/^SNMP not answering \((.*)\)$/, (m, inner) => `SNMP не відповідає (${inner(m[1]!)})`],
  [/^packet loss (\d+)%$/, (m) => `втрати пакетів ${m[1]}%`],
  [/^round trip (\d+) ms$/, (m) => `затримка ${m[1]} мс`],
  [/^interface (.*) is down$/, (m) => `інтерфейс ${m[1]} не працює`],
  [/^cut off: (.*) is down$/, (m) => `відрізаний: не працює ${m[1]}`],
  [/^expected (.*)$/, (m) => `очікувався ${m[1]!.replace(/ or /g, ' або ')}`],
  [/^no answer within (\d+) ms(?: \((.*)\))?$/, (m, inner) => `немає відповіді за ${m[1]} мс${m[2] ? ` (${inner(m[2])})` : ''}`],
  [/^agent down, blocked, or wrong community\/user$/, () => 'агент вимкнений, заблокований або неправильні community/користувач'],
  [/^authentication failed \(wrong SNMPv3 auth key\?\)$/, () => 'помилка автентифікації (неправильний ключ SNMPv3?)'],
  [/^community in the reply does not match$/, () => 'community у відповіді не збігається'],
  [/^malformed reply(.*)$/, (m) => `пошкоджена відповідь${m[1]}`],
  [/^connection refused$/, () => 'з’єднання відхилено'],
  [/^connection reset$/, () => 'з’єднання розірвано'],
  [/^connection timed out$/, () => 'час очікування з’єднання вичерпано'],
  [/^host unreachable$/, () => 'вузол недосяжний'],
  [/^network unreachable$/, () => 'мережа недосяжна'],
  [/^host not found$/, () => 'вузол не знайдено'],
  [/^DNS lookup failed$/, () => 'помилка DNS'],
  [/^TLS handshake failed$/, () => 'помилка TLS'],
  [/^invalid HTTP response$/, () => 'некоректна відповідь HTTP'],
  [/^timed out$/, () => 'час очікування вичерпано'],
  [/^timeout after (\d+) ms$/, (m) => `немає відповіді за ${m[1]} мс`],
  [/^aborted$/, () => 'перервано'],
];

/** Splits at ", " outside parentheses: "packet loss 35%, round trip 400 ms". */
function parts(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (c === ',' && text[i + 1] === ' ' && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 2;
    }
  }
  out.push(text.slice(start));
  return out;
}

function phrase(text: string): string | undefined {
  for (const [re, render] of UK) {
    const m = re.exec(text);
    if (m) return render(m, ukrainian);
  }
  return undefined;
}

/** The whole text as one phrase if it is one (some hold commas), else part by part. */
function ukrainian(text: string): string {
  return (
    phrase(text) ??
    parts(text)
      .map((part) => phrase(part) ?? part)
      .join(', ')
  );
}

export function localizeReason(reason: string, locale: Locale): string {
  if (locale === 'uk') return ukrainian(reason);
  return PART_OF.test(reason) ? 'sent with another alert' : reason;
}
