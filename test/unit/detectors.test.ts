import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  ClassifierDetector, Detector, IsolationForestDetector, predictFromScores,
} from '../../src/core/detector';
import { loadDetector, saveDetector, MODEL_FILE } from '../../src/core/persist';
import {
  CLASSIFIER_OPTION_NAMES, DEFAULT_OPTIONS, FOREST_OPTION_NAMES, OptionError, optionNamesOf, SHARED_OPTION_NAMES,
} from '../../src/core/options';
import { createCellApi } from '../../src/kernel/api';
import { gaussianDataset } from './helpers';

const SMALL = { hidden: [16], epochs: 5, batchSize: 128, backend: 'cpu' } as const;

describe('detectors: one class per method behind Detector', () => {
  const train = gaussianDataset(1);
  const test = gaussianDataset(2);

  it('new Detector builds the class of the method; every one is a Detector', () => {
    const cases = [[{}, ClassifierDetector], [{ method: 'vcsa' }, ClassifierDetector], [{ method: 'vc' }, ClassifierDetector], [{ method: 'iforest' }, IsolationForestDetector]] as const;
    for (const [options, cls] of cases) {
      const d = new Detector(options);
      assert.ok(d instanceof cls, `${JSON.stringify(options)} -> ${d.constructor.name}`);
      assert.ok(d instanceof Detector);
      assert.equal(Detector.create(options).constructor, cls);
    }
    assert.ok(!(new Detector({ method: 'iforest' }) instanceof ClassifierDetector));
    // The concrete classes can be built directly, for their own methods only.
    assert.ok(new IsolationForestDetector({ method: 'iforest', trees: 3 }) instanceof Detector);
    assert.equal(new ClassifierDetector().options.method, 'vcsa');
    assert.throws(() => new ClassifierDetector({ method: 'iforest' }), (e: unknown) => e instanceof OptionError && e.option === 'method' &&
      e.message === "ClassifierDetector is for methods 'vcsa', 'vc', got method 'iforest' (new Detector({ method: 'iforest' }) builds the right class)");
    assert.throws(() => new IsolationForestDetector(), {
      message: "IsolationForestDetector is for method 'iforest', got method 'vcsa' (new Detector({ method: 'vcsa' }) builds the right class)",
    });
  });

  it('each method has its own options; those of another method are accepted, checked and not used', async () => {
    assert.deepEqual([...optionNamesOf('iforest')], ['method', 'known', 'targetFpr', 'seed', 'contamination', 'trees', 'maxSamples']);
    assert.ok(optionNamesOf('vcsa').includes('hidden') && !optionNamesOf('vcsa').includes('trees'));
    assert.deepEqual(optionNamesOf('vc'), optionNamesOf('vcsa'));
    // Every option belongs to the shared ones or to exactly one method's.
    const all = [...SHARED_OPTION_NAMES, ...CLASSIFIER_OPTION_NAMES, ...FOREST_OPTION_NAMES].sort();
    assert.deepEqual(all, [...new Set([...Object.keys(DEFAULT_OPTIONS), 'contamination'])].sort());
    // Own options: bounds named in the message.
    assert.throws(() => new Detector({ method: 'iforest', maxSamples: 1 }), { message: "detector option 'maxSamples' must be an integer from 2 to 16777216, got 1" });
    assert.throws(() => new Detector({ method: 'vc', hidden: [] }), { message: /^detector option 'hidden' must be a list of 1 to 16 layer widths/ });
    // Another method's options: still checked (one bag serves every method), unknown ones refused.
    assert.throws(() => new Detector({ method: 'vcsa', trees: 0 }), { message: "detector option 'trees' must be an integer from 1 to 10000, got 0" });
    assert.throws(() => new Detector({ method: 'iforest', epochs: 0 }), { message: "detector option 'epochs' must be an integer from 1 to 100000, got 0" });
    assert.throws(() => new Detector({ method: 'iforest', nTrees: 3 } as never), { message: /^unknown detector option 'nTrees' \(options: method, known, / });
    // ... and not used: a forest given classifier options scores as one without them.
    const plain = await new Detector({ method: 'iforest', trees: 10, seed: 4 }).fit(train);
    const mixed = await new Detector({ method: 'iforest', trees: 10, seed: 4, hidden: [3], epochs: 2, syntheticRatio: 5, backend: 'cpu', threads: 1 }).fit(train);
    assert.deepEqual(mixed.scoreSamples(test), plain.scoreSamples(test));
    assert.equal(mixed.options.epochs, 2); // kept in the bag a saved model holds
    assert.equal(new Detector({ method: 'vcsa' }).options.trees, DEFAULT_OPTIONS.trees);
  });

  it('scoreSamples, score (deprecated alias), decisionFunction and predict agree', async () => {
    for (const det of [await new Detector({ ...SMALL, seed: 1 }).fit(train), await new Detector({ method: 'iforest', trees: 20, seed: 1 }).fit(train)]) {
      const scores = det.scoreSamples(test);
      assert.deepEqual(det.score(test), scores);
      const t = det.fitted.threshold;
      const decision = det.decisionFunction(test);
      assert.deepEqual(decision, Float64Array.from(scores, (s) => s - t));
      const predicted = det.predict(test);
      assert.deepEqual(predicted, predictFromScores(scores, t));
      assert.deepEqual(predicted, Uint8Array.from(decision, (v) => (v > 0 ? 1 : 0)));
      assert.ok(predicted.some((p) => p === 1) && predicted.some((p) => p === 0), det.name);
      const top = det.top(test, 5);
      assert.deepEqual(top.map((r) => r.flagged), top.map((r) => r.score > t));
      det.dispose();
    }
  });

  it('predictFromScores: 1 strictly above the threshold', () => {
    assert.deepEqual(predictFromScores([0, 1, 2, Infinity, -Infinity], 1), Uint8Array.from([0, 0, 1, 1, 0]));
    assert.deepEqual(predictFromScores(new Float64Array(0), 0), new Uint8Array(0));
  });

  it('a saved model loads into the class of its method, with the whole options bag in the manifest', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthad-detectors-'));
    try {
      const forest = await new Detector({ method: 'iforest', trees: 7, seed: 2 }).fit(train);
      const mlp = await new Detector({ ...SMALL, method: 'vc', known: ['far'], seed: 2 }).fit(train);
      for (const [name, det, cls] of [['forest', forest, IsolationForestDetector], ['mlp', mlp, ClassifierDetector]] as const) {
        await saveDetector(det, path.join(dir, name));
        const manifest = JSON.parse(fs.readFileSync(path.join(dir, name, MODEL_FILE), 'utf8')) as { options: Record<string, unknown> };
        // The manifest keeps its format: every option, both methods' included.
        assert.deepEqual(Object.keys(manifest.options).sort(), Object.keys(det.options).sort());
        assert.ok('trees' in manifest.options && 'hidden' in manifest.options);
        const back = await loadDetector(path.join(dir, name));
        assert.ok(back instanceof cls && back instanceof Detector, `${name}: ${back.constructor.name}`);
        assert.deepEqual(back.scoreSamples(test), det.scoreSamples(test));
        assert.deepEqual(back.predict(test), det.predict(test));
        back.dispose();
      }
      // A saved state that is not the method's model is refused.
      assert.throws(() => Detector.fromState({ method: 'iforest' }, { ...mlp.fitted }), { message: /Isolation Forest detector needs its trees/ });
      assert.throws(() => Detector.fromState({ method: 'vcsa' }, { ...forest.fitted }), { message: /VC-SA detector needs its network/ });
      mlp.dispose();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the notebook's Detector: the method's class with the settings' defaults, a forest included", async () => {
    const api = createCellApi({ cwd: os.tmpdir(), detectorDefaults: { seed: 3, epochs: 4, syntheticRatio: 2, backend: 'cpu', threads: 1 } }, () => undefined);
    const forest = new api.Detector({ method: 'iforest', trees: 10 });
    assert.ok(forest instanceof IsolationForestDetector && forest instanceof Detector && forest instanceof api.Detector);
    assert.equal(forest.options.seed, 3);
    await forest.fit(train);
    const core = await new Detector({ method: 'iforest', trees: 10, seed: 3 }).fit(train);
    assert.deepEqual(forest.scoreSamples(test), core.scoreSamples(test));
    const clf = new api.Detector({ hidden: [8], batchSize: 128 });
    assert.ok(clf instanceof ClassifierDetector && clf instanceof api.Detector);
    assert.deepEqual([clf.options.epochs, clf.options.syntheticRatio, clf.options.backend, clf.options.threads], [4, 2, 'cpu', 1]);
    assert.ok(!(core instanceof api.Detector));
    assert.equal(typeof (forest as unknown as { save: unknown }).save, 'function');
  });
});
