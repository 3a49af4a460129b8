/**
 * Exports a fitted detector as one ONNX graph that takes the raw feature columns and returns the score and
 * the prediction, so any ONNX runtime scores rows like `Detector.score` and `Detector.predict`.
 *
 * Interface: one input per feature column the model was trained on, named as the column, shape [N, 1]:
 * `float` for numeric and binary columns (NaN = missing; `double` with { numericInput: 'double' }), `string`
 * for categorical ones (a category not seen in training, or '' for missing, encodes as no category). Outputs
 * `score` (float [N], higher = more anomalous) and `prediction` (int64 [N], 1 = anomaly: score > threshold).
 * A row with an encoded value beyond OUT_OF_RANGE training ranges scores +Infinity and is predicted 1, as in
 * SynthAD; so does a row whose score comes out NaN or infinite.
 *
 * Graph (ai.onnx opset 17, ai.onnx.ml opset 3, IR version 8):
 *   numeric inputs -> Concat -> Cast(double) -> Sub(min) -> Div(max - min) -> Where(IsNaN, (mean - min) / span)
 *     -> Cast(float): the same double arithmetic and float32 rounding as encode.ts;
 *   categorical inputs -> ai.onnx.ml OneHotEncoder(categories, zeros = 1) -> Reshape [N, C];
 *   Concat (+ Gather into the encoder's column order) -> X [N, W] float;
 *   out of range: ReduceMin / ReduceMax over each row against the OUT_OF_RANGE bounds;
 *   MLP (VC-SA, VC): Gemm (+ LeakyRelu / Relu) per layer -> f [N, 1]; score = -f;
 *   Isolation Forest: ai.onnx.ml TreeEnsembleRegressor with one target per tree whose value is the index of the
 *     leaf reached (splits rounded up to float32, so float32 x < split exactly as in SynthAD), Gather of the
 *     leaves' path lengths (double), summed tree by tree in SynthAD's order, score = 2^(-sum / (trees c(psi)))
 *     in double; the prediction compares the path sum with the bound where SynthAD's score passes the
 *     threshold, so it equals SynthAD's exactly.
 */
import * as fs from 'fs';
import type { Detector } from '../core/detector';
import { OUT_OF_RANGE } from '../core/detector';
import type { IsolationTree } from '../core/iforest';
import { averagePathLength } from '../core/iforest';
import { LEAKY_SLOPE } from '../core/network';
import { SynthadInputError } from '../core/errors';
import { partialPath, releasePartial, removePartial } from '../core/safeFiles';
import { SYNTHAD_VERSION } from '../core/version';
import { littleEndianFloat32, littleEndianFloat64, littleEndianInt64, ProtoWriter } from './protobuf';

// ---------------------------------------------------------------------------------------------------------------
// What the graph is built from: the one adapter that reads a detector's fitted state

/** One feature column as the graph encodes it (encode.ts's FeatureEncoding). */
export type OnnxFeature =
  | { readonly name: string; readonly kind: 'numeric' | 'binary'; readonly mean: number; readonly min: number; readonly max: number }
  | { readonly name: string; readonly kind: 'categorical'; readonly categories: ReadonlyArray<string> };

export interface OnnxMlpLayer {
  readonly inputs: number;
  readonly outputs: number;
  /** Row-major [inputs, outputs]. */
  readonly weights: Float32Array;
  readonly bias: Float32Array;
}

export interface OnnxTree {
  readonly feature: ArrayLike<number>;
  readonly split: ArrayLike<number>;
  readonly left: ArrayLike<number>;
  readonly right: ArrayLike<number>;
  readonly leafPath: ArrayLike<number>;
}

/** Everything the exported graph needs, independent of how a Detector keeps its fitted state. */
export interface OnnxSource {
  /** e.g. 'VC-SA', for the model's description. */
  readonly method: string;
  readonly features: ReadonlyArray<OnnxFeature>;
  /** predict: score > threshold. */
  readonly threshold: number;
  /** Encoded values outside [-outOfRange, 1 + outOfRange] make a row score +Infinity. */
  readonly outOfRange: number;
  readonly model:
    | { readonly kind: 'mlp'; readonly activation: 'leaky_relu' | 'relu'; readonly slope: number; readonly layers: ReadonlyArray<OnnxMlpLayer> }
    | { readonly kind: 'forest'; readonly psi: number; readonly trees: ReadonlyArray<OnnxTree> };
}

