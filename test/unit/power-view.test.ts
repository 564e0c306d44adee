/**
 * The power views of the dashboard: each village's power with today's and
 * tomorrow's slots of its queue (a slot past midnight on both days, days the
 * schedule does not cover told apart from days without blackouts), the
 * supplies, and the Invincibility Points with their power, links, blackout
 * and what they lack. Every answer is checked against its API schema.
 */
import { describe, expect, it } from 'vitest';
import { invincibilityResponse, powerResponse, type State } from '../../common/api.ts';
import { zonedTimeToUtc } from '../../common/timezone.ts';
import type { Config } from '../../config/schema.ts';
import { buildInventory } from '../../server/inventory.ts';
import { parseScheduleCsv, type BlackoutSchedule } from '../../server/power/schedule.ts';
import type { PowerSnapshot, SupplyView, VillagePowerView } from '../../server/power/types.ts';
import { invincibilityView, powerView, type PowerViewInputs } from '../../server/views/power.ts';
import { testConfig } from '../support/config.ts';

const KYIV = 'Europe/Kyiv';
/** A June day of 2026, Kyiv wall time. */
const kyiv = (day: number, hour: number, minute = 0) => zonedTimeToUtc({ year: 2026, month: 6, day, hour, minute }, KYIV);
const NOW = kyiv(15, 12);

const config: Config = testConfig({
  hromada: { name: 'Тестова громада', timezone: KYIV },
  snmp_credentials: { v2: { version: '2c', community: 'public' } },
  villages: [
    {
      id: 'dmytrivka',
      name: 'Дмитрівка',
      power_group: '3.1',
      devices: [
        { id: 'd-ups', name: 'ДБЖ ради', kind: 'ups', vendor: 'ups-mib', host: '127.0.60.9', snmp: { credential: 'v2' } },
        { id: 'd-up', name: 'Дмитрівка, оптика', kind: 'uplink', host: '127.0.60.1' },
        { id: 'd-starlink', name: 'Дмитрівка, Starlink', kind: 'uplink', host: '127.0.60.2' },
        {
          id: 'd-school',
          name: 'Ліцей',
          kind: 'institution',
          category: 'school',
          host: '127.0.60.3',
          parent: 'd-up',
          invincibility_point: true,
          backup_power: 'ups',
          backup_link: 'starlink',
        },
      ],
    },
    {
      id: 'tsybuleve',
      name: 'Цибулеве',
      devices: [
        { id: 't-up', kind: 'uplink', host: '127.0.61.1' },
        { id: 't-club', name: 'Клуб', kind: 'institution', category: 'culture', host: '127.0.61.2', invincibility_point: true },
      ],
    },
    {
      id: 'ivankivtsi',
      name: 'Іванківці',
      power_group: '4.2',
      devices: [
        { id: 'i-up', name: 'Іванківці, радіо', kind: 'uplink', host: '127.0.62.1' },
        { id: 'i-relay', name: 'Ретранслятор', kind: 'institution', category: 'other', host: '127.0.62.2', parent: 'd-up' },
        {
          id: 'i-school',
          name: 'Школа',
          kind: 'institution',
          category: 'school',
          host: '127.0.62.3',
          parent: 'i-relay',
          power_group: '5.1',
          invincibility_point: true,
          backup_power: 'generator',
          backup_link: 'none',
        },
      ],
    },
  ],
});
const inventory = buildInventory(config);

function schedule(csv: string): BlackoutSchedule {
  const result = parseScheduleCsv(`group,start,end,kind\n${csv}`, { timezone: KYIV });
  if ('problems' in result) throw new Error(result.problems.join('\n'));
  return { ...result, fetched_at: kyiv(15, 6) };
}

/** Queue 3.1 is dark now and again from 22:00 into tomorrow; 5.1 only may be; both days are published. */
const SCHEDULE = schedule(
  [
    '3.1,2026-06-15 10:00,2026-06-15 14:00,definite',
    '3.1,2026-06-15 22:00,2026-06-16 02:00,definite',
    '3.1,2026-06-16 14:00,2026-06-16 18:00,possible',
    '5.1,2026-06-15 11:00,2026-06-15 13:00,possible',
  ].join('\n'),
);

