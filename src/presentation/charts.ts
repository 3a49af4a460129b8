/**
 * Chart specs (the types: chartSpec.ts) built from reports and training summaries: series of points,
 * histogram bins, the threshold. The notebook renderer draws them with chart.js; notebooks and terminals
 * get `chartSummary` as markdown. No drawing code here.
 */
import type { EvaluationReport } from '../core/report';
import type { TrainingSummary } from '../core/detector';
import type { EpochProgress } from '../core/train';
import { prCurve, rankableScores, rocCurve } from '../core/metrics';
import { md } from './markup';
import { metric, thresholdText } from './reportTable';
import type { ChartSpec, CurveSeries, HistogramSeries, XY } from './chartSpec';

export type { ChartSpec, CurveSeries, HistogramSeries, XY } from './chartSpec';
export { md } from './markup';

/** Most points a curve keeps (evenly spaced over the curve, endpoints included). */
export const MAX_CURVE_POINTS = 200;

/** Overlaid score histograms: normal rows, each known and each unseen anomaly type. */
export function scoreHistogram(r: EvaluationReport, bins = 40): ChartSpec {
  let lo = Infinity,
    hi = -Infinity;
  for (const s of r.scores) {
    if (s < lo) lo = s;
    if (s > hi) hi = s;
  }
  if (!(hi > lo)) hi = lo + 1;
  const width = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + i * width);
  const groups = new Map<string, number[]>();
  r.labels.forEach((label, i) => {
    const key = r.isNormal[i] === 1 ? '\u0000normal' : label;
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(i);
  });
  const series: HistogramSeries[] = [];
  const add = (key: string, label: string, role: HistogramSeries['role']): void => {
    const rows = groups.get(key);
    if (!rows) return;
    const counts = new Array<number>(bins).fill(0);
    for (const i of rows) counts[Math.min(bins - 1, Math.floor((r.scores[i] - lo) / width))]++;
    series.push({ label, role, count: rows.length, density: counts.map((c) => c / rows.length) });
  };
  add('\u0000normal', 'normal', 'normal');
  for (const t of r.perType) add(t.type, t.type, t.known ? 'known' : 'unseen');
  return {
    kind: 'scores',
    title: `Anomaly scores: ${r.detector}`,
    edges,
    series,
    threshold: r.threshold,
    fpr: r.atThreshold.fpr,
    tpr: r.atThreshold.recall,
  };
}

/**
 * Histogram of every row's score with the threshold, for data without labels (`plot.scores(det, data)`):
 * one series, 'all rows', and the fraction of rows above the threshold.
 */
export function scoreDistribution(
  detector: string,
  source: string,
  scores: ArrayLike<number>,
  threshold: number,
  bins = 40,
): ChartSpec {
  if (scores.length === 0) throw new RangeError(`${source}: no rows to score`);
  scores = rankableScores(Float64Array.from(scores), threshold);
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (s < lo) lo = s;
    if (s > hi) hi = s;
  }
  if (!(hi > lo)) hi = lo + 1;
  const width = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + i * width);
  const counts = new Array<number>(bins).fill(0);
  let above = 0;
  for (let i = 0; i < scores.length; i++) {
    counts[Math.min(bins - 1, Math.floor((scores[i] - lo) / width))]++;
    if (scores[i] > threshold) above++;
  }
  const n = scores.length;
  return {
    kind: 'scores',
    title: `Anomaly scores: ${detector} on ${source}`,
    edges,
    series: [{ label: 'all rows', role: 'all', count: n, density: counts.map((c) => c / n) }],
    threshold,
    fpr: NaN,
    tpr: NaN,
    flagged: above / n,
  };
}

/** ROC curves: all anomalies, then each type against all normals. */
export function rocChart(r: EvaluationReport): ChartSpec {
  return { kind: 'roc', title: `ROC: ${r.detector}`, series: curves(r, 'roc') };
}

/** Precision-recall curves with their base rates. */
export function prChart(r: EvaluationReport): ChartSpec {
  return { kind: 'pr', title: `Precision-recall: ${r.detector}`, series: curves(r, 'pr') };
}

/** Loss and validation loss per epoch of a finished training (`plot.training`, training.png). */
export function trainingChart(
  s: Pick<TrainingSummary, 'history' | 'bestEpoch'>,
  maxEpochs?: number,
  title = 'Training',
): ChartSpec {
  return {
    kind: 'training',
    title,
    epochs: s.history.map((h) => h.epoch),
    loss: s.history.map((h) => h.loss),
    valLoss: s.history.map((h) => h.valLoss),
    bestEpoch: s.bestEpoch,
    ...(maxEpochs ? { maxEpochs } : {}),
  };
}

/**
 * The training chart while `fit` runs in a cell: the epochs so far, titled with the latest epoch. The kernel
 * sends it after each epoch under one display id; the renderer updates the chart in place.
 */
export function liveTrainingChart(
  detector: string,
  history: ReadonlyArray<EpochProgress>,
  maxEpochs: number,
): ChartSpec {
  const last = history[history.length - 1] as EpochProgress | undefined;
  return trainingChart(
    { history, bestEpoch: last?.bestEpoch ?? 0 },
    maxEpochs,
    `Training ${detector}: epoch ${last?.epoch ?? 0} of at most ${maxEpochs}`,
  );
}

