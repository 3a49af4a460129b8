/**
 * The evaluation report as one table model, and that model as text (terminals, text/plain outputs),
 * markdown (notebook fallbacks) and HTML (report pages). The notebook renderer draws the same model
 * (src/renderer/tables.ts): the kernel puts it into the report's JSON as `table`.
 *
 * Every number is formatted here, once: metrics with `metric`, the threshold with `thresholdText`.
 * Only type imports, so the renderer's browser bundle can take this file.
 */
import type { ReportSummary } from '../core/report';
import { escapeHtml, md } from './markup';

/** A column of the report table; numeric columns are right-aligned. */
export interface ReportColumn {
  readonly label: string;
  readonly numeric: boolean;
}

/** An evaluation report, formatted: plain JSON (the kernel sends it to the renderer as it is). */
export interface ReportTable {
  readonly detector: string;
  readonly source: string;
  /** `3428 rows (3178 normal, 250 anomalous)`, then `; 500 rows with no label left out` where there were any. */
  readonly summary: string;
  /** anomalies, rows, AUROC, AUPR. */
  readonly columns: ReadonlyArray<ReportColumn>;
  /**
   * `all`, then each anomaly type as `type (known)` or `type (unseen)`, then an ensemble's members (`member
   * NAME: weight W, calibration AUROC A`); cells already formatted.
   */
  readonly rows: ReadonlyArray<ReadonlyArray<string>>;
  /** Lines under the table: metrics at the threshold, then categories not seen in training (if any). */
  readonly notes: ReadonlyArray<string>;
  /** Scoring warnings (unseen categories, rows scored +Infinity); empty when there were none. */
  readonly warnings: ReadonlyArray<string>;
}

/** AUROC, AUPR, precision, recall, F1, rates: four decimals; `n/a` where undefined. */
export function metric(v: number): string {
  return Number.isFinite(v) ? v.toFixed(4) : 'n/a';
}

/** A score threshold: four significant digits. */
export function thresholdText(v: number): string {
  return v.toPrecision(4);
}

export const REPORT_COLUMNS: ReadonlyArray<ReportColumn> = [
  { label: 'anomalies', numeric: false },
  { label: 'rows', numeric: true },
  { label: 'AUROC', numeric: true },
  { label: 'AUPR', numeric: true },
];

/** The table model of a report (or of the summary a notebook stored). */
export function reportTable(r: ReportSummary): ReportTable {
  const c = r.atThreshold;
  const notes = [
    `At threshold ${thresholdText(r.threshold)}: precision ${metric(c.precision)}, recall ${metric(c.recall)}, ` +
      `F1 ${metric(c.f1)}, false-positive rate ${metric(c.fpr)}.`,
  ];
  const unknown = Object.entries(r.unknownCategories).filter(([, n]) => n > 0);
  if (unknown.length > 0)
    notes.push(`Categories not seen in training: ${unknown.map(([col, n]) => `${col} ${n}`).join(', ')}`);
  return {
    detector: r.detector,
    source: r.source,
    summary:
      `${r.rows} rows (${r.normalRows} normal, ${r.anomalyRows} anomalous)` +
      (r.unknownRows > 0 ? `; ${r.unknownRows} rows with no label left out` : ''),
    columns: REPORT_COLUMNS,
    rows: [
      ['all', String(r.anomalyRows), metric(r.auroc), metric(r.aupr)],
      ...r.perType.map((t) => [
        `${t.type} (${t.known ? 'known' : 'unseen'})`,
        String(t.count),
        metric(t.auroc),
        metric(t.aupr),
      ]),
      // An ensemble: each member on the same rows, with its weight and its AUROC on the calibration rows.
      ...(r.members ?? []).map((m) => [
        `member ${m.name}: weight ${m.weight.toFixed(2)}` +
          (m.calibrationAuroc === null ? '' : `, calibration AUROC ${metric(m.calibrationAuroc)}`),
        String(r.anomalyRows),
        metric(m.auroc),
        metric(m.aupr),
      ]),
    ],
    notes,
    warnings: r.warnings ?? [],
  };
}

/** The line above the table: detector, data and row counts. */
export function reportHeadline(t: ReportTable): string {
  return `${t.detector} on ${t.source}: ${t.summary}`;
}

/**
 * A fixed-width text table, for terminals and text/plain outputs. Warnings are left out: the CLI and
 * the notebook show them on stderr as they happen.
 */
export function reportText(t: ReportTable): string {
  const first = Math.max(28, ...t.rows.map((r) => r[0].length + 2));
  const pad = (cells: ReadonlyArray<string>): string =>
    cells[0].padEnd(first) +
    cells
      .slice(1)
      .map((c) => c.padStart(9))
      .join('');
  return [reportHeadline(t), '', pad(t.columns.map((c) => c.label)), ...t.rows.map(pad), '', ...t.notes].join('\n');
}

/** A markdown table with its headline and notes (warnings left out, as in `reportText`). */
export function reportMarkdown(t: ReportTable): string {
  return [
    `**${md(t.detector)}** on ${md(t.source)}: ${md(t.summary)}`,
    '',
    `| ${t.columns.map((c) => md(c.label)).join(' | ')} |`,
    `|${t.columns.map((c) => (c.numeric ? '---:' : '---')).join('|')}|`,
    ...t.rows.map((r) => `| ${r.map(md).join(' | ')} |`),
    '',
    ...t.notes.map(md),
  ].join('\n');
}

/** An HTML fragment: headline, table (numeric cells with class "n"), notes and warnings; all text escaped. */
export function reportHtml(t: ReportTable): string {
  const e = escapeHtml;
  const cls = (c: ReportColumn): string => (c.numeric ? ' class="n"' : '');
  return [
    `<p>${e(reportHeadline(t))}</p>`,
    `<table><thead><tr>${t.columns.map((c) => `<th${cls(c)}>${e(c.label)}</th>`).join('')}</tr></thead><tbody>`,
    ...t.rows.map((r) => `<tr>${r.map((v, i) => `<td${cls(t.columns[i])}>${e(v)}</td>`).join('')}</tr>`),
    '</tbody></table>',
    ...t.notes.map((n) => `<p>${e(n)}</p>`),
    ...t.warnings.map((w) => `<p class="warning">Warning: ${e(w)}</p>`),
  ].join('\n');
}

/** The report as text: `reportText(reportTable(r))`. */
export function formatReport(r: ReportSummary): string {
  return reportText(reportTable(r));
}
