/**
 * The training loop: mini-batch AdamW on hinge (or logistic) loss, early stopping on validation
 * loss with the best weights restored, progress per epoch, cancellation after the current batch.
 */
import * as tf from '@tensorflow/tfjs';
import { AdamW, Mlp, MlpWeights } from './mlp';
import { permutation, Rng } from './rng';

export type LossName = 'hinge' | 'bce';

/** Rows with targets y = +1 (normal) or -1 (anomaly, known or synthetic). */
export interface LabelledMatrix {
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly rows: number;
  readonly cols: number;
}

export interface TrainSettings {
  readonly loss: LossName;
  readonly learningRate: number;
  readonly weightDecay: number;
  readonly batchSize: number;
  readonly epochs: number;
  /** Epochs without a better validation loss before stopping; 0 turns early stopping off. */
  readonly patience: number;
}

export interface EpochProgress {
  readonly epoch: number;
  readonly epochs: number;
  readonly loss: number;
  readonly valLoss: number;
  readonly bestEpoch: number;
  readonly seconds: number;
  readonly rowsPerSecond: number;
}

export interface TrainResult {
  readonly epochs: number;
  readonly bestEpoch: number;
  readonly bestValLoss: number;
  readonly history: ReadonlyArray<EpochProgress>;
  readonly stoppedEarly: boolean;
  readonly cancelled: boolean;
  readonly seconds: number;
}

export interface TrainHooks {
  readonly onEpoch?: (p: EpochProgress) => void;
  readonly signal?: AbortSignal;
}

export async function trainMlp(
  mlp: Mlp, train: LabelledMatrix, val: LabelledMatrix, settings: TrainSettings, rng: Rng, hooks: TrainHooks = {},
): Promise<TrainResult> {
  const optimizer = new AdamW(mlp.variables, { learningRate: settings.learningRate, weightDecay: settings.weightDecay });
  const history: EpochProgress[] = [];
  const started = Date.now();
  let best: MlpWeights = mlp.getWeights();
  let bestValLoss = Infinity, bestEpoch = 0, cancelled = false, stoppedEarly = false;
  try {
    for (let epoch = 1; epoch <= settings.epochs; epoch++) {
      const t0 = Date.now();
      const { loss, completed } = await runEpoch(mlp, optimizer, train, settings, rng, hooks.signal);
      if (!completed) { cancelled = true; break; }
      const valLoss = evaluateLoss(mlp, val, settings.loss);
      const seconds = (Date.now() - t0) / 1000;
      // Without validation rows (split 0) the last epoch is the best one.
      if (Number.isNaN(valLoss) || valLoss < bestValLoss || history.length === 0) {
        bestValLoss = valLoss; bestEpoch = epoch; best = mlp.getWeights();
      }
      const progress = { epoch, epochs: settings.epochs, loss, valLoss, bestEpoch, seconds, rowsPerSecond: train.rows / seconds };
      history.push(progress);
      hooks.onEpoch?.(progress);
      if (settings.patience > 0 && epoch - bestEpoch >= settings.patience) { stoppedEarly = true; break; }
    }
  } finally {
    optimizer.dispose();
  }
  if (history.length > 0) mlp.setWeights(best);
  return {
    epochs: history.length, bestEpoch, bestValLoss, history, stoppedEarly, cancelled,
    seconds: (Date.now() - started) / 1000,
  };
}

async function runEpoch(
  mlp: Mlp, optimizer: AdamW, data: LabelledMatrix, settings: TrainSettings, rng: Rng, signal?: AbortSignal,
): Promise<{ loss: number; completed: boolean }> {
  const order = permutation(data.rows, rng);
  const d = data.cols;
  const batchX = new Float32Array(settings.batchSize * d);
  const batchY = new Float32Array(settings.batchSize);
  let weighted = 0;
  for (let start = 0; start < data.rows; start += settings.batchSize) {
    if (signal?.aborted) return { loss: NaN, completed: false };
    const n = Math.min(settings.batchSize, data.rows - start);
    for (let i = 0; i < n; i++) {
      const r = order[start + i];
      batchX.set(data.x.subarray(r * d, (r + 1) * d), i * d);
      batchY[i] = data.y[r];
    }
    const lossTensor = tf.tidy(() => {
      const xb = tf.tensor2d(batchX.subarray(0, n * d), [n, d]);
      const yb = tf.tensor2d(batchY.subarray(0, n), [n, 1]);
      const { value, grads } = tf.variableGrads(() => lossOf(mlp.apply(xb), yb, settings.loss), mlp.variables);
      optimizer.apply(mlp.variables.map((v) => grads[v.name]));
      return value;
    });
    weighted += (await lossTensor.data())[0] * n;
    lossTensor.dispose();
    // Let the event loop run (cancellation, progress rendering) between batches.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return { loss: weighted / data.rows, completed: true };
}

/** Mean loss of f(x) against targets y in {+1, -1}. */
export function lossOf(f: tf.Tensor2D, y: tf.Tensor2D, loss: LossName): tf.Scalar {
  if (loss === 'hinge') return tf.mean(tf.relu(tf.sub(1, tf.mul(y, f))));
  // Logistic loss on P(normal) = sigmoid(f); equals BCE with targets (y + 1) / 2.
  return tf.mean(tf.softplus(tf.neg(tf.mul(y, f))));
}

export function evaluateLoss(mlp: Mlp, data: LabelledMatrix, loss: LossName, chunk = 8192): number {
  if (data.rows === 0) return NaN;
  let total = 0;
  for (let start = 0; start < data.rows; start += chunk) {
    const n = Math.min(chunk, data.rows - start);
    total += tf.tidy(() => {
      const xb = tf.tensor2d(data.x.subarray(start * data.cols, (start + n) * data.cols), [n, data.cols]);
      const yb = tf.tensor2d(data.y.subarray(start, start + n), [n, 1]);
      return lossOf(mlp.apply(xb), yb, loss).dataSync()[0] * n;
    });
  }
  return total / data.rows;
}
