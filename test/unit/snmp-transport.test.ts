/** Reading a request id out of an SNMP message without decoding it (collector/snmp/transport.ts), as the shared socket routes replies. */
import { describe, expect, it } from 'vitest';
import { nextRequestId, peekRequestId, requestIdOffset } from '../../collector/snmp/transport.ts';

/** A BER TLV with a short or long length form. */
function tlv(tag: number, body: Buffer): Buffer {
  const len = body.length < 0x80 ? Buffer.from([body.length]) : Buffer.from([0x82, body.length >> 8, body.length & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}
const int = (bytes: number[]) => tlv(0x02, Buffer.from(bytes));
const seq = (...parts: Buffer[]) => tlv(0x30, Buffer.concat(parts));

describe('request ids on the wire', () => {
  it('finds the PDU request-id of a v1/v2c message, short and long lengths alike', () => {
    const varbinds = seq(
      ...Array.from({ length: 12 }, () => seq(tlv(0x06, Buffer.from([0x2b, 6, 1, 2, 1, 1, 5, 0])), tlv(0x05, Buffer.alloc(0)))),
    );
    const pdu = tlv(0xa2, Buffer.concat([int([0x12, 0x34, 0x56, 0x78]), int([0]), int([0]), varbinds]));
    const message = seq(int([1]), tlv(0x04, Buffer.from('public')), pdu);
    expect(message[1]).toBe(0x82); // the long form
    expect(peekRequestId(message)).toBe(0x12345678);
    expect(message.readInt32BE(requestIdOffset(message)! + 2)).toBe(0x12345678);
  });

  it("finds a v3 message's msgID, and a negative id as the agent sent it", () => {
    const header = seq(int([0x01, 0x00, 0x00, 0x07]), int([0x00, 0xff, 0xe3]), tlv(0x04, Buffer.from([4])), int([3]));
    expect(peekRequestId(seq(int([3]), header, tlv(0x04, Buffer.alloc(0))))).toBe(0x01000007);
    expect(peekRequestId(seq(int([1]), tlv(0x04, Buffer.from('c')), tlv(0xa2, int([0xff]))))).toBe(-1);
  });

  it('gives up on what is not an SNMP message, never throwing', () => {
    for (const junk of [Buffer.alloc(0), Buffer.from('garbage'), Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), seq(int([1]))]) {
      expect(peekRequestId(junk)).toBeUndefined();
    }
  });

  it('makes ids that stay four bytes wide and positive', () => {
    for (let i = 0; i < 1000; i++) {
      const id = nextRequestId();
      expect(id).toBeGreaterThanOrEqual(0x01000000);
      expect(id).toBeLessThanOrEqual(0x7fffffff);
    }
  });
});
