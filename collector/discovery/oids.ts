/**
 * The numeric OIDs discovery reads beyond the collector's own (collector/snmp/oids.ts):
 * sysObjectID, the rest of IF-MIB, IP-FORWARD-MIB's routes, LLDP-MIB and
 * CISCO-CDP-MIB. MIB files are not installed, so names stay in comments.
 * Vendor Wi-Fi OIDs are not here: they are the vendor profiles' (collector/vendors/).
 */

export const SYS_OBJECT_ID = '1.3.6.1.2.1.1.2.0'; // sysObjectID, OBJECT IDENTIFIER

/** sysObjectID values name the maker by their private enterprise number: 1.3.6.1.4.1.<n>…. */
export const ENTERPRISES = '1.3.6.1.4.1';

/** IF-MIB columns discovery reads besides the collector's. */
export const IF_MORE = {
  type: '1.3.6.1.2.1.2.2.1.3', // ifType: 24 softwareLoopback
  alias: '1.3.6.1.2.1.31.1.1.1.18', // ifAlias
} as const;

/** IP-FORWARD-MIB and RFC 1213: the column holding a route's ifIndex, in each of the three route tables. */
export const ROUTES = {
  /** inetCidrRouteIfIndex; index destType.destLen.dest….pfxLen.policy….nextHopType.nextHopLen.nextHop…. */
  inetCidrIfIndex: '1.3.6.1.2.1.4.24.7.1.7',
  /** ipCidrRouteIfIndex; index dest(4).mask(4).tos.nextHop(4). */
  ipCidrIfIndex: '1.3.6.1.2.1.4.24.4.1.5',
  /** ipRouteIfIndex (RFC 1213 ipRouteTable); index dest(4). */
  ipRouteIfIndex: '1.3.6.1.2.1.4.21.1.2',
} as const;

/** LLDP-MIB (IEEE 802.1AB-2005). */
export const LLDP = {
  /** lldpLocPortTable entry; index lldpLocPortNum. */
  locPortId: '1.0.8802.1.1.2.1.3.7.1.3', // lldpLocPortId
  locPortDesc: '1.0.8802.1.1.2.1.3.7.1.4', // lldpLocPortDesc
  /** lldpRemTable entry; index lldpRemTimeMark.lldpRemLocalPortNum.lldpRemIndex. */
  remEntry: '1.0.8802.1.1.2.1.4.1.1',
  remChassisIdSubtype: '1.0.8802.1.1.2.1.4.1.1.4',
  remChassisId: '1.0.8802.1.1.2.1.4.1.1.5',
  remPortIdSubtype: '1.0.8802.1.1.2.1.4.1.1.6',
  remPortId: '1.0.8802.1.1.2.1.4.1.1.7',
  remPortDesc: '1.0.8802.1.1.2.1.4.1.1.8',
  remSysName: '1.0.8802.1.1.2.1.4.1.1.9',
  /** lldpRemManAddrTable entry; index timeMark.localPortNum.remIndex.addrSubtype.addrLen.addr…. */
  remManAddrIfSubtype: '1.0.8802.1.1.2.1.4.2.1.3', // lldpRemManAddrIfSubtype, the first readable column
} as const;

/** CISCO-CDP-MIB cdpCacheTable; index cdpCacheIfIndex.cdpCacheDeviceIndex. */
export const CDP = {
  addressType: '1.3.6.1.4.1.9.9.23.1.2.1.1.3', // cdpCacheAddressType: 1 ip
  address: '1.3.6.1.4.1.9.9.23.1.2.1.1.4', // cdpCacheAddress
  deviceId: '1.3.6.1.4.1.9.9.23.1.2.1.1.6', // cdpCacheDeviceId
  devicePort: '1.3.6.1.4.1.9.9.23.1.2.1.1.7', // cdpCacheDevicePort
  platform: '1.3.6.1.4.1.9.9.23.1.2.1.1.8', // cdpCachePlatform
} as const;
