/**
 * `merezha import` before it touches a database: the CSV reader, ISO times in
 * the hromada's zone, every problem of an outages file with its line, the
 * range, the points and the summary, and how imported spans add to
 * monitored time.
 */
import { describe, expect, it } from 'vitest';
import { checkPoint } from '../../storage/point-check.ts';
import { readCsv } from '../../common/csv.ts';
import { formatLocalTime, formatUtc, parseIsoTime } from '../../common/iso-time.ts';
import { importPoints, importRange, importSummary } from '../../server/backfill/import-plan.ts';
import { readOutagesFile, type ImportedOutage } from '../../server/backfill/outages-csv.ts';
import { buildInventory } from '../../server/inventory.ts';
import { withImportedTime } from '../../server/store/availability-store.ts';
import { testConfig } from '../support/config.ts';

const KYIV = 'Europe/Kyiv';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Midnight in Kyiv (UTC+2 in winter). */
const JAN_1 = Date.UTC(2025, 11, 31, 22);
const MAR_1 = Date.UTC(2026, 1, 28, 22);
const RANGE = { from: JAN_1, to: MAR_1 };

const inventory = buildInventory(
  testConfig({
    villages: [
      {
        id: 'makarykha',
        name: 'Макариха',
        devices: [
          { id: 'makarykha-uplink', kind: 'uplink', host: '127.0.60.1' },
          { id: 'makarykha-school', kind: 'institution', category: 'school', host: '127.0.60.2', parent: 'makarykha-uplink' },
        ],
      },
      { id: 'yasne', name: 'Ясне', devices: [{ id: 'yasne-uplink', kind: 'uplink', host: '127.0.61.1', provider: 'fibre' }] },
    ],
    providers: [{ id: 'fibre', name: 'Оптика' }],
    services: [{ id: 'website', name: 'Сайт громади', url: 'https://example.org/' }],
  }),
);

const read = (text: string, range = RANGE) => readOutagesFile(text, { file: 'outages.csv', inventory, range, timeZone: KYIV });

describe('CSV reader', () => {
  it('reads RFC 4180: BOM, CRLF, quotes with commas, doubled quotes and line breaks, blank lines skipped', () => {
    const text = '\uFEFFa,b,c\r\n"x, y","say ""hi""",\r\n\r\n  \r\n"two\r\nlines",2,3\r\nlast,"",z';
    expect(readCsv(text)).toEqual({
      records: [
        { line: 1, fields: ['a', 'b', 'c'] },
        { line: 2, fields: ['x, y', 'say "hi"', ''] },
        { line: 5, fields: ['two\nlines', '2', '3'] },
        { line: 7, fields: ['last', '', 'z'] },
      ],
      problems: [],
    });
  });

  it('takes LF and lone CR line ends, spaces around quoted fields', () => {
    expect(readCsv('a,b\nc, "d" \re,f\n').records).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['c', 'd'] },
      { line: 3, fields: ['e', 'f'] },
    ]);
  });

  it('reports broken quoting at the line where the record starts, and reads on', () => {
    const { records, problems } = readCsv('a,b\nab"c,d\n"x"y,z\nok,1\n"open,\nnever closed');
    expect(records).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 4, fields: ['ok', '1'] },
    ]);
    expect(problems).toEqual([
      { line: 2, message: 'a double quote inside a field that does not start with one (put the field in quotes and double the quote)' },
      { line: 3, message: 'text after the closing quote of a field (a quote inside a field is written "")' },
      { line: 5, message: 'a quoted field is not closed (a double quote is missing)' },
    ]);
  });
});

