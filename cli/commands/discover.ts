/**
 * `merezha discover HOST | --range CIDR`: asks SNMP agents what a config
 * needs to monitor them (collector/discovery/) and prints it, with a ready
 * device entry. Secrets given on the command line are never printed: every
 * SNMP error that reaches the output is an SnmpError, which holds none.
 *
 * It speaks English, the config's `hromada.locale` notwithstanding: the
 * summary's headings and every other message of the CLI are English, and the
 * `--json` a script reads says the same whichever config it was run with.
 * The dashboard's POST /api/discover gives the reasons in Ukrainian.
 */
import { isIP } from 'node:net';
import type { Locale } from '../../common/words/locale.ts';
import { parseDuration } from '../../config/duration.ts';
import { AUTH_PROTOCOLS, PRIV_PROTOCOLS, type Config, type SnmpCredential } from '../../config/schema.ts';
import { configuredAt, discoverDevice, type Discovery } from '../../collector/discovery/discover.ts';
import { RangeRefused, sweepRange, type SweepCredential, type SweepProgress } from '../../collector/discovery/range.ts';
import { netSnmpClientFactory, SnmpError } from '../../collector/snmp/client.ts';
import { parse, resolveConfigPath, UsageError } from '../args.ts';
import { loadConfigOrReport } from './load.ts';

