/**
 * Isolation Forest (Liu, Ting & Zhou, 2008) over a dense row-major matrix: `x[row * cols + col]`.
 *
 * Each tree is grown on `psi = min(maxSamples, rows)` rows drawn without replacement; every node splits on a
 * feature chosen uniformly among those not constant in the node, at a value uniform in (min, max] (rows with
 * value < split go left), until the node holds one row, all its rows are equal, or the depth reaches
 * ceil(log2(psi)). The score is s(x) = 2^(-E[h(x)] / c(psi)), in (0, 1), higher = more anomalous.
 *
 * Trees are stored as flat arrays of numbers (node 0 = root), so a model is plain JSON:
 * `JSON.parse(JSON.stringify(model))` scores exactly like `model`.
 */
import { createRng, Rng } from './rng';

export interface IsolationForestOptions {
  /** Number of trees; default 100. */
  readonly nEstimators?: number;
  /** Rows per tree, capped at the number of training rows; default 256. */
  readonly maxSamples?: number;
  /** Seed for subsampling and splits: same seed, same data => same model and scores. */
  readonly seed: number;
}

/** One tree as parallel arrays indexed by node id; node 0 is the root. */
export interface IsolationTree {
  /** Split feature (column index) of an internal node; -1 marks an external (leaf) node. */
  readonly feature: number[];
  /** Split value of an internal node (x < split goes left); 0 for a leaf. */
  readonly split: number[];
  /** Left / right child node ids of an internal node; -1 for a leaf. */
  readonly left: number[];
  readonly right: number[];
  /** For a leaf: its depth plus c(size), the path length h(x) of rows ending there; 0 for an internal node. */
  readonly leafPath: number[];
}

export interface IsolationForestModel {
  readonly kind: 'isolation-forest';
  readonly version: 1;
  /** Number of features the model was fitted on. */
  readonly cols: number;
  /** Rows per tree actually used: min(maxSamples, training rows). */
  readonly psi: number;
  readonly options: Required<IsolationForestOptions>;
  readonly trees: IsolationTree[];
}

const EULER_GAMMA = 0.5772156649;

/**
 * c(n): the average path length of an unsuccessful binary-search-tree search among n rows,
 * 2 H(n - 1) - 2 (n - 1) / n with H(i) = ln(i) + 0.5772156649; c(2) = 1 and c(n <= 1) = 0.
 */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n;
}

/** Grows `nEstimators` isolation trees on `rows` x `cols` row-major data. */
export function fitIsolationForest(
  x: Float32Array,
  rows: number,
  cols: number,
  options: IsolationForestOptions,
): IsolationForestModel {
  const resolved = resolveOptions(options);
  checkMatrix(x, rows, cols);
  if (rows < 2) throw new RangeError(`Isolation Forest needs at least 2 training rows: got ${rows}`);
  const psi = Math.min(resolved.maxSamples, rows);
  const heightLimit = Math.ceil(Math.log2(psi));
  const master = createRng(resolved.seed);
  const pool = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) pool[i] = i;
  const features = new Uint32Array(cols);
  for (let j = 0; j < cols; j++) features[j] = j;
  const trees: IsolationTree[] = [];
  for (let t = 0; t < resolved.nEstimators; t++) {
    const rng = master.fork();
    const sample = sampleWithoutReplacement(pool, psi, rng);
    trees.push(buildTree(x, cols, sample, heightLimit, rng, features));
  }
  return { kind: 'isolation-forest', version: 1, cols, psi, options: resolved, trees };
}

/** Anomaly score s(x) = 2^(-E[h(x)] / c(psi)) of each row of `x`, in (0, 1); higher = more anomalous. */
export function scoreIsolationForest(
  model: IsolationForestModel,
  x: Float32Array,
  rows: number,
  cols: number,
): Float64Array {
  checkMatrix(x, rows, cols);
  if (cols !== model.cols) {
    throw new RangeError(`the model was fitted on ${model.cols} columns but the data has ${cols}`);
  }
  if (model.trees.length === 0 || !(model.psi >= 2)) {
    throw new RangeError(`not a fitted Isolation Forest: ${model.trees.length} trees, psi ${model.psi}`);
  }
  const pathSum = new Float64Array(rows);
  for (const tree of model.trees) addPathLengths(tree, x, rows, cols, pathSum);
  const norm = model.trees.length * averagePathLength(model.psi);
  const scores = new Float64Array(rows);
  for (let i = 0; i < rows; i++) scores[i] = Math.pow(2, -pathSum[i] / norm);
  return scores;
}

