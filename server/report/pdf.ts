/**
 * The report as an A4 PDF (pdfkit): the same sections in the same order as
 * the web page (`layout.ts`), the DejaVu fonts embedded so Cyrillic shows and
 * copies out correctly, tables that continue on the next page under their
 * header again, the two monthly charts drawn as vectors, page numbers, and
 * the document's title and author (the hromada) in its metadata.
 */
import { existsSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import type { ReportData } from '../../common/report.ts';
import {
  chartGeometry,
  COLORS,
  reportDocument,
  type Block,
  type Cell,
  type Chart,
  type ChartGeometry,
  type Column,
  type ReportDocument,
  type Section,
  type Tone,
} from './layout.ts';

/** Where Debian's fonts-dejavu-core puts them; MEREZHA_FONT_DIR for another system. */
const fontDir = () => process.env.MEREZHA_FONT_DIR ?? '/usr/share/fonts/truetype/dejavu';
const FONTS = { regular: 'DejaVuSans.ttf', bold: 'DejaVuSans-Bold.ttf', mono: 'DejaVuSansMono.ttf' } as const;

/** The PDF cannot be made here: the fonts for Cyrillic are not installed. */
export class MissingFontError extends Error {}

function fontFiles(): Record<keyof typeof FONTS, string> {
  const files = Object.fromEntries(Object.entries(FONTS).map(([k, f]) => [k, `${fontDir()}/${f}`])) as Record<keyof typeof FONTS, string>;
  const missing = Object.values(files).filter((f) => !existsSync(f));
  if (missing.length)
    throw new MissingFontError(
      `the PDF report needs the DejaVu fonts (missing ${missing.join(', ')}): install the Debian package fonts-dejavu-core (sudo apt-get install fonts-dejavu-core)`,
    );
  return files;
}

const MARGIN = 50;
const TONE: Record<Tone, string> = { good: COLORS.good, bad: COLORS.bad, muted: COLORS.muted };

export async function reportPdf(r: ReportData): Promise<Buffer> {
  const files = fontFiles();
  const doc = reportDocument(r);
  const { pdf, done } = openPdf(doc, r.generated_at, files);
  const w = new Writer(pdf);
  writeTitle(w, doc);
  for (const s of doc.sections) writeSection(w, s);
  writePageFooters(w, doc);
  pdf.end();
  return done;
}

/** An A4 document with the report's metadata and fonts, and its bytes once it ends. */
function openPdf(
  doc: ReportDocument,
  generatedAt: string,
  files: Record<keyof typeof FONTS, string>,
): { pdf: PDFKit.PDFDocument; done: Promise<Buffer> } {
  const pdf = new PDFDocument({
    size: 'A4',
    margins: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN },
    bufferPages: true,
    info: {
      Title: `${doc.title}: ${doc.hromada}, ${doc.period}`,
      Author: doc.hromada,
      Subject: 'Доступність інтернету, цілі стратегії, провайдери, Free WiFi',
      Creator: 'Мережа',
      CreationDate: new Date(generatedAt),
    },
    lang: 'uk',
    displayTitle: true,
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('data', (c: Buffer) => chunks.push(c));
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });
  pdf.registerFont('regular', files.regular);
  pdf.registerFont('bold', files.bold);
  pdf.registerFont('mono', files.mono);
  return { pdf, done };
}

/** The document being written, with the text column and the page breaks every part shares. */
class Writer {
  readonly left = MARGIN;
  readonly width: number;

  constructor(readonly pdf: PDFKit.PDFDocument) {
    this.width = pdf.page.width - 2 * MARGIN;
  }

  bottom(): number {
    return this.pdf.page.height - MARGIN;
  }

  atTop(): boolean {
    return this.pdf.y <= MARGIN + 1;
  }

  /** A new page unless `h` fits on this one; a page still empty takes anything. */
  ensure(h: number): void {
    if (this.pdf.y + h > this.bottom() && !this.atTop()) this.pdf.addPage();
  }

  para(text: string, size = 10, font = 'regular', color: string = COLORS.ink, gap = 4): void {
    const { pdf, left, width } = this;
    pdf.font(font).fontSize(size).fillColor(color);
    this.ensure(pdf.heightOfString(text, { width }));
    pdf.text(text, left, pdf.y, { width, lineGap: size * 0.2 });
    pdf.y += gap;
  }
}

function writeTitle(w: Writer, doc: ReportDocument): void {
  w.pdf.font('bold').fontSize(22).fillColor(COLORS.ink).text(doc.title, w.left, MARGIN, { width: w.width });
  w.para(doc.hromada, 16, 'bold', COLORS.ink, 2);
  w.para(doc.period, 13, 'regular', COLORS.ink, 2);
  for (const m of doc.meta) w.para(m, 9, 'regular', COLORS.muted, 0);
  w.pdf.y += 10;
}

