/**
 * Scenario files and the scenarios built in code: the annotated example, every
 * mistake reported as file:line (test cases as folders), the demo timeline
 * over the demo hromada (its faults, its blackouts played on the model) and
 * the devices it has beyond its config, unlisted devices in a scenario, and
 * the generated hromadas for load tests.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configError } from '../support/config.ts';
import { loadConfig } from '../../config/load.ts';
import { WIFI_VENDORS } from '../../config/schema.ts';
import { createWorld, demoScenario, generateScale, loadScenario, scenarioFromConfig, type TruthOutage } from '../../simulator/index.ts';
import { injectedFault } from '../../simulator/scenario.ts';
import { groundTruth } from '../../simulator/truth.ts';

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
    expect(scenario.devices['ivankivtsi-tower-ups']).toEqual({ runtime: 30 * 60_000, recharge: 4 * 3_600_000 });
    expect(scenario.power).toEqual([
      { group: '2.2', at: 5 * 3_600_000, duration: 3_600_000, scheduled: true },
      { village: 'tsybuleve', at: 4 * 3_600_000, duration: 40 * 60_000, scheduled: false },
    ]);
    expect(scenario.schedule).toEqual([
      { group: '3.1', start: Date.parse('2025-05-17T17:00:00Z'), end: Date.parse('2025-05-17T18:30:00Z'), kind: 'definite' },
      { group: '4.1', start: Date.parse('2025-05-17T16:00:00Z'), end: Date.parse('2025-05-17T17:00:00Z'), kind: 'possible' },
    ]);
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

  it('check the cuts of the mains and the batteries the same way, and take a BlackoutSchedule’s slots as they are', () => {
    const error = configError(() =>
      scenarioFromConfig(config, {
        devices: { 'makarykha-school': { charge_pct: 50 } },
        power: [
          { village: 'makaryha', at: '1m' },
          { group: '6.2', at: '2m' },
        ],
        schedule: [{ group: '3.1', start: 2000, end: 1000 }],
      }),
    );
    expect(error.errors).toEqual([
      'scenario devices.makarykha-school.charge_pct: only applies to a battery: a UPS (kind ups), a router on a DC UPS (power_voltage) or an Invincibility Point with backup_power ups or battery',
      'scenario power[0].village: unknown village "makaryha" in the config (did you mean "makarykha"?)',
      "scenario power[1].group: no village or device of the config is on queue 6.2 (power_group): the cut would take nobody's mains",
      'scenario schedule[0].end: must be after start',
    ]);
    const slots = [
      { group: '2.2', start: Date.parse('2026-01-05T10:00:00Z'), end: Date.parse('2026-01-05T12:00:00Z'), kind: 'definite' as const },
    ];
    expect(scenarioFromConfig(config, { schedule: slots }).schedule).toEqual(slots);
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

  it('has a slot of the schedule every seven minutes, each for another queue, clear of the devices’ faults', () => {
    expect(scenario.power).toEqual([
      { group: '3.1', at: 3 * 60_000, duration: 4 * 60_000, scheduled: true },
      { group: '4.1', at: 10 * 60_000, duration: 4 * 60_000, scheduled: true },
      { group: '1.2', at: 17 * 60_000, duration: 4 * 60_000, scheduled: true },
      { group: '2.2', at: 24 * 60_000, duration: 4 * 60_000, scheduled: true },
    ]);
    const groupOf = new Map(config.villages.map((v) => [v.id, v.power_group]));
    for (const cut of scenario.power) {
      for (const f of scenario.faults.filter(
        (f) => groupOf.get(villageOf.get(f.device)!) === cut.group && f.type !== 'slow' && f.type !== 'wrap',
      )) {
        const end = f.at + (f.duration ?? 0);
        expect(end <= cut.at - 60_000 || f.at >= cut.at + cut.duration! + 60_000, `${f.device} ${f.type}`).toBe(true);
      }
    }
    // A village UPS lasts part of a slot; the ЦНАП's outlasts it; each charges again within its queue's half hour.
    expect(scenario.devices['ivankivtsi-tower-ups']).toEqual({ runtime: 150_000, recharge: 20 * 60_000 });
    expect(scenario.devices['dmytrivka-cnap-ups']).toEqual({ runtime: 12 * 60_000, recharge: 20 * 60_000 });
    expect(scenario.devices['makarykha-uplink-ukrtelecom']).toEqual({ runtime: 3_600_000, recharge: 20 * 60_000 });
  });

  it('plays each blackout as the dashboard should show it: a UPS drains and warns, a village goes dark, the ЦНАП stays online', () => {
    const start = Date.parse('2026-01-05T08:00:00Z');
    const w = createWorld(scenario, start, true);
    const at = (minute: number) => start + minute * 60_000;
    const truth = groundTruth(w, scenario.name, start, at(30));
    const minutes = (outages: readonly TruthOutage[]) => outages.map((o) => [(o.from - start) / 60_000, (o.to - start) / 60_000, o.cause]);
    const village = (id: string) => minutes(truth.villages.find((v) => v.village === id)!.outages);
    const device = (id: string) => minutes(truth.devices.find((d) => d.device.id === id)!.outages);

    // Іванківці (24–28 min): the tower's UPS carries the uplink for 150 s, then the village is dark for want of power.
    expect(village('ivankivtsi')).toEqual([
      [2, 6, 'provider'],
      [26.5, 28, 'power'],
    ]);
    expect(device('ivankivtsi-school')).toEqual([
      [2, 6, 'upstream'],
      [24, 28, 'scheduled_blackout'],
    ]);
    // Its minutes left fall under power.warn_minutes_left a good while before it runs flat: the early warning.
    const minutesLeft = (t: number) => Math.floor(w.powerAt('ivankivtsi-tower-ups', t)!.secondsLeft / 60);
    expect(minutesLeft(at(24) + 1000)).toBeGreaterThanOrEqual(config.power.warn_minutes_left);
    let warned = at(24);
    while (minutesLeft(warned) >= config.power.warn_minutes_left) warned += 1000;
    expect(at(26.5) - warned).toBeGreaterThanOrEqual(60_000);

    // Цибулеве (17–21 min) has no UPS: dark at once, in a slot of the schedule.
    expect(village('tsybuleve')).toEqual([[17, 21, 'scheduled_blackout']]);
    // Дмитрівка (3–7 min): its lines go dark, but the ЦНАП keeps its Starlink link on its UPS, and the village is online by it.
    expect(device('dmytrivka-uplink-prostonet')).toEqual([[3, 7, 'scheduled_blackout']]);
    for (const id of ['dmytrivka-cnap', 'dmytrivka-cnap-wifi', 'dmytrivka-cnap-starlink', 'dmytrivka-cnap-ups'])
      expect(device(id), id).toEqual([]);
    expect(village('dmytrivka')).toEqual([]);
    expect(w.powerAt('dmytrivka-cnap-ups', at(5))).toMatchObject({ source: 'battery', batteryStatus: 'normal' });
    // Макариха (10–14 min): the uplink runs on its DC UPS, its voltage under power.on_battery_below_v.
    expect(device('makarykha-uplink-ukrtelecom')).toEqual([]);
    expect(w.powerAt('makarykha-uplink-ukrtelecom', at(12))!.inputVoltage).toBeLessThan(config.power.on_battery_below_v!);
    expect(device('makarykha-school')).toEqual([[10, 14, 'scheduled_blackout']]);
  });

  it('answers late but within the collector timeout', () => {
    expect(scenario.faults.find((f) => f.type === 'slow')!.delay).toBeLessThan(config.polling.snmp.timeout);
  });

  it('has devices on the network that the config does not list yet, each by a configured parent of its village, in no fault', () => {
    const hosts = new Set(config.villages.flatMap((v) => v.devices.map((d) => d.host)));
    expect(scenario.unlisted.map((d) => [d.village, d.id, d.kind, d.vendor ?? d.category, d.host, d.parent])).toEqual([
      ['dmytrivka', 'dmytrivka-culture-house-wifi', 'wifi', 'mikrotik', '127.0.1.23', 'dmytrivka-culture-house'],
      ['tsybuleve', 'tsybuleve-gymnasium-wifi', 'wifi', 'tplink', '127.0.2.21', 'tsybuleve-gymnasium'],
      ['ivankivtsi', 'ivankivtsi-library', 'institution', 'library', '127.0.4.15', 'ivankivtsi-uplink-prostonet'],
    ]);
    for (const d of scenario.unlisted) {
      expect(d.snmp).toEqual({ credential: 'public-v2', port: 1161 });
      expect(villageOf.has(d.id)).toBe(false);
      expect(hosts.has(d.host)).toBe(false);
      expect(villageOf.get(d.parent!)).toBe(d.village);
    }
    const faulted = new Set(scenario.faults.map((f) => f.device));
    expect(scenario.unlisted.filter((d) => faulted.has(d.id))).toEqual([]);
  });

  it('leaves out an unlisted device once the config has it, and any whose credential, village or parent it lacks', () => {
    const [added, ...rest] = scenario.unlisted;
    const { village, ...entry } = added!;
    const withIt = {
      ...config,
      villages: config.villages.map((v) => (v.id === village ? { ...v, devices: [...v.devices, { ...entry, id: 'renamed-by-hand' }] } : v)),
    };
    const again = demoScenario(withIt);
    expect(again.unlisted.map((d) => d.id)).toEqual(rest.map((d) => d.id));
    expect(again.faults).toEqual(scenario.faults);
    const { 'public-v2': _, ...credentials } = config.snmp_credentials;
    expect(demoScenario({ ...config, snmp_credentials: credentials }).unlisted).toEqual([]);
    const fewer = { ...config, villages: config.villages.filter((v) => v.id !== 'tsybuleve') };
    expect(demoScenario(fewer).unlisted.map((d) => d.id)).toEqual(['dmytrivka-culture-house-wifi', 'ivankivtsi-library']);
  });
});

describe('unlisted devices in a scenario', () => {
  const config = loadConfig('config/example.yaml', {});
  const ap = { village: 'makarykha', id: 'makarykha-school-wifi', kind: 'wifi', vendor: 'tplink', host: '127.0.3.21' } as const;
  const snmp = { credential: 'public-v2', port: 1161 };

  it('are config entries with their village, checked against the config', () => {
    const error = configError(() =>
      scenarioFromConfig(config, {
        unlisted: [
          { ...ap, village: 'makaryha', snmp, parent: 'makarykha-school' },
          { ...ap, id: 'makarykha-school', host: '127.0.3.10', snmp },
          { ...ap, id: 'far-ap', host: '10.0.0.5', snmp: { credential: 'v9' }, parent: 'nowhere' },
          { ...ap, id: 'ping-only', host: '127.0.3.22' },
          { ...ap, id: 'router', kind: 'institution', host: '127.0.3.21', snmp },
        ],
        faults: [{ device: 'makarykha-school-wifi', type: 'outage', at: '1m' }],
      }),
    );
    expect(error.errors).toEqual([
      'scenario unlisted[0].village: unknown village "makaryha" in the config (did you mean "makarykha"?)',
      'scenario unlisted[1].id: "makarykha-school" is a device of the config: an unlisted device is one the config does not have',
      'scenario unlisted[1].host: 127.0.3.10 is already the host of "makarykha-school": give each its own address',
      'scenario unlisted[2].host: is 10.0.0.5: the simulator serves only loopback 127.0.0.0/8',
      'scenario unlisted[2].snmp.credential: unknown credential "v9" in the config',
      'scenario unlisted[2].parent: unknown device "nowhere" in the config',
      'scenario unlisted[3].snmp: is required: an unlisted device is there to be found by its SNMP agent',
      'scenario unlisted[4].host: 127.0.3.21 is already the host of "makarykha-school-wifi": give each its own address',
      'scenario unlisted[4].vendor: only applies to kind wifi, not institution',
      'scenario faults[0].device: "makarykha-school-wifi" is unlisted: faults act on the config\'s devices only',
    ]);
  });

  it('are read from a scenario file, with overrides like the config’s devices', () => {
    const dir = mkdtempSync(join(tmpdir(), 'merezha-scenario-'));
    try {
      const file = join(dir, 'scenario.yaml');
      writeFileSync(
        file,
        `name: Нові пристрої
config: ${resolve('config/example.yaml')}
devices:
  makarykha-school-wifi: { clients_peak: 12 }
unlisted:
  - village: makarykha
    id: makarykha-school-wifi
    kind: wifi
    vendor: tplink
    host: 127.0.3.21
    snmp: { credential: public-v2, port: 1161 }
    parent: makarykha-school
  - { village: makarykha, id: makarykha-x, kind: wifi, host: 127.0.3.22, snmp: { credential: public-v2 }, colour: red }
`,
      );
      expect(configError(() => loadScenario(file, { env: {} })).message).toBe(
        `${file}:13 unlisted[1].colour: unknown key (allowed: id, name, kind, host, provider, category, vendor, clients_oid, snmp, ping, parent, bandwidth_mbps, installed, public, powers, power_voltage, power_group, invincibility_point, backup_power, backup_link, village)`,
      );
      writeFileSync(file, readFileSync(file, 'utf8').replace(/^ {2}- \{ village: makarykha, id: makarykha-x.*\n/m, ''));
      const { scenario } = loadScenario(file, { env: {} });
      expect(scenario.unlisted).toEqual([
        expect.objectContaining({ village: 'makarykha', id: 'makarykha-school-wifi', host: '127.0.3.21', parent: 'makarykha-school' }),
      ]);
      expect(scenario.devices['makarykha-school-wifi']).toEqual({ clients_peak: 12 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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
