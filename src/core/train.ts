/**
 * The training loop: mini-batch AdamW on hinge (or logistic) loss, early stopping on validation
 * loss with the best weights restored, progress per epoch, cancellation after the current batch.
 */
import { LossName, meanLoss, MlpWeights, Network, Trainer } from './network';
import { permutation, Rng } from './rng';

export type { LossName };

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
  /** What `epoch` counts: passes over the data (the MLP, default) or boosting rounds (the trees). */
  readonly unit?: 'epoch' | 'round';
  /** The ensemble member training, when an ensemble trains (e.g. 'GBT-SA'). */
  readonly member?: string;
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

/** What training reports to and listens to; `Detector.fit` takes the same (`FitHooks` is this type). */
export interface TrainHooks {
  /** Called after every epoch (classifier methods). */
  readonly onEpoch?: (p: EpochProgress) => void;
  /** Stops training after the current batch; the best weights so far are kept. */
  readonly signal?: AbortSignal;
}

export async function trainMlp(
  mlp: Network,
  train: LabelledMatrix,
  val: LabelledMatrix,
  settings: TrainSettings,
  rng: Rng,
  hooks: TrainHooks = {},
): Promise<TrainResult> {
  const optimizer = mlp.trainer(
    { learningRate: settings.learningRate, weightDecay: settings.weightDecay },
    settings.loss,
  );
  const history: EpochProgress[] = [];
  const started = Date.now();
  let best: MlpWeights = mlp.getWeights();
  let bestValLoss = Infinity,
    bestEpoch = 0,
    cancelled = false,
    stoppedEarly = false;
  try {
    for (let epoch = 1; epoch <= settings.epochs; epoch++) {
      const t0 = Date.now();
      const { loss, completed } = await runEpoch(optimizer, train, settings, rng, hooks.signal);
      if (!completed) {
        cancelled = true;
        break;
      }
      const valLoss = optimizer.meanLoss
        ? await optimizer.meanLoss(val.x, val.y, val.rows)
        : evaluateLoss(mlp, val, settings.loss);
      const seconds = (Date.now() - t0) / 1000;
      // Without validation rows (split 0) the last epoch is the best one.
      if (Number.isNaN(valLoss) || valLoss < bestValLoss || history.length === 0) {
        bestValLoss = valLoss;
        bestEpoch = epoch;
        best = mlp.getWeights();
      }
      const progress = {
        epoch,
        epochs: settings.epochs,
        loss,
        valLoss,
        bestEpoch,
        seconds,
        rowsPerSecond: train.rows / Math.max(seconds, 1e-3),
      };
      history.push(progress);
      hooks.onEpoch?.(progress);
      if (settings.patience > 0 && epoch - bestEpoch >= settings.patience) {
        stoppedEarly = true;
        break;
      }
    }
  } finally {
    optimizer.dispose();
  }
  if (history.length > 0) mlp.setWeights(best);
  return {
    epochs: history.length,
    bestEpoch,
    bestValLoss,
    history,
    stoppedEarly,
    cancelled,
    seconds: (Date.now() - started) / 1000,
  };
}

async function runEpoch(
  optimizer: Trainer,
  data: LabelledMatrix,
  settings: TrainSettings,
  rng: Rng,
  signal?: AbortSignal,
): Promise<{ loss: number; completed: boolean }> {
  const order = permutation(data.rows, rng);
  const d = data.cols;
  // Two batch buffers: the next batch is gathered while a data-parallel step is still running in workers.
  const buffers = [0, 1].map(() => ({
    x: new Float32Array(settings.batchSize * d),
    y: new Float32Array(settings.batchSize),
  }));
  let weighted = 0;
  let inFlight: { loss: number | Promise<number>; n: number } | undefined;
  let k = 0;
  for (let start = 0; start < data.rows; start += settings.batchSize, k++) {
    const n = Math.min(settings.batchSize, data.rows - start);
    const { x, y } = buffers[k % 2];
    for (let i = 0; i < n; i++) {
      const r = order[start + i];
      x.set(data.x.subarray(r * d, (r + 1) * d), i * d);
      y[i] = data.y[r];
    }
    if (inFlight) weighted += (await inFlight.loss) * inFlight.n;
    // Cancellation takes effect between batches, after the step in flight has finished.
    if (signal?.aborted) return { loss: NaN, completed: false };
    const loss = optimizer.step(x, y, n);
    // Awaited at the next batch; until then a failure must not count as an unhandled rejection.
    if (loss instanceof Promise) loss.catch(() => undefined);
    inFlight = { loss, n };
    // Let the event loop run (cancellation, progress rendering) between batches.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (inFlight) weighted += (await inFlight.loss) * inFlight.n;
  return { loss: weighted / data.rows, completed: true };
}

/** Mean loss of the network's outputs on labelled rows; NaN without rows. */
export function evaluateLoss(mlp: Network, data: LabelledMatrix, loss: LossName): number {
  if (data.rows === 0) return NaN;
  return meanLoss(mlp.predict(data.x, data.rows), data.y, data.rows, loss);
}
