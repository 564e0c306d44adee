/**
 * The dashboard's API: every REST request and response body and every
 * socket.io event, as zod schemas with the TypeScript types derived from them.
 *
 * One module serves both sides. The server validates incoming payloads with
 * the request schemas and builds its OpenAPI description from all of them; the
 * Svelte web imports only the types (`import type`), so no zod reaches the
 * browser and the UI cannot drift from what the server sends. Tests validate
 * real responses against the response schemas.
 */
import { z } from 'zod';
import { LOCALES } from './words/locale.ts';
import { DEVICE_KINDS, INSTITUTION_CATEGORIES, STATES } from './words/names.ts';
import { BATTERY_STATUSES, OUTAGE_CAUSES, POWER_GROUPS, POWER_SOURCES } from './words/power.ts';

// The engine's list of states is the API's.
export { STATES };
export const ROLES = ['admin', 'viewer'] as const;
export const RANGES = ['24h', '7d', '30d', '1y'] as const;
export const VILLAGE_STATES = ['online', 'degraded', 'offline', 'maintenance', 'unknown'] as const;
/** A hromada on the oblast map: from its villages, or stale (no heartbeat lately) or unknown (never heard). */
export const HROMADA_STATES = ['online', 'degraded', 'offline', 'stale', 'unknown'] as const;

const state = z.enum(STATES);
const role = z.enum(ROLES);
/** ms since the epoch */
const time = z.number().int();
/** 0–100, null when nothing was observed in the window */
const pct = z.number().min(0).max(100).nullable();
const id = z.string().min(1).max(100);

// ---- session and users ---------------------------------------------------

export const sessionRequest = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(200),
});

export const sessionInfo = z.object({
  user: z.object({ username: z.string(), role }),
  /** Send back as the `X-CSRF-Token` header on every POST/PUT/DELETE made with the session cookie. */
  csrf: z.string(),
  expires: time,
});

export const userInfo = z.object({ username: z.string(), role, created: time });
export const usersResponse = z.object({ users: z.array(userInfo) });

export const userCreateRequest = z.strictObject({
  username: z.string().regex(/^[a-z0-9][a-z0-9._-]{1,31}$/, 'use 2-32 lowercase letters, digits, dot, dash or underscore'),
  password: z.string().min(10, 'must be at least 10 characters').max(200),
  role,
});

export const passwordChangeRequest = z.strictObject({
  current: z.string().min(1).max(200),
  password: z.string().min(10, 'must be at least 10 characters').max(200),
});

export const tokenCreateRequest = z.strictObject({ name: z.string().min(1).max(64) });
export const tokenInfo = z.object({ id: z.string(), name: z.string(), username: z.string(), created: time, last_used: time.nullable() });
/** The secret itself is shown once, in the answer to its creation. */
export const tokenCreated = tokenInfo.extend({ token: z.string() });
export const tokensResponse = z.object({ tokens: z.array(tokenInfo) });

// ---- hromada, villages and coverage -------------------------------------

export const healthResponse = z.object({
  status: z.enum(['ok', 'degraded']),
  version: z.string(),
  uptime_s: z.number(),
  influx: z.boolean(),
  /** Why the status is degraded, one sentence each; empty when ok. */
  reasons: z.array(z.string()),
  /** Null in a process without a collector. */
  collector: z
    .object({
      /** Scheduled polls. */
      jobs: z.number().int(),
      /** When the last poll completed; null before the first. */
      last_poll: time.nullable(),
      /** Largest delay between a slot and the start of its poll since the start. */
      lag_max_s: z.number(),
      /**
       * Polls the collector could not measure since the start (it was too busy
       * or could not send: no data, never "down"), by probe kind, then by reason
       * (lane_full, lag, receive_drops, send_failed, loop_lag).
       */
      not_measured: z.record(z.string(), z.record(z.string(), z.number().int())),
    })
    .nullable(),
  /** Null in a process without a storage writer. */
  spool: z.object({ pending_points: z.number().int(), bytes: z.number().int() }).nullable(),
  /** The last good backup (`merezha backup` or the daily one of `backup:`); null before the first. */
  last_backup: z.object({ time, bytes: z.number().int() }).nullable(),
});

export const backupArchive = z.object({ file: z.string(), time, bytes: z.number().int() });
export type BackupArchive = z.infer<typeof backupArchive>;

