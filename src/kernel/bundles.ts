/**
 * How SynthAD's values look in a notebook: each has a MIME bundle with a rich part for VS Code (HTML table,
 * SynthAD JSON for the renderer) and a text fallback (text/plain or text/markdown) so the saved .ipynb reads
 * on GitHub and in Jupyter too. Everything from a dataset is HTML-escaped.
 *
 * The kernel's own types (Chart, RawDisplay) show themselves through the display protocol
 * (src/common/mimeBundle.ts); the values of src/core, which knows nothing of presentation, get theirs from
 * the cell API where it hands them to cells (api.ts). display.ts only asks.
 */
import type { Dataset, Table } from '../core/data/types';
import { describeDataset } from '../core/data/summary';
import { reportSummary, EvaluationReport } from '../core/report';
import { ChartSpec, chartSummary } from '../presentation/charts';
import { reportMarkdown, reportTable, reportText } from '../presentation/reportTable';
import type { Detector, TopRow } from '../core/detector';
import { formatContribution } from '../core/explain';
import { MIME, MimeBundle } from '../common/protocol';
import { Displayable, MIME_BUNDLE } from '../common/mimeBundle';
import { chartPng } from '../presentation/png';
import { escapeHtml, md } from '../presentation/markup';
import { registerFormatter } from './display';
import { isReport, isTable } from './values';

/** Rows a data preview shows. */
export const PREVIEW_ROWS = 10;

/** What `plot.*` returns: a chart spec that shows itself as a chart. */
export class Chart implements Displayable {
  constructor(readonly spec: ChartSpec) {}

  [MIME_BUNDLE](): MimeBundle {
    return chartBundle(this.spec);
  }
}

/** Raw display data (`display.html(...)`, `display.markdown(...)`): shows its bundle as it is. */
export class RawDisplay implements Displayable {
  constructor(readonly bundle: MimeBundle) {}

  [MIME_BUNDLE](): MimeBundle {
    return this.bundle;
  }
}

/** A chart: the spec for the renderer, a PNG for GitHub and Jupyter, and a markdown summary. */
export function chartBundle(spec: ChartSpec): MimeBundle {
  const bundle: MimeBundle = { [MIME.chart]: spec };
  try {
    bundle['image/png'] = chartPng(spec).toString('base64');
  } catch (err) {
    // No canvas on this platform: the notebook keeps the markdown summary as its fallback.
    bundle['text/markdown'] = `${chartSummary(spec)}\n\n(PNG copy unavailable: ${(err as Error).message})`;
    return bundle;
  }
  bundle['text/markdown'] = chartSummary(spec);
  return bundle;
}

/**
 * A report: its summary with the table model (`table`) for the renderer, and the same table as markdown
 * and text.
 */
export function reportBundle(r: EvaluationReport): MimeBundle {
  const table = reportTable(r);
  return {
    [MIME.report]: { ...reportSummary(r), table },
    'text/markdown': reportMarkdown(table),
    'text/plain': reportText(table),
  };
}

/** A detector: its method, seed and known types, and how it was fitted. */
export function detectorBundle(d: Detector): MimeBundle {
  return { 'text/plain': detectorText(d) };
}

function detectorText(d: Detector): string {
  const o = d.options;
  const head = `${d.name} detector (seed ${o.seed}, known: ${o.known === 'all' ? 'all' : `[${o.known.join(', ')}]`})`;
  if (!d.isFitted) return `${head}, not fitted`;
  const s = d.fitted.summary;
  const stop = s.cancelled ? 'stopped by the user' : s.stoppedEarly ? 'stopped early' : 'ran all epochs';
  const members = d.fitted.model.memberFigures;
  if (members) {
    // An ensemble: its members, each with its weight and how it ranked the calibration rows' known anomalies.
    return [
      `${head}\nfitted on ${s.source}: ${s.trainRows} training rows, ${s.validationRows} calibration rows, ` +
        `${s.seconds.toFixed(1)} s`,
      ...members.map(
        (m) =>
          `  ${m.name}: weight ${m.weight.toFixed(2)}` +
          (m.calibrationAuroc === null
            ? ' (no known anomalies to weigh it by: equal weights)'
            : `, calibration AUROC ${m.calibrationAuroc.toFixed(4)}`),
      ),
    ].join('\n');
  }
  // The MLP counts epochs, boosted trees rounds; the forest neither.
  const unit = s.history[0]?.unit ?? 'epoch';
  const trained =
    s.epochs > 0 ? `, ${s.epochs} ${unit}s (best ${s.bestEpoch}, ${stop.replace('epochs', `${unit}s`)})` : '';
  return `${head}\nfitted on ${s.source}: ${s.trainRows} training rows${trained}, ${s.seconds.toFixed(1)} s on ${d.computeDetail}`;
}

function cellText(t: Table, col: number, row: number): string {
  const c = t.columns[col];
  const v = c.values[row];
  if (c.kind === 'categorical') return v === null ? '' : String(v);
  return Number.isNaN(v as number) ? '' : String(v);
}

