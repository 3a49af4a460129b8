/**
 * The detector: one class for every method. Options go to the constructor, `fit` learns and returns the
 * detector (scikit-learn's shape). The method (`options.method`) trains and scores the model through its
 * class in the method registry (method.ts; classifier.ts: VC-SA and VC, forest.ts: Isolation Forest); the
 * encoder, threshold, explanations and reports are done here, the same way for every method.
 *
 * Scores: one vocabulary with one sign everywhere, PyOD's: higher = more anomalous.
 * - `scoreSamples(data)`: each row's anomaly score, higher = more anomalous (PyOD's `decision_function`;
 *   scikit-learn's `score_samples` has the opposite sign). `score(data)` is its deprecated name.
 * - `threshold`: learned in `fit` (at `targetFpr`, or at `contamination`); a score above it is an anomaly
 *   (PyOD's `threshold_`).
 * - `decisionFunction(data)`: score minus threshold, > 0 = anomaly (scikit-learn centres its
 *   `decision_function` on the threshold too, but with anomalies negative).
 * - `predict(data)`: 1 = anomaly, 0 = normal (PyOD's labels, not scikit-learn's -1/1).
 * The CLI's `score` column, `exportScores`, charts and the ONNX export's `score` output are `scoreSamples`.
 */
import type { Column, Dataset, Table } from '../data/types';
import { encode, EncoderState, encodedLayout, fitEncoder, listNames } from '../encode';
import { DetectorOptions, resolveOptions } from '../options';
import type { EpochProgress, TrainHooks } from '../train';
import { createRng } from '../rng';
import { trainingRows } from '../split';
import { buildReport, EvaluationReport, MemberReport } from '../report';
import {
  cellValue,
  explainRows,
  featureReferences,
  FeatureContribution,
  FeatureReference,
  RowExplanation,
} from '../explain';
import { SynthadInputError } from '../errors';
import { MethodClass, methodClass, MethodModel } from './method';

/** One of the most anomalous rows, from `Detector.top`. */
export interface TopRow {
  /** 0-based row index in the data. */
  readonly row: number;
  /** 1-based line in the file where the row starts, when known. */
  readonly line?: number;
  readonly score: number;
  /** Above the threshold learned in fit. */
  readonly flagged: boolean;
  /** Every column's value as read (label included), null = missing. */
  readonly values: Readonly<Record<string, number | string | null>>;
  /** The features that push the score up most (three). */
  readonly explanation: ReadonlyArray<FeatureContribution>;
}

/** What `fit` takes besides the data: `onEpoch` after every epoch (classifier methods), `signal` to stop training. The training loop's `TrainHooks`. */
export type FitHooks = TrainHooks;

/** What fit learned about the data and how training went. Plain JSON. */
export interface TrainingSummary {
  readonly source: string;
  /** The compute backend (blas, tensorflow, wasm, cpu; js for the forest). */
  readonly backend: string;
  /** The backend with its library and threads, e.g. `blas: libopenblas.so.0 (OpenBLAS 0.3.21 SkylakeX), 2 threads`. */
  readonly backendDetail: string;
  /** Threads training used. */
  readonly threads: number;
  readonly knownTypes: ReadonlyArray<string>;
  readonly heldOutTypes: ReadonlyArray<string>;
  readonly trainRows: number;
  readonly validationRows: number;
  readonly syntheticRows: number;
  readonly epochs: number;
  readonly bestEpoch: number;
  readonly bestValLoss: number;
  readonly stoppedEarly: boolean;
  readonly cancelled: boolean;
  readonly seconds: number;
  /** Real + synthetic training rows processed per second of training. */
  readonly rowsPerSecond: number;
  readonly history: ReadonlyArray<EpochProgress>;
}

/** What a fitted detector holds: the encoder, the method's model, the threshold. */
export interface FittedState {
  readonly encoder: EncoderState;
  /** The method's fitted model (an instance of its class: the network of vcsa and vc, the trees of iforest). */
  readonly model: MethodModel;
  readonly threshold: number;
  readonly summary: TrainingSummary;
  /** Where the model computes now (after loading, possibly not where it trained). */
  readonly computeDetail?: string;
  /** Typical training values of the features (for explanations); absent in models saved before them. */
  readonly reference?: ReadonlyArray<FeatureReference>;
}

/** The rows fit trains on, from `trainingRows`. */
export type TrainingRows = ReturnType<typeof trainingRows>;

