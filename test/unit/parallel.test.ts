import { strict as assert } from 'assert';
import { execFile } from 'child_process';
import * as path from 'path';
import { selectBackend } from '../../src/core/backend';
import { TfMlp } from '../../src/core/mlp';
import { AdamWOptions, LossName, MlpShape, MlpWeights, Trainer } from '../../src/core/network';
import { DataParallelTrainer, MIN_SHARD_ROWS, shardRows } from '../../src/core/parallel';
import { createRng } from '../../src/core/rng';
import { trainMlp } from '../../src/core/train';

const shape: MlpShape = { inputs: 10, hidden: [16, 12], activation: 'leaky_relu' };
const adamw: AdamWOptions = { learningRate: 1e-2, weightDecay: 1e-2 };

/** n random rows of `shape` with targets +1 / -1. */
function batch(seed: number, n: number): { x: Float32Array; y: Float32Array } {
  const rng = createRng(seed);
  return {
    x: Float32Array.from({ length: n * shape.inputs }, () => rng.normal()),
    y: Float32Array.from({ length: n }, () => (rng.next() < 0.7 ? 1 : -1)),
  };
}

function assertClose(actual: MlpWeights, expected: MlpWeights, tolerance: number): void {
  actual.values.forEach((a, k) => {
    const b = expected.values[k];
    for (let i = 0; i < a.length; i++) {
      assert.ok(Math.abs(a[i] - b[i]) <= tolerance * (1 + Math.abs(b[i])), `weights[${k}][${i}]: ${a[i]} vs ${b[i]}`);
    }
  });
}

function closeRelative(a: number, b: number, tolerance: number): boolean {
  return Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(b));
}

