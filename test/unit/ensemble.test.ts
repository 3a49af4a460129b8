import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { loadDataset } from '../../src/core/data';
import type { Dataset } from '../../src/core/data/types';
import { Detector } from '../../src/core/detector';
import { evidence, MAX_REFERENCE, memberWeights, percentile, reference } from '../../src/core/detectors/ensemble';
import { auroc } from '../../src/core/metrics';
import { loadDetector, MODEL_FILE, saveDetector } from '../../src/core/persist';

const ROOT = path.resolve(__dirname, '..', '..', '..');

describe('ensemble (auto): percentiles, evidence and weights', () => {
  it('reads a percentile among sorted scores, ties counting half, non-finite scores above all', () => {
    const ref = Float64Array.of(1, 2, 2, 3);
    assert.equal(percentile(ref, 0), 0);
    assert.equal(percentile(ref, 1), 1 / 8); // (0 below + 1 at or below) / 8
    assert.equal(percentile(ref, 2), 4 / 8); // (1 + 3) / 8
    assert.equal(percentile(ref, 2.5), 6 / 8);
    assert.equal(percentile(ref, 3), 7 / 8);
    assert.equal(percentile(ref, 4), 1);
    assert.equal(percentile(ref, NaN), 1);
    assert.equal(percentile(ref, Infinity), 1);
  });

  it("turns a percentile into Fisher's evidence -ln(1 - p + 1/2n)", () => {
    assert.equal(evidence(0.5, 10), -Math.log(0.55));
    assert.equal(evidence(1, 10), Math.log(20));
    assert.ok(evidence(0, 10) < 0 && evidence(0, 10) > -0.05);
    assert.ok(evidence(0.9, 10) > evidence(0.8, 10));
  });

  it('keeps at most MAX_REFERENCE calibration scores, sorted, with the smallest and largest', () => {
    const n = 10_000;
    const scores = Float64Array.from({ length: n }, (_, i) => ((i * 7919) % n) / n);
    const ref = reference(scores);
    assert.equal(ref.length, MAX_REFERENCE);
    assert.equal(ref[0], 0);
    assert.equal(ref[MAX_REFERENCE - 1], (n - 1) / n);
    for (let i = 1; i < ref.length; i++) assert.ok(ref[i] >= ref[i - 1]);
    assert.deepEqual([...reference([3, 1, 2])], [1, 2, 3]);
  });

  it('weighs members within the margin of the best equally, the others 0; without figures, all equally', () => {
    assert.deepEqual(memberWeights([0.99, 0.95, 0.9], 0.05), [0.5, 0.5, 0]);
    assert.deepEqual(memberWeights([0.99, 0.95, 0.9], 0.1), [1 / 3, 1 / 3, 1 / 3]);
    assert.deepEqual(memberWeights([0.7, 0.99], 0), [0, 1]);
    assert.deepEqual(memberWeights([undefined, undefined], 0.05), [0.5, 0.5]);
  });
});

