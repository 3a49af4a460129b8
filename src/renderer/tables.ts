/**
 * Tables for the renderer, built with textContent only: dataset previews (column kinds, class counts,
 * first rows) and evaluation reports (AUROC/AUPR per anomaly type).
 */
import type { DatasetSummary } from '../core/data/summary';
import type { reportSummary } from '../core/report';

/** Creates an element; `text` goes in as textContent, never as HTML. */
export function el(tag: string, attrs: Record<string, string> = {}, text?: string): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function table(head: string[], rows: string[][], numeric: boolean[] = []): HTMLElement {
  const t = el('table');
  t.style.borderCollapse = 'collapse';
  const tr = el('tr');
  head.forEach((h, i) => {
    const th = el('th', {}, h);
    th.style.textAlign = numeric[i] ? 'right' : 'left';
    th.style.padding = '2px 8px';
    th.style.borderBottom = '1px solid var(--vscode-editorWidget-border, #8886)';
    tr.append(th);
  });
  const thead = el('thead');
  thead.append(tr);
  const tbody = el('tbody');
  for (const r of rows) {
    const row = el('tr');
    r.forEach((c, i) => {
      const td = el('td', {}, c);
      td.style.textAlign = numeric[i] ? 'right' : 'left';
      td.style.padding = '2px 8px';
      row.append(td);
    });
    tbody.append(row);
  }
  t.append(thead, tbody);
  return t;
}

/** What the kernel sends for a report: the report without its per-row arrays. */
export type ReportData = ReturnType<typeof reportSummary>;

const f4 = (v: number): string => (Number.isFinite(v) ? v.toFixed(4) : 'n/a');

export function renderReport(r: ReportData): HTMLElement {
  const box = el('div', { class: 'synthad-report' });
  box.append(el('p', {}, `${r.detector} on ${r.source}: ${r.rows} rows (${r.normalRows} normal, ${r.anomalyRows} anomalous)`));
  box.append(table(['anomalies', 'rows', 'AUROC', 'AUPR'], [
    ['all', String(r.anomalyRows), f4(r.auroc), f4(r.aupr)],
    ...r.perType.map((t) => [`${t.type} (${t.known ? 'known' : 'unseen'})`, String(t.count), f4(t.auroc), f4(t.aupr)]),
  ], [false, true, true, true]));
  const c = r.atThreshold;
  box.append(el('p', {}, `At threshold ${r.threshold.toPrecision(4)}: precision ${f4(c.precision)}, recall ${f4(c.recall)}, F1 ${f4(c.f1)}, false-positive rate ${f4(c.fpr)}.`));
  return box;
}

export function renderDataset(d: DatasetSummary & { preview: string[][] }): HTMLElement {
  const box = el('div', { class: 'synthad-dataset' });
  box.append(el('p', {}, `${d.source}: ${d.rows} rows, ${d.columns.length} columns${d.label ? `, label '${d.label.column}'` : ''}`));
  if (d.label) {
    box.append(table(['class', 'rows', 'role'], d.label.classes.map((c) => [c.value, String(c.count), c.normal ? 'normal' : 'anomaly']), [false, true, false]));
  }
  const head = d.columns.map((c) => `${c.name} (${c.kind}${c.role === 'feature' ? '' : `, ${c.role}`})`);
  box.append(table(head, d.preview));
  if (d.preview.length < d.rows) box.append(el('p', {}, `… ${d.rows - d.preview.length} more rows`));
  return box;
}
