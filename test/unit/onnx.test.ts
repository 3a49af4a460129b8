import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Column, Table } from '../../src/core/data/types';
import { loadDataset } from '../../src/core/data';
import { Detector } from '../../src/core/detector';
import { loadDetector, saveDetector } from '../../src/core/persist';
import { exportOnnx, onnxModelBytes, roundDown32, roundUp32 } from '../../src/export/onnx';
import { pathSumBound } from '../../src/core/detectors/forest';
import { ProtoWriter } from '../../src/export/protobuf';
import { gaussianDataset } from './helpers';

const ROOT = path.resolve(__dirname, '..', '..', '..');

// onnxruntime-node, typed here so this file compiles without the package (a devDependency).
interface OrtValue {
  readonly data: ArrayLike<number | bigint>;
  readonly dims: ReadonlyArray<number>;
}
interface OrtSession {
  readonly inputNames: ReadonlyArray<string>;
  readonly outputNames: ReadonlyArray<string>;
  run(feeds: Record<string, unknown>): Promise<Record<string, OrtValue>>;
  release(): Promise<void>;
}
interface Ort {
  InferenceSession: { create(model: Uint8Array): Promise<OrtSession> };
  Tensor: new (type: string, data: unknown, dims: number[]) => unknown;
}

/** onnxruntime-node, a dev dependency (installed with ONNXRUNTIME_NODE_INSTALL=skip: its CPU binaries ship in the package). */
function loadOrt(): Ort {
  return require('onnxruntime-node') as Ort;
}

interface OnnxResult {
  readonly score: Float32Array;
  readonly prediction: number[];
}

/** Runs the exported model on the table's columns (by input name): float32 (or float64) numbers, strings ('' = missing). */
async function runOnnx(
  ort: Ort,
  model: Uint8Array,
  table: Table,
  numeric: 'float' | 'double' = 'float',
): Promise<OnnxResult> {
  const session = await ort.InferenceSession.create(model);
  try {
    const byName = new Map(table.columns.map((c) => [c.name, c] as const));
    const feeds: Record<string, unknown> = {};
    for (const name of session.inputNames) {
      const c = byName.get(name);
      assert.ok(c, `no column for input '${name}'`);
      feeds[name] =
        c.kind === 'categorical'
          ? new ort.Tensor(
              'string',
              c.values.map((v) => v ?? ''),
              [table.rowCount, 1],
            )
          : new ort.Tensor(
              numeric === 'float' ? 'float32' : 'float64',
              numeric === 'float' ? Float32Array.from(c.values) : Float64Array.from(c.values),
              [table.rowCount, 1],
            );
    }
    const out = await session.run(feeds);
    assert.deepEqual([...out.score.dims], [table.rowCount]);
    assert.deepEqual([...out.prediction.dims], [table.rowCount]);
    return { score: out.score.data as Float32Array, prediction: Array.from(out.prediction.data, Number) };
  } finally {
    await session.release();
  }
}

/**
 * A copy of `table` with missing numbers, a missing and an unseen category, and rows with values far out of
 * range (1e300, -1e300); with `round`, numbers rounded to float32 first, as the model's float inputs take them.
 */
function hostile(table: Table, round: boolean): { table: Table; far: number[] } {
  const n = table.rowCount;
  const far = [3, Math.floor(n / 2)];
  let numeric = 0,
    categorical = 0;
  const columns = table.columns.map((c): Column => {
    if (c.kind === 'categorical') {
      const values = [...c.values];
      if (categorical++ === 0) {
        values[5] = 'an unseen category';
        values[6] = null;
      }
      return { ...c, values };
    }
    const values = round ? Float64Array.from(c.values, Math.fround) : Float64Array.from(c.values);
    const k = numeric++;
    values[10 + k] = NaN; // one missing value per column, in different rows
    if (k === 0) {
      values[20] = NaN;
      values[far[0]] = 1e300;
    }
    if (k === 1) values[far[1]] = -1e300;
    return { ...c, values };
  });
  return { table: { source: `${table.source} (with holes)`, rowCount: n, columns }, far };
}

/**
 * Scores within 1e-5 relative, the same infinities, and exactly the same predictions. Relative to
 * max(|score|, mean |score|): float32 networks err relative to the size of their sums, so a score near 0
 * gets the absolute error of a typical one.
 */
