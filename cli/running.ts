/**
 * Whether the Merezha of a config runs, asked the way a monitoring system
 * would: its `/api/health` on server.host and server.port (or PORT). For
 * `merezha status`, and for the commands that must not change files under a
 * running server.
 */
import { join, resolve } from 'node:path';
import type { z } from 'zod';
import { healthResponse, type HealthResponse } from '../common/api.ts';
import { networkErrorWords } from '../common/network-errors.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../common/log.ts';

const ASK_TIMEOUT_MS = 5000;

/** Where `merezha start` keeps its process id while it runs, so that other commands can send it SIGHUP. */
export function pidFileOf(config: Config): string {
  return join(resolve(config.server.data_dir), 'merezha.pid');
}
const ANY_ADDRESS: Record<string, string> = { '0.0.0.0': '127.0.0.1', '::': '::1' };

/** What the server of a config answers: nothing listens (not running), its health, or why there is none. */
export type ServerAnswer<Health = HealthResponse> =
  { running: false; url: string } | { running: true; url: string; health: Health } | { running: true; url: string; error: string };

/** The server's health address: its own host, or loopback when it listens on every address. */
export function healthUrl(config: Pick<Config, 'server'>, env = process.env): string {
  const host = ANY_ADDRESS[config.server.host] ?? config.server.host;
  const port = env.PORT || config.server.port;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}/api/health`;
}

export function askServer(config: Pick<Config, 'server'>): Promise<ServerAnswer>;
/** A server of ours whose health is another schema: the oblast's central answers fewer fields. */
export function askServer<Health>(config: Pick<Config, 'server'>, health: z.ZodType<Health>): Promise<ServerAnswer<Health>>;
export async function askServer(config: Pick<Config, 'server'>, health: z.ZodType = healthResponse): Promise<ServerAnswer<unknown>> {
  const url = healthUrl(config);
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(ASK_TIMEOUT_MS), headers: { Accept: 'application/json' } });
  } catch (err) {
    const cause = (err as { cause?: { code?: unknown } }).cause;
    if (cause?.code === 'ECONNREFUSED') return { running: false, url };
    const why =
      (err as Error).name === 'TimeoutError' ? `no answer in ${ASK_TIMEOUT_MS / 1000} s` : (networkErrorWords(err) ?? String(err));
    return { running: true, url, error: why };
  }
  const parsed = health.safeParse(await res.json().catch(() => undefined));
  if (parsed.success) return { running: true, url, health: parsed.data };
  return {
    running: true,
    url,
    error: `HTTP ${res.status}, not the health of this version of Merezha (another program, or restart Merezha after an upgrade)`,
  };
}

/** Resolves at the first SIGINT or SIGTERM (Ctrl-C, systemctl stop), logged: the long-running commands stop then. */
export function untilSignalled(log: Logger): Promise<void> {
  return new Promise<void>((done) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'stopping');
      done();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
