/** Ubiquiti UniFi: UBNT-UniFi-MIB unifiVapTable, one row per virtual access point. */
import type { WifiVendorProfile } from './types.ts';

export const unifi: WifiVendorProfile = {
  id: 'unifi',
  sysDescr: 'UAP-AC-Lite 6.6.77',
  objects: () => ({
    clients: { oid: '1.3.6.1.4.1.41112.1.6.1.2.1.8', name: 'unifiVapNumStations', shape: 'column', type: 'Integer' },
    // Older firmware lacks unifiVapUp.
    radiosUp: { oid: '1.3.6.1.4.1.41112.1.6.1.2.1.22', name: 'unifiVapUp' },
  }),
};
