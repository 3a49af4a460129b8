/**
 * Synthetic anomalies (Lau et al. 2025): points drawn uniformly over the scaled data's box,
 * so the classifier learns that low-density regions are anomalous.
 */
import type { EncodedLayout } from './encode';
import type { Rng } from './rng';

/**
 * `count` rows of width `layout.width`, row-major: continuous columns uniform on
 * [-delta, 1 + delta], binary columns Bernoulli(0.5), one uniformly chosen category per one-hot group.
 */
export function syntheticAnomalies(layout: EncodedLayout, count: number, rng: Rng, delta = 0): Float32Array {
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
    for (const c of layout.binary) x[row + c] = rng.next() < 0.5 ? 0 : 1;
    for (const g of layout.oneHot) x[row + g.start + rng.int(g.size)] = 1;
  }
  return x;
}
