/**
 * Option `sample` (issue 15): a seeded uniform reservoir sample of N rows per class, drawn while the file
 * streams, typed as a file of those rows would be; the CLI's --sample; and memory that does not grow with
 * the file.
 */
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { datasetFromTable, loadDataset, loadTable, tableFromRecords } from '../../src/core/data';
import type { Table } from '../../src/core/data';
import { describeSample, MAX_SAMPLE_CLASSES, RowSampler } from '../../src/core/data/sample';
import { column, fixtureDir, rejectsInput, throwsInput } from './helpers';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const BIN = path.join(ROOT, 'bin', 'synthad.js');
const THYROID_TRAIN = path.join(ROOT, 'samples', 'thyroid-train.csv');
const THYROID_TEST = path.join(ROOT, 'samples', 'thyroid-test.csv');
const { dir, fixture } = fixtureDir('synthad-sample-');

/** The values of column `name`, NaN as null. */
function values(table: Table, name: string): unknown[] {
  return Array.from(column(table, name).values as ArrayLike<unknown>, (v) =>
    typeof v === 'number' && Number.isNaN(v) ? null : v,
  );
}

/** The `id` column as numbers. */
function ids(table: Table): number[] {
  return values(table, 'id') as number[];
}

/** `n` data rows `id,x,kind,label`; `labelOf(i)` gives row i's label. */
function rows(n: number, labelOf: (i: number) => string = () => 'normal'): string[] {
  return Array.from(
    { length: n },
    (_, i) => `${i},${((i * 7919) % 1000) / 10},${['tcp', 'udp', 'icmp'][i % 3]},${labelOf(i)}`,
  );
}

function csv(lines: ReadonlyArray<string>, header = 'id,x,kind,label'): string {
  return [header, ...lines].join('\n') + '\n';
}

/** Labels normal 1519, dos 380, probe 31, u2r 5, interleaved. */
function mixedLabel(i: number): string {
  if (i % 387 === 11) return 'u2r';
  if (i % 64 === 5) return 'probe';
  return i % 5 === 1 ? 'dos' : 'normal';
}