function assertSameScoring(det: Detector, table: Table, got: OnnxResult, what: string): { maxRelative: number } {
  const want = det.scoreSamples(table);
  const predicted = det.predict(table);
  const finite = Array.from(want).filter(Number.isFinite);
  const typical = finite.reduce((a, v) => a + Math.abs(v), 0) / Math.max(finite.length, 1);
  let maxRelative = 0;
  // An ensemble's score counts how many calibration scores each member's score exceeds. A member's score can
  // differ in its last float32 bit between SynthAD and onnxruntime (other BLAS or tree-summing kernels), and
  // when it lies on a calibration score (the training rows hold those very rows) the count moves by one: the
  // row's score then differs by more than rounding. Such rows are allowed, at most 1 % of them.
  const ensemble = det.options.method === 'auto';
  const stepped: number[] = [];
  for (let i = 0; i < table.rowCount; i++) {
    if (!Number.isFinite(want[i])) {
      assert.equal(got.score[i], want[i], `${what}: row ${i} score`);
    } else {
      const rel = Math.abs(got.score[i] - want[i]) / Math.max(Math.abs(want[i]), typical);
      if (ensemble && rel > 1e-5) {
        stepped.push(i);
        continue;
      }
      maxRelative = Math.max(maxRelative, rel);
      assert.ok(
        rel <= 1e-5,
        `${what}: row ${i} scores ${got.score[i]} in ONNX, ${want[i]} in SynthAD (relative ${rel})`,
      );
    }
  }
  assert.ok(
    stepped.length <= table.rowCount / 100,
    `${what}: ${stepped.length} rows score differently in ONNX (first ${stepped.slice(0, 5).join(', ')})`,
  );
  // A row whose score lies within the score tolerance of the threshold may fall on either side of it.
  const threshold = det.fitted.threshold;
  const onEdge = (i: number): boolean =>
    Math.abs(want[i] - threshold) <= 1e-5 * Math.max(Math.abs(want[i]), typical) || stepped.includes(i);
  const differ = got.prediction.map((p, i) => (p === predicted[i] || onEdge(i) ? -1 : i)).filter((i) => i >= 0);
  assert.deepEqual(differ, [], `${what}: predictions differ in rows ${differ.slice(0, 10).join(', ')}`);
  if (process.env.SYNTHAD_ONNX_VERBOSE)
    console.log(`      ${what}: max relative score difference ${maxRelative.toExponential(2)}`);
  return { maxRelative };
}

/** Whether Debian's python3-onnx is there to check models with. */
const PYTHON = '/usr/bin/python3';
function onnxCheckerAvailable(): boolean {
  return fs.existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import onnx'], { encoding: 'utf8' }).status === 0;
}

function checkWithOnnxChecker(bytes: Uint8Array): void {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'synthad-onnx-')), 'model.onnx');
  fs.writeFileSync(file, bytes);
  const r = spawnSync(
    PYTHON,
    ['-c', 'import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)', file],
    { encoding: 'utf8' },
  );
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  assert.equal(r.status, 0, `onnx.checker: ${r.stderr}`);
}

