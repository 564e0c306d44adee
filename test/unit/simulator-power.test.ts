/**
 * The simulator's power as pure functions of time: the mains of villages and
 * queues, a UPS that drains, runs flat and recharges, the values its agent
 * serves in each power profile's MIB (read back through the collector's own
 * decoder), the Invincibility Point that keeps its backup link, the scripted
 * cause of every outage in the ground truth, and cuts made at run time.
 */
import { describe, expect, it } from 'vitest';
import { UPS_PROFILES, VOLTAGE_PROFILES } from '../../collector/power/index.ts';
import { decodePower, powerOids, type PowerProfile } from '../../collector/power/types.ts';
import { ObjectType, type GetResult } from '../../collector/snmp/client.ts';
import { encodeEnum, encodeNumber } from '../../simulator/mib.ts';
import {
  createWorld,
  scenarioFromConfig,
  worldFromTruth,
  type CutOccurrence,
  type FaultInput,
  type TruthOutage,
} from '../../simulator/index.ts';
import { powerWords } from '../../simulator/player.ts';
import type { PowerCutInput, ScenarioInput } from '../../simulator/scenario.ts';
import { groundTruth } from '../../simulator/truth.ts';
import { testConfig } from '../support/config.ts';

const WALL_START = Date.parse('2025-05-17T10:00:00Z');
const MIN = 60_000;
const v2 = { credential: 'v2' };

/**
 * Two villages on queue 2.1, a third on 3.1. In Макариха a UPS-MIB UPS feeds
 * the uplink and the school (20 min of battery); the library, which it does
 * not feed, has no UPS. In Дмитрівка the ЦНАП is an Invincibility Point with
 * its own UPS (APC) and a Starlink terminal, behind a fibre uplink that no UPS
 * feeds; its council router is on a DC UPS. Цибулеве has nothing.
 */
const config = testConfig({
  power: { on_battery_below_v: 25 },
  providers: [{ id: 'fibre', name: 'Fibre' }],
  snmp_credentials: { v2: { version: '2c', community: 'public' } },
  villages: [
    {
      id: 'makarykha',
      name: 'Макариха',
      power_group: '2.1',
      devices: [
        { id: 'm-uplink', kind: 'uplink', host: '127.0.50.1', provider: 'fibre', snmp: v2 },
        { id: 'm-school', kind: 'institution', category: 'school', host: '127.0.50.2', parent: 'm-uplink' },
        { id: 'm-library', kind: 'institution', category: 'library', host: '127.0.50.3', parent: 'm-uplink' },
        { id: 'm-ups', kind: 'ups', vendor: 'ups-mib', host: '127.0.50.4', snmp: v2, powers: ['m-uplink', 'm-school'] },
      ],
    },
    {
      id: 'dmytrivka',
      name: 'Дмитрівка',
      power_group: '2.1',
      devices: [
        { id: 'd-uplink', kind: 'uplink', host: '127.0.51.1', snmp: v2 },
        {
          id: 'd-cnap',
          kind: 'institution',
          category: 'cnap',
          host: '127.0.51.2',
          parent: 'd-uplink',
          invincibility_point: true,
          backup_power: 'ups',
          backup_link: 'starlink',
        },
        { id: 'd-cnap-wifi', kind: 'wifi', vendor: 'tplink', host: '127.0.51.3', snmp: v2, parent: 'd-cnap' },
        { id: 'd-starlink', kind: 'uplink', host: '127.0.51.4' },
        { id: 'd-cnap-ups', kind: 'ups', vendor: 'apc', host: '127.0.51.5', snmp: v2, powers: ['d-cnap', 'd-cnap-wifi', 'd-starlink'] },
        { id: 'd-council', kind: 'institution', category: 'council', host: '127.0.51.6', snmp: v2, power_voltage: 'mikrotik' },
      ],
    },
    {
      id: 'tsybuleve',
      name: 'Цибулеве',
      power_group: '3.1',
      devices: [{ id: 't-uplink', kind: 'uplink', host: '127.0.52.1' }],
    },
  ],
});

function world(power: PowerCutInput[], more: Omit<ScenarioInput, 'name' | 'config' | 'power'> = {}) {
  const devices = { 'm-ups': { runtime: '20m', recharge: '40m' }, 'd-cnap-ups': { runtime: '2h' }, ...more.devices };
  return createWorld(scenarioFromConfig(config, { ...more, devices, power }), WALL_START, true);
}

const at = (minute: number) => WALL_START + minute * MIN;
/** Outages as [from, to) in minutes after the start, with their cause. */
const minutes = (outages: readonly TruthOutage[]) => outages.map((o) => [(o.from - WALL_START) / MIN, (o.to - WALL_START) / MIN, o.cause]);

