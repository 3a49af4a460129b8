/**
 * Histogram gradient boosting with logistic loss (label 1 = anomaly, 0 = normal), pure TypeScript: the engine
 * of the boosted-tree detectors (detectors/boosted.ts). The algorithm is the one XGBoost's `hist` and LightGBM
 * describe: each feature's values are cut into at most `maxBins` bins at quantiles of the training rows; a tree
 * grows depth-first, each node's split chosen from per-bin sums of gradients and hessians (second-order gain
 * with L2 `lambda`, children of hessian sum >= `minChildWeight`); a node's rows are a contiguous range of one
 * index array, partitioned in place; only the smaller child's histogram is built, the larger one's is the
 * parent's minus it. Leaves are -G / (H + lambda) times the learning rate. Early stopping on a validation
 * set's log loss keeps the best round's trees.
 *
 * Deterministic: no randomness at all (the bin sample is a fixed stride), fixed summation orders.
 */
import { Worker } from 'worker_threads';
import type { EpochProgress } from './train';
import { BoostedTrees, MAX_TREE_DEPTH, RegressionTree, treeValue } from './gbtModel';
import { CTRL, histKernelModule, histKernels, HistKernels, HistWorkerInit, PARALLEL_MIN_VALUES } from './gbtHist';
import { workerScript } from './workerScript';

export interface GbtSettings {
  readonly rounds: number;
  readonly maxDepth: number;
  readonly learningRate: number;
  /** L2 penalty on leaf values. */
  readonly lambda: number;
  /** Least hessian sum of a child. */
  readonly minChildWeight: number;
  /** At most this many bins per feature (2..256: bins are bytes). */
  readonly maxBins: number;
  /** Rounds without a better validation loss before stopping; 0 = never stop early. */
  readonly earlyStopping: number;
  /**
   * Threads building the histograms (this one and threads - 1 workers, gbtHist.ts); default 1. The trees are
   * the same for any number.
   */
  readonly threads?: number;
}

export const GBT_DEFAULTS: GbtSettings = {
  rounds: 300,
  maxDepth: 6,
  learningRate: 0.1,
  lambda: 1,
  minChildWeight: 1,
  maxBins: 256,
  earlyStopping: 20,
};

/** Rows with labels: 1 = anomaly, 0 = normal. */
export interface BinaryRows {
  readonly x: Float32Array;
  readonly rows: number;
  readonly cols: number;
  readonly label: Uint8Array;
}

export interface GbtHooks {
  /** Called every `every` rounds (default 1) and after the last, with the round as `epoch`. */
  readonly onRound?: (p: EpochProgress) => void;
  readonly every?: number;
  /** Stops before the next round; the trees so far (up to the best round) are kept. */
  readonly signal?: AbortSignal;
}

export interface GbtResult {
  readonly model: BoostedTrees;
  /** Rounds trained. */
  readonly rounds: number;
  /** Trees kept: the round with the lowest validation loss (all rounds without validation rows). */
  readonly bestRound: number;
  /** NaN without validation rows. */
  readonly bestValLoss: number;
  readonly stoppedEarly: boolean;
  readonly cancelled: boolean;
  readonly seconds: number;
  readonly history: ReadonlyArray<EpochProgress>;
  /** Threads that built the histograms: fewer than asked where the rows are few or a worker did not start. */
  readonly threads: number;
}

/** Rows the bin edges are computed from, at most: a stride sample of bigger sets. */
export const BIN_SAMPLE_ROWS = 200_000;
/** A split must gain more than this (XGBoost's kRtEps): no splits on rounding noise. */
const MIN_GAIN = 1e-6;
/** Least hessian, so a leaf of rows the model is sure about stays finite (XGBoost's floor). */
const MIN_HESSIAN = 1e-16;

/**
 * Each feature's bin edges, ascending float32: a value v falls in bin #{edges <= v}, and the split between
 * bins k-1 and k is `v < edges[k-1]`. With at most `maxBins` distinct values every gap gets an edge (half-way,
 * rounded to float32 but strictly above the lower value); otherwise edges sit where the cumulative count
 * passes each 1/maxBins quantile.
 */
