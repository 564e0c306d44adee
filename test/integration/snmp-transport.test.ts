/**
 * The shared SNMP socket and sessions (collector/snmp/transport.ts,
 * session.ts) against real snmpd agents: replies routed to their own requests
 * under load, one socket and one session however many clients share a
 * credential, walks through a shared session each to its own agent, one
 * encoded GET for every device asking the same OIDs, close() failing only its
 * own requests, a garbage reply blamed on its own agent only, a kept v3
 * session across an agent restart, and timeouts the collector was too busy
 * to time reported as not measured, not as a dead agent.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSnmpRunner, snmpPoints, snmpProbe } from '../../collector/probes/snmp.ts';
import { NEVER_ABORTED } from '../../collector/probes/types.ts';
import { netSnmpClientFactory, SnmpError, type SnmpClient } from '../../collector/snmp/client.ts';
import { sessionStats } from '../../collector/snmp/session.ts';
import { transportStats } from '../../collector/snmp/transport.ts';
import { SYS } from '../../collector/snmp/oids.ts';
import { deviceTargets } from '../../collector/targets.ts';
import { silentLogger } from '../../common/log.ts';
import type { SnmpCredential } from '../../config/schema.ts';
import { loopbackAddress, testConfig } from '../support/config.ts';
import { startSnmpd, TEST_V3_USERS, type Snmpd } from '../support/snmpd.ts';
import { freeUdpPort } from '../support/ports.ts';

const AGENTS = 4;
const WALK_BASE = '1.3.6.1.4.1.99999.1';
const WALKED = 50;
const agents: { snmpd: Snmpd; host: string; name: string }[] = [];
let silentHost: string;
let silentPort: number;
let garbage: Socket;
let garbageHost: string;

const v2 = (community = 'public'): SnmpCredential => ({ version: '2c', community });
const u = TEST_V3_USERS.shaAes;
const v3: SnmpCredential = {
  version: '3',
  user: u.user,
  auth: { protocol: 'sha', key: u.authKey },
  priv: { protocol: 'aes', key: u.privKey },
};

function client(host: string, port: number, credential: SnmpCredential, timeoutMs = 1000, retries = 0): SnmpClient {
  return netSnmpClientFactory({ host, port, credential, timeoutMs, retries });
}

/** Holds the event loop, as a collector drowning in work would. */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

async function sysName(c: SnmpClient): Promise<string> {
  const [r] = await c.get([SYS.name]);
  return Buffer.from((r as { value: Buffer }).value).toString();
}

beforeAll(async () => {
  for (let i = 0; i < AGENTS; i++) {
    const host = loopbackAddress();
    const name = `transport-agent-${i}`;
    // A subtree whose every value names its agent, long enough that a walk of it takes several GETBULKs.
    const overrides = Array.from({ length: WALKED }, (_, k): [string, string, number] => [
      `${WALK_BASE}.${k + 1}.0`,
      'integer',
      i * 1000 + k,
    ]);
    agents.push({ snmpd: await startSnmpd({ addresses: [host], sysName: name, overrides }), host, name });
  }
  silentHost = loopbackAddress();
  silentPort = await freeUdpPort(silentHost);
  garbageHost = loopbackAddress();
  garbage = createSocket('udp4');
  // Answers every request with bytes that are no SNMP message at all, not even a request id.
  garbage.on('message', (_msg, rinfo) => garbage.send(Buffer.from([0x30, 0x03, 0xff, 0xff, 0xff]), rinfo.port, rinfo.address));
  await new Promise<void>((resolve) => garbage.bind(0, garbageHost, resolve));
}, 60_000);

afterAll(async () => {
  garbage.close();
  await Promise.all(agents.map((a) => a.snmpd.dispose()));
});

