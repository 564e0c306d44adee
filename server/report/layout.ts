/**
 * The report as a document, shared by the HTML page (`html.ts`) and the PDF
 * (`pdf.ts`): its sections in order, each a list of blocks (paragraphs,
 * tables of already formatted cells, charts), with every number written the
 * Ukrainian way (`uk-UA`: a decimal comma, a no-break space between
 * thousands), durations in words (дн, год, хв) and times in the hromada's time
 * zone. The two renderers only lay this out, so they cannot disagree on a
 * figure, a title or the order. Pure.
 */
import type { ReportData, ReportKpi } from '../../common/report.ts';
import { formatDuration } from '../../common/words/duration.ts';
import { INTL_LOCALE } from '../../common/words/locale.ts';
import { kindName } from '../../common/words/names.ts';
import { backupLinkName, backupPowerName, outageCauseName, type OutageCause } from '../../common/words/power.ts';

export type Tone = 'good' | 'bad' | 'muted';
export interface Cell {
  text: string;
  tone?: Tone;
}
export interface Column {
  title: string;
  align: 'left' | 'right';
  /** Relative width (the PDF shares the page width by it). */
  width: number;
}
export interface Series {
  name: string;
  style: 'line' | 'bars';
  color: string;
  values: (number | null)[];
}
export interface Chart {
  title: string;
  /** Every value in words: the text alternative of the drawing. */
  alt: string;
  yLabel: string;
  xLabels: string[];
  series: Series[];
  yMin: number;
  yMax: number;
  yTicks: number[];
  /** How a tick is written (with its unit). */
  tickText: (value: number) => string;
}
export type Block =
  | { kind: 'paragraphs'; lines: string[]; large?: boolean }
  | { kind: 'table'; columns: Column[]; rows: Cell[][]; empty: string }
  | { kind: 'chart'; chart: Chart }
  | { kind: 'code'; items: { label: string; code: string }[] };
export interface Section {
  id: string;
  title: string;
  /** Starts a new printed page. */
  pageBreak: boolean;
  blocks: Block[];
}
export interface ReportDocument {
  title: string;
  hromada: string;
  period: string;
  /** Under the title: when it was made, where figures stop. */
  meta: string[];
  sections: Section[];
}

export const COLORS = {
  good: '#1b7f3b',
  bad: '#b3261e',
  muted: '#5f6368',
  ink: '#1a1a1a',
  grid: '#d0d4d9',
  uptime: '#0b57d0',
  avg: '#7fa7e8',
  peak: '#c2590a',
};
export const MET = 'виконано';
export const NOT_MET = 'не виконано';
export const NO_DATA = 'дані відсутні';

const MONTHS_SHORT = ['січ', 'лют', 'бер', 'кві', 'тра', 'чер', 'лип', 'сер', 'вер', 'жов', 'лис', 'гру'];
const MONTHS_FULL = [
  'січень',
  'лютий',
  'березень',
  'квітень',
  'травень',
  'червень',
  'липень',
  'серпень',
  'вересень',
  'жовтень',
  'листопад',
  'грудень',
];

const formatters = new Map<number, Intl.NumberFormat>();
/** 12 345,6 — `uk-UA`, a fixed number of decimals. */
export function ukNum(x: number, digits = 0): string {
  let f = formatters.get(digits);
  if (!f)
    formatters.set(digits, (f = new Intl.NumberFormat(INTL_LOCALE.uk, { minimumFractionDigits: digits, maximumFractionDigits: digits })));
  return f.format(x);
}
/** "99,95%", or "дані відсутні". */
export const ukPct = (x: number | null, digits = 2) => (x === null ? NO_DATA : `${ukNum(x, digits)}%`);
const orNoData = (x: number | null, f: (x: number) => string) => (x === null ? NO_DATA : f(x));
const metCell = (met: boolean | null): Cell =>
  met === null ? { text: NO_DATA, tone: 'muted' } : met ? { text: MET, tone: 'good' } : { text: NOT_MET, tone: 'bad' };

function dateFormat(timeZone: string, withTime: boolean) {
  return new Intl.DateTimeFormat(
    INTL_LOCALE.uk,
    withTime ? { dateStyle: 'long', timeStyle: 'short', timeZone } : { dateStyle: 'long', timeZone },
  );
}

