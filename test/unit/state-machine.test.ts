/**
 * The state machine, table-driven: each case feeds samples and clock ticks to
 * a fresh machine over a small hromada and checks the states, transitions,
 * outages and village changes it reports.
 */
import { describe, expect, it } from 'vitest';
import type { Sample } from '../../collector/samples.ts';
import type { ConfigInput } from '../../config/schema.ts';
import { buildInventory } from '../../server/inventory.ts';
import { StateMachine } from '../../server/state/machine.ts';
import { maintenanceSchedule } from '../../server/state/maintenance.ts';
import type { Change, RestoredSubject, State } from '../../server/state/types.ts';
import { testConfig } from '../support/config.ts';

/** Tue 3 June 2025 01:00 in Kyiv (UTC+3): a maintenance window "Tue 02:00-03:00" opens an hour later. */
const T0 = Date.UTC(2025, 5, 2, 22, 0);
const s = (seconds: number) => T0 + seconds * 1000;

function config(extra: Partial<ConfigInput> = {}) {
  return testConfig({
    snmp_credentials: { v2: { version: '2c', community: 'public' } },
    providers: [{ id: 'isp', name: 'Провайдер' }],
    villages: [
      {
        id: 'north',
        name: 'Північне',
        devices: [
          { id: 'uplink', kind: 'uplink', provider: 'isp', host: '127.0.50.1', snmp: { credential: 'v2', interface: 'ether1' } },
          { id: 'school', kind: 'institution', category: 'school', host: '127.0.50.2', parent: 'uplink' },
          { id: 'school-wifi', kind: 'wifi', host: '127.0.50.3', parent: 'school' },
          { id: 'park-wifi', kind: 'wifi', host: '127.0.50.4', parent: 'uplink' },
        ],
      },
      {
        id: 'south',
        name: 'Південне',
        devices: [
          { id: 'fibre', kind: 'uplink', host: '127.0.51.1' },
          { id: 'lte', kind: 'uplink', host: '127.0.51.2', ping: false, snmp: { credential: 'v2', interface: 'lte1' } },
          { id: 'clinic', kind: 'institution', category: 'clinic', host: '127.0.51.3', parent: 'fibre' },
        ],
      },
    ],
    services: [{ id: 'website', name: 'Сайт', url: 'https://127.0.52.1/' }],
    alerts: { maintenance: [{ devices: ['park-wifi'], weekly: 'Tue 02:00-03:00' }] },
    ...extra,
  });
}

type Action =
  | { ping: string; at: number; ok?: boolean; loss?: number; rtt?: number }
  | { snmp: string; at: number; ok?: boolean; oper_up?: boolean; reboot?: boolean }
  | { service: string; at: number; up?: boolean; tls_days?: number }
  | { tick: number };

function sampleOf(a: Exclude<Action, { tick: number }>): Sample {
  if ('ping' in a) {
    const ok = a.ok ?? true;
    return {
      source: 'ping',
      subject: a.ping,
      at: a.at,
      reachable: ok,
      loss_pct: ok ? (a.loss ?? 0) : 100,
      rtt_avg_ms: ok ? (a.rtt ?? 1) : null,
    };
  }
  if ('snmp' in a) {
    return {
      source: 'snmp',
      subject: a.snmp,
      at: a.at,
      ok: a.ok ?? true,
      ...(a.ok === false ? { error: 'timeout' } : { oper_up: a.oper_up ?? true, interface: 'ether1' }),
      ...(a.reboot ? { reboot: { previous_uptime_s: 1000, uptime_s: 5 } } : {}),
    };
  }
  return {
    source: 'service',
    subject: `service:${a.service}`,
    at: a.at,
    up: a.up ?? true,
    ...(a.tls_days !== undefined ? { tls_days_left: a.tls_days } : {}),
  };
}

