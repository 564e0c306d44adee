/**
 * SNMP probe logic over a fake agent: rates, wraps, reboots, a moving ifIndex,
 * malformed varbinds and the vendor profiles, with a clock the test controls.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createSnmpRunner, snmpPoints } from '../../collector/probes/snmp.ts';
import { snmpProbe } from '../../collector/probes/snmp.ts';
import { SnmpError } from '../../collector/snmp/client.ts';
import { IF, SYS } from '../../collector/snmp/oids.ts';
import type { ConfigInput } from '../../config/schema.ts';
import { testConfig } from '../support/config.ts';
import { FakeAgent, T } from '../support/fake-snmp.ts';
import { NEVER_ABORTED } from '../../collector/probes/types.ts';

type DeviceInput = NonNullable<ConfigInput['villages'][number]['devices']>[number];

function harness(device: Partial<DeviceInput> = {}) {
  const config = testConfig({
    snmp_credentials: { v2: { version: '2c', community: 'public' } },
    villages: [
      {
        id: 'tsybuleve',
        name: 'Цибулеве',
        devices: [
          { id: 'uplink', kind: 'uplink', host: '127.0.9.1', snmp: { credential: 'v2', interface: 'ether1' }, ...device } as DeviceInput,
        ],
      },
    ],
  });
  const agent = new FakeAgent();
  const logs: Record<string, unknown>[] = [];
  const log = pino(
    new Writable({
      write(chunk, _enc, cb) {
        logs.push(JSON.parse(String(chunk)));
        cb();
      },
    }),
  );
  let clock = 0;
  const runner = createSnmpRunner({ config, log, clientFactory: agent.factory(), now: () => clock });
  const target = snmpProbe.targets(config)[0]!;
  const poll = () => runner.run(target, NEVER_ABORTED);
  return {
    agent,
    logs,
    target,
    poll,
    advance: (ms: number) => (clock += ms),
  };
}

/** A MikroTik-like router: ether1 at ifIndex `index`, 100 Mbit/s. */
function router(agent: FakeAgent, { index = 2, uptime = 100_000, inOctets = 0n, outOctets = 0n } = {}) {
  agent.oids.clear();
  agent
    .set(SYS.upTime, T.ticks, uptime)
    .set(SYS.name, T.str, Buffer.from('tsybuleve-gw'))
    .set(SYS.descr, T.str, Buffer.from('RouterOS RB4011'))
    .set(`${IF.name}.1`, T.str, Buffer.from('lo'))
    .set(`${IF.name}.${index}`, T.str, Buffer.from('ether1'))
    .set(`${IF.operStatus}.${index}`, T.int, 1)
    .set(`${IF.highSpeed}.${index}`, T.gauge, 100)
    .set(`${IF.hcInOctets}.${index}`, T.c64, FakeAgent.c64(inOctets))
    .set(`${IF.hcOutOctets}.${index}`, T.c64, FakeAgent.c64(outOctets));
  for (const col of [IF.inErrors, IF.outErrors, IF.inDiscards, IF.outDiscards]) agent.set(`${col}.${index}`, T.c32, 0);
}

