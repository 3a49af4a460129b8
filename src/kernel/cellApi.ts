/**
 * The one home of the notebook cell API's types: what cells see (the real types of src/core and the kernel,
 * plus the documented shapes of `plot` and `display`) and what the kernel's `createCellApi` (api.ts) returns.
 * Nothing here runs. The kernel imports these types; the editor gets them as declarations:
 * `tsc -p src/kernel/tsconfig.types.json` emits this file's (and those of everything it imports) into
 * dist/types, and media/intellisense/globals.d.ts declares the cell globals (`load`, `Detector`, `plot`,
 * `display`, `exportScores`) with them. test/types/cell-api.ts holds `CellGlobals` to `CellApi`, so the
 * two cannot drift apart silently. This file imports only src/core and the kernel's Chart: no cycle back
 * through the kernel's code, and nothing of IntelliSense.
 */
import { Detector as CoreDetector } from '../core/detector';
import type {
  ClassifierOptions,
  FitHooks,
  IsolationForestOptions,
  TrainingSummary,
  FittedState,
} from '../core/detector';
import type { Column, Dataset, LabelInfo, LoadOptions, Table } from '../core/data/types';
import type { DetectorMethod, DetectorOptions } from '../core/options';
import type { EvaluationReport } from '../core/report';
import type { TypeMetrics, Confusion } from '../core/metrics';
import type { EpochProgress } from '../core/train';
import type { Chart } from './bundles';

export { CoreDetector };
export type {
  Chart,
  ClassifierOptions,
  Column,
  Confusion,
  Dataset,
  DetectorMethod,
  DetectorOptions,
  EpochProgress,
  EvaluationReport,
  FitHooks,
  FittedState,
  IsolationForestOptions,
  LabelInfo,
  LoadOptions,
  Table,
  TrainingSummary,
  TypeMetrics,
};

/** Charts of reports and training runs, drawn in the notebook (and saved as PNG in the .ipynb). */
export interface Plot {
  /**
   * Histogram of anomaly scores, normal rows against each anomaly type, with the detector's threshold.
   * @param report what `det.evaluate(data)` returned.
   * @param bins number of histogram bins (default 40).
   * @example plot.scores(rep)
   */
  scores(report: EvaluationReport, bins?: number): Chart;
  /**
   * Histogram of the anomaly scores of every row of `data`, with the detector's threshold and the share of
   * rows above it. No labels needed: for data loaded without a label column.
   * @param detector a detector after `fit`.
   * @param data the rows to score (a dataset from `load`, labelled or not).
   * @param bins number of histogram bins (default 40).
   * @example plot.scores(det, data)
   */
  scores(detector: CoreDetector, data: Table, bins?: number): Chart;
  /**
   * ROC curve (true-positive rate against false-positive rate) with the AUROC, overall and per anomaly type.
   * Needs labels: a detector or unlabelled data is refused (use `plot.scores(det, data)` there).
   * @param report what `det.evaluate(data)` returned.
   * @example plot.roc(rep)
   */
  roc(report: EvaluationReport): Chart;
  /**
   * Precision-recall curve with the AUPR (average precision), overall and per anomaly type.
   * Needs labels: a detector or unlabelled data is refused (use `plot.scores(det, data)` there).
   * @param report what `det.evaluate(data)` returned.
   * @example plot.pr(rep)
   */
  pr(report: EvaluationReport): Chart;
  /**
   * Training and validation loss per epoch of a fitted detector, with the best epoch marked.
   * @param detector a detector after `fit`.
   * @example plot.training(det)
   */
  training(detector: CoreDetector): Chart;
  /**
   * AUROC and AUPR of several reports side by side (e.g. VC-SA against VC, or two seeds).
   * @param reports reports from `evaluate`, in the order to show them.
   * @example plot.compare(rep, rep2)
   */
  compare(...reports: EvaluationReport[]): Chart;
}

/** Shows a value in the cell's output; `display.html` and `display.markdown` show raw HTML or markdown. */
export interface Display {
  /**
   * Shows a value in the cell's output as the last expression of a cell would be shown: datasets as
   * tables, reports as metric tables, charts as charts, anything else as text.
   */
  (value: unknown): void;
  /** Shows raw HTML in the cell's output. */
  html(html: string): void;
  /** Shows markdown in the cell's output. */
  markdown(text: string): void;
}

/**
 * A detector in a notebook cell: the core detector plus `save`, with training progress shown in the cell.
 * `scoreSamples(data)` gives per-row anomaly scores (higher = more anomalous), `decisionFunction(data)` the
 * score minus the learned threshold (> 0 = anomaly), `predict(data)` 1/0 at that threshold, `evaluate(data)`
 * the metrics; `score(data)` is the deprecated name of `scoreSamples`.
 */
export interface CellDetector extends CoreDetector {
  /** Saves the fitted model into a folder (synthad-model.json + its weights file; a folder holding other files is refused); resolves to the folder's absolute path. */
  save(dir: string): Promise<string>;
  /**
   * Writes the fitted detector as one ONNX graph (raw feature columns in, `score` and `prediction` out), so any
   * ONNX Runtime scores rows as SynthAD does; resolves the path against the notebook's folder and returns it.
   */
  exportOnnx(
    file: string,
    options?: { numericInput?: 'float' | 'double'; scoreName?: string; predictionName?: string },
  ): string;
}

/** The `Detector` class cells see. */
export interface CellDetectorConstructor {
  new (options?: Partial<DetectorOptions>): CellDetector;
  /** Loads a model folder written by `det.save(dir)`. */
  load(dir: string): Promise<CoreDetector>;
  readonly prototype: CellDetector;
}

/**
 * What `createCellApi` returns (api.ts): the values the kernel puts in a cell's scope. Its `Detector` is typed
 * as the core class; CellGlobals below is the same API as cells see it (with `save`, `exportOnnx`, `load`).
 */
export interface CellApi {
  load(file: string, options?: LoadOptions): Promise<Dataset>;
  Detector: typeof CoreDetector;
  plot: Plot;
  display: Display;
  exportScores(detector: CoreDetector, data: Table, file: string): Promise<string>;
}

/** Every name the kernel puts in a cell's scope, with its type (`dfd` and `tf` are the libraries' own). */
export interface CellGlobals {
  load(file: string, options?: LoadOptions): Promise<Dataset>;
  readonly Detector: CellDetectorConstructor;
  readonly plot: Plot;
  readonly display: Display;
  exportScores(detector: CoreDetector, data: Table, file: string): Promise<string>;
}