function run(actions: Action[], options: { cfg?: ReturnType<typeof config>; restore?: RestoredSubject[] } = {}) {
  const cfg = options.cfg ?? config();
  const inventory = buildInventory(cfg);
  const machine = new StateMachine({ inventory, states: cfg.states, maintenance: maintenanceSchedule(cfg, inventory) });
  if (options.restore) machine.restore(options.restore, T0);
  const changes: Change[] = [];
  const rechecks: string[][] = [];
  const rechecksNow: string[][] = [];
  for (const a of actions) {
    const r = 'tick' in a ? machine.tick(a.tick) : machine.observe(sampleOf(a));
    changes.push(...r.changes);
    rechecks.push(r.recheck);
    rechecksNow.push(r.recheckNow);
  }
  const state = (key: string) => machine.view(key)!.state;
  const transitions = (subject: string) =>
    changes
      .filter((c): c is Extract<Change, { type: 'transition' }> => c.type === 'transition' && c.subject === subject)
      .map((c): [State, State, number] => [c.from, c.to, c.at]);
  return { machine, changes, rechecks, rechecksNow, state, transitions, snapshot: () => machine.snapshot(s(9999)) };
}

/** Every device answers at t, in parent-first order. */
const allAnswer = (at: number): Action[] =>
  ['uplink', 'school', 'school-wifi', 'park-wifi', 'fibre', 'clinic'].map((d) => ({ ping: d, at }));

interface Case {
  name: string;
  actions: Action[];
  states?: Record<string, State>;
  transitions?: Record<string, Array<[State, State, number]>>;
  check?: (r: ReturnType<typeof run>) => void;
}

const cutOff = ['school', 'school-wifi', 'park-wifi'];

