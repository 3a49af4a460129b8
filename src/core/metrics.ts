/**
 * Detection metrics as pure functions over (labels, scores), after scikit-learn's `sklearn.metrics`.
 *
 * Conventions used throughout:
 * - `labels[i]` is 1 for an anomaly (the positive class) and 0 for a normal row; nothing else is accepted.
 * - `scores[i]` is higher = more anomalous, and must be a finite number.
 * - A row is predicted anomalous when `score > threshold`.
 * - Ties are grouped: every distinct score is one operating point, so tied rows always move together.
 */

export interface RocCurve {
  /** False-positive rate at each threshold, non-decreasing, starting at 0. */
  readonly fpr: Float64Array;
  /** True-positive rate at each threshold, non-decreasing, starting at 0. */
  readonly tpr: Float64Array;
  /** Distinct scores in decreasing order, preceded by +Infinity (the point (0, 0)). Rows with score >= t are flagged. */
  readonly thresholds: Float64Array;
}

export interface PrCurve {
  /** Precision at each threshold, then a final 1 (the recall-0 end point). */
  readonly precision: Float64Array;
  /** Recall at each threshold (non-increasing), then a final 0. */
  readonly recall: Float64Array;
  /** Distinct scores in increasing order; one shorter than precision and recall. Rows with score >= t are flagged. */
  readonly thresholds: Float64Array;
}

export interface Confusion {
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
  /** tp / (tp + fp); 0 when nothing is predicted anomalous. */
  readonly precision: number;
  /** tp / (tp + fn); 0 when there are no anomalies. */
  readonly recall: number;
  /** Harmonic mean of precision and recall; 0 when both are 0. */
  readonly f1: number;
  /** fp / (fp + tn); 0 when there are no normal rows. */
  readonly fpr: number;
}

export interface TypeMetrics {
  /** The anomaly type, as given in `typeOfRow`. */
  readonly type: string;
  /** Number of rows of this type. */
  readonly count: number;
  /** AUROC of all normal rows against the rows of this type only. */
  readonly auroc: number;
  /** Average precision of all normal rows against the rows of this type only. */
  readonly aupr: number;
  /** Whether the type is in the `known` set (seen in training) rather than unseen. */
  readonly known: boolean;
}

export interface OverallMetrics {
  readonly auroc: number;
  readonly aupr: number;
}

/** Cumulative counts at each distinct score, taken in decreasing score order. */
interface BinaryCurve {
  /** Anomalies with score >= thresholds[k]. */
  readonly tps: Float64Array;
  /** Normal rows with score >= thresholds[k]. */
  readonly fps: Float64Array;
  /** Distinct scores, decreasing. */
  readonly thresholds: Float64Array;
  readonly positives: number;
  readonly negatives: number;
}

/** ROC curve like `sklearn.metrics.roc_curve(labels, scores, drop_intermediate=False)`. */
export function rocCurve(labels: ArrayLike<number>, scores: ArrayLike<number>): RocCurve {
  checkLabelsAndScores(labels, scores);
  const curve = binaryCurve(labels, scores);
  requireBothClasses(curve, 'ROC curve');
  const n = curve.thresholds.length + 1;
  const fpr = new Float64Array(n);
  const tpr = new Float64Array(n);
  const thresholds = new Float64Array(n);
  thresholds[0] = Infinity;
  for (let k = 1; k < n; k++) {
    fpr[k] = curve.fps[k - 1] / curve.negatives;
    tpr[k] = curve.tps[k - 1] / curve.positives;
    thresholds[k] = curve.thresholds[k - 1];
  }
  return { fpr, tpr, thresholds };
}

/**
 * Area under the ROC curve by the trapezoid rule, so a tie between a normal row and an anomaly counts 1/2
 * (this equals the Mann-Whitney U statistic divided by positives * negatives).
 */
export function auroc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  checkLabelsAndScores(labels, scores);
  const curve = binaryCurve(labels, scores);
  requireBothClasses(curve, 'AUROC');
  // Sum of trapezoids in integer counts: (fp_k - fp_{k-1}) * (tp_k + tp_{k-1}) / 2, scaled at the end.
  let twiceArea = 0;
  let prevTp = 0;
  let prevFp = 0;
  for (let k = 0; k < curve.thresholds.length; k++) {
    twiceArea += (curve.fps[k] - prevFp) * (curve.tps[k] + prevTp);
    prevTp = curve.tps[k];
    prevFp = curve.fps[k];
  }
  return twiceArea / (2 * curve.positives * curve.negatives);
}

/**
 * Precision-recall curve like `sklearn.metrics.precision_recall_curve(labels, scores)` (scikit-learn >= 1.1:
 * every distinct threshold is kept, also those past full recall). Precision is 0 where nothing is flagged,
 * which cannot happen at a data threshold. Needs at least one anomaly.
 */
