// Streamed scoring (issue 15): `synthad score` reads, types, scores and writes in chunks. The streamed scores
// equal Detector.scoreSamples on the whole table, in every input and output format, whatever the chunk size
// (bit for bit in chunks of whole scoring blocks, else within float32 rounding: see SCORE_TOLERANCE);
// cells are written back as read; errors name the file, line and column; warnings count over the whole file;
// and peak memory does not grow with the file's length.
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import Papa from 'papaparse';
import { loadTable } from '../../src/core/data';
import { Detector } from '../../src/core/detector';
import { saveDetector } from '../../src/core/persist';
import { SCORE_BLOCK_ROWS } from '../../src/core/network';
import { outputFormatOf, scoreFileStreaming } from '../../src/core/scoreStream';
import { assertScoresAgree, fixtureDir, gaussianDataset, rejectsInput, scoresAgree } from './helpers';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const BIN = path.join(ROOT, 'bin', 'synthad.js');
const PEAK = path.join(ROOT, 'bench', 'peak-rss.js');

const { dir, fixture } = fixtureDir('synthad-stream-');

/** The gaussian set as CSV text, with a few cells written the way people write them. */
function csvText(rows = 480, delimiter = ','): string {
  const data = gaussianDataset(3, rows - 80, 40);
  const names = data.columns.map((c) => c.name);
  const lines = [[...names, 'note'].join(delimiter)];
  for (let r = 0; r < data.rowCount; r++) {
    const cells = data.columns.map((c) => {
      const v = c.values[r];
      return typeof v === 'number' ? String(v) : String(v);
    });
    if (r % 17 === 5) cells[1] = r % 2 === 0 ? 'NA' : ''; // missing numbers, as written
    if (r % 23 === 7) cells[names.indexOf('colour')] = 'purple'; // a category not seen in training
    if (r % 29 === 3) cells[names.indexOf('colour')] = ''; // a missing category
    const note =
      r % 11 === 0 ? (delimiter === ',' ? '"a, ""quoted"" note"' : 'a "quoted" note') : r % 13 === 0 ? '007' : 'ok';
    lines.push([...cells, note].join(delimiter));
  }
  return lines.join('\n') + '\n';
}

/** Output rows as objects (CSV/TSV via papaparse, JSON Lines per line), cells as text. */
function readOutput(file: string): Record<string, unknown>[] {
  const text = file.endsWith('.gz')
    ? zlib.gunzipSync(fs.readFileSync(file)).toString('utf8')
    : fs.readFileSync(file, 'utf8');
  if (outputFormatOf(file) === 'jsonl')
    return text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const parsed = Papa.parse<Record<string, string>>(text.trim(), {
    header: true,
    delimiter: outputFormatOf(file) === 'tsv' ? '\t' : ',',
  });
  assert.deepEqual(parsed.errors, []);
  return parsed.data;
}

const scoresOf = (rows: Record<string, unknown>[]): number[] => rows.map((r) => Number(r.score));

/**
 * Each row's prediction is its own score against the threshold, and the whole-table prediction wherever the
 * whole-table score is not within SCORE_TOLERANCE of the threshold (there either side is right).
 */
function assertPredictions(
  rows: Record<string, unknown>[],
  expected: ReadonlyArray<number>,
  threshold: number,
  what: string,
): void {
  rows.forEach((r, i) => {
    const prediction = Number(r.prediction);
    assert.equal(prediction, Number(r.score) > threshold ? 1 : 0, `${what}: row ${i}'s prediction against its score`);
    if (!scoresAgree(expected[i], threshold))
      assert.equal(prediction, expected[i] > threshold ? 1 : 0, `${what}: row ${i}'s prediction`);
  });
}

