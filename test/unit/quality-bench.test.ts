import { strict as assert } from 'assert';
import {
  bestCells,
  experimentGoal,
  markdownTable,
  mean,
  meanGoal,
  optionValues,
  std,
  summariseTypes,
  TypeScore,
} from '../../bench/qualityStats';
import { oneOf, OptionSpec } from '../../src/core/options';

const close = (actual: number | undefined, expected: number, tol = 1e-12): void => {
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);
};

describe('bench:quality helpers', () => {
  it('mean and sample standard deviation', () => {
    close(mean([0.5, 0.7, 0.9]), 0.7);
    close(std([0.5, 0.7, 0.9]), 0.2);
    close(std([0.8]), 0);
    assert.equal(mean([]), undefined);
    assert.equal(std([]), undefined);
  });

  it('summarises per-type metrics as the unweighted mean of known and of unseen types', () => {
    const perType: TypeScore[] = [
      { type: 'dos', count: 7458, auroc: 0.9, aupr: 0.8, known: true },
      { type: 'probe', count: 2421, auroc: 0.7, aupr: 0.5, known: false },
      { type: 'r2l', count: 2754, auroc: 0.3, aupr: 0.2, known: false },
      { type: 'u2r', count: 200, auroc: 0.8, aupr: 0.05, known: false },
    ];
    const g = summariseTypes(perType);
    close(g.known?.auroc, 0.9);
    close(g.known?.aupr, 0.8);
    assert.equal(g.known?.types, 1);
    close(g.unseen?.auroc, 0.6);
    close(g.unseen?.aupr, 0.25);
    assert.equal(g.unseen?.types, 3);
    assert.equal(g.unseen?.rows, 5375);
  });

  it('leaves out a group without types (no labels: nothing is known)', () => {
    const g = summariseTypes([{ type: 'subnormal', count: 177, auroc: 0.6, aupr: 0.1, known: false }]);
    assert.equal(g.known, undefined);
    close(g.unseen?.auroc, 0.6);
  });

  it('finds the best cells as shown, ties included, skipping missing ones', () => {
    assert.deepEqual([...bestCells([0.9, undefined, 0.9004, 0.85])], [0, 2]);
    assert.deepEqual([...bestCells([0.9, 0.9006])], [1]);
    assert.deepEqual([...bestCells([undefined, undefined])], []);
  });

  it('checks the goal semi-supervised against the better of XGBoost and IForest, less 0.01', () => {
    const pass = experimentGoal({ auto: 0.935, xgboost: 0.905, iforest: 0.944, semiSupervised: true });
    assert.equal(pass.pass, true);
    close(pass.bar, 0.934);
    assert.match(pass.text, /PASS$/);
    const fail = experimentGoal({ auto: 0.93, xgboost: 0.905, iforest: 0.944, semiSupervised: true });
    assert.equal(fail.pass, false);
    assert.match(fail.text, /FAIL$/);
  });

  it('checks the goal without labels against IForest alone', () => {
    const g = experimentGoal({ auto: 0.725, xgboost: undefined, iforest: 0.731, semiSupervised: false });
    assert.equal(g.pass, true);
    close(g.bar, 0.721, 1e-12);
    assert.equal(experimentGoal({ auto: 0.72, xgboost: undefined, iforest: 0.731, semiSupervised: false }).pass, false);
    // XGBoost is no reference without labels, however high.
    assert.equal(experimentGoal({ auto: 0.725, xgboost: 0.99, iforest: 0.731, semiSupervised: false }).pass, true);
  });

  it('does not check the goal when a member is missing', () => {
    const g = experimentGoal({ auto: 0.9, xgboost: undefined, iforest: 0.8, semiSupervised: true });
    assert.equal(g.pass, undefined);
    assert.match(g.text, /not checked \(no XGBoost\)/);
  });

  it('checks the mean goal: strictly above each reference', () => {
    assert.equal(meanGoal({ auto: 0.93, xgboost: 0.92, iforest: 0.85 }, true).pass, true);
    assert.equal(meanGoal({ auto: 0.92, xgboost: 0.92, iforest: 0.85 }, true).pass, false);
    assert.equal(meanGoal({ auto: 0.8, iforest: 0.79 }, false).pass, true);
    assert.equal(meanGoal({ iforest: 0.79 }, false).pass, undefined);
  });

  it('writes a markdown table with aligned columns', () => {
    assert.equal(markdownTable(['a', 'b'], [['x', '1']], ['l', 'r']), '| a | b |\n|---|---:|\n| x | 1 |');
  });

  it("reads an option's values from its check, else keeps the fallback values it accepts", () => {
    const listed: OptionSpec = { default: 'uniform', check: oneOf(['uniform', 'marginal', 'copula']) };
    assert.deepEqual(optionValues(listed, ['uniform']), ['uniform', 'marginal', 'copula']);
    const opaque: OptionSpec = { default: 'uniform', check: (v) => (v === 'uniform' ? undefined : 'a sampler') };
    assert.deepEqual(optionValues(opaque, ['uniform', 'marginal']), ['uniform']);
  });
});
