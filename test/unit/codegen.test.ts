/**
 * The cells the commands insert (src/extension/codegen.ts): argument values are always data, never
 * code. Each generated cell goes through the kernel's real cell transform and runs against stubs that
 * record what they were called with.
 */
import * as assert from 'assert';
import * as vm from 'vm';
import {
  CommandArgumentError,
  exportCellCode,
  identifier,
  identifierFrom,
  isIdentifier,
  loadCellCode,
  loadModelCellCode,
  plotCellCode,
  saveModelCellCode,
  trainCellCode,
} from '../../src/extension/codegen';
import { transformCell } from '../../src/kernel/transform';
import { METHOD_CHOICES } from '../../src/common/methods';
import { methodNames } from '../../src/core/detector';
import { defaultOptions, optionNamesOf } from '../../src/core/options';

const HOSTILE = [
  'x"); process.exit(1); ("',
  "x'); process.exit(1); ('",
  'x`); process.exit(1); (`',
  '${process.exit(1)}',
  '\\"); process.exit(1); //',
  'line\nbreak\r\u2028\u2029"); process.exit(1); //',
  '</script><script>process.exit(1)</script>',
  '\ud800 lone surrogate',
  '',
];

interface Calls {
  [name: string]: unknown[][];
}

/** Runs a generated cell as the kernel would (TypeScript, notebook semantics) against recording stubs. */
async function runCell(
  code: string,
): Promise<{ calls: Calls; declared: ReadonlyArray<string>; value: unknown; ctx: vm.Context }> {
  const calls: Calls = {};
  const record =
    (name: string) =>
    (...args: unknown[]): unknown => {
      (calls[name] ??= []).push(args);
      return { from: name, args };
    };
  class Detector {
    static load = record('Detector.load');
    constructor(readonly options: unknown) {
      record('new Detector')(options);
    }
    fit(data: unknown): this {
      record('fit')(data);
      return this;
    }
    save(folder: unknown): unknown {
      return record('save')(folder);
    }
  }
  const ctx = vm.createContext({
    load: record('load'),
    exportScores: record('exportScores'),
    Detector,
    plot: { scores: record('plot.scores'), roc: record('plot.roc') },
    process: { exit: record('process.exit') },
    require: record('require'),
    t: 'DATASET',
    d: new Detector('existing'),
    rep: 'REPORT',
  });
  delete calls['new Detector'];
  const cell = transformCell(code, 'typescript');
  const value = await (new vm.Script(cell.code).runInContext(ctx) as Promise<unknown>);
  // Values made in the cell's context have that context's prototypes: compare them as plain data.
  return { calls: structuredClone(calls), declared: cell.declared, value, ctx };
}

