/**
 * Power alerts through the real pieces after the planner: the alert service
 * records each decision in a real InfluxDB and delivers it to real receivers
 * on 127.0.0.1 (a webhook checking its signature, a stand-in Telegram Bot
 * API, an SMTP server). The states come from a snapshot function of the
 * test's own, as the state engine and the power tracker would give them: a
 * village with two UPSes goes on battery, runs low, goes dark when the
 * battery runs out, and after a restart of the service (its book read back
 * from InfluxDB) mains comes back. Checked: the webhook body (`event`,
 * `village`, `device`, `power`, `cause`), one message per event and channel,
 * and power_restored after the restart to the channels that heard the rest.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannel } from '../../alerting/channels/index.ts';
import { silentLogger } from '../../common/log.ts';
import type { Config } from '../../config/schema.ts';
import { loadAlertLog } from '../../server/alerts/log.ts';
import { AlertService } from '../../server/alerts/service.ts';
import { buildInventory, type Inventory } from '../../server/inventory.ts';
import type { SupplyView, VillagePowerView } from '../../server/power/types.ts';
import type { Snapshot, SubjectView } from '../../server/state/types.ts';
import { influxQuery } from '../../storage/influx-query.ts';
import { openInfluxWriter, type InfluxWriter } from '../../storage/writer.ts';
import { startAlertReceivers, type AlertReceivers } from '../support/alert-receivers.ts';
import { testConfig } from '../support/config.ts';
import { startTestInfluxd, testWriterOptions, waitFor, type TestInfluxd } from '../support/influxd.ts';

const DB = 'merezha_power_alerts';
const SECRET = 'power-webhook-secret';
const TOKEN = '777:power-bot-token';
const CHANNELS = ['it-email', 'it-telegram', 'it-webhook'];

let influxd: TestInfluxd;
let receivers: AlertReceivers;
let writer: InfluxWriter;
let spoolDir: string;
let config: Config;
let inventory: Inventory;
const services: AlertService[] = [];

/** What the state engine and the power tracker say now; the test changes it step by step. */
interface World {
  subjects: Record<string, Partial<SubjectView>>;
  offline: boolean;
  supplies: Record<string, Partial<SupplyView>>;
  village: Partial<VillagePowerView>;
}
let world: World;
const T = Date.now();
const min = (m: number) => T + m * 60_000;

function snapshot(): Snapshot {
  const at = Date.now();
  const subjects = new Map(
    inventory.order.map((key): [string, SubjectView] => [key, { key, state: 'up', since: min(-600), reason: '', ...world.subjects[key] }]),
  );
  const villages = new Map([['makarykha', { id: 'makarykha', offline: world.offline, since: min(-1), maintenance: false }]]);
  const supplies = new Map(
    ['makarykha-school-ups', 'makarykha-tower-ups'].map((device): [string, SupplyView] => [
      device,
      { device, village: 'makarykha', state: 'mains', since: min(-600), source: 'mains', feeds: [], at, ...world.supplies[device] },
    ]),
  );
  const village: VillagePowerView = { village: 'makarykha', state: 'mains', since: min(-600), group: '3.1', ...world.village };
  return { at, subjects, villages, power: { supplies, villages: new Map([['makarykha', village]]) } };
}

async function service(restored: boolean): Promise<AlertService> {
  const history = restored ? await loadAlertLog(influxQuery({ url: influxd.url, database: DB }), min(-60)) : undefined;
  const s = new AlertService({
    config,
    inventory,
    store: writer,
    log: silentLogger(),
    channels: config.alerts.channels.map((c) =>
      createChannel(c, { log: silentLogger(), hromada: config.hromada, timeoutMs: config.alerts.delivery.timeout }),
    ),
    snapshot,
    ...(history ? { history } : {}),
  });
  services.push(s);
  return s;
}

const battery = (minutes: number): Partial<SupplyView> => ({
  state: 'battery',
  since: min(-1),
  source: 'battery',
  minutes_left: minutes,
  battery_pct: minutes * 2,
});

