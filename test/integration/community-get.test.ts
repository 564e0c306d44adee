/**
 * The v1/v2c GET that does without net-snmp (collector/snmp/community-get.ts)
 * against net-snmp's own Session.get, datagram for datagram: a UDP "agent"
 * on loopback answers both with the same crafted replies (every value type,
 * long lengths, an OID other than asked, an error-status, a varbind short, a
 * wrong community, garbage), and what our client returns must be what
 * net-snmp returns, or for errors what our client made of net-snmp's error
 * before, without the community in any message.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import snmp from 'net-snmp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeSnmpError, netSnmpClientFactory, SnmpError, type GetResult, type SnmpClient } from '../../collector/snmp/client.ts';
import { peekRequestId } from '../../collector/snmp/transport.ts';

const COMMUNITY = 'sekret-community';
const HOST = '127.0.0.1';

/** BER TLV with a definite length, long form from 128 bytes. */
function tlv(tag: number, contents: number[] | Buffer): Buffer {
  const c = Buffer.from(contents);
  const n = c.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...len]), c]);
}

function oidBytes(oid: string): number[] {
  const arcs = oid.split('.').map(Number);
  const out: number[] = [];
  for (const arc of [arcs[0]! * 40 + arcs[1]!, ...arcs.slice(2)]) {
    const g = [arc & 0x7f];
    for (let v = arc >>> 7; v > 0; v >>>= 7) g.unshift((v & 0x7f) | 0x80);
    out.push(...g);
  }
  return out;
}

type Vb = [oid: string, type: number, contents: number[] | Buffer];

/** A GetResponse to request id `id`, as an agent would send it. */
function response(id: number, varbinds: Vb[], o: { community?: string; version?: number; status?: number; index?: number } = {}): Buffer {
  const list = Buffer.concat(
    varbinds.map(([oid, type, contents]) => tlv(0x30, Buffer.concat([tlv(0x06, oidBytes(oid)), tlv(type, contents)]))),
  );
  const idBytes = Buffer.alloc(4);
  idBytes.writeInt32BE(id);
  const pdu = tlv(0xa2, Buffer.concat([tlv(0x02, idBytes), tlv(0x02, [o.status ?? 0]), tlv(0x02, [o.index ?? 0]), tlv(0x30, list)]));
  return tlv(0x30, Buffer.concat([tlv(0x02, [o.version ?? 1]), tlv(0x04, Buffer.from(o.community ?? COMMUNITY)), pdu]));
}

const OIDS = ['1.3.6.1.2.1.1.3.0', '1.3.6.1.2.1.1.5.0', '1.3.6.1.2.1.2.2.1.8.1', '1.3.6.1.2.1.31.1.1.1.6.1'];

/** What the agent answers to the request it gets next: the datagram to send, made from the request's id. */
let answer: (id: number) => Buffer | undefined = () => undefined;
let agent: Socket;
let port: number;