/** Reads what the graph needs from a fitted detector: the only place that knows `detector.fitted`'s shape. */
export function onnxSource(detector: Detector): OnnxSource {
  const s = detector.fitted;
  const features: OnnxFeature[] = s.encoder.features.map((f) =>
    f.kind === 'categorical'
      ? { name: f.name, kind: 'categorical', categories: [...f.categories] }
      : { name: f.name, kind: f.kind, mean: f.mean, min: f.min, max: f.max });
  const base = { method: detector.name, features, threshold: s.threshold, outOfRange: OUT_OF_RANGE };
  if (s.forest !== undefined) {
    return { ...base, model: { kind: 'forest', psi: s.forest.psi, trees: s.forest.trees.map((t: IsolationTree) => t) } };
  }
  if (s.mlp !== undefined) {
    const w = s.mlp.getWeights();
    const layers: OnnxMlpLayer[] = [];
    for (let i = 0; i + 1 < w.values.length; i += 2) {
      const [inputs, outputs] = w.shapes[i];
      layers.push({ inputs, outputs, weights: w.values[i], bias: w.values[i + 1] });
    }
    const activation = s.mlp.shape.activation;
    return { ...base, model: { kind: 'mlp', activation, slope: activation === 'relu' ? 0 : LEAKY_SLOPE, layers } };
  }
  throw new SynthadInputError('this detector has neither a network nor a forest to export');
}

// ---------------------------------------------------------------------------------------------------------------
// Public API

export interface OnnxExportOptions {
  /** Element type of numeric and binary inputs: 'float' (default) or 'double' (raw values not rounded to float32 first). */
  readonly numericInput?: 'float' | 'double';
  /** Output names; default 'score' and 'prediction'. Must differ from every feature column's name. */
  readonly scoreName?: string;
  readonly predictionName?: string;
}

export interface OnnxInterface {
  readonly inputs: ReadonlyArray<{ readonly name: string; readonly type: 'float' | 'double' | 'string'; readonly shape: readonly ['N', 1] }>;
  readonly outputs: ReadonlyArray<{ readonly name: string; readonly type: 'float' | 'int64'; readonly shape: readonly ['N'] }>;
}

export interface OnnxExport extends OnnxInterface {
  readonly bytes: number;
  readonly file: string;
}

/** ONNX opsets the graph uses. */
export const ONNX_OPSET = 17;
export const ONNX_ML_OPSET = 3;
export const ONNX_IR_VERSION = 8;

/** The serialized ONNX model (a ModelProto) of a fitted detector. */
export function onnxModelBytes(detector: Detector, options: OnnxExportOptions = {}): Uint8Array {
  return buildOnnxModel(onnxSource(detector), options);
}

/**
 * Writes the detector as an ONNX model to `file` (replaced whole: written to a partial file, then renamed);
 * returns its interface and size.
 */
export function exportOnnx(detector: Detector, file: string, options: OnnxExportOptions = {}): OnnxExport {
  const source = onnxSource(detector);
  const bytes = buildOnnxModel(source, options);
  const partial = partialPath(file);
  try {
    fs.writeFileSync(partial, bytes);
    fs.renameSync(partial, file);
    releasePartial(partial);
  } catch (err) {
    removePartial(partial);
    throw new SynthadInputError(`cannot write the ONNX model (${(err as Error).message})`, { file });
  }
  return { ...onnxInterface(source, options), bytes: bytes.length, file };
}