/** 1 = anomaly (score above the threshold), 0 = normal: the one place a threshold turns scores into predictions. */
export function predictFromScores(scores: ArrayLike<number>, threshold: number): Uint8Array {
  const out = new Uint8Array(scores.length);
  for (let i = 0; i < scores.length; i++) out[i] = scores[i] > threshold ? 1 : 0;
  return out;
}

/**
 * An anomaly detector of one method (`options.method`, 'vcsa' by default), whose class in the method registry
 * (method.ts) trains and scores the model; this class does the rest the same way for every method.
 */
export class Detector {
  /**
   * Every option of every registered method, validated: those of this detector's method as given, the others
   * at their defaults or as given (accepted, one bag for every method, and not used). What a saved model's
   * manifest holds.
   */
  readonly options: DetectorOptions;
  /** The method's class: trains, scores, saves and checks its model. */
  private readonly method: MethodClass;
  private state: FittedState | undefined;

  constructor(options: Partial<DetectorOptions> = {}) {
    this.options = resolveOptions(options);
    this.method = methodClass(this.options.method);
  }

  /**
   * A fitted detector from saved parts (persist.ts); `state.model` must be a model of `options.method`. Called
   * on a subclass, an instance of that subclass.
   */
  static fromState<T extends Detector>(
    this: new (options: Partial<DetectorOptions>) => T,
    options: Partial<DetectorOptions>,
    state: FittedState,
  ): T {
    const d = new this(options);
    if (!(state.model instanceof d.method)) {
      throw new SynthadInputError(
        `${d.name} detector: the model given is an instance of ${(state.model as object).constructor.name}, not a model of method '${d.options.method}'`,
      );
    }
    d.state = state;
    return d;
  }

  get fitted(): FittedState {
    if (!this.state) throw new SynthadInputError('this detector is not fitted yet: call fit(data) first');
    return this.state;
  }

  get isFitted(): boolean {
    return this.state !== undefined;
  }

  /** The score above which a row is an anomaly, learned in `fit` (PyOD's `threshold_`): `fitted.threshold`. */
  get threshold(): number {
    return this.fitted.threshold;
  }

  /** The method's name for people, e.g. 'VC-SA'. */
  get name(): string {
    return this.method.displayName(this.options);
  }

  /** Learns from `data` (labelled or not) and resolves to this detector. */
  async fit(data: Dataset, hooks: FitHooks = {}): Promise<this> {
    const o = this.options;
    const rng = createRng(o.seed);
    const picked = trainingRows(data, o.known);
    this.method.checkTrainingRows?.(data, picked, o);
    const encoder = fitEncoder(data.features, picked.rows, data.source);
    const reference = featureReferences(encoder, data.features, picked.rows);
    this.dispose();
    const { model, threshold, summary, computeDetail } = await this.method.fit({
      data,
      picked,
      encoder,
      rng,
      hooks,
      options: o,
    });
    this.state = {
      encoder,
      model,
      threshold,
      summary,
      ...(computeDetail === undefined ? {} : { computeDetail }),
      reference,
    };
    if (o.contamination !== undefined) {
      const scores = this.scoreEncoded(encode(encoder, data, picked.rows).x, picked.rows.length);
      this.state = { ...this.state, threshold: quantileThreshold(scores, o.contamination) };
    }
    return this;
  }

  /**
   * Anomaly scores, higher = more anomalous (-f(x) for the classifiers; see the vocabulary above). Columns are matched by name. A row the model cannot score (a value that
   * overflows after scaling, far outside anything seen in training) gets +Infinity: flagged as an anomaly,
   * never as normal; `scoreDetailed` says which.
   */
  scoreSamples(data: Table): Float64Array {
    const details = this.scoreWithDetails(data);
    for (const w of scoringWarnings(data, details)) warningSink?.(w);
    return details.scores;
  }

  /**
   * The per-row anomaly scores: the same as `scoreSamples`.
   * @deprecated use `scoreSamples(data)` (in scikit-learn, `score` is a quality metric; per-row scores are
   * `score_samples`); kept for one release.
   */
  score(data: Table): Float64Array {
    return this.scoreSamples(data);
  }

  /** `scoreSamples(data)` minus the threshold learned in fit: > 0 = anomaly (what `predict` flags), <= 0 = normal. */
  decisionFunction(data: Table): Float64Array {
    const t = this.fitted.threshold;
    return Float64Array.from(this.scoreSamples(data), (s) => s - t);
  }

