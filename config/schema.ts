/**
 * The inventory config schema: the one definition of what `hromada.yaml` may hold.
 *
 * The loader (`load.ts`) validates a file against it once at start-up and turns
 * every problem into a "file:line path: message" error; the JSON Schema for
 * editors is generated from it (`merezha schema`). Everything past the loader
 * works with the typed `Config` it produces and never re-checks it.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { id } from '../common/ids.ts';
import { LOCALES } from '../common/words/locale.ts';
import { DEVICE_KINDS, INSTITUTION_CATEGORIES } from '../common/words/names.ts';
import { duration } from './primitives.ts';
import { alertsSchema, crossCheckAlerts, statesSchema } from './schema-alerts.ts';
import { forwardSchema } from './schema-forward.ts';
import { crossCheckKpis, kpisSchema } from './schema-kpis.ts';
import {
  crossCheckPower,
  invincibilityKeys,
  POWER_VENDORS,
  powerGroup,
  powerSchema,
  VOLTAGE_SOURCES,
  type PowerVendor,
} from './schema-power.ts';

export { duration };

const HOST_RE =
  /^(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]+|[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*)$/;
const IPV4_RE = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
// Digits and dots alone also match the host-name branch, so a mistyped address such as 127.0.1.300 needs its own check.
const host = () =>
  z
    .string()
    .regex(HOST_RE, 'must be an IP address or a host name')
    .refine((s) => !/^[0-9.]+$/.test(s) || IPV4_RE.test(s), 'is not a valid IPv4 address (four numbers 0-255)');

/** host:port, e.g. 127.0.0.1:25 or [::1]:8088; `example` goes into the message. */
const hostPort = (example: string) =>
  z
    .string()
    .regex(/^(?:\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/, `must be host:port, e.g. ${example}`)
    .refine((t) => {
      const port = Number(t.slice(t.lastIndexOf(':') + 1));
      return port >= 1 && port <= 65535;
    }, 'port must be 1-65535');

const isoDate = () =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
    .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)), 'is not a real date');

export const timezone = () =>
  z.string().refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'is not a known IANA time zone (e.g. Europe/Kyiv)');

export const WIFI_VENDORS = ['mikrotik', 'unifi', 'tplink', 'airmax', 'generic'] as const;
export { POWER_VENDORS, VOLTAGE_SOURCES };
/** A device's `vendor:` is a Wi-Fi vendor for kind wifi and a UPS vendor for kind ups: one key, checked per kind. */
export const DEVICE_VENDORS = [...WIFI_VENDORS, ...POWER_VENDORS] as const;

export const isWifiVendor = (v: string | undefined): v is WifiVendor => (WIFI_VENDORS as readonly string[]).includes(v ?? '');
export const isPowerVendor = (v: string | undefined): v is PowerVendor => (POWER_VENDORS as readonly string[]).includes(v ?? '');
export const AUTH_PROTOCOLS = ['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512'] as const;
export const PRIV_PROTOCOLS = ['des', 'aes', 'aes256b', 'aes256r'] as const;

export const hromadaSchema = z.strictObject({
  name: z.string().min(1),
  timezone: timezone().default('Europe/Kyiv'),
  locale: z.enum(LOCALES).default('uk'),
});

const influxSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  database: z.string().min(1).default('merezha'),
  username: z.string().optional(),
  password: z.string().optional(),
  /** host:port of its backup and restore service (influxd's top-level bind-address), for `merezha backup` and `restore`; its host and 8088 by default. */
  rpc_address: hostPort('127.0.0.1:8088').optional(),
});

export const storageSchema = z.strictObject({
  influx: influxSchema.optional(),
  spool_dir: z.string().min(1).default('./data/spool'),
  spool_max_mb: z.number().positive().default(1024),
  managed_dir: z.string().min(1).default('./data/influxdb'),
  retention: z
    .strictObject({
      raw: duration().prefault('30d'),
      rollup: duration().prefault('800d'),
    })
    .prefault({})
    .refine((r) => r.raw >= 30 * 86_400_000, { message: 'must be at least 30d', path: ['raw'] })
    .refine((r) => r.rollup >= 730 * 86_400_000, { message: 'must be at least 730d (two years)', path: ['rollup'] }),
  batch_size: z.int().min(1).max(50_000).default(5000),
  flush_interval: duration().prefault('1s'),
});

const pingPollingSchema = z.strictObject({
  interval: duration().prefault('10s'),
  count: z.int().min(1).max(20).default(3),
  timeout: duration().prefault('1s'),
  packet_interval: duration().prefault('200ms'),
});