/** A KPI's figure with its unit; percentages get more decimals when two would hide which side of the target it is on. */
export function kpiValue(k: Pick<ReportKpi, 'unit' | 'actual' | 'target'>, x: number): string {
  if (k.unit === '%') {
    let digits = 2;
    while (digits < 4 && k.actual !== null && k.actual !== k.target && ukNum(k.actual, digits) === ukNum(k.target, digits)) digits++;
    return `${ukNum(x, digits)}%`;
  }
  return `${ukNum(x, Number.isInteger(x) ? 0 : 2)}${k.unit ? ` ${k.unit}` : ''}`;
}

/** Ticks for the vertical axis: a step from 1-2-2,5-5 so that there are at most five, from `lo` (rounded down) to `hi`. */
export function niceAxis(lo: number, hi: number): { min: number; max: number; ticks: number[] } {
  if (!(hi > lo)) hi = lo + 1;
  const raw = (hi - lo) / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const min = Math.floor(lo / step + 1e-9) * step;
  const max = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = min; v <= max + step / 1e6; v += step) ticks.push(Number(v.toFixed(10)));
  return { min, max, ticks };
}

/** The drawing of a chart in a box, in the box's coordinates (y downwards): shared by the SVG and the PDF. */
export interface ChartGeometry {
  plot: { x: number; y: number; width: number; height: number };
  yTicks: { y: number; text: string }[];
  xLabels: { x: number; text: string }[];
  bars: { x: number; y: number; width: number; height: number; color: string }[];
  /** Runs of consecutive months with a value (a month without data breaks the line). */
  lines: { color: string; points: { x: number; y: number }[] }[];
  /** Months without any value. */
  gaps: { x: number; text: string }[];
}

export function chartGeometry(c: Chart, width: number, height: number, font = 10): ChartGeometry {
  const left = font * 5.2;
  const plot = { x: left, y: font * 0.8, width: width - left - font * 0.8, height: height - font * 4.2 };
  const n = c.xLabels.length;
  const slot = plot.width / Math.max(1, n);
  const xOf = (i: number) => plot.x + slot * (i + 0.5);
  const yOf = (v: number) => plot.y + plot.height * (1 - (Math.min(c.yMax, Math.max(c.yMin, v)) - c.yMin) / (c.yMax - c.yMin));
  const bars: ChartGeometry['bars'] = [];
  const lines: ChartGeometry['lines'] = [];
  for (const s of c.series) {
    if (s.style === 'bars') {
      s.values.forEach((v, i) => {
        if (v === null) return;
        const y = yOf(v);
        bars.push({ x: xOf(i) - slot * 0.3, y, width: slot * 0.6, height: plot.y + plot.height - y, color: s.color });
      });
    } else {
      let run: { x: number; y: number }[] = [];
      s.values.forEach((v, i) => {
        if (v === null) {
          if (run.length) lines.push({ color: s.color, points: run });
          run = [];
        } else run.push({ x: xOf(i), y: yOf(v) });
      });
      if (run.length) lines.push({ color: s.color, points: run });
    }
  }
  return {
    plot,
    yTicks: c.yTicks.map((v) => ({ y: yOf(v), text: c.tickText(v) })),
    xLabels: c.xLabels.map((text, i) => ({ x: xOf(i), text })),
    bars,
    lines,
    gaps: c.xLabels.flatMap((_, i) => (c.series.every((s) => s.values[i] === null) ? [{ x: xOf(i), text: '—' }] : [])),
  };
}

function monthLabel(month: string, full = false): string {
  const m = Number(month.slice(5)) - 1;
  return full ? `${MONTHS_FULL[m]} ${month.slice(0, 4)}` : (MONTHS_SHORT[m] ?? month);
}

