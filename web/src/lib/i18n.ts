/**
 * The dashboard's own UI strings in Ukrainian (first) and English, and Intl formatting in the hromada's
 * time zone. The words it shares with the alerts, the public page and the report (states, kinds,
 * categories, reasons, durations, counts) come from common/words, through `fmt`.
 *
 * `t` and `fmt` are stores so that every text on the page follows a language switch without a reload:
 * templates write `$t('key')`, `$fmt.percent(x)` and `$fmt.state(s)`.
 */
import { derived, get, writable } from 'svelte/store';
import type { HromadaInfo } from '../../../common/api.ts';
import { formatDuration } from '../../../common/words/duration.ts';
import { formatBytes } from '../../../common/words/size.ts';
import { INTL_LOCALE, isLocale, type Locale } from '../../../common/words/locale.ts';
import {
  categoryHeading,
  kindName,
  stateName,
  type DeviceKind,
  type InstitutionCategory,
  type State,
} from '../../../common/words/names.ts';
import { count, type PluralForms } from '../../../common/words/plural.ts';
import { localizeReason } from '../../../common/words/reasons.ts';

const uk = {
  'app.name': 'Мережа',
  'app.loading': 'Завантаження…',
  'app.skip': 'Перейти до змісту',
  'nav.label': 'Розділи',
  'nav.overview': 'Огляд',
  'nav.events': 'Події',
  'nav.admin': 'Адміністрування',
  'nav.account': 'Обліковий запис',
  'nav.report': 'Звіт',
  'nav.reportTitle': 'Звіт про зв’язок громади за {year} рік (сторінка для друку)',
  'live.on': 'Наживо',
  'live.off': 'Немає зв’язку з сервером',
  'lang.switch': 'English',
  'lang.switchLabel': 'Switch the dashboard to English',
  'role.admin': 'адміністратор',
  'role.viewer': 'спостерігач',
  'auth.logout': 'Вийти',
  'login.title': 'Вхід',
  'login.username': 'Ім’я користувача',
  'login.password': 'Пароль',
  'login.submit': 'Увійти',
  'login.busy': 'Вхід…',
  'login.wrong': 'Неправильне ім’я користувача або пароль.',
  'login.throttled': 'Забагато спроб входу. Спробуйте знову через {wait}.',
  'vstate.online': 'на зв’язку',
  'vstate.degraded': 'з погіршенням',
  'vstate.offline': 'без зв’язку',
  'vstate.maintenance': 'обслуговування',
  'vstate.unknown': 'невідомо',
  'overview.title': 'Огляд громади',
  'overview.map': 'Карта громади',
  'overview.noMap': 'Для жодного населеного пункту не вказано координат.',
  'overview.villages': 'Населені пункти',
  'overview.services': 'Сервіси',
  'overview.noVillages': 'Населених пунктів ще немає.',
  'overview.firstDevice':
    'Пристроїв ще немає. Опишіть канали зв’язку, заклади й точки Free WiFi у файлі конфігурації (у пакеті Debian це /etc/merezha/hromada.yaml, приклади — у його коментарях), перевірте його командою merezha check-config і перезапустіть службу: systemctl restart merezha.',
  'coverage.title': 'Покриття громади',
  'coverage.uplinks': 'Канали провайдерів працюють',
  'coverage.institutions': 'Заклади на зв’язку',
  'coverage.highSpeed': 'Заклади з доступом від {mbps} Мбіт/с',
  'coverage.wifi': 'Зони Free WiFi працюють',
  'coverage.clients': 'Клієнтів Free WiFi зараз',
  'coverage.population': 'Мешканців із зв’язком',
  'coverage.of': '{a} з {b}',
  'village.since': 'з {time}',
  'village.population': 'Населення',
  'village.uplinks': 'Канали',
  'village.institutions': 'Заклади',
  'village.wifi': 'Free WiFi',
  'village.uptime': 'Доступність каналів',
  'village.online': '{a} з {b} на зв’язку',
  'village.network': 'Мережа',
  'village.byCategory': 'Заклади за категоріями',
  'village.wifiZones': 'Зони Free WiFi',
  'village.noWifi': 'Зон Free WiFi немає.',
  'village.noDevices': 'Пристроїв немає.',
  'village.alerts': 'Активні сповіщення',
  'village.noAlerts': 'Активних сповіщень немає.',
  'village.allEvents': 'Усі події населеного пункту',
  'village.notFound': 'Населений пункт не знайдено.',
  'village.maintenance': 'Обслуговування всього населеного пункту',
  'col.device': 'Пристрій',
  'col.state': 'Стан',
  'col.reason': 'Причина',
  'col.rtt': 'RTT',
  'col.loss': 'Втрати',
  'col.traffic': 'Трафік вх. / вих.',
  'col.clients': 'Клієнти',
  'col.actions': 'Дії',
  'col.subject': 'Об’єкт',
  'col.village': 'Населений пункт',
  'col.start': 'Початок',
  'col.end': 'Кінець',
  'col.duration': 'Тривалість',
  'col.cutOff': 'Відрізано',
  'col.time': 'Час',
  'col.event': 'Подія',
  'col.alert': 'Сповіщення',
  'col.ack': 'Підтвердження',
  'col.name': 'Назва',
  'col.user': 'Користувач',
  'col.role': 'Роль',
  'col.created': 'Створено',
  'col.lastUsed': 'Востаннє використано',
  'col.targets': 'Що обслуговується',
  'col.period': 'Період',
  'col.note': 'Примітка',
  'col.by': 'Хто',
  'device.cause': 'відрізано через {name}',
  'device.range': 'Період',
  'device.latency': 'Затримка і втрати',
  'device.traffic': 'Трафік',
  'device.clients': 'Клієнти Free WiFi',
  'device.timeline': 'Стани за період',
  'device.outages': 'Перебої',
  'device.noOutages': 'Перебоїв за час спостереження не було.',
  'device.uptime': 'Доступність',
  'device.noData': 'За цей період даних немає.',
  'device.notFound': 'Пристрій не знайдено.',
  'device.host': 'Адреса',
  'device.provider': 'Провайдер',
  'device.bandwidth': 'Смуга',
  'device.highSpeed': 'високошвидкісний',
  'device.installed': 'Встановлено',
  'device.vendor': 'Виробник',
  'device.parent': 'Підключено через',
  'device.village': 'Населений пункт',
  'device.kind': 'Тип',
  'device.maintenance': 'Обслуговування пристрою',
  'range.24h': '24 год',
  'range.7d': '7 днів',
  'range.30d': '30 днів',
  'range.1y': 'рік',
  'uptime.24h': '24 год',
  'uptime.7d': '7 днів',
  'uptime.30d': '30 днів',
  'uptime.year': 'цей рік',
  'series.rtt': 'RTT',
  'series.loss': 'Втрати',
  'series.in': 'Вхідний',
  'series.out': 'Вихідний',
  'series.clients': 'Клієнти',
  'chart.stats': '{label}: у середньому {avg}, найбільше {max}',
  'events.title': 'Події',
  'events.filters': 'Фільтри',
  'events.allVillages': 'Усі населені пункти',
  'events.activeOnly': 'Лише активні',
  'events.outages': 'Перебої',
  'events.alerts': 'Сповіщення',
  'events.none': 'Нічого не знайдено.',
  'outage.ongoing': 'триває',
  'action.open': 'початок',
  'action.remind': 'нагадування',
  'action.close': 'відновлення',
  'action.ack': 'підтвердження',
  'alert.active': 'активне',
  'alert.details': 'Докладніше',
  'alert.ack': 'Підтвердити',
  'alert.ackLabel': 'Підтвердити сповіщення «{title}»',
  'alert.acked': '{by}, {time}',
  'alert.suppressed': 'не надіслано: {why}',
  'maintenance.open': 'Обслуговування…',
  'maintenance.minutes': 'Тривалість, хв',
  'maintenance.note': 'Примітка',
  'maintenance.submit': 'Обслуговування на {n} хв',
  'maintenance.until': 'Обслуговування до {time}.',
  'admin.title': 'Адміністрування',
  'admin.accountTitle': 'Обліковий запис',
  'admin.users': 'Користувачі',
  'admin.addUser': 'Додати користувача',
  'admin.tokens': 'Токени API',
  'admin.addToken': 'Створити токен',
  'admin.tokenOnce': 'Скопіюйте токен зараз: його більше не буде показано.',
  'admin.maintenance': 'Вікна обслуговування',
  'admin.addMaintenance': 'Нове вікно обслуговування',
  'admin.villages': 'Населені пункти',
  'admin.password': 'Зміна пароля',
  'admin.currentPassword': 'Поточний пароль',
  'admin.newPassword': 'Новий пароль (щонайменше 10 символів)',
  'admin.changePassword': 'Змінити пароль',
  'admin.passwordChanged': 'Пароль змінено.',
  'admin.delete': 'Видалити',
  'admin.revoke': 'Відкликати',
  'admin.end': 'Завершити',
  'admin.confirmDelete': 'Видалити «{name}»?',
  'admin.never': 'ніколи',
  'admin.none': 'Немає.',
  'admin.you': '(ви)',
  'backup.title': 'Резервні копії',
  'backup.last': 'Остання копія',
  'backup.lastValue': '{time}, {size}',
  'backup.none': 'Ще не робилася. Зробіть першу: merezha backup',
  'backup.schedule': 'Щодня',
  'backup.scheduleValue': 'о {time}, зберігаються {keep} останніх, у {dir}',
  'backup.noSchedule': 'не налаштовано (ключ backup: у конфігурації)',
  'backup.failed': 'Остання спроба {time} не вдалася: {message}',
  'backup.archives': 'Збережені копії',
  'backup.file': 'Файл',
  'backup.size': 'Розмір',
  'error.network': 'Сервер недоступний. Перевірте з’єднання.',
  'error.forbidden': 'Ваша роль не дозволяє цю дію.',
  'error.server': 'Помилка сервера: {message}',
  'notFound.title': 'Сторінку не знайдено',
  'notFound.back': 'Повернутися до огляду',
  'service.tls': 'сертифікат TLS ще {days} дн.',
  'announce.change': '{name}: {state}',
  'announce.more': 'і ще {n}',
  'unit.ms': '{v} мс',
  'unit.bps': 'біт/с',
  'unit.kbps': 'кбіт/с',
  'unit.mbps': 'Мбіт/с',
  'unit.gbps': 'Гбіт/с',
} as const;