describe('SNMP probe (fake agent)', () => {
  it('computes rates from two readings and asks one GET per poll once resolved, of one frozen list', async () => {
    const h = harness();
    router(h.agent);
    const first = await h.poll();
    const list = h.agent.lastGet;
    expect(first.interface).toMatchObject({ name: 'ether1', index: 2, oper_up: true, speed_mbps: 100, in_bps: null });
    h.advance(60_000);
    router(h.agent, { uptime: 106_000, inOctets: 75_000_000n, outOctets: 7_500_000n });
    h.agent.set(`${IF.inErrors}.2`, T.c32, 3);
    const before = h.agent.requests;
    const second = await h.poll();
    expect(h.agent.requests - before).toBe(1);
    // The same list each poll, frozen, shared by every device asking it: the client keys its encoded request by it.
    expect(h.agent.lastGet).toBe(list);
    expect(Object.isFrozen(list)).toBe(true);
    // The interface point's tags too: one frozen object per device, whose line head is encoded once.
    const ifTags = (r: typeof first) => snmpPoints(h.target, r, 0).find((p) => p.measurement === 'interface')!.tags;
    expect(ifTags(second)).toBe(ifTags(first));
    expect(ifTags(second)).toEqual({ ...h.target.tags, interface: 'ether1' });
    expect(Object.isFrozen(ifTags(second))).toBe(true);
    expect(second.interface).toMatchObject({ in_bps: 10_000_000, out_bps: 1_000_000, in_errors: 3, out_errors: 0 });
  });

  it('rides over a Counter64 wrap', async () => {
    const h = harness();
    const near = (1n << 64n) - 3_750_000n;
    router(h.agent, { inOctets: near });
    await h.poll();
    h.advance(60_000);
    router(h.agent, { uptime: 106_000, inOctets: 3_750_000n });
    expect((await h.poll()).interface?.in_bps).toBe(1_000_000);
  });

  it('records a reboot, gives no rate across it, and finds a moved ifIndex', async () => {
    const h = harness();
    router(h.agent, { uptime: 5_000_000, inOctets: 9_000_000_000n });
    await h.poll();
    h.advance(60_000);
    router(h.agent, { index: 7, uptime: 1_500, inOctets: 1_000n });
    const r = await h.poll();
    expect(r.reboot).toEqual({ previous_uptime_s: 50_000, uptime_s: 15 });
    expect(r.interface).toMatchObject({ index: 7, in_bps: null, oper_up: true });
    const event = snmpPoints(h.target, r, 123).find((p) => p.measurement === 'event');
    expect(event).toEqual({
      measurement: 'event',
      tags: { village: 'tsybuleve', device: 'uplink', kind: 'uplink', type: 'reboot' },
      fields: { message: 'sysUpTime went back from 50000 s to 15 s', value: 15, previous: 50_000 },
      time: 123,
    });
    expect(h.logs.some((l) => l.msg === 'device rebooted' && l.device === 'uplink')).toBe(true);
    h.advance(60_000);
    router(h.agent, { index: 7, uptime: 7_500, inOctets: 7_501_000n });
    expect((await h.poll()).interface?.in_bps).toBe(1_000_000);
  });

  it('logs malformed varbinds with the device id and keeps the rest', async () => {
    const h = harness();
    router(h.agent);
    h.agent.set(SYS.upTime, T.str, Buffer.from('yesterday'));
    h.agent.set(`${IF.hcInOctets}.2`, T.str, Buffer.from('lots'));
    h.agent.oids.delete(`${IF.highSpeed}.2`);
    const r = await h.poll();
    expect(r.ok).toBe(true);
    expect(r.sys_uptime_s).toBeUndefined();
    expect(r.sys_name).toBe('tsybuleve-gw');
    expect(r.interface?.oper_up).toBe(true);
    expect(r.interface?.speed_mbps).toBeNull();
    expect(r.warnings).toEqual([
      `sysUpTime (${SYS.upTime}) has type OctetString, expected TimeTicks`,
      `ifHighSpeed (${IF.highSpeed}.2) noSuchInstance`,
      `ifInOctets (${IF.hcInOctets}.2) has type OctetString, expected Counter/Counter64`,
    ]);
    const warn = h.logs.find((l) => l.msg === 'SNMP reply had unusable varbinds');
    expect(warn).toMatchObject({ device: 'uplink', warnings: r.warnings });
  });

  it('reports an agent failure as a failed poll and points with ok=0', async () => {
    const h = harness();
    h.agent.failWith = new SnmpError('no answer within 2000 ms (agent down, blocked, or wrong community/user)', 'timeout');
    const r = await h.poll();
    expect(r).toMatchObject({ ok: false, error: 'no answer within 2000 ms (agent down, blocked, or wrong community/user)' });
    expect(snmpPoints(h.target, r, 5)).toEqual([{ measurement: 'snmp', tags: h.target.tags, fields: { ok: 0, response_ms: 0 }, time: 5 }]);
  });

  it('reads ifTable (32-bit counters, ifSpeed) when the agent has no ifXTable, with one extra GET on the first poll only', async () => {
    // airOS and Windows agents serve no ifXTable: ifHCInOctets & co. are noSuchObject over v2c too.
    const h = harness({ snmp: { credential: 'v2', interface: 'eth0' } });
    const airos = (inOctets: number, uptime: number) => {
      h.agent.oids.clear();
      h.agent
        .set(SYS.upTime, T.ticks, uptime)
        .set(SYS.name, T.str, Buffer.from('<private>'))
        .set(SYS.descr, T.str, Buffer.from('Linux 2.6.32.68 #1 Thu Aug 22 16:38:44 EEST 2019 mips'))
        .set(`${IF.descr}.1`, T.str, Buffer.from('lo'))
        .set(`${IF.descr}.2`, T.str, Buffer.from('eth0'))
        .set(`${IF.operStatus}.2`, T.int, 1)
        .set(`${IF.speed}.2`, T.gauge, 100_000_000)
        .set(`${IF.inOctets}.2`, T.c32, inOctets)
        .set(`${IF.outOctets}.2`, T.c32, 0);
      for (const col of [IF.inErrors, IF.outErrors, IF.inDiscards, IF.outDiscards]) h.agent.set(`${col}.2`, T.c32, 0);
    };
    airos(4_294_000_000, 100_000);
    const first = await h.poll();
    expect(first.warnings).toEqual([]);
    expect(first.interface).toMatchObject({ name: 'eth0', index: 2, oper_up: true, speed_mbps: 100, in_bps: null });
    h.advance(60_000);
    airos(7_032_704, 106_000); // wrapped at 2^32
    const before = h.agent.requests;
    const second = await h.poll();
    expect(h.agent.requests - before).toBe(1);
    expect(second.warnings).toEqual([]);
    expect(second.interface).toMatchObject({ in_bps: 1_066_666.6666666667, out_bps: 0 });
  });

  it('finds an interface whose ifDescr ends in NUL bytes, and names it without them', async () => {
    // Windows: ifDescr "Intel(R) PRO/Wireless 2200BG Network Connection\0".
    const h = harness({ snmp: { credential: 'v2', interface: 'Intel(R) PRO/Wireless 2200BG Network Connection' } });
    router(h.agent, { index: 65539 });
    h.agent.oids.delete(`${IF.name}.65539`);
    h.agent.set(`${IF.descr}.65539`, T.str, Buffer.from('Intel(R) PRO/Wireless 2200BG Network Connection\0'));
    const r = await h.poll();
    expect(r.interface_error).toBeUndefined();
    expect(r.interface).toMatchObject({ name: 'Intel(R) PRO/Wireless 2200BG Network Connection', index: 65539 });
    const byIndex = harness({ snmp: { credential: 'v2', interface: 65539 } });
    for (const [oid, v] of h.agent.oids) byIndex.agent.oids.set(oid, v);
    expect((await byIndex.poll()).interface?.name).toBe('Intel(R) PRO/Wireless 2200BG Network Connection');
  });

  it('takes a speed of 0 as unknown, not as a 0 Mbit/s link', async () => {
    // UniFi radios and airOS bridges say ifHighSpeed / ifSpeed 0.
    const h = harness();
    router(h.agent);
    h.agent.set(`${IF.highSpeed}.2`, T.gauge, 0);
    const r = await h.poll();
    expect(r.warnings).toEqual([]);
    expect(r.interface?.speed_mbps).toBeNull();
    expect(snmpPoints(h.target, r, 1).find((p) => p.measurement === 'interface')?.fields).not.toHaveProperty('speed_mbps');
  });

  it('says when the configured interface does not exist', async () => {
    const h = harness({ snmp: { credential: 'v2', interface: 'wlan9' } });
    router(h.agent);
    const r = await h.poll();
    expect(r.ok).toBe(true);
    expect(r.interface_error).toBe('interface "wlan9" not found on the agent');
  });
});

