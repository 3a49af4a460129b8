/**
 * A fitted ensemble of boosted regression trees (gbt.ts grows them): its shape, its checks and its scoring.
 * A tree is three parallel arrays over its nodes, children after their parent: `feature` (-1 for a leaf),
 * `value` (the float32 threshold of a split, `x < value` goes left; the leaf's value of a leaf) and `left`
 * (the left child's index; the right child is `left + 1`). The score of a row is the base score plus the
 * sum of the leaves it reaches, accumulated in float32 tree by tree: the order and precision ONNX Runtime's
 * TreeEnsembleRegressor uses, so the exported graph scores exactly alike.
 */
import { WasmTreeScorer } from './gbtWasm';

/** One regression tree; node 0 is the root. */
export interface RegressionTree {
  /** Column index of a split, -1 for a leaf. */
  readonly feature: Int32Array;
  /** A split's threshold (x < value goes left) or a leaf's value; float32. */
  readonly value: Float32Array;
  /** A split's left child (right = left + 1); 0 for a leaf. */
  readonly left: Int32Array;
}

export interface BoostedTrees {
  /** Encoded columns the trees read. */
  readonly cols: number;
  /** Log-odds every row starts from (the prior's), float32. */
  readonly baseScore: number;
  readonly trees: ReadonlyArray<RegressionTree>;
}

/** Deepest tree a model may have: scoring lays each tree out as a complete binary tree of this depth at most. */
export const MAX_TREE_DEPTH = 12;
/** Most nodes a tree of depth MAX_TREE_DEPTH has. */
export const MAX_TREE_NODES = 2 ** (MAX_TREE_DEPTH + 1) - 1;

/**
 * What is wrong with a tree read from a file, or undefined: a feature out of range, a child not after its
 * parent or beyond the tree, a node with two parents, a non-finite threshold or leaf, deeper than `maxDepth`.
 * Children after their parent means no cycles; one parent each means a tree, not a graph.
 */
export function treeProblem(tree: RegressionTree, cols: number, maxDepth: number): string | undefined {
  const { feature, value, left } = tree;
  const n = feature.length;
  const depth = new Int32Array(n);
  const hasParent = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const f = feature[i];
    if (!(Number.isInteger(f) && f >= -1 && f < cols))
      return `node ${i}: feature must be a column index in 0..${cols - 1}, or -1 for a leaf, got ${f}`;
    if (!Number.isFinite(value[i]))
      return `node ${i}: ${f < 0 ? 'leaf value' : 'threshold'} must be a finite number, got ${value[i]}`;
    if (i > 0 && hasParent[i] === 0) return `node ${i}: is no node's child (every node but the root has a parent)`;
    if (f < 0) {
      if (left[i] !== 0) return `node ${i}: a leaf's child must be 0, got ${left[i]}`;
      continue;
    }
    const l = left[i];
    if (!(l > i && l + 1 < n))
      return `node ${i}: left child must be a node index in ${i + 1}..${n - 2} (children come after their parent), got ${l}`;
    if (hasParent[l] === 1 || hasParent[l + 1] === 1)
      return `node ${i}: child ${hasParent[l] === 1 ? l : l + 1} already has a parent`;
    hasParent[l] = hasParent[l + 1] = 1;
    depth[l] = depth[l + 1] = depth[i] + 1;
    if (depth[l] > maxDepth) return `node ${l}: is at depth ${depth[l]}, deeper than ${maxDepth}`;
  }
  return undefined;
}

/** Depth of the deepest leaf (0 for a tree that is one leaf). */
export function treeDepth(tree: RegressionTree): number {
  const depth = new Int32Array(tree.feature.length);
  let max = 0;
  for (let i = 0; i < tree.feature.length; i++) {
    if (tree.feature[i] < 0) continue;
    const d = depth[i] + 1;
    depth[tree.left[i]] = depth[tree.left[i] + 1] = d;
    if (d > max) max = d;
  }
  return max;
}

/**
 * The trees laid out for scoring: each as a complete binary tree of the ensemble's largest depth D, splits in
 * breadth-first order (children of p at 2p+1, 2p+2), so a row takes exactly D steps with no leaf test. A leaf
 * above depth D fills its whole padded subtree with its value, so any path under it gives that value.
 */
export interface CompiledTrees {
  readonly depth: number;
  readonly count: number;
  /** [tree][2^D - 1] split columns and thresholds. */
  readonly feature: Int32Array;
  readonly threshold: Float32Array;
  /** [tree][2^D] leaf values. */
  readonly leaf: Float32Array;
  readonly baseScore: number;
}

