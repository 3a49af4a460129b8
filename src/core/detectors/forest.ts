/** Isolation Forest (Liu et al. 2008), grown on normal training rows only: the one-class baseline. */
import type { Dataset } from '../data/types';
import { encode, EncoderState, encodedLayout } from '../encode';
import { FOREST_METHODS, IsolationForestOptions } from '../options';
import type { Rng } from '../rng';
import { thresholdAtFpr } from '../metrics';
import { fitIsolationForest, scoreIsolationForest } from '../iforest';
import { SynthadInputError } from '../errors';
import { checkMatrixSize, Detector, FittedState, ForestState, registerDetectorClass, TrainingRows } from './base';

/** The Isolation Forest detector: method 'iforest'. Its options are `trees` and `maxSamples`. */
export class IsolationForestDetector extends Detector {
  static override readonly methods = FOREST_METHODS;

  /** This method's options: the forest's size. */
  get forestOptions(): IsolationForestOptions {
    return this.options;
  }

  override get fitted(): ForestState {
    return super.fitted as ForestState;
  }

  protected override fitModel(data: Dataset, picked: TrainingRows, encoder: EncoderState, rng: Rng): Promise<FittedState> {
    const t0 = Date.now();
    // The one-class setting: the forest is grown on normal rows only.
    const normals = picked.rows.filter((r) => picked.isNormal[r] === 1);
    if (normals.length < 2) {
      throw new SynthadInputError(`Isolation Forest needs at least 2 normal training rows, got ${normals.length}`, { file: data.source });
    }
    checkMatrixSize(data.source, normals.length, encodedLayout(encoder).width, 'rows');
    const m = encode(encoder, data, normals);
    const forest = fitIsolationForest(m.x, m.rows, m.cols, { nEstimators: this.options.trees, maxSamples: this.options.maxSamples, seed: rng.int(2 ** 31) });
    const scores = scoreIsolationForest(forest, m.x, m.rows, m.cols);
    const seconds = (Date.now() - t0) / 1000;
    return Promise.resolve({
      encoder, forest, threshold: thresholdAtFpr(scores, this.options.targetFpr),
      summary: {
        source: data.source, backend: 'js', backendDetail: 'js, 1 thread', threads: 1, knownTypes: [], heldOutTypes: [...picked.knownTypes, ...picked.heldOutTypes].sort(),
        trainRows: m.rows, validationRows: 0, syntheticRows: 0, epochs: 0, bestEpoch: 0, bestValLoss: NaN,
        stoppedEarly: false, cancelled: false, seconds, rowsPerSecond: m.rows / Math.max(seconds, 1e-6), history: [],
      },
    });
  }

  protected override scoreModel(state: FittedState, x: Float32Array, rows: number, width: number): Float64Array {
    return scoreIsolationForest(state.forest!, finiteForForest(x), rows, width);
  }

  protected override acceptState(state: FittedState): void {
    if (!state.forest) throw new SynthadInputError('an Isolation Forest detector needs its trees (the saved state has none)');
  }
}

registerDetectorClass(IsolationForestDetector);

/**
 * The forest only compares values with split points: a value that overflowed float32 (met only when
 * `explain` perturbs a row) is the largest float32 of its sign.
 */
function finiteForForest(x: Float32Array): Float32Array {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (!Number.isFinite(v)) x[i] = v > 0 ? FLOAT32_MAX : v < 0 ? -FLOAT32_MAX : 0;
  }
  return x;
}

const FLOAT32_MAX = 3.4028234663852886e38;