describe('the shared SNMP socket', () => {
  it('routes 200 concurrent requests to several agents, each to its own answer, over one socket', async () => {
    const before = transportStats();
    const clients = agents.map((a) => client(a.host, a.snmpd.port, v2()));
    try {
      const asked = Array.from({ length: 200 }, (_, i) => i % AGENTS);
      const names = await Promise.all(asked.map((i) => sysName(clients[i]!)));
      expect(names).toEqual(asked.map((i) => agents[i]!.name));
      const during = transportStats();
      expect(during.sockets).toBe(1);
      // One community, one timing: one session serves every agent.
      expect(during.endpoints).toBe(before.endpoints + 1);
      expect(during.received - before.received).toBe(200);
      expect(during.unrouted).toBe(before.unrouted);
      expect(during.pending).toBe(0);
    } finally {
      clients.forEach((c) => c.close());
    }
    // The last user gone, the socket goes: nothing of it outlives the clients.
    expect(transportStats()).toMatchObject({ sockets: 0, endpoints: 0 });
  });

  it('keeps one socket, one session per credential and timing, and one encoded GET for a hundred clients', async () => {
    const clients = Array.from({ length: 100 }, (_, i) => client(agents[i % AGENTS]!.host, agents[i % AGENTS]!.snmpd.port, v2()));
    const other = client(agents[0]!.host, agents[0]!.snmpd.port, v2(), 2000);
    try {
      for (let round = 0; round < 2; round++) {
        const names = await Promise.all(clients.map((c) => sysName(c)));
        expect(names).toEqual(clients.map((_, i) => agents[i % AGENTS]!.name));
      }
      expect(await sysName(other)).toBe(agents[0]!.name);
      expect(transportStats()).toMatchObject({ sockets: 1, endpoints: 2 });
      // Another timeout is another session; the GET of sysName is encoded once in each.
      expect(sessionStats()).toEqual({ sessions: 2, templates: 2 });
    } finally {
      clients.forEach((c) => c.close());
      other.close();
    }
    expect(transportStats().sockets).toBe(0);
    expect(sessionStats().sessions).toBe(0);
  });

  it('takes each walk on a shared session to its own agent, every GETBULK of it', async () => {
    const clients = agents.map((a) => client(a.host, a.snmpd.port, v2()));
    try {
      const walks = await Promise.all(Array.from({ length: 5 }, () => clients.map((c) => c.walk(WALK_BASE))).flat());
      expect(transportStats().endpoints).toBe(1);
      walks.forEach((rows, w) => {
        const agent = w % AGENTS;
        expect(rows.map((r) => r.value)).toEqual(Array.from({ length: WALKED }, (_, k) => agent * 1000 + k));
      });
    } finally {
      clients.forEach((c) => c.close());
    }
  });

  it('blames a garbage reply on the client of its agent only', async () => {
    const broken = client(garbageHost, garbage.address().port, v2(), 300);
    const silent = client(silentHost, silentPort, v2(), 300);
    try {
      const [b, s] = await Promise.allSettled([sysName(broken), sysName(silent)]);
      expect(b).toMatchObject({ status: 'rejected', reason: { kind: 'malformed' } });
      expect(s).toMatchObject({ status: 'rejected', reason: { kind: 'timeout' } });
    } finally {
      broken.close();
      silent.close();
    }
  });

  it("fails only the closed client's pending requests", async () => {
    const live = client(agents[0]!.host, agents[0]!.snmpd.port, v2());
    const a = client(silentHost, silentPort, v2(), 5000);
    const b = client(silentHost, silentPort, v2(), 5000);
    try {
      const pendingA = a.get([SYS.name]);
      const pendingB = b.get([SYS.name]);
      const started = performance.now();
      a.close();
      await expect(pendingA).rejects.toBeInstanceOf(SnmpError);
      expect(performance.now() - started).toBeLessThan(100);
      // b's request is still waiting for its agent, and the socket still serves others.
      const settled = await Promise.race([
        pendingB.then(
          () => 'settled',
          () => 'settled',
        ),
        new Promise((r) => setTimeout(() => r('pending'), 300)),
      ]);
      expect(settled).toBe('pending');
      expect(await sysName(live)).toBe(agents[0]!.name);
      b.close();
      await expect(pendingB).rejects.toBeInstanceOf(SnmpError);
    } finally {
      [live, a, b].forEach((c) => c.close());
    }
  });

  it('keeps a v3 session across an agent restart (new engine boots)', async () => {
    const agent = agents[1]!;
    const c = client(agent.host, agent.snmpd.port, v3);
    try {
      expect(await sysName(c)).toBe(agent.name);
      await agent.snmpd.stop();
      await agent.snmpd.start();
      expect(await sysName(c)).toBe(agent.name);
      expect(await sysName(c)).toBe(agent.name);
    } finally {
      c.close();
    }
  });

  it('reads a reply that came while the event loop was busy before deciding a timeout', async () => {
    const agent = agents[2]!;
    const c = client(agent.host, agent.snmpd.port, v2(), 100);
    try {
      await sysName(c); // the socket bound, so the next request leaves at once
      // From the check phase, so that the loop's next phase is the timers', before the poll that reads the socket.
      await new Promise((r) => setImmediate(r));
      const pending = sysName(c);
      busy(400); // the reply lands in the socket's buffer; the 100 ms timer is overdue
      expect(await pending).toBe(agent.name);
    } finally {
      c.close();
    }
  });

  it('says "not measured" for a timeout timed by a lagging collector, and a timeout otherwise', async () => {
    const config = testConfig({
      snmp_credentials: { v2: { version: '2c', community: 'public' } },
      polling: { snmp: { timeout: '200ms', retries: 0 } },
      villages: [
        {
          id: 'v',
          name: 'Село',
          devices: [{ id: 'gone', kind: 'uplink', host: silentHost, snmp: { credential: 'v2', port: silentPort } }],
        },
      ],
    });
    const [target] = deviceTargets(config);
    const runner = createSnmpRunner({ config, log: silentLogger() });
    const warm = client(agents[0]!.host, agents[0]!.snmpd.port, v2());
    try {
      await sysName(warm);
      const calm = await runner.run(target!, NEVER_ABORTED);
      expect(calm).toMatchObject({ ok: false, error: 'no answer within 200 ms (agent down, blocked, or wrong community/user)' });
      expect(calm.not_measured).toBeUndefined();

      const lagging = runner.run(target!, NEVER_ABORTED);
      await new Promise((r) => setImmediate(r)); // the request has left
      busy(700); // its 200 ms timer fires 500 ms late
      const r = await lagging;
      expect(r.not_measured).toBe('loop_lag');
      expect(snmpProbe.observe(target!, r, 1000)).toEqual({ notMeasured: 'loop_lag' });
      expect(snmpPoints(target!, r, 1000)).toEqual([]);
    } finally {
      runner.close();
      warm.close();
    }
  });
});