export type MessageKey = keyof typeof uk;

const en: Record<MessageKey, string> = {
  'app.name': 'Merezha',
  'app.loading': 'Loading…',
  'app.skip': 'Skip to content',
  'nav.label': 'Sections',
  'nav.overview': 'Overview',
  'nav.events': 'Events',
  'nav.admin': 'Administration',
  'nav.account': 'Account',
  'nav.report': 'Report',
  'nav.reportTitle': 'The hromada’s connectivity report for {year} (a printable page, in Ukrainian)',
  'live.on': 'Live',
  'live.off': 'Not connected to the server',
  'lang.switch': 'Українська',
  'lang.switchLabel': 'Перемкнути панель на українську',
  'role.admin': 'administrator',
  'role.viewer': 'viewer',
  'auth.logout': 'Log out',
  'login.title': 'Sign in',
  'login.username': 'Username',
  'login.password': 'Password',
  'login.submit': 'Sign in',
  'login.busy': 'Signing in…',
  'login.wrong': 'Wrong username or password.',
  'login.throttled': 'Too many sign-in attempts. Try again in {wait}.',
  'vstate.online': 'online',
  'vstate.degraded': 'degraded',
  'vstate.offline': 'offline',
  'vstate.maintenance': 'maintenance',
  'vstate.unknown': 'unknown',
  'overview.title': 'Hromada overview',
  'overview.map': 'Map of the hromada',
  'overview.noMap': 'No village has coordinates.',
  'overview.villages': 'Villages',
  'overview.services': 'Services',
  'overview.noVillages': 'No villages yet.',
  'overview.firstDevice':
    'No devices yet. Describe the uplinks, institutions and Free WiFi access points in the config file (with the Debian package: /etc/merezha/hromada.yaml, with examples in its comments), check it with merezha check-config and restart the service: systemctl restart merezha.',
  'coverage.title': 'Hromada coverage',
  'coverage.uplinks': 'Provider links up',
  'coverage.institutions': 'Institutions online',
  'coverage.highSpeed': 'Institutions on {mbps} Mbit/s or more',
  'coverage.wifi': 'Free WiFi zones up',
  'coverage.clients': 'Free WiFi clients now',
  'coverage.population': 'Residents connected',
  'coverage.of': '{a} of {b}',
  'village.since': 'since {time}',
  'village.population': 'Population',
  'village.uplinks': 'Links',
  'village.institutions': 'Institutions',
  'village.wifi': 'Free WiFi',
  'village.uptime': 'Link uptime',
  'village.online': '{a} of {b} online',
  'village.network': 'Network',
  'village.byCategory': 'Institutions by category',
  'village.wifiZones': 'Free WiFi zones',
  'village.noWifi': 'No Free WiFi zones.',
  'village.noDevices': 'No devices.',
  'village.alerts': 'Active alerts',
  'village.noAlerts': 'No active alerts.',
  'village.allEvents': 'All events of this village',
  'village.notFound': 'Village not found.',
  'village.maintenance': 'Maintenance of the whole village',
  'col.device': 'Device',
  'col.state': 'State',
  'col.reason': 'Reason',
  'col.rtt': 'RTT',
  'col.loss': 'Loss',
  'col.traffic': 'Traffic in / out',
  'col.clients': 'Clients',
  'col.actions': 'Actions',
  'col.subject': 'Subject',
  'col.village': 'Village',
  'col.start': 'Start',
  'col.end': 'End',
  'col.duration': 'Duration',
  'col.cutOff': 'Cut off',
  'col.time': 'Time',
  'col.event': 'Event',
  'col.alert': 'Alert',
  'col.ack': 'Acknowledged',
  'col.name': 'Name',
  'col.user': 'User',
  'col.role': 'Role',
  'col.created': 'Created',
  'col.lastUsed': 'Last used',
  'col.targets': 'Under maintenance',
  'col.period': 'Period',
  'col.note': 'Note',
  'col.by': 'By',
  'device.cause': 'cut off by {name}',
  'device.range': 'Range',
  'device.latency': 'Latency and loss',
  'device.traffic': 'Traffic',
  'device.clients': 'Free WiFi clients',
  'device.timeline': 'States in this range',
  'device.outages': 'Outages',
  'device.noOutages': 'No outages recorded.',
  'device.uptime': 'Uptime',
  'device.noData': 'No data for this range.',
  'device.notFound': 'Device not found.',
  'device.host': 'Address',
  'device.provider': 'Provider',
  'device.bandwidth': 'Bandwidth',
  'device.highSpeed': 'high-speed',
  'device.installed': 'Installed',
  'device.vendor': 'Vendor',
  'device.parent': 'Connected via',
  'device.village': 'Village',
  'device.kind': 'Kind',
  'device.maintenance': 'Maintenance of this device',
  'range.24h': '24 h',
  'range.7d': '7 days',
  'range.30d': '30 days',
  'range.1y': '1 year',
  'uptime.24h': '24 h',
  'uptime.7d': '7 days',
  'uptime.30d': '30 days',
  'uptime.year': 'this year',
  'series.rtt': 'RTT',
  'series.loss': 'Loss',
  'series.in': 'In',
  'series.out': 'Out',
  'series.clients': 'Clients',
  'chart.stats': '{label}: average {avg}, maximum {max}',
  'events.title': 'Events',
  'events.filters': 'Filters',
  'events.allVillages': 'All villages',
  'events.activeOnly': 'Active only',
  'events.outages': 'Outages',
  'events.alerts': 'Alerts',
  'events.none': 'Nothing found.',
  'outage.ongoing': 'ongoing',
  'action.open': 'opened',
  'action.remind': 'reminder',
  'action.close': 'recovered',
  'action.ack': 'acknowledged',
  'alert.active': 'active',
  'alert.details': 'Details',
  'alert.ack': 'Acknowledge',
  'alert.ackLabel': 'Acknowledge the alert “{title}”',
  'alert.acked': '{by}, {time}',
  'alert.suppressed': 'not sent: {why}',
  'maintenance.open': 'Maintenance…',
  'maintenance.minutes': 'Duration, min',
  'maintenance.note': 'Note',
  'maintenance.submit': 'Maintenance for {n} min',
  'maintenance.until': 'Maintenance until {time}.',
  'admin.title': 'Administration',
  'admin.accountTitle': 'Account',
  'admin.users': 'Users',
  'admin.addUser': 'Add user',
  'admin.tokens': 'API tokens',
  'admin.addToken': 'Create token',
  'admin.tokenOnce': 'Copy the token now: it will not be shown again.',
  'admin.maintenance': 'Maintenance windows',
  'admin.addMaintenance': 'New maintenance window',
  'admin.villages': 'Villages',
  'admin.password': 'Change password',
  'admin.currentPassword': 'Current password',
  'admin.newPassword': 'New password (at least 10 characters)',
  'admin.changePassword': 'Change password',
  'admin.passwordChanged': 'Password changed.',
  'admin.delete': 'Delete',
  'admin.revoke': 'Revoke',
  'admin.end': 'End',
  'admin.confirmDelete': 'Delete “{name}”?',
  'admin.never': 'never',
  'admin.none': 'None.',
  'admin.you': '(you)',
  'backup.title': 'Backups',
  'backup.last': 'Last backup',
  'backup.lastValue': '{time}, {size}',
  'backup.none': 'None yet. Make the first one: merezha backup',
  'backup.schedule': 'Daily',
  'backup.scheduleValue': 'at {time}, the newest {keep} kept, in {dir}',
  'backup.noSchedule': 'not set up (the backup: key of the config)',
  'backup.failed': 'The last attempt, {time}, failed: {message}',
  'backup.archives': 'Archives kept',
  'backup.file': 'File',
  'backup.size': 'Size',
  'error.network': 'The server cannot be reached. Check the connection.',
  'error.forbidden': 'Your role does not allow this.',
  'error.server': 'Server error: {message}',
  'notFound.title': 'Page not found',
  'notFound.back': 'Back to the overview',
  'service.tls': 'TLS certificate: {days} days left',
  'announce.change': '{name}: {state}',
  'announce.more': 'and {n} more',
  'unit.ms': '{v} ms',
  'unit.bps': 'bit/s',
  'unit.kbps': 'kbit/s',
  'unit.mbps': 'Mbit/s',
  'unit.gbps': 'Gbit/s',
};