  /** Scores with what went wrong on the way: unseen categories, rows scored +Infinity; `warnings` as one-line texts. */
  scoreDetailed(data: Table): ScoreDetails {
    const d = this.scoreWithDetails(data);
    return { ...d, warnings: scoringWarnings(data, d) };
  }

  /** 1 = anomaly (score above the threshold learned in fit), 0 = normal. */
  predict(data: Table): Uint8Array {
    const t = this.fitted.threshold;
    return predictFromScores(this.scoreSamples(data), t);
  }

  /** AUROC/AUPR overall and per anomaly type (known vs unseen), and counts at the threshold. */
  evaluate(data: Dataset): EvaluationReport {
    const details = this.scoreWithDetails(data);
    const s = this.fitted;
    const report = buildReport(
      this.name,
      data,
      details.scores,
      s.threshold,
      s.summary.knownTypes,
      details.unknownCategories,
    );
    const warnings = scoringWarnings(data, details);
    for (const w of warnings) warningSink?.(w);
    const members = this.memberReports(data);
    const withMembers = members ? { ...report, members } : report;
    return warnings.length > 0 ? { ...withMembers, warnings } : withMembers;
  }

  /** An ensemble's members evaluated on `data` one by one (their own scores); undefined for other methods. */
  private memberReports(data: Dataset): MemberReport[] | undefined {
    const s = this.fitted;
    if (!s.model.memberScores) return undefined;
    const width = encodedLayout(s.encoder).width;
    const m = encode(s.encoder, data);
    const outOfRange = outOfRangeRows(s.encoder, m.x, m.rows, width);
    for (const r of outOfRange.rows) m.x.fill(0, r * width, (r + 1) * width);
    return s.model.memberScores(m.x, m.rows, width).map(({ figures, scores }) => {
      for (const r of outOfRange.rows) scores[r] = Infinity;
      for (let i = 0; i < scores.length; i++) if (!Number.isFinite(scores[i])) scores[i] = Infinity;
      const r = buildReport(figures.name, data, scores, -Infinity, s.summary.knownTypes, {});
      return { ...figures, auroc: r.auroc, aupr: r.aupr, perType: r.perType };
    });
  }

  private scoreWithDetails(data: Table): Omit<ScoreDetails, 'warnings'> {
    const s = this.fitted;
    const width = encodedLayout(s.encoder).width;
    checkMatrixSize(data.source, data.rowCount, width, 'rows');
    const m = encode(s.encoder, data);
    const outOfRange = outOfRangeRows(s.encoder, m.x, m.rows, width);
    const scores = this.scoreEncoded(m.x, m.rows, outOfRange);
    return { scores, unknownCategories: m.unknownCategories, outOfRange };
  }

  /**
   * Scores encoded rows (row-major, the encoder's width). Rows listed in `outOfRange` (values no model
   * trained on the data can judge) and rows whose score comes out NaN or infinite score +Infinity.
   */
  private scoreEncoded(x: Float32Array, rows: number, outOfRange?: OutOfRange): Float64Array {
    const s = this.state!;
    const width = encodedLayout(s.encoder).width;
    if (outOfRange && outOfRange.rows.length > 0) {
      // Give the model finite inputs (the row's score is overwritten), so one row cannot spoil a batch.
      for (const r of outOfRange.rows) x.fill(0, r * width, (r + 1) * width);
    }
    const scores = s.model.score(x, rows, width);
    if (outOfRange) for (const r of outOfRange.rows) scores[r] = Infinity;
    for (let i = 0; i < scores.length; i++) if (!Number.isFinite(scores[i])) scores[i] = Infinity;
    return scores;
  }

