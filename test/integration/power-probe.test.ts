/**
 * The power probe against a real snmpd (Debian Net-SNMP with `override`
 * lines): a UPS-MIB (RFC 1628) UPS on battery and an APC (PowerNet-MIB) UPS
 * on mains, over SNMPv1 and v2c, an agent that serves no UPS object (every
 * figure unknown, not 0) and one that does not answer; `merezha poll --json`
 * through the real CLI; and `merezha discover` telling both UPSes apart.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { discoverTarget } from '../../collector/discovery/discover.ts';
import { createPowerRunner, powerProbe, type PowerTarget } from '../../collector/probes/power.ts';
import { UNKNOWN_POWER } from '../../collector/power/types.ts';
import { silentLogger } from '../../common/log.ts';
import { configSchema } from '../../config/schema.ts';
import { loopbackAddress, testConfig } from '../support/config.ts';
import { startSnmpd, type Snmpd } from '../support/snmpd.ts';
import { NEVER_ABORTED } from '../../collector/probes/types.ts';

const BIN = new URL('../../bin/merezha.mjs', import.meta.url).pathname;
const U = '1.3.6.1.2.1.33.1';
const A = '1.3.6.1.4.1.318.1.1.1';

const upsMibHost = loopbackAddress();
const apcHost = loopbackAddress();
const plainHost = loopbackAddress();
const silentHost = loopbackAddress();
let upsMibAgent: Snmpd;
let apcAgent: Snmpd;
let plainAgent: Snmpd;
let dir: string;

beforeAll(async () => {
  [upsMibAgent, apcAgent, plainAgent] = await Promise.all([
    startSnmpd({
      addresses: [upsMibHost],
      sysName: 'school-ups',
      overrides: [
        [`${U}.4.1.0`, 'integer', 5], // upsOutputSource battery(5)
        [`${U}.2.1.0`, 'integer', 2], // upsBatteryStatus batteryNormal(2)
        [`${U}.2.2.0`, 'integer', 754], // upsSecondsOnBattery
        [`${U}.2.3.0`, 'integer', 23], // upsEstimatedMinutesRemaining
        [`${U}.2.4.0`, 'integer', 81], // upsEstimatedChargeRemaining
        [`${U}.3.3.1.3.1`, 'integer', 0], // upsInputVoltage.1: the mains is gone
      ],
    }),
    startSnmpd({
      addresses: [apcHost],
      sysName: 'tower-ups',
      overrides: [
        [`${A}.4.1.1.0`, 'integer', 2], // upsBasicOutputStatus onLine(2)
        [`${A}.2.1.1.0`, 'integer', 2], // upsBasicBatteryStatus batteryNormal(2)
        [`${A}.2.1.2.0`, 'timeticks', 0], // upsBasicBatteryTimeOnBattery
        [`${A}.2.2.1.0`, 'unsigned', 100], // upsAdvBatteryCapacity (Gauge32)
        [`${A}.2.2.3.0`, 'timeticks', 252_000], // upsAdvBatteryRunTimeRemaining: 42 min
        // No upsAdvInputLineVoltage: unknown, not 0.
      ],
    }),
    startSnmpd({ addresses: [plainHost], sysName: 'not-a-ups' }),
  ]);
  dir = await mkdtemp(join(tmpdir(), 'merezha-power-'));
}, 60_000);

afterAll(async () => {
  await Promise.all([upsMibAgent?.dispose(), apcAgent?.dispose(), plainAgent?.dispose()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const CREDENTIALS = { v1: { version: '1', community: 'public' }, v2: { version: '2c', community: 'public' } } as const;

function devicesYaml(credential: 'v1' | 'v2') {
  return [
    {
      id: 'school-ups',
      kind: 'ups' as const,
      vendor: 'ups-mib' as const,
      host: upsMibHost,
      ping: false,
      snmp: { credential, port: upsMibAgent.port },
    },
    {
      id: 'tower-ups',
      kind: 'ups' as const,
      vendor: 'apc' as const,
      host: apcHost,
      ping: false,
      snmp: { credential, port: apcAgent.port },
    },
    {
      id: 'plain-ups',
      kind: 'ups' as const,
      vendor: 'ups-mib' as const,
      host: plainHost,
      ping: false,
      snmp: { credential, port: plainAgent.port },
    },
    { id: 'gone-ups', kind: 'ups' as const, vendor: 'apc' as const, host: silentHost, ping: false, snmp: { credential, port: 1161 } },
  ];
}

function setup(credential: 'v1' | 'v2') {
  const config = testConfig({
    polling: { snmp: { retries: 0 }, power: { timeout: '400ms' } },
    snmp_credentials: CREDENTIALS,
    villages: [{ id: 'makarykha', name: 'Макариха', devices: devicesYaml(credential) }],
  });
  return { config, targets: powerProbe.targets(config) as PowerTarget[] };
}

describe.each(['v1', 'v2'] as const)('the power probe over SNMP %s', (credential) => {
  it('reads a UPS-MIB UPS on battery and an APC UPS on mains; what an agent lacks is unknown', async () => {
    const { config, targets } = setup(credential);
    const runner = createPowerRunner({ config, log: silentLogger() });
    const signal = NEVER_ABORTED;
    const [school, tower, plain, gone] = await Promise.all(targets.map((t) => runner.run(t, signal)));
    expect(school).toMatchObject({
      ok: true,
      warnings: [],
      power: {
        source: 'battery',
        on_battery: true,
        seconds_on_battery: 754,
        battery_pct: 81,
        minutes_left: 23,
        input_voltage: 0,
        battery_status: 'normal',
      },
    });
    expect(tower).toMatchObject({
      ok: true,
      warnings: [],
      power: {
        source: 'mains',
        on_battery: false,
        seconds_on_battery: 0,
        battery_pct: 100,
        minutes_left: 42,
        input_voltage: null,
        battery_status: 'normal',
      },
    });
    expect(plain).toMatchObject({ ok: true, warnings: [], power: UNKNOWN_POWER });
    expect(gone).toMatchObject({ ok: false, power: UNKNOWN_POWER });
    expect(gone!.error).toMatch(/timeout|no answer/i);
    // A point records only what is known.
    expect(powerProbe.create({ config, log: silentLogger() }).points(targets[2]!, plain!, 1)[0]!.fields).toEqual({
      ok: 1,
      source: 'unknown',
      battery_status: 'unknown',
    });
  }, 30_000);
});

describe('merezha poll --json for UPS devices (the real CLI)', () => {
  it('shows "power": { source, battery_pct, minutes_left, input_voltage }, unknown as null; the table a power column', async () => {
    const configPath = join(dir, 'hromada.yaml');
    const doc = {
      hromada: { name: 'Тестова громада' },
      polling: { snmp: { retries: 0 }, power: { timeout: '400ms' } },
      snmp_credentials: CREDENTIALS,
      villages: [{ id: 'makarykha', name: 'Макариха', devices: devicesYaml('v2').slice(0, 3) }],
    };
    configSchema.parse(doc);
    await writeFile(configPath, stringify(doc));
    const r = spawnSync(process.execPath, [BIN, 'poll', '--config', configPath, '--once', '--json'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const reports = JSON.parse(r.stdout) as { device: string; kind: string; power: Record<string, unknown> }[];
    expect(reports.map((x) => [x.device, x.kind, x.power])).toEqual([
      ['school-ups', 'ups', { source: 'battery', battery_pct: 81, minutes_left: 23, input_voltage: 0 }],
      ['tower-ups', 'ups', { source: 'mains', battery_pct: 100, minutes_left: 42, input_voltage: null }],
      ['plain-ups', 'ups', { source: 'unknown', battery_pct: null, minutes_left: null, input_voltage: null }],
    ]);
    const table = spawnSync(process.execPath, [BIN, 'poll', '--config', configPath, '--once'], { encoding: 'utf8', timeout: 60_000 });
    expect(table.status, table.stderr).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/\bpower\b/);
    expect(lines.find((l) => l.includes('school-ups'))).toContain('battery 81% 23min 0V');
    expect(lines.find((l) => l.includes('tower-ups'))).toContain('mains 100% 42min');
  }, 60_000);
});

describe('merezha discover recognises UPS agents', () => {
  const discover = (host: string, port: number) =>
    discoverTarget({ host, port, credential: CREDENTIALS.v2, timeoutMs: 1000, retries: 0 }, { credentialId: 'v2' });

  it('PowerNet-MIB: vendor apc, suggested kind ups, its power, and an entry of kind ups that loads', async () => {
    const d = await discover(apcHost, apcAgent.port);
    expect(d).toMatchObject({
      vendor: 'apc',
      suggested_kind: 'ups',
      power: { source: 'mains', battery_pct: 100, minutes_left: 42, input_voltage: null },
      entry: {
        id: 'tower-ups',
        kind: 'ups' as const,
        vendor: 'apc' as const,
        host: apcHost,
        snmp: { credential: 'v2', port: apcAgent.port },
      },
    });
    expect(d.vendor_reason).toMatch(/^PowerNet-MIB \(APC\) upsBasicOutputStatus answers: a UPS/);
    expect(d.suggested_kind_reason).toMatch(/answers: a UPS/);
    expect(d.entry.snmp.interface).toBeUndefined();
    expect(d.yaml).toContain('kind: ups');
    const loaded = configSchema.safeParse({
      hromada: { name: 'Т' },
      snmp_credentials: CREDENTIALS,
      villages: [{ id: 'v', name: 'В', devices: [d.entry] }],
    });
    expect(loaded.success, JSON.stringify(loaded.error?.issues)).toBe(true);
  }, 30_000);

  it('UPS-MIB: vendor ups-mib; an agent without a UPS MIB has no power', async () => {
    const d = await discover(upsMibHost, upsMibAgent.port);
    expect(d).toMatchObject({
      vendor: 'ups-mib',
      suggested_kind: 'ups',
      power: { source: 'battery', battery_pct: 81, minutes_left: 23, input_voltage: 0 },
      entry: { kind: 'ups', vendor: 'ups-mib' },
    });
    const plain = await discover(plainHost, plainAgent.port);
    expect(plain.power).toBeNull();
    expect(plain.suggested_kind).not.toBe('ups');
  }, 30_000);
});
