/**
 * The BER tag-length header, as both readers of SNMP datagrams need it: the
 * shared socket, to route a reply by its request id (transport.ts), and the
 * v1/v2c GETs and walk steps, to read the reply (community.ts). It allocates nothing: a read
 * leaves where the contents start and how long they are in `ber`.
 */

/** Where the contents of the element last read start, and their length. */
export const ber = { start: 0, length: 0 };

/**
 * Reads the header at `pos`, whose own bytes must lie before `end`: returns
 * its tag, or -1 when it is cut short or its length is not given in 1–4
 * bytes. The contents may run past `end`: whether that is an error is the
 * caller's to say. The socket still routes a truncated reply by its id, so
 * that the request it answers is told it is malformed; community.ts refuses it.
 */
export function readBerHeader(buf: Buffer, pos: number, end: number): number {
  if (pos + 2 > end) return -1;
  let length = buf[pos + 1]!;
  let start = pos + 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    if (n === 0 || n > 4 || start + n > end) return -1;
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + buf[start++]!;
  }
  ber.start = start;
  ber.length = length;
  return buf[pos]!;
}
