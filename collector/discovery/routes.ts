/**
 * The default route's interface from IP-FORWARD-MIB (inetCidrRouteTable,
 * then the deprecated ipCidrRouteTable) or RFC 1213's ipRouteTable: pure
 * functions over the ifIndex column of each, whole or walked from the
 * default route's index only (see `DEFAULT_ROUTE_WALKS`).
 */
import type { Varbind } from '../snmp/client.ts';
import type { DefaultRoute } from './interfaces.ts';
import { ROUTES } from './oids.ts';
import { instanceOf, integer, subIds } from './values.ts';

export interface RouteColumns {
  inetCidrIfIndex: readonly Varbind[];
  ipCidrIfIndex: readonly Varbind[];
  ipRouteIfIndex: readonly Varbind[];
}

const zeros = (n: number) => Array.from({ length: n }, () => '0').join('.');

/**
 * Where the default routes are in each table, so that a router with a full
 * table is not walked whole: inetCidrRouteTable's index starts with
 * type.length.address.prefixLength (IPv4 1.4.0.0.0.0.0, IPv6 2.16.0….0.0),
 * ipCidrRouteTable's with dest.mask, ipRouteTable's is the destination.
 */
export const DEFAULT_ROUTE_WALKS: Record<keyof RouteColumns, string[]> = {
  inetCidrIfIndex: [`${ROUTES.inetCidrIfIndex}.1.4.${zeros(5)}`, `${ROUTES.inetCidrIfIndex}.2.16.${zeros(17)}`],
  ipCidrIfIndex: [`${ROUTES.ipCidrIfIndex}.${zeros(8)}`],
  ipRouteIfIndex: [],
};

/** ipRouteTable's default route is one instance: read with a GET. */
export const IP_ROUTE_DEFAULT = `${ROUTES.ipRouteIfIndex}.${zeros(4)}`;

const allZero = (ids: readonly number[]) => ids.every((n) => n === 0);

/** Whether an inetCidrRouteTable index is a default route; v4 before v6 by the returned rank, null when it is not one. */
function inetCidrDefault(ids: readonly number[]): number | null {
  const [type, len] = ids;
  if ((type !== 1 && type !== 2) || len === undefined || ids.length < 3 + len) return null;
  const dest = ids.slice(2, 2 + len);
  const prefixLength = ids[2 + len];
  return allZero(dest) && prefixLength === 0 ? type : null;
}

/** The interface the default route goes out of, or null when no table has one (with an ifIndex). */
export function parseDefaultRoute(columns: RouteColumns): DefaultRoute | null {
  const found: { rank: number; route: DefaultRoute }[] = [];
  for (const vb of columns.inetCidrIfIndex) {
    const instance = instanceOf(vb.oid, ROUTES.inetCidrIfIndex);
    const ifIndex = integer(vb);
    if (instance === null || ifIndex === null || ifIndex <= 0) continue;
    const family = inetCidrDefault(subIds(instance));
    if (family !== null) found.push({ rank: family, route: { ifIndex, table: 'inetCidrRouteTable' } });
  }
  for (const vb of columns.ipCidrIfIndex) {
    const instance = instanceOf(vb.oid, ROUTES.ipCidrIfIndex);
    const ifIndex = integer(vb);
    if (instance === null || ifIndex === null || ifIndex <= 0) continue;
    const ids = subIds(instance);
    if (ids.length >= 8 && allZero(ids.slice(0, 8))) found.push({ rank: 3, route: { ifIndex, table: 'ipCidrRouteTable' } });
  }
  for (const vb of columns.ipRouteIfIndex) {
    const instance = instanceOf(vb.oid, ROUTES.ipRouteIfIndex);
    const ifIndex = integer(vb);
    if (instance === null || ifIndex === null || ifIndex <= 0) continue;
    const ids = subIds(instance);
    if (ids.length === 4 && allZero(ids)) found.push({ rank: 4, route: { ifIndex, table: 'ipRouteTable' } });
  }
  if (found.length === 0) return null;
  return found.reduce((a, b) => (b.rank < a.rank ? b : a)).route;
}
