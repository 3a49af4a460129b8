/**
 * `synthad evaluate --report DIR` and `synthad detect --report DIR`: the notebook's charts as PNG files
 * plus a self-contained HTML page (metrics table or the most anomalous rows with why, training summary,
 * the PNGs). Every text from the data is HTML-escaped.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { EvaluationReport } from '../core/report';
import type { TopRow, TrainingSummary } from '../core/detector';
import { ChartSpec, prChart, rocChart, scoreDistribution, scoreHistogram, trainingChart } from './charts';
import { formatContribution } from '../core/explain';
import { chartPng } from './png';
import { escapeHtml } from './markup';
import { reportHtml, reportTable } from './reportTable';

/** Writes scores.png, roc.png, pr.png (and training.png for classifiers) and report.html; returns the files. */
export function writeHtmlReport(
  dir: string,
  report: EvaluationReport,
  training?: TrainingSummary,
  maxEpochs?: number,
): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const charts: Array<[string, ChartSpec]> = [
    ['scores.png', scoreHistogram(report)],
    ['roc.png', rocChart(report)],
    ['pr.png', prChart(report)],
  ];
  if (training && training.history.length > 0) charts.push(['training.png', trainingChart(training, maxEpochs)]);
  const written = writeCharts(dir, charts);
  const e = escapeHtml;
  const table = reportTable(report);
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${e(`SynthAD report: ${report.detector}`)}</title>
<style>body{font-family:sans-serif;max-width:860px;margin:2em auto;color:#1f1f1f}table{border-collapse:collapse}
td,th{padding:3px 10px;border-bottom:1px solid #ccc}td.n,th.n{text-align:right}img{max-width:100%;margin:1em 0}.warning{color:#a33}</style></head>
<body>
<h1>${e(report.detector)} on ${e(path.basename(report.source))}</h1>
${reportHtml(table)}
${pageTail(charts, training)}`;
  written.push(writePage(dir, html));
  return written;
}

/** What `synthad detect` found, for its report. */
export interface DetectionSummary {
  readonly detector: string;
  readonly source: string;
  readonly scores: ArrayLike<number>;
  readonly threshold: number;
  readonly top: ReadonlyArray<TopRow>;
}

/**
 * `synthad detect --report DIR`: scores.png (the score distribution with the threshold; no labels needed),
 * training.png for classifiers, and report.html listing the most anomalous rows with the features that
 * raise their scores. Returns the files written.
 */
export function writeDetectReport(
  dir: string,
  found: DetectionSummary,
  training?: TrainingSummary,
  maxEpochs?: number,
): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const charts: Array<[string, ChartSpec]> = [
    ['scores.png', scoreDistribution(found.detector, found.source, found.scores, found.threshold)],
  ];
  if (training && training.history.length > 0) charts.push(['training.png', trainingChart(training, maxEpochs)]);
  const written = writeCharts(dir, charts);
  const e = escapeHtml;
  let flagged = 0;
  for (let i = 0; i < found.scores.length; i++) if (found.scores[i] > found.threshold) flagged++;
  const rows = found.top.map(
    (r, i) =>
      `<tr><td class="n">${i + 1}</td><td class="n">${r.line ?? `row ${r.row + 1}`}</td>` +
      `<td class="n">${r.score.toFixed(4)}</td><td>${r.flagged ? 'yes' : 'no'}</td>` +
      `<td>${r.explanation.map((c) => e(formatContribution(c))).join('<br>')}</td></tr>`,
  );
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${e(`SynthAD detection: ${found.detector}`)}</title>
<style>body{font-family:sans-serif;max-width:960px;margin:2em auto;color:#1f1f1f}table{border-collapse:collapse}
td,th{padding:3px 10px;border-bottom:1px solid #ccc;vertical-align:top}td.n,th.n{text-align:right}img{max-width:100%;margin:1em 0}</style></head>
<body>
<h1>${e(found.detector)} on ${e(path.basename(found.source))}</h1>
<p>${found.scores.length} rows from ${e(found.source)}; ${flagged} above the threshold ${e(found.threshold.toPrecision(4))}.</p>
<h2>The ${found.top.length} highest scores</h2>
<table><thead><tr><th class="n">rank</th><th class="n">line</th><th class="n">score</th><th>flagged</th><th>why: the features that raise the score most (value, training range)</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>
${pageTail(charts, training && training.history.length > 0 ? training : undefined)}`;
  written.push(writePage(dir, html));
  return written;
}

/** Each chart as a PNG file in `dir`; returns the paths. */
function writeCharts(dir: string, charts: ReadonlyArray<[string, ChartSpec]>): string[] {
  return charts.map(([file, spec]) => {
    const target = path.join(dir, file);
    fs.writeFileSync(target, chartPng(spec));
    return target;
  });
}

/** The end of a report page: the training line (backend, library, threads) and the chart images. */
function pageTail(charts: ReadonlyArray<[string, ChartSpec]>, training?: TrainingSummary): string {
  const e = escapeHtml;
  const line = training
    ? `<p>Training: ${training.epochs} epochs (best ${training.bestEpoch}), ${training.seconds.toFixed(1)} s on ${e(training.backendDetail ?? training.backend)}.</p>\n`
    : '';
  return `${line}${charts.map(([file, spec]) => `<img src="${e(file)}" alt="${e(spec.title)}" width="800" height="450">`).join('\n')}
</body></html>
`;
}

function writePage(dir: string, html: string): string {
  const page = path.join(dir, 'report.html');
  fs.writeFileSync(page, html);
  return page;
}