export function prCurve(labels: ArrayLike<number>, scores: ArrayLike<number>): PrCurve {
  checkLabelsAndScores(labels, scores);
  const curve = binaryCurve(labels, scores);
  requireAnomalies(curve, 'the precision-recall curve');
  const m = curve.thresholds.length;
  const precision = new Float64Array(m + 1);
  const recall = new Float64Array(m + 1);
  const thresholds = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    const out = m - 1 - k; // reversed: increasing threshold, decreasing recall
    const flagged = curve.tps[k] + curve.fps[k];
    precision[out] = flagged === 0 ? 0 : curve.tps[k] / flagged;
    recall[out] = curve.tps[k] / curve.positives;
    thresholds[out] = curve.thresholds[k];
  }
  precision[m] = 1;
  recall[m] = 0;
  return { precision, recall, thresholds };
}

/**
 * Average precision exactly as `sklearn.metrics.average_precision_score`: the step-function sum
 * over distinct thresholds (decreasing) of (R_n - R_{n-1}) * P_n with R_0 = 0; no interpolation.
 * Needs at least one anomaly.
 */
export function averagePrecision(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  checkLabelsAndScores(labels, scores);
  const curve = binaryCurve(labels, scores);
  requireAnomalies(curve, 'average precision');
  let sum = 0;
  let prevTp = 0;
  for (let k = 0; k < curve.thresholds.length; k++) {
    const tp = curve.tps[k];
    if (tp !== prevTp) sum += ((tp - prevTp) / curve.positives) * (tp / (tp + curve.fps[k]));
    prevTp = tp;
  }
  return sum;
}

/**
 * The threshold t such that at most `fpr` of `normalScores` are strictly above it (predict anomaly when
 * score > t). With the n normal scores sorted ascending s_1 <= ... <= s_n, this is the inverted-CDF
 * (Hyndman-Fan type 1) quantile at 1 - fpr: t = s_j with j = n - floor(fpr * n), i.e. j = ceil((1 - fpr) n).
 * Without ties exactly floor(fpr * n) scores lie above t; ties at t can only lower that count.
 * fpr * n is rounded down after adding 1e-9, so 0.29 * 100 counts as 29 despite floating point.
 */
export function thresholdAtFpr(normalScores: ArrayLike<number>, fpr: number): number {
  if (typeof fpr !== 'number' || !(fpr >= 0 && fpr < 1)) {
    throw new RangeError(`fpr must be a number in [0, 1): got ${String(fpr)}`);
  }
  checkFiniteScores(normalScores, 'normalScores');
  const n = normalScores.length;
  if (n === 0) throw new RangeError('thresholdAtFpr needs at least one normal score: got 0');
  const sorted = Float64Array.from(normalScores).sort();
  const allowedAbove = Math.min(n - 1, Math.floor(fpr * n + 1e-9));
  return sorted[n - 1 - allowedAbove];
}

/** Confusion counts and rates with prediction = score > threshold (see `Confusion` for the 0/0 cases). */
export function confusionAt(labels: ArrayLike<number>, scores: ArrayLike<number>, threshold: number): Confusion {
  checkLabelsAndScores(labels, scores);
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) {
    throw new RangeError(`threshold must be a number: got ${String(threshold)}`);
  }
  let tp = 0,
    fp = 0,
    tn = 0,
    fn = 0;
  for (let i = 0; i < labels.length; i++) {
    const flagged = scores[i] > threshold;
    if (labels[i] === 1) {
      if (flagged) tp++;
      else fn++;
    } else if (flagged) fp++;
    else tn++;
  }
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  const fpr = fp + tn === 0 ? 0 : fp / (fp + tn);
  return { tp, fp, tn, fn, precision, recall, f1, fpr };
}

/**
 * For each anomaly type (sorted by name), AUROC and average precision of all normal rows against the rows of
 * that type only. `typeOfRow[i]` is read only where `isNormal[i]` is 0; `isNormal[i]` is 1 for a normal row.
 * `known` names the types seen in training; the others are reported with known = false.
 */
export function perTypeMetrics(
  typeOfRow: ReadonlyArray<string>,
  isNormal: ArrayLike<number>,
  scores: ArrayLike<number>,
  known: ReadonlySet<string>,
): TypeMetrics[] {
  const normalLabels = checkIsNormal(isNormal, scores);
  if (typeOfRow.length !== scores.length) {
    throw new RangeError(
      `typeOfRow and scores must have the same length: got ${typeOfRow.length} types and ${scores.length} scores`,
    );
  }
  const rowsByType = new Map<string, number[]>();
  const normalRows: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    if (normalLabels[i] === 1) {
      normalRows.push(i);
      continue;
    }
    const rows = rowsByType.get(typeOfRow[i]);
    if (rows) rows.push(i);
    else rowsByType.set(typeOfRow[i], [i]);
  }
  const types = [...rowsByType.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return types.map((type) => {
    const typeRows = rowsByType.get(type) as number[];
    const subset = normalRows.concat(typeRows);
    const subLabels = new Uint8Array(subset.length);
    subLabels.fill(1, normalRows.length);
    const subScores = Float64Array.from(subset, (i) => scores[i]);
    return {
      type,
      count: typeRows.length,
      auroc: auroc(subLabels, subScores),
      aupr: averagePrecision(subLabels, subScores),
      known: known.has(type),
    };
  });
}

