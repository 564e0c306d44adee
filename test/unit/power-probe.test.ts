/**
 * The power profiles as data: every source and battery status value of
 * UPS-MIB and PowerNet-MIB decodes to ours, a missing object is unknown
 * (never zero), TimeTicks become minutes and seconds, a malformed varbind is
 * noted and read as unknown, and a router's supply voltage against
 * power.on_battery_below_v; plus the config's power keys and their checks.
 */
import { describe, expect, it } from 'vitest';
import { powerPoints, powerProbe, type PowerResult, type PowerTarget } from '../../collector/probes/power.ts';
import { apc } from '../../collector/power/apc.ts';
import { mikrotikVoltage } from '../../collector/power/mikrotik-voltage.ts';
import { upsMib } from '../../collector/power/ups-mib.ts';
import { decodePower, powerOids, UNKNOWN_POWER, type PowerProfile } from '../../collector/power/types.ts';
import type { GetResult } from '../../collector/snmp/client.ts';
import { BATTERY_STATUSES, POWER_SOURCES } from '../../common/words/power.ts';
import { configSchema, type ConfigInput } from '../../config/schema.ts';
import { T } from '../support/fake-snmp.ts';
import { testConfig } from '../support/config.ts';

const answer = (values: Record<string, [number, number]>): GetResult[] =>
  Object.entries(values).map(([oid, [type, value]]) => ({ oid, type, value }));
const missingAll = (p: PowerProfile): GetResult[] => powerOids(p.objects).map((oid) => ({ oid, missing: 'noSuchObject' as const }));

const U = '1.3.6.1.2.1.33.1';
const A = '1.3.6.1.4.1.318.1.1.1';

describe('UPS-MIB (RFC 1628)', () => {
  it('reads a UPS on battery: source, seconds on battery, minutes, charge, input voltage, battery status', () => {
    const r = decodePower(
      upsMib,
      answer({
        [`${U}.4.1.0`]: [T.int, 5],
        [`${U}.2.1.0`]: [T.int, 2],
        [`${U}.2.2.0`]: [T.int, 754],
        [`${U}.2.3.0`]: [T.int, 23],
        [`${U}.2.4.0`]: [T.int, 81],
        [`${U}.3.3.1.3.1`]: [T.int, 0],
      }),
    );
    expect(r).toEqual({
      reading: {
        source: 'battery',
        on_battery: true,
        seconds_on_battery: 754,
        battery_pct: 81,
        minutes_left: 23,
        input_voltage: 0,
        battery_status: 'normal',
      },
      warnings: [],
    });
  });

  it.each([
    [1, 'unknown'],
    [2, 'unknown'],
    [3, 'mains'],
    [4, 'bypass'],
    [5, 'battery'],
    [6, 'mains'],
    [7, 'mains'],
  ] as const)('upsOutputSource %i is %s', (value, source) => {
    const { reading, warnings } = decodePower(upsMib, answer({ [`${U}.4.1.0`]: [T.int, value] }));
    expect(reading.source).toBe(source);
    expect(reading.on_battery).toBe(source === 'unknown' ? null : source === 'battery');
    expect(warnings).toEqual([]);
  });

  it.each([
    [1, 'unknown'],
    [2, 'normal'],
    [3, 'low'],
    [4, 'depleted'],
  ] as const)('upsBatteryStatus %i is %s', (value, status) => {
    expect(decodePower(upsMib, answer({ [`${U}.2.1.0`]: [T.int, value] })).reading.battery_status).toBe(status);
  });

  it('reads every missing object as unknown, never as zero', () => {
    expect(decodePower(upsMib, missingAll(upsMib))).toEqual({ reading: UNKNOWN_POWER, warnings: [] });
    expect(decodePower(upsMib, [])).toEqual({ reading: UNKNOWN_POWER, warnings: [] });
  });

  it('notes a malformed varbind and reads it as unknown; the rest of the reading stands', () => {
    const { reading, warnings } = decodePower(
      upsMib,
      answer({ [`${U}.4.1.0`]: [T.int, 9], [`${U}.2.4.0`]: [T.int, 140], [`${U}.2.3.0`]: [T.int, 40] }).concat([
        { oid: `${U}.2.2.0`, type: T.str, value: Buffer.from('soon') },
      ]),
    );
    expect(reading).toMatchObject({ source: 'unknown', battery_pct: null, seconds_on_battery: null, minutes_left: 40 });
    expect(warnings).toEqual([
      `upsSecondsOnBattery (${U}.2.2.0) is not a number of the type its MIB declares`,
      `upsOutputSource (${U}.4.1.0) has the value 9, which its MIB does not define`,
      `upsEstimatedChargeRemaining (${U}.2.4.0) is above 100 (140)`,
    ]);
  });
});

