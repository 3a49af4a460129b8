import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/core/backend';
import { lossOf, TfMlp } from '../../src/core/mlp';
import { SCORE_BLOCK_ROWS } from '../../src/core/network';
import { createRng } from '../../src/core/rng';

describe('mlp', () => {
  before(async () => {
    await selectBackend('wasm');
  });

  // Mlp.apply multiplies through a custom-gradient op (explicit transposes, fast on wasm); its
  // gradients must equal those of tf.matMul's own gradient on the same network and batch.
  for (const loss of ['hinge', 'bce'] as const) {
    it(`gives the same ${loss} gradients as tf.matMul's own gradient`, () => {
      const mlp = new TfMlp({ inputs: 7, hidden: [12, 9], activation: 'leaky_relu' }, createRng(5));
      const rng = createRng(6);
      const n = 33;
      const x = tf.tensor2d(
        Float32Array.from({ length: n * 7 }, () => rng.next() * 2 - 1),
        [n, 7],
      );
      const y = tf.tensor2d(
        Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? -1 : 1)),
        [n, 1],
      );
      const reference = (): tf.Scalar => {
        let h: tf.Tensor2D = x;
        for (let l = 0; l < 3; l++) {
          h = tf.add(tf.matMul(h, mlp.variables[2 * l] as tf.Variable<tf.Rank.R2>), mlp.variables[2 * l + 1]);
          if (l < 2) h = tf.leakyRelu(h, 0.01);
        }
        return lossOf(h, y, loss);
      };
      const ours = tf.variableGrads(() => lossOf(mlp.apply(x), y, loss), mlp.variables);
      const theirs = tf.variableGrads(reference, mlp.variables);
      assert.ok(Math.abs(ours.value.dataSync()[0] - theirs.value.dataSync()[0]) < 1e-6);
      for (const v of mlp.variables) {
        const a = ours.grads[v.name].dataSync(),
          b = theirs.grads[v.name].dataSync();
        assert.equal(a.length, b.length);
        assert.ok(
          a.some((g) => g !== 0),
          `${v.name} has a nonzero gradient`,
        );
        for (let i = 0; i < a.length; i++)
          assert.ok(Math.abs(a[i] - b[i]) < 1e-5, `${v.name}[${i}]: ${a[i]} vs ${b[i]}`);
      }
      tf.dispose([x, y, ours.value, theirs.value, ...Object.values(ours.grads), ...Object.values(theirs.grads)]);
      mlp.dispose();
    });
  }

  // predict runs in fixed blocks of SCORE_BLOCK_ROWS rows on these backends too; their arithmetic (WebAssembly
  // SIMD without fused multiply-add, JavaScript doubles) is the same on every CPU and rounds every row of a block
  // alike, so a row's score has the same bits however the rows are cut.
  for (const backend of ['wasm', 'cpu'] as const) {
    it(`${backend}: rows scored whole, in chunks of 1, 7, 64, ${SCORE_BLOCK_ROWS} and 100000, and one at a time give the same bits`, async () => {
      await selectBackend(backend);
      try {
        const d = 9;
        const mlp = new TfMlp({ inputs: d, hidden: [40, 24], activation: 'leaky_relu' }, createRng(8));
        const rng = createRng(9);
        const rows = 600;
        const x = Float32Array.from({ length: rows * d }, () => rng.next() * 3 - 1);
        const all = mlp.predict(x, rows);
        for (const chunk of [1, 7, 64, SCORE_BLOCK_ROWS, 100_000]) {
          const parts = new Float32Array(rows);
          for (let start = 0; start < rows; start += chunk) {
            const n = Math.min(chunk, rows - start);
            parts.set(mlp.predict(x.subarray(start * d, (start + n) * d), n), start);
          }
          assert.deepEqual(parts, all, `${backend}, chunks of ${chunk}`);
        }
        mlp.dispose();
      } finally {
        await selectBackend('wasm'); // this file's backend
      }
    });
  }
});
