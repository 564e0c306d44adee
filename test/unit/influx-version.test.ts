import { describe, expect, it } from 'vitest';
import { influxVersionProblem } from '../../storage/influx-version.ts';

const URL = 'http://127.0.0.1:8086';

describe('which InfluxDB Merezha stores into', () => {
  it.each(['1.6.7~rc0', '1.8.10', 'v1.8.10', '1.11.8-c1.11.8', ' 1.7.0 '])('takes InfluxDB %s', (version) => {
    expect(influxVersionProblem(URL, version)).toBeNull();
  });

  it.each(['2.7.1', 'v2.7.1', '3.0.0', '10.1.0', 'unknown'])('refuses InfluxDB %s, saying what it needs', (version) => {
    expect(influxVersionProblem(URL, version)).toBe(
      `InfluxDB at ${URL} is version ${version}, which Merezha cannot use. Merezha needs InfluxDB 1.x (InfluxQL queries, retention policies and continuous queries for its rollups and yearly report). Point storage.influx.url at an InfluxDB 1.x (Debian's influxdb package), or remove storage.influx to let Merezha run its own`,
    );
  });

  it.each([undefined, null, ''])('refuses a server that gives no version (%s)', (version) => {
    expect(influxVersionProblem(URL, version)).toMatch(
      /^the server at http:\/\/127\.0\.0\.1:8086 does not say which InfluxDB it is \(its \/ping has no X-Influxdb-Version header, as with VictoriaMetrics\)\. Merezha needs InfluxDB 1\.x/,
    );
  });
});
