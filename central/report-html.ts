/**
 * The oblast report as one page in Ukrainian, laid out with the hromada
 * report's blocks, cells and styles (`server/report/layout.ts`, `html.ts`):
 * the hromadas' main figures side by side with the oblast's under them, the
 * causes of their time offline, and their strategies' targets as a table of
 * hromadas × KPIs, each cell the hromada's figure against its own target,
 * marked met or not met. Pure.
 */
import { count } from '../common/words/plural.ts';
import { kpiMetricName, OF_HROMADAS } from '../common/words/oblast.ts';
import { outageCauseName } from '../common/words/power.ts';
import { documentHtml } from '../server/report/html.ts';
import {
  ADJUSTED,
  adjustedText,
  CAUSE_COLUMNS,
  CAUSE_WIDTHS,
  col,
  hours,
  kpiValue,
  NO_DATA,
  num,
  pctCell,
  reportHead,
  txt,
  ukNum,
  ukPct,
  type Cell,
  type ReportDocument,
  type Section,
} from '../server/report/layout.ts';
import type { OblastFigures, OblastKpi, OblastKpiEntry, OblastReport } from './report-data.ts';

const OBLAST_ROW = 'Разом по області';
const MET_ROW = 'Виконали свій план';
const noData: Cell = { text: NO_DATA, tone: 'muted' };
const none: Cell = { text: '—', tone: 'muted' };
const tone = (met: boolean | null): Cell['tone'] => (met === null ? 'muted' : met ? 'good' : 'bad');
const sign = (direction: OblastKpi['direction']) => (direction === 'at_most' ? '≤' : '≥');

/** The figures' row: villages, uptime, adjusted, institutions fast of all, zones working of installed, points online and equipped, monitored. */
function figureCells(f: OblastFigures): Cell[] {
  const p = f.invincibility_points;
  const z = f.wifi_zones;
  return [
    num(f.villages),
    pctCell(f.uptime_pct),
    pctCell(f.uptime_adjusted_pct),
    f.institutions.total
      ? txt(`${ukNum(f.institutions.high_speed)} з ${ukNum(f.institutions.total)} (${ukPct(f.institutions.high_speed_pct, 1)})`)
      : none,
    z.installed || z.added ? txt(`${ukNum(z.in_service)} з ${ukNum(z.installed)}${z.added ? `, нових ${ukNum(z.added)}` : ''}`) : none,
    p.total ? pctCell(p.online_pct, 1) : none,
    p.total
      ? { text: `${ukNum(p.meeting_requirement)} з ${ukNum(p.total)}`, tone: p.meeting_requirement < p.total ? 'bad' : 'good' }
      : none,
    pctCell(f.data_quality.monitored_pct, 1),
  ];
}

function figureSection(r: OblastReport): Section {
  const columns = [
    col('Громада', 5, 'left'),
    col('Населених пунктів', 3),
    col('Доступність', 3.4),
    col(ADJUSTED, 3.4),
    col('Заклади на швидкісному', 4.4),
    col('Зони Free WiFi: працюють з', 4),
    col('Пункти незламності онлайн без світла', 3.6),
    col('З резервом живлення і каналу', 3.4),
    col('Під наглядом', 3),
  ];
  return {
    id: 'hromadas',
    title: 'Громади: головні показники',
    pageBreak: false,
    blocks: [
      {
        kind: 'paragraphs',
        lines: [
          'Кожну громаду пораховано так само, як у її власному звіті, за даними, які вона передала. ' +
            'Рядок «Разом по області» — не середнє громад: час і кількості складено, а частки взято від сум ' +
            '(доступність — від усього часу спостереження населених пунктів усіх громад, заклади і зони — від їх загальної кількості, ' +
            'пункти незламності — від усіх їхніх годин без світла під наглядом).',
          `Громада без даних ще не надіслала інвентар: її показники «${NO_DATA}», а не нуль.`,
        ],
      },
      {
        kind: 'table',
        empty: 'У налаштуваннях області не задано громад.',
        columns,
        rows: [
          ...r.hromadas.map((h) => [txt(h.name), ...(h.figures ? figureCells(h.figures) : columns.slice(1).map(() => noData))]),
          [txt(OBLAST_ROW), ...(r.oblast_figures ? figureCells(r.oblast_figures) : columns.slice(1).map(() => noData))],
        ],
      },
    ],
  };
}

