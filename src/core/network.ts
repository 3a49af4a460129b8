/**
 * What every compute backend's classifier offers: the MLP d -> h1 -> ... -> 1 with a real-valued output
 * f(x), its weights as plain arrays, and a trainer that takes one AdamW step per batch. The maths (shapes,
 * initialisation, losses, AdamW) is defined here once; mlp.ts (TensorFlow.js) and blasMlp.ts (the
 * platform's BLAS) implement it, and tests hold them to each other.
 */
import type { Rng } from './rng';

export type Activation = 'leaky_relu' | 'relu';
export type LossName = 'hinge' | 'bce';

/** LeakyReLU's slope for negative inputs (PyTorch's default). */
export const LEAKY_SLOPE = 0.01;

export interface MlpShape {
  readonly inputs: number;
  readonly hidden: ReadonlyArray<number>;
  readonly activation: Activation;
}

/** Weights as plain arrays: [W1, b1, W2, b2, ...], W row-major [fan_in, fan_out]. */
export interface MlpWeights {
  readonly shapes: ReadonlyArray<ReadonlyArray<number>>;
  readonly values: ReadonlyArray<Float32Array>;
}

export interface AdamWOptions {
  readonly learningRate: number;
  readonly weightDecay: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
}

/** One optimiser state bound to a network. */
export interface Trainer {
  /** One AdamW step on the first `n` rows of `x` (row-major [n, inputs]) with targets y in {+1, -1}; returns the batch's mean loss. */
  step(x: Float32Array, y: Float32Array, n: number): number | Promise<number>;
  /** Mean loss of labelled rows at the current weights, where the trainer computes it faster than predict (in parallel). */
  meanLoss?(x: Float32Array, y: Float32Array, rows: number): Promise<number>;
  dispose(): void;
}

export interface Network {
  readonly shape: MlpShape;
  /** f(x) for every row of a row-major matrix, in fixed blocks (predictInBlocks; SCORE_BLOCK_ROWS says why). */
  predict(x: Float32Array, rows: number): Float32Array;
  getWeights(): MlpWeights;
  setWeights(weights: MlpWeights): void;
  trainer(optimizer: AdamWOptions, loss: LossName): Trainer;
  dispose(): void;
}

/**
 * Rows in every forward pass that scores (predict, on every backend). A BLAS promises no identical bits across
 * matrix shapes (OpenBLAS picks other kernels and tilings by size), so rows are cut into blocks of this many and
 * the last is zero-padded: every product has the same shape whatever the caller's chunking. A row's score then
 * depends only on the row and its place in its block, never on the other rows or how many came: the whole
 * table, a stream in chunks of a multiple of this many rows (synthad score's 2048) and any block-aligned part
 * score bit-identically (tested with OpenBLAS's Haswell, Zen, SkylakeX, Sandybridge and Prescott kernels; MKL
 * may also vary with memory alignment). At other places in a block OpenBLAS's SkylakeX, Sandybridge and
 * Prescott kernels and the wasm and cpu backends round alike too, but its Haswell/Zen sgemm rounds the rows of a
 * tile in two ways: a row scored alone or in a 64-row chunk can differ in the last float32 bits (measured up to
 * 5e-7 x max(1, |f|)). 256 rows score as fast as 512 or 1024 (blas and wasm, 1 M rows, 28-500-500-1).
 */
export const SCORE_BLOCK_ROWS = 256;

/**
 * f(x) for `rows` rows of `inputs` columns by `forward`, which takes exactly SCORE_BLOCK_ROWS rows (row-major)
 * and returns their outputs (at least that many values; the first SCORE_BLOCK_ROWS are read before the next
 * call). The last block is a zero-padded copy.
 */
