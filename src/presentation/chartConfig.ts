/**
 * Chart specs -> chart.js configurations, for a given theme. Plain objects only (no chart.js import), so
 * the same function serves the notebook renderer (theme from VS Code's CSS variables) and the PNG
 * fallback drawn in Node (a fixed light theme).
 */
import type { ChartSpec, CurveSeries } from './chartSpec';

export interface ChartTheme {
  readonly foreground: string;
  readonly grid: string;
  readonly background: string;
  /** Series colours, in order: normal, then anomaly types. */
  readonly palette: ReadonlyArray<string>;
  readonly fontFamily: string;
  readonly fontSize: number;
}

export const LIGHT_THEME: ChartTheme = {
  foreground: '#1f1f1f',
  grid: 'rgba(0,0,0,0.12)',
  background: '#ffffff',
  palette: ['#1a85ff', '#d41159', '#e69f00', '#009e73', '#8e44ad', '#56b4e9', '#cc79a7', '#7f7f7f'],
  fontFamily: 'DejaVu Sans, sans-serif',
  fontSize: 12,
};

/** A chart.js configuration (type, data, options) as plain JSON-like data. */
export interface ChartConfig {
  readonly type: 'line' | 'scatter' | 'bar';
  readonly data: { labels?: string[]; datasets: Array<Record<string, unknown>> };
  readonly options: Record<string, unknown>;
}

/** Adds an alpha channel to #rrggbb (other colour syntaxes pass through unchanged). */
export function withAlpha(colour: string, alpha: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(colour.trim());
  if (!m) return colour;
  return `rgba(${parseInt(m[1], 16)},${parseInt(m[2], 16)},${parseInt(m[3], 16)},${alpha})`;
}

/** Numbers in legends: three decimals, to keep legends short (tables and summaries use `metric`: four). */
const f3 = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');

