/** MikroTik RouterOS: MIKROTIK-MIB mtxrWlApClientCount, one row per wireless interface. */
import type { WifiVendorProfile } from './types.ts';

export const mikrotik: WifiVendorProfile = {
  id: 'mikrotik',
  sysDescr: 'RouterOS 7.14.2 (stable) cAP ax',
  objects: () => ({ clients: { oid: '1.3.6.1.4.1.14988.1.1.1.3.1.6', name: 'mtxrWlApClientCount', shape: 'column', type: 'Counter32' } }),
};
