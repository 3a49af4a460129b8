import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, takeBackendHint, createNetwork, describeBackend } from '../../src/core/backend';
import { Blas, loadBlas, blasCandidates } from '../../src/core/blas';
import { BlasMlp, BlasTrainer } from '../../src/core/blasMlp';
import { DataParallelTrainer } from '../../src/core/parallel';
import { lossOf, TfMlp } from '../../src/core/mlp';
import { Activation, initialWeights, LEAKY_SLOPE, LossName, MlpShape, SCORE_BLOCK_ROWS } from '../../src/core/network';
import { createRng } from '../../src/core/rng';
import { assertScoresAgree } from './helpers';

// The BLAS path (Debian's libopenblas0-pthread, installed by .ci/run) against TensorFlow.js: the same
// loss and gradients as the tfjs model (mlp.ts) and as tf.grads of a plain tf.matMul network.

/**
 * Where `ours` differs from `ref` by more than 0.02 % of the value plus 1e-5 of the array's largest
 * magnitude (float32 sums in another order differ by far less; a 0.1 % error does not pass).
 */
function mismatch(ours: ArrayLike<number>, ref: ArrayLike<number>): string | undefined {
  if (ours.length !== ref.length) return `length ${ours.length} vs ${ref.length}`;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) scale = Math.max(scale, Math.abs(ref[i]));
  for (let i = 0; i < ref.length; i++) {
    const tol = 2e-4 * Math.abs(ref[i]) + 1e-5 * scale;
    if (!(Math.abs(ours[i] - ref[i]) <= tol)) return `[${i}]: ${ours[i]} vs ${ref[i]}`;
  }
  return undefined;
}

/** A copy with its largest-magnitude entry 0.1 % larger. */
function perturbed(a: ArrayLike<number>): Float32Array {
  const out = Float32Array.from(a);
  let at = 0;
  for (let i = 1; i < out.length; i++) if (Math.abs(out[i]) > Math.abs(out[at])) at = i;
  out[at] *= 1.001;
  return out;
}

function randomBatch(seed: number, n: number, d: number): { x: Float32Array; y: Float32Array } {
  const rng = createRng(seed);
  return {
    x: Float32Array.from({ length: n * d }, () => rng.next() * 2 - 1),
    // Mostly +1 with a block of -1 and targets whose margins straddle the hinge.
    y: Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? -1 : 1)),
  };
}

/** Loss and gradients of a network written with tf.matMul, differentiated by tf.grads. */
function tfReference(
  shape: MlpShape,
  values: ReadonlyArray<Float32Array>,
  x: Float32Array,
  y: Float32Array,
  n: number,
  loss: LossName,
) {
  return tf.tidy(() => {
    const sizes = [shape.inputs, ...shape.hidden, 1];
    const params = values.map((v, i) =>
      i % 2 === 0 ? tf.tensor2d(v, [sizes[i / 2], sizes[i / 2 + 1]]) : tf.tensor1d(v),
    );
    const xb = tf.tensor2d(x.subarray(0, n * shape.inputs), [n, shape.inputs]);
    const yb = tf.tensor2d(y.subarray(0, n), [n, 1]);
    const f = (...p: tf.Tensor[]): tf.Scalar => {
      let h = xb as tf.Tensor2D;
      for (let l = 0; l < p.length / 2; l++) {
        h = tf.add(tf.matMul(h, p[2 * l] as tf.Tensor2D), p[2 * l + 1]);
        if (l < p.length / 2 - 1) h = shape.activation === 'relu' ? tf.relu(h) : tf.leakyRelu(h, LEAKY_SLOPE);
      }
      return lossOf(h, yb, loss);
    };
    const value = f(...params).dataSync()[0];
    const grads = tf
      .grads(f)(params)
      .map((g) => g.dataSync() as Float32Array);
    return { value, grads };
  });
}

