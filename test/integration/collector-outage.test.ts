/**
 * InfluxDB goes away while the collector keeps polling: every point polled
 * during the outage waits in the disk spool and is in InfluxDB once it is
 * back, none lost and none twice.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.ts';
import { createCollector } from '../../collector/collector.ts';
import type { MeasurementName } from '../../storage/measurements.ts';
import { openInfluxWriter } from '../../storage/writer.ts';
import { loopbackAddress, testConfig } from '../support/config.ts';
import { recordingSink } from '../support/recording-sink.ts';
import { readPoints, sortPoints, startTestInfluxd, testWriterOptions, waitFor } from '../support/influxd.ts';
import { startSnmpd } from '../support/snmpd.ts';

const DB = 'merezha_outage_test';
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

it('keeps polling through an InfluxDB outage and stores every point once it is back', async () => {
  const influxd = await startTestInfluxd();
  cleanup.push(() => influxd.dispose());
  const agentHost = loopbackAddress();
  const agent = await startSnmpd({ addresses: [agentHost], overrides: [['1.3.6.1.4.1.11863.10.1.1.1.0', 'integer', 4]] });
  cleanup.push(() => agent.dispose());
  const spoolDir = await mkdtemp(join(tmpdir(), 'merezha-outage-spool-'));
  cleanup.push(() => rm(spoolDir, { recursive: true, force: true }));
  const writer = await openInfluxWriter(testWriterOptions(influxd.url, DB, spoolDir));
  cleanup.push(() => writer.close());

  const config = testConfig({
    polling: {
      ping: { interval: '500ms', count: 1, timeout: '300ms', packet_interval: '200ms' },
      snmp: { interval: '500ms', timeout: '300ms', retries: 0 },
    },
    snmp_credentials: { v2: { version: '2c', community: 'public' } },
    villages: [
      {
        id: 'chervonyi-rozdil',
        name: 'Червоний Розділ',
        devices: [
          { id: 'cr-library-wifi', kind: 'wifi', vendor: 'tplink', host: agentHost, snmp: { credential: 'v2', port: agent.port } },
          { id: 'cr-school', kind: 'institution', category: 'school', host: loopbackAddress() },
          { id: 'cr-clinic', kind: 'institution', category: 'clinic', host: loopbackAddress() },
        ],
      },
    ],
  });
  const sink = recordingSink(writer);
  const produced = sink.points;
  const collector = createCollector({ config, log: silentLogger(), sink });
  collector.start();
  cleanup.push(() => collector.stop());

  const count = () => produced.length;
  await waitFor('polls before the outage', () => count() >= 10, 15_000);
  await influxd.stop();
  const atOutage = count();
  await waitFor('polls during the outage', () => count() >= atOutage + 20 && writer.stats().spooled > 0, 20_000);
  await influxd.start();
  const atReturn = count();
  await waitFor('polls after the outage', () => count() >= atReturn + 10, 15_000);
  await collector.stop();
  await writer.flush();
  await waitFor('the spool to drain', () => writer.stats().pending === 0, 15_000);

  const stats = writer.stats();
  expect(stats.spooled).toBeGreaterThan(0);
  expect(stats.replayed).toBe(stats.spooled);
  expect(stats).toMatchObject({ dropped: 0, rejected: 0, influxUp: true });
  expect((await readdir(spoolDir)).filter((f) => !f.startsWith('rejected'))).toEqual([]);
  for (const m of ['ping', 'snmp', 'wifi'] as MeasurementName[]) {
    const mine = sortPoints(produced.filter((p) => p.measurement === m));
    expect(mine.length, m).toBeGreaterThan(0);
    expect(await readPoints(influxd, DB, m), m).toEqual(mine);
  }
});
