/** MikroTik RouterOS: MIKROTIK-MIB mtxrWlApClientCount, one row per wireless interface. */
import { sumColumn, type WifiVendorProfile } from './types.ts';

export const MTXR_WL_AP_CLIENT_COUNT = '1.3.6.1.4.1.14988.1.1.1.3.1.6';

export const mikrotik: WifiVendorProfile = {
  id: 'mikrotik',
  async read(client) {
    return { clients: await sumColumn(client, MTXR_WL_AP_CLIENT_COUNT, 'mtxrWlApClientCount') };
  },
};
