/** The events an alert rule can be about (`alerts.rules[].on`), named once for the config, the planner and the texts. */
export const ALERT_EVENTS = [
  'down',
  'recovered',
  'degraded',
  'village_offline',
  'flapping',
  'tls_expiring',
  'reboot',
  'on_battery',
  'battery_low',
  'power_restored',
] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];
