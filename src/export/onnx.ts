/**
 * Exports a fitted detector as one ONNX graph that takes the raw feature columns and returns the score and
 * the prediction, so any ONNX runtime scores rows like `Detector.scoreSamples` and `Detector.predict`.
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
 *   the method's scoring subgraph (its model's `onnx`, in its file under src/core/detectors) -> raw score;
 *   score = +Infinity where out of range (or not finite), else the raw score; prediction = score > threshold,
 *     or the method's exact comparison where it has one.
 */
import * as fs from 'fs';
import type { Detector } from '../core/detector';
import { OUT_OF_RANGE } from '../core/detector';
import {
  OnnxAttribute,
  OnnxGraph,
  OnnxScorer,
  ONNX_BOOL,
  ONNX_DOUBLE,
  ONNX_FLOAT,
  ONNX_INT64,
  ONNX_ML,
  ONNX_STRING,
  roundDown32,
  roundUp32,
} from '../core/detectors/onnxGraph';
import { SynthadInputError } from '../core/errors';
import { partialPath, releasePartial, removePartial } from '../core/safeFiles';
import { SYNTHAD_VERSION } from '../core/version';
import { littleEndianFloat32, littleEndianFloat64, littleEndianInt64, ProtoWriter } from './protobuf';

export { roundDown32, roundUp32 };

// ---------------------------------------------------------------------------------------------------------------
// What the graph is built from: the one adapter that reads a detector's fitted state

/** One feature column as the graph encodes it (encode.ts's FeatureEncoding). */
export type OnnxFeature =
  | {
      readonly name: string;
      readonly kind: 'numeric' | 'binary';
      readonly mean: number;
      readonly min: number;
      readonly max: number;
    }
  | { readonly name: string; readonly kind: 'categorical'; readonly categories: ReadonlyArray<string> };

/** Everything the exported graph needs, independent of how a Detector keeps its fitted state. */
export interface OnnxSource {
  /** e.g. 'VC-SA', for the model's description. */
  readonly method: string;
  readonly features: ReadonlyArray<OnnxFeature>;
  /** predict: score > threshold. */
  readonly threshold: number;
  /** Encoded values outside [-outOfRange, 1 + outOfRange] make a row score +Infinity. */
  readonly outOfRange: number;
  /** The method's model, which adds its scoring subgraph. */
  readonly model: OnnxScorer;
}

