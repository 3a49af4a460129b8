/**
 * What every SynthAD notebook cell has in scope without imports, for the editor's completions, hovers and
 * error checking (src/extension/intellisense.ts, src/intellisense/). The types are the library's own,
 * emitted into dist/types by `tsc -p src/kernel/tsconfig.types.json` from src/kernel/cellApi.ts. `tf` and `dfd` are declared in
 * tf.d.ts and dfd.d.ts beside this file.
 */
import * as S from '../../dist/types/src/kernel/cellApi';

declare global {
  /**
   * Reads a dataset: CSV or TSV (delimiter sniffed; quotes, BOM, CRLF; empty, `NA` and `?` cells are
   * missing), a JSON array of records or JSON Lines. Numeric, binary and categorical columns are told
   * apart; with `label` and `normal` the label column is decoded into normal rows and anomaly types.
   * Relative paths resolve against the notebook's folder; `samples/…` falls back to the samples bundled
   * with SynthAD. As a cell's last expression, a dataset shows as a preview table.
   * @param file path of the data file.
   * @param options `label` column and its `normal` value(s); `drop`, `categorical`, `format`, `delimiter`, `missing`,
   * `decimal`; `sample: N` (with `sampleSeed`, default 0) keeps a seeded random sample of N rows per label value,
   * streamed, for files larger than memory.
   * @returns the dataset: `columns`, `features` (without the label), `label`, `rowCount`, `source`.
   * @example const train = await load('samples/thyroid-train.csv', { label: 'class', normal: 'normal' });
   */
  function load(file: string, options?: S.LoadOptions): Promise<S.Dataset>;

  /**
   * The anomaly detector of Lau et al. 2025: a classifier (MLP) trained on normal rows (+1) against known
   * anomalies and synthetic anomalies drawn uniformly over the data's box (−1). Options default to the
   * paper's (method `vcsa`, hidden `[500, 500]`, hinge loss, AdamW, early stopping) and to the
   * `synthad.*` settings (seed, epochs, synthetic ratio, backend, threads).
   * `new Detector({ method })` builds the method's detector: a classifier for `'vcsa'` and `'vc'` (options
   * `hidden`, `epochs`, `learningRate`, `syntheticRatio`, …) or an Isolation Forest for `'iforest'` (options
   * `trees`, `maxSamples`); options of the other method are accepted and not used. Every detector has
   * `fit(data)`, `scoreSamples(data)` (per-row anomaly scores, higher = more anomalous),
   * `threshold` (learned in `fit`), `decisionFunction(data)` (score minus the threshold: > 0 = anomaly), `predict(data)` (1 = anomaly),
   * `evaluate(data)`, `top(data, k)` and `explain(data, rows)`; `score(data)` is the deprecated name of `scoreSamples`.
   * @param options e.g. `known` (anomaly types to train on: `'all'`, or `[]` for unsupervised), `method`
   * (`'vcsa'`, `'vc'`, `'iforest'`), `seed`, `epochs`, `syntheticRatio`, `hidden`, `backend`, `threads`, `trees`.
   * @example
   * const det = await new Detector({ known: ['hyperfunction'], seed: 0 }).fit(train);
   * const rep = det.evaluate(test);
   * const flags = det.predict(test);   // 1 = anomaly at the learned threshold
   */
  class Detector extends S.CoreDetector {
    constructor(options?: Partial<S.DetectorOptions>);
    /**
     * Trains on a labelled dataset and resolves to this detector. The cell shows the training curve live;
     * the cell's Stop button ends training after the current batch and keeps the best weights so far.
     * @param data a dataset from `load` with a `label`.
     * @param hooks `onEpoch` callback and an AbortSignal.
     */
    fit(data: S.Dataset, hooks?: S.FitHooks): Promise<this>;
    /**
     * Saves the fitted model into a folder (synthad-model.json + its weights file), relative to the
     * notebook's folder; a folder holding other files is refused. Resolves to the folder's absolute path.
     */
    save(dir: string): Promise<string>;
    /**
     * Writes the fitted detector as one ONNX graph: one input per raw feature column (float, NaN = missing;
     * string for categorical columns), outputs `score` and `prediction` (int64, 1 = anomaly). Relative to the
     * notebook's folder; returns the file's absolute path.
     */
    exportOnnx(file: string, options?: { numericInput?: 'float' | 'double'; scoreName?: string; predictionName?: string }): string;
    /** Loads a model folder written by `det.save(dir)`, relative to the notebook's folder. */
    static load(dir: string): Promise<S.CoreDetector>;
  }

  /**
   * Charts drawn in the notebook: `plot.scores(rep)`, `plot.roc(rep)`, `plot.pr(rep)`, `plot.training(det)`,
   * `plot.compare(rep1, rep2)`. Each also carries a PNG, so saved notebooks show it on GitHub and in Jupyter.
   */
  const plot: S.Plot;

  /**
   * Shows a value in the cell's output (as a cell's last expression is shown); `display.html(…)` and
   * `display.markdown(…)` show raw HTML or markdown.
   */
  const display: S.Display;

  /**
   * Scores every row of `data` and writes the rows back to a CSV file with two more columns: `score`
   * (higher = more anomalous) and `prediction` (1 = above the detector's threshold). Resolves to the
   * file's absolute path.
   * @example await exportScores(det, test, 'scores.csv')
   */
  function exportScores(detector: S.CoreDetector, data: S.Table, file: string): Promise<string>;
}

export {};
