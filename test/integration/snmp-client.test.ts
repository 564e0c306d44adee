/**
 * The SNMP client against an agent that breaks a walk's rule: net-snmp's own
 * JS agent answers a GETNEXT past its last object with noSuchObject at the
 * OID asked, which net-snmp's walk asks for again forever. The client takes
 * it as the end; an answer that is not past the last OID fails the walk.
 */
import snmp from 'net-snmp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareOids, netSnmpClientFactory } from '../../collector/snmp/client.ts';
import { freeUdpPort } from '../support/ports.ts';

const HOST = '127.0.66.1';
const SYS_NAME = '1.3.6.1.2.1.1.5.0';

interface JsAgent {
  getMib(): { registerProvider(p: unknown): void; setScalarValue(name: string, value: unknown): void };
  getAuthorizer(): { addCommunity(c: string): void };
  close(cb?: () => void): void;
}

let agent: JsAgent;
let port: number;

beforeAll(async () => {
  port = await freeUdpPort(HOST);
  agent = snmp.createAgent({ address: HOST, port, transport: 'udp4' }, () => {}) as JsAgent;
  agent.getAuthorizer().addCommunity('public');
  agent.getMib().registerProvider({
    name: 'sysName',
    type: snmp.MibProviderType.Scalar,
    oid: '1.3.6.1.2.1.1.5',
    scalarType: snmp.ObjectType.OctetString,
    maxAccess: snmp.MaxAccess['read-only'],
  });
  agent.getMib().setScalarValue('sysName', 'looping-agent');
  await new Promise((r) => setTimeout(r, 100));
});

afterAll(() => new Promise<void>((resolve) => agent.close(() => resolve())));

const client = (version: '1' | '2c') =>
  netSnmpClientFactory({ host: HOST, port, credential: { version, community: 'public' }, timeoutMs: 1000, retries: 0 });

describe('walk', () => {
  it.each(['1', '2c'] as const)(
    'ends (SNMPv%s) where an agent answers past its last object with noSuchObject, instead of asking forever',
    async (version) => {
      const c = client(version);
      try {
        const rows = (oid: string) => Promise.race([c.walk(oid), new Promise((r) => setTimeout(() => r('still walking after 5 s'), 5000))]);
        expect(await rows('1.3.6.1.4.1.14988.1.1.1.3.1.6')).toEqual([]);
        expect(await rows('1.3.6.1.2.1.1')).toEqual([
          { oid: SYS_NAME, type: snmp.ObjectType.OctetString, value: Buffer.from('looping-agent') },
        ]);
      } finally {
        c.close();
      }
    },
  );

  it('orders OIDs arc by arc', () => {
    expect(compareOids('1.3.6.1.2.1.2.2.1.10', '1.3.6.1.2.1.2.2.1.9')).toBeGreaterThan(0);
    expect(compareOids('1.3.6.1', '1.3.6.1.2')).toBeLessThan(0);
    expect(compareOids('1.3.6.1.2', '1.3.6.1.2')).toBe(0);
  });
});
