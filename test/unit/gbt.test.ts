// Boosted trees: the engine (src/core/gbt.ts, gbtModel.ts) and the gbt-sa / gbt methods (detectors/boosted.ts).
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Column, Dataset } from '../../src/core/data/types';
import { loadDataset } from '../../src/core/data';
import { BoostedTreesMethod, ClassifierMethod, Detector } from '../../src/core/detector';
import { binEdges, binRows, GBT_DEFAULTS, GbtSettings, logistic, sortFloats, trainBoosted } from '../../src/core/gbt';
import { compileTrees, predictCompiled, treeProblem, treeScorer } from '../../src/core/gbtModel';
import { commandLineOptions, resolveOptions } from '../../src/core/options';
import { loadDetector, MODEL_FILE, saveDetector } from '../../src/core/persist';
import { createRng } from '../../src/core/rng';
import { gaussianDataset, rejectsInput } from './helpers';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** `rows` rows of `cols` columns, uniform in [0, 1), with label 1 where `anomaly(row values)`. */
function randomRows(
  seed: number,
  rows: number,
  cols: number,
  anomaly: (v: Float32Array) => boolean,
): { x: Float32Array; rows: number; cols: number; label: Uint8Array } {
  const rng = createRng(seed);
  const x = new Float32Array(rows * cols);
  for (let i = 0; i < x.length; i++) x[i] = rng.next();
  const label = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) label[r] = anomaly(x.subarray(r * cols, (r + 1) * cols)) ? 1 : 0;
  return { x, rows, cols, label };
}

/** `s` as a regular expression that matches it literally. */
function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const SETTINGS: GbtSettings = { ...GBT_DEFAULTS, rounds: 20, earlyStopping: 0 };

