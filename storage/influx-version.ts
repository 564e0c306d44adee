/**
 * Which servers Merezha stores into: InfluxDB 1.x only. InfluxDB 2 and 3
 * accept 1.x-style writes and even some InfluxQL, and VictoriaMetrics takes
 * line protocol too, so the writes would seem to work while the retention
 * policies, the rollups and with them the yearly report stayed empty. The
 * version in `/ping`'s `X-Influxdb-Version` header decides; a server that
 * does not send it is refused too, since every InfluxDB 1.x does.
 */

const NEEDS =
  'Merezha needs InfluxDB 1.x (InfluxQL queries, retention policies and continuous queries for its rollups and yearly report). ' +
  "Point storage.influx.url at an InfluxDB 1.x (Debian's influxdb package), or remove storage.influx to let Merezha run its own";

export class InfluxVersionError extends Error {
  override name = 'InfluxVersionError';
}

/** Why the server at `url` cannot be used, from its /ping version header (absent: null or undefined); null when it can. */
export function influxVersionProblem(url: string, version: string | null | undefined): string | null {
  if (version === null || version === undefined || version.trim() === '')
    return `the server at ${url} does not say which InfluxDB it is (its /ping has no X-Influxdb-Version header, as with VictoriaMetrics). ${NEEDS}`;
  // Debian's 1.6 says "1.6.7~rc0", InfluxDB 2 "v2.7.1", Enterprise "1.11.8-c1.11.8".
  if (/^v?1\./.test(version.trim())) return null;
  return `InfluxDB at ${url} is version ${version.trim()}, which Merezha cannot use. ${NEEDS}`;
}

export type InfluxServer = { reachable: false } | { reachable: true; version: string };

/**
 * Asks `url`'s /ping for its version and throws an InfluxVersionError when it
 * is not 1.x. An unreachable server is not an error here: the writer spools
 * until it answers, and checks again then.
 */
export async function checkInfluxVersion(url: string, timeoutMs = 5_000): Promise<InfluxServer> {
  let version: string | null;
  try {
    const response = await fetch(`${url.replace(/\/+$/, '')}/ping`, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    if (response.status >= 500) return { reachable: false };
    version = response.headers.get('x-influxdb-version');
  } catch {
    return { reachable: false };
  }
  const problem = influxVersionProblem(url, version);
  if (problem !== null) throw new InfluxVersionError(problem);
  return { reachable: true, version: version! };
}