/** The inputs and outputs of the graph `buildOnnxModel` makes from `source`. */
export function onnxInterface(source: OnnxSource, options: OnnxExportOptions = {}): OnnxInterface {
  const numeric = options.numericInput ?? 'float';
  return {
    inputs: source.features.map((f) => ({ name: f.name, type: f.kind === 'categorical' ? 'string' : numeric, shape: ['N', 1] as const })),
    outputs: [
      { name: options.scoreName ?? 'score', type: 'float', shape: ['N'] as const },
      { name: options.predictionName ?? 'prediction', type: 'int64', shape: ['N'] as const },
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The graph

const FLOAT = 1, INT64 = 7, STRING = 8, BOOL = 9, DOUBLE = 11;
const ML = 'ai.onnx.ml';

export function buildOnnxModel(source: OnnxSource, options: OnnxExportOptions = {}): Uint8Array {
  const scoreName = options.scoreName ?? 'score';
  const predictionName = options.predictionName ?? 'prediction';
  const numericType = (options.numericInput ?? 'float') === 'double' ? DOUBLE : FLOAT;
  checkSource(source, scoreName, predictionName);
  const g = new GraphBuilder([...source.features.map((f) => f.name), scoreName, predictionName]);

  // Inputs and encoding.
  const numeric = source.features.filter((f): f is Extract<OnnxFeature, { kind: 'numeric' | 'binary' }> => f.kind !== 'categorical');
  for (const f of source.features) g.input(f.name, f.kind === 'categorical' ? STRING : numericType, ['N', 1]);
  const blocks: string[] = [];
  const blockStart = new Map<string, number>();
  let width = 0;
  if (numeric.length > 0) {
    const x = numeric.length === 1 ? numeric[0].name : g.op('Concat', numeric.map((f) => f.name), [{ name: 'axis', i: 1 }]);
    const x64 = numericType === DOUBLE ? x : g.op('Cast', [x], [{ name: 'to', i: DOUBLE }]);
    const mins = g.tensor(DOUBLE, [numeric.length], numeric.map((f) => f.min));
    const spans = g.tensor(DOUBLE, [numeric.length], numeric.map((f) => f.max - f.min));
    const fills = g.tensor(DOUBLE, [numeric.length], numeric.map((f) => (f.mean - f.min) / (f.max - f.min)));
    const scaled = g.op('Div', [g.op('Sub', [x64, mins]), spans]);
    const filled = g.op('Where', [g.op('IsNaN', [x64]), fills, scaled]);
    blocks.push(g.op('Cast', [filled], [{ name: 'to', i: FLOAT }]));
    numeric.forEach((f, k) => blockStart.set(f.name, k));
    width += numeric.length;
  }
  for (const f of source.features) {
    if (f.kind !== 'categorical') continue;
    const onehot = g.op('OneHotEncoder', [f.name], [{ name: 'cats_strings', strings: f.categories }, { name: 'zeros', i: 1 }], ML);
    g.valueInfo(onehot, FLOAT, ['N', 1, f.categories.length]); // for checkers without the ML ops' shape inference
    blocks.push(g.op('Reshape', [onehot, g.tensor(INT64, [2], [-1, f.categories.length])]));
    blockStart.set(f.name, width);
    width += f.categories.length;
  }
  // Concatenated blocks -> the encoder's column order.
  const perm: number[] = [];
  for (const f of source.features) {
    const start = blockStart.get(f.name)!;
    const size = f.kind === 'categorical' ? f.categories.length : 1;
    for (let k = 0; k < size; k++) perm.push(start + k);
  }
  let x = blocks.length === 1 ? blocks[0] : g.op('Concat', blocks, [{ name: 'axis', i: 1 }]);
  if (perm.some((p, i) => p !== i)) x = g.op('Gather', [x, g.tensor(INT64, [perm.length], perm)], [{ name: 'axis', i: 1 }]);

  // Rows beyond OUT_OF_RANGE: x < -R or x > 1 + R (float32 x against the bounds rounded to float32 the safe way).
  const rowMin = g.op('ReduceMin', [x], [{ name: 'axes', ints: [1] }, { name: 'keepdims', i: 0 }]);
  const rowMax = g.op('ReduceMax', [x], [{ name: 'axes', ints: [1] }, { name: 'keepdims', i: 0 }]);
  const outOfRange = g.op('Or', [
    g.op('Less', [rowMin, g.tensor(FLOAT, [], [roundUp32(-source.outOfRange)])]),
    g.op('Greater', [rowMax, g.tensor(FLOAT, [], [roundDown32(1 + source.outOfRange)])]),
  ]);
  const infinity = g.tensor(FLOAT, [], [Infinity]);

  const model = source.model;
  if (model.kind === 'mlp') {
    let h = x;
    model.layers.forEach((layer, l) => {
      h = g.op('Gemm', [h, g.tensor(FLOAT, [layer.inputs, layer.outputs], layer.weights), g.tensor(FLOAT, [layer.outputs], layer.bias)]);
      if (l < model.layers.length - 1) {
        h = model.activation === 'relu' ? g.op('Relu', [h]) : g.op('LeakyRelu', [h], [{ name: 'alpha', f: model.slope }]);
      }
    });
    const s = g.op('Neg', [g.op('Reshape', [h, g.tensor(INT64, [1], [-1])])]);
    const flagged = g.op('Or', [outOfRange, g.op('Or', [g.op('IsNaN', [s]), g.op('IsInf', [s])])]);
    g.op('Where', [flagged, infinity, s], [], '', scoreName);
    // float32 score s: s > t exactly when s > the largest float32 <= t.
    const above = g.op('Greater', [scoreName, g.tensor(FLOAT, [], [roundDown32(source.threshold)])]);
    g.op('Cast', [above], [{ name: 'to', i: INT64 }], '', predictionName);
  } else {
    const trees = model.trees;
    const ensemble = treeAttributes(trees);
    const leaves = g.op('TreeEnsembleRegressor', [x], ensemble.attributes, ML);
    g.valueInfo(leaves, FLOAT, ['N', trees.length]);
    const index = g.op('Add', [g.op('Cast', [leaves], [{ name: 'to', i: INT64 }]), g.tensor(INT64, [trees.length], ensemble.offsets)]);
    const paths = g.op('Gather', [g.tensor(DOUBLE, [ensemble.table.length], ensemble.table), index], [{ name: 'axis', i: 0 }]);
    // Summed tree by tree, in the order scoreIsolationForest adds them: the same double sum.
    let sum: string;
    if (trees.length === 1) {
      sum = paths;
    } else {
      const parts = g.op('Split', [paths, g.tensor(INT64, [trees.length], trees.map(() => 1))], [{ name: 'axis', i: 1 }], '', undefined, trees.length);
      const names = parts.split('\n');
      sum = names[0];
      for (let t = 1; t < names.length; t++) sum = g.op('Add', [sum, names[t]]);
    }
    const pathSum = g.op('Reshape', [sum, g.tensor(INT64, [1], [-1])]);
    const norm = trees.length * averagePathLength(model.psi);
    const exponent = g.op('Div', [g.op('Neg', [pathSum]), g.tensor(DOUBLE, [], [norm])]);
    const s = g.op('Cast', [g.op('Pow', [g.tensor(DOUBLE, [], [2]), exponent])], [{ name: 'to', i: FLOAT }]);
    g.op('Where', [outOfRange, infinity, s], [], '', scoreName);
    const below = g.op('Less', [pathSum, g.tensor(DOUBLE, [], [pathSumBound(norm, source.threshold)])]);
    // Out-of-range rows score +Infinity: predicted 1 unless the threshold is +Infinity itself.
    const flagged = Infinity > source.threshold
      ? g.op('Or', [outOfRange, below])
      : g.op('And', [g.op('Not', [outOfRange]), below]);
    g.op('Cast', [flagged], [{ name: 'to', i: INT64 }], '', predictionName);
  }
  g.output(scoreName, FLOAT, ['N']);
  g.output(predictionName, INT64, ['N']);

  const doc = `SynthAD ${source.method} detector: inputs are the raw feature columns (float, NaN = missing; string for categories), ` +
    `${scoreName} is the anomaly score (higher = more anomalous), ${predictionName} is 1 where ${scoreName} > ${source.threshold}.`;
  return serializeModel(g, doc, {
    'synthad.method': source.method,
    'synthad.threshold': String(source.threshold),
    'synthad.inputs': JSON.stringify(onnxInterface(source, options).inputs.map((i) => ({ name: i.name, type: i.type }))),
  });
}

function checkSource(source: OnnxSource, scoreName: string, predictionName: string): void {
  const names = new Set<string>();
  for (const f of source.features) {
    if (f.name === '') throw new SynthadInputError('a feature column has an empty name, which cannot name an ONNX input');
    if (names.has(f.name)) throw new SynthadInputError(`two feature columns are named '${f.name}'`);
    names.add(f.name);
    if (f.kind === 'categorical' && f.categories.length === 0) throw new SynthadInputError(`categorical feature '${f.name}' has no categories`);
    if (f.kind !== 'categorical' && !(f.max > f.min)) throw new SynthadInputError(`feature '${f.name}' has no range (min ${f.min}, max ${f.max})`);
  }
  if (scoreName === predictionName || scoreName === '' || predictionName === '') {
    throw new SynthadInputError(`the score and prediction outputs need two different non-empty names, got '${scoreName}' and '${predictionName}'`);
  }
  for (const out of [scoreName, predictionName]) {
    if (names.has(out)) {
      throw new SynthadInputError(`a feature column is named '${out}', like an output of the ONNX model: choose other output names (scoreName, predictionName)`);
    }
  }
  if (Number.isNaN(source.threshold)) throw new SynthadInputError('the detector has no threshold (NaN)');
  const width = source.features.reduce((a, f) => a + (f.kind === 'categorical' ? f.categories.length : 1), 0);
  const model = source.model;
  if (model.kind === 'mlp') {
    let inputs = width;
    model.layers.forEach((l, i) => {
      if (l.inputs !== inputs || l.weights.length !== l.inputs * l.outputs || l.bias.length !== l.outputs) {
        throw new SynthadInputError(`the network's layer ${i + 1} does not fit: expected ${inputs} inputs, weights [${l.inputs}, ${l.outputs}] and bias [${l.outputs}]`);
      }
      inputs = l.outputs;
    });
    if (model.layers.length === 0 || inputs !== 1) throw new SynthadInputError('the network must end in one output');
  } else if (model.trees.length === 0 || !(model.psi >= 2)) {
    throw new SynthadInputError(`not a fitted Isolation Forest: ${model.trees.length} trees, psi ${model.psi}`);
  }
}

/** TreeEnsembleRegressor attributes: one target per tree, valued by the index of the leaf reached in that tree. */
function treeAttributes(trees: ReadonlyArray<OnnxTree>): { attributes: Attribute[]; offsets: number[]; table: number[] } {
  const treeIds: number[] = [], nodeIds: number[] = [], featureIds: number[] = [], modes: string[] = [], values: number[] = [];
  const trueIds: number[] = [], falseIds: number[] = [];
  const targetTree: number[] = [], targetNode: number[] = [], targetId: number[] = [], targetWeight: number[] = [];
  const offsets: number[] = [], table: number[] = [];
  trees.forEach((tree, t) => {
    offsets.push(table.length);
    let leaves = 0;
    for (let n = 0; n < tree.feature.length; n++) {
      treeIds.push(t);
      nodeIds.push(n);
      if (tree.feature[n] < 0) {
        featureIds.push(0); modes.push('LEAF'); values.push(0); trueIds.push(0); falseIds.push(0);
        targetTree.push(t); targetNode.push(n); targetId.push(t); targetWeight.push(leaves++);
        table.push(tree.leafPath[n]);
      } else {
        // x < split (float32 x, double split) exactly when x < the smallest float32 >= split.
        featureIds.push(tree.feature[n]); modes.push('BRANCH_LT'); values.push(roundUp32(tree.split[n]));
        trueIds.push(tree.left[n]); falseIds.push(tree.right[n]);
      }
    }
    if (leaves >= 2 ** 24) throw new SynthadInputError(`tree ${t} has too many leaves to export (${leaves})`);
  });
  const attributes: Attribute[] = [
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
  let lo = doubleBits(0), hi = doubleBits(Number.MAX_VALUE); // above(lo), !above(hi)
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (above(bitsDouble(mid))) lo = mid; else hi = mid;
  }
  return bitsDouble(hi);
}

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);
function doubleBits(v: number): bigint { f64[0] = v; return u64[0]; }
function bitsDouble(b: bigint): number { u64[0] = b; return f64[0]; }

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The next float32 above the float32 `x` (finite or -Infinity). */
function nextUp32(x: number): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x === 0) { u32[0] = 1; return f32[0]; }
  f32[0] = x;
  u32[0] = x > 0 ? u32[0] + 1 : u32[0] - 1;
  return f32[0];
}