describe('ISO 8601 times', () => {
  it('reads a time without an offset in the given zone, with its daylight saving', () => {
    expect(parseIsoTime('2026-01-05T14:30', KYIV)).toBe(Date.UTC(2026, 0, 5, 12, 30));
    expect(parseIsoTime('2026-07-05 14:30', KYIV)).toBe(Date.UTC(2026, 6, 5, 11, 30));
    expect(parseIsoTime('2026-01-05', KYIV)).toBe(Date.UTC(2026, 0, 4, 22));
    expect(parseIsoTime('2026-01-05T14:30:15.25', KYIV)).toBe(Date.UTC(2026, 0, 5, 12, 30, 15, 250));
    expect(parseIsoTime('2026-01-05T14:30', 'UTC')).toBe(Date.UTC(2026, 0, 5, 14, 30));
  });

  it('takes Z or an offset as written, whatever the zone', () => {
    const t = Date.UTC(2026, 0, 5, 12, 30);
    for (const text of [
      '2026-01-05T12:30Z',
      '2026-01-05t12:30z',
      '2026-01-05T14:30+02:00',
      '2026-01-05T14:30+0200',
      '2026-01-05T14:30+02',
      '2026-01-05T07:30-05:00',
    ]) {
      expect(parseIsoTime(text, KYIV), text).toBe(t);
    }
  });

  it('refuses what is not a time, or a day or hour that does not exist', () => {
    for (const text of [
      '2026-13-01',
      '2026-02-29',
      '2026-01-05T24:00',
      '2026-01-05T14:60',
      '2026-01-05T14:30+25:00',
      '05.01.2026',
      'yesterday',
      '',
    ]) {
      expect(parseIsoTime(text, KYIV), text).toBeUndefined();
    }
    expect(parseIsoTime('2028-02-29', KYIV)).toBe(Date.UTC(2028, 1, 28, 22));
  });

  it('writes times back in the zone: a date for a midnight, else with the time', () => {
    expect(formatLocalTime(JAN_1, KYIV)).toBe('2026-01-01');
    expect(formatLocalTime(Date.UTC(2026, 6, 5, 11, 30), KYIV)).toBe('2026-07-05 14:30');
    expect(formatLocalTime(Date.UTC(2026, 6, 5, 11, 30, 5), KYIV)).toBe('2026-07-05 14:30:05');
    expect(formatUtc(Date.UTC(2026, 6, 5, 11, 30))).toBe('2026-07-05T11:30:00Z');
  });
});