describe('PowerNet-MIB (APC)', () => {
  it('reads TimeTicks: the runtime into whole minutes (rounded down), the time on battery into seconds', () => {
    const { reading } = decodePower(
      apc,
      answer({
        [`${A}.4.1.1.0`]: [T.int, 3],
        [`${A}.2.1.1.0`]: [T.int, 3],
        [`${A}.2.1.2.0`]: [T.ticks, 75_450],
        [`${A}.2.2.1.0`]: [T.gauge, 38],
        [`${A}.2.2.3.0`]: [T.ticks, 143_999],
        [`${A}.3.2.1.0`]: [T.gauge, 0],
      }),
    );
    expect(reading).toEqual({
      source: 'battery',
      on_battery: true,
      seconds_on_battery: 754,
      battery_pct: 38,
      minutes_left: 23,
      input_voltage: 0,
      battery_status: 'low',
    });
  });

  it('decodes every upsBasicOutputStatus value (1-28) to one of our sources', () => {
    const seen = new Set<string>();
    for (let v = 1; v <= 28; v++) {
      const { reading, warnings } = decodePower(apc, answer({ [`${A}.4.1.1.0`]: [T.int, v] }));
      expect(warnings, String(v)).toEqual([]);
      expect(POWER_SOURCES).toContain(reading.source);
      seen.add(reading.source);
    }
    expect([...seen].sort()).toEqual(['battery', 'bypass', 'mains', 'unknown']);
    const of = (v: number) => decodePower(apc, answer({ [`${A}.4.1.1.0`]: [T.int, v] })).reading.source;
    expect([2, 3, 4, 6, 7, 12, 15].map(of)).toEqual(['mains', 'battery', 'mains', 'bypass', 'unknown', 'mains', 'mains']);
  });

  it.each([
    [1, 'unknown'],
    [2, 'normal'],
    [3, 'low'],
    [4, 'fault'],
    [5, 'missing'],
  ] as const)('upsBasicBatteryStatus %i is %s', (value, status) => {
    expect(BATTERY_STATUSES).toContain(status);
    expect(decodePower(apc, answer({ [`${A}.2.1.1.0`]: [T.int, value] })).reading.battery_status).toBe(status);
  });

  it('reads "not supported" (2^32-1 ticks) and every missing object as unknown', () => {
    expect(decodePower(apc, answer({ [`${A}.2.2.3.0`]: [T.ticks, 4294967295] })).reading.minutes_left).toBeNull();
    expect(decodePower(apc, missingAll(apc)).reading).toEqual(UNKNOWN_POWER);
  });

  it('a runtime that is not TimeTicks is malformed', () => {
    const r = decodePower(apc, answer({ [`${A}.2.2.3.0`]: [T.int, 1800] }));
    expect(r.reading.minutes_left).toBeNull();
    expect(r.warnings).toHaveLength(1);
  });
});

describe('a MikroTik router’s supply voltage (MIKROTIK-MIB mtxrHlVoltage, 0.1 V)', () => {
  const volts = (dv: number) => answer({ '1.3.6.1.4.1.14988.1.1.3.8.0': [T.int, dv] });
  it('below power.on_battery_below_v is battery, at or above it mains', () => {
    expect(decodePower(mikrotikVoltage, volts(243), 25).reading).toMatchObject({
      source: 'battery',
      on_battery: true,
      input_voltage: 24.3,
    });
    expect(decodePower(mikrotikVoltage, volts(250), 25).reading).toMatchObject({ source: 'mains', on_battery: false, input_voltage: 25 });
    expect(decodePower(mikrotikVoltage, volts(273), 25).reading).toMatchObject({ source: 'mains', input_voltage: 27.3 });
  });
  it('without a threshold or without the voltage the source is unknown', () => {
    expect(decodePower(mikrotikVoltage, volts(243)).reading).toMatchObject({ source: 'unknown', on_battery: null, input_voltage: 24.3 });
    expect(decodePower(mikrotikVoltage, missingAll(mikrotikVoltage), 25).reading).toEqual(UNKNOWN_POWER);
  });
});

