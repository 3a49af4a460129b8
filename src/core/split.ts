/**
 * Which rows train the detector, and the train/validation split.
 */
import type { Dataset, LabelInfo } from './data/types';
import { SynthadInputError } from './errors';
import { permutation, Rng } from './rng';
import { tally } from './text';

export interface TrainingRows {
  /** Indices of normal rows and rows of known anomaly types, in dataset order. */
  readonly rows: Uint32Array;
  /** Anomaly types used in training, sorted. */
  readonly knownTypes: ReadonlyArray<string>;
  /** Anomaly types in the data but kept out of training (unseen), sorted. */
  readonly heldOutTypes: ReadonlyArray<string>;
  /**
   * Per dataset row, the side it trains on: 1 = normal (normal rows, rows of unlabelled data and
   * rows with an unknown label), 0 = anomaly.
   */
  readonly isNormal: Uint8Array;
  /** Training rows whose label is unknown (every row when the data has no label). */
  readonly unknownRows: number;
  /** The data has no label column: every row trains as normal. */
  readonly unlabelled: boolean;
}

export function requireLabel(ds: Dataset, what: string): LabelInfo {
  if (!ds.label)
    throw new SynthadInputError(`${what} needs labelled data: load it with a label column and its normal value`, {
      file: ds.source,
    });
  return ds.label;
}

/** Counts of each label value, normal values included. */
export function labelCounts(label: LabelInfo): Map<string, number> {
  return tally(label.values);
}

export function trainingRows(ds: Dataset, known: 'all' | ReadonlyArray<string>): TrainingRows {
  const label = ds.label;
  if (label === undefined) {
    if (known !== 'all' && known.length > 0) {
      throw new SynthadInputError(
        `known anomaly types (${known.join(', ')}) need labelled data: load it with a label column and its normal value`,
        { file: ds.source },
      );
    }
    const rows = new Uint32Array(ds.rowCount).map((_, i) => i);
    return {
      rows,
      knownTypes: [],
      heldOutTypes: [],
      isNormal: new Uint8Array(ds.rowCount).fill(1),
      unknownRows: ds.rowCount,
      unlabelled: true,
    };
  }
  const unknown = label.unknown;
  const counts = labelCounts(label);
  if (unknown !== undefined) counts.delete('');
  const anomalyTypes = [...counts.keys()].filter((v) => !label.normalValues.includes(v)).sort();
  if (known !== 'all') {
    const missing = known.filter((k) => !anomalyTypes.includes(k));
    if (missing.length > 0) {
      throw new SynthadInputError(
        `known anomaly type '${missing[0]}' does not occur in the training data (anomaly types there: ${anomalyTypes.join(', ') || 'none'})`,
        { file: ds.source, column: label.column },
      );
    }
  }
  const knownTypes = known === 'all' ? anomalyTypes : [...new Set(known)].sort();
  const keep = new Set([...label.normalValues, ...knownTypes]);
  const rows: number[] = [];
  const isNormal = Uint8Array.from(label.isNormal);
  let unknownRows = 0;
  for (let i = 0; i < ds.rowCount; i++) {
    if (unknown !== undefined && unknown[i] === 1) {
      rows.push(i);
      isNormal[i] = 1;
      unknownRows++;
    } else if (keep.has(label.values[i])) rows.push(i);
  }
  const normals = rows.filter((r) => isNormal[r] === 1).length;
  if (normals === 0) {
    throw new SynthadInputError(`no normal rows to train on (normal value: ${label.normalValues.join(', ')})`, {
      file: ds.source,
      column: label.column,
    });
  }
  return {
    rows: Uint32Array.from(rows),
    knownTypes,
    heldOutTypes: anomalyTypes.filter((t) => !knownTypes.includes(t)),
    isNormal,
    unknownRows,
    unlabelled: false,
  };
}

/**
 * Random split of `rows` into train and validation, stratified by normal vs anomaly so that a few
 * known anomalies are shared out in proportion. Both parts keep dataset order.
 */
export function trainValidationSplit(
  rows: Uint32Array,
  isNormal: Uint8Array,
  fraction: number,
  rng: Rng,
): { train: Uint32Array; validation: Uint32Array } {
  const train: number[] = [],
    validation: number[] = [];
  for (const stratum of [1, 0]) {
    const members = Array.from(rows).filter((r) => isNormal[r] === stratum);
    const order = permutation(members.length, rng);
    const nVal = Math.round(members.length * fraction);
    order.forEach((k, i) => (i < nVal ? validation : train).push(members[k]));
  }
  const byIndex = (a: number, b: number): number => a - b;
  return { train: Uint32Array.from(train.sort(byIndex)), validation: Uint32Array.from(validation.sort(byIndex)) };
}
