/**
 * Structured logging for every part of Merezha.
 *
 * Logs go to stderr so that commands such as `merezha poll --json` keep stdout
 * for their machine-readable output. Secrets are redacted by key name as a
 * second line of defence: code should never put them in a log call at all.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

const SECRET_KEYS = ['community', 'key', 'password', 'token', 'secret', 'bot_token', 'authorization', 'cookie'];

export const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino(
    {
      name: options.name ?? 'merezha',
      level: options.level ?? process.env.MEREZHA_LOG_LEVEL ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[secret]' },
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.destination({ fd: 2, sync: true }),
  );
}

/** A logger that drops everything, for tests and library callers that do not care. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
