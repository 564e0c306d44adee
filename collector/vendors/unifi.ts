/** Ubiquiti UniFi: UBNT-UniFi-MIB unifiVapTable, one row per virtual access point. */
import { integerValue, sumColumn, type WifiVendorProfile } from './types.ts';

export const UNIFI_VAP_NUM_STATIONS = '1.3.6.1.4.1.41112.1.6.1.2.1.8';
/** TruthValue: 1 = up, 2 = down. */
export const UNIFI_VAP_UP = '1.3.6.1.4.1.41112.1.6.1.2.1.22';

export const unifi: WifiVendorProfile = {
  id: 'unifi',
  async read(client) {
    const clients = await sumColumn(client, UNIFI_VAP_NUM_STATIONS, 'unifiVapNumStations');
    const up = await client.walk(UNIFI_VAP_UP);
    // Older firmware lacks unifiVapUp: then radio state is unknown, not "all down".
    if (up.length === 0) return { clients };
    return { clients, radiosUp: up.filter((vb) => integerValue(vb, 'unifiVapUp') === 1).length };
  },
};
