/** The shared vocabulary (common/words): counts, durations, names and reasons as every text of Merezha writes them. */
import { describe, expect, it } from 'vitest';
import { formatDuration } from '../../common/words/duration.ts';
import { formatBytes } from '../../common/words/size.ts';
import { isLocale, LOCALES } from '../../common/words/locale.ts';
import { categoryHeading, institutionName, INSTITUTION_CATEGORIES, kindName, stateName, STATES } from '../../common/words/names.ts';
import { count, plural, type PluralForms } from '../../common/words/plural.ts';
import { localizeReason } from '../../common/words/reasons.ts';
import { alertText } from '../../server/alerts/messages.ts';
import type { Inventory, SubjectInfo } from '../../server/inventory.ts';

const CLIENT: PluralForms = {
  uk: { one: 'клієнт', few: 'клієнти', many: 'клієнтів', other: 'клієнта' },
  en: { one: 'client', other: 'clients' },
};

describe('counts', () => {
  it.each([
    [0, '0 клієнтів', '0 clients'],
    [1, '1 клієнт', '1 client'],
    [2, '2 клієнти', '2 clients'],
    [5, '5 клієнтів', '5 clients'],
    [11, '11 клієнтів', '11 clients'],
    [21, '21 клієнт', '21 clients'],
    [22, '22 клієнти', '22 clients'],
    [25, '25 клієнтів', '25 clients'],
    [41, '41 клієнт', '41 clients'],
    [111, '111 клієнтів', '111 clients'],
  ])('%d', (n, uk, en) => {
    expect(count(n, CLIENT.uk, 'uk')).toBe(uk);
    expect(count(n, CLIENT.en, 'en')).toBe(en);
  });

  it('declines 12-14 and 112 like 5, not like 2', () => {
    expect([12, 13, 14, 112].map((n) => plural(n, CLIENT.uk, 'uk'))).toEqual(['клієнтів', 'клієнтів', 'клієнтів', 'клієнтів']);
  });

  it('writes a fraction with a decimal comma and the form fractions take, choosing by the number as written', () => {
    expect(count(2.5, CLIENT.uk, 'uk')).toBe('2,5 клієнта');
    expect(count(2.46, CLIENT.uk, 'uk')).toBe('2,5 клієнта');
    expect(count(1.04, CLIENT.uk, 'uk')).toBe('1 клієнт');
    expect(count(2.5, CLIENT.en, 'en')).toBe('2.5 clients');
  });

  it('groups thousands the locale’s way', () => {
    expect(count(1241, CLIENT.uk, 'uk')).toBe('1\u00a0241 клієнт');
    expect(count(1241, CLIENT.en, 'en')).toBe('1,241 clients');
  });
});

describe('durations', () => {
  const M = 60;
  const H = 3600;
  const D = 86_400;

  it.each([
    [0, 'менше хвилини', 'under a minute'],
    [59, 'менше хвилини', 'under a minute'],
    [60, '1 хв', '1 min'],
    [11 * M + 59, '11 хв', '11 min'],
    [H, '1 год', '1 h'],
    [3 * H + 5 * M, '3 год 5 хв', '3 h 5 min'],
    [14 * H + 30 * M + 59, '14 год 30 хв', '14 h 30 min'],
    [D + 6 * H, '1 дн 6 год', '1 d 6 h'],
    // The minutes do not follow days: "2 дн 5 хв" would read more precise than it is.
    [2 * D + 5 * M, '2 дн', '2 d'],
  ])('%d s', (seconds, uk, en) => {
    expect(formatDuration(seconds, 'uk')).toBe(uk);
    expect(formatDuration(seconds, 'en')).toBe(en);
  });

  it('goes down to seconds where the dashboard asks', () => {
    expect(formatDuration(0, 'uk', 'second')).toBe('0 с');
    expect(formatDuration(12 * M + 3, 'uk', 'second')).toBe('12 хв 3 с');
    expect(formatDuration(45.7, 'en', 'second')).toBe('45 s');
    expect(formatDuration(H + 7, 'uk', 'second')).toBe('1 год');
  });

  it('treats a negative span (clocks apart) as none', () => {
    expect(formatDuration(-5, 'uk')).toBe('менше хвилини');
  });
});

