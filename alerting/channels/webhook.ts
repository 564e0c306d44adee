/**
 * Generic JSON webhook: one POST per alert, with the body documented in the
 * README ("Alerts") and, when the channel has a `secret`, an HMAC-SHA256 of
 * the exact body bytes in `X-Merezha-Signature: sha256=<hex>` (the scheme of
 * GitHub's `X-Hub-Signature-256`), so a receiver can check that the alert
 * comes from this Merezha. `X-Merezha-Delivery` carries the alert id, which
 * stays the same on every retry: a receiver can drop repeats by it.
 */
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { AlertRecord } from '../record.ts';
import { channelSchema, DeliveryError, describeNetworkError, retryableStatus, type Channel, type ChannelType } from './types.ts';

export interface WebhookPayload {
  /** The alert id: the same on every retry of this alert. */
  id: string;
  /** down, recovered, degraded, village_offline, flapping, tls_expiring, reboot, on_battery, battery_low, power_restored (or test). */
  event: string;
  /** 0 for the first alert of an episode, then 1, 2, ... for reminders. */
  reminder: number;
  hromada: string;
  village: string | null;
  village_name: string | null;
  device: string | null;
  device_name: string | null;
  /** uplink, wifi or institution. */
  kind: string | null;
  provider: string | null;
  service: string | null;
  service_name: string | null;
  /** up, degraded, down, unreachable, maintenance or unknown. */
  state: string;
  /** When the episode began, ISO 8601. */
  since: string;
  /** When it ended (recoveries), ISO 8601. */
  until: string | null;
  /** Ids of the devices cut off behind the device. */
  unreachable: string[];
  village_offline: boolean;
  title: string;
  /** The text people read, in the hromada's locale. */
  message: string;
  dashboard_url: string | null;
  /** When Merezha made the alert, ISO 8601. */
  time: string;
  /** down, village_offline: the outage's cause as judged (power, scheduled_blackout, provider, upstream, device, maintenance, unknown). */
  cause: string | null;
  /** Power events: the village's power; `device` is the supply (UPS) that sets the figures. */
  power: WebhookPower | null;
}

export interface WebhookPower {
  /** mains, battery, bypass or unknown: what feeds the supply. */
  source: string;
  /** The supply's estimate, minutes; null when it gives none (or mains is back). */
  minutes_left: number | null;
  battery_pct: number | null;
  /** The village's power: mains, battery, lost or unknown. */
  state: string;
  /** Inside a blackout slot: when the schedule says mains returns, ISO 8601. */
  mains_expected_at: string | null;
  /** When the battery runs out at the estimate, ISO 8601. */
  runs_out_at: string | null;
}

export function webhookPayload(alert: AlertRecord, hromada: string): WebhookPayload {
  const iso = (t: number) => new Date(t).toISOString();
  return {
    id: alert.id,
    event: alert.event,
    reminder: alert.reminder,
    hromada,
    village: alert.village?.id ?? null,
    village_name: alert.village?.name ?? null,
    device: alert.device?.id ?? null,
    device_name: alert.device?.name ?? null,
    kind: alert.device?.kind ?? null,
    provider: alert.device?.provider ?? null,
    service: alert.service?.id ?? null,
    service_name: alert.service?.name ?? null,
    state: alert.state,
    since: iso(alert.since),
    until: alert.until === undefined ? null : iso(alert.until),
    unreachable: alert.unreachable,
    village_offline: alert.villageOffline,
    title: alert.title,
    message: alert.message,
    dashboard_url: alert.dashboardUrl ?? null,
    time: iso(alert.time),
    cause: alert.cause ?? null,
    power: alert.power
      ? {
          source: alert.power.source,
          minutes_left: alert.power.minutes_left ?? null,
          battery_pct: alert.power.battery_pct ?? null,
          state: alert.power.state,
          mains_expected_at: alert.power.mains_expected_at === undefined ? null : iso(alert.power.mains_expected_at),
          runs_out_at: alert.power.runs_out_at === undefined ? null : iso(alert.power.runs_out_at),
        }
      : null,
  };
}

/** The signature header value for a body; receivers compute the same and compare in constant time. */
export function webhookSignature(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

const schema = channelSchema('webhook', {
  url: z.url({ protocol: /^https?$/ }),
  secret: z.string().min(1).optional(),
});

export const webhookChannel: ChannelType<typeof schema> = {
  type: 'webhook',
  schema,
  create(config, deps): Channel {
    return {
      id: config.id,
      type: 'webhook',
      // A webhook URL often carries a token of its own (chat services do that).
      secrets: [config.url, ...(config.secret ? [config.secret] : [])],
      async send(alert, signal) {
        const body = JSON.stringify(webhookPayload(alert, deps.hromada.name));
        const headers: Record<string, string> = {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': 'merezha',
          'x-merezha-event': alert.event,
          'x-merezha-delivery': alert.id,
        };
        if (config.secret) headers['x-merezha-signature'] = webhookSignature(config.secret, body);
        let response: Response;
        try {
          response = await fetch(config.url, { method: 'POST', headers, body, signal, redirect: 'manual' });
        } catch (err) {
          throw new DeliveryError(describeNetworkError(err, signal));
        }
        // The body is not needed; reading it lets the connection be reused.
        await response.arrayBuffer().catch(() => undefined);
        if (response.status < 200 || response.status > 299) {
          throw new DeliveryError(`the receiver answered HTTP ${response.status}`, {
            permanent: !retryableStatus(response.status),
            ...retryAfter(response),
          });
        }
      },
    };
  },
};

function retryAfter(response: Response): { retryAfterMs?: number } {
  const seconds = Number(response.headers.get('retry-after'));
  return Number.isFinite(seconds) && seconds > 0 ? { retryAfterMs: seconds * 1000 } : {};
}