function charts(r: ReportData): Chart[] {
  const up = r.months.map((m) => m.village_uptime_pct);
  const known = up.filter((x): x is number => x !== null);
  const axis = niceAxis(Math.min(99, ...known), 100);
  const avg = r.months.map((m) => m.wifi_avg_clients);
  const peak = r.months.map((m) => m.wifi_peak_clients);
  const wifiAxis = niceAxis(0, Math.max(1, ...avg.filter((x) => x !== null), ...peak.filter((x) => x !== null)));
  const yearly = r.months.length > 1 && new Set(r.months.map((m) => m.month.slice(0, 4))).size === 1;
  const xLabels = r.months.map((m) => monthLabel(m.month) + (yearly ? '' : ` ${m.month.slice(2, 4)}`));
  return [
    {
      title: 'Доступність інтернету в селах за місяцями',
      alt:
        'Частка часу, коли населені пункти мали інтернет, за місяцями: ' +
        r.months.map((m) => `${monthLabel(m.month, true)} — ${ukPct(m.village_uptime_pct)}`).join('; ') +
        '.',
      yLabel: 'Доступність, %',
      xLabels,
      series: [{ name: 'Доступність', style: 'line', color: COLORS.uptime, values: up }],
      yMin: axis.min,
      yMax: axis.max,
      yTicks: axis.ticks,
      tickText: (v) => `${ukNum(v, Number.isInteger(v) ? 0 : v * 10 === Math.round(v * 10) ? 1 : 2)}%`,
    },
    {
      title: 'Користувачі Free WiFi за місяцями',
      alt:
        'Клієнти Free WiFi водночас, за місяцями (у середньому по всіх зонах разом / найбільше в одній зоні): ' +
        r.months
          .map(
            (m) =>
              `${monthLabel(m.month, true)} — ${orNoData(m.wifi_avg_clients, (x) => ukNum(x, 1))} / ${orNoData(m.wifi_peak_clients, (x) => ukNum(x))}`,
          )
          .join('; ') +
        '.',
      yLabel: 'Клієнтів водночас',
      xLabels,
      series: [
        { name: 'У середньому (усі зони разом)', style: 'bars', color: COLORS.avg, values: avg },
        { name: 'Найбільше в одній зоні', style: 'line', color: COLORS.peak, values: peak },
      ],
      yMin: wifiAxis.min,
      yMax: wifiAxis.max,
      yTicks: wifiAxis.ticks,
      tickText: (v) => ukNum(v, Number.isInteger(v) ? 0 : 1),
    },
  ];
}

/** How every table writes its cells: no data muted, durations in words, no duration as «—». */
const dur = (s: number | null) => (s === null ? '—' : s === 0 ? '0' : formatDuration(s, 'uk'));
export const pctCell = (x: number | null, digits = 2): Cell => (x === null ? { text: NO_DATA, tone: 'muted' } : { text: ukPct(x, digits) });
export const txt = (text: string): Cell => ({ text });
/** Seconds as hours with one decimal, «—» for none. */
export const hours = (s: number): Cell => (s === 0 ? { text: '—', tone: 'muted' } : { text: s < 180 ? '< 0,1' : ukNum(s / 3600, 1) });
export const num = (x: number | null, digits = 0): Cell => (x === null ? { text: NO_DATA, tone: 'muted' } : { text: ukNum(x, digits) });
export const col = (title: string, width: number, align: 'left' | 'right' = 'right'): Column => ({ title, width, align });

/** The period in words, and under the title when it was made and where figures stop; in `timezone`. */
export function reportHead(r: Pick<ReportData, 'timezone' | 'from' | 'to' | 'measured_to' | 'generated_at'>): {
  period: string;
  meta: string[];
} {
  const day = dateFormat(r.timezone, false);
  const when = dateFormat(r.timezone, true);
  const to = Date.parse(r.to);
  const measured = Date.parse(r.measured_to);
  const meta = [`Складено ${when.format(Date.parse(r.generated_at))} (${r.timezone}).`];
  if (measured < to) meta.push(`Дані враховано до ${when.format(measured)}: решта періоду ще не настала.`);
  return { period: `${day.format(Date.parse(r.from))} — ${day.format(to - 1)}`, meta };
}

export function reportDocument(r: ReportData): ReportDocument {
  const when = dateFormat(r.timezone, true);
  const sections = [
    summarySection(r),
    kpiSection(r),
    villageSection(r),
    providerSection(r),
    powerSection(r),
    monthSection(r),
    incidentSection(r, when),
    serviceSection(r),
    dataQualitySection(r),
    deviceSection(r),
    querySection(r),
  ];
  return { title: 'Звіт про зв’язок громади', hromada: r.hromada, ...reportHead(r), sections };
}

function summarySection(r: ReportData): Section {
  return { id: 'summary', title: 'Коротко', pageBreak: false, blocks: [{ kind: 'paragraphs', lines: r.summary, large: true }] };
}

