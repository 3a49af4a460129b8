/**
 * VC-SA and VC (DESIGN.md §1): an MLP trained on normal rows (+1) against known anomalies and, for VC-SA,
 * synthetic anomalies drawn over the data's box (-1); the anomaly score is -f(x). Everything about the two
 * methods is here: training, scoring, the saved network (manifest fields `mlp` and `weightsFile`, the weights
 * file: little-endian float32, layer after layer) and its checks, the ONNX subgraph.
 */
import type { Dataset } from '../data/types';
import { encode, EncoderState, encodedLayout } from '../encode';
import {
  DetectorMethod,
  DetectorOptions,
  fraction,
  intIn,
  nonNegativeUpTo,
  oneOf,
  OptionSpec,
  positiveUpTo,
  SHARED_OPTIONS,
  SharedOptionName,
} from '../options';
import { trainMlp, LabelledMatrix, TrainResult, TrainSettings } from '../train';
import { FlagFrequencies, flagFrequencies, SyntheticSampler, syntheticAnomalies, SYNTHETIC_OPTION } from '../synthetic';
import type { Rng } from '../rng';
import { BackendName, createNetwork, describeBackend, resolveThreads, selectBackend } from '../backend';
import { LEAKY_SLOPE } from '../network';
import type { Activation, Network } from '../network';
import { thresholdAtFpr } from '../metrics';
import { trainValidationSplit } from '../split';
import { SynthadInputError } from '../errors';
import { show } from '../modelCheck';
import { checkMatrixSize, TrainingRows } from './base';
import {
  DATA_FILE_NAME,
  FitInput,
  MethodFit,
  MethodModel,
  ModelFileReader,
  ModelFileWriter,
  registerMethod,
  SavedCheck,
} from './method';
import { OnnxGraph, OnnxScore, ONNX_FLOAT, ONNX_INT64 } from './onnxGraph';

declare module '../options' {
  interface DetectorMethods {
    /** Classifier with synthetic anomalies: the paper's method. */
    vcsa: ClassifierOptions;
    /** Classifier without synthetic anomalies: needs labelled anomalies. */
    vc: ClassifierOptions;
  }
  /** The classifier's options (vcsa, vc); the training settings (loss, learning rate, batch size, epochs, …) are train.ts's. */
  interface DetectorOptions extends TrainSettings {
    /** Synthetic anomalies per real training row (vcsa). */
    readonly syntheticRatio: number;
    /** How synthetic anomalies draw flags and categories: 'marginal' (their frequencies) or 'uniform' (the paper's). */
    readonly synthetic: SyntheticSampler;
    /** Widen the sampling box [0,1]^d to [-delta, 1+delta]^d. */
    readonly delta: number;
    readonly hidden: ReadonlyArray<number>;
    readonly activation: Activation;
    readonly validationSplit: number;
    readonly backend: BackendName | 'auto';
    /** Threads for training and scoring (the BLAS's threads, or data-parallel workers on wasm); 0 = every core. */
    readonly threads: number;
  }
}

/**
 * Upper bounds on the classifier's size options: beyond them training would run out of memory (or of
 * patience) long before it finished, so they are refused up front instead of dying in an allocation.
 */
export const CLASSIFIER_LIMITS = {
  syntheticRatio: 100,
  delta: 10,
  hiddenLayers: 16,
  hiddenWidth: 8192,
  batchSize: 1 << 20,
  epochs: 100_000,
  patience: 100_000,
  learningRate: 10,
  weightDecay: 10,
  threads: 1024,
} as const;

