/**
 * What a detector method's ONNX scoring subgraph is built with (src/export/onnx.ts builds the rest of the
 * graph and serializes it): a graph builder, the ONNX element types, and float32 rounding that keeps
 * comparisons exact. Each method adds the nodes from the encoded rows X [N, W] float to its raw score.
 */

/** ONNX element types (TensorProto.DataType) the graph uses. */
export const ONNX_FLOAT = 1,
  ONNX_INT64 = 7,
  ONNX_STRING = 8,
  ONNX_BOOL = 9,
  ONNX_DOUBLE = 11;
/** The domain of the ONNX-ML operators (OneHotEncoder, TreeEnsembleRegressor). */
export const ONNX_ML = 'ai.onnx.ml';

export type OnnxAttribute = { readonly name: string } & (
  | { readonly f: number }
  | { readonly i: number }
  | { readonly s: string }
  | { readonly floats: ArrayLike<number> }
  | { readonly ints: ArrayLike<number> }
  | { readonly strings: ReadonlyArray<string> }
);

/** Adds nodes and constants to the graph being built; every method returns the name of its output. */
export interface OnnxGraph {
  /**
   * Adds a node; returns its output's name (`output` when given), or with `outputs` > 1 the outputs' names
   * joined by newlines.
   */
  op(
    type: string,
    inputs: ReadonlyArray<string>,
    attributes?: ReadonlyArray<OnnxAttribute>,
    domain?: string,
    output?: string,
    outputs?: number,
  ): string;
  /** A constant (an initializer); returns its name. */
  tensor(dataType: number, dims: ReadonlyArray<number>, values: ArrayLike<number>): string;
  /** Declares the type of an intermediate value (for checkers without the ML operators' shape inference). */
  valueInfo(name: string, elemType: number, shape: ReadonlyArray<string | number>): void;
}

/** A method's scoring subgraph, as its model's `onnx` returns it. */
export interface OnnxScore {
  /** The raw score, float [N], higher = more anomalous (rows out of range are set to +Infinity after it). */
  readonly score: string;
  /** True when the score is finite on every row; otherwise rows whose score is NaN or infinite score +Infinity, as in SynthAD. */
  readonly finite?: boolean;
  /**
   * bool [N]: the raw score is above `threshold`, computed where the method can do it exactly (added after
   * the score output). Without it the prediction compares the float32 score with the threshold.
   */
  above?(threshold: number): string;
}

/** Anything with an ONNX scoring subgraph: a fitted method's model. */
export interface OnnxScorer {
  /** Adds the nodes from `x`, the encoded rows [N, width] float, to the raw score. */
  onnx(g: OnnxGraph, x: string, width: number): OnnxScore;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The next float32 above the float32 `x` (finite or -Infinity). */
function nextUp32(x: number): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x === 0) {
    u32[0] = 1;
    return f32[0];
  }
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
