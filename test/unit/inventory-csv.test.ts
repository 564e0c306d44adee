/**
 * The inventory from a spreadsheet (config/inventory-csv.ts, common/csv.ts):
 * headers in English and Ukrainian, encodings and separators as spreadsheets
 * save them, dates and speeds as people type them, ids made from names, and
 * every mistake told at its line and column; then the edit of the config and
 * the loader's problems pointed back at rows.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEMO_CONFIG } from '../../cli/args.ts';
import { decodeSpreadsheet, readCsv, sniffDelimiter } from '../../common/csv.ts';
import { InventoryDocument } from '../../config/edit.ts';
import {
  applyInventory,
  columnOf,
  contextOf,
  describeRead,
  formatRowProblem,
  parseDate,
  parseMbps,
  readInventoryCsv,
  readInventorySpreadsheet,
  type InventoryFile,
} from '../../config/inventory-csv.ts';
import { loadConfig } from '../../config/load.ts';

const EXAMPLE = readFileSync(DEMO_CONFIG, 'utf8');
const context = contextOf(loadConfig(DEMO_CONFIG, {}));

/** Windows-1251, as old Excel saves "CSV": ASCII as it is, Cyrillic one byte a letter. */
function cp1251(text: string): Uint8Array {
  const special: Record<string, number> = { Ё: 0xa8, ё: 0xb8, Є: 0xaa, є: 0xba, І: 0xb2, і: 0xb3, Ї: 0xaf, ї: 0xbf, Ґ: 0xa5, ґ: 0xb4 };
  return Uint8Array.from(
    [...text].map((c) => {
      const code = c.codePointAt(0)!;
      if (code < 0x80) return code;
      if (code >= 0x410 && code <= 0x44f) return 0xc0 + code - 0x410;
      if (c in special) return special[c]!;
      throw new Error(`${c} has no Windows-1251 byte`);
    }),
  );
}

const problemsOf = (text: string, file = 'schools.csv') => readInventoryCsv(text, context).problems.map((p) => formatRowProblem(file, p));

describe('the columns of the header', () => {
  it.each([
    ['village', 'village'],
    ['Село', 'village'],
    ['  НАСЕЛЕНИЙ   ПУНКТ ', 'village'],
    ['назва', 'name'],
    ['Тип', 'kind'],
    ['вид', 'kind'],
    ['Категорія', 'category'],
    ['IP-адреса', 'host'],
    ['Адреса', 'host'],
    ['хост', 'host'],
    ['IP', 'host'],
    ['Провайдер', 'provider'],
    ['Батьківський пристрій', 'parent'],
    ['підключено до', 'parent'],
    ['bandwidth_mbps', 'bandwidth_mbps'],
    ['Швидкість (Мбіт/с)', 'bandwidth_mbps'],
    ['Смуга [Мбіт/с]', 'bandwidth_mbps'],
    ['Облікові дані (SNMP)', 'credential'],
    ['SNMP', 'credential'],
    ['Порт', 'port'],
    ['Інтерфейс', 'interface'],
    ['Виробник', 'vendor'],
    ['Встановлено', 'installed'],
    ['Дата встановлення:', 'installed'],
    ['clients_oid', 'clients_oid'],
    ['ID', 'id'],
    ['Публічний', 'public'],
    ['Примітка', 'note'],
    ['Провайдр', undefined],
  ])('%s → %s', (header, column) => {
    expect(columnOf(header)).toBe(column);
  });

  it('refuses an unknown column with a suggestion, a column twice, and a header without the columns a device needs', () => {
    expect(problemsOf('Село;Назва;Провайдр;IP;Адреса\nМакариха;X;ukrtelecom;127.0.0.1;127.0.0.2\n')).toEqual([
      'schools.csv:1 Провайдр: unknown column (did you mean "провайдер"?); the columns are id, village, name, kind, category, host, provider, parent, bandwidth_mbps, credential, port, interface, vendor, clients_oid, installed, public, power_group, invincibility_point, backup_power, backup_link (or their Ukrainian names, see merezha inventory --help), and remarks may go in a column "примітка"',
      'schools.csv:1 Адреса: is the same column as "IP"',
    ]);
    expect(problemsOf('Назва,Тип\nX,wifi\n')).toEqual([
      'schools.csv:1: the header has no village column («село»)',
      'schools.csv:1: the header has no host column («адреса»)',
    ]);
    expect(problemsOf('village,host\nМакариха,127.0.0.1\n')).toEqual([
      'schools.csv:1: the header has no name column («назва»), nor an id column',
    ]);
  });

  it('skips a column of remarks, and an unnamed column while it is empty', () => {
    const read = readInventoryCsv('village,name,kind,host,Примітка,\nМакариха,Точка,wifi,127.0.3.50,нова,\n', context);
    expect(read.problems).toEqual([]);
    expect(read.devices.map((d) => d.entry)).toEqual([{ id: 'tochka', name: 'Точка', kind: 'wifi', host: '127.0.3.50' }]);
    expect(problemsOf('village,name,kind,host,\nМакариха,Точка,wifi,127.0.3.50,x\n')).toEqual([
      'schools.csv:1: column 5 has no header, but rows have values in it: name it or remove it',
    ]);
  });
});