const supply = (view: Partial<SupplyView> & Pick<SupplyView, 'device' | 'village' | 'state'>): SupplyView => ({
  since: kyiv(15, 10, 2),
  source: view.state === 'battery' ? 'battery' : view.state === 'mains' ? 'mains' : 'unknown',
  feeds: [],
  at: NOW,
  ...view,
});

/** The council's UPS carries Дмитрівка on battery; Іванківці has mains; Цибулеве has no supply. */
const POWER: PowerSnapshot = {
  supplies: new Map([
    [
      'd-ups',
      supply({
        device: 'd-ups',
        village: 'dmytrivka',
        state: 'battery',
        minutes_left: 23,
        battery_pct: 64,
        input_voltage: 0,
        feeds: ['d-up', 'd-starlink', 'd-school'],
      }),
    ],
  ]),
  villages: new Map<string, VillagePowerView>([
    [
      'dmytrivka',
      {
        village: 'dmytrivka',
        state: 'battery',
        since: kyiv(15, 10, 2),
        minutes_left: 23,
        supply: 'd-ups',
        group: '3.1',
        mains_expected_at: kyiv(15, 14),
      },
    ],
    ['ivankivtsi', { village: 'ivankivtsi', state: 'mains', since: kyiv(14, 18), group: '4.2' }],
  ]),
};

const STATES: Record<string, State> = {
  'd-up': 'down',
  'd-starlink': 'up',
  'd-school': 'up',
  't-up': 'up',
  't-club': 'down',
  'i-up': 'degraded',
  'i-relay': 'up',
  'i-school': 'up',
};

const inputs = (over: Partial<PowerViewInputs> = {}): PowerViewInputs => ({
  config,
  inventory,
  stateOf: (id) => STATES[id] ?? 'unknown',
  power: POWER,
  schedule: SCHEDULE,
  now: NOW,
  ...over,
});

