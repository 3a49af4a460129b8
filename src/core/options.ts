/**
 * Detector options with the paper's defaults (DESIGN.md §1), validated once at the edge.
 */
import type { Activation, LossName } from './network';
import type { BackendName } from './backend';

export type DetectorMethod = 'vcsa' | 'vc' | 'iforest';
export const DETECTOR_METHODS: ReadonlyArray<DetectorMethod> = ['vcsa', 'vc', 'iforest'];

export interface DetectorOptions {
  /** 'vcsa': classifier with synthetic anomalies (the method); 'vc': without them; 'iforest': Isolation Forest. */
  readonly method: DetectorMethod;
  /**
   * Anomaly types used in training. 'all' (default): every anomaly type in the training data;
   * [] : none (unsupervised). Rows of other anomaly types are kept out of training.
   */
  readonly known: 'all' | ReadonlyArray<string>;
  /** Synthetic anomalies per real training row (vcsa). */
  readonly syntheticRatio: number;
  /** Widen the sampling box [0,1]^d to [-delta, 1+delta]^d. */
  readonly delta: number;
  readonly hidden: ReadonlyArray<number>;
  readonly activation: Activation;
  readonly loss: LossName;
  readonly learningRate: number;
  readonly weightDecay: number;
  readonly batchSize: number;
  readonly epochs: number;
  readonly patience: number;
  readonly validationSplit: number;
  /** Threshold for predictions: this false-positive rate on validation normals. */
  readonly targetFpr: number;
  readonly seed: number;
  readonly backend: BackendName | 'auto';
  /** Threads for training and scoring (the BLAS's threads, or data-parallel workers on wasm); 0 = every core. */
  readonly threads: number;
  /** Isolation Forest: trees and subsample size. */
  readonly trees: number;
  readonly maxSamples: number;
  /**
   * Expected fraction of anomalies, in (0, 0.5]. When set, the threshold is the (1 - contamination)
   * quantile of the training rows' scores instead of the score at `targetFpr` on validation normals.
   */
  readonly contamination?: number;
}

export const DEFAULT_OPTIONS: DetectorOptions = {
  method: 'vcsa',
  known: 'all',
  syntheticRatio: 1,
  delta: 0,
  hidden: [500, 500],
  activation: 'leaky_relu',
  loss: 'hinge',
  learningRate: 1e-3,
  weightDecay: 1e-2,
  batchSize: 1024,
  epochs: 200,
  patience: 7,
  validationSplit: 0.2,
  targetFpr: 0.05,
  seed: 0,
  backend: 'auto',
  threads: 0,
  trees: 100,
  maxSamples: 256,
};

type Check = (v: unknown) => string | undefined;

const positiveInt: Check = (v) => (Number.isInteger(v) && (v as number) > 0 ? undefined : 'a positive integer');
const nonNegativeInt: Check = (v) => (Number.isInteger(v) && (v as number) >= 0 ? undefined : 'an integer >= 0');
const positive: Check = (v) => (typeof v === 'number' && v > 0 && Number.isFinite(v) ? undefined : 'a finite number > 0');
const nonNegative: Check = (v) => (typeof v === 'number' && v >= 0 && Number.isFinite(v) ? undefined : 'a finite number >= 0');
const fraction: Check = (v) => (typeof v === 'number' && v >= 0 && v < 1 ? undefined : 'a number in [0, 1)');
const oneOf = (values: ReadonlyArray<string>): Check => (v) =>
  typeof v === 'string' && values.includes(v) ? undefined : `one of ${values.join(', ')}`;

const CHECKS: Record<keyof DetectorOptions, Check> = {
  method: oneOf(DETECTOR_METHODS),
  known: (v) => (v === 'all' || (Array.isArray(v) && v.every((k) => typeof k === 'string' || typeof k === 'number'))
    ? undefined : "'all' or a list of anomaly type names"),
  syntheticRatio: positive,
  delta: nonNegative,
  hidden: (v) => (Array.isArray(v) && v.length > 0 && v.every((h) => Number.isInteger(h) && h > 0)
    ? undefined : 'a non-empty list of positive integers'),
  activation: oneOf(['leaky_relu', 'relu']),
  loss: oneOf(['hinge', 'bce']),
  learningRate: positive,
  weightDecay: nonNegative,
  batchSize: positiveInt,
  epochs: positiveInt,
  patience: nonNegativeInt,
  validationSplit: fraction,
  targetFpr: fraction,
  seed: (v) => (Number.isInteger(v) && (v as number) >= 0 ? undefined : 'an integer >= 0'),
  backend: oneOf(['auto', 'blas', 'tensorflow', 'wasm', 'cpu']),
  threads: nonNegativeInt,
  trees: positiveInt,
  maxSamples: positiveInt,
  contamination: (v) => (v === undefined || (typeof v === 'number' && v > 0 && v <= 0.5) ? undefined : 'a number in (0, 0.5]'),
};

/** Defaults merged with the given options; an unknown or bad option throws naming it and its value. */
export function resolveOptions(given: Partial<DetectorOptions> = {}): DetectorOptions {
  for (const key of Object.keys(given)) {
    if (!(key in CHECKS)) {
      throw new RangeError(`unknown detector option '${key}' (options: ${Object.keys(CHECKS).join(', ')})`);
    }
  }
  const merged = { ...DEFAULT_OPTIONS, ...stripUndefined(given) } as DetectorOptions;
  for (const [key, check] of Object.entries(CHECKS) as [keyof DetectorOptions, Check][]) {
    const problem = check(merged[key]);
    if (problem !== undefined) {
      throw new RangeError(`detector option '${key}' must be ${problem}, got ${JSON.stringify(merged[key])}`);
    }
  }
  const known = merged.known === 'all' ? 'all' : merged.known.map(String);
  return { ...merged, known };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
