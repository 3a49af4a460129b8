/**
 * Synthetic anomalies (Lau et al. 2025): rows drawn over the scaled data's box, so a classifier of normal rows
 * against them learns that low-density regions are anomalous. Continuous columns are always uniform on the box;
 * how binary flags and one-hot categories are drawn is the `synthetic` option:
 * - 'uniform' (the paper's sampler): each flag Bernoulli(0.5), each category equally likely;
 * - 'marginal': each flag and category at its frequency among the normal training rows (the product of the
 *   marginals, Hastie et al., Elements of Statistical Learning §14.2.4). On data with many flags (Thyroid: 15
 *   of 21 columns) uniform flags make synthetic rows separable by their flags alone, and the classifier learns
 *   nothing about the continuous columns; drawn at their frequencies, flags no longer give synthetic rows away.
 */
import type { EncodedLayout } from './encode';
import { oneOf, type OptionSpec } from './options';
import type { Rng } from './rng';

/** How synthetic anomalies draw binary flags and categories (continuous columns: uniform on the box). */
export type SyntheticSampler = 'uniform' | 'marginal';
export const SYNTHETIC_SAMPLERS: ReadonlyArray<SyntheticSampler> = ['uniform', 'marginal'];
/** The sampler of models saved before the option existed: the paper's. */
export const PAPER_SAMPLER: SyntheticSampler = 'uniform';

/** The `synthetic` option, shared by every method that trains on synthetic anomalies. */
export const SYNTHETIC_OPTION: OptionSpec = {
  default: 'marginal',
  check: oneOf(SYNTHETIC_SAMPLERS),
  cli: { flag: 'synthetic', value: 'text' },
};

/**
 * Frequencies of the flags and categories in some encoded rows: `binary[i]` is P(column layout.binary[i] = 1),
 * `oneHot[g]` the cumulative probabilities of group g's categories (last = 1).
 */
export interface FlagFrequencies {
  readonly binary: Float64Array;
  readonly oneHot: ReadonlyArray<Float64Array>;
}

/**
 * The frequencies of flags and categories in `rows` rows of `x` (row-major, layout.width columns), smoothed
 * by one pseudo-count each way (Laplace), so a flag never set on those rows is still drawn now and then and
 * the classifier sees it set on anomalies.
 */
export function flagFrequencies(layout: EncodedLayout, x: Float32Array, rows: number): FlagFrequencies {
  const w = layout.width;
  const binary = new Float64Array(layout.binary.length);
  layout.binary.forEach((c, i) => {
    let ones = 0;
    for (let r = 0; r < rows; r++) if (x[r * w + c] >= 0.5) ones++;
    binary[i] = (ones + 1) / (rows + 2);
  });
  const oneHot = layout.oneHot.map((g) => {
    const counts = new Float64Array(g.size).fill(1);
    for (let r = 0; r < rows; r++) {
      const row = r * w + g.start;
      for (let k = 0; k < g.size; k++) if (x[row + k] >= 0.5) counts[k]++;
    }
    let total = 0;
    for (const c of counts) total += c;
    let acc = 0;
    for (let k = 0; k < g.size; k++) counts[k] = acc += counts[k] / total;
    counts[g.size - 1] = 1;
    return counts;
  });
  return { binary, oneHot };
}

/**
 * `count` rows of width `layout.width`, row-major: continuous columns uniform on [-delta, 1 + delta]; binary
 * columns and one-hot groups at `frequencies` (the 'marginal' sampler) or, without them, Bernoulli(0.5) and
 * one category chosen uniformly (the paper's 'uniform' sampler).
 */
export function syntheticAnomalies(
  layout: EncodedLayout,
  count: number,
  rng: Rng,
  delta = 0,
  frequencies?: FlagFrequencies,
): Float32Array {
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(`synthetic anomaly count must be a non-negative integer, got ${count}`);
  if (!(delta >= 0) || !Number.isFinite(delta))
    throw new RangeError(`delta must be a finite number >= 0, got ${delta}`);
  const w = layout.width;
  const x = new Float32Array(count * w);
  const lo = -delta,
    span = 1 + 2 * delta;
  for (let i = 0; i < count; i++) {
    const row = i * w;
    for (const c of layout.continuous) x[row + c] = lo + span * rng.next();
    if (frequencies) {
      layout.binary.forEach((c, b) => {
        x[row + c] = rng.next() < frequencies.binary[b] ? 1 : 0;
      });
      layout.oneHot.forEach((g, k) => {
        const cumulative = frequencies.oneHot[k];
        const u = rng.next();
        let j = 0;
        while (j < g.size - 1 && u >= cumulative[j]) j++;
        x[row + g.start + j] = 1;
      });
    } else {
      for (const c of layout.binary) x[row + c] = rng.next() < 0.5 ? 0 : 1;
      for (const g of layout.oneHot) x[row + g.start + rng.int(g.size)] = 1;
    }
  }
  return x;
}
