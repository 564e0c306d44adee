/** The gauges of `/metrics` read from the running parts: collector queues, storage spool, alert queues, the forward spool of an edge. */
import type { Collector } from '../../collector/collector.ts';
import type { Forwarder } from '../../storage/forward/forwarder.ts';
import type { InfluxWriter } from '../../storage/writer.ts';
import type { Monitor } from '../monitor.ts';
import type { Metrics } from './metrics.ts';

export function registerGauges(
  metrics: Metrics,
  collector: Collector,
  writer: InfluxWriter,
  monitor: Monitor,
  forwarder?: Forwarder,
): void {
  metrics.gauge('merezha_collector_jobs', 'Scheduled polls (devices × probe kinds, services).', () => collector.stats().jobs);
  metrics.gauge('merezha_collector_running', 'Polls running now.', () => collector.stats().running);
  metrics.gauge('merezha_collector_queued', 'Polls due and waiting for a free slot.', () => collector.stats().queued);
  metrics.gauge(
    'merezha_collector_lag_max_seconds',
    'Largest delay between a slot and the start of its poll.',
    () => collector.stats().lagMsMax / 1000,
  );
  metrics.counter(
    'merezha_collector_not_measured_total',
    'Polls the collector could not measure (too busy or could not send: no data, not the target down), by probe kind and reason.',
    () =>
      Object.entries(collector.stats().notMeasured).flatMap(([kind, reasons]) =>
        Object.entries(reasons).map(([reason, value]) => ({ labels: { kind, reason }, value })),
      ),
  );
  metrics.gauge('merezha_storage_pending_points', 'Points not in InfluxDB yet (in memory and in the spool).', () => writer.stats().pending);
  metrics.gauge('merezha_storage_spool_bytes', 'Size of the on-disk spool.', () => writer.stats().spoolBytes);
  metrics.gauge('merezha_storage_dropped_points', 'Points lost since start (spool cap or disk errors).', () => writer.stats().dropped);
  metrics.gauge('merezha_storage_influx_up', '1 when InfluxDB takes writes.', () => (writer.stats().influxUp ? 1 : 0));
  metrics.gauge('merezha_alert_queue', 'Alerts waiting for delivery, per channel.', () =>
    Object.entries(monitor.alerts.queueLengths()).map(([channel, value]) => ({ labels: { channel }, value })),
  );
  if (forwarder) registerForwardGauges(metrics, forwarder);
}

function registerForwardGauges(metrics: Metrics, forwarder: Forwarder): void {
  const backlog = () => forwarder.stats().backlog;
  metrics.gauge(
    'merezha_forward_backlog_points',
    'Points stored here and not yet acknowledged by the oblast JetStream.',
    () => backlog().points,
  );
  metrics.gauge('merezha_forward_spool_bytes', 'Size of the forward spool on disk.', () => backlog().bytes);
  metrics.gauge('merezha_forward_backlog_age_seconds', 'Age of the oldest point waiting to be forwarded; 0 when none waits.', () => {
    const { oldest } = backlog();
    return oldest === null ? 0 : Math.max(0, (Date.now() - oldest) / 1000);
  });
  metrics.gauge(
    'merezha_forward_dropped_total',
    'Points not forwarded since start (forward spool bound, disk errors).',
    () => backlog().dropped,
  );
  metrics.gauge('merezha_forward_acked_total', 'Messages the oblast JetStream acknowledged since start.', () => forwarder.stats().acked);
  metrics.gauge('merezha_forward_link_up', '1 when the link to NATS is up and JetStream takes messages.', () =>
    forwarder.stats().linkUp ? 1 : 0,
  );
}