describe('encodings and separators', () => {
  const header = 'Село;Назва;Тип;Категорія;Адреса';
  const row = 'Макариха;Макарихська гімназія;заклад;гімназія;127.0.3.99';
  const text = `${header}\r\n${row}\r\n`;

  it('reads valid UTF-8 as UTF-8, with or without a byte order mark, and anything else as Windows-1251', () => {
    const utf8 = new TextEncoder().encode(text);
    expect(decodeSpreadsheet(utf8)).toEqual({ text, encoding: 'UTF-8' });
    expect(decodeSpreadsheet(Uint8Array.from([0xef, 0xbb, 0xbf, ...utf8]))).toEqual({ text, encoding: 'UTF-8 with BOM' });
    expect(decodeSpreadsheet(cp1251(text))).toEqual({ text, encoding: 'Windows-1251' });
    // Every letter of the Ukrainian alphabet comes through.
    const alphabet = 'АаБбВвГгҐґДдЕеЄєЖжЗзИиІіЇїЙйКкЛлМмНнОоПпРрСсТтУуФфХхЦцЧчШшЩщЬьЮюЯя';
    expect(decodeSpreadsheet(cp1251(alphabet))).toEqual({ text: alphabet, encoding: 'Windows-1251' });
  });

  it('refuses UTF-16, which Excel saves as "Unicode text"', () => {
    expect(decodeSpreadsheet(Uint8Array.from([0xff, 0xfe, 0x41, 0]))).toEqual({
      problem: 'the file is UTF-16 ("Unicode text"), not CSV: save it as "CSV UTF-8" or "CSV (comma delimited)"',
    });
  });

  it('finds the separator in the header, counting outside quotes', () => {
    expect(sniffDelimiter('a,b,c\n1;2;3;4;5\n')).toBe(',');
    expect(sniffDelimiter('a;b;c\n1,2,3,4,5\n')).toBe(';');
    expect(sniffDelimiter('"a, b, c";d;e\n')).toBe(';');
    expect(sniffDelimiter('"a; b; c",d,e\n')).toBe(',');
    expect(sniffDelimiter('\uFEFF\r\n\r\nСело;Назва\r\n')).toBe(';');
    expect(sniffDelimiter('one column\n')).toBe(',');
  });

  it('reads ";"-separated CSV with the same quoting rules, and "," by default', () => {
    expect(readCsv('a;"b;c";"d ""e"""\r\n1,5;2;3\r\n', { delimiter: ';' }).records).toEqual([
      { line: 1, fields: ['a', 'b;c', 'd "e"'] },
      { line: 2, fields: ['1,5', '2', '3'] },
    ]);
    expect(readCsv('a;b,c\n').records).toEqual([{ line: 1, fields: ['a;b', 'c'] }]);
  });

  it('says what it read', () => {
    const commas =
      '\uFEFFvillage,name,kind,category,host\r\nМакариха,Гімназія,заклад,школа,127.0.3.99\r\nМакариха,Ліцей,заклад,школа,127.0.3.98\r\n';
    for (const [bytes, said] of [
      [cp1251(text), "read data.csv as Windows-1251, ';'-separated, 1 row"],
      [new TextEncoder().encode(commas), "read data.csv as UTF-8 with BOM, ','-separated, 2 rows"],
    ] as const) {
      const read = readInventorySpreadsheet(bytes, context) as InventoryFile;
      expect(read.problems).toEqual([]);
      expect(describeRead('data.csv', read)).toBe(said);
    }
  });
});

