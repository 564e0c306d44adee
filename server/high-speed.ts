/**
 * The strategies' "high-speed link" rule, one place for the dashboard's
 * coverage and the yearly report: an institution's contracted bandwidth where
 * the config gives one (`bandwidth_mbps`), else the speed its interface
 * reports, against `coverage.high_speed_mbps`. No known speed is not fast.
 */
import type { DeviceConfig } from '../config/schema.ts';

export function isHighSpeed(
  device: Pick<DeviceConfig, 'bandwidth_mbps'>,
  measuredMbps: number | null | undefined,
  thresholdMbps: number,
): boolean {
  const mbps = device.bandwidth_mbps ?? measuredMbps;
  return mbps !== null && mbps !== undefined && mbps >= thresholdMbps;
}