/** The admin page's view of backups. */
export const backupsResponse = z.object({
  /** The daily backups of `backup:` in the config; null when none are scheduled. */
  schedule: z.object({ dir: z.string(), time: z.string(), keep: z.number().int() }).nullable(),
  last: z.object({ time, bytes: z.number().int(), file: z.string(), took_ms: z.number().int() }).nullable(),
  /** The last failed backup; it matters while it is newer than `last`. */
  failure: z.object({ time, message: z.string() }).nullable(),
  /** The archives in the schedule's folder, newest first. */
  archives: z.array(backupArchive),
});
export type BackupsResponse = z.infer<typeof backupsResponse>;

export const hromadaInfo = z.object({
  name: z.string(),
  timezone: z.string(),
  locale: z.enum(LOCALES),
  high_speed_mbps: z.number(),
  map: z.object({
    /** Leaflet tile URL template; null: villages on a plain background. */
    tiles: z.string().nullable(),
    attribution: z.string().nullable(),
  }),
});

/** Uptime over the last 24 h, 7 and 30 days, and this calendar year so far (in the hromada's time zone, as the yearly report counts it). */
export const uptimeSet = z.object({ '24h': pct, '7d': pct, '30d': pct, year: pct });

export const coverage = z.object({
  uplinks: z.object({ up: z.number().int(), total: z.number().int() }),
  institutions: z.object({
    online: z.number().int(),
    total: z.number().int(),
    /** online / total × 100; null without institutions */
    online_pct: pct,
    uptime: uptimeSet,
    /** On a link at or above the high-speed threshold (configured bandwidth, else the measured interface speed). */
    high_speed: z.number().int(),
    high_speed_pct: pct,
  }),
  wifi: z.object({ up: z.number().int(), total: z.number().int(), clients: z.number().int() }),
  population: z.object({
    /** People in villages whose uplink works now. */
    covered: z.number().int(),
    total: z.number().int(),
  }),
});

export const villageSummary = z.object({
  id,
  name: z.string(),
  population: z.number().int().nullable(),
  location: z.object({ lat: z.number(), lon: z.number() }).nullable(),
  state: z.enum(VILLAGE_STATES),
  since: time.nullable(),
  coverage,
  /** Share of time at least one uplink was up. */
  uptime: uptimeSet,
});

export const villagesResponse = z.object({ at: time, total: coverage, villages: z.array(villageSummary) });

/**
 * One reading of a device's power (the power probe: a UPS, or a router's
 * supply voltage). Every figure is null where the agent did not give it:
 * unknown, never zero.
 */
export const powerReading = z.object({
  source: z.enum(POWER_SOURCES),
  /** null while the source is unknown. */
  on_battery: z.boolean().nullable(),
  seconds_on_battery: z.number().nullable(),
  battery_pct: z.number().nullable(),
  minutes_left: z.number().nullable(),
  /** A UPS's AC input line voltage; a router's DC supply voltage. */
  input_voltage: z.number().nullable(),
  battery_status: z.enum(BATTERY_STATUSES),
});

/** What `merezha poll --json` and discovery show of a device's power: the contract's four keys. */
export const powerBrief = powerReading.pick({ source: true, battery_pct: true, minutes_left: true, input_voltage: true });

export const lastValues = z.object({
  at: time.nullable(),
  rtt_ms: z.number().nullable(),
  loss_pct: z.number().nullable(),
  in_bps: z.number().nullable(),
  out_bps: z.number().nullable(),
  speed_mbps: z.number().nullable(),
  clients: z.number().nullable(),
  /** The latest power reading, for a UPS or a router whose supply voltage is read; null for the rest and while unknown. */
  power: powerReading.nullable(),
});

export const deviceSummary = z.object({
  id,
  name: z.string(),
  kind: z.enum(DEVICE_KINDS),
  category: z.string().nullable(),
  vendor: z.string().nullable(),
  host: z.string(),
  village: id,
  provider: z.object({ id, name: z.string() }).nullable(),
  parent: id.nullable(),
  bandwidth_mbps: z.number().nullable(),
  high_speed: z.boolean(),
  installed: z.string().nullable(),
  state,
  since: time.nullable(),
  reason: z.string(),
  /** For `unreachable`: the device whose outage cuts this one off. */
  cause: id.nullable(),
  last: lastValues,
});