function causeSection(r: OblastReport): Section {
  const causes = r.cause_priority;
  const rows = [
    ...r.hromadas.flatMap((h) => (h.figures?.villages ? [{ name: h.name, f: h.figures }] : [])),
    ...(r.oblast_figures?.villages ? [{ name: OBLAST_ROW, f: r.oblast_figures }] : []),
  ];
  return {
    id: 'causes',
    title: 'Причини часу без зв’язку',
    pageBreak: false,
    blocks: [
      {
        kind: 'paragraphs',
        lines: [
          `Години, коли населені пункти громад були без зв’язку, за причинами: ${causes.map((c) => `${CAUSE_COLUMNS[c]} — ${outageCauseName(c, 'uk')}`).join('; ')}.`,
          adjustedText(r),
        ],
      },
      {
        kind: 'table',
        empty: 'Даних про населені пункти немає.',
        columns: [
          col('Громада', 6, 'left'),
          col('Доступність', 6),
          col(ADJUSTED, 5),
          ...causes.map((c) => col(CAUSE_COLUMNS[c], CAUSE_WIDTHS[c] ?? 4.2)),
        ],
        rows: rows.map(({ name, f }) => [
          txt(name),
          pctCell(f.uptime_pct),
          pctCell(f.uptime_adjusted_pct),
          ...causes.map((c) => hours(f.downtime_by_cause[c])),
        ]),
      },
    ],
  };
}

/** A hromada's KPIs of one group: figure and its own target, marked. */
function entryCell(k: OblastKpi, entries: readonly OblastKpiEntry[]): Cell {
  if (entries.length === 0) return none;
  const text = entries
    .map((e) => {
      const value = (x: number) => kpiValue({ unit: k.unit, actual: e.actual, target: e.target }, x);
      return `${e.actual === null ? NO_DATA : value(e.actual)} (${sign(e.direction)} ${value(e.target)})`;
    })
    .join('; ');
  const measured = entries.filter((e) => e.met !== null);
  return { text, tone: tone(measured.length ? measured.every((e) => e.met) : null) };
}

/** The oblast's figure of a group, against the target when every hromada shares it. */
function oblastCell(k: OblastKpi): Cell {
  if (k.metric === 'influxql') return { text: 'не порівнюється', tone: 'muted' };
  const { actual, target } = k;
  if (actual === null) return noData;
  const value = (x: number) => kpiValue({ unit: k.unit, actual, target: target ?? actual }, x);
  return {
    text: value(actual) + (target === null ? '' : ` (${sign(k.direction)} ${value(target)})`),
    tone: tone(k.met),
  };
}

function kpiSection(r: OblastReport): Section {
  return {
    id: 'kpis',
    title: 'Цілі стратегій громад: план і факт',
    pageBreak: true,
    blocks: [
      {
        kind: 'paragraphs',
        lines: [
          'У клітинці — показник громади за період і в дужках її власний план: ✔ виконано, ✘ не виконано. ' +
            'Цілі з однаковою метрикою зведено в один стовпчик, навіть якщо громади поставили різні плани. ' +
            `«${OBLAST_ROW}» — показник усіх громад разом (частки — від сум, кількості — сума), з планом, лише коли він однаковий для всіх громад; ` +
            `«${MET_ROW}» — скільки громад досягли власного плану.`,
        ],
      },
      {
        kind: 'table',
        empty: 'Жодна громада не задала цілей стратегії (розділ kpis її налаштувань).',
        columns: r.kpis.length ? [col('Громада', 4, 'left'), ...r.kpis.map((k) => col(k.title, 4))] : [],
        rows: r.kpis.length
          ? [
              ...r.hromadas.map((h) => [
                txt(h.name),
                ...r.kpis.map((k) =>
                  h.status === 'no_data'
                    ? noData
                    : entryCell(
                        k,
                        k.entries.filter((e) => e.hromada === h.id),
                      ),
                ),
              ]),
              [txt(OBLAST_ROW), ...r.kpis.map(oblastCell)],
              [txt(MET_ROW), ...r.kpis.map((k) => txt(`${k.hromadas_met} з ${count(k.hromadas_measured, OF_HROMADAS.uk, 'uk')}`))],
            ]
          : [],
      },
      ...(r.kpis.some((k) => k.metric === 'influxql')
        ? [
            {
              kind: 'paragraphs' as const,
              lines: [`«${kpiMetricName('influxql', 'uk')}» рахує власний запит громади, а не визначення Мережі.`],
            },
          ]
        : []),
    ],
  };
}

export function oblastDocument(r: OblastReport): ReportDocument {
  return {
    title: 'Звіт про зв’язок громад',
    hromada: r.oblast,
    ...reportHead(r),
    sections: [
      { id: 'summary', title: 'Коротко', pageBreak: false, blocks: [{ kind: 'paragraphs', lines: r.summary, large: true }] },
      figureSection(r),
      causeSection(r),
      kpiSection(r),
    ],
  };
}

export function oblastHtml(r: OblastReport): string {
  return documentHtml(oblastDocument(r), 'Мережа — моніторинг мереж громад області. Ті самі дані відкрито: JSON і CSV.');
}