describe('data: sampling (option sample)', () => {
  it('keeps the same rows for the same seed and other rows for another seed, in file order', async () => {
    const file = fixture('seeded.csv', csv(rows(2000)));
    const a = await loadTable(file, { sample: 100, sampleSeed: 7 });
    const b = await loadTable(file, { sample: 100, sampleSeed: 7 });
    const c = await loadTable(file, { sample: 100, sampleSeed: 8 });
    assert.equal(a.rowCount, 100);
    assert.deepEqual(ids(a), ids(b));
    assert.notDeepEqual(ids(a), ids(c));
    assert.deepEqual(
      ids(a),
      [...ids(a)].sort((x, y) => x - y),
    );
    assert.deepEqual(a.sampled, { rows: 100, of: 2000, size: 100, seed: 7, perClass: false });
    const unseeded = await loadTable(file, { sample: 100 });
    assert.deepEqual(ids(unseeded), ids(await loadTable(file, { sample: 100, sampleSeed: 0 })));
    assert.equal(unseeded.sampled?.seed, 0);
  });

  it('keeps every row, in order, when the sample is larger than the file', async () => {
    const lines = rows(30);
    lines[4] = '4,1.5,"with a \u0000 (NUL) in it",normal'; // not joined by NUL: kept as an array of fields
    const file = fixture('small.csv', csv(lines));
    const table = await loadTable(file, { sample: 1000 });
    const full = await loadTable(file);
    assert.deepEqual(table.columns, full.columns);
    assert.equal(values(table, 'kind')[4], 'with a \u0000 (NUL) in it');
    assert.deepEqual(table.lineOfRow, full.lineOfRow);
    assert.deepEqual(table.sampled, { rows: 30, of: 30, size: 1000, seed: 0, perClass: false });
  });

  it('keeps min(N, class size) rows of each label value', async () => {
    const file = fixture('classes.csv', csv(rows(1935, mixedLabel)));
    const full = await loadDataset(file, { label: 'label', normal: 'normal' });
    const sizes = new Map<string, number>();
    for (const label of full.label!.values) sizes.set(label, (sizes.get(label) ?? 0) + 1);
    assert.deepEqual(
      [...sizes],
      [
        ['normal', 1519],
        ['dos', 380],
        ['probe', 31],
        ['u2r', 5],
      ],
    );
    const data = await loadDataset(file, { label: 'label', normal: 'normal', sample: 50, sampleSeed: 3 });
    const kept = new Map<string, number>();
    for (const label of data.label!.values) kept.set(label, (kept.get(label) ?? 0) + 1);
    for (const [label, size] of sizes) assert.equal(kept.get(label), Math.min(50, size), label);
    assert.deepEqual(data.sampled?.classes, [
      { label: 'normal', rows: 50, of: 1519 },
      { label: 'dos', rows: 50, of: 380 },
      { label: 'probe', rows: 31, of: 31 },
      { label: 'u2r', rows: 5, of: 5 },
    ]);
    assert.equal(
      describeSample(data.sampled!),
      'a sample of 136 of 1935 rows (seed 3), per class: normal 50, dos 50, probe 31, u2r 5',
    );
    assert.equal(data.rowCount, 136);
    assert.deepEqual(
      data.lineOfRow,
      Uint32Array.from(ids(data), (id) => id + 2),
    );
  });

  it('takes numbers written two ways as one label value, as the label decoder does', async () => {
    const file = fixture('numeric-label.csv', csv(rows(300, (i) => (i % 3 === 0 ? '1.0' : i % 3 === 1 ? '1' : '0'))));
    const data = await loadDataset(file, { label: 'label', normal: 0, sample: 40 });
    assert.deepEqual(data.sampled?.classes, [
      { label: '1', rows: 40, of: 200 },
      { label: '0', rows: 40, of: 100 },
    ]);
  });

  it('draws every row with the same chance (Algorithm R), per class too', () => {
    const n = 40,
      size = 8,
      seeds = 5000;
    const hits = new Array<number>(n).fill(0);
    const classHits = new Array<number>(n).fill(0);
    for (let seed = 0; seed < seeds; seed++) {
      const one = new RowSampler<number>('f', { sample: size, sampleSeed: seed }, false);
      const perClass = new RowSampler<number>('f', { sample: 5, sampleSeed: seed }, true);
      for (let i = 0; i < n; i++) {
        one.offer('', i + 2, () => i);
        perClass.offer(i % 4 === 0 ? 'b' : 'a', i + 2, () => i);
      }
      for (const i of one.finish().items) hits[i]++;
      for (const i of perClass.finish().items) classHits[i]++;
    }
    // 5000 draws of a Bernoulli(p): sd = sqrt(p (1 - p) / 5000) <= 0.0071; 0.03 is over 4 sd.
    for (let i = 0; i < n; i++) {
      assert.ok(Math.abs(hits[i] / seeds - size / n) < 0.03, `row ${i}: ${hits[i] / seeds}`);
      const expected = i % 4 === 0 ? 5 / 10 : 5 / 30;
      assert.ok(Math.abs(classHits[i] / seeds - expected) < 0.03, `row ${i} per class: ${classHits[i] / seeds}`);
    }
    // A longer stream: the picks fall evenly over its tenths (2000 per tenth expected, sd about 42).
    const tenths = new Array<number>(10).fill(0);
    for (let seed = 0; seed < 1000; seed++) {
      const sampler = new RowSampler<number>('f', { sample: 20, sampleSeed: seed }, false);
      for (let i = 0; i < 2000; i++) sampler.offer('', i + 2, () => i);
      for (const i of sampler.finish().items) tenths[Math.floor(i / 200)]++;
    }
    for (const count of tenths) assert.ok(Math.abs(count - 2000) < 200, `tenths: ${tenths.join(' ')}`);
  });

  it('keeps the line of each sampled row (blank lines, quoted newlines) and its cells as read', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 400; i++) {
      lines.push(`${i},${i / 4},"${i % 9 === 0 ? 'two\nlines' : `note ${i}`}",${i % 2 ? 'a' : 'b'}`);
      if (i % 13 === 0) lines.push('');
    }
    const file = fixture('lines.csv', csv(lines, 'id,x,note,label'));
    const full = await loadTable(file);
    const sampled = await loadTable(file, { sample: 25, label: 'label', sampleSeed: 5 });
    assert.equal(sampled.rowCount, 50);
    ids(sampled).forEach((id, row) => {
      assert.equal(sampled.lineOfRow![row], full.lineOfRow![id], `id ${id}`);
      for (const c of full.columns)
        assert.deepEqual(values(sampled, c.name)[row], values(full, c.name)[id], `${c.name} of id ${id}`);
    });
  });

  it('types the sampled rows exactly as a file holding only those rows', async () => {
    // ';'-separated with decimal commas; 'flag' is 0/1 but for one row, 'code' mixes 1, 2.0 and 03.
    const raw = Array.from(
      { length: 500 },
      (_, i) =>
        `${i};${i % 7},${i % 10};${i === 250 ? 2 : i % 2};${['1', '2.0', '03'][i % 3]};${i % 11 === 0 ? 'NA' : `c${i % 4}`}`,
    );
    const header = 'id;x;flag;code;cat';
    const file = fixture('typed.csv', csv(raw, header));
    for (const seed of [0, 1, 2]) {
      const sampled = await loadTable(file, { sample: 40, sampleSeed: seed });
      const alone = await loadTable(
        fixture(
          `typed-alone-${seed}.csv`,
          csv(
            ids(sampled).map((id) => raw[id]),
            header,
          ),
        ),
      );
      assert.deepEqual(sampled.columns, alone.columns, `seed ${seed}`);
      assert.equal(column(sampled, 'x').kind, 'numeric');
    }
  });

  it('still rejects a row with the wrong number of fields, sampled or not', async () => {
    const lines = rows(100);
    lines[55] += ',extra';
    const file = fixture('ragged.csv', csv(lines));
    await rejectsInput(loadTable(file, { sample: 1 }), `${file}, line 57: expected 4 fields as in the header, got 5`);
  });

  it('names the line of a junk cell in a sampled row as a full load does; one left out goes unnoticed', async () => {
    const lines = rows(100);
    lines[28] = '28,abc,tcp,normal';
    const file = fixture('junk.csv', csv(lines));
    const message = `${file}, line 30, column 'x': expected a number, got 'abc'`;
    await rejectsInput(loadTable(file), message);
    await rejectsInput(loadTable(file, { sample: 100 }), message);
    const small = await loadTable(file, { sample: 5 });
    assert.ok(!ids(small).includes(28));
    assert.equal(column(small, 'x').kind, 'numeric');
  });

  it('judges a partly labelled column on the whole file, not the sample', async () => {
    const file = fixture(
      'partly.csv',
      csv(rows(1000, (i) => (i % 10 === 0 ? 'normal' : i % 50 === 1 ? 'attack' : ''))),
    );
    const data = await loadDataset(file, { label: 'label', normal: 'normal', sample: 60 });
    assert.deepEqual(data.sampled?.classes, [
      { label: 'normal', rows: 60, of: 100 },
      { label: 'attack', rows: 20, of: 20 },
      { label: '', rows: 60, of: 880 },
    ]);
    assert.equal(data.label?.unknownCount, 60);
    assert.equal(
      describeSample(data.sampled!),
      'a sample of 140 of 1000 rows (seed 0), per class: unlabelled 60, normal 60, attack 20',
    );
  });

  it('samples JSON Lines: same lines, same typing, per class', async () => {
    const records = Array.from({ length: 600 }, (_, i) => ({
      id: i,
      x: i % 5 === 0 ? null : i / 3,
      label: i % 6 === 0 ? 1 : 0,
      ...(i % 97 === 0 ? { extra: 'e' } : {}),
    }));
    const texts = records.map((r) => JSON.stringify(r));
    const file = fixture('rows.jsonl', '\ufeff' + texts.map((t, i) => (i % 50 === 0 ? `${t}\n` : t)).join('\n') + '\n');
    const full = await loadTable(file);
    const options = { label: 'label', normal: 0, sample: 30, sampleSeed: 4 };
    const data = await loadDataset(file, options);
    assert.deepEqual(ids(data), ids(await loadDataset(file, options)));
    assert.deepEqual(data.sampled?.classes, [
      { label: '1', rows: 30, of: 100 },
      { label: '0', rows: 30, of: 500 },
    ]);
    ids(data).forEach((id, row) => assert.equal(data.lineOfRow![row], full.lineOfRow![id]));
    const alone = await loadTable(
      fixture(
        'rows-alone.jsonl',
        ids(data)
          .map((id) => texts[id])
          .join('\n'),
      ),
    );
    assert.deepEqual(data.columns, alone.columns);
    const bad = fixture('bad.jsonl', texts.slice(0, 20).join('\n') + '\n[1, 2]\n');
    await rejectsInput(loadTable(bad, { sample: 2 }), `${bad}, line 21: expected a JSON object, got an array`);
  });

  it('refuses to sample a JSON array or rows already in memory', async () => {
    const array = fixture('array.json', JSON.stringify([{ a: 1 }, { a: 2 }]));
    await rejectsInput(
      loadTable(array, { sample: 1 }),
      `${array}: option 'sample' reads CSV, TSV and JSON Lines; this is a JSON array (write it as JSON Lines, one record a line, to sample it)`,
    );
    throwsInput(
      () => tableFromRecords([{ a: 1 }], 'records', { sample: 1 }),
      "records: option 'sample' is for reading files (CSV, TSV, JSON Lines), not in-memory records",
    );
    const table = tableFromRecords([{ a: 1 }], 'rows');
    throwsInput(
      () => datasetFromTable(table, { sample: 1 }),
      "rows: option 'sample' is for reading files (CSV, TSV, JSON Lines); these rows were not read with it",
    );
  });

  it('validates sample and sampleSeed', async () => {
    const file = fixture('valid.csv', csv(rows(5)));
    const bad: Array<[object, string]> = [
      [{ sample: 0 }, "option 'sample' is 0; expected a whole number of rows from 1 to 50000000"],
      [{ sample: 2.5 }, "option 'sample' is 2.5; expected a whole number of rows from 1 to 50000000"],
      [{ sample: 50_000_001 }, "option 'sample' is 50000001; expected a whole number of rows from 1 to 50000000"],
      [{ sample: NaN }, "option 'sample' is NaN; expected a whole number of rows from 1 to 50000000"],
      [{ sample: '10' }, `option 'sample' is "10"; expected a whole number of rows from 1 to 50000000`],
      [{ sample: 5, sampleSeed: -1 }, "option 'sampleSeed' is -1; expected an integer from 0 to 4294967295"],
      [
        { sample: 5, sampleSeed: 2 ** 32 },
        "option 'sampleSeed' is 4294967296; expected an integer from 0 to 4294967295",
      ],
      [{ sampleSeed: 1 }, "option 'sampleSeed' is given without 'sample': give the number of rows to sample too"],
    ];
    for (const [options, message] of bad) await rejectsInput(loadTable(file, options), `${file}: ${message}`);
  });

  it('refuses a label column with more values than a sample keeps reservoirs for', async () => {
    const file = fixture('ids.csv', csv(rows(MAX_SAMPLE_CLASSES + 1), 'label,x,kind,other'));
    await rejectsInput(
      loadTable(file, { label: 'label', sample: 10 }),
      `${file}: option 'sample' keeps up to 10 rows of each label value, and the label column has more than 10000 values (is it really the label?)`,
    );
  });

  it('keeps memory flat: 10,000 rows sampled from a 2 M-row file', async function () {
    this.timeout(180_000);
    // Measured on the 2-core dev machine (Node 22): VmHWM 182 MB for a 1 M-row file, 197 MB for 3 M rows and
    // 10 M rows (sample 10,000; the process alone is 42 MB); the heap after a full GC holds 5 MB. Reading the
    // 2 M-row file whole peaks near 400 MB. The bound leaves room for other machines' GC timing.
    const big = path.join(dir, 'big.csv');
    const out = fs.openSync(big, 'w');
    fs.writeSync(out, 'id,a,b,c,flag,cat,label\n');
    for (let start = 0; start < 2_000_000; start += 50_000) {
      const chunk: string[] = [];
      for (let i = start; i < start + 50_000; i++) {
        chunk.push(
          `${i},${(i % 9973) / 9973},${(i * 31) % 100003},${i % 17},${i & 1},${['tcp', 'udp', 'icmp'][i % 3]},${i % 10 === 3 ? 'dos' : 'normal'}`,
        );
      }
      fs.writeSync(out, chunk.join('\n') + '\n');
    }
    fs.closeSync(out);
    const script = `
      const { loadDataset } = require(${JSON.stringify(path.join(ROOT, 'out', 'src', 'core', 'data', 'load.js'))});
      const fs = require('fs');
      loadDataset(process.argv[1], { label: 'label', normal: 'normal', sample: 10000 }).then((data) => {
        const hwm = Number(/VmHWM:\\s*(\\d+)\\s*kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
        global.gc();
        const heap = process.memoryUsage().heapUsed / 1048576;
        console.log(JSON.stringify({ rows: data.rowCount, sampled: data.sampled, hwm, heap }));
      });`;
    const run = spawnSync(process.execPath, ['--expose-gc', '-e', script, big], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout) as { rows: number; sampled: { of: number }; hwm: number; heap: number };
    assert.equal(result.rows, 20_000);
    assert.equal(result.sampled.of, 2_000_000);
    if (fs.existsSync('/proc/self/status')) assert.ok(result.hwm < 300, `peak RSS ${result.hwm.toFixed(0)} MB`);
    assert.ok(result.heap < 40, `heap after GC ${result.heap.toFixed(0)} MB`);
  });
});