describe('boosted trees: the engine', () => {
  it("logistic loss: the gradient and hessian are the loss's derivatives (central differences)", () => {
    for (const y of [0, 1]) {
      for (const f of [-30, -4, -0.5, 0, 0.3, 2, 25]) {
        const e = 1e-4;
        const { g, h } = logistic(f, y);
        const dLoss = (logistic(f + e, y).loss - logistic(f - e, y).loss) / (2 * e);
        const dG = (logistic(f + e, y).g - logistic(f - e, y).g) / (2 * e);
        assert.ok(Math.abs(dLoss - g) < 1e-7, `y ${y}, f ${f}: g ${g}, finite difference ${dLoss}`);
        assert.ok(Math.abs(dG - h) < 1e-7, `y ${y}, f ${f}: h ${h}, finite difference ${dG}`);
        assert.ok(Number.isFinite(logistic(f, y).loss));
      }
    }
    // The loss itself: log(1 + e^f) - y f.
    assert.ok(Math.abs(logistic(0, 1).loss - Math.log(2)) < 1e-15);
    assert.ok(Math.abs(logistic(2, 0).loss - Math.log1p(Math.exp(2))) < 1e-12);
  });

  it('grows the tree worked out by hand on four rows', async () => {
    // x0 = [1, 3, 2, 4], x1 = [1, 2, 3, 4], labels [0, 0, 1, 1]. Prior log-odds log(2/2) = 0, so p = 0.5 on every
    // row: g = p - y = [0.5, 0.5, -0.5, -0.5], h = p (1 - p) = 0.25. lambda 1, gain = GL²/(HL+1) + GR²/(HR+1):
    //   x1 < 1.5: GL 0.5, HL 0.25 | GR -0.5, HR 0.75 -> 0.25/1.25 + 0.25/1.75 = 0.342857
    //   x1 < 2.5: GL 1, HL 0.5 | GR -1, HR 0.5     -> 1/1.5 + 1/1.5 = 1.333333  (the best)
    //   x1 < 3.5: as x1 < 1.5 mirrored             -> 0.342857
    //   x0 < 1.5 and x0 < 3.5: 0.342857; x0 < 2.5 (rows 0 and 2, labels 0 and 1): GL 0 -> 0
    // Split: feature 1 at 2.5 (half-way between 2 and 3). Leaves -G/(H+1) * eta with eta 1: left -1/1.5 = -2/3,
    // right +2/3.
    const x = Float32Array.of(1, 1, 3, 2, 2, 3, 4, 4);
    const label = Uint8Array.of(0, 0, 1, 1);
    const fit = await trainBoosted({ x, rows: 4, cols: 2, label }, undefined, {
      ...SETTINGS,
      rounds: 1,
      maxDepth: 1,
      learningRate: 1,
      lambda: 1,
      minChildWeight: 0,
    });
    assert.equal(fit.model.baseScore, 0);
    const [tree] = fit.model.trees;
    assert.deepEqual([...tree.feature], [1, -1, -1]);
    assert.deepEqual([...tree.left], [1, 0, 0]);
    assert.equal(tree.value[0], 2.5);
    assert.equal(tree.value[1], Math.fround(-2 / 3));
    assert.equal(tree.value[2], Math.fround(2 / 3));
    // minChildWeight 0.6 forbids children of hessian 0.5: no split, one leaf of value -G/(H+1) = 0.
    const none = await trainBoosted({ x, rows: 4, cols: 2, label }, undefined, {
      ...SETTINGS,
      rounds: 1,
      maxDepth: 1,
      learningRate: 1,
      minChildWeight: 0.6,
    });
    assert.deepEqual([...none.model.trees[0].feature], [-1]);
  });

  it('cuts bins between distinct values, at quantiles when there are more values than bins', () => {
    // Three distinct values: edges half-way between them.
    const few = binEdges(Float32Array.of(0, 1, 1, 0, 3), 5, 1, 256);
    assert.deepEqual([...few[0]], [0.5, 2]);
    assert.deepEqual([...binRows(Float32Array.of(-1, 0, 0.5, 1, 2, 3, 9), 7, 1, few)], [0, 0, 1, 1, 2, 2, 2]);
    // 1000 distinct values in 4 bins: edges at the quartiles.
    const many = binEdges(
      Float32Array.from({ length: 1000 }, (_, i) => 999 - i),
      1000,
      1,
      4,
    );
    assert.deepEqual([...many[0]], [249.5, 499.5, 749.5]);
    // Adjacent float32 values: the half-way point rounds to one of them, so the edge is the upper one.
    const up = Math.fround(1 + 2 ** -23);
    const tight = binEdges(Float32Array.of(1, up), 2, 1, 256);
    assert.deepEqual([...tight[0]], [up]);
    assert.deepEqual([...binRows(Float32Array.of(1, up), 2, 1, tight)], [0, 1]);
    // Features are binned separately (row-major input).
    const two = binEdges(Float32Array.of(0, 5, 1, 5, 0, 6), 3, 2, 256);
    assert.deepEqual(
      two.map((e) => [...e]),
      [[0.5], [5.5]],
    );
  });

  it('stops early and keeps the trees of the round with the lowest validation loss', async () => {
    // Validation labels unrelated to the training labels: the validation loss is lowest after a few rounds.
    const train = randomRows(1, 400, 3, (v) => v[0] > 0.5);
    const valid = randomRows(2, 200, 3, (v) => v[1] > 0.7);
    const fit = await trainBoosted(train, valid, { ...SETTINGS, rounds: 200, earlyStopping: 5 });
    assert.ok(fit.stoppedEarly);
    assert.ok(fit.bestRound >= 1 && fit.bestRound < 195, `best round ${fit.bestRound}`);
    assert.equal(fit.rounds, fit.bestRound + 5);
    assert.equal(fit.model.trees.length, fit.bestRound);
    const losses = fit.history.map((h) => h.valLoss);
    assert.equal(Math.min(...losses), losses[fit.bestRound - 1]);
    assert.equal(fit.bestValLoss, losses[fit.bestRound - 1]);
    // Without validation rows every round is kept.
    const all = await trainBoosted(train, undefined, { ...SETTINGS, rounds: 12, earlyStopping: 5 });
    assert.equal(all.model.trees.length, 12);
    assert.ok(Number.isNaN(all.bestValLoss));
  });

  it('is deterministic, and cancelling keeps the trees grown so far', async () => {
    const train = randomRows(3, 500, 4, (v) => v[0] + v[1] > 1.2);
    const a = await trainBoosted(train, undefined, SETTINGS);
    const b = await trainBoosted(train, undefined, SETTINGS);
    assert.deepEqual(a.model, b.model);
    const stop = new AbortController();
    const cut = await trainBoosted(train, undefined, SETTINGS, {
      onRound: (p) => {
        if (p.epoch === 7) stop.abort();
      },
      signal: stop.signal,
    });
    assert.ok(cut.cancelled);
    assert.equal(cut.model.trees.length, 7);
    assert.deepEqual(cut.model.trees, a.model.trees.slice(0, 7));
  });

  it('scores with the compiled trees as a walk down each tree does, summed in float32', async () => {
    const train = randomRows(4, 600, 5, (v) => v[2] * v[3] > 0.3);
    const fit = await trainBoosted(train, undefined, { ...SETTINGS, maxDepth: 4 });
    const rows = 301; // not a multiple of the blocks of 4 and 128 rows
    const test = randomRows(5, rows, 5, () => false);
    const got = predictCompiled(compileTrees(fit.model), test.x, rows, 5);
    for (let r = 0; r < rows; r++) {
      let acc = 0;
      for (const tree of fit.model.trees) {
        let n = 0;
        while (tree.feature[n] >= 0)
          n = test.x[r * 5 + tree.feature[n]] < tree.value[n] ? tree.left[n] : tree.left[n] + 1;
        acc = Math.fround(acc + tree.value[n]);
      }
      assert.equal(got[r], Math.fround(acc + fit.model.baseScore), `row ${r}`);
    }
  });

  it('grows the same trees on 1 and 2 threads (histograms split by features over a worker)', async function () {
    this.timeout(20_000);
    const data = randomRows(11, 9000, 100, (v) => v[3] + v[40] * v[77] > 0.9);
    for (let i = 0; i < data.x.length; i += 7) data.x[i] = Math.round(data.x[i] * 3); // low-cardinality values too
    const settings = { ...SETTINGS, rounds: 8, maxDepth: 5 };
    const one = await trainBoosted(data, undefined, { ...settings, threads: 1 });
    const two = await trainBoosted(data, undefined, { ...settings, threads: 2 });
    assert.equal(one.threads, 1);
    assert.equal(two.threads, 2);
    assert.deepEqual(two.model, one.model);
    // Few rows: no workers, whatever is asked.
    const small = await trainBoosted(
      randomRows(12, 300, 5, (v) => v[0] > 0.5),
      undefined,
      { ...settings, threads: 4 },
    );
    assert.equal(small.threads, 1);
  });

  it('sorts floats by radix as Float32Array.prototype.sort does: -0 before +0, NaN last', () => {
    const rng = createRng(13);
    const specials = [0, -0, NaN, Infinity, -Infinity, 1e-45, -1e-45, 3.4e38];
    const v = Float32Array.from({ length: 5000 }, (_, i) => (i % 9 === 0 ? specials[i % 8] : (rng.next() - 0.5) * 1e4));
    const want = v.slice().sort();
    sortFloats(v, new Uint32Array(v.length), new Uint32Array(v.length));
    for (let i = 0; i < v.length; i++) assert.ok(Object.is(v[i], want[i]), `value ${i}: ${v[i]} vs ${want[i]}`);
  });

  it('scores bit-identically in WebAssembly: any depth, NaN, rows not a multiple of 8 or of the block', async () => {
    for (const maxDepth of [1, 3, 6]) {
      const train = randomRows(6 + maxDepth, 800, 7, (v) => v[1] + v[4] * v[5] > 0.8);
      const fit = await trainBoosted(train, undefined, { ...SETTINGS, maxDepth });
      const compiled = compileTrees(fit.model);
      const scorer = treeScorer(compiled, 7);
      assert.equal(scorer.kernel, 'wasm');
      for (const rows of [0, 1, 3, 9, 130, 517]) {
        const test = randomRows(9, rows, 7, () => false);
        for (let i = 0; i < test.x.length; i += 13) test.x[i] = NaN;
        const want = predictCompiled(compiled, test.x, rows, 7);
        const got = scorer.score(test.x, rows);
        assert.equal(got.length, rows);
        for (let r = 0; r < rows; r++) assert.ok(Object.is(got[r], want[r]), `depth ${maxDepth}, row ${r} of ${rows}`);
      }
    }
    // A model of no trees scores its base.
    const none = treeScorer(compileTrees({ cols: 2, baseScore: 0.25, trees: [] }), 2);
    assert.deepEqual(Array.from(none.score(new Float32Array(6), 3)), [0.25, 0.25, 0.25]);
  });

  it('finds what is wrong with a tree: feature, child, second parent, values, depth', () => {
    const tree = (feature: number[], value: number[], left: number[]) => ({
      feature: Int32Array.from(feature),
      value: Float32Array.from(value),
      left: Int32Array.from(left),
    });
    assert.equal(treeProblem(tree([0, -1, -1], [0.5, 1, 2], [1, 0, 0]), 3, 6), undefined);
    assert.equal(
      treeProblem(tree([3, -1, -1], [0.5, 1, 2], [1, 0, 0]), 3, 6),
      'node 0: feature must be a column index in 0..2, or -1 for a leaf, got 3',
    );
    assert.equal(
      treeProblem(tree([0, 0, -1, -1, -1], [0.5, 0.5, 1, 2, 3], [1, 0, 0, 0, 0]), 3, 6),
      'node 1: left child must be a node index in 2..3 (children come after their parent), got 0',
    );
    assert.equal(
      treeProblem(tree([0, -1, -1], [0.5, 1, 2], [2, 0, 0]), 3, 6),
      'node 0: left child must be a node index in 1..1 (children come after their parent), got 2',
    );
    assert.equal(
      treeProblem(tree([0, 1, -1, -1, -1], [0.5, 0.5, 1, 2, 3], [1, 2, 0, 0, 0]), 3, 6),
      'node 1: child 2 already has a parent',
    );
    assert.equal(
      treeProblem(tree([0, -1, -1], [NaN, 1, 2], [1, 0, 0]), 3, 6),
      'node 0: threshold must be a finite number, got NaN',
    );
    assert.equal(
      treeProblem(tree([0, -1, -1], [0.5, 1, Infinity], [1, 0, 0]), 3, 6),
      'node 2: leaf value must be a finite number, got Infinity',
    );
    assert.equal(treeProblem(tree([0, -1, -1], [0.5, 1, 2], [1, 0, 0]), 3, 0), 'node 1: is at depth 1, deeper than 0');
  });
});