/** Waits for `p`, failing after `ms` instead of hanging the suite. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

describe('parallel (data-parallel training on TensorFlow.js)', () => {
  const trainers: Trainer[] = [];
  const nets: TfMlp[] = [];
  before(async () => {
    await selectBackend('wasm');
  });
  afterEach(() => {
    trainers.splice(0).forEach((t) => t.dispose());
    nets.splice(0).forEach((m) => m.dispose());
  });
  const net = (init: MlpWeights | number, workers: number): TfMlp => {
    const mlp = new TfMlp(shape, typeof init === 'number' ? createRng(init) : init, { workers, backend: 'wasm' });
    nets.push(mlp);
    return mlp;
  };
  const trainerOf = (mlp: TfMlp, loss: LossName): Trainer => {
    const t = mlp.trainer(adamw, loss);
    trainers.push(t);
    return t;
  };

  it('splits a batch into contiguous shards of near-equal size, fewer for tiny batches', () => {
    assert.deepEqual(shardRows(1024, 2), [
      { start: 0, rows: 512 },
      { start: 512, rows: 512 },
    ]);
    assert.deepEqual(shardRows(101, 3), [
      { start: 0, rows: 34 },
      { start: 34, rows: 34 },
      { start: 68, rows: 33 },
    ]);
    assert.deepEqual(shardRows(MIN_SHARD_ROWS, 4), [{ start: 0, rows: MIN_SHARD_ROWS }]);
    assert.deepEqual(shardRows(1, 2), [{ start: 0, rows: 1 }]);
  });

  it('is the trainer of a TfMlp with more than one worker, and only then', () => {
    assert.ok(trainerOf(net(1, 2), 'hinge') instanceof DataParallelTrainer);
    assert.ok(!(trainerOf(net(1, 1), 'hinge') instanceof DataParallelTrainer));
  });

  for (const loss of ['hinge', 'bce'] as const) {
    it(`takes the same ${loss} step with 2 workers as on one thread`, async () => {
      const initial = net(3, 1).getWeights();
      const single = net(initial, 1),
        parallel = net(initial, 2);
      const one = trainerOf(single, loss),
        two = trainerOf(parallel, loss);
      const { x, y } = batch(4, 101); // odd: shards of 51 and 50 rows
      const expected = await one.step(x, y, 101);
      const actual = await two.step(x, y, 101);
      assert.ok(closeRelative(actual, expected, 1e-5), `loss ${actual} vs ${expected}`);
      assertClose(parallel.getWeights(), single.getWeights(), 1e-5);
      assert.ok(
        parallel.getWeights().values[0].some((w, i) => w !== initial.values[0][i]),
        'the step changed the weights',
      );
      // predict on the main thread sees the new weights.
      const fa = parallel.predict(x, 101),
        fb = single.predict(x, 101);
      for (let i = 0; i < 101; i++) assert.ok(closeRelative(fa[i], fb[i], 1e-5), `f[${i}]: ${fa[i]} vs ${fb[i]}`);
    });
  }

  it('follows weights set between steps, as the single-thread trainer does', async () => {
    const initial = net(5, 1).getWeights();
    const single = net(initial, 1),
      parallel = net(initial, 2);
    const one = trainerOf(single, 'hinge'),
      two = trainerOf(parallel, 'hinge');
    const { x, y } = batch(6, 80);
    for (const [mlp, t] of [
      [single, one],
      [parallel, two],
    ] as const) {
      await t.step(x, y, 80);
      mlp.setWeights(initial);
      await t.step(x.subarray(0, 40 * shape.inputs), y, 40);
    }
    assertClose(parallel.getWeights(), single.getWeights(), 1e-5);
  });

  it('trains bit-identically twice from the same seed with 2 workers', async () => {
    const rows = 600;
    const data = { ...batch(9, rows), rows, cols: shape.inputs };
    const val = { ...batch(10, 100), rows: 100, cols: shape.inputs };
    const settings = {
      loss: 'hinge' as const,
      learningRate: 1e-2,
      weightDecay: 1e-2,
      batchSize: 128,
      epochs: 3,
      patience: 0,
    };
    const run = async (): Promise<Float32Array> => {
      const mlp = net(11, 2);
      await trainMlp(mlp, data, val, settings, createRng(12));
      return mlp.predict(val.x, val.rows);
    };
    const first = await run(),
      second = await run();
    assert.deepEqual(Buffer.from(first.buffer), Buffer.from(second.buffer));
    const untrained = net(11, 1).predict(val.x, val.rows);
    assert.ok(
      first.some((f, i) => f !== untrained[i]),
      'training changed the predictions',
    );
  });

  it("rejects a step with the worker's error, and keeps working after it", async () => {
    const t = trainerOf(net(13, 2), 'hinge');
    const { x, y } = batch(14, 100);
    // x holds 60 rows, not 100: the second shard (rows 50-99) has only 10 of its rows.
    await assert.rejects(
      within(Promise.resolve(t.step(x.subarray(0, 60 * shape.inputs), y, 100)), 20000, 'the failing step'),
      /data-parallel training worker 1: .*should have 500 values but has 100/,
    );
    const loss = await t.step(x, y, 100);
    assert.ok(Number.isFinite(loss));
  });

  it('rejects every step when the workers cannot start their backend', async () => {
    const mlp = net(15, 1);
    const t = new DataParallelTrainer(mlp.parallelModel(), 2, 'no-such-backend', adamw, 'hinge');
    trainers.push(t);
    const { x, y } = batch(16, 64);
    await assert.rejects(
      within(t.step(x, y, 64), 20000, 'the step'),
      /data-parallel training worker 0: .*no-such-backend/,
    );
  });

  it('rejects a step in flight when disposed, and every step after', async () => {
    const t = trainerOf(net(17, 2), 'bce') as DataParallelTrainer;
    const { x, y } = batch(18, 64);
    const inFlight = t.step(x, y, 64);
    t.dispose();
    await assert.rejects(inFlight, /disposed/);
    await assert.rejects(t.step(x, y, 64), /disposed/);
    await within(t.exited, 20000, "the workers' exit");
  });

  it('lets the process exit, with or without dispose', async function () {
    this.timeout(60000);
    const core = path.join(__dirname, '..', '..', 'src', 'core');
    const script = (dispose: boolean): string => `
      const { selectBackend } = require(${JSON.stringify(path.join(core, 'backend.js'))});
      const { TfMlp } = require(${JSON.stringify(path.join(core, 'mlp.js'))});
      const { createRng } = require(${JSON.stringify(path.join(core, 'rng.js'))});
      (async () => {
        await selectBackend('wasm');
        const mlp = new TfMlp({ inputs: 4, hidden: [8], activation: 'relu' }, createRng(1), { workers: 2, backend: 'wasm' });
        const t = mlp.trainer({ learningRate: 1e-3, weightDecay: 0 }, 'hinge');
        const loss = await t.step(new Float32Array(4 * 64).fill(0.5), new Float32Array(64).fill(1), 64);
        ${dispose ? 't.dispose();' : ''}
        console.log('stepped', loss > 0);
      })();`;
    for (const dispose of [true, false]) {
      const out = await new Promise<string>((resolve, reject) => {
        execFile(process.execPath, ['-e', script(dispose)], { timeout: 30000 }, (err, stdout, stderr) => {
          if (err)
            reject(new Error(`the process (dispose: ${dispose}) did not exit cleanly: ${err.message} ${stderr}`));
          else resolve(stdout);
        });
      });
      assert.match(out, /stepped true/);
    }
  });
});