describe('synthad --sample', () => {
  const synthad = (args: string[]): { code: number | null; stdout: string; stderr: string } => {
    const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8' });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const FAST = ['--hidden', '8,8', '--epochs', '1'];

  it('train --sample trains on a per-class sample, seeded by --seed, and says so', () => {
    const r = synthad([
      'train',
      THYROID_TRAIN,
      '--label',
      'class',
      '--normal',
      'normal',
      '--sample',
      '50',
      '--seed',
      '2',
      '--out',
      'sampled-model',
      '--json',
      ...FAST,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(
      r.stderr.includes(
        'synthad: trained on a sample of 150 of 3772 rows (seed 2), per class: normal 50, subnormal 50, hyperfunction 50\n',
      ),
      r.stderr,
    );
    const summary = JSON.parse(r.stdout) as { sampled: { rows: number; of: number; seed: number; perClass: boolean } };
    assert.deepEqual(
      [summary.sampled.rows, summary.sampled.of, summary.sampled.seed, summary.sampled.perClass],
      [150, 3772, 2, true],
    );
  });

  it('evaluate --sample samples the training file only; --quiet drops the note', () => {
    const r = synthad([
      'evaluate',
      '--train',
      THYROID_TRAIN,
      '--test',
      THYROID_TEST,
      '--label',
      'class',
      '--normal',
      'normal',
      '--sample',
      '40',
      '--json',
      '--quiet',
      ...FAST,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stderr.includes('sample'), r.stderr);
    const result = JSON.parse(r.stdout) as { sampled: { rows: number; seed: number } };
    assert.deepEqual([result.sampled.rows, result.sampled.seed], [120, 0]);
  });

  it('refuses a bad --sample, and --sample with --model', () => {
    const bad = synthad(['train', THYROID_TRAIN, '--sample', '0', '--out', 'm']);
    assert.equal(bad.code, 2);
    assert.ok(bad.stderr.startsWith('synthad: --sample must be from 1 to 50000000 rows, got 0\n'), bad.stderr);
    const fraction = synthad(['train', THYROID_TRAIN, '--sample', '0.5', '--out', 'm']);
    assert.ok(fraction.stderr.startsWith("synthad: --sample must be an integer, got '0.5'\n"), fraction.stderr);
    const model = synthad([
      'evaluate',
      '--model',
      'sampled-model',
      '--test',
      THYROID_TEST,
      '--label',
      'class',
      '--normal',
      'normal',
      '--sample',
      '5',
    ]);
    assert.equal(model.code, 2);
    assert.ok(
      model.stderr.startsWith('synthad: --sample applies to the --train file; with --model nothing is trained\n'),
      model.stderr,
    );
  });
});