function kpiSection(r: ReportData): Section {
  return {
    id: 'kpis',
    title: 'Цілі стратегії: план і факт',
    pageBreak: false,
    blocks: [
      {
        kind: 'table',
        empty: 'У налаштуваннях громади не задано жодної цілі (розділ kpis).',
        columns: [
          col('Ціль', 4.6, 'left'),
          col('План', 1.8),
          col('Факт', 1.8),
          col('Результат', 2.2, 'left'),
          col('Примітка', 2.8, 'left'),
        ],
        rows: r.kpis.map((k) => [
          txt(k.title + (k.custom ? ' *' : '')),
          txt(`${k.direction === 'at_most' ? '≤' : '≥'} ${kpiValue(k, k.target)}`),
          k.actual === null ? { text: NO_DATA, tone: 'muted' } : txt(kpiValue(k, k.actual)),
          metCell(k.met),
          txt(k.note),
        ]),
      },
      ...(r.kpis.some((k) => k.custom)
        ? [{ kind: 'paragraphs' as const, lines: ['* Показник рахує власний запит громади (див. додаток), а не визначення Мережі.'] }]
        : []),
    ],
  };
}

/** Short column titles of the causes, and their widths; the paragraph above the table names each in full. */
export const CAUSE_COLUMNS: Record<OutageCause, string> = {
  power: 'Світло',
  scheduled_blackout: 'Графік',
  provider: 'Провайдер',
  upstream: 'Вищий вузол',
  device: 'Пристрій',
  maintenance: 'Роботи',
  unknown: 'Невідомо',
};
export const CAUSE_WIDTHS: Partial<Record<OutageCause, number>> = { provider: 5.6, device: 4.6, unknown: 4.8 };
const causeList = (causes: readonly OutageCause[]) => causes.map((c) => `«${outageCauseName(c, 'uk')}»`).join(', ');
export const ADJUSTED = 'Без планових';
/** What «Без планових» is, said wherever it is shown. */
export const adjustedText = (r: Pick<ReportData, 'excused_causes'>) =>
  `«${ADJUSTED}» — доступність без часу планових перерв (${causeList(r.excused_causes)}): його не зараховано ні як роботу, ні як перерву. Головний показник — доступність з усіма причинами.`;

function villageSection(r: ReportData): Section {
  const cols = r.cause_priority;
  return {
    id: 'villages',
    title: 'Населені пункти',
    pageBreak: true,
    blocks: [
      {
        kind: 'paragraphs',
        lines: [
          'Доступність — частка часу спостереження, коли працював хоча б один канал зв’язку села. Перерва — усі канали села не працювали одночасно.',
        ],
      },
      {
        kind: 'table',
        empty: 'Населених пунктів не задано.',
        columns: [
          col('Населений пункт', 2.2, 'left'),
          col('Доступність', 2),
          col('Перерв', 1.2),
          col('Без зв’язку загалом', 1.7),
          col('Найдовша перерва', 1.6),
          col('Середня перерва', 1.6),
          col('Заклади онлайн', 1.6),
          col('Зон Wi-Fi', 1),
          col('Клієнтів у середньому / найбільше', 2.1),
        ],
        rows: r.villages.map((v) => [
          txt(v.name),
          v.uplinks === 0 ? { text: 'немає каналів', tone: 'muted' } : pctCell(v.uptime_pct),
          num(v.outages),
          txt(dur(v.downtime_s)),
          txt(dur(v.longest_outage_s)),
          txt(dur(v.mttr_s)),
          pctCell(v.institutions_online_pct, 1),
          num(v.wifi.zones),
          txt(
            v.wifi.zones ? `${orNoData(v.wifi.avg_clients, (x) => ukNum(x, 1))} / ${orNoData(v.wifi.peak_clients, (x) => ukNum(x))}` : '—',
          ),
        ]),
      },
      {
        kind: 'paragraphs',
        lines: [
          `Причини часу без зв’язку, годин: ${cols.map((c) => `${CAUSE_COLUMNS[c]} — ${outageCauseName(c, 'uk')}`).join('; ')}. ` +
            'Причину перерви визначає Мережа (адміністратор може її виправити); село без зв’язку з тієї причини, з якої не працювали його канали. ' +
            `Коли причини збігаються в часі, час зараховано одній, першій у цьому порядку: ${cols.map((c) => CAUSE_COLUMNS[c]).join(', ')}.`,
          adjustedText(r),
        ],
      },
      {
        kind: 'table',
        empty: '',
        columns: [
          col('Населений пункт', 6, 'left'),
          col('Доступність', 6),
          col(ADJUSTED, 5),
          ...cols.map((c) => col(CAUSE_COLUMNS[c], CAUSE_WIDTHS[c] ?? 4.2)),
        ],
        rows: r.villages
          .filter((v) => v.uplinks > 0)
          .map((v) => [
            txt(v.name),
            pctCell(v.uptime_pct),
            pctCell(v.uptime_adjusted_pct),
            ...cols.map((c) => hours(v.downtime_by_cause[c])),
          ]),
      },
    ],
  };
}

