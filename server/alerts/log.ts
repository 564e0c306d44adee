/**
 * The alert log in InfluxDB: every planner decision (`alert`) and every
 * delivery attempt (`delivery`), in the events retention policy. The
 * dashboard shows them; after a restart they rebuild the alert book and the
 * deliveries still owed, so nothing delivered is sent again and nothing
 * decided is lost.
 */
import type { Point } from '../../storage/point.ts';
import type { Query } from '../../storage/influx-query.ts';
import type { AlertRecord, DeliveryAttempt } from '../../alerting/record.ts';

export function alertPoint(r: AlertRecord): Point {
  const tags: Record<string, string> = { event: r.event };
  if (r.village) tags.village = r.village.id;
  if (r.device) {
    tags.device = r.device.id;
    if (r.device.kind) tags.kind = r.device.kind;
    if (r.device.provider) tags.provider = r.device.provider;
  }
  if (r.service) tags.service = r.service.id;
  return {
    measurement: 'alert',
    tags,
    fields: {
      id: r.id,
      action: r.action,
      key: r.key,
      channels: r.channels.join(','),
      state: r.state,
      title: r.title,
      message: r.message,
      data: JSON.stringify(r),
    },
    time: r.time,
  };
}

export function deliveryPoint(a: DeliveryAttempt): Point {
  return {
    measurement: 'delivery',
    tags: { channel: a.channel, event: a.event },
    fields: {
      alert_id: a.alertId,
      attempt: a.attempt,
      ok: a.ok ? 1 : 0,
      final: a.final ? 1 : 0,
      ...(a.error ? { error: a.error } : {}),
      delay_ms: a.delayMs,
    },
    time: a.time,
  };
}

export interface AlertLog {
  records: AlertRecord[];
  attempts: DeliveryAttempt[];
}

/** The alert log since `from` (ms), oldest first. */
export async function loadAlertLog(query: Query, from: number): Promise<AlertLog> {
  const [alerts, deliveries] = await Promise.all([
    query(`SELECT "data" FROM "events"."alert" WHERE time >= ${Math.floor(from)}ms GROUP BY *`),
    query(`SELECT * FROM "events"."delivery" WHERE time >= ${Math.floor(from)}ms GROUP BY *`),
  ]);
  const records = alerts
    .flatMap((row) => {
      try {
        return [JSON.parse(String(row.data)) as AlertRecord];
      } catch {
        return [];
      }
    })
    .sort((a, b) => a.time - b.time);
  const attempts = deliveries
    .map((row): DeliveryAttempt => ({
      alertId: String(row.alert_id),
      channel: String(row.channel),
      event: String(row.event) as DeliveryAttempt['event'],
      attempt: Number(row.attempt),
      ok: row.ok === 1,
      final: row.final === 1,
      ...(typeof row.error === 'string' ? { error: row.error } : {}),
      time: row.time as number,
      delayMs: Number(row.delay_ms ?? 0),
    }))
    .sort((a, b) => a.time - b.time);
  return { records, attempts };
}