describe('onnx export', () => {
  const ort = loadOrt();
  const train = gaussianDataset(1);
  const test = gaussianDataset(2);

  function needOrt(_ctx: Mocha.Context): Ort {
    return ort;
  }

  const detectors: Array<{ what: string; options: Record<string, unknown> }> = [
    { what: 'VC-SA', options: { hidden: [16], epochs: 3, seed: 0 } },
    { what: 'VC (known far)', options: { method: 'vc', known: ['far'], hidden: [16], epochs: 3, seed: 1 } },
    { what: 'VC-SA relu, two layers', options: { hidden: [12, 8], activation: 'relu', epochs: 3, seed: 2 } },
    { what: 'Isolation Forest', options: { method: 'iforest', trees: 20, seed: 0 } },
    // Boosted trees: ONNX Runtime sums the leaves in float32 tree by tree, as SynthAD does, so scores agree exactly.
    { what: 'GBT-SA', options: { method: 'gbt-sa', rounds: 40, seed: 0 } },
    { what: 'GBT (known far)', options: { method: 'gbt', known: ['far'], rounds: 40, depth: 3, seed: 1 } },
  ];
  for (const { what, options } of detectors) {
    it(`scores like SynthAD in onnxruntime: ${what}, with missing values, unseen categories and values out of range`, async function () {
      const rt = needOrt(this);
      const det = await new Detector(options).fit(train);
      const bytes = onnxModelBytes(det);
      // float inputs: the numbers rounded to float32 on both sides, so predictions must agree exactly.
      const { table, far } = hostile(test, true);
      const got = await runOnnx(rt, bytes, table);
      const { maxRelative } = assertSameScoring(det, table, got, what);
      // Boosted trees compare float32 values with float32 thresholds and sum float32 leaves in tree order: exact.
      if (String(options.method).startsWith('gbt')) assert.equal(maxRelative, 0, `${what}: scores differ`);
      const want = det.scoreSamples(table);
      for (const r of far) {
        assert.equal(want[r], Infinity);
        assert.equal(got.score[r], Infinity);
        assert.equal(got.prediction[r], 1);
      }
      assert.ok(got.prediction.some((p) => p === 0) && got.prediction.some((p) => p === 1));
      // double inputs take the raw numbers as SynthAD does.
      const raw = hostile(test, false).table;
      assertSameScoring(
        det,
        raw,
        await runOnnx(rt, onnxModelBytes(det, { numericInput: 'double' }), raw, 'double'),
        `${what} (double inputs)`,
      );
      // float inputs with raw numbers: scores still within the tolerance.
      const floats = await runOnnx(rt, bytes, raw);
      const wantRaw = det.scoreSamples(raw);
      const typical =
        Array.from(wantRaw)
          .filter(Number.isFinite)
          .reduce((a, v) => a + Math.abs(v), 0) / raw.rowCount;
      for (let i = 0; i < raw.rowCount; i++) {
        if (Number.isFinite(wantRaw[i]))
          assert.ok(
            Math.abs(floats.score[i] - wantRaw[i]) <= 1e-5 * Math.max(Math.abs(wantRaw[i]), typical),
            `row ${i}`,
          );
      }
      det.dispose();
    });
  }

  it('passes the ONNX checker (python3-onnx, full check) for MLP, forest and boosted-tree models', async function () {
    // Debian's python3-onnx (.ci/run installs it): the reference checker, not a runtime.
    assert.ok(onnxCheckerAvailable(), 'python3-onnx is missing: apt-get install python3-onnx');
    for (const options of [
      { hidden: [8], epochs: 1, seed: 0 },
      { method: 'iforest' as const, trees: 5, seed: 0 },
      { method: 'gbt-sa' as const, rounds: 5, seed: 0 },
    ]) {
      const det = await new Detector(options).fit(train);
      checkWithOnnxChecker(onnxModelBytes(det));
      det.dispose();
    }
  });

  it('names inputs exactly as the columns, whatever their characters, and refuses a column named like an output', async function () {
    const rt = needOrt(this);
    const rename = (name: string): string =>
      (({ x0: 'T4 U (µg/dL)', x1: 'a=b', colour: 'colour / 色' }) as Record<string, string>)[name] ?? name;
    const renamed = (t: typeof train) => {
      const columns = t.columns.map((c) => ({ ...c, name: rename(c.name) }));
      return { ...t, columns, features: columns.filter((c) => c.name !== 'label') };
    };
    const det = await new Detector({ hidden: [8], epochs: 2, seed: 0 }).fit(renamed(train));
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'synthad-onnx-')), 'model.onnx');
    const info = exportOnnx(det, file);
    assert.deepEqual(
      info.inputs.map((i) => [i.name, i.type]),
      [
        ['T4 U (µg/dL)', 'float'],
        ['a=b', 'float'],
        ['x2', 'float'],
        ['x3', 'float'],
        ['flag', 'float'],
        ['colour / 色', 'string'],
      ],
    );
    assert.deepEqual(
      info.outputs.map((o) => [o.name, o.type]),
      [
        ['score', 'float'],
        ['prediction', 'int64'],
      ],
    );
    const bytes = fs.readFileSync(file);
    assert.equal(info.bytes, bytes.length);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
    const session = await rt.InferenceSession.create(bytes);
    assert.deepEqual(
      [...session.inputNames],
      info.inputs.map((i) => i.name),
    );
    assert.deepEqual([...session.outputNames], ['score', 'prediction']);
    await session.release();
    const table = hostile(renamed(test), true).table;
    assertSameScoring(det, table, await runOnnx(rt, bytes, table), 'renamed columns');
    det.dispose();

    const scored = await new Detector({ method: 'iforest', trees: 3, seed: 0 }).fit({
      ...train,
      columns: train.columns.map((c) => (c.name === 'x0' ? { ...c, name: 'score' } : c)),
      features: train.features.map((c) => (c.name === 'x0' ? { ...c, name: 'score' } : c)),
    });
    assert.throws(() => onnxModelBytes(scored), /a feature column is named 'score'/);
    const other = onnxModelBytes(scored, { scoreName: 'anomaly_score' });
    const s = await rt.InferenceSession.create(other);
    assert.deepEqual([...s.outputNames], ['anomaly_score', 'prediction']);
    await s.release();
  });

  it('exports a model loaded from its folder (what `synthad export MODEL_DIR` reads), and categorical-only models', async function () {
    const rt = needOrt(this);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthad-onnx-'));
    try {
      for (const options of [
        { hidden: [8], epochs: 2, seed: 3 },
        { method: 'iforest' as const, trees: 10, seed: 3 },
      ]) {
        const modelDir = path.join(dir, options.method ?? 'vcsa');
        const fitted = await new Detector(options).fit(train);
        await saveDetector(fitted, modelDir);
        fitted.dispose();
        const det = await loadDetector(modelDir);
        const table = hostile(test, true).table;
        assertSameScoring(det, table, await runOnnx(rt, onnxModelBytes(det), table), `loaded ${det.name}`);
        det.dispose();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    // Only categories: no numeric block; two categorical columns concatenated in the encoder's order.
    const only = (t: typeof train) => {
      const n = t.rowCount;
      const shape: Column = {
        name: 'shape',
        kind: 'categorical',
        values: Array.from({ length: n }, (_, i) => ['circle', 'square'][(i * 7) % 2]),
      };
      const colour = t.features.find((c) => c.name === 'colour')!;
      const size: Column = {
        name: 'size',
        kind: 'categorical',
        values: Array.from({ length: n }, (_, i) => (t.label!.isNormal[i] ? ['s', 'm', 'l'][i % 3] : 'xl')),
      };
      const features = [size, colour, shape];
      return { ...t, columns: [...features, t.columns.find((c) => c.name === 'label')!], features };
    };
    for (const options of [
      { hidden: [8], epochs: 2, seed: 0 },
      { method: 'iforest' as const, trees: 10, seed: 0 },
    ]) {
      const det = await new Detector(options).fit(only(train));
      const table = hostile(only(test), true).table;
      assertSameScoring(det, table, await runOnnx(rt, onnxModelBytes(det), table), `categorical only, ${det.name}`);
      det.dispose();
    }
  });

  describe('on the bundled Thyroid sample', () => {
    const options = { label: 'class', normal: 'normal' };
    for (const [what, detectorOptions] of [
      ['VC-SA', { hidden: [64, 64], epochs: 2, seed: 0 }],
      ['Isolation Forest', { method: 'iforest', seed: 0 }],
      ['GBT-SA', { method: 'gbt-sa', known: ['hyperfunction'], seed: 0 }],
      ['Ensemble', { method: 'auto', members: ['gbt-sa', 'vcsa', 'iforest'], hidden: [64, 64], epochs: 2, seed: 0 }],
    ] as const) {
      it(`scores the test file like SynthAD: ${what}`, async function () {
        this.timeout(120_000);
        const rt = needOrt(this);
        const trainData = await loadDataset(path.join(ROOT, 'samples/thyroid-train.csv'), options);
        const testData = await loadDataset(path.join(ROOT, 'samples/thyroid-test.csv'), options);
        const det = await new Detector(detectorOptions).fit(trainData);
        // Raw values with double inputs; float32-rounded values with float inputs.
        assertSameScoring(
          det,
          testData,
          await runOnnx(rt, onnxModelBytes(det, { numericInput: 'double' }), testData, 'double'),
          `${what} (double)`,
        );
        const rounded = hostile(testData, true).table;
        const got = await runOnnx(rt, onnxModelBytes(det), rounded);
        assertSameScoring(det, rounded, got, what);
        assert.ok(got.prediction.filter((p) => p === 1).length > 50);
        // The training rows too (raw, double inputs): the threshold is one of their scores.
        assertSameScoring(
          det,
          trainData,
          await runOnnx(rt, onnxModelBytes(det, { numericInput: 'double' }), trainData, 'double'),
          `${what} (training rows)`,
        );
        det.dispose();
      });
    }
  });

  describe('helpers', () => {
    it('rounds to float32 up and down', () => {
      const third = 1 / 3;
      assert.ok(roundUp32(third) >= third && Math.fround(roundUp32(third)) === roundUp32(third));
      assert.ok(roundDown32(third) <= third && Math.fround(roundDown32(third)) === roundDown32(third));
      assert.ok(roundUp32(third) > roundDown32(third));
      for (const v of [0, 1, -2.5, 0.5, 1e6, -1e6, 1000001]) {
        assert.equal(roundUp32(v), v);
        assert.equal(roundDown32(v), v);
      }
      assert.equal(roundUp32(-third), -roundDown32(third));
      assert.equal(roundUp32(1e-50), 2 ** -149);
      assert.equal(roundDown32(1e39), 3.4028234663852886e38);
      assert.equal(roundDown32(Infinity), Infinity);
      // For every float32 x: x < s exactly when x < roundUp32(s); x > t exactly when x > roundDown32(t).
      const s = 0.1 + 1e-12;
      for (const x of [Math.fround(0.1), roundDown32(s), roundUp32(s)]) {
        assert.equal(x < s, x < roundUp32(s));
        assert.equal(x > s, x > roundDown32(s));
      }
    });

    it('finds the path sum where the forest score passes the threshold', () => {
      const norm = 20 * 10.244770920116851;
      const t = 0.55;
      const b = pathSumBound(norm, t);
      assert.ok(Math.pow(2, -b / norm) <= t);
      const below = b - b * Number.EPSILON;
      assert.ok(Math.pow(2, -below / norm) > t);
      assert.equal(pathSumBound(norm, 1), 0);
      assert.equal(pathSumBound(norm, -1), Infinity);
    });

    it('writes protobuf varints, negative int64s, floats and nested messages', () => {
      const hex = (w: ProtoWriter): string => Buffer.from(w.finish()).toString('hex');
      assert.equal(hex(new ProtoWriter().int(1, 150)), '089601');
      assert.equal(hex(new ProtoWriter().int(2, -1)), '10ffffffffffffffffff01');
      assert.equal(hex(new ProtoWriter().int(1, 2 ** 40)), '08808080808020');
      assert.equal(hex(new ProtoWriter().float(2, 1)), '150000803f');
      assert.equal(hex(new ProtoWriter().string(2, 'testing')), '120774657374696e67');
      assert.equal(hex(new ProtoWriter().message(3, new ProtoWriter().int(1, 150))), '1a03089601');
      assert.equal(hex(new ProtoWriter().packedInts(4, [3, 270, 86942])), '2206038e029ea705');
      const big = new ProtoWriter();
      for (let i = 0; i < 1000; i++) big.int(1, i);
      assert.equal(big.length, big.finish().length);
    });
  });
});

