/**
 * Any other access point: the config names the OID that counts clients.
 * A scalar is read as it is; a table column (no instance at the OID itself)
 * is walked and summed, so per-radio counters work too.
 */
import { isMissing } from '../snmp/client.ts';
import { integerValue, MalformedReplyError, sumColumn, type WifiVendorProfile } from './types.ts';

export const generic: WifiVendorProfile = {
  id: 'generic',
  async read(client, device) {
    const oid = device.clients_oid?.replace(/^\./, '');
    if (!oid) throw new MalformedReplyError('vendor generic needs clients_oid');
    const [scalar] = await client.get([oid]);
    if (scalar && !isMissing(scalar)) return { clients: integerValue(scalar, 'clients_oid') };
    return { clients: await sumColumn(client, oid, 'clients_oid') };
  },
};