const L = CLASSIFIER_LIMITS;
/** The classifier's options: synthetic anomalies, the network, its training and where it computes. */
const OPTIONS = {
  syntheticRatio: { default: 1, check: positiveUpTo(L.syntheticRatio), cli: { flag: 'ratio', value: 'number' } },
  synthetic: SYNTHETIC_OPTION,
  delta: { default: 0, check: nonNegativeUpTo(L.delta), cli: { flag: 'delta', value: 'number' } },
  hidden: {
    default: [500, 500],
    check: (v) =>
      Array.isArray(v) &&
      v.length > 0 &&
      v.length <= L.hiddenLayers &&
      v.every((h) => Number.isInteger(h) && h > 0 && h <= L.hiddenWidth)
        ? undefined
        : `a list of 1 to ${L.hiddenLayers} layer widths, each an integer from 1 to ${L.hiddenWidth}`,
    cli: {
      flag: 'hidden',
      value: {
        expected: 'layer widths separated by commas, e.g. 500,500',
        parse: (t) => (/^\s*\d+\s*(,\s*\d+\s*)*$/.test(t) ? t.split(',').map(Number) : undefined),
      },
    },
  },
  activation: {
    default: 'leaky_relu',
    check: oneOf(['leaky_relu', 'relu']),
    cli: { flag: 'activation', value: 'text' },
  },
  loss: { default: 'hinge', check: oneOf(['hinge', 'bce']), cli: { flag: 'loss', value: 'text' } },
  learningRate: { default: 1e-3, check: positiveUpTo(L.learningRate), cli: { flag: 'lr', value: 'number' } },
  weightDecay: { default: 1e-2, check: nonNegativeUpTo(L.weightDecay), cli: { flag: 'weight-decay', value: 'number' } },
  batchSize: { default: 1024, check: intIn(1, L.batchSize), cli: { flag: 'batch-size', value: 'integer' } },
  epochs: { default: 200, check: intIn(1, L.epochs), cli: { flag: 'epochs', value: 'integer' } },
  patience: { default: 7, check: intIn(0, L.patience), cli: { flag: 'patience', value: 'integer' } },
  validationSplit: { default: 0.2, check: fraction, cli: { flag: 'val-split', value: 'number' } },
  // Shared, listed here to keep the bag's order of saved models: the threshold's rate and the seed.
  targetFpr: SHARED_OPTIONS.targetFpr,
  seed: SHARED_OPTIONS.seed,
  backend: {
    default: 'auto',
    check: oneOf(['auto', 'blas', 'tensorflow', 'wasm', 'cpu']),
    cli: { flag: 'backend', value: 'text' },
  },
  threads: { default: 0, check: intIn(0, L.threads), cli: { flag: 'threads', value: 'integer' } },
} satisfies Record<string, OptionSpec>;

/** The classifier's option specs: methods that share an option (boosted.ts) list the same spec object. */
export const CLASSIFIER_OPTIONS = OPTIONS;

/** The options a classifier detector (vcsa, vc) uses. */
export type ClassifierOptions = Pick<DetectorOptions, SharedOptionName | keyof typeof OPTIONS>;

/** The weights file of models saved before the manifest named it (`weightsFile`). */
export const LEGACY_WEIGHTS_FILE = 'weights.bin';
/** At most this many bytes of weights (float32) in a model. */
export const MAX_WEIGHT_BYTES = 1024 * 1024 * 1024;

/** A saved network that passed checkSaved: its shape, the weights file and the bytes that file must have. */
interface SavedNetwork {
  readonly mlp: {
    readonly inputs: number;
    readonly hidden: ReadonlyArray<number>;
    readonly activation: Activation;
    readonly shapes: number[][];
  };
  readonly weightsFile: string;
  /** 4 per float32 weight. */
  readonly weightBytes: number;
}

/** The classifier methods 'vcsa' (with synthetic anomalies, the paper's method) and 'vc' (without); a fitted one holds its network. */
export class ClassifierMethod implements MethodModel {
  static readonly methods: ReadonlyArray<DetectorMethod> = ['vcsa', 'vc'];
  static readonly options: Readonly<Record<string, OptionSpec>> = OPTIONS;
  static readonly savedFields = ['mlp', 'weightsFile'];

  constructor(readonly network: Network) {}

  static displayName(options: DetectorOptions): string {
    return options.method === 'vc' ? 'VC' : 'VC-SA';
  }

  static needsKnownAnomalies(options: DetectorOptions): boolean {
    return options.method === 'vc';
  }

  static checkTrainingRows(data: Dataset, picked: TrainingRows, options: DetectorOptions): void {
    if (options.method === 'vc' && picked.unlabelled) {
      throw new SynthadInputError('VC needs labelled anomalies (use method vcsa or iforest)', { file: data.source });
    }
  }