const cases: Case[] = [
  {
    name: 'unknown until the first answer, then up',
    actions: [{ ping: 'uplink', at: s(0) }],
    states: { uplink: 'up', school: 'unknown' },
    transitions: { uplink: [['unknown', 'up', s(0)]] },
  },
  {
    name: 'down after down_after failures in a row, dated by the first; up after up_after answers, dated by the first',
    actions: [
      { ping: 'uplink', at: s(0) },
      { ping: 'uplink', at: s(10), ok: false },
      { ping: 'uplink', at: s(20), ok: false },
      { ping: 'uplink', at: s(30) },
      { ping: 'uplink', at: s(40) },
    ],
    states: { uplink: 'up' },
    transitions: {
      uplink: [
        ['unknown', 'up', s(0)],
        ['up', 'down', s(10)],
        ['down', 'up', s(30)],
      ],
    },
    check: ({ changes }) => {
      expect(changes.filter((c) => c.type === 'outage_start' || c.type === 'outage_end')).toEqual([
        // Devices with no data yet behind a down uplink are unreachable too.
        { type: 'outage_start', subject: 'uplink', start: s(10), reason: 'no answer to ping', unreachable: cutOff },
        { type: 'outage_end', subject: 'uplink', start: s(10), end: s(30), reason: 'no answer to ping', unreachable: cutOff },
      ]);
    },
  },
  {
    name: 'one lost check is not an outage, but asks for a quick recheck',
    actions: [
      { ping: 'uplink', at: s(0) },
      { ping: 'uplink', at: s(10), ok: false },
      { ping: 'uplink', at: s(12) },
    ],
    states: { uplink: 'up' },
    transitions: { uplink: [['unknown', 'up', s(0)]] },
    check: ({ rechecks }) => expect(rechecks[1]).toEqual(['uplink']),
  },
  {
    name: 'an uplink outage: the uplink is down, everything behind it unreachable, never down',
    actions: [
      ...allAnswer(s(0)),
      // The school's poll comes first and fails twice before the uplink's does: its decision waits.
      { ping: 'school', at: s(3), ok: false },
      { ping: 'school', at: s(5), ok: false },
      { ping: 'uplink', at: s(6), ok: false },
      { ping: 'park-wifi', at: s(7), ok: false },
      { ping: 'uplink', at: s(8), ok: false },
      { ping: 'school-wifi', at: s(9), ok: false },
      { ping: 'park-wifi', at: s(12), ok: false },
    ],
    states: { uplink: 'down', school: 'unreachable', 'school-wifi': 'unreachable', 'park-wifi': 'unreachable' },
    transitions: {
      uplink: [
        ['unknown', 'up', s(0)],
        ['up', 'down', s(6)],
      ],
      school: [
        ['unknown', 'up', s(0)],
        ['up', 'unreachable', s(6)],
      ],
      // Its failure at 7 s came after the uplink's first (6 s): cut off since the uplink's outage began.
      'park-wifi': [
        ['unknown', 'up', s(0)],
        ['up', 'unreachable', s(6)],
      ],
    },
    check: ({ changes, rechecks, snapshot }) => {
      // While the school waited for its uplink, the uplink was asked for.
      expect(rechecks[7]).toContain('uplink');
      expect(changes.some((c) => c.type === 'outage_start' && c.subject !== 'uplink')).toBe(false);
      expect(snapshot().subjects.get('school')).toMatchObject({ state: 'unreachable', cause: 'uplink' });
      expect(snapshot().subjects.get('school-wifi')).toMatchObject({ state: 'unreachable', cause: 'uplink' });
      expect(snapshot().subjects.get('uplink')!.outage!.unreachable.sort()).toEqual(['park-wifi', 'school', 'school-wifi']);
    },
  },
  {
    name: 'devices not heard from since their uplink went down are unreachable at once; one that answered since stays up',
    actions: [
      ...allAnswer(s(0)),
      { ping: 'uplink', at: s(10), ok: false },
      { ping: 'park-wifi', at: s(10.5) },
      { ping: 'uplink', at: s(12), ok: false },
    ],
    states: { uplink: 'down', school: 'unreachable', 'school-wifi': 'unreachable', 'park-wifi': 'up' },
    check: ({ snapshot }) => expect(snapshot().subjects.get('uplink')!.outage!.unreachable).toEqual(['school', 'school-wifi']),
  },
  {
    name: 'a child down while its parent answers is down: the parent is checked first',
    actions: [
      ...allAnswer(s(0)),
      { ping: 'school', at: s(3), ok: false },
      { ping: 'school', at: s(5), ok: false },
      { ping: 'uplink', at: s(6) },
      { ping: 'school-wifi', at: s(9), ok: false },
    ],
    states: { uplink: 'up', school: 'down', 'school-wifi': 'unreachable' },
    transitions: {
      school: [
        ['unknown', 'up', s(0)],
        ['up', 'down', s(3)],
      ],
    },
    check: ({ rechecks, snapshot }) => {
      expect(rechecks[7]).toEqual(['uplink']);
      expect(snapshot().subjects.get('school-wifi')).toMatchObject({ cause: 'school' });
    },
  },
  {
    name: 'recovery: devices that answer again are up with their uplink; one still silent is unknown, then down',
    actions: [
      ...allAnswer(s(0)),
      { ping: 'uplink', at: s(6), ok: false },
      { ping: 'uplink', at: s(8), ok: false },
      { ping: 'school', at: s(9), ok: false },
      { ping: 'park-wifi', at: s(9), ok: false },
      // The uplink answers once; the devices behind it are re-checked at once, and answer, except the park AP.
      { ping: 'uplink', at: s(20) },
      { ping: 'school', at: s(20.1) },
      { ping: 'park-wifi', at: s(20.1), ok: false },
      { ping: 'uplink', at: s(22) },
      { ping: 'park-wifi', at: s(23), ok: false },
      { ping: 'park-wifi', at: s(25), ok: false },
      // Down only once the uplink has answered since the access point stopped answering.
      { ping: 'uplink', at: s(26) },
    ],
    states: { uplink: 'up', school: 'up', 'park-wifi': 'down' },
    transitions: {
      school: [
        ['unknown', 'up', s(0)],
        ['up', 'unreachable', s(6)],
        ['unreachable', 'up', s(20.1)],
      ],
      'park-wifi': [
        ['unknown', 'up', s(0)],
        ['up', 'unreachable', s(6)],
        ['unreachable', 'unknown', s(20)],
        ['unknown', 'down', s(23)],
      ],
    },
    check: ({ rechecks, rechecksNow }) => {
      // The uplink's first answer: it is checked again soon, the devices behind it at once.
      expect(rechecks[allAnswer(0).length + 4]).toEqual(['uplink']);
      expect(rechecksNow[allAnswer(0).length + 4]).toEqual(['school', 'school-wifi', 'park-wifi']);
    },
  },
  {
    name: 'a device down on its own stays one outage while its uplink goes down and comes back',
    actions: [
      ...allAnswer(s(0)),
      { ping: 'school', at: s(1), ok: false },
      { ping: 'uplink', at: s(2) },
      { ping: 'school', at: s(3), ok: false },
      { ping: 'uplink', at: s(10), ok: false },
      { ping: 'uplink', at: s(12), ok: false },
      { ping: 'school', at: s(13), ok: false },
      { ping: 'uplink', at: s(20) },
      { ping: 'uplink', at: s(22) },
      { ping: 'school', at: s(23), ok: false },
      { ping: 'school', at: s(30) },
      { ping: 'school', at: s(32) },
    ],
    states: { school: 'up' },
    check: ({ changes, transitions }) => {
      expect(transitions('school').map(([from, to]) => `${from}>${to}`)).toEqual([
        'unknown>up',
        'up>down',
        'down>unreachable',
        'unreachable>down',
        'down>up',
      ]);
      expect(changes.filter((c) => c.type === 'outage_start' && c.subject === 'school')).toHaveLength(1);
      expect(changes.find((c) => c.type === 'outage_end' && c.subject === 'school')).toMatchObject({ start: s(1), end: s(30) });
    },
  },
  {
    name: 'a village is offline when all its uplinks are, and back with the first',
    actions: [
      ...allAnswer(s(0)),
      { snmp: 'lte', at: s(0) },
      { ping: 'fibre', at: s(10), ok: false },
      { ping: 'fibre', at: s(12), ok: false },
      { snmp: 'lte', at: s(15), ok: false },
      { snmp: 'lte', at: s(17), ok: false },
      { snmp: 'lte', at: s(30) },
      { snmp: 'lte', at: s(32) },
    ],
    states: { fibre: 'down', lte: 'up', clinic: 'unreachable' },
    check: ({ changes }) => {
      expect(changes.filter((c) => c.type === 'village')).toEqual([
        { type: 'village', village: 'south', at: s(15), offline: true, uplinks: ['fibre', 'lte'] },
        { type: 'village', village: 'south', at: s(30), offline: false, uplinks: ['fibre', 'lte'] },
      ]);
    },
  },
  {
    name: 'degraded by packet loss averaged over the window, and back',
    actions: [
      { ping: 'uplink', at: s(0) },
      { ping: 'uplink', at: s(10), loss: 67 },
      { ping: 'uplink', at: s(20), loss: 33 },
      { ping: 'uplink', at: s(30) },
      { ping: 'uplink', at: s(40) },
      { ping: 'uplink', at: s(50) },
      { ping: 'uplink', at: s(60) },
      { ping: 'uplink', at: s(70) },
      { ping: 'uplink', at: s(80) },
    ],
    states: { uplink: 'up' },
    check: ({ transitions, changes }) => {
      expect(transitions('uplink').map(([from, to, at]) => [from, to, (at - T0) / 1000])).toEqual([
        ['unknown', 'up', 0],
        ['up', 'degraded', 10],
        ['degraded', 'up', 40],
      ]);
      expect(changes.find((c) => c.type === 'transition' && c.to === 'degraded')).toMatchObject({ reason: 'packet loss 33%' });
    },
  },
  {
    name: 'degraded by round-trip time over degraded_rtt_ms',
    actions: [
      { ping: 'uplink', at: s(0) },
      { ping: 'uplink', at: s(10), rtt: 450 },
      { ping: 'uplink', at: s(20), rtt: 500 },
    ],
    states: { uplink: 'degraded' },
    check: ({ machine }) => expect(machine.view('uplink')!.reason).toBe('round trip 500 ms'),
  },
  {
    name: 'degraded when SNMP fails while ping answers; up again when SNMP answers',
    actions: [
      { ping: 'uplink', at: s(0) },
      { snmp: 'uplink', at: s(1) },
      { snmp: 'uplink', at: s(5), ok: false },
      { snmp: 'uplink', at: s(9), ok: false },
      { ping: 'uplink', at: s(10) },
      { ping: 'uplink', at: s(20) },
      { snmp: 'uplink', at: s(25) },
      { ping: 'uplink', at: s(30) },
      { ping: 'uplink', at: s(40) },
    ],
    states: { uplink: 'up' },
    check: ({ transitions, changes }) => {
      expect(transitions('uplink').map(([, to]) => to)).toEqual(['up', 'degraded', 'up']);
      expect(changes.find((c) => c.type === 'transition' && c.to === 'degraded')).toMatchObject({ reason: 'SNMP not answering (timeout)' });
    },
  },
  {
    name: 'SNMP failing while the device is down does not make it degraded when it is back',
    actions: [
      { ping: 'uplink', at: s(0) },
      { ping: 'uplink', at: s(10), ok: false },
      { snmp: 'uplink', at: s(11), ok: false },
      { ping: 'uplink', at: s(12), ok: false },
      { snmp: 'uplink', at: s(15), ok: false },
      { ping: 'uplink', at: s(20) },
      // Polls begun during the outage that time out after ping is back do not count either.
      { snmp: 'uplink', at: s(18), ok: false },
      { snmp: 'uplink', at: s(19), ok: false },
      { ping: 'uplink', at: s(22) },
      { ping: 'uplink', at: s(30) },
      { ping: 'uplink', at: s(40) },
    ],
    states: { uplink: 'up' },
  },
  {
    name: 'degraded when the configured interface is down on a reachable uplink',
    actions: [
      { ping: 'uplink', at: s(0) },
      { snmp: 'uplink', at: s(1), oper_up: false },
      { ping: 'uplink', at: s(10) },
      { ping: 'uplink', at: s(20) },
    ],
    states: { uplink: 'degraded' },
    check: ({ machine }) => expect(machine.view('uplink')!.reason).toBe('interface ether1 is down'),
  },
  {
    name: 'a device without ping goes by SNMP',
    actions: [
      { snmp: 'lte', at: s(0) },
      { snmp: 'lte', at: s(60), ok: false },
      { snmp: 'lte', at: s(62), ok: false },
    ],
    states: { lte: 'down' },
    check: ({ machine }) => expect(machine.view('lte')!.reason).toBe('no answer to SNMP (timeout)'),
  },
  {
    name: 'flapping: more than four changes within ten minutes, reported once; over after a quiet window',
    actions: [
      { ping: 'fibre', at: s(0) },
      ...[10, 30, 50, 70, 90, 110].flatMap((t): Action[] => [
        { ping: 'fibre', at: s(t), ok: false },
        { ping: 'fibre', at: s(t + 2), ok: false },
        { ping: 'fibre', at: s(t + 10) },
        { ping: 'fibre', at: s(t + 12) },
      ]),
      { tick: s(200) },
      { tick: s(122 + 600) },
    ],
    states: { fibre: 'up' },
    check: ({ changes, snapshot }) => {
      const flapping = changes.filter((c) => c.type === 'flapping');
      expect(flapping).toEqual([
        { type: 'flapping', subject: 'fibre', at: s(50), flapping: true, transitions: 5 },
        { type: 'flapping', subject: 'fibre', at: s(722), flapping: false, transitions: 0 },
      ]);
      expect(snapshot().subjects.get('fibre')!.flapping).toBeUndefined();
    },
  },
  {
    name: 'maintenance window (weekly, local time): no outage while it lasts; still down after it: down',
    actions: [
      { ping: 'uplink', at: s(0) },
      { ping: 'park-wifi', at: s(0) },
      { tick: s(3600) },
      { ping: 'park-wifi', at: s(3610), ok: false },
      { ping: 'uplink', at: s(3611) },
      { ping: 'park-wifi', at: s(3620), ok: false },
      { tick: s(7200) },
    ],
    states: { 'park-wifi': 'down' },
    transitions: {
      'park-wifi': [
        ['unknown', 'up', s(0)],
        ['up', 'maintenance', s(3600)],
        ['maintenance', 'down', s(7200)],
      ],
    },
    check: ({ changes }) =>
      expect(changes.filter((c) => c.type === 'outage_start')).toMatchObject([{ subject: 'park-wifi', start: s(7200) }]),
  },
  {
    name: 'a reboot is reported, and a service is up, down, with its certificate days',
    actions: [
      { snmp: 'uplink', at: s(0), reboot: true },
      { service: 'website', at: s(0), tls_days: 10 },
      { service: 'website', at: s(60), up: false },
      { service: 'website', at: s(62), up: false },
    ],
    states: { 'service:website': 'down' },
    check: ({ changes, snapshot }) => {
      expect(changes.filter((c) => c.type === 'reboot')).toEqual([
        { type: 'reboot', subject: 'uplink', at: s(0), previous_uptime_s: 1000, uptime_s: 5 },
      ]);
      expect(snapshot().subjects.get('service:website')!.tls).toEqual({ daysLeft: 10, at: s(0), expiresAt: s(0) + 10 * 86_400_000 });
    },
  },
];

