import { describe, expect, it } from 'vitest';
import { createLogger, redactText } from '../../common/log.ts';

function capture() {
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', destination: { write: (line: string) => lines.push(line) } });
  return { log, text: () => lines.join(''), records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const SECRETS = ['hunter2-pass', 'Bearer mrz_abc', 'sess-cookie-value', 'c0mmunity', 'authk3y-123', 'privk3y-456', 'bot-tok-789', 's3cr3t'];

describe('log redaction', () => {
  it('removes secrets by key name at any depth and in any case, and leaves the rest', () => {
    const { log, text, records } = capture();
    log.warn(
      {
        req: {
          headers: { Authorization: 'Bearer mrz_abc', cookie: 'merezha_session=sess-cookie-value', 'Set-Cookie': ['a=sess-cookie-value'] },
        },
        channel: { id: 'tg', type: 'telegram', bot_token: 'bot-tok-789', deep: { deeper: { deepest: { Password: 'hunter2-pass' } } } },
        snmp: {
          v3: { auth: { protocol: 'sha', key: 'authk3y-123' }, priv: { protocol: 'aes', privKey: 'privk3y-456' } },
          community: 'c0mmunity',
        },
        list: [{ clientSecret: 's3cr3t' }],
        device: 'zelene-uplink',
        count: 3,
      },
      'something failed',
    );
    for (const secret of SECRETS) expect(text()).not.toContain(secret);
    const [record] = records();
    expect(record).toMatchObject({
      device: 'zelene-uplink',
      count: 3,
      msg: 'something failed',
      snmp: { v3: { auth: { protocol: 'sha', key: '[secret]' } } },
    });
  });

  it('removes credentials and tokens from SMTP and webhook URLs, in values, messages and errors', () => {
    const { log, text } = capture();
    log.error({ target: 'smtp://it:p@ss-w0rd@mail.example:587' }, 'no mail');
    log.error(
      { err: new Error('POST https://hooks.slack.com/services/T0AAA1111/B0BBB2222/XyZ9abcdEFGH1234ijkl5678 failed') },
      'sending to https://api.telegram.org/bot123456:AAH-token_part/sendMessage failed',
    );
    log.info({ url: 'https://discord.com/api/webhooks/112233/AbCdEf0123456789GhIjKl?wait=true&access_token=tok3n' }, 'hook');
    for (const secret of ['p@ss-w0rd', 'XyZ9abcdEFGH1234ijkl5678', 'AAH-token_part', 'AbCdEf0123456789GhIjKl', 'tok3n'])
      expect(text()).not.toContain(secret);
    expect(text()).toContain('mail.example:587');
    expect(text()).toContain('hooks.slack.com/services/');
    expect(text()).toContain('"type":"Error"');
  });

  it('keeps ordinary URLs and text as they are', () => {
    expect(redactText('see http://127.0.0.1:8470/devices/zelene-uplink?range=24h now')).toBe(
      'see http://127.0.0.1:8470/devices/zelene-uplink?range=24h now',
    );
    expect(redactText('no url here')).toBe('no url here');
  });

  it('lets the first admin’s generated password through, once on purpose', () => {
    const { log, records } = capture();
    log.warn({ username: 'admin', initial_password: 'shown-once-123' }, 'created');
    expect(records()[0]).toMatchObject({ initial_password: 'shown-once-123' });
  });
});
