/**
 * Chart specs from a report (bins, curve points, labels), chart.js configs, and the PNG fallback.
 */
import * as assert from 'assert';
import type { Dataset } from '../../src/core/data/types';
import { buildReport, EvaluationReport } from '../../src/core/report';
import {
  chartSummary,
  comparisonChart,
  prChart,
  rocChart,
  scoreDistribution,
  scoreHistogram,
  thin,
  trainingChart,
  md,
  MAX_CURVE_POINTS,
} from '../../src/presentation/charts';
import { chartConfig, LIGHT_THEME, withAlpha } from '../../src/presentation/chartConfig';
import { chartPng, PNG_HEIGHT, PNG_WIDTH } from '../../src/presentation/png';

/** 4 normal rows, 2 'a' (known), 2 'b' (unseen); scores chosen by hand. */
function smallReport(): EvaluationReport {
  const labels = ['n', 'n', 'n', 'n', 'a', 'a', 'b', 'b'];
  const isNormal = Uint8Array.from(labels, (l) => (l === 'n' ? 1 : 0));
  const ds = {
    source: 'hand.csv',
    rowCount: 8,
    columns: [],
    features: [],
    label: { column: 'y', values: labels, normalValues: ['n'], isNormal },
  } as unknown as Dataset;
  const scores = Float64Array.from([0, 1, 2, 3, 4, 5, 2.5, 3.5]);
  return buildReport('VC-SA', ds, scores, 3.2, ['a'], {});
}

describe('chart specs', () => {
  it('bins scores on shared edges into per-group densities', () => {
    const spec = scoreHistogram(smallReport(), 5);
    assert.strictEqual(spec.kind, 'scores');
    if (spec.kind !== 'scores') return;
    assert.deepStrictEqual(spec.edges, [0, 1, 2, 3, 4, 5]);
    assert.deepStrictEqual(
      spec.series.map((s) => [s.label, s.role, s.count]),
      [
        ['normal', 'normal', 4],
        ['a', 'known', 2],
        ['b', 'unseen', 2],
      ],
    );
    // normal 0,1,2,3 -> one per bin in bins 0..3; a: 4,5 -> last bin (5 is clamped into it); b: 2.5, 3.5 -> bins 2, 3
    assert.deepStrictEqual(spec.series[0].density, [0.25, 0.25, 0.25, 0.25, 0]);
    assert.deepStrictEqual(spec.series[1].density, [0, 0, 0, 0, 1]);
    assert.deepStrictEqual(spec.series[2].density, [0, 0, 0.5, 0.5, 0]);
    assert.strictEqual(spec.threshold, 3.2);
    assert.strictEqual(spec.fpr, 0);
    assert.strictEqual(spec.tpr, 0.75);
  });

  it('draws ROC and PR curves overall and per type, with areas and base rates', () => {
    const r = smallReport();
    const roc = rocChart(r);
    assert.ok(roc.kind === 'roc');
    if (roc.kind !== 'roc') return;
    assert.deepStrictEqual(
      roc.series.map((s) => [s.label, s.known]),
      [
        ['all anomalies', undefined],
        ['a', true],
        ['b', false],
      ],
    );
    assert.strictEqual(roc.series[1].area, 1);
    assert.deepStrictEqual(roc.series[1].x, [0, 0, 0, 0.25, 0.5, 0.75, 1]);
    assert.deepStrictEqual(roc.series[1].y, [0, 0.5, 1, 1, 1, 1, 1]);
    assert.strictEqual(roc.series[2].area, r.perType[1].auroc);
    const pr = prChart(r);
    if (pr.kind !== 'pr') return assert.fail('pr');
    assert.strictEqual(pr.series[0].baseRate, 0.5);
    assert.strictEqual(pr.series[1].baseRate, 2 / 6);
    assert.strictEqual(pr.series[0].area, r.aupr);
  });

  it('bins every row of unlabelled scores into one series with the threshold and the share above it', () => {
    const spec = scoreDistribution('VC-SA', 'data_1.csv', [0, 1, 2, 3, 4, 5, 2.5, 3.5], 3.2, 5);
    assert.strictEqual(spec.kind, 'scores');
    if (spec.kind !== 'scores') return;
    assert.deepStrictEqual(spec.edges, [0, 1, 2, 3, 4, 5]);
    assert.deepStrictEqual(
      spec.series.map((s) => [s.label, s.role, s.count]),
      [['all rows', 'all', 8]],
    );
    assert.deepStrictEqual(spec.series[0].density, [1 / 8, 1 / 8, 2 / 8, 2 / 8, 2 / 8]);
    assert.strictEqual(spec.threshold, 3.2);
    assert.strictEqual(spec.flagged, 3 / 8);
    const summary = chartSummary(spec);
    assert.match(summary, /\*\*Anomaly scores: VC-SA on data\\_1\.csv\*\*/);
    assert.match(summary, /\| all rows \| 8 \|/);
    assert.match(summary, /Threshold 3\.200: 37\.5 % of the rows above it\./);
    const config = chartConfig(spec, LIGHT_THEME) as unknown as { data: { datasets: Array<{ label: string }> } };
    assert.deepStrictEqual(
      config.data.datasets.map((d) => d.label),
      ['all rows (8 rows)', 'threshold (37.5 % of rows above)'],
    );
    assert.throws(() => scoreDistribution('VC-SA', 'empty.csv', [], 0), /empty\.csv: no rows to score/);
  });

  it('thins long curves to MAX_CURVE_POINTS, keeping both ends', () => {
    const x = Array.from({ length: 1001 }, (_, i) => i / 1000);
    const t = thin(x, x);
    assert.strictEqual(t.x.length, MAX_CURVE_POINTS);
    assert.strictEqual(t.x[0], 0);
    assert.strictEqual(t.x[t.x.length - 1], 1);
  });

  it('summarises charts as markdown with escaped labels', () => {
    const r = smallReport();
    assert.match(chartSummary(rocChart(r)), /\| a \(known\) \| 1\.0000 \|/);
    const cmp = comparisonChart([r, { ...r, detector: 'IF' }]);
    assert.match(chartSummary(cmp), /\| \| VC-SA \| IF \|/);
    const training = trainingChart({
      history: [{ epoch: 1, epochs: 2, loss: 0.5, valLoss: 0.6, bestEpoch: 1, seconds: 1, rowsPerSecond: 10 }],
      bestEpoch: 1,
    } as never);
    assert.strictEqual(
      chartSummary(training),
      '**Training**: 1 epochs, loss 0.5000, validation loss 0.6000, best epoch 1.',
    );
    assert.strictEqual(md('<img src=x>|*y*'), '\\<img src=x\\>\\|\\*y\\*');
  });
});

