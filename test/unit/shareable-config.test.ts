/**
 * What an edge sends the oblast as its inventory keeps everything the
 * report needs and no secret: communities, v3 keys, channel tokens, the
 * InfluxDB login, credentials in URLs.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load.ts';
import { shareableConfig } from '../../config/shareable.ts';
import { decodeInventory, encodeInventory } from '../../storage/forward/wire.ts';

const SECRETS = [
  's3cret-community',
  'auth-key-123456',
  'priv-key-123456',
  'bot:TOKEN-42',
  'hook-secret-9',
  'influx-pass-7',
  'feed-token-5',
  'svc-pass-3',
];

function configWithSecrets() {
  const text = readFileSync('config/example.yaml', 'utf8').replace('community: public', `community: ${SECRETS[0]}`);
  const config = parseConfig(text, 'example.yaml', { SNMP_AUTH_KEY: SECRETS[1], SNMP_PRIV_KEY: SECRETS[2] });
  return {
    ...config,
    storage: {
      ...config.storage,
      influx: { url: 'http://127.0.0.1:8086', database: 'merezha', username: 'merezha', password: SECRETS[5] },
    },
    alerts: {
      ...config.alerts,
      channels: [
        ...config.alerts.channels,
        { id: 'tg', type: 'telegram', bot_token: SECRETS[3], chat_id: '1' },
        { id: 'hook', type: 'webhook', url: 'https://127.0.0.1/x', secret: SECRETS[4] },
      ],
    },
    power: { ...config.power, schedule_url: `https://user:pw@127.0.0.1/gpv.json?token=${SECRETS[6]}` },
    services: config.services.map((s, i) => (i === 0 && s.url ? { ...s, url: `http://admin:${SECRETS[7]}@127.0.9.1:8480/?k=1` } : s)),
  } as typeof config;
}

describe('shareableConfig', () => {
  it('keeps no secret, in the config or in the inventory message', () => {
    const shared = shareableConfig(configWithSecrets());
    const message = encodeInventory('dmytrivska', shared, 0);
    for (const secret of SECRETS) expect(message).not.toContain(secret);
    expect(message).not.toContain('user:pw');
  });

  it('keeps what the report needs: villages, devices and their credential names, KPIs, maintenance, URLs without their secrets', () => {
    const config = configWithSecrets();
    const shared = decodeInventory(encodeInventory('dmytrivska', shareableConfig(config), 0)).config;
    expect(shared.villages).toEqual(config.villages);
    expect(shared.kpis).toEqual(config.kpis);
    expect(shared.providers).toEqual(config.providers);
    expect(shared.alerts.maintenance).toEqual(config.alerts.maintenance);
    expect(Object.keys(shared.snmp_credentials)).toEqual(Object.keys(config.snmp_credentials));
    expect(shared.services[0]!.url).toBe('http://127.0.9.1:8480/');
    expect(shared.power.schedule_url).toBe('https://127.0.0.1/gpv.json');
    expect(shared.alerts.channels).toEqual([]);
  });
});
