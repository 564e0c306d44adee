/**
 * Each alert channel against a real local peer on 127.0.0.1: the webhook
 * (signed body, retryable and permanent failures), the Telegram Bot API stand-in
 * (plain text, a flaky API, a wrong token) and a real SMTP server; and what a
 * failure looks like when nothing listens. No error ever carries a secret.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.ts';
import { createChannel, type ChannelConfig } from '../../alerting/channels/index.ts';
import { DeliveryError, type Channel } from '../../alerting/channels/types.ts';
import type { AlertRecord } from '../../alerting/record.ts';
import { startAlertReceivers, type AlertReceivers } from '../support/alert-receivers.ts';

const SECRET = 'channel-test-secret';
const TOKEN = '424242:channel-test-token';
let receivers: AlertReceivers;

const alert: AlertRecord = {
  id: '0123456789abcdef',
  time: Date.UTC(2025, 5, 3, 11, 5),
  action: 'open',
  event: 'down',
  key: 'down:makarykha-uplink:1748948400000',
  subject: 'makarykha-uplink',
  channels: ['x'],
  folds: [],
  reminder: 0,
  village: { id: 'makarykha', name: 'Макариха' },
  device: { id: 'makarykha-uplink', name: 'Макариха, канал Укртелеком', kind: 'uplink', provider: 'ukrtelecom' },
  state: 'down',
  since: Date.UTC(2025, 5, 3, 11, 0),
  unreachable: ['makarykha-school', 'makarykha-fap'],
  villageOffline: false,
  title: 'Немає зв’язку: Макариха, канал Укртелеком',
  message: 'Немає зв’язку: Макариха, канал Укртелеком (канал зв’язку, Макариха).\nСело: Макариха.',
  dashboardUrl: 'http://127.0.0.1:8080/',
};

function channel(config: ChannelConfig): Channel {
  return createChannel(config, {
    log: silentLogger(),
    hromada: { name: 'Дмитрівська сільська громада', locale: 'uk', timezone: 'Europe/Kyiv' },
    timeoutMs: 2_000,
  });
}

async function failure(send: Promise<void>): Promise<DeliveryError> {
  try {
    await send;
  } catch (err) {
    if (err instanceof DeliveryError) return err;
    throw err;
  }
  throw new Error('expected the send to fail');
}

const signal = () => AbortSignal.timeout(2_000);

beforeAll(async () => {
  receivers = await startAlertReceivers({ webhookSecret: SECRET });
});

afterAll(async () => {
  await receivers?.close();
});

describe('webhook', () => {
  it('posts the documented JSON body, signed with HMAC-SHA256', async () => {
    await channel({ id: 'hook', type: 'webhook', url: receivers.webhookUrl, secret: SECRET }).send(alert, signal());
    const [got] = receivers.webhooks;
    expect(got!.signatureValid).toBe(true);
    expect(got!.headers).toMatchObject({
      'x-merezha-event': 'down',
      'x-merezha-delivery': alert.id,
      'content-type': 'application/json; charset=utf-8',
    });
    expect(got!.body).toEqual({
      id: alert.id,
      event: 'down',
      reminder: 0,
      hromada: 'Дмитрівська сільська громада',
      village: 'makarykha',
      village_name: 'Макариха',
      device: 'makarykha-uplink',
      device_name: 'Макариха, канал Укртелеком',
      kind: 'uplink',
      provider: 'ukrtelecom',
      service: null,
      service_name: null,
      state: 'down',
      since: '2025-06-03T11:00:00.000Z',
      until: null,
      unreachable: ['makarykha-school', 'makarykha-fap'],
      village_offline: false,
      title: alert.title,
      message: alert.message,
      dashboard_url: 'http://127.0.0.1:8080/',
      time: '2025-06-03T11:05:00.000Z',
      cause: null,
      power: null,
    });
  });

  it('treats 5xx as worth a retry, 4xx as permanent, and never shows the URL or secret', async () => {
    let status = 503;
    const server = createServer((_req, res) => res.writeHead(status, { 'retry-after': '3' }).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/secret-path-token`;
    try {
      const hook = channel({ id: 'hook', type: 'webhook', url, secret: SECRET });
      const e503 = await failure(hook.send(alert, signal()));
      expect(e503.message).toBe('the receiver answered HTTP 503');
      expect(e503.options).toEqual({ permanent: false, retryAfterMs: 3000 });
      status = 404;
      expect((await failure(hook.send(alert, signal()))).options.permanent).toBe(true);
      expect(hook.secrets).toEqual([url, SECRET]);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    const dead = await failure(channel({ id: 'dead', type: 'webhook', url: receivers.deadUrl }).send(alert, signal()));
    expect(dead.message).toBe('connection refused');
  });
});

describe('telegram', () => {
  it('sends plain text to the chat through the Bot API at api_url', async () => {
    await channel({ id: 'tg', type: 'telegram', bot_token: TOKEN, chat_id: '-100123', api_url: receivers.telegramApiUrl }).send(
      alert,
      signal(),
    );
    expect(receivers.telegrams.at(-1)).toMatchObject({ token: TOKEN, chatId: '-100123', text: `${alert.title}\n\n${alert.message}` });
  });

  it('reports a flaky API as retryable, without the token', async () => {
    receivers.failTelegram(1);
    const tg = channel({ id: 'tg', type: 'telegram', bot_token: TOKEN, chat_id: '-100123', api_url: receivers.telegramApiUrl });
    const err = await failure(tg.send(alert, signal()));
    expect(err.message).toBe('Telegram answered HTTP 502: Bad Gateway');
    expect(err.options.permanent).toBe(false);
    expect(err.message).not.toContain(TOKEN);
    await tg.send(alert, signal());
    expect(tg.secrets).toEqual([TOKEN]);
  });
});

describe('email', () => {
  it('sends the alert through a real SMTP server, with its id as Message-ID', async () => {
    await channel({
      id: 'mail',
      type: 'email',
      smtp: receivers.smtpUrl,
      from: 'Мережа <merezha@example.gov.ua>',
      to: ['it@example.gov.ua', 'head@example.gov.ua'],
    }).send(alert, signal());
    const [mail] = receivers.mails;
    expect(mail).toMatchObject({
      from: 'merezha@example.gov.ua',
      to: ['it@example.gov.ua', 'head@example.gov.ua'],
      event: 'down',
      messageId: `<${alert.id}@merezha>`,
      subject: alert.title,
    });
    expect(mail!.text).toContain('Село: Макариха.');
  });

  it('words a server that is not there without the password', async () => {
    const port = new URL(receivers.deadUrl).port;
    const mail = channel({
      id: 'mail',
      type: 'email',
      smtp: `smtp://merezha:pa55-w0rd@127.0.0.1:${port}`,
      from: 'm@example.gov.ua',
      to: ['it@example.gov.ua'],
    });
    const err = await failure(mail.send(alert, signal()));
    expect(err.message).toBe('connection refused');
    expect(mail.secrets).toContain('pa55-w0rd');
    await mail.close?.();
  });
});