export function binEdges(x: Float32Array, rows: number, cols: number, maxBins: number): Float32Array[] {
  const sample = Math.min(rows, BIN_SAMPLE_ROWS);
  // The sample transposed once, row by row: gathering each feature down the rows missed the cache every value.
  const columns = new Float32Array(sample * cols);
  for (let i = 0; i < sample; i++) {
    const base = Math.floor((i * rows) / sample) * cols;
    for (let f = 0; f < cols; f++) columns[f * sample + i] = x[base + f];
  }
  const edges: Float32Array[] = [];
  const keys = new Uint32Array(sample),
    spare = new Uint32Array(sample);
  for (let f = 0; f < cols; f++) {
    const values = columns.subarray(f * sample, (f + 1) * sample);
    sortFloats(values, keys, spare);
    const out: number[] = [];
    const between = (lo: number, hi: number): number => {
      const mid = Math.fround(lo / 2 + hi / 2);
      return mid > lo ? mid : hi;
    };
    let distinct = 1;
    for (let i = 1; i < sample; i++) if (values[i] !== values[i - 1]) distinct++;
    if (distinct <= maxBins) {
      for (let i = 1; i < sample; i++) if (values[i] !== values[i - 1]) out.push(between(values[i - 1], values[i]));
    } else {
      // Cut before the first value whose rank passes the next quantile, once per distinct value.
      let next = 1;
      for (let i = 1; i < sample && out.length < maxBins - 1; i++) {
        if (values[i] === values[i - 1] || i < (next * sample) / maxBins) continue;
        out.push(between(values[i - 1], values[i]));
        while (next * sample <= i * maxBins) next++;
      }
    }
    edges.push(Float32Array.from(out));
  }
  return edges;
}

/**
 * Sorts float32 values in place in the order Float32Array.prototype.sort gives (-0 before +0, NaN last), by
 * radix sort of their bits (11, 11 and 10 bits: three passes): about 3x faster than the comparison sort on 45 K rows.
 * `keys` and `spare` are scratch of at least values.length.
 */
export function sortFloats(values: Float32Array, keys: Uint32Array, spare: Uint32Array): void {
  const n = values.length;
  const bits = new Uint32Array(values.buffer, values.byteOffset, n);
  // Order-preserving keys: flip every bit of a negative, the sign bit of a positive; every NaN sorts last.
  for (let i = 0; i < n; i++) {
    const b = bits[i];
    keys[i] = values[i] !== values[i] ? 0xffffffff : b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
  }
  const count = new Uint32Array(2048);
  radixPass(keys, spare, n, 0, 0x7ff, count);
  radixPass(spare, keys, n, 11, 0x7ff, count);
  radixPass(keys, spare, n, 22, 0x3ff, count);
  const from = spare;
  for (let i = 0; i < n; i++) {
    const k = from[i];
    bits[i] = k === 0xffffffff ? 0x7fc00000 : k & 0x80000000 ? k & 0x7fffffff : ~k >>> 0;
  }
}

/** One stable counting pass of sortFloats: `from` into `to` by bits shift.. of each key. */
function radixPass(
  from: Uint32Array,
  to: Uint32Array,
  n: number,
  shift: number,
  mask: number,
  count: Uint32Array,
): void {
  count.fill(0);
  for (let i = 0; i < n; i++) count[(from[i] >>> shift) & mask]++;
  let sum = 0;
  for (let k = 0; k <= mask; k++) {
    const c = count[k];
    count[k] = sum;
    sum += c;
  }
  for (let i = 0; i < n; i++) {
    const k = from[i];
    to[count[(k >>> shift) & mask]++] = k;
  }
}

/** Row-major bytes: the bin of every value (#{edges <= v}, by binary search). */
export function binRows(x: Float32Array, rows: number, cols: number, edges: ReadonlyArray<Float32Array>): Uint8Array {
  const bins = new Uint8Array(rows * cols);
  for (let f = 0; f < cols; f++) {
    const e = edges[f];
    for (let r = 0; r < rows; r++) {
      const v = x[r * cols + f];
      let lo = 0,
        hi = e.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (e[mid] <= v) lo = mid + 1;
        else hi = mid;
      }
      bins[r * cols + f] = lo;
    }
  }
  return bins;
}

/**
 * binRows as histogram slots: each value's bin plus its feature's offset, into `slots` (row-major); and the
 * bins feature by feature into `columns` (what partitioning a node reads).
 */
