/**
 * Tables for the renderer, built with textContent only: dataset previews (column kinds, class counts,
 * first rows) and evaluation reports (the report table model: AUROC/AUPR per anomaly type).
 */
import type { DatasetSummary } from '../core/data/summary';
import type { ReportSummary } from '../core/report';
import { reportHeadline, reportTable, ReportTable } from '../presentation/reportTable';

/** Creates an element; `text` goes in as textContent, never as HTML. */
export function el(tag: string, attrs: Record<string, string> = {}, text?: string): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function table(
  head: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>,
  numeric: ReadonlyArray<boolean> = [],
): HTMLElement {
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

/**
 * What the kernel sends for a report: its summary and `table`, the table model. Notebooks saved by earlier
 * versions have no `table` (nor, the oldest, `unknownRows` and `unknownCategories`): the model is built here.
 */
export type ReportData = Omit<ReportSummary, 'unknownRows' | 'unknownCategories'> &
  Partial<Pick<ReportSummary, 'unknownRows' | 'unknownCategories'>> & { readonly table?: ReportTable };

/** The report's table model, drawn as the text and markdown outputs show it (presentation/reportTable.ts). */
export function renderReport(r: ReportData): HTMLElement {
  const t =
    r.table ?? reportTable({ ...r, unknownRows: r.unknownRows ?? 0, unknownCategories: r.unknownCategories ?? {} });
  const box = el('div', { class: 'synthad-report' });
  box.append(el('p', {}, reportHeadline(t)));
  box.append(
    table(
      t.columns.map((c) => c.label),
      t.rows,
      t.columns.map((c) => c.numeric),
    ),
  );
  for (const note of t.notes) box.append(el('p', {}, note));
  return box;
}

export function renderDataset(d: DatasetSummary & { preview: string[][] }): HTMLElement {
  const box = el('div', { class: 'synthad-dataset' });
  box.append(
    el(
      'p',
      {},
      `${d.source}: ${d.rows} rows, ${d.columns.length} columns${d.label ? `, label '${d.label.column}'` : ''}`,
    ),
  );
  if (d.label) {
    box.append(
      table(
        ['class', 'rows', 'role'],
        d.label.classes.map((c) => [c.value, String(c.count), c.normal ? 'normal' : 'anomaly']),
        [false, true, false],
      ),
    );
  }
  const head = d.columns.map((c) => `${c.name} (${c.kind}${c.role === 'feature' ? '' : `, ${c.role}`})`);
  box.append(table(head, d.preview));
  if (d.preview.length < d.rows) box.append(el('p', {}, `… ${d.rows - d.preview.length} more rows`));
  return box;
}
