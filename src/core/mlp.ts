/**
 * The classifier: a fully connected network d -> h1 -> ... -> 1 with a real-valued output f(x),
 * trained with AdamW. Weights are initialised from the seeded Rng (PyTorch's nn.Linear scheme:
 * uniform in ±1/sqrt(fan_in) for weights and biases), so runs are reproducible on a backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from './rng';

export type Activation = 'leaky_relu' | 'relu';

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

export class Mlp {
  readonly shape: MlpShape;
  readonly variables: tf.Variable[];

  constructor(shape: MlpShape, init: Rng | MlpWeights) {
    this.shape = shape;
    const sizes = [shape.inputs, ...shape.hidden, 1];
    const weights = 'next' in init ? initialWeights(sizes, init) : init;
    this.variables = weights.values.map((v, i) => variableFrom(tf.tensor(v, weights.shapes[i] as number[]), true));
  }

  /** f(x) for a [n, d] tensor; returns [n, 1]. */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    let h: tf.Tensor2D = x;
    const layers = this.variables.length / 2;
    for (let l = 0; l < layers; l++) {
      const w = this.variables[2 * l] as tf.Variable<tf.Rank.R2>;
      const b = this.variables[2 * l + 1] as tf.Variable<tf.Rank.R1>;
      h = tf.add(linear(h, w), b);
      if (l < layers - 1) h = this.shape.activation === 'relu' ? tf.relu(h) : tf.leakyRelu(h, 0.01);
    }
    return h;
  }

  /** f(x) for every row of a row-major matrix, in chunks to bound memory. */
  predict(x: Float32Array, rows: number, chunk = 8192): Float32Array {
    const d = this.shape.inputs;
    const out = new Float32Array(rows);
    for (let start = 0; start < rows; start += chunk) {
      const n = Math.min(chunk, rows - start);
      const values = tf.tidy(() => this.apply(tf.tensor2d(x.subarray(start * d, (start + n) * d), [n, d])).dataSync());
      out.set(values, start);
    }
    return out;
  }

  getWeights(): MlpWeights {
    return {
      shapes: this.variables.map((v) => v.shape.slice()),
      values: this.variables.map((v) => (v.dataSync() as Float32Array).slice()),
    };
  }

  setWeights(weights: MlpWeights): void {
    tf.tidy(() => weights.values.forEach((v, i) => this.variables[i].assign(tf.tensor(v, weights.shapes[i] as number[]))));
  }

  dispose(): void {
    this.variables.forEach((v) => v.dispose());
  }
}

/**
 * x @ w with a gradient that multiplies by explicitly transposed operands. tf.matMul's own gradient
 * uses the transposeA/transposeB flags, and the wasm backend runs those about ten times slower than
 * a plain product (measured here: 1.5 against 16-20 GFLOP/s for 1024x500 by 500x500), while a
 * transpose of either operand costs a few milliseconds. The values are the same products.
 */
const linear = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, w, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([x, w]);
  return {
    value: tf.matMul(x, w),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as tf.Tensor2D[];
      return [tf.matMul(dy as tf.Tensor2D, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dy as tf.Tensor2D)];
    },
  };
}) as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;

/** A variable holding `initial`'s values; `initial` itself is released. */
function variableFrom(initial: tf.Tensor, trainable: boolean): tf.Variable {
  const v = tf.variable(initial, trainable);
  initial.dispose();
  return v;
}

function initialWeights(sizes: ReadonlyArray<number>, rng: Rng): MlpWeights {
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

export interface AdamWOptions {
  readonly learningRate: number;
  readonly weightDecay: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
}

/** AdamW as in torch.optim.AdamW: decoupled weight decay on every parameter, bias-corrected moments. */
export class AdamW {
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private step = 0;

  constructor(private readonly params: tf.Variable[], private readonly opts: AdamWOptions) {
    this.m = params.map((p) => variableFrom(tf.zerosLike(p), false));
    this.v = params.map((p) => variableFrom(tf.zerosLike(p), false));
  }

  /** One step from gradients in the order of `params`. */
  apply(grads: ReadonlyArray<tf.Tensor>): void {
    const { learningRate: lr, weightDecay: wd } = this.opts;
    const b1 = this.opts.beta1 ?? 0.9, b2 = this.opts.beta2 ?? 0.999, eps = this.opts.epsilon ?? 1e-8;
    this.step++;
    const c1 = 1 - Math.pow(b1, this.step), c2 = 1 - Math.pow(b2, this.step);
    const stepSize = lr / c1, sqrtC2 = Math.sqrt(c2);
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        const g = grads[i];
        const m = tf.add(tf.mul(this.m[i], b1), tf.mul(g, 1 - b1));
        const v = tf.add(tf.mul(this.v[i], b2), tf.mul(tf.square(g), 1 - b2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        const denom = tf.add(tf.div(tf.sqrt(v), sqrtC2), eps);
        const decayed = tf.mul(p, 1 - lr * wd);
        p.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), stepSize)));
      });
    });
  }

  dispose(): void {
    this.m.forEach((t) => t.dispose());
    this.v.forEach((t) => t.dispose());
  }
}
