/**
 * Explanations: which features push a row's anomaly score up. For each feature, the score change when
 * that feature (all its encoded columns: a one-hot group together) is set to a typical training value
 * (the median of a number, the most frequent category).
 */
import type { Column, Table } from './data/types';
import type { EncoderState } from './encode';
import { encodedLayout } from './encode';
import { tally } from './text';

/** Typical training value of each encoded feature, in encoder order. Plain JSON: saved with the model. */
export type FeatureReference =
  | {
      readonly name: string;
      readonly kind: 'numeric' | 'binary';
      readonly median: number;
      readonly min: number;
      readonly max: number;
    }
  | { readonly name: string; readonly kind: 'categorical'; readonly mode: string };

/** One feature's part in a row's score. */
export interface FeatureContribution {
  readonly feature: string;
  /** The row's value (null = missing). */
  readonly value: number | string | null;
  /** Score minus the score with this feature at its typical training value: > 0 pushes the score up. */
  readonly contribution: number;
  /** The typical training value it was replaced by (median or most frequent category). */
  readonly reference: number | string;
  /** Training range of a numeric feature. */
  readonly min?: number;
  readonly max?: number;
}

export interface RowExplanation {
  /** 0-based row index in the data. */
  readonly row: number;
  readonly score: number;
  /** Features by contribution, largest first. */
  readonly features: ReadonlyArray<FeatureContribution>;
}

/** Medians and most frequent categories of the encoder's features over the training rows. */
export function featureReferences(
  encoder: EncoderState,
  columns: ReadonlyArray<Column>,
  rows: ArrayLike<number>,
): FeatureReference[] {
  const byName = new Map(columns.map((c) => [c.name, c] as const));
  return encoder.features.map((f): FeatureReference => {
    const col = byName.get(f.name)!;
    if (f.kind === 'categorical') {
      const counts = tally(Array.from(rows, (r) => col.values[r]).filter((v): v is string => typeof v === 'string'));
      let mode = f.categories[0],
        best = -1;
      for (const c of f.categories) {
        const n = counts.get(c) ?? 0;
        if (n > best) {
          best = n;
          mode = c;
        }
      }
      return { name: f.name, kind: 'categorical', mode };
    }
    const values: number[] = [];
    for (let i = 0; i < rows.length; i++) {
      const v = col.values[rows[i]] as number;
      if (!Number.isNaN(v)) values.push(v);
    }
    values.sort((a, b) => a - b);
    const n = values.length;
    const median = n === 0 ? f.mean : n % 2 === 1 ? values[(n - 1) / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    return { name: f.name, kind: f.kind, median, min: f.min, max: f.max };
  });
}

/**
 * Per row, every feature's contribution. `x` holds the encoded rows; `scoreMatrix` scores a matrix of
 * encoded rows. Scores all rows × features in one call.
 */
export function explainRows(
  encoder: EncoderState,
  reference: ReadonlyArray<FeatureReference>,
  table: Table,
  rows: ArrayLike<number>,
  x: Float32Array,
  baseScores: Float64Array,
  scoreMatrix: (x: Float32Array, rows: number) => Float64Array,
): RowExplanation[] {
  const layout = encodedLayout(encoder);
  const width = layout.width,
    n = rows.length,
    nf = encoder.features.length;
  const spans: Array<{ start: number; size: number; values: number[] }> = [];
  let offset = 0;
  encoder.features.forEach((f, k) => {
    const ref = reference[k];
    if (f.kind === 'categorical') {
      const mode = ref.kind === 'categorical' ? ref.mode : f.categories[0];
      spans.push({ start: offset, size: f.categories.length, values: f.categories.map((c) => (c === mode ? 1 : 0)) });
      offset += f.categories.length;
    } else {
      const median = ref.kind === 'categorical' ? f.mean : ref.median;
      spans.push({ start: offset, size: 1, values: [(median - f.min) / (f.max - f.min)] });
      offset += 1;
    }
  });
  const big = new Float32Array(n * nf * width);
  for (let k = 0; k < nf; k++) {
    const span = spans[k];
    for (let i = 0; i < n; i++) {
      const at = (k * n + i) * width;
      big.set(x.subarray(i * width, (i + 1) * width), at);
      for (let j = 0; j < span.size; j++) big[at + span.start + j] = span.values[j];
    }
  }
  const replaced = scoreMatrix(big, n * nf);
  const byName = new Map(table.columns.map((c) => [c.name, c] as const));
  return Array.from({ length: n }, (_, i): RowExplanation => {
    const row = rows[i];
    const features = encoder.features.map((f, k): FeatureContribution => {
      const ref = reference[k];
      const contribution = baseScores[i] - replaced[k * n + i];
      const value = cellValue(byName.get(f.name), row);
      if (ref.kind === 'categorical') return { feature: f.name, value, contribution, reference: ref.mode };
      return { feature: f.name, value, contribution, reference: ref.median, min: ref.min, max: ref.max };
    });
    features.sort((a, b) => b.contribution - a.contribution);
    return { row, score: baseScores[i], features };
  });
}

/** A cell in original units: a number, a category, or null when missing. */
export function cellValue(col: Column | undefined, row: number): number | string | null {
  if (col === undefined) return null;
  const v = col.values[row];
  return v === null || (typeof v === 'number' && Number.isNaN(v)) ? null : v;
}

/** "x3 = 9.1 (training range -2.9..3.2)", or "colour = purple (training: mostly red)". */
export function formatContribution(c: FeatureContribution): string {
  const v = c.value === null ? 'missing' : typeof c.value === 'number' ? formatValue(c.value) : c.value;
  if (c.min !== undefined && c.max !== undefined)
    return `${c.feature} = ${v} (training range ${formatValue(c.min)}..${formatValue(c.max)})`;
  return `${c.feature} = ${v} (training: mostly ${String(c.reference)})`;
}

function formatValue(v: number): string {
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 1 ? v.toFixed(1) : v.toPrecision(2);
}