  static async fit({ data, picked, encoder, rng, hooks, options: o }: FitInput): Promise<MethodFit> {
    const { split, train, validation } = classifierData(ClassifierMethod.displayName(o), o, data, picked, encoder, rng);
    const choice = await selectBackend(o.backend);
    const threads = resolveThreads(o.threads);
    const backendDetail = describeBackend(choice, threads);
    const mlp = createNetwork(
      choice,
      { inputs: train.cols, hidden: o.hidden, activation: o.activation },
      rng.fork(),
      threads,
    );
    let result: TrainResult;
    try {
      result = await trainMlp(mlp, train, validation, o, rng.fork(), hooks);
    } catch (err) {
      mlp.dispose();
      throw err;
    }
    const thresholdRows = split.validation.some((r) => picked.isNormal[r] === 1) ? split.validation : split.train;
    const normalRows = thresholdRows.filter((r) => picked.isNormal[r] === 1);
    const threshold = thresholdAtFpr(
      negate(mlp.predict(encode(encoder, data, normalRows).x, normalRows.length)),
      o.targetFpr,
    );
    const epochSeconds = result.history.reduce((a, h) => a + h.seconds, 0);
    return {
      model: new ClassifierMethod(mlp),
      threshold,
      computeDetail: backendDetail,
      summary: {
        source: data.source,
        backend: choice.backend,
        backendDetail,
        threads,
        knownTypes: picked.knownTypes,
        heldOutTypes: picked.heldOutTypes,
        trainRows: split.train.length,
        validationRows: split.validation.length,
        syntheticRows: train.rows - split.train.length,
        epochs: result.epochs,
        bestEpoch: result.bestEpoch,
        bestValLoss: result.bestValLoss,
        stoppedEarly: result.stoppedEarly,
        cancelled: result.cancelled,
        seconds: result.seconds,
        rowsPerSecond: (train.rows * result.epochs) / Math.max(epochSeconds, 1e-6),
        history: result.history,
      },
    };
  }

  score(x: Float32Array, rows: number): Float64Array {
    return negate(this.network.predict(x, rows));
  }

