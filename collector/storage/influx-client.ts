/**
 * The `influx` client as the writer needs it: field types from the schema (so
 * integer fields go out with the `i` suffix), no retries or host disabling of
 * its own (the writer decides what a failure means), and a classification
 * of write errors into "InfluxDB is unavailable, try again later" and
 * "InfluxDB refuses these points, trying again will not help".
 */
import { FieldType, InfluxDB, type IPoolOptions, type ISchemaOptions } from 'influx';
import { RequestError, ServiceNotAvailableError } from 'influx/lib/src/pool.js';
import { MEASUREMENTS, type FieldType as SchemaFieldType, type MeasurementName } from './measurements.ts';
import { measurementSpec, tagNamesOf } from './point-check.ts';

export interface InfluxConnection {
  url: string;
  database: string;
  username?: string;
  password?: string;
  requestTimeoutMs?: number;
}

const FIELD_TYPES: Record<SchemaFieldType, FieldType> = {
  integer: FieldType.INTEGER,
  float: FieldType.FLOAT,
  string: FieldType.STRING,
};

function clientSchema(database: string): ISchemaOptions[] {
  return (Object.keys(MEASUREMENTS) as MeasurementName[]).map((measurement) => {
    const spec = measurementSpec(measurement);
    return {
      database,
      measurement,
      fields: Object.fromEntries(Object.entries(spec.fields).map(([name, field]) => [name, FIELD_TYPES[field.type]])),
      tags: [...tagNamesOf(measurement)],
    };
  });
}

/**
 * The pool would otherwise take the host out of rotation after a network
 * error and answer "No host available" for a while after InfluxDB is back.
 */
type Backoff = NonNullable<IPoolOptions['backoff']>;
const neverDisable: Backoff = { getDelay: () => 0, next: () => neverDisable, reset: () => neverDisable };

export function createInfluxClient(connection: InfluxConnection): InfluxDB {
  const url = new URL(connection.url);
  const protocol = url.protocol === 'https:' ? 'https' : 'http';
  return new InfluxDB({
    protocol,
    host: url.hostname,
    port: url.port === '' ? (protocol === 'https' ? 443 : 8086) : Number(url.port),
    path: url.pathname.replace(/\/+$/, ''),
    database: connection.database,
    username: connection.username,
    password: connection.password,
    schema: clientSchema(connection.database),
    pool: { maxRetries: 0, requestTimeout: connection.requestTimeoutMs ?? 30_000, backoff: neverDisable },
  });
}

/** HTTP statuses that say "not now" rather than "never": auth and a missing database can be fixed. */
const RETRYABLE_STATUS = new Set([401, 403, 404, 408, 429]);

export type WriteFailure = 'unavailable' | 'refused';

export function classifyWriteError(err: unknown): WriteFailure {
  // 5xx, timeouts.
  if (err instanceof ServiceNotAvailableError) return 'unavailable';
  if (err instanceof RequestError) return RETRYABLE_STATUS.has(err.res.statusCode ?? 0) ? 'unavailable' : 'refused';
  // Socket errors (ECONNREFUSED, ECONNRESET, EPIPE, ...).
  if (err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string') return 'unavailable';
  // Anything else came from the client turning the points down before sending
  // them: sending them again would fail the same way.
  return 'refused';
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
