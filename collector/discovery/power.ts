/**
 * Whether an agent is a UPS, told from the UPS MIBs that answer: APC's
 * PowerNet-MIB and RFC 1628 UPS-MIB, each probed by its output source object
 * (the object the power probe needs most). Declared as data beside the power
 * profiles (collector/power/), which own the OIDs; pure, the probing is
 * discover.ts's.
 *
 * An APC card often serves both MIBs: PowerNet wins, as the richer of the
 * two (28 output states against 7, and the real runtime).
 */
import type { PowerVendor } from '../../config/schema.ts';
import { UPS_PROFILES } from '../power/index.ts';

export interface PowerSignature {
  vendor: PowerVendor;
  /** The maker, as people call it; null where the MIB is every maker's. */
  make: string | null;
  /** The private enterprise number of its sysObjectID, where the MIB is a maker's own. */
  enterprise: number | null;
  /** The object whose answer identifies it: the profile's output source. */
  probe: string;
  mib: string;
}

/** In the order they are preferred when several answer. */
export const POWER_SIGNATURES: readonly PowerSignature[] = (
  [
    ['apc', 'APC', 318],
    ['ups-mib', null, null],
  ] as const
).map(([vendor, make, enterprise]) => {
  const profile = UPS_PROFILES[vendor];
  return { vendor, make, enterprise, probe: profile.objects.source!.oid, mib: `${profile.mib} ${profile.objects.source!.name}` };
});

/** The signature to read the UPS through, from those whose MIB answered; null for an agent that is no UPS. */
export function identifyUps(answered: ReadonlySet<PowerSignature>): PowerSignature | null {
  return POWER_SIGNATURES.find((s) => answered.has(s)) ?? null;
}
