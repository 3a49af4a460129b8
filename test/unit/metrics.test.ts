import { strict as assert } from 'assert';
import {
  auroc,
  averagePrecision,
  confusionAt,
  overallMetrics,
  perTypeMetrics,
  prCurve,
  rocCurve,
  thresholdAtFpr,
} from '../../src/core/metrics';

/** The example from the scikit-learn docs of roc_curve / precision_recall_curve / average_precision_score. */
const LABELS = [0, 0, 1, 1];
const SCORES = [0.1, 0.4, 0.35, 0.8];

function assertClose(actual: number, expected: number, tol = 1e-12): void {
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);
}

function assertArrayClose(actual: ArrayLike<number>, expected: number[], tol = 1e-12): void {
  assert.equal(actual.length, expected.length, `length: expected ${expected.length}, got ${actual.length}`);
  for (let i = 0; i < expected.length; i++) {
    const ok = actual[i] === expected[i] || Math.abs(actual[i] - expected[i]) <= tol;
    assert.ok(ok, `[${i}]: expected ${expected[i]}, got ${actual[i]} (in ${Array.from(actual).join(', ')})`);
  }
}

describe('metrics', () => {
  describe('rocCurve', () => {
    it('gives one point per distinct score, from (0, 0) at +Infinity, like sklearn', () => {
      const roc = rocCurve(LABELS, SCORES);
      // Descending: 0.8 (anomaly), 0.4 (normal), 0.35 (anomaly), 0.1 (normal).
      assertArrayClose(roc.thresholds, [Infinity, 0.8, 0.4, 0.35, 0.1]);
      assertArrayClose(roc.fpr, [0, 0, 0.5, 0.5, 1]);
      assertArrayClose(roc.tpr, [0, 0.5, 0.5, 1, 1]);
    });

    it('groups tied scores into one point', () => {
      const roc = rocCurve([0, 1, 0, 1], [0.1, 0.5, 0.5, 0.9]);
      assertArrayClose(roc.thresholds, [Infinity, 0.9, 0.5, 0.1]);
      assertArrayClose(roc.fpr, [0, 0, 0.5, 1]);
      assertArrayClose(roc.tpr, [0, 0.5, 1, 1]);
    });
  });

  describe('auroc', () => {
    it('matches sklearn on the docs example (0.75)', () => {
      assertClose(auroc(LABELS, SCORES), 0.75);
    });

    it('is 1 for a perfect ranking and 0 for an inverted one', () => {
      assert.equal(auroc([0, 0, 0, 1, 1], [1, 2, 3, 4, 5]), 1);
      assert.equal(auroc([0, 0, 0, 1, 1], [5, 4, 3, 2, 1]), 0);
    });

    it('is 0.5 when all scores are equal', () => {
      assert.equal(auroc([0, 1, 0, 1, 1], [3, 3, 3, 3, 3]), 0.5);
    });

    it('counts a tie between a normal row and an anomaly as 1/2', () => {
      // Anomalies {0.5, 0.9} vs normal {0.1, 0.5}: pairs 1 + 1/2 + 1 + 1 = 3.5 of 4.
      assertClose(auroc([0, 1, 0, 1], [0.1, 0.5, 0.5, 0.9]), 0.875);
    });

    it('equals the Mann-Whitney statistic on a larger case', () => {
      const labels = [1, 0, 0, 1, 0, 1, 0, 0, 1, 0];
      const scores = [3, 1, 3, 2, 2, 5, 0, 4, 3, 1];
      let wins = 0,
        pairs = 0;
      for (let i = 0; i < labels.length; i++) {
        for (let j = 0; j < labels.length; j++) {
          if (labels[i] !== 1 || labels[j] !== 0) continue;
          pairs++;
          wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
        }
      }
      assertClose(auroc(labels, scores), wins / pairs);
    });

    it('rejects one-class input with the counts', () => {
      assert.throws(() => auroc([0, 0, 0], [0.1, 0.2, 0.3]), {
        message: 'AUROC needs both normal and anomalous rows: got 3 normal, 0 anomalous',
      });
      assert.throws(() => auroc([1, 1], [0.1, 0.2]), {
        message: 'AUROC needs both normal and anomalous rows: got 0 normal, 2 anomalous',
      });
    });

    it('rejects mismatched lengths, non-finite scores and labels other than 0/1', () => {
      assert.throws(() => auroc([0, 1, 1], [0.1, 0.2]), {
        message: 'labels and scores must have the same length: got 3 labels and 2 scores',
      });
      assert.throws(() => auroc([0, 1], [0.1, NaN]), { message: 'scores must be finite numbers: scores[1] is NaN' });
      assert.throws(() => auroc([0, 1], [Infinity, 0]), {
        message: 'scores must be finite numbers: scores[0] is Infinity',
      });
      assert.throws(() => auroc([0, 2], [0.1, 0.2]), {
        message: 'labels must be 0 (normal) or 1 (anomaly): labels[1] is 2',
      });
    });
  });

  describe('prCurve', () => {
    it('matches sklearn precision_recall_curve on the docs example', () => {
      const pr = prCurve(LABELS, SCORES);
      assertArrayClose(pr.precision, [0.5, 2 / 3, 0.5, 1, 1]);
      assertArrayClose(pr.recall, [1, 1, 0.5, 0.5, 0]);
      assertArrayClose(pr.thresholds, [0.1, 0.35, 0.4, 0.8]);
    });

    it('needs at least one anomaly', () => {
      assert.throws(() => prCurve([0, 0], [1, 2]), {
        message: 'the precision-recall curve needs at least one anomalous row: got 2 normal, 0 anomalous',
      });
    });
  });

  describe('averagePrecision', () => {
    it('matches sklearn on the docs example (0.8333...)', () => {
      // Descending: P/R = 1/0.5, 0.5/0.5, 2/3/1, 0.5/1 => 0.5 * 1 + 0.5 * 2/3 = 5/6.
      assertClose(averagePrecision(LABELS, SCORES), 5 / 6);
      assertClose(averagePrecision(LABELS, SCORES), 0.8333333, 1e-7);
    });

    it('groups ties as sklearn does', () => {
      // Distinct thresholds, descending, with 3 anomalies:
      //   0.9: rows {1, 0}       tp 1, fp 1: P = 1/2, R = 1/3
      //   0.5: rows {1, 0}       tp 2, fp 2: P = 1/2, R = 2/3
      //   0.1: row  {1}          tp 3, fp 2: P = 3/5, R = 1
      // AP = 1/3 * 1/2 + 1/3 * 1/2 + 1/3 * 3/5 = 1.6 / 3 = 0.5333...
      // (Ungrouped, ranking the anomaly first within each tie, it would be (1 + 2/3 + 3/5) / 3 = 0.7556.)
      assertClose(averagePrecision([1, 0, 1, 0, 1], [0.9, 0.9, 0.5, 0.5, 0.1]), 1.6 / 3);
    });

    it('is 1 for a perfect ranking and the positive rate when all scores tie', () => {
      assert.equal(averagePrecision([0, 0, 1, 1], [1, 2, 3, 4]), 1);
      assertClose(averagePrecision([0, 1, 0, 0], [7, 7, 7, 7]), 0.25);
    });

    it('is the recall-weighted mean of precision at each anomaly for an inverted ranking', () => {
      // Anomalies ranked last of 5: P at them = 1/4 and 2/5 => (1/4 + 2/5) / 2.
      assertClose(averagePrecision([0, 0, 0, 1, 1], [5, 4, 3, 2, 1]), (1 / 4 + 2 / 5) / 2);
    });
  });

  describe('thresholdAtFpr', () => {
    const normal = Array.from({ length: 100 }, (_, i) => 99 - i); // 0..99, unsorted on purpose

    it('leaves exactly 5 of the scores 0..99 above the threshold at fpr 0.05', () => {
      const t = thresholdAtFpr(normal, 0.05);
      assert.equal(t, 94);
      assert.equal(normal.filter((s) => s > t).length, 5);
    });

    it('is the maximum at fpr 0 and copes with floating-point products', () => {
      assert.equal(thresholdAtFpr(normal, 0), 99);
      const t = thresholdAtFpr(normal, 0.29); // 0.29 * 100 = 28.999999999999996 in floating point
      assert.equal(normal.filter((s) => s > t).length, 29);
      assert.equal(thresholdAtFpr([3], 0.5), 3);
    });

    it('never lets more than fpr of the scores above it when there are ties', () => {
      const tied = [1, 2, 2, 2, 2, 3];
      const t = thresholdAtFpr(tied, 0.34); // floor(2.04) = 2 allowed above; only 3 is above 2
      assert.equal(t, 2);
      assert.equal(tied.filter((s) => s > t).length, 1);
    });

    it('rejects fpr outside [0, 1), naming the option and the value', () => {
      assert.throws(() => thresholdAtFpr(normal, 1), { message: 'fpr must be a number in [0, 1): got 1' });
      assert.throws(() => thresholdAtFpr(normal, -0.1), { message: 'fpr must be a number in [0, 1): got -0.1' });
      assert.throws(() => thresholdAtFpr(normal, NaN), { message: 'fpr must be a number in [0, 1): got NaN' });
      assert.throws(() => thresholdAtFpr([], 0.1), {
        message: 'thresholdAtFpr needs at least one normal score: got 0',
      });
      assert.throws(() => thresholdAtFpr([1, NaN], 0.1), {
        message: 'normalScores must be finite numbers: normalScores[1] is NaN',
      });
    });
  });

  describe('confusionAt', () => {
    it('counts with prediction = score > threshold', () => {
      // 0.1 normal -> tn; 0.4 normal -> fp; 0.35 anomaly not > 0.35 -> fn; 0.8 anomaly -> tp.
      const c = confusionAt(LABELS, SCORES, 0.35);
      assert.deepEqual({ tp: c.tp, fp: c.fp, tn: c.tn, fn: c.fn }, { tp: 1, fp: 1, tn: 1, fn: 1 });
      assert.equal(c.precision, 0.5);
      assert.equal(c.recall, 0.5);
      assert.equal(c.f1, 0.5);
      assert.equal(c.fpr, 0.5);
    });

    it('gives precision and f1 0 when nothing is flagged', () => {
      const c = confusionAt(LABELS, SCORES, Infinity);
      assert.deepEqual({ tp: c.tp, fp: c.fp, tn: c.tn, fn: c.fn }, { tp: 0, fp: 0, tn: 2, fn: 2 });
      assert.equal(c.precision, 0);
      assert.equal(c.f1, 0);
      assert.equal(c.fpr, 0);
    });

    it('computes f1 as the harmonic mean', () => {
      const c = confusionAt([1, 1, 1, 0, 0], [5, 4, 1, 3, 0], 2); // tp 2, fn 1, fp 1, tn 1
      assertClose(c.precision, 2 / 3);
      assertClose(c.recall, 2 / 3);
      assertClose(c.f1, 2 / 3);
      assert.equal(c.fpr, 0.5);
    });
  });

  describe('perTypeMetrics and overallMetrics', () => {
    const types = ['', '', '', 'spike', 'spike', 'drift'];
    const isNormal = [1, 1, 1, 0, 0, 0];
    const scores = [0.1, 0.2, 0.3, 0.9, 0.25, 0.05];

    it('scores each type against all normal rows, sorted by name, with known flags', () => {
      const result = perTypeMetrics(types, isNormal, scores, new Set(['spike']));
      assert.deepEqual(
        result.map((r) => [r.type, r.count, r.known]),
        [
          ['drift', 1, false],
          ['spike', 2, true],
        ],
      );
      // drift (0.05) is below all normal rows: AUROC 0, AP = precision at full recall = 1/4.
      assert.equal(result[0].auroc, 0);
      assertClose(result[0].aupr, 0.25);
      // spike {0.9, 0.25} vs normal {0.1, 0.2, 0.3}: (3 + 2) / 6; AP = 1/2 * 1 + 1/2 * 2/3.
      assertClose(result[1].auroc, 5 / 6);
      assertClose(result[1].aupr, 5 / 6);
    });

    it('gives overall AUROC and AP with anomaly = not normal', () => {
      const m = overallMetrics(isNormal, scores);
      assertClose(m.auroc, 5 / 9); // {0.9: 3, 0.25: 2, 0.05: 0} of 9 pairs
      assertClose(m.aupr, (1 + 2 / 3 + 1 / 2) / 3);
    });

    it('rejects mismatched lengths and bad flags', () => {
      assert.throws(() => perTypeMetrics(types.slice(1), isNormal, scores, new Set()), {
        message: 'typeOfRow and scores must have the same length: got 5 types and 6 scores',
      });
      assert.throws(() => overallMetrics([1, 0], [0.5]), {
        message: 'isNormal and scores must have the same length: got 2 isNormal flags and 1 scores',
      });
      assert.throws(() => overallMetrics([1, 0.5], [0.5, 0.7]), {
        message: 'isNormal must be 1 (normal) or 0 (anomaly): isNormal[1] is 0.5',
      });
      assert.throws(() => perTypeMetrics(['a', 'b'], [0, 0], [1, 2], new Set()), {
        message: 'AUROC needs both normal and anomalous rows: got 0 normal, 1 anomalous',
      });
    });
  });
});