export const devicesResponse = z.object({ at: time, devices: z.array(deviceSummary) });

export const serviceSummary = z.object({
  id,
  name: z.string(),
  type: z.enum(['http', 'tcp']),
  public: z.boolean(),
  state,
  since: time.nullable(),
  reason: z.string(),
  tls_days_left: z.number().nullable(),
});
export const servicesResponse = z.object({ services: z.array(serviceSummary) });

// ---- history, outages, alerts --------------------------------------------

export const historyQuery = z.strictObject({
  range: z.enum(RANGES).default('24h'),
});

export const historyResponse = z.object({
  device: id,
  range: z.enum(RANGES),
  from: time,
  to: time,
  step_s: z.number().int(),
  /** raw points for short ranges, the 5-minute rollups for long ones */
  source: z.enum(['raw', 'rollup']),
  series: z.object({
    time: z.array(time),
    rtt_ms: z.array(z.number().nullable()),
    loss_pct: z.array(z.number().nullable()),
    in_bps: z.array(z.number().nullable()),
    out_bps: z.array(z.number().nullable()),
    clients: z.array(z.number().nullable()),
  }),
  /** State periods overlapping the range, oldest first. */
  states: z.array(z.object({ state, from: time, to: time.nullable(), reason: z.string() })),
  uptime: uptimeSet,
});

const outageCause = z.enum(OUTAGE_CAUSES);

/** The facts Merezha judged an outage's cause by (CauseEvidence of common/words/cause.ts); each one only when known. */
export const causeFacts = z.object({
  /** The supply (a UPS, or a router whose voltage is read) whose reading decided, or that vouched for mains. */
  supply: z.string().optional(),
  on_battery_at: time.optional(),
  /** When the supply ran out or fell silent on battery. */
  lost_at: time.optional(),
  /** The supply read mains when the outage began. */
  mains_ok: z.boolean().optional(),
  /** The blackout slot the outage began in. */
  slot: z.object({ group: z.enum(POWER_GROUPS), start: time, end: time }).optional(),
  /** The parent whose outage cut this one off. */
  parent: z.string().optional(),
  provider: z.string().optional(),
  /** The maintenance window. */
  window: z.string().optional(),
  /** The admin's reclassification, when there is one. */
  note: z.object({ by: z.string(), text: z.string(), at: time }).optional(),
});

export const outageItem = z.object({
  subject: z.string(),
  name: z.string(),
  village: id.nullable(),
  kind: z.string(),
  start: time,
  end: time.nullable(),
  duration_s: z.number(),
  reason: z.string(),
  unreachable: z.array(z.string()),
  /** The cause that counts: an admin's reclassification, else what Merezha judged (`unknown` for outages recorded before causes were judged). */
  cause: outageCause,
  /** The evidence for it in words, in the hromada's locale (or `locale`); "" when there is none. */
  cause_evidence: z.string(),
  /** The same evidence as data. */
  cause_facts: causeFacts,
  /** What Merezha judged, before any reclassification. */
  cause_judged: outageCause,
  /** The latest reclassification by an admin, which `cause` follows. */
  reclassified: z.object({ cause: outageCause, note: z.string(), by: z.string(), at: time }).nullable(),
});

const csv = z
  .string()
  .max(2000)
  .transform((s) => s.split(',').filter(Boolean));

export const outagesQuery = z.strictObject({
  from: z.coerce.number().int().optional(),
  to: z.coerce.number().int().optional(),
  village: csv.optional(),
  device: csv.optional(),
  open: z.enum(['true', 'false']).optional(),
  /** Only outages of these causes (as reclassified, where they were). */
  cause: csv.pipe(z.array(outageCause)).optional(),
  /** The language of `cause_evidence`; the hromada's locale when not given. */
  locale: z.enum(LOCALES).optional(),
  limit: z.coerce.number().int().min(1).max(5000).default(500),
});
export const outagesResponse = z.object({ outages: z.array(outageItem) });

