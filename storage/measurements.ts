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
  /** Points about something else than a device (a blackout queue): only `extraTags`. */
  ownTagsOnly?: true;
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
  power: {
    description:
      'One poll of the power behind a device: a UPS (kind ups, tag `vendor` ups-mib or apc) or a router’s supply voltage (`power_voltage:`, tag `vendor` mikrotik). A figure the agent did not give is absent, never 0.',
    extraTags: ['vendor'],
    retention: 'raw',
    fields: {
      ok: { type: 'integer', unit: '0/1', description: '1 when the agent answered the poll.', rollup: { samples: 'count' } },
      source: { type: 'string', unit: '', description: 'What feeds the load: mains, battery, bypass or unknown.' },
      on_battery: {
        type: 'integer',
        unit: '0/1',
        description: '1 on battery, 0 on mains or bypass (absent while the source is unknown).',
        rollup: { on_battery: 'mean' },
      },
      seconds_on_battery: {
        type: 'integer',
        unit: 's',
        description: 'Time since the UPS went on battery (0 on mains, as UPS-MIB says).',
        rollup: { seconds_on_battery: 'max' },
      },
      battery_pct: { type: 'float', unit: '%', description: 'Battery charge left.', rollup: { battery_pct: 'min' } },
      minutes_left: {
        type: 'float',
        unit: 'min',
        description: 'The UPS’s estimate of its run time on battery (whole minutes, rounded down).',
        rollup: { minutes_left: 'min' },
      },
      input_voltage: {
        type: 'float',
        unit: 'V',
        description: 'A UPS’s AC input line voltage; a router’s DC supply voltage.',
        rollup: { input_voltage: 'mean', input_voltage_min: 'min' },
      },
      battery_status: { type: 'string', unit: '', description: 'normal, low, depleted, fault, missing or unknown.' },
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
    description:
      'Something that happened to a device or a village: `type` reboot (seen through sysUpTime), flapping and flapping_end (a device, `value` = state changes in the window), village_offline and village_online (tag `village` only); for a supply (a UPS, a router’s supply voltage) on_battery (`value` = minutes left), power_lost (it ran out or fell silent on battery, `value` = seconds on battery) and power_restored (mains back, `value` = seconds on battery).',
    extraTags: ['service', 'type'],
    retention: 'events',
    fields: {
      message: { type: 'string', unit: '', description: 'What happened, in English, for people reading the data.' },
      value: { type: 'float', unit: '', description: 'A number that goes with the event (for a reboot: the new sysUpTime in s).' },
      previous: { type: 'float', unit: '', description: 'The number before the event (for a reboot: the last sysUpTime in s).' },
    },
  },
  transition: {
    description:
      'A device or service changed state (up, degraded, down, unreachable, maintenance, unknown), at the time of the check that began the new state. Services carry the tag `service` instead of the device tags.',
    extraTags: ['service'],
    retention: 'events',
    fields: {
      from: { type: 'string', unit: '', description: 'The state before.' },
      to: { type: 'string', unit: '', description: 'The state after.' },
      reason: { type: 'string', unit: '', description: 'Why, in English (e.g. "no answer to ping", "packet loss 35%").' },
      cause: { type: 'string', unit: '', description: 'For `unreachable`: the id of the device whose outage cuts this one off.' },
    },
  },
  outage: {
    description:
      'One outage of a device or service (its own, not its parent’s), as one point at its start time: written when it begins and overwritten with its end, so a restart neither loses nor splits it.',
    extraTags: ['service'],
    retention: 'events',
    fields: {
      open: { type: 'integer', unit: '0/1', description: '1 while the outage lasts.' },
      end_ms: { type: 'integer', unit: 'ms', description: 'When it ended, ms since the epoch (absent while open).' },
      duration_s: { type: 'float', unit: 's', description: 'How long it lasted (absent while open).' },
      reason: { type: 'string', unit: '', description: 'Why it began, in English.' },
      unreachable: { type: 'string', unit: '', description: 'Ids of the devices cut off behind it, comma-separated.' },
      cause: {
        type: 'string',
        unit: '',
        description:
          'Why, as Merezha judged it: power, scheduled_blackout, provider, upstream, device, maintenance or unknown (an `outage_note` may reclassify it).',
      },
      cause_evidence: {
        type: 'string',
        unit: '',
        description:
          'The facts behind `cause`, as JSON (the supply and when it went on battery or ran out, the blackout slot, the parent, the window).',
      },
    },
  },
  outage_note: {
    description:
      'An admin’s reclassification of one outage (as Checkmk’s annotations): the outage of the subject that began at `start_ms` has cause `cause`. The latest note of an outage wins; the report and `GET /api/outages` use it.',
    extraTags: ['service'],
    retention: 'events',
    fields: {
      start_ms: { type: 'integer', unit: 'ms', description: 'The start of the outage it is about (also the point’s time).' },
      cause: { type: 'string', unit: '', description: 'The cause the admin gave.' },
      note: { type: 'string', unit: '', description: 'Why, in the admin’s words.' },
      by: { type: 'string', unit: '', description: 'The user who reclassified it.' },
      at_ms: { type: 'integer', unit: 'ms', description: 'When it was reclassified.' },
    },
  },
  blackout: {
    description:
      'One slot of a blackout schedule (ГПВ) as imported or fetched: the queue (tag `group`) is without mains from the point’s time to `end_ms`. Kept for years, so that a past outage can be judged against the schedule it fell in.',
    extraTags: ['group'],
    ownTagsOnly: true,
    retention: 'events',
    fields: {
      end_ms: { type: 'integer', unit: 'ms', description: 'When the slot ends, ms since the epoch.' },
      certainty: { type: 'string', unit: '', description: 'definite, or possible (the feed says it may happen).' },
      source: { type: 'string', unit: '', description: 'Where the schedule came from: the file name or the feed URL’s host.' },
    },
  },
  backfill: {
    description:
      'History imported with `merezha import` for one device or service: from `from_ms` to `to_ms` it counts as monitored, and up except during its imported `outage` points (reason `imported from <file name>`). One point per subject and import, at `from_ms`; an import never overlaps data Merezha measured itself or an earlier import.',
    extraTags: ['service'],
    retention: 'events',
    fields: {
      from_ms: { type: 'integer', unit: 'ms', description: 'Start of the imported span, ms since the epoch (also the point’s time).' },
      to_ms: { type: 'integer', unit: 'ms', description: 'End of the imported span (exclusive), ms since the epoch.' },
      source: { type: 'string', unit: '', description: 'The base name of the CSV file it came from.' },
    },
  },
  alert: {
    description:
      'The alert log: one point per decision of the alert planner (an alert, a reminder, a recovery, a close that went nowhere, an acknowledgement). Tag `event` is down, recovered, degraded, village_offline, flapping, tls_expiring or reboot.',
    extraTags: ['service', 'event'],
    retention: 'events',
    fields: {
      id: { type: 'string', unit: '', description: 'The alert id (also in the webhook body and the email Message-ID).' },
      action: { type: 'string', unit: '', description: 'open, remind, close or ack.' },
      key: { type: 'string', unit: '', description: 'The episode: event, subject and start time.' },
      channels: { type: 'string', unit: '', description: 'Channel ids it was sent to, comma-separated (empty: recorded only).' },
      state: { type: 'string', unit: '', description: 'The state of the device or service at the time.' },
      title: { type: 'string', unit: '', description: 'The headline, in the hromada’s locale.' },
      message: { type: 'string', unit: '', description: 'The text, in the hromada’s locale.' },
      data: { type: 'string', unit: '', description: 'The whole record as JSON (what a restart rebuilds the alert book from).' },
    },
  },
  delivery: {
    description: 'One attempt to deliver an alert through one channel.',
    extraTags: ['channel', 'event'],
    retention: 'events',
    fields: {
      alert_id: { type: 'string', unit: '', description: 'The alert delivered.' },
      attempt: { type: 'integer', unit: '', description: '1 for the first try.' },
      ok: { type: 'integer', unit: '0/1', description: '1 when the channel took the alert.' },
      final: { type: 'integer', unit: '0/1', description: '1 when no further attempt follows (delivered, or given up).' },
      error: { type: 'string', unit: '', description: 'Why it failed, without secrets.' },
      delay_ms: { type: 'float', unit: 'ms', description: 'From the alert’s decision to the end of this attempt.' },
    },
  },
} as const satisfies Record<string, MeasurementSpec>;

export type MeasurementName = keyof typeof MEASUREMENTS;

/** Retention policy names. `raw` is the database default. */
export const RETENTION_POLICIES = { raw: 'raw', rollup: 'rollup_5m', events: 'events' } as const;

export const ROLLUP_INTERVAL = '5m';
