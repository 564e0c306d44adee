/**
 * A generated hromada for load tests: N villages of M devices each, every
 * device on its own loopback address, with a mix of uplinks, Free WiFi
 * access points of every vendor and institutions of every category, and a
 * looping timeline of faults spread over the villages. SNMPv2c throughout:
 * at this scale the collector's cost, not the security model, is under test.
 */
import { INSTITUTION_CATEGORIES } from '../common/words/names.ts';
import { configSchema, WIFI_VENDORS, type Config, type ConfigInput } from '../config/schema.ts';
import { scenarioFromConfig, type FaultInput, type Scenario, type ScenarioInput } from './scenario.ts';

export interface ScaleOptions {
  villages: number;
  devicesPerVillage: number;
  /** SNMP port of every agent. */
  port?: number;
  /** Devices live on 127.<secondOctet + v / 256>.<v % 256>.<d + 1>; 100 keeps clear of the demo's 127.0.x.x. */
  secondOctet?: number;
  speed?: number;
}

export interface ScaleSetup {
  config: Config;
  scenario: Scenario;
  /** The same two, as they are written to YAML files (the scenario names the config as `hromada.yaml`). */
  files: { config: ConfigInput; scenario: ScenarioInput };
}

/** The generic vendor's clients OID, as in config/example.yaml. */
const GENERIC_CLIENTS_OID = '1.3.6.1.4.1.8072.9999.9999.1.0';
const CYCLE_MINUTES = 30;

export function generateScale({ villages, devicesPerVillage, port = 1161, secondOctet = 100, speed = 1 }: ScaleOptions): ScaleSetup {
  if (!Number.isInteger(villages) || villages < 1) throw new RangeError('villages must be a whole number, at least 1');
  if (!Number.isInteger(devicesPerVillage) || devicesPerVillage < 1 || devicesPerVillage > 254) {
    throw new RangeError('devices per village must be a whole number from 1 to 254 (one loopback /24 per village)');
  }
  if (secondOctet + Math.floor((villages - 1) / 256) > 255)
    throw new RangeError(`${villages} villages do not fit above 127.${secondOctet}.0.0`);

  const vendor = (i: number) => WIFI_VENDORS[i % WIFI_VENDORS.length]!;
  const category = (i: number) => INSTITUTION_CATEGORIES[i % INSTITUTION_CATEGORIES.length]!;
  const snmp = { credential: 'public-v2', port };

  const villageInputs = Array.from({ length: villages }, (_, v) => {
    const id = `v${v + 1}`;
    const host = (d: number) => `127.${secondOctet + Math.floor(v / 256)}.${v % 256}.${d + 1}`;
    const uplink = `${id}-uplink`;
    const devices = Array.from({ length: devicesPerVillage }, (_, d) => {
      if (d === 0) {
        return {
          id: uplink,
          kind: 'uplink' as const,
          provider: 'ukrtelecom',
          host: host(d),
          snmp: { ...snmp, interface: 'ether1' },
          bandwidth_mbps: 100,
        };
      }
      const common = { host: host(d), parent: uplink, snmp };
      // Every third device is an access point, the others institutions.
      if ((d - 1) % 3 === 0) {
        const which = vendor(v + (d - 1) / 3);
        return {
          id: `${id}-wifi-${d}`,
          kind: 'wifi' as const,
          vendor: which,
          ...(which === 'generic' ? { clients_oid: GENERIC_CLIENTS_OID } : {}),
          public: true,
          ...common,
        };
      }
      return { id: `${id}-inst-${d}`, kind: 'institution' as const, category: category(v + d), bandwidth_mbps: 50, ...common };
    });
    return { id, name: `Село ${v + 1}`, devices };
  });

  const configInput: ConfigInput = {
    hromada: { name: `Масштабна громада: ${villages} × ${devicesPerVillage}` },
    snmp_credentials: { 'public-v2': { version: '2c', community: 'public' } },
    providers: [{ id: 'ukrtelecom', name: 'Укртелеком' }],
    villages: villageInputs,
  };
  const config = configSchema.parse(configInput);

  // Every 20th village loses its uplink for a while, every 20th (offset) access point reboots, every 20th institution loses packets.
  const faults: FaultInput[] = [];
  const minute = (v: number) => `${(Math.floor(v / 20) % (CYCLE_MINUTES - 5)) + 1}m`;
  villageInputs.forEach((village, v) => {
    const [uplink, ap, institution] = village.devices;
    if (v % 20 === 0) faults.push({ device: uplink!.id, type: 'outage', at: minute(v), duration: '3m' });
    if (v % 20 === 7 && ap) faults.push({ device: ap.id, type: 'reboot', at: minute(v), duration: '30s' });
    if (v % 20 === 13 && institution) faults.push({ device: institution.id, type: 'loss', at: minute(v), duration: '4m', loss_pct: 20 });
  });
  const scenarioInput: ScenarioInput = {
    name: `scale: ${villages} villages × ${devicesPerVillage} devices`,
    speed,
    config: 'hromada.yaml',
    repeat: `${CYCLE_MINUTES}m`,
    faults,
  };
  const { config: _path, ...inCode } = scenarioInput;
  return { config, scenario: scenarioFromConfig(config, inCode), files: { config: configInput, scenario: scenarioInput } };
}
