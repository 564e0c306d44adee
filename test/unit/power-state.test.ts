/**
 * The power tracker: UPS samples (and the fall of a UPS itself) to the power
 * state of supplies and villages, the episodes on battery, and the events
 * stored for them.
 */
import { describe, expect, it } from 'vitest';
import { zonedTimeToUtc } from '../../common/timezone.ts';
import type { Config } from '../../config/schema.ts';
import { buildInventory } from '../../server/inventory.ts';
import type { BlackoutSchedule } from '../../server/power/schedule.ts';
import { POWER_MEMORY_MS, PowerTracker, powerEventPoint, type PowerEvent } from '../../server/power/state.ts';
import { testConfig } from '../support/config.ts';
import { MemorySink } from '../support/memory-sink.ts';
import { battery, mains, powerSample } from '../support/power.ts';

/** 14:00 in Kyiv, 5 December 2026. */
const T0 = zonedTimeToUtc({ year: 2026, month: 12, day: 5, hour: 14, minute: 0 }, 'Europe/Kyiv');
const s = (seconds: number) => T0 + seconds * 1000;
const MIN = 60_000;

const snmp = { credential: 'v2' };
function config(): Config {
  return testConfig({
    snmp_credentials: { v2: { version: '2c', community: 'public' } },
    providers: [{ id: 'ukrtelecom', name: 'Укртелеком' }],
    power: { on_battery_below_v: 25 },
    villages: [
      {
        id: 'ivankivtsi',
        name: 'Іванківці',
        power_group: '3.1',
        devices: [
          { id: 'uplink', kind: 'uplink', provider: 'ukrtelecom', host: '127.0.60.1', snmp },
          { id: 'school', kind: 'institution', category: 'school', host: '127.0.60.2', parent: 'uplink' },
          { id: 'clinic', kind: 'institution', category: 'clinic', host: '127.0.60.3', parent: 'uplink', power_group: '4.2' },
          { id: 'ups-tower', kind: 'ups', vendor: 'ups-mib', host: '127.0.60.4', snmp },
          { id: 'ups-school', kind: 'ups', vendor: 'apc', host: '127.0.60.5', snmp, powers: ['school'] },
        ],
      },
      {
        id: 'makarykha',
        name: 'Макариха',
        devices: [{ id: 'mk-router', kind: 'uplink', host: '127.0.61.1', snmp, power_voltage: 'mikrotik' }],
      },
      { id: 'zarichne', name: 'Зарічне', power_group: '1.2', devices: [{ id: 'zr-uplink', kind: 'uplink', host: '127.0.62.1' }] },
      { id: 'dark', name: 'Без ДБЖ', devices: [{ id: 'dk-uplink', kind: 'uplink', host: '127.0.63.1' }] },
    ],
  });
}

function tracker(schedule?: BlackoutSchedule, startedAt = s(0)) {
  const c = config();
  return new PowerTracker({ config: c, ...(schedule ? { schedule: () => schedule } : {}), startedAt });
}

const types = (events: PowerEvent[]) => events.map((e) => e.type);

