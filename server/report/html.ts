/**
 * The report as one self-contained web page in Ukrainian: inline CSS (with
 * print rules: each big section on a new page, no split table rows), the two
 * monthly charts as inline SVG with a text alternative, no JavaScript and
 * nothing loaded from elsewhere, so it passes the server's CSP and can be
 * saved or printed as it is. Every text is escaped. Pure; the content is
 * `layout.ts`, shared with the PDF.
 */
import type { ReportData } from '../../common/report.ts';
import { escapeHtml as escape } from '../../common/html.ts';
import { chartGeometry, COLORS, reportDocument, type Block, type Cell, type Chart, type ReportDocument, type Section } from './layout.ts';

const n = (x: number) => (Math.round(x * 10) / 10).toString();

const CSS = `
*{box-sizing:border-box}
body{font-family:"DejaVu Sans",system-ui,sans-serif;margin:0 auto;max-width:62rem;padding:1rem 1.25rem 3rem;color:${COLORS.ink};background:#fff;line-height:1.5}
h1{font-size:2rem;margin:.5rem 0 .25rem}h2{font-size:1.4rem;margin:2.2rem 0 .6rem;border-bottom:2px solid ${COLORS.ink};padding-bottom:.2rem}
h3{font-size:1.1rem;margin:1.2rem 0 .4rem}.period{font-size:1.25rem;margin:0}.meta{color:${COLORS.muted};margin:.2rem 0}
.summary p{font-size:1.35rem;line-height:1.55;margin:.6rem 0}
.summary{background:#f3f6fb;border-left:.4rem solid ${COLORS.uptime};padding:.4rem 1.2rem;border-radius:.3rem}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem;font-size:.95rem}
th,td{border:1px solid ${COLORS.grid};padding:.35rem .5rem;vertical-align:top}
th{background:#eef1f5;text-align:left;font-weight:600}td.r,th.r{text-align:right;font-variant-numeric:tabular-nums}
.good{color:${COLORS.good};font-weight:700}.bad{color:${COLORS.bad};font-weight:700}.muted{color:${COLORS.muted}}
td.r,td.good,td.bad{white-space:nowrap}
td.good::before{content:"✔ "}td.bad::before{content:"✘ "}
figure{margin:1rem 0 1.5rem}figcaption{font-weight:600;margin-bottom:.3rem}svg{width:100%;height:auto;display:block}
.legend{display:flex;flex-wrap:wrap;gap:.3rem 1.2rem;margin:.3rem 0;font-size:.9rem}.legend span::before{content:"";display:inline-block;width:.9rem;height:.9rem;margin-right:.35rem;vertical-align:-.1rem;background:var(--c)}
.alt{font-size:.85rem;color:${COLORS.muted}}
dl.queries dt{font-weight:600;margin-top:.8rem}dl.queries dd{margin:.2rem 0 0}
pre{white-space:pre-wrap;word-break:break-all;background:#f6f7f9;border:1px solid ${COLORS.grid};padding:.4rem .6rem;font-size:.82rem;margin:0}
footer{margin-top:2.5rem;color:${COLORS.muted};font-size:.9rem}
@media print{
body{max-width:none;padding:0;font-size:10.5pt}
.summary p{font-size:14pt}
section.break{break-before:page;page-break-before:always}
h2,h3,figcaption{break-after:avoid;page-break-after:avoid}
tr,figure,dl.queries dd{break-inside:avoid;page-break-inside:avoid}
thead{display:table-header-group}
.table-wrap{overflow:visible}
.summary{background:none}
}
@page{size:A4;margin:15mm}
`;

function cellHtml(c: Cell, tag: 'td', right: boolean): string {
  const cls = [right ? 'r' : '', c.tone ?? ''].filter(Boolean).join(' ');
  return `<${tag}${cls ? ` class="${cls}"` : ''}>${escape(c.text)}</${tag}>`;
}

