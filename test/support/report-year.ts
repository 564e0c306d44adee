/**
 * A year of a large hromada for timing the report: 500 devices in 100
 * villages (two uplinks, two institutions and a Free WiFi point each), a
 * 5-minute ping rollup for every device and a client rollup for every access
 * point over the whole year (about 63 million points), and 20 outages of each
 * village's first uplink. The opt-in timing test of
 * test/integration/report.test.ts and the `report` bench section both seed
 * with this, so they time the same thing.
 */
import type { Config } from '../../config/schema.ts';
import { createInfluxClient, createLineWriter } from '../../storage/influx-client.ts';
import { setupInflux } from '../../storage/influx-setup.ts';
import { silentLogger } from '../../common/log.ts';
import { mapLimit } from '../../common/map-limit.ts';
import { testConfig } from './config.ts';

const DAY_MS = 86_400_000;
const BUCKET_MS = 300_000;
/** Lines per write request, and requests in flight: influxd takes two batches at once on two cores. */
const BATCH = 25_000;
const WRITES_IN_FLIGHT = 2;

/** Free WiFi clients in the i-th 5-minute bucket of a day, as the rollup keeps them: its mean and its peak. */
export const clients = (i: number) => (i % 7) + 0.5;
export const clientsMax = (i: number) => (i % 7) + 1 + (i % 3);

export interface ReportYear {
  config: Config;
  /** Rollup points written. */
  points: number;
  writeS: number;
}

/** Every KPI the report computes from the rollups and events (a service's needs a service, which this hromada has not). */
const KPIS = [
  { id: 'settlements', title: 'Підключено 100% населених пунктів', metric: 'settlements_connected_pct', target: 99.9 },
  { id: 'high-speed', title: 'Більше ніж 80% закладів на швидкісному інтернеті', metric: 'institutions_high_speed_pct', target: 80 },
  { id: 'new-wifi', title: '1 нова зона Free WiFi на рік', metric: 'wifi_zones_installed', target: 1 },
  { id: 'wifi-working', title: 'Зони Free WiFi працюють', metric: 'wifi_zones_in_service', target: 100 },
  { id: 'fibre-sla', title: 'Оптика за договором', metric: 'provider_sla', provider: 'fibre' },
  { id: 'lte-sla', title: 'Мобільний за договором', metric: 'provider_sla', provider: 'lte' },
  { id: 'points-online', title: 'Пункти незламності на зв’язку без світла', metric: 'invincibility_points_online_pct' },
  {
    id: 'clients-max',
    title: 'Найбільше клієнтів Free WiFi',
    metric: 'influxql',
    query: 'SELECT max("clients_max") FROM "rollup_5m"."wifi" WHERE time >= $from AND time < $to',
    unit: 'клієнтів',
    target: 5,
  },
] as const;

/** The hromada: 100 villages of five devices each, in `timeZone`. */
export function reportYearConfig(timeZone: string): Config {
  const villages = Array.from({ length: 100 }, (_, v) => ({
    id: `v${v}`,
    name: `Село ${v}`,
    devices: [
      { id: `v${v}-a`, kind: 'uplink' as const, host: '127.0.0.1', provider: 'fibre' },
      { id: `v${v}-b`, kind: 'uplink' as const, host: '127.0.0.1', provider: 'lte' },
      { id: `v${v}-school`, kind: 'institution' as const, category: 'school' as const, host: '127.0.0.1', parent: `v${v}-a` },
      { id: `v${v}-clinic`, kind: 'institution' as const, category: 'clinic' as const, host: '127.0.0.1', parent: `v${v}-a` },
      { id: `v${v}-wifi`, kind: 'wifi' as const, host: '127.0.0.1', parent: `v${v}-a`, public: true },
    ],
  }));
  return testConfig({
    hromada: { name: 'Тестова громада', timezone: timeZone },
    providers: [
      { id: 'fibre', name: 'Оптика', sla_pct: 99.9 },
      { id: 'lte', name: 'Мобільний', sla_pct: 99 },
    ],
    villages,
    services: [],
    kpis: [...KPIS],
  });
}

/**
 * Writes the year [from, to) of the hromada of `reportYearConfig(timeZone)`
 * into `database` (created with the rollups' retention policies) and returns
 * its config.
 */
export async function seedReportYear(
  url: string,
  database: string,
  range: { from: number; to: number },
  timeZone: string,
): Promise<ReportYear> {
  const connection = { url, database };
  await setupInflux(createInfluxClient(connection), {
    database,
    retention: { rawMs: 30 * DAY_MS, rollupMs: 800 * DAY_MS },
    log: silentLogger(),
  });
  const write = createLineWriter(connection);
  const config = reportYearConfig(timeZone);
  const villages = config.villages;
  const started = performance.now();
  const events: string[] = [];
  for (const v of villages)
    for (let k = 0; k < 20; k++) {
      const from = range.from + ((k * 17 + Number(v.id.slice(1))) % 360) * DAY_MS + 3_600_000;
      events.push(`outage,device=${v.id}-a,kind=uplink,village=${v.id} open=0i,end_ms=${from + 1_800_000}i ${from}`);
    }
  await write('events', events.join('\n'));
  let points = 0;
  for (let day = range.from; day < range.to; day += DAY_MS) {
    const lines: string[] = [];
    for (const v of villages)
      for (const d of v.devices)
        for (let b = day, i = 0; b < Math.min(day + DAY_MS, range.to); b += BUCKET_MS, i++) {
          lines.push(`ping,device=${d.id},kind=${d.kind},village=${v.id} reachable=1,samples=30i ${b}`);
          if (d.kind === 'wifi')
            lines.push(`wifi,device=${d.id},kind=wifi,village=${v.id} clients=${clients(i)},clients_max=${clientsMax(i)}i ${b}`);
        }
    const batches = Array.from({ length: Math.ceil(lines.length / BATCH) }, (_, k) => lines.slice(k * BATCH, (k + 1) * BATCH));
    await mapLimit(batches, WRITES_IN_FLIGHT, (batch) => write('rollup_5m', batch.join('\n')));
    points += lines.length;
  }
  return { config, points, writeS: (performance.now() - started) / 1000 };
}