const messages: Record<Locale, Record<MessageKey, string>> = { uk, en };

/** Things the dashboard counts, in the forms each number takes. */
const NOUNS = {
  client: { uk: { one: 'клієнт', few: 'клієнти', many: 'клієнтів', other: 'клієнта' }, en: { one: 'client', other: 'clients' } },
} satisfies Record<string, PluralForms>;

const STORAGE_KEY = 'merezha.lang';

function storedLang(): Locale | null {
  const value = localStorage.getItem(STORAGE_KEY);
  return isLocale(value) ? value : null;
}

export const lang = writable<Locale>(storedLang() ?? 'uk');
/** The hromada's IANA zone; undefined (the browser's zone) until HromadaInfo has arrived. */
const timeZone = writable<string | undefined>(undefined);

lang.subscribe((value) => (document.documentElement.lang = value));

/** An explicit choice, remembered in this browser. */
export function switchLang(): void {
  const next: Locale = get(lang) === 'uk' ? 'en' : 'uk';
  localStorage.setItem(STORAGE_KEY, next);
  lang.set(next);
}

/** The hromada's language applies until the user picks one; its time zone always does. */
export function useHromadaDefaults(info: HromadaInfo): void {
  if (!storedLang()) lang.set(info.locale);
  timeZone.set(info.timezone);
}