const village = (devices: unknown[]) => [{ id: 'makarykha', name: 'Макариха', devices }];
const base = {
  hromada: { name: 'Тест' },
  snmp_credentials: { v2: { version: '2c', community: 'public' } },
};
function issues(input: Record<string, unknown>): string[] {
  const r = configSchema.safeParse({ ...base, ...input } as unknown as ConfigInput);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}
const ups = { id: 'ups', kind: 'ups', vendor: 'apc', host: '127.0.0.1', snmp: { credential: 'v2' } };
const router = { id: 'router', kind: 'uplink', host: '127.0.0.2', snmp: { credential: 'v2' } };

describe('the config’s power keys', () => {
  it('takes a UPS with its vendor and what it powers, and the power section with its defaults', () => {
    const cfg = configSchema.parse({ ...base, villages: village([router, { ...ups, powers: ['router'] }]) } as unknown as ConfigInput);
    expect(cfg.power).toEqual({ warn_minutes_left: 15, schedule_refresh: 3_600_000 });
    expect(cfg.polling.power).toEqual({ interval: 30_000, timeout: 2_000 });
  });

  it('says precisely what is wrong with a vendor, powers or power_voltage', () => {
    expect(
      issues({
        villages: village([
          { ...router, vendor: 'apc' },
          { id: 'ap', kind: 'wifi', vendor: 'mikrotik', host: '127.0.0.3', snmp: { credential: 'v2' } },
          { id: 'ups-a', kind: 'ups', vendor: 'mikrotik', host: '127.0.0.4', snmp: { credential: 'v2' } },
          { id: 'ups-b', kind: 'ups', host: '127.0.0.5', powers: ['ups-b', 'nope'] },
          { ...router, id: 'r2', powers: ['ap'], power_voltage: 'mikrotik' },
          { ...ups, id: 'ups-c', power_voltage: 'mikrotik' },
        ]),
      }),
    ).toEqual([
      'villages.0.devices.0.vendor: apc is a UPS vendor: it only applies to kind ups, not uplink',
      'villages.0.devices.2.vendor: mikrotik is a Wi-Fi vendor: it only applies to kind wifi, not ups',
      'villages.0.devices.3.vendor: is required for kind ups (one of: ups-mib, apc)',
      'villages.0.devices.3.snmp: is required for kind ups: its power is read over SNMP',
      'villages.0.devices.3.powers.0: a UPS does not power itself: list the devices it feeds',
      'villages.0.devices.3.powers.1: unknown device "nope"',
      'villages.0.devices.4.powers: only applies to kind ups, not uplink',
      'villages.0.devices.4.power_voltage: needs power.on_battery_below_v: the voltage alone does not say mains or battery',
      'villages.0.devices.5.power_voltage: does not apply to kind ups: a UPS reports its power through its vendor',
      'villages.0.devices.5.power_voltage: needs power.on_battery_below_v: the voltage alone does not say mains or battery',
    ]);
    expect(issues({ villages: village([{ ...router, power_voltage: 'mikrotik' }]), power: { on_battery_below_v: 25 } })).toEqual([]);
  });

  it('takes a blackout queue on a village or a device, written "3.1" or 3.1, and nothing else', () => {
    const cfg = configSchema.parse({
      ...base,
      villages: [{ id: 'makarykha', name: 'Макариха', power_group: 3.1, devices: [{ ...router, power_group: '4.2' }] }],
    } as unknown as ConfigInput);
    expect(cfg.villages[0]!.power_group).toBe('3.1');
    expect(cfg.villages[0]!.devices[0]!.power_group).toBe('4.2');
    const bad = issues({ villages: [{ id: 'v', name: 'V', power_group: '7.1', devices: [{ ...router, power_group: 'GPV3.1' }] }] });
    expect(bad).toHaveLength(2);
    expect(bad[0]).toMatch(/^villages\.0\.power_group: must be a blackout queue .*1\.1 … 6\.2/);
    expect(bad[1]).toMatch(/^villages\.0\.devices\.0\.power_group: must be a blackout queue/);
  });

  it('takes an Invincibility Point with its backup power and link; the backup keys only on one', () => {
    const point = { ...router, invincibility_point: true, backup_power: 'generator', backup_link: 'starlink' };
    expect(issues({ villages: village([point]) })).toEqual([]);
    expect(issues({ villages: village([{ ...router, backup_power: 'ups', backup_link: 'xpon' }]) })).toEqual([
      'villages.0.devices.0.backup_power: only applies to an Invincibility Point (invincibility_point: true)',
      'villages.0.devices.0.backup_link: only applies to an Invincibility Point (invincibility_point: true)',
    ]);
    expect(issues({ villages: village([{ ...point, backup_link: 'pigeon' }]) })[0]).toMatch(
      /^villages\.0\.devices\.0\.backup_link: .*starlink/,
    );
  });

  it('fetches a schedule from an http(s) URL only', () => {
    const cfg = configSchema.parse({
      ...base,
      villages: village([router]),
      power: { schedule_url: 'http://127.0.0.1:9/gpv.json', schedule_refresh: '30m' },
    } as unknown as ConfigInput);
    expect(cfg.power).toMatchObject({ schedule_url: 'http://127.0.0.1:9/gpv.json', schedule_refresh: 1_800_000 });
    expect(issues({ villages: village([router]), power: { schedule_url: 'file:///etc/passwd' } })).toHaveLength(1);
  });
});

