/**
 * The cause of an outage: each rule of `judgeOutage` and the order they are
 * tried in, how a later judgement settles over an earlier one, and the
 * monitor judging real outages of its state engine from ping and power
 * samples (provisional at the start, again when the UPS reports late, final
 * at the end, in the view the alerts read and in the stored outage point).
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.ts';
import type { CauseJudgement } from '../../common/words/cause.ts';
import { zonedTimeToUtc } from '../../common/timezone.ts';
import type { Config } from '../../config/schema.ts';
import { causeWindowMs, judgeOutage, rejudgeWithinMs, settleCause, type OutageCase } from '../../server/power/cause.ts';
import type { BlackoutSchedule } from '../../server/power/schedule.ts';
import type { PowerEpisode, SupplyHistory } from '../../server/power/types.ts';
import { startMonitor } from '../../server/monitor.ts';
import { testConfig } from '../support/config.ts';
import { memoryEventStore } from '../support/memory-sink.ts';
import { battery, mains, observation, pingSample, powerSample } from '../support/power.ts';

const T0 = zonedTimeToUtc({ year: 2026, month: 12, day: 5, hour: 14, minute: 30 }, 'Europe/Kyiv');
const s = (seconds: number) => T0 + seconds * 1000;
const W = 60_000;

const uplink = { key: 'uplink', type: 'device', kind: 'uplink', provider: { id: 'ukrtelecom', name: 'Укртелеком' } } as const;
const school = { key: 'school', type: 'device', kind: 'institution' } as const;
const ups = { key: 'ups', type: 'device', kind: 'ups' } as const;
const website = { key: 'service:website', type: 'service' } as const;

const episode = (start: number, more: Partial<PowerEpisode> = {}): PowerEpisode => ({ supply: 'ups', village: 'v', start, ...more });
const supply = (more: Partial<SupplyHistory> = {}): SupplyHistory => ({ device: 'ups', episodes: [], mains: [], fell: [], ...more });
const onMains = (device = 'ups') => supply({ device, mains: [{ from: s(-600), to: s(-20) }] });
const slot31: BlackoutSchedule = { source: 'csv', slots: [{ group: '3.1', start: s(-1800), end: s(5400), kind: 'definite' }] };

const base: OutageCase = { subject: uplink, start: T0, maintenance: false, supplies: [], windowMs: W };
const judge = (more: Partial<OutageCase>) => judgeOutage({ ...base, ...more });

describe('judgeOutage, rule by rule', () => {
  const cases: Array<[string, Partial<OutageCase>, CauseJudgement]> = [
    ['maintenance: began in a window', { maintenance: true }, { cause: 'maintenance', evidence: {} }],
    ['upstream: an ancestor was down', { downAncestor: 'core' }, { cause: 'upstream', evidence: { parent: 'core' } }],
    [
      'power: its UPS was on battery when it fell',
      { supplies: [supply({ episodes: [episode(s(-900))] })] },
      { cause: 'power', evidence: { supply: 'ups', on_battery_at: s(-900) } },
    ],
    [
      'power: its UPS ran out as it fell',
      { supplies: [supply({ episodes: [episode(s(-1800), { lost: s(-5) })] })] },
      { cause: 'power', evidence: { supply: 'ups', on_battery_at: s(-1800), lost_at: s(-5) } },
    ],
    [
      'power: the UPS reported its battery only after the ping failed (within the window)',
      { supplies: [supply({ episodes: [episode(s(40))] })] },
      { cause: 'power', evidence: { supply: 'ups', on_battery_at: s(40) } },
    ],
    [
      'power: its UPS fell with it (within the window), never read on battery',
      { supplies: [supply({ fell: [s(-45)], mains: [{ from: s(-600), to: s(-50) }] })] },
      { cause: 'power', evidence: { supply: 'ups' } },
    ],
    [
      'scheduled_blackout: inside its slot, no UPS evidence',
      { group: '3.1', schedule: slot31 },
      { cause: 'scheduled_blackout', evidence: { slot: { group: '3.1', start: s(-1800), end: s(5400) } } },
    ],
    [
      'provider: an uplink down while its UPS reads mains',
      { supplies: [onMains()] },
      { cause: 'provider', evidence: { provider: 'ukrtelecom', supply: 'ups', mains_ok: true } },
    ],
    [
      'device: an institution down while its UPS reads mains',
      { subject: school, supplies: [onMains()] },
      { cause: 'device', evidence: { supply: 'ups', mains_ok: true } },
    ],
    [
      'device: an uplink without a provider, power good',
      { subject: { key: 'uplink', type: 'device', kind: 'uplink' }, supplies: [onMains()] },
      { cause: 'device', evidence: { supply: 'ups', mains_ok: true } },
    ],
    ['unknown: an uplink with no power information and no slot (the provider is not blamed)', {}, { cause: 'unknown', evidence: {} }],
    ['unknown: an institution without a supply', { subject: school }, { cause: 'unknown', evidence: {} }],
    [
      'unknown: a service, whatever the power',
      { subject: website, supplies: [supply({ episodes: [episode(s(-60))] })] },
      { cause: 'unknown', evidence: {} },
    ],
    ['maintenance: a service in its window', { subject: website, maintenance: true }, { cause: 'maintenance', evidence: {} }],
  ];
  it.each(cases)('%s', (_, facts, expected) => expect(judge(facts)).toEqual(expected));
});

describe('judgeOutage, the order of the rules and their edges', () => {
  const onBattery = supply({ episodes: [episode(s(-900))] });
  it.each<[string, Partial<OutageCase>, CauseJudgement['cause']]>([
    ['maintenance before upstream and power', { maintenance: true, downAncestor: 'core', supplies: [onBattery] }, 'maintenance'],
    ['upstream before power', { downAncestor: 'core', supplies: [onBattery] }, 'upstream'],
    ['power before the schedule', { supplies: [onBattery], group: '3.1', schedule: slot31 }, 'power'],
    [
      'a UPS reading mains overrules the slot: the schedule was not applied',
      { supplies: [onMains()], group: '3.1', schedule: slot31 },
      'provider',
    ],
    ['a slot of another queue does not count', { group: '4.2', schedule: slot31 }, 'unknown'],
    [
      'an episode that ended before it fell is not its cause',
      { supplies: [supply({ episodes: [episode(s(-900), { end: s(-10) })] })] },
      'unknown',
    ],
    ['an episode begun after the window is not its cause', { supplies: [supply({ episodes: [episode(s(61))] })] }, 'unknown'],
    ['a UPS that fell outside the window is no evidence', { supplies: [supply({ fell: [s(-61)] })] }, 'unknown'],
    [
      'a mains reading outside the window vouches for nothing',
      { supplies: [supply({ mains: [{ from: s(-900), to: s(-61) }] })] },
      'unknown',
    ],
    ['a mains reading just after it fell vouches for mains', { supplies: [supply({ mains: [{ from: s(30), to: s(30) }] })] }, 'provider'],
  ])('%s', (_, facts, cause) => expect(judge(facts).cause).toBe(cause));

  it("a supply's own fall is no evidence of its own power: a UPS that falls on mains is the UPS's fault", () => {
    const self = supply({ fell: [T0], mains: [{ from: s(-600), to: s(-30) }] });
    expect(judge({ subject: ups, supplies: [self] })).toEqual({ cause: 'device', evidence: { supply: 'ups', mains_ok: true } });
    // But on battery when it fell, it ran out.
    expect(judge({ subject: ups, supplies: [supply({ fell: [T0], episodes: [episode(s(-300), { lost: T0 })] })] }).cause).toBe('power');
  });

  it('names the UPS that ran out before one merely on battery, then the one on battery the longest', () => {
    const a = supply({ device: 'ups-a', episodes: [episode(s(-3600))] });
    const b = supply({ device: 'ups-b', episodes: [episode(s(-600), { lost: s(-2) })] });
    const c = supply({ device: 'ups-c', episodes: [episode(s(-7200))] });
    expect(judge({ supplies: [a, b, c] }).evidence).toEqual({ supply: 'ups-b', on_battery_at: s(-600), lost_at: s(-2) });
    expect(judge({ supplies: [a, c] }).evidence).toEqual({ supply: 'ups-c', on_battery_at: s(-7200) });
  });

  it('does not tell of a UPS running out hours after the device fell', () => {
    const late = supply({ episodes: [episode(s(-600), { lost: s(3600) })] });
    expect(judge({ supplies: [late] }).evidence).toEqual({ supply: 'ups', on_battery_at: s(-600) });
  });
});

describe('settleCause', () => {
  const power: CauseJudgement = { cause: 'power', evidence: { supply: 'ups', on_battery_at: s(-60) } };
  const provider: CauseJudgement = { cause: 'provider', evidence: { provider: 'ukrtelecom', supply: 'ups', mains_ok: true } };
  const blackout: CauseJudgement = { cause: 'scheduled_blackout', evidence: { slot: { group: '3.1', start: s(-1800), end: s(5400) } } };
  const unknown: CauseJudgement = { cause: 'unknown', evidence: {} };

  it('takes news that explains more: provider → power (the UPS reported late), blackout → provider (a UPS read mains after all)', () => {
    expect(settleCause(provider, power)).toBe(power);
    expect(settleCause(blackout, provider)).toBe(provider);
    expect(settleCause(undefined, unknown)).toBe(unknown);
  });
  it('never lets unknown, nor a lapse of memory, undo what was found at the start', () => {
    expect(settleCause(provider, unknown)).toBe(provider);
    expect(settleCause(power, blackout)).toBe(power);
    expect(settleCause(power, undefined)).toBe(power);
  });
  it('after a restart, only power (a UPS counts its own time on battery) replaces what was stored', () => {
    expect(settleCause(provider, blackout, true)).toBe(provider);
    expect(settleCause(blackout, power, true)).toBe(power);
    expect(settleCause(undefined, blackout, true)).toBe(blackout);
  });
});

describe('the windows', () => {
  it('are two polls of the slower of ping and the power probe, and re-judging lasts a couple of minutes', () => {
    const c = testConfig({ villages: [{ id: 'v', name: 'V', devices: [] }] });
    expect(causeWindowMs(c)).toBe(60_000);
    expect(rejudgeWithinMs(c)).toBe(120_000);
    const slow = testConfig({ villages: [{ id: 'v', name: 'V', devices: [] }], polling: { power: { interval: '2m' } } });
    expect(rejudgeWithinMs(slow)).toBe(480_000);
  });
});

// ---------------------------------------------------------------------------
// The monitor: the state engine's outages judged from ping and power samples.

const snmp = { credential: 'v2' };
function hromada(): Config {
  return testConfig({
    snmp_credentials: { v2: { version: '2c', community: 'public' } },
    providers: [{ id: 'ukrtelecom', name: 'Укртелеком' }],
    states: { recheck: false },
    villages: [
      {
        id: 'ivankivtsi',
        name: 'Іванківці',
        power_group: '3.1',
        devices: [
          { id: 'iv-uplink', kind: 'uplink', provider: 'ukrtelecom', host: '127.0.70.1' },
          { id: 'iv-school', kind: 'institution', category: 'school', host: '127.0.70.2', parent: 'iv-uplink' },
          { id: 'iv-ups', kind: 'ups', vendor: 'ups-mib', host: '127.0.70.3', snmp, powers: ['iv-uplink', 'iv-school'] },
        ],
      },
      {
        id: 'zarichne',
        name: 'Зарічне',
        power_group: '3.1',
        devices: [{ id: 'zr-uplink', kind: 'uplink', provider: 'ukrtelecom', host: '127.0.71.1' }],
      },
    ],
  });
}

async function monitorAt(schedule?: BlackoutSchedule) {
  const clock = { now: s(-600) };
  const store = memoryEventStore();
  const monitor = await startMonitor({
    config: hromada(),
    log: silentLogger(),
    store,
    recheck: false,
    channels: [],
    now: () => clock.now,
    ...(schedule ? { schedule: () => schedule } : {}),
  });
  const feed = (sample: Parameters<typeof observation>[0]) => {
    clock.now = Math.max(clock.now, sample.at);
    monitor.onObservation(observation(sample));
  };
  const outagePoints = (device: string) => store.points.filter((p) => p.measurement === 'outage' && p.tags.device === device);
  return { monitor, store, feed, outagePoints };
}

/** Two failed pings (down_after 2) from `at`: the outage begins at `at`. */
const fall = (feed: (x: ReturnType<typeof pingSample>) => void, device: string, at: number) => {
  feed(pingSample(device, at, false));
  feed(pingSample(device, at + 10_000, false));
};