describe('a UPS through a cut of its mains', () => {
  const w = world([{ group: '2.1', at: '10m', duration: '30m' }]);
  const ups = (minute: number) => w.power.supply('m-ups', w.scenarioAt(at(minute)))!;

  it('drains at its runtime on battery, runs flat, and recharges at its recharge time on mains', () => {
    expect(ups(5)).toMatchObject({ mains: true, charge: 1, batterySince: null, output: true, left: 20 * MIN });
    expect(ups(15)).toMatchObject({ mains: false, charge: 0.75, batterySince: w.scenarioAt(at(10)), output: true, left: 15 * MIN });
    // Flat exactly at its runtime after going on battery.
    expect(ups(29.999).output).toBe(true);
    expect(ups(30)).toMatchObject({ mains: false, charge: 0, output: false });
    // From empty, 40 minutes to full: a quarter after 10.
    expect(ups(50)).toMatchObject({ mains: true, charge: 0.25, batterySince: null, output: true });
    expect(ups(80).charge).toBe(1);
    expect(ups(200).charge).toBe(1);
  });

  it('serves what a UPS reports: the source, the battery, the seconds on battery, the mains voltage, and its battery status', () => {
    expect(w.powerAt('m-ups', at(5))).toMatchObject({ source: 'mains', batteryPct: 100, secondsOnBattery: 0, secondsLeft: 1200 });
    expect(w.powerAt('m-ups', at(5))!.inputVoltage).toBeGreaterThanOrEqual(227);
    expect(w.powerAt('m-ups', at(5))!.inputVoltage).toBeLessThanOrEqual(233);
    expect(w.powerAt('m-ups', at(16))).toMatchObject({
      source: 'battery',
      batteryPct: 70,
      secondsOnBattery: 360,
      secondsLeft: 840,
      inputVoltage: 0,
      batteryStatus: 'normal',
    });
    expect(w.powerAt('m-ups', at(26))).toMatchObject({ batteryPct: 20, batteryStatus: 'low' });
    expect(w.powerAt('m-ups', at(30))).toMatchObject({ batteryPct: 0, secondsLeft: 0, batteryStatus: 'depleted' });
    // Back on mains from empty: it could not carry the load yet.
    expect(w.powerAt('m-ups', at(41))).toMatchObject({ source: 'mains', batteryPct: 3, batteryStatus: 'depleted' });
  });

  it('reads a router’s DC UPS as its supply voltage: ~27 V on mains, under 25 V on battery', () => {
    expect(w.powerAt('d-council', at(5))!.inputVoltage).toBe(27.2);
    expect(w.powerAt('d-council', at(15))!.inputVoltage).toBeLessThan(25);
    expect(w.powerAt('d-council', at(15))!.inputVoltage).toBeGreaterThan(23);
  });

  it('tells in plain words what each change does', () => {
    expect(powerWords(w, w.scenarioAt(at(10)))).toBe(
      'queue 2.1 loses mains for 30 min; on battery: m-uplink, m-school, m-ups (20 min left), d-cnap, d-cnap-wifi and 3 more; dark: m-library, d-uplink',
    );
    expect(powerWords(w, w.scenarioAt(at(30)))).toBe('m-ups runs out of battery; dark: m-uplink, m-school, m-ups');
    expect(powerWords(w, w.scenarioAt(at(20)))).toBe('');
  });
});