describe('state machine', () => {
  for (const c of cases) {
    it(c.name, () => {
      const r = run(c.actions);
      for (const [key, state] of Object.entries(c.states ?? {})) expect(r.state(key), key).toBe(state);
      for (const [key, list] of Object.entries(c.transitions ?? {})) expect(r.transitions(key), key).toEqual(list);
      c.check?.(r);
    });
  }
});

describe('state machine after a restart', () => {
  const restored: RestoredSubject[] = [
    {
      key: 'uplink',
      state: 'down',
      since: s(-300),
      reason: 'no answer to ping',
      outage: { start: s(-300), reason: 'no answer to ping', unreachable: ['school'] },
      transitions: [],
    },
    { key: 'school', state: 'unreachable', since: s(-300), cause: 'uplink', transitions: [] },
    { key: 'park-wifi', state: 'up', since: s(-3000), transitions: [] },
  ];

  it('keeps an outage in progress: no new transition while it lasts, and the same outage ends', () => {
    const r = run(
      [
        { ping: 'uplink', at: s(0), ok: false },
        { ping: 'school', at: s(1), ok: false },
        { ping: 'uplink', at: s(10), ok: false },
        { ping: 'uplink', at: s(20) },
        { ping: 'school', at: s(20.5) },
        { ping: 'uplink', at: s(22) },
      ],
      { restore: restored },
    );
    expect(r.transitions('uplink')).toEqual([['down', 'up', s(20)]]);
    expect(r.transitions('school')).toEqual([['unreachable', 'up', s(20.5)]]);
    expect(r.changes.filter((c) => c.type === 'outage_start')).toEqual([]);
    expect(r.changes.find((c) => c.type === 'outage_end')).toEqual({
      type: 'outage_end',
      subject: 'uplink',
      start: s(-300),
      end: s(20),
      reason: 'no answer to ping',
      unreachable: ['school'],
    });
  });

  it('rebuilds the village as offline from its uplinks, with the same since', () => {
    const r = run([], {
      restore: [
        { key: 'fibre', state: 'down', since: s(-100), outage: { start: s(-100), reason: 'x', unreachable: [] }, transitions: [] },
        { key: 'lte', state: 'down', since: s(-50), outage: { start: s(-50), reason: 'x', unreachable: [] }, transitions: [] },
      ],
    });
    expect(r.snapshot().villages.get('south')).toEqual({ id: 'south', offline: true, since: s(-50), maintenance: false });
  });

  it('remembers recent transitions for flapping', () => {
    const r = run(
      [
        { ping: 'fibre', at: s(10), ok: false },
        { ping: 'fibre', at: s(12), ok: false },
      ],
      { restore: [{ key: 'fibre', state: 'up', since: s(-10), transitions: [s(-100), s(-80), s(-40), s(-10)] }] },
    );
    expect(r.changes.filter((c) => c.type === 'flapping')).toEqual([
      { type: 'flapping', subject: 'fibre', at: s(10), flapping: true, transitions: 5 },
    ]);
  });
});