const snmpPollingSchema = z.strictObject({
  interval: duration().prefault('60s'),
  timeout: duration().prefault('2s'),
  retries: z.int().min(0).max(5).default(1),
});

const servicePollingSchema = z.strictObject({
  interval: duration().prefault('60s'),
  timeout: duration().prefault('10s'),
});

/** UPSes and supply voltages; the SNMP retries are polling.snmp's. */
const powerPollingSchema = z.strictObject({
  interval: duration().prefault('30s'),
  timeout: duration().prefault('2s'),
});

const pollingSchema = z.strictObject({
  ping: pingPollingSchema.prefault({}),
  snmp: snmpPollingSchema.prefault({}),
  services: servicePollingSchema.prefault({}),
  power: powerPollingSchema.prefault({}),
  concurrency: z.int().min(1).max(10_000).default(200),
});

const communityCredential = (version: '1' | '2c') =>
  z.strictObject({
    version: z.literal(version),
    community: z.string().min(1),
  });

const v3Credential = z
  .strictObject({
    version: z.literal('3'),
    user: z.string().min(1),
    auth: z
      .strictObject({
        protocol: z.enum(AUTH_PROTOCOLS),
        key: z.string().min(8, 'must be at least 8 characters (RFC 3414)'),
      })
      .optional(),
    priv: z
      .strictObject({
        protocol: z.enum(PRIV_PROTOCOLS),
        key: z.string().min(8, 'must be at least 8 characters (RFC 3414)'),
      })
      .optional(),
  })
  .refine((c) => !c.priv || c.auth, { message: 'needs auth as well: SNMPv3 has no privacy without authentication', path: ['priv'] });

/**
 * YAML reads `version: 2c` as a string but `version: 3` as a number; both
 * spellings are accepted by normalising the number to a string first.
 */
const snmpCredentialSchema = z.preprocess(
  (v) =>
    v && typeof v === 'object' && typeof (v as { version?: unknown }).version === 'number'
      ? { ...v, version: String((v as { version: number }).version) }
      : v,
  z.discriminatedUnion('version', [communityCredential('1'), communityCredential('2c'), v3Credential]),
);

const providerSchema = z.strictObject({
  id: id(),
  name: z.string().min(1),
  sla_pct: z.number().min(0).max(100).optional(),
});

const deviceSnmpSchema = z.strictObject({
  credential: z.string().min(1),
  port: z.int().min(1).max(65535).default(161),
  /** ifName or ifDescr (a string) or ifIndex (a number). */
  interface: z.union([z.string().min(1), z.int().min(1)]).optional(),
});

export const deviceSchema = z.strictObject({
  id: id(),
  name: z.string().min(1).optional(),
  kind: z.enum(DEVICE_KINDS),
  host: host(),
  provider: z.string().optional(),
  category: z.enum(INSTITUTION_CATEGORIES).optional(),
  /** A Wi-Fi vendor for kind wifi, a UPS vendor for kind ups (checked per kind in crossCheck). */
  vendor: z.enum(DEVICE_VENDORS).optional(),
  clients_oid: z
    .string()
    .regex(/^\.?\d+(\.\d+)+$/, 'must be a numeric OID such as 1.3.6.1.4.1.9.9.1.0')
    .optional(),
  snmp: deviceSnmpSchema.optional(),
  ping: z.boolean().default(true),
  parent: z.string().optional(),
  bandwidth_mbps: z.number().positive().optional(),
  installed: isoDate().optional(),
  public: z.boolean().default(false),
  /** Kind ups: the ids of the devices it feeds; default: every other device of its village. */
  powers: z.array(z.string().min(1)).min(1).optional(),
  /** Read the device's supply voltage (a router on a DC UPS) from this make's MIB; needs power.on_battery_below_v. */
  power_voltage: z.enum(VOLTAGE_SOURCES).optional(),
  /** Its blackout queue, where it differs from its village's. */
  power_group: powerGroup().optional(),
  ...invincibilityKeys,
});

export const villageSchema = z.strictObject({
  id: id(),
  name: z.string().min(1),
  population: z.int().min(0).optional(),
  location: z.strictObject({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }).optional(),
  /** The blackout queue (черга, 1.1 … 6.2) of the village's devices, as the oblast's schedules name it. */
  power_group: powerGroup().optional(),
  devices: z.array(deviceSchema).default([]),
});

