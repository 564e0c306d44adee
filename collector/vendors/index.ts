/** The registry of Wi-Fi vendor profiles, keyed by the config's `vendor` value. */
import type { WifiVendor } from '../../config/schema.ts';
import { airmax } from './airmax.ts';
import { generic } from './generic.ts';
import { mikrotik } from './mikrotik.ts';
import { tplink } from './tplink.ts';
import type { WifiVendorProfile } from './types.ts';
import { unifi } from './unifi.ts';

export const WIFI_VENDOR_PROFILES: Record<WifiVendor, WifiVendorProfile> = { mikrotik, unifi, tplink, airmax, generic };