describe('outages file', () => {
  it('reads a good file: BOM, CRLF, a header in any case, quotes, blank lines, zones, services', () => {
    const text =
      '\uFEFF Device , START,end\r\n' +
      'makarykha-uplink,2026-01-05T14:30,2026-01-05T16:00\r\n' +
      '\r\n' +
      '"makarykha-school"," 2026-01-10 08:00+03:00 ",2026-01-10T06:00Z\r\n' +
      'service:website,2026-02-01,2026-02-02\r\n' +
      // Touching the first outage is not overlapping it.
      'makarykha-uplink,2026-01-05T16:00,2026-01-05T16:30\r\n';
    expect(read(text)).toEqual({
      outages: [
        { subject: 'makarykha-uplink', from: Date.UTC(2026, 0, 5, 12, 30), to: Date.UTC(2026, 0, 5, 14), line: 2 },
        { subject: 'makarykha-school', from: Date.UTC(2026, 0, 10, 5), to: Date.UTC(2026, 0, 10, 6), line: 4 },
        { subject: 'service:website', from: Date.UTC(2026, 0, 31, 22), to: Date.UTC(2026, 1, 1, 22), line: 5 },
        { subject: 'makarykha-uplink', from: Date.UTC(2026, 0, 5, 14), to: Date.UTC(2026, 0, 5, 14, 30), line: 6 },
      ],
      errors: [],
    });
    expect(read('device,start,end\n')).toEqual({ outages: [], errors: [] });
  });

  it('reports every problem with its line, and then no outages at all', () => {
    const text = [
      'device,start,end',
      'makarykha-uplink,2026-01-05T14:30,2026-01-05T16:00', // 2: fine alone
      'makarikha-uplink,2026-01-06T14:30,2026-01-06T16:00', // 3
      'makarykha-uplink,2026-13-01,2026-01-07', // 4
      'makarykha-uplink,2026-01-08T15:00,2026-01-08T14:00', // 5
      'makarykha-uplink,2026-01-09T15:00,2026-01-09T15:00', // 6
      'makarykha-uplink,2025-12-31T20:00,2026-01-01T02:00', // 7
      'yasne-uplink,2026-02-20,2026-03-02', // 8
      'makarykha-uplink,2026-01-05T15:00,2026-01-05T15:30', // 9: inside line 2
      ',2026-01-05,', // 10
      'website,2026-01-05,2026-01-06', // 11
      'service:webiste,2026-01-05,2026-01-06', // 12
      'service:mail,2026-01-05,2026-01-06', // 13
      'nowhere,2026-01-05,2026-01-06', // 14
      'yasne-uplink;2026-01-05;2026-01-06', // 15
      'yasne-uplink,2026-01-05,2026-01-06,extra', // 16
      'yasne-uplink,"2026-01-05"x,2026-01-06', // 17
    ].join('\n');
    expect(read(text)).toEqual({
      outages: [],
      errors: [
        'outages.csv:3: unknown device "makarikha-uplink" (did you mean "makarykha-uplink"?)',
        'outages.csv:4: start is not a time: "2026-13-01" (ISO 8601, e.g. 2026-01-05T14:30 or 2026-01-05T12:30Z)',
        'outages.csv:5: end is before start',
        'outages.csv:6: end is the same as start',
        'outages.csv:7: outside --from/--to (2026-01-01 – 2026-03-01)',
        'outages.csv:8: outside --from/--to (2026-01-01 – 2026-03-01)',
        'outages.csv:9: overlaps the outage on line 2',
        'outages.csv:10: device is empty',
        'outages.csv:10: end is empty',
        'outages.csv:11: "website" is a service: write it "service:website"',
        'outages.csv:12: unknown service "webiste" (did you mean "service:website"?)',
        'outages.csv:13: unknown service "mail"',
        'outages.csv:14: unknown device "nowhere"',
        'outages.csv:15: expected 3 comma-separated values (device,start,end), got 1; the values are separated by semicolons, not commas',
        'outages.csv:16: expected 3 comma-separated values (device,start,end), got 4',
        'outages.csv:17: text after the closing quote of a field (a quote inside a field is written "")',
      ],
    });
  });

  it('finds overlaps per subject, on the later line, whatever the order of the rows', () => {
    const text = [
      'device,start,end',
      'yasne-uplink,2026-01-20T10:00,2026-01-20T12:00', // 2
      'yasne-uplink,2026-01-10T10:00,2026-01-25T00:00', // 3: covers line 2
      'makarykha-uplink,2026-01-20T10:00,2026-01-20T12:00', // 4: another subject
      'service:website,2026-01-26T00:00,2026-01-26T01:00', // 5
      'service:website,2026-01-26T00:59Z,2026-01-27T00:00', // 6: 02:59 Kyiv, after line 5 ended
      'yasne-uplink,2026-01-24T23:00,2026-01-25T01:00', // 7: overlaps line 3 only
    ].join('\n');
    expect(read(text).errors).toEqual(['outages.csv:3: overlaps the outage on line 2', 'outages.csv:7: overlaps the outage on line 3']);
  });

  it('needs the header first', () => {
    expect(read('').errors).toEqual(['outages.csv:1: the file is empty; it needs the header "device,start,end"']);
    expect(read('\n\n').errors).toEqual(['outages.csv:1: the file is empty; it needs the header "device,start,end"']);
    expect(read('\ndevice,from,to\nyasne-uplink,2026-01-05,2026-01-06\n').errors).toEqual([
      'outages.csv:2: the first line must be the header "device,start,end" (got "device,from,to")',
    ]);
    expect(read('device;start;end\n').errors).toEqual([
      'outages.csv:1: the first line must be the header "device,start,end" (got "device;start;end"); the values are separated by semicolons, not commas',
    ]);
  });
});

describe('import range', () => {
  const now = Date.UTC(2026, 10, 22, 10);
  const options = { timeZone: KYIV, now, keepMs: 800 * DAY };

  it('reads dates as midnights in the zone, and full ISO times', () => {
    expect(importRange('2026-01-01', '2026-03-01', options)).toEqual(RANGE);
    expect(importRange('2026-01-01T00:00Z', '2026-11-22T10:00Z', options)).toEqual({ from: Date.UTC(2026, 0, 1), to: now });
  });

  it('refuses a backwards, future or too old range, and what is not a time', () => {
    expect(importRange('2026-03-01', '2026-03-01', options)).toEqual({ problem: '--from must be before --to' });
    expect(importRange('2026-01-01', '2026-11-23', options)).toEqual({
      problem: '--to 2026-11-23 is in the future: history can be imported up to now at most',
    });
    expect(importRange('2024-01-01', '2026-01-01', options)).toEqual({
      problem: '--from 2024-01-01 is older than the database keeps events (storage.retention.rollup: 800 days)',
    });
    expect(importRange('01.01.2026', '2026-03-01', options)).toEqual({
      problem: '--from "01.01.2026" is neither a date (YYYY-MM-DD) nor an ISO 8601 time',
    });
    expect(importRange('2026-01-01', 'now', options)).toEqual({
      problem: '--to "now" is neither a date (YYYY-MM-DD) nor an ISO 8601 time',
    });
  });
});