/** The smallest float32 >= v. */
export function roundUp32(v: number): number {
  const r = Math.fround(v);
  return r < v ? nextUp32(r) : r;
}

/** The largest float32 <= v. */
export function roundDown32(v: number): number {
  const r = Math.fround(v);
  return r > v ? -nextUp32(-r) : r;
}

// ---------------------------------------------------------------------------------------------------------------
// A small graph builder and the ONNX protobuf messages (field numbers from onnx.proto)

type Attribute = { readonly name: string } & (
  | { readonly f: number } | { readonly i: number } | { readonly s: string }
  | { readonly floats: ArrayLike<number> } | { readonly ints: ArrayLike<number> } | { readonly strings: ReadonlyArray<string> });

class GraphBuilder {
  readonly nodes: ProtoWriter[] = [];
  readonly initializers: ProtoWriter[] = [];
  readonly inputs: ProtoWriter[] = [];
  readonly outputs: ProtoWriter[] = [];
  readonly values: ProtoWriter[] = [];
  private readonly prefix: string;
  private count = 0;

  /** `reserved`: the names of inputs and outputs, which generated names must not take. */
  constructor(reserved: ReadonlyArray<string>) {
    let prefix = 'synthad_';
    while (reserved.some((n) => n.startsWith(prefix))) prefix = '_' + prefix;
    this.prefix = prefix;
  }