  /** `mlp` (the shape and each weight array's shape) and `weightsFile`, the file of the weights. */
  save(files: ModelFileWriter): Record<string, unknown> {
    const weights = this.network.getWeights(); // a copy
    const weightsFile = files.add(weights.values.map((v) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength)));
    return { mlp: { ...this.network.shape, shapes: weights.shapes.map((s) => [...s]) }, weightsFile };
  }

  static checkSaved(raw: Record<string, unknown>, at: SavedCheck): SavedNetwork {
    const { options, width, must, fail } = at;
    const m = raw.mlp;
    if (!isRecord(m)) return must('mlp', `an object (the network of method '${options.method}')`, m);
    if (m.inputs !== width) must('mlp.inputs', `${width}, the encoder's width (its encoded columns)`, m.inputs);
    const hidden = m.hidden;
    if (
      !Array.isArray(hidden) ||
      hidden.length !== options.hidden.length ||
      hidden.some((h, i) => h !== options.hidden[i])
    ) {
      must('mlp.hidden', `${show(options.hidden)}, as options.hidden`, hidden);
    }
    if (m.activation !== options.activation)
      must('mlp.activation', `${show(options.activation)}, as options.activation`, m.activation);
    const sizes = [width, ...options.hidden, 1];
    const want: number[][] = [];
    for (let l = 0; l + 1 < sizes.length; l++) want.push([sizes[l], sizes[l + 1]], [sizes[l + 1]]);
    const shapes = m.shapes;
    if (!Array.isArray(shapes) || shapes.length !== want.length) {
      must('mlp.shapes', `${want.length} arrays (weights and biases of ${want.length / 2} layers)`, shapes);
    }
    const chain = `the layers must chain: inputs ${width}, hidden ${show(options.hidden)}`;
    want.forEach((w, i) => {
      const s: unknown = (shapes as unknown[])[i];
      if (!Array.isArray(s) || s.length !== w.length || s.some((v, k) => v !== w[k]))
        must(`mlp.shapes[${i}]`, `${show(w)} (${chain})`, s);
    });
    const weightBytes = want.reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0) * 4;
    if (weightBytes > MAX_WEIGHT_BYTES) {
      fail(
        'mlp.shapes',
        `must describe at most ${MAX_WEIGHT_BYTES / 2 ** 20} MiB of weights, got ${weightBytes} bytes`,
      );
    }
    if (
      raw.weightsFile !== undefined &&
      (typeof raw.weightsFile !== 'string' || !DATA_FILE_NAME.test(raw.weightsFile))
    ) {
      must('weightsFile', 'a file name like weights-<hex>.bin in the model folder', raw.weightsFile);
    }
    return {
      mlp: { inputs: width, hidden: options.hidden, activation: options.activation, shapes: want },
      weightsFile: raw.weightsFile === undefined ? LEGACY_WEIGHTS_FILE : (raw.weightsFile as string),
      weightBytes,
    };
  }

  static checkFiles(saved: SavedNetwork, files: ModelFileReader): void {
    readWeights(saved, files);
  }

  static filesOf(raw: Record<string, unknown>): string[] {
    if (typeof raw.weightsFile === 'string') return [raw.weightsFile];
    return raw.mlp !== undefined ? [LEGACY_WEIGHTS_FILE] : [];
  }

  static async load(
    saved: SavedNetwork,
    files: ModelFileReader,
    options: DetectorOptions,
  ): Promise<{ model: ClassifierMethod; computeDetail: string }> {
    const values = readWeights(saved, files);
    const choice = await selectBackend(options.backend);
    const threads = resolveThreads(options.threads);
    const { inputs, hidden, activation, shapes } = saved.mlp;
    const network = createNetwork(choice, { inputs, hidden, activation }, { shapes, values }, threads);
    return { model: new ClassifierMethod(network), computeDetail: describeBackend(choice, threads) };
  }

  /** Gemm (+ LeakyRelu / Relu) per layer -> f [N, 1]; score = -f. */
  onnx(g: OnnxGraph, x: string, width: number): OnnxScore {
    const w = this.network.getWeights();
    const layers: Array<{ inputs: number; outputs: number; weights: Float32Array; bias: Float32Array }> = [];
    for (let i = 0; i + 1 < w.values.length; i += 2) {
      const [inputs, outputs] = w.shapes[i];
      layers.push({ inputs, outputs, weights: w.values[i], bias: w.values[i + 1] });
    }
    let inputs = width;
    layers.forEach((l, i) => {
      if (l.inputs !== inputs || l.weights.length !== l.inputs * l.outputs || l.bias.length !== l.outputs) {
        throw new SynthadInputError(
          `the network's layer ${i + 1} does not fit: expected ${inputs} inputs, weights [${l.inputs}, ${l.outputs}] and bias [${l.outputs}]`,
        );
      }
      inputs = l.outputs;
    });
    if (layers.length === 0 || inputs !== 1) throw new SynthadInputError('the network must end in one output');
    const activation = this.network.shape.activation;
    const slope = activation === 'relu' ? 0 : LEAKY_SLOPE;
    let h = x;
    layers.forEach((layer, l) => {
      h = g.op('Gemm', [
        h,
        g.tensor(ONNX_FLOAT, [layer.inputs, layer.outputs], layer.weights),
        g.tensor(ONNX_FLOAT, [layer.outputs], layer.bias),
      ]);
      if (l < layers.length - 1) {
        h = activation === 'relu' ? g.op('Relu', [h]) : g.op('LeakyRelu', [h], [{ name: 'alpha', f: slope }]);
      }
    });
    return { score: g.op('Neg', [g.op('Reshape', [h, g.tensor(ONNX_INT64, [1], [-1])])]) };
  }

  dispose(): void {
    this.network.dispose();
  }
}

registerMethod(ClassifierMethod);