  /**
   * For each of the given rows (0-based), the features that push its score up most: the score change
   * when the feature is set to its training median (numbers) or most frequent category. `features`
   * limits how many are returned per row (default: all, largest first).
   */
  explain(data: Table, rows: ArrayLike<number>, options: { features?: number } = {}): RowExplanation[] {
    const s = this.fitted;
    if (s.reference === undefined) {
      throw new SynthadInputError(
        'this model was saved without the training values explanations need: train it again with this SynthAD',
      );
    }
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      if (!Number.isInteger(r) || r < 0 || r >= data.rowCount) {
        throw new SynthadInputError(`row ${String(r)} is not in ${data.source} (rows 0..${data.rowCount - 1})`);
      }
    }
    // Each row is scored once per feature: chunks keep that matrix near 4M values.
    const width = encodedLayout(s.encoder).width;
    const chunk = Math.max(1, Math.floor(4_000_000 / (width * s.encoder.features.length)));
    const k = options.features;
    const out: RowExplanation[] = [];
    for (let start = 0; start < rows.length; start += chunk) {
      const part = Array.from({ length: Math.min(chunk, rows.length - start) }, (_, i) => rows[start + i]);
      const m = encode(s.encoder, data, part);
      const base = this.scoreEncoded(m.x, m.rows);
      for (const e of explainRows(s.encoder, s.reference, data, part, m.x, base, (x, n) => this.scoreEncoded(x, n))) {
        out.push(k === undefined ? e : { ...e, features: e.features.slice(0, k) });
      }
    }
    return out;
  }

  /** The k highest-scoring rows, most anomalous first, with their values and top three features. */
  top(data: Table, k = 20): TopRow[] {
    if (!Number.isInteger(k) || k < 1)
      throw new SynthadInputError(`top: k must be a positive integer, got ${String(k)}`);
    const scores = this.scoreWithDetails(data).scores;
    const order = Array.from(scores.keys())
      .sort((a, b) => (scores[b] > scores[a] ? 1 : scores[b] < scores[a] ? -1 : a - b))
      .slice(0, k);
    const explanations = this.explain(data, order, { features: 3 });
    const flagged = predictFromScores(
      order.map((row) => scores[row]),
      this.fitted.threshold,
    );
    return order.map((row, i): TopRow => {
      const values: Record<string, number | string | null> = {};
      for (const c of data.columns) values[c.name] = cellValue(c, row);
      const entry = {
        row,
        score: scores[row],
        flagged: flagged[i] === 1,
        values,
        explanation: explanations[i].features,
      };
      return data.lineOfRow === undefined ? entry : { ...entry, line: data.lineOfRow[row] };
    });
  }

  /** The backend, library and threads scoring runs on, e.g. `blas: libopenblas.so.0 (…), 2 threads`. */
  get computeDetail(): string {
    const s = this.fitted;
    return s.computeDetail ?? s.summary.backendDetail ?? s.summary.backend;
  }

  /** Frees the model's tensors. */
  dispose(): void {
    this.state?.model.dispose();
    this.state = undefined;
  }
}

/** The threshold above which a `contamination` fraction of `scores` lies (ties may flag fewer). */
export function quantileThreshold(scores: ArrayLike<number>, contamination: number): number {
  const sorted = Float64Array.from(scores).sort();
  const n = sorted.length;
  const flagged = Math.min(n - 1, Math.max(0, Math.round(contamination * n)));
  return sorted[n - 1 - flagged];
}

/**
 * Checks, before training, that `table` has every feature column the training data has, with numbers
 * where the training data has numbers: what scoring it after training will need.
 */
export function checkScoringColumns(trainFeatures: ReadonlyArray<Column>, table: Table): void {
  const byName = new Map(table.columns.map((c) => [c.name, c] as const));
  const missing = trainFeatures.filter((f) => !byName.has(f.name)).map((f) => f.name);
  if (missing.length > 0) {
    const what =
      missing.length === 1
        ? `column '${missing[0]}'`
        : `columns ${missing
            .map((m) => `'${m}'`)
            .slice(0, 10)
            .join(', ')}`;
    throw new SynthadInputError(
      `no ${what}, which the training data has (columns here: ${listNames(table.columns.map((c) => c.name))})`,
      { file: table.source },
    );
  }
  for (const f of trainFeatures) {
    const c = byName.get(f.name)!;
    if (f.kind !== 'categorical' && c.kind === 'categorical') {
      throw new SynthadInputError('expected numbers as in the training data, got text categories', {
        file: table.source,
        column: f.name,
      });
    }
  }
}

let warningSink: ((message: string) => void) | undefined;

/**
 * Where `scoreSamples` and `evaluate` send their one-line warnings (unseen categories, rows scored +Infinity):
 * the notebook kernel shows them in the cell's output. Unset (the default), they are only returned by
 * `scoreDetailed` and in the report's `warnings`.
 */
export function setWarningSink(sink: ((message: string) => void) | undefined): void {
  warningSink = sink;
}

