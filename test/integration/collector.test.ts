/**
 * The whole collector against real services: snmpd agents on loopback
 * addresses, the system ping, a local HTTP server, and a real influxd.
 * Every point the collector produced is read back from InfluxDB and compared
 * value by value, and the values themselves are checked against the agents.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.ts';
import { createCollector } from '../../collector/collector.ts';
import { MEASUREMENTS, type MeasurementName, type MeasurementSpec } from '../../storage/measurements.ts';
import { openInfluxWriter, type InfluxWriter } from '../../storage/writer.ts';
import { loopbackAddress, testConfig } from '../support/config.ts';
import { recordingSink } from '../support/recording-sink.ts';
import { readPoints, sortPoints, startTestInfluxd, testWriterOptions, waitFor, type TestInfluxd } from '../support/influxd.ts';
import { NftDropper, nftUnavailable } from '../support/nft.ts';
import { freeTcpPort } from '../support/ports.ts';
import { startSnmpd, TEST_V3_USERS, type Snmpd } from '../support/snmpd.ts';

const run = promisify(execFile);
const DB = 'merezha_collector_test';
const uplinkHost = loopbackAddress();
const apHost = loopbackAddress();
const schoolHost = loopbackAddress();
const deadHost = loopbackAddress();
const noNft = nftUnavailable();

let influxd: TestInfluxd;
let agent: Snmpd;
let web: Server;
let webPort = 0;
let spoolDir: string;
let writer: InfluxWriter;
const nft = new NftDropper();
let sink: ReturnType<typeof recordingSink>;

beforeAll(async () => {
  [influxd, agent] = await Promise.all([
    startTestInfluxd(),
    startSnmpd({
      addresses: [uplinkHost, apHost],
      sysName: 'dmytrivka-agent',
      overrides: [
        ['1.3.6.1.4.1.14988.1.1.1.3.1.6.1', 'integer', 17],
        ['1.3.6.1.4.1.14988.1.1.1.3.1.6.2', 'integer', 5],
        // MIKROTIK-MIB mtxrHlVoltage, 0.1 V: the uplink router's supply, on mains.
        ['1.3.6.1.4.1.14988.1.1.3.8.0', 'integer', 273],
      ],
    }),
  ]);
  webPort = await freeTcpPort();
  web = createServer((_req, res) => res.end('Дмитрівська громада'));
  await new Promise<void>((resolve) => web.listen(webPort, '127.0.0.1', resolve));
  spoolDir = await mkdtemp(join(tmpdir(), 'merezha-collector-spool-'));
  writer = await openInfluxWriter(testWriterOptions(influxd.url, DB, spoolDir));
  if (!noNft) nft.drop(deadHost);

  const u = TEST_V3_USERS.shaAes;
  const config = testConfig({
    polling: {
      ping: { interval: '1s', count: 2, timeout: '400ms', packet_interval: '200ms' },
      snmp: { interval: '1s', timeout: '400ms', retries: 0 },
      services: { interval: '1s', timeout: '1s' },
      power: { interval: '1s', timeout: '400ms' },
      concurrency: 20,
    },
    power: { on_battery_below_v: 25 },
    snmp_credentials: {
      'public-v2': { version: '2c', community: 'public' },
      'wifi-v3': { version: 3, user: u.user, auth: { protocol: 'sha', key: u.authKey }, priv: { protocol: 'aes', key: u.privKey } },
    },
    providers: [{ id: 'ukrtelecom', name: 'Укртелеком', sla_pct: 99.5 }],
    villages: [
      {
        id: 'dmytrivka',
        name: 'Дмитрівка',
        devices: [
          {
            id: 'dmytrivka-uplink',
            kind: 'uplink',
            provider: 'ukrtelecom',
            host: uplinkHost,
            snmp: { credential: 'public-v2', port: agent.port, interface: 'lo' },
            power_voltage: 'mikrotik',
          },
          {
            id: 'dmytrivka-park-wifi',
            kind: 'wifi',
            vendor: 'mikrotik',
            host: apHost,
            parent: 'dmytrivka-uplink',
            snmp: { credential: 'wifi-v3', port: agent.port },
          },
          { id: 'dmytrivka-school', kind: 'institution', category: 'school', host: schoolHost, parent: 'dmytrivka-uplink' },
          ...(noNft ? [] : [{ id: 'dmytrivka-clinic', kind: 'institution' as const, category: 'clinic' as const, host: deadHost }]),
        ],
      },
    ],
    services: [{ id: 'website', name: 'Сайт громади', url: `http://127.0.0.1:${webPort}/` }],
  });

  sink = recordingSink(writer);
  const collector = createCollector({ config, log: silentLogger(), sink });
  collector.start();
  // Enough polls that every device has a rate (two SNMP readings with counters that moved).
  await waitFor(
    'rates and Wi-Fi readings',
    () => {
      const ifPoints = sink.points.filter((p) => p.measurement === 'interface');
      return (
        ifPoints.length >= 4 &&
        ifPoints.some((p) => (p.fields.in_bps as number) > 0) &&
        sink.points.filter((p) => p.measurement === 'wifi').length >= 2 &&
        sink.points.some((p) => p.measurement === 'power')
      );
    },
    30_000,
  );
  await collector.stop();
  await writer.flush();
}, 60_000);

afterAll(async () => {
  nft.dispose();
  await writer?.close();
  web?.close();
  await Promise.all([influxd?.dispose(), agent?.dispose()]);
  if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
});

describe('collector → InfluxDB', () => {
  it('stores every point it produced, value by value', async () => {
    expect(writer.stats()).toMatchObject({ spooled: 0, dropped: 0, rejected: 0 });
    const measurements = [...new Set(sink.points.map((p) => p.measurement))].sort();
    expect(measurements).toEqual(['interface', 'ping', 'power', 'service', 'snmp', 'wifi']);
    for (const m of measurements) {
      const stored = await readPoints(influxd, DB, m as MeasurementName);
      expect(stored, m).toEqual(sortPoints(sink.points.filter((p) => p.measurement === m)));
    }
  });

  it('stores integer fields as integers', async () => {
    const specs: Record<string, MeasurementSpec> = MEASUREMENTS;
    for (const [measurement, spec] of Object.entries(specs)) {
      // Events are written by the state engine and alerts (and the collector only on a reboot): not in this run.
      if (spec.retention === 'events') continue;
      const rows = await influxd.query(`SHOW FIELD KEYS FROM "${measurement}"`, DB);
      expect(rows.length, measurement).toBeGreaterThan(0);
      for (const row of rows) {
        expect(row.fieldType, `${measurement}.${row.fieldKey}`).toBe(spec.fields[row.fieldKey as string]?.type);
      }
    }
  });

  it('stored the uplink router’s supply voltage as the power probe read it: 27.3 V, mains', async () => {
    const power = await readPoints(influxd, DB, 'power');
    expect(power.length).toBeGreaterThan(0);
    expect(power[0]).toMatchObject({
      tags: { device: 'dmytrivka-uplink', vendor: 'mikrotik' },
      fields: { ok: 1, source: 'mains', on_battery: 0, input_voltage: 27.3, battery_status: 'unknown' },
    });
  });

  it('stored what the devices really say', async () => {
    const wifi = await readPoints(influxd, DB, 'wifi');
    expect(new Set(wifi.map((p) => p.fields.clients))).toEqual(new Set([22]));
    expect(wifi[0]!.tags).toEqual({ village: 'dmytrivka', device: 'dmytrivka-park-wifi', kind: 'wifi', vendor: 'mikrotik' });

    const ifs = await readPoints(influxd, DB, 'interface');
    const { stdout } = await run('snmpget', [
      '-m',
      '',
      '-Oqv',
      '-v2c',
      '-c',
      'public',
      `${uplinkHost}:${agent.port}`,
      '1.3.6.1.2.1.31.1.1.1.15.1',
    ]);
    for (const p of ifs) {
      expect(p.tags).toEqual({ village: 'dmytrivka', device: 'dmytrivka-uplink', kind: 'uplink', provider: 'ukrtelecom', interface: 'lo' });
      expect(p.fields.oper_up).toBe(1);
      expect(p.fields.speed_mbps).toBe(Number(stdout.trim()));
    }

    const snmp = await readPoints(influxd, DB, 'snmp');
    expect(snmp.every((p) => p.fields.ok === 1 && (p.fields.sys_uptime_s as number) > 0)).toBe(true);

    const ping = await readPoints(influxd, DB, 'ping');
    const reachableBy = (device: string) => new Set(ping.filter((p) => p.tags.device === device).map((p) => p.fields.reachable));
    expect(reachableBy('dmytrivka-school')).toEqual(new Set([1]));
    expect(ping.find((p) => p.tags.device === 'dmytrivka-school')!.tags.category).toBe('school');

    const service = await readPoints(influxd, DB, 'service');
    expect(service.every((p) => p.fields.up === 1 && p.fields.status_code === 200)).toBe(true);
    expect(service[0]!.tags).toEqual({ service: 'website', type: 'http' });
  });

  it.skipIf(noNft)(`records a device whose packets are dropped as unreachable${noNft ? ` (skipped: ${noNft})` : ''}`, async () => {
    const ping = await readPoints(influxd, DB, 'ping', `WHERE device = 'dmytrivka-clinic'`);
    expect(ping.length).toBeGreaterThan(0);
    for (const p of ping) expect(p.fields).toEqual({ reachable: 0, loss_pct: 100, sent: 2 });
  });
});