describe('commands: generated cells', () => {
  it('write the usual cells as before', () => {
    assert.strictEqual(
      loadCellCode({ variable: 't', file: 'samples/thyroid-test.csv', label: 'class', normal: 'normal' }),
      'const t = await load("samples/thyroid-test.csv", { label: "class", normal: "normal" });\nt',
    );
    assert.strictEqual(
      loadCellCode({ variable: 'data', file: 'a.csv', label: '' }),
      'const data = await load("a.csv");\ndata',
    );
    assert.strictEqual(
      trainCellCode({ variable: 'd', dataset: 't', known: ['hyperfunction'], epochs: 2, seed: 3 }),
      'const d = await new Detector({ known: ["hyperfunction"], epochs: 2, seed: 3 }).fit(t);\nd',
    );
    assert.strictEqual(
      trainCellCode({ variable: 'd', dataset: 't', known: [], epochs: 5, seed: 0, method: 'iforest' }),
      'const d = await new Detector({ known: [], epochs: 5, seed: 0, method: "iforest" }).fit(t);\nd',
    );
    // Data without labels: no `known`, seed before epochs.
    assert.strictEqual(
      trainCellCode({ variable: 'd', dataset: 'x', epochs: 2, seed: 0 }),
      'const d = await new Detector({ seed: 0, epochs: 2 }).fit(x);\nd',
    );
    assert.strictEqual(
      trainCellCode({ variable: 'd', dataset: 'x', known: undefined, epochs: 2, seed: 1, method: 'iforest' }),
      'const d = await new Detector({ seed: 1, epochs: 2, method: "iforest" }).fit(x);\nd',
    );
    // Methods that do not train in epochs (trees, the ensemble): no epochs option.
    assert.strictEqual(
      trainCellCode({ variable: 'd', dataset: 't', known: ['dos'], seed: 0, method: 'auto' }),
      'const d = await new Detector({ known: ["dos"], seed: 0, method: "auto" }).fit(t);\nd',
    );
    assert.strictEqual(
      trainCellCode({ variable: 'd', dataset: 'x', seed: 2, method: 'gbt-sa' }),
      'const d = await new Detector({ seed: 2, method: "gbt-sa" }).fit(x);\nd',
    );
    // The command's quick pick offers exactly the methods the core registers; only the MLP's ask for epochs.
    assert.deepEqual(METHOD_CHOICES.map((c) => c.method).sort(), [...methodNames()].sort());
    assert.deepEqual(
      METHOD_CHOICES.filter((c) => c.epochs).map((c) => c.method),
      methodNames().filter((m) => optionNamesOf(m).includes('epochs')),
    );
    assert.equal(METHOD_CHOICES[0].method, defaultOptions().method);
    assert.throws(
      () => trainCellCode({ variable: 'd', dataset: 'x', epochs: '2 }); process.exit(1); ({', seed: 0 }),
      /epochs must be a whole number/,
    );
    assert.strictEqual(plotCellCode('roc', 'rep'), 'plot.roc(rep)');
    assert.strictEqual(exportCellCode('d', 't', 'out/scores.csv'), 'await exportScores(d, t, "out/scores.csv")');
    assert.strictEqual(saveModelCellCode('d', 'model'), 'await d.save("model")');
    assert.strictEqual(loadModelCellCode('m', 'model'), 'const m = await Detector.load("model");\nm');
  });

  it('pass hostile strings through as data: paths, label, normal value, known types, method', async () => {
    for (const h of HOSTILE) {
      const load = await runCell(loadCellCode({ variable: 'x', file: h, label: h, normal: h }));
      // An empty label means "no label column".
      assert.deepStrictEqual(load.calls, { load: [h === '' ? [h] : [h, { label: h, normal: h }]] }, JSON.stringify(h));
      assert.deepStrictEqual(load.declared, ['x']);

      const train = await runCell(
        trainCellCode({ variable: 'det', dataset: 't', known: [h, 'b'], epochs: 1, seed: 0, method: h }),
      );
      assert.deepStrictEqual(
        train.calls,
        { 'new Detector': [[{ known: [h, 'b'], epochs: 1, seed: 0, method: h }]], fit: [['DATASET']] },
        JSON.stringify(h),
      );

      const [[detector, dataset, file]] = (await runCell(exportCellCode('d', 't', h))).calls.exportScores;
      assert.deepStrictEqual([detector, dataset, file], [{ options: 'existing' }, 'DATASET', h]);
      assert.deepStrictEqual((await runCell(saveModelCellCode('d', h))).calls, { save: [[h]] });
      assert.deepStrictEqual((await runCell(loadModelCellCode('m', h))).calls, { 'Detector.load': [[h]] });
    }
  });

  it('keep numeric and list normal values as they are', async () => {
    assert.deepStrictEqual(
      (await runCell(loadCellCode({ variable: 'x', file: 'f.csv', label: 'y', normal: 0 }))).calls.load,
      [['f.csv', { label: 'y', normal: 0 }]],
    );
    assert.deepStrictEqual(
      (await runCell(loadCellCode({ variable: 'x', file: 'f.csv', label: 'y', normal: ['a', 1] }))).calls.load,
      [['f.csv', { label: 'y', normal: ['a', 1] }]],
    );
  });

  it('reject a variable, dataset, detector or report that is not a JavaScript identifier, with a clear error', () => {
    const bad = [
      'a;b',
      'a b',
      '1a',
      'a-b',
      'x = process.exit(1)',
      'process.exit(1)',
      'a)',
      '',
      ' a',
      'a\n',
      'constructor()',
    ];
    for (const name of bad) {
      assert.throws(
        () => loadCellCode({ variable: name, file: 'f.csv' }),
        (e: Error) =>
          e instanceof CommandArgumentError &&
          e.message ===
            `variable ${JSON.stringify(name)} is not a JavaScript identifier (letters, digits, _ and $, not starting with a digit)`,
        name,
      );
      assert.throws(
        () => trainCellCode({ variable: 'd', dataset: name, known: [], epochs: 1, seed: 0 }),
        /^CommandArgumentError: dataset .* is not a JavaScript identifier/,
        name,
      );
      assert.throws(
        () => trainCellCode({ variable: name, dataset: 't', known: [], epochs: 1, seed: 0 }),
        CommandArgumentError,
        name,
      );
      assert.throws(() => plotCellCode('scores', name), /report .* is not a JavaScript identifier/, name);
      assert.throws(() => exportCellCode(name, 't', 'f.csv'), /detector .* is not a JavaScript identifier/, name);
      assert.throws(() => exportCellCode('d', name, 'f.csv'), /dataset .* is not a JavaScript identifier/, name);
      assert.throws(() => saveModelCellCode(name, 'm'), /detector .* is not a JavaScript identifier/, name);
      assert.throws(() => loadModelCellCode(name, 'm'), /variable .* is not a JavaScript identifier/, name);
    }
  });

  it('reject reserved words as variable names', () => {
    for (const word of [
      'class',
      'const',
      'await',
      'let',
      'yield',
      'enum',
      'null',
      'true',
      'this',
      'eval',
      'arguments',
      'static',
    ]) {
      assert.throws(
        () => identifier(word, 'variable'),
        new RegExp(`^CommandArgumentError: variable "${word}" is a reserved word in JavaScript`),
        word,
      );
      assert.strictEqual(isIdentifier(word), false);
    }
  });

  it('accept identifiers with $, _ and non-ASCII letters', async () => {
    for (const name of ['a', '_b', '$c', 'train2', 'données', 'π', 'x\u200d']) {
      assert.strictEqual(identifier(name, 'variable'), name);
      const r = await runCell(loadModelCellCode(name, 'm'));
      assert.deepStrictEqual(r.declared, [name]);
    }
  });

  it('reject values of the wrong type instead of writing them into code', () => {
    const obj = { toJSON: () => 'process.exit(1)' };
    assert.throws(() => loadCellCode({ variable: 'x', file: obj }), /path must be a string, got an object/);
    assert.throws(
      () => loadCellCode({ variable: 'x', file: 'f', label: 'y', normal: obj }),
      /normal must be a label value/,
    );
    assert.throws(
      () => loadCellCode({ variable: 'x', file: 'f', label: 'y' }),
      /normal must be a label value .* got undefined/,
    );
    assert.throws(
      () => loadCellCode({ variable: 'x', file: 'f', label: 'y', normal: NaN }),
      /normal must be a label value/,
    );
    assert.throws(
      () => loadCellCode({ variable: ['a'], file: 'f' }),
      /variable must be a variable name \(a string\), got a list/,
    );
    const train = { variable: 'd', dataset: 't', known: ['a'], epochs: 1, seed: 0 };
    assert.throws(
      () => trainCellCode({ ...train, epochs: '1}).fit(t); process.exit(1); ({' }),
      /epochs must be a whole number ≥ 1, got "1}\)/,
    );
    assert.throws(() => trainCellCode({ ...train, epochs: 0 }), /epochs must be a whole number ≥ 1, got 0/);
    assert.throws(() => trainCellCode({ ...train, epochs: 1.5 }), /epochs must be a whole number/);
    assert.throws(() => trainCellCode({ ...train, seed: -1 }), /seed must be a whole number ≥ 0, got -1/);
    assert.throws(() => trainCellCode({ ...train, seed: Infinity }), /seed must be a whole number/);
    assert.throws(() => trainCellCode({ ...train, known: 'a' }), /known must be a list of strings, got "a"/);
    assert.throws(() => trainCellCode({ ...train, known: [obj] }), /known must be a list of strings/);
    assert.throws(() => trainCellCode({ ...train, method: 3 }), /method must be a string, got 3/);
  });

  it('derive default variable names that are always identifiers', () => {
    assert.strictEqual(identifierFrom('thyroid-train'), 'thyroidTrain');
    assert.strictEqual(identifierFrom('2024 data'), 'data2024Data');
    assert.strictEqual(identifierFrom('class'), 'classData');
    assert.strictEqual(identifierFrom('x"); process.exit(1); ("'), 'xProcessExit1');
    for (const name of ['---', '"', 'new', 'é', '名前']) assert.ok(isIdentifier(identifierFrom(name)), name);
  });
});