describe('blas backend', () => {
  before(async function () {
    await selectBackend('wasm'); // the tfjs side of the comparisons
  });

  it('finds the platform BLAS and multiplies through it', () => {
    const blas = loadBlas();
    assert.ok(blasCandidates().includes(blas.library), blas.library);
    assert.equal(blas.vendor, 'OpenBLAS');
    // [2x3] x [3x2] with a transposed B and beta = 1 into a non-zero C.
    const a = Float32Array.of(1, 2, 3, 4, 5, 6);
    const bT = Float32Array.of(7, 9, 11, 8, 10, 12); // B = [[7, 8], [9, 10], [11, 12]] stored transposed
    const c = Float32Array.of(1, 1, 1, 1);
    blas.sgemm(false, true, 2, 2, 3, 1, a, 3, bT, 3, 1, c, 2);
    assert.deepEqual(Array.from(c), [59, 65, 140, 155]);
    // Subarrays are passed at their offset.
    const big = new Float32Array(10).fill(0);
    big.set(a, 4);
    const c2 = new Float32Array(4);
    blas.sgemm(false, true, 2, 2, 3, 1, big.subarray(4), 3, bT, 3, 0, c2, 2);
    assert.deepEqual(Array.from(c2), [58, 64, 139, 154]);
  });

  for (const activation of ['leaky_relu', 'relu'] as Activation[]) {
    for (const loss of ['hinge', 'bce'] as LossName[]) {
      it(`gives the loss and every gradient of the tfjs model and of tf.grads (${loss}, ${activation})`, () => {
        const blas = loadBlas();
        const shape: MlpShape = { inputs: 19, hidden: [40, 33], activation };
        const weights = initialWeights(shape, createRng(11));
        const n = 70;
        const { x, y } = randomBatch(12, n, shape.inputs);

        const native = new BlasMlp(blas, shape, weights);
        const trainer = new BlasTrainer(native, { learningRate: 1e-3, weightDecay: 1e-2 }, loss);
        const value = trainer.gradients(x, y, n);

        const ref = tfReference(shape, weights.values, x, y, n, loss);
        const model = new TfMlp(shape, weights);
        const viaModel = tf.tidy(() => {
          const xb = tf.tensor2d(x, [n, shape.inputs]);
          const yb = tf.tensor2d(y, [n, 1]);
          const g = tf.variableGrads(() => lossOf(model.apply(xb), yb, loss), model.variables);
          return {
            value: g.value.dataSync()[0],
            grads: model.variables.map((v) => g.grads[v.name].dataSync() as Float32Array),
          };
        });
        model.dispose();

        assert.equal(mismatch([value], [ref.value]), undefined, `loss ${value} vs tf.grads ${ref.value}`);
        assert.equal(mismatch([value], [viaModel.value]), undefined, `loss ${value} vs tfjs model ${viaModel.value}`);
        assert.notEqual(mismatch(perturbed([value]), [ref.value]), undefined, 'a 0.1 % error in the loss is caught');
        trainer.grads.forEach((g, i) => {
          assert.ok(
            g.some((v) => v !== 0),
            `gradient ${i} is not all zero`,
          );
          assert.equal(mismatch(g, ref.grads[i]), undefined, `gradient ${i} vs tf.grads`);
          assert.equal(mismatch(g, viaModel.grads[i]), undefined, `gradient ${i} vs tfjs model`);
          assert.notEqual(mismatch(perturbed(g), ref.grads[i]), undefined, `a 0.1 % error in gradient ${i} is caught`);
        });
      });
    }
  }

  it('takes the same AdamW steps as the tfjs model', async () => {
    const blas = loadBlas();
    const shape: MlpShape = { inputs: 12, hidden: [30, 20], activation: 'leaky_relu' };
    const weights = initialWeights(shape, createRng(21));
    const native = new BlasMlp(blas, shape, weights);
    const model = new TfMlp(shape, weights);
    const opts = { learningRate: 1e-2, weightDecay: 1e-2 };
    const a = new BlasTrainer(native, opts, 'hinge'),
      b = model.trainer(opts, 'hinge');
    for (let s = 0; s < 5; s++) {
      const { x, y } = randomBatch(30 + s, 50, shape.inputs);
      const la = a.step(x, y, 50),
        lb = await b.step(x, y, 50);
      assert.equal(mismatch([la], [lb]), undefined, `step ${s} loss ${la} vs ${lb}`);
    }
    const wa = native.getWeights().values,
      wb = model.getWeights().values;
    wa.forEach((w, i) => assert.equal(mismatch(w, wb[i]), undefined, `weights ${i} after 5 steps`));
    // The steps moved the weights well beyond the tolerance.
    assert.notEqual(mismatch(wa[0], weights.values[0]), undefined);
    const probe = randomBatch(99, 40, shape.inputs).x;
    assert.equal(
      mismatch(native.predict(probe, 40), model.predict(probe, 40)),
      undefined,
      'predictions after training',
    );
    a.dispose();
    b.dispose();
    model.dispose();
  });

  it('scores in fixed blocks: every product has SCORE_BLOCK_ROWS rows, whatever the chunking and the buffers', () => {
    const real = loadBlas();
    const products: string[] = [];
    // The library as the network calls it, recording each sgemm's M x N x K.
    const blas: Blas = {
      ...real,
      sgemm: (...args: Parameters<Blas['sgemm']>) => {
        products.push(args.slice(2, 5).join('x'));
        real.sgemm(...args);
      },
    };
    const shape: MlpShape = { inputs: 9, hidden: [40, 24], activation: 'leaky_relu' };
    const net = new BlasMlp(blas, shape, initialWeights(shape, createRng(3)));
    assert.ok(net.simd, 'WebAssembly SIMD kernels in use');
    const rows = 1000;
    const { x, y } = randomBatch(4, 3000, 9);
    const all = net.predict(x, rows);
    const B = SCORE_BLOCK_ROWS;
    const blockShapes = [`${B}x40x9`, `${B}x24x40`, `${B}x1x24`];
    assert.deepEqual(
      products,
      Array.from({ length: Math.ceil(rows / B) }, () => blockShapes).flat(),
      'whole blocks, the last one padded',
    );
    for (const chunk of [1, 7, 64, B, 2 * B, 100_000]) {
      products.length = 0;
      const parts = new Float32Array(rows);
      for (let start = 0; start < rows; start += chunk) {
        const n = Math.min(chunk, rows - start);
        parts.set(net.predict(x.subarray(start * 9, (start + n) * 9), n), start);
      }
      assert.deepEqual([...new Set(products)], blockShapes, `chunks of ${chunk}: the same products`);
      // By design: a block-aligned chunk keeps every row at its place in a block, so the bits are the same on
      // any CPU. Elsewhere in a block most kernels round alike too, but not OpenBLAS's Haswell/Zen sgemm.
      if (chunk % B === 0 || chunk >= rows) assert.deepEqual(parts, all, `chunks of ${chunk}: bit for bit`);
      else assertScoresAgree(parts, all, `chunks of ${chunk}`);
    }
    // A batch larger than the buffers grows them, keeping the weights; scoring still runs in the same blocks.
    const before = net.getWeights();
    const small = net.gradients(x, y, 500, 'hinge');
    const big = net.gradients(x, y, 3000, 'hinge'); // needs 3000-row buffers
    assert.ok(Number.isFinite(small) && Number.isFinite(big));
    assert.deepEqual(net.getWeights(), before);
    products.length = 0;
    assert.deepEqual(net.predict(x, rows), all, 'bit for bit after the buffers grew');
    assert.deepEqual([...new Set(products)], blockShapes);
  });

  it('is chosen by auto, reports its library and threads, and sets the thread count', async () => {
    const choice = await selectBackend('auto');
    assert.equal(choice.backend, 'blas');
    assert.match(describeBackend(choice, 2), /^blas: libopenblas\.so\.0 \(OpenBLAS [0-9.]+ [^)]*\), 2 worker threads$/);
    assert.match(describeBackend(choice, 1), /^blas: .*\), 1 thread$/);
    // OpenBLAS is pinned to one thread per caller; the cores are used by data-parallel workers.
    assert.equal(choice.blas!.singleThreaded, true);
    const net = createNetwork(choice, { inputs: 3, hidden: [4], activation: 'relu' }, createRng(1), 1);
    assert.ok(net instanceof BlasMlp);
    const two = createNetwork(choice, { inputs: 3, hidden: [4], activation: 'relu' }, createRng(1), 2);
    const t = two.trainer({ learningRate: 1e-3, weightDecay: 0 }, 'hinge');
    assert.ok(t instanceof DataParallelTrainer);
    t.dispose();
  });

  it('trains data-parallel on 2 worker threads as on one, and identically twice', async () => {
    const blas = loadBlas();
    const shape: MlpShape = { inputs: 12, hidden: [30, 20], activation: 'leaky_relu' };
    const weights = initialWeights(shape, createRng(41));
    const opts = { learningRate: 1e-2, weightDecay: 1e-2 };
    const one = new BlasMlp(blas, shape, weights);
    const runs = [new BlasMlp(blas, shape, weights, { workers: 2 }), new BlasMlp(blas, shape, weights, { workers: 2 })];
    const serial = new BlasTrainer(one, opts, 'bce');
    const parallel = runs.map((n) => n.trainer(opts, 'bce'));
    try {
      for (let s = 0; s < 4; s++) {
        const { x, y } = randomBatch(50 + s, 101, shape.inputs);
        const ls = serial.step(x, y, 101);
        const lp = await Promise.all(parallel.map((t) => t.step(x, y, 101)));
        assert.equal(mismatch([lp[0]], [ls]), undefined, `step ${s} loss ${lp[0]} vs ${ls}`);
        assert.equal(lp[0], lp[1]);
      }
      const w1 = one.getWeights().values;
      runs[0].getWeights().values.forEach((w, i) => assert.equal(mismatch(w, w1[i]), undefined, `weights ${i}`));
      assert.deepEqual(runs[0].getWeights(), runs[1].getWeights(), 'same workers, same weights, bit for bit');
    } finally {
      parallel.forEach((t) => t.dispose());
    }
  });

  describe('without a BLAS', () => {
    const saved = process.env.SYNTHAD_BLAS;
    afterEach(() => {
      if (saved === undefined) delete process.env.SYNTHAD_BLAS;
      else process.env.SYNTHAD_BLAS = saved;
    });

    it('loads the library SYNTHAD_BLAS names (Debian libblas.so.3 is OpenBLAS through alternatives)', async () => {
      process.env.SYNTHAD_BLAS = 'libblas.so.3';
      const choice = await selectBackend('blas');
      assert.equal(choice.blas!.library, 'libblas.so.3');
    });

    it("falls back to wasm under auto with a one-time hint, and fails when 'blas' is forced", async () => {
      process.env.SYNTHAD_BLAS = '/nonexistent/libopenblas.so.0';
      const choice = await selectBackend('auto');
      assert.equal(choice.backend, 'wasm');
      assert.match(choice.skipped[0], /^blas: no BLAS library found \(\/nonexistent\/libopenblas\.so\.0: /);
      assert.match(choice.hint!, /apt install libopenblas0-pthread/);
      assert.equal(takeBackendHint(choice), choice.hint);
      assert.equal(takeBackendHint(choice), undefined, 'shown once per process');
      await assert.rejects(selectBackend('blas'), /^BackendUnavailableError: backend blas: no BLAS library found/);
    });
  });
});
