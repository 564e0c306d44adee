/**
 * The simulator's device model as pure functions of time: the clock mapping,
 * the daily curves, counters (closed-form integral across curve pieces,
 * wraps, reboots) and Wi-Fi clients. No sockets, no real clock.
 */
import { describe, expect, it } from 'vitest';
import { octetRate } from '../../collector/counters.ts';
import { DAY_MS, makeClock, MINUTE_MS, scenarioAt, utcOffsetMinutes, wallAt } from '../../simulator/clock.ts';
import { curveAt, curveIntegral, CURVES, PLACES } from '../../simulator/curves.ts';
import { createWorld, scenarioFromConfig, type FaultInput } from '../../simulator/index.ts';
import { testConfig } from '../support/config.ts';

const WALL_START = Date.parse('2025-05-17T10:00:00Z');
/** 18:00 in Kyiv (UTC+3 in May): the evening peak is near. */
const SCENARIO_START = Date.parse('2025-05-17T18:00:00+03:00');

const config = testConfig({
  snmp_credentials: { v2: { version: '2c', community: 'public' } },
  villages: [
    {
      id: 'makarykha',
      name: 'Макариха',
      devices: [
        { id: 'uplink', kind: 'uplink', host: '127.0.20.1', snmp: { credential: 'v2', interface: 'ether1' }, bandwidth_mbps: 100 },
        { id: 'park-wifi', kind: 'wifi', vendor: 'mikrotik', host: '127.0.20.2', snmp: { credential: 'v2' }, parent: 'uplink' },
        { id: 'school', kind: 'institution', category: 'school', host: '127.0.20.3', snmp: { credential: 'v2' }, parent: 'uplink' },
      ],
    },
  ],
});

function world(faults: FaultInput[] = [], speed = 1) {
  const scenario = scenarioFromConfig(config, { speed, start: new Date(SCENARIO_START).toISOString(), faults });
  return createWorld(scenario, WALL_START, true);
}

/** Octets by walking the curve minute by minute: an independent check of the closed-form integral. */
function octetsByMinutes(peakBps: number, fromS: number, toS: number, offsetMs: number, speedMilli: number): bigint {
  let area = 0n;
  for (let s = fromS; s < toS;) {
    const minuteEnd = (Math.floor((s + offsetMs) / MINUTE_MS) + 1) * MINUTE_MS - offsetMs;
    const until = Math.min(minuteEnd, toS);
    area += BigInt(curveAt(CURVES.residential, s + offsetMs)) * BigInt(until - s);
    s = until;
  }
  return (BigInt(peakBps) * area) / BigInt(8000 * speedMilli);
}

describe('scenario clock', () => {
  it.each([0.5, 1, 1.234, 60, 1000])('maps wall time to scenario time and back exactly at speed %s', (speed) => {
    const clock = makeClock(WALL_START, SCENARIO_START, speed);
    for (const dt of [0, 1, 999, 1000, 61_234, 3_600_000]) {
      const s = scenarioAt(clock, WALL_START + dt);
      expect(s).toBe(SCENARIO_START + Math.floor(dt * speed + 1e-9));
      // wallAt gives the first wall ms at or after a scenario instant.
      const w = wallAt(clock, s);
      expect(scenarioAt(clock, w)).toBeGreaterThanOrEqual(s);
      expect(scenarioAt(clock, w - 1)).toBeLessThan(s);
    }
  });

  it('refuses speeds it cannot keep exact', () => {
    expect(() => makeClock(0, 0, 0)).toThrow(/greater than 0/);
    expect(() => makeClock(0, 0, 1.2345)).toThrow(/3 decimals/);
  });

  it('reads the hromada offset from UTC at the scenario start', () => {
    expect(utcOffsetMinutes('Europe/Kyiv', Date.parse('2025-05-17T12:00:00Z'))).toBe(180);
    expect(utcOffsetMinutes('Europe/Kyiv', Date.parse('2025-01-17T12:00:00Z'))).toBe(120);
    expect(utcOffsetMinutes('UTC', 0)).toBe(0);
  });
});

describe('daily curves', () => {
  it('are low at night and peak where the place is busy', () => {
    const at = (place: (typeof PLACES)[number], hour: number) => curveAt(CURVES[place], hour * 3_600_000);
    expect(at('residential', 4)).toBeLessThan(at('residential', 20) / 5);
    expect(at('park', 19)).toBeGreaterThan(at('park', 10));
    expect(at('school', 10)).toBeGreaterThan(at('school', 19) * 10);
    for (const place of PLACES) for (let h = 0; h < 24; h++) expect(at(place, h)).toBeGreaterThan(0);
  });

  it('integrate in closed form to what summing every minute gives', () => {
    const curve = CURVES.park;
    let sum = 0;
    for (let m = 0; m < 1440 * 2; m++) sum += curveAt(curve, m * MINUTE_MS) * MINUTE_MS;
    expect(curveIntegral(curve, 2 * DAY_MS) - curveIntegral(curve, 0)).toBe(sum);
    // Within a minute the integral is linear.
    const v = curveAt(curve, 5 * MINUTE_MS);
    expect(curveIntegral(curve, 5 * MINUTE_MS + 1234) - curveIntegral(curve, 5 * MINUTE_MS)).toBe(1234 * v);
  });
});

