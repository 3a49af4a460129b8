/**
 * One report table model, rendered as text, markdown and HTML; the kernel's report bundle carries the
 * model for the renderer. The live training chart is a chart spec; one MIME table.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { Dataset } from '../../src/core/data/types';
import { buildReport, EvaluationReport, reportSummary } from '../../src/core/report';
import {
  formatReport,
  metric,
  reportHtml,
  reportMarkdown,
  reportTable,
  reportText,
} from '../../src/presentation/reportTable';
import { chartSummary, liveTrainingChart } from '../../src/presentation/charts';
import { reportBundle } from '../../src/kernel/bundles';
import { MIME } from '../../src/common/protocol';
import type { EpochProgress } from '../../src/core/train';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** 4 normal rows, 2 'a' (known), 2 of a type named like HTML (unseen), 1 row without a label. */
function report(): EvaluationReport {
  const labels = ['n', 'n', 'n', 'n', 'a', 'a', 'z<b>|', 'z<b>|', ''];
  const isNormal = Uint8Array.from(labels, (l) => (l === 'n' ? 1 : 0));
  const ds = {
    source: 'hand_1.csv',
    rowCount: 9,
    columns: [],
    features: [],
    label: {
      column: 'y',
      values: labels,
      normalValues: ['n'],
      isNormal,
      unknown: Uint8Array.from(labels, (l) => (l === '' ? 1 : 0)),
    },
  } as unknown as Dataset;
  const r = buildReport('VC-SA', ds, Float64Array.from([0, 1, 2, 3, 4, 5, 2.5, 3.5, 9]), 3.2, ['a'], {
    'col<1>': 2,
    other: 0,
  });
  return { ...r, warnings: ['hand_1.csv: 2 values of categories not seen in training'] };
}

describe('report table', () => {
  it('builds one model: headline, columns, formatted rows, notes and warnings', () => {
    const t = reportTable(report());
    assert.strictEqual(t.summary, '8 rows (4 normal, 4 anomalous); 1 rows with no label left out');
    assert.deepStrictEqual(
      t.columns.map((c) => [c.label, c.numeric]),
      [
        ['anomalies', false],
        ['rows', true],
        ['AUROC', true],
        ['AUPR', true],
      ],
    );
    assert.deepStrictEqual(t.rows, [
      ['all', '4', '0.9375', '0.9500'],
      ['a (known)', '2', '1.0000', '1.0000'],
      ['z<b>| (unseen)', '2', '0.8750', '0.8333'],
    ]);
    assert.deepStrictEqual(t.notes, [
      'At threshold 3.200: precision 1.0000, recall 0.7500, F1 0.8571, false-positive rate 0.0000.',
      'Categories not seen in training: col<1> 2',
    ]);
    assert.deepStrictEqual(t.warnings, ['hand_1.csv: 2 values of categories not seen in training']);
    assert.deepStrictEqual(JSON.parse(JSON.stringify(t)), t, 'plain JSON');
    assert.strictEqual(metric(NaN), 'n/a');
    assert.strictEqual(metric(1 / 3), '0.3333');
  });

  it('renders as fixed-width text', () => {
    assert.strictEqual(
      formatReport(report()),
      [
        'VC-SA on hand_1.csv: 8 rows (4 normal, 4 anomalous); 1 rows with no label left out',
        '',
        'anomalies                        rows    AUROC     AUPR',
        'all                                 4   0.9375   0.9500',
        'a (known)                           2   1.0000   1.0000',
        'z<b>| (unseen)                      2   0.8750   0.8333',
        '',
        'At threshold 3.200: precision 1.0000, recall 0.7500, F1 0.8571, false-positive rate 0.0000.',
        'Categories not seen in training: col<1> 2',
      ].join('\n'),
    );
  });

  it('renders as escaped markdown', () => {
    assert.strictEqual(
      reportMarkdown(reportTable(report())),
      [
        '**VC-SA** on hand\\_1.csv: 8 rows (4 normal, 4 anomalous); 1 rows with no label left out',
        '',
        '| anomalies | rows | AUROC | AUPR |',
        '|---|---:|---:|---:|',
        '| all | 4 | 0.9375 | 0.9500 |',
        '| a (known) | 2 | 1.0000 | 1.0000 |',
        '| z\\<b\\>\\| (unseen) | 2 | 0.8750 | 0.8333 |',
        '',
        'At threshold 3.200: precision 1.0000, recall 0.7500, F1 0.8571, false-positive rate 0.0000.',
        'Categories not seen in training: col\\<1\\> 2',
      ].join('\n'),
    );
  });

  it('renders as escaped HTML with the warnings', () => {
    const html = reportHtml(reportTable(report()));
    assert.ok(
      html.includes(
        '<tr><td>z&lt;b&gt;| (unseen)</td><td class="n">2</td><td class="n">0.8750</td><td class="n">0.8333</td></tr>',
      ),
      html,
    );
    assert.ok(html.includes('<th>anomalies</th><th class="n">rows</th>'));
    assert.ok(
      html.includes(
        '<p>At threshold 3.200: precision 1.0000, recall 0.7500, F1 0.8571, false-positive rate 0.0000.</p>',
      ),
    );
    assert.ok(html.includes('<p>Categories not seen in training: col&lt;1&gt; 2</p>'));
    assert.ok(html.includes('<p class="warning">Warning: hand_1.csv: 2 values of categories not seen in training</p>'));
    assert.ok(!html.includes('<b>'));
  });

  it('goes into the kernel bundle once: the model for the renderer, the same table as markdown and text', () => {
    const r = report();
    const b = reportBundle(r);
    const json = b[MIME.report] as ReturnType<typeof reportSummary> & { table: unknown };
    const t = reportTable(r);
    assert.deepStrictEqual(json.table, t);
    assert.strictEqual(json.auroc, r.auroc);
    assert.deepStrictEqual({ ...json, table: undefined }, { ...reportSummary(r), table: undefined });
    assert.strictEqual(b['text/markdown'], reportMarkdown(t));
    assert.strictEqual(b['text/plain'], reportText(t));
    // A stored summary (a notebook saved before `table`) gives the same model.
    assert.deepStrictEqual(reportTable(JSON.parse(JSON.stringify(reportSummary(r)))), t);
  });
});

