/**
 * The InfluxDB schema: every measurement Merezha writes, its fields with types
 * and units, and how each field is rolled up into 5-minute aggregates.
 *
 * This table is the single source of truth: the writer takes field types from
 * it, the continuous queries and rollup recomputation are generated from it,
 * and a test checks that the README documents every measurement and field.
 */

export type FieldType = 'integer' | 'float' | 'string';

/** InfluxQL aggregate that produces a rollup field from raw points. */
export type Rollup = 'mean' | 'max' | 'min' | 'sum' | 'last' | 'count';

export interface FieldSpec {
  type: FieldType;
  unit: string;
  description: string;
  /** Rollup fields made from this raw field: output name → aggregate. */
  rollup?: Record<string, Rollup>;
}

export interface MeasurementSpec {
  description: string;
  /** Tags besides the common device tags (village, device, kind, provider, category). */
  extraTags: string[];
  fields: Record<string, FieldSpec>;
  /** Events are rare and needed for years; they skip the raw policy and the rollup. */
  retention: 'raw' | 'events';
}

/** Tags on every device point; `provider` and `category` only where the config sets them. */
export const DEVICE_TAGS = ['village', 'device', 'kind', 'provider', 'category'] as const;

export const MEASUREMENTS = {
  ping: {
    description: 'One ICMP probe of a device: `count` echo requests.',
    extraTags: [],
    retention: 'raw',
    fields: {
      reachable: {
        type: 'integer',
        unit: '0/1',
        description: '1 when at least one reply came back.',
        rollup: { reachable: 'mean', samples: 'count' },
      },
      loss_pct: { type: 'float', unit: '%', description: 'Share of echo requests without a reply.', rollup: { loss_pct: 'mean' } },
      rtt_min_ms: { type: 'float', unit: 'ms', description: 'Fastest reply (absent when unreachable).', rollup: { rtt_min_ms: 'min' } },
      rtt_avg_ms: {
        type: 'float',
        unit: 'ms',
        description: 'Average reply time (absent when unreachable).',
        rollup: { rtt_avg_ms: 'mean' },
      },
      rtt_max_ms: { type: 'float', unit: 'ms', description: 'Slowest reply (absent when unreachable).', rollup: { rtt_max_ms: 'max' } },
      sent: { type: 'integer', unit: 'packets', description: 'Echo requests sent in this probe.' },
    },
  },
  snmp: {
    description: 'One SNMP poll of a device: whether the agent answered, and its system group.',
    extraTags: [],
    retention: 'raw',
    fields: {
      ok: { type: 'integer', unit: '0/1', description: '1 when the agent answered the poll.', rollup: { ok: 'mean', samples: 'count' } },
      sys_uptime_s: { type: 'float', unit: 's', description: 'sysUpTime of the agent.', rollup: { sys_uptime_s: 'last' } },
      response_ms: { type: 'float', unit: 'ms', description: 'Time the whole poll took.', rollup: { response_ms: 'mean' } },
    },
  },
  interface: {
    description: 'The configured interface of a device (IF-MIB), one point per SNMP poll.',
    extraTags: ['interface'],
    retention: 'raw',
    fields: {
      oper_up: { type: 'integer', unit: '0/1', description: 'ifOperStatus is up(1).', rollup: { oper_up: 'mean' } },
      speed_mbps: { type: 'float', unit: 'Mbit/s', description: 'ifHighSpeed (ifSpeed on SNMPv1).', rollup: { speed_mbps: 'last' } },
      in_bps: {
        type: 'float',
        unit: 'bit/s',
        description: 'Inbound rate since the previous poll (absent on the first poll and after a reboot).',
        rollup: { in_bps: 'mean', in_bps_max: 'max' },
      },
      out_bps: {
        type: 'float',
        unit: 'bit/s',
        description: 'Outbound rate since the previous poll (absent on the first poll and after a reboot).',
        rollup: { out_bps: 'mean', out_bps_max: 'max' },
      },
      in_errors: {
        type: 'integer',
        unit: 'packets',
        description: 'ifInErrors added since the previous poll.',
        rollup: { in_errors: 'sum' },
      },
      out_errors: {
        type: 'integer',
        unit: 'packets',
        description: 'ifOutErrors added since the previous poll.',
        rollup: { out_errors: 'sum' },
      },
      in_discards: {
        type: 'integer',
        unit: 'packets',
        description: 'ifInDiscards added since the previous poll.',
        rollup: { in_discards: 'sum' },
      },
      out_discards: {
        type: 'integer',
        unit: 'packets',
        description: 'ifOutDiscards added since the previous poll.',
        rollup: { out_discards: 'sum' },
      },
    },
  },
  wifi: {
    description: 'A Free WiFi access point, read through its vendor profile.',
    extraTags: ['vendor'],
    retention: 'raw',
    fields: {
      clients: {
        type: 'integer',
        unit: 'clients',
        description: 'Associated clients, summed over radios/VAPs.',
        rollup: { clients: 'mean', clients_max: 'max' },
      },
      radios_up: {
        type: 'integer',
        unit: 'radios',
        description: 'Radios or VAPs that are up, where the vendor MIB says.',
        rollup: { radios_up: 'mean' },
      },
    },
  },
  service: {
    description: 'One check of a service (the community website over HTTP(S), mail over TCP).',
    extraTags: ['service', 'type'],
    retention: 'raw',
    fields: {
      up: { type: 'integer', unit: '0/1', description: '1 when the check passed.', rollup: { up: 'mean', samples: 'count' } },
      latency_ms: {
        type: 'float',
        unit: 'ms',
        description: 'Time to the response (HTTP) or to the connection (TCP).',
        rollup: { latency_ms: 'mean' },
      },
      status_code: { type: 'integer', unit: '', description: 'HTTP status code (HTTP checks that got a response).' },
      tls_days_left: {
        type: 'float',
        unit: 'days',
        description: 'Days until the TLS certificate expires (HTTPS).',
        rollup: { tls_days_left: 'min' },
      },
    },
  },
  event: {
    description: 'Something that happened to a device, such as a reboot seen through sysUpTime.',
    extraTags: ['type'],
    retention: 'events',
    fields: {
      message: { type: 'string', unit: '', description: 'What happened, in English, for people reading the data.' },
      value: { type: 'float', unit: '', description: 'A number that goes with the event (for a reboot: the new sysUpTime in s).' },
      previous: { type: 'float', unit: '', description: 'The number before the event (for a reboot: the last sysUpTime in s).' },
    },
  },
} as const satisfies Record<string, MeasurementSpec>;

export type MeasurementName = keyof typeof MEASUREMENTS;

/** Retention policy names. `raw` is the database default. */
export const RETENTION_POLICIES = { raw: 'raw', rollup: 'rollup_5m', events: 'events' } as const;

export const ROLLUP_INTERVAL = '5m';