/** An admin reclassifies an outage (answered with the outage as `GET /api/outages` now lists it). */
export const outageCauseRequest = z.strictObject({
  /** A device id or `service:<id>`. */
  subject: z.string().min(1).max(200),
  /** The outage's start, ms: with `subject`, what identifies it. */
  start: time,
  cause: outageCause,
  /** Why, in the admin's words. */
  note: z.string().trim().min(1).max(500),
  /** The language of the answer's `cause_evidence`; the hromada's locale when not given. */
  locale: z.enum(LOCALES).optional(),
});

export const alertItem = z.object({
  id: z.string(),
  time,
  action: z.enum(['open', 'remind', 'close', 'ack']),
  event: z.string(),
  key: z.string(),
  subject: z.string(),
  village: z.object({ id, name: z.string() }).nullable(),
  title: z.string(),
  message: z.string(),
  channels: z.array(z.string()),
  suppressed: z.string().nullable(),
  state: z.string(),
  /** The episode is still going on. */
  active: z.boolean(),
  acked: z.object({ by: z.string(), at: time }).nullable(),
});

export const alertsQuery = z.strictObject({
  from: z.coerce.number().int().optional(),
  to: z.coerce.number().int().optional(),
  village: csv.optional(),
  event: csv.optional(),
  active: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(5000).default(500),
});
export const alertsResponse = z.object({ alerts: z.array(alertItem) });

export const ackRequest = z.strictObject({
  /** An alert id, an episode key, a device id, `service:<id>` or `village:<id>`. */
  target: z.string().min(1).max(300),
});
export const ackResponse = z.object({ acknowledged: z.array(z.string()) });

export const maintenanceRequest = z
  .strictObject({
    devices: z.array(id).max(10_000).default([]),
    villages: z.array(id).max(1000).default([]),
    services: z.array(id).max(1000).default([]),
    /** Minutes from now. */
    minutes: z
      .int()
      .min(1)
      .max(60 * 24 * 30),
    note: z.string().max(500).default(''),
  })
  .refine((m) => m.devices.length + m.villages.length + m.services.length > 0, {
    message: 'name at least one device, village or service',
  });
export const maintenanceItem = z.object({
  id: z.string(),
  devices: z.array(id),
  villages: z.array(id),
  services: z.array(id),
  from: time,
  to: time,
  note: z.string(),
  by: z.string(),
});
export const maintenanceResponse = z.object({ windows: z.array(maintenanceItem) });

// ---- public status page --------------------------------------------------

export const publicStatus = z.object({
  hromada: z.string(),
  at: time,
  villages: z.array(
    z.object({
      name: z.string(),
      wifi: z.array(z.object({ name: z.string(), up: z.boolean(), uptime_month_pct: pct })),
    }),
  ),
  services: z.array(z.object({ name: z.string(), up: z.boolean(), uptime_month_pct: pct })),
});

// ---- inventory editing (admins) ------------------------------------------

/**
 * An entry of the config file as it is written there: its YAML keys, with
 * `${VAR}` references unexpanded and defaults left unsaid. Only the id is
 * sure to be there; everything else is the loader's to judge when a change
 * comes back.
 */
export const inventoryEntry = z.looseObject({ id: z.string() });
export const inventoryVillage = z.looseObject({ id: z.string(), devices: z.array(inventoryEntry) });

export const inventoryResponse = z.object({
  /** The file's version: send it back as the `If-Match` header of each change. */
  version: z.string(),
  /** The config file edited, as Merezha was started with it. */
  file: z.string(),
  villages: z.array(inventoryVillage),
  services: z.array(inventoryEntry),
  /** The ids of `snmp_credentials`, for the picker: never a community or a key. */
  credentials: z.array(z.string()),
  providers: z.array(z.object({ id: z.string(), name: z.string() })),
  kinds: z.array(z.enum(DEVICE_KINDS)),
  categories: z.array(z.enum(INSTITUTION_CATEGORIES)),
  /** The vendors of a kind wifi device. */
  vendors: z.array(z.string()),
  /** The vendors of a kind ups device. */
  power_vendors: z.array(z.string()),
  /** The file's problems as it is now, as `merezha check-config` prints them; empty when it is valid. */
  errors: z.array(z.string()),
});

/** The YAML keys of an entry as the page sends them; the loader's rules, not this schema, decide what is valid. */
const entryKeys = z.record(z.string().max(100), z.unknown());