describe('live training chart', () => {
  it('is a training chart spec titled with the latest epoch', () => {
    const h = (epoch: number, bestEpoch: number): EpochProgress => ({
      epoch,
      epochs: 10,
      loss: 1 / epoch,
      valLoss: 2 / epoch,
      bestEpoch,
      seconds: 1,
      rowsPerSecond: 5,
    });
    const spec = liveTrainingChart('VC-SA', [h(1, 1), h(2, 1)], 10);
    assert.deepStrictEqual(spec, {
      kind: 'training',
      title: 'Training VC-SA: epoch 2 of at most 10',
      epochs: [1, 2],
      loss: [1, 0.5],
      valLoss: [2, 1],
      bestEpoch: 1,
      maxEpochs: 10,
    });
    assert.strictEqual(
      chartSummary(spec),
      '**Training VC-SA: epoch 2 of at most 10**: 2 epochs, loss 0.5000, validation loss 1.0000, best epoch 1.',
    );
  });
});

describe('MIME table', () => {
  it('is the one the renderer is registered for, and the renderer imports it', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      contributes: { notebookRenderer: Array<{ mimeTypes: string[] }> };
    };
    assert.deepStrictEqual([...pkg.contributes.notebookRenderer[0].mimeTypes].sort(), Object.values(MIME).sort());
    for (const file of ['src/renderer/index.ts', 'src/renderer/tables.ts']) {
      assert.ok(
        !fs.readFileSync(path.join(ROOT, file), 'utf8').includes('application/vnd.synthad'),
        `${file} spells out a MIME type`,
      );
    }
    // The renderer's browser bundle takes src/common/protocol.ts: no imports there.
    assert.ok(!/^\s*import\s/m.test(fs.readFileSync(path.join(ROOT, 'src/common/protocol.ts'), 'utf8')));
  });
});