describe('Wi-Fi vendor profiles (fake agent)', () => {
  const wifi = (vendor: DeviceInput['vendor'], extra: Partial<DeviceInput> = {}) =>
    harness({ kind: 'wifi', vendor, snmp: { credential: 'v2' }, ...extra });

  it('MikroTik sums clients (Counter32, rows at the wireless ifIndexes) over wireless interfaces', async () => {
    const h = wifi('mikrotik');
    router(h.agent);
    for (const [i, n] of [
      [1, 7],
      [2, 0],
      [8, 0],
      [9, 4],
    ] as const)
      h.agent.set(`1.3.6.1.4.1.14988.1.1.1.3.1.6.${i}`, T.c32, n);
    expect((await h.poll()).wifi).toEqual({ clients: 11 });
  });

  it('airMAX sums stations (ubntWlStatStaCount, Gauge32) over radios', async () => {
    const h = wifi('airmax');
    router(h.agent);
    expect((await h.poll()).wifi).toEqual({ clients: 0 });
    h.agent.set('1.3.6.1.4.1.41112.1.4.5.1.15.1', T.gauge, 22).set('1.3.6.1.4.1.41112.1.4.5.1.15.2', T.gauge, 3);
    const r = await h.poll();
    expect(r.wifi).toEqual({ clients: 25 });
    expect(snmpPoints(h.target, r, 1).find((p) => p.measurement === 'wifi')?.tags).toMatchObject({ vendor: 'airmax' });
  });

  it('UniFi sums stations over VAPs and counts VAPs up', async () => {
    const h = wifi('unifi');
    router(h.agent);
    for (const [i, n, up] of [
      [1, 4, 1],
      [2, 6, 1],
      [3, 0, 2],
    ] as const) {
      h.agent.set(`1.3.6.1.4.1.41112.1.6.1.2.1.8.${i}`, T.int, n).set(`1.3.6.1.4.1.41112.1.6.1.2.1.22.${i}`, T.int, up);
    }
    const r = await h.poll();
    expect(r.wifi).toEqual({ clients: 10, radios_up: 2 });
    expect(snmpPoints(h.target, r, 1).find((p) => p.measurement === 'wifi')).toEqual({
      measurement: 'wifi',
      tags: { village: 'tsybuleve', device: 'uplink', kind: 'wifi', vendor: 'unifi' },
      fields: { clients: 10, radios_up: 2 },
      time: 1,
    });
  });

  it('TP-Link reads its scalar, and says so when the agent lacks it', async () => {
    const h = wifi('tplink');
    router(h.agent);
    expect((await h.poll()).wifi_error).toBe('TP-Link client count (1.3.6.1.4.1.11863.10.1.1.1.0) is not served by this agent');
    h.agent.set('1.3.6.1.4.1.11863.10.1.1.1.0', T.int, 5);
    expect((await h.poll()).wifi).toEqual({ clients: 5 });
  });

  it('generic reads a scalar or sums a column, and rejects a non-integer', async () => {
    const scalar = wifi('generic', { clients_oid: '1.3.6.1.4.1.99.1.0' });
    router(scalar.agent);
    scalar.agent.set('1.3.6.1.4.1.99.1.0', T.gauge, 8);
    expect((await scalar.poll()).wifi).toEqual({ clients: 8 });

    const column = wifi('generic', { clients_oid: '.1.3.6.1.4.1.99.2' });
    router(column.agent);
    column.agent.set('1.3.6.1.4.1.99.2.1', T.int, 2).set('1.3.6.1.4.1.99.2.2', T.int, 3);
    expect((await column.poll()).wifi).toEqual({ clients: 5 });

    column.agent.set('1.3.6.1.4.1.99.2.2', T.str, Buffer.from('three'));
    const bad = await column.poll();
    expect(bad.wifi).toBeUndefined();
    expect(bad.wifi_error).toBe('clients_oid at 1.3.6.1.4.1.99.2.2 is not a non-negative integer');
    expect(column.logs.some((l) => l.msg === 'cannot read Wi-Fi clients' && l.device === 'uplink')).toBe(true);
  });
});