describe('interface counters', () => {
  it.each([1, 60])('equal the rate integrated across curve pieces (speed %s)', (speed) => {
    const w = world([], speed);
    const uplink = w.device('uplink');
    const ifc = uplink.interfaces.find((i) => i.name === 'ether1')!;
    const offsetMs = w.utcOffsetMinutes * 60_000;
    // Over an hour of wall time: 1 h at speed 1, 60 scenario hours (across midnights) at speed 60.
    for (const dt of [0, 1, 59_999, 60_001, 3_600_000]) {
      const t = WALL_START + dt;
      const expected = BigInt(ifc.start.in) + octetsByMinutes(ifc.inPeakBps, SCENARIO_START, w.scenarioAt(t), offsetMs, speed * 1000);
      expect(w.counterAt('uplink', 'ether1', 'in', t)).toBe(expected);
    }
  });

  it('grow at the scripted bit rate, measured over real seconds', () => {
    const w = world([], 60);
    const t = WALL_START + 10_000;
    const uplink = w.device('uplink');
    const ifc = uplink.interfaces.find((i) => i.name === 'ether1')!;
    // At speed 60 one real second is one scenario minute: one constant piece of the curve.
    const pieceStart = w.wallAt(Math.ceil(w.scenarioAt(t) / MINUTE_MS) * MINUTE_MS);
    const bits = Number(w.counterAt('uplink', 'ether1', 'in', pieceStart + 1000) - w.counterAt('uplink', 'ether1', 'in', pieceStart)) * 8;
    const scripted = (ifc.inPeakBps * curveAt(CURVES.residential, w.scenarioAt(pieceStart) + w.utcOffsetMinutes * 60_000)) / 1000;
    expect(Math.abs(bits - scripted)).toBeLessThanOrEqual(8);
    expect(bits).toBeLessThanOrEqual(ifc.speedMbps * 1e6);
  });

  it('wrap past 2^64 exactly at a wrap fault, and the collector sees a plausible rate, not a spike', () => {
    const w = world([{ device: 'uplink', type: 'wrap', at: '30s' }]);
    const wrapWall = w.wallAt(SCENARIO_START + 30_000);
    const before = w.counterAt('uplink', 'ether1', 'out', wrapWall - 1);
    const at = w.counterAt('uplink', 'ether1', 'out', wrapWall);
    expect(at).toBe(0n);
    expect(before).toBeGreaterThan((1n << 64n) - 100_000n);
    // Continuous: the first counter of the run is no jump away from the one a second later.
    const a = w.counterAt('uplink', 'ether1', 'in', WALL_START + 20_000);
    const b = w.counterAt('uplink', 'ether1', 'in', WALL_START + 40_000);
    const rate = octetRate({ prev: a, cur: b, bits: 64, elapsedMs: 20_000, speedBps: 100e6 });
    expect(rate).toMatchObject({ wrapped: true });
    expect(rate.bps).toBeGreaterThan(0);
    expect(rate.bps).toBeLessThanOrEqual(100e6);
    // 2^64 is a multiple of 2^32: the 32-bit counter wraps at the same instant.
    expect(before % (1n << 32n)).toBeGreaterThan((1n << 32n) - 100_000n);
  });

  it('wrap only the 32-bit counter with bits: 32', () => {
    const w = world([{ device: 'uplink', type: 'wrap', at: '30s', bits: 32 }]);
    const wrapWall = w.wallAt(SCENARIO_START + 30_000);
    const before = w.counterAt('uplink', 'ether1', 'in', wrapWall - 1);
    const at = w.counterAt('uplink', 'ether1', 'in', wrapWall);
    expect(at % (1n << 32n)).toBe(0n);
    expect(at).toBeGreaterThan(before);
  });

  it('restart from zero with sysUpTime after a reboot', () => {
    const w = world([{ device: 'school', type: 'reboot', at: '1m', duration: '20s' }]);
    const back = w.wallAt(SCENARIO_START + 80_000);
    const initial = w.device('school').initialUptimeMs;
    expect(w.uptimeTicksAt('school', WALL_START)).toBe(Math.floor(initial / 10));
    expect(w.uptimeTicksAt('school', back - 1)).toBe(Math.floor((initial + 79_999) / 10));
    expect(w.uptimeTicksAt('school', back)).toBe(0);
    expect(w.uptimeTicksAt('school', back + 5_000)).toBe(500);
    expect(w.counterAt('school', 'ether1', 'in', back)).toBe(0n);
    expect(w.counterAt('school', 'ether1', 'in', back + 5_000)).toBeGreaterThan(0n);
    expect(w.counterAt('school', 'ether1', 'in', back - 1)).toBeGreaterThan(1n << 20n);
    expect(w.errorCounterAt('school', 'ether1', 'in', 'errors', back)).toBe(0);
  });
});

describe('Wi-Fi clients', () => {
  const w = world([], 60);

  it('are whole numbers, constant within each scenario minute', () => {
    for (let minute = 0; minute < 30; minute++) {
      const start = w.wallAt(Math.ceil(SCENARIO_START / MINUTE_MS) * MINUTE_MS + minute * MINUTE_MS);
      const end = w.wallAt(Math.ceil(SCENARIO_START / MINUTE_MS) * MINUTE_MS + (minute + 1) * MINUTE_MS);
      const value = w.clientsAt('park-wifi', start);
      expect(Number.isInteger(value)).toBe(true);
      for (let t = start; t < end; t += 97) expect(w.clientsAt('park-wifi', t)).toBe(value);
    }
  });

  it('follow the place: a park is busy in the evening and empty before dawn', () => {
    const at = (hourLocal: number) => {
      const s = Date.parse(`2025-05-18T${String(hourLocal).padStart(2, '0')}:30:00+03:00`);
      return w.clientsAt('park-wifi', w.wallAt(s));
    };
    expect(at(19)).toBeGreaterThan(25);
    expect(at(4)).toBeLessThan(3);
  });

  it('are zero for devices that are not access points', () => {
    expect(w.clientsAt('school', WALL_START)).toBe(0);
  });
});
