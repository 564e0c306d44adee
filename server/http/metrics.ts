/**
 * Merezha's own health in the Prometheus text format (`GET /metrics`): poll
 * durations per probe kind, storage spool and queue sizes, alert queues,
 * sessions and live connections. Counters and histograms are fed as things
 * happen; gauges are read from their owners when scraped.
 */

type Labels = Record<string, string>;
/** A gauge's current value, or its values per label set. */
type GaugeRead = () => number | readonly { labels: Labels; value: number }[];

const POLL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

const labelText = (labels: Labels) => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
};

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

export class Metrics {
  private readonly polls = new Map<string, Histogram>();
  private readonly requests = new Map<string, { labels: Labels; value: number }>();
  private readonly gauges: { name: string; help: string; read: GaugeRead; type: 'gauge' | 'counter' }[] = [];

  /** One finished poll of `kind` that took `seconds`. */
  observePoll(kind: string, seconds: number): void {
    const h = this.polls.get(kind) ?? { counts: POLL_BUCKETS.map(() => 0), sum: 0, count: 0 };
    this.polls.set(kind, h);
    POLL_BUCKETS.forEach((b, i) => {
      if (seconds <= b) h.counts[i]!++;
    });
    h.sum += seconds;
    h.count++;
  }

  /** One answered HTTP request; `route` is the declared path, never the raw URL (ids would explode the series). */
  observeRequest(route: string, method: string, status: number): void {
    const labels = { route, method: method.toUpperCase(), status: String(status) };
    const key = labelText(labels);
    const entry = this.requests.get(key) ?? { labels, value: 0 };
    entry.value++;
    this.requests.set(key, entry);
  }

  gauge(name: string, help: string, read: GaugeRead): void {
    this.gauges.push({ name, help, read, type: 'gauge' });
  }

  /** A counter its owner keeps (a total since start), read like a gauge when scraped. */
  counter(name: string, help: string, read: GaugeRead): void {
    this.gauges.push({ name, help, read, type: 'counter' });
  }

  render(): string {
    const out: string[] = [];
    out.push('# HELP merezha_poll_duration_seconds Time one poll of a device or service took, by probe kind.');
    out.push('# TYPE merezha_poll_duration_seconds histogram');
    for (const [kind, h] of this.polls) {
      POLL_BUCKETS.forEach((b, i) => out.push(`merezha_poll_duration_seconds_bucket${labelText({ kind, le: String(b) })} ${h.counts[i]}`));
      out.push(`merezha_poll_duration_seconds_bucket${labelText({ kind, le: '+Inf' })} ${h.count}`);
      out.push(`merezha_poll_duration_seconds_sum${labelText({ kind })} ${h.sum}`);
      out.push(`merezha_poll_duration_seconds_count${labelText({ kind })} ${h.count}`);
    }
    out.push('# HELP merezha_http_requests_total HTTP requests answered, by declared route and status.');
    out.push('# TYPE merezha_http_requests_total counter');
    for (const { labels, value } of this.requests.values()) out.push(`merezha_http_requests_total${labelText(labels)} ${value}`);
    for (const g of this.gauges) {
      out.push(`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} ${g.type}`);
      const v = g.read();
      if (typeof v === 'number') out.push(`${g.name} ${v}`);
      else for (const { labels, value } of v) out.push(`${g.name}${labelText(labels)} ${value}`);
    }
    return `${out.join('\n')}\n`;
  }
}
