/**
 * Discovery against real agents on loopback: recorded walks of real devices
 * served by snmpsim (test/fixtures/snmprec, origins in its SOURCES.md), with
 * the values the recordings hold; the simulated hromada, whose access points
 * see their configured parent over LLDP; and `merezha discover` as a user
 * runs it, one host and a /26 sweep (ping, then SNMP) with a configured
 * device marked. Every address is on 127.0.0.0/8.
 */
import { spawn } from 'node:child_process';
import { NEVER_ABORTED } from '../../collector/probes/types.ts';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverTarget, type Discovery } from '../../collector/discovery/discover.ts';
import { parseConfig } from '../../config/load.ts';
import type { Config } from '../../config/schema.ts';
import { scenarioFromConfig, startSimulation, type Simulation } from '../../simulator/index.ts';
import { loopbackAddress } from '../support/config.ts';
import { freeUdpPort } from '../support/ports.ts';
import { startSnmpsim, type Snmpsim } from '../support/snmpsim.ts';
import { parse as parseYaml } from 'yaml';
import { silentLogger } from '../../common/log.ts';
import { sweepRange } from '../../collector/discovery/range.ts';
import { createSnmpRunner, snmpProbe } from '../../collector/probes/snmp.ts';
import { deviceSchema } from '../../config/schema.ts';
import { demoScenario } from '../../simulator/index.ts';
import { demoConfigOnFreeAddresses } from '../support/stack.ts';

const BIN = new URL('../../bin/merezha.mjs', import.meta.url).pathname;