describe('streamed scoring (synthad score)', function () {
  this.timeout(180_000);
  const train = gaussianDataset(1);
  const detectors: Record<string, Detector> = {};

  before(async () => {
    detectors.iforest = await new Detector({ method: 'iforest', seed: 0, trees: 30 }).fit(train);
    detectors.vcsa = await new Detector({ method: 'vcsa', seed: 0, hidden: [16, 16], epochs: 2, threads: 1 }).fit(
      train,
    );
  });

  for (const method of ['iforest', 'vcsa']) {
    it(`${method}: CSV, TSV, JSON Lines and .csv.gz give the whole-table scores, in every output format`, async () => {
      const det = detectors[method];
      const csv = fixture('in.csv', csvText());
      const want = Array.from(det.scoreSamples(await loadTable(csv)));
      const tsv = fixture('in.tsv', csvText(480, '\t'));
      const wantTsv = Array.from(det.scoreSamples(await loadTable(tsv)));
      const gz = fixture('in.csv.gz', zlib.gzipSync(fs.readFileSync(csv)));
      const table = await loadTable(csv);
      const jsonl = fixture(
        'in.jsonl',
        Array.from({ length: table.rowCount }, (_, r) =>
          JSON.stringify(
            Object.fromEntries(
              table.columns.map((c) => {
                const v = c.values[r];
                return [c.name, typeof v === 'number' ? (Number.isNaN(v) ? null : v) : v];
              }),
            ),
          ),
        ).join('\n') + '\n',
      );
      const wantJsonl = Array.from(det.scoreSamples(await loadTable(jsonl)));
      // Chunks of SCORE_BLOCK_ROWS keep every row at its place in the network's scoring blocks: the same bits on any
      // CPU. Chunks of 64 move rows within a block: the same bits on most BLAS kernels, within SCORE_TOLERANCE on all.
      // Isolation Forest scores in doubles, row by row: the same bits either way.
      for (const chunkRows of [SCORE_BLOCK_ROWS, 64]) {
        const exact = method === 'iforest' || chunkRows % SCORE_BLOCK_ROWS === 0;
        for (const [input, expected] of [
          [csv, want],
          [tsv, wantTsv],
          [gz, want],
          [jsonl, wantJsonl],
        ] as const) {
          for (const ext of ['csv', 'tsv', 'jsonl', 'csv.gz']) {
            const out = path.join(dir, `out-${method}.${ext}`);
            const result = await scoreFileStreaming(det, input, out, { chunkRows });
            assert.equal(result.rows, expected.length);
            const rows = readOutput(out);
            const what = `${path.basename(input)} -> .${ext}, chunks of ${chunkRows}`;
            if (exact) assert.deepEqual(scoresOf(rows), expected, what);
            else assertScoresAgree(scoresOf(rows), expected, what);
            assertPredictions(rows, expected, det.fitted.threshold, what);
          }
        }
      }
    });
  }

  it('keeps every cell as written (NA, 007, quotes) and appends score and prediction', async () => {
    const csv = fixture(
      'cells.csv',
      'x0,x1,x2,x3,flag,colour,note\n' +
        '0.1,NA,0.3,0.4,1,red,"a, ""quoted"" note"\n' +
        '007,,0.3,0.4,0,green,007\n' +
        '1e0,n/a,?,null,1,,"two\nlines"\n',
    );
    const out = path.join(dir, 'cells-out.csv');
    await scoreFileStreaming(detectors.iforest, csv, out);
    const lines = fs.readFileSync(out, 'utf8').split('\n');
    assert.equal(lines[0], 'x0,x1,x2,x3,flag,colour,note,score,prediction');
    assert.match(lines[1], /^0\.1,NA,0\.3,0\.4,1,red,"a, ""quoted"" note",[\d.e-]+,[01]$/);
    assert.match(lines[2], /^007,,0\.3,0\.4,0,green,007,[\d.e-]+,[01]$/);
    assert.equal(lines[3], '1e0,n/a,?,null,1,,"two');
    assert.match(lines[4], /^lines",[\d.e-]+,[01]$/);
    const json = path.join(dir, 'cells-out.jsonl');
    await scoreFileStreaming(detectors.iforest, csv, json);
    const first = JSON.parse(fs.readFileSync(json, 'utf8').split('\n')[1]) as Record<string, unknown>;
    assert.deepEqual(
      { ...first, score: 0, prediction: 0 },
      { x0: '007', x1: '', x2: '0.3', x3: '0.4', flag: '0', colour: 'green', note: '007', score: 0, prediction: 0 },
    );
  });

  it('JSON Lines: keys first seen after the first chunk stay in .jsonl output; CSV output says it leaves them out', async () => {
    const rec = (extra: Record<string, unknown> = {}): string =>
      JSON.stringify({ x0: 0.1, x1: 0.2, x2: 0.3, x3: 0.4, flag: 1, colour: 'red', ...extra });
    const file = fixture('keys.jsonl', [rec(), rec({ late: 'x' }), rec({ late: 'y' })].join('\n') + '\n');
    const csv = await scoreFileStreaming(detectors.iforest, file, path.join(dir, 'keys-out.csv'), { chunkRows: 1 });
    assert.deepEqual(csv.warnings, [
      `${file}: 2 records have keys not in the first 1 records; they are left out of keys-out.csv (write .jsonl to keep every key)`,
    ]);
    const jsonl = await scoreFileStreaming(detectors.iforest, file, path.join(dir, 'keys-out.jsonl'), { chunkRows: 1 });
    assert.deepEqual(jsonl.warnings, []);
    assert.deepEqual(
      readOutput(path.join(dir, 'keys-out.jsonl')).map((r) => r.late),
      [undefined, 'x', 'y'],
    );
  });

  it('chunk boundaries do not change the scores or the warnings', async () => {
    const csv = fixture('chunks.csv', csvText(700));
    const runs = new Map<number, { scores: number[]; warnings: ReadonlyArray<string> }>();
    for (const chunkRows of [1, 7, 64, SCORE_BLOCK_ROWS, 100_000]) {
      const out = path.join(dir, `chunks-${chunkRows}.csv`);
      const result = await scoreFileStreaming(detectors.vcsa, csv, out, { chunkRows });
      runs.set(chunkRows, { scores: scoresOf(readOutput(out)), warnings: result.warnings });
    }
    const whole = runs.get(100_000)!;
    for (const [chunkRows, run] of runs) {
      assert.deepEqual(run.warnings, whole.warnings, `chunks of ${chunkRows}`);
      // Block-aligned chunks: bit for bit by design; others within float32 rounding (see SCORE_TOLERANCE).
      if (chunkRows % SCORE_BLOCK_ROWS === 0) assert.deepEqual(run.scores, whole.scores, `chunks of ${chunkRows}`);
      else assertScoresAgree(run.scores, whole.scores, `chunks of ${chunkRows}`);
    }
    assert.deepEqual(whole.warnings, [
      `${csv}: 30 values of categories not seen in training (30 in 'colour'); scored as no category`,
    ]);
    // The same counts and scores the whole-table path reports.
    const details = detectors.vcsa.scoreDetailed(await loadTable(csv));
    assert.deepEqual(details.warnings, whole.warnings);
    assert.deepEqual(Array.from(details.scores), whole.scores);
  });

  it('the default chunks (2048 rows) are whole scoring blocks: the whole-table scores bit for bit, on one thread and on workers', async () => {
    const csv = fixture('default-chunks.csv', csvText(5000));
    const want = Array.from(detectors.vcsa.scoreSamples(await loadTable(csv)));
    for (const workers of [1, 2]) {
      const out = path.join(dir, `default-chunks-${workers}.csv`);
      await scoreFileStreaming(detectors.vcsa, csv, out, { workers });
      assert.deepEqual(scoresOf(readOutput(out)), want, `${workers} threads`);
    }
  });

  it('counts rows out of range over the whole file and names the first one, in a later chunk', async () => {
    const text = csvText(200).split('\n');
    text[150] = text[150].replace(/^[^,]+/, '1e300');
    text[170] = text[170].replace(/^[^,]+/, '-1e300');
    const csv = fixture('far.csv', text.join('\n'));
    const result = await scoreFileStreaming(detectors.vcsa, csv, path.join(dir, 'far-out.csv'), { chunkRows: 16 });
    assert.deepEqual(
      result.warnings.filter((w) => w.includes('training ranges')),
      [
        `${csv}: 2 rows have values more than 1e+6 training ranges outside the training data (first: line 151, column 'x0'); scored +Infinity and flagged as anomalies`,
      ],
    );
    const rows = readOutput(path.join(dir, 'far-out.csv'));
    assert.deepEqual([rows[149].score, rows[149].prediction, rows[169].score], ['Infinity', '1', 'Infinity']);
  });

  it('errors name the file, line and column, in any chunk, and leave no output', async () => {
    const lines = csvText(300).split('\n');
    lines[250] = lines[250].replace(/^([^,]+),[^,]+/, '$1,x1');
    const bad = fixture('bad.csv', lines.join('\n'));
    const out = path.join(dir, 'bad-out.csv');
    await rejectsInput(
      scoreFileStreaming(detectors.iforest, bad, out, { chunkRows: 32 }),
      `${bad}, line 251, column 'x1': expected a number, got 'x1'`,
    );
    assert.equal(fs.existsSync(out), false);
    assert.deepEqual(
      fs.readdirSync(dir).filter((n) => n.includes('.partial-')),
      [],
    );
    const ragged = fixture('ragged.csv', 'x0,x1,x2,x3,flag,colour\n1,2,3,4,1,red\n1,2,3\n');
    await rejectsInput(
      scoreFileStreaming(detectors.iforest, ragged, out),
      `${ragged}, line 3: expected 6 fields as in the header, got 3`,
    );
    const noColumn = fixture('nocol.csv', 'x0,x1,x2,flag,colour\n1,2,3,1,red\n');
    await rejectsInput(
      scoreFileStreaming(detectors.iforest, noColumn, out),
      `${noColumn}: no column 'x3', which the model was trained on (columns here: x0, x1, x2, flag, colour)`,
    );
    const empty = fixture('empty.csv', '');
    await rejectsInput(
      scoreFileStreaming(detectors.iforest, empty, out),
      `${empty}: no data rows (expected a header line and at least one row)`,
    );
    const json = fixture(
      'bad.jsonl',
      '{"x0":1,"x1":2,"x2":3,"x3":4,"flag":1,"colour":"red"}\n{"x0":1,"x1":"abc","x2":3,"x3":4,"flag":1,"colour":"red"}\n',
    );
    await rejectsInput(
      scoreFileStreaming(detectors.iforest, json, out),
      `${json}, line 2, column 'x1': expected a number, got 'abc'`,
    );
    const junkGz = fixture('junk.csv.gz', Buffer.from('not gzip at all'));
    await rejectsInput(
      scoreFileStreaming(detectors.iforest, junkGz, out),
      new RegExp(`^${junkGz.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid gzip data`),
    );
  });

  it('worker threads write the same bytes and warnings as one thread, in every format', async () => {
    const csv = fixture('par.csv', csvText(700));
    const tsv = fixture('par.tsv', csvText(700, '\t'));
    const gz = fixture('par.csv.gz', zlib.gzipSync(fs.readFileSync(csv)));
    const table = await loadTable(csv);
    const jsonl = fixture(
      'par.jsonl',
      Array.from({ length: table.rowCount }, (_, r) =>
        JSON.stringify(Object.fromEntries(table.columns.map((c) => [c.name, c.values[r]]))),
      ).join('\n') + '\n',
    );
    for (const method of ['iforest', 'vcsa']) {
      for (const input of [csv, tsv, gz, jsonl]) {
        for (const ext of ['csv', 'jsonl', 'csv.gz']) {
          const outputs: Buffer[] = [];
          const results = [];
          for (const workers of [1, 2, 3]) {
            const out = path.join(dir, `par-${workers}.${ext}`);
            const result = await scoreFileStreaming(detectors[method], input, out, { chunkRows: 16, workers });
            results.push(result);
            outputs.push(fs.readFileSync(out));
          }
          const what = `${method}: ${path.basename(input)} -> .${ext}`;
          assert.deepEqual(
            results.map((r) => r.workers),
            [1, 2, 3],
            what,
          );
          assert.equal(results[0].rows, 700, what);
          for (const k of [1, 2]) {
            assert.ok(outputs[k].equals(outputs[0]), `${what}: ${k + 1} workers wrote other bytes`);
            assert.deepEqual(results[k].warnings, results[0].warnings, what);
          }
        }
      }
    }
  });

  it('worker threads: the first error in the file is the one reported, with its line, and no output is left', async () => {
    const lines = csvText(600).split('\n');
    lines[450] = lines[450].replace(/^([^,]+),[^,]+/, '$1,late');
    lines[90] = lines[90].replace(/^([^,]+),[^,]+/, '$1,early');
    const bad = fixture('par-bad.csv', lines.join('\n'));
    const out = path.join(dir, 'par-bad-out.csv');
    for (const workers of [1, 2, 4]) {
      await rejectsInput(
        scoreFileStreaming(detectors.iforest, bad, out, { chunkRows: 8, workers }),
        `${bad}, line 91, column 'x1': expected a number, got 'early'`,
      );
      assert.equal(fs.existsSync(out), false);
      assert.deepEqual(
        fs.readdirSync(dir).filter((n) => n.includes('.partial-')),
        [],
      );
    }
    // Rows out of range in several blocks: counted over all, the first named.
    const far = csvText(400).split('\n');
    for (const i of [390, 120, 300]) far[i] = far[i].replace(/^[^,]+/, '1e300');
    const farFile = fixture('par-far.csv', far.join('\n'));
    const result = await scoreFileStreaming(detectors.vcsa, farFile, path.join(dir, 'par-far-out.csv'), {
      chunkRows: 8,
      workers: 3,
    });
    assert.deepEqual(
      result.warnings.filter((w) => w.includes('training ranges')),
      [
        `${farFile}: 3 rows have values more than 1e+6 training ranges outside the training data (first: line 121, column 'x0'); scored +Infinity and flagged as anomalies`,
      ],
    );
  });

  it('memory stays flat: 600 K rows with 3 text columns score within a 64 MB JavaScript heap, peak RSS bounded (child process)', async function () {
    this.timeout(300_000);
    const modelDir = path.join(dir, 'model');
    await saveDetector(detectors.iforest, modelDir);
    const file = path.join(dir, 'large.csv');
    const fd = fs.openSync(file, 'w');
    fs.writeSync(fd, 'x0,x1,x2,x3,flag,colour,id,ref,tag\n');
    let buffer: string[] = [];
    const rows = 600_000;
    for (let i = 0; i < rows; i++) {
      buffer.push(
        `${(i % 101) / 37 - 1.3},${(i % 89) / 29 - 1.5},${(i % 97) / 31 - 1.5},${(i % 83) / 27 - 1.5},${i % 2},${['red', 'green', 'blue'][i % 3]},row-${i},ref-${i * 7},tag-${i * 13}`,
      );
      if (buffer.length === 50_000) {
        fs.writeSync(fd, buffer.join('\n') + '\n');
        buffer = [];
      }
    }
    fs.writeSync(fd, buffer.join('\n') + '\n');
    fs.closeSync(fd);
    // The heap limit stops a run that holds the file: the whole-table path (loadTable + scoreSamples) runs out
    // of heap on this file at 64 MB (and peaks at 299 MB RSS without a limit). V8 grows its heap lazily (to
    // ~200 MB on a 1 M-row file with the default limit), but what a streamed run keeps alive is one chunk
    // (~30-50 MB after a full GC).
    const r = spawnSync(
      process.execPath,
      ['--max-old-space-size=64', '-r', PEAK, BIN, 'score', modelDir, file, '--out', 'large-out.csv', '--quiet'],
      { cwd: dir, encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fs.readFileSync(path.join(dir, 'large-out.csv'), 'utf8').split('\n').length, rows + 2);
    const peak = Number(/peak RSS ([\d.]+) MB/.exec(r.stderr)![1]);
    // Measured on a 2-core Linux box (Node 20), two scoring worker threads (--threads default: every core):
    // 138 MB peak RSS, 3.2 s (one thread: 114 MB, 4.1 s).
    assert.ok(peak < 220, `peak RSS ${peak.toFixed(0)} MB`);
  });
});