// ---------------------------------------------------------------------------------------------------------------

function resolveOptions(options: IsolationForestOptions): Required<IsolationForestOptions> {
  const nEstimators = options.nEstimators ?? 100;
  const maxSamples = options.maxSamples ?? 256;
  const seed = options.seed;
  if (!Number.isInteger(nEstimators) || nEstimators < 1) {
    throw new RangeError(`nEstimators must be a positive integer: got ${String(nEstimators)}`);
  }
  if (!Number.isInteger(maxSamples) || maxSamples < 2) {
    throw new RangeError(`maxSamples must be an integer >= 2: got ${String(maxSamples)}`);
  }
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer: got ${String(seed)}`);
  return { nEstimators, maxSamples, seed };
}

function checkMatrix(x: Float32Array, rows: number, cols: number): void {
  if (!Number.isInteger(rows) || rows < 0) throw new RangeError(`rows must be a non-negative integer: got ${rows}`);
  if (!Number.isInteger(cols) || cols < 1) throw new RangeError(`cols must be a positive integer: got ${cols}`);
  if (x.length !== rows * cols) {
    throw new RangeError(`x has ${x.length} values but rows * cols = ${rows} * ${cols} = ${rows * cols}`);
  }
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) {
      throw new RangeError(`x must be finite: row ${Math.floor(i / cols)}, column ${i % cols} is ${x[i]}`);
    }
  }
}

/**
 * A uniform sample of `count` distinct row ids, by a partial Fisher-Yates shuffle of `pool` (a permutation
 * of 0..rows-1, shuffled further in place; any permutation works as a start).
 */
function sampleWithoutReplacement(pool: Uint32Array, count: number, rng: Rng): Uint32Array {
  const n = pool.length;
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(n - i);
    const t = pool[i];
    pool[i] = pool[j];
    pool[j] = t;
  }
  return pool.slice(0, count);
}

/**
 * Grows one tree over the rows in `sample` (reordered in place so each node's rows are contiguous).
 * Iterative: the stack holds (node, start, end, depth) for nodes still to split.
 */
function buildTree(
  x: Float32Array,
  cols: number,
  sample: Uint32Array,
  heightLimit: number,
  rng: Rng,
  features: Uint32Array,
): IsolationTree {
  const tree: IsolationTree = { feature: [], split: [], left: [], right: [], leafPath: [] };
  const stack = new Int32Array(4 * (heightLimit + 2));
  let sp = 0;
  stack[sp++] = addNode(tree);
  stack[sp++] = 0;
  stack[sp++] = sample.length;
  stack[sp++] = 0;
  while (sp > 0) {
    const depth = stack[--sp],
      end = stack[--sp],
      start = stack[--sp],
      node = stack[--sp];
    const size = end - start;
    const chosen = size > 1 && depth < heightLimit ? chooseSplit(x, cols, sample, start, end, rng, features) : null;
    if (chosen === null) {
      tree.leafPath[node] = depth + averagePathLength(size);
      continue;
    }
    const mid = partition(x, cols, sample, start, end, chosen.feature, chosen.value);
    const left = addNode(tree);
    const right = addNode(tree);
    tree.feature[node] = chosen.feature;
    tree.split[node] = chosen.value;
    tree.left[node] = left;
    tree.right[node] = right;
    stack[sp++] = left;
    stack[sp++] = start;
    stack[sp++] = mid;
    stack[sp++] = depth + 1;
    stack[sp++] = right;
    stack[sp++] = mid;
    stack[sp++] = end;
    stack[sp++] = depth + 1;
  }
  return tree;
}

function addNode(tree: IsolationTree): number {
  tree.feature.push(-1);
  tree.split.push(0);
  tree.left.push(-1);
  tree.right.push(-1);
  tree.leafPath.push(0);
  return tree.feature.length - 1;
}

/**
 * A feature drawn uniformly among those not constant on sample[start, end), and a split value uniform in
 * (min, max]; null when every feature is constant there. Features are visited in a lazily shuffled order
 * (partial Fisher-Yates over `features`), so constant ones cost a scan but no bias.
 */
function chooseSplit(
  x: Float32Array,
  cols: number,
  sample: Uint32Array,
  start: number,
  end: number,
  rng: Rng,
  features: Uint32Array,
): { feature: number; value: number } | null {
  for (let k = 0; k < cols; k++) {
    const j = k + rng.int(cols - k);
    const feature = features[j];
    features[j] = features[k];
    features[k] = feature;
    let min = Infinity;
    let max = -Infinity;
    for (let i = start; i < end; i++) {
      const v = x[sample[i] * cols + feature];
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (max > min) {
      let value = min + rng.next() * (max - min);
      if (!(value > min && value <= max)) value = max; // r = 0 or rounding: keep both sides non-empty
      return { feature, value };
    }
  }
  return null;
}

/** Reorders sample[start, end) so rows with x[feature] < value come first; returns where the rest begin. */
function partition(
  x: Float32Array,
  cols: number,
  sample: Uint32Array,
  start: number,
  end: number,
  feature: number,
  value: number,
): number {
  let i = start;
  let j = end - 1;
  while (i <= j) {
    if (x[sample[i] * cols + feature] < value) {
      i++;
    } else {
      const t = sample[i];
      sample[i] = sample[j];
      sample[j] = t;
      j--;
    }
  }
  return i;
}

/** Adds h(x) of one tree to pathSum[row] for every row of x. */
function addPathLengths(tree: IsolationTree, x: Float32Array, rows: number, cols: number, pathSum: Float64Array): void {
  const feature = Int32Array.from(tree.feature);
  const split = Float64Array.from(tree.split);
  const left = Int32Array.from(tree.left);
  const right = Int32Array.from(tree.right);
  const leafPath = Float64Array.from(tree.leafPath);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let node = 0;
    while (feature[node] >= 0) {
      node = x[base + feature[node]] < split[node] ? left[node] : right[node];
    }
    pathSum[r] += leafPath[node];
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Checking a forest read from a file

/** At most this many trees in a forest read from a file (the fit default is 100). */
export const MAX_TREES = 100_000;

/** Where a forest read from a file does not hold together: the field (relative to the model) and what it must be. */
export interface ForestProblem {
  /** e.g. `trees[3].left[5]`; '' for the model itself. */
  readonly field: string;
  /** e.g. `must be a node id in 6..16 (children come after their parent), got 2`. */
  readonly problem: string;
}

/**
 * Checks that `model` (parsed JSON) is a forest this code can score on `cols` encoded columns without looping,
 * reading out of range or computing NaN: the first problem found, or undefined. What fitIsolationForest writes
 * always passes: node ids are appended, so children come after their parent (no cycles), every node but the
 * root has exactly one parent, and no leaf is deeper than ceil(log2(psi)) (which bounds the cost of scoring).
 */
export function checkIsolationForest(model: unknown, cols: number): ForestProblem | undefined {
  const bad = (field: string, expected: string, got: unknown): ForestProblem => ({
    field,
    problem: `must be ${expected}, got ${shortJson(got)}`,
  });
  if (!isRecord(model)) return bad('', 'an object', model);
  if (model.kind !== 'isolation-forest') return bad('kind', '"isolation-forest"', model.kind);
  if (model.version !== 1) return bad('version', '1', model.version);
  if (model.cols !== cols) return bad('cols', `${cols}, the number of encoded columns`, model.cols);
  const options = model.options;
  if (!isRecord(options)) return bad('options', 'an object', options);
  if (
    !Number.isInteger(options.nEstimators) ||
    (options.nEstimators as number) < 1 ||
    (options.nEstimators as number) > MAX_TREES
  ) {
    return bad('options.nEstimators', `an integer in 1..${MAX_TREES}`, options.nEstimators);
  }
  if (!Number.isInteger(options.maxSamples) || (options.maxSamples as number) < 2)
    return bad('options.maxSamples', 'an integer >= 2', options.maxSamples);
  if (!Number.isInteger(options.seed)) return bad('options.seed', 'an integer', options.seed);
  const maxSamples = options.maxSamples as number;
  if (!Number.isInteger(model.psi) || (model.psi as number) < 2 || (model.psi as number) > maxSamples) {
    return bad('psi', `an integer in 2..${maxSamples} (options.maxSamples)`, model.psi);
  }
  const psi = model.psi as number;
  const trees = model.trees;
  if (!Array.isArray(trees) || trees.length !== options.nEstimators) {
    return bad('trees', `an array of ${options.nEstimators as number} trees (options.nEstimators)`, trees);
  }
  const heightLimit = Math.ceil(Math.log2(psi));
  const maxNodes = 2 * psi - 1;
  for (let t = 0; t < trees.length; t++) {
    const problem = checkTree(trees[t], `trees[${t}]`, cols, maxNodes, heightLimit);
    if (problem) return problem;
  }
  return undefined;
}

function checkTree(
  tree: unknown,
  at: string,
  cols: number,
  maxNodes: number,
  heightLimit: number,
): ForestProblem | undefined {
  const bad = (field: string, expected: string, got: unknown): ForestProblem => ({
    field: `${at}${field}`,
    problem: `must be ${expected}, got ${shortJson(got)}`,
  });
  if (!isRecord(tree)) return bad('', 'an object', tree);
  const { feature, split, left, right, leafPath } = tree;
  if (!Array.isArray(feature) || feature.length < 1 || feature.length > maxNodes) {
    return bad('.feature', `an array of 1..${maxNodes} nodes (2 psi - 1)`, feature);
  }
  const n = feature.length;
  for (const [name, a] of [
    ['split', split],
    ['left', left],
    ['right', right],
    ['leafPath', leafPath],
  ] as const) {
    if (!Array.isArray(a) || a.length !== n) return bad(`.${name}`, `an array of ${n} nodes, as many as feature`, a);
  }
  const f = feature as unknown[],
    s = split as unknown[],
    l = left as unknown[],
    r = right as unknown[],
    p = leafPath as unknown[];
  const hasParent = new Uint8Array(n);
  const depth = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    // Children come after their parent, so every possible parent of node i has been seen by now.
    if (i > 0 && hasParent[i] === 0) return { field: at, problem: `must be one tree: node ${i} is no node's child` };
    if (!isFiniteNumber(s[i])) return bad(`.split[${i}]`, 'a finite number', s[i]);
    if (!isFiniteNumber(p[i]) || (p[i] as number) < 0) return bad(`.leafPath[${i}]`, 'a finite number >= 0', p[i]);
    if (f[i] === -1) {
      if (l[i] !== -1) return bad(`.left[${i}]`, `-1 (node ${i} is a leaf: feature -1)`, l[i]);
      if (r[i] !== -1) return bad(`.right[${i}]`, `-1 (node ${i} is a leaf: feature -1)`, r[i]);
      continue;
    }
    if (!Number.isInteger(f[i]) || (f[i] as number) < 0 || (f[i] as number) >= cols) {
      return bad(`.feature[${i}]`, `a column index in 0..${cols - 1}, or -1 for a leaf`, f[i]);
    }
    for (const [name, child] of [
      ['left', l[i]],
      ['right', r[i]],
    ] as const) {
      if (!Number.isInteger(child) || (child as number) <= i || (child as number) >= n) {
        return bad(
          `.${name}[${i}]`,
          i + 1 < n
            ? `a node id in ${i + 1}..${n - 1} (children come after their parent)`
            : `a node id after ${i}, but the tree has no more nodes`,
          child,
        );
      }
      const c = child as number;
      if (hasParent[c] === 1)
        return {
          field: `${at}.${name}[${i}]`,
          problem: `must be a node that is no other node's child, got ${c} (a second parent)`,
        };
      hasParent[c] = 1;
      depth[c] = depth[i] + 1;
      if (depth[c] > heightLimit) {
        return {
          field: `${at}.${name}[${i}]`,
          problem: `puts node ${c} at depth ${depth[c]}, deeper than ceil(log2(psi)) = ${heightLimit}`,
        };
      }
    }
  }
  return undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** A value for an error message: JSON, cut to 60 characters. */
function shortJson(v: unknown): string {
  if (v === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = String(v);
  }
  return text.length > 60 ? text.slice(0, 57) + '...' : text;
}
