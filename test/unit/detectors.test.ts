import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  ClassifierMethod,
  Detector,
  IsolationForestMethod,
  BoostedTreesMethod,
  methodNames,
  predictFromScores,
} from '../../src/core/detector';
import { loadDetector, saveDetector, MODEL_FILE } from '../../src/core/persist';
import { defaultOptions, OptionError, optionNamesOf, optionSpecs, SHARED_OPTION_NAMES } from '../../src/core/options';
import { createCellApi } from '../../src/kernel/api';
import { gaussianDataset } from './helpers';

const SMALL = { method: 'vcsa', hidden: [16], epochs: 5, batchSize: 128, backend: 'cpu' } as const;

describe('detectors: one Detector class, one class per method in the registry', () => {
  const train = gaussianDataset(1);
  const test = gaussianDataset(2);

  it('new Detector is a Detector whatever the method; the method names its class and model', async () => {
    assert.deepEqual(methodNames(), ['vcsa', 'vc', 'iforest', 'gbt-sa', 'gbt', 'auto']);
    const cases = [
      [{}, 'Ensemble (GBT-SA, GBT, Isolation Forest)'],
      [{ method: 'vcsa' }, 'VC-SA'],
      [{ method: 'vc' }, 'VC'],
      [{ method: 'iforest' }, 'Isolation Forest'],
      [{ method: 'gbt-sa' }, 'GBT-SA'],
      [{ method: 'gbt' }, 'GBT'],
      [{ method: 'auto', members: ['vcsa', 'iforest'] }, 'Ensemble (VC-SA, Isolation Forest)'],
    ] as const;
    for (const [options, name] of cases) {
      const d = new Detector(options);
      assert.equal(Object.getPrototypeOf(d), Detector.prototype, JSON.stringify(options));
      assert.equal(d.name, name);
    }
    assert.equal(Object.getOwnPropertySymbols(Detector).length, 0, 'no Symbol.hasInstance');
    assert.throws(
      () => new Detector({ method: 'forest' as never }),
      (e: unknown) =>
        e instanceof OptionError &&
        e.option === 'method' &&
        e.message === 'detector option \'method\' must be one of vcsa, vc, iforest, gbt-sa, gbt, auto, got "forest"',
    );
    // The fitted model is an instance of its method's class.
    const forest = await new Detector({ method: 'iforest', trees: 3 }).fit(train);
    assert.ok(forest.fitted.model instanceof IsolationForestMethod);
    const boosted = await new Detector({ method: 'gbt-sa', rounds: 3 }).fit(train);
    assert.ok(boosted.fitted.model instanceof BoostedTreesMethod);
    const mlp = await new Detector({ ...SMALL, epochs: 1 }).fit(train);
    assert.ok(mlp.fitted.model instanceof ClassifierMethod);
    mlp.dispose();
  });

  it('each method has its own options; those of another method are accepted, checked and not used', async () => {
    assert.deepEqual(
      [...optionNamesOf('iforest')],
      ['method', 'known', 'targetFpr', 'seed', 'contamination', 'trees', 'maxSamples'],
    );
    assert.ok(optionNamesOf('vcsa').includes('hidden') && !optionNamesOf('vcsa').includes('trees'));
    assert.deepEqual(optionNamesOf('vc'), optionNamesOf('vcsa'));
    // Every option belongs to the shared ones or to exactly one method's; the boosted trees list the
    // classifier's options they use too (the same spec objects), and have their own.
    const own = (m: 'vcsa' | 'iforest' | 'gbt-sa' | 'auto'): string[] =>
      optionNamesOf(m).filter((k) => !(SHARED_OPTION_NAMES as ReadonlyArray<string>).includes(k));
    const boostedOwn = own('gbt-sa').filter((k) => !own('vcsa').includes(k));
    assert.deepEqual(boostedOwn, ['rounds', 'depth', 'eta', 'lambda', 'minChildWeight', 'bins', 'earlyStop']);
    const all = [...SHARED_OPTION_NAMES, ...own('vcsa'), ...own('iforest'), ...boostedOwn, ...own('auto')];
    assert.equal(new Set(all).size, all.length);
    assert.deepEqual(all.sort(), [...optionSpecs().keys()].sort());
    assert.deepEqual(
      [...optionSpecs().keys()],
      [...Object.keys(defaultOptions()), 'contamination'],
      "the bag's order: saved manifests list the options in it",
    );
    assert.deepEqual(Object.keys(defaultOptions()), [
      'method',
      'known',
      'syntheticRatio',
      'synthetic',
      'delta',
      'hidden',
      'activation',
      'loss',
      'learningRate',
      'weightDecay',
      'batchSize',
      'epochs',
      'patience',
      'validationSplit',
      'targetFpr',
      'seed',
      'backend',
      'threads',
      'trees',
      'maxSamples',
      'rounds',
      'depth',
      'eta',
      'lambda',
      'minChildWeight',
      'bins',
      'earlyStop',
      'members',
      'calibrationSplit',
      'ensembleMargin',
      'ensembleMinAnomalies',
    ]);
    // Own options: bounds named in the message.
    assert.throws(() => new Detector({ method: 'iforest', maxSamples: 1 }), {
      message: "detector option 'maxSamples' must be an integer from 2 to 16777216, got 1",
    });
    assert.throws(() => new Detector({ method: 'vc', hidden: [] }), {
      message: /^detector option 'hidden' must be a list of 1 to 16 layer widths/,
    });
    // Another method's options: still checked (one bag serves every method), unknown ones refused.
    assert.throws(() => new Detector({ method: 'vcsa', trees: 0 }), {
      message: "detector option 'trees' must be an integer from 1 to 10000, got 0",
    });
    assert.throws(() => new Detector({ method: 'iforest', epochs: 0 }), {
      message: "detector option 'epochs' must be an integer from 1 to 100000, got 0",
    });
    assert.throws(() => new Detector({ method: 'iforest', nTrees: 3 } as never), {
      message: /^unknown detector option 'nTrees' \(options: method, known, /,
    });
    // ... and not used: a forest given classifier options scores as one without them.
    const plain = await new Detector({ method: 'iforest', trees: 10, seed: 4 }).fit(train);
    const mixed = await new Detector({
      method: 'iforest',
      trees: 10,
      seed: 4,
      hidden: [3],
      epochs: 2,
      syntheticRatio: 5,
      backend: 'cpu',
      threads: 1,
    }).fit(train);
    assert.deepEqual(mixed.scoreSamples(test), plain.scoreSamples(test));
    assert.equal(mixed.options.epochs, 2); // kept in the bag a saved model holds
    assert.equal(new Detector({ method: 'vcsa' }).options.trees, defaultOptions().trees);
  });

  it('scoreSamples, score (deprecated alias), threshold, decisionFunction and predict agree', async () => {
    assert.throws(() => new Detector().threshold, { message: 'this detector is not fitted yet: call fit(data) first' });
    for (const det of [
      await new Detector({ ...SMALL, seed: 1 }).fit(train),
      await new Detector({ method: 'iforest', trees: 20, seed: 1 }).fit(train),
    ]) {
      const scores = det.scoreSamples(test);
      assert.deepEqual(det.score(test), scores);
      const t = det.threshold;
      assert.equal(t, det.fitted.threshold);
      const decision = det.decisionFunction(test);
      assert.deepEqual(
        decision,
        Float64Array.from(scores, (s) => s - t),
      );
      const predicted = det.predict(test);
      assert.deepEqual(predicted, predictFromScores(scores, t));
      assert.deepEqual(
        predicted,
        Uint8Array.from(decision, (v) => (v > 0 ? 1 : 0)),
      );
      assert.ok(predicted.some((p) => p === 1) && predicted.some((p) => p === 0), det.name);
      const top = det.top(test, 5);
      assert.deepEqual(
        top.map((r) => r.flagged),
        top.map((r) => r.score > t),
      );
      det.dispose();
    }
  });

  it('predictFromScores: 1 strictly above the threshold', () => {
    assert.deepEqual(predictFromScores([0, 1, 2, Infinity, -Infinity], 1), Uint8Array.from([0, 0, 1, 1, 0]));
    assert.deepEqual(predictFromScores(new Float64Array(0), 0), new Uint8Array(0));
  });

  it('a saved model loads as a model of its method, with the whole options bag in the manifest', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthad-detectors-'));
    try {
      const forest = await new Detector({ method: 'iforest', trees: 7, seed: 2 }).fit(train);
      const mlp = await new Detector({ ...SMALL, method: 'vc', known: ['far'], seed: 2 }).fit(train);
      for (const [name, det, cls] of [
        ['forest', forest, IsolationForestMethod],
        ['mlp', mlp, ClassifierMethod],
      ] as const) {
        await saveDetector(det, path.join(dir, name));
        const manifest = JSON.parse(fs.readFileSync(path.join(dir, name, MODEL_FILE), 'utf8')) as {
          options: Record<string, unknown>;
        };
        // The manifest keeps its format: every option, both methods' included.
        assert.deepEqual(Object.keys(manifest.options).sort(), Object.keys(det.options).sort());
        assert.ok('trees' in manifest.options && 'hidden' in manifest.options);
        const back = await loadDetector(path.join(dir, name));
        assert.ok(back.fitted.model instanceof cls, `${name}: ${back.fitted.model.constructor.name}`);
        assert.equal(back.name, det.name);
        assert.deepEqual(back.scoreSamples(test), det.scoreSamples(test));
        assert.deepEqual(back.predict(test), det.predict(test));
        back.dispose();
      }
      // A saved state that is not the method's model is refused.
      assert.throws(() => Detector.fromState({ method: 'iforest' }, { ...mlp.fitted }), {
        message:
          "Isolation Forest detector: the model given is an instance of ClassifierMethod, not a model of method 'iforest'",
      });
      assert.throws(() => Detector.fromState({ method: 'vcsa' }, { ...forest.fitted }), {
        message:
          "VC-SA detector: the model given is an instance of IsolationForestMethod, not a model of method 'vcsa'",
      });
      mlp.dispose();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the notebook's Detector: a subclass with the settings' defaults, a forest included", async () => {
    const api = createCellApi(
      { cwd: os.tmpdir(), detectorDefaults: { seed: 3, epochs: 4, syntheticRatio: 2, backend: 'cpu', threads: 1 } },
      () => undefined,
    );
    assert.equal(Object.getOwnPropertySymbols(api.Detector).length, 0, 'no Symbol.hasInstance');
    const forest = new api.Detector({ method: 'iforest', trees: 10 });
    assert.ok(forest instanceof Detector && forest instanceof api.Detector);
    assert.equal(forest.constructor, api.Detector);
    assert.equal(forest.options.seed, 3);
    await forest.fit(train);
    assert.ok(forest.fitted.model instanceof IsolationForestMethod);
    const boosted = await new Detector({ method: 'gbt-sa', rounds: 3 }).fit(train);
    assert.ok(boosted.fitted.model instanceof BoostedTreesMethod);
    const core = await new Detector({ method: 'iforest', trees: 10, seed: 3 }).fit(train);
    assert.deepEqual(forest.scoreSamples(test), core.scoreSamples(test));
    const clf = new api.Detector({ method: 'vcsa', hidden: [8], batchSize: 128 });
    assert.ok(clf instanceof api.Detector && clf.name === 'VC-SA');
    assert.deepEqual(
      [clf.options.epochs, clf.options.syntheticRatio, clf.options.backend, clf.options.threads],
      [4, 2, 'cpu', 1],
    );
    assert.ok(!(core instanceof api.Detector));
    assert.equal(typeof (forest as unknown as { save: unknown }).save, 'function');
  });
});
