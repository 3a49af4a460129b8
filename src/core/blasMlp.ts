/**
 * The MLP on Float32Arrays with its matrix products in the platform's BLAS (cblas_sgemm): forward,
 * backward and AdamW, the same maths as mlp.ts's TensorFlow.js model. The element-wise parts
 * (activation, its gradient, AdamW) run as WebAssembly SIMD kernels (simd.ts) over the same arrays.
 *
 * Every array (weights, gradients, AdamW moments, activations for up to `capacity` rows) lives in one
 * Workspace; a larger batch than it holds moves everything into a bigger one.
 */
import type { Blas } from './blas';
import {
  AdamWOptions,
  checkWeights,
  layerSizes,
  LEAKY_SLOPE,
  lossGradient,
  LossName,
  meanLoss,
  MlpShape,
  MlpWeights,
  Network,
  predictInBlocks,
  SCORE_BLOCK_ROWS,
  Trainer,
} from './network';
import { Workspace } from './simd';
import { DataParallelTrainer, ParallelModel } from './parallel';

/** Rows the buffers hold at first: the paper's batch size (predict needs SCORE_BLOCK_ROWS of them). */
const DEFAULT_ROWS = 1024;

interface Buffers {
  readonly ws: Workspace;
  readonly rows: number;
  /** [W1, b1, W2, b2, ...], W row-major [fan_in, fan_out]. */
  readonly params: Float32Array[];
  readonly grads: Float32Array[];
  readonly m: Float32Array[];
  readonly v: Float32Array[];
  /** Outputs of each layer, [rows, size]; index 0 unused (the input is the caller's). */
  readonly acts: Float32Array[];
  /** Two [rows, widest layer] arrays for the backward pass. */
  readonly deltas: [Float32Array, Float32Array];
  readonly ones: Float32Array;
}

export class BlasMlp implements Network {
  readonly shape: MlpShape;
  private readonly sizes: number[];
  private readonly slope: number;
  private b: Buffers;

  /** Worker threads for data-parallel training (1: train on this thread). */
  readonly workers: number;
  /** Bumped by setWeights: the data-parallel trainer rereads the weights when it changes. */
  private version = 0;

  constructor(
    private readonly blas: Blas,
    shape: MlpShape,
    weights: MlpWeights,
    options: { workers?: number } = {},
  ) {
    checkWeights(shape, weights);
    this.workers = options.workers ?? 1;
    this.shape = shape;
    this.sizes = layerSizes(shape);
    this.slope = shape.activation === 'relu' ? 0 : LEAKY_SLOPE;
    this.b = this.allocate(DEFAULT_ROWS);
    weights.values.forEach((v, i) => this.b.params[i].set(v));
  }

  /** Whether the element-wise parts run in WebAssembly SIMD. */
  get simd(): boolean {
    return this.b.ws.simd;
  }

  private allocate(rows: number): Buffers {
    const sizes = this.sizes;
    const paramSizes: number[] = [];
    for (let l = 0; l + 1 < sizes.length; l++) paramSizes.push(sizes[l] * sizes[l + 1], sizes[l + 1]);
    const widest = Math.max(...sizes.slice(1));
    const pad = (n: number): number => Math.ceil(n / 4) * 4;
    const floats =
      4 * paramSizes.reduce((a, n) => a + pad(n), 0) +
      sizes.slice(1).reduce((a, s) => a + pad(rows * s), 0) +
      2 * pad(rows * widest) +
      pad(rows);
    const ws = new Workspace(floats);
    const take = (): Float32Array[] => paramSizes.map((n) => ws.alloc(n));
    return {
      ws,
      rows,
      params: take(),
      grads: take(),
      m: take(),
      v: take(),
      acts: sizes.map((s, i) => (i === 0 ? new Float32Array(0) : ws.alloc(rows * s))),
      deltas: [ws.alloc(rows * widest), ws.alloc(rows * widest)],
      ones: ws.alloc(rows).fill(1),
    };
  }

  /** Makes room for batches of `rows` rows, keeping weights and AdamW moments. */
  reserve(rows: number): void {
    if (rows <= this.b.rows) return;
    const next = this.allocate(rows);
    for (const k of ['params', 'm', 'v'] as const) this.b[k].forEach((a, i) => next[k][i].set(a));
    this.b = next;
  }

  /**
   * Forward pass of `n` rows (n <= capacity) into the activation buffers: each layer's output starts as
   * its bias in every row, sgemm adds input W (beta = 1), then the activation runs in place on hidden layers.
   */
  private forward(x: Float32Array, n: number): Float32Array {
    const { params, acts, ws } = this.b;
    const layers = this.sizes.length - 1;
    let input = x;
    for (let l = 0; l < layers; l++) {
      const fanIn = this.sizes[l],
        fanOut = this.sizes[l + 1];
      const w = params[2 * l],
        b = params[2 * l + 1];
      const out = acts[l + 1];
      if (fanOut === 1) out.fill(b[0], 0, n);
      else for (let r = 0; r < n; r++) out.set(b, r * fanOut);
      this.blas.sgemm(false, false, n, fanOut, fanIn, 1, input, fanIn, w, fanOut, 1, out, fanOut);
      if (l < layers - 1) ws.leaky(out, n * fanOut, this.slope);
      input = out;
    }
    return acts[layers];
  }