function providerSection(r: ReportData): Section {
  const excused = r.cause_priority.filter((c) => c !== 'provider');
  return {
    id: 'providers',
    title: 'Провайдери і договірна доступність (SLA)',
    pageBreak: false,
    blocks: [
      {
        kind: 'paragraphs',
        lines: [
          'Договір (SLA) оцінено за доступністю «З вини провайдера»: перервою в ній вважається лише час, коли канал не працював з вини провайдера. ' +
            `Провайдеру не зараховано: ${causeList(excused)}. «Доступність» — з усіма причинами.`,
        ],
      },
      {
        kind: 'table',
        empty: 'Провайдерів не задано.',
        columns: [
          col('Провайдер', 6, 'left'),
          col('Каналів', 4.2),
          col('Доступність', 6.2),
          col('З вини провайдера', 6.2),
          col('За договором', 5.6),
          col('Результат', 6.4, 'left'),
          col('Перерв', 4),
          col('Без зв’язку, год', 5),
        ],
        rows: r.providers.map((p) => [
          txt(p.name),
          num(p.links),
          pctCell(p.uptime_pct),
          pctCell(p.sla_uptime_pct),
          p.sla_pct === null ? { text: 'не вказано', tone: 'muted' } : txt(ukPct(p.sla_pct)),
          p.sla_pct === null ? { text: '—', tone: 'muted' } : metCell(p.met),
          num(p.outages),
          num(p.downtime_h, 1),
        ]),
      },
    ],
  };
}

const LACKS: Record<'backup_power' | 'backup_link', string> = { backup_power: 'резервного живлення', backup_link: 'резервного каналу' };
const lacksText = (lacks: readonly ('backup_power' | 'backup_link')[]) => `бракує ${lacks.map((l) => LACKS[l]).join(' і ')}`;
const named = <K extends string>(name: (key: K, locale: 'uk') => string, key: K | null): Cell =>
  key === null ? { text: 'не вказано', tone: 'bad' } : key === 'none' ? { text: name(key, 'uk'), tone: 'bad' } : txt(name(key, 'uk'));