describe('boosted trees: the gbt-sa and gbt methods', function () {
  this.timeout(120_000);
  const train = gaussianDataset(11);
  const test = gaussianDataset(12);
  const SMALL = { rounds: 30, seed: 0 } as const;

  it('are registered with their own options and command-line flags, sharing the classifier specs', () => {
    const o = resolveOptions({ method: 'gbt-sa' });
    assert.equal(o.rounds, 300);
    assert.equal(o.depth, 6);
    assert.equal(o.eta, 0.1);
    assert.equal(o.earlyStop, 20);
    const flags = commandLineOptions().map((c) => c.flag);
    for (const f of ['rounds', 'depth', 'eta', 'lambda', 'min-child-weight', 'bins', 'early-stop'])
      assert.ok(flags.includes(f), f);
    assert.throws(() => resolveOptions({ method: 'gbt', depth: 13 }), {
      message: "detector option 'depth' must be an integer from 1 to 12, got 13",
    });
    assert.deepEqual(BoostedTreesMethod.methods, ['gbt-sa', 'gbt']);
    for (const shared of ['syntheticRatio', 'synthetic', 'delta', 'validationSplit', 'threads'])
      assert.equal(BoostedTreesMethod.options[shared], ClassifierMethod.options[shared], shared);
  });

  it('gbt-sa finds anomaly types it never saw; the score is the log-odds of anomaly', async () => {
    const det = await new Detector({ ...SMALL, method: 'gbt-sa', known: ['far'] }).fit(train);
    assert.equal(det.name, 'GBT-SA');
    const rep = det.evaluate(test);
    const wide = rep.perType.find((t) => t.type === 'wide')!;
    assert.ok(wide.auroc > 0.85, `unseen 'wide' AUROC ${wide.auroc}`);
    assert.ok(rep.auroc > 0.9, `AUROC ${rep.auroc}`);
    const s = det.fitted.summary;
    assert.ok(s.syntheticRows > 0);
    assert.equal(s.history.length, s.epochs);
    assert.ok(s.bestEpoch >= 1 && s.bestEpoch <= s.epochs);
    assert.ok(Number.isFinite(s.bestValLoss));
    const model = det.fitted.model as BoostedTreesMethod;
    assert.equal(model.trees.trees.length, s.bestEpoch);
  });

  it('gbt trains without synthetic rows and refuses data without labelled anomalies, as VC does', async () => {
    const det = await new Detector({ ...SMALL, method: 'gbt', known: ['far'] }).fit(train);
    assert.equal(det.fitted.summary.syntheticRows, 0);
    assert.ok(det.evaluate(test).perType.find((t) => t.type === 'far')!.auroc > 0.95);
    const unlabelled: Dataset = {
      source: 'no-labels',
      rowCount: train.rowCount,
      columns: train.features,
      features: train.features,
    };
    await rejectsInput(
      new Detector({ method: 'gbt' }).fit(unlabelled),
      'no-labels: GBT needs labelled anomalies (use method gbt-sa or iforest)',
    );
  });

  it('flags a planted anomaly in unlabelled data and explains it by its feature', async () => {
    // 6 Gaussian features, every 100th row has x3 shifted by +8.
    const rng = createRng(7);
    const n = 1000;
    const columns: Column[] = Array.from({ length: 6 }, (_, d): Column => ({
      name: `x${d}`,
      kind: 'numeric',
      values: Float64Array.from({ length: n }, (_, i) => rng.normal() + (d === 3 && i % 100 === 50 ? 8 : 0)),
    }));
    const data: Dataset = { source: 'planted', rowCount: n, columns, features: columns };
    const det = await new Detector({ method: 'gbt-sa', seed: 0 }).fit(data);
    const planted = Array.from({ length: 10 }, (_, k) => 50 + 100 * k);
    // Measured with seed 0: the planted rows rank 4th to 37th of 1000 (axis-aligned trees against uniform
    // synthetic rows also flag the Gaussian tails of the other features); the bound leaves some room.
    const scores = det.scoreSamples(data);
    const rank = (row: number): number => scores.filter((v) => v > scores[row]).length;
    for (const row of planted) assert.ok(rank(row) < 50, `planted row ${row} ranks ${rank(row)}`);
    for (const e of det.explain(data, planted)) assert.equal(e.features[0].feature, 'x3', `row ${e.row}`);
  });

  it('saves and loads: the same scores, and hostile manifests and trees files are refused in one line', async () => {
    const det = await new Detector({ ...SMALL, method: 'gbt-sa' }).fit(train);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthad-gbt-'));
    try {
      await saveDetector(det, dir);
      const loaded = await loadDetector(dir);
      assert.deepEqual(loaded.scoreSamples(test), det.scoreSamples(test));
      assert.equal(loaded.threshold, det.threshold);
      const file = path.join(dir, MODEL_FILE);
      const saved = fs.readFileSync(file, 'utf8');
      const manifest = JSON.parse(saved);
      const treesPath = path.join(dir, manifest.boosted.treesFile);
      const bytes = fs.readFileSync(treesPath);
      const nodes = manifest.boosted.nodes.reduce((a: number, b: number) => a + b, 0);
      const tamper = (edit: (m: any) => void): void => {
        const m = JSON.parse(saved);
        edit(m);
        fs.writeFileSync(file, JSON.stringify(m));
      };
      const refuses = async (edit: (m: any) => void, message: string | RegExp): Promise<void> => {
        tamper(edit);
        await rejectsInput(loadDetector(dir), message);
        fs.writeFileSync(file, saved);
      };
      await refuses(
        (m) => (m.boosted.baseScore = null),
        `${file}: field 'boosted.baseScore' must be a finite number, got null`,
      );
      await refuses(
        (m) => (m.boosted.cols = 3),
        `${file}: field 'boosted.cols' must be 8, the encoder's width (its encoded columns), got 3`,
      );
      await refuses(
        (m) => (m.boosted.trees = 31),
        `${file}: field 'boosted.trees' must be an integer in 0..30 (options.rounds), got 31`,
      );
      await refuses(
        (m) => m.boosted.nodes.pop(),
        new RegExp(
          `^${escape(file)}: field 'boosted\\.nodes' must be an array of ${manifest.boosted.trees} node counts \\(boosted\\.trees\\), got \\[`,
        ),
      );
      await refuses(
        (m) => (m.boosted.nodes[0] = 128),
        `${file}: field 'boosted.nodes[0]' must be an odd integer in 1..127 (a tree of depth 6 at most), got 128`,
      );
      await refuses(
        (m) => (m.boosted.treesFile = '../x.bin'),
        `${file}: field 'boosted.treesFile' must be a file name like weights-<hex>.bin in the model folder, got "../x.bin"`,
      );
      await refuses(
        (m) => delete m.boosted,
        `${file}: field 'boosted' must be an object (the trees of method 'gbt-sa'), got nothing`,
      );
      await refuses((m) => (m.mlp = { inputs: 7 }), `${file}: field 'mlp' must be absent for method 'gbt-sa'`);
      // Node counts that do not match the file's size.
      await refuses(
        (m) => (m.boosted.nodes[0] += 2),
        `${treesPath}: expected ${(nodes + 2) * 12} bytes (12 per node, ${nodes + 2} nodes in ${manifest.boosted.trees} trees), got ${nodes * 12}`,
      );
      // The trees file: int32 features, then float32 values, then int32 left children, over every node.
      const hostileFile = async (edit: (f: Int32Array, v: Float32Array, l: Int32Array) => void, message: string) => {
        const copy = new Uint8Array(bytes);
        edit(
          new Int32Array(copy.buffer, 0, nodes),
          new Float32Array(copy.buffer, 4 * nodes, nodes),
          new Int32Array(copy.buffer, 8 * nodes, nodes),
        );
        fs.writeFileSync(treesPath, copy);
        await rejectsInput(loadDetector(dir), message);
        fs.writeFileSync(treesPath, bytes);
      };
      await hostileFile(
        (f) => (f[0] = 8),
        `${treesPath}: tree 0, node 0: feature must be a column index in 0..7, or -1 for a leaf, got 8`,
      );
      await hostileFile(
        (_, __, l) => (l[0] = 0),
        `${treesPath}: tree 0, node 0: left child must be a node index in 1..${manifest.boosted.nodes[0] - 2} (children come after their parent), got 0`,
      );
      await hostileFile(
        (_, v) => (v[0] = NaN),
        `${treesPath}: tree 0, node 0: threshold must be a finite number, got NaN`,
      );
      const lastLeaf = manifest.boosted.nodes[0] - 1;
      await hostileFile(
        (_, v) => (v[lastLeaf] = -Infinity),
        `${treesPath}: tree 0, node ${lastLeaf}: leaf value must be a finite number, got -Infinity`,
      );
      // Untouched again: loads.
      assert.deepEqual((await loadDetector(dir)).scoreSamples(test), det.scoreSamples(test));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('on the bundled Thyroid sample (known hyperfunction)', () => {
    // Measured with seed 0 (mean of seeds 0-2 in brackets): gbt-sa, flags at their frequencies (the default
    // sampler) 0.984 (0.968), with the paper's uniform sampler 0.956 (0.959); gbt 0.953 (0.969). XGBoost on the
    // same labels measured 0.969 (notes/detection-quality.md). Each threshold a little below seed 0's AUROC.
    const cases = [
      { what: 'gbt-sa', options: { method: 'gbt-sa' }, auroc: 0.97 },
      { what: 'gbt-sa, uniform sampler', options: { method: 'gbt-sa', synthetic: 'uniform' }, auroc: 0.94 },
      { what: 'gbt', options: { method: 'gbt' }, auroc: 0.94 },
    ] as const;
    for (const { what, options, auroc } of cases) {
      it(`${what} reaches AUROC ${auroc}`, async () => {
        const opts = { label: 'class', normal: 'normal' };
        const trainData = await loadDataset(path.join(ROOT, 'samples/thyroid-train.csv'), opts);
        const testData = await loadDataset(path.join(ROOT, 'samples/thyroid-test.csv'), opts);
        const det = await new Detector({ ...options, known: ['hyperfunction'], seed: 0 }).fit(trainData);
        const rep = det.evaluate(testData);
        assert.ok(rep.auroc >= auroc, `${what} AUROC ${rep.auroc}`);
      });
    }
  });
});
