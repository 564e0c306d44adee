/** TP-Link EAP (Omada) access points: a single scalar with the associated client count. */
import { getInteger, type WifiVendorProfile } from './types.ts';

export const TPLINK_EAP_CLIENTS = '1.3.6.1.4.1.11863.10.1.1.1.0';

export const tplink: WifiVendorProfile = {
  id: 'tplink',
  async read(client) {
    return { clients: await getInteger(client, TPLINK_EAP_CLIENTS, 'TP-Link client count') };
  },
};
