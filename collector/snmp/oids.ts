/** Numeric OIDs Merezha reads (MIB files are not installed, so names stay in comments). */
export const SYS = {
  descr: '1.3.6.1.2.1.1.1.0', // sysDescr
  upTime: '1.3.6.1.2.1.1.3.0', // sysUpTime, TimeTicks
  name: '1.3.6.1.2.1.1.5.0', // sysName
} as const;

/** IF-MIB columns; append `.<ifIndex>` for an instance. */
export const IF = {
  descr: '1.3.6.1.2.1.2.2.1.2', // ifDescr
  speed: '1.3.6.1.2.1.2.2.1.5', // ifSpeed, bit/s, Gauge32
  operStatus: '1.3.6.1.2.1.2.2.1.8', // ifOperStatus, 1 = up
  inOctets: '1.3.6.1.2.1.2.2.1.10', // ifInOctets, Counter32
  inDiscards: '1.3.6.1.2.1.2.2.1.13',
  inErrors: '1.3.6.1.2.1.2.2.1.14',
  outOctets: '1.3.6.1.2.1.2.2.1.16', // ifOutOctets, Counter32
  outDiscards: '1.3.6.1.2.1.2.2.1.19',
  outErrors: '1.3.6.1.2.1.2.2.1.20',
  name: '1.3.6.1.2.1.31.1.1.1.1', // ifName (ifXTable)
  hcInOctets: '1.3.6.1.2.1.31.1.1.1.6', // ifHCInOctets, Counter64
  hcOutOctets: '1.3.6.1.2.1.31.1.1.1.10', // ifHCOutOctets, Counter64
  highSpeed: '1.3.6.1.2.1.31.1.1.1.15', // ifHighSpeed, Mbit/s
} as const;
