/**
 * Structured logging for every part of Merezha.
 *
 * Logs go to stderr so that commands such as `merezha poll --json` keep stdout
 * for their machine-readable output. Secrets are redacted as a second line of
 * defence (code should never put them in a log call at all), at any depth of
 * the logged object and in the message (not in `child()` bindings, which pino
 * writes as given):
 * - a value whose key, in any case and with `-` and `_` dropped, is or ends
 *   with one of SECRET_NAMES (`Authorization`, `set-cookie`, `authKey`,
 *   `bot_token`, `community`, …) is replaced whole;
 * - in every string, URLs lose their user:password@, the values of secret-
 *   looking query parameters, Telegram bot tokens, and path segments that look
 *   like tokens (16+ letters and digits mixed, as in Slack and Discord webhook
 *   URLs).
 * `initial_password` alone is let through: the first admin's generated
 * password, logged once on purpose (server/auth/users.ts).
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

const CENSOR = '[secret]';
const SECRET_NAMES = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'authorization',
  'cookie',
  'community',
  'key',
  'csrf',
  'credentials',
];
const SHOWN_ONCE = 'initial_password';
const MAX_DEPTH = 20;

const isSecretKey = (key: string) => {
  const name = key.toLowerCase().replace(/[-_]/g, '');
  return key !== SHOWN_ONCE && SECRET_NAMES.some((secret) => name.endsWith(secret));
};

const URL_RE = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;
const SECRET_QUERY = /([?&](?:[a-z0-9_-]*(?:token|key|secret|password|passwd|auth|sig|signature|credential)[a-z0-9_-]*)=)[^&#\s]*/gi;
const TOKEN_SEGMENT = /^(?=.*[a-z])(?=.*\d)[a-z0-9_.:~-]{16,}$/i;

function redactUrl(url: string): string {
  const at = url.indexOf('://') + 3;
  const slash = url.indexOf('/', at);
  let authority = slash < 0 ? url.slice(at) : url.slice(at, slash);
  const rest = slash < 0 ? '' : url.slice(slash);
  const userinfo = authority.lastIndexOf('@');
  if (userinfo >= 0) authority = `${CENSOR}@${authority.slice(userinfo + 1)}`;
  const [path = '', ...query] = rest.split('?');
  const cleanPath = path
    .split('/')
    .map((segment) => (/^bot\d+:/.test(segment) ? `bot${CENSOR}` : TOKEN_SEGMENT.test(segment) ? CENSOR : segment))
    .join('/');
  const tail = query.length > 0 ? `?${query.join('?')}`.replace(SECRET_QUERY, `$1${CENSOR}`) : '';
  return `${url.slice(0, at)}${authority}${cleanPath}${tail}`;
}

/** The text with the secrets of its URLs removed. Pure. */
export const redactText = (text: string): string => (text.includes('://') ? text.replace(URL_RE, redactUrl) : text);

/** A copy of `value` with secrets removed, by key name and in strings, at any depth. Pure; keeps Errors Errors, so pino still serialises them as such. */
export function redactSecrets(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  seen.add(value);
  const walk = (v: unknown) => redactSecrets(v, depth + 1, seen);
  let out: unknown = value;
  if (Array.isArray(value)) out = value.map(walk);
  else if (value instanceof Error) {
    const copy = Object.create(Object.getPrototypeOf(value) as object) as Error & Record<string, unknown>;
    copy.message = redactText(value.message);
    if (value.stack !== undefined) copy.stack = redactText(value.stack);
    if (value.cause !== undefined) copy.cause = walk(value.cause);
    for (const [k, v] of Object.entries(value)) copy[k] = isSecretKey(k) ? CENSOR : walk(v);
    out = copy;
  } else {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto === Object.prototype || proto === null) {
      out = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isSecretKey(k) ? CENSOR : walk(v)]));
    }
  }
  seen.delete(value);
  return out;
}

export function createLogger(options: { level?: string; name?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      name: options.name ?? 'merezha',
      level: options.level ?? process.env.MEREZHA_LOG_LEVEL ?? 'info',
      formatters: { log: (object) => redactSecrets(object) as Record<string, unknown> },
      serializers: { msg: (msg: unknown) => (typeof msg === 'string' ? redactText(msg) : msg) },
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination({ fd: 2, sync: true }),
  );
}

/** A logger that drops everything, for tests and library callers that do not care. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
