/**
 * One worker thread of the data-parallel trainer (parallel.ts): a single-threaded replica of the network
 * on the same backend (BlasMlp on blas, TfMlp on the TensorFlow.js backends). Per request it takes the
 * current weights from shared memory, computes the loss and gradients of its shard of the batch, writes
 * the gradients to its shared buffer and replies with the shard's loss. Errors are replied, never thrown,
 * so the step on the main thread rejects with their message. On blas, TensorFlow.js is never loaded
 * (it would add about a second to the worker's start).
 */
import { parentPort, workerData } from 'worker_threads';
import type * as TF from '@tensorflow/tfjs';
import type { BackendName } from './backend';
import type { TfMlp } from './mlp';
import { loadBlas } from './blas';
import { BlasMlp } from './blasMlp';
import { meanLoss } from './network';
import type { ParallelStepReply, ParallelStepRequest, ParallelWorkerInit } from './parallel';

/** TensorFlow.js and the tfjs model, loaded only for the TensorFlow.js backends. */
function tfjs(): { tf: typeof TF; lossOf: typeof import('./mlp').lossOf } {
  return { tf: require('@tensorflow/tfjs') as typeof TF, lossOf: (require('./mlp') as typeof import('./mlp')).lossOf };
}

interface Replica {
  readonly mlp: TfMlp | BlasMlp;
  /** Views of the shared weights and of this worker's shared gradients, one per variable. */
  readonly params: Float32Array[];
  readonly grads: Float32Array[];
}

if (!parentPort) throw new Error('parallelWorker runs as a worker thread of the data-parallel trainer');
const port = parentPort;
const init = workerData as ParallelWorkerInit;

const ready = start();
// A failed start is reported with the first step (below), not as an unhandled rejection.
ready.catch(() => undefined);

async function start(): Promise<Replica> {
  const views = (offsets: ReadonlyArray<number>): Float32Array[] =>
    init.shapes.map(
      (s, i) =>
        new Float32Array(
          init.memory,
          offsets[i],
          s.reduce((a, b) => a * b, 1),
        ),
    );
  const params = views(init.params),
    grads = views(init.grads);
  const weights = { shapes: init.shapes, values: params.map((p) => p.slice()) };
  if (init.backend === 'blas')
    return { mlp: new BlasMlp(loadBlas(), init.shape, weights, { workers: 1 }), params, grads };
  await (require('./backend') as typeof import('./backend')).selectBackend(init.backend as BackendName);
  const mlp = new (require('./mlp') as typeof import('./mlp')).TfMlp(init.shape, weights, { workers: 1 });
  return { mlp, params, grads };
}

port.on('message', (m: ParallelStepRequest) => {
  ready
    .then((r) => reply({ kind: 'done', step: m.step, loss: shardStep(r, m) }))
    .catch((err: unknown) =>
      reply({ kind: 'error', step: m.step, message: err instanceof Error ? err.message : String(err) }),
    );
});

function reply(m: ParallelStepReply): void {
  port.postMessage(m);
}

/** Loss and gradients of rows [start, start + rows) at the current weights; gradients go to shared memory. */
function shardStep(r: Replica, m: ParallelStepRequest): number {
  const { mlp } = r;
  const d = init.shape.inputs;
  const n = m.yValues;
  if (m.mode === 'loss') {
    // Validation: the shard's mean loss at the current weights (copies: see below).
    const x = new Float32Array(m.x, 0, m.xValues).slice(m.start * d, (m.start + m.rows) * d);
    const y = new Float32Array(m.y, 0, m.yValues).slice(m.start, m.start + m.rows);
    if (mlp instanceof BlasMlp) mlp.setWeights({ shapes: init.shapes, values: r.params });
    else {
      const { tf } = tfjs();
      tf.tidy(() => mlp.variables.forEach((v, i) => v.assign(tf.tensor(r.params[i].slice(), v.shape))));
    }
    return meanLoss(mlp.predict(x, m.rows), y, m.rows, init.loss);
  }
  if (mlp instanceof BlasMlp) {
    mlp.setWeights({ shapes: init.shapes, values: r.params });
    // Copies into ordinary memory: the BLAS gets plain typed arrays only.
    const x = new Float32Array(m.x, 0, m.xValues).slice(m.start * d, (m.start + m.rows) * d);
    const y = new Float32Array(m.y, 0, m.yValues).slice(m.start, m.start + m.rows);
    if (x.length < m.rows * d || y.length < m.rows)
      throw new RangeError(`a shard of ${m.rows} rows of ${d} columns needs ${m.rows * d} values, got ${x.length}`);
    const loss = mlp.gradients(x, y, m.rows, init.loss);
    mlp.grads.forEach((g, i) => scaled(r.grads[i], g, m.rows / n));
    return loss;
  }
  const { tf, lossOf } = tfjs();
  // Copies throughout: a tensor must not alias memory the main thread writes (the cpu backend would keep it).
  tf.tidy(() => mlp.variables.forEach((v, i) => v.assign(tf.tensor(r.params[i].slice(), v.shape))));
  const x = new Float32Array(m.x, 0, m.xValues).slice(m.start * d, (m.start + m.rows) * d);
  const y = new Float32Array(m.y, 0, m.yValues).slice(m.start, m.start + m.rows);
  return tf.tidy(() => {
    const xb = tf.tensor2d(x, [m.rows, d]);
    const yb = tf.tensor2d(y, [m.rows, 1]);
    const { value, grads } = tf.variableGrads(() => lossOf(mlp.apply(xb), yb, init.loss), mlp.variables);
    mlp.variables.forEach((v, i) => scaled(r.grads[i], grads[v.name].dataSync() as Float32Array, m.rows / n));
    return value.dataSync()[0];
  });
}

/** out = weight * g: this shard's share of the batch's mean-loss gradient. */
function scaled(out: Float32Array, g: Float32Array, weight: number): void {
  for (let i = 0; i < out.length; i++) out[i] = weight * g[i];
}