export const inventoryVillageRequest = z.strictObject({ village: entryKeys });
export const inventoryDeviceRequest = z.strictObject({
  /** The village the device is in; another one than its present village moves it there. */
  village: id,
  device: entryKeys,
});
export const inventoryServiceRequest = z.strictObject({ service: entryKeys });

export const INVENTORY_ENTITIES = ['village', 'device', 'service'] as const;
export const INVENTORY_ACTIONS = ['add', 'update', 'remove'] as const;

/** One line of the audit log (`<server.data_dir>/audit.log`): who changed which entry when, and how. Never a secret. */
export const auditEntry = z.object({
  time,
  user: z.string(),
  action: z.enum(INVENTORY_ACTIONS),
  entity: z.enum(INVENTORY_ENTITIES),
  /** The entry's id after the change (before it, for a removal). */
  id: z.string(),
  /** For a device: its village after the change (before it, for a removal). */
  village: z.string().nullable(),
  /** For a device moved to another village: the one it left. */
  from_village: z.string().nullable(),
  /** The entry as the file wrote it before and after the change; null for an added or a removed one. */
  before: z.record(z.string(), z.unknown()).nullable(),
  after: z.record(z.string(), z.unknown()).nullable(),
  /** The file's version after the change. */
  version: z.string(),
});
export const auditQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(50) });
export const auditResponse = z.object({ entries: z.array(auditEntry) });

export const inventoryEditResponse = z.object({
  /** The file's new version, for the next change's `If-Match`. */
  version: z.string(),
  /** The name of the copy of the previous file kept beside it. */
  copy: z.string(),
  audit: auditEntry,
  /** Whether the running Merezha took the new file (as on SIGHUP): what changed, or why it did not. */
  applied: z.object({ ok: z.boolean(), summary: z.string(), errors: z.array(z.string()) }),
});

export const discoverRequest = z.strictObject({
  host: z
    .string()
    .min(1)
    .max(253)
    .regex(/^[A-Za-z0-9.:_-]+$/, 'must be an IP address or a host name'),
  port: z.int().min(1).max(65535).optional(),
  /** The id of one of the config's `snmp_credentials`. */
  credential: z.string().min(1).max(100),
  /** The language of the reasons and notes; the hromada's locale when not given. */
  locale: z.enum(LOCALES).optional(),
});

/**
 * What `POST /api/discover` answers: the JSON of `merezha discover --json`
 * (collector/discovery/types.ts, whose field names are the contract), to
 * prefill a new device from `entry`. The `*_reason` fields and `notes` are
 * sentences in the locale asked for.
 */
export const discoveryResponse = z.object({
  host: z.string(),
  port: z.number().int(),
  snmp_version: z.enum(['1', '2c', '3']),
  sys_name: z.string().nullable(),
  sys_descr: z.string().nullable(),
  sys_object_id: z.string().nullable(),
  sys_uptime_s: z.number().nullable(),
  vendor: z.string().nullable(),
  vendor_reason: z.string(),
  make: z.string().nullable(),
  clients_oid: z.string().nullable(),
  suggested_kind: z.enum(DEVICE_KINDS),
  suggested_kind_reason: z.string(),
  suggested_category: z.enum(INSTITUTION_CATEGORIES).nullable(),
  interfaces: z.array(
    z.object({
      index: z.number().int(),
      name: z.string(),
      descr: z.string().nullable(),
      alias: z.string().nullable(),
      type: z.number().nullable(),
      loopback: z.boolean(),
      oper_up: z.boolean().nullable(),
      speed_mbps: z.number().nullable(),
      in_octets: z.number().nullable(),
      out_octets: z.number().nullable(),
      counter_bits: z.union([z.literal(64), z.literal(32)]).nullable(),
    }),
  ),
  suggested_interface: z.union([z.string(), z.number()]).nullable(),
  suggested_interface_reason: z.string(),
  wifi: z.object({ clients: z.number(), radios_up: z.number().nullable() }).nullable(),
  /** null for an agent without a UPS MIB (UPS-MIB, PowerNet-MIB). */
  power: powerBrief.nullable(),
  neighbours: z.array(
    z.object({
      protocol: z.enum(['lldp', 'cdp']),
      local_port: z.string(),
      sys_name: z.string().nullable(),
      port: z.string().nullable(),
      port_descr: z.string().nullable(),
      chassis_id: z.string().nullable(),
      address: z.string().nullable(),
      platform: z.string().nullable(),
      device: z.string().nullable(),
      matched_by: z.enum(['name', 'address']).nullable(),
    }),
  ),
  suggested_parent: z.string().nullable(),
  suggested_parent_reason: z.string(),
  configured: z.string().nullable(),
  /** The suggested device entry, with the config's keys of a device (only those that apply). */
  entry: z.object({
    id: z.string(),
    name: z.string().optional(),
    kind: z.enum(DEVICE_KINDS),
    category: z.enum(INSTITUTION_CATEGORIES).optional(),
    vendor: z.string().optional(),
    clients_oid: z.string().optional(),
    host: z.string(),
    snmp: z.object({
      credential: z.string(),
      port: z.number().int().optional(),
      interface: z.union([z.string(), z.number().int()]).optional(),
    }),
    parent: z.string().optional(),
  }),
  /** The same entry as one YAML list item, to paste under a village's `devices:`. */
  yaml: z.string(),
  notes: z.array(z.string()),
  elapsed_ms: z.number(),
});