function binSlots(
  x: Float32Array,
  rows: number,
  cols: number,
  edges: ReadonlyArray<Float32Array>,
  offsets: Int32Array,
  slots: Uint16Array | Uint32Array,
  columns: Uint8Array,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let f = 0; f < cols; f++) {
      const e = edges[f];
      const v = x[base + f];
      let lo = 0,
        hi = e.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (e[mid] <= v) lo = mid + 1;
        else hi = mid;
      }
      slots[base + f] = offsets[f] + lo;
      columns[f * rows + r] = lo;
    }
  }
}

/**
 * Logistic loss of log-odds f for label y, with its gradient and hessian in f: loss = log(1 + e^f) - y f,
 * g = sigmoid(f) - y, h = sigmoid(f) (1 - sigmoid(f)). Stable for any finite f.
 */
export function logistic(f: number, y: number): { loss: number; g: number; h: number } {
  const e = Math.exp(-Math.abs(f));
  const p = f >= 0 ? 1 / (1 + e) : e / (1 + e);
  return { loss: (f > 0 ? f : 0) - f * y + Math.log1p(e), g: p - y, h: p * (1 - p) };
}

/** The prior's log-odds: what every row's score starts from. */
export function priorLogOdds(label: Uint8Array): number {
  let pos = 0;
  for (let i = 0; i < label.length; i++) pos += label[i];
  if (pos === 0 || pos === label.length)
    throw new RangeError(`boosting needs both classes in its training rows, got ${pos} of ${label.length} anomalies`);
  return Math.fround(Math.log(pos / (label.length - pos)));
}

/** Trains boosted trees on `train`, early stopping on `valid` (unless it has no rows). */
export async function trainBoosted(
  train: BinaryRows,
  valid: BinaryRows | undefined,
  s: GbtSettings,
  hooks: GbtHooks = {},
): Promise<GbtResult> {
  checkSettings(s);
  const started = Date.now();
  const { rows: n, cols: d } = train;
  priorLogOdds(train.label); // both classes, before binning
  const asked = Math.max(1, Math.floor(s.threads ?? 1));
  // Workers only pay where a histogram's values far outnumber a wake-up's cost.
  const parallel = asked > 1 && n * d >= 4 * PARALLEL_MIN_VALUES;
  const grower = new TreeGrower(train.x, n, d, s, parallel);
  let threads = 1;
  try {
    // A worker that does not start (its script missing) leaves the histograms to this thread.
    if (parallel) threads = await grower.startWorkers(asked).catch(() => 1);
    return await boost(grower, train, valid, s, hooks, started, threads);
  } finally {
    await grower.stopWorkers();
  }
}

async function boost(
  grower: TreeGrower,
  train: BinaryRows,
  valid: BinaryRows | undefined,
  s: GbtSettings,
  hooks: GbtHooks,
  started: number,
  threads: number,
): Promise<GbtResult> {
  const { rows: n, cols: d } = train;
  const base = priorLogOdds(train.label);
  const f = new Float64Array(n).fill(base);
  const nv = valid?.rows ?? 0;
  const fv = new Float64Array(nv).fill(base);
  const trees: RegressionTree[] = [];
  const history: EpochProgress[] = [];
  let bestRound = 0,
    bestValLoss = Infinity,
    stoppedEarly = false,
    cancelled = false;
  const every = Math.max(1, hooks.every ?? 1);
  for (let round = 1; round <= s.rounds; round++) {
    if (hooks.signal?.aborted) {
      cancelled = true;
      break;
    }
    const t0 = performance.now();
    const loss = grower.gradients(f, train.label);
    const tree = grower.grow(f);
    trees.push(tree);
    let valLoss = NaN;
    if (valid && nv > 0) {
      valLoss = 0;
      for (let r = 0; r < nv; r++) {
        fv[r] += treeValue(tree, valid.x, r * d);
        valLoss += logistic(fv[r], valid.label[r]).loss;
      }
      valLoss /= nv;
      if (valLoss < bestValLoss) {
        bestValLoss = valLoss;
        bestRound = round;
      }
    } else bestRound = round;
    const seconds = (performance.now() - t0) / 1000;
    const progress: EpochProgress = {
      unit: 'round',
      epoch: round,
      epochs: s.rounds,
      loss,
      valLoss,
      bestEpoch: bestRound,
      seconds,
      rowsPerSecond: n / Math.max(seconds, 1e-6),
    };
    history.push(progress);
    const last = round === s.rounds;
    const stop = s.earlyStopping > 0 && nv > 0 && round - bestRound >= s.earlyStopping;
    if (round % every === 0 || last || stop) hooks.onRound?.(progress);
    if (stop) {
      stoppedEarly = !last;
      break;
    }
    // Lets the event loop deliver an abort and the progress line between rounds.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return {
    model: { cols: d, baseScore: base, trees: trees.slice(0, bestRound) },
    rounds: trees.length,
    bestRound,
    bestValLoss: nv > 0 ? bestValLoss : NaN,
    stoppedEarly,
    cancelled,
    seconds: (Date.now() - started) / 1000,
    history,
    threads,
  };
}

