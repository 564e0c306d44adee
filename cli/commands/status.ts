/**
 * `merezha status [--config FILE] [--json]`: asks the running server of the
 * config (its `/api/health` on server.host and server.port, or PORT) whether
 * it is up, and prints the collector, the spool, InfluxDB and the last backup.
 * Exit 0 up, 1 degraded or not answering, 3 not running (as `systemctl status`).
 */
import type { HealthResponse } from '../../common/api.ts';
import { formatLocalTime } from '../../common/iso-time.ts';
import { formatDuration } from '../../common/words/duration.ts';
import { formatBytes } from '../../common/words/size.ts';
import type { Config } from '../../config/schema.ts';
import { parse, UsageError } from '../args.ts';
import { askServer, type ServerAnswer } from '../running.ts';
import { loadConfigOrReport } from './load.ts';

export const OPTIONS = {
  config: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

function formatStatus(answer: ServerAnswer & { running: true; health: HealthResponse }, config: Config): string {
  const h = answer.health;
  const now = Date.now();
  const ago = (t: number) => `${formatDuration((now - t) / 1000, 'en', 'second')} ago`;
  const lines = [
    `Merezha ${h.version} at ${answer.url.replace(/api\/health$/, '')}: ${h.status}, up ${formatDuration(h.uptime_s, 'en', 'second')}`,
  ];
  for (const reason of h.reasons) lines.push(`  - ${reason}`);
  const c = h.collector;
  const rows: [string, string][] = [
    [
      'collector',
      c === null
        ? 'not running in this process'
        : `${c.jobs} polls scheduled, ${c.last_poll === null ? 'none completed yet' : `the last completed ${ago(c.last_poll)}`}, largest lag ${c.lag_max_s} s`,
    ],
    ...(c === null ? [] : [['not measured', notMeasuredText(c.not_measured)] as [string, string]]),
    [
      'spool',
      h.spool === null ? 'none in this process' : `${h.spool.pending_points} points pending, ${formatBytes(h.spool.bytes)} on disk`,
    ],
    ['InfluxDB', h.influx ? 'up' : 'DOWN'],
    [
      'last backup',
      h.last_backup === null
        ? 'none'
        : `${formatLocalTime(h.last_backup.time, config.hromada.timezone)} (${ago(h.last_backup.time)}), ${formatBytes(h.last_backup.bytes)}`,
    ],
  ];
  for (const [name, text] of rows) lines.push(`${name.padEnd(13)}${text}`);
  return `${lines.join('\n')}\n`;
}

/** "none", or "ping 12 (lane_full 10, receive_drops 2); snmp 3 (lag 3)": polls the collector was too busy to measure. */
function notMeasuredText(counts: NonNullable<HealthResponse['collector']>['not_measured']): string {
  const kinds = Object.entries(counts).map(([kind, reasons]) => {
    const entries = Object.entries(reasons);
    const total = entries.reduce((n, [, count]) => n + count, 0);
    return `${kind} ${total} (${entries.map(([reason, count]) => `${reason} ${count}`).join(', ')})`;
  });
  return kinds.length === 0 ? 'none' : `${kinds.join('; ')}: the collector was too busy, not the targets down`;
}

export async function statusCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS, true);
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const loaded = loadConfigOrReport(values.config);
  if (!loaded) return 1;
  const answer = await askServer(loaded.config);
  const code = !answer.running ? 3 : 'health' in answer && answer.health.status === 'ok' ? 0 : 1;
  if (values.json) {
    const health = 'health' in answer ? answer.health : null;
    const error = 'error' in answer ? answer.error : null;
    process.stdout.write(`${JSON.stringify({ running: answer.running, url: answer.url, health, error }, null, 2)}\n`);
  } else if (!answer.running) {
    process.stdout.write(
      `Merezha is not running: nothing listens at ${answer.url} (server.host and server.port of ${loaded.path}, or PORT)\n`,
    );
  } else if ('error' in answer) {
    process.stdout.write(`Merezha does not answer at ${answer.url}: ${answer.error}\n`);
  } else {
    process.stdout.write(formatStatus(answer, loaded.config));
  }
  return code;
}