describe('maintenance set at run time', () => {
  it('puts a device in maintenance from the next tick and takes it out when the window is removed', () => {
    const cfg = config();
    const inventory = buildInventory(cfg);
    const schedule = maintenanceSchedule(cfg, inventory);
    const machine = new StateMachine({ inventory, states: cfg.states, maintenance: schedule });
    for (const at of [s(1), s(2)]) for (const d of ['fibre', 'clinic']) machine.observe(sampleOf({ ping: d, at }));
    expect(machine.view('clinic')!.state).toBe('up');

    schedule.setExtra([{ keys: ['clinic'], from: s(3), to: s(60) }]);
    machine.tick(s(2.5));
    expect(machine.view('clinic')!.state).toBe('up');
    machine.tick(s(3));
    expect(machine.view('clinic')!.state).toBe('maintenance');
    // Failures inside the window are neither down nor an outage.
    const during = [
      machine.observe(sampleOf({ ping: 'clinic', at: s(4), ok: false })),
      machine.observe(sampleOf({ ping: 'clinic', at: s(5), ok: false })),
    ];
    // Its parent still answers: the failures are the clinic's own.
    during.push(machine.observe(sampleOf({ ping: 'fibre', at: s(5.5) })));
    expect(during.flatMap((r) => r.changes).filter((c) => c.type === 'outage_start')).toEqual([]);

    schedule.setExtra([]);
    machine.tick(s(6));
    expect(machine.view('clinic')!.state).toBe('down');
  });
});

