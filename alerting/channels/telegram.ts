/**
 * Telegram: the Bot API's sendMessage, as plain text (no parse mode, so no
 * character in a device name can break the message). `api_url` is the Bot API
 * base URL; tests and self-hosted Bot API servers point it elsewhere. The bot
 * token is part of every request path, so it never appears in a log line or a
 * stored error: errors are worded from the status and Telegram's description.
 */
import { z } from 'zod';
import type { AlertRecord } from '../record.ts';
import { channelSchema, DeliveryError, describeNetworkError, retryableStatus, type Channel, type ChannelType } from './types.ts';

/** Telegram's limit for one message. */
const MAX_TEXT = 4096;

interface TelegramReply {
  ok?: boolean;
  description?: string;
  parameters?: { retry_after?: number };
}

const schema = channelSchema('telegram', {
  bot_token: z.string().min(1),
  /** A chat id (-100… for groups and channels) or @channelusername; YAML may read it as a number. */
  chat_id: z.union([z.string().min(1), z.int()]).transform(String),
  api_url: z.url({ protocol: /^https?$/ }).default('https://api.telegram.org'),
});

export function telegramText(alert: AlertRecord): string {
  const text = `${alert.title}\n\n${alert.message}`;
  return text.length <= MAX_TEXT ? text : `${text.slice(0, MAX_TEXT - 1)}…`;
}

export const telegramChannel: ChannelType<typeof schema> = {
  type: 'telegram',
  schema,
  create(config): Channel {
    const url = `${config.api_url.replace(/\/+$/, '')}/bot${config.bot_token}/sendMessage`;
    return {
      id: config.id,
      type: 'telegram',
      secrets: [config.bot_token],
      async send(alert, signal) {
        const body = JSON.stringify({ chat_id: config.chat_id, text: telegramText(alert), disable_web_page_preview: true });
        let response: Response;
        try {
          response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal });
        } catch (err) {
          throw new DeliveryError(describeNetworkError(err, signal));
        }
        const reply = (await response.json().catch(() => ({}))) as TelegramReply;
        if (response.ok && reply.ok) return;
        const what = reply.description ? `: ${reply.description}` : '';
        const retryAfterS = reply.parameters?.retry_after;
        throw new DeliveryError(`Telegram answered HTTP ${response.status}${what}`, {
          permanent: !retryableStatus(response.status),
          ...(retryAfterS ? { retryAfterMs: retryAfterS * 1000 } : {}),
        });
      },
    };
  },
};