function checkSettings(s: GbtSettings): void {
  const bad = (what: string, v: number): never => {
    throw new RangeError(`boosting setting '${what}' is out of range: ${v}`);
  };
  if (!(Number.isInteger(s.rounds) && s.rounds >= 1)) bad('rounds', s.rounds);
  if (!(Number.isInteger(s.maxDepth) && s.maxDepth >= 1 && s.maxDepth <= MAX_TREE_DEPTH)) bad('maxDepth', s.maxDepth);
  if (!(s.learningRate > 0)) bad('learningRate', s.learningRate);
  if (!(s.lambda >= 0)) bad('lambda', s.lambda);
  if (!(s.minChildWeight >= 0)) bad('minChildWeight', s.minChildWeight);
  if (!(Number.isInteger(s.maxBins) && s.maxBins >= 2 && s.maxBins <= 256)) bad('maxBins', s.maxBins);
}

/** The best split of a node: left = rows whose bin of `feature` is below `bin`. */
interface Split {
  readonly feature: number;
  readonly bin: number;
  readonly gain: number;
}

/**
 * Grows one tree per call on binned rows. Holds what every tree reuses: the bins (row-major histogram slots),
 * each feature's offset in a histogram, gradients (interleaved g, h per row, float32 values as float64), the
 * row index array and a pool of histograms (interleaved sums of g and h per slot), so growing allocates nothing
 * per row. All but the scratch live in one WebAssembly memory, shared with the histogram workers (gbtHist.ts)
 * when there are any; without WebAssembly SIMD they are ordinary arrays and JavaScript builds the histograms.
 */
class TreeGrower {
  private readonly edges: Float32Array[];
  /**
   * Row-major: each value's histogram slot, its feature's offset plus its bin, so building a histogram adds no
   * offsets. Two bytes a value while every feature's bins fit in 65536 slots (fewer than 256 features at 256 bins).
   */
  private readonly slots: Uint16Array | Uint32Array;
  /**
   * Feature-major bins: partitioning a node reads one feature of its rows, in ascending row order, so a column
   * (n bytes) reads almost sequentially where the row-major slots missed the cache every row.
   */
  private readonly columns: Uint8Array;
  /** Feature f's bins start at offsets[f] in a histogram; it has binCount[f] of them. */
  private readonly offsets: Int32Array;
  private readonly binCount: Int32Array;
  private readonly histLength: number;
  private readonly gh: Float64Array;
  private readonly index: Uint32Array;
  private readonly scratch: Uint32Array;
  private readonly pool: Hist[] = [];
  private readonly memory: WebAssembly.Memory | undefined;
  private readonly kernels: HistKernels | undefined;
  private readonly at = { slots: 0, gh: 0, index: 0 };
  private readonly slotBytes: 2 | 4;
  private workers: HistWorkers | undefined;
  // The tree being grown, and the scores its leaves are added to.
  private feature: Int32Array;
  private value: Float32Array;
  private left: Int32Array;
  private nodes = 0;
  private f: Float64Array = new Float64Array(0);

