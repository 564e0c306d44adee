/**
 * Ubiquiti airMAX radios (airOS): UBNT-AirMAX-MIB ubntWlStatStaCount, the
 * stations associated with each wireless interface (one row per radio,
 * Gauge32). On a PtMP base station the "clients" are the subscriber radios
 * it serves; a station (CPE) counts its one access point.
 */
import type { WifiVendorProfile } from './types.ts';

export const airmax: WifiVendorProfile = {
  id: 'airmax',
  // airOS gives the bare kernel line; only UBNT-AirMAX-MIB says it is Ubiquiti.
  sysDescr: 'Linux 2.6.32.68 #1 Thu Aug 22 16:38:44 EEST 2019 mips',
  objects: () => ({ clients: { oid: '1.3.6.1.4.1.41112.1.4.5.1.15', name: 'ubntWlStatStaCount', shape: 'column', type: 'Gauge' } }),
};
