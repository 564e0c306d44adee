/**
 * End to end at default settings (ping every 10 s, 3 echoes, 1 s timeout,
 * down_after 2, re-check after 2 s): a simulated village uplink goes silent
 * (nftables drops its packets and those of the devices behind it), the real
 * collector polls it, the state engine and alerts run as in `merezha start`,
 * and real receivers on 127.0.0.1 get the alerts: an SMTP server, a stand-in
 * Telegram Bot API and a webhook receiver, plus a webhook that refuses every
 * connection. Checked: one alert and one recovery per channel, naming the
 * village and the devices cut off behind the uplink, none for those devices;
 * the time from silencing to delivery; the outage stored with its start and
 * end; the failing channel holding up nobody.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollector, type Collector } from '../../collector/collector.ts';
import { openInfluxWriter, type InfluxWriter } from '../../storage/writer.ts';
import { silentLogger } from '../../common/log.ts';
import type { Config } from '../../config/schema.ts';
import { startMonitor, type Monitor } from '../../server/monitor.ts';
import { influxQuery } from '../../storage/influx-query.ts';
import { startSimulation, type Simulation } from '../../simulator/index.ts';
import { startAlertReceivers, type AlertReceivers } from '../support/alert-receivers.ts';
import { testConfig } from '../support/config.ts';
import { readPoints, startTestInfluxd, testWriterOptions, waitFor, type TestInfluxd } from '../support/influxd.ts';
import { nftUnavailable } from '../support/nft.ts';
import { freeUdpPort } from '../support/ports.ts';

const DB = 'merezha_alerts';
const SECRET = 'webhook-test-secret';
const TOKEN = '123456:test-bot-token';
const noNft = nftUnavailable();
const net = `127.${100 + Math.floor(Math.random() * 50)}.${1 + Math.floor(Math.random() * 250)}`;
const host = (n: number) => `${net}.${n}`;
const CHILDREN = ['makarykha-school', 'makarykha-fap', 'makarykha-wifi'];
const CHANNELS = ['it-webhook', 'it-telegram', 'it-email'];

let influxd: TestInfluxd;
let receivers: AlertReceivers;
let spoolDir: string;
let writer: InfluxWriter;
let sim: Simulation;
let monitor: Monitor;
let collector: Collector;
let config: Config;
/** The start of each device's latest ping poll. */
const lastPing = new Map<string, number>();

beforeAll(async () => {
  if (noNft) return;
  [influxd, receivers, spoolDir] = await Promise.all([
    startTestInfluxd(),
    startAlertReceivers({ webhookSecret: SECRET }),
    mkdtemp(join(tmpdir(), 'merezha-alerts-')),
  ]);
  const port = await freeUdpPort(host(1));
  const snmp = (more: object = {}) => ({ credential: 'v2', port, ...more });
  // Default polling, states and delivery: only the inventory and the alerts are set.
  config = testConfig({
    hromada: { name: 'Дмитрівська сільська громада' },
    snmp_credentials: { v2: { version: '2c', community: 'public' } },
    providers: [
      { id: 'ukrtelecom', name: 'Укртелеком' },
      { id: 'kyivstar', name: 'Київстар' },
    ],
    villages: [
      {
        id: 'makarykha',
        name: 'Макариха',
        devices: [
          {
            id: 'makarykha-uplink',
            name: 'Макариха, канал Укртелеком',
            kind: 'uplink',
            provider: 'ukrtelecom',
            host: host(1),
            snmp: snmp({ interface: 'ether1' }),
          },
          // The 4G backup keeps the village online: this is an uplink outage, not a village offline.
          { id: 'makarykha-lte', kind: 'uplink', provider: 'kyivstar', host: host(2), ping: false, snmp: snmp({ interface: 'lte1' }) },
          {
            id: 'makarykha-school',
            name: 'Макарихська школа',
            kind: 'institution',
            category: 'school',
            host: host(10),
            parent: 'makarykha-uplink',
            snmp: snmp(),
          },
          {
            id: 'makarykha-fap',
            name: 'ФАП с. Макариха',
            kind: 'institution',
            category: 'clinic',
            host: host(11),
            parent: 'makarykha-uplink',
          },
          {
            id: 'makarykha-wifi',
            name: 'Free WiFi, старостат',
            kind: 'wifi',
            vendor: 'tplink',
            host: host(20),
            parent: 'makarykha-uplink',
            snmp: snmp(),
          },
        ],
      },
    ],
    alerts: {
      dashboard_url: 'http://127.0.0.1:8080/',
      channels: [
        { id: 'it-webhook', type: 'webhook', url: receivers.webhookUrl, secret: SECRET },
        { id: 'it-telegram', type: 'telegram', bot_token: TOKEN, chat_id: '-100123', api_url: receivers.telegramApiUrl },
        { id: 'it-email', type: 'email', smtp: receivers.smtpUrl, from: 'merezha@example.gov.ua', to: ['it@example.gov.ua'] },
        { id: 'dead-webhook', type: 'webhook', url: receivers.deadUrl },
      ],
      rules: [{ on: ['down', 'recovered', 'village_offline', 'flapping'], channels: [...CHANNELS, 'dead-webhook'] }],
    },
  });

  sim = await startSimulation({ config, name: 'alerts' }, { log: silentLogger(), useNft: true });
  writer = await openInfluxWriter(testWriterOptions(influxd.url, DB, spoolDir));
  await waitFor('InfluxDB', () => writer.stats().influxUp);
  monitor = await startMonitor({ config, log: silentLogger(), store: writer, query: influxQuery({ url: influxd.url, database: DB }) });
  collector = createCollector({
    config,
    sink: writer,
    log: silentLogger(),
    onObservation: (observation) => {
      if (observation.sample?.source === 'ping') lastPing.set(observation.subject, observation.time);
      monitor.onObservation(observation);
    },
  });
  collector.start();
}, 60_000);

