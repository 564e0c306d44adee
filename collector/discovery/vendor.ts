/**
 * Which make an agent is, and which vendor profile reads its Wi-Fi, told from
 * sysObjectID and from the vendor MIBs that answer. Declared as data: one
 * signature per vendor (an enterprise number, and an object whose answer
 * identifies it), so a new vendor is one entry here beside its profile.
 *
 * sysObjectID alone is not enough: UniFi and airMAX share Ubiquiti's 41112,
 * and both (like many Linux-based access points) often give Net-SNMP's
 * 1.3.6.1.4.1.8072.3.2.10. So every signature's object is probed, and an
 * answering MIB wins over the enterprise number. The probe object is the
 * vendor profile's own client count unless the signature names another: the
 * OIDs of a make live in its profile (collector/vendors/), not here.
 */
import { discoveryWords, type ObjectIdFact } from '../../common/words/discovery.ts';
import type { Locale } from '../../common/words/locale.ts';
import type { WifiVendor } from '../../config/schema.ts';
import { WIFI_VENDOR_PROFILES } from '../vendors/index.ts';
import type { WifiObjects } from '../vendors/types.ts';
import { ENTERPRISES } from './oids.ts';

/** What to ask to see whether a MIB answers: a GET of a scalar, or a walk of a column or subtree that has rows. */
export interface Probe {
  oid: string;
  op: 'get' | 'walk';
}

export interface VendorSignature {
  vendor: WifiVendor;
  /** The maker, as people call it. */
  make: string;
  /** The private enterprise number of its sysObjectID (1.3.6.1.4.1.<n>). */
  enterprise: number;
  /** The sysObjectID alone names the vendor when no MIB answers (no other profile shares the enterprise number). */
  bySysObjectId: boolean;
  /** The MIB whose answer identifies it, in words. */
  mib: string;
  /** The object probed; default: the client count of the vendor profile. */
  probe?: Probe;
  /** vendor generic: the OID counting clients, which becomes `clients_oid:`. */
  clientsOid?: string;
}

/**
 * The signatures, in the order they are preferred when several MIBs answer.
 * Probing costs one request each, all in parallel.
 */
export const VENDOR_SIGNATURES: readonly VendorSignature[] = [
  { vendor: 'mikrotik', make: 'MikroTik', enterprise: 14988, bySysObjectId: true, mib: 'MIKROTIK-MIB mtxrWlApTable' },
  { vendor: 'unifi', make: 'Ubiquiti UniFi', enterprise: 41112, bySysObjectId: false, mib: 'UBNT-UniFi-MIB unifiVapTable' },
  { vendor: 'airmax', make: 'Ubiquiti airMAX', enterprise: 41112, bySysObjectId: false, mib: 'UBNT-AirMAX-MIB ubntWlStatTable' },
  { vendor: 'tplink', make: 'TP-Link', enterprise: 11863, bySysObjectId: true, mib: 'TP-Link EAP client count' },
  {
    // Cisco Aironet has no profile of its own: vendor generic with its client count as clients_oid.
    vendor: 'generic',
    make: 'Cisco Aironet',
    enterprise: 9,
    bySysObjectId: false,
    mib: 'CISCO-DOT11-ASSOCIATION-MIB cDot11ActiveWirelessClients',
    clientsOid: '1.3.6.1.4.1.9.9.273.1.1.2.1.1',
  },
];

/** Makers by enterprise number, to say whose a sysObjectID is when no profile fits. */
const MAKERS: Record<number, string> = {
  9: 'Cisco',
  11: 'HP',
  171: 'D-Link',
  311: 'Microsoft',
  890: 'Zyxel',
  2011: 'Huawei',
  2636: 'Juniper',
  4526: 'Netgear',
  6486: 'Alcatel-Lucent',
  8072: 'Net-SNMP',
  10002: 'Frogfoot Networks',
  11863: 'TP-Link',
  12356: 'Fortinet',
  14823: 'Aruba',
  14988: 'MikroTik',
  25053: 'Ruckus',
  25506: 'H3C',
  26866: 'Cambium',
  30065: 'Arista',
  41112: 'Ubiquiti',
};