/** Вплив відключень електроенергії: hours without power, the share of downtime they explain, the UPSes, the Invincibility Points. */
function powerSection(r: ReportData): Section {
  const { villages, supplies, invincibility_points: points } = r.power;
  const villageName = new Map(r.villages.map((v) => [v.id, v.name]));
  const lacking = points.filter((p) => !p.meets_requirement);
  return {
    id: 'power',
    title: 'Вплив відключень електроенергії',
    pageBreak: true,
    blocks: [
      {
        kind: 'paragraphs',
        lines: [
          'Без світла — час, коли ДБЖ чи живлення пристроїв села працювали від батареї або живлення не було зовсім (за їхніми подіями), разом із годинами відключень черги села за графіком (лише точними, без «можливих»).',
          `Через світло — час без зв’язку з причинами ${causeList(['power', 'scheduled_blackout'])}; частка — від усього часу без зв’язку.`,
        ],
      },
      {
        kind: 'table',
        empty: 'Населених пунктів не задано.',
        columns: [
          col('Населений пункт', 2.4, 'left'),
          col('Черга', 1),
          col('Без світла', 1.8),
          col('Без зв’язку загалом', 1.8),
          col('З них через світло', 1.8),
          col('Частка', 1.3),
        ],
        rows: villages.map((v) => [
          txt(v.name),
          v.power_group === null ? { text: '—', tone: 'muted' } : txt(v.power_group),
          txt(dur(v.blackout_h * 3600)),
          txt(dur(v.downtime_s)),
          txt(dur(v.power_downtime_s)),
          pctCell(v.power_share_pct, 1),
        ]),
      },
      {
        kind: 'paragraphs',
        lines: [
          'Як тримали ДБЖ: відключення, що почалися за період; тримав — від переходу на батарею до розряду або повернення світла (ще не завершені відключення не враховано).',
        ],
      },
      {
        kind: 'table',
        empty: 'Жодного ДБЖ чи живлення пристрою Мережа не спостерігає.',
        columns: [
          col('ДБЖ', 2.4, 'left'),
          col('Населений пункт', 1.8, 'left'),
          col('Відключень', 1.75),
          col('Розрядився', 1.7),
          col('Тримав (медіана)', 1.6),
          col('Найдовше', 1.6),
        ],
        rows: supplies.map((x) => [
          txt(x.name === x.id ? x.id : `${x.name} (${x.id})`),
          txt(villageName.get(x.village) ?? x.village),
          num(x.episodes),
          x.ran_out ? { text: ukNum(x.ran_out), tone: 'bad' } : num(x.ran_out),
          txt(dur(x.median_hold_s)),
          txt(dur(x.longest_hold_s)),
        ]),
      },
      {
        kind: 'paragraphs',
        lines: [
          'Пункти незламності мають лишатися на зв’язку без світла: їм потрібні резервне живлення (ДБЖ, генератор чи акумулятор) і резервний канал (Starlink, xPON чи мобільний). ' +
            'Онлайн без світла — частка годин без світла (села пункту і його черги), коли пункт був під наглядом і працював.',
        ],
      },
      {
        kind: 'table',
        empty: 'Пунктів незламності не позначено (invincibility_point: true).',
        columns: [
          col('Пункт незламності', 6.2, 'left'),
          col('Населений пункт', 5.4, 'left'),
          col('Резервне живлення', 5.2, 'left'),
          col('Резервний канал', 5.4, 'left'),
          col('Без світла', 6.2),
          col('Онлайн без світла', 5),
          col('Вимоги', 7, 'left'),
        ],
        rows: points.map((p) => [
          txt(p.name === p.id ? p.id : `${p.name} (${p.id})`),
          txt(villageName.get(p.village) ?? p.village),
          named(backupPowerName, p.backup_power),
          named(backupLinkName, p.backup_link),
          txt(dur(p.blackout_h * 3600)),
          pctCell(p.online_pct, 1),
          p.meets_requirement ? { text: MET, tone: 'good' } : { text: lacksText(p.lacks), tone: 'bad' },
        ]),
      },
      ...(points.length
        ? [
            {
              kind: 'paragraphs' as const,
              lines: [
                lacking.length
                  ? `Не відповідають вимогам: ${lacking.map((p) => `${p.name} (${lacksText(p.lacks)})`).join('; ')}.`
                  : 'Усі пункти незламності мають резервне живлення і резервний канал.',
              ],
            },
          ]
        : []),
    ],
  };
}

function monthSection(r: ReportData): Section {
  return {
    id: 'months',
    title: 'За місяцями',
    pageBreak: true,
    blocks: [
      ...charts(r).map((chart) => ({ kind: 'chart' as const, chart })),
      {
        kind: 'table',
        empty: '',
        columns: [
          col('Місяць', 2, 'left'),
          col('Доступність у селах', 1.8),
          col('Клієнтів Wi-Fi у середньому', 1.8),
          col('Найбільше клієнтів', 1.6),
          col('Час під наглядом', 1.6),
        ],
        rows: r.months.map((m) => [
          txt(monthLabel(m.month, true)),
          pctCell(m.village_uptime_pct),
          num(m.wifi_avg_clients, 1),
          num(m.wifi_peak_clients),
          pctCell(m.monitored_pct, 1),
        ]),
      },
    ],
  };
}

