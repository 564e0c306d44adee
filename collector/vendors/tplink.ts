/** TP-Link EAP (Omada) access points: a single scalar with the associated client count. */
import type { WifiVendorProfile } from './types.ts';

export const TPLINK_EAP_CLIENTS = '1.3.6.1.4.1.11863.10.1.1.1.0';

export const tplink: WifiVendorProfile = {
  id: 'tplink',
  sysDescr: 'EAP225 5.1.0 Build 20230214',
  objects: () => ({ clients: { oid: TPLINK_EAP_CLIENTS, name: 'TP-Link client count', shape: 'scalar', type: 'Integer' } }),
};
