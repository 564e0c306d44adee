/**
 * A sweep of an IPv4 range: every address is pinged first (the collector's
 * pinger, collector/probes/ping.ts), then each address that answered is
 * asked over SNMP with each credential in turn, a bounded number of
 * addresses at once, and the ones whose agent answers are discovered.
 */
import { discoveryWords } from '../../common/words/discovery.ts';
import type { Locale } from '../../common/words/locale.ts';
import type { Config, SnmpCredential } from '../../config/schema.ts';
import { pingerInfo, pingHost } from '../probes/ping.ts';
import { netSnmpClientFactory, SnmpError, type SnmpClientFactory } from '../snmp/client.ts';
import { configuredAt, discoverDevice } from './discover.ts';
import type { Discovery } from './types.ts';

/** The widest range a sweep takes: a /16, 65,534 addresses. */
export const MAX_RANGE_PREFIX = 16;

export class RangeRefused extends Error {
  override readonly name = 'RangeRefused';
}

const toInt = (a: string): number => a.split('.').reduce((n, part) => n * 256 + Number(part), 0);
const toAddress = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/**
 * The host addresses of an IPv4 CIDR range (without the network and
 * broadcast addresses, down to a /30; a /31 and /32 are all hosts).
 * Throws RangeRefused for what is not a range or is wider than a /16.
 */
export function rangeHosts(cidr: string, maxPrefix = MAX_RANGE_PREFIX): string[] {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(cidr.trim());
  if (!m || !IPV4.test(m[1]!) || Number(m[2]) > 32) {
    throw new RangeRefused(`"${cidr}" is not an IPv4 range in CIDR notation, e.g. 192.168.88.0/24`);
  }
  const prefix = Number(m[2]);
  if (prefix < maxPrefix) {
    const size = 2 ** (32 - prefix);
    throw new RangeRefused(
      `refusing to sweep ${cidr}: ${size.toLocaleString('en')} addresses; the widest range is a /${maxPrefix} (${(2 ** (32 - maxPrefix) - 2).toLocaleString('en')} hosts)`,
    );
  }
  const size = 2 ** (32 - prefix);
  const network = (toInt(m[1]!) - (toInt(m[1]!) % size)) >>> 0;
  const [first, last] = size <= 2 ? [network, network + size - 1] : [network + 1, network + size - 2];
  const out: string[] = [];
  for (let n = first; n <= last; n++) out.push(toAddress(n));
  return out;
}

export interface SweepCredential {
  /** The config's id for it, when it is one of the config's. */
  id?: string;
  credential: SnmpCredential;
}

export interface SweepProgress {
  total: number;
  pinged: number;
  alive: number;
  asked: number;
  found: number;
}

export interface SweepOptions {
  /** The UDP port asked (a configured device is asked on its own port first). */
  port: number;
  /** Tried in order on each address until one gets an answer. */
  credentials: readonly SweepCredential[];
  config?: Config;
  /** Addresses asked over SNMP at once. */
  concurrency: number;
  timeoutMs: number;
  retries: number;
  /** Ping options (count, timeout, packet_interval), or false to ask every address over SNMP. */
  ping: Config['polling']['ping'] | false;
  clientFactory?: SnmpClientFactory;
  onProgress?: (p: SweepProgress) => void;
  /** The language of each discovery's reasons and notes, and of `failed`'s errors (default English). */
  locale?: Locale;
}

export interface SweepResult {
  range: string;
  total: number;
  /** Addresses that answered ping (all of them when ping was skipped). */
  alive: number;
  /** One per address whose agent answered, in address order; `configured` marks those already in the config. */
  found: Discovery[];
  /** Addresses that answered SNMP but could not be discovered, and why (the SNMP client's words, or refused every credential). */
  failed: { host: string; error: string }[];
  elapsed_ms: number;
}

/** Runs `fn` over `items`, `n` at a time. */
async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, worker));
}

/** The ping probes in flight at once: many with the batch pinger (one socket), the SNMP bound with system ping processes. */
const PING_CONCURRENCY = 1024;

/** The credentials and ports to try on one address: a configured device's own first. */
function attemptsFor(host: string, options: SweepOptions): { port: number; credential: SweepCredential }[] {
  const attempts: { port: number; credential: SweepCredential }[] = [];
  const self = configuredAt(options.config, { host, port: options.port });
  const device = self ? options.config!.villages.flatMap((v) => v.devices).find((d) => d.id === self) : undefined;
  if (device?.snmp) {
    const credential = options.config!.snmp_credentials[device.snmp.credential];
    if (credential) attempts.push({ port: device.snmp.port, credential: { id: device.snmp.credential, credential } });
  }
  for (const credential of options.credentials) {
    if (!attempts.some((a) => a.port === options.port && a.credential.id !== undefined && a.credential.id === credential.id)) {
      attempts.push({ port: options.port, credential });
    }
  }
  return attempts;
}

/** Sweeps `cidr`; throws RangeRefused for a range it will not take. */
export async function sweepRange(cidr: string, options: SweepOptions): Promise<SweepResult> {
  const started = performance.now();
  const hosts = rangeHosts(cidr);
  const factory = options.clientFactory ?? netSnmpClientFactory;
  const progress: SweepProgress = { total: hosts.length, pinged: 0, alive: 0, asked: 0, found: 0 };
  const tell = () => options.onProgress?.({ ...progress });

  let alive: string[];
  if (options.ping === false) {
    alive = hosts;
    progress.pinged = progress.alive = hosts.length;
  } else {
    const pingOpts = options.ping;
    const answered = new Set<string>();
    const concurrency = pingerInfo().kind === 'system' ? options.concurrency : PING_CONCURRENCY;
    await pool(hosts, concurrency, async (host) => {
      if ((await pingHost(host, pingOpts)).reachable) {
        answered.add(host);
        progress.alive++;
      }
      progress.pinged++;
      tell();
    });
    alive = hosts.filter((h) => answered.has(h));
  }
  tell();

  const found = new Map<string, Discovery>();
  const failed: { host: string; error: string }[] = [];
  await pool(alive, options.concurrency, async (host) => {
    let refused: string | undefined;
    for (const { port, credential } of attemptsFor(host, options)) {
      const client = factory({ host, port, credential: credential.credential, timeoutMs: options.timeoutMs, retries: options.retries });
      try {
        const discovery = await discoverDevice(
          client,
          { host, port },
          { config: options.config, credentialId: credential.id, locale: options.locale },
        );
        found.set(host, discovery);
        progress.found++;
        refused = undefined;
        break;
      } catch (err) {
        // No answer or refused with this credential: the next one. Anything else is said.
        if (err instanceof SnmpError && err.kind === 'timeout') continue;
        if (err instanceof SnmpError && (err.kind === 'auth' || err.kind === 'agent')) {
          refused = err.message;
          continue;
        }
        failed.push({ host, error: (err as Error).message });
        break;
      } finally {
        client.close();
      }
    }
    // An agent that refused every credential is there: say so rather than pass it over.
    if (refused !== undefined) failed.push({ host, error: discoveryWords(options.locale ?? 'en').refusesEvery(refused) });
    progress.asked++;
    tell();
  });

  return {
    range: cidr,
    total: hosts.length,
    alive: alive.length,
    found: hosts.flatMap((h) => found.get(h) ?? []),
    failed,
    elapsed_ms: Math.round(performance.now() - started),
  };
}