function writeSection(w: Writer, s: Section): void {
  const { pdf, left, width } = w;
  if (s.pageBreak && !w.atTop()) pdf.addPage();
  w.ensure(60);
  pdf.y += w.atTop() ? 0 : 10;
  pdf.font('bold').fontSize(15).fillColor(COLORS.ink).text(s.title, left, pdf.y, { width });
  const y = pdf.y + 2;
  pdf
    .moveTo(left, y)
    .lineTo(left + width, y)
    .lineWidth(1)
    .strokeColor(COLORS.ink)
    .stroke();
  pdf.y = y + 8;
  for (const b of s.blocks) writeBlock(w, b, s.id === 'summary');
}

function writeBlock(w: Writer, b: Block, large: boolean): void {
  switch (b.kind) {
    case 'paragraphs':
      for (const l of b.lines) w.para(l, large || b.large ? 14 : 10, 'regular', COLORS.ink, large || b.large ? 8 : 4);
      w.pdf.y += 4;
      return;
    case 'table':
      if (b.rows.length === 0) {
        if (b.empty) w.para(b.empty);
        return;
      }
      writeTable(w, b.columns, b.rows);
      return;
    case 'chart':
      writeChart(w, b.chart);
      return;
    case 'code':
      writeCode(w, b.items);
      return;
  }
}

/** Each query under its label, kept together with the start of its text. */
function writeCode(w: Writer, items: readonly { label: string; code: string }[]): void {
  const { pdf, left, width } = w;
  for (const q of items) {
    pdf.font('mono').fontSize(7.5);
    const h = pdf.heightOfString(q.code, { width: width - 8 });
    pdf.font('bold').fontSize(9);
    w.ensure(pdf.heightOfString(q.label, { width }) + Math.min(h, 200) + 12);
    pdf.fillColor(COLORS.ink).text(q.label, left, pdf.y, { width });
    pdf.y += 2;
    pdf
      .font('mono')
      .fontSize(7.5)
      .fillColor(COLORS.ink)
      .text(q.code, left + 8, pdf.y, { width: width - 8 });
    pdf.y += 6;
  }
}

/** Where a table's columns stand: the page width shared by their relative widths. */
interface TableGrid {
  columns: readonly Column[];
  size: number;
  pad: number;
  widths: number[];
  xs: number[];
}

/** A table whose header row is written again at the top of every page it continues on. */
function writeTable(w: Writer, columns: Column[], rows: Cell[][]): void {
  const total = columns.reduce((a, c) => a + c.width, 0);
  const widths = columns.map((c) => (c.width / total) * w.width);
  const grid: TableGrid = {
    columns,
    size: columns.length > 6 ? 7.5 : 9,
    pad: 3,
    widths,
    xs: widths.map((_, i) => w.left + widths.slice(0, i).reduce((a, x) => a + x, 0)),
  };
  const header = columns.map((c) => ({ text: c.title }));
  const headerHeight = rowHeight(w, grid, header, true);
  const first = rows[0] ? rowHeight(w, grid, rows[0], false) : 0;
  w.ensure(headerHeight + first);
  writeRow(w, grid, header, true);
  for (const cells of rows) {
    const h = rowHeight(w, grid, cells, false);
    if (w.pdf.y + h > w.bottom()) {
      w.pdf.addPage();
      writeRow(w, grid, header, true);
    }
    writeRow(w, grid, cells, false);
  }
  w.pdf.y += 10;
}

/** Headers and good or bad cells are bold, so wider: each cell is measured in the font it is written in. */
const cellFont = (c: Cell, header: boolean) => (header || (c.tone && c.tone !== 'muted') ? 'bold' : 'regular');

function rowHeight(w: Writer, grid: TableGrid, cells: readonly Cell[], header: boolean): number {
  const heights = cells.map((c, i) =>
    w.pdf
      .font(cellFont(c, header))
      .fontSize(grid.size)
      .heightOfString(c.text || ' ', { width: grid.widths[i]! - 2 * grid.pad }),
  );
  return Math.max(...heights) + 2 * grid.pad;
}

function writeRow(w: Writer, grid: TableGrid, cells: readonly Cell[], header: boolean): void {
  const { pdf, left, width } = w;
  const { size, pad, widths, xs } = grid;
  const h = rowHeight(w, grid, cells, header);
  const y = pdf.y;
  if (header) pdf.rect(left, y, width, h).fill('#eef1f5');
  cells.forEach((c, i) => {
    pdf
      .font(cellFont(c, header))
      .fontSize(size)
      .fillColor(c.tone ? TONE[c.tone] : COLORS.ink)
      .text(c.text, xs[i]! + pad, y + pad, { width: widths[i]! - 2 * pad, align: grid.columns[i]!.align, lineGap: 0 });
  });
  pdf
    .moveTo(left, y + h)
    .lineTo(left + width, y + h)
    .lineWidth(0.5)
    .strokeColor(COLORS.grid)
    .stroke();
  pdf.y = y + h;
}

const CHART_HEIGHT = 200;
const CHART_FONT = 8;

