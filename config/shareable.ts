/**
 * The config as an edge shares it with the oblast's central: what the same
 * report and views need one level up (villages, devices, providers, services,
 * KPI targets, maintenance windows, power queues), without any secret: no
 * SNMP community or v3 key, no alert channel (tokens, SMTP passwords), no
 * InfluxDB login, no server or backup settings, no credentials or query in a
 * URL. Credential names stay, blank, so that the devices' references hold.
 */
import type { Config } from './schema.ts';

type Credential = Config['snmp_credentials'][string];

function blank(credential: Credential): Credential {
  return credential.version === '3' ? { version: '3', user: '' } : { version: credential.version, community: '' };
}

/** A URL without user, password, query or fragment; a token is most often in one of them. */
export function bareUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

export function shareableConfig(config: Config): Config {
  const { influx: _login, ...storage } = config.storage;
  const { schedule_url: scheduleUrl, ...power } = config.power;
  return {
    ...config,
    storage,
    snmp_credentials: Object.fromEntries(Object.entries(config.snmp_credentials).map(([name, c]) => [name, blank(c)])),
    services: config.services.map((s) => (s.url === undefined ? s : { ...s, url: bareUrl(s.url) })),
    alerts: { ...config.alerts, channels: [] },
    server: { ...config.server, data_dir: '', map: {} },
    power: scheduleUrl === undefined ? power : { ...power, schedule_url: bareUrl(scheduleUrl) },
    backup: undefined,
    forward: undefined,
  };
}