describe('GET /api/power: villages and their slots', () => {
  const view = powerResponse.parse(powerView(inputs()));
  const village = (id: string) => view.villages.find((v) => v.id === id)!;

  it('gives every village of the config, in its order, with the tracker’s power', () => {
    expect(view.at).toBe(NOW);
    expect(view.schedule).toEqual({ source: 'csv', fetched_at: kyiv(15, 6) });
    expect(view.villages.map((v) => v.id)).toEqual(['dmytrivka', 'tsybuleve', 'ivankivtsi']);
    expect(village('dmytrivka')).toMatchObject({
      name: 'Дмитрівка',
      group: '3.1',
      state: 'battery',
      since: kyiv(15, 10, 2),
      minutes_left: 23,
      supply: 'd-ups',
      mains_expected_at: kyiv(15, 14),
    });
    expect(village('ivankivtsi')).toMatchObject({
      group: '4.2',
      state: 'mains',
      minutes_left: null,
      supply: null,
      mains_expected_at: null,
    });
  });

  it('cuts a slot past midnight at the day’s edge, so it shows on both days, and keeps a possible slot apart', () => {
    expect(village('dmytrivka').slots).toEqual({
      today: [
        { start: kyiv(15, 10), end: kyiv(15, 14), kind: 'definite' },
        { start: kyiv(15, 22), end: kyiv(16, 0), kind: 'definite' },
      ],
      tomorrow: [
        { start: kyiv(16, 0), end: kyiv(16, 2), kind: 'definite' },
        { start: kyiv(16, 14), end: kyiv(16, 18), kind: 'possible' },
      ],
    });
    expect(village('dmytrivka').covered).toEqual({ today: true, tomorrow: true });
  });

  it('tells a published day without blackouts from a day not published yet', () => {
    expect(village('ivankivtsi')).toMatchObject({ slots: { today: [], tomorrow: [] }, covered: { today: true, tomorrow: true } });
    const todayOnly = powerResponse.parse(powerView(inputs({ schedule: schedule('3.1,2026-06-15 10:00,2026-06-15 14:00,definite') })));
    expect(todayOnly.villages.find((v) => v.id === 'ivankivtsi')).toMatchObject({
      slots: { today: [], tomorrow: [] },
      covered: { today: true, tomorrow: false },
    });
  });

  it('follows the clock: at 23:00 "today" is the 15th still, after midnight the 16th is', () => {
    const late = powerView(inputs({ now: kyiv(15, 23) })).villages[0]!;
    expect(late.slots.today.at(-1)).toEqual({ start: kyiv(15, 22), end: kyiv(16, 0), kind: 'definite' });
    const next = powerView(inputs({ now: kyiv(16, 0, 30) })).villages[0]!;
    expect(next.slots.today[0]).toEqual({ start: kyiv(16, 0), end: kyiv(16, 2), kind: 'definite' });
    expect(next.slots.tomorrow).toEqual([]);
    expect(next.covered.tomorrow).toBe(false);
  });

  it('gives a village without a queue, or without a tracker or schedule, no slots and an unknown state', () => {
    expect(village('tsybuleve')).toEqual({
      id: 'tsybuleve',
      name: 'Цибулеве',
      group: null,
      state: 'unknown',
      since: null,
      minutes_left: null,
      supply: null,
      mains_expected_at: null,
      slots: { today: [], tomorrow: [] },
      covered: { today: false, tomorrow: false },
    });
    const bare = powerResponse.parse(powerView(inputs({ power: undefined, schedule: undefined })));
    expect(bare.schedule).toBeNull();
    expect(bare.supplies).toEqual([]);
    expect(bare.villages[0]).toMatchObject({ group: '3.1', state: 'unknown', slots: { today: [], tomorrow: [] } });
  });

  it('lists the supplies with their names, readings and what they feed; unknown figures as null, never zero', () => {
    expect(view.supplies).toEqual([
      {
        device: 'd-ups',
        name: 'ДБЖ ради',
        village: 'dmytrivka',
        state: 'battery',
        source: 'battery',
        since: kyiv(15, 10, 2),
        minutes_left: 23,
        battery_pct: 64,
        input_voltage: 0,
        feeds: ['d-up', 'd-starlink', 'd-school'],
      },
    ]);
    const silent = powerView(
      inputs({ power: { ...POWER, supplies: new Map([['d-ups', supply({ device: 'd-ups', village: 'dmytrivka', state: 'unknown' })]]) } }),
    );
    expect(silent.supplies[0]).toMatchObject({ state: 'unknown', minutes_left: null, battery_pct: null, input_voltage: null });
  });
});