describe('values as people type them', () => {
  it.each([
    ['2026-01-05', '2026-01-05'],
    ['05.01.2026', '2026-01-05'],
    ['5.1.2026', '2026-01-05'],
    ['29.02.2024', '2024-02-29'],
    ['29.02.2026', { problem: 'is not a real date (got "29.02.2026")' }],
    ['2026-13-01', { problem: 'is not a real date (got "2026-13-01")' }],
    ['31.04.2026', { problem: 'is not a real date (got "31.04.2026")' }],
    ['01/05/2026', { problem: 'must be a date as 2026-01-05 or 05.01.2026 (got "01/05/2026")' }],
    ['5 січня', { problem: 'must be a date as 2026-01-05 or 05.01.2026 (got "5 січня")' }],
  ])('date %s', (text, want) => {
    expect(parseDate(text)).toEqual(want);
  });

  it.each([
    ['100', 100],
    ['100,5', 100.5],
    ['100.5', 100.5],
    ['1 000', 1000],
    ['100 Мбіт/с', 100],
    ['50Mbps', 50],
    ['0', { problem: 'must be greater than 0 (got "0")' }],
    ['сто', { problem: 'must be a speed in Mbit/s, e.g. 100 or 100,5 (got "сто")' }],
    ['1,000,000', { problem: 'must be a speed in Mbit/s, e.g. 100 or 100,5 (got "1,000,000")' }],
  ])('bandwidth %s', (text, want) => {
    expect(parseMbps(text)).toEqual(want);
  });

  it('takes kinds, categories and vendors by their ids or their Ukrainian names, and a kind from a category', () => {
    const read = readInventoryCsv(
      [
        'Село;Назва;Тип;Категорія;Адреса;Виробник;SNMP;Публічний',
        'Макариха;Гімназія;;Гімназія;127.0.3.60;;;',
        'Макариха;Дитсадок;заклад;заклад дошкільної освіти;127.0.3.61;;;',
        'Макариха;ФАП-2;Заклад;ФАП;127.0.3.62;;;ні',
        'Макариха;Клуб;institution;Заклади культури;127.0.3.63;;;',
        'Макариха;Рада;;council;127.0.3.64;;;',
        'Макариха;Канал;канал зв’язку;;127.0.3.65;;;',
        'Макариха;Точка;Точка Free WiFi;;127.0.3.66;TP-Link;public-v2;так',
        'Макариха;Точка 2;wifi;;127.0.3.67;Ubiquiti;public-v2;yes',
      ].join('\n'),
      context,
    );
    expect(read.problems).toEqual([]);
    expect(read.devices.map((d) => [d.entry.id, d.entry.kind, d.entry.category ?? d.entry.vendor, d.entry.public])).toEqual([
      ['himnaziia', 'institution', 'school', undefined],
      ['dytsadok', 'institution', 'kindergarten', undefined],
      ['fap-2', 'institution', 'clinic', false],
      ['klub', 'institution', 'culture', undefined],
      ['rada', 'institution', 'council', undefined],
      ['kanal', 'uplink', undefined, undefined],
      ['tochka', 'wifi', 'tplink', true],
      ['tochka-2', 'wifi', 'unifi', true],
    ]);
  });

  it('takes a UPS with its vendor, the blackout queue and an Invincibility Point with its backups', () => {
    const read = readInventoryCsv(
      [
        'Село;Назва;Тип;Адреса;Виробник;SNMP;Черга;Пункт незламності;Резервне живлення;Резервний зв’язок',
        'Макариха;ДБЖ школи;ДБЖ;127.0.3.80;APC;public-v2;3.1;;;',
        'Макариха;ДБЖ ради;бесперебійник;127.0.3.81;RFC 1628;public-v2;черга 3,2;;;',
        'Макариха;ЦНАП;канал;127.0.3.82;;;;так;генератор;Starlink',
        'Макариха;Клуб;канал;127.0.3.83;;;;так;немає;мобільний',
      ].join('\n'),
      context,
    );
    expect(read.problems).toEqual([]);
    expect(read.devices.map((d) => d.entry)).toMatchObject([
      { kind: 'ups', vendor: 'apc', power_group: '3.1' },
      { kind: 'ups', vendor: 'ups-mib', power_group: '3.2' },
      { kind: 'uplink', invincibility_point: true, backup_power: 'generator', backup_link: 'starlink' },
      { kind: 'uplink', invincibility_point: true, backup_power: 'none', backup_link: 'mobile' },
    ]);
  });

  it('refuses a UPS vendor on an access point, a UPS without its vendor, a wrong queue, and backups of a device that is no point', () => {
    const problems = problemsOf(
      [
        'village,name,kind,host,vendor,credential,power_group,backup_link',
        'makarykha,A,wifi,127.0.3.90,apc,public-v2,,',
        'makarykha,B,ups,127.0.3.91,,public-v2,,',
        'makarykha,C,ups,127.0.3.92,apc,,7.1,',
        'makarykha,D,uplink,127.0.3.93,,,,starlink',
      ].join('\n'),
    );
    expect(problems).toEqual([
      'schools.csv:2 vendor: apc only applies to kind ups, not wifi',
      'schools.csv:3 vendor: a UPS needs its vendor in a vendor column, one of: ups-mib, apc',
      "schools.csv:4 vendor: needs SNMP to read the UPS's power (apc): fill in the credential",
      'schools.csv:4 power_group: must be a blackout queue 1.1 … 6.2, e.g. 3.1 (got "7.1")',
      'schools.csv:5 backup_link: only applies to an Invincibility Point: mark the row in an invincibility_point column',
    ]);
  });

  it('writes the SNMP port as a number and an interface as its index when it is a number', () => {
    const read = readInventoryCsv(
      'village,name,kind,host,credential,port,interface\nmakarykha,A,uplink,127.0.3.70,public-v2,1161,ether1\nmakarykha,B,uplink,127.0.3.71,PUBLIC-V2,,3\n',
      context,
    );
    expect(read.problems).toEqual([]);
    expect(read.devices.map((d) => d.entry.snmp)).toEqual([
      { credential: 'public-v2', port: 1161, interface: 'ether1' },
      { credential: 'public-v2', interface: 3 },
    ]);
  });
});

