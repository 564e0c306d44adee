/**
 * Scenario files and the scenarios built in code: the annotated example, every
 * mistake reported as file:line (test cases as folders), the demo timeline
 * over the demo hromada, and the generated hromadas for load tests.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configError } from '../support/config.ts';
import { loadConfig } from '../../config/load.ts';
import { WIFI_VENDORS } from '../../config/schema.ts';
import { demoScenario, generateScale, loadScenario, scenarioFromConfig } from '../../simulator/index.ts';
import { injectedFault } from '../../simulator/scenario.ts';

const BAD = 'test/fixtures/scenarios/bad';

describe('scenario files', () => {
  it('loads the annotated example with the config it names', () => {
    const { scenario, configPath } = loadScenario('test/fixtures/scenarios/example.yaml', { env: {} });
    expect(configPath).toMatch(/config\/example\.yaml$/);
    expect(scenario).toMatchObject({ name: 'Вечір у Дмитрівській громаді', speed: 60, duration: 6 * 3_600_000 });
    expect(scenario.start).toBe(Date.parse('2025-05-17T13:00:00Z'));
    expect(new Set(scenario.faults.map((f) => f.type))).toEqual(
      new Set(['outage', 'flapping', 'loss', 'reboot', 'slow', 'garbage', 'link_down', 'wrap']),
    );
    expect(scenario.faults.find((f) => f.type === 'slow')).toMatchObject({ at: 150 * 60_000, duration: 20 * 60_000, delay: 1500 });
    expect(scenario.devices['dmytrivka-park-wifi']).toEqual({ place: 'park', clients_peak: 60 });
  });

  it('takes --config over the config the scenario names, and checks the faults against it', () => {
    const error = configError(() =>
      loadScenario('test/fixtures/scenarios/example.yaml', { config: 'test/fixtures/scenarios/hromada.yaml', env: {} }),
    );
    expect(error.message).toMatch(/example\.yaml:\d+ faults\[0\]\.device: unknown device "makarykha-uplink-ukrtelecom" in the config$/m);
  });

  const cases = readdirSync(BAD, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();

  for (const name of cases) {
    it(`reports ${name}`, () => {
      const expected = readFileSync(`${BAD}/${name}/expected-error.txt`, 'utf8');
      const error = configError(() => loadScenario(`${BAD}/${name}/scenario.yaml`, { env: {} }));
      expect(`${error.message}\n`).toBe(expected);
    });
  }

  it('names a scenario file that does not exist', () => {
    const error = configError(() => loadScenario(`${BAD}/no-such-case/scenario.yaml`, {}));
    expect(error.message).toBe(`${BAD}/no-such-case/scenario.yaml: cannot read scenario file: no such file`);
  });
});

describe('scenarios built in code', () => {
  const config = loadConfig('config/example.yaml', {});

  it('check the same things as files, naming the key', () => {
    const error = configError(() =>
      scenarioFromConfig(config, { speed: 5000, faults: [{ device: 'makarykha-fap', type: 'garbage', at: '1m' }] }),
    );
    expect(error.errors).toEqual([
      'scenario speed: must be greater than 0 and at most 1000',
      'scenario faults[0].type: garbage acts on the SNMP agent, but "makarykha-fap" has no snmp block',
    ]);
  });

  it('refuse to inject a wrap: it is planned from boot', () => {
    expect(() => injectedFault(config, 'makarykha-school', { type: 'wrap' } as never)).toThrow(/cannot be injected/);
    expect(injectedFault(config, 'makarykha-school', { type: 'slow', delay: '700ms' })).toEqual({
      device: 'makarykha-school',
      type: 'slow',
      at: 0,
      delay: 700,
    });
  });
});

describe('the demo timeline', () => {
  const config = loadConfig('config/example.yaml', {});
  const scenario = demoScenario(config);
  const villageOf = new Map(config.villages.flatMap((v) => v.devices.map((d) => [d.id, v.id] as const)));

  it('loops every half hour with one fault of each kind the demo shows', () => {
    expect(scenario.repeat).toBe(30 * 60_000);
    expect(scenario.faults.map((f) => f.type)).toEqual(['outage', 'reboot', 'loss', 'slow', 'reboot', 'wrap']);
  });

  it('takes down the uplink with the most devices behind it and spreads the rest over other villages', () => {
    expect(scenario.faults[0]).toMatchObject({ device: 'ivankivtsi-uplink-prostonet', type: 'outage' });
    const villages = new Set(scenario.faults.map((f) => villageOf.get(f.device)));
    expect(villages.size).toBe(config.villages.length);
    const ap = config.villages.flatMap((v) => v.devices).find((d) => d.id === scenario.faults[1]!.device)!;
    expect(ap).toMatchObject({ kind: 'wifi', public: true });
  });

  it('answers late but within the collector timeout', () => {
    expect(scenario.faults.find((f) => f.type === 'slow')!.delay).toBeLessThan(config.polling.snmp.timeout);
  });
});

describe('generated hromadas for load tests', () => {
  it.each([
    [100, 10],
    [1000, 10],
  ])('%i villages × %i devices: distinct loopback addresses, every kind and vendor', (villages, perVillage) => {
    const { config, scenario, files } = generateScale({ villages, devicesPerVillage: perVillage });
    const devices = config.villages.flatMap((v) => v.devices);
    expect(devices).toHaveLength(villages * perVillage);
    const hosts = new Set(devices.map((d) => d.host));
    expect(hosts.size).toBe(devices.length);
    for (const host of hosts) expect(host).toMatch(/^127\.\d+\.\d+\.\d+$/);
    expect(new Set(devices.map((d) => d.kind))).toEqual(new Set(['uplink', 'wifi', 'institution']));
    expect(new Set(devices.map((d) => d.vendor).filter(Boolean))).toEqual(new Set(WIFI_VENDORS));
    expect(scenario.faults.length).toBeGreaterThan(villages / 10);
    expect(files.scenario.config).toBe('hromada.yaml');
  });

  it('refuses sizes that do not fit one loopback /24 per village', () => {
    expect(() => generateScale({ villages: 2, devicesPerVillage: 300 })).toThrow(RangeError);
  });
});
