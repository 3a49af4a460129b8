/**
 * Boosted trees as the classifier (DESIGN.md §1, "Beyond the paper"): 'gbt-sa' learns normal rows against
 * known and synthetic anomalies (the paper's framework with gradient-boosted trees), 'gbt' against known
 * anomalies only. The score is the model's log-odds of anomaly. Everything about the two methods is here:
 * training (the engine is gbt.ts), scoring, the saved trees (manifest field `boosted`, the trees file: three
 * little-endian arrays over every node of every tree, int32 features, float32 values, int32 left children)
 * and their checks, the ONNX subgraph (ai.onnx.ml TreeEnsembleRegressor).
 */
import type { Dataset } from '../data/types';
import { encode } from '../encode';
import {
  DetectorMethod,
  DetectorOptions,
  intIn,
  nonNegativeUpTo,
  OptionSpec,
  positiveUpTo,
  SHARED_OPTIONS,
} from '../options';
import type { SharedOptionName } from '../options';
import { resolveThreads } from '../backend';
import { BinaryRows, GBT_DEFAULTS, trainBoosted } from '../gbt';
import {
  BoostedTrees,
  compileTrees,
  MAX_TREE_DEPTH,
  RegressionTree,
  treeProblem,
  treeScorer,
  TreeScorer,
} from '../gbtModel';
import type { LabelledMatrix } from '../train';
import { thresholdAtFpr } from '../metrics';
import { SynthadInputError } from '../errors';
import type { TrainingRows } from './base';
import { CLASSIFIER_OPTIONS, classifierData } from './classifier';
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
import { OnnxGraph, OnnxScore, ONNX_INT64, ONNX_ML } from './onnxGraph';

declare module '../options' {
  interface DetectorMethods {
    /** Boosted trees on normal rows against known and synthetic anomalies. */
    'gbt-sa': BoostedOptions;
    /** Boosted trees on normal rows against known anomalies: needs labelled anomalies. */
    gbt: BoostedOptions;
  }
  interface DetectorOptions {
    /** Boosting: most rounds (trees). */
    readonly rounds: number;
    /** Boosting: depth of each tree. */
    readonly depth: number;
    /** Boosting: learning rate (shrinkage of each tree). */
    readonly eta: number;
    /** Boosting: L2 penalty on leaf values. */
    readonly lambda: number;
    /** Boosting: least hessian sum of a child. */
    readonly minChildWeight: number;
    /** Boosting: most bins per feature. */
    readonly bins: number;
    /** Boosting: rounds without a better validation loss before stopping (0: never). */
    readonly earlyStop: number;
  }
}

/** Most rounds: beyond them a model is too large to save or score quickly. */
export const MAX_ROUNDS = 100_000;

const C = CLASSIFIER_OPTIONS;
/** The boosted trees' options; those the classifier has too are its spec objects. */
const OPTIONS = {
  syntheticRatio: C.syntheticRatio,
  synthetic: C.synthetic,
  delta: C.delta,
  rounds: { default: GBT_DEFAULTS.rounds, check: intIn(1, MAX_ROUNDS), cli: { flag: 'rounds', value: 'integer' } },
  depth: { default: GBT_DEFAULTS.maxDepth, check: intIn(1, MAX_TREE_DEPTH), cli: { flag: 'depth', value: 'integer' } },
  eta: { default: GBT_DEFAULTS.learningRate, check: positiveUpTo(1), cli: { flag: 'eta', value: 'number' } },
  lambda: { default: GBT_DEFAULTS.lambda, check: nonNegativeUpTo(1e6), cli: { flag: 'lambda', value: 'number' } },
  minChildWeight: {
    default: GBT_DEFAULTS.minChildWeight,
    check: nonNegativeUpTo(1e9),
    cli: { flag: 'min-child-weight', value: 'number' },
  },
  bins: { default: GBT_DEFAULTS.maxBins, check: intIn(2, 256), cli: { flag: 'bins', value: 'integer' } },
  earlyStop: {
    default: GBT_DEFAULTS.earlyStopping,
    check: intIn(0, MAX_ROUNDS),
    cli: { flag: 'early-stop', value: 'integer' },
  },
  validationSplit: C.validationSplit,
  targetFpr: SHARED_OPTIONS.targetFpr,
  seed: SHARED_OPTIONS.seed,
  threads: C.threads,
} satisfies Record<string, OptionSpec>;