export function compileTrees(model: BoostedTrees): CompiledTrees {
  const depth = model.trees.reduce((a, t) => Math.max(a, treeDepth(t)), 0);
  const inner = 2 ** depth - 1,
    leaves = 2 ** depth;
  const count = model.trees.length;
  const feature = new Int32Array(count * inner);
  const threshold = new Float32Array(count * inner);
  const leaf = new Float32Array(count * leaves);
  model.trees.forEach((tree, t) => {
    const place = (node: number, at: number, d: number): void => {
      if (tree.feature[node] < 0) {
        // Every leaf of the padded subtree under `at` takes this value.
        const span = 2 ** (depth - d);
        const first = (at - (2 ** d - 1)) * span; // the subtree's first leaf in level D
        leaf.fill(tree.value[node], t * leaves + first, t * leaves + first + span);
        return;
      }
      feature[t * inner + at] = tree.feature[node];
      threshold[t * inner + at] = tree.value[node];
      place(tree.left[node], 2 * at + 1, d + 1);
      place(tree.left[node] + 1, 2 * at + 2, d + 1);
    };
    place(0, 0, 0);
  });
  return { depth, count, feature, threshold, leaf, baseScore: Math.fround(model.baseScore) };
}

/** Rows scored per block: the block's running sums stay in cache while every tree passes over it. */
const BLOCK = 128;

/**
 * Log-odds of each row (row-major, `cols` columns): the base score plus each tree's leaf, summed in float32 in
 * tree order (as ONNX Runtime does). NaN goes right, as `x < t` is false.
 *
 * Speed: a step down a tree is `p = 2p + 1 + !(x < t)`, a number, not a branch, so the CPU does not guess at
 * each of the half-random turns; and four rows go down each tree side by side, their independent chains of
 * loads overlapping (measured 3x faster than one row at a time with a branch).
 */
export function predictCompiled(c: CompiledTrees, x: Float32Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows);
  const acc = new Float32Array(BLOCK);
  const { depth, count, feature, threshold: thr, leaf } = c;
  const inner = 2 ** depth - 1,
    leaves = inner + 1;
  for (let start = 0; start < rows; start += BLOCK) {
    const end = Math.min(rows, start + BLOCK);
    acc.fill(0);
    for (let t = 0; t < count; t++) {
      // Positions are absolute in the feature and threshold arrays: p - fo is the place in the tree.
      const fo = t * inner,
        lo = t * leaves - inner - fo;
      let r = start;
      for (; r + 4 <= end; r += 4) {
        const b0 = r * cols,
          b1 = b0 + cols,
          b2 = b1 + cols,
          b3 = b2 + cols;
        let p0 = fo,
          p1 = fo,
          p2 = fo,
          p3 = fo;
        for (let d = 0; d < depth; d++) {
          p0 = 2 * p0 - fo + 1 + +!(x[b0 + feature[p0]] < thr[p0]);
          p1 = 2 * p1 - fo + 1 + +!(x[b1 + feature[p1]] < thr[p1]);
          p2 = 2 * p2 - fo + 1 + +!(x[b2 + feature[p2]] < thr[p2]);
          p3 = 2 * p3 - fo + 1 + +!(x[b3 + feature[p3]] < thr[p3]);
        }
        const a = r - start;
        acc[a] += leaf[lo + p0]; // the Float32Array store rounds: a float32 sum
        acc[a + 1] += leaf[lo + p1];
        acc[a + 2] += leaf[lo + p2];
        acc[a + 3] += leaf[lo + p3];
      }
      for (; r < end; r++) {
        const b = r * cols;
        let p = fo;
        for (let d = 0; d < depth; d++) p = 2 * p - fo + 1 + +!(x[b + feature[p]] < thr[p]);
        acc[r - start] += leaf[lo + p];
      }
    }
    const b = c.baseScore;
    for (let r = start; r < end; r++) out[r] = Math.fround(acc[r - start] + b);
  }
  return out;
}

/** Scores rows of a fixed width with compiled trees: predictCompiled's scores, by the fastest kernel here. */
export interface TreeScorer {
  readonly cols: number;
  /** 'wasm' (the WebAssembly kernel, gbtWasm.ts) or 'js' (predictCompiled). */
  readonly kernel: 'wasm' | 'js';
  score(x: Float32Array, rows: number): Float64Array;
}

/** The WebAssembly kernel where this runtime compiles it, else predictCompiled; bit-identical either way. */
export function treeScorer(c: CompiledTrees, cols: number): TreeScorer {
  const wasm = WasmTreeScorer.create(c, cols);
  if (wasm) return { cols, kernel: 'wasm', score: (x, rows) => wasm.score(x, rows, cols) };
  return { cols, kernel: 'js', score: (x, rows) => predictCompiled(c, x, rows, cols) };
}

/** The leaf value of one tree for row `base` of x (generic traversal, for training's validation rows). */
export function treeValue(tree: RegressionTree, x: Float32Array, base: number): number {
  let n = 0;
  while (tree.feature[n] >= 0) n = x[base + tree.feature[n]] < tree.value[n] ? tree.left[n] : tree.left[n] + 1;
  return tree.value[n];
}