describe('villages', () => {
  it('finds a village of the config by id or name (with or without «с.»), and adds a new one once, by its name', () => {
    const read = readInventoryCsv(
      [
        'village,name,kind,host',
        'makarykha,A,uplink,127.0.3.80',
        'Макариха,B,uplink,127.0.3.81',
        'с. Цибулеве,C,uplink,127.0.2.80',
        'с. Нова Осота,D,uplink,127.0.9.1',
        'Нова  Осота,E,uplink,127.0.9.2',
      ].join('\n'),
      context,
    );
    expect(read.problems).toEqual([]);
    expect(read.devices.map((d) => [d.entry.id, d.village])).toEqual([
      ['a', 'makarykha'],
      ['b', 'makarykha'],
      ['c', 'tsybuleve'],
      ['d', 'nova-osota'],
      ['e', 'nova-osota'],
    ]);
    expect(read.villages).toEqual([{ id: 'nova-osota', name: 'с. Нова Осота', line: 5, column: 'village' }]);
  });

  it('refuses an id that is not a village, and a new name that would take the id of another village', () => {
    expect(
      problemsOf('village,name,kind,host\nmakaryha,A,uplink,127.0.3.80\nMakarykha,B,uplink,127.0.3.81\n,C,uplink,127.0.3.82\n'),
    ).toEqual([
      'schools.csv:2 village: no village "makaryha" in the config (did you mean "makarykha"?); to add a village, write its name',
      'schools.csv:3 village: a new village "Makarykha" would get the id "makarykha" of the village «Макариха»: write "makarykha" to add the device there',
      'schools.csv:4 village: is empty: name the village (as in the config, or a new one to add)',
    ]);
  });
});

