// The library side of issue 12: bounded options named as code writes them, rows the network cannot score
// flagged instead of passed as normal, warnings for unseen categories, and reports that survive both.
import { strict as assert } from 'assert';
import { checkScoringColumns, ClassifierMethod, Detector, OUT_OF_RANGE, setWarningSink } from '../../src/core/detector';
import { OptionError, resolveOptions } from '../../src/core/options';
import { SynthadInputError } from '../../src/core/errors';
import { rankableScores } from '../../src/core/metrics';
import { tableFromRecords, datasetFromTable } from '../../src/core/data/load';
import type { Column, Dataset, Table } from '../../src/core/data/types';
import { gaussianDataset } from './helpers';

/** The gaussian set with row `row`'s x0 replaced by `value` (a copy). */
function withValue(data: Dataset, row: number, value: number): Dataset {
  const x0 = Float64Array.from(data.columns[0].values as Float64Array);
  x0[row] = value;
  const column: Column = { name: data.columns[0].name, kind: 'numeric', values: x0 };
  return { ...data, columns: [column, ...data.columns.slice(1)], features: [column, ...data.features.slice(1)] };
}

describe('scoring safety', function () {
  this.timeout(60_000);

  describe('options are bounded', () => {
    it('refuses sizes that cannot fit, naming the option and its bound', () => {
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ syntheticRatio: 1e6 }, "detector option 'syntheticRatio' must be a number > 0 and at most 100, got 1000000"],
        [
          { hidden: [100000, 100000] },
          "detector option 'hidden' must be a list of 1 to 16 layer widths, each an integer from 1 to 8192, got [100000,100000]",
        ],
        [{ batchSize: 1e9 }, "detector option 'batchSize' must be an integer from 1 to 1048576, got 1000000000"],
        [{ maxSamples: 1 }, "detector option 'maxSamples' must be an integer from 2 to 16777216, got 1"],
        [{ trees: 1e5 }, "detector option 'trees' must be an integer from 1 to 10000, got 100000"],
        [{ learningRate: NaN }, "detector option 'learningRate' must be a number > 0 and at most 10, got null"],
      ];
      for (const [given, message] of cases) {
        assert.throws(
          () => resolveOptions(given),
          (e: unknown) => e instanceof OptionError && e instanceof SynthadInputError && e.message === message,
        );
      }
      // The same check through the constructor, so `new Detector({ maxSamples: 1 })` fails at once, not in fit.
      assert.throws(() => new Detector({ method: 'iforest', maxSamples: 1 }), {
        message: "detector option 'maxSamples' must be an integer from 2 to 16777216, got 1",
      });
    });

    it("names options the caller's way when given a namer", () => {
      assert.throws(() => resolveOptions({ learningRate: -1 }, (k) => `--${k}!`), {
        message: '--learningRate! must be a number > 0 and at most 10, got -1',
      });
    });
  });

  describe('rows the model cannot score', () => {
    let vcsa: Detector;
    let forest: Detector;
    const data = gaussianDataset(3, 300, 30);
    before(async () => {
      vcsa = await new Detector({ method: 'vcsa', hidden: [16], epochs: 3, seed: 1 }).fit(data);
      forest = await new Detector({ method: 'iforest', trees: 20, seed: 1 }).fit(data);
    });

    for (const value of [1e300, -1e300, 1e40, 1e12]) {
      it(`x0 = ${value} scores +Infinity with VC-SA, predicted anomalous, with a warning`, () => {
        const bad = withValue(data, 5, value);
        const d = vcsa.scoreDetailed(bad);
        assert.equal(d.scores[5], Infinity);
        assert.equal(vcsa.predict(bad)[5], 1);
        assert.deepEqual(d.outOfRange.rows, [5]);
        assert.deepEqual(d.warnings, [
          `gaussian-3: 1 row has values more than 1e+6 training ranges outside the training data (first: record 6, column 'x0'); scored +Infinity and flagged as anomalies`,
        ]);
        // Every other row scores as before: one bad row does not spoil its batch.
        const clean = vcsa.scoreSamples(data);
        for (let i = 0; i < clean.length; i++) if (i !== 5) assert.equal(d.scores[i], clean[i]);
      });
    }

    it('a value just inside the bound is scored by the network', () => {
      const span = 8; // x0 of the gaussian set spans roughly [-3, 5]; the bound is 1e6 spans
      const d = vcsa.scoreDetailed(withValue(data, 5, span * OUT_OF_RANGE * 1e-3));
      assert.ok(Number.isFinite(d.scores[5]));
      assert.deepEqual(d.warnings, []);
    });

    it('the forest flags such rows the same way', () => {
      const d = forest.scoreDetailed(withValue(data, 5, 1e300));
      assert.equal(d.scores[5], Infinity);
      assert.equal(d.warnings.length, 1);
    });

    it('evaluate ranks +Infinity rows highest and still computes AUROC; the report carries the warning', () => {
      const bad = withValue(data, 5, 1e300); // row 5 is normal: an extreme normal row ranks first
      const report = vcsa.evaluate(bad);
      // One normal row (of 300) moved to the top costs at most 1/300 of AUROC.
      assert.ok(Math.abs(report.auroc - vcsa.evaluate(data).auroc) <= 1 / 300 + 1e-12, String(report.auroc));
      assert.equal(report.warnings?.length, 1);
      assert.ok(
        Number.isFinite(report.scores[5]) &&
          report.scores[5] > Math.max(...Array.from(report.scores).filter((_, i) => i !== 5)),
      );
    });

    it('rankableScores maps +Infinity above every finite score and above the threshold', () => {
      assert.deepEqual(Array.from(rankableScores(Float64Array.from([1, Infinity, 3]))), [1, 4, 3]);
      assert.deepEqual(Array.from(rankableScores(Float64Array.from([1, Infinity]), 500)), [1, 505]);
      const plain = Float64Array.from([2, 1]);
      assert.equal(rankableScores(plain), plain);
    });

    it('a model with a non-finite weight never predicts normal for its NaN scores', () => {
      const network = (vcsa.fitted.model as ClassifierMethod).network;
      const nanNetwork = Object.assign(Object.create(network) as typeof network, {
        predict: (_x: Float32Array, rows: number) => new Float32Array(rows).fill(NaN),
      });
      const broken = Detector.fromState(vcsa.options, { ...vcsa.fitted, model: new ClassifierMethod(nanNetwork) });
      const scores = broken.scoreSamples(data);
      assert.ok(scores.every((s) => s === Infinity));
      assert.ok(broken.predict(data).every((p) => p === 1));
    });
  });

  describe('unseen categories', () => {
    it('score sends one warning with counts to the sink; missing cells are not counted', async () => {
      const rows = (colours: string[]): Table =>
        tableFromRecords(
          colours.map((c, i) => ({ v: i % 7, colour: c === '' ? null : c })),
          'mem',
        );
      const train = datasetFromTable(rows(Array.from({ length: 60 }, (_, i) => ['red', 'green', 'blue'][i % 3])));
      const det = await new Detector({ method: 'iforest', trees: 10 }).fit(train);
      const seen: string[] = [];
      setWarningSink((m) => seen.push(m));
      try {
        det.scoreSamples(rows(['red', 'mauve', 'mauve', 'teal', '']));
        det.scoreSamples(rows(['red']));
      } finally {
        setWarningSink(undefined);
      }
      assert.deepEqual(seen, [
        "mem: 3 values of categories not seen in training (3 in 'colour'); scored as no category",
      ]);
    });
  });

  describe('checkScoringColumns', () => {
    const train = gaussianDataset(1, 20, 2);
    it('names the missing columns and the columns present', () => {
      const test: Table = {
        source: 'test.csv',
        rowCount: 1,
        columns: train.columns.filter((c) => c.name !== 'x1' && c.name !== 'flag'),
      };
      assert.throws(() => checkScoringColumns(train.features, test), {
        message:
          "test.csv: no columns 'x1', 'flag', which the training data has (columns here: x0, x2, x3, colour, label)",
      });
    });
    it('refuses text where training had numbers', () => {
      const test: Table = {
        source: 'test.csv',
        rowCount: 1,
        columns: train.columns.map((c) =>
          c.name === 'x2' ? { name: 'x2', kind: 'categorical' as const, values: ['a'] } : c,
        ),
      };
      assert.throws(() => checkScoringColumns(train.features, test), {
        message: "test.csv, column 'x2': expected numbers as in the training data, got text categories",
      });
    });
  });
});