  constructor(
    x: Float32Array,
    private readonly n: number,
    private readonly d: number,
    private readonly s: GbtSettings,
    shared: boolean,
  ) {
    this.edges = binEdges(x, n, d, s.maxBins);
    this.offsets = new Int32Array(d);
    this.binCount = new Int32Array(d);
    let total = 0;
    for (let j = 0; j < d; j++) {
      this.offsets[j] = total;
      this.binCount[j] = this.edges[j].length + 1;
      total += this.binCount[j];
    }
    this.histLength = 2 * total;
    this.slotBytes = total <= 65536 ? 2 : 4;
    const histograms = s.maxDepth + 3;
    const align = (b: number): number => Math.ceil(b / 64) * 64;
    this.at.gh = align(n * d * this.slotBytes);
    this.at.index = this.at.gh + align(16 * n);
    const histAt = this.at.index + align(4 * n);
    const bytes = histAt + histograms * align(8 * this.histLength);
    const module = histKernelModule(this.slotBytes, shared);
    const pages = Math.ceil(bytes / 65536);
    if (module && pages <= 65536) {
      this.memory = new WebAssembly.Memory(
        shared ? { initial: pages, maximum: pages, shared: true } : { initial: pages, maximum: pages },
      );
      this.kernels = histKernels(module, this.memory);
    }
    const buffer = this.memory?.buffer;
    const slotCount = n * d;
    this.slots = buffer
      ? this.slotBytes === 2
        ? new Uint16Array(buffer, 0, slotCount)
        : new Uint32Array(buffer, 0, slotCount)
      : this.slotBytes === 2
        ? new Uint16Array(slotCount)
        : new Uint32Array(slotCount);
    this.columns = new Uint8Array(n * d);
    binSlots(x, n, d, this.edges, this.offsets, this.slots, this.columns);
    this.gh = buffer ? new Float64Array(buffer, this.at.gh, 2 * n) : new Float64Array(2 * n);
    this.index = buffer ? new Uint32Array(buffer, this.at.index, n) : new Uint32Array(n);
    for (let k = histograms - 1; k >= 0; k--) {
      const ptr = histAt + k * align(8 * this.histLength);
      this.pool.push({
        ptr,
        view: buffer ? new Float64Array(buffer, ptr, this.histLength) : new Float64Array(this.histLength),
      });
    }
    this.scratch = new Uint32Array(n);
    const most = 2 ** (s.maxDepth + 1) - 1;
    this.feature = new Int32Array(most);
    this.value = new Float32Array(most);
    this.left = new Int32Array(most);
  }

  /**
   * Starts `threads - 1` histogram workers on the shared memory (a feature range each; this thread keeps the
   * first); resolves to the threads in use: 1 where the memory is not shared or a worker did not start.
   */
  async startWorkers(threads: number): Promise<number> {
    const { memory, d } = this;
    const module = histKernelModule(this.slotBytes, true);
    if (threads <= 1 || !memory || !module || !(memory.buffer instanceof SharedArrayBuffer)) return 1;
    const t = Math.min(threads, d);
    if (t <= 1) return 1;
    const control = new SharedArrayBuffer(4 * CTRL.LENGTH);
    const ranges = Array.from({ length: t }, (_, i) => {
      const f0 = Math.floor((i * d) / t),
        f1 = Math.floor(((i + 1) * d) / t);
      const s0 = this.offsets[f0],
        s1 = f1 < d ? this.offsets[f1] : this.histLength / 2;
      return { j0: f0 * this.slotBytes, j1: f1 * this.slotBytes, h0: 16 * s0, h1: 16 * s1 };
    });
    const script = workerScript('gbt-worker.js', 'gbtWorker.js', 'boosted-tree worker');
    const started: Worker[] = [];
    try {
      await Promise.all(
        ranges.slice(1).map((range) => {
          const init: HistWorkerInit = {
            memory,
            module,
            control,
            slots: this.at.slots,
            stride: d * this.slotBytes,
            gh: this.at.gh,
            slotBytes: this.slotBytes,
            ...range,
          };
          const worker = new Worker(script, { workerData: init });
          started.push(worker);
          return new Promise<void>((resolve, reject) => {
            worker.once('message', () => resolve());
            worker.once('error', reject);
            worker.once('exit', (code) => reject(new Error(`boosted-tree worker exited with ${code}`)));
          });
        }),
      );
    } catch (err) {
      await Promise.all(started.map((w) => w.terminate()));
      throw err;
    }
    for (const w of started) {
      w.removeAllListeners('exit');
      w.removeAllListeners('error');
      // A failure is seen in the control array (FAILED); its message here.
      w.on('error', (err) => (this.workers!.error ??= err));
    }
    this.workers = { workers: started, ctrl: new Int32Array(control), own: ranges[0], error: undefined };
    return t;
  }

  /** Stops the workers (they exit at the next wake-up). */
  async stopWorkers(): Promise<void> {
    const w = this.workers;
    if (!w) return;
    this.workers = undefined;
    Atomics.store(w.ctrl, CTRL.STOP, 1);
    Atomics.add(w.ctrl, CTRL.GEN, 1);
    Atomics.notify(w.ctrl, CTRL.GEN);
    await Promise.all(w.workers.map((worker) => worker.terminate()));
  }