describe('ids', () => {
  it('makes ids from names by the official transliteration, or takes them from an id column', () => {
    const read = readInventoryCsv(
      'Село;Назва;ID;Тип;Категорія;Адреса\nМакариха;Макарихська гімназія;;заклад;школа;127.0.3.99\nМакариха;Знам’янська бібліотека;lib-2;заклад;бібліотека;127.0.3.98\n',
      context,
    );
    expect(read.problems).toEqual([]);
    expect(read.devices.map((d) => [d.entry.id, d.columns.id])).toEqual([
      ['makarykhska-himnaziia', 'Назва'],
      ['lib-2', 'ID'],
    ]);
  });

  it('refuses an id taken by the config or by an earlier row, and says how to tell them apart; never adds a suffix', () => {
    expect(
      problemsOf(
        [
          'Село,Назва,id,Тип,Адреса',
          'Макариха,"Free WiFi, парк",,wifi,127.0.3.90',
          'Цибулеве,"Free WiFi, парк",,wifi,127.0.2.90',
          'Макариха,Makarykha School,,wifi,127.0.3.91',
          'Макариха,Школа,makarykha-school,wifi,127.0.3.92',
          'Макариха,Друга,free-wifi-park,wifi,127.0.3.93',
          'Макариха,Bad Id,Bad Id,wifi,127.0.3.94',
          'Макариха,!!!,,wifi,127.0.3.95',
          'Макариха,,,wifi,127.0.3.96',
        ].join('\n'),
      ),
    ).toEqual([
      'schools.csv:3 Назва: makes the id "free-wifi-park", which is also the id of the device on line 2; ids are unique: give the row an id (an id column) or a more specific name',
      'schools.csv:4 Назва: makes the id "makarykha-school", which is already a device of the config (in «Макариха»; this import only adds devices): give the row an id (an id column) or a more specific name',
      'schools.csv:5 id: "makarykha-school" is already a device of the config (in «Макариха»; this import only adds devices)',
      'schools.csv:6 id: "free-wifi-park" is also the id of the device on line 2; ids are unique',
      'schools.csv:7 id: must be lower-case letters, digits, "-" or "_", starting with a letter or digit (got "Bad Id")',
      'schools.csv:8 Назва: has no letter or digit to make an id of: give the row an id (an id column)',
      'schools.csv:9 Назва: is empty: a device needs a name (or an id)',
    ]);
  });
});

