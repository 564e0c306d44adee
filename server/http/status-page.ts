/**
 * The public status page (`/status`): a small HTML page for residents, made on
 * the server from `publicStatus()` alone, so it can hold nothing the config
 * does not mark public. Works without JavaScript and refreshes itself.
 */
import type { PublicStatus } from '../../common/api.ts';
import { INTL_LOCALE, isLocale, type Locale } from '../../common/words/locale.ts';
import { escapeHtml as escape } from '../../common/html.ts';

const TEXT = {
  uk: {
    title: 'Стан мережі',
    intro: 'Чи працюють зараз публічні зони Free WiFi та сайт громади, і яка їхня доступність цього місяця.',
    wifi: 'Зони Free WiFi',
    services: 'Сервіси громади',
    up: 'Працює',
    down: 'Не працює',
    month: 'доступність цього місяця',
    noData: 'ще немає даних',
    updated: 'Оновлено',
    none: 'Публічних зон поки не позначено.',
    other: 'English',
  },
  en: {
    title: 'Network status',
    intro: 'Whether the public Free WiFi zones and the community website work now, and how available they were this month.',
    wifi: 'Free WiFi zones',
    services: 'Community services',
    up: 'Working',
    down: 'Not working',
    month: 'available this month',
    noData: 'no data yet',
    updated: 'Updated',
    none: 'No public zones are marked yet.',
    other: 'Українською',
  },
} as const satisfies Record<Locale, Record<string, string>>;

export function pageLocale(query: unknown, acceptLanguage: string | undefined, fallback: Locale): Locale {
  if (isLocale(query)) return query;
  if (acceptLanguage) return /^\s*uk\b/i.test(acceptLanguage) ? 'uk' : /^\s*en\b/i.test(acceptLanguage) ? 'en' : fallback;
  return fallback;
}

export function renderStatusPage(status: PublicStatus, locale: Locale, timeZone: string): string {
  const t = TEXT[locale];
  const pct = new Intl.NumberFormat(INTL_LOCALE[locale], { maximumFractionDigits: 2 });
  const when = new Intl.DateTimeFormat(INTL_LOCALE[locale], { dateStyle: 'long', timeStyle: 'short', timeZone });
  const item = (e: { name: string; up: boolean; uptime_month_pct: number | null }) =>
    `<li class="${e.up ? 'up' : 'down'}"><span class="name">${escape(e.name)}</span> ` +
    `<span class="state">${e.up ? t.up : t.down}</span> ` +
    `<span class="month">${e.uptime_month_pct === null ? t.noData : `${pct.format(e.uptime_month_pct)}% ${t.month}`}</span></li>`;
  const villages = status.villages
    .map((v) => `<section><h3>${escape(v.name)}</h3><ul>${v.wifi.map(item).join('')}</ul></section>`)
    .join('');
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="60">
<title>${t.title} · ${escape(status.hromada)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:46rem;padding:1rem;color:#1a1a1a;background:#fff;line-height:1.5}
h1{font-size:1.6rem;margin-bottom:.25rem}ul{list-style:none;padding:0}li{display:flex;flex-wrap:wrap;gap:.5rem 1rem;padding:.6rem .8rem;margin:.3rem 0;border-radius:.4rem;border-left:.4rem solid}
li.up{border-color:#1b7f3b;background:#eef8f1}li.down{border-color:#b3261e;background:#fdeeed}.name{flex:1 1 12rem;font-weight:600}
.up .state{color:#145c2b}.down .state{color:#8c1d18}.state{font-weight:700}.month{color:#444}footer{margin-top:2rem;color:#444;font-size:.9rem}
a{color:#0b57d0}
</style>
</head>
<body>
<header><h1>${t.title}</h1><p>${escape(status.hromada)}</p><p>${t.intro}</p></header>
<main>
<h2>${t.wifi}</h2>
${villages || `<p>${t.none}</p>`}
<h2>${t.services}</h2>
<ul>${status.services.map(item).join('')}</ul>
</main>
<footer>${t.updated}: ${when.format(status.at)} · <a href="?lang=${locale === 'uk' ? 'en' : 'uk'}">${t.other}</a></footer>
</body>
</html>
`;
}
