/**
 * Reading from InfluxDB 1.x: InfluxQL over /query, times as ms since the
 * epoch, one flat row per value with the series' tags merged in. What the
 * state engine and the alert log read back after a restart.
 */
import { authorizationHeader, type InfluxConnection } from './influx-client.ts';

export type Row = Record<string, string | number | boolean | null>;

/** Runs one InfluxQL query against the database. */
export type Query = (influxql: string) => Promise<Row[]>;

interface QueryResponse {
  results?: Array<{
    error?: string;
    series?: Array<{ tags?: Record<string, string>; columns: string[]; values?: Array<Array<string | number | boolean | null>> }>;
  }>;
  error?: string;
}

export function influxQuery(connection: InfluxConnection): Query {
  const headers = authorizationHeader(connection);
  return (influxql) =>
    runInfluxQL(connection.url, influxql, { database: connection.database, headers, timeoutMs: connection.requestTimeoutMs ?? 30_000 });
}

/** One InfluxQL request to the server at `url`; the database is optional (SHOW DATABASES needs none). */
export async function runInfluxQL(
  url: string,
  influxql: string,
  options: { database?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Row[]> {
  const body = new URLSearchParams({ q: influxql, epoch: 'ms', ...(options.database === undefined ? {} : { db: options.database }) });
  const response = await fetch(`${url.replace(/\/+$/, '')}/query`, {
    method: 'POST',
    body,
    headers: options.headers ?? {},
    signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
  });
  const json = (await response.json().catch(() => ({}))) as QueryResponse;
  const failure = json.error ?? json.results?.find((r) => r.error)?.error;
  if (!response.ok || failure !== undefined) throw new Error(`InfluxDB query failed: ${failure ?? `HTTP ${response.status}`}`);
  return (json.results ?? []).flatMap((result) =>
    (result.series ?? []).flatMap((series) =>
      (series.values ?? []).map((values) => ({
        ...series.tags,
        ...Object.fromEntries(series.columns.map((column, i) => [column, values[i] ?? null])),
      })),
    ),
  );
}

/** An InfluxQL identifier, always quoted. */
export function ident(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A string literal for InfluxQL. */
export function literal(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Whether the server of `connection` has its database (SHOW DATABASES needs none). */
export async function databaseExists(connection: InfluxConnection): Promise<boolean> {
  const rows = await runInfluxQL(connection.url, 'SHOW DATABASES', { headers: authorizationHeader(connection) });
  return rows.some((row) => row.name === connection.database);
}
