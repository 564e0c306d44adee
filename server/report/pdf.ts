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
import { chartGeometry, COLORS, reportDocument, type Block, type Chart, type Column, type Tone } from './layout.ts';

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
  const pdf = new PDFDocument({
    size: 'A4',
    margins: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN },
    bufferPages: true,
    info: {
      Title: `${doc.title}: ${doc.hromada}, ${doc.period}`,
      Author: doc.hromada,
      Subject: 'Доступність інтернету, цілі стратегії, провайдери, Free WiFi',
      Creator: 'Мережа',
      CreationDate: new Date(r.generated_at),
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

  const left = MARGIN;
  const width = pdf.page.width - 2 * MARGIN;
  const bottom = () => pdf.page.height - MARGIN;
  const atTop = () => pdf.y <= MARGIN + 1;
  const ensure = (h: number) => {
    if (pdf.y + h > bottom() && !atTop()) pdf.addPage();
  };
  const para = (text: string, size = 10, font = 'regular', color: string = COLORS.ink, gap = 4) => {
    pdf.font(font).fontSize(size).fillColor(color);
    ensure(pdf.heightOfString(text, { width }));
    pdf.text(text, left, pdf.y, { width, lineGap: size * 0.2 });
    pdf.y += gap;
  };

  // Title
  pdf.font('bold').fontSize(22).fillColor(COLORS.ink).text(doc.title, left, MARGIN, { width });
  para(doc.hromada, 16, 'bold', COLORS.ink, 2);
  para(doc.period, 13, 'regular', COLORS.ink, 2);
  for (const m of doc.meta) para(m, 9, 'regular', COLORS.muted, 0);
  pdf.y += 10;

  for (const s of doc.sections) {
    if (s.pageBreak && !atTop()) pdf.addPage();
    ensure(60);
    pdf.y += atTop() ? 0 : 10;
    pdf.font('bold').fontSize(15).fillColor(COLORS.ink).text(s.title, left, pdf.y, { width });
    const y = pdf.y + 2;
    pdf
      .moveTo(left, y)
      .lineTo(left + width, y)
      .lineWidth(1)
      .strokeColor(COLORS.ink)
      .stroke();
    pdf.y = y + 8;
    for (const b of s.blocks) block(b, s.id === 'summary');
  }

  function block(b: Block, large: boolean): void {
    switch (b.kind) {
      case 'paragraphs':
        for (const l of b.lines) para(l, large || b.large ? 14 : 10, 'regular', COLORS.ink, large || b.large ? 8 : 4);
        pdf.y += 4;
        return;
      case 'table':
        if (b.rows.length === 0) {
          if (b.empty) para(b.empty);
          return;
        }
        table(b.columns, b.rows);
        return;
      case 'chart':
        chart(b.chart);
        return;
      case 'code':
        for (const q of b.items) {
          pdf.font('mono').fontSize(7.5);
          const h = pdf.heightOfString(q.code, { width: width - 8 });
          pdf.font('bold').fontSize(9);
          ensure(pdf.heightOfString(q.label, { width }) + Math.min(h, 200) + 12);
          pdf.fillColor(COLORS.ink).text(q.label, left, pdf.y, { width });
          pdf.y += 2;
          pdf
            .font('mono')
            .fontSize(7.5)
            .fillColor(COLORS.ink)
            .text(q.code, left + 8, pdf.y, { width: width - 8 });
          pdf.y += 6;
        }
        return;
    }
  }

  function table(columns: Column[], rows: { text: string; tone?: Tone }[][]): void {
    const size = columns.length > 6 ? 7.5 : 9;
    const pad = 3;
    const total = columns.reduce((a, c) => a + c.width, 0);
    const widths = columns.map((c) => (c.width / total) * width);
    const xs = widths.map((_, i) => left + widths.slice(0, i).reduce((a, w) => a + w, 0));
    const heightOf = (texts: string[], font: string) => {
      pdf.font(font).fontSize(size);
      return Math.max(...texts.map((t, i) => pdf.heightOfString(t || ' ', { width: widths[i]! - 2 * pad }))) + 2 * pad;
    };
    const row = (cells: { text: string; tone?: Tone }[], header: boolean) => {
      const h = heightOf(
        cells.map((c) => c.text),
        header ? 'bold' : 'regular',
      );
      const y = pdf.y;
      if (header) pdf.rect(left, y, width, h).fill('#eef1f5');
      cells.forEach((c, i) => {
        pdf
          .font(header || (c.tone && c.tone !== 'muted') ? 'bold' : 'regular')
          .fontSize(size)
          .fillColor(c.tone ? TONE[c.tone] : COLORS.ink)
          .text(c.text, xs[i]! + pad, y + pad, { width: widths[i]! - 2 * pad, align: columns[i]!.align, lineGap: 0 });
      });
      pdf
        .moveTo(left, y + h)
        .lineTo(left + width, y + h)
        .lineWidth(0.5)
        .strokeColor(COLORS.grid)
        .stroke();
      pdf.y = y + h;
    };
    const header = columns.map((c) => ({ text: c.title }));
    const headerHeight = heightOf(
      header.map((c) => c.text),
      'bold',
    );
    const first = rows[0]
      ? heightOf(
          rows[0].map((c) => c.text),
          'regular',
        )
      : 0;
    ensure(headerHeight + first);
    row(header, true);
    for (const cells of rows) {
      const h = heightOf(
        cells.map((c) => c.text),
        'regular',
      );
      if (pdf.y + h > bottom()) {
        pdf.addPage();
        row(header, true);
      }
      row(cells, false);
    }
    pdf.y += 10;
  }

  function chart(c: Chart): void {
    const height = 200;
    const font = 8;
    pdf.font('bold').fontSize(10);
    ensure(height + 50);
    pdf.fillColor(COLORS.ink).text(c.title, left, pdf.y, { width });
    pdf.y += 4;
    if (c.series.length > 1) {
      let x = left;
      const y = pdf.y;
      pdf.font('regular').fontSize(font);
      for (const s of c.series) {
        pdf.rect(x, y + 1, 8, 8).fill(s.color);
        pdf.fillColor(COLORS.ink).text(s.name, x + 12, y, { lineBreak: false });
        x += 12 + pdf.widthOfString(s.name) + 16;
      }
      pdf.y = y + 14;
    }
    const x0 = left;
    const y0 = pdf.y;
    const g = chartGeometry(c, width, height, font);
    const { plot } = g;
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
    pdf.text('Місяць', x0 + plot.x, y0 + height - font * 1.2, { width: plot.width, align: 'center', lineBreak: false });
    pdf.save();
    pdf.rotate(-90, { origin: [x0, y0 + plot.y + plot.height] });
    pdf.text(c.yLabel, x0, y0 + plot.y + plot.height, { width: plot.height, align: 'center', lineBreak: false });
    pdf.restore();
    pdf.y = y0 + height + 8;
    para(c.alt, 7.5, 'regular', COLORS.muted, 10);
  }

  // Page numbers and a running title, written last into the bottom margin of every page.
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
  pdf.end();
  return done;
}