export const errorResponse = z.object({
  error: z.string(),
  /** Field-level problems of a rejected body or query. */
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  /** An inventory change the config's rules refuse: each problem at its field (relative to the entry changed) or its config path. */
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  /** A change refused because the config file changed since it was read: the file's version now. */
  version: z.string().optional(),
});

// ---- socket.io -----------------------------------------------------------

export const stateEvent = z.object({
  subject: z.string(),
  state,
  since: time,
  reason: z.string(),
  cause: z.string().nullable(),
});

export interface ServerToClientEvents {
  /** A device (id) or service (`service:<id>`) changed state. */
  state: (event: StateEvent) => void;
  /** A village's summary after one of its devices changed. */
  village: (village: VillageSummary) => void;
  /** The hromada's coverage after a village's figures moved: the same total as `GET /api/villages`, never summed in the browser. */
  coverage: (total: Coverage) => void;
  /** A new entry in the alert log (alert, reminder, recovery, ack). */
  alert: (alert: AlertItem) => void;
  /** An outage began or ended. */
  outage: (outage: OutageItem) => void;
  /** The config was reloaded: villages, devices and services may have come, gone or changed; read them again. */
  inventory: (event: { at: number }) => void;
}

// Nothing is asked of the server over the socket: actions go through REST (validated, CSRF-protected, logged).
export type ClientToServerEvents = Record<string, never>;

// ---- types ---------------------------------------------------------------

