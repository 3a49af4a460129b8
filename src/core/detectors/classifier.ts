/**
 * VC-SA and VC (DESIGN.md §1): an MLP trained on normal rows (+1) against known anomalies and, for VC-SA,
 * synthetic anomalies drawn over the data's box (-1); the anomaly score is -f(x).
 */
import type { Dataset } from '../data/types';
import { encode, EncoderState, encodedLayout } from '../encode';
import { ClassifierOptions, CLASSIFIER_METHODS, DetectorOptions } from '../options';
import { trainMlp, LabelledMatrix, TrainResult } from '../train';
import { syntheticAnomalies } from '../synthetic';
import type { Rng } from '../rng';
import { createNetwork, describeBackend, resolveThreads, selectBackend } from '../backend';
import { thresholdAtFpr } from '../metrics';
import { trainValidationSplit } from '../split';
import { SynthadInputError } from '../errors';
import { checkMatrixSize, ClassifierState, Detector, FitHooks, FittedState, registerDetectorClass, TrainingRows } from './base';

/** The classifier detector: methods 'vcsa' (with synthetic anomalies, the paper's method) and 'vc' (without). */
export class ClassifierDetector extends Detector {
  static override readonly methods = CLASSIFIER_METHODS;

  /** This method's options: the network, its training and the synthetic anomalies. */
  get classifierOptions(): ClassifierOptions {
    return this.options;
  }

  override get fitted(): ClassifierState {
    return super.fitted as ClassifierState;
  }

  protected override checkTrainingRows(data: Dataset, picked: TrainingRows): void {
    if (this.options.method === 'vc' && picked.unlabelled) {
      throw new SynthadInputError('VC needs labelled anomalies (use method vcsa or iforest)', { file: data.source });
    }
  }

  protected override async fitModel(data: Dataset, picked: TrainingRows, encoder: EncoderState, rng: Rng, hooks: FitHooks): Promise<FittedState> {
    const o = this.options;
    const { split, train, validation } = classifierData(this.name, o, data, picked, encoder, rng);
    const choice = await selectBackend(o.backend);
    const threads = resolveThreads(o.threads);
    const backendDetail = describeBackend(choice, threads);
    const mlp = createNetwork(choice, { inputs: train.cols, hidden: o.hidden, activation: o.activation }, rng.fork(), threads);
    let result: TrainResult;
    try {
      result = await trainMlp(mlp, train, validation, o, rng.fork(), hooks);
    } catch (err) {
      mlp.dispose();
      throw err;
    }
    const thresholdRows = split.validation.some((r) => picked.isNormal[r] === 1) ? split.validation : split.train;
    const normalRows = thresholdRows.filter((r) => picked.isNormal[r] === 1);
    const threshold = thresholdAtFpr(negate(mlp.predict(encode(encoder, data, normalRows).x, normalRows.length)), o.targetFpr);
    const epochSeconds = result.history.reduce((a, h) => a + h.seconds, 0);
    return {
      encoder, mlp, threshold, computeDetail: backendDetail,
      summary: {
        source: data.source, backend: choice.backend, backendDetail, threads, knownTypes: picked.knownTypes, heldOutTypes: picked.heldOutTypes,
        trainRows: split.train.length, validationRows: split.validation.length, syntheticRows: train.rows - split.train.length,
        epochs: result.epochs, bestEpoch: result.bestEpoch, bestValLoss: result.bestValLoss,
        stoppedEarly: result.stoppedEarly, cancelled: result.cancelled, seconds: result.seconds,
        rowsPerSecond: (train.rows * result.epochs) / Math.max(epochSeconds, 1e-6),
        history: result.history,
      },
    };
  }

  protected override scoreModel(state: FittedState, x: Float32Array, rows: number): Float64Array {
    return negate(state.mlp!.predict(x, rows));
  }

  protected override acceptState(state: FittedState): void {
    if (!state.mlp) throw new SynthadInputError(`a ${this.name} detector needs its network (the saved state has none)`);
  }
}

registerDetectorClass(ClassifierDetector);

/**
 * The classifier's training and validation matrices: real rows split, then synthetic anomalies appended
 * (vcsa). Consumes `rng` as fit does; exported for benchmarks that train a peer on the same rows.
 */
export function classifierData(
  name: string, o: DetectorOptions, data: Dataset, picked: TrainingRows, encoder: EncoderState, rng: Rng,
): { split: ReturnType<typeof trainValidationSplit>; train: LabelledMatrix; validation: LabelledMatrix } {
  const split = trainValidationSplit(picked.rows, picked.isNormal, o.validationSplit, rng.fork());
  const synthetic = o.method === 'vcsa';
  const sampler = rng.fork();
  const train = labelledRows(encoder, data, picked.isNormal, split.train, synthetic ? Math.round(o.syntheticRatio * split.train.length) : 0, sampler, o.delta);
  const validation = labelledRows(encoder, data, picked.isNormal, split.validation, synthetic ? Math.round(o.syntheticRatio * split.validation.length) : 0, sampler, o.delta);
  if (!train.y.some((v) => v < 0)) {
    throw new SynthadInputError(
      `the ${name} detector has no anomalies to train on: give known anomaly types ` +
      `(anomaly types in the data: ${[...picked.knownTypes, ...picked.heldOutTypes].join(', ') || 'none'}) or use method 'vcsa'`,
      { file: data.source },
    );
  }
  return { split, train, validation };
}

function labelledRows(
  encoder: EncoderState, data: Dataset, isNormal: Uint8Array, rows: Uint32Array, syntheticCount: number, rng: Rng, delta: number,
): LabelledMatrix {
  const layout = encodedLayout(encoder);
  checkMatrixSize(data.source, rows.length + syntheticCount, layout.width, syntheticCount > 0 ? 'real and synthetic rows (lower the synthetic ratio, --ratio)' : 'rows');
  const real = encode(encoder, data, rows);
  const total = real.rows + syntheticCount;
  const x = new Float32Array(total * real.cols);
  x.set(real.x);
  x.set(syntheticAnomalies(layout, syntheticCount, rng, delta), real.x.length);
  const y = new Float32Array(total).fill(-1);
  rows.forEach((r, i) => { y[i] = isNormal[r] === 1 ? 1 : -1; });
  return { x, y, rows: total, cols: real.cols };
}

function negate(f: Float32Array): Float64Array {
  return Float64Array.from(f, (v) => -v);
}