/** A dataset: summary line, column kinds, class counts and the first rows, as HTML, text and JSON. */
export function datasetBundle(t: Table): MimeBundle {
  const summary = describeDataset(t);
  const rows = Math.min(PREVIEW_ROWS, t.rowCount);
  const ds = t as Partial<Dataset>;
  const head =
    `${t.source}: ${t.rowCount} rows, ${t.columns.length} columns` + (ds.label ? `, label '${ds.label.column}'` : '');
  const classes = summary.label
    ? summary.label.classes.map((c) => `${c.value} ${c.count}${c.normal ? ' (normal)' : ''}`).join(', ')
    : '';
  const e = escapeHtml;
  const html = [
    `<div class="synthad-dataset"><p>${e(head)}</p>`,
    classes ? `<p>Classes: ${e(classes)}</p>` : '',
    '<table><thead><tr>',
    ...t.columns.map(
      (c, i) => `<th title="${e(summary.columns[i].role)}">${e(c.name)}<br><small>${e(c.kind)}</small></th>`,
    ),
    '</tr></thead><tbody>',
    ...Array.from(
      { length: rows },
      (_, r) => `<tr>${t.columns.map((_, c) => `<td>${e(cellText(t, c, r))}</td>`).join('')}</tr>`,
    ),
    `</tbody></table>${rows < t.rowCount ? `<p>… ${t.rowCount - rows} more rows</p>` : ''}</div>`,
  ].join('');
  const text = [
    head,
    classes ? `classes: ${classes}` : '',
    `columns: ${t.columns.map((c) => `${c.name} (${c.kind})`).join(', ')}`,
  ]
    .filter(Boolean)
    .join('\n');
  const preview = Array.from({ length: rows }, (_, r) => t.columns.map((_, c) => cellText(t, c, r)));
  return { 'text/html': html, 'text/plain': text, [MIME.dataset]: { ...summary, preview } };
}

/**
 * The most anomalous rows (`det.top(data, k)`): line in the file (or row number), score, flagged, the
 * row's values and the features that raise its score most, as an HTML table with markdown and text fallbacks.
 */
export function topRowsBundle(rows: ReadonlyArray<TopRow>): MimeBundle {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r.values)))];
  const where = (r: TopRow): string => (r.line !== undefined ? String(r.line) : `row ${r.row + 1}`);
  const value = (v: number | string | null | undefined): string => (v === null || v === undefined ? '' : String(v));
  const why = (r: TopRow): string => r.explanation.map(formatContribution).join('; ');
  const score = (s: number): string => s.toPrecision(4);
  const flagged = rows.filter((r) => r.flagged).length;
  const head = `${rows.length} most anomalous rows (${flagged} above the threshold)`;
  const e = escapeHtml;
  const html = [
    `<div class="synthad-top"><p>${e(head)}</p><table><thead><tr>`,
    ['line', 'score', 'flagged', ...columns, 'why'].map((c) => `<th>${e(c)}</th>`).join(''),
    '</tr></thead><tbody>',
    ...rows.map(
      (r) =>
        `<tr>${[where(r), score(r.score), r.flagged ? 'yes' : 'no', ...columns.map((c) => value(r.values[c])), why(r)]
          .map((c) => `<td>${e(c)}</td>`)
          .join('')}</tr>`,
    ),
    '</tbody></table></div>',
  ].join('');
  const markdown = [
    `**${md(head)}**`,
    '',
    `| line | score | flagged | ${columns.map(md).join(' | ')} | why |`,
    `|---:|---:|---|${columns.map(() => '---|').join('')}---|`,
    ...rows.map(
      (r) =>
        `| ${md(where(r))} | ${score(r.score)} | ${r.flagged ? 'yes' : 'no'} | ${columns.map((c) => md(value(r.values[c]))).join(' | ')} | ${md(why(r))} |`,
    ),
  ].join('\n');
  const text = [
    head,
    ...rows.map((r) => `${where(r)}  score ${score(r.score)}${r.flagged ? '  flagged' : ''}  ${why(r)}`),
  ].join('\n');
  return { 'text/html': html, 'text/markdown': markdown, 'text/plain': text };
}

/** What `det.top(data, k)` returns, by shape: a non-empty array of rows with score, flag, values and explanation. */
export function isTopRows(v: unknown): v is TopRow[] {
  return (
    Array.isArray(v) &&
    v.length > 0 &&
    v.every((r) => {
      const t = r as Partial<TopRow> | null;
      return (
        typeof t === 'object' &&
        t !== null &&
        typeof t.row === 'number' &&
        typeof t.score === 'number' &&
        typeof t.flagged === 'boolean' &&
        typeof t.values === 'object' &&
        t.values !== null &&
        Array.isArray(t.explanation)
      );
    })
  );
}

// Copies of SynthAD's values (they lose the method the cell API gave the original) show as the originals do.
registerFormatter(isReport, reportBundle);
registerFormatter(isTable, datasetBundle);
registerFormatter(isTopRows, topRowsBundle);
