/**
 * What cells see without imports: load, Detector, plot, display, exportScores, dfd (danfojs), tf.
 * The functions here are plain; the kernel's main.ts binds them to the running cell through `CellContext`.
 */
import * as path from 'path';
import type { Dataset, Table } from '../core/data/types';
import { loadDataset } from '../core/data/load';
import { describeSample } from '../core/data/sample';
import { Detector as CoreDetector, FitHooks, setWarningSink, TopRow } from '../core/detector';
import type { DetectorOptions } from '../core/options';
import type { EpochProgress } from '../core/train';
import { saveDetector, loadDetector } from '../core/persist';
import { exportOnnx, OnnxExportOptions } from '../export/onnx';
import { writeScoresCsv } from '../presentation/csvOutput';
import {
  comparisonChart,
  liveTrainingChart,
  prChart,
  rocChart,
  scoreDistribution,
  scoreHistogram,
  trainingChart,
} from '../presentation/charts';
import type { EvaluationReport } from '../core/report';
import { toMimeBundle } from './display';
import { Chart, datasetBundle, detectorBundle, RawDisplay, reportBundle, topRowsBundle } from './bundles';
import { isReport, isTable } from './values';
import type { KernelConfig, MimeBundle, TrainingProgress } from '../common/protocol';
import { MIME } from '../common/protocol';
import { Displayable, MIME_BUNDLE, withMimeBundle } from '../common/mimeBundle';
import { lastBackendHint } from '../core/backend';
import { formatSeconds } from '../common/format';
import { resolveDataPath } from '../core/data/paths';
// The cell API's types (also what the editor's IntelliSense shows) have one home: cellApi.ts.
import type { CellApi, Display, Plot } from './cellApi';

/** The running cell, as the API needs it. */
export interface CellContext {
  readonly signal: AbortSignal;
  display(bundle: MimeBundle, displayId?: string, update?: boolean): void;
  progress(p: TrainingProgress): void;
  stderr(text: string): void;
}

/**
 * The core detector as cells hold it: it shows itself, and so do the report of `evaluate` and the rows of
 * `top` (src/core knows nothing of presentation, so the cell API gives them their display here, where it
 * hands them to cells). What `Detector.load` returns; the cells' `Detector` extends it.
 */
class ShownDetector extends CoreDetector implements Displayable {
  [MIME_BUNDLE](): MimeBundle {
    return detectorBundle(this);
  }

  override evaluate(data: Dataset): EvaluationReport {
    return withMimeBundle(super.evaluate(data), reportBundle);
  }

  /** No rows (a table without rows) show as the empty array they are. */
  override top(data: Table, k?: number): TopRow[] {
    const rows = super.top(data, k);
    return rows.length > 0 ? withMimeBundle(rows, topRowsBundle) : rows;
  }
}

