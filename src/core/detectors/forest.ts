/**
 * Isolation Forest (Liu et al. 2008), grown on normal training rows only: the one-class baseline. Everything
 * about the method is here: training, scoring, the saved trees (manifest field `forest`, plain JSON) and
 * their checks, the ONNX subgraph. The trees themselves are iforest.ts's.
 */
import { DetectorMethod, DetectorOptions, intIn, OptionSpec, SharedOptionName } from '../options';
import { encode, encodedLayout } from '../encode';
import { thresholdAtFpr } from '../metrics';
import {
  averagePathLength,
  checkIsolationForest,
  fitIsolationForest,
  IsolationForestModel,
  IsolationTree,
  scoreIsolationForest,
} from '../iforest';
import { SynthadInputError } from '../errors';
import { checkMatrixSize } from './base';
import { FitInput, MethodFit, MethodModel, registerMethod, SavedCheck } from './method';
import {
  OnnxAttribute,
  OnnxGraph,
  OnnxScore,
  ONNX_DOUBLE,
  ONNX_FLOAT,
  ONNX_INT64,
  ONNX_ML,
  roundUp32,
} from './onnxGraph';

declare module '../options' {
  interface DetectorMethods {
    /** Isolation Forest, grown on normal rows: the one-class baseline. */
    iforest: IsolationForestOptions;
  }
  interface DetectorOptions {
    /** Isolation Forest: trees. */
    readonly trees: number;
    /** Isolation Forest: rows per tree (at most the normal training rows). */
    readonly maxSamples: number;
  }
}

/** The forest's options: its size. */
const OPTIONS = {
  trees: { default: 100, check: intIn(1, 10_000), cli: { flag: 'trees', value: 'integer' } },
  maxSamples: { default: 256, check: intIn(2, 1 << 24), cli: { flag: 'max-samples', value: 'integer' } },
} satisfies Record<string, OptionSpec>;

/** The options an Isolation Forest detector uses. */
export type IsolationForestOptions = Pick<DetectorOptions, SharedOptionName | keyof typeof OPTIONS>;

/** The Isolation Forest method 'iforest' (options `trees` and `maxSamples`); a fitted one holds its trees. */
export class IsolationForestMethod implements MethodModel {
  static readonly methods: ReadonlyArray<DetectorMethod> = ['iforest'];
  static readonly options: Readonly<Record<string, OptionSpec>> = OPTIONS;
  static readonly savedFields = ['forest'];

  constructor(readonly forest: IsolationForestModel) {}

  static displayName(_options: DetectorOptions): string {
    return 'Isolation Forest';
  }

  static fit({ data, picked, encoder, rng, options: o }: FitInput): Promise<MethodFit> {
    const t0 = Date.now();
    // The one-class setting: the forest is grown on normal rows only.
    const normals = picked.rows.filter((r) => picked.isNormal[r] === 1);
    if (normals.length < 2) {
      throw new SynthadInputError(`Isolation Forest needs at least 2 normal training rows, got ${normals.length}`, {
        file: data.source,
      });
    }
    checkMatrixSize(data.source, normals.length, encodedLayout(encoder).width, 'rows');
    const m = encode(encoder, data, normals);
    const forest = fitIsolationForest(m.x, m.rows, m.cols, {
      nEstimators: o.trees,
      maxSamples: o.maxSamples,
      seed: rng.int(2 ** 31),
    });
    const scores = scoreIsolationForest(forest, m.x, m.rows, m.cols);
    const seconds = (Date.now() - t0) / 1000;
    return Promise.resolve({
      model: new IsolationForestMethod(forest),
      threshold: thresholdAtFpr(scores, o.targetFpr),
      summary: {
        source: data.source,
        backend: 'js',
        backendDetail: 'js, 1 thread',
        threads: 1,
        knownTypes: [],
        heldOutTypes: [...picked.knownTypes, ...picked.heldOutTypes].sort(),
        trainRows: m.rows,
        validationRows: 0,
        syntheticRows: 0,
        epochs: 0,
        bestEpoch: 0,
        bestValLoss: NaN,
        stoppedEarly: false,
        cancelled: false,
        seconds,
        rowsPerSecond: m.rows / Math.max(seconds, 1e-6),
        history: [],
      },
    });
  }

  score(x: Float32Array, rows: number, width: number): Float64Array {
    return scoreIsolationForest(this.forest, finiteForForest(x), rows, width);
  }

  save(): Record<string, unknown> {
    return { forest: this.forest };
  }

  static checkSaved(raw: Record<string, unknown>, at: SavedCheck): IsolationForestModel {
    const problem = checkIsolationForest(raw.forest, at.width);
    if (problem) at.fail(problem.field ? `forest.${problem.field}` : 'forest', problem.problem);
    return raw.forest as IsolationForestModel;
  }

  static filesOf(): string[] {
    return [];
  }

  static load(forest: IsolationForestModel): Promise<{ model: IsolationForestMethod }> {
    return Promise.resolve({ model: new IsolationForestMethod(forest) });
  }