describe('a UPS going on battery, running out and getting mains back', () => {
  it('dates the episode by seconds_on_battery, tells each step once, and keeps the episode', () => {
    const t = tracker();
    expect(t.observe(powerSample('ups-tower', s(0), mains())).events).toEqual([]);
    expect(t.snapshot(s(0)).supplies.get('ups-tower')).toMatchObject({ state: 'mains', since: s(0), source: 'mains' });

    const onBattery = t.observe(powerSample('ups-tower', s(60), battery(12, 40)));
    expect(onBattery.changed).toBe(true);
    expect(onBattery.events).toEqual([
      { type: 'on_battery', supply: 'ups-tower', at: s(48), value: 40, message: 'on battery, about 40 min left' },
    ]);
    expect(t.snapshot(s(60)).supplies.get('ups-tower')).toMatchObject({ state: 'battery', since: s(48), minutes_left: 40 });

    // Still on battery: no new event, the estimate follows.
    const later = t.observe(powerSample('ups-tower', s(90), battery(42, 38)));
    expect(later).toEqual({ events: [], changed: true });
    expect(t.snapshot(s(90)).supplies.get('ups-tower')).toMatchObject({ state: 'battery', since: s(48), minutes_left: 38 });

    // Depleted: lost, at the sample that said so.
    const lost = t.observe(powerSample('ups-tower', s(120), battery(72, 0, { battery_status: 'depleted' })));
    expect(lost.events).toEqual([
      { type: 'power_lost', supply: 'ups-tower', at: s(120), value: 72, message: 'power lost after 1 min on battery' },
    ]);
    const view = t.snapshot(s(120)).supplies.get('ups-tower')!;
    expect(view).toMatchObject({ state: 'lost', since: s(120) });
    expect(view.minutes_left).toBeUndefined();

    const back = t.observe(powerSample('ups-tower', s(48 + 3600), mains()));
    expect(back.events).toEqual([
      { type: 'power_restored', supply: 'ups-tower', at: s(3648), value: 3600, message: 'mains back after 1 h on battery' },
    ]);
    expect(t.snapshot(s(3648)).supplies.get('ups-tower')).toMatchObject({ state: 'mains', since: s(3648) });
    expect(t.history('ups-tower')!.episodes).toEqual([
      { supply: 'ups-tower', village: 'ivankivtsi', start: s(48), lost: s(120), end: s(3648), min_minutes_left: 0 },
    ]);
  });

  it('is lost when it falls silent on battery for down_after polls, dated by the first silent one', () => {
    const t = tracker();
    t.observe(powerSample('ups-tower', s(0), battery(null, 20)));
    expect(t.observe(powerSample('ups-tower', s(30), null)).events).toEqual([]);
    expect(t.snapshot(s(30)).supplies.get('ups-tower')!.state).toBe('battery');
    const silent = t.observe(powerSample('ups-tower', s(60), null));
    expect(types(silent.events)).toEqual(['power_lost']);
    expect(silent.events[0]).toMatchObject({ at: s(30), value: 30 });
    expect(t.snapshot(s(60)).supplies.get('ups-tower')).toMatchObject({ state: 'lost', since: s(30) });
  });

  it('takes back a loss when it answers on battery again: it had not run out', () => {
    const t = tracker();
    t.observe(powerSample('ups-tower', s(0), battery(0, 20)));
    t.observe(powerSample('ups-tower', s(30), null));
    t.observe(powerSample('ups-tower', s(60), null));
    expect(types(t.observe(powerSample('ups-tower', s(90), battery(90, 18))).events)).toEqual([]);
    expect(t.snapshot(s(90)).supplies.get('ups-tower')).toMatchObject({ state: 'battery', since: s(0), minutes_left: 18 });
    expect(t.history('ups-tower')!.episodes[0]!.lost).toBeUndefined();
  });

  it('is lost when the state engine sees the UPS itself fall while on battery', () => {
    const t = tracker();
    t.observe(powerSample('ups-tower', s(0), battery(5, 20)));
    const fell = t.supplyFell('ups-tower', s(25));
    expect(fell.changed).toBe(true);
    expect(fell.events).toEqual([
      { type: 'power_lost', supply: 'ups-tower', at: s(25), value: 30, message: 'power lost after under a minute on battery' },
    ]);
    expect(t.history('ups-tower')!.fell).toEqual([s(25)]);
    // A UPS on mains that falls has not lost power as far as anyone knows.
    const u = tracker();
    u.observe(powerSample('ups-tower', s(0), mains()));
    expect(u.supplyFell('ups-tower', s(25))).toEqual({ events: [], changed: false });
    expect(u.snapshot(s(25)).supplies.get('ups-tower')!.state).toBe('mains');
  });

  it('never dates going on battery before the last reading of mains, whatever its counter says', () => {
    const t = tracker();
    t.observe(powerSample('ups-tower', s(0), mains()));
    t.observe(powerSample('ups-tower', s(30), mains()));
    const e = t.observe(powerSample('ups-tower', s(60), battery(3600, 30))).events;
    expect(e[0]).toMatchObject({ type: 'on_battery', at: s(30) });
    expect(t.history('ups-tower')!.mains).toEqual([{ from: s(0), to: s(30) }]);
  });

  it('after a restart, an episode already on battery keeps its start from seconds_on_battery and is not told again', () => {
    const t = tracker(undefined, s(600));
    const first = t.observe(powerSample('ups-tower', s(610), battery(1210, 25)));
    expect(first.events).toEqual([]);
    expect(t.snapshot(s(610)).supplies.get('ups-tower')).toMatchObject({ state: 'battery', since: s(-600) });
    expect(t.history('ups-tower')!.episodes).toEqual([
      { supply: 'ups-tower', village: 'ivankivtsi', start: s(-600), min_minutes_left: 25 },
    ]);
    // One that went on battery after the start is told, even at the supply's first answer.
    const u = tracker(undefined, s(600));
    expect(types(u.observe(powerSample('ups-tower', s(610), battery(5, 25))).events)).toEqual(['on_battery']);
  });

  it('reads an unknown source as unknown without ending the episode', () => {
    const t = tracker();
    t.observe(powerSample('ups-tower', s(0), battery(0, 20)));
    expect(t.observe(powerSample('ups-tower', s(30), mains({ source: 'unknown', on_battery: null }))).events).toEqual([]);
    expect(t.snapshot(s(30)).supplies.get('ups-tower')!.state).toBe('unknown');
    expect(t.observe(powerSample('ups-tower', s(60), battery(60, 19))).events).toEqual([]);
    expect(t.snapshot(s(60)).supplies.get('ups-tower')).toMatchObject({ state: 'battery', since: s(0) });
    // Bypass is mains.
    expect(types(t.observe(powerSample('ups-tower', s(90), mains({ source: 'bypass' }))).events)).toEqual(['power_restored']);
  });

  it('forgets episodes that ended more than 48 hours ago, never an open one', () => {
    const t = tracker();
    t.observe(powerSample('ups-tower', s(0), battery(0, 20)));
    t.observe(powerSample('ups-tower', s(60), mains()));
    t.observe(powerSample('ups-school', s(0), battery(0, 20)));
    const late = s(60) + POWER_MEMORY_MS + MIN;
    t.observe(powerSample('ups-tower', late, mains()));
    t.observe(powerSample('ups-school', late, battery(null, 10)));
    expect(t.history('ups-tower')!.episodes).toEqual([]);
    expect(t.history('ups-tower')!.mains).toEqual([{ from: late, to: late }]);
    expect(t.history('ups-school')!.episodes.map((e) => e.start)).toEqual([s(0)]);
  });
});