describe('the MIB of each power profile', () => {
  const w = world([{ group: '2.1', at: '10m', duration: '30m' }]);

  /** The varbinds the simulated agent serves for the profile at `minute`, as the collector's GET gets them. */
  function served(profile: PowerProfile, id: string, minute: number): GetResult[] {
    const r = w.powerAt(id, at(minute))!;
    const { source, batteryStatus, secondsOnBattery, minutesLeft, batteryPct, inputVoltage } = profile.objects;
    const results: GetResult[] = [];
    const integer = (oid: string, value: number, type = ObjectType.Integer!) => results.push({ oid, type, value });
    if (source) integer(source.oid, encodeEnum(source, r.source));
    if (batteryStatus) integer(batteryStatus.oid, encodeEnum(batteryStatus, r.batteryStatus, ['low']));
    for (const [o, value] of [
      [secondsOnBattery, r.secondsOnBattery],
      [minutesLeft, r.secondsLeft],
      [batteryPct, r.batteryPct],
      [inputVoltage, r.inputVoltage],
    ] as const) {
      if (o) integer(o.oid, encodeNumber(o, value), ObjectType[o.type]!);
    }
    expect(results.map((x) => x.oid).sort()).toEqual(powerOids(profile.objects).sort());
    return results;
  }

  it.each([
    ['ups-mib', 'm-ups'],
    ['apc', 'd-cnap-ups'],
  ] as const)('%s: the collector reads back what the model says, on mains and on battery', (vendor, id) => {
    for (const minute of [5, 16, 26]) {
      const r = w.powerAt(id, at(minute))!;
      const { reading, warnings } = decodePower(UPS_PROFILES[vendor], served(UPS_PROFILES[vendor], id, minute));
      expect(warnings).toEqual([]);
      expect(reading).toEqual({
        source: r.source,
        on_battery: r.source === 'battery',
        seconds_on_battery: r.secondsOnBattery,
        battery_pct: r.batteryPct,
        minutes_left: Math.floor(r.secondsLeft / 60),
        input_voltage: r.inputVoltage,
        battery_status: r.batteryStatus,
      });
    }
  });

  it('APC, which has no depleted battery, says low; its runtime is TimeTicks, mains is onLine(2) and battery onBattery(3)', () => {
    const apc = UPS_PROFILES.apc.objects;
    expect(encodeEnum(apc.batteryStatus!, 'depleted', ['low'])).toBe(3);
    expect(encodeEnum(apc.source!, 'mains')).toBe(2);
    expect(encodeEnum(apc.source!, 'battery')).toBe(3);
    expect(encodeNumber(apc.minutesLeft!, 150)).toBe(15_000);
    expect(encodeNumber(UPS_PROFILES['ups-mib'].objects.minutesLeft!, 150)).toBe(2);
  });

  it('MikroTik: the supply voltage in decivolts, read as mains or battery against power.on_battery_below_v', () => {
    const mains = decodePower(VOLTAGE_PROFILES.mikrotik, served(VOLTAGE_PROFILES.mikrotik, 'd-council', 5), 25);
    expect(mains.reading).toMatchObject({ source: 'mains', input_voltage: 27.2 });
    const battery = decodePower(VOLTAGE_PROFILES.mikrotik, served(VOLTAGE_PROFILES.mikrotik, 'd-council', 15), 25);
    expect(battery.reading).toMatchObject({ source: 'battery', input_voltage: w.powerAt('d-council', at(15))!.inputVoltage });
  });
});

