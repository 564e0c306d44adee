/**
 * The oblast report's words: what each KPI metric measures, the heading over
 * the hromadas' targets of one metric side by side, and hromadas counted.
 */
import type { KpiMetric } from '../report.ts';
import type { Locale } from './locale.ts';
import type { PluralForms } from './plural.ts';

const METRIC_NAMES: Record<Locale, Record<KpiMetric, string>> = {
  uk: {
    settlements_connected_pct: 'Населені пункти з інтернетом',
    institutions_high_speed_pct: 'Заклади на швидкісному інтернеті',
    wifi_zones_in_service: 'Зони Free WiFi, що працюють',
    wifi_zones_installed: 'Нові зони Free WiFi',
    service_uptime_pct: 'Доступність сервісу',
    provider_sla: 'Провайдер за договором',
    invincibility_points_online_pct: 'Пункти незламності на зв’язку без світла',
    influxql: 'Власний показник громади',
  },
  en: {
    settlements_connected_pct: 'Settlements connected',
    institutions_high_speed_pct: 'Institutions on high-speed links',
    wifi_zones_in_service: 'Free WiFi zones in service',
    wifi_zones_installed: 'New Free WiFi zones',
    service_uptime_pct: 'Service uptime',
    provider_sla: 'Provider against its SLA',
    invincibility_points_online_pct: 'Invincibility Points online without power',
    influxql: "The hromada's own figure",
  },
};

/** What a metric measures, as the heading over every hromada's target of it. */
export const kpiMetricName = (metric: KpiMetric, locale: Locale): string => METRIC_NAMES[locale][metric];

/** «1 громада», «3 громади», «5 громад»; "1 hromada", "5 hromadas". */
export const HROMADAS: PluralForms = {
  uk: { one: 'громада', few: 'громади', many: 'громад', other: 'громади' },
  en: { one: 'hromada', other: 'hromadas' },
};

/** After «з»: «з 1 громади», «з 3 громад», «з 10 громад»; "of 1 hromada", "of 10 hromadas". */
export const OF_HROMADAS: PluralForms = {
  uk: { one: 'громади', few: 'громад', many: 'громад', other: 'громади' },
  en: { one: 'hromada', other: 'hromadas' },
};