describe('chart.js configs', () => {
  it('labels ROC series with their AUROC and adds the chance diagonal', () => {
    const cfg = chartConfig(rocChart(smallReport()), LIGHT_THEME);
    assert.strictEqual(cfg.type, 'scatter');
    const labels = cfg.data.datasets.map((d) => d.label);
    assert.deepStrictEqual(labels, [
      'all anomalies: AUROC 0.938',
      'a (known): AUROC 1.000',
      'b (unseen): AUROC 0.875',
      'chance',
    ]);
  });

  it('puts the threshold with its FPR and TPR into the score histogram legend', () => {
    const cfg = chartConfig(scoreHistogram(smallReport(), 5), LIGHT_THEME);
    assert.strictEqual(cfg.data.datasets[3].label, 'threshold (FPR 0.000, TPR 0.750)');
    assert.strictEqual(withAlpha('#1a85ff', 0.25), 'rgba(26,133,255,0.25)');
  });
});

describe('PNG fallback', () => {
  it('is a decodable PNG of the expected size with drawn (non-white) pixels', async () => {
    const png = chartPng(rocChart(smallReport()));
    assert.deepStrictEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
    assert.strictEqual(png.readUInt32BE(16), PNG_WIDTH);
    assert.strictEqual(png.readUInt32BE(20), PNG_HEIGHT);
    const napi = await import('@napi-rs/canvas');
    const image = await napi.loadImage(png);
    const canvas = napi.createCanvas(image.width, image.height);
    const ctx = canvas.getContext('2d');
    ctx.drawImage(image, 0, 0);
    const px = ctx.getImageData(0, 0, image.width, image.height).data;
    let inked = 0,
      white = 0;
    for (let i = 0; i < px.length; i += 4) {
      if (px[i] > 250 && px[i + 1] > 250 && px[i + 2] > 250) white++;
      else inked++;
    }
    assert.ok(white > inked, 'mostly white background');
    assert.ok(inked > 5000, `inked pixels ${inked}`);
  });
});