describe('points and summary', () => {
  const outages: ImportedOutage[] = [
    { subject: 'makarykha-uplink', from: JAN_1 + DAY, to: JAN_1 + DAY + 90 * 60_000, line: 2 },
    { subject: 'makarykha-uplink', from: JAN_1 + 2 * DAY, to: JAN_1 + 3 * DAY, line: 3 },
    { subject: 'service:website', from: JAN_1 + 5 * DAY, to: JAN_1 + 5 * DAY + HOUR, line: 4 },
  ];

  it('one backfill point per subject with its usual tags, and finished outages as the state engine writes them', () => {
    const points = importPoints(inventory, RANGE, outages, 'outages.csv');
    const span = { from_ms: JAN_1, to_ms: MAR_1, source: 'outages.csv' };
    expect(points).toEqual([
      { measurement: 'backfill', tags: { village: 'makarykha', device: 'makarykha-uplink', kind: 'uplink' }, fields: span, time: JAN_1 },
      {
        measurement: 'backfill',
        tags: { village: 'makarykha', device: 'makarykha-school', kind: 'institution', category: 'school' },
        fields: span,
        time: JAN_1,
      },
      {
        measurement: 'backfill',
        tags: { village: 'yasne', device: 'yasne-uplink', kind: 'uplink', provider: 'fibre' },
        fields: span,
        time: JAN_1,
      },
      { measurement: 'backfill', tags: { service: 'website' }, fields: span, time: JAN_1 },
      {
        measurement: 'outage',
        tags: { village: 'makarykha', device: 'makarykha-uplink', kind: 'uplink' },
        fields: { open: 0, end_ms: JAN_1 + DAY + 90 * 60_000, duration_s: 5400, reason: 'imported from outages.csv', unreachable: '' },
        time: JAN_1 + DAY,
      },
      expect.objectContaining({ measurement: 'outage', time: JAN_1 + 2 * DAY, fields: expect.objectContaining({ duration_s: 86_400 }) }),
      expect.objectContaining({ measurement: 'outage', tags: { service: 'website' }, time: JAN_1 + 5 * DAY }),
    ]);
    for (const point of points) expect(checkPoint(point).ok).toBe(true);
  });

  it('counts outages, the subjects they hit and every subject', () => {
    expect(importSummary(inventory, RANGE, outages, KYIV)).toBe(
      '3 outages for 1 device and 1 service over 2026-01-01 – 2026-03-01; 3 devices and 1 service counted as monitored and up outside them',
    );
    expect(importSummary(inventory, RANGE, outages.slice(0, 1), KYIV)).toBe(
      '1 outage for 1 device over 2026-01-01 – 2026-03-01; 3 devices and 1 service counted as monitored and up outside them',
    );
    expect(importSummary(inventory, { from: JAN_1, to: JAN_1 + 14.5 * HOUR }, [], KYIV)).toBe(
      'no outages over 2026-01-01 – 2026-01-01 14:30; 3 devices and 1 service counted as monitored and up throughout',
    );
  });
});

describe('monitored time with imported spans', () => {
  it('adds the overlap of each window (up to now) with the spans to the measured time, for known subjects only', () => {
    const now = MAR_1 + 10 * DAY;
    const measured = { all: new Map([['yasne-uplink', 10 * DAY]]), recent: new Map([['yasne-uplink', 10 * DAY]]) };
    const imported = new Map([
      ['yasne-uplink', [RANGE]],
      ['service:website', [{ from: JAN_1, to: JAN_1 + DAY }]],
      ['gone-device', [RANGE]],
    ]);
    const windows = { all: { from: JAN_1 - 30 * DAY, to: now }, recent: { from: MAR_1 - 5 * DAY, to: now + DAY } };
    const got = withImportedTime(measured, imported, inventory, windows, now);
    expect(got.all).toEqual(
      new Map([
        ['yasne-uplink', 10 * DAY + (MAR_1 - JAN_1)],
        ['service:website', DAY],
      ]),
    );
    expect(got.recent).toEqual(new Map([['yasne-uplink', 15 * DAY]]));
    // The measured maps are not changed.
    expect(measured.all.get('yasne-uplink')).toBe(10 * DAY);
  });
});