/** The options a boosted-tree detector (gbt-sa, gbt) uses. */
export type BoostedOptions = Pick<DetectorOptions, SharedOptionName | keyof typeof OPTIONS>;

/** A saved ensemble that passed checkSaved: what the trees file must hold. */
interface SavedTrees {
  readonly baseScore: number;
  readonly nodes: ReadonlyArray<number>;
  readonly treesFile: string;
  readonly cols: number;
  readonly maxDepth: number;
}

/** A tree that adds nothing. */
const ONE_LEAF: RegressionTree = { feature: Int32Array.of(-1), value: Float32Array.of(0), left: Int32Array.of(0) };

/** 4 bytes each of feature, value and left child per node. */
const BYTES_PER_NODE = 12;

/** The boosted-tree methods 'gbt-sa' (with synthetic anomalies) and 'gbt' (without); a fitted one holds its trees. */
export class BoostedTreesMethod implements MethodModel {
  static readonly methods: ReadonlyArray<DetectorMethod> = ['gbt-sa', 'gbt'];
  static readonly options: Readonly<Record<string, OptionSpec>> = OPTIONS;
  static readonly savedFields = ['boosted'];

  private scorer: TreeScorer | undefined;

  constructor(readonly trees: BoostedTrees) {}

  static displayName(options: DetectorOptions): string {
    return options.method === 'gbt' ? 'GBT' : 'GBT-SA';
  }

  static needsKnownAnomalies(options: DetectorOptions): boolean {
    return options.method === 'gbt';
  }

  static checkTrainingRows(data: Dataset, picked: TrainingRows, options: DetectorOptions): void {
    if (options.method === 'gbt' && picked.unlabelled) {
      throw new SynthadInputError('GBT needs labelled anomalies (use method gbt-sa or iforest)', { file: data.source });
    }
  }

  static async fit({ data, picked, encoder, rng, hooks, options: o }: FitInput): Promise<MethodFit> {
    const name = BoostedTreesMethod.displayName(o);
    const { split, train, validation } = classifierData(name, o, data, picked, encoder, rng, o.method === 'gbt-sa');
    const result = await trainBoosted(
      binaryRows(train),
      binaryRows(validation),
      {
        rounds: o.rounds,
        maxDepth: o.depth,
        learningRate: o.eta,
        lambda: o.lambda,
        minChildWeight: o.minChildWeight,
        maxBins: o.bins,
        earlyStopping: o.earlyStop,
        threads: resolveThreads(o.threads),
      },
      { onRound: hooks.onEpoch, signal: hooks.signal },
    );
    const model = new BoostedTreesMethod(result.model);
    const thresholdRows = split.validation.some((r) => picked.isNormal[r] === 1) ? split.validation : split.train;
    const normalRows = thresholdRows.filter((r) => picked.isNormal[r] === 1);
    const normals = encode(encoder, data, normalRows);
    const threshold = thresholdAtFpr(model.score(normals.x, normals.rows, normals.cols), o.targetFpr);
    const roundSeconds = result.history.reduce((a, h) => a + h.seconds, 0);
    // The threads that built the histograms (fewer than asked on small data); scoring is one thread.
    const threads = result.threads;
    const detail = `js + WebAssembly, ${threads} thread${threads === 1 ? '' : 's'}`;
    return {
      model,
      threshold,
      computeDetail: detail,
      summary: {
        source: data.source,
        backend: 'js',
        backendDetail: detail,
        threads,
        knownTypes: picked.knownTypes,
        heldOutTypes: picked.heldOutTypes,
        trainRows: split.train.length,
        validationRows: split.validation.length,
        syntheticRows: train.rows - split.train.length,
        // Rounds in place of epochs: one tree per round.
        epochs: result.rounds,
        bestEpoch: result.bestRound,
        bestValLoss: result.bestValLoss,
        stoppedEarly: result.stoppedEarly,
        cancelled: result.cancelled,
        seconds: result.seconds,
        rowsPerSecond: (train.rows * result.rounds) / Math.max(roundSeconds, 1e-6),
        history: result.history,
      },
    };
  }

