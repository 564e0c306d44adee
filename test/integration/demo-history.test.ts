/**
 * The demo's simulated past in a real influxd: written once, as import
 * points, and never over data Merezha has of its own; with the config, its
 * blackouts too: the outages' causes, the supplies' power events and the
 * schedule's slots, where the report reads them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openInfluxWriter, type InfluxWriter } from '../../storage/writer.ts';
import { silentLogger } from '../../common/log.ts';
import { loadConfig } from '../../config/load.ts';
import { DEMO_HISTORY_SOURCE, writeDemoHistory } from '../../app/demo-backfill.ts';
import { buildInventory } from '../../server/inventory.ts';
import { influxQuery } from '../../storage/influx-query.ts';
import { localTime, zonedTimeToUtc } from '../../common/timezone.ts';
import { startTestInfluxd, testWriterOptions, waitFor, type TestInfluxd } from '../support/influxd.ts';

const DB = 'merezha_demo_history';
const config = loadConfig(new URL('../../config/example.yaml', import.meta.url).pathname, {});
const inventory = buildInventory(config);
let influxd: TestInfluxd;
let writer: InfluxWriter;
let spool: string;

beforeAll(async () => {
  influxd = await startTestInfluxd();
  spool = await mkdtemp(join(tmpdir(), 'merezha-demo-history-'));
  writer = await openInfluxWriter(testWriterOptions(influxd.url, DB, spool));
  // As in the stack: the database and its retention policies exist once the writer is up.
  await waitFor('the writer set up the database', () => writer.stats().influxUp);
});

afterAll(async () => {
  await writer?.close();
  await influxd?.dispose();
  if (spool) await rm(spool, { recursive: true, force: true });
});

describe('demo history', () => {
  it('is written once since the start of the year, and not again', async () => {
    const query = influxQuery({ url: influxd.url, database: DB });
    // The history runs from 1 January to `now`: early in the year it is too short to hold every cause (a service fails
    // 0.2 times a month), and on 1 January there is none. 160 days into the year always hold them all.
    const timeZone = config.hromada.timezone;
    const yearStart = zonedTimeToUtc({ year: localTime(Date.now(), timeZone).year, month: 1, day: 1, hour: 0, minute: 0 }, timeZone);
    const now = Math.max(Date.now(), yearStart + 160 * 86_400_000);
    const write = (at: number) =>
      writeDemoHistory({ query, store: writer, inventory, timeZone: config.hromada.timezone, log: silentLogger(), now: at, config });
    await write(now);
    const spans = await influxd.query(`SELECT "from_ms", "to_ms", "source" FROM "events"."backfill" GROUP BY "device", "service"`, DB);
    expect(spans).toHaveLength(inventory.order.length);
    expect(new Set(spans.map((s) => s.source))).toEqual(new Set([DEMO_HISTORY_SOURCE]));
    const outages = await influxd.query(`SELECT count("end_ms") FROM "events"."outage"`, DB);
    const count = Number(outages[0]?.count);
    expect(count).toBeGreaterThan(inventory.order.length);

    // Each outage has its cause on its own point, the blackouts' with the evidence; the UPSes their events; the queues their slots.
    const causes = await influxd.query(`SELECT "cause" FROM "events"."outage"`, DB);
    expect(causes.filter((row) => typeof row.cause === 'string')).toHaveLength(count);
    expect(new Set(causes.map((row) => row.cause))).toEqual(new Set(['power', 'scheduled_blackout', 'provider', 'device', 'unknown']));
    const [dark] = await influxd.query(
      `SELECT "end_ms", "cause_evidence" FROM "events"."outage" WHERE "device" = 'ivankivtsi-uplink-prostonet' AND "cause" = 'power' LIMIT 1`,
      DB,
    );
    expect(JSON.parse(String(dark!.cause_evidence))).toMatchObject({ supply: 'ivankivtsi-tower-ups', lost_at: Number(dark!.time) });
    const events = await influxd.query(`SELECT count("value") FROM "events"."event" GROUP BY "type", "device"`, DB);
    expect(
      events
        .filter((e) => e.device === 'ivankivtsi-tower-ups')
        .map((e) => e.type)
        .sort(),
    ).toEqual(['on_battery', 'power_lost', 'power_restored']);
    const slots = await influxd.query(`SELECT count("end_ms") FROM "events"."blackout" GROUP BY "group"`, DB);
    expect(slots.map((s) => s.group).sort()).toEqual(['1.2', '2.2', '3.1', '4.1']);

    // A later start (another range end, so other outages) finds the history there and writes nothing.
    await write(now + 3_600_000);
    expect(await influxd.query(`SELECT "from_ms", "to_ms", "source" FROM "events"."backfill" GROUP BY "device", "service"`, DB)).toEqual(
      spans,
    );
    expect(Number((await influxd.query(`SELECT count("end_ms") FROM "events"."outage"`, DB))[0]?.count)).toBe(count);
  });
});