/** The enterprise number of a sysObjectID under 1.3.6.1.4.1, else null. */
export function enterpriseOf(sysObjectId: string | null): number | null {
  if (!sysObjectId) return null;
  const m = /^(?:1\.3\.6\.1\.4\.1)\.(\d+)(?:\.|$)/.exec(sysObjectId.replace(/^\./, ''));
  return m ? Number(m[1]) : null;
}

/** The maker of a sysObjectID, in words ("Net-SNMP", "enterprise 99999"), else null. */
export function makerOf(sysObjectId: string | null): string | null {
  const n = enterpriseOf(sysObjectId);
  if (n === null) return null;
  return MAKERS[n] ?? `enterprise ${n}`;
}

/** The Wi-Fi objects a signature reads through its vendor's profile. */
export function wifiObjectsOf(sig: VendorSignature): WifiObjects {
  return WIFI_VENDOR_PROFILES[sig.vendor].objects({ clients_oid: sig.clientsOid });
}

/** What to ask to tell whether the signature's MIB answers; undefined when there is nothing to ask (a generic signature without its OID). */
export function probeOf(sig: VendorSignature): Probe | undefined {
  if (sig.probe) return sig.probe;
  const c = wifiObjectsOf(sig).clients;
  if (c.oid === '') return undefined;
  return { oid: c.oid, op: c.shape === 'scalar' ? 'get' : 'walk' };
}

export interface VendorVerdict {
  vendor: WifiVendor | null;
  signature: VendorSignature | null;
  /** The signature's MIB answered: the device reads Wi-Fi through the profile. */
  wifiMib: boolean;
  make: string | null;
  reason: string;
}

const NET_SNMP_LINUX = `${ENTERPRISES}.8072.3.2.10`;

/** What the sysObjectID says of its maker, for the reason. */
export function objectIdFact(sysObjectId: string | null): ObjectIdFact {
  if (!sysObjectId) return { what: 'none' };
  if (sysObjectId === NET_SNMP_LINUX) return { what: 'net-snmp-linux', oid: sysObjectId };
  const n = enterpriseOf(sysObjectId);
  return n === null
    ? { what: 'outside', oid: sysObjectId }
    : { what: 'enterprise', oid: sysObjectId, enterprise: n, maker: MAKERS[n] ?? null };
}

/**
 * The vendor, from sysObjectID and which signatures' MIBs answered, with
 * the reason in `locale`. Pure: the probing is discover.ts's.
 */
export function identifyVendor(
  sysObjectId: string | null,
  answered: ReadonlySet<VendorSignature>,
  signatures: readonly VendorSignature[] = VENDOR_SIGNATURES,
  locale: Locale = 'en',
): VendorVerdict {
  const words = discoveryWords(locale);
  const enterprise = enterpriseOf(sysObjectId);
  const hits = signatures.filter((s) => answered.has(s));
  const objectId = words.objectId(objectIdFact(sysObjectId));
  if (hits.length > 0) {
    // Several MIBs answering is rare; the one of the sysObjectID's maker, else the first in the table.
    const sig = hits.find((s) => s.enterprise === enterprise) ?? hits[0]!;
    return {
      vendor: sig.vendor,
      signature: sig,
      wifiMib: true,
      make: sig.make,
      reason: words.vendorByMib(
        sig.mib,
        hits.filter((s) => s !== sig).map((s) => s.mib),
        objectId,
      ),
    };
  }
  const bySysObjectId = signatures.find((s) => s.bySysObjectId && s.enterprise === enterprise);
  if (bySysObjectId) {
    return {
      vendor: bySysObjectId.vendor,
      signature: bySysObjectId,
      wifiMib: false,
      make: bySysObjectId.make,
      reason: words.vendorByObjectId(objectId, bySysObjectId.mib),
    };
  }
  const shared = signatures.filter((s) => s.enterprise === enterprise);
  const why =
    shared.length > 1
      ? words.vendorShared(
          objectId,
          shared.map((s) => s.vendor),
          shared.map((s) => s.mib),
        )
      : words.vendorNone(
          objectId,
          signatures.map((s) => s.mib),
        );
  return { vendor: null, signature: null, wifiMib: false, make: makerOf(sysObjectId), reason: why };
}