export function createCellApi(config: KernelConfig, current: () => CellContext | undefined): CellApi {
  const resolve = (file: string): string => resolveDataPath(file, config);
  const warn = (message: string): void => current()?.stderr(`SynthAD: warning: ${message}\n`);
  setWarningSink(warn);

  /** Trains with live progress in the cell's output; the cell's Stop button ends it after the current batch. */
  const fitInCell = async (
    d: CoreDetector,
    hooks: FitHooks,
    fit: (hooks: FitHooks) => Promise<unknown>,
  ): Promise<void> => {
    const cell = current();
    if (!cell) {
      await fit(hooks);
      return;
    }
    const displayId = `training-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const signal = hooks.signal ? AbortSignal.any([hooks.signal, cell.signal]) : cell.signal;
    const history: EpochProgress[] = [];
    const onEpoch = (p: EpochProgress): void => {
      // An ensemble trains its members one after another: the chart starts again with each.
      if (history.length > 0 && history[0].member !== p.member) history.length = 0;
      history.push(p);
      const maxEpochs = p.epochs;
      hooks.onEpoch?.(p);
      const spent = history.reduce((a, h) => a + h.seconds, 0);
      const progress: TrainingProgress = {
        epoch: p.epoch,
        maxEpochs,
        loss: p.loss,
        valLoss: p.valLoss,
        rowsPerSecond: p.rowsPerSecond,
        seconds: spent,
        etaSeconds: (spent / p.epoch) * (maxEpochs - p.epoch),
        unit: p.unit ?? 'epoch',
        ...(p.member === undefined ? {} : { member: p.member }),
      };
      cell.progress(progress);
      // Boosting rounds take milliseconds: the chart is redrawn at most every 100 ms, and once at the end.
      pending = trainingBundle(history, progress, d.name);
      const now = performance.now();
      if (now - shownAt >= 100 || history.length === 1) show();
    };
    let pending: MimeBundle | undefined;
    let shownAt = 0,
      shown = 0;
    const show = (): void => {
      if (!pending) return;
      cell.display(pending, displayId, shown++ > 0);
      pending = undefined;
      shownAt = performance.now();
    };
    await fit({ onEpoch, signal });
    show();
    const hint = lastBackendHint();
    if (hint) cell.stderr(`SynthAD: ${hint}\n`);
    const s = d.fitted.summary;
    if (s.cancelled)
      cell.stderr(`Training stopped after epoch ${s.epochs}; kept the best weights (epoch ${s.bestEpoch}).\n`);
  };
  /**
   * `new Detector(options)` in a cell: the core Detector with the settings' defaults under the options given,
   * training progress shown live in the cell, and `save`, `exportOnnx` and `Detector.load`.
   */
  class Detector extends ShownDetector {
    constructor(options: Partial<DetectorOptions> = {}) {
      super({ ...defaultsFrom(config), ...options });
    }

    override async fit(data: Dataset, hooks: FitHooks = {}): Promise<this> {
      await fitInCell(this, hooks, (h) => super.fit(data, h));
      return this;
    }

    async save(dir: string): Promise<string> {
      const target = path.resolve(config.cwd, dir);
      await saveDetector(this, target);
      return target;
    }

    exportOnnx(file: string, options?: OnnxExportOptions): string {
      const target = path.resolve(config.cwd, file);
      exportOnnx(this, target, options);
      return target;
    }

    /** A saved model, shown in cells as the core detector it is (no `save`, no live progress): a ShownDetector. */
    static async load(dir: string): Promise<CoreDetector> {
      const d = config.detectorDefaults ?? {};
      const loaded = await loadDetector(path.resolve(config.cwd, dir), { backend: d.backend, threads: d.threads });
      return ShownDetector.fromState(loaded.options, loaded.fitted);
    }
  }

  const display = ((value: unknown) => {
    const cell = current();
    const bundle = toMimeBundle(value);
    if (cell && bundle) cell.display(bundle);
  }) as Display;
  display.html = (html: string) => display(new RawDisplay({ 'text/html': html }));
  display.markdown = (text: string) => display(new RawDisplay({ 'text/markdown': text }));

  const needReport = (r: unknown, what: string): EvaluationReport => {
    if (r instanceof CoreDetector || isTable(r)) {
      throw new TypeError(
        `plot.${what} needs labels: pass the report of det.evaluate(data) on labelled data; without labels use plot.scores(det, data)`,
      );
    }
    if (!isReport(r)) throw new TypeError(`plot.${what}(report) needs the report from detector.evaluate(data)`);
    return r;
  };
  // plot.scores(report, bins?) or, without labels, plot.scores(detector, data, bins?).
  const scores = (r: EvaluationReport | CoreDetector, dataOrBins?: Table | number, bins?: number): Chart => {
    if (r instanceof CoreDetector) {
      if (!isTable(dataOrBins))
        throw new TypeError('plot.scores(detector, data) needs the data to score, e.g. plot.scores(det, data)');
      return new Chart(
        scoreDistribution(r.name, dataOrBins.source, r.scoreSamples(dataOrBins), r.fitted.threshold, bins),
      );
    }
    return new Chart(scoreHistogram(needReport(r, 'scores'), typeof dataOrBins === 'number' ? dataOrBins : undefined));
  };
  const plot: Plot = {
    scores: scores as Plot['scores'],
    roc: (r) => new Chart(rocChart(needReport(r, 'roc'))),
    pr: (r) => new Chart(prChart(needReport(r, 'pr'))),
    training: (d) =>
      new Chart(
        trainingChart(
          d.fitted.summary,
          // Boosted trees (an ensemble's too) count rounds, the MLP epochs.
          d.fitted.summary.history[0]?.unit === 'round' ? d.options.rounds : d.options.epochs,
        ),
      ),
    compare: (...reports) => new Chart(comparisonChart(reports.map((r) => needReport(r, 'compare')))),
  };

  return {
    load: async (file, options = {}) => {
      const data = await loadDataset(resolve(file), options);
      for (const w of data.warnings ?? []) warn(w);
      if (data.sampled) current()?.stderr(`SynthAD: loaded ${describeSample(data.sampled)}\n`);
      return withMimeBundle(data, datasetBundle);
    },
    Detector,
    plot,
    display,
    exportScores: async (detector, data, file) => {
      const target = path.resolve(config.cwd, file);
      await writeScoresCsv(target, data, detector.scoreSamples(data), detector.fitted.threshold);
      return target;
    },
  };
}

function defaultsFrom(config: KernelConfig): Partial<DetectorOptions> {
  const d = config.detectorDefaults ?? {};
  const out: Record<string, unknown> = {};
  if (d.seed !== undefined) out.seed = d.seed;
  if (d.epochs !== undefined) out.epochs = d.epochs;
  if (d.syntheticRatio !== undefined) out.syntheticRatio = d.syntheticRatio;
  if (d.backend !== undefined) out.backend = d.backend;
  if (d.threads !== undefined) out.threads = d.threads;
  return out as Partial<DetectorOptions>;
}

/**
 * Training so far: the chart spec (sent again after each epoch under one display id; the renderer updates
 * the chart in place) and the progress line as text.
 */
function trainingBundle(history: ReadonlyArray<EpochProgress>, p: TrainingProgress, name: string): MimeBundle {
  const eta = p.etaSeconds > 0 ? `, at most ${formatSeconds(p.etaSeconds)} left` : '';
  const line =
    `${name}${p.member ? ` - ${p.member}` : ''}: ${p.unit} ${p.epoch}/${p.maxEpochs}  loss ${p.loss.toFixed(4)}  val loss ${p.valLoss.toFixed(4)}  ` +
    `${Math.round(p.rowsPerSecond).toLocaleString('en-US')} rows/s  ${formatSeconds(p.seconds)} elapsed${eta}`;
  return {
    [MIME.chart]: liveTrainingChart(name, history, p.maxEpochs),
    'text/plain': line,
  };
}