export const serviceSchema = z.strictObject({
  id: id(),
  name: z.string().min(1),
  url: z.url({ protocol: /^https?$/ }).optional(),
  tcp: hostPort('127.0.0.1:25').optional(),
  expect_status: z.array(z.int().min(100).max(599)).optional(),
  tls_verify: z.boolean().default(true),
  interval: duration().optional(),
  timeout: duration().optional(),
  public: z.boolean().default(true),
});

export const serverSchema = z.strictObject({
  /** `PORT` in the environment wins over this. */
  port: z.int().min(1).max(65535).default(8470),
  /** Loopback by default: put a TLS reverse proxy in front before opening it to a network. */
  host: host().default('127.0.0.1'),
  /** Users, API tokens and maintenance windows set from the dashboard. */
  data_dir: z.string().min(1).default('./data/server'),
  session_ttl: duration().prefault('12h'),
  session_idle: duration().prefault('2h'),
  /** Mark the session cookie Secure; `auto` does so when the request came over HTTPS (directly or via X-Forwarded-Proto from a trusted proxy). */
  secure_cookies: z.union([z.boolean(), z.literal('auto')]).default('auto'),
  /** Trust X-Forwarded-For/Proto from this many proxies in front (express "trust proxy"). */
  trusted_proxies: z.int().min(0).max(10).default(0),
  map: z
    .strictObject({
      /** A Leaflet tile URL template, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png; without it the map is a plain background. */
      tiles: z.url({ protocol: /^https?$/ }).optional(),
      attribution: z.string().optional(),
    })
    .prefault({}),
});

const backupSchema = z.strictObject({
  /** Where the daily archives go. The service may write only under /var/lib/merezha (or a ReadWritePaths= of a drop-in). */
  dir: z.string().min(1),
  /** When, in the hromada's time zone. */
  time: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM, e.g. 03:30')
    .default('03:30'),
  /** How many archives of this folder to keep: the oldest go after each successful backup. */
  keep: z.int().min(1).max(366).default(7),
});

const coverageSchema = z.strictObject({
  /** An institution counts as on a high-speed link at or above this (its bandwidth_mbps, else the measured interface speed). */
  high_speed_mbps: z.number().positive().default(100),
});

const rawConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  hromada: hromadaSchema,
  storage: storageSchema.prefault({}),
  polling: pollingSchema.prefault({}),
  snmp_credentials: z.record(id(), snmpCredentialSchema).default({}),
  providers: z.array(providerSchema).default([]),
  villages: z.array(villageSchema).min(1, 'list at least one village'),
  services: z.array(serviceSchema).default([]),
  states: statesSchema.prefault({}),
  alerts: alertsSchema.prefault({}),
  server: serverSchema.prefault({}),
  coverage: coverageSchema.prefault({}),
  /** Daily backups (`merezha backup` on a schedule); none without this key. */
  backup: backupSchema.optional(),
  kpis: kpisSchema,
  power: powerSchema.prefault({}),
  /** Also deliver what is stored to the oblast's NATS JetStream (`merezha central`); nothing leaves the hromada without it. */
  forward: forwardSchema.optional(),
});

type RawConfig = z.output<typeof rawConfigSchema>;

/**
 * Checks that need the whole file: references between entities and rules that
 * span several keys. Each issue carries the path of the offending key so the
 * loader can point at its line.
 */