  /** Sets the gradients at log-odds `f`; returns the mean training loss. */
  gradients(f: Float64Array, label: Uint8Array): number {
    const gh = this.gh;
    let loss = 0;
    for (let r = 0; r < this.n; r++) {
      const fr = f[r],
        y = label[r];
      const e = Math.exp(fr >= 0 ? -fr : fr);
      const p = fr >= 0 ? 1 / (1 + e) : e / (1 + e);
      loss += (fr > 0 ? fr : 0) - fr * y + Math.log1p(e);
      // float32 gradients, as the histograms always summed them.
      gh[2 * r] = Math.fround(p - y);
      const h = p * (1 - p);
      gh[2 * r + 1] = Math.fround(h > MIN_HESSIAN ? h : MIN_HESSIAN);
    }
    return loss / this.n;
  }

  /** Grows a tree on the current gradients and adds its leaves to `f`. */
  grow(f: Float64Array): RegressionTree {
    this.f = f;
    this.nodes = 1;
    // Every tree starts from the rows in order: the root's histogram reads the bins sequentially.
    for (let i = 0; i < this.n; i++) this.index[i] = i;
    const hist = this.take();
    this.build(hist, 0, this.n);
    this.node(0, 0, this.n, 0, hist);
    this.pool.push(hist);
    const m = this.nodes;
    return { feature: this.feature.slice(0, m), value: this.value.slice(0, m), left: this.left.slice(0, m) };
  }

  /** Makes node `id` (rows index[lo..hi), histogram `hist`) a split with two children, or a leaf. */
  private node(id: number, lo: number, hi: number, depth: number, hist: Hist): void {
    const { g, h } = this.totals(hist.view);
    const split = depth < this.s.maxDepth ? this.bestSplit(hist.view, g, h) : undefined;
    if (!split) {
      this.leaf(id, lo, hi, g, h);
      return;
    }
    const mid = this.partition(lo, hi, split.feature, split.bin);
    const l = this.nodes;
    this.nodes += 2;
    this.feature[id] = split.feature;
    this.value[id] = this.edges[split.feature][split.bin - 1];
    this.left[id] = l;
    // Build the smaller child's histogram; the larger one's is the parent's minus it, in the parent's buffer.
    const small = this.take();
    const leftSmaller = mid - lo <= hi - mid;
    if (leftSmaller) this.build(small, lo, mid);
    else this.build(small, mid, hi);
    if (this.kernels) this.kernels.sub(hist.ptr, small.ptr, hist.ptr + 8 * this.histLength);
    else for (let k = 0; k < this.histLength; k++) hist.view[k] -= small.view[k];
    this.node(l, lo, mid, depth + 1, leftSmaller ? small : hist);
    this.node(l + 1, mid, hi, depth + 1, leftSmaller ? hist : small);
    this.pool.push(small);
  }

  private leaf(id: number, lo: number, hi: number, g: number, h: number): void {
    const w = Math.fround((-g / (h + this.s.lambda)) * this.s.learningRate);
    this.feature[id] = -1;
    this.value[id] = w;
    this.left[id] = 0;
    for (let i = lo; i < hi; i++) this.f[this.index[i]] += w;
  }

  /** Sums of g and h over the node's rows: one feature's bins hold every row once. */
  private totals(hist: Float64Array): { g: number; h: number } {
    let g = 0,
      h = 0;
    const end = 2 * this.binCount[0];
    for (let k = 0; k < end; k += 2) {
      g += hist[k];
      h += hist[k + 1];
    }
    return { g, h };
  }