describe('GET /api/invincibility-points', () => {
  const view = invincibilityResponse.parse(invincibilityView(inputs()));
  const point = (id: string) => view.points.find((p) => p.id === id)!;

  it('lists the devices marked invincibility_point, in config order, with the counts the page heads with', () => {
    expect(view.points.map((p) => p.id)).toEqual(['d-school', 't-club', 'i-school']);
    expect(view.summary).toEqual({ total: 3, in_blackout: 1, online_in_blackout: 1, lacking: 2 });
  });

  it('keeps internet in a blackout: power from the UPS that feeds it, its links, online', () => {
    expect(point('d-school')).toEqual({
      id: 'd-school',
      name: 'Ліцей',
      village: 'dmytrivka',
      state: 'up',
      power: { state: 'battery', since: kyiv(15, 10, 2), minutes_left: 23, supply: 'd-ups' },
      backup_power: 'ups',
      backup_link: 'starlink',
      // Its parent's uplink first, then the rest of its village's: the Starlink that keeps it online.
      links: [
        { id: 'd-up', name: 'Дмитрівка, оптика', kind: 'uplink', state: 'down' },
        { id: 'd-starlink', name: 'Дмитрівка, Starlink', kind: 'uplink', state: 'up' },
      ],
      online: true,
      in_blackout: true,
      meets_requirement: true,
      lacks: [],
    });
  });

  it('names what a point lacks: nothing said is none', () => {
    expect(point('t-club')).toMatchObject({
      power: { state: 'unknown', since: null, minutes_left: null, supply: null },
      backup_power: null,
      backup_link: null,
      links: [{ id: 't-up', name: 't-up', kind: 'uplink', state: 'up' }],
      online: false,
      in_blackout: false,
      meets_requirement: false,
      lacks: ['backup_power', 'backup_link'],
    });
    expect(point('i-school')).toMatchObject({ backup_power: 'generator', backup_link: 'none', lacks: ['backup_link'] });
  });

  it('follows the parent chain into another village for its uplinks, nearest first', () => {
    expect(point('i-school').links.map((l) => `${l.id}=${l.state}`)).toEqual(['d-up=down', 'i-up=degraded']);
    // Without a supply of its own, a point has its village's power.
    expect(point('i-school').power).toEqual({ state: 'mains', since: kyiv(14, 18), minutes_left: null, supply: null });
  });

  it('does not lend a point the village UPS that does not feed it: without mains, its own power is unknown', () => {
    const dark: PowerSnapshot = {
      supplies: new Map([
        ['i-ups', supply({ device: 'i-ups', village: 'ivankivtsi', state: 'battery', minutes_left: 9, feeds: ['i-up'] })],
      ]),
      villages: new Map([
        ['ivankivtsi', { village: 'ivankivtsi', state: 'battery', since: kyiv(15, 11), minutes_left: 9, supply: 'i-ups', group: '4.2' }],
      ]),
    };
    expect(invincibilityView(inputs({ power: dark })).points.find((p) => p.id === 'i-school')).toMatchObject({
      power: { state: 'unknown', since: null, minutes_left: null, supply: null },
      in_blackout: true,
    });
  });

  const ivankivtsi = POWER.villages.get('ivankivtsi')!;
  const withVillage = (view: Partial<VillagePowerView>): PowerSnapshot => ({
    supplies: POWER.supplies,
    villages: new Map([...POWER.villages, ['ivankivtsi', { ...ivankivtsi, ...view }]]),
  });
  it.each<{ name: string; over: Partial<PowerViewInputs>; in_blackout: boolean }>([
    { name: 'mains, and its own queue (5.1) only possibly dark', over: {}, in_blackout: false },
    { name: 'its village on battery', over: { power: withVillage({ state: 'battery', minutes_left: 40 }) }, in_blackout: true },
    { name: 'its village’s power lost', over: { power: withVillage({ state: 'lost' }) }, in_blackout: true },
    {
      name: 'its own UPS on battery while the village has mains',
      over: {
        power: {
          supplies: new Map([['i-ups', supply({ device: 'i-ups', village: 'ivankivtsi', state: 'battery', feeds: ['i-school'] })]]),
          villages: POWER.villages,
        },
      },
      in_blackout: true,
    },
    {
      name: 'its own queue in a definite slot, the tracker knowing nothing',
      over: { power: undefined, schedule: schedule('5.1,2026-06-15 11:00,2026-06-15 13:00,definite') },
      in_blackout: true,
    },
    {
      name: 'its village’s queue (4.2) in a slot, its own (5.1) not',
      over: { power: undefined, schedule: schedule('4.2,2026-06-15 11:00,2026-06-15 13:00,definite') },
      in_blackout: false,
    },
    {
      name: 'a definite slot of its queue that is over',
      over: { power: undefined, schedule: schedule('5.1,2026-06-15 08:00,2026-06-15 12:00,definite') },
      in_blackout: false,
    },
  ])('in a blackout when $name: $in_blackout', ({ over, in_blackout }) => {
    const p = invincibilityView(inputs(over)).points.find((x) => x.id === 'i-school')!;
    expect(p.in_blackout).toBe(in_blackout);
  });

  it('gives the power of the worst of the supplies that feed a point', () => {
    const two: PowerSnapshot = {
      supplies: new Map([
        ['a', supply({ device: 'a', village: 'dmytrivka', state: 'battery', minutes_left: 50, feeds: ['d-school'] })],
        ['b', supply({ device: 'b', village: 'dmytrivka', state: 'battery', minutes_left: 12, feeds: ['d-school'] })],
        ['c', supply({ device: 'c', village: 'dmytrivka', state: 'mains', feeds: ['d-school'] })],
      ]),
      villages: POWER.villages,
    };
    expect(invincibilityView(inputs({ power: two })).points[0]!.power).toMatchObject({ state: 'battery', minutes_left: 12, supply: 'b' });
  });
});
