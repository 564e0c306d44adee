/** The writer's line protocol and the schema check in front of it. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { classifyWriteError, InfluxWriteError } from '../../storage/influx-client.ts';
import { LineBody, toLine, toLines } from '../../storage/line-protocol.ts';
import { checkPoint } from '../../storage/point-check.ts';
import type { Point } from '../../storage/point.ts';

describe('line protocol', () => {
  it('sorts tags, suffixes integer fields with i and writes millisecond time', () => {
    const point: Point = {
      measurement: 'ping',
      tags: { village: 'makarykha', device: 'school-1', kind: 'institution', category: 'school' },
      fields: { reachable: 1, loss_pct: 33.3, sent: 3, rtt_min_ms: 0.5 },
      time: 1_700_000_000_123,
    };
    expect(toLine(point)).toBe(
      'ping,category=school,device=school-1,kind=institution,village=makarykha reachable=1i,loss_pct=33.3,sent=3i,rtt_min_ms=0.5 1700000000123',
    );
  });

  it('encodes a frozen tag set once per measurement, and a tag set that is not frozen anew each time', () => {
    const frozen = Object.freeze({ village: 'v 1', device: 'd', kind: 'uplink' });
    const at = (measurement: 'ping' | 'snmp', tags: Point['tags']) =>
      toLine({ measurement, tags, fields: measurement === 'ping' ? { reachable: 1 } : { ok: 1 }, time: 7 });
    expect(at('ping', frozen)).toBe('ping,device=d,kind=uplink,village=v\\ 1 reachable=1i 7');
    // The same object under another measurement gets that measurement's head, not the cached one.
    expect(at('snmp', frozen)).toBe('snmp,device=d,kind=uplink,village=v\\ 1 ok=1i 7');
    expect(at('ping', frozen)).toBe('ping,device=d,kind=uplink,village=v\\ 1 reachable=1i 7');
    const open: Point['tags'] = { village: 'v', device: 'd', kind: 'uplink' };
    expect(at('ping', open)).toBe('ping,device=d,kind=uplink,village=v reachable=1i 7');
    open.device = 'e';
    expect(at('ping', open)).toBe('ping,device=e,kind=uplink,village=v reachable=1i 7');
  });

  it('keeps a cached head as one flat string, not a rope of its pieces that lives as long as the device', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const n = 20_000;
    const tags = Array.from({ length: n }, (_, i) =>
      Object.freeze({ village: `village-${i}`, device: `device-${i}`, kind: 'institution', category: 'school' }),
    );
    gc();
    const before = process.memoryUsage().heapUsed;
    for (const t of tags) toLine({ measurement: 'ping', tags: t, fields: { reachable: 1 }, time: 1 });
    gc();
    const perHead = (process.memoryUsage().heapUsed - before) / n;
    // Measured: 77–131 bytes a head (its characters and the WeakMap's entry) flat, 233–298 as the rope += made.
    expect(perHead).toBeLessThan(180);
    expect(tags).toHaveLength(n); // the tag sets, and so their heads, stay alive until measured
  });

  it('escapes commas, equals signs and spaces in tags, and quotes string fields', () => {
    const line = toLine({
      measurement: 'event',
      tags: { village: 'v', device: 'd', kind: 'uplink', type: 'reboot' },
      fields: { message: 'uptime "went" back \\ to 0', value: 0 },
      time: 5,
    });
    expect(line).toBe('event,device=d,kind=uplink,type=reboot,village=v message="uptime \\"went\\" back \\\\ to 0",value=0 5');
    const iface = toLine({
      measurement: 'interface',
      tags: { village: 'v', device: 'd', kind: 'uplink', interface: 'Gi 0/1,a=b' },
      fields: { oper_up: 1 },
      time: 6,
    });
    expect(iface).toBe('interface,device=d,interface=Gi\\ 0/1\\,a\\=b,kind=uplink,village=v oper_up=1i 6');
  });

  it('joins points into one body, one line each', () => {
    const p = (time: number): Point => ({
      measurement: 'snmp',
      tags: { village: 'v', device: 'd', kind: 'wifi' },
      fields: { ok: 1 },
      time,
    });
    expect(toLines([p(1), p(2)])).toBe('snmp,device=d,kind=wifi,village=v ok=1i 1\nsnmp,device=d,kind=wifi,village=v ok=1i 2');
  });
});

describe('LineBody: lines written straight into bytes', () => {
  const tags = Object.freeze({ village: 'Зелене Поле', device: 'школа-1', kind: 'institution', category: 'school' });

  it('writes integers digit by digit as String does: zero, negative, the largest safe, the time', () => {
    for (const v of [0, -0, 7, 10, 99, 100, -1, -123456, 1_700_000_000_123, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]) {
      const line = toLine({ measurement: 'ping', tags, fields: { reachable: 1, sent: v }, time: Math.abs(v) });
      expect(line.endsWith(` reachable=1i,sent=${v}i ${Math.abs(v)}`)).toBe(true);
    }
  });

  it('writes floats as String does, the exponent form too', () => {
    for (const v of [0.5, 33.333, 1e-7, 1.5e21, -2.25, 0]) {
      expect(toLine({ measurement: 'ping', tags, fields: { loss_pct: v }, time: 1 }).endsWith(` loss_pct=${String(v)} 1`)).toBe(true);
    }
  });

  it('is the UTF-8 of the lines: Ukrainian tags escaped, string fields quoted', () => {
    const point: Point = {
      measurement: 'event',
      tags: { village: 'Зелене Поле', device: 'd', kind: 'uplink', type: 'reboot' },
      fields: { message: 'перезавантаження "раптом" \\ знову', value: 1 },
      time: 5,
    };
    const expected =
      'event,device=d,kind=uplink,type=reboot,village=Зелене\\ Поле message="перезавантаження \\"раптом\\" \\\\ знову",value=1 5';
    expect(toLine(point)).toBe(expected);
    expect(new LineBody(1).add(point).toBuffer().equals(Buffer.from(expected, 'utf8'))).toBe(true);
  });

  it('grows from any size and keeps every line, joined by newlines with none at the end', () => {
    const points = Array.from({ length: 1000 }, (_, i): Point => ({
      measurement: 'ping',
      tags,
      fields: { reachable: i % 2, loss_pct: i / 7, sent: 3 },
      time: 1_700_000_000_000 + i,
    }));
    const body = new LineBody(1);
    for (const p of points) body.add(p);
    const lines = body.toString().split('\n');
    expect(lines).toHaveLength(1000);
    lines.forEach((line, i) => expect(line).toBe(toLine(points[i]!)));
    expect(lines[999]).toBe(
      `ping,category=school,device=школа-1,kind=institution,village=Зелене\\ Поле reachable=1i,loss_pct=${999 / 7},sent=3i 1700000000999`,
    );
    expect(body.toBuffer().equals(Buffer.from(toLines(points)))).toBe(true);
  });
});

describe('checkPoint', () => {
  const valid: Point = { measurement: 'snmp', tags: { village: 'v', device: 'd', kind: 'wifi' }, fields: { ok: 1 }, time: 10 };

  it('passes a valid point on as it is, without copying it', () => {
    const check = checkPoint(valid);
    expect(check.ok && check.point).toBe(valid);
  });

  it('drops empty tags into a copy and leaves the original alone', () => {
    const point = { ...valid, tags: { ...valid.tags, provider: '' } };
    const check = checkPoint(point);
    expect(check.ok && check.point.tags).toEqual(valid.tags);
    expect(point.tags.provider).toBe('');
  });

  it('names what is wrong', () => {
    expect(checkPoint({ ...valid, fields: { ok: 1.5 } })).toEqual({ ok: false, reason: 'snmp: field "ok" must be an integer, got 1.5' });
    expect(checkPoint({ ...valid, fields: { constructor: 1 } })).toEqual({ ok: false, reason: 'snmp: unknown field "constructor"' });
    expect(checkPoint({ ...valid, tags: { vilage: 'v' } })).toEqual({ ok: false, reason: 'unknown tag "vilage" on snmp' });
    expect(checkPoint({ ...valid, fields: {} })).toEqual({ ok: false, reason: 'a snmp point needs at least one field' });
  });
});

describe('write errors', () => {
  it('are "unavailable" for 5xx and fixable statuses, "refused" for bad points', () => {
    expect(classifyWriteError(new InfluxWriteError(400, '{"error":"partial write: field type conflict"}'))).toBe('refused');
    expect(new InfluxWriteError(400, '{"error":"partial write: field type conflict"}').message).toMatch(
      /400 Bad Request.*field type conflict/,
    );
    for (const status of [401, 403, 404, 408, 429, 500, 503])
      expect(classifyWriteError(new InfluxWriteError(status, ''))).toBe('unavailable');
    expect(classifyWriteError(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }))).toBe('unavailable');
  });
});
