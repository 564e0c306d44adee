import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load.ts';
import { authorizationHeader, connectionTo } from '../../storage/influx-client.ts';

const config = (storage: string, env: Record<string, string> = {}) =>
  parseConfig(
    `hromada: { name: Тест }
storage:
${storage}
villages:
  - id: test
    name: с. Тест
    devices: [{ id: test-uplink, kind: uplink, host: 127.0.0.1 }]
`,
    'hromada.yaml',
    env,
  );

describe('the credentials Merezha sends to InfluxDB', () => {
  it('are the external server user, with the password from the environment', () => {
    const withUser = config(`  influx: { url: "http://10.0.0.5:8086", username: merezha, password: "\${INFLUX_PASSWORD}" }`, {
      INFLUX_PASSWORD: 'from-the-env-file',
    });
    const connection = connectionTo(withUser, 'http://10.0.0.5:8086');
    expect(connection).toEqual({ url: 'http://10.0.0.5:8086', database: 'merezha', username: 'merezha', password: 'from-the-env-file' });
    expect(authorizationHeader(connection)).toEqual({
      authorization: `Basic ${Buffer.from('merezha:from-the-env-file').toString('base64')}`,
    });
  });

  it('refuse to load when the password variable is not set, without showing a value', () => {
    expect(() => config(`  influx: { url: "http://10.0.0.5:8086", username: merezha, password: "\${INFLUX_PASSWORD}" }`)).toThrow(
      /environment variable INFLUX_PASSWORD is not set/,
    );
  });

  it("are the managed influxd's own login, which wins over the config's", () => {
    const plain = config('  spool_dir: ./data/spool');
    const login = { username: 'merezha', password: 'generated' };
    expect(connectionTo(plain, 'http://127.0.0.1:8086', login)).toEqual({ url: 'http://127.0.0.1:8086', database: 'merezha', ...login });
    expect(connectionTo(plain, 'http://127.0.0.1:8086')).toEqual({ url: 'http://127.0.0.1:8086', database: 'merezha' });
    expect(authorizationHeader(connectionTo(plain, 'http://127.0.0.1:8086'))).toEqual({});
  });
});
