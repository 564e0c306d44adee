/**
 * Any other access point: the config names the OID that counts clients
 * (`clients_oid`, required with this vendor by the config schema). A scalar is
 * read as it is; a table column is walked and summed, so per-radio counters
 * work too.
 */
import type { WifiVendorProfile } from './types.ts';

export const generic: WifiVendorProfile = {
  id: 'generic',
  sysDescr: 'Free WiFi access point',
  objects: (device) => ({
    clients: { oid: (device.clients_oid ?? '').replace(/^\./, ''), name: 'clients_oid', shape: 'either', type: 'Integer' },
  }),
};
