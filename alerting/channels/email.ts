/**
 * Email over SMTP (nodemailer). `smtp` is a URL: smtp://host:port (STARTTLS
 * when the server offers it), smtps://host:465 (TLS from the start), with
 * user and password in it when the server wants them
 * (smtp://user:${SMTP_PASSWORD}@mail.example.gov.ua:587). The password is
 * never logged; errors are worded from the SMTP reply.
 *
 * Every alert has its own Message-ID derived from the alert id, so a message
 * sent twice (a crash between the server's "250 OK" and the delivery log)
 * reads as one in most mail clients.
 */
import { z } from 'zod';
import type { AlertRecord } from '../record.ts';
import { channelSchema, DeliveryError, describeNetworkError, type Channel, type ChannelType } from './types.ts';

const ADDRESS = /^(?:[^<>@\s]+@[^<>@\s]+|[^<>]*<[^<>@\s]+@[^<>@\s]+>)$/;
const address = () => z.string().regex(ADDRESS, 'must be an email address such as it@example.gov.ua or "Name <it@example.gov.ua>"');

const schema = channelSchema('email', {
  smtp: z.string().regex(/^smtps?:\/\/[^\s/]+(?::\d+)?\/?$/, 'must be an SMTP URL such as smtp://mail.example.gov.ua:587 or smtps://…:465'),
  from: address(),
  to: z.array(address()).min(1),
});

/** SMTP replies whose first digit is 5 are permanent (RFC 5321), 4 temporary; a failed login is worth retrying after a fix. */
function isPermanentSmtp(err: unknown): boolean {
  const code = (err as { responseCode?: unknown }).responseCode;
  return typeof code === 'number' && code >= 500 && code !== 535 && code !== 530;
}

function describeSmtpError(err: unknown, signal: AbortSignal): string {
  const e = err as { responseCode?: number; response?: string; code?: string; originalCode?: string };
  if (signal.aborted) return 'timed out';
  if (typeof e.responseCode === 'number') return `the SMTP server answered ${e.response ?? e.responseCode}`;
  if (e.code === 'EAUTH') return 'the SMTP server refused the login';
  if (e.code === 'ETIMEDOUT') return 'connection timed out';
  // nodemailer wraps socket errors as ESOCKET and keeps the system's code aside.
  if (e.originalCode) return describeNetworkError({ code: e.originalCode }, signal);
  return describeNetworkError(err, signal);
}

export function emailText(alert: AlertRecord): string {
  return `${alert.message}\n\n-- \nMerezha (${alert.id})\n`;
}

export const emailChannel: ChannelType<typeof schema> = {
  type: 'email',
  schema,
  create(config, { timeoutMs }): Channel {
    const url = new URL(config.smtp);
    const secure = url.protocol === 'smtps:';
    const password = decodeURIComponent(url.password);
    const options = {
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port === '' ? (secure ? 465 : 587) : Number(url.port),
      secure,
      ...(url.username ? { auth: { user: decodeURIComponent(url.username), pass: password } } : {}),
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    };
    let transport: { sendMail(message: object): Promise<unknown>; close(): void } | undefined;
    return {
      id: config.id,
      type: 'email',
      secrets: [config.smtp, ...(password ? [password, url.password] : [])],
      async send(alert, signal) {
        // Loaded on first use, so that reading the config does not load the mailer.
        if (!transport) transport = (await import('nodemailer')).default.createTransport(options);
        const sending = transport.sendMail({
          from: config.from,
          to: config.to,
          subject: alert.title,
          text: emailText(alert),
          messageId: `<${alert.id}@merezha>`,
          headers: { 'X-Merezha-Event': alert.event },
        });
        const aborted = new Promise<never>((_, reject) =>
          signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }),
        );
        try {
          await Promise.race([sending, aborted]);
        } catch (err) {
          sending.catch(() => undefined);
          throw new DeliveryError(describeSmtpError(err, signal), { permanent: isPermanentSmtp(err) });
        }
      },
      async close() {
        transport?.close();
      },
    };
  },
};