  /** Log-odds of anomaly. */
  score(x: Float32Array, rows: number, width: number): Float64Array {
    if (this.scorer?.cols !== width) this.scorer = treeScorer(compileTrees(this.trees), width);
    return this.scorer.score(x, rows);
  }

  /** `boosted` (base score, tree and node counts, the trees file's name); the trees in the file. */
  save(files: ModelFileWriter): Record<string, unknown> {
    const { trees, baseScore, cols } = this.trees;
    const nodes = trees.map((t) => t.feature.length);
    const chunks: Uint8Array[] = [];
    for (const part of ['feature', 'value', 'left'] as const)
      for (const t of trees) chunks.push(new Uint8Array(t[part].buffer, t[part].byteOffset, t[part].byteLength));
    const treesFile = files.add(chunks);
    return { boosted: { version: 1, cols, baseScore, trees: trees.length, nodes, treesFile } };
  }

  static checkSaved(raw: Record<string, unknown>, at: SavedCheck): SavedTrees {
    const { options, width, must } = at;
    const b = raw.boosted;
    if (!isRecord(b)) return must('boosted', `an object (the trees of method '${options.method}')`, b);
    if (b.version !== 1) must('boosted.version', '1', b.version);
    if (b.cols !== width) must('boosted.cols', `${width}, the encoder's width (its encoded columns)`, b.cols);
    if (typeof b.baseScore !== 'number' || !Number.isFinite(b.baseScore))
      must('boosted.baseScore', 'a finite number', b.baseScore);
    if (!Number.isInteger(b.trees) || (b.trees as number) < 0 || (b.trees as number) > options.rounds)
      must('boosted.trees', `an integer in 0..${options.rounds} (options.rounds)`, b.trees);
    const most = 2 ** (options.depth + 1) - 1;
    const nodes = b.nodes;
    if (!Array.isArray(nodes) || nodes.length !== b.trees)
      must('boosted.nodes', `an array of ${b.trees as number} node counts (boosted.trees)`, nodes);
    (nodes as unknown[]).forEach((n, t) => {
      if (!Number.isInteger(n) || (n as number) < 1 || (n as number) > most || (n as number) % 2 !== 1)
        must(`boosted.nodes[${t}]`, `an odd integer in 1..${most} (a tree of depth ${options.depth} at most)`, n);
    });
    if (typeof b.treesFile !== 'string' || !DATA_FILE_NAME.test(b.treesFile))
      must('boosted.treesFile', 'a file name like weights-<hex>.bin in the model folder', b.treesFile);
    return {
      baseScore: b.baseScore as number,
      nodes: nodes as number[],
      treesFile: b.treesFile as string,
      cols: width,
      maxDepth: options.depth,
    };
  }

  static checkFiles(saved: SavedTrees, files: ModelFileReader): void {
    readTrees(saved, files);
  }

  static filesOf(raw: Record<string, unknown>): string[] {
    const b = raw.boosted;
    return isRecord(b) && typeof b.treesFile === 'string' ? [b.treesFile] : [];
  }

  static load(saved: SavedTrees, files: ModelFileReader): Promise<{ model: BoostedTreesMethod }> {
    const trees = readTrees(saved, files);
    return Promise.resolve({
      model: new BoostedTreesMethod({ cols: saved.cols, baseScore: saved.baseScore, trees }),
    });
  }