function chartSvg(c: Chart, id: string): string {
  const width = 760;
  const height = 260;
  const g = chartGeometry(c, width, height, 12);
  const { plot } = g;
  const out: string[] = [];
  out.push(
    `<svg viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${id}-t ${id}-d" font-family="DejaVu Sans, sans-serif" font-size="12">`,
    `<title id="${id}-t">${escape(c.title)}</title><desc id="${id}-d">${escape(c.alt)}</desc>`,
  );
  for (const t of g.yTicks)
    out.push(
      `<line x1="${n(plot.x)}" x2="${n(plot.x + plot.width)}" y1="${n(t.y)}" y2="${n(t.y)}" stroke="${COLORS.grid}"/>`,
      `<text x="${n(plot.x - 6)}" y="${n(t.y + 4)}" text-anchor="end" fill="${COLORS.ink}">${escape(t.text)}</text>`,
    );
  for (const b of g.bars) out.push(`<rect x="${n(b.x)}" y="${n(b.y)}" width="${n(b.width)}" height="${n(b.height)}" fill="${b.color}"/>`);
  for (const l of g.lines) {
    if (l.points.length > 1)
      out.push(
        `<polyline fill="none" stroke="${l.color}" stroke-width="2.5" points="${l.points.map((p) => `${n(p.x)},${n(p.y)}`).join(' ')}"/>`,
      );
    for (const p of l.points) out.push(`<circle cx="${n(p.x)}" cy="${n(p.y)}" r="3.5" fill="${l.color}"/>`);
  }
  for (const gap of g.gaps)
    out.push(`<text x="${n(gap.x)}" y="${n(plot.y + plot.height - 6)}" text-anchor="middle" fill="${COLORS.muted}">${gap.text}</text>`);
  out.push(`<line x1="${n(plot.x)}" x2="${n(plot.x)}" y1="${n(plot.y)}" y2="${n(plot.y + plot.height)}" stroke="${COLORS.ink}"/>`);
  out.push(
    `<line x1="${n(plot.x)}" x2="${n(plot.x + plot.width)}" y1="${n(plot.y + plot.height)}" y2="${n(plot.y + plot.height)}" stroke="${COLORS.ink}"/>`,
  );
  for (const x of g.xLabels)
    out.push(`<text x="${n(x.x)}" y="${n(plot.y + plot.height + 16)}" text-anchor="middle" fill="${COLORS.ink}">${escape(x.text)}</text>`);
  out.push(
    `<text transform="translate(12 ${n(plot.y + plot.height / 2)}) rotate(-90)" text-anchor="middle" fill="${COLORS.muted}">${escape(c.yLabel)}</text>`,
    `<text x="${n(plot.x + plot.width / 2)}" y="${height - 4}" text-anchor="middle" fill="${COLORS.muted}">Місяць</text>`,
    '</svg>',
  );
  const legend = c.series.map((s) => `<span style="--c:${s.color}">${escape(s.name)}</span>`).join('');
  return (
    `<figure><figcaption>${escape(c.title)}</figcaption>${c.series.length > 1 ? `<div class="legend">${legend}</div>` : ''}${out.join('')}` +
    `<p class="alt">${escape(c.alt)}</p></figure>`
  );
}

function blockHtml(b: Block, id: string): string {
  switch (b.kind) {
    case 'paragraphs':
      return b.lines.map((l) => `<p>${escape(l)}</p>`).join('\n');
    case 'table': {
      if (b.rows.length === 0) return b.empty ? `<p>${escape(b.empty)}</p>` : '';
      const head = b.columns.map((c) => `<th scope="col"${c.align === 'right' ? ' class="r"' : ''}>${escape(c.title)}</th>`).join('');
      const rows = b.rows.map((r) => `<tr>${r.map((c, i) => cellHtml(c, 'td', b.columns[i]?.align === 'right')).join('')}</tr>`).join('\n');
      return `<div class="table-wrap"><table><thead><tr>${head}</tr></thead><tbody>\n${rows}\n</tbody></table></div>`;
    }
    case 'chart':
      return chartSvg(b.chart, id);
    case 'code':
      return `<dl class="queries">${b.items.map((q) => `<dt>${escape(q.label)}</dt><dd><pre>${escape(q.code)}</pre></dd>`).join('\n')}</dl>`;
  }
}

function sectionHtml(s: Section): string {
  const blocks = s.blocks.map((b, i) => blockHtml(b, `${s.id}-${i}`)).join('\n');
  if (s.id === 'summary')
    return `<section id="${s.id}">\n<h2>${escape(s.title)}</h2>\n<div class="summary">\n${blocks}\n</div>\n</section>`;
  return `<section id="${s.id}"${s.pageBreak ? ' class="break"' : ''}>\n<h2>${escape(s.title)}</h2>\n${blocks}\n</section>`;
}

export function reportHtml(r: ReportData): string {
  return documentHtml(reportDocument(r), 'Мережа — моніторинг мережі громади. Ті самі дані відкрито: JSON і CSV.');
}

/** A document of `layout.ts`'s blocks as the page: what the oblast report lays out too. */
export function documentHtml(doc: ReportDocument, footer: string): string {
  return `<!doctype html>
<html lang="uk">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(`${doc.title} · ${doc.hromada} · ${doc.period}`)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${escape(doc.title)}: ${escape(doc.hromada)}</h1>
<p class="period">${escape(doc.period)}</p>
${doc.meta.map((m) => `<p class="meta">${escape(m)}</p>`).join('\n')}
</header>
<main>
${doc.sections.map(sectionHtml).join('\n')}
</main>
<footer>${escape(footer)}</footer>
</body>
</html>
`;
}
