/**
 * Real receivers for alert channels, all on 127.0.0.1: an SMTP server
 * (smtp-server), and one HTTP server standing in for both the Telegram Bot API
 * (POST /bot<token>/sendMessage) and a webhook receiver (POST /hook, checking
 * the HMAC signature). Everything received is kept, with its arrival time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { isTcpPortFree } from '../../storage/ports.ts';
import { SMTPServer } from 'smtp-server';
import type { WebhookPayload } from '../../alerting/channels/webhook.ts';

export interface ReceivedWebhook {
  at: number;
  body: WebhookPayload;
  signatureValid: boolean;
  headers: IncomingMessage['headers'];
}

export interface ReceivedTelegram {
  at: number;
  token: string;
  chatId: string;
  text: string;
}

export interface ReceivedMail {
  at: number;
  from: string;
  to: string[];
  event: string | undefined;
  messageId: string | undefined;
  subject: string;
  text: string;
}

export interface AlertReceivers {
  webhookUrl: string;
  telegramApiUrl: string;
  smtpUrl: string;
  /** A URL where nothing listens: a channel that always fails. */
  deadUrl: string;
  webhooks: ReceivedWebhook[];
  telegrams: ReceivedTelegram[];
  mails: ReceivedMail[];
  /** Telegram requests to answer with HTTP 502 before accepting (a flaky API). */
  failTelegram(count: number): void;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** RFC 2047 encoded words (=?UTF-8?B?...?= / =?UTF-8?Q?...?=) in a header. */
function decodeHeader(value: string): string {
  return value.replace(/\?=\s+=\?/g, '?==?').replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (_, enc: string, text: string) =>
    enc.toLowerCase() === 'b'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(
          text.replace(/_/g, ' ').replace(/=([0-9a-f]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
          'latin1',
        ).toString('utf8'),
  );
}

function decodeQuotedPrintable(text: string): string {
  const bytes = text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/** Enough of RFC 5322 for nodemailer's single-part text messages. */
export function parseMail(raw: string): { headers: Map<string, string>; text: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers = new Map<string, string>();
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  const body = raw.slice(split + 4);
  const encoding = headers.get('content-transfer-encoding')?.toLowerCase();
  const text =
    encoding === 'base64'
      ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
      : encoding === 'quoted-printable'
        ? decodeQuotedPrintable(body)
        : body;
  return { headers, text };
}

export async function startAlertReceivers(options: { webhookSecret?: string } = {}): Promise<AlertReceivers> {
  const webhooks: ReceivedWebhook[] = [];
  const telegrams: ReceivedTelegram[] = [];
  const mails: ReceivedMail[] = [];
  let telegramFailures = 0;

  const http: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const at = Date.now();
      if (req.method === 'POST' && req.url === '/hook') {
        const signature = String(req.headers['x-merezha-signature'] ?? '');
        const expected = options.webhookSecret ? `sha256=${createHmac('sha256', options.webhookSecret).update(body).digest('hex')}` : '';
        const signatureValid =
          signature.length === expected.length && expected !== '' && timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
        webhooks.push({ at, body: JSON.parse(body.toString('utf8')) as WebhookPayload, signatureValid, headers: req.headers });
        res.writeHead(204).end();
        return;
      }
      const tg = /^\/bot([^/]+)\/sendMessage$/.exec(req.url ?? '');
      if (req.method === 'POST' && tg) {
        if (telegramFailures > 0) {
          telegramFailures--;
          res
            .writeHead(502, { 'content-type': 'application/json' })
            .end(JSON.stringify({ ok: false, error_code: 502, description: 'Bad Gateway' }));
          return;
        }
        const json = JSON.parse(body.toString('utf8')) as { chat_id: string; text: string };
        telegrams.push({ at, token: decodeURIComponent(tg[1]!), chatId: String(json.chat_id), text: json.text });
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ ok: true, result: { message_id: telegrams.length } }));
        return;
      }
      res.writeHead(404).end();
    })();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const httpPort = (http.address() as AddressInfo).port;

  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      let raw = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => (raw += chunk));
      stream.on('end', () => {
        const { headers, text } = parseMail(raw);
        mails.push({
          at: Date.now(),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          event: headers.get('x-merezha-event'),
          messageId: headers.get('message-id'),
          subject: decodeHeader(headers.get('subject') ?? ''),
          text,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  const deadPort = await unusedPortBelowEphemeral();

  return {
    webhookUrl: `http://127.0.0.1:${httpPort}/hook`,
    telegramApiUrl: `http://127.0.0.1:${httpPort}`,
    smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
    deadUrl: `http://127.0.0.1:${deadPort}/hook`,
    webhooks,
    telegrams,
    mails,
    failTelegram(count) {
      telegramFailures = count;
    },
    async close() {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    },
  };
}

/**
 * A port nothing listens on, where connections are refused: free now, and
 * below the kernel's ephemeral range, so that no server of another test that
 * asks for any free port (listen on 0) is given it meanwhile, as happened
 * with a port taken free from that range and closed again.
 */
async function unusedPortBelowEphemeral(): Promise<number> {
  const range = await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').catch(() => '32768');
  const low = Number(range.trim().split(/\s+/)[0]) || 32768;
  for (let tries = 0; tries < 50; tries++) {
    const port = 20_000 + Math.floor(Math.random() * Math.max(1, low - 20_000));
    if (await isTcpPortFree(port)) return port;
  }
  throw new Error('no free port below the ephemeral range');
}
