/**
 * The v1/v2c GET and walk that do without net-snmp (collector/snmp/community.ts)
 * against net-snmp's own Session.get and Session.walk, datagram for datagram:
 * a UDP "agent" on loopback answers both with the same crafted replies (every
 * value type, long lengths, an OID other than asked, an error-status, a
 * varbind short, a wrong community, garbage; for walks, a table answered by
 * GETNEXT and GETBULK as an agent would), and what our client returns must be
 * what net-snmp returns, or for errors what our client made of net-snmp's
 * error before, without the community in any message.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import snmp from 'net-snmp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ber, readBerHeader } from '../../collector/snmp/ber.ts';
import {
  compareOids,
  describeSnmpError,
  netSnmpClientFactory,
  SnmpError,
  type GetResult,
  type SnmpClient,
} from '../../collector/snmp/client.ts';
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

/** What the agent answers to the request it gets next: the datagram to send, made from the request's id (and the request). */
let answer: (id: number, request: Buffer) => Buffer | undefined = () => undefined;
let agent: Socket;
let port: number;

beforeAll(async () => {
  agent = createSocket('udp4');
  agent.on('message', (msg, rinfo) => {
    const id = peekRequestId(msg);
    const reply = id === undefined ? undefined : answer(id, msg);
    if (reply) agent.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => agent.bind(0, HOST, resolve));
  port = (agent.address() as AddressInfo).port;
});

afterAll(() => agent.close());

function ours(version: '1' | '2c' = '2c'): SnmpClient {
  return netSnmpClientFactory({ host: HOST, port, credential: { version, community: COMMUNITY }, timeoutMs: 300, retries: 0 });
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
});

/** A BER element's tag and where its contents lie. */
function element(buf: Buffer, pos: number): { tag: number; start: number; end: number } {
  const tag = readBerHeader(buf, pos, buf.length);
  return { tag, start: ber.start, end: ber.start + ber.length };
}

const unsigned = (buf: Buffer, e: { start: number; end: number }) => [...buf.subarray(e.start, e.end)].reduce((v, b) => v * 256 + b, 0);

function oidString(bytes: Buffer): string {
  const arcs: number[] = [];
  let v = 0;
  for (const b of bytes) {
    v = v * 128 + (b & 0x7f);
    if (b & 0x80) continue;
    if (arcs.length === 0) arcs.push(Math.floor(v / 40), v % 40);
    else arcs.push(v);
    v = 0;
  }
  return arcs.join('.');
}

/** A request as the agent reads it: its PDU, its first OID and, for GETBULK, its max-repetitions. */
function parseRequest(msg: Buffer): { pdu: number; oid: string; repetitions: number } {
  const version = element(msg, element(msg, 0).start);
  const pdu = element(msg, element(msg, version.end).end);
  const status = element(msg, element(msg, pdu.start).end);
  const index = element(msg, status.end);
  const varbind = element(msg, element(msg, index.end).start);
  const oid = element(msg, varbind.start);
  return { pdu: pdu.tag, oid: oidString(msg.subarray(oid.start, oid.end)), repetitions: unsigned(msg, index) };
}

/**
 * An agent's answers to GETNEXT and GETBULK over `mib` (sorted), as an agent
 * gives them: past its last object, endOfMibView on v2c and noSuchName on
 * v1. `seen` gets every such request; others (an earlier test's GET, late) go unanswered.
 */
function walkAgent(version: 0 | 1, mib: Vb[], seen: { pdu: number; oid: string; repetitions: number }[]) {
  return (id: number, msg: Buffer): Buffer | undefined => {
    const request = parseRequest(msg);
    if (request.pdu !== 0xa1 && request.pdu !== 0xa5) return undefined;
    seen.push(request);
    const from = mib.findIndex(([oid]) => compareOids(oid, request.oid) > 0);
    const count = request.pdu === 0xa5 ? request.repetitions : 1;
    const next = from < 0 ? [] : mib.slice(from, from + count);
    if (next.length === count) return response(id, next, { version });
    if (version === 0) return response(id, [[request.oid, T.Null, []]], { version, status: 2, index: 1 });
    return response(id, [...next, [next.at(-1)?.[0] ?? request.oid, T.EndOfMibView, []]], { version });
  };
}

/** net-snmp's own walk of `base`, keeping the varbinds within it as our client did when it walked through net-snmp. */
function theirWalk(version: '1' | '2c', base: string): Promise<GetResult[]> {
  const session = snmp.createSession(HOST, COMMUNITY, {
    port,
    version: version === '1' ? snmp.Version1 : snmp.Version2c,
    timeout: 300,
    retries: 0,
  });
  session.on('error', () => {});
  const rows: GetResult[] = [];
  return new Promise((resolve, reject) =>
    session.walk(
      base,
      20,
      (vbs) => {
        for (const vb of vbs) {
          if (!vb.oid.startsWith(`${base}.`) || Number(vb.type) >= 128) return true;
          rows.push({ oid: vb.oid, type: Number(vb.type), value: vb.value });
        }
        return false;
      },
      (err) => {
        session.close();
        if (err) reject(describeSnmpError(err, 300));
        else resolve(rows);
      },
    ),
  );
}

const IF_NAME = '1.3.6.1.2.1.31.1.1.1.1';
/** ifName of 45 interfaces (three GETBULKs), and the next column, which a walk of ifName must stop at. */
const IF_X_TABLE: Vb[] = [
  ...Array.from({ length: 45 }, (_, i): Vb => [`${IF_NAME}.${i + 1}`, T.OctetString, Buffer.from(`ether${i + 1}`)]),
  ...Array.from({ length: 45 }, (_, i): Vb => [`1.3.6.1.2.1.31.1.1.1.2.${i + 1}`, T.Counter, [i]]),
];

