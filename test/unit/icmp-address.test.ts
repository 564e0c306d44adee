/**
 * How the batch pinger keeps an address and spells it for the addon. Only
 * loopback may be pinged here, so addresses above 127/8 (whose first octet
 * makes the kept number negative) are checked as bytes, not on the wire.
 */
import { describe, expect, it } from 'vitest';
import { addressOf, spellIpv4 } from '../../collector/probes/icmp.ts';

describe('ICMP addresses', () => {
  it('keeps an IPv4 address as one number and spells it back byte for byte, whatever its first octet', () => {
    for (const text of ['127.0.0.1', '127.255.0.254', '0.0.0.0', '10.1.2.3', '128.0.0.1', '203.0.113.250', '255.255.255.255']) {
      const kept = addressOf(text, 4);
      expect(typeof kept).toBe('number');
      expect([...spellIpv4(kept as number, new Uint8Array(4))]).toEqual(text.split('.').map(Number));
    }
  });

  it('keeps an IPv6 address as its 16 bytes, however it is written', () => {
    const loopback = [...new Uint8Array(15), 1];
    expect([...(addressOf('::1', 6) as Uint8Array)]).toEqual(loopback);
    expect([...(addressOf('0:0:0:0:0:0:0:1', 6) as Uint8Array)]).toEqual(loopback);
    expect([...(addressOf('::ffff:127.0.0.2', 6) as Uint8Array)]).toEqual([...new Uint8Array(10), 0xff, 0xff, 127, 0, 0, 2]);
  });
});