export const OPTIONS = {
  port: { type: 'string' },
  credential: { type: 'string' },
  config: { type: 'string' },
  community: { type: 'string' },
  'snmp-version': { type: 'string' },
  user: { type: 'string' },
  'auth-protocol': { type: 'string' },
  'auth-key': { type: 'string' },
  'priv-protocol': { type: 'string' },
  'priv-key': { type: 'string' },
  timeout: { type: 'string' },
  retries: { type: 'string' },
  range: { type: 'string' },
  concurrency: { type: 'string' },
  'skip-ping': { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
} as const;

type Values = ReturnType<typeof parse<typeof OPTIONS>>['values'];

/** The language of the reasons and notes (see above). */
const LOCALE: Locale = 'en';

/** Addresses asked over SNMP at once in a sweep. */
export const DEFAULT_CONCURRENCY = 64;
const DEFAULT_TIMEOUT_MS = 2000;

function integerOption(value: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new UsageError(`--${flag} must be a whole number from ${min} to ${max}`);
  return n;
}

/** The credential given on the command line, if any; a key can come from the environment instead of the process list. */
function commandLineCredential(v: Values, env = process.env): SnmpCredential | undefined {
  const version = v['snmp-version'];
  if (version !== undefined && !['1', '2c', '3'].includes(version)) throw new UsageError('--snmp-version must be 1, 2c or 3');
  const v3Flags = [v['auth-protocol'], v['auth-key'], v['priv-protocol'], v['priv-key']].some((x) => x !== undefined);
  if (v.community !== undefined) {
    if (v.user !== undefined || v3Flags)
      throw new UsageError('--community is SNMPv1/v2c; --user and its keys are SNMPv3: give one of them');
    if (version === '3') throw new UsageError('--snmp-version 3 takes --user, not --community');
    if (v.community === '') throw new UsageError('--community must not be empty');
    return { version: version === '1' ? '1' : '2c', community: v.community };
  }
  if (v.user === undefined) {
    if (v3Flags) throw new UsageError('--auth-protocol, --auth-key, --priv-protocol and --priv-key go with --user');
    return undefined;
  }
  if (version !== undefined && version !== '3') throw new UsageError('--user is SNMPv3: --snmp-version 3 or none');
  const protocol = <T extends string>(value: string | undefined, list: readonly T[], flag: string): T | undefined => {
    if (value === undefined) return undefined;
    if (!(list as readonly string[]).includes(value)) throw new UsageError(`--${flag} must be one of ${list.join(', ')}`);
    return value as T;
  };
  const key = (value: string | undefined, envName: string, flag: string): string | undefined => {
    const k = value ?? env[envName];
    if (k !== undefined && k.length < 8) throw new UsageError(`--${flag} must be at least 8 characters (RFC 3414)`);
    return k;
  };
  const authProtocol = protocol(v['auth-protocol'], AUTH_PROTOCOLS, 'auth-protocol');
  const privProtocol = protocol(v['priv-protocol'], PRIV_PROTOCOLS, 'priv-protocol');
  const authKey = authProtocol ? key(v['auth-key'], 'MEREZHA_SNMP_AUTH_KEY', 'auth-key') : undefined;
  const privKey = privProtocol ? key(v['priv-key'], 'MEREZHA_SNMP_PRIV_KEY', 'priv-key') : undefined;
  if (authProtocol && !authKey) throw new UsageError('--auth-protocol needs --auth-key (or MEREZHA_SNMP_AUTH_KEY)');
  if (privProtocol && !privKey) throw new UsageError('--priv-protocol needs --priv-key (or MEREZHA_SNMP_PRIV_KEY)');
  if (!authProtocol && v['auth-key'] !== undefined) throw new UsageError('--auth-key goes with --auth-protocol');
  if (!privProtocol && v['priv-key'] !== undefined) throw new UsageError('--priv-key goes with --priv-protocol');
  if (privProtocol && !authProtocol)
    throw new UsageError('--priv-protocol needs --auth-protocol as well: SNMPv3 has no privacy without authentication');
  return {
    version: '3',
    user: v.user,
    ...(authProtocol && authKey ? { auth: { protocol: authProtocol, key: authKey } } : {}),
    ...(privProtocol && privKey ? { priv: { protocol: privProtocol, key: privKey } } : {}),
  };
}

/** The config's id of a credential equal to `c`, so that the entry names it. */
function idInConfig(config: Config | undefined, c: SnmpCredential): string | undefined {
  if (!config) return undefined;
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const norm = (x: SnmpCredential) =>
    x.version === '3'
      ? { version: x.version, user: x.user, auth: x.auth ?? null, priv: x.priv ?? null }
      : { version: x.version, community: x.community };
  return Object.entries(config.snmp_credentials).find(([, cc]) => same(norm(cc), norm(c)))?.[0];
}

/** The config when one is asked for or needed: --config, or the default (never the demo) with --credential or without any credential. */
function chooseConfig(v: Values, fromCommandLine: boolean): { config?: Config } | undefined {
  if (v.config === undefined && fromCommandLine) return {};
  const { demo } = resolveConfigPath(v.config);
  if (demo) {
    if (v.credential !== undefined) throw new UsageError('--credential names a credential of a config: give --config FILE');
    throw new UsageError('give --credential ID (with a config), --community C or --user U (SNMPv3)');
  }
  const loaded = loadConfigOrReport(v.config);
  return loaded ? { config: loaded.config } : undefined;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

function uptime(s: number | null): string {
  if (s === null) return '-';
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return d > 0 ? `${d} d ${h} h ${m} min` : h > 0 ? `${h} h ${m} min` : `${m} min ${s % 60} s`;
}

function bytes(n: number | null): string {
  if (n === null) return '-';
  for (const [unit, size] of [
    ['TB', 1e12],
    ['GB', 1e9],
    ['MB', 1e6],
    ['kB', 1e3],
  ] as const) {
    if (n >= size) return `${(n / size).toFixed(1)} ${unit}`;
  }
  return `${n} B`;
}

function columns(rows: string[][], indent = '  '): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => indent + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

/** The readable summary of one discovery. */
export function formatDiscovery(d: Discovery): string {
  const out: string[] = [];
  out.push(
    `${d.host}:${d.port} (SNMPv${d.snmp_version}): ${d.sys_name ?? '(no sysName)'}${d.configured ? `, configured as ${d.configured}` : ''}`,
  );
  const facts: [string, string][] = [
    ['sysDescr', d.sys_descr ?? '-'],
    ['sysObjectID', d.sys_object_id ?? '-'],
    ['uptime', uptime(d.sys_uptime_s)],
    ['vendor', `${d.vendor ?? 'none'}${d.make && d.make !== d.vendor ? ` (${d.make})` : ''}: ${d.vendor_reason}`],
    ['kind', `${d.suggested_kind}${d.suggested_category ? `, category ${d.suggested_category}` : ''}: ${d.suggested_kind_reason}`],
    [
      'Wi-Fi',
      d.wifi
        ? `${plural(d.wifi.clients, 'client')}${d.wifi.radios_up === null ? '' : `, ${plural(d.wifi.radios_up, 'radio')} up`}`
        : 'no Wi-Fi MIB',
    ],
  ];
  out.push(columns(facts.map(([k, v]) => [k, v])));
  out.push('', `Interfaces (${d.interfaces.length}):`);
  if (d.interfaces.length > 0) {
    out.push(
      columns([
        ['ifIndex', 'name', 'descr', 'state', 'speed', 'in+out'],
        ...d.interfaces.map((i) => [
          String(i.index),
          i.name,
          i.descr ?? '-',
          i.oper_up === null ? '?' : i.oper_up ? 'up' : 'down',
          i.speed_mbps === null ? '-' : `${i.speed_mbps} Mbit/s`,
          i.in_octets === null && i.out_octets === null ? '-' : bytes((i.in_octets ?? 0) + (i.out_octets ?? 0)),
        ]),
      ]),
    );
  }
  out.push(`Uplink interface: ${d.suggested_interface ?? 'none'} (${d.suggested_interface_reason})`);
  out.push('', `Neighbours (${d.neighbours.length}):`);
  for (const n of d.neighbours) {
    const where = [n.port && `port ${n.port}`, n.address].filter(Boolean).join(', ');
    out.push(
      `  ${n.protocol.toUpperCase()} on ${n.local_port}: ${n.sys_name ?? n.chassis_id ?? '?'}${where ? ` (${where})` : ''}${n.device ? ` = ${n.device}` : ''}`,
    );
  }
  out.push(`Parent: ${d.suggested_parent ?? 'none'} (${d.suggested_parent_reason})`);
  if (d.notes.length > 0) out.push('', 'Notes:', ...d.notes.map((n) => `  - ${n}`));
  out.push('', "Config entry (paste under a village's devices:):", d.yaml.trimEnd());
  return `${out.join('\n')}\n`;
}

function formatSweep(found: Discovery[]): string {
  if (found.length === 0) return 'no SNMP agent answered\n';
  const rows = [
    ['address', 'sysName', 'vendor', 'kind', 'Wi-Fi', 'config'],
    ...found.map((d) => [
      `${d.host}:${d.port}`,
      d.sys_name ?? '-',
      d.vendor ?? '-',
      d.suggested_kind,
      d.wifi ? String(d.wifi.clients) : '-',
      d.configured ? `configured as ${d.configured}` : `new: ${d.entry.id}`,
    ]),
  ];
  return `${columns(rows, '')}\n`;
}

/** A progress line: rewritten in place on a terminal, said once at the end otherwise. */
function progressLine(range: string) {
  const tty = process.stderr.isTTY === true;
  let last = 0;
  const text = (p: SweepProgress) =>
    `discover ${range}: pinged ${p.pinged}/${p.total} (${p.alive} answered), asked ${p.asked}/${p.alive} over SNMP, ${p.found} found`;
  return {
    update(p: SweepProgress) {
      if (!tty || performance.now() - last < 100) return;
      last = performance.now();
      process.stderr.write(`\r\x1b[K${text(p)}`);
    },
    done(p: SweepProgress, seconds: number) {
      process.stderr.write(`${tty ? '\r\x1b[K' : ''}${text(p)} in ${seconds.toFixed(1)} s\n`);
    },
  };
}

export async function discoverCommand(argv: string[]): Promise<number> {
  const { values: v, positionals } = parse(argv, OPTIONS, true);
  if (positionals.length > 1) throw new UsageError(`one HOST at a time (got ${positionals.join(' ')}); --range CIDR sweeps a subnet`);
  const host = positionals[0];
  if (host !== undefined && v.range !== undefined) throw new UsageError('give HOST or --range CIDR, not both');
  if (host === undefined && v.range === undefined) throw new UsageError('give the HOST to ask, or --range CIDR');
  if (v.range === undefined && (v.concurrency !== undefined || v['skip-ping']))
    throw new UsageError('--concurrency and --skip-ping go with --range');
  if (host !== undefined && isIP(host) === 0 && !/^[A-Za-z0-9.-]+$/.test(host))
    throw new UsageError(`"${host}" is not an address or a host name`);
  const given = commandLineCredential(v);
  if (given && v.credential !== undefined)
    throw new UsageError('--credential names a credential of the config: do not give --community or --user with it');
  const portFlag = integerOption(v.port, 'port', 1, 65535);
  const retriesFlag = integerOption(v.retries, 'retries', 0, 5);
  const concurrency = integerOption(v.concurrency, 'concurrency', 1, 1024) ?? DEFAULT_CONCURRENCY;
  let timeoutFlag: number | undefined;
  if (v.timeout !== undefined) {
    timeoutFlag = parseDuration(v.timeout) ?? undefined;
    if (timeoutFlag === undefined || timeoutFlag <= 0 || timeoutFlag > 60_000)
      throw new UsageError('--timeout must be a duration up to 60s, e.g. 500ms or 2s');
  }

  const chosen = chooseConfig(v, given !== undefined);
  if (!chosen) return 1;
  const { config } = chosen;
  let credentials: SweepCredential[];
  if (given) {
    const id = idInConfig(config, given);
    credentials = [{ ...(id ? { id } : {}), credential: given }];
  } else if (v.credential !== undefined) {
    const c = config!.snmp_credentials[v.credential];
    if (!c) {
      const known = Object.keys(config!.snmp_credentials);
      throw new UsageError(`no credential "${v.credential}" in the config${known.length ? ` (it has ${known.join(', ')})` : ''}`);
    }
    credentials = [{ id: v.credential, credential: c }];
  } else {
    credentials = Object.entries(config!.snmp_credentials).map(([id, credential]) => ({ id, credential }));
    if (credentials.length === 0) throw new UsageError('the config has no snmp_credentials: give --community C or --user U');
  }
  const timeoutMs = timeoutFlag ?? config?.polling.snmp.timeout ?? DEFAULT_TIMEOUT_MS;

  if (v.range !== undefined) {
    const progress = progressLine(v.range);
    let last: SweepProgress = { total: 0, pinged: 0, alive: 0, asked: 0, found: 0 };
    try {
      const result = await sweepRange(v.range, {
        port: portFlag ?? 161,
        credentials,
        config,
        concurrency,
        timeoutMs,
        // Most addresses of a range have no agent: one try each, unless asked for more.
        retries: retriesFlag ?? 0,
        locale: LOCALE,
        ping: v['skip-ping']
          ? false
          : {
              ...(config?.polling.ping ?? { interval: 10_000, packet_interval: 200 }),
              count: 1,
              timeout: config?.polling.ping.timeout ?? 1000,
            },
        onProgress: (p) => {
          last = p;
          progress.update(p);
        },
      });
      progress.done(last, result.elapsed_ms / 1000);
      for (const f of result.failed) process.stderr.write(`merezha discover: ${f.host}: ${f.error}\n`);
      process.stdout.write(v.json ? `${JSON.stringify(result.found, null, 2)}\n` : formatSweep(result.found));
      return 0;
    } catch (err) {
      if (err instanceof RangeRefused) throw new UsageError(err.message);
      throw err;
    }
  }

  // One host: a configured device's own port and credential first.
  const self = configuredAt(config, { host: host!, port: portFlag ?? 161 });
  const device = self ? config!.villages.flatMap((vv) => vv.devices).find((d) => d.id === self) : undefined;
  const port = portFlag ?? device?.snmp?.port ?? 161;
  if (!given && v.credential === undefined && device?.snmp) {
    credentials.sort((a, b) => Number(b.id === device.snmp!.credential) - Number(a.id === device.snmp!.credential));
  }
  const retries = retriesFlag ?? config?.polling.snmp.retries ?? 1;
  const errors: string[] = [];
  for (const { id, credential } of credentials) {
    const client = netSnmpClientFactory({ host: host!, port, credential, timeoutMs, retries });
    try {
      const d = await discoverDevice(client, { host: host!, port }, { config, credentialId: id, locale: LOCALE });
      process.stdout.write(v.json ? `${JSON.stringify(d, null, 2)}\n` : formatDiscovery(d));
      return 0;
    } catch (err) {
      if (!(err instanceof SnmpError)) throw err;
      errors.push(`${credentials.length > 1 ? `with ${id ?? 'the credential given'}: ` : ''}${err.message}`);
      if (err.kind !== 'timeout' && err.kind !== 'auth' && err.kind !== 'agent') break;
    } finally {
      client.close();
    }
  }
  process.stderr.write(`merezha discover: ${host}:${port}: ${errors.join('; ')}\n`);
  return 1;
}
