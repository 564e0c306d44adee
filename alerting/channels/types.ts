/**
 * The small interface every alert channel implements (email, Telegram,
 * webhook, log), and the error a channel throws when a send fails.
 *
 * A channel type is one file: its config keys (a zod object with `id` and
 * `type`, which the config schema collects from the registry) and a factory.
 * Sending is the only thing a channel does: retries, back-off, timeouts and
 * the delivery log belong to `delivery.ts`.
 */
import { z } from 'zod';
import type { Logger } from '../../common/log.ts';
import type { Locale } from '../../common/words/locale.ts';
import { networkErrorWords } from '../../common/network-errors.ts';
import { id } from '../../common/ids.ts';
import type { AlertRecord } from '../record.ts';

export interface ChannelDeps {
  log: Logger;
  /** The hromada's name, locale and time zone, for texts that need them. */
  hromada: { name: string; locale: Locale; timezone: string };
  /** Ceiling for one send; the delivery also aborts `signal` at it. */
  timeoutMs: number;
}

export interface Channel {
  readonly id: string;
  readonly type: string;
  /** Sends one alert. Rejects (preferably with a DeliveryError) when it did not go out. */
  send(alert: AlertRecord, signal: AbortSignal): Promise<void>;
  /** Values that must never appear in a log line or a stored error: tokens, secrets, passwords. */
  readonly secrets: readonly string[];
  close?(): Promise<void>;
}

export interface ChannelType<S extends z.ZodType = z.ZodType> {
  readonly type: string;
  /** The channel's config entry: `id`, `type` and its own keys (see `channelSchema`). */
  readonly schema: S;
  create(config: z.output<S>, deps: ChannelDeps): Channel;
}

/** The zod object of one channel type's config entry: `id`, `type` and the type's own keys. */
export function channelSchema<const T extends string, Shape extends z.ZodRawShape>(type: T, shape: Shape) {
  return z.strictObject({ id: id(), type: z.literal(type), ...shape });
}

/** A failed send, worded for people; `permanent` stops the retries, `retryAfterMs` sets the next wait. */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';

  constructor(
    message: string,
    readonly options: { permanent?: boolean; retryAfterMs?: number } = {},
  ) {
    super(message);
  }
}

/** HTTP statuses worth retrying: the receiver may be back later. Other 4xx mean the request itself is wrong. */
export function retryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429 || status === 425;
}

/**
 * Words an error from fetch or a socket without its URL: fetch says only
 * "fetch failed" and keeps the reason in `cause`.
 */
export function describeNetworkError(err: unknown, signal: AbortSignal): string {
  if (signal.aborted) return 'timed out';
  const words = networkErrorWords(err);
  if (words) return words;
  const cause = (err as { cause?: unknown } | null)?.cause ?? err;
  const code = (cause as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return err instanceof Error ? err.message : String(err);
}
