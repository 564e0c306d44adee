/**
 * `merezha alert test --channel ID [--config FILE]`: one clearly marked test
 * message through a channel of the config, sent the way alerts are (the
 * channel's own code, the delivery's timeout and removal of secrets), so the
 * first proof that Telegram works is not a real outage.
 */
import { randomBytes } from 'node:crypto';
import { createChannel } from '../../alerting/channels/index.ts';
import { Delivery } from '../../alerting/delivery.ts';
import type { AlertRecord, DeliveryAttempt } from '../../alerting/record.ts';
import { createLogger, silentLogger } from '../../common/log.ts';
import type { Locale } from '../../common/words/locale.ts';
import type { Config } from '../../config/schema.ts';
import { formatTime } from '../../server/alerts/messages.ts';
import { parse, UsageError } from '../args.ts';
import { loadConfigOrReport } from './load.ts';

export const OPTIONS = {
  channel: { type: 'string' },
  config: { type: 'string' },
} as const;

const WORDS: Record<Locale, { title: string; message: (channel: string, hromada: string, time: string) => string }> = {
  uk: {
    title: 'Перевірка сповіщень Merezha',
    message: (channel, hromada, time) =>
      `Це перевірка каналу «${channel}» (${hromada}): якщо ви це читаєте, сповіщення доходять. ` +
      `Нічого не сталося, дій не потрібно.\nНадіслано ${time} командою merezha alert test.`,
  },
  en: {
    title: 'Merezha alert test',
    message: (channel, hromada, time) =>
      `This is a test of the channel "${channel}" (${hromada}): if you read this, alerts get through. ` +
      `Nothing happened; no action is needed.\nSent ${time} by merezha alert test.`,
  },
};

/** A record like the planner's, in the hromada's locale, about no device and with the event `test`. */
export function testAlert(config: Config, channel: string, now: number): AlertRecord {
  const { name, locale, timezone } = config.hromada;
  const words = WORDS[locale];
  return {
    id: `test:${channel}:${now}:${randomBytes(3).toString('hex')}`,
    time: now,
    action: 'open',
    event: 'test',
    key: `test:${channel}:${now}`,
    subject: 'test',
    channels: [channel],
    folds: [],
    reminder: 0,
    state: 'up',
    since: now,
    unreachable: [],
    villageOffline: false,
    title: words.title,
    message: words.message(channel, name, formatTime(now, { locale, timeZone: timezone })),
    ...(config.alerts.dashboard_url ? { dashboardUrl: config.alerts.dashboard_url } : {}),
  };
}

export async function alertCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS, true);
  if (positionals.length !== 1 || positionals[0] !== 'test') throw new UsageError('expects the subcommand test');
  if (values.channel === undefined) throw new UsageError('--channel ID is required');
  const loaded = loadConfigOrReport(values.config);
  if (!loaded) return 1;
  const { config } = loaded;
  const entry = config.alerts.channels.find((c) => c.id === values.channel);
  if (!entry) {
    const known = config.alerts.channels.map((c) => c.id);
    throw new UsageError(
      `no channel "${values.channel}" in ${loaded.path} (${known.length ? `its channels: ${known.join(', ')}` : 'it has no alerts.channels'})`,
    );
  }

  // The log channel's message is the test's output; the delivery's own lines would repeat the one printed below.
  const channel = createChannel(entry, {
    log: createLogger(),
    hromada: { name: config.hromada.name, locale: config.hromada.locale, timezone: config.hromada.timezone },
    timeoutMs: config.alerts.delivery.timeout,
  });
  let outcome: DeliveryAttempt | undefined;
  // One attempt: a test shows what happens now, and retrying for minutes would hide it.
  const delivery = new Delivery({
    channels: new Map([[channel.id, channel]]),
    policy: { attempts: 1, backoffMs: 0, maxBackoffMs: 0, timeoutMs: config.alerts.delivery.timeout },
    log: silentLogger(),
    onAttempt: (attempt) => (outcome = attempt),
  });
  delivery.enqueue(testAlert(config, channel.id, Date.now()), channel.id);
  await delivery.idle();
  await delivery.stop();

  const name = `${channel.id} (${channel.type})`;
  if (outcome?.ok) {
    process.stdout.write(`sent a test message through ${name} in ${outcome.delayMs} ms\n`);
    return 0;
  }
  process.stderr.write(`merezha alert test: ${name} did not send the test message: ${outcome?.error ?? 'no attempt was made'}\n`);
  return 1;
}