describe('what a supply feeds', () => {
  it('a UPS feeds every other device of its village, or what `powers` lists; a read voltage feeds its own device', () => {
    const t = tracker();
    const feeds = (id: string) => t.snapshot(s(0)).supplies.get(id)!.feeds;
    expect(feeds('ups-tower')).toEqual(['uplink', 'school', 'clinic', 'ups-school']);
    expect(feeds('ups-school')).toEqual(['school']);
    expect(feeds('mk-router')).toEqual(['mk-router']);
    expect(t.suppliesOf('school')).toEqual(['ups-tower', 'ups-school']);
    expect(t.suppliesOf('uplink')).toEqual(['ups-tower']);
    // A supply is fed by itself first.
    expect(t.suppliesOf('ups-school')).toEqual(['ups-school', 'ups-tower']);
    expect(t.suppliesOf('mk-router')).toEqual(['mk-router']);
    expect(t.suppliesOf('zr-uplink')).toEqual([]);
  });

  it("a device's queue is its own power_group, else its village's", () => {
    const t = tracker();
    expect(t.groupOf('school')).toBe('3.1');
    expect(t.groupOf('clinic')).toBe('4.2');
    expect(t.groupOf('mk-router')).toBeUndefined();
  });
});

describe('the power of a village', () => {
  it('is the worst of its supplies, with the least time left among those on battery', () => {
    const t = tracker();
    const village = (at: number) => t.snapshot(at).villages.get('ivankivtsi')!;
    expect(village(s(0))).toEqual({ village: 'ivankivtsi', state: 'unknown', since: s(0), group: '3.1' });

    t.observe(powerSample('ups-tower', s(10), mains()));
    expect(village(s(10))).toMatchObject({ state: 'mains', since: s(10), supply: 'ups-tower' });

    t.observe(powerSample('ups-school', s(20), battery(10, 30)));
    t.observe(powerSample('ups-tower', s(40), battery(5, 12)));
    expect(village(s(40))).toMatchObject({ state: 'battery', since: s(10), minutes_left: 12, supply: 'ups-tower' });

    t.observe(powerSample('ups-school', s(50), battery(40, 8)));
    expect(village(s(50))).toMatchObject({ state: 'battery', since: s(10), minutes_left: 8, supply: 'ups-school' });

    t.observe(powerSample('ups-tower', s(60), battery(25, 0, { battery_status: 'depleted' })));
    expect(village(s(60))).toMatchObject({ state: 'lost', since: s(60), minutes_left: 8, supply: 'ups-tower' });

    // Mains back at both: since the last one came back.
    t.observe(powerSample('ups-tower', s(100), mains()));
    t.observe(powerSample('ups-school', s(110), mains()));
    expect(village(s(110))).toMatchObject({ state: 'mains', since: s(110) });
  });

  it('lists villages with a supply or a queue, not the others', () => {
    const t = tracker();
    expect([...t.snapshot(s(0)).villages.keys()]).toEqual(['ivankivtsi', 'makarykha', 'zarichne']);
    expect(t.snapshot(s(0)).villages.get('zarichne')).toEqual({ village: 'zarichne', state: 'unknown', since: s(0), group: '1.2' });
  });

  it('inside a slot of its queue, says when the schedule has mains back', () => {
    const schedule: BlackoutSchedule = {
      source: 'csv',
      slots: [
        { group: '3.1', start: s(-3600), end: s(3 * 3600), kind: 'definite' },
        { group: '1.2', start: s(5 * 3600), end: s(7 * 3600), kind: 'definite' },
      ],
    };
    const t = tracker(schedule);
    expect(t.snapshot(s(0)).villages.get('ivankivtsi')!.mains_expected_at).toBe(s(3 * 3600));
    expect(t.snapshot(s(0)).villages.get('zarichne')!.mains_expected_at).toBeUndefined();
    expect(t.snapshot(s(6 * 3600)).villages.get('zarichne')!.mains_expected_at).toBe(s(7 * 3600));
    expect(t.snapshot(s(3 * 3600)).villages.get('ivankivtsi')!.mains_expected_at).toBeUndefined();
  });
});