  /**
   * ai.onnx.ml TreeEnsembleRegressor with one target per tree whose value is the index of the leaf reached
   * (splits rounded up to float32, so float32 x < split exactly as in SynthAD), Gather of the leaves' path
   * lengths (double), summed tree by tree in SynthAD's order, score = 2^(-sum / (trees c(psi))) in double; the
   * prediction compares the path sum with the bound where SynthAD's score passes the threshold, so it equals
   * SynthAD's exactly.
   */
  onnx(g: OnnxGraph, x: string): OnnxScore {
    const { trees, psi } = this.forest;
    if (trees.length === 0 || !(psi >= 2))
      throw new SynthadInputError(`not a fitted Isolation Forest: ${trees.length} trees, psi ${psi}`);
    const ensemble = treeAttributes(trees);
    const leaves = g.op('TreeEnsembleRegressor', [x], ensemble.attributes, ONNX_ML);
    g.valueInfo(leaves, ONNX_FLOAT, ['N', trees.length]);
    const index = g.op('Add', [
      g.op('Cast', [leaves], [{ name: 'to', i: ONNX_INT64 }]),
      g.tensor(ONNX_INT64, [trees.length], ensemble.offsets),
    ]);
    const paths = g.op(
      'Gather',
      [g.tensor(ONNX_DOUBLE, [ensemble.table.length], ensemble.table), index],
      [{ name: 'axis', i: 0 }],
    );
    // Summed tree by tree, in the order scoreIsolationForest adds them: the same double sum.
    let sum: string;
    if (trees.length === 1) {
      sum = paths;
    } else {
      const parts = g.op(
        'Split',
        [
          paths,
          g.tensor(
            ONNX_INT64,
            [trees.length],
            trees.map(() => 1),
          ),
        ],
        [{ name: 'axis', i: 1 }],
        '',
        undefined,
        trees.length,
      );
      const names = parts.split('\n');
      sum = names[0];
      for (let t = 1; t < names.length; t++) sum = g.op('Add', [sum, names[t]]);
    }
    const pathSum = g.op('Reshape', [sum, g.tensor(ONNX_INT64, [1], [-1])]);
    const norm = trees.length * averagePathLength(psi);
    const exponent = g.op('Div', [g.op('Neg', [pathSum]), g.tensor(ONNX_DOUBLE, [], [norm])]);
    const score = g.op(
      'Cast',
      [g.op('Pow', [g.tensor(ONNX_DOUBLE, [], [2]), exponent])],
      [{ name: 'to', i: ONNX_FLOAT }],
    );
    return {
      score,
      finite: true,
      above: (threshold) => g.op('Less', [pathSum, g.tensor(ONNX_DOUBLE, [], [pathSumBound(norm, threshold)])]),
    };
  }

  dispose(): void {
    // plain JSON: nothing to free
  }
}

registerMethod(IsolationForestMethod);

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

/** TreeEnsembleRegressor attributes: one target per tree, valued by the index of the leaf reached in that tree. */
function treeAttributes(trees: ReadonlyArray<IsolationTree>): {
  attributes: OnnxAttribute[];
  offsets: number[];
  table: number[];
} {
  const treeIds: number[] = [],
    nodeIds: number[] = [],
    featureIds: number[] = [],
    modes: string[] = [],
    values: number[] = [];
  const trueIds: number[] = [],
    falseIds: number[] = [];
  const targetTree: number[] = [],
    targetNode: number[] = [],
    targetId: number[] = [],
    targetWeight: number[] = [];
  const offsets: number[] = [],
    table: number[] = [];
  trees.forEach((tree, t) => {
    offsets.push(table.length);
    let leaves = 0;
    for (let n = 0; n < tree.feature.length; n++) {
      treeIds.push(t);
      nodeIds.push(n);
      if (tree.feature[n] < 0) {
        featureIds.push(0);
        modes.push('LEAF');
        values.push(0);
        trueIds.push(0);
        falseIds.push(0);
        targetTree.push(t);
        targetNode.push(n);
        targetId.push(t);
        targetWeight.push(leaves++);
        table.push(tree.leafPath[n]);
      } else {
        // x < split (float32 x, double split) exactly when x < the smallest float32 >= split.
        featureIds.push(tree.feature[n]);
        modes.push('BRANCH_LT');
        values.push(roundUp32(tree.split[n]));
        trueIds.push(tree.left[n]);
        falseIds.push(tree.right[n]);
      }
    }
    if (leaves >= 2 ** 24) throw new SynthadInputError(`tree ${t} has too many leaves to export (${leaves})`);
  });
  const attributes: OnnxAttribute[] = [
    { name: 'n_targets', i: trees.length },
    { name: 'aggregate_function', s: 'SUM' },
    { name: 'post_transform', s: 'NONE' },
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
  ];
  return { attributes, offsets, table };
}

/**
 * The path sum from which SynthAD's forest score 2^(-sum / norm) is no longer above `threshold`: rows with a
 * smaller (non-negative) path sum are anomalies. Found by bisection over the doubles with SynthAD's own
 * arithmetic, so the prediction does not depend on how a runtime computes the power.
 */
export function pathSumBound(norm: number, threshold: number): number {
  const above = (sum: number): boolean => Math.pow(2, -sum / norm) > threshold;
  if (!above(0)) return 0;
  if (above(Number.MAX_VALUE)) return Infinity;
  let lo = doubleBits(0),
    hi = doubleBits(Number.MAX_VALUE); // above(lo), !above(hi)
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (above(bitsDouble(mid))) lo = mid;
    else hi = mid;
  }
  return bitsDouble(hi);
}

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);
function doubleBits(v: number): bigint {
  f64[0] = v;
  return u64[0];
}
function bitsDouble(b: bigint): number {
  u64[0] = b;
  return f64[0];
}
