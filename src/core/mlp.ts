/**
 * The classifier on TensorFlow.js (the reference implementation, and the backend wherever no BLAS is
 * found): the network of network.ts as tf.Variables, trained with AdamW through tf.variableGrads.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from './rng';
import {
  AdamWOptions,
  checkWeights,
  initialWeights,
  LEAKY_SLOPE,
  LossName,
  MlpShape,
  MlpWeights,
  Network,
  predictInBlocks,
  SCORE_BLOCK_ROWS,
  Trainer,
} from './network';
import { DataParallelTrainer, ParallelModel } from './parallel';

export class TfMlp implements Network {
  readonly shape: MlpShape;
  readonly variables: tf.Variable[];
  /** Worker threads for data-parallel training (1: train on this thread). */
  readonly workers: number;
  /** The TensorFlow.js backend the workers initialise (default: this thread's). */
  private readonly backend: string | undefined;

  constructor(shape: MlpShape, init: Rng | MlpWeights, options: { workers?: number; backend?: string } = {}) {
    this.shape = shape;
    this.workers = options.workers ?? 1;
    this.backend = options.backend;
    const weights = 'next' in init ? initialWeights(shape, init) : init;
    checkWeights(shape, weights);
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
      if (l < layers - 1) h = this.shape.activation === 'relu' ? tf.relu(h) : tf.leakyRelu(h, LEAKY_SLOPE);
    }
    return h;
  }

  /** f(x) for every row of a row-major matrix, in the blocks of SCORE_BLOCK_ROWS rows blas scores in (network.ts). */
  predict(x: Float32Array, rows: number): Float32Array {
    const d = this.shape.inputs;
    return predictInBlocks(x, rows, d, (block) =>
      tf.tidy(() => this.apply(tf.tensor2d(block, [SCORE_BLOCK_ROWS, d])).dataSync() as Float32Array),
    );
  }

  getWeights(): MlpWeights {
    return {
      shapes: this.variables.map((v) => v.shape.slice()),
      values: this.variables.map((v) => (v.dataSync() as Float32Array).slice()),
    };
  }

  setWeights(weights: MlpWeights): void {
    tf.tidy(() =>
      weights.values.forEach((v, i) => this.variables[i].assign(tf.tensor(v, weights.shapes[i] as number[]))),
    );
  }

  /** The network as the data-parallel trainer reads and writes it. */
  parallelModel(): ParallelModel {
    // The variables' data as last read or written there: a difference means setWeights from outside.
    let seen: ReadonlyArray<object> = [];
    const mark = (): void => {
      seen = this.variables.map((v) => v.dataId);
    };
    return {
      shape: this.shape,
      shapes: this.variables.map((v) => v.shape.slice()),
      readWeights: (into) => {
        this.variables.forEach((v, i) => into[i].set(v.dataSync() as Float32Array));
        mark();
      },
      // Copies: the cpu backend would otherwise keep the shared array itself as the tensor's data.
      writeWeights: (from) => {
        tf.tidy(() => this.variables.forEach((v, i) => v.assign(tf.tensor(from[i].slice(), v.shape))));
        mark();
      },
      changedElsewhere: () => this.variables.some((v, i) => v.dataId !== seen[i]),
    };
  }

  /** One AdamW state for this network: on this thread, or data-parallel over `workers` threads (parallel.ts). */
  trainer(optimizer: AdamWOptions, loss: LossName): Trainer {
    if (this.workers > 1)
      return new DataParallelTrainer(
        this.parallelModel(),
        this.workers,
        this.backend ?? tf.getBackend(),
        optimizer,
        loss,
      );
    const adam = new AdamW(this.variables, optimizer);
    return {
      step: (x, y, n) => {
        const d = this.shape.inputs;
        const value = tf.tidy(() => {
          const xb = tf.tensor2d(x.subarray(0, n * d), [n, d]);
          const yb = tf.tensor2d(y.subarray(0, n), [n, 1]);
          const { value: v, grads } = tf.variableGrads(() => lossOf(this.apply(xb), yb, loss), this.variables);
          adam.apply(this.variables.map((w) => grads[w.name]));
          return v;
        });
        const out = value.dataSync()[0];
        value.dispose();
        return out;
      },
      dispose: () => adam.dispose(),
    };
  }

  dispose(): void {
    this.variables.forEach((v) => v.dispose());
  }
}

/** Mean loss of f(x) against targets y in {+1, -1} (see network.ts meanLoss). */
export function lossOf(f: tf.Tensor2D, y: tf.Tensor2D, loss: LossName): tf.Scalar {
  if (loss === 'hinge') return tf.mean(tf.relu(tf.sub(1, tf.mul(y, f))));
  // Logistic loss on P(normal) = sigmoid(f); equals BCE with targets (y + 1) / 2.
  return tf.mean(tf.softplus(tf.neg(tf.mul(y, f))));
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

/** AdamW as in torch.optim.AdamW: decoupled weight decay on every parameter, bias-corrected moments. */
export class AdamW {
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private step = 0;

  constructor(
    private readonly params: tf.Variable[],
    private readonly opts: AdamWOptions,
  ) {
    this.m = params.map((p) => variableFrom(tf.zerosLike(p), false));
    this.v = params.map((p) => variableFrom(tf.zerosLike(p), false));
  }

  /** One step from gradients in the order of `params`. */
  apply(grads: ReadonlyArray<tf.Tensor>): void {
    const { learningRate: lr, weightDecay: wd } = this.opts;
    const b1 = this.opts.beta1 ?? 0.9,
      b2 = this.opts.beta2 ?? 0.999,
      eps = this.opts.epsilon ?? 1e-8;
    this.step++;
    const c1 = 1 - Math.pow(b1, this.step),
      c2 = 1 - Math.pow(b2, this.step);
    const stepSize = lr / c1,
      sqrtC2 = Math.sqrt(c2);
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