afterAll(async () => {
  await collector?.stop();
  await monitor?.stop();
  await writer?.close();
  await sim?.stop();
  await receivers?.close();
  await influxd?.dispose();
  if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
});

const state = (id: string) => monitor.engine.view(id)?.state;
const delivered = (event: string) => ({
  webhook: receivers.webhooks.filter((w) => w.body.event === event),
  telegram: receivers.telegrams.filter((t) => (event === 'down' ? t.text.startsWith('Немає зв’язку') : t.text.startsWith('Відновлено'))),
  mail: receivers.mails.filter((m) => m.event === event),
});
const allThree = (event: string) => () => {
  const d = delivered(event);
  return d.webhook.length > 0 && d.telegram.length > 0 && d.mail.length > 0;
};

describe.skipIf(noNft)('alerts end to end at default settings', () => {
  let silencedAt: number;
  let backAt: number;

  it('has every device up before the outage', async () => {
    await waitFor('the devices to be up', () => ['makarykha-uplink', ...CHILDREN].every((id) => state(id) === 'up'), 15_000);
  });

  it('alerts an uplink outage on every channel within 20 s, naming the village and the devices behind it', async () => {
    silencedAt = Date.now();
    const fault = sim.inject('makarykha-uplink', { type: 'outage' });
    await waitFor('the outage alert on all three channels', allThree('down'), 25_000);
    const d = delivered('down');
    const latency = {
      webhook: d.webhook[0]!.at - silencedAt,
      telegram: d.telegram[0]!.at - silencedAt,
      email: d.mail[0]!.at - silencedAt,
    };
    const record = monitor.alerts.records().find((r) => r.event === 'down')!;
    const pipeline = Math.max(d.webhook[0]!.at, d.telegram[0]!.at, d.mail[0]!.at) - record.time;
    console.info(
      `silence → delivery (ms): ${JSON.stringify(latency)}; outage start → decision ${record.time - record.since} ms; ` +
        `decision → last delivery ${pipeline} ms`,
    );
    for (const ms of Object.values(latency)) expect(ms).toBeLessThanOrEqual(20_000);

    const hook = d.webhook[0]!;
    expect(hook.signatureValid).toBe(true);
    expect(hook.headers['x-merezha-event']).toBe('down');
    expect(hook.body).toMatchObject({
      event: 'down',
      village: 'makarykha',
      village_name: 'Макариха',
      device: 'makarykha-uplink',
      device_name: 'Макариха, канал Укртелеком',
      kind: 'uplink',
      provider: 'ukrtelecom',
      state: 'down',
      unreachable: CHILDREN,
      village_offline: false,
      dashboard_url: 'http://127.0.0.1:8080/devices/makarykha-uplink',
    });
    expect(Date.parse(hook.body.since)).toBeGreaterThanOrEqual(silencedAt - 1_000);
    expect(hook.body.since).toBe(new Date(Date.parse(hook.body.since)).toISOString());
    for (const text of [hook.body.message, d.telegram[0]!.text, d.mail[0]!.text]) {
      expect(text).toContain('Макариха, канал Укртелеком');
      expect(text).toContain('Село: Макариха. Провайдер: Укртелеком.');
      expect(text).toContain('Без зв’язку через це (3): Макарихська школа, ФАП с. Макариха, Free WiFi, старостат.');
      expect(text).toContain('Ймовірна причина: обрив каналу провайдера Укртелеком');
      expect(text).toContain('Панель: http://127.0.0.1:8080/devices/makarykha-uplink');
    }
    expect(d.telegram[0]).toMatchObject({ token: TOKEN, chatId: '-100123' });
    expect(d.mail[0]).toMatchObject({ subject: 'Немає зв’язку: Макариха, канал Укртелеком', to: ['it@example.gov.ua'] });
    expect(d.mail[0]!.messageId).toBe(`<${record.id}@merezha>`);
    for (const id of CHILDREN) expect(state(id)).toBe('unreachable');

    // It lasts a while: the uplink and the devices behind it fail their next polls too, and nobody hears of them.
    const alerted = Date.now();
    await waitFor('another poll of every device after the alert', () =>
      ['makarykha-uplink', ...CHILDREN].every((id) => (lastPing.get(id) ?? 0) > alerted),
    );
    backAt = Date.now();
    fault.end();
  });

  it('sends one recovery per channel, folding in the devices that came back with the uplink', async () => {
    await waitFor('the recovery on all three channels', allThree('recovered'), 25_000);
    const hook = delivered('recovered').webhook[0]!;
    expect(hook.body).toMatchObject({ event: 'recovered', device: 'makarykha-uplink', state: 'up', unreachable: CHILDREN });
    expect(Date.parse(hook.body.until!)).toBeGreaterThanOrEqual(backAt - 1_000);
    expect(hook.body.message).toContain('Знову відповідають: Макарихська школа, ФАП с. Макариха, Free WiFi, старостат.');
    for (const id of CHILDREN) expect(state(id)).toBe('up');
  });

  it('sent exactly one alert and one recovery per channel, and none about the devices behind the uplink', () => {
    expect(receivers.webhooks.map((w) => [w.body.event, w.body.device])).toEqual([
      ['down', 'makarykha-uplink'],
      ['recovered', 'makarykha-uplink'],
    ]);
    expect(receivers.telegrams.map((t) => t.text.split('\n')[0])).toEqual([
      'Немає зв’язку: Макариха, канал Укртелеком',
      'Відновлено: Макариха, канал Укртелеком',
    ]);
    expect(receivers.mails.map((m) => m.event)).toEqual(['down', 'recovered']);
  });

  it('kept trying the dead channel without holding up the others', async () => {
    // A receiver has the message a moment before the sender hears the server's answer and records its attempt.
    const expected = CHANNELS.flatMap((c) => [`${c}:down`, `${c}:recovered`]);
    const succeeded = () => new Set(monitor.alerts.attempts().flatMap((a) => (a.ok ? [`${a.channel}:${a.event}`] : [])));
    await waitFor('every delivery recorded', () => expected.every((k) => succeeded().has(k)), 5_000);
    const dead = monitor.alerts.attempts().filter((a) => a.channel === 'dead-webhook');
    expect(dead.length).toBeGreaterThanOrEqual(1);
    expect(dead.every((a) => !a.ok && a.error === 'connection refused')).toBe(true);
    expect(succeeded()).toEqual(new Set(expected));
  });

  it('stored the outage with its start and end, the transitions and the alert log', async () => {
    await monitor.engine.flushed();
    await writer.flush();
    const outages = await readPoints(influxd, DB, 'outage');
    expect(outages).toHaveLength(1);
    const [outage] = outages;
    expect(outage!.tags).toMatchObject({ village: 'makarykha', device: 'makarykha-uplink', kind: 'uplink', provider: 'ukrtelecom' });
    expect(outage!.fields).toMatchObject({ open: 0, reason: 'no answer to ping', unreachable: CHILDREN.join(',') });
    // The outage starts at the first poll that saw it, at most one interval after the silence, and ends likewise.
    expect(outage!.time).toBeGreaterThanOrEqual(silencedAt - 1_500);
    expect(outage!.time).toBeLessThanOrEqual(silencedAt + 10_000);
    const end = outage!.fields.end_ms as number;
    expect(end).toBeGreaterThanOrEqual(backAt - 1_500);
    expect(end).toBeLessThanOrEqual(backAt + 10_000);
    expect(outage!.fields.duration_s).toBeCloseTo((end - outage!.time) / 1000, 3);

    const transitions = await readPoints(influxd, DB, 'transition', `WHERE "device" = 'makarykha-school'`);
    expect(transitions.map((t) => `${t.fields.from}>${t.fields.to}`)).toEqual(['unknown>up', 'up>unreachable', 'unreachable>up']);
    expect(transitions[1]!.fields.cause).toBe('makarykha-uplink');

    const alerts = await readPoints(influxd, DB, 'alert');
    expect(alerts.map((a) => [a.tags.event, a.fields.action, a.fields.channels])).toEqual([
      ['down', 'open', 'dead-webhook,it-email,it-telegram,it-webhook'],
      ['recovered', 'close', 'dead-webhook,it-email,it-telegram,it-webhook'],
    ]);
    const deliveries = await readPoints(influxd, DB, 'delivery', `WHERE "ok" = 1`);
    expect(deliveries).toHaveLength(6);
  });
});