  private fresh(kind: string): string {
    return `${this.prefix}${kind}${this.count++}`;
  }

  input(name: string, elemType: number, shape: ReadonlyArray<string | number>): void {
    this.inputs.push(valueInfo(name, elemType, shape));
  }

  output(name: string, elemType: number, shape: ReadonlyArray<string | number>): void {
    this.outputs.push(valueInfo(name, elemType, shape));
  }

  /** The type of an intermediate value. */
  valueInfo(name: string, elemType: number, shape: ReadonlyArray<string | number>): void {
    this.values.push(valueInfo(name, elemType, shape));
  }

  /** A constant (an initializer); returns its name. */
  tensor(dataType: number, dims: ReadonlyArray<number>, values: ArrayLike<number>): string {
    const name = this.fresh('c');
    const t = new ProtoWriter();
    for (const d of dims) t.int(1, d);
    t.int(2, dataType);
    t.string(8, name);
    const raw = dataType === FLOAT ? littleEndianFloat32(values)
      : dataType === DOUBLE ? littleEndianFloat64(values)
        : dataType === INT64 ? littleEndianInt64(values)
          : dataType === BOOL ? Uint8Array.from(values, (v) => (v ? 1 : 0))
            : undefined;
    if (raw === undefined) throw new Error(`no raw data for ONNX type ${dataType}`);
    t.bytes(9, raw);
    this.initializers.push(t);
    return name;
  }

