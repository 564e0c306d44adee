/**
 * `central.yaml`: the oblast's Merezha (`merezha central`). It names the
 * oblast, its NATS cluster and the central user's credentials, the central
 * InfluxDB (one database per hromada, `<database_prefix><hromada>`), the
 * dashboard server (the hromada server's keys), and the hromadas expected,
 * with where each goes on the map. Loaded like hromada.yaml, with errors that
 * name the file, line and field.
 */
import { z } from 'zod';
import { HROMADA_ID, HROMADA_ID_RULE } from '../common/federation.ts';
import { LOCALES } from '../common/words/locale.ts';
import { loadYamlWith, parseYamlWith, type Env, type YamlFileKind } from './load.ts';
import { duration } from './primitives.ts';
import { forwardSchema } from './schema-forward.ts';
import { serverSchema, storageSchema, timezone } from './schema.ts';

const hromadaId = () => z.string().regex(HROMADA_ID, `must be ${HROMADA_ID_RULE}`);

export const centralHromadaSchema = z.strictObject({
  id: hromadaId(),
  name: z.string().min(1),
  location: z.strictObject({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }).optional(),
});

const centralSchemaRaw = z.strictObject({
  $schema: z.string().optional(),
  oblast: z.strictObject({
    name: z.string().min(1),
    timezone: timezone().default('Europe/Kyiv'),
    locale: z.enum(LOCALES).default('uk'),
  }),
  nats: z.strictObject({
    servers: forwardSchema.shape.servers,
    /** The central user's nkey seed file (`central.nk` of `merezha nats-config`). */
    credentials: z.string().min(1),
    /** Copies of every stream; 3 on a 3-node cluster, so that a node may die. */
    replicas: z.int().min(1).max(5).default(3),
    /** How long the data stream keeps a message the central has not taken: the longest central outage it survives. */
    max_age: duration().prefault('14d'),
  }),
  storage: storageSchema
    .omit({ spool_dir: true, spool_max_mb: true })
    .extend({
      managed_dir: z.string().min(1).default('./data/central/influxdb'),
      /** Each hromada's points go to its own database, `<prefix><hromada id>` (with "-" as "_"). */
      database_prefix: z
        .string()
        .regex(/^[a-z][a-z0-9_]*$/, 'must be lowercase letters, digits and "_", starting with a letter')
        .default('merezha_'),
    })
    .prefault({}),
  ingest: z
    .strictObject({
      /** Concurrent pull loops in this process; run more processes with `merezha central --ingest-only` to spread over machines. */
      workers: z.int().min(1).max(64).default(2),
      /** Messages fetched at a time by one loop. */
      fetch: z.int().min(1).max(1000).default(64),
      /** Unacknowledged messages go to another worker after this. */
      ack_wait: duration().prefault('30s'),
    })
    .prefault({}),
  /** The oblast dashboard's public address (behind a TLS reverse proxy): the dashboard answers to its host name. */
  dashboard_url: z.url({ protocol: /^https?$/ }).optional(),
  server: serverSchema.extend({ data_dir: z.string().min(1).default('./data/central/server') }).prefault({}),
  /** The hromadas expected: on the map from the start, and `merezha nats-config --config` makes their users. */
  hromadas: z.array(centralHromadaSchema).min(1, 'list at least one hromada'),
});

export const centralSchema = centralSchemaRaw.superRefine((cfg, ctx) => {
  const seen = new Set<string>();
  const databases = new Map<string, string>();
  cfg.hromadas.forEach((h, i) => {
    if (seen.has(h.id)) ctx.addIssue({ code: 'custom', path: ['hromadas', i, 'id'], message: `duplicate hromada id "${h.id}"` });
    seen.add(h.id);
    const database = hromadaDatabase(cfg, h.id);
    const other = databases.get(database);
    if (other !== undefined && other !== h.id)
      ctx.addIssue({ code: 'custom', path: ['hromadas', i, 'id'], message: `would share the database ${database} with "${other}"` });
    databases.set(database, h.id);
  });
});

export type CentralConfig = z.output<typeof centralSchema>;
export type CentralHromada = CentralConfig['hromadas'][number];

const CENTRAL_FILE: YamlFileKind = { noun: 'central config file', emptyHint: 'start from a copy of config/central.example.yaml' };

export function loadCentralConfig(file: string, env: Env = process.env): CentralConfig {
  return loadYamlWith(centralSchema, file, env, CENTRAL_FILE);
}

export function parseCentralConfig(text: string, fileLabel: string, env: Env = process.env): CentralConfig {
  return parseYamlWith(centralSchema, text, fileLabel, env, CENTRAL_FILE);
}

/** The central database of a hromada. InfluxDB names may hold "-", but InfluxQL would then need quotes everywhere. */
export function hromadaDatabase(config: Pick<CentralConfig, 'storage'>, hromada: string): string {
  return `${config.storage.database_prefix}${hromada.replaceAll('-', '_')}`;
}