/** AUROC and AUPR of several detectors on the same test set: overall and per anomaly type. */
export function comparisonChart(reports: ReadonlyArray<EvaluationReport>): ChartSpec {
  if (reports.length === 0) throw new RangeError('comparison needs at least one report');
  const types = reports[0].perType.map((t) => t.type);
  const groups = [
    { label: 'all anomalies', auroc: reports.map((r) => r.auroc), aupr: reports.map((r) => r.aupr) },
    ...types.map((type) => {
      const pick = (r: EvaluationReport, k: 'auroc' | 'aupr'): number =>
        r.perType.find((t) => t.type === type)?.[k] ?? NaN;
      const known = reports[0].perType.find((t) => t.type === type)?.known;
      return {
        label: `${type} (${known ? 'known' : 'unseen'})`,
        auroc: reports.map((r) => pick(r, 'auroc')),
        aupr: reports.map((r) => pick(r, 'aupr')),
      };
    }),
  ];
  return { kind: 'comparison', title: 'Detectors compared', detectors: reports.map((r) => r.detector), groups };
}

function curves(r: EvaluationReport, which: 'roc' | 'pr'): CurveSeries[] {
  const out: CurveSeries[] = [];
  const one = (label: string, rows: number[] | null, area: number, known?: boolean): void => {
    const idx = rows ?? r.labels.map((_, i) => i);
    const labels = idx.map((i) => 1 - r.isNormal[i]);
    const scores = idx.map((i) => r.scores[i]);
    const positives = labels.reduce((a, b) => a + b, 0);
    if (which === 'roc') {
      const c = rocCurve(labels, scores);
      out.push({ label, area, known, ...thin(c.fpr, c.tpr) });
    } else {
      const c = prCurve(labels, scores);
      out.push({ label, area, known, baseRate: positives / labels.length, ...thin(c.recall, c.precision) });
    }
  };
  one('all anomalies', null, which === 'roc' ? r.auroc : r.aupr);
  const normals: number[] = [];
  r.isNormal.forEach((v, i) => {
    if (v === 1) normals.push(i);
  });
  for (const t of r.perType) {
    const rows = normals.slice();
    r.labels.forEach((l, i) => {
      if (r.isNormal[i] === 0 && l === t.type) rows.push(i);
    });
    one(t.type, rows, which === 'roc' ? t.auroc : t.aupr, t.known);
  }
  return out;
}

/** Keeps at most MAX_CURVE_POINTS points, evenly spaced by index, first and last included. */
export function thin(x: ArrayLike<number>, y: ArrayLike<number>, max = MAX_CURVE_POINTS): XY {
  const n = x.length;
  if (n <= max) return { x: Array.from(x), y: Array.from(y) };
  const xs: number[] = [],
    ys: number[] = [];
  for (let k = 0; k < max; k++) {
    const i = Math.round((k * (n - 1)) / (max - 1));
    xs.push(x[i]);
    ys.push(y[i]);
  }
  return { x: xs, y: ys };
}

/** A markdown summary of a chart: the fallback text wherever the renderer is absent. */
export function chartSummary(spec: ChartSpec): string {
  const f = metric;
  switch (spec.kind) {
    case 'scores':
      return [
        `**${md(spec.title)}**`,
        '',
        '| group | rows |',
        '|---|---:|',
        ...spec.series.map((s) => `| ${md(s.label)}${s.role === 'all' ? '' : ` (${s.role})`} | ${s.count} |`),
        '',
        spec.flagged !== undefined
          ? `Threshold ${thresholdText(spec.threshold)}: ${(spec.flagged * 100).toFixed(1)} % of the rows above it.`
          : `Threshold ${thresholdText(spec.threshold)}: false-positive rate ${f(spec.fpr)}, true-positive rate ${f(spec.tpr)}.`,
      ].join('\n');
    case 'roc':
    case 'pr': {
      const area = spec.kind === 'roc' ? 'AUROC' : 'AUPR';
      return [
        `**${spec.title}**`,
        '',
        `| curve | ${area} |`,
        '|---|---:|',
        ...spec.series.map(
          (s) => `| ${md(s.label)}${s.known === undefined ? '' : s.known ? ' (known)' : ' (unseen)'} | ${f(s.area)} |`,
        ),
      ].join('\n');
    }
    case 'training': {
      const n = spec.epochs.length;
      if (n === 0) return `**${spec.title}**: no epochs.`;
      return `**${spec.title}**: ${n} epochs, loss ${f(spec.loss[n - 1])}, validation loss ${f(spec.valLoss[n - 1])}, best epoch ${spec.bestEpoch}.`;
    }
    case 'comparison':
      return [
        `**${spec.title}** (AUROC / AUPR)`,
        '',
        `| | ${spec.detectors.map(md).join(' | ')} |`,
        `|---|${spec.detectors.map(() => '---:').join('|')}|`,
        ...spec.groups.map(
          (g) => `| ${md(g.label)} | ${g.auroc.map((a, i) => `${f(a)} / ${f(g.aupr[i])}`).join(' | ')} |`,
        ),
      ].join('\n');
  }
}
