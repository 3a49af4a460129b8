/**
 * Detector options with the paper's defaults (README.md: the paper's detector and "Reproducing the paper"),
 * validated once at the edge.
 */
import type { Activation } from './network';
import type { TrainSettings } from './train';
import type { BackendName } from './backend';
import { SynthadInputError } from './errors';

export type DetectorMethod = 'vcsa' | 'vc' | 'iforest';
export const DETECTOR_METHODS: ReadonlyArray<DetectorMethod> = ['vcsa', 'vc', 'iforest'];
/** The methods of ClassifierDetector (an MLP) and of IsolationForestDetector. */
export const CLASSIFIER_METHODS: ReadonlyArray<DetectorMethod> = ['vcsa', 'vc'];
export const FOREST_METHODS: ReadonlyArray<DetectorMethod> = ['iforest'];

/** Every option of every method; the training settings (loss, learning rate, batch size, epochs, …) are train.ts's. */
export interface DetectorOptions extends TrainSettings {
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

/** The options every method uses: which rows to train on, the threshold, the seed. */
export const SHARED_OPTION_NAMES = ['method', 'known', 'targetFpr', 'seed', 'contamination'] as const;
/** The options of the classifier methods (vcsa, vc): synthetic anomalies, the network, its training and where it computes. */
export const CLASSIFIER_OPTION_NAMES = [
  'syntheticRatio', 'delta', 'hidden', 'activation', 'loss', 'learningRate', 'weightDecay', 'batchSize', 'epochs', 'patience',
  'validationSplit', 'backend', 'threads',
] as const;
/** The options of the Isolation Forest (iforest). */
export const FOREST_OPTION_NAMES = ['trees', 'maxSamples'] as const;

/** The options a classifier detector (vcsa, vc) uses. */
export type ClassifierOptions = Pick<DetectorOptions, (typeof SHARED_OPTION_NAMES)[number] | (typeof CLASSIFIER_OPTION_NAMES)[number]>;
/** The options an Isolation Forest detector uses. */
export type IsolationForestOptions = Pick<DetectorOptions, (typeof SHARED_OPTION_NAMES)[number] | (typeof FOREST_OPTION_NAMES)[number]>;

/**
 * The options `method` uses. The others are accepted (one bag serves every method: saved models, the
 * command line, notebook settings), checked against their bounds, and not used.
 */
export function optionNamesOf(method: DetectorMethod): ReadonlyArray<keyof DetectorOptions> {
  return [...SHARED_OPTION_NAMES, ...(FOREST_METHODS.includes(method) ? FOREST_OPTION_NAMES : CLASSIFIER_OPTION_NAMES)];
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

/**
 * Upper bounds on the size options: beyond them training would run out of memory (or of patience)
 * long before it finished, so they are refused up front instead of dying in an allocation.
 */
export const OPTION_LIMITS = {
  syntheticRatio: 100,
  delta: 10,
  hiddenLayers: 16,
  hiddenWidth: 8192,
  batchSize: 1 << 20,
  epochs: 100_000,
  patience: 100_000,
  learningRate: 10,
  weightDecay: 10,
  seed: 2 ** 32 - 1,
  threads: 1024,
  trees: 10_000,
  maxSamples: 1 << 24,
} as const;

const intIn = (lo: number, hi: number): Check => (v) =>
  (Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi ? undefined : `an integer from ${lo} to ${hi}`);
const positiveUpTo = (hi: number): Check => (v) =>
  (typeof v === 'number' && v > 0 && v <= hi ? undefined : `a number > 0 and at most ${hi}`);
const nonNegativeUpTo = (hi: number): Check => (v) =>
  (typeof v === 'number' && v >= 0 && v <= hi ? undefined : `a number from 0 to ${hi}`);
const fraction: Check = (v) => (typeof v === 'number' && v >= 0 && v < 1 ? undefined : 'a number in [0, 1)');
const oneOf = (values: ReadonlyArray<string>): Check => (v) =>
  typeof v === 'string' && values.includes(v) ? undefined : `one of ${values.join(', ')}`;

const L = OPTION_LIMITS;
const CHECKS: Record<keyof DetectorOptions, Check> = {
  method: oneOf(DETECTOR_METHODS),
  known: (v) => (v === 'all' || (Array.isArray(v) && v.every((k) => typeof k === 'string' || typeof k === 'number'))
    ? undefined : "'all' or a list of anomaly type names"),
  syntheticRatio: positiveUpTo(L.syntheticRatio),
  delta: nonNegativeUpTo(L.delta),
  hidden: (v) => (Array.isArray(v) && v.length > 0 && v.length <= L.hiddenLayers && v.every((h) => Number.isInteger(h) && h > 0 && h <= L.hiddenWidth)
    ? undefined : `a list of 1 to ${L.hiddenLayers} layer widths, each an integer from 1 to ${L.hiddenWidth}`),
  activation: oneOf(['leaky_relu', 'relu']),
  loss: oneOf(['hinge', 'bce']),
  learningRate: positiveUpTo(L.learningRate),
  weightDecay: nonNegativeUpTo(L.weightDecay),
  batchSize: intIn(1, L.batchSize),
  epochs: intIn(1, L.epochs),
  patience: intIn(0, L.patience),
  validationSplit: fraction,
  targetFpr: fraction,
  seed: intIn(0, L.seed),
  backend: oneOf(['auto', 'blas', 'tensorflow', 'wasm', 'cpu']),
  threads: intIn(0, L.threads),
  trees: intIn(1, L.trees),
  maxSamples: intIn(2, L.maxSamples),
  contamination: (v) => (v === undefined || (typeof v === 'number' && v > 0 && v <= 0.5) ? undefined : 'a number in (0, 0.5]'),
};

/** How an option is named in messages: `detector option 'batchSize'` in code, `--batch-size` on the command line. */
export type OptionNamer = (key: string) => string;
const codeName: OptionNamer = (key) => `detector option '${key}'`;

/**
 * A bad detector option: a user mistake, reported in one line naming the option as the user wrote it.
 * `option` is its key in code and `problem` what is wrong with it (`must be …, got …`, `is not a detector
 * option (…)`), so callers can name it their way (a saved model's manifest: `field 'options.seed' must be …`).
 */
export class OptionError extends SynthadInputError {
  constructor(message: string, readonly option: string, readonly problem: string = message) {
    super(message);
    this.name = 'OptionError';
  }
}

/** Defaults merged with the given options; an unknown or bad option throws naming it and its value. */
export function resolveOptions(given: Partial<DetectorOptions> = {}, nameOf: OptionNamer = codeName): DetectorOptions {
  for (const key of Object.keys(given)) {
    if (!(key in CHECKS)) {
      const known = `(options: ${Object.keys(CHECKS).join(', ')})`;
      throw new OptionError(`unknown detector option '${key}' ${known}`, key, `is not a detector option ${known}`);
    }
  }
  const merged = { ...DEFAULT_OPTIONS, ...stripUndefined(given) } as DetectorOptions;
  for (const [key, check] of Object.entries(CHECKS) as [keyof DetectorOptions, Check][]) {
    const problem = check(merged[key]);
    if (problem !== undefined) {
      const what = `must be ${problem}, got ${JSON.stringify(merged[key])}`;
      throw new OptionError(`${nameOf(key)} ${what}`, key, what);
    }
  }
  const known = merged.known === 'all' ? 'all' : merged.known.map(String);
  return { ...merged, known };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
