/**
 * The `influx` client as the writer needs it: field types from the schema (so
 * integer fields go out with the `i` suffix), no retries or host disabling of
 * its own (the writer decides what a failure means); a plain HTTP /write of
 * line protocol for the writer's batches (`createLineWriter`); and a classification
 * of write errors into "InfluxDB is unavailable, try again later" and
 * "InfluxDB refuses these points, trying again will not help".
 */
import { Agent as HttpAgent, request as httpRequest, STATUS_CODES } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { FieldType, InfluxDB, type IPoolOptions, type ISchemaOptions } from 'influx';
import { RequestError, ServiceNotAvailableError } from 'influx/lib/src/pool.js';
import { MEASUREMENTS, type FieldType as SchemaFieldType, type MeasurementName } from './measurements.ts';
import { measurementSpec, tagNamesOf } from './point-check.ts';
import type { Config } from '../config/schema.ts';

export interface InfluxConnection {
  url: string;
  database: string;
  username?: string;
  password?: string;
  requestTimeoutMs?: number;
}

/** A user of an InfluxDB with auth enabled, such as the managed influxd's admin. */
export interface InfluxLogin {
  username: string;
  password: string;
}

/** The Authorization header a connection sends with every request, if it has a user. */
export function authorizationHeader(connection: Pick<InfluxConnection, 'username' | 'password'>): Record<string, string> {
  if (connection.username === undefined) return {};
  return { authorization: `Basic ${Buffer.from(`${connection.username}:${connection.password ?? ''}`).toString('base64')}` };
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

/**
 * The config's database at `url` (the config's own, INFLUX_URL's, or the
 * managed influxd's), with the managed influxd's `login` when given, else the
 * config's credentials.
 */
export function connectionTo(config: Config, url: string, login?: InfluxLogin): InfluxConnection {
  const influx = config.storage.influx;
  const user = login ?? { username: influx?.username, password: influx?.password };
  return {
    url,
    database: influx?.database ?? 'merezha',
    ...(user.username ? { username: user.username } : {}),
    ...(user.password ? { password: user.password } : {}),
  };
}

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

/** A /write that InfluxDB answered with an error status. */
export class InfluxWriteError extends Error {
  override name = 'InfluxWriteError';

  constructor(
    readonly status: number,
    body: string,
  ) {
    // Worded like the `influx` client's RequestError, which the rejected files have always quoted.
    super(`A ${status} ${STATUS_CODES[status] ?? ''} error occurred: ${body.trim()}`);
  }
}

/** Writes a body of line protocol (millisecond timestamps; a string, or its UTF-8 bytes) to a retention policy. */
export type LineWriter = (retentionPolicy: string, body: string | Buffer) => Promise<void>;

/**
 * POSTs line protocol to /write over one kept-alive connection. Resolves on
 * 204; rejects with an InfluxWriteError for any other status, or with the
 * socket's error (ETIMEDOUT after requestTimeoutMs), which classifyWriteError sorts.
 */
export function createLineWriter(connection: InfluxConnection): LineWriter {
  const url = new URL(connection.url);
  const https = url.protocol === 'https:';
  const request = https ? httpsRequest : httpRequest;
  const agent = https ? new HttpsAgent({ keepAlive: true, maxSockets: 2 }) : new HttpAgent({ keepAlive: true, maxSockets: 2 });
  const base = `${url.pathname.replace(/\/+$/, '')}/write?db=${encodeURIComponent(connection.database)}&precision=ms`;
  const timeoutMs = connection.requestTimeoutMs ?? 30_000;
  return (retentionPolicy, body) =>
    new Promise<void>((resolve, reject) => {
      const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
      const req = request(
        {
          protocol: url.protocol,
          hostname: url.hostname,
          port: url.port === '' ? (https ? 443 : 8086) : Number(url.port),
          method: 'POST',
          path: `${base}&rp=${encodeURIComponent(retentionPolicy)}`,
          agent,
          headers: {
            'content-type': 'text/plain; charset=utf-8',
            'content-length': payload.length,
            ...authorizationHeader(connection),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            if (text.length < 4096) text += chunk;
          });
          res.on('end', () => (res.statusCode === 204 ? resolve() : reject(new InfluxWriteError(res.statusCode ?? 0, text))));
          res.on('error', reject);
        },
      );
      req.setTimeout(timeoutMs, () => {
        const err = new Error(`no answer from InfluxDB within ${timeoutMs} ms`) as NodeJS.ErrnoException;
        err.code = 'ETIMEDOUT';
        req.destroy(err);
      });
      req.on('error', reject);
      req.end(payload);
    });
}

/** HTTP statuses that say "not now" rather than "never": auth and a missing database can be fixed. */
const RETRYABLE_STATUS = new Set([401, 403, 404, 408, 429]);

export type WriteFailure = 'unavailable' | 'refused';

export function classifyWriteError(err: unknown): WriteFailure {
  if (err instanceof InfluxWriteError) return err.status >= 500 || RETRYABLE_STATUS.has(err.status) ? 'unavailable' : 'refused';
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