  /**
   * The split with the largest gain G_L^2/(H_L+lambda) + G_R^2/(H_R+lambda) - G^2/(H+lambda) (XGBoost's, less
   * its factor 1/2), both children's hessian sums at least minChildWeight; ties go to the first feature and bin.
   */
  private bestSplit(hist: Float64Array, g: number, h: number): Split | undefined {
    const { lambda, minChildWeight: mcw } = this.s;
    const parent = (g * g) / (h + lambda);
    let best: Split | undefined;
    let bestGain = MIN_GAIN;
    for (let j = 0; j < this.d; j++) {
      const start = 2 * this.offsets[j],
        nb = this.binCount[j];
      let gl = 0,
        hl = 0;
      for (let b = 0; b + 1 < nb; b++) {
        gl += hist[start + 2 * b];
        hl += hist[start + 2 * b + 1];
        if (hl < mcw) continue;
        const hr = h - hl;
        if (hr < mcw) break;
        const gr = g - gl;
        const gain = (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parent;
        if (gain > bestGain) {
          bestGain = gain;
          best = { feature: j, bin: b + 1, gain };
        }
      }
    }
    return best;
  }

  /**
   * Histogram of rows index[lo..hi): for every row, its g and h added to the bin of each of its features. In
   * WebAssembly (gbtHist.ts), split over the workers by features when the node is large enough; else the
   * JavaScript loop, four features per step so the read-add-writes overlap.
   */
  private build(hist: Hist, lo: number, hi: number): void {
    const k = this.kernels;
    if (!k) {
      this.buildJs(hist.view, lo, hi);
      return;
    }
    const { d, slotBytes } = this;
    const stride = d * slotBytes;
    const w = this.workers;
    const at = this.at.index;
    if (!w || (hi - lo) * d < PARALLEL_MIN_VALUES) {
      hist.view.fill(0);
      k.build(hist.ptr, this.at.slots, stride, at + 4 * lo, at + 4 * hi, this.at.gh, 0, stride);
      return;
    }
    const { ctrl, own } = w;
    ctrl[CTRL.LO] = at + 4 * lo;
    ctrl[CTRL.HI] = at + 4 * hi;
    ctrl[CTRL.HIST] = hist.ptr;
    Atomics.store(ctrl, CTRL.DONE, 0);
    Atomics.add(ctrl, CTRL.GEN, 1);
    Atomics.notify(ctrl, CTRL.GEN);
    hist.view.fill(0, 0, own.h1 / 8);
    k.build(hist.ptr, this.at.slots, stride, at + 4 * lo, at + 4 * hi, this.at.gh, own.j0, own.j1);
    const others = w.workers.length;
    for (let done = Atomics.load(ctrl, CTRL.DONE); done < others; done = Atomics.load(ctrl, CTRL.DONE))
      Atomics.wait(ctrl, CTRL.DONE, done);
    if (Atomics.load(ctrl, CTRL.FAILED) === 1)
      throw new Error(`a boosted-tree worker failed: ${w.error instanceof Error ? w.error.message : 'unknown error'}`);
  }

  private buildJs(hist: Float64Array, lo: number, hi: number): void {
    hist.fill(0);
    const { slots, gh, index, d } = this;
    const d4 = d - (d % 4);
    for (let i = lo; i < hi; i++) {
      const r = index[i];
      const g = gh[2 * r],
        h = gh[2 * r + 1];
      const base = r * d;
      let j = 0;
      for (; j < d4; j += 4) {
        const k0 = slots[base + j] << 1,
          k1 = slots[base + j + 1] << 1,
          k2 = slots[base + j + 2] << 1,
          k3 = slots[base + j + 3] << 1;
        hist[k0] += g;
        hist[k0 + 1] += h;
        hist[k1] += g;
        hist[k1 + 1] += h;
        hist[k2] += g;
        hist[k2 + 1] += h;
        hist[k3] += g;
        hist[k3 + 1] += h;
      }
      for (; j < d; j++) {
        const k = slots[base + j] << 1;
        hist[k] += g;
        hist[k + 1] += h;
      }
    }
  }

  /** Stable partition of index[lo..hi): rows with bin < `bin` in `feature` first; returns where the rest start. */
  private partition(lo: number, hi: number, feature: number, bin: number): number {
    const { index, scratch, n } = this;
    const column = this.columns.subarray(feature * n, (feature + 1) * n);
    let l = lo,
      r = 0;
    for (let i = lo; i < hi; i++) {
      const row = index[i];
      if (column[row] < bin) index[l++] = row;
      else scratch[r++] = row;
    }
    index.set(scratch.subarray(0, r), l);
    return l;
  }

  private take(): Hist {
    const hist = this.pool.pop();
    if (!hist) throw new Error('boosted trees: out of histograms (a tree deeper than its setting?)');
    return hist;
  }
}

/** A histogram: its place in the WebAssembly memory (0 without one) and a view of it. */
interface Hist {
  readonly ptr: number;
  readonly view: Float64Array;
}

/** The started histogram workers and the main thread's own feature range. */
interface HistWorkers {
  readonly workers: Worker[];
  readonly ctrl: Int32Array;
  readonly own: { readonly j0: number; readonly j1: number; readonly h0: number; readonly h1: number };
  error: unknown;
}