beforeAll(async () => {
  agent = createSocket('udp4');
  agent.on('message', (msg, rinfo) => {
    const id = peekRequestId(msg);
    const reply = id === undefined ? undefined : answer(id);
    if (reply) agent.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => agent.bind(0, HOST, resolve));
  port = (agent.address() as AddressInfo).port;
});

afterAll(() => agent.close());

function ours(): SnmpClient {
  return netSnmpClientFactory({ host: HOST, port, credential: { version: '2c', community: COMMUNITY }, timeoutMs: 300, retries: 0 });
}

/** net-snmp's own session and GET, its varbinds read as our client read them before it did without net-snmp. */
function theirs(oids: string[]): Promise<GetResult[]> {
  const session = snmp.createSession(HOST, COMMUNITY, { port, version: snmp.Version2c, timeout: 300, retries: 0 });
  session.on('error', () => {});
  return new Promise<GetResult[]>((resolve, reject) =>
    session.get(oids, (err, vbs) => {
      session.close();
      if (err) return reject(describeSnmpError(err, 300));
      resolve(
        vbs!.map((vb) => {
          const type = Number(vb.type);
          const missing = { 128: 'noSuchObject', 129: 'noSuchInstance', 130: 'endOfMibView' }[type] as 'noSuchObject' | undefined;
          return missing ? { oid: vb.oid, missing } : { oid: vb.oid, type, value: vb.value };
        }),
      );
    }),
  );
}

async function both(
  oids: string[],
  reply: (id: number) => Buffer,
): Promise<[PromiseSettledResult<GetResult[]>, PromiseSettledResult<GetResult[]>]> {
  answer = reply;
  const client = ours();
  try {
    const a = await Promise.allSettled([client.get(oids)]);
    const b = await Promise.allSettled([theirs(oids)]);
    return [a[0]!, b[0]!];
  } finally {
    client.close();
  }
}

const { ObjectType: T } = snmp;

describe('v1/v2c GET without net-snmp', () => {
  it('reads every value type as net-snmp does', async () => {
    const long = Buffer.alloc(300, 0x61);
    const vbs: Vb[] = [
      ['1.3.6.1.2.1.1.3.0', T.TimeTicks, [0x00, 0xff, 0xff, 0xff, 0xff]],
      ['1.3.6.1.2.1.1.5.0', T.OctetString, Buffer.from('router-1')],
      ['1.3.6.1.2.1.1.6.0', T.OctetString, []],
      ['1.3.6.1.2.1.1.1.0', T.OctetString, long],
      ['1.3.6.1.2.1.2.2.1.8.1', T.Integer, [0xff, 0xfb]],
      ['1.3.6.1.2.1.2.2.1.5.1', T.Gauge, [0x3b, 0x9a, 0xca, 0x00]],
      ['1.3.6.1.2.1.2.2.1.10.1', T.Counter, [0x80, 0x00, 0x00, 0x01]],
      ['1.3.6.1.2.1.31.1.1.1.6.1', T.Counter64, [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08]],
      ['1.3.6.1.2.1.1.2.0', T.OID, oidBytes('1.3.6.1.4.1.14988.1')],
      ['1.3.6.1.2.1.4.20.1.1.10', T.IpAddress, [10, 0, 0, 1]],
      ['1.3.6.1.2.1.99.1.0', T.NoSuchObject, []],
      ['1.3.6.1.2.1.99.2.0', T.NoSuchInstance, []],
      ['1.3.6.1.2.1.99.3.0', T.EndOfMibView, []],
      ['1.3.6.1.2.1.99.4.0', T.Null, []],
      ['1.3.6.1.2.1.99.5.0', T.Opaque, [0x9f, 0x78, 0x04, 0x3f, 0x80, 0x00, 0x00]],
    ];
    const oids = vbs.map(([oid]) => oid);
    const [a, b] = await both(oids, (id) => response(id, vbs));
    expect(b.status).toBe('fulfilled');
    expect(a).toEqual(b);
    const results = (a as PromiseFulfilledResult<GetResult[]>).value;
    // The caller's own strings serve for the OIDs answered as asked.
    results.forEach((r, i) => expect(r.oid).toBe(oids[i]));
    expect(results[0]).toMatchObject({ type: T.TimeTicks, value: 0xffffffff });
    expect(results[4]).toMatchObject({ type: T.Integer, value: -5 });
    expect(results[6]).toMatchObject({ type: T.Counter, value: 0x80000001 });
    expect(results[10]).toEqual({ oid: oids[10], missing: 'noSuchObject' });
  });

  it('takes an OID other than asked from the reply, as net-snmp does', async () => {
    const [a, b] = await both(OIDS, (id) =>
      response(id, [
        [OIDS[0]!, T.TimeTicks, [0x10]],
        ['1.3.6.1.2.1.1.5.1', T.OctetString, Buffer.from('x')],
        [OIDS[2]!, T.Integer, [1]],
        [OIDS[3]!, T.Counter64, [0]],
      ]),
    );
    expect(a).toEqual(b);
    expect((a as PromiseFulfilledResult<GetResult[]>).value[1]!.oid).toBe('1.3.6.1.2.1.1.5.1');
  });

  it('fails as net-snmp does on an error-status, a varbind short and another version', async () => {
    const vbs: Vb[] = OIDS.map((oid) => [oid, T.Integer, [1]]);
    for (const reply of [
      (id: number) => response(id, vbs, { status: 5, index: 2 }),
      (id: number) => response(id, vbs, { status: 2, index: 9 }),
      (id: number) => response(id, vbs.slice(1)),
      (id: number) => response(id, vbs, { version: 0 }),
    ]) {
      const [a, b] = await both(OIDS, reply);
      expect(a.status).toBe('rejected');
      expect(a).toEqual(b);
    }
  });

  it('refuses a reply with another community, naming neither', async () => {
    const [a] = await both(OIDS, (id) =>
      response(
        id,
        OIDS.map((oid) => [oid, T.Integer, [1]]),
        { community: 'other' },
      ),
    );
    const err = (a as PromiseRejectedResult).reason as SnmpError;
    expect(err).toMatchObject({ kind: 'auth', message: 'community in the reply does not match' });
  });

  const integers = (id: number, value: number) =>
    response(
      id,
      OIDS.map((oid) => [oid, T.Integer, [value]]),
    );

  it.each([
    [
      'says "malformed" for a reply it cannot read, at the timeout',
      (id: number) => integers(id, 1).subarray(0, -3),
      { kind: 'malformed', message: expect.stringMatching(/^malformed reply: /) },
    ],
    ['times out on silence', () => undefined, { kind: 'timeout' }],
  ] as const)('%s, and reads the next reply', async (_what, first, failure) => {
    const client = ours();
    try {
      answer = first;
      await expect(client.get(OIDS)).rejects.toMatchObject(failure);
      answer = (id) => integers(id, 7);
      expect((await client.get(OIDS)).map((r) => (r as { value: number }).value)).toEqual([7, 7, 7, 7]);
    } finally {
      client.close();
    }
  });

  it('fails a GET in flight at once when its client closes', async () => {
    answer = () => undefined;
    const client = ours();
    const pending = client.get(OIDS);
    client.close();
    await expect(pending).rejects.toMatchObject({ message: expect.stringMatching(/closed|aborted/) });
  });
});