describe('the cause of every outage in the ground truth', () => {
  const cases: {
    name: string;
    power: PowerCutInput[];
    faults?: FaultInput[];
    expected: Record<string, (string | number)[][]>;
    villages?: Record<string, (string | number)[][]>;
  }[] = [
    {
      name: 'a scheduled slot: the devices no UPS feeds are dark at once (scheduled_blackout), those it feeds when it runs flat (power)',
      power: [{ group: '2.1', at: '10m', duration: '30m', scheduled: true }],
      expected: {
        'm-library': [[10, 40, 'scheduled_blackout']],
        'm-uplink': [[30, 40, 'power']],
        'm-school': [[30, 40, 'power']],
        'm-ups': [[30, 40, 'power']],
        'd-uplink': [[10, 40, 'scheduled_blackout']],
        // The ЦНАП fails over to Starlink: neither it nor its Wi-Fi is cut off while its UPS lasts.
        'd-cnap': [],
        'd-cnap-wifi': [],
        'd-starlink': [],
        't-uplink': [],
      },
      villages: { makarykha: [[30, 40, 'power']], dmytrivka: [], tsybuleve: [] },
    },
    {
      name: 'an emergency cut of a village: power, for a device without a UPS too',
      power: [{ village: 'tsybuleve', at: '5m', duration: '10m' }],
      expected: { 't-uplink': [[5, 15, 'power']], 'm-library': [] },
      villages: { tsybuleve: [[5, 15, 'power']] },
    },
    {
      name: 'a line’s own fault with mains on is the provider’s; what it cuts off is upstream; another device’s fault is its own',
      power: [],
      faults: [
        { device: 'm-uplink', type: 'outage', at: '5m', duration: '10m' },
        { device: 'm-school', type: 'reboot', at: '20m', duration: '2m' },
      ],
      expected: {
        'm-uplink': [[5, 15, 'provider']],
        'm-library': [[5, 15, 'upstream']],
        'm-school': [
          [5, 15, 'upstream'],
          [20, 22, 'device'],
        ],
      },
      villages: { makarykha: [[5, 15, 'provider']] },
    },
    {
      name: 'no power comes before a fault: a school dark in a cut during its reboot is dark for want of power',
      power: [{ village: 'makarykha', at: '5m', duration: '30m' }],
      faults: [{ device: 'm-library', type: 'outage', at: '1m', duration: '10m' }],
      expected: {
        'm-library': [
          [1, 5, 'device'],
          [5, 35, 'power'],
        ],
        'm-school': [[25, 35, 'power']],
      },
    },
    {
      name: 'the Invincibility Point goes dark when its own UPS runs flat, and its Wi-Fi is then cut off behind the fallen line',
      power: [{ group: '2.1', at: '10m', duration: '3h' }],
      expected: {
        'd-cnap': [[130, 190, 'power']],
        'd-cnap-wifi': [[130, 190, 'power']],
        'd-starlink': [[130, 190, 'power']],
      },
      villages: { dmytrivka: [[130, 190, 'power']] },
    },
    {
      name: 'overlapping cuts of a queue and a village are one blackout; scheduled while a slot is in force',
      power: [
        { group: '2.1', at: '10m', duration: '10m', scheduled: true },
        { village: 'makarykha', at: '15m', duration: '10m' },
      ],
      expected: {
        'm-library': [
          [10, 20, 'scheduled_blackout'],
          [20, 25, 'power'],
        ],
        'm-uplink': [],
      },
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const w = world(c.power, c.faults ? { faults: c.faults } : {});
      const truth = groundTruth(w, c.name, WALL_START, at(240));
      for (const [id, expected] of Object.entries(c.expected)) {
        expect(minutes(truth.devices.find((d) => d.device.id === id)!.outages), id).toEqual(expected);
      }
      for (const [id, expected] of Object.entries(c.villages ?? {})) {
        expect(minutes(truth.villages.find((v) => v.village === id)!.outages), id).toEqual(expected);
      }
    });
  }

  it('keeps the cuts and the supplies in the truth file, so a rebuilt model tells the same power and states', () => {
    const live = world([{ group: '2.1', at: '10m', duration: '30m', scheduled: true }], { repeat: '1h' });
    const truth = JSON.parse(JSON.stringify(groundTruth(live, 'test', WALL_START, at(150)))) as ReturnType<typeof groundTruth>;
    expect(truth.power.cuts.map((c) => [(c.from - WALL_START) / MIN, (c.to! - WALL_START) / MIN, c.group, c.scheduled])).toEqual([
      [10, 40, '2.1', true],
      [70, 100, '2.1', true],
      [130, 160, '2.1', true],
    ]);
    expect(truth.power.supplies.find((s) => s.device === 'm-ups')!.intervals.map((i) => [(i.from - WALL_START) / MIN, i.feed])).toEqual([
      [0, 'mains'],
      [10, 'battery'],
      [30, 'none'],
      [40, 'mains'],
      // 30 of the 40 minutes to charge fully: three quarters, 15 minutes on battery.
      [70, 'battery'],
      [85, 'none'],
      [100, 'mains'],
      [130, 'battery'],
      [145, 'none'],
    ]);
    const rebuilt = worldFromTruth(truth);
    for (let t = WALL_START; t < at(150); t += 97_531) {
      for (const id of ['m-ups', 'd-council']) expect(rebuilt.powerAt(id, t)).toEqual(live.powerAt(id, t));
      for (const id of ['m-school', 'd-cnap-wifi', 'm-library']) expect(rebuilt.trueState(id, t)).toEqual(live.trueState(id, t));
    }
  });
});

describe('cuts made at run time', () => {
  it('cut from then on, and end where they are ended, redoing what the batteries went through', () => {
    const w = world([]);
    const s = (minute: number) => w.scenarioAt(at(minute));
    // The model is asked about the future before the cut, as the player does.
    expect(w.power.supply('m-ups', s(60))!.mains).toBe(true);
    const o: CutOccurrence = { village: 'makarykha', start: s(10), end: null, scheduled: false, source: 'injected', index: null, cycle: 0 };
    w.power.add(o);
    expect(w.power.nextBoundary(s(5))).toBe(s(10));
    expect(w.power.supply('m-ups', s(15))).toMatchObject({ mains: false, charge: 0.75 });
    expect(w.power.nextBoundary(s(15))).toBe(s(30));
    o.end = s(20);
    w.power.forgetFrom(s(20));
    expect(w.power.supply('m-ups', s(25))).toMatchObject({ mains: true });
    expect(w.power.supply('m-ups', s(25))!.charge).toBeCloseTo(0.5 + 5 / 40);
    expect(w.trueState('m-library', at(15))).toMatchObject({ power: 'none', cause: 'power' });
    expect(w.trueState('m-library', at(25))).toMatchObject({ power: 'mains', cause: null });
  });
});
