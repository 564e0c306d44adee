/**
 * The names the dashboard answers to: the defence against DNS rebinding, where
 * a page on someone's domain, re-pointed at this server's address, would read
 * the dashboard as its own origin. Such a page always sends its own domain as
 * Host, so an IP address is always allowed (nobody rebinds an address), and a
 * name only when it is ours: `server.host`, the host of `alerts.dashboard_url`
 * (the dashboard's public address), `localhost`, and this machine's own name.
 * Behind trusted proxies the name is the forwarded one, as express takes it.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import type { Config } from '../../config/schema.ts';

/** The host name the client asked for, without port or brackets and in lower case; undefined when there is none or it does not parse. */
export function requestedHost(headers: IncomingHttpHeaders, trustedProxies: number): string | undefined {
  const forwarded = trustedProxies > 0 ? headers['x-forwarded-host'] : undefined;
  const raw = (typeof forwarded === 'string' && forwarded !== '' ? forwarded.split(',')[0]! : headers.host)?.trim();
  if (!raw) return undefined;
  try {
    return new URL(`http://${raw}`).hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  } catch {
    return undefined;
  }
}

/** Whether a request (or socket.io handshake) with these headers names this server; the oblast's server has no `alerts`. */
export function hostChecker(
  config: Pick<Config, 'server'> & { alerts?: Pick<Config['alerts'], 'dashboard_url'> },
): (headers: IncomingHttpHeaders) => boolean {
  const names = new Set(['localhost', hostname().toLowerCase(), config.server.host.toLowerCase()]);
  if (config.alerts?.dashboard_url) names.add(new URL(config.alerts.dashboard_url).hostname);
  return (headers) => {
    const host = requestedHost(headers, config.server.trusted_proxies);
    return host !== undefined && (isIP(host) !== 0 || names.has(host));
  };
}

export const HOST_REFUSED =
  'Merezha не відповідає на це ім’я сервера. Відкрийте панель за IP-адресою або додайте ім’я як alerts.dashboard_url у hromada.yaml.\n' +
  'Merezha does not answer to this host name. Open the dashboard by its IP address, or set the name as alerts.dashboard_url in hromada.yaml.\n';
