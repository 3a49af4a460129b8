/**
 * Data-parallel training: how SynthAD uses every core on every backend. Each AdamW step splits the
 * batch into contiguous shards; worker threads (parallelWorker.ts, a single-threaded replica of the
 * network each: BlasMlp on the blas backend, TfMlp on wasm and cpu) compute their shard's loss and
 * gradients; this thread sums them weighted by shard size in a fixed order (worker 0, 1, ...: the same
 * worker count gives bit-identical runs), takes the AdamW step (simd.ts, on shared memory) and writes the
 * weights back into the network. Weights, gradients and the batch live in SharedArrayBuffers, so a
 * step copies no megabytes between threads; postMessage only signals.
 *
 * Why not the BLAS's own threads: OpenBLAS shuts its thread pool down in a fork handler, joining its
 * threads; in the VS Code extension host, which spawns processes at any time, a fork during a threaded
 * sgemm in the kernel's worker deadlocked the host (seen in the integration tests). So the BLAS runs
 * one thread per caller (blas.ts) and the cores are used here, which also spreads the element-wise work.
 */
import { Worker } from 'worker_threads';
import type { AdamWOptions, LossName, MlpShape, Trainer } from './network';
import { Workspace } from './simd';
import { workerScript } from './workerScript';

/** What the trainer needs of the network it trains: its shape and a way to read and write its weights. */
export interface ParallelModel {
  readonly shape: MlpShape;
  /** Shapes of [W1, b1, W2, b2, ...]. */
  readonly shapes: ReadonlyArray<ReadonlyArray<number>>;
  /** Copies the network's weights into `into`. */
  readWeights(into: ReadonlyArray<Float32Array>): void;
  /** Sets the network's weights from `from` (the trainer's, after a step). */
  writeWeights(from: ReadonlyArray<Float32Array>): void;
  /** Whether the weights were set from elsewhere (setWeights) since the last readWeights or writeWeights. */
  changedElsewhere(): boolean;
}

/** Fewest rows worth a worker: smaller shards cost more in messages than they save in arithmetic. */
export const MIN_SHARD_ROWS = 32;

/** What a worker starts with (its workerData). */
export interface ParallelWorkerInit {
  readonly index: number;
  /** The backend to initialise (selectBackend's name): blas gives a BlasMlp replica, the others a TfMlp. */
  readonly backend: string;
  readonly shape: MlpShape;
  readonly loss: LossName;
  /** Shapes of [W1, b1, W2, b2, ...]. */
  readonly shapes: ReadonlyArray<ReadonlyArray<number>>;
  /** The trainer's shared memory (a shared Workspace). */
  readonly memory: SharedArrayBuffer;
  /** Byte offsets in `memory` of the weight arrays, in the order of `shapes`: written between steps, read by the workers. */
  readonly params: ReadonlyArray<number>;
  /** Byte offsets of this worker's gradients of the batch's mean loss restricted to its shard (its mean times rows / n). */
  readonly grads: ReadonlyArray<number>;
}

/** Main -> worker: compute rows [start, start + rows) of the batch in `x` (row-major) and `y`. */
export interface ParallelStepRequest {
  readonly step: number;
  /** 'gradients' (a training step's shard) or 'loss' (the shard's mean loss only, e.g. validation). */
  readonly mode: 'gradients' | 'loss';
  readonly x: SharedArrayBuffer;
  readonly y: SharedArrayBuffer;
  /** Values of x and y that hold data (fewer than the buffers' capacity). */
  readonly xValues: number;
  readonly yValues: number;
  readonly start: number;
  readonly rows: number;
}

/** Worker -> main: the shard's mean loss (gradients are in shared memory), or what went wrong. */
export type ParallelStepReply =
  | { readonly kind: 'done'; readonly step: number; readonly loss: number }
  | { readonly kind: 'error'; readonly step: number; readonly message: string };

/** A contiguous run of batch rows for one worker. */
export interface Shard {
  readonly start: number;
  readonly rows: number;
}

/**
 * Splits n rows over at most `workers` workers: contiguous shards whose sizes differ by at most one
 * (the first n mod k one larger), and fewer shards where the batch is too small for all of them.
 */
export function shardRows(n: number, workers: number): Shard[] {
  const k = Math.max(1, Math.min(workers, Math.ceil(n / MIN_SHARD_ROWS)));
  const base = Math.floor(n / k),
    extra = n % k;
  const shards: Shard[] = [];
  let start = 0;
  for (let i = 0; i < k; i++) {
    const rows = base + (i < extra ? 1 : 0);
    shards.push({ start, rows });
    start += rows;
  }
  return shards;
}