export type State = z.output<typeof state>;
export type Role = z.output<typeof role>;
export type Range = (typeof RANGES)[number];
export type SessionRequest = z.input<typeof sessionRequest>;
export type SessionInfo = z.output<typeof sessionInfo>;
export type UserInfo = z.output<typeof userInfo>;
export type UsersResponse = z.output<typeof usersResponse>;
export type UserCreateRequest = z.input<typeof userCreateRequest>;
export type PasswordChangeRequest = z.input<typeof passwordChangeRequest>;
export type TokenCreateRequest = z.input<typeof tokenCreateRequest>;
export type TokenInfo = z.output<typeof tokenInfo>;
export type TokenCreated = z.output<typeof tokenCreated>;
export type TokensResponse = z.output<typeof tokensResponse>;
export type HealthResponse = z.output<typeof healthResponse>;
export type HromadaInfo = z.output<typeof hromadaInfo>;
export type UptimeSet = z.output<typeof uptimeSet>;
export type Coverage = z.output<typeof coverage>;
export type VillageSummary = z.output<typeof villageSummary>;
export type VillageState = (typeof VILLAGE_STATES)[number];
export type VillagesResponse = z.output<typeof villagesResponse>;
export type LastValues = z.output<typeof lastValues>;
export type PowerReading = z.output<typeof powerReading>;
export type PowerBrief = z.output<typeof powerBrief>;
export type DeviceSummary = z.output<typeof deviceSummary>;
export type DevicesResponse = z.output<typeof devicesResponse>;
export type ServiceSummary = z.output<typeof serviceSummary>;
export type ServicesResponse = z.output<typeof servicesResponse>;
export type HistoryResponse = z.output<typeof historyResponse>;
export type OutageItem = z.output<typeof outageItem>;
export type OutagesQuery = z.output<typeof outagesQuery>;
export type OutagesResponse = z.output<typeof outagesResponse>;
export type CauseFacts = z.output<typeof causeFacts>;
export type OutageCauseRequest = z.input<typeof outageCauseRequest>;
export type AlertItem = z.output<typeof alertItem>;
export type AlertsQuery = z.output<typeof alertsQuery>;
export type AlertsResponse = z.output<typeof alertsResponse>;
export type AckRequest = z.input<typeof ackRequest>;
export type AckResponse = z.output<typeof ackResponse>;
export type MaintenanceRequest = z.input<typeof maintenanceRequest>;
export type MaintenanceItem = z.output<typeof maintenanceItem>;
export type MaintenanceResponse = z.output<typeof maintenanceResponse>;
export type PublicStatus = z.output<typeof publicStatus>;
export type ErrorResponse = z.output<typeof errorResponse>;
export type StateEvent = z.output<typeof stateEvent>;
export type InventoryEntry = z.output<typeof inventoryEntry>;
export type InventoryVillage = z.output<typeof inventoryVillage>;
export type InventoryResponse = z.output<typeof inventoryResponse>;
export type InventoryVillageRequest = z.input<typeof inventoryVillageRequest>;
export type InventoryDeviceRequest = z.input<typeof inventoryDeviceRequest>;
export type InventoryServiceRequest = z.input<typeof inventoryServiceRequest>;
export type InventoryEntity = (typeof INVENTORY_ENTITIES)[number];
export type InventoryAction = (typeof INVENTORY_ACTIONS)[number];
export type AuditEntry = z.output<typeof auditEntry>;
export type AuditResponse = z.output<typeof auditResponse>;
export type InventoryEditResponse = z.output<typeof inventoryEditResponse>;
export type DiscoverRequest = z.input<typeof discoverRequest>;
export type DiscoveryResponse = z.output<typeof discoveryResponse>;

// ---- power: blackout slots, supplies, Invincibility Points ----------------
// (imports of this section kept here, apart from the file's head, which others edit meanwhile)
import { BACKUP_LINKS, BACKUP_POWER, POWER_STATES } from './words/power.ts';

const powerState = z.enum(POWER_STATES);

/** One slot of a blackout schedule, cut at the day's midnights (a slot past midnight shows on both days). */
export const blackoutSlot = z.object({
  start: time,
  end: time,
  /** `definite`: the schedule says the power is off; `possible`: it may be (ГПВ «можливо»). */
  kind: z.enum(['definite', 'possible']),
});

/** Today's and tomorrow's, in the hromada's time zone. */
const slotDays = <T extends z.ZodType>(day: T) => z.object({ today: day, tomorrow: day });

export const villagePower = z.object({
  id,
  name: z.string(),
  /** Its blackout queue (черга), null when the config gives none. */
  group: z.enum(POWER_GROUPS).nullable(),
  /** The worst of its supplies; `unknown` where none reports. */
  state: powerState,
  since: time.nullable(),
  /** On battery: the least estimate among its supplies. */
  minutes_left: z.number().nullable(),
  /** The supply (device id) that sets the state. */
  supply: id.nullable(),
  /** Inside a slot of its queue now: when the schedule says mains returns. */
  mains_expected_at: time.nullable(),
  slots: slotDays(z.array(blackoutSlot)),
  /** Whether the schedule speaks for the day at all: a covered day without slots has no blackout; an uncovered one is not published yet. */
  covered: slotDays(z.boolean()),
});

export const supplyPower = z.object({
  /** The UPS, or the router whose supply voltage is read. */
  device: id,
  name: z.string(),
  village: id,
  state: powerState,
  source: z.enum(POWER_SOURCES),
  since: time,
  minutes_left: z.number().nullable(),
  battery_pct: z.number().nullable(),
  input_voltage: z.number().nullable(),
  /** The devices it feeds. */
  feeds: z.array(id),
});

export const powerResponse = z.object({
  at: time,
  /** The blackout schedule in use; null before one was imported or fetched. */
  schedule: z.object({ source: z.string(), fetched_at: time.nullable() }).nullable(),
  villages: z.array(villagePower),
  supplies: z.array(supplyPower),
});

export const INVINCIBILITY_LACKS = ['backup_power', 'backup_link'] as const;

