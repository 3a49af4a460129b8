import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Detector } from '../../src/core/detector';
import { loadDetector, saveDetector, MODEL_FILE } from '../../src/core/persist';
import { resolveOptions } from '../../src/core/options';
import * as tf from '@tensorflow/tfjs';
import { gaussianDataset } from './helpers';

const SMALL = { method: 'vcsa', hidden: [32, 32], epochs: 8, batchSize: 128 } as const;

describe('detector', () => {
  const train = gaussianDataset(1);
  const test = gaussianDataset(2);

  it('finds known and unseen anomalies; without synthetic anomalies (VC) the unseen type is missed', async () => {
    const options = { ...SMALL, epochs: 150, patience: 0, known: ['far'], seed: 0 };
    const det = await new Detector(options).fit(train);
    const rep = det.evaluate(test);
    assert.deepEqual(rep.knownTypes, ['far']);
    assert.deepEqual(rep.unseenTypes, ['wide']);
    assert.ok(rep.perType[0].auroc > 0.98, `far AUROC ${rep.perType[0].auroc}`);
    assert.ok(rep.perType[1].auroc > 0.9, `wide AUROC ${rep.perType[1].auroc}`);
    assert.equal(det.fitted.summary.syntheticRows, det.fitted.summary.trainRows);
    const vc = await new Detector({ ...options, method: 'vc' }).fit(train);
    const vcWide = vc.evaluate(test).perType[1].auroc;
    assert.ok(vcWide < 0.7, `VC wide AUROC ${vcWide}`);
    [det, vc].forEach((d) => d.dispose());
  });

  it('gives identical scores for the same seed and different ones for another seed', async () => {
    const a = await new Detector({ ...SMALL, seed: 3 }).fit(train);
    const b = await new Detector({ ...SMALL, seed: 3 }).fit(train);
    const c = await new Detector({ ...SMALL, seed: 4 }).fit(train);
    assert.deepEqual(a.scoreSamples(test), b.scoreSamples(test));
    assert.notDeepEqual(a.scoreSamples(test), c.scoreSamples(test));
    [a, b, c].forEach((d) => d.dispose());
  });

  for (const compute of [
    { backend: 'blas', threads: 1 },
    { backend: 'blas', threads: 2 },
    { backend: 'wasm', threads: 2 },
  ] as const) {
    it(`gives identical scores for the same seed, backend and threads (${compute.backend}, ${compute.threads} threads)`, async () => {
      const opts = { ...SMALL, epochs: 5, seed: 8, ...compute };
      const a = await new Detector(opts).fit(train);
      const b = await new Detector(opts).fit(train);
      assert.equal(a.fitted.summary.backend, compute.backend);
      assert.equal(a.fitted.summary.threads, compute.threads);
      assert.deepEqual(a.scoreSamples(test), b.scoreSamples(test));
      [a, b].forEach((d) => d.dispose());
    });
  }

  it('keeps rows of anomaly types not in known out of training', async () => {
    const det = await new Detector({ ...SMALL, known: ['far'], validationSplit: 0.25 }).fit(train);
    const s = det.fitted.summary;
    assert.equal(s.trainRows + s.validationRows, 440); // 400 normal + 40 far, no 'wide'
    assert.deepEqual(s.heldOutTypes, ['wide']);
    det.dispose();
  });

  it('trains unsupervised with known: [] and predicts at the target false-positive rate', async () => {
    const det = await new Detector({ ...SMALL, epochs: 30, known: [] }).fit(train);
    assert.equal(det.fitted.summary.trainRows + det.fitted.summary.validationRows, 400);
    const pred = det.predict(test);
    const normalFlagged =
      Array.from(pred)
        .slice(0, 400)
        .reduce((a, b) => a + b, 0) / 400;
    assert.ok(normalFlagged < 0.15, `normal rows flagged: ${normalFlagged}`);
    det.dispose();
  });

  it('stops early with the best weights and reports why', async () => {
    const det = await new Detector({ ...SMALL, epochs: 200, patience: 2, learningRate: 0.05 }).fit(train);
    const s = det.fitted.summary;
    assert.ok(s.stoppedEarly, `ran all ${s.epochs} epochs`);
    assert.equal(s.epochs - s.bestEpoch, 2);
    assert.equal(s.bestValLoss, Math.min(...s.history.map((h) => h.valLoss)));
    det.dispose();
  });

  it('stops after the current batch when aborted and keeps a usable model', async () => {
    const abort = new AbortController();
    const det = await new Detector({ ...SMALL, epochs: 50, patience: 0 }).fit(train, {
      signal: abort.signal,
      onEpoch: (p) => {
        if (p.epoch === 2) abort.abort();
      },
    });
    assert.equal(det.fitted.summary.cancelled, true);
    assert.equal(det.fitted.summary.epochs, 2);
    assert.ok(det.scoreSamples(test).every(Number.isFinite));
    det.dispose();
  });

  it('runs VC (no synthetic anomalies) and refuses it without known anomalies', async () => {
    const vc = await new Detector({ ...SMALL, method: 'vc' }).fit(train);
    assert.equal(vc.fitted.summary.syntheticRows, 0);
    vc.dispose();
    await assert.rejects(new Detector({ ...SMALL, method: 'vc', known: [] }).fit(train), {
      message:
        "gaussian-1: the VC detector has no anomalies to train on: give known anomaly types (anomaly types in the data: far, wide) or use method 'vcsa'",
    });
  });

  it('fits an Isolation Forest behind the same interface', async () => {
    const det = await new Detector({ method: 'iforest', seed: 1 }).fit(train);
    const rep = det.evaluate(test);
    assert.equal(rep.detector, 'Isolation Forest');
    assert.ok(rep.auroc > 0.9, `AUROC ${rep.auroc}`);
  });

  it('holds only its weights while fitted and releases every tensor on dispose (tfjs backend)', async () => {
    const before = tf.memory().numTensors;
    const det = await new Detector({ ...SMALL, epochs: 3, backend: 'wasm', threads: 1 }).fit(train);
    det.scoreSamples(test);
    assert.equal(tf.memory().numTensors - before, 6); // 3 layers: weight and bias each
    det.dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  it('names an unknown known type', async () => {
    await assert.rejects(new Detector({ known: ['nope'] }).fit(train), {
      message:
        "gaussian-1, column 'label': known anomaly type 'nope' does not occur in the training data (anomaly types there: far, wide)",
    });
  });

  it('validates options with the option name and value', () => {
    assert.throws(() => resolveOptions({ batchSize: 0 }), {
      message: "detector option 'batchSize' must be an integer from 1 to 1048576, got 0",
    });
    assert.throws(() => resolveOptions({ loss: 'mse' as 'hinge' }), {
      message: 'detector option \'loss\' must be one of hinge, bce, got "mse"',
    });
    assert.throws(() => resolveOptions({ validationSplit: 1 }), {
      message: "detector option 'validationSplit' must be a number in [0, 1), got 1",
    });
    assert.throws(() => resolveOptions({ epoch: 3 } as never), {
      message: /^unknown detector option 'epoch' \(options: method, known,/,
    });
    assert.equal(resolveOptions().hidden.join('x'), '500x500');
  });
});

describe('saving and loading a detector', () => {
  const train = gaussianDataset(5);
  const test = gaussianDataset(6);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthad-model-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('round-trips to identical scores, threshold and options', async () => {
    const det = await new Detector({ ...SMALL, loss: 'bce', seed: 9 }).fit(train);
    await saveDetector(det, path.join(dir, 'm'));
    const back = await loadDetector(path.join(dir, 'm'));
    assert.deepEqual(back.scoreSamples(test), det.scoreSamples(test));
    assert.equal(back.fitted.threshold, det.fitted.threshold);
    assert.deepEqual(back.options, det.options);
    assert.deepEqual(fs.readdirSync(dir), ['m']); // no temporary folders left behind
  });

  it('round-trips an Isolation Forest', async () => {
    const det = await new Detector({ method: 'iforest' }).fit(train);
    await saveDetector(det, path.join(dir, 'f'));
    assert.deepEqual((await loadDetector(path.join(dir, 'f'))).scoreSamples(test), det.scoreSamples(test));
  });

  it('refuses a model saved in another format version', async () => {
    const det = await new Detector({ ...SMALL, epochs: 1 }).fit(train);
    const m = path.join(dir, 'm');
    await saveDetector(det, m);
    const file = path.join(m, MODEL_FILE);
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(file, JSON.stringify({ ...json, formatVersion: 99, synthadVersion: '9.0.0' }));
    await assert.rejects(loadDetector(m), {
      message: new RegExp(
        `^${escape(file)}: saved in model format 99 by SynthAD 9.0.0; this SynthAD \\S+ reads formats 1 and 2$`,
      ),
    });
  });

  it('refuses a folder that is not a model, and scoring data without the model columns', async () => {
    await assert.rejects(loadDetector(dir), {
      message: `${dir}: no ${MODEL_FILE} here: expected a folder written by 'synthad train --out' or saveDetector`,
    });
    const det = await new Detector({ ...SMALL, epochs: 1 }).fit(train);
    const other = { ...test, columns: test.columns.filter((c) => c.name !== 'x2') };
    assert.throws(() => det.scoreSamples(other), {
      message:
        "gaussian-6: no column 'x2', which the model was trained on (columns here: x0, x1, x3, flag, colour, label)",
    });
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