function crossCheck(cfg: RawConfig, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });

  const providers = new Set<string>();
  cfg.providers.forEach((p, i) => {
    if (providers.has(p.id)) issue(['providers', i, 'id'], `duplicate provider id "${p.id}"`);
    providers.add(p.id);
  });

  const villages = new Set<string>();
  const devices = new Map<string, (string | number)[]>();
  cfg.villages.forEach((v, vi) => {
    if (villages.has(v.id)) issue(['villages', vi, 'id'], `duplicate village id "${v.id}"`);
    villages.add(v.id);
    v.devices.forEach((d, di) => {
      const at = ['villages', vi, 'devices', di];
      if (devices.has(d.id)) issue([...at, 'id'], `duplicate device id "${d.id}" (device ids are unique across all villages)`);
      else devices.set(d.id, at);
    });
  });

  const deviceIds: ReadonlySet<string> = new Set(devices.keys());
  cfg.villages.forEach((v, vi) =>
    v.devices.forEach((d, di) => {
      const at = ['villages', vi, 'devices', di];
      if (d.snmp && !(d.snmp.credential in cfg.snmp_credentials)) {
        issue([...at, 'snmp', 'credential'], `unknown credential "${d.snmp.credential}"`);
      }
      if (d.provider !== undefined && !providers.has(d.provider)) {
        issue([...at, 'provider'], `unknown provider "${d.provider}"`);
      }
      if (d.parent !== undefined) {
        if (d.parent === d.id) issue([...at, 'parent'], 'a device cannot be its own parent');
        else if (!devices.has(d.parent)) issue([...at, 'parent'], `unknown device "${d.parent}"`);
      }
      if (d.kind === 'institution' && d.category === undefined) {
        issue([...at, 'category'], `is required for an institution (one of: ${INSTITUTION_CATEGORIES.join(', ')})`);
      }
      if (d.kind !== 'institution' && d.category !== undefined) {
        issue([...at, 'category'], `only applies to kind institution, not ${d.kind}`);
      }
      if (isWifiVendor(d.vendor) && d.kind !== 'wifi') {
        issue([...at, 'vendor'], `${d.vendor} is a Wi-Fi vendor: it only applies to kind wifi, not ${d.kind}`);
      }
      if (isWifiVendor(d.vendor) && !d.snmp) issue([...at, 'snmp'], `is required to read Wi-Fi clients from vendor ${d.vendor}`);
      crossCheckPower(d, at, { devices: deviceIds, power: cfg.power }, issue);
      if (d.vendor === 'generic' && d.clients_oid === undefined) issue([...at, 'clients_oid'], 'is required with vendor generic');
      if (d.clients_oid !== undefined && d.vendor !== 'generic') issue([...at, 'clients_oid'], 'only applies with vendor generic');
      if (!d.ping && !d.snmp) issue([...at, 'ping'], 'cannot be false on a device without snmp: nothing would poll it');
    }),
  );

  // Parent chains must end: a cycle would make every device in it "unreachable" forever.
  const parentOf = new Map<string, string | undefined>();
  cfg.villages.forEach((v) => v.devices.forEach((d) => parentOf.set(d.id, d.parent)));
  for (const [deviceId, at] of devices) {
    const chain = parentLoop(deviceId, parentOf);
    if (chain) issue([...at, 'parent'], `parents form a loop: ${chain.join(' → ')}`);
  }

  const services = new Set<string>();
  cfg.services.forEach((s, i) => {
    if (services.has(s.id)) issue(['services', i, 'id'], `duplicate service id "${s.id}"`);
    services.add(s.id);
    if (s.url !== undefined && s.tcp !== undefined) issue(['services', i], 'has both url and tcp: keep one (a service is checked one way)');
    if (s.url === undefined && s.tcp === undefined) issue(['services', i], 'needs url (an HTTP check) or tcp (a port check)');
    if (s.expect_status && !s.url) issue(['services', i, 'expect_status'], 'only applies to url checks');
  });

  // Two spools in one folder would send InfluxDB's segments to NATS and delete NATS's once InfluxDB took them.
  if (cfg.forward !== undefined && resolve(cfg.forward.spool_dir) === resolve(cfg.storage.spool_dir)) {
    issue(['forward', 'spool_dir'], `must not be storage.spool_dir (${cfg.storage.spool_dir}): each spool needs its own folder`);
  }

  crossCheckAlerts(cfg.alerts, { villages, devices: new Set(devices.keys()), services, timezone: cfg.hromada.timezone }, issue);
  crossCheckKpis(
    cfg.kpis,
    { services, providers: new Map(cfg.providers.map((p) => [p.id, p.sla_pct])), categories: INSTITUTION_CATEGORIES },
    issue,
  );
}

/**
 * The chain of parents from `id` when it comes back to a device already in it
 * (`a → b → c → b`), or undefined when it ends.
 */
export function parentLoop(id: string, parentOf: ReadonlyMap<string, string | undefined>): string[] | undefined {
  const chain = [id];
  for (let p = parentOf.get(id); p !== undefined && parentOf.has(p); p = parentOf.get(p)) {
    const looped = chain.includes(p);
    chain.push(p);
    if (looped) return chain;
  }
  return undefined;
}

export const configSchema = rawConfigSchema.superRefine(crossCheck);

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type VillageConfig = Config['villages'][number];
export type DeviceConfig = VillageConfig['devices'][number];
export type ServiceConfig = Config['services'][number];
export type ProviderConfig = Config['providers'][number];
export type SnmpCredential = Config['snmp_credentials'][string];
export type DeviceKind = (typeof DEVICE_KINDS)[number];
export type WifiVendor = (typeof WIFI_VENDORS)[number];
export type { PowerConfig, PowerVendor, VoltageSource } from './schema-power.ts';
export type { AlertRule, AlertsConfig, MaintenanceWindow, StatesConfig } from './schema-alerts.ts';
export type { KpiConfig } from './schema-kpis.ts';
