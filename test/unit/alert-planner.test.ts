/**
 * The alert planner, table-driven: each case plays a timeline of states (as
 * the state machine reports them) and checks which alerts are made, for which
 * channels, with which words; the book is kept between steps exactly as the
 * alert service keeps it, and can be rebuilt from the records (a restart).
 */
import { describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../config/schema.ts';
import { AlertBook } from '../../server/alerts/book.ts';
import { ongoingEpisodes, planAlerts } from '../../server/alerts/planner.ts';
import type { AlertRecord } from '../../alerting/record.ts';
import { buildInventory } from '../../server/inventory.ts';
import type { Snapshot, SubjectView, VillageView } from '../../server/state/types.ts';
import type { SupplyView, VillagePowerView } from '../../server/power/types.ts';
import type { CauseJudgement } from '../../common/words/cause.ts';
import { testConfig } from '../support/config.ts';
import type { Locale } from '../../common/words/locale.ts';

/** Tue 3 June 2025 12:00 in Kyiv (UTC+3). */
const T0 = Date.UTC(2025, 5, 3, 9, 0);
const min = (m: number) => T0 + m * 60_000;

const ALL = ['hook', 'tg', 'mail'];

function config(alerts: ConfigInput['alerts'] = {}, locale: Locale = 'uk') {
  return testConfig({
    hromada: { name: 'Тестова громада', locale },
    snmp_credentials: { v2: { version: '2c', community: 'public' } },
    providers: [{ id: 'isp', name: 'Укртелеком' }],
    villages: [
      {
        id: 'north',
        name: 'Макариха',
        devices: [
          { id: 'uplink', name: 'Макариха, канал Укртелеком', kind: 'uplink', provider: 'isp', host: '127.0.60.1' },
          { id: 'school', name: 'Макарихська школа', kind: 'institution', category: 'school', host: '127.0.60.2', parent: 'uplink' },
          { id: 'park-wifi', name: 'Free WiFi, парк', kind: 'wifi', host: '127.0.60.3', parent: 'uplink' },
          { id: 'school-ups', name: 'ДБЖ школи', kind: 'ups', vendor: 'apc', host: '127.0.60.8', snmp: { credential: 'v2' } },
          { id: 'tower-ups', name: 'ДБЖ вежі', kind: 'ups', vendor: 'ups-mib', host: '127.0.60.9', snmp: { credential: 'v2' } },
        ],
      },
      {
        id: 'south',
        name: 'Дмитрівка',
        devices: [
          { id: 'fibre', kind: 'uplink', host: '127.0.61.1' },
          { id: 'lte', kind: 'uplink', host: '127.0.61.2' },
          { id: 'clinic', name: 'Амбулаторія', kind: 'institution', category: 'clinic', host: '127.0.61.3', parent: 'fibre' },
        ],
      },
    ],
    services: [{ id: 'website', name: 'Сайт громади', url: 'https://127.0.62.1/' }],
    alerts: {
      dashboard_url: 'http://127.0.0.1:8080/',
      channels: [
        { id: 'hook', type: 'webhook', url: 'http://127.0.0.1:9999/hook' },
        { id: 'tg', type: 'telegram', bot_token: 'x', chat_id: '-100123', api_url: 'http://127.0.0.1:9998' },
        { id: 'mail', type: 'email', smtp: 'smtp://127.0.0.1:2525', from: 'm@example.gov.ua', to: ['it@example.gov.ua'] },
      ],
      rules: [{ on: ['down', 'recovered', 'village_offline', 'flapping'], channels: ALL }],
      ...alerts,
    },
  });
}

/** What the state machine would report: anything not named is up since long ago (and on mains, with `power`). */
interface World {
  subjects?: Record<string, Partial<SubjectView>>;
  villages?: Record<string, Partial<VillageView>>;
  power?: { villages?: Record<string, Partial<VillagePowerView>>; supplies?: Record<string, Partial<SupplyView>> };
}

const SUPPLIES = ['school-ups', 'tower-ups'];

function snapshot(cfg: ReturnType<typeof config>, at: number, world: World): Snapshot {
  const inventory = buildInventory(cfg);
  const subjects = new Map<string, SubjectView>();
  for (const key of inventory.order) subjects.set(key, { key, state: 'up', since: min(-1000), reason: '', ...world.subjects?.[key] });
  const villages = new Map<string, VillageView>();
  for (const id of inventory.villages.keys())
    villages.set(id, { id, offline: false, since: 0, maintenance: false, ...world.villages?.[id] });
  if (!world.power) return { at, subjects, villages };
  const supplies = new Map(
    SUPPLIES.map((device): [string, SupplyView] => [
      device,
      { device, village: 'north', state: 'mains', since: min(-1000), source: 'mains', feeds: [], at, ...world.power?.supplies?.[device] },
    ]),
  );
  const power = new Map([['north', { village: 'north', state: 'mains' as const, since: min(-1000), ...world.power.villages?.north }]]);
  return { at, subjects, villages, power: { supplies, villages: power } };
}

/**
 * The village's power as the tracker gives it: the supplies with their minutes
 * left on battery since `since`, the village on battery with the least of them.
 */
function onBattery(since: number, left: Record<string, number>, village: Partial<VillagePowerView> = {}): World['power'] {
  const [supply, minutes] = Object.entries(left).sort(([, a], [, b]) => a - b)[0]!;
  const supplies = Object.fromEntries(
    Object.entries(left).map(([device, m]): [string, Partial<SupplyView>] => [
      device,
      { state: 'battery', since, source: 'battery', minutes_left: m, battery_pct: Math.min(100, m * 2) },
    ]),
  );
  return { supplies, villages: { north: { state: 'battery', since, minutes_left: minutes, supply, ...village } } };
}
const mainsBack = (since: number): World['power'] => ({ villages: { north: { state: 'mains', since } } });
const POWER_RULES = [{ on: ['on_battery' as const, 'battery_low' as const, 'power_restored' as const], channels: ['hook', 'tg'] }];

interface Step {
  at: number;
  world: World;
  /** Rebuild the book from the records so far first, as after a restart. */
  restart?: boolean;
  ack?: string;
  /** [action, event, subject, channels] of the records this step must make. */
  expect: Array<[string, string, string, string[]]>;
  check?: (records: AlertRecord[]) => void;
}

function play(cfg: ReturnType<typeof config>, steps: Step[]) {
  const inventory = buildInventory(cfg);
  let book = new AlertBook();
  const all: AlertRecord[] = [];
  for (const [i, step] of steps.entries()) {
    if (step.restart) book = new AlertBook(all);
    if (step.ack) {
      for (const key of book.openKeys().filter((k) => k.includes(`:${step.ack}:`))) {
        const ack: AlertRecord = { ...book.opening(key)!, id: `ack-${i}`, action: 'ack', key, channels: [], by: 'it', time: step.at };
        book.add(ack);
        all.push(ack);
      }
    }
    const plan = planAlerts({ config: cfg, inventory, snapshot: snapshot(cfg, step.at, step.world), book, now: step.at });
    for (const r of plan.records) book.add(r);
    all.push(...plan.records);
    expect(
      plan.records.map((r) => [r.action, r.event, r.subject, r.channels]),
      `step ${i} at ${(step.at - T0) / 60_000} min`,
    ).toEqual(step.expect);
    step.check?.(plan.records);
  }
  return all;
}

const outage = (start: number, extra: Partial<SubjectView> = {}): Partial<SubjectView> => ({
  state: 'down',
  since: start,
  reason: 'no answer to ping',
  outage: { start, reason: 'no answer to ping', unreachable: [] },
  ...extra,
});
const cut = (since: number, cause: string): Partial<SubjectView> => ({ state: 'unreachable', since, cause });

const OUTAGE = { reason: 'no answer to ping', unreachable: [] };
const mainsPresent: CauseJudgement = { cause: 'provider', evidence: { provider: 'isp', supply: 'school-ups', mains_ok: true } };
/** Макариха dark at 12:20: the tower's UPS, on battery since 12:00, ran out. */
const darkNorth: World = {
  subjects: {
    uplink: outage(min(20), {
      outage: {
        ...OUTAGE,
        start: min(20),
        cause: { cause: 'power', evidence: { supply: 'tower-ups', on_battery_at: min(0), lost_at: min(20) } },
      },
    }),
    school: cut(min(20), 'uplink'),
    'park-wifi': cut(min(20), 'uplink'),
  },
  villages: { north: { offline: true, since: min(20) } },
  power: {
    supplies: { 'tower-ups': { state: 'lost', since: min(20), source: 'battery' } },
    villages: { north: { state: 'lost', since: min(20), supply: 'tower-ups' } },
  },
};

const northDown: World = {
  subjects: { uplink: outage(min(0)), school: cut(min(0), 'uplink'), 'park-wifi': cut(min(0), 'uplink') },
  villages: { north: { offline: true, since: min(0) } },
};
const fibreDown: World = { subjects: { fibre: outage(min(0)), clinic: cut(min(0), 'fibre') } };

interface Case {
  name: string;
  alerts?: ConfigInput['alerts'];
  locale?: Locale;
  steps: Step[];
}

const cases: Case[] = [
  {
    name: 'an uplink outage: one alert per channel naming the village and listing the devices behind it; none for them',
    steps: [
      {
        at: min(0.5),
        world: fibreDown,
        expect: [['open', 'down', 'fibre', ['hook', 'mail', 'tg']]],
        check: ([r]) => {
          expect(r).toMatchObject({
            village: { id: 'south', name: 'Дмитрівка' },
            unreachable: ['clinic'],
            villageOffline: false,
            state: 'down',
          });
          expect(r!.title).toBe('Немає зв’язку: fibre');
          expect(r!.message).toContain('Без зв’язку через це (1): Амбулаторія.');
          expect(r!.message).toContain('Село: Дмитрівка.');
          expect(r!.message).toContain('Панель: http://127.0.0.1:8080/devices/fibre');
        },
      },
      { at: min(1), world: fibreDown, expect: [] },
      { at: min(5), world: fibreDown, expect: [] },
      {
        at: min(12),
        world: { subjects: { fibre: { state: 'up', since: min(11) }, clinic: { state: 'up', since: min(11) } } },
        expect: [['close', 'recovered', 'fibre', ['hook', 'mail', 'tg']]],
        check: ([r]) => {
          expect(r).toMatchObject({ since: min(0), until: min(11), unreachable: ['clinic'] });
          expect(r!.title).toBe('Відновлено: fibre');
          expect(r!.message).toContain('Знову відповідають: Амбулаторія.');
          expect(r!.message).toContain('(11 хв)');
        },
      },
      { at: min(13), world: {}, expect: [] },
    ],
  },
  {
    name: 'the only uplink of a village: one alert says the village is offline, one recovery says it is back',
    steps: [
      {
        at: min(0.5),
        world: northDown,
        expect: [['open', 'down', 'uplink', ALL.toSorted()]],
        check: ([r]) => {
          expect(r).toMatchObject({ villageOffline: true, unreachable: ['school', 'park-wifi'], device: { provider: 'isp' } });
          expect(r!.title).toBe('Село Макариха без зв’язку: Макариха, канал Укртелеком');
          expect(r!.message).toContain('Провайдер: Укртелеком.');
          expect(r!.message).toContain('Ймовірна причина: недоступні всі канали села (Укртелеком)');
        },
      },
      { at: min(2), world: northDown, expect: [] },
      {
        at: min(20),
        world: { subjects: { uplink: { state: 'up', since: min(19) }, 'park-wifi': { state: 'unknown', since: min(19) } } },
        expect: [
          ['close', 'recovered', 'uplink', ALL.toSorted()],
          ['close', 'recovered', 'village:north', []],
        ],
        check: ([r]) => {
          expect(r!.title).toBe('Село Макариха знову на зв’язку');
          expect(r!.message).toContain('Знову відповідають: Макарихська школа.');
          expect(r!.message).toContain('Ще не відповідають: Free WiFi, парк.');
        },
      },
    ],
  },
  {
    name: 'two uplinks: the first outage is a down alert, the last one a village_offline alert; recoveries pair with them',
    steps: [
      { at: min(0.5), world: fibreDown, expect: [['open', 'down', 'fibre', ALL.toSorted()]] },
      {
        at: min(3),
        world: { subjects: { ...fibreDown.subjects, lte: outage(min(2.5)) }, villages: { south: { offline: true, since: min(2.5) } } },
        expect: [['open', 'village_offline', 'village:south', ALL.toSorted()]],
        check: ([r]) => {
          expect(r!.folds).toEqual([`down:lte:${min(2.5)}`]);
          expect(r!.title).toBe('Село Дмитрівка без зв’язку');
          expect(r!.unreachable).toEqual(['clinic']);
          expect(r!.dashboardUrl).toBe('http://127.0.0.1:8080/villages/south');
        },
      },
      {
        at: min(10),
        world: {
          subjects: { ...fibreDown.subjects, lte: { state: 'up', since: min(9) } },
          villages: { south: { offline: false, since: min(9) } },
        },
        expect: [
          ['close', 'recovered', 'village:south', ALL.toSorted()],
          ['close', 'recovered', 'lte', []],
        ],
      },
      {
        at: min(20),
        world: { subjects: { fibre: { state: 'up', since: min(19) } } },
        expect: [['close', 'recovered', 'fibre', ALL.toSorted()]],
      },
    ],
  },
  {
    name: 'flapping: one alert, no downs or recoveries meanwhile, then one "stable again"',
    steps: [
      { at: min(0.5), world: { subjects: { fibre: outage(min(0)) } }, expect: [['open', 'down', 'fibre', ALL.toSorted()]] },
      {
        at: min(3),
        world: { subjects: { fibre: { state: 'up', since: min(2.5), flapping: { since: min(2.5), transitions: 5 } } } },
        expect: [
          ['open', 'flapping', 'fibre', ALL.toSorted()],
          ['close', 'recovered', 'fibre', []],
        ],
        check: ([r]) => expect(r!.message).toContain('5 змін стану за 10 хв.'),
      },
      { at: min(4), world: { subjects: { fibre: { ...outage(min(3.5)), flapping: { since: min(2.5), transitions: 6 } } } }, expect: [] },
      {
        at: min(5),
        world: { subjects: { fibre: { state: 'up', since: min(4.5), flapping: { since: min(2.5), transitions: 7 } } } },
        expect: [],
      },
      {
        at: min(16),
        world: { subjects: { fibre: { state: 'up', since: min(4.5) } } },
        expect: [['close', 'recovered', 'fibre', ALL.toSorted()]],
        check: ([r]) => expect(r!.title).toBe('Зв’язок стабільний: fibre'),
      },
    ],
  },
  {
    name: 'maintenance: a device in its window is alerted for nothing',
    steps: [
      { at: min(1), world: { subjects: { fibre: { state: 'maintenance', since: min(0) }, clinic: cut(min(0), 'fibre') } }, expect: [] },
    ],
  },
  {
    name: 'quiet hours: held until they end (an urgent rule excepted); an episode over before then is never sent',
    alerts: {
      quiet_hours: { from: '22:00', to: '07:00' },
      rules: [
        { on: ['down', 'recovered'], channels: ['tg', 'mail'] },
        { on: ['down', 'recovered'], channels: ['hook'], urgent: true },
      ],
    },
    steps: [
      // 23:00 in Kyiv.
      { at: min(11 * 60), world: { subjects: { fibre: outage(min(11 * 60 - 1)) } }, expect: [['open', 'down', 'fibre', ['hook']]] },
      {
        at: min(11 * 60 + 30),
        world: { subjects: { fibre: outage(min(11 * 60 - 1)), lte: outage(min(11 * 60 + 29)) } },
        expect: [['open', 'down', 'lte', ['hook']]],
      },
      {
        at: min(12 * 60),
        world: { subjects: { fibre: outage(min(11 * 60 - 1)) } },
        expect: [['close', 'recovered', 'lte', ['hook']]],
      },
      // 07:00: the held alert of what still lasts goes out; lte's is dropped with it being over.
      { at: min(19 * 60), world: { subjects: { fibre: outage(min(11 * 60 - 1)) } }, expect: [['open', 'down', 'fibre', ['mail', 'tg']]] },
    ],
  },
  {
    name: 'after: degraded longer than 10 minutes only',
    alerts: { rules: [{ on: ['degraded', 'recovered'], channels: ['tg'], after: '10m' }] },
    steps: [
      { at: min(5), world: { subjects: { lte: { state: 'degraded', since: min(0), reason: 'packet loss 35%' } } }, expect: [] },
      {
        at: min(10),
        world: { subjects: { lte: { state: 'degraded', since: min(0), reason: 'packet loss 35%' } } },
        expect: [['open', 'degraded', 'lte', ['tg']]],
        check: ([r]) => expect(r!.message).toContain('Причина: втрати пакетів 35%.'),
      },
      { at: min(30), world: { subjects: { lte: { state: 'up', since: min(29) } } }, expect: [['close', 'recovered', 'lte', ['tg']]] },
      // A short one is never alerted, so never "recovered" either.
      { at: min(40), world: { subjects: { lte: { state: 'degraded', since: min(35), reason: 'round trip 450 ms' } } }, expect: [] },
      { at: min(41), world: {}, expect: [] },
    ],
  },
  {
    name: 'repeat: reminders while it lasts, until acknowledged',
    alerts: { rules: [{ on: ['down', 'recovered'], channels: ['tg'], repeat: '1h' }] },
    steps: [
      { at: min(1), world: fibreDown, expect: [['open', 'down', 'fibre', ['tg']]] },
      { at: min(30), world: fibreDown, expect: [] },
      {
        at: min(61),
        world: fibreDown,
        expect: [['remind', 'down', 'fibre', ['tg']]],
        check: ([r]) => expect(r).toMatchObject({ reminder: 1, title: 'Нагадування: Немає зв’язку: fibre' }),
      },
      { at: min(121), world: fibreDown, expect: [['remind', 'down', 'fibre', ['tg']]] },
      { at: min(150), world: fibreDown, ack: 'fibre', expect: [] },
      { at: min(300), world: fibreDown, expect: [] },
      { at: min(301), world: {}, expect: [['close', 'recovered', 'fibre', ['tg']]] },
    ],
  },
  {
    name: 'restart: a book rebuilt from the records sends nothing twice, and the recovery still goes out',
    steps: [
      { at: min(1), world: northDown, expect: [['open', 'down', 'uplink', ALL.toSorted()]] },
      { at: min(5), world: northDown, restart: true, expect: [] },
      {
        at: min(6),
        world: { subjects: { uplink: { state: 'up', since: min(6) } } },
        restart: true,
        expect: [
          ['close', 'recovered', 'uplink', ALL.toSorted()],
          ['close', 'recovered', 'village:north', []],
        ],
      },
      { at: min(7), world: {}, restart: true, expect: [] },
    ],
  },
  {
    name: 'rules: filters by village; recoveries only where the alert went and a rule asks for them',
    alerts: {
      rules: [
        { on: ['down', 'village_offline'], channels: ['tg'], villages: ['north'] },
        { on: ['down', 'recovered'], channels: ['mail'], villages: ['south'] },
        { on: ['recovered'], channels: ['hook'] },
      ],
    },
    steps: [
      {
        at: min(1),
        world: { subjects: { ...northDown.subjects, ...fibreDown.subjects }, villages: northDown.villages },
        expect: [
          ['open', 'down', 'uplink', ['tg']],
          ['open', 'down', 'fibre', ['mail']],
        ],
      },
      {
        at: min(9),
        world: {},
        expect: [
          ['close', 'recovered', 'uplink', []],
          ['close', 'recovered', 'village:north', []],
          ['close', 'recovered', 'fibre', ['mail']],
        ],
      },
    ],
  },
  {
    name: 'a certificate about to expire is alerted once; a reboot once',
    alerts: { rules: [{ on: ['tls_expiring', 'reboot'], channels: ['mail'] }] },
    steps: [
      {
        at: min(1),
        world: {
          subjects: {
            'service:website': { tls: { daysLeft: 9.5, expiresAt: min(9.5 * 1440), at: min(1) } },
            lte: { lastReboot: { at: min(0.5), previous_uptime_s: 86_400 * 3, uptime_s: 10 } },
          },
        },
        expect: [
          ['open', 'reboot', 'lte', ['mail']],
          ['open', 'tls_expiring', 'service:website', ['mail']],
        ],
        check: ([reboot, tls]) => {
          expect(tls!.message).toMatch(/^Сертифікат TLS дійсний ще 9 дн\. \(до 13\.06\.2025, 00:00\)/);
          expect(reboot!.message).toContain('до цього працював 3 дн.');
        },
      },
      {
        at: min(2),
        world: {
          subjects: {
            'service:website': { tls: { daysLeft: 9.4, expiresAt: min(9.5 * 1440), at: min(2) } },
            lte: { lastReboot: { at: min(0.5), previous_uptime_s: 1, uptime_s: 1 } },
          },
        },
        expect: [],
      },
      { at: min(30), world: {}, expect: [['close', 'recovered', 'service:website', []]] },
    ],
  },
  {
    name: 'English when the hromada says so',
    locale: 'en',
    steps: [
      {
        at: min(2),
        world: fibreDown,
        expect: [['open', 'down', 'fibre', ALL.toSorted()]],
        check: ([r]) => {
          expect(r!.title).toBe('Down: fibre');
          expect(r!.message).toBe(
            [
              'Down: fibre (uplink, Дмитрівка).',
              'Village: Дмитрівка.',
              'Since 03/06/2025, 12:00 (2 min ago).',
              'Cut off behind it (1): Амбулаторія.',
              'Likely cause: the line is cut, or power is out at the node.',
              'Dashboard: http://127.0.0.1:8080/devices/fibre',
            ].join('\n'),
          );
        },
      },
    ],
  },
  {
    name: 'power: one on_battery alert per village however many UPSes, naming the one with the least left; battery_low once; power_restored where it was heard',
    alerts: { rules: [...POWER_RULES, { on: ['battery_low'], channels: ['mail'] }] },
    steps: [
      { at: min(0), world: { power: {} }, expect: [] },
      {
        at: min(0.5),
        world: { power: onBattery(min(0), { 'school-ups': 40, 'tower-ups': 23 }) },
        expect: [['open', 'on_battery', 'village:north', ['hook', 'tg']]],
        check: ([r]) => {
          expect(r).toMatchObject({
            key: `on_battery:village:north:${min(0)}`,
            village: { id: 'north', name: 'Макариха' },
            device: { id: 'tower-ups', name: 'ДБЖ вежі', kind: 'ups' },
            power: { state: 'battery', source: 'battery', minutes_left: 23, battery_pct: 46, runs_out_at: min(23.5) },
            since: min(0),
          });
          expect(r!.title).toBe('Макариха: живлення від ДБЖ, залишилось ~23 хв');
          expect(r!.message).toBe(
            [
              'На батареї: ДБЖ вежі (ДБЖ, Макариха).',
              'Залишилось ~23 хвилини (заряд 46%).',
              'З 03.06.2025, 12:00 (менше хвилини тому).',
              'Панель: http://127.0.0.1:8080/villages/north',
            ].join('\n'),
          );
        },
      },
      // Another supply sets the figures now, and the tracker's since moved with it: still the same stretch.
      { at: min(5), world: { power: onBattery(min(4), { 'school-ups': 17 }) }, expect: [] },
      {
        at: min(10),
        world: { power: onBattery(min(4), { 'school-ups': 13 }) },
        expect: [['open', 'battery_low', 'village:north', ['hook', 'mail', 'tg']]],
        check: ([r]) => {
          expect(r).toMatchObject({ key: `battery_low:village:north:${min(0)}`, device: { id: 'school-ups' } });
          expect(r!.title).toBe('Макариха: ДБЖ розряджається, залишилось ~13 хв');
          expect(r!.message).toContain('Залишилось ~13 хвилин (заряд 26%).');
        },
      },
      // Estimates wander: over the threshold and under it again is still the one warning; so is a restart.
      { at: min(11), world: { power: onBattery(min(4), { 'school-ups': 16 }) }, expect: [] },
      { at: min(12), world: { power: onBattery(min(4), { 'school-ups': 11 }) }, restart: true, expect: [] },
      {
        at: min(20),
        world: { power: mainsBack(min(19)) },
        restart: true,
        expect: [
          ['close', 'power_restored', 'village:north', ['hook', 'tg']],
          ['close', 'power_restored', 'village:north', []],
        ],
        check: ([r, low]) => {
          expect(r).toMatchObject({
            key: `on_battery:village:north:${min(0)}`,
            until: min(19),
            device: { id: 'tower-ups' },
            power: { state: 'mains', source: 'mains' },
          });
          expect(r!.title).toBe('Макариха: живлення від мережі відновлено');
          expect(r!.message).toBe(
            ['Без світла з 03.06.2025, 12:00 до 03.06.2025, 12:19 (19 хв).', 'Панель: http://127.0.0.1:8080/villages/north'].join('\n'),
          );
          // mail heard only the warning, and no rule sends it power_restored.
          expect(low).toMatchObject({
            key: `battery_low:village:north:${min(0)}`,
            suppressed: `part of on_battery:village:north:${min(0)}`,
          });
        },
      },
      { at: min(21), world: { power: mainsBack(min(19)) }, expect: [] },
    ],
  },
  {
    name: 'power: low from the first, the on_battery alert says it for the rules of both, and no battery_low follows',
    alerts: {
      rules: [
        { on: ['on_battery', 'power_restored'], channels: ['tg'] },
        { on: ['battery_low', 'power_restored'], channels: ['mail'] },
      ],
    },
    steps: [
      {
        at: min(1),
        world: { power: onBattery(min(0), { 'school-ups': 9 }) },
        expect: [['open', 'on_battery', 'village:north', ['mail', 'tg']]],
        check: ([r]) => {
          expect(r!.folds).toEqual([`battery_low:village:north:${min(0)}`]);
          expect(r!.title).toBe('Макариха: живлення від ДБЖ, залишилось ~9 хв');
        },
      },
      { at: min(4), world: { power: onBattery(min(0), { 'school-ups': 6 }) }, expect: [] },
      {
        at: min(8),
        world: { power: mainsBack(min(7)) },
        expect: [
          ['close', 'power_restored', 'village:north', ['mail', 'tg']],
          ['close', 'power_restored', 'village:north', []],
        ],
      },
    ],
  },
  {
    name: 'schedule: a blackout slot that comes to outlast the battery raises battery_low before the battery runs out',
    alerts: { rules: POWER_RULES },
    steps: [
      // 12:00; the slot of queue 3.1 ends at 18:00, and seven hours of battery are enough.
      {
        at: min(1),
        world: { power: onBattery(min(0), { 'school-ups': 420 }, { group: '3.1', mains_expected_at: min(360) }) },
        expect: [['open', 'on_battery', 'village:north', ['hook', 'tg']]],
        check: ([r]) => {
          expect(r!.message).toContain('Залишилось ~420 хвилин (заряд 100%).\nЗа графіком (черга 3.1) світло повернеться о 18:00.\n');
          expect(r!.power).toMatchObject({ mains_expected_at: min(360) });
          expect(r!.folds).toEqual([]);
        },
      },
      // 12:30: the estimate falls to 150 minutes; the battery runs out at 15:00, three hours before mains.
      {
        at: min(30),
        world: { power: onBattery(min(0), { 'school-ups': 150 }, { group: '3.1', mains_expected_at: min(360) }) },
        expect: [['open', 'battery_low', 'village:north', ['hook', 'tg']]],
        check: ([r]) => {
          expect(r!.title).toBe('Макариха: заряду ДБЖ не вистачить до 18:00');
          expect(r!.message).toContain('За графіком (черга 3.1) світло повернеться о 18:00, а заряду вистачить до ~15:00.');
          expect(r!.power).toMatchObject({ minutes_left: 150, runs_out_at: min(180), mains_expected_at: min(360) });
        },
      },
      {
        at: min(170),
        world: { power: onBattery(min(0), { 'school-ups': 10 }, { group: '3.1', mains_expected_at: min(360) }) },
        expect: [],
      },
    ],
  },
  {
    name: 'schedule: short from the first, the on_battery alert says so',
    alerts: { rules: POWER_RULES },
    steps: [
      {
        at: min(0.5),
        world: { power: onBattery(min(0), { 'tower-ups': 95 }, { group: '3.1', mains_expected_at: min(240) }) },
        expect: [['open', 'on_battery', 'village:north', ['hook', 'tg']]],
        check: ([r]) => {
          expect(r!.title).toBe('Макариха: живлення від ДБЖ, залишилось ~95 хв');
          expect(r!.message).toContain('За графіком (черга 3.1) світло повернеться о 16:00, а заряду вистачить до ~13:35.');
          expect(r!.folds).toEqual([`battery_low:village:north:${min(0)}`]);
        },
      },
    ],
  },
  {
    name: 'power lost as the village goes dark: the down alert names the cause; the stretch stays quiet until mains is back',
    alerts: {
      rules: [
        { ...POWER_RULES[0]!, repeat: '10m' },
        { on: ['down', 'recovered', 'village_offline'], channels: ALL },
      ],
    },
    steps: [
      {
        at: min(0.5),
        world: { power: onBattery(min(0), { 'tower-ups': 21 }) },
        expect: [['open', 'on_battery', 'village:north', ['hook', 'tg']]],
        check: ([r]) => expect(r!.message).toContain('Залишилось ~21 хвилина (заряд 42%).'),
      },
      {
        at: min(11),
        world: { power: onBattery(min(0), { 'tower-ups': 19 }) },
        expect: [['remind', 'on_battery', 'village:north', ['hook', 'tg']]],
        check: ([r]) => expect(r!.title).toBe('Нагадування: Макариха: живлення від ДБЖ, залишилось ~19 хв'),
      },
      // Dark now: the down alert tells it; no reminder of the battery that ran out.
      {
        at: min(21),
        world: darkNorth,
        expect: [['open', 'down', 'uplink', ALL.toSorted()]],
        check: ([r]) => {
          expect(r).toMatchObject({ cause: 'power', villageOffline: true });
          expect(r!.title).toBe('Село Макариха без зв’язку: відключення світла (ДБЖ «ДБЖ вежі» на батареї з 12:00, розряджено о 12:20)');
          expect(r!.message).toContain('Причина: відключення світла (ДБЖ «ДБЖ вежі» на батареї з 12:00, розряджено о 12:20).');
          expect(r!.message).not.toContain('Ймовірна причина');
        },
      },
      { at: min(40), world: darkNorth, expect: [] },
      {
        at: min(60),
        world: { subjects: { uplink: { state: 'up', since: min(59) } }, power: mainsBack(min(58)) },
        expect: [
          ['close', 'power_restored', 'village:north', ['hook', 'tg']],
          ['close', 'recovered', 'uplink', ALL.toSorted()],
          ['close', 'recovered', 'village:north', []],
        ],
        check: ([r]) => expect(r).toMatchObject({ since: min(0), until: min(58) }),
      },
    ],
  },
  {
    name: 'cause: a down alert names the judged cause; an unknown one adds nothing; a village offline takes its uplinks’ cause',
    steps: [
      {
        at: min(1),
        world: {
          subjects: {
            fibre: outage(min(0), { outage: { ...OUTAGE, start: min(0), cause: mainsPresent } }),
            clinic: cut(min(0), 'fibre'),
            'park-wifi': outage(min(0), { outage: { ...OUTAGE, start: min(0), cause: { cause: 'unknown', evidence: {} } } }),
          },
        },
        expect: [
          ['open', 'down', 'park-wifi', ALL.toSorted()],
          ['open', 'down', 'fibre', ALL.toSorted()],
        ],
        check: ([wifi, fibre]) => {
          expect(fibre!.title).toBe('Немає зв’язку: fibre — збій провайдера');
          expect(fibre!.message).toContain(
            'Причина: збій провайдера (канал Укртелеком не відповідає, живлення є за даними ДБЖ «ДБЖ школи»).',
          );
          expect(fibre!.cause).toBe('provider');
          expect(wifi!.title).toBe('Немає зв’язку: Free WiFi, парк');
          expect(wifi!.message).toContain('Ймовірна причина: сам пристрій або його живлення (Макариха, канал Укртелеком на зв’язку).');
          expect(wifi!.cause).toBe('unknown');
        },
      },
      {
        at: min(4),
        world: {
          subjects: {
            fibre: outage(min(0), { outage: { ...OUTAGE, start: min(0), cause: { cause: 'unknown', evidence: {} } } }),
            'park-wifi': outage(min(0)),
            lte: outage(min(3), {
              outage: { ...OUTAGE, start: min(3), cause: { cause: 'power', evidence: { supply: 'tower-ups', lost_at: min(3) } } },
            }),
            clinic: cut(min(0), 'fibre'),
          },
          villages: { south: { offline: true, since: min(3) } },
        },
        expect: [['open', 'village_offline', 'village:south', ALL.toSorted()]],
        check: ([r]) => {
          expect(r!.title).toBe('Село Дмитрівка без зв’язку: відключення світла (ДБЖ «ДБЖ вежі» розряджено о 12:03)');
          expect(r!.cause).toBe('power');
        },
      },
    ],
  },
  {
    name: 'rules: a power rule names its village or its UPS (the one that sets the figures)',
    alerts: {
      rules: [
        { on: ['on_battery'], devices: ['school-ups'], channels: ['mail'] },
        { on: ['on_battery'], villages: ['south'], channels: ['tg'] },
        { on: ['on_battery'], villages: ['north'], channels: ['hook'] },
      ],
    },
    steps: [
      {
        at: min(1),
        world: { power: onBattery(min(0), { 'school-ups': 40, 'tower-ups': 23 }) },
        expect: [['open', 'on_battery', 'village:north', ['hook']]],
      },
      {
        at: min(2),
        world: { power: onBattery(min(0), { 'school-ups': 20 }) },
        expect: [['open', 'on_battery', 'village:north', ['mail']]],
      },
    ],
  },
  {
    name: 'quiet hours: power alerts wait for their end unless urgent; a stretch over by then is never told',
    alerts: {
      quiet_hours: { from: '22:00', to: '07:00' },
      rules: [
        { on: ['on_battery', 'battery_low', 'power_restored'], channels: ['tg'] },
        { on: ['battery_low', 'power_restored'], channels: ['hook'], urgent: true },
      ],
    },
    steps: [
      // 23:00 in Kyiv.
      { at: min(11 * 60), world: { power: onBattery(min(11 * 60 - 1), { 'school-ups': 40 }) }, expect: [] },
      {
        at: min(11 * 60 + 30),
        world: { power: onBattery(min(11 * 60 - 1), { 'school-ups': 12 }) },
        expect: [['open', 'on_battery', 'village:north', ['hook']]],
      },
      {
        at: min(11 * 60 + 50),
        world: { power: mainsBack(min(11 * 60 + 45)) },
        expect: [
          ['close', 'power_restored', 'village:north', ['hook']],
          ['close', 'power_restored', 'village:north', []],
        ],
      },
      { at: min(19 * 60), world: { power: mainsBack(min(11 * 60 + 45)) }, expect: [] },
    ],
  },
  {
    name: 'power in English',
    locale: 'en',
    alerts: { rules: POWER_RULES },
    steps: [
      {
        at: min(2),
        world: { power: onBattery(min(0), { 'school-ups': 95 }, { group: '3.1', mains_expected_at: min(240) }) },
        expect: [['open', 'on_battery', 'village:north', ['hook', 'tg']]],
        check: ([r]) => {
          expect(r!.title).toBe('Макариха: on UPS battery, ~95 min left');
          expect(r!.message).toBe(
            [
              'On battery: ДБЖ школи (UPS, Макариха).',
              'About 95 minutes left (charge 100%).',
              'The schedule (queue 3.1) brings mains back at 16:00, but the battery lasts only until about 13:37.',
              'Since 03/06/2025, 12:00 (2 min ago).',
              'Dashboard: http://127.0.0.1:8080/villages/north',
            ].join('\n'),
          );
        },
      },
      {
        at: min(30),
        world: { power: mainsBack(min(29)) },
        expect: [
          ['close', 'power_restored', 'village:north', ['hook', 'tg']],
          ['close', 'power_restored', 'village:north', []],
        ],
        check: ([r]) => {
          expect(r!.title).toBe('Макариха: mains power is back');
          expect(r!.message).toContain('Without mains from 03/06/2025, 12:00 to 03/06/2025, 12:29 (29 min).');
        },
      },
    ],
  },
];

describe('alert planner', () => {
  for (const c of cases) {
    it(c.name, () => {
      play(config(c.alerts, c.locale), c.steps);
    });
  }

  it('gives the same record the same id, so a re-planned alert is recognisably the same', () => {
    const cfg = config();
    const inventory = buildInventory(cfg);
    const plan = () =>
      planAlerts({ config: cfg, inventory, snapshot: snapshot(cfg, min(1), fibreDown), book: new AlertBook(), now: min(1) });
    expect(plan().records[0]!.id).toBe(plan().records[0]!.id);
    expect(plan().records[0]!.id).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('alert planner after a reload of the config', () => {
  /** park-wifi is down on its own and alerted; then the config is reloaded without it. */
  function alertedThenRemoved() {
    const cfg = config();
    const book = new AlertBook();
    const world: World = { subjects: { 'park-wifi': outage(min(0)) } };
    const first = planAlerts({ config: cfg, inventory: buildInventory(cfg), snapshot: snapshot(cfg, min(1), world), book, now: min(1) });
    expect(first.records.map((r) => [r.action, r.subject, r.channels])).toEqual([['open', 'park-wifi', [...ALL].sort()]]);
    for (const r of first.records) book.add(r);
    const before = ongoingEpisodes({
      config: cfg,
      inventory: buildInventory(cfg),
      snapshot: snapshot(cfg, min(2), world),
      book,
      now: min(2),
    });

    const next = {
      ...cfg,
      villages: cfg.villages.map((v) => ({ ...v, devices: v.devices.filter((d) => d.id !== 'park-wifi') })),
    };
    const input = { config: next, inventory: buildInventory(next), snapshot: snapshot(next, min(2), {}), book, now: min(2) };
    const ended = new Set([...before].filter((key) => !ongoingEpisodes(input).has(key)));
    return { book, input, ended };
  }

  it('closes an episode the reload ended without a recovery to anyone', () => {
    const { input, ended } = alertedThenRemoved();
    expect([...ended]).toEqual([`down:park-wifi:${min(0)}`]);
    const plan = planAlerts({ ...input, ended });
    expect(plan.records.map((r) => [r.action, r.event, r.subject, r.channels, r.suppressed])).toEqual([
      ['close', 'recovered', 'park-wifi', [], 'config reloaded'],
    ]);
    expect(plan.done).toEqual([`down:park-wifi:${min(0)}`]);
  });

  it('would have sent a recovery for it otherwise', () => {
    const { input } = alertedThenRemoved();
    expect(planAlerts(input).records.map((r) => [r.action, r.subject, r.channels])).toEqual([['close', 'park-wifi', [...ALL].sort()]]);
  });
});