/** Every channel got this event (by the webhook's `event`, the mail's X-Merezha-Event, the Telegram text's first line). */
const received = (event: string, title: string) => ({
  webhook: receivers.webhooks.filter((w) => w.body.event === event),
  mail: receivers.mails.filter((m) => m.event === event),
  telegram: receivers.telegrams.filter((t) => t.text.startsWith(title)),
});
const onEveryChannel = (event: string, title: string) => () => {
  const r = received(event, title);
  return r.webhook.length > 0 && r.mail.length > 0 && r.telegram.length > 0;
};

beforeAll(async () => {
  [influxd, receivers, spoolDir] = await Promise.all([
    startTestInfluxd(),
    startAlertReceivers({ webhookSecret: SECRET }),
    mkdtemp(join(tmpdir(), 'merezha-power-alerts-')),
  ]);
  config = testConfig({
    hromada: { name: 'Дмитрівська сільська громада' },
    snmp_credentials: { v2: { version: '2c', community: 'public' } },
    providers: [{ id: 'ukrtelecom', name: 'Укртелеком' }],
    villages: [
      {
        id: 'makarykha',
        name: 'Макариха',
        power_group: '3.1',
        devices: [
          { id: 'makarykha-uplink', name: 'Макариха, канал Укртелеком', kind: 'uplink', provider: 'ukrtelecom', host: '127.0.70.1' },
          { id: 'makarykha-school', name: 'Макарихська школа', kind: 'institution', category: 'school', host: '127.0.70.2' },
          { id: 'makarykha-school-ups', name: 'ДБЖ школи', kind: 'ups', vendor: 'apc', host: '127.0.70.8', snmp: { credential: 'v2' } },
          { id: 'makarykha-tower-ups', name: 'ДБЖ вежі', kind: 'ups', vendor: 'ups-mib', host: '127.0.70.9', snmp: { credential: 'v2' } },
        ],
      },
    ],
    alerts: {
      channels: [
        { id: 'it-webhook', type: 'webhook', url: receivers.webhookUrl, secret: SECRET },
        { id: 'it-telegram', type: 'telegram', bot_token: TOKEN, chat_id: '-100123', api_url: receivers.telegramApiUrl },
        { id: 'it-email', type: 'email', smtp: receivers.smtpUrl, from: 'merezha@example.gov.ua', to: ['it@example.gov.ua'] },
      ],
      rules: [{ on: ['on_battery', 'battery_low', 'power_restored', 'down', 'recovered', 'village_offline'], channels: CHANNELS }],
      delivery: { backoff: '200ms', max_backoff: '1s' },
    },
  });
  inventory = buildInventory(config);
  world = { subjects: {}, offline: false, supplies: {}, village: {} };
  writer = await openInfluxWriter(testWriterOptions(influxd.url, DB, spoolDir));
  await waitFor('InfluxDB', () => writer.stats().influxUp);
}, 60_000);

afterAll(async () => {
  for (const s of services) await s.stop();
  await writer?.close();
  await receivers?.close();
  await influxd?.dispose();
  if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
});

