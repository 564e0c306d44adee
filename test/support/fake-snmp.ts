/**
 * An in-memory SNMP agent behind the `SnmpClient` interface: a map of OID to
 * typed value, in the spirit of Telegraf's snmp_test.go. Tests mutate `oids`
 * between polls to script counters, reboots and malformed answers.
 */
import type { GetResult, SnmpClient, SnmpClientFactory, Varbind } from '../../collector/snmp/client.ts';
import { ObjectType } from '../../collector/snmp/client.ts';

export const T = {
  int: ObjectType.Integer!,
  str: ObjectType.OctetString!,
  ticks: ObjectType.TimeTicks!,
  c32: ObjectType.Counter32!,
  c64: ObjectType.Counter64!,
  gauge: ObjectType.Gauge!,
};

export type FakeValue = { type: number; value: unknown };

function compareOids(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

export class FakeAgent {
  readonly oids = new Map<string, FakeValue>();
  /** When set, every request fails with this error (silent or broken agent). */
  failWith: Error | undefined;
  requests = 0;
  /** The OID list of the last GET, as the client got it. */
  lastGet: readonly string[] | undefined;

  set(oid: string, type: number, value: unknown): this {
    this.oids.set(oid, { type, value });
    return this;
  }

  /** Encodes a 64-bit counter as net-snmp delivers it: a big-endian Buffer. */
  static c64(n: bigint): Buffer {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(n);
    return b;
  }

  client(version: SnmpClient['version'] = '2c'): SnmpClient {
    return {
      version,
      get: async (oids) => {
        this.requests++;
        this.lastGet = oids;
        if (this.failWith) throw this.failWith;
        return oids.map((oid): GetResult => {
          const v = this.oids.get(oid);
          return v ? { oid, ...v } : { oid, missing: 'noSuchInstance' };
        });
      },
      walk: async (base) => {
        this.requests++;
        if (this.failWith) throw this.failWith;
        return [...this.oids.entries()]
          .filter(([oid]) => oid.startsWith(`${base}.`))
          .sort(([a], [b]) => compareOids(a, b))
          .map(([oid, v]): Varbind => ({ oid, ...v }));
      },
      close: () => {},
    };
  }

  factory(): SnmpClientFactory {
    return (target) => this.client(target.credential.version);
  }
}
