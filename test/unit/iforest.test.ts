import { strict as assert } from 'assert';
import {
  averagePathLength,
  fitIsolationForest,
  IsolationForestModel,
  scoreIsolationForest,
} from '../../src/core/iforest';
import { auroc } from '../../src/core/metrics';
import { createRng } from '../../src/core/rng';

const OUTLIERS: ReadonlyArray<[number, number]> = [
  [7, 7],
  [-7, 6],
  [6, -7],
  [-6, -6],
  [0, 8],
];

/** 500 rows of a standard 2-D Gaussian blob followed by the far OUTLIERS; labels 1 on the outliers. */
function blobWithOutliers(seed: number): { x: Float32Array; rows: number; labels: Uint8Array } {
  const rng = createRng(seed);
  const inliers = 500;
  const rows = inliers + OUTLIERS.length;
  const x = new Float32Array(rows * 2);
  for (let i = 0; i < inliers * 2; i++) x[i] = rng.normal();
  OUTLIERS.forEach(([a, b], k) => {
    x[(inliers + k) * 2] = a;
    x[(inliers + k) * 2 + 1] = b;
  });
  const labels = new Uint8Array(rows);
  labels.fill(1, inliers);
  return { x, rows, labels };
}

describe('isolation forest', () => {
  const { x, rows, labels } = blobWithOutliers(42);

  it('ranks far outliers of a Gaussian blob on top (AUROC > 0.95)', () => {
    const model = fitIsolationForest(x, rows, 2, { seed: 1 });
    const scores = scoreIsolationForest(model, x, rows, 2);
    const order = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a]);
    const top = order.slice(0, OUTLIERS.length).sort((a, b) => a - b);
    assert.deepEqual(top, [500, 501, 502, 503, 504]);
    assert.ok(auroc(labels, scores) > 0.95);
  });

  it('gives scores in (0, 1)', () => {
    const scores = scoreIsolationForest(fitIsolationForest(x, rows, 2, { seed: 3, nEstimators: 20 }), x, rows, 2);
    for (const s of scores) assert.ok(s > 0 && s < 1, `score ${s} outside (0, 1)`);
  });

  it('is deterministic under a seed and changes with the seed', () => {
    const a = scoreIsolationForest(fitIsolationForest(x, rows, 2, { seed: 7, nEstimators: 30 }), x, rows, 2);
    const b = scoreIsolationForest(fitIsolationForest(x, rows, 2, { seed: 7, nEstimators: 30 }), x, rows, 2);
    const c = scoreIsolationForest(fitIsolationForest(x, rows, 2, { seed: 8, nEstimators: 30 }), x, rows, 2);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  it('scores the same after a JSON round trip of the model', () => {
    const model = fitIsolationForest(x, rows, 2, { seed: 5, nEstimators: 10 });
    const copy = JSON.parse(JSON.stringify(model)) as IsolationForestModel;
    assert.deepEqual(scoreIsolationForest(copy, x, rows, 2), scoreIsolationForest(model, x, rows, 2));
    assert.equal(copy.kind, 'isolation-forest');
    assert.deepEqual(copy.options, { nEstimators: 10, maxSamples: 256, seed: 5 });
  });

  it('caps psi at the number of rows and limits tree height to ceil(log2(psi))', () => {
    const model = fitIsolationForest(x.subarray(0, 100), 50, 2, { seed: 1, nEstimators: 5 });
    assert.equal(model.psi, 50);
    for (const tree of model.trees) {
      assert.ok(tree.feature.length <= 2 * 50 - 1);
      const depth = new Map<number, number>([[0, 0]]);
      tree.feature.forEach((f, node) => {
        if (f < 0) return;
        depth.set(tree.left[node], (depth.get(node) as number) + 1);
        depth.set(tree.right[node], (depth.get(node) as number) + 1);
      });
      assert.ok(Math.max(...depth.values()) <= Math.ceil(Math.log2(50)));
    }
  });

  it('scores identical rows 0.5 (every tree is a single leaf of c(psi))', () => {
    const same = new Float32Array(40).fill(3);
    const model = fitIsolationForest(same, 20, 2, { seed: 1, nEstimators: 4 });
    for (const s of scoreIsolationForest(model, same, 20, 2)) assert.equal(s, 0.5);
  });

  it('computes c(n) as in the paper', () => {
    assert.equal(averagePathLength(0), 0);
    assert.equal(averagePathLength(1), 0);
    assert.equal(averagePathLength(2), 1);
    assert.ok(Math.abs(averagePathLength(3) - (2 * (Math.log(2) + 0.5772156649) - 4 / 3)) < 1e-12);
    assert.equal(averagePathLength(256).toFixed(3), '10.245');
    assert.ok(Math.abs(averagePathLength(256) - 10.2448) < 5e-4);
  });

  it('validates options and shapes with clear errors', () => {
    assert.throws(() => fitIsolationForest(x, rows, 2, { seed: 1, nEstimators: 0 }), {
      message: 'nEstimators must be a positive integer: got 0',
    });
    assert.throws(() => fitIsolationForest(x, rows, 2, { seed: 1, maxSamples: 1.5 }), {
      message: 'maxSamples must be an integer >= 2: got 1.5',
    });
    assert.throws(() => fitIsolationForest(x, rows, 3, { seed: 1 }), {
      message: 'x has 1010 values but rows * cols = 505 * 3 = 1515',
    });
    assert.throws(() => fitIsolationForest(new Float32Array([1, NaN]), 1, 2, { seed: 1 }), {
      message: 'x must be finite: row 0, column 1 is NaN',
    });
    assert.throws(() => fitIsolationForest(new Float32Array([1, 2]), 1, 2, { seed: 1 }), {
      message: 'Isolation Forest needs at least 2 training rows: got 1',
    });
    const model = fitIsolationForest(x, rows, 2, { seed: 1, nEstimators: 2 });
    assert.throws(() => scoreIsolationForest(model, new Float32Array(3), 1, 3), {
      message: 'the model was fitted on 2 columns but the data has 3',
    });
  });
});