  /**
   * ai.onnx.ml TreeEnsembleRegressor, one target: the sum of the leaves reached plus the base score, with
   * the float32 thresholds SynthAD compares with (`x < value`: BRANCH_LT). Its float sum tree by tree is the
   * one `score` computes.
   */
  onnx(g: OnnxGraph, x: string): OnnxScore {
    const { trees, baseScore } = this.trees;
    const treeIds: number[] = [],
      nodeIds: number[] = [],
      featureIds: number[] = [],
      modes: string[] = [],
      values: number[] = [],
      trueIds: number[] = [],
      falseIds: number[] = [];
    const targetTree: number[] = [],
      targetNode: number[] = [],
      targetId: number[] = [],
      targetWeight: number[] = [];
    // A model of no trees (cancelled at once) scores its base everywhere: one leaf of value 0.
    const all = trees.length > 0 ? trees : [ONE_LEAF];
    all.forEach((tree, t) => {
      for (let n = 0; n < tree.feature.length; n++) {
        treeIds.push(t);
        nodeIds.push(n);
        const leaf = tree.feature[n] < 0;
        featureIds.push(leaf ? 0 : tree.feature[n]);
        modes.push(leaf ? 'LEAF' : 'BRANCH_LT');
        values.push(leaf ? 0 : tree.value[n]);
        trueIds.push(leaf ? 0 : tree.left[n]);
        falseIds.push(leaf ? 0 : tree.left[n] + 1);
        if (leaf) {
          targetTree.push(t);
          targetNode.push(n);
          targetId.push(0);
          targetWeight.push(tree.value[n]);
        }
      }
    });
    const out = g.op(
      'TreeEnsembleRegressor',
      [x],
      [
        { name: 'n_targets', i: 1 },
        { name: 'aggregate_function', s: 'SUM' },
        { name: 'post_transform', s: 'NONE' },
        { name: 'base_values', floats: [Math.fround(baseScore)] },
        { name: 'nodes_treeids', ints: treeIds },
        { name: 'nodes_nodeids', ints: nodeIds },
        { name: 'nodes_featureids', ints: featureIds },
        { name: 'nodes_modes', strings: modes },
        { name: 'nodes_values', floats: values },
        { name: 'nodes_truenodeids', ints: trueIds },
        { name: 'nodes_falsenodeids', ints: falseIds },
        { name: 'target_treeids', ints: targetTree },
        { name: 'target_nodeids', ints: targetNode },
        { name: 'target_ids', ints: targetId },
        { name: 'target_weights', floats: targetWeight },
      ],
      ONNX_ML,
    );
    return { score: g.op('Reshape', [out, g.tensor(ONNX_INT64, [1], [-1])]), finite: true };
  }

  dispose(): void {
    // typed arrays only: nothing to free
  }
}

registerMethod(BoostedTreesMethod);

/** Training rows as the engine takes them: label 1 = anomaly (y = -1), 0 = normal. */
function binaryRows(m: LabelledMatrix): BinaryRows {
  return { x: m.x, rows: m.rows, cols: m.cols, label: Uint8Array.from(m.y, (v) => (v < 0 ? 1 : 0)) };
}

/** The trees in the saved model's file, checked: the size the node counts give, every tree well formed. */
function readTrees(saved: SavedTrees, files: ModelFileReader): RegressionTree[] {
  const total = saved.nodes.reduce((a, n) => a + n, 0);
  const bytes = files.read(
    saved.treesFile,
    total * BYTES_PER_NODE,
    'trees file',
    (got) =>
      `expected ${total * BYTES_PER_NODE} bytes (${BYTES_PER_NODE} per node, ${total} nodes in ${saved.nodes.length} trees), got ${got}`,
  );
  const feature = new Int32Array(bytes.buffer, bytes.byteOffset, total);
  const value = new Float32Array(bytes.buffer, bytes.byteOffset + 4 * total, total);
  const left = new Int32Array(bytes.buffer, bytes.byteOffset + 8 * total, total);
  const trees: RegressionTree[] = [];
  let at = 0;
  saved.nodes.forEach((n, t) => {
    const tree = {
      feature: feature.slice(at, at + n),
      value: value.slice(at, at + n),
      left: left.slice(at, at + n),
    };
    const problem = treeProblem(tree, saved.cols, saved.maxDepth);
    if (problem !== undefined)
      throw new SynthadInputError(`${files.prefix}tree ${t}, ${problem}`, { file: files.where(saved.treesFile) });
    trees.push(tree);
    at += n;
  });
  return trees;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