/** The weights in the saved model's files, checked: the size the shapes give, every value finite. */
function readWeights(saved: SavedNetwork, files: ModelFileReader): Float32Array[] {
  const { weightsFile, weightBytes, mlp } = saved;
  const bytes = files.read(
    weightsFile,
    weightBytes,
    'weights file',
    (got) => `expected ${weightBytes} bytes of float32 weights for layers ${JSON.stringify(mlp.shapes)}, got ${got}`,
  );
  const all = new Float32Array(bytes.buffer, bytes.byteOffset, weightBytes / 4);
  const out: Float32Array[] = [];
  let offset = 0;
  for (const s of mlp.shapes) {
    const n = s.reduce((a, b) => a * b, 1);
    out.push(all.slice(offset, offset + n));
    offset += n;
  }
  checkWeightValues(out, files.where(weightsFile), files.prefix);
  return out;
}

/** Throws naming the weights file and array unless every weight is finite. */
function checkWeightValues(values: ReadonlyArray<Float32Array>, file: string, prefix: string): void {
  values.forEach((v, i) => {
    for (let k = 0; k < v.length; k++) {
      if (!Number.isFinite(v[k])) {
        throw new SynthadInputError(
          `${prefix}weight array 'mlp.shapes[${i}]' (layer ${Math.floor(i / 2) + 1} ${i % 2 === 0 ? 'weights' : 'biases'}) holds ${v[k]} at index ${k}; weights must be finite numbers`,
          { file },
        );
      }
    }
  });
}

/**
 * The classifier's training and validation matrices: real rows split, then synthetic anomalies appended
 * when `synthetic` (vcsa, gbt-sa). Consumes `rng` as fit does; exported for benchmarks that train a peer on
 * the same rows.
 */
export function classifierData(
  name: string,
  o: DetectorOptions,
  data: Dataset,
  picked: TrainingRows,
  encoder: EncoderState,
  rng: Rng,
  synthetic = o.method === 'vcsa',
): { split: ReturnType<typeof trainValidationSplit>; train: LabelledMatrix; validation: LabelledMatrix } {
  const split = trainValidationSplit(picked.rows, picked.isNormal, o.validationSplit, rng.fork());
  const sampler = rng.fork();
  // The 'marginal' sampler draws flags at their frequencies among the normal rows the model trains on.
  let frequencies: FlagFrequencies | undefined;
  if (synthetic && o.synthetic === 'marginal') {
    const normals = split.train.filter((r) => picked.isNormal[r] === 1);
    const m = encode(encoder, data, normals.length > 0 ? normals : split.train);
    frequencies = flagFrequencies(encodedLayout(encoder), m.x, m.rows);
  }
  const train = labelledRows(
    encoder,
    data,
    picked.isNormal,
    split.train,
    synthetic ? Math.round(o.syntheticRatio * split.train.length) : 0,
    sampler,
    o.delta,
    frequencies,
  );
  const validation = labelledRows(
    encoder,
    data,
    picked.isNormal,
    split.validation,
    synthetic ? Math.round(o.syntheticRatio * split.validation.length) : 0,
    sampler,
    o.delta,
    frequencies,
  );
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
  encoder: EncoderState,
  data: Dataset,
  isNormal: Uint8Array,
  rows: Uint32Array,
  syntheticCount: number,
  rng: Rng,
  delta: number,
  frequencies: FlagFrequencies | undefined,
): LabelledMatrix {
  const layout = encodedLayout(encoder);
  checkMatrixSize(
    data.source,
    rows.length + syntheticCount,
    layout.width,
    syntheticCount > 0 ? 'real and synthetic rows (lower the synthetic ratio, --ratio)' : 'rows',
  );
  const real = encode(encoder, data, rows);
  const total = real.rows + syntheticCount;
  const x = new Float32Array(total * real.cols);
  x.set(real.x);
  x.set(syntheticAnomalies(layout, syntheticCount, rng, delta, frequencies), real.x.length);
  const y = new Float32Array(total).fill(-1);
  rows.forEach((r, i) => {
    y[i] = isNormal[r] === 1 ? 1 : -1;
  });
  return { x, y, rows: total, cols: real.cols };
}

function negate(f: Float32Array): Float64Array {
  return Float64Array.from(f, (v) => -v);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