type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

export const t = derived(lang, ($lang): Translate => {
  const table = messages[$lang];
  return (key, params) => {
    const text = table[key];
    return params ? text.replace(/\{(\w+)\}/g, (whole, name: string) => String(params[name] ?? whole)) : text;
  };
});

const BIT_UNITS = ['unit.bps', 'unit.kbps', 'unit.mbps', 'unit.gbps'] as const;

function formatters(language: Locale, zone: string | undefined, tr: Translate) {
  const locale = INTL_LOCALE[language];
  const numberFormats = new Map<string, Intl.NumberFormat>();
  const numberWith = (digits: number, style: 'decimal' | 'percent' = 'decimal') => {
    const key = `${style}${digits}`;
    let format = numberFormats.get(key);
    if (!format) numberFormats.set(key, (format = new Intl.NumberFormat(locale, { style, maximumFractionDigits: digits })));
    return format;
  };
  const dateTime = new Intl.DateTimeFormat(locale, { timeZone: zone, dateStyle: 'short', timeStyle: 'short' });
  const timeOnly = new Intl.DateTimeFormat(locale, { timeZone: zone, timeStyle: 'short' });
  const dayOnly = new Intl.DateTimeFormat(locale, { timeZone: zone, dateStyle: 'medium' });
  const dayMonth = new Intl.DateTimeFormat(locale, { timeZone: zone, day: 'numeric', month: 'short' });
  const dash = '—';
  const moment = (ms: number) => (dayOnly.format(ms) === dayOnly.format(Date.now()) ? timeOnly.format(ms) : dateTime.format(ms));

  return {
    timeZone: zone,
    number: (value: number | null, digits = 0) => (value == null ? dash : numberWith(digits).format(value)),
    /** `value` is already 0–100. Uptime needs two decimals: 99.95 % is not 100 %. */
    percent: (value: number | null, digits = 1) => (value == null ? dash : numberWith(digits, 'percent').format(value / 100)),
    /** Loopback and LAN round trips are fractions of a millisecond; WAN ones tens. */
    ms: (value: number | null) =>
      value == null ? dash : tr('unit.ms', { v: numberWith(value < 1 ? 2 : value < 10 ? 1 : 0).format(value) }),
    bitrate: (bps: number | null) => {
      if (bps == null) return dash;
      let step = 0;
      let scaled = bps;
      while (scaled >= 1000 && step < BIT_UNITS.length - 1) {
        scaled /= 1000;
        step++;
      }
      return `${numberWith(scaled < 10 && step > 0 ? 1 : 0).format(scaled)} ${tr(BIT_UNITS[step] ?? 'unit.bps')}`;
    },
    /** "2 дн 5 год", "12 хв 3 с": to the second, as the dashboard shows outages as they run. */
    duration: (seconds: number) => formatDuration(seconds, language, 'second'),
    /** "41 клієнт", "2 клієнти". */
    count: (n: number, noun: keyof typeof NOUNS) => count(n, NOUNS[noun][language], language),
    state: (state: State) => stateName(state, language),
    kind: (kind: DeviceKind) => kindName(kind, language),
    category: (category: InstitutionCategory) => categoryHeading(category, language),
    dateTime: (ms: number | null) => (ms == null ? dash : dateTime.format(ms)),
    /** "3,4 МБ". */
    bytes: (n: number) => formatBytes(n, language),
    /** The state engine's reason (stored in English) in the chosen language. */
    reason: (text: string) => localizeReason(text, language),
    /** Chart ticks: "14:00" within a day, "22 лист." across days. */
    clock: (ms: number) => timeOnly.format(ms),
    date: (ms: number) => dayMonth.format(ms),
    /** Just the time when it is today, else date and time. */
    moment,
    /** "з 14:05": when the current state began. */
    since: (ms: number) => tr('village.since', { time: moment(ms) }),
  };
}

export const fmt = derived([lang, timeZone, t], ([$lang, $zone, $t]) => formatters($lang, $zone, $t));