/** AUROC and average precision over all rows, with anomaly = not normal (`isNormal[i]` is 1 for a normal row). */
export function overallMetrics(isNormal: ArrayLike<number>, scores: ArrayLike<number>): OverallMetrics {
  const normalLabels = checkIsNormal(isNormal, scores);
  const labels = normalLabels.map((v) => 1 - v);
  return { auroc: auroc(labels, scores), aupr: averagePrecision(labels, scores) };
}

// ---------------------------------------------------------------------------------------------------------------

/** Counts of anomalies and normal rows at or above each distinct score, in decreasing score order. */
function binaryCurve(labels: ArrayLike<number>, scores: ArrayLike<number>): BinaryCurve {
  const n = scores.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => scores[b] - scores[a]);
  const tps: number[] = [];
  const fps: number[] = [];
  const thresholds: number[] = [];
  let tp = 0,
    fp = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k];
    if (labels[i] === 1) tp++;
    else fp++;
    if (k === n - 1 || scores[order[k + 1]] !== scores[i]) {
      tps.push(tp);
      fps.push(fp);
      thresholds.push(scores[i]);
    }
  }
  return {
    tps: Float64Array.from(tps),
    fps: Float64Array.from(fps),
    thresholds: Float64Array.from(thresholds),
    positives: tp,
    negatives: fp,
  };
}

function requireBothClasses(curve: BinaryCurve, what: string): void {
  if (curve.positives === 0 || curve.negatives === 0) {
    throw new RangeError(
      `${what} needs both normal and anomalous rows: got ${curve.negatives} normal, ${curve.positives} anomalous`,
    );
  }
}

function requireAnomalies(curve: BinaryCurve, what: string): void {
  if (curve.positives === 0) {
    throw new RangeError(`${what} needs at least one anomalous row: got ${curve.negatives} normal, 0 anomalous`);
  }
}

function checkLabelsAndScores(labels: ArrayLike<number>, scores: ArrayLike<number>): void {
  if (labels.length !== scores.length) {
    throw new RangeError(
      `labels and scores must have the same length: got ${labels.length} labels and ${scores.length} scores`,
    );
  }
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (v !== 0 && v !== 1) {
      throw new RangeError(`labels must be 0 (normal) or 1 (anomaly): labels[${i}] is ${String(v)}`);
    }
  }
  checkFiniteScores(scores, 'scores');
}

/**
 * Scores ready for ranking metrics and histograms: +Infinity (rows the detector could not score, flagged
 * as anomalies) becomes one finite value above every finite score, so those rows rank highest, tie with
 * each other, stay above `threshold` (so they still count as flagged), and land in a histogram's last bin.
 * Returns `scores` itself when every score is finite.
 */
export function rankableScores(scores: Float64Array, threshold = -Infinity): Float64Array {
  let max = threshold,
    infinite = false;
  for (let i = 0; i < scores.length; i++) {
    const v = scores[i];
    if (v === Infinity) infinite = true;
    else if (v > max) max = v;
  }
  if (!infinite) return scores;
  const top = max === -Infinity ? 1 : max + Math.max(1, Math.abs(max) * 0.01);
  return Float64Array.from(scores, (v) => (v === Infinity ? top : v));
}

function checkFiniteScores(scores: ArrayLike<number>, name: string): void {
  for (let i = 0; i < scores.length; i++) {
    if (typeof scores[i] !== 'number' || !Number.isFinite(scores[i])) {
      throw new RangeError(`${name} must be finite numbers: ${name}[${i}] is ${String(scores[i])}`);
    }
  }
}

/** Validates a 1 = normal / 0 = anomaly array against its scores and returns it as a Uint8Array. */
function checkIsNormal(isNormal: ArrayLike<number>, scores: ArrayLike<number>): Uint8Array {
  if (isNormal.length !== scores.length) {
    throw new RangeError(
      `isNormal and scores must have the same length: got ${isNormal.length} isNormal flags and ${scores.length} scores`,
    );
  }
  checkFiniteScores(scores, 'scores');
  const out = new Uint8Array(isNormal.length);
  for (let i = 0; i < isNormal.length; i++) {
    const v = isNormal[i];
    if (v !== 0 && v !== 1) {
      throw new RangeError(`isNormal must be 1 (normal) or 0 (anomaly): isNormal[${i}] is ${String(v)}`);
    }
    out[i] = v;
  }
  return out;
}