function incidentSection(r: ReportData, when: Intl.DateTimeFormat): Section {
  return {
    id: 'incidents',
    title: 'Найдовші перерви',
    pageBreak: false,
    blocks: [
      {
        kind: 'table',
        empty: 'Жодне село не залишалося без інтернету повністю.',
        columns: [col('Населений пункт', 2.2, 'left'), col('Початок', 2.6, 'left'), col('Кінець', 2.6, 'left'), col('Тривалість', 1.8)],
        rows: r.incidents.map((i) => [
          txt(i.village_name),
          txt(when.format(Date.parse(i.start))),
          txt(when.format(Date.parse(i.end))),
          txt(dur(i.duration_s)),
        ]),
      },
    ],
  };
}

function serviceSection(r: ReportData): Section {
  return {
    id: 'services',
    title: 'Сервіси громади',
    pageBreak: false,
    blocks: [
      {
        kind: 'table',
        empty: 'Сервісів не задано.',
        columns: [col('Сервіс', 3, 'left'), col('Доступність', 1.6), col('Перерв', 1), col('Не працював загалом', 2)],
        rows: r.services.map((s) => [txt(s.name), pctCell(s.uptime_pct), num(s.outages), txt(dur(s.downtime_s))]),
      },
    ],
  };
}

function dataQualitySection(r: ReportData): Section {
  const dq = r.data_quality;
  return {
    id: 'data-quality',
    title: 'Якість даних',
    pageBreak: false,
    blocks: [
      {
        kind: 'paragraphs',
        lines: [
          `Мережа спостерігала ${ukPct(dq.monitored_pct, 1)} часу всіх пристроїв; ${dq.device_time_s > 0 ? ukPct((dq.no_data_s / dq.device_time_s) * 100, 1) : NO_DATA} — «${NO_DATA}» (${dur(dq.no_data_s)} сумарно по всіх пристроях).`,
          'Час без даних (збій збирача чи сховища, пристрій ще не встановлено) не зараховано ні як роботу, ні як перерву.',
          dq.gaps.length ? 'Пристрої, за якими даних бракує понад 1% часу:' : 'Кожен пристрій був під наглядом щонайменше 99% часу.',
        ],
      },
      ...(dq.gaps.length
        ? [
            {
              kind: 'table' as const,
              empty: '',
              columns: [col('Пристрій', 3, 'left'), col('Під наглядом', 1.6), col('Без даних', 2)],
              rows: dq.gaps.map((g) => [txt(g.id), pctCell(g.monitored_pct, 1), txt(dur(g.no_data_s))]),
            },
          ]
        : []),
    ],
  };
}

function deviceSection(r: ReportData): Section {
  const villageName = new Map(r.villages.map((v) => [v.id, v.name]));
  const providerName = new Map(r.providers.map((p) => [p.id, p.name]));
  return {
    id: 'devices',
    title: 'Пристрої',
    pageBreak: true,
    blocks: [
      { kind: 'paragraphs', lines: [`Час, коли пристрій був відрізаний вищим вузлом, теж є перервою. ${adjustedText(r)}`] },
      {
        kind: 'table',
        empty: 'Пристроїв не задано.',
        columns: [
          col('Пристрій', 6.4, 'left'),
          col('Населений пункт', 5.4, 'left'),
          col('Тип', 4.4, 'left'),
          col('Провайдер', 5.5, 'left'),
          col('Доступність', 5.9),
          col(ADJUSTED, 4.8),
          col('Перерв', 3.9),
          col('Не працював', 6.2),
          col('Під наглядом', 6.2),
        ],
        rows: r.devices.map((d) => [
          txt(d.name === d.id ? d.id : `${d.name} (${d.id})`),
          txt(villageName.get(d.village) ?? d.village),
          txt(kindName(d.kind, 'uk')),
          txt(d.provider === null ? '—' : (providerName.get(d.provider) ?? d.provider)),
          pctCell(d.uptime_pct),
          pctCell(d.uptime_adjusted_pct),
          num(d.outages),
          txt(dur(d.downtime_s)),
          txt(dur(d.monitored_s)),
        ]),
      },
    ],
  };
}

function querySection(r: ReportData): Section {
  return {
    id: 'queries',
    title: 'Додаток: запити InfluxQL',
    pageBreak: true,
    blocks: [
      {
        kind: 'paragraphs',
        lines: ['Кожне число звіту отримано такими запитами до бази InfluxDB Мережі; їх можна виконати повторно й перевірити.'],
      },
      { kind: 'code', items: r.queries.map((q) => ({ label: q.figure, code: q.influxql })) },
    ],
  };
}