describe('names', () => {
  it('has one word for every state, kind and category in both languages', () => {
    for (const locale of LOCALES) {
      for (const state of STATES) expect(stateName(state, locale)).toMatch(/\S/);
      for (const kind of ['uplink', 'wifi', 'institution', 'service'] as const) expect(kindName(kind, locale)).toMatch(/\S/);
      for (const category of INSTITUTION_CATEGORIES) {
        expect(institutionName(category, locale)).toMatch(/\S/);
        expect(categoryHeading(category, locale)).toMatch(/\S/);
      }
    }
  });

  it('says «недосяжний» for unreachable in the dashboard, the alerts and the reasons alike, never «недоступний»', () => {
    expect(stateName('unreachable', 'uk')).toBe('недосяжний');
    expect(localizeReason('now unreachable', 'uk')).toBe('тепер: недосяжний');
    const school: SubjectInfo = {
      key: 'school',
      type: 'device',
      id: 'school',
      name: 'Макарихська школа',
      kind: 'institution',
      category: 'school',
      children: [],
      reachBy: 'ping',
      hasSnmp: false,
      hasInterface: false,
      tags: {},
    };
    const inventory: Inventory = { subjects: new Map([['school', school]]), villages: new Map(), order: ['school'] };
    const { message } = alertText(
      {
        event: 'down',
        action: 'close',
        reminder: 0,
        subject: school,
        since: 0,
        until: 600_000,
        now: 600_000,
        state: 'unreachable',
        reason: 'cut off: uplink is down',
        unreachable: [],
        villageOffline: false,
      },
      { locale: 'uk', timeZone: 'Europe/Kyiv', inventory },
    );
    expect(message).toContain('Макарихська школа (школа): недосяжний.');
    expect(message).not.toContain('недоступний');
  });

  it('knows its locales', () => {
    expect(LOCALES[0]).toBe('uk');
    expect(['uk', 'en', 'de', undefined].map(isLocale)).toEqual([true, true, false, false]);
  });
});

describe('reasons in Ukrainian', () => {
  it.each([
    ['answers', 'відповідає'],
    ['no data yet', 'ще немає даних'],
    ['no answer to ping', 'не відповідає на ping'],
    ['no answer to ping (host unreachable)', 'не відповідає на ping (вузол недосяжний)'],
    [
      'no answer to SNMP (no answer within 2000 ms (agent down, blocked, or wrong community/user))',
      'не відповідає на SNMP (немає відповіді за 2000 мс (агент вимкнений, заблокований або неправильні community/користувач))',
    ],
    ['packet loss 35%, round trip 412 ms', 'втрати пакетів 35%, затримка 412 мс'],
    [
      'SNMP not answering (authentication failed (wrong SNMPv3 auth key?))',
      'SNMP не відповідає (помилка автентифікації (неправильний ключ SNMPv3?))',
    ],
    ['interface ether1 is down', 'інтерфейс ether1 не працює'],
    ['cut off: makarykha-uplink is down', 'відрізаний: не працює makarykha-uplink'],
    ['maintenance window', 'технічне обслуговування'],
    ['HTTP 503, expected 200 or 204', 'HTTP 503, очікувався 200 або 204'],
    ['connection refused', 'з’єднання відхилено'],
    ['timeout after 5000 ms', 'немає відповіді за 5000 мс'],
    ['aborted', 'перервано'],
    ['was cut off; waiting for an answer', 'був відрізаний; чекаємо відповіді'],
  ])('%s', (english, ukrainian) => {
    expect(localizeReason(english, 'uk')).toBe(ukrainian);
    expect(localizeReason(english, 'en')).toBe(english);
  });

  it('words why an alert record was not sent, without the episode key', () => {
    expect(localizeReason('part of down:ivankivtsi-uplink:1795342057379', 'uk')).toBe('надіслано разом з іншим сповіщенням');
    expect(localizeReason('part of down:ivankivtsi-uplink:1795342057379', 'en')).toBe('sent with another alert');
    expect(localizeReason('stopped flapping, down', 'uk')).toBe('зв’язок стабілізувався, стан: не працює');
  });

  it('names states inside a reason with the state words', () => {
    for (const state of STATES) expect(localizeReason(`now ${state}`, 'uk')).toBe(`тепер: ${stateName(state, 'uk')}`);
  });

  it('leaves what it does not know as it is', () => {
    expect(localizeReason('something new, packet loss 40%', 'uk')).toBe('something new, втрати пакетів 40%');
    expect(localizeReason('now sideways', 'uk')).toBe('тепер: sideways');
  });
});

describe('sizes', () => {
  it.each([
    [0, '0 Б', '0 B'],
    [1023, '1023 Б', '1023 B'],
    [1024, '1,0 КБ', '1.0 KB'],
    [150_000, '146,5 КБ', '146.5 KB'],
    [24.5 * 1024 ** 2, '24,5 МБ', '24.5 MB'],
    [3 * 1024 ** 4, '3,0 ТБ', '3.0 TB'],
  ])('%d bytes: %s, %s', (bytes, uk, en) => {
    expect(formatBytes(bytes, 'uk')).toBe(uk);
    expect(formatBytes(bytes, 'en')).toBe(en);
  });
});