describe('v1/v2c walk without net-snmp', () => {
  async function walkBoth(version: '1' | '2c', mib: Vb[], base = IF_NAME) {
    const seen = { ours: [] as ReturnType<typeof parseRequest>[], theirs: [] as ReturnType<typeof parseRequest>[] };
    const client = ours(version);
    try {
      answer = walkAgent(version === '1' ? 0 : 1, mib, seen.ours);
      const a = await Promise.allSettled([client.walk(base)]);
      answer = walkAgent(version === '1' ? 0 : 1, mib, seen.theirs);
      const b = await Promise.allSettled([theirWalk(version, base)]);
      return { a: a[0]!, b: b[0]!, seen };
    } finally {
      client.close();
    }
  }

  it.each([
    ['2c', 0xa5, 3],
    ['1', 0xa1, 46],
  ] as const)(
    'walks a column of 45 rows as net-snmp does (v%s: PDU 0x%s, %i requests), stopping at the next column',
    async (version, pdu, requests) => {
      const { a, b, seen } = await walkBoth(version, IF_X_TABLE);
      expect(b.status).toBe('fulfilled');
      expect(a).toEqual(b);
      const rows = (a as PromiseFulfilledResult<GetResult[]>).value;
      expect(rows.map((r) => r.oid)).toEqual(IF_X_TABLE.slice(0, 45).map(([oid]) => oid));
      expect(rows[44]).toMatchObject({ type: T.OctetString, value: Buffer.from('ether45') });
      // The same requests as net-snmp's walk: each from the last OID read, GETBULK of 20 on v2c, GETNEXT on v1.
      expect(seen.ours).toEqual(seen.theirs);
      expect(seen.ours).toHaveLength(requests);
      expect(seen.ours.every((r) => r.pdu === pdu && r.repetitions === (pdu === 0xa5 ? 20 : 0))).toBe(true);
      expect(seen.ours[1]!.oid).toBe(version === '2c' ? `${IF_NAME}.20` : `${IF_NAME}.1`);
    },
  );

  it.each(['2c', '1'] as const)("ends at the end of the agent's MIB as net-snmp does (v%s)", async (version) => {
    const { a, b } = await walkBoth(version, IF_X_TABLE.slice(0, 45));
    expect(a).toEqual(b);
    expect((a as PromiseFulfilledResult<GetResult[]>).value).toHaveLength(45);
  });

  it('walks nothing under an OID the agent has nothing under', async () => {
    const { a, b } = await walkBoth('2c', IF_X_TABLE, '1.3.6.1.2.1.31.1.1.1.1.99');
    expect(a).toEqual(b);
    expect((a as PromiseFulfilledResult<GetResult[]>).value).toEqual([]);
  });

  it('fails as net-snmp does on an error-status in a later step', async () => {
    const serve = (id: number, msg: Buffer, seen: unknown[]) =>
      seen.length === 0 ? walkAgent(1, IF_X_TABLE, [])(id, msg) : response(id, [[IF_NAME, T.Null, []]], { status: 5, index: 1 });
    const results = [];
    for (const walk of [(c: SnmpClient) => c.walk(IF_NAME), () => theirWalk('2c', IF_NAME)]) {
      const seen: unknown[] = [];
      answer = (id, msg) => {
        const reply = serve(id, msg, seen);
        seen.push(msg);
        return reply;
      };
      const client = ours();
      results.push((await Promise.allSettled([walk(client)]))[0]);
      client.close();
    }
    expect(results[0]).toMatchObject({ status: 'rejected', reason: { kind: 'agent', message: 'agent error: GeneralError' } });
    expect(results[0]).toEqual(results[1]);
  });

  it.each([
    ['another community, naming neither', { community: 'other' }, { kind: 'auth', message: 'community in the reply does not match' }],
    ['another version', { version: 0 }, { kind: 'malformed' }],
  ] as const)('refuses a step answered with %s', async (_what, o, failure) => {
    answer = (id) => response(id, [[`${IF_NAME}.1`, T.OctetString, Buffer.from('ether1')]], o);
    const client = ours();
    try {
      const err = await client.walk(IF_NAME).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SnmpError);
      expect(err).toMatchObject(failure);
      expect(JSON.stringify(err) + String(err)).not.toContain(COMMUNITY);
    } finally {
      client.close();
    }
  });

  it('says "malformed" for a step it cannot read, at the timeout, and walks again after', async () => {
    const client = ours();
    try {
      answer = (id) => response(id, [[`${IF_NAME}.1`, T.OctetString, Buffer.from('ether1')]]).subarray(0, -2);
      await expect(client.walk(IF_NAME)).rejects.toMatchObject({ kind: 'malformed', message: expect.stringMatching(/^malformed reply: /) });
      answer = walkAgent(1, IF_X_TABLE, []);
      expect(await client.walk(IF_NAME)).toHaveLength(45);
    } finally {
      client.close();
    }
  });
});

it.each([
  ['GET', (c: SnmpClient) => c.get(OIDS)],
  ['walk', (c: SnmpClient) => c.walk(IF_NAME)],
] as const)('fails a %s in flight at once when its client closes', async (_what, request) => {
  answer = () => undefined;
  const client = ours();
  const pending = request(client);
  client.close();
  await expect(pending).rejects.toMatchObject({ message: expect.stringMatching(/closed|aborted/) });
});
