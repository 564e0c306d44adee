/**
 * Reading varbind values as discovery needs them: text that may be binary,
 * integers, counters, and the index part of a column's OIDs. Pure functions;
 * a value of the wrong type reads as null, never as a throw.
 */
import { counterValue } from '../counters.ts';
import { ObjectType, type Varbind } from '../snmp/client.ts';

/** The instance part of `oid` under `column` ("1.3.6.1.2.1.2.2.1.2.5" under ifDescr → "5"), or null when it is not under it. */
export function instanceOf(oid: string, column: string): string | null {
  return oid.startsWith(`${column}.`) ? oid.slice(column.length + 1) : null;
}

/** The sub-identifiers of an instance as numbers. */
export function subIds(instance: string): number[] {
  return instance.split('.').map(Number);
}

/** A column's values by instance ("5" → varbind). */
export function byInstance(column: string, varbinds: readonly Varbind[]): Map<string, Varbind> {
  const out = new Map<string, Varbind>();
  for (const vb of varbinds) {
    const instance = instanceOf(vb.oid, column);
    if (instance !== null) out.set(instance, vb);
  }
  return out;
}

const PRINTABLE = /^[\x20-\x7e\u00a0-\uffff\t\r\n]*$/;

/** Bytes as aa:bb:cc: how MAC addresses and other binary ids are shown. */
export function hexColon(bytes: Buffer): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** An OctetString as text: UTF-8 where it is printable (trailing NULs dropped), else its bytes as hex. */
export function octetText(vb: Varbind | undefined): string | null {
  if (!vb) return null;
  if (typeof vb.value === 'string') return vb.value;
  if (!Buffer.isBuffer(vb.value)) return vb.type === ObjectType.OctetString ? null : vb.value === undefined ? null : String(vb.value);
  const bytes = vb.value;
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  const text = bytes.subarray(0, end).toString('utf8');
  if (!text.includes('\ufffd') && PRINTABLE.test(text)) return text.trim();
  return hexColon(bytes);
}

/** A non-empty OctetString as text, else null. */
export function nonEmptyText(vb: Varbind | undefined): string | null {
  const t = octetText(vb);
  return t === null || t === '' ? null : t;
}

/** An integer value (Integer, Gauge, Counter32, TimeTicks), else null. */
export function integer(vb: Varbind | undefined): number | null {
  if (!vb) return null;
  return typeof vb.value === 'number' && Number.isFinite(vb.value) ? vb.value : null;
}

/** A Counter32/Counter64 value as a number (exact to 2^53: enough to rank interfaces), else null. */
export function counter(vb: Varbind | undefined): { value: number; bits: 32 | 64 } | null {
  if (!vb) return null;
  if (vb.type !== ObjectType.Counter32 && vb.type !== ObjectType.Counter64) return null;
  const c = counterValue(vb.value);
  return c === null ? null : { value: Number(c), bits: vb.type === ObjectType.Counter64 ? 64 : 32 };
}

/** An OID value as a dotted string, else null. */
export function oidValue(vb: Varbind | undefined): string | null {
  if (!vb || vb.type !== ObjectType.OID) return null;
  return typeof vb.value === 'string' ? vb.value.replace(/^\./, '') : null;
}

/** Four or sixteen bytes as an IPv4 or IPv6 address; anything else null. */
export function addressFromBytes(bytes: readonly number[]): string | null {
  if (bytes.some((b) => !Number.isInteger(b) || b < 0 || b > 255)) return null;
  if (bytes.length === 4) return bytes.join('.');
  if (bytes.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
    // The shortest form: the longest run of zero groups becomes "::".
    let best = { at: -1, len: 0 };
    for (let i = 0; i < 8;) {
      if (groups[i] !== '0') {
        i++;
        continue;
      }
      let j = i;
      while (j < 8 && groups[j] === '0') j++;
      if (j - i > best.len && j - i > 1) best = { at: i, len: j - i };
      i = j;
    }
    if (best.at < 0) return groups.join(':');
    return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`;
  }
  return null;
}