/** The worker script: dist/parallel-worker.js, or parallelWorker.js compiled next to this file. */
export function parallelWorkerScript(): string {
  return workerScript('parallel-worker.js', 'parallelWorker.js', 'data-parallel worker');
}

interface PendingStep {
  readonly step: number;
  readonly replies: Array<ParallelStepReply | undefined>;
  remaining: number;
  readonly resolve: (replies: ParallelStepReply[]) => void;
  readonly reject: (err: Error) => void;
}

export class DataParallelTrainer implements Trainer {
  private readonly shape: MlpShape;
  private readonly model: ParallelModel;
  private readonly workers: Worker[];
  /** Shared memory for weights, AdamW moments and every worker's gradients, with SIMD kernels bound to it. */
  private readonly ws: Workspace;
  /** The weights, as views of the shared memory the workers read; AdamW updates them in place. */
  private readonly params: Float32Array[];
  /** AdamW's moments. */
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private readonly optimizer: AdamWOptions;
  /** Each worker's gradients: [worker][parameter array]. Worker 0's also receive the sum. */
  private readonly workerGrads: Float32Array[][];
  /** The batch, copied into shared memory; grown when a larger batch comes. */
  private x = new Float32Array(new SharedArrayBuffer(0));
  private y = new Float32Array(new SharedArrayBuffer(0));
  private steps = 0;
  /** Rows meanLoss copied to shared memory, and the arrays they came from. */
  private evalData: { x: Float32Array; y: Float32Array } | undefined;
  private evalSource: { x: Float32Array; y: Float32Array; rows: number } | undefined;
  /** AdamW steps taken (its t). */
  private updates = 0;
  private pending: PendingStep | undefined;
  /** Steps run one at a time: each waits for the one before. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Set when a worker died: every later step rejects with it. */
  private failure: Error | undefined;
  private disposed = false;
  /** Resolves once every worker thread has exited (after dispose, or when they die). */
  readonly exited: Promise<void>;

  constructor(model: ParallelModel, workers: number, backend: string, optimizer: AdamWOptions, loss: LossName) {
    if (!(workers >= 1)) throw new RangeError(`data-parallel training needs at least one worker, got ${workers}`);
    this.shape = model.shape;
    this.model = model;
    const shapes = model.shapes.map((s) => [...s]);
    const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
    const padded = sizes.reduce((a, n) => a + Math.ceil(n / 4) * 4, 0);
    this.ws = new Workspace(padded * (3 + workers), true);
    const take = (): Float32Array[] => sizes.map((n) => this.ws.alloc(n));
    this.params = take();
    this.m = take();
    this.v = take();
    this.workerGrads = Array.from({ length: workers }, take);
    this.optimizer = optimizer;
    model.readWeights(this.params);

    const script = parallelWorkerScript();
    const memory = this.params[0].buffer as SharedArrayBuffer;
    const offsets = (arrays: Float32Array[]): number[] => arrays.map((a) => a.byteOffset);
    this.workers = this.workerGrads.map((grads, index) => {
      const init: ParallelWorkerInit = {
        index,
        backend,
        shape: this.shape,
        loss,
        shapes,
        memory,
        params: offsets(this.params),
        grads: offsets(grads),
      };
      const worker = new Worker(script, { workerData: init });
      // Idle workers never keep the process alive; a step in flight refs them (see exchange).
      worker.unref();
      worker.on('message', (m: ParallelStepReply) => this.onReply(index, m));
      worker.on('error', (err) =>
        this.fail(new Error(`data-parallel training worker ${index} failed: ${err.message}`)),
      );
      worker.on('exit', (code) =>
        this.fail(new Error(`data-parallel training worker ${index} exited with code ${code}`)),
      );
      return worker;
    });
    this.exited = Promise.all(
      this.workers.map((w) => new Promise<void>((resolve) => w.once('exit', () => resolve()))),
    ).then(() => undefined);
  }

  step(x: Float32Array, y: Float32Array, n: number): Promise<number> {
    const result = this.queue.then(() => this.run(x, y, n));
    this.queue = result.catch(() => undefined);
    return result;
  }