describe('mistakes, each at its line and column', () => {
  it('tells every mistake of every row, by line, the column named as the header writes it', () => {
    const text = [
      'Село;Назва;Тип;Категорія;IP-адреса;Провайдер;Підключено до;Швидкість (Мбіт/с);Облікові дані;Порт;Інтерфейс;Виробник;Дата встановлення',
      'Макариха;Гімназія;заклад;школа;127.0.3.99;Укртелеком;makarykha-uplink-ukrtelecom;100,5;public-v2;1161;ether1;;05.01.2026',
      'Макариха;Ліцей;заклад;університет;127.0.3.300;Воля;makarykha-uplnk;швидко;public;99999;;;31.02.2026',
      'Макариха;Точка;точка доступу;школа;127.0.3.97;;;;;;eth0;MikroTik;',
      'Макариха;Точка 2;wifi;;127.0.3.96;;;;public-v2;;;generic;',
      'Макариха;Заклад без категорії;заклад;;127.0.3.95;;;;;;;;',
      'Макариха;Роутер;роутер;;;;;;;;;;',
      '"Макариха";Канал A;uplink;;127.0.3.94;;Канал B;;;;;;',
      'Макариха;Канал B;uplink;;127.0.3.93;;Канал A;;;;;;',
      'Макариха;Сам собі;uplink;;127.0.3.92;;sam-sobi;;;;;;',
      'Макариха;Зайве;uplink;;127.0.3.91;;;;;;;;;x',
      'Макариха;"Незакрите;uplink;;127.0.3.90',
    ].join('\r\n');
    expect(problemsOf(text)).toEqual([
      'schools.csv:3 Категорія: must be one of: school («школа»), kindergarten («заклад дошкільної освіти»), clinic («медичний заклад»), library («бібліотека»), culture («заклад культури»), council («рада / старостат»), cnap («ЦНАП»), other («заклад») (got "університет")',
      'schools.csv:3 IP-адреса: is not a valid IPv4 address (four numbers 0-255)',
      'schools.csv:3 Провайдер: unknown provider "Воля": the config\'s providers are ukrtelecom («Укртелеком»), prostonet («ProstoNet»), kyivstar («Київстар (4G)»), starlink («Starlink»); add a new one to providers: in the config first',
      'schools.csv:3 Підключено до: unknown device "makarykha-uplnk" (did you mean "makarykha-uplink-lte"?): a parent is a device of the config or a row of this file',
      'schools.csv:3 Швидкість (Мбіт/с): must be a speed in Mbit/s, e.g. 100 or 100,5 (got "швидко")',
      'schools.csv:3 Облікові дані: unknown credential "public" (did you mean "public-v2"?): the config\'s snmp_credentials are public-v2, wifi-v3',
      'schools.csv:3 Порт: must be a UDP port, 1-65535 (got "99999")',
      'schools.csv:3 Дата встановлення: is not a real date (got "31.02.2026")',
      'schools.csv:4 Категорія: only applies to kind institution, not wifi',
      'schools.csv:4 Інтерфейс: is read over SNMP: it needs the credential too',
      'schools.csv:4 Виробник: needs SNMP to read the clients of a mikrotik access point: fill in the credential',
      'schools.csv:5 Виробник: generic needs the OID of its client count in a clients_oid column',
      'schools.csv:6 Категорія: is empty: an institution needs its category, one of: school («школа»), kindergarten («заклад дошкільної освіти»), clinic («медичний заклад»), library («бібліотека»), culture («заклад культури»), council («рада / старостат»), cnap («ЦНАП»), other («заклад»)',
      'schools.csv:7 Тип: must be one of: uplink («канал зв’язку»), wifi («точка Free WiFi»), institution («заклад»), ups («ДБЖ») (got "роутер")',
      'schools.csv:7 IP-адреса: is empty: a device needs the address it is pinged and polled at',
      'schools.csv:8 Підключено до: parents form a loop: kanal-a → kanal-b → kanal-a',
      'schools.csv:9 Підключено до: parents form a loop: kanal-b → kanal-a → kanal-b',
      'schools.csv:10 Підключено до: a device cannot be its own parent',
      'schools.csv:11: has 14 values, the header has 13 columns (a value holding ";" must be in double quotes)',
      'schools.csv:12: a quoted field is not closed (a double quote is missing)',
    ]);
  });

  it('gives the example of the brief exactly', () => {
    expect(problemsOf('village,name,kind,category,host\n\n\n\n\n\nМакариха,Школа,institution,school,10.0.0.256\n')).toEqual([
      'schools.csv:7 host: is not a valid IPv4 address (four numbers 0-255)',
    ]);
  });

  it('refuses an empty file and a file with a header alone', () => {
    expect(problemsOf('')).toEqual(['schools.csv:1: the file is empty: it needs a header line and a row per device']);
    expect(problemsOf('village;name;kind;host\r\n;;;\r\n')).toEqual([
      'schools.csv:1: there are no rows under the header: nothing to import',
    ]);
  });
});