describe('recorded devices (snmpsim)', () => {
  const RECORDINGS = ['mikrotik-ap', 'unifi-ap', 'tplink-eap', 'airmax-radio', 'lldp-switch', 'cisco-16-switch', 'public', 'winxp-host'];
  let snmpsim: Snmpsim;

  beforeAll(async () => {
    snmpsim = await startSnmpsim({ address: loopbackAddress(), recordings: RECORDINGS });
  });
  afterAll(async () => {
    await snmpsim?.dispose();
  });

  const discover = (recording: string, version: '1' | '2c' = '2c', config?: Config, locale?: 'uk' | 'en') =>
    discoverTarget(
      { host: snmpsim.address, port: snmpsim.port, credential: { version, community: recording }, timeoutMs: 2000, retries: 1 },
      { ...(config ? { config } : {}), ...(locale ? { locale } : {}) },
    );
  const names = (d: Discovery) => d.interfaces.map((i) => i.name);

  it('MikroTik RouterOS 6: by sysObjectID and MIKROTIK-MIB, 11 clients on four wireless interfaces, its malformed lldpRemTable survived', async () => {
    const d = await discover('mikrotik-ap');
    expect(d).toMatchObject({
      sys_descr: 'router',
      sys_object_id: '1.3.6.1.4.1.14988.1',
      sys_uptime_s: 20204,
      vendor: 'mikrotik',
      wifi: { clients: 11, radios_up: null },
      suggested_kind: 'wifi',
      // No route table recorded: WAN carried the most octets.
      suggested_interface: 'WAN',
    });
    expect(names(d)).toEqual([
      'wlan1',
      'wlan2',
      'WAN',
      'ether2',
      'ether3',
      'ether4',
      'ether5',
      'wlan3',
      'wlan4',
      'bridge-local',
      'pppoe-out1',
      'bridge-admin',
    ]);
    expect(d.interfaces.find((i) => i.name === 'WAN')).toMatchObject({
      index: 3,
      descr: 'WAN',
      oper_up: true,
      speed_mbps: 100,
      counter_bits: 64,
    });
    expect(d.neighbours.map((n) => [n.local_port, n.sys_name, n.port, n.chassis_id])).toEqual([
      ['0', 'Spoj Jizak-Kupeckeho-60G', 'bridge/wlan60-1', 'B8:69:F4:7F:41:70'],
      ['0', 'Jizak', 'eth1-kupeckeho_lan', '74:4D:28:E3:17:31'],
      ['?', 'S5120-Tech', 'GigabitEthernet1/0/17', '3C:E5:A6:37:DF:DA'],
      ['?', '2530-blue_shed', '8', '20:67:7C:97:A3:48'],
      ['?', 'blue_shed-wirelesswire', 'vlan200', 'CC:2D:E0:E2:F0:9E'],
      ['?', 'MikroTik', '1 managment', '6C:3B:6B:E4:21:3E'],
      ['?', 'MikroTik', '200 curric', '6C:3B:6B:E4:21:3E'],
      ['?', 'Tech-wirelesswire', 'vlan200', 'CC:2D:E0:E2:F1:FC'],
    ]);
    expect(d.notes).toEqual(
      expect.arrayContaining([
        'lldpRemTable has 10 rows whose index is not timeMark.localPortNum.index: kept with the local port unknown (?)',
        'lldpRemTable has 2 empty rows (no name, port or chassis id): left out',
      ]),
    );
    // Over SNMPv1 the file has no traffic counters at all (LibreNMS recorded only the 64-bit ones), which is said.
    const v1 = await discover('mikrotik-ap', '1');
    expect(v1).toMatchObject({ vendor: 'mikrotik', wifi: { clients: 11 }, suggested_interface: 'wlan1' });
    expect(v1.notes).toContainEqual(expect.stringMatching(/^SNMPv1 has no 64-bit counters, and this agent serves no 32-bit/));
  });

  it('UniFi nanoHD behind net-snmp’s Linux sysObjectID: unifiVapTable tells it, 18 clients on four VAPs', async () => {
    const d = await discover('unifi-ap');
    expect(d).toMatchObject({
      sys_descr: 'UAP-nanoHD 5.43.36.12724',
      sys_object_id: '1.3.6.1.4.1.8072.3.2.10',
      vendor: 'unifi',
      make: 'Ubiquiti UniFi',
      wifi: { clients: 18, radios_up: null },
      suggested_kind: 'wifi',
      suggested_interface: 'eth0',
      neighbours: [],
    });
    expect(d.vendor_reason).toMatch(
      /^UBNT-UniFi-MIB unifiVapTable answers; sysObjectID 1\.3\.6\.1\.4\.1\.8072\.3\.2\.10 is Net-SNMP's agent on Linux/,
    );
    expect(d.interfaces).toHaveLength(29);
    expect(names(d).slice(0, 5)).toEqual(['lo', 'eth0', 'ra0', 'rai0', 'ra1']);
    expect(d.yaml).toMatch(/^- id: private\n {2}name: <private>\n {2}kind: wifi\n {2}vendor: unifi\n/);
  });

  it('airMAX LiteBeam: Frogfoot’s sysObjectID, UBNT-AirMAX-MIB tells it, one station; no ifXTable, said', async () => {
    const d = await discover('airmax-radio');
    expect(d).toMatchObject({
      sys_object_id: '1.3.6.1.4.1.10002.1',
      sys_descr: 'Linux 2.6.32.68 #1 Thu Aug 22 16:38:44 EEST 2019 mips',
      vendor: 'airmax',
      make: 'Ubiquiti airMAX',
      wifi: { clients: 1, radios_up: null },
      suggested_interface: 'eth0',
    });
    expect(names(d)).toEqual(['lo', 'eth0', 'gre0', 'wifi1', 'teql0', 'wifi0', 'ath0', 'br0', 'airview1']);
    // ifSpeed 0 on wifi0, ath0, br0 is unknown, not 0 Mbit/s.
    expect(d.interfaces.filter((i) => i.speed_mbps === null).map((i) => i.name)).toEqual(expect.arrayContaining(['wifi0', 'ath0', 'br0']));
    expect(d.interfaces.every((i) => i.counter_bits === 32 || i.counter_bits === null)).toBe(true);
    expect(d.notes).toEqual(
      expect.arrayContaining([expect.stringMatching(/^ifXTable is not served/), expect.stringMatching(/^no 64-bit counters/)]),
    );
  });

  it('TP-Link EAP: the client-count scalar, 7 clients; no IF-MIB at all, said', async () => {
    const d = await discover('tplink-eap');
    expect(d).toMatchObject({
      sys_name: 'EAP225-Outdoor',
      sys_object_id: '1.3.6.1.4.1.11863.3.2.10',
      vendor: 'tplink',
      wifi: { clients: 7, radios_up: null },
      interfaces: [],
      suggested_interface: null,
    });
    expect(d.notes[0]).toMatch(/^IF-MIB is not served/);
    expect(d.yaml).toBe(
      `- id: eap225-outdoor\n  name: EAP225-Outdoor\n  kind: wifi\n  vendor: tplink\n  host: ${snmpsim.address}\n  snmp:\n    credential: snmp-v2c\n    port: ${snmpsim.port}\n`,
    );
    expect(d.entry).toEqual((parseYaml(d.yaml) as unknown[])[0]);
  });

  it('Cisco SG350X: five LLDP and three CDP neighbours as recorded, and the parent among configured ones on its uplink', async () => {
    const d = await discover('lldp-switch');
    expect(d).toMatchObject({ vendor: null, make: 'Cisco', wifi: null, suggested_kind: 'uplink', suggested_interface: 'te1/0/1' });
    expect(d.vendor_reason).toMatch(
      /^sysObjectID 1\.3\.6\.1\.4\.1\.9\.6\.1\.94\.24\.5 belongs to Cisco \(enterprise 9\), and no vendor MIB answers/,
    );
    expect(d.neighbours.map((n) => [n.protocol, n.local_port, n.sys_name, n.port, n.port_descr, n.address])).toEqual([
      ['lldp', 'gi1/0/14', 'Biologie', 'gi10', null, null],
      ['lldp', 'gi1/0/16', 'Aula', '80:03:84:07:43:10', 'eth1', '192.168.177.234'],
      ['lldp', '17', 'InforaumPC', 'f4:92:bf:a6:3f:95', 'eth0', '192.168.177.194'],
      ['lldp', 'te1/0/1', 'CoreSwitch', 'te1/0/3', null, '192.168.177.14'],
      ['lldp', 'te1/0/2', 'BIB', 'te1/0/2', null, '192.168.177.21'],
      ['cdp', 'gi1/0/14', '204c9e6e08fe', 'gi10', null, '192.168.177.27'],
      ['cdp', 'te1/0/1', 'a0f849f0eb08', 'te1/0/3', null, '192.168.177.14'],
      ['cdp', 'te1/0/2', '40a6e8ea0a5b', 'te1/0/2', null, '192.168.177.21'],
    ]);
    expect(d.neighbours.find((n) => n.protocol === 'cdp' && n.local_port === 'te1/0/1')?.platform).toBe(
      'Cisco SG550XG-8F8T (PID:SG550XG-8F8T-K9)-VSD',
    );

    // Configured by name only (their hosts here are loopback addresses: nothing is sent to them).
    const config = parseConfig(
      `hromada: { name: Тест }
villages:
  - id: school
    name: Школа
    devices:
      - { id: core, name: CoreSwitch, kind: uplink, host: 127.0.66.1 }
      - { id: bib, kind: uplink, host: 127.0.66.2, parent: core }
`,
      'test.yaml',
    );
    const withConfig = await discover('lldp-switch', '2c', config);
    expect(withConfig.neighbours.filter((n) => n.device).map((n) => [n.sys_name, n.device, n.matched_by])).toEqual([
      ['CoreSwitch', 'core', 'name'],
      ['BIB', 'bib', 'name'],
    ]);
    expect(withConfig.suggested_parent).toBe('core');
    expect(withConfig.suggested_parent_reason).toBe(
      'its LLDP neighbour CoreSwitch on te1/0/1, configured as core (by name), the uplink interface (other configured neighbours: bib)',
    );
    // The same in Ukrainian, for the dashboard's form.
    const uk = await discover('lldp-switch', '2c', config, 'uk');
    expect(uk).toMatchObject({ suggested_parent: 'core', suggested_interface: 'te1/0/1', entry: withConfig.entry });
    expect(uk.suggested_parent_reason).toBe(
      'його сусід LLDP CoreSwitch на te1/0/1 (висхідний інтерфейс), у конфігурації це core (збіг за назвою); інші сусіди з конфігурації: bib',
    );
    expect(uk.vendor_reason).toMatch(
      /^sysObjectID 1\.3\.6\.1\.4\.1\.9\.6\.1\.94\.24\.5 належить Cisco \(номер підприємства 9\), і жодна MIB виробників не відповідає/,
    );
  });

  it('Cisco Catalyst 3750: hex-recorded names, sparse ifIndexes, one CDP neighbour on Fa3/0/48', async () => {
    const d = await discover('cisco-16-switch');
    expect(d).toMatchObject({
      sys_name: 'Profiler3750',
      sys_object_id: '1.3.6.1.4.1.9.1.516',
      vendor: null,
      make: 'Cisco',
      suggested_interface: 'Fa3/0/48',
    });
    expect(d.sys_descr).toMatch(/^Cisco IOS Software, C3750 Software .*\r\nTechnical Support/s);
    expect(d.interfaces).toHaveLength(59);
    expect(d.interfaces.find((i) => i.index === 11048)).toMatchObject({
      name: 'Fa3/0/48',
      descr: 'FastEthernet3/0/48',
      oper_up: true,
      speed_mbps: 100,
      counter_bits: 64,
    });
    expect(d.interfaces.find((i) => i.index === 5186)).toMatchObject({ name: 'StackSub-St3-1', in_octets: null, counter_bits: null });
    expect(d.neighbours).toEqual([
      {
        protocol: 'cdp',
        local_port: 'Fa3/0/48',
        sys_name: 'C2960X.uac.local',
        port: 'GigabitEthernet1/0/8',
        port_descr: null,
        chassis_id: null,
        address: '10.204.88.10',
        platform: 'cisco WS-C2960X-24PD-L',
        device: null,
        matched_by: null,
      },
    ]);
  });

  it('a Linux host (snmpsim’s demo) and Windows XP: no vendor and why, the uplink by the default route', async () => {
    const linux = await discover('public');
    expect(linux).toMatchObject({ vendor: null, make: 'Net-SNMP', suggested_interface: 'eth0', wifi: null });
    // The recording's sysUpTime counts on from 123999999 ticks while snmpsim serves it.
    expect(linux.sys_uptime_s).toBeGreaterThanOrEqual(1_239_999);
    expect(linux.suggested_interface_reason).toBe('the default route (0.0.0.0/0 in inetCidrRouteTable) goes out of it');
    expect(linux.vendor_reason).toMatch(/Net-SNMP's agent on Linux, which many devices run, and no vendor MIB answers \(probed: /);
    for (const version of ['1', '2c'] as const) {
      const xp = await discover('winxp-host', version);
      expect(xp).toMatchObject({
        sys_name: 'CRAY',
        vendor: null,
        make: 'Microsoft',
        suggested_interface: 'Intel(R) PRO/Wireless 2200BG Network Connection',
      });
      expect(xp.suggested_interface_reason).toBe('the default route (0.0.0.0/0 in ipRouteTable) goes out of it');
      // ifDescr without its NUL byte.
      expect(names(xp)).toEqual([
        'MS TCP Loopback interface',
        'Intel(R) PRO/Wireless 2200BG Network Connection',
        'Bluetooth Device (Personal Area Network)',
      ]);
    }
  });
});

/** An async `merezha`: the simulated agents answer from this process, so it must not block. */
function merezha(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--openssl-legacy-provider', BIN, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('the simulated hromada and merezha discover', () => {
  const octet = () => 1 + Math.floor(Math.random() * 250);
  const base = `127.${octet()}.${octet()}`;
  const host = (n: number) => `${base}.${n}`;
  const V3 = { user: 'merezha', auth: 'merezha-test-auth', priv: 'merezha-test-priv' };
  let port: number;
  let dir: string;
  let configPath: string;
  let config: Config;
  let sim: Simulation;

  /** The config the CLI reads; the simulation has one more access point, new-ap, which it does not. */
  const configText = (extra = '') => `hromada: { name: Тестова громада }
polling:
  snmp: { timeout: 1s, retries: 0 }
  ping: { count: 1, timeout: 500ms }
snmp_credentials:
  v2: { version: 2c, community: public }
  v3: { version: 3, user: ${V3.user}, auth: { protocol: sha, key: ${V3.auth} }, priv: { protocol: aes, key: ${V3.priv} } }
villages:
  - id: sim
    name: Симулятор
    devices:
      - { id: uplink, kind: uplink, host: ${host(1)}, snmp: { credential: v2, port: ${port}, interface: ether1 } }
      - { id: park-ap, name: "Free WiFi, парк", kind: wifi, vendor: mikrotik, host: ${host(2)}, snmp: { credential: v3, port: ${port} }, parent: uplink }
      - { id: library-ap, kind: wifi, vendor: unifi, host: ${host(3)}, snmp: { credential: v2, port: ${port} }, parent: uplink }
${extra}`;
  const NEW_AP = () =>
    `      - { id: new-ap, kind: wifi, vendor: tplink, host: ${host(9)}, snmp: { credential: v2, port: ${port} }, parent: library-ap }\n`;

  beforeAll(async () => {
    port = await freeUdpPort(host(1));
    dir = await mkdtemp(join(tmpdir(), 'merezha-discover-'));
    configPath = join(dir, 'hromada.yaml');
    await writeFile(configPath, configText());
    config = parseConfig(configText(), configPath);
    const simulated = parseConfig(configText(NEW_AP()), 'simulated.yaml');
    sim = await startSimulation(scenarioFromConfig(simulated, { name: 'discover', speed: 1 }), { useNft: false });
  });
  afterAll(async () => {
    await sim?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('an access point’s LLDP neighbour is its configured parent, which discovery suggests; its entry loads in the config', async () => {
    const before = Date.now();
    const d = await discoverTarget(
      { host: host(9), port, credential: config.snmp_credentials.v2!, timeoutMs: 1000, retries: 0 },
      { config, credentialId: 'v2' },
    );
    const after = Date.now();
    expect(d).toMatchObject({
      sys_name: 'new-ap',
      vendor: 'tplink',
      suggested_kind: 'wifi',
      configured: null,
      suggested_interface: 'ether1',
      suggested_interface_reason: 'the default route (0.0.0.0/0 in ipRouteTable) goes out of it',
      suggested_parent: 'library-ap',
    });
    expect([sim.clientsAt('new-ap', before), sim.clientsAt('new-ap', after)]).toContain(d.wifi?.clients);
    expect(d.neighbours).toEqual([
      expect.objectContaining({
        protocol: 'lldp',
        local_port: 'ether1',
        sys_name: 'library-ap',
        address: host(3),
        device: 'library-ap',
        matched_by: 'name',
      }),
    ]);
    expect(d.yaml).toBe(
      `- id: new-ap\n  name: new-ap\n  kind: wifi\n  vendor: tplink\n  host: ${host(9)}\n  snmp:\n    credential: v2\n    port: ${port}\n    interface: ether1\n  parent: library-ap\n`,
    );
    expect(d.entry).toEqual((parseYaml(d.yaml) as unknown[])[0]);
    const pasted = parseConfig(configText(d.yaml.replace(/^/gm, '      ')), 'pasted.yaml');
    expect(pasted.villages[0]!.devices.find((x) => x.id === 'new-ap')).toMatchObject({
      parent: 'library-ap',
      vendor: 'tplink',
      snmp: { port },
    });
  });

  it('merezha discover HOST --json: the contract’s fields; a configured device is asked with its own port and credential (SNMPv3)', async () => {
    const r = await merezha(['discover', host(2), '--config', configPath, '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const d = JSON.parse(r.stdout) as Discovery;
    expect(Object.keys(d)).toEqual(
      expect.arrayContaining([
        'host',
        'port',
        'sys_name',
        'sys_descr',
        'sys_object_id',
        'sys_uptime_s',
        'vendor',
        'suggested_kind',
        'interfaces',
        'suggested_interface',
        'wifi',
        'neighbours',
        'entry',
        'yaml',
      ]),
    );
    expect(d).toMatchObject({
      host: host(2),
      port,
      snmp_version: '3',
      sys_name: 'park-ap',
      sys_descr: 'RouterOS 7.14.2 (stable) cAP ax (simulated by Merezha)',
      sys_object_id: null,
      vendor: 'mikrotik',
      suggested_kind: 'wifi',
      configured: 'park-ap',
      suggested_interface: 'ether1',
      suggested_parent: 'uplink',
      wifi: { clients: expect.any(Number), radios_up: null },
    });
    expect(d.sys_uptime_s).toBeGreaterThan(86_400);
    expect(d.interfaces).toEqual([
      expect.objectContaining({ index: 1, name: 'lo', descr: 'lo', oper_up: true, speed_mbps: 10 }),
      expect.objectContaining({ index: 2, name: 'ether1', descr: 'ether1', oper_up: true, speed_mbps: 100 }),
    ]);
    expect(d.neighbours).toEqual([
      expect.objectContaining({ local_port: 'ether1', sys_name: 'uplink', port: expect.stringMatching(/^ether[2-9]$/) }),
    ]);
    expect(d.yaml).toMatch(/^- id: park-ap\n {2}name: park-ap\n {2}kind: wifi\n {2}vendor: mikrotik\n/);
    expect(d.yaml).toContain('    credential: v3\n');
    expect(d.entry).toEqual((parseYaml(d.yaml) as unknown[])[0]);
    expect(r.stdout).not.toContain(V3.auth);
  });

  it('merezha discover with SNMPv3 keys from the environment, and with a wrong key: an error that names no secret', async () => {
    const v3 = ['discover', host(2), '--port', String(port), '--user', V3.user, '--auth-protocol', 'sha', '--priv-protocol', 'aes'];
    const ok = await merezha([...v3, '--json'], { MEREZHA_SNMP_AUTH_KEY: V3.auth, MEREZHA_SNMP_PRIV_KEY: V3.priv });
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ sys_name: 'park-ap', snmp_version: '3' });
    expect(JSON.parse(ok.stdout).notes).toContainEqual(
      expect.stringMatching(/^the entry refers to the credential "snmp-v3": add it under snmp_credentials/),
    );
    expect(ok.stdout + ok.stderr).not.toMatch(new RegExp(`${V3.auth}|${V3.priv}`));

    const wrong = await merezha([...v3, '--auth-key', 'not-the-auth-key', '--priv-key', V3.priv, '--timeout', '500ms']);
    expect(wrong.status).toBe(1);
    expect(wrong.stdout).toBe('');
    expect(wrong.stderr).toMatch(
      new RegExp(`^merezha discover: ${host(2).replaceAll('.', '\\.')}:${port}: (authentication failed|no answer within 500 ms)`),
    );
    expect(wrong.stderr).not.toMatch(/not-the-auth-key|merezha-test-priv/);
  });

  it('merezha discover prints a readable summary; an agent that is not there is an error, exit 1', async () => {
    const r = await merezha(['discover', host(3), '--community', 'public', '--port', String(port)]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^${host(3).replaceAll('.', '\\.')}:${port} \\(SNMPv2c\\): library-ap\n`));
    expect(r.stdout).toContain(
      '  vendor       unifi (Ubiquiti UniFi): UBNT-UniFi-MIB unifiVapTable answers; the agent gives no sysObjectID\n',
    );
    expect(r.stdout).toContain('Uplink interface: ether1 (the default route (0.0.0.0/0 in ipRouteTable) goes out of it)\n');
    expect(r.stdout).toContain(`  LLDP on ether1: uplink (port `);
    expect(r.stdout).toContain('Parent: none (no config to match the neighbours (uplink) against: give --config)\n');
    expect(r.stdout).toContain("Config entry (paste under a village's devices:):\n- id: library-ap\n");
    expect(r.stdout).not.toContain('public');

    const gone = await merezha(['discover', host(250), '--community', 'public', '--port', String(port), '--timeout', '300ms']);
    expect(gone).toMatchObject({ status: 1, stdout: '' });
    expect(gone.stderr).toBe(
      `merezha discover: ${host(250)}:${port}: no answer within 300 ms (agent down, blocked, or wrong community/user)\n`,
    );
  });

  it('merezha discover --range sweeps a /26: ping, then SNMP with the config’s credentials; configured devices marked', async () => {
    const r = await merezha([
      'discover',
      '--range',
      `${base}.0/26`,
      '--config',
      configPath,
      '--port',
      String(port),
      '--timeout',
      '300ms',
      '--json',
    ]);
    expect(r.status).toBe(0);
    const found = JSON.parse(r.stdout) as Discovery[];
    expect(found.map((d) => [d.host, d.sys_name, d.vendor, d.configured, d.snmp_version])).toEqual([
      [host(1), 'uplink', null, 'uplink', '2c'],
      [host(2), 'park-ap', 'mikrotik', 'park-ap', '3'],
      [host(3), 'library-ap', 'unifi', 'library-ap', '2c'],
      [host(9), 'new-ap', 'tplink', null, '2c'],
    ]);
    expect(found[3]!.suggested_parent).toBe('library-ap');
    // Not a terminal: one progress line at the end.
    expect(r.stderr).toMatch(
      new RegExp(
        `^discover ${base.replaceAll('.', '\\.')}\\.0/26: pinged 62/62 \\(62 answered\\), asked 62/62 over SNMP, 4 found in \\d+\\.\\d s\n$`,
      ),
    );

    const text = await merezha([
      'discover',
      '--range',
      `${base}.0/29`,
      '--config',
      configPath,
      '--port',
      String(port),
      '--timeout',
      '300ms',
    ]);
    expect(text.status).toBe(0);
    expect(text.stdout.split('\n')[0]).toMatch(/^address\s+sysName\s+vendor\s+kind\s+Wi-Fi\s+config$/);
    expect(text.stdout).toMatch(
      new RegExp(`${host(2).replaceAll('.', '\\.')}:${port}\\s+park-ap\\s+mikrotik\\s+wifi\\s+\\d+\\s+configured as park-ap\n`),
    );

    const wide = await merezha(['discover', '--range', '127.0.0.0/8', '--community', 'public']);
    expect(wide).toMatchObject({ status: 2, stdout: '' });
    expect(wide.stderr).toBe(
      'merezha discover: refusing to sweep 127.0.0.0/8: 16,777,216 addresses; the widest range is a /16 (65,534 hosts)\n',
    );
  });
});

describe('the demo hromada’s devices that are not in its config yet', () => {
  let config: Config;
  let sim: Simulation;
  const credentialOf = (id: string) => config.snmp_credentials[id]!;

  beforeAll(async () => {
    // The demo of `npm start`, faults and all, on a second loopback octet nothing else uses (port 1161 as in the demo).
    config = await demoConfigOnFreeAddresses();
    sim = await startSimulation(demoScenario(config), { useNft: false });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('discovery finds each: not configured, its vendor and Wi-Fi clients, and its configured parent from LLDP', async () => {
    expect(sim.unlisted.map((d) => d.id)).toEqual(['dmytrivka-culture-house-wifi', 'tsybuleve-gymnasium-wifi', 'ivankivtsi-library']);
    for (const u of sim.unlisted) {
      const before = Date.now();
      const d = await discoverTarget(
        { host: u.host, port: u.snmp!.port, credential: credentialOf(u.snmp!.credential), timeoutMs: 1000, retries: 0 },
        { config, credentialId: u.snmp!.credential },
      );
      const after = Date.now();
      expect(d, u.id).toMatchObject({
        sys_name: u.id,
        vendor: u.vendor ?? null,
        suggested_kind: u.kind,
        configured: null,
        suggested_parent: u.parent,
      });
      expect(d.neighbours, u.id).toEqual([expect.objectContaining({ protocol: 'lldp', device: u.parent, matched_by: 'name' })]);
      if (u.kind === 'wifi') expect([sim.clientsAt(u.id, before), sim.clientsAt(u.id, after)], u.id).toContain(d.wifi?.clients);
      else expect(d).toMatchObject({ wifi: null, suggested_category: u.category });
    }
    // Served, but not the simulation's monitored devices: in no fault and not in the ground truth.
    const truth = sim.groundTruth();
    const unlisted = new Set(sim.unlisted.map((d) => d.id));
    expect(truth.devices.filter((d) => unlisted.has(d.device.id))).toEqual([]);
    expect(truth.faults.filter((f) => unlisted.has(f.device))).toEqual([]);
  });

  it('a sweep of the village’s /27 finds the new access point among the configured devices, which it marks', async () => {
    const ap = sim.unlisted.find((d) => d.id === 'tsybuleve-gymnasium-wifi')!;
    const net = ap.host.replace(/\.\d+$/, '');
    const result = await sweepRange(`${net}.0/27`, {
      port: ap.snmp!.port,
      credentials: [{ id: 'public-v2', credential: credentialOf('public-v2') }],
      config,
      concurrency: 64,
      timeoutMs: 300,
      retries: 0,
      ping: { ...config.polling.ping, count: 1, timeout: 500 },
    });
    expect(result.failed).toEqual([]);
    expect(result.found.map((d) => [d.host, d.sys_name, d.vendor, d.configured])).toEqual([
      [`${net}.1`, 'tsybuleve-uplink-prostonet', null, 'tsybuleve-uplink-prostonet'],
      [`${net}.10`, 'tsybuleve-gymnasium', null, 'tsybuleve-gymnasium'],
      [`${net}.13`, 'tsybuleve-starosta', null, 'tsybuleve-starosta'],
      [`${net}.20`, 'tsybuleve-square-wifi', 'tplink', 'tsybuleve-square-wifi'],
      [ap.host, ap.id, 'tplink', null],
    ]);
    expect(result.found.at(-1)).toMatchObject({ suggested_parent: 'tsybuleve-gymnasium', wifi: { clients: expect.any(Number) } });
  });

  it('once its discovered entry is in the config, the collector polls the agent already running, with no restart', async () => {
    const ap = sim.unlisted.find((d) => d.id === 'dmytrivka-culture-house-wifi')!;
    const d = await discoverTarget(
      { host: ap.host, port: ap.snmp!.port, credential: credentialOf('public-v2'), timeoutMs: 1000, retries: 0 },
      { config, credentialId: 'public-v2' },
    );
    const [entry] = parseYaml(d.yaml) as unknown[];
    const device = deviceSchema.parse(entry);
    const withIt: Config = {
      ...config,
      villages: config.villages.map((v) => (v.id === ap.village ? { ...v, devices: [...v.devices, device] } : v)),
    };
    const target = snmpProbe.targets(withIt).find((t) => t.device.id === device.id)!;
    expect(target.device).toMatchObject({ host: ap.host, parent: 'dmytrivka-culture-house', vendor: 'mikrotik' });
    const before = Date.now();
    const result = await createSnmpRunner({ config: withIt, log: silentLogger() }).run(target, NEVER_ABORTED);
    const after = Date.now();
    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({ ok: true, sys_name: ap.id, interface: { name: 'ether1', oper_up: true } });
    expect([sim.clientsAt(ap.id, before), sim.clientsAt(ap.id, after)]).toContain(result.wifi?.clients);
    // The demo of the config with it would serve it as a configured device, once, and no longer as unlisted.
    expect(demoScenario(withIt).unlisted.map((u) => u.id)).not.toContain(ap.id);
  });
});