  /**
   * Adds a node; returns its output's name (`output` when given), or with `outputs` > 1 the outputs' names
   * joined by newlines.
   */
  op(type: string, inputs: ReadonlyArray<string>, attributes: ReadonlyArray<Attribute> = [], domain = '', output?: string, outputs = 1): string {
    const outs = output !== undefined ? [output] : Array.from({ length: outputs }, () => this.fresh('v'));
    const n = new ProtoWriter();
    for (const i of inputs) n.string(1, i);
    for (const o of outs) n.string(2, o);
    n.string(3, this.fresh(`${type}_`));
    n.string(4, type);
    for (const a of attributes) n.message(5, attribute(a));
    if (domain !== '') n.string(7, domain);
    this.nodes.push(n);
    return outs.join('\n');
  }
}

function attribute(a: Attribute): ProtoWriter {
  const w = new ProtoWriter().string(1, a.name);
  if ('f' in a) w.float(2, a.f).int(20, 1);
  else if ('i' in a) w.int(3, a.i).int(20, 2);
  else if ('s' in a) w.string(4, a.s).int(20, 3);
  else if ('floats' in a) w.packedFloats(7, a.floats).int(20, 6);
  else if ('ints' in a) w.packedInts(8, a.ints).int(20, 7);
  else { for (const s of a.strings) w.string(9, s); w.int(20, 8); }
  return w;
}

function valueInfo(name: string, elemType: number, shape: ReadonlyArray<string | number>): ProtoWriter {
  const dims = new ProtoWriter();
  for (const d of shape) dims.message(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
  const tensorType = new ProtoWriter().int(1, elemType).message(2, dims);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}

function serializeModel(g: GraphBuilder, doc: string, metadata: Readonly<Record<string, string>>): Uint8Array {
  const graph = new ProtoWriter();
  for (const n of g.nodes) graph.message(1, n);
  graph.string(2, 'synthad');
  for (const t of g.initializers) graph.message(5, t);
  graph.string(10, doc);
  for (const i of g.inputs) graph.message(11, i);
  for (const o of g.outputs) graph.message(12, o);
  for (const v of g.values) graph.message(13, v);
  const model = new ProtoWriter()
    .int(1, ONNX_IR_VERSION)
    .message(8, new ProtoWriter().string(1, '').int(2, ONNX_OPSET))
    .message(8, new ProtoWriter().string(1, ML).int(2, ONNX_ML_OPSET))
    .string(2, 'synthad')
    .string(3, SYNTHAD_VERSION)
    .string(6, doc)
    .message(7, graph);
  for (const [key, value] of Object.entries(metadata)) model.message(14, new ProtoWriter().string(1, key).string(2, value));
  return model.finish();
}
