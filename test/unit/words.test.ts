/** The shared vocabulary (common/words): counts, durations, names and reasons as every text of Merezha writes them. */
import { describe, expect, it } from 'vitest';
import { discoveryWords, type DiscoveryWords } from '../../common/words/discovery.ts';
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

describe('what discovery says', () => {
  const uk = discoveryWords('uk');
  const en = discoveryWords('en');

  it('why a vendor: the MIB that answered and whose the sysObjectID is, or why none', () => {
    const tplink = uk.objectId({ what: 'enterprise', oid: '1.3.6.1.4.1.11863.3.2.10', enterprise: 11863, maker: 'TP-Link' });
    expect(uk.vendorByMib('TP-Link EAP client count', [], tplink)).toBe(
      'відповідає TP-Link EAP client count; sysObjectID 1.3.6.1.4.1.11863.3.2.10 належить TP-Link (номер підприємства 11863)',
    );
    expect(uk.vendorByMib('A-MIB', ['B-MIB', 'C-MIB'], uk.objectId({ what: 'none' }))).toBe(
      'відповідає A-MIB (а також B-MIB і C-MIB); агент не повідомляє свого sysObjectID',
    );
    const linux = { what: 'net-snmp-linux', oid: '1.3.6.1.4.1.8072.3.2.10' } as const;
    expect(uk.vendorNone(uk.objectId(linux), ['A-MIB', 'B-MIB'])).toBe(
      'sysObjectID 1.3.6.1.4.1.8072.3.2.10 — це агент Net-SNMP на Linux, який працює на пристроях багатьох виробників, і жодна MIB виробників не відповідає (опитано: A-MIB, B-MIB)',
    );
    expect(uk.objectId({ what: 'enterprise', oid: '1.3.6.1.4.1.99999.1', enterprise: 99999, maker: null })).toBe(
      'sysObjectID 1.3.6.1.4.1.99999.1 належить підприємству з номером 99999, якого Мережа не знає',
    );
    // English as the CLI prints it.
    expect(en.vendorByMib('A-MIB', ['B-MIB'], en.objectId(linux))).toBe(
      "A-MIB answers (B-MIB answers too); sysObjectID 1.3.6.1.4.1.8072.3.2.10 is Net-SNMP's agent on Linux, which many devices run",
    );
    expect(en.vendorByMib('A-MIB', ['B-MIB', 'C-MIB'], en.objectId({ what: 'none' }))).toBe(
      'A-MIB answers (B-MIB, C-MIB answer too); the agent gives no sysObjectID',
    );
  });

  it('why a kind, with the kind and category names of the dashboard', () => {
    expect(uk.kindWifi('UBNT-UniFi-MIB unifiVapTable')).toBe('відповідає його Wi-Fi MIB (UBNT-UniFi-MIB unifiVapTable): це точка доступу');
    expect(uk.kindInstitution('Макарихська гімназія', 'гімназ', 'school')).toBe(
      'жодна Wi-Fi MIB не відповідає, а назва «Макарихська гімназія» вказує на заклад («гімназ» — категорія «школа»)',
    );
    expect(uk.kindUplink('neighbours')).toMatch(
      new RegExp(
        `^жодна Wi-Fi MIB не відповідає, назва не вказує на заклад, а пристрій має сусідів LLDP/CDP: .*«${kindName('uplink', 'uk')}» \\(uplink\\)`,
      ),
    );
    expect(uk.categoryGuess('kindergarten')).toBe(`категорію «${institutionName('kindergarten', 'uk')}» вгадано з назви: перевірте її`);
    expect(en.kindInstitution('school-gw', 'school', 'school')).toBe(
      'no Wi-Fi MIB answers and its name "school-gw" names an institution ("school": category school)',
    );
  });

  it('counts rows and bytes with the plural forms of each language', () => {
    expect([1, 2, 5, 11, 21, 24].map((n) => uk.lldpEmptyRows(n).split(' (')[0])).toEqual([
      'у lldpRemTable 1 порожній рядок',
      'у lldpRemTable 2 порожні рядки',
      'у lldpRemTable 5 порожніх рядків',
      'у lldpRemTable 11 порожніх рядків',
      'у lldpRemTable 21 порожній рядок',
      'у lldpRemTable 24 порожні рядки',
    ]);
    expect(uk.lldpMalformedRows(3)).toMatch(/^у lldpRemTable 3 рядки з індексом не у форматі timeMark\.localPortNum\.index/);
    expect([1, 3, 12, 640_000, 2_500_000, 7_340_000_000].map((n) => /: ([^:]*) в обидва боки/.exec(uk.busiest('…', n))?.[1])).toEqual([
      '1 байт',
      '3 байти',
      '12 байтів',
      '640\u00a0000 байтів',
      '2,5 МБ',
      '7,3 ГБ',
    ]);
    expect([1, 2].map((n) => en.lldpEmptyRows(n).split(' (')[0])).toEqual([
      'lldpRemTable has 1 empty row',
      'lldpRemTable has 2 empty rows',
    ]);
    expect(en.busiest('no default route', 2_500_000)).toBe(
      'no default route: the busiest interface that is up (2.5 MB in and out since its counters started), loopback skipped',
    );
  });

  it('puts the SNMP client’s own words into Ukrainian inside a note', () => {
    expect(uk.tablesFailed(['LLDP-MIB', 'CISCO-CDP-MIB'], 'malformed reply: bad length')).toBe(
      'LLDP-MIB, CISCO-CDP-MIB: пошкоджена відповідь: bad length',
    );
    expect(en.tablesFailed(['LLDP-MIB'], 'malformed reply: bad length')).toBe('LLDP-MIB: malformed reply: bad length');
  });

  it('has every sentence in Ukrainian (the compiler asks for each here)', () => {
    const seen = { protocol: 'cdp', name: 'sw', local_port: 'gi1/0/2', device: 'sw', matched_by: 'address' } as const;
    const every = (w: DiscoveryWords): Record<keyof DiscoveryWords, string> => ({
      objectId: w.objectId({ what: 'outside', oid: '1.3.6.1.2.1.1' }),
      vendorByMib: w.vendorByMib('A-MIB', [], 'x'),
      vendorByObjectId: w.vendorByObjectId('x', 'A-MIB'),
      vendorShared: w.vendorShared('x', ['unifi', 'airmax'], ['A-MIB', 'B-MIB']),
      vendorNone: w.vendorNone('x', ['A-MIB']),
      kindWifi: w.kindWifi('A-MIB'),
      kindUps: w.kindUps('UPS-MIB (RFC 1628) upsOutputSource'),
      vendorUps: w.vendorUps('PowerNet-MIB (APC) upsBasicOutputStatus', 'x'),
      kindInstitution: w.kindInstitution('ФАП', 'фап', 'clinic'),
      kindUplink: w.kindUplink('answers'),
      categoryGuess: w.categoryGuess('culture'),
      noIfMib: w.noIfMib,
      noIfXTable: w.noIfXTable,
      noIfTable: w.noIfTable,
      v1Counters32: w.v1Counters32,
      v1NoCounters: w.v1NoCounters,
      no64bitCounters: w.no64bitCounters('2c'),
      noOctetCounters: w.noOctetCounters,
      speedCeiling: w.speedCeiling,
      noInterfaces: w.noInterfaces,
      routeOut: w.routeOut('ipRouteTable'),
      noDefaultRoute: w.noDefaultRoute,
      routeElsewhere: w.routeElsewhere('ipRouteTable', 4, false),
      noneUp: w.noneUp(w.noDefaultRoute),
      firstUp: w.firstUp(w.noDefaultRoute),
      busiest: w.busiest(w.noDefaultRoute, 5e9),
      lldpMalformedRows: w.lldpMalformedRows(5),
      lldpEmptyRows: w.lldpEmptyRows(1),
      noNeighbours: w.noNeighbours,
      noConfig: w.noConfig(['sw']),
      noneConfigured: w.noneConfigured(['sw']),
      childrenOnly: w.childrenOnly(['sw']),
      parent: w.parent(seen, ['ap']),
      severalParents: w.severalParents(['sw', 'ap'], 'several'),
      noSystemGroup: w.noSystemGroup,
      wifiUnread: w.wifiUnread('timed out'),
      powerUnread: w.powerUnread('upsAdvBatteryRunTimeRemaining (1.3.6.1.4.1.318.1.1.1.2.2.3.0)'),
      tablesFailed: w.tablesFailed(['IF-MIB'], 'timed out'),
      walkDeadline: w.walkDeadline(30),
      placeholderCredential: w.placeholderCredential('snmp-v3', '3'),
      vendorNotConfigured: w.vendorNotConfigured('tplink'),
      airmaxLink: w.airmaxLink,
      refusesEvery: w.refusesEvery('timed out'),
    });
    const english = every(en);
    for (const [key, text] of Object.entries(every(uk))) {
      expect(text, key).toMatch(/[а-щьюяєіїґ]/i);
      expect(text, key).not.toMatch(/\b(the|and|answers?|is|no|not|its|of|with|timed out)\b/);
      expect(text, key).not.toBe(english[key as keyof DiscoveryWords]);
    }
  });
});