/** Where scoring had to step in: rows with values the network cannot take (scored +Infinity). */
export interface OutOfRange {
  /** 0-based rows whose encoded values overflow or lie beyond OUT_OF_RANGE training ranges. */
  readonly rows: ReadonlyArray<number>;
  /** The first such row's offending feature and raw value, for the message. */
  readonly first?: { readonly row: number; readonly feature: string };
}

export interface ScoreDetails {
  readonly scores: Float64Array;
  /** Per categorical feature, cells holding a category not seen in training (scored as no category). */
  readonly unknownCategories: Readonly<Record<string, number>>;
  readonly outOfRange: OutOfRange;
  /** One line per problem, ready to show ('' when none). */
  readonly warnings: ReadonlyArray<string>;
}

/**
 * A value this many training ranges outside the training range is an anomaly whatever the model says,
 * and beyond what float32 arithmetic in the network can score meaningfully: the row is flagged
 * (+Infinity) instead of scored.
 */
export const OUT_OF_RANGE = 1e6;

function outOfRangeRows(encoder: EncoderState, x: Float32Array, rows: number, width: number): OutOfRange {
  const bad: number[] = [];
  let first: OutOfRange['first'];
  for (let r = 0; r < rows; r++) {
    const base = r * width;
    for (let c = 0; c < width; c++) {
      const v = x[base + c];
      if (!(v >= -OUT_OF_RANGE && v <= 1 + OUT_OF_RANGE)) {
        bad.push(r);
        first ??= { row: r, feature: encodedLayout(encoder).names[c] };
        break;
      }
    }
  }
  return first === undefined ? { rows: bad } : { rows: bad, first };
}

/** One-line warnings about a scoring run: unseen categories with counts, rows scored +Infinity. */
export function scoringWarnings(data: Table, d: Omit<ScoreDetails, 'warnings'>): string[] {
  const f = d.outOfRange.first;
  const first = f && {
    where: data.lineOfRow === undefined ? `record ${f.row + 1}` : `line ${data.lineOfRow[f.row]}`,
    feature: f.feature,
  };
  return scoringWarningLines(data.source, d.unknownCategories, d.outOfRange.rows.length, first);
}

/**
 * The warning lines from counts (what streamed scoring sums over its chunks): unseen categories per feature,
 * and how many rows were out of range, with where the first one is (`line 7`, `record 3`) and its encoded feature.
 */
export function scoringWarningLines(
  source: string,
  unknownCategories: Readonly<Record<string, number>>,
  outOfRange: number,
  first?: { readonly where: string; readonly feature: string },
): string[] {
  const out: string[] = [];
  const unseen = Object.entries(unknownCategories).filter(([, n]) => n > 0);
  if (unseen.length > 0) {
    const total = unseen.reduce((a, [, n]) => a + n, 0);
    const parts = unseen.map(([name, n]) => `${n} in '${name}'`).join(', ');
    out.push(
      `${source}: ${total} ${total === 1 ? 'value' : 'values'} of categories not seen in training (${parts}); scored as no category`,
    );
  }
  if (outOfRange > 0 && first) {
    const feature = first.feature.includes('=') ? first.feature.slice(0, first.feature.indexOf('=')) : first.feature;
    out.push(
      `${source}: ${outOfRange} ${outOfRange === 1 ? 'row has' : 'rows have'} values more than ${OUT_OF_RANGE.toExponential(0)} training ranges outside the training data ` +
        `(first: ${first.where}, column '${feature}'); scored +Infinity and flagged as anomalies`,
    );
  }
  return out;
}

/** Refuses a matrix that would not fit in a typed array (or in memory), naming what it holds. */
export function checkMatrixSize(source: string, rows: number, width: number, what: string): void {
  const values = rows * width;
  if (values <= MAX_MATRIX_VALUES) return;
  const gb = (values * 4) / 2 ** 30;
  throw new SynthadInputError(
    `${rows} ${what} x ${width} encoded columns would take ${gb.toFixed(1)} GB as a float32 matrix, more than the ` +
      `${(MAX_MATRIX_VALUES * 4) / 2 ** 30} GB SynthAD allows; use fewer rows or drop wide categorical columns`,
    { file: source },
  );
}

/** The most values one encoded matrix may hold (2^30 float32 values, 4 GB). */
export const MAX_MATRIX_VALUES = 2 ** 30;