export function chartConfig(spec: ChartSpec, theme: ChartTheme): ChartConfig {
  const colour = (i: number): string => theme.palette[i % theme.palette.length];
  const axis = (title: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    title: { display: true, text: title, color: theme.foreground },
    ticks: { color: theme.foreground },
    grid: { color: theme.grid },
    border: { color: theme.grid },
    ...extra,
  });
  const options = (x: Record<string, unknown>, y: Record<string, unknown>): Record<string, unknown> => ({
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    color: theme.foreground,
    font: { family: theme.fontFamily, size: theme.fontSize },
    interaction: { mode: 'nearest', intersect: false },
    plugins: {
      title: {
        display: true,
        text: spec.title,
        color: theme.foreground,
        font: { size: theme.fontSize + 2, weight: 'bold' },
      },
      legend: { labels: { color: theme.foreground, boxWidth: 14 } },
      tooltip: { enabled: true },
    },
    scales: { x, y },
  });
  switch (spec.kind) {
    case 'scores': {
      const centres = spec.edges.slice(0, -1).map((e, i) => (e + spec.edges[i + 1]) / 2);
      const top = Math.max(0, ...spec.series.flatMap((s) => s.density));
      const datasets: Array<Record<string, unknown>> = spec.series.map((s, i) => ({
        label: s.role === 'all' ? `${s.label} (${s.count} rows)` : `${s.label} (${s.role}, ${s.count} rows)`,
        data: centres.map((x, k) => ({ x, y: s.density[k] })),
        borderColor: colour(i),
        backgroundColor: withAlpha(colour(i), 0.25),
        fill: true,
        stepped: 'middle',
        pointRadius: 0,
        borderWidth: 1.5,
        borderDash: s.role === 'unseen' ? [5, 3] : [],
      }));
      datasets.push({
        label:
          typeof spec.flagged === 'number'
            ? `threshold (${(spec.flagged * 100).toFixed(1)} % of rows above)`
            : `threshold (FPR ${f3(spec.fpr)}, TPR ${f3(spec.tpr)})`,
        data: [
          { x: spec.threshold, y: 0 },
          { x: spec.threshold, y: top },
        ],
        borderColor: theme.foreground,
        backgroundColor: 'rgba(0,0,0,0)',
        borderDash: [6, 4],
        borderWidth: 1.5,
        pointRadius: 0,
        fill: false,
      });
      return {
        type: 'line',
        data: { datasets },
        options: options(axis('anomaly score', { type: 'linear' }), axis('fraction of rows', { beginAtZero: true })),
      };
    }
    case 'roc':
    case 'pr': {
      const roc = spec.kind === 'roc';
      const datasets: Array<Record<string, unknown>> = spec.series.map((s: CurveSeries, i) => ({
        label: `${s.label}${s.known === undefined ? '' : s.known ? ' (known)' : ' (unseen)'}: ${roc ? 'AUROC' : 'AUPR'} ${f3(s.area)}`,
        data: s.x.map((x, k) => ({ x, y: s.y[k] })),
        showLine: true,
        pointRadius: 0,
        borderWidth: i === 0 ? 2.5 : 1.5,
        borderColor: colour(i + 1),
        backgroundColor: colour(i + 1),
        borderDash: s.known === false ? [5, 3] : [],
        ...(roc ? {} : { stepped: 'after' }),
      }));
      if (roc) {
        datasets.push({
          label: 'chance',
          data: [
            { x: 0, y: 0 },
            { x: 1, y: 1 },
          ],
          showLine: true,
          pointRadius: 0,
          borderColor: theme.grid,
          borderDash: [4, 4],
          borderWidth: 1,
        });
      } else {
        const base = spec.series[0]?.baseRate ?? 0;
        datasets.push({
          label: `base rate ${f3(base)}`,
          data: [
            { x: 0, y: base },
            { x: 1, y: base },
          ],
          showLine: true,
          pointRadius: 0,
          borderColor: theme.grid,
          borderDash: [4, 4],
          borderWidth: 1,
        });
      }
      const unit = { type: 'linear', min: 0, max: 1 };
      return {
        type: 'scatter',
        data: { datasets },
        options: options(
          axis(roc ? 'false-positive rate' : 'recall', unit),
          axis(roc ? 'true-positive rate' : 'precision', unit),
        ),
      };
    }
    case 'training': {
      const pts = (ys: ReadonlyArray<number>): Array<{ x: number; y: number }> =>
        spec.epochs.map((x, k) => ({ x, y: ys[k] }));
      const datasets: Array<Record<string, unknown>> = [
        {
          label: 'training loss',
          data: pts(spec.loss),
          borderColor: colour(0),
          backgroundColor: colour(0),
          pointRadius: 2,
          borderWidth: 2,
        },
        {
          label: 'validation loss',
          data: pts(spec.valLoss),
          borderColor: colour(1),
          backgroundColor: colour(1),
          pointRadius: 2,
          borderWidth: 2,
        },
      ];
      const best = spec.epochs.indexOf(spec.bestEpoch);
      if (best >= 0) {
        datasets.push({
          label: `best epoch ${spec.bestEpoch}`,
          data: [{ x: spec.bestEpoch, y: spec.valLoss[best] }],
          pointRadius: 6,
          pointStyle: 'star',
          borderColor: theme.foreground,
          backgroundColor: theme.foreground,
          showLine: false,
        });
      }
      const xMax =
        spec.maxEpochs && spec.epochs.length < spec.maxEpochs && spec.epochs.length < 20
          ? { max: Math.min(spec.maxEpochs, 20) }
          : {};
      return {
        type: 'line',
        data: { datasets },
        options: options(axis('epoch', { type: 'linear', min: 1, ...xMax }), axis('loss', { beginAtZero: false })),
      };
    }
    case 'comparison': {
      const datasets = spec.detectors.flatMap((d, i) => [
        {
          label: `${d} AUPR`,
          data: spec.groups.map((g) => g.aupr[i]),
          backgroundColor: colour(i),
          borderColor: colour(i),
        },
        {
          label: `${d} AUROC`,
          data: spec.groups.map((g) => g.auroc[i]),
          backgroundColor: withAlpha(colour(i), 0.35),
          borderColor: colour(i),
          borderWidth: 1,
        },
      ]);
      return {
        type: 'bar',
        data: { labels: spec.groups.map((g) => g.label), datasets },
        options: options(axis('anomalies'), axis('score', { min: 0, max: 1 })),
      };
    }
  }
}