describe('reconfigure and the stored events', () => {
  it('keeps what it knows of supplies that stay, and follows what they feed', () => {
    const t = tracker();
    t.observe(powerSample('ups-tower', s(0), battery(0, 20)));
    const c = config();
    const village = c.villages[0]!;
    village.devices = village.devices.map((d) => (d.id === 'ups-tower' ? { ...d, powers: ['uplink'] } : d));
    t.reconfigure(c);
    expect(t.snapshot(s(10)).supplies.get('ups-tower')).toMatchObject({ state: 'battery', since: s(0), feeds: ['uplink'] });
    expect(t.suppliesOf('school')).toEqual(['ups-school']);
  });

  it('writes an event point with the supply device’s tags that the schema accepts', () => {
    const c = config();
    const t = tracker();
    const events = [
      ...t.observe(powerSample('ups-tower', s(0), battery(0, 20))).events,
      ...t.observe(powerSample('ups-tower', s(30), battery(30, 0, { battery_status: 'depleted' }))).events,
      ...t.observe(powerSample('ups-tower', s(90), mains())).events,
    ];
    const sink = new MemorySink();
    sink.write(events.map((e) => powerEventPoint(e, buildInventory(c))!));
    expect(sink.rejected).toEqual([]);
    expect(sink.points.map((p) => [p.tags, p.fields.value, p.time])).toEqual([
      [{ village: 'ivankivtsi', device: 'ups-tower', kind: 'ups', type: 'on_battery' }, 20, s(0)],
      [{ village: 'ivankivtsi', device: 'ups-tower', kind: 'ups', type: 'power_lost' }, 30, s(30)],
      [{ village: 'ivankivtsi', device: 'ups-tower', kind: 'ups', type: 'power_restored' }, 90, s(90)],
    ]);
  });
});