describe('the monitor judges its outages', () => {
  it('provisional at the start, again when the UPS reports its battery late, final at the end; stored and shown', async () => {
    const { monitor, feed, store, outagePoints } = await monitorAt();
    for (const d of ['iv-uplink', 'iv-school', 'iv-ups']) feed(pingSample(d, s(-60), true));
    feed(powerSample('iv-ups', s(-30), mains()));

    fall(feed, 'iv-uplink', s(0));
    const provisional = { cause: 'provider', evidence: { provider: 'ukrtelecom', supply: 'iv-ups', mains_ok: true } };
    expect(monitor.engine.view('iv-uplink')!.outage).toMatchObject({ start: s(0), cause: provisional });
    expect(outagePoints('iv-uplink')[0]!.fields).toMatchObject({
      open: 1,
      cause: 'provider',
      cause_evidence: JSON.stringify(provisional.evidence),
    });

    // The UPS's next poll: on battery for 40 s, i.e. since before the ping failed.
    feed(powerSample('iv-ups', s(30), battery(40, 25)));
    const power = { cause: 'power', evidence: { supply: 'iv-ups', on_battery_at: s(-10) } };
    expect(monitor.engine.view('iv-uplink')!.outage!.cause).toEqual(power);
    expect(outagePoints('iv-uplink').at(-1)).toEqual({
      measurement: 'outage',
      tags: { village: 'ivankivtsi', device: 'iv-uplink', kind: 'uplink', provider: 'ukrtelecom' },
      fields: { cause: 'power', cause_evidence: JSON.stringify(power.evidence) },
      time: s(0),
    });
    // The alerts see it, and the power beside it.
    const alerts = monitor.snapshot();
    expect(alerts.subjects.get('iv-uplink')!.outage!.cause).toEqual(power);
    expect(alerts.power!.villages.get('ivankivtsi')).toMatchObject({ state: 'battery', minutes_left: 25, supply: 'iv-ups' });
    expect(monitor.power.snapshot().supplies.get('iv-ups')).toMatchObject({ state: 'battery', since: s(-10) });

    // The UPS runs out, then mains come back and the uplink answers again.
    feed(powerSample('iv-ups', s(60), battery(70, 0, { battery_status: 'depleted' })));
    feed(powerSample('iv-ups', s(600), mains()));
    feed(pingSample('iv-uplink', s(610), true));
    feed(pingSample('iv-uplink', s(620), true));
    const final = { cause: 'power', evidence: { supply: 'iv-ups', on_battery_at: s(-10), lost_at: s(60) } };
    expect(outagePoints('iv-uplink').at(-1)!.fields).toMatchObject({
      open: 0,
      end_ms: s(610),
      cause: 'power',
      cause_evidence: JSON.stringify(final.evidence),
    });
    expect(monitor.engine.view('iv-uplink')!.outage).toBeUndefined();

    const events = store.points.filter((p) => p.measurement === 'event' && p.tags.device === 'iv-ups');
    expect(events.map((p) => [p.tags.type, p.fields.value, p.time])).toEqual([
      ['on_battery', 25, s(-10)],
      ['power_lost', 70, s(60)],
      ['power_restored', 610, s(600)],
    ]);
    await monitor.stop();
  });

  it('does not re-judge an outage on power news long after it began', async () => {
    const { monitor, feed } = await monitorAt();
    feed(pingSample('iv-uplink', s(-60), true));
    feed(powerSample('iv-ups', s(-30), mains()));
    fall(feed, 'iv-uplink', s(0));
    feed(powerSample('iv-ups', s(300), battery(5, 25)));
    expect(monitor.engine.view('iv-uplink')!.outage!.cause!.cause).toBe('provider');
    await monitor.stop();
  });

  it('judges a UPS that falls with the device as power, once the engine sees the UPS fall', async () => {
    const { monitor, feed, outagePoints } = await monitorAt();
    for (const d of ['iv-uplink', 'iv-ups']) feed(pingSample(d, s(-60), true));
    fall(feed, 'iv-uplink', s(0));
    expect(monitor.engine.view('iv-uplink')!.outage!.cause).toEqual({ cause: 'unknown', evidence: {} });
    fall(feed, 'iv-ups', s(5));
    expect(monitor.engine.view('iv-uplink')!.outage!.cause).toEqual({ cause: 'power', evidence: { supply: 'iv-ups' } });
    expect(outagePoints('iv-uplink').at(-1)!.fields).toEqual({ cause: 'power', cause_evidence: '{"supply":"iv-ups"}' });
    await monitor.stop();
  });

  it('judges a dark village without a UPS inside its slot as a scheduled blackout', async () => {
    const { monitor, feed } = await monitorAt(slot31);
    feed(pingSample('zr-uplink', s(-60), true));
    fall(feed, 'zr-uplink', s(0));
    expect(monitor.engine.view('zr-uplink')!.outage!.cause).toEqual({
      cause: 'scheduled_blackout',
      evidence: { slot: { group: '3.1', start: s(-1800), end: s(5400) } },
    });
    expect(monitor.power.snapshot().villages.get('zarichne')!.mains_expected_at).toBe(s(5400));
    await monitor.stop();
  });

  it('keeps judging after a reload, with what the new config says feeds what', async () => {
    const { monitor, feed } = await monitorAt();
    feed(pingSample('iv-school', s(-60), true));
    feed(pingSample('iv-uplink', s(-60), true));
    feed(powerSample('iv-ups', s(-30), mains()));
    const next = hromada();
    next.villages[0]!.devices = next.villages[0]!.devices.map((d) => (d.id === 'iv-ups' ? { ...d, powers: ['iv-uplink'] } : d));
    monitor.reconfigure(next, new Set());
    expect(monitor.power.suppliesOf('iv-school')).toEqual([]);
    fall(feed, 'iv-school', s(0));
    // Its uplink answers after it stopped: the school's failure is its own.
    feed(pingSample('iv-uplink', s(15), true));
    expect(monitor.engine.view('iv-school')!.outage!.cause!.cause).toBe('unknown');
    feed(powerSample('iv-ups', s(90), mains()));
    fall(feed, 'iv-uplink', s(100));
    expect(monitor.engine.view('iv-uplink')!.outage!.cause!.cause).toBe('provider');
    await monitor.stop();
  });
});