  /** f(x) in blocks of SCORE_BLOCK_ROWS rows: every sgemm has the same shape, whatever `rows` is (network.ts). */
  predict(x: Float32Array, rows: number): Float32Array {
    const d = this.shape.inputs;
    if (x.length < rows * d)
      throw new RangeError(`predict: ${rows} rows of ${d} columns need ${rows * d} values, got ${x.length}`);
    this.reserve(SCORE_BLOCK_ROWS);
    return predictInBlocks(x, rows, d, (block) => this.forward(block, SCORE_BLOCK_ROWS));
  }

  getWeights(): MlpWeights {
    return { shapes: this.shapes(), values: this.b.params.map((p) => p.slice()) };
  }

  /** Shapes of [W1, b1, W2, b2, ...]. */
  private shapes(): number[][] {
    const sizes = this.sizes;
    const shapes: number[][] = [];
    for (let l = 0; l + 1 < sizes.length; l++) shapes.push([sizes[l], sizes[l + 1]], [sizes[l + 1]]);
    return shapes;
  }

  setWeights(weights: MlpWeights): void {
    checkWeights(this.shape, weights);
    weights.values.forEach((v, i) => this.b.params[i].set(v));
    this.version++;
  }

  /** The network as the data-parallel trainer reads and writes it. */
  parallelModel(): ParallelModel {
    let seen = this.version;
    return {
      shape: this.shape,
      shapes: this.shapes(),
      readWeights: (into) => {
        this.b.params.forEach((p, i) => into[i].set(p));
        seen = this.version;
      },
      writeWeights: (from) => {
        from.forEach((v, i) => this.b.params[i].set(v));
        seen = this.version;
      },
      changedElsewhere: () => this.version !== seen,
    };
  }

  /** The gradients of the last `gradients` call, [dW1, db1, ...]. */
  get grads(): ReadonlyArray<Float32Array> {
    return this.b.grads;
  }

  /** Loss of a batch and its gradients by backpropagation (into `grads`), without an optimiser step. */
  gradients(x: Float32Array, y: Float32Array, n: number, loss: LossName): number {
    this.reserve(n);
    const { blas, sizes, slope } = this;
    const { params, grads, acts, ones, ws } = this.b;
    const layers = sizes.length - 1;
    const f = this.forward(x, n);
    const value = meanLoss(f, y, n, loss);
    let [delta, spare] = this.b.deltas;
    lossGradient(f, y, n, loss, delta);
    for (let l = layers - 1; l >= 0; l--) {
      const fanIn = sizes[l],
        fanOut = sizes[l + 1];
      const input = l === 0 ? x : acts[l];
      // dW = input^T delta; db = 1^T delta (column sums, as one more product).
      blas.sgemm(true, false, fanIn, fanOut, n, 1, input, fanIn, delta, fanOut, 0, grads[2 * l], fanOut);
      blas.sgemm(false, false, 1, fanOut, n, 1, ones, n, delta, fanOut, 0, grads[2 * l + 1], fanOut);
      if (l === 0) break;
      // d input = delta W^T, then through the activation, whose derivative is read off its output
      // (positive exactly where the pre-activation was).
      blas.sgemm(false, true, n, fanIn, fanOut, 1, delta, fanOut, params[2 * l], fanOut, 0, spare, fanIn);
      ws.leakyGrad(spare, input, n * fanIn, slope);
      [delta, spare] = [spare, delta];
    }
    return value;
  }

  /** One AdamW update from `grads` with step count `t` (1 for the first step). */
  adamw(opts: AdamWOptions, t: number): void {
    const { params, grads, m, v, ws } = this.b;
    ws.adamwStep(params, grads, m, v, opts, t);
  }

  /** Zeroes the AdamW moments (a new optimiser). */
  resetOptimizer(): void {
    this.b.m.forEach((a) => a.fill(0));
    this.b.v.forEach((a) => a.fill(0));
  }

  /** One AdamW state for this network: on this thread, or data-parallel over `workers` threads (parallel.ts). */
  trainer(optimizer: AdamWOptions, loss: LossName): Trainer {
    if (this.workers > 1) return new DataParallelTrainer(this.parallelModel(), this.workers, 'blas', optimizer, loss);
    return new BlasTrainer(this, optimizer, loss);
  }

  dispose(): void {
    // The workspace is garbage-collected with the network.
  }
}

/** AdamW steps for a BlasMlp: one network has one optimiser state at a time. */
export class BlasTrainer implements Trainer {
  private t = 0;

  constructor(
    private readonly net: BlasMlp,
    private readonly optimizer: AdamWOptions,
    private readonly loss: LossName,
  ) {
    net.resetOptimizer();
  }

  step(x: Float32Array, y: Float32Array, n: number): number {
    const value = this.net.gradients(x, y, n, this.loss);
    this.net.adamw(this.optimizer, ++this.t);
    return value;
  }

  /** Loss and gradients (into the network's `grads`) without a step. */
  gradients(x: Float32Array, y: Float32Array, n: number): number {
    return this.net.gradients(x, y, n, this.loss);
  }

  get grads(): ReadonlyArray<Float32Array> {
    return this.net.grads;
  }

  dispose(): void {
    // Nothing of its own.
  }
}