/** Title, legend (with more than one series), the drawing and its text alternative, kept on one page. */
function writeChart(w: Writer, c: Chart): void {
  const { pdf, left, width } = w;
  pdf.font('bold').fontSize(10);
  w.ensure(CHART_HEIGHT + 50);
  pdf.fillColor(COLORS.ink).text(c.title, left, pdf.y, { width });
  pdf.y += 4;
  if (c.series.length > 1) writeLegend(w, c);
  const y0 = pdf.y;
  const g = chartGeometry(c, width, CHART_HEIGHT, CHART_FONT);
  drawPlot(pdf, g, left, y0);
  drawAxes(pdf, c, g, left, y0);
  pdf.y = y0 + CHART_HEIGHT + 8;
  w.para(c.alt, 7.5, 'regular', COLORS.muted, 10);
}

function writeLegend(w: Writer, c: Chart): void {
  const { pdf } = w;
  let x = w.left;
  const y = pdf.y;
  pdf.font('regular').fontSize(CHART_FONT);
  for (const s of c.series) {
    pdf.rect(x, y + 1, 8, 8).fill(s.color);
    pdf.fillColor(COLORS.ink).text(s.name, x + 12, y, { lineBreak: false });
    x += 12 + pdf.widthOfString(s.name) + 16;
  }
  pdf.y = y + 14;
}

/** Grid lines with their ticks, the bars and lines of the series, and a dash for each month without data. */
function drawPlot(pdf: PDFKit.PDFDocument, g: ChartGeometry, x0: number, y0: number): void {
  const { plot } = g;
  const font = CHART_FONT;
  pdf.lineWidth(0.5).strokeColor(COLORS.grid);
  pdf.font('regular').fontSize(font).fillColor(COLORS.ink);
  for (const t of g.yTicks) {
    pdf
      .moveTo(x0 + plot.x, y0 + t.y)
      .lineTo(x0 + plot.x + plot.width, y0 + t.y)
      .stroke();
    pdf.text(t.text, x0, y0 + t.y - font * 0.6, { width: plot.x - 5, align: 'right', lineBreak: false });
  }
  for (const b of g.bars) pdf.rect(x0 + b.x, y0 + b.y, b.width, b.height).fill(b.color);
  for (const l of g.lines) {
    if (l.points.length > 1) {
      pdf.moveTo(x0 + l.points[0]!.x, y0 + l.points[0]!.y);
      for (const p of l.points.slice(1)) pdf.lineTo(x0 + p.x, y0 + p.y);
      pdf.lineWidth(2).strokeColor(l.color).stroke();
    }
    for (const p of l.points) pdf.circle(x0 + p.x, y0 + p.y, 2.5).fill(l.color);
  }
  pdf.fillColor(COLORS.muted);
  for (const gap of g.gaps) pdf.text(gap.text, x0 + gap.x - 10, y0 + plot.y + plot.height - font * 1.6, { width: 20, align: 'center' });
}

/** The axes, the months under them and the two axis titles (the vertical one turned). */
function drawAxes(pdf: PDFKit.PDFDocument, c: Chart, g: ChartGeometry, x0: number, y0: number): void {
  const { plot } = g;
  pdf.lineWidth(1).strokeColor(COLORS.ink);
  pdf
    .moveTo(x0 + plot.x, y0 + plot.y)
    .lineTo(x0 + plot.x, y0 + plot.y + plot.height)
    .lineTo(x0 + plot.x + plot.width, y0 + plot.y + plot.height)
    .stroke();
  pdf.fillColor(COLORS.ink);
  const slot = plot.width / Math.max(1, g.xLabels.length);
  for (const x of g.xLabels)
    pdf.text(x.text, x0 + x.x - slot / 2, y0 + plot.y + plot.height + 4, { width: slot, align: 'center', lineBreak: false });
  pdf.fillColor(COLORS.muted);
  pdf.text('Місяць', x0 + plot.x, y0 + CHART_HEIGHT - CHART_FONT * 1.2, { width: plot.width, align: 'center', lineBreak: false });
  pdf.save();
  pdf.rotate(-90, { origin: [x0, y0 + plot.y + plot.height] });
  pdf.text(c.yLabel, x0, y0 + plot.y + plot.height, { width: plot.height, align: 'center', lineBreak: false });
  pdf.restore();
}

/** Page numbers and a running title, written last into the bottom margin of every page. */
function writePageFooters(w: Writer, doc: ReportDocument): void {
  const { pdf, left, width } = w;
  const { start, count } = pdf.bufferedPageRange();
  for (let i = start; i < start + count; i++) {
    pdf.switchToPage(i);
    const margins = pdf.page.margins;
    pdf.page.margins = { ...margins, bottom: 0 };
    pdf
      .font('regular')
      .fontSize(8)
      .fillColor(COLORS.muted)
      .text(`${doc.hromada} · ${doc.period}`, left, pdf.page.height - MARGIN + 18, { width, align: 'left', lineBreak: false })
      .text(`Сторінка ${i + 1} з ${count}`, left, pdf.page.height - MARGIN + 18, { width, align: 'right', lineBreak: false });
    pdf.page.margins = margins;
  }
}
