import { describe, expect, it } from 'vitest';
import { apiTestConfig } from '../support/api.ts';
import { mergeConfig, type ConfigOverrides } from '../support/config.ts';

describe('overrides of a test config', () => {
  const base: ConfigOverrides = {
    hromada: { name: 'Тестова громада', timezone: 'Europe/Kyiv' },
    server: { data_dir: '/tmp/harness', port: 8080 },
    villages: [{ id: 'a', name: 'A' }],
  };

  it('merge sections key by key, and replace lists and values', () => {
    expect(mergeConfig(base, { server: { trusted_proxies: 1 }, villages: [{ id: 'b', name: 'B' }], hromada: { name: 'Інша' } })).toEqual({
      hromada: { name: 'Інша', timezone: 'Europe/Kyiv' },
      server: { data_dir: '/tmp/harness', port: 8080, trusted_proxies: 1 },
      villages: [{ id: 'b', name: 'B' }],
    });
  });

  it('leave the base alone where they are undefined, and do not change it', () => {
    const before = structuredClone(base);
    expect(mergeConfig(base, { server: undefined, hromada: { timezone: undefined } })).toEqual(base);
    mergeConfig(base, { server: { port: 1 } });
    expect(base).toEqual(before);
  });

  it("keep the API harness's data dir when a test changes the server section", () => {
    const config = apiTestConfig('/tmp/merezha-api-test', { server: { trusted_proxies: 1 } });
    expect(config.server).toMatchObject({ data_dir: '/tmp/merezha-api-test', trusted_proxies: 1 });
  });
});