describe('the power probe kind', () => {
  const config = testConfig({
    snmp_credentials: { v2: { version: '2c', community: 'public' } },
    power: { on_battery_below_v: 25 },
    villages: [
      {
        id: 'makarykha',
        name: 'Макариха',
        devices: [
          { id: 'router', kind: 'uplink', host: '127.0.0.2', snmp: { credential: 'v2' }, power_voltage: 'mikrotik' },
          { id: 'ups', kind: 'ups', vendor: 'ups-mib', host: '127.0.0.1', snmp: { credential: 'v2' } },
          { id: 'ap', kind: 'wifi', vendor: 'mikrotik', host: '127.0.0.3', snmp: { credential: 'v2' } },
        ],
      },
    ],
  });

  it('polls every UPS through its vendor and every router with power_voltage, every polling.power.interval', () => {
    const targets = powerProbe.targets(config) as PowerTarget[];
    expect(targets.map((t) => [t.key, t.profile.id])).toEqual([
      ['router', 'mikrotik'],
      ['ups', 'ups-mib'],
    ]);
    expect(powerProbe.intervalMs(config, targets[0]!)).toBe(30_000);
  });

  it('writes only what is known, and a failed poll makes the latest power unknown', () => {
    const target = (powerProbe.targets(config) as PowerTarget[])[1]!;
    const ok: PowerResult = {
      ok: true,
      response_ms: 3,
      warnings: [],
      power: { ...UNKNOWN_POWER, source: 'mains', on_battery: false, battery_pct: 100 },
    };
    expect(powerPoints(target, ok, 1000)).toEqual([
      {
        measurement: 'power',
        tags: { village: 'makarykha', device: 'ups', kind: 'ups', vendor: 'ups-mib' },
        fields: { ok: 1, source: 'mains', battery_status: 'unknown', on_battery: 0, battery_pct: 100 },
        time: 1000,
      },
    ]);
    expect(powerProbe.observe(target, ok, 1000)).toEqual({
      sample: { source: 'power', subject: 'ups', at: 1000, ok: true, power: ok.power },
      latest: { power: ok.power },
    });
    const failed: PowerResult = { ok: false, error: 'timeout', response_ms: 2000, warnings: [], power: UNKNOWN_POWER };
    expect(powerProbe.observe(target, failed, 2000).latest).toEqual({ power: null });
  });
});