export function predictInBlocks(
  x: Float32Array,
  rows: number,
  inputs: number,
  forward: (block: Float32Array) => Float32Array,
): Float32Array {
  const block = SCORE_BLOCK_ROWS;
  const out = new Float32Array(rows);
  const whole = rows - (rows % block);
  for (let start = 0; start < whole; start += block) {
    out.set(forward(x.subarray(start * inputs, (start + block) * inputs)).subarray(0, block), start);
  }
  if (whole < rows) {
    const padded = new Float32Array(block * inputs);
    padded.set(x.subarray(whole * inputs, rows * inputs));
    out.set(forward(padded).subarray(0, rows - whole), whole);
  }
  return out;
}

/** Layer widths including input and output: [d, h1, ..., 1]. */
export function layerSizes(shape: MlpShape): number[] {
  return [shape.inputs, ...shape.hidden, 1];
}

/** PyTorch's nn.Linear initialisation from the seeded Rng: weights and biases uniform in ±1/sqrt(fan_in). */
export function initialWeights(shape: MlpShape, rng: Rng): MlpWeights {
  const sizes = layerSizes(shape);
  const shapes: number[][] = [],
    values: Float32Array[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const fanIn = sizes[l],
      fanOut = sizes[l + 1];
    const bound = 1 / Math.sqrt(fanIn);
    const w = new Float32Array(fanIn * fanOut);
    for (let i = 0; i < w.length; i++) w[i] = (2 * rng.next() - 1) * bound;
    const b = new Float32Array(fanOut);
    for (let i = 0; i < b.length; i++) b[i] = (2 * rng.next() - 1) * bound;
    shapes.push([fanIn, fanOut], [fanOut]);
    values.push(w, b);
  }
  return { shapes, values };
}

/** Checks that weights fit a shape; throws naming the first layer that does not. */
export function checkWeights(shape: MlpShape, weights: MlpWeights): void {
  const sizes = layerSizes(shape);
  const want: number[][] = [];
  for (let l = 0; l + 1 < sizes.length; l++) want.push([sizes[l], sizes[l + 1]], [sizes[l + 1]]);
  if (weights.values.length !== want.length)
    throw new RangeError(`expected ${want.length} weight arrays, got ${weights.values.length}`);
  want.forEach((s, i) => {
    const n = s.reduce((a, b) => a * b, 1);
    if (weights.values[i].length !== n)
      throw new RangeError(
        `weight array ${i} should hold ${JSON.stringify(s)} = ${n} values, has ${weights.values[i].length}`,
      );
  });
}

/** softplus(z) = log(1 + e^z) without overflow. */
export function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/**
 * Mean loss of outputs f against targets y in {+1, -1}: hinge mean(max(0, 1 - y f)), or the logistic
 * loss mean(softplus(-y f)) (BCE on P(normal) = sigmoid(f) with targets (y + 1) / 2). Accumulated in
 * double precision.
 */
export function meanLoss(f: Float32Array, y: Float32Array, n: number, loss: LossName): number {
  let total = 0;
  if (loss === 'hinge') {
    for (let i = 0; i < n; i++) {
      const m = 1 - y[i] * f[i];
      if (m > 0) total += m;
    }
  } else {
    for (let i = 0; i < n; i++) total += softplus(-y[i] * f[i]);
  }
  return n > 0 ? total / n : NaN;
}

/**
 * dLoss/df for the batch mean, into `out`: hinge -y/n where 1 - y f > 0 (0 at the kink, as TensorFlow's
 * ReLU gradient), logistic -y sigmoid(-y f) / n.
 */
export function lossGradient(f: Float32Array, y: Float32Array, n: number, loss: LossName, out: Float32Array): void {
  const inv = 1 / n;
  if (loss === 'hinge') {
    for (let i = 0; i < n; i++) out[i] = 1 - y[i] * f[i] > 0 ? -y[i] * inv : 0;
  } else {
    for (let i = 0; i < n; i++) {
      const z = -y[i] * f[i];
      out[i] = (-y[i] * inv) / (1 + Math.exp(-z));
    }
  }
}