/** Reads what the graph needs from a fitted detector: the only place that knows `detector.fitted`'s shape. */
export function onnxSource(detector: Detector): OnnxSource {
  const s = detector.fitted;
  const features: OnnxFeature[] = s.encoder.features.map((f) =>
    f.kind === 'categorical'
      ? { name: f.name, kind: 'categorical', categories: [...f.categories] }
      : { name: f.name, kind: f.kind, mean: f.mean, min: f.min, max: f.max },
  );
  return { method: detector.name, features, threshold: s.threshold, outOfRange: OUT_OF_RANGE, model: s.model };
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
  readonly inputs: ReadonlyArray<{
    readonly name: string;
    readonly type: 'float' | 'double' | 'string';
    readonly shape: readonly ['N', 1];
  }>;
  readonly outputs: ReadonlyArray<{
    readonly name: string;
    readonly type: 'float' | 'int64';
    readonly shape: readonly ['N'];
  }>;
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
    inputs: source.features.map((f) => ({
      name: f.name,
      type: f.kind === 'categorical' ? 'string' : numeric,
      shape: ['N', 1] as const,
    })),
    outputs: [
      { name: options.scoreName ?? 'score', type: 'float', shape: ['N'] as const },
      { name: options.predictionName ?? 'prediction', type: 'int64', shape: ['N'] as const },
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The graph

const FLOAT = ONNX_FLOAT,
  INT64 = ONNX_INT64,
  STRING = ONNX_STRING,
  BOOL = ONNX_BOOL,
  DOUBLE = ONNX_DOUBLE;
const ML = ONNX_ML;

export function buildOnnxModel(source: OnnxSource, options: OnnxExportOptions = {}): Uint8Array {
  const scoreName = options.scoreName ?? 'score';
  const predictionName = options.predictionName ?? 'prediction';
  const numericType = (options.numericInput ?? 'float') === 'double' ? DOUBLE : FLOAT;
  checkSource(source, scoreName, predictionName);
  const g = new GraphBuilder([...source.features.map((f) => f.name), scoreName, predictionName]);

  // Inputs and encoding.
  const numeric = source.features.filter(
    (f): f is Extract<OnnxFeature, { kind: 'numeric' | 'binary' }> => f.kind !== 'categorical',
  );
  for (const f of source.features) g.input(f.name, f.kind === 'categorical' ? STRING : numericType, ['N', 1]);
  const blocks: string[] = [];
  const blockStart = new Map<string, number>();
  let width = 0;
  if (numeric.length > 0) {
    const x =
      numeric.length === 1
        ? numeric[0].name
        : g.op(
            'Concat',
            numeric.map((f) => f.name),
            [{ name: 'axis', i: 1 }],
          );
    const x64 = numericType === DOUBLE ? x : g.op('Cast', [x], [{ name: 'to', i: DOUBLE }]);
    const mins = g.tensor(
      DOUBLE,
      [numeric.length],
      numeric.map((f) => f.min),
    );
    const spans = g.tensor(
      DOUBLE,
      [numeric.length],
      numeric.map((f) => f.max - f.min),
    );
    const fills = g.tensor(
      DOUBLE,
      [numeric.length],
      numeric.map((f) => (f.mean - f.min) / (f.max - f.min)),
    );
    const scaled = g.op('Div', [g.op('Sub', [x64, mins]), spans]);
    const filled = g.op('Where', [g.op('IsNaN', [x64]), fills, scaled]);
    blocks.push(g.op('Cast', [filled], [{ name: 'to', i: FLOAT }]));
    numeric.forEach((f, k) => blockStart.set(f.name, k));
    width += numeric.length;
  }
  for (const f of source.features) {
    if (f.kind !== 'categorical') continue;
    const onehot = g.op(
      'OneHotEncoder',
      [f.name],
      [
        { name: 'cats_strings', strings: f.categories },
        { name: 'zeros', i: 1 },
      ],
      ML,
    );
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
  if (perm.some((p, i) => p !== i))
    x = g.op('Gather', [x, g.tensor(INT64, [perm.length], perm)], [{ name: 'axis', i: 1 }]);

  // Rows beyond OUT_OF_RANGE: x < -R or x > 1 + R (float32 x against the bounds rounded to float32 the safe way).
  const rowMin = g.op(
    'ReduceMin',
    [x],
    [
      { name: 'axes', ints: [1] },
      { name: 'keepdims', i: 0 },
    ],
  );
  const rowMax = g.op(
    'ReduceMax',
    [x],
    [
      { name: 'axes', ints: [1] },
      { name: 'keepdims', i: 0 },
    ],
  );
  const outOfRange = g.op('Or', [
    g.op('Less', [rowMin, g.tensor(FLOAT, [], [roundUp32(-source.outOfRange)])]),
    g.op('Greater', [rowMax, g.tensor(FLOAT, [], [roundDown32(1 + source.outOfRange)])]),
  ]);
  const infinity = g.tensor(FLOAT, [], [Infinity]);

  // The method's raw score; +Infinity where out of range or (when it can be) not finite.
  const scored = source.model.onnx(g, x, width);
  const s = scored.score;
  const flagged = scored.finite
    ? outOfRange
    : g.op('Or', [outOfRange, g.op('Or', [g.op('IsNaN', [s]), g.op('IsInf', [s])])]);
  g.op('Where', [flagged, infinity, s], [], '', scoreName);
  if (scored.above === undefined) {
    // float32 score s: s > t exactly when s > the largest float32 <= t.
    const above = g.op('Greater', [scoreName, g.tensor(FLOAT, [], [roundDown32(source.threshold)])]);
    g.op('Cast', [above], [{ name: 'to', i: INT64 }], '', predictionName);
  } else {
    const above = scored.above(source.threshold);
    // Out-of-range rows score +Infinity: predicted 1 unless the threshold is +Infinity itself.
    const predicted =
      Infinity > source.threshold ? g.op('Or', [outOfRange, above]) : g.op('And', [g.op('Not', [outOfRange]), above]);
    g.op('Cast', [predicted], [{ name: 'to', i: INT64 }], '', predictionName);
  }
  g.output(scoreName, FLOAT, ['N']);
  g.output(predictionName, INT64, ['N']);

  const doc =
    `SynthAD ${source.method} detector: inputs are the raw feature columns (float, NaN = missing; string for categories), ` +
    `${scoreName} is the anomaly score (higher = more anomalous), ${predictionName} is 1 where ${scoreName} > ${source.threshold}.`;
  return serializeModel(g, doc, {
    'synthad.method': source.method,
    'synthad.threshold': String(source.threshold),
    'synthad.inputs': JSON.stringify(
      onnxInterface(source, options).inputs.map((i) => ({ name: i.name, type: i.type })),
    ),
  });
}

function checkSource(source: OnnxSource, scoreName: string, predictionName: string): void {
  const names = new Set<string>();
  for (const f of source.features) {
    if (f.name === '')
      throw new SynthadInputError('a feature column has an empty name, which cannot name an ONNX input');
    if (names.has(f.name)) throw new SynthadInputError(`two feature columns are named '${f.name}'`);
    names.add(f.name);
    if (f.kind === 'categorical' && f.categories.length === 0)
      throw new SynthadInputError(`categorical feature '${f.name}' has no categories`);
    if (f.kind !== 'categorical' && !(f.max > f.min))
      throw new SynthadInputError(`feature '${f.name}' has no range (min ${f.min}, max ${f.max})`);
  }
  if (scoreName === predictionName || scoreName === '' || predictionName === '') {
    throw new SynthadInputError(
      `the score and prediction outputs need two different non-empty names, got '${scoreName}' and '${predictionName}'`,
    );
  }
  for (const out of [scoreName, predictionName]) {
    if (names.has(out)) {
      throw new SynthadInputError(
        `a feature column is named '${out}', like an output of the ONNX model: choose other output names (scoreName, predictionName)`,
      );
    }
  }
  if (Number.isNaN(source.threshold)) throw new SynthadInputError('the detector has no threshold (NaN)');
}

// ---------------------------------------------------------------------------------------------------------------
// A small graph builder and the ONNX protobuf messages (field numbers from onnx.proto)

class GraphBuilder implements OnnxGraph {
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
    const raw =
      dataType === FLOAT
        ? littleEndianFloat32(values)
        : dataType === DOUBLE
          ? littleEndianFloat64(values)
          : dataType === INT64
            ? littleEndianInt64(values)
            : dataType === BOOL
              ? Uint8Array.from(values, (v) => (v ? 1 : 0))
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
  op(
    type: string,
    inputs: ReadonlyArray<string>,
    attributes: ReadonlyArray<OnnxAttribute> = [],
    domain = '',
    output?: string,
    outputs = 1,
  ): string {
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

function attribute(a: OnnxAttribute): ProtoWriter {
  const w = new ProtoWriter().string(1, a.name);
  if ('f' in a) w.float(2, a.f).int(20, 1);
  else if ('i' in a) w.int(3, a.i).int(20, 2);
  else if ('s' in a) w.string(4, a.s).int(20, 3);
  else if ('floats' in a) w.packedFloats(7, a.floats).int(20, 6);
  else if ('ints' in a) w.packedInts(8, a.ints).int(20, 7);
  else {
    for (const s of a.strings) w.string(9, s);
    w.int(20, 8);
  }
  return w;
}

function valueInfo(name: string, elemType: number, shape: ReadonlyArray<string | number>): ProtoWriter {
  const dims = new ProtoWriter();
  for (const d of shape)
    dims.message(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
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
  for (const [key, value] of Object.entries(metadata))
    model.message(14, new ProtoWriter().string(1, key).string(2, value));
  return model.finish();
}