describe('applyInventory', () => {
  it('adds the villages and devices to the document, which then loads; comments stay', () => {
    const doc = InventoryDocument.parse(EXAMPLE, 'hromada.yaml');
    const read = readInventoryCsv(
      'Село;Назва;Тип;Категорія;Адреса;Підключено до\nМакариха;Макарихська гімназія;заклад;школа;127.0.3.99;Макариха, канал Укртелеком\nНова Осота;Нова Осота, оптика;канал;;127.0.9.1;\n',
      context,
    );
    expect(read.problems).toEqual([]);
    const applied = applyInventory(doc, read, {});
    expect(applied.ok).toBe(true);
    if (!applied.ok) return;
    const village = applied.config.villages.find((v) => v.id === 'nova-osota');
    expect(village?.devices.map((d) => d.id)).toEqual(['nova-osota-optyka']);
    expect(applied.config.villages.find((v) => v.id === 'makarykha')?.devices.at(-1)).toMatchObject({
      id: 'makarykhska-himnaziia',
      parent: 'makarykha-uplink-ukrtelecom',
    });
    const comments = (text: string) => text.split('\n').filter((l) => l.trim().startsWith('#'));
    expect(comments(doc.toString())).toEqual(comments(EXAMPLE));
  });

  it("points the loader's problems at the row and column that made them, and the rest at the config", () => {
    const doc = InventoryDocument.parse(EXAMPLE, 'hromada.yaml');
    const columns = { id: 'Назва', name: 'Назва', kind: 'Тип', host: 'IP', vendor: 'Виробник', provider: 'Провайдер' };
    const applied = applyInventory(
      doc,
      {
        villages: [{ id: 'nove', name: 'Нове', line: 3, column: 'Село' }],
        devices: [
          // Rows readInventoryCsv would have refused, to see what the loader says of them.
          { line: 2, village: 'makarykha', entry: { id: 'ap', kind: 'wifi', host: '127.0.3.88', vendor: 'mikrotik' }, columns },
          { line: 3, village: 'nove', entry: { id: 'up', kind: 'uplink', host: '127.0.9.9', provider: 'volia' }, columns },
        ],
      },
      {},
    );
    expect(applied).toEqual({
      ok: false,
      rows: [
        { line: 2, column: 'Виробник', message: 'is required to read Wi-Fi clients from vendor mikrotik' },
        { line: 3, column: 'Провайдер', message: 'unknown provider "volia"' },
      ],
      other: [],
    });
  });

  it('tells an edit the document refuses at its row', () => {
    const doc = InventoryDocument.parse(EXAMPLE, 'hromada.yaml');
    const applied = applyInventory(
      doc,
      {
        villages: [],
        devices: [{ line: 4, village: 'nowhere', entry: { id: 'x', kind: 'uplink', host: '127.0.0.1' }, columns: { id: 'name' } }],
      },
      {},
    );
    expect(applied).toEqual({ ok: false, rows: [{ line: 4, column: 'name', message: 'no village "nowhere"' }], other: [] });
  });
});