describe('synthad export (command line)', function () {
  this.timeout(120_000);
  it('writes an ONNX graph that scores the Thyroid test set as `synthad score` does', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthad-export-'));
    const bin = path.join(ROOT, 'bin', 'synthad.js');
    const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8' });
    try {
      const trainFile = path.join(ROOT, 'samples', 'thyroid-train.csv'),
        testFile = path.join(ROOT, 'samples', 'thyroid-test.csv');
      assert.equal(
        cli('train', trainFile, '--detector', 'iforest', '--trees', '50', '--quiet', '--out', 'model').status,
        0,
      );
      const exported = cli('export', 'model', '--onnx', 'model.onnx');
      assert.equal(exported.status, 0, exported.stderr);
      assert.match(
        exported.stderr,
        /^synthad: wrote model\.onnx \(\d+ bytes, ONNX opset 17, ai\.onnx\.ml 3\): inputs age \(float\), sex \(float\), .*; outputs score \(float\), prediction \(int64, 1 = anomaly\)\n$/,
      );
      assert.equal(cli('score', 'model', testFile, '--out', 'scores.csv', '--quiet').status, 0);
      const lines = fs.readFileSync(path.join(dir, 'scores.csv'), 'utf8').trim().split('\n');
      const header = lines[0].split(',');
      const rows = lines.slice(1).map((l) => l.split(','));
      const want = rows.map((r) => Number(r[header.indexOf('score')]));
      const wantPrediction = rows.map((r) => Number(r[header.indexOf('prediction')]));
      const table = (await loadDataset(testFile, { label: 'class', normal: 'normal' })) as Table;
      const got = await runOnnx(loadOrt(), fs.readFileSync(path.join(dir, 'model.onnx')), table);
      for (let i = 0; i < want.length; i++)
        assert.ok(
          Math.abs(got.score[i] - want[i]) <= 1e-5 * Math.abs(want[i]),
          `row ${i}: ${got.score[i]} vs ${want[i]}`,
        );
      assert.deepEqual(got.prediction, wantPrediction);
      // The export never writes over the model it reads.
      const over = cli('export', 'model', '--onnx', 'model/synthad-model.json');
      assert.equal(over.status, 1);
      assert.equal(
        over.stderr,
        'synthad: model/synthad-model.json: is the input file model/synthad-model.json; refusing to write over it (choose another output file)\n',
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