describe('ensemble (auto) on the Thyroid sample', () => {
  const SMALL = { hidden: [32], epochs: 20, trees: 50, seed: 0 };
  let train: Dataset, test: Dataset;
  before(async () => {
    const options = { label: 'class', normal: 'normal' };
    train = await loadDataset(path.join(ROOT, 'samples/thyroid-train.csv'), options);
    test = await loadDataset(path.join(ROOT, 'samples/thyroid-test.csv'), options);
  });

  it('scores the weighted evidence of its members; the report gives each member its own AUROC', async function () {
    this.timeout(120_000);
    const det = await new Detector({
      ...SMALL,
      method: 'auto',
      members: ['vcsa', 'iforest'],
      known: ['hyperfunction'],
    }).fit(train);
    assert.equal(det.name, 'Ensemble (VC-SA, Isolation Forest)');
    const rep = det.evaluate(test);
    const members = rep.members!;
    assert.deepEqual(
      members.map((m) => m.method),
      ['vcsa', 'iforest'],
    );
    // The weights follow the rule from the calibration AUROCs (19 known anomalies there). Measured with seed 0:
    // the small VC-SA (one layer of 32, 20 epochs) ranks them badly (0.30), the forest well (0.94): the
    // forest alone carries the score.
    const cal = members.map((m) => m.calibrationAuroc!);
    assert.ok(cal[0] < 0.6 && cal[1] > 0.85, `calibration AUROCs ${cal}`);
    assert.deepEqual(
      members.map((m) => m.weight),
      [0, 1],
    );
    assert.deepEqual(
      members.map((m) => m.weight),
      memberWeights(cal, det.options.ensembleMargin),
    );
    assert.equal(det.fitted.summary.validationRows, Math.round(0.2 * 3488) + Math.round(0.2 * 93));
    // Each member's own AUROC is its scores' on the test rows; the ensemble's, a step function of the forest's
    // percentile, ranks like the forest up to ties.
    const labels = Array.from(rep.isNormal, (v) => 1 - v);
    assert.equal(auroc(labels, rep.scores), rep.auroc);
    assert.ok(Math.abs(rep.auroc - members[1].auroc) < 0.01, `ensemble ${rep.auroc}, forest ${members[1].auroc}`);
    assert.ok(members[1].auroc > 0.7, `forest AUROC ${members[1].auroc}`);
    det.dispose();
  });

  it('trains without labels: members that need known anomalies are left out, the others weigh equally', async function () {
    this.timeout(120_000);
    const det = await new Detector({ ...SMALL, method: 'auto', members: ['vc', 'vcsa', 'iforest'], known: [] }).fit(
      train,
    );
    const rep = det.evaluate(test);
    assert.deepEqual(
      rep.members!.map((m) => [m.method, m.weight, m.calibrationAuroc]),
      [
        ['vcsa', 0.5, null],
        ['iforest', 0.5, null],
      ],
    );
    det.dispose();
    await assert.rejects(new Detector({ method: 'auto', members: ['vc'], known: [] }).fit(train), {
      message: `${train.source}: none of the ensemble's members (vc) can train on these rows: add iforest or gbt-sa, which need no labels`,
    });
  });

  it('saves one model folder and loads it back to the same scores; a damaged member names its field', async function () {
    this.timeout(120_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthad-ensemble-'));
    try {
      const det = await new Detector({ ...SMALL, method: 'auto', members: ['vcsa', 'iforest'] }).fit(train);
      await saveDetector(det, dir);
      const loaded = await loadDetector(dir);
      assert.deepEqual(loaded.scoreSamples(test), det.scoreSamples(test));
      // Explanations work as for any method: each top row with its three features.
      const top = loaded.top(test, 3);
      assert.equal(top.length, 3);
      assert.ok(top.every((r) => r.explanation.length === 3 && r.score >= top[2].score));
      // `synthad score` streams the file over 2 worker threads, each with its copy of every member.
      const out = path.join(dir, 'scores.csv');
      const cli = spawnSync(
        process.execPath,
        [
          path.join(ROOT, 'bin/synthad.js'),
          'score',
          dir,
          path.join(ROOT, 'samples/thyroid-test.csv'),
          '--out',
          out,
          '--threads',
          '2',
        ],
        { encoding: 'utf8' },
      );
      assert.equal(cli.status, 0, cli.stderr);
      const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
      const col = lines[0].split(',').indexOf('score');
      const streamed = lines.slice(1).map((l) => Number(l.split(',')[col]));
      const want = det.scoreSamples(test);
      assert.equal(streamed.length, want.length);
      // Printed in full (shortest round-trip text): the same doubles.
      streamed.forEach((v, i) => assert.equal(v, want[i], `row ${i}`));
      assert.equal(loaded.threshold, det.threshold);
      assert.deepEqual(loaded.evaluate(test).members, det.evaluate(test).members);
      loaded.dispose();
      det.dispose();
      const manifestPath = path.join(dir, MODEL_FILE);
      const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
      const damaged: Array<[(m: Record<string, any>) => void, string]> = [
        [
          (m) => (m.ensemble.members[0].weight = 0.9),
          "field 'ensemble.members' must be members whose weights sum to 1, got",
        ],
        [
          (m) => (m.ensemble.members[1].reference[1] = -5),
          "field 'ensemble.members[1].reference[1]' must be a number, not below the one before it (sorted scores), got -5",
        ],
        [
          (m) => (m.ensemble.members[1].method = 'vcsa'),
          "field 'ensemble.members[1].method' must be one of options.members after those before it (vcsa, iforest), got",
        ],
        [(m) => (m.ensemble.members[1].model.forest = 7), "field 'ensemble.members[1].model.forest'"],
        [(m) => (m.ensemble.members[0].model.forest = {}), "field 'ensemble.members[0].model.forest' must be absent"],
      ];
      for (const [damage, message] of damaged) {
        const copy = JSON.parse(JSON.stringify(manifest));
        damage(copy);
        fs.writeFileSync(manifestPath, JSON.stringify(copy));
        await assert.rejects(loadDetector(dir), (err: Error) => {
          assert.ok(err.message.includes(message), `${err.message}\nshould include: ${message}`);
          assert.ok(err.message.startsWith(manifestPath), err.message);
          return true;
        });
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