  /**
   * Mean loss of `rows` labelled rows at the current weights, computed by the workers in shards. The
   * rows are copied to shared memory once and reused while the same arrays come again (validation data).
   */
  meanLoss(x: Float32Array, y: Float32Array, rows: number): Promise<number> {
    const result = this.queue.then(async () => {
      this.check();
      if (rows === 0) return NaN;
      const d = this.shape.inputs;
      if (this.evalSource?.x !== x || this.evalSource.y !== y || this.evalSource.rows !== rows) {
        const copy = (a: Float32Array, n: number): Float32Array => {
          const s = new Float32Array(new SharedArrayBuffer(n * 4));
          s.set(a.subarray(0, n));
          return s;
        };
        this.evalData = { x: copy(x, rows * d), y: copy(y, rows) };
        this.evalSource = { x, y, rows };
      }
      const shards = shardRows(rows, this.workers.length);
      const replies = this.succeeded(await this.exchange('loss', shards, this.evalData!.x, this.evalData!.y));
      let loss = 0;
      shards.forEach((s, k) => {
        loss += (s.rows / rows) * replies[k].loss;
      });
      return loss;
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.rejectPending(new Error('the data-parallel trainer was disposed during a step'));
    for (const w of this.workers) w.terminate().catch(() => undefined);
  }

  private check(): void {
    if (this.disposed) throw new Error('the data-parallel trainer was disposed');
    if (this.failure) throw this.failure;
    // Weights set from outside since the last step (e.g. setWeights) replace ours; the moments stay, as in TfMlp's trainer.
    if (this.model.changedElsewhere()) this.model.readWeights(this.params);
  }

  /** The replies, or the first worker's error. */
  private succeeded(replies: ParallelStepReply[]): Array<{ loss: number }> {
    const failed = replies.findIndex((r) => r.kind === 'error');
    if (failed >= 0) {
      const r = replies[failed] as Extract<ParallelStepReply, { kind: 'error' }>;
      throw new Error(`data-parallel training worker ${failed}: ${r.message}`);
    }
    return replies as Array<{ loss: number }>;
  }

  private async run(x: Float32Array, y: Float32Array, n: number): Promise<number> {
    this.check();
    if (!Number.isInteger(n) || n < 1)
      throw new RangeError(`a training step needs a whole number of rows, at least 1; got ${n}`);
    const d = this.shape.inputs;
    const xs = x.subarray(0, n * d),
      ys = y.subarray(0, n);
    if (this.x.length < xs.length) this.x = new Float32Array(new SharedArrayBuffer(xs.length * 4));
    if (this.y.length < ys.length) this.y = new Float32Array(new SharedArrayBuffer(ys.length * 4));
    this.x.set(xs);
    this.y.set(ys);
    // A short x or y goes to the workers as it is: the replica rejects it there, as on one thread.
    const shards = shardRows(n, this.workers.length);
    const replies = this.succeeded(
      await this.exchange('gradients', shards, this.x.subarray(0, xs.length), this.y.subarray(0, ys.length)),
    );

    // The batch mean is the shard means weighted by shard size, summed in worker order; the workers
    // scaled their gradients by rows / n already.
    let loss = 0;
    shards.forEach((s, k) => {
      loss += (s.rows / n) * replies[k].loss;
    });
    const sum = this.workerGrads[0];
    for (let k = 1; k < shards.length; k++) sum.forEach((g, a) => this.ws.add(g, this.workerGrads[k][a], g.length));
    this.ws.adamwStep(this.params, sum, this.m, this.v, this.optimizer, ++this.updates);
    this.model.writeWeights(this.params);
    return loss;
  }

  /** Sends each shard to its worker and waits for all of them (so none is still writing when the next step starts). */
  private exchange(
    mode: ParallelStepRequest['mode'],
    shards: ReadonlyArray<Shard>,
    x: Float32Array,
    y: Float32Array,
  ): Promise<ParallelStepReply[]> {
    const step = ++this.steps;
    const workers = this.workers.slice(0, shards.length);
    workers.forEach((w) => w.ref());
    const done = new Promise<ParallelStepReply[]>((resolve, reject) => {
      this.pending = {
        step,
        replies: new Array(shards.length).fill(undefined),
        remaining: shards.length,
        resolve,
        reject,
      };
    });
    shards.forEach((s, k) => {
      const request: ParallelStepRequest = {
        step,
        mode,
        x: x.buffer as SharedArrayBuffer,
        y: y.buffer as SharedArrayBuffer,
        xValues: x.length,
        yValues: y.length,
        start: s.start,
        rows: s.rows,
      };
      workers[k].postMessage(request);
    });
    const unref = (): void => workers.forEach((w) => w.unref());
    done.then(unref, unref);
    return done;
  }

  private onReply(index: number, m: ParallelStepReply): void {
    const p = this.pending;
    if (!p || m.step !== p.step || index >= p.replies.length || p.replies[index]) return;
    p.replies[index] = m;
    if (--p.remaining === 0) {
      this.pending = undefined;
      p.resolve(p.replies as ParallelStepReply[]);
    }
  }

  /** A worker died (an uncaught error, or it exited): the step in flight and every later one reject. */
  private fail(err: Error): void {
    if (this.disposed) return;
    this.failure ??= err;
    this.rejectPending(this.failure);
  }

  private rejectPending(err: Error): void {
    const p = this.pending;
    this.pending = undefined;
    p?.reject(err);
  }
}