export const invincibilityPoint = z.object({
  id,
  name: z.string(),
  village: id,
  /** The device's own state. */
  state,
  /** The supply that feeds it, else its village's power. */
  power: z.object({ state: powerState, since: time.nullable(), minutes_left: z.number().nullable(), supply: id.nullable() }),
  /** null where the config does not say. */
  backup_power: z.enum(BACKUP_POWER).nullable(),
  backup_link: z.enum(BACKUP_LINKS).nullable(),
  /** The uplinks it depends on: those of its parent chain, nearest first, then the rest of its village's. */
  links: z.array(z.object({ id, name: z.string(), kind: z.enum(DEVICE_KINDS), state })),
  /** Its state is up or degraded. */
  online: z.boolean(),
  /** Its village (or its own supply) is without mains now, or its queue is in a definite slot of the schedule now. */
  in_blackout: z.boolean(),
  /** It has both a backup power and a backup link (neither missing nor `none`). */
  meets_requirement: z.boolean(),
  lacks: z.array(z.enum(INVINCIBILITY_LACKS)),
});

export const invincibilityResponse = z.object({
  at: time,
  /** The counts the page heads with, as the server counts them. */
  summary: z.object({
    total: z.number().int(),
    in_blackout: z.number().int(),
    /** In a blackout and online now: the points that do their job. */
    online_in_blackout: z.number().int(),
    /** Not meeting the requirement. */
    lacking: z.number().int(),
  }),
  points: z.array(invincibilityPoint),
});

export type BlackoutSlotItem = z.output<typeof blackoutSlot>;
export type VillagePower = z.output<typeof villagePower>;
export type SupplyPower = z.output<typeof supplyPower>;
export type PowerResponse = z.output<typeof powerResponse>;
export type InvincibilityPoint = z.output<typeof invincibilityPoint>;
export type InvincibilityResponse = z.output<typeof invincibilityResponse>;

// ---- the oblast (merezha central) ------------------------------------------

/** One hromada on the oblast map: `GET /api/hromadas`. */
export const hromadaItem = z.object({
  id,
  name: z.string(),
  /** online, degraded, offline (from its villages), stale (no heartbeat lately: its link is down) or unknown (never heard). */
  state: z.enum(HROMADA_STATES),
  /** Devices it watches, as its latest heartbeat counts them; 0 before the first. */
  devices: z.number().int(),
  /** When the central last received anything from it, ms since the epoch; null: never. */
  last_message_at: time.nullable(),
  /** Points stored at the edge and not yet acknowledged by JetStream, as of its latest heartbeat. */
  backlog: z.number().int(),
  /** Where central.yaml puts it on the map; null: not placed. */
  location: z.object({ lat: z.number(), lon: z.number() }).nullable(),
  /** The time of the oldest point waiting at the edge; null when none waits. */
  backlog_oldest: time.nullable(),
  /** When its latest heartbeat was sent; null: none yet. */
  heartbeat_at: time.nullable(),
  version: z.string().nullable(),
  /** The hromada's own coverage (its dashboard's total); null before the first heartbeat. */
  coverage: coverage.nullable(),
  /** Its institutions' uptime, as its own dashboard's total shows it (`coverage.institutions.uptime`); null before the first heartbeat. */
  uptime: uptimeSet.nullable(),
  invincibility: invincibilityResponse.shape.summary.nullable(),
});

export const hromadasResponse = z.object({
  at: time,
  /** central.yaml's oblast, and its `server.map` for the page's map. */
  oblast: z.object({ name: z.string(), timezone: z.string(), locale: z.enum(LOCALES), map: hromadaInfo.shape.map }),
  hromadas: z.array(hromadaItem),
  /** Messages in the data stream the central's ingest has not acknowledged yet (all hromadas). */
  ingest_pending: z.number().int().nullable(),
});

/** A hromada's villages, read-only: `GET /api/hromadas/:id`. */
export const hromadaDetail = z.object({
  hromada: hromadaItem,
  /** Its latest heartbeat's villages; null before the first. */
  villages: villagesResponse.nullable(),
});

export type HromadaItem = z.output<typeof hromadaItem>;
export type HromadasResponse = z.output<typeof hromadasResponse>;
export type HromadaDetail = z.output<typeof hromadaDetail>;