describe('state machine after a reload of the config', () => {
  /** The base hromada with school at another address (polled differently), park-wifi gone and a new AP. */
  const reloaded = () => {
    const base = config();
    const [north, south] = base.villages;
    return {
      ...base,
      villages: [
        {
          ...north!,
          devices: [
            ...north!.devices.filter((d) => d.id !== 'park-wifi').map((d) => (d.id === 'school' ? { ...d, host: '127.0.50.22' } : d)),
            { ...north!.devices[3]!, id: 'new-ap', host: '127.0.50.5' },
          ],
        },
        south!,
      ],
      alerts: { ...base.alerts, maintenance: [] },
    };
  };

  /** Before the reload: fibre down (clinic cut off behind it), park-wifi down on its own, the rest up. */
  function beforeReload() {
    const r = run([
      ...allAnswer(s(0)),
      { ping: 'fibre', at: s(10), ok: false },
      { ping: 'park-wifi', at: s(10), ok: false },
      { ping: 'fibre', at: s(20), ok: false },
      { ping: 'park-wifi', at: s(20), ok: false },
      { ping: 'uplink', at: s(21) },
      { ping: 'clinic', at: s(22), ok: false },
    ]);
    expect([r.state('fibre'), r.state('clinic'), r.state('park-wifi'), r.state('school')]).toEqual(['down', 'unreachable', 'down', 'up']);
    return r;
  }

  function reload(machine: StateMachine, fresh: string[], at: number) {
    const cfg = reloaded();
    const inventory = buildInventory(cfg);
    return machine.reconfigure({ inventory, states: cfg.states, maintenance: maintenanceSchedule(cfg, inventory) }, new Set(fresh), at);
  }

  it('keeps what it knows of subjects that stay, ends what leaves, and starts fresh and new subjects unknown', () => {
    const { machine } = beforeReload();
    const ended = reload(machine, ['school'], s(100));
    expect(ended).toEqual([
      { type: 'transition', subject: 'school', from: 'up', to: 'unknown', at: s(100), reason: 'changed in the config' },
      { type: 'outage_end', subject: 'park-wifi', start: s(10), end: s(100), reason: 'no answer to ping', unreachable: [] },
    ]);
    const snapshot = machine.snapshot(s(100));
    expect(snapshot.subjects.has('park-wifi')).toBe(false);
    expect(snapshot.subjects.get('new-ap')).toMatchObject({ state: 'unknown' });
    expect(snapshot.subjects.get('school')).toMatchObject({ state: 'unknown' });
    expect(snapshot.subjects.get('uplink')).toMatchObject({ state: 'up', since: s(0) });
    expect(snapshot.subjects.get('fibre')).toMatchObject({ state: 'down', since: s(10), outage: { start: s(10) } });
    expect(snapshot.subjects.get('clinic')).toMatchObject({ state: 'unreachable', cause: 'fibre' });

    // What goes on after it is what would have gone on without it: the same outage of fibre ends.
    const after = [
      machine.observe(sampleOf({ ping: 'fibre', at: s(110) })),
      machine.observe(sampleOf({ ping: 'fibre', at: s(120) })),
      machine.observe(sampleOf({ ping: 'school', at: s(121) })),
      machine.observe(sampleOf({ ping: 'new-ap', at: s(122) })),
      machine.observe(sampleOf({ ping: 'park-wifi', at: s(123) })),
    ].flatMap((step) => step.changes);
    expect(after.filter((c) => c.type === 'outage_end')).toEqual([
      { type: 'outage_end', subject: 'fibre', start: s(10), end: s(110), reason: 'no answer to ping', unreachable: ['clinic'] },
    ]);
    expect(after.filter((c) => c.type === 'transition').map((c) => c.type === 'transition' && [c.subject, c.from, c.to])).toEqual([
      ['fibre', 'down', 'up'],
      ['clinic', 'unreachable', 'unknown'],
      ['school', 'unknown', 'up'],
      ['new-ap', 'unknown', 'up'],
    ]);
  });

  it('ends the outage of a subject that starts afresh, and counts its village again from its uplinks without a change', () => {
    const { machine } = beforeReload();
    machine.observe(sampleOf({ snmp: 'lte', at: s(30), ok: false }));
    machine.observe(sampleOf({ snmp: 'lte', at: s(40), ok: false }));
    expect(machine.snapshot(s(40)).villages.get('south')).toMatchObject({ offline: true, since: s(30) });

    // Nothing of south changed: the village stays offline since the same time.
    expect(reload(machine, [], s(100)).map((c) => c.type)).toEqual(['outage_end']);
    expect(machine.snapshot(s(100)).villages.get('south')).toMatchObject({ offline: true, since: s(30) });

    const ended = reload(machine, ['fibre'], s(200));
    expect(ended).toEqual([
      { type: 'outage_end', subject: 'fibre', start: s(10), end: s(200), reason: 'no answer to ping', unreachable: ['clinic'] },
      { type: 'transition', subject: 'fibre', from: 'down', to: 'unknown', at: s(200), reason: 'changed in the config' },
    ]);
    expect(machine.snapshot(s(200)).villages.get('south')).toMatchObject({ offline: false });
  });
});