describe('power alerts through the alert service to real receivers', () => {
  let first: AlertService;

  it('tells a village on battery once, naming the UPS with the least left, with power in the webhook body', async () => {
    first = await service(false);
    world.supplies = { 'makarykha-school-ups': battery(40), 'makarykha-tower-ups': battery(23) };
    world.village = { state: 'battery', since: min(-1), minutes_left: 23, supply: 'makarykha-tower-ups', mains_expected_at: min(20) };
    first.plan();
    await waitFor('on_battery on every channel', onEveryChannel('on_battery', 'Макариха: живлення від ДБЖ'));
    first.plan();
    await first.idle();

    const r = received('on_battery', 'Макариха: живлення від ДБЖ');
    expect([r.webhook.length, r.mail.length, r.telegram.length]).toEqual([1, 1, 1]);
    const hook = r.webhook[0]!;
    expect(hook.signatureValid).toBe(true);
    expect(hook.headers['x-merezha-event']).toBe('on_battery');
    expect(hook.body).toMatchObject({
      event: 'on_battery',
      village: 'makarykha',
      village_name: 'Макариха',
      device: 'makarykha-tower-ups',
      device_name: 'ДБЖ вежі',
      kind: 'ups',
      title: 'Макариха: живлення від ДБЖ, залишилось ~23 хв',
      cause: null,
      power: {
        source: 'battery',
        minutes_left: 23,
        battery_pct: 46,
        state: 'battery',
        mains_expected_at: new Date(min(20)).toISOString(),
      },
    });
    expect(Date.parse(hook.body.power!.runs_out_at!) - Date.parse(hook.body.time)).toBe(23 * 60_000);
    expect(hook.body.message).toContain('Залишилось ~23 хвилини (заряд 46%).');
    expect(r.mail[0]!.subject).toBe('Макариха: живлення від ДБЖ, залишилось ~23 хв');
  });

  it('warns once when the time left drops under power.warn_minutes_left, saying the battery will not last the slot', async () => {
    world.supplies = { 'makarykha-school-ups': battery(30), 'makarykha-tower-ups': battery(12) };
    world.village = { ...world.village, minutes_left: 12 };
    first.plan();
    await waitFor('battery_low on every channel', onEveryChannel('battery_low', 'Макариха: ДБЖ розряджається'));
    world.village = { ...world.village, minutes_left: 10 };
    first.plan();
    await first.idle();
    const r = received('battery_low', 'Макариха: ДБЖ розряджається');
    expect([r.webhook.length, r.mail.length, r.telegram.length]).toEqual([1, 1, 1]);
    expect(r.webhook[0]!.body).toMatchObject({ village: 'makarykha', device: 'makarykha-tower-ups', power: { minutes_left: 12 } });
    expect(r.telegram[0]!.text).toMatch(/За графіком \(черга 3\.1\) світло повернеться о \d\d:\d\d, а заряду вистачить до ~\d\d:\d\d\./);
  });

  it('tells the village going dark by the down alert, naming the power as its cause, and nothing more about the battery', async () => {
    world.supplies = { 'makarykha-tower-ups': { state: 'lost', since: min(0), source: 'battery' } };
    world.village = { ...world.village, state: 'lost', since: min(0), minutes_left: undefined };
    const cause = { cause: 'power' as const, evidence: { supply: 'makarykha-tower-ups', on_battery_at: min(-1), lost_at: min(0) } };
    world.subjects = {
      'makarykha-uplink': { state: 'down', since: min(0), outage: { start: min(0), reason: 'no answer to ping', unreachable: [], cause } },
    };
    world.offline = true;
    first.plan();
    await waitFor('down on every channel', onEveryChannel('down', 'Село Макариха без зв’язку'));
    await first.idle();
    const hook = received('down', 'Село Макариха без зв’язку').webhook;
    expect(hook).toHaveLength(1);
    expect(hook[0]!.body).toMatchObject({ event: 'down', device: 'makarykha-uplink', cause: 'power', power: null, village_offline: true });
    expect(hook[0]!.body.title).toMatch(
      /^Село Макариха без зв’язку: відключення світла \(ДБЖ «ДБЖ вежі» на батареї з \d\d:\d\d, розряджено о \d\d:\d\d\)$/,
    );
    await first.stop();
  });

  it('after a restart, tells mains back once to every channel that heard the stretch, and repeats nothing', async () => {
    await writer.flush();
    const second = await service(true);
    second.plan();
    await second.idle();
    world = { subjects: {}, offline: false, supplies: {}, village: { state: 'mains', since: min(1) } };
    second.plan();
    await waitFor('power_restored on every channel', onEveryChannel('power_restored', 'Макариха: живлення від мережі відновлено'));
    await waitFor('recovered on every channel', onEveryChannel('recovered', 'Село Макариха знову на зв’язку'));
    second.plan();
    await second.idle();

    const restored = received('power_restored', 'Макариха: живлення від мережі відновлено');
    expect([restored.webhook.length, restored.mail.length, restored.telegram.length]).toEqual([1, 1, 1]);
    expect(restored.webhook[0]!.body).toMatchObject({
      event: 'power_restored',
      village: 'makarykha',
      device: 'makarykha-tower-ups',
      until: new Date(min(1)).toISOString(),
      power: { source: 'mains', state: 'mains', minutes_left: null },
    });
    const events = receivers.webhooks.map((w) => w.body.event);
    expect(events).toEqual(['on_battery', 'battery_low', 'down', 'power_restored', 'recovered']);
    expect(receivers.mails).toHaveLength(5);
    expect(receivers.telegrams).toHaveLength(5);
  });
});
