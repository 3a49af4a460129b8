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
  /** f(x) for every row of a row-major matrix. */
  predict(x: Float32Array, rows: number): Float32Array;
  getWeights(): MlpWeights;
  setWeights(weights: MlpWeights): void;
  trainer(optimizer: AdamWOptions, loss: LossName): Trainer;
  dispose(): void;
}

/** Layer widths including input and output: [d, h1, ..., 1]. */
export function layerSizes(shape: MlpShape): number[] {
  return [shape.inputs, ...shape.hidden, 1];
}

/** PyTorch's nn.Linear initialisation from the seeded Rng: weights and biases uniform in ±1/sqrt(fan_in). */
export function initialWeights(shape: MlpShape, rng: Rng): MlpWeights {
  const sizes = layerSizes(shape);
  const shapes: number[][] = [], values: Float32Array[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const fanIn = sizes[l], fanOut = sizes[l + 1];
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
  if (weights.values.length !== want.length) throw new RangeError(`expected ${want.length} weight arrays, got ${weights.values.length}`);
  want.forEach((s, i) => {
    const n = s.reduce((a, b) => a * b, 1);
    if (weights.values[i].length !== n) throw new RangeError(`weight array ${i} should hold ${JSON.stringify(s)} = ${n} values, has ${weights.values[i].length}`);
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
    for (let i = 0; i < n; i++) { const m = 1 - y[i] * f[i]; if (m > 0) total += m; }
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
    for (let i = 0; i < n; i++) { const z = -y[i] * f[i]; out[i] = (-y[i] * inv) / (1 + Math.exp(-z)); }
  }
}
