/**
 * The kernel without VS Code: cell transformation and a real kernel process running cells.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vm from 'vm';
import { transformCell, CellSyntaxError } from '../../src/kernel/transform';
import { KernelSession, ExecutionResult } from '../../src/extension/kernelSession';
import type { MimeBundle, TrainingProgress } from '../../src/common/protocol';
import { MIME } from '../../src/common/protocol';
import { toMimeBundle } from '../../src/kernel/display';
import { datasetBundle, detectorBundle, reportBundle, topRowsBundle } from '../../src/kernel/bundles';
import { createCellApi } from '../../src/kernel/api';
import { MIME_BUNDLE } from '../../src/common/mimeBundle';
import { Detector as CoreDetector, TopRow } from '../../src/core/detector';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const KERNEL = path.join(ROOT, 'out', 'src', 'kernel', 'main.js');

/** Runs a transformed cell in a fresh context and returns its value. */
async function runInContext(
  ctx: vm.Context,
  source: string,
  lang: 'typescript' | 'javascript' = 'typescript',
): Promise<unknown> {
  const cell = transformCell(source, lang);
  return new vm.Script(cell.code, { lineOffset: cell.lineOffset }).runInContext(ctx);
}

describe('kernel: cell transform', () => {
  it('keeps top-level declarations as globals and returns the last expression', async () => {
    const ctx = vm.createContext({});
    assert.strictEqual(
      await runInContext(
        ctx,
        'const a: number = 2;\nlet [b, {c}] = [3, {c: 4}];\nfunction f(x: number) { return x * a }\nclass K { v = 5 }\nf(b) + c',
      ),
      10,
    );
    assert.strictEqual(await runInContext(ctx, 'new K().v + a'), 7);
    // Redeclaring in a re-run or later cell works.
    assert.strictEqual(await runInContext(ctx, 'const a = 10;\na'), 10);
    assert.strictEqual(await runInContext(ctx, 'f(1)'), 10);
  });

  it('hoists functions, supports top-level await and ignores a trailing declaration', async () => {
    const ctx = vm.createContext({ setTimeout });
    assert.strictEqual(await runInContext(ctx, 'const v = g();\nfunction g() { return 3 }\nv'), 3);
    assert.strictEqual(
      await runInContext(ctx, 'const w = await new Promise<number>((r) => setTimeout(() => r(5), 5));\nw * 2'),
      10,
    );
    assert.strictEqual(await runInContext(ctx, 'const z = 1'), undefined);
  });

  it('keeps line numbers: a throw on line 3 reports line 3', async () => {
    const ctx = vm.createContext({});
    const cell = transformCell(
      'interface P { a: number }\nconst p: P = { a: 1 };\nthrow new Error("boom " + p.a);',
      'typescript',
    );
    const script = new vm.Script(cell.code, { filename: 'In[1]', lineOffset: cell.lineOffset });
    await assert.rejects(script.runInContext(ctx) as Promise<unknown>, (err: Error) => {
      assert.match(err.stack!, /In\[1\]:3:7/);
      return err.message === 'boom 1';
    });
  });

  it('turns imports into globals', async () => {
    const required: string[] = [];
    const ctx = vm.createContext({
      __synthadRequire: (m: string) => {
        required.push(m);
        return { __esModule: true, default: 'D', named: 'N' };
      },
      __synthadDefault: (m: { default: unknown }) => m.default,
    });
    assert.strictEqual(
      await runInContext(
        ctx,
        "import d, { named as n } from 'lib';\nimport * as ns from 'lib2';\n`${d}${n}${typeof ns}`",
      ),
      'DNobject',
    );
    assert.deepStrictEqual(required, ['lib', 'lib2']);
    assert.strictEqual(await runInContext(ctx, 'n'), 'N');
  });

  it('reports syntax errors with the cell line and column', () => {
    assert.throws(
      () => transformCell('const a = 1;\nconst b = ;', 'javascript'),
      (e: CellSyntaxError) => e.line === 2 && /line 2/.test(e.message),
    );
    assert.throws(() => transformCell('let x: = 3', 'typescript'), CellSyntaxError);
  });
});

describe('kernel: display of det.top rows', () => {
  const rows: TopRow[] = [
    {
      row: 4,
      line: 6,
      score: 1.23456,
      flagged: true,
      values: { '<b>x</b>': 9.1, colour: '<script>alert(1)</script>', note: null },
      explanation: [
        { feature: '<b>x</b>', value: 9.1, contribution: 0.8, reference: 0.2, min: -2.9, max: 3.2 },
        { feature: 'colour', value: '<script>alert(1)</script>', contribution: 0.1, reference: 'red|blue' },
      ],
    },
    { row: 0, score: -0.5, flagged: false, values: { '<b>x</b>': 0.25, colour: 'red', note: 'a|b' }, explanation: [] },
  ];

  it('is an escaped HTML table with line, score, flagged, values and explanation, plus markdown and text', () => {
    const b = topRowsBundle(rows);
    const html = b['text/html'] as string;
    assert.ok(!html.includes('<script>') && !html.includes('<b>'), html);
    assert.ok(
      html.includes(
        '<th>line</th><th>score</th><th>flagged</th><th>&lt;b&gt;x&lt;/b&gt;</th><th>colour</th><th>note</th><th>why</th>',
      ),
      html,
    );
    assert.ok(
      html.includes(
        '<td>6</td><td>1.235</td><td>yes</td><td>9.1</td><td>&lt;script&gt;alert(1)&lt;/script&gt;</td><td></td>',
      ),
      html,
    );
    assert.ok(
      html.includes(
        '&lt;b&gt;x&lt;/b&gt; = 9.1 (training range -2.9..3.2); colour = &lt;script&gt;alert(1)&lt;/script&gt; (training: mostly red|blue)',
      ),
      html,
    );
    // Without a line in the file, the 1-based row number.
    assert.ok(html.includes('<td>row 1</td><td>-0.5000</td><td>no</td>'), html);
    const markdown = b['text/markdown'] as string;
    assert.match(markdown, /^\*\*2 most anomalous rows \(1 above the threshold\)\*\*/);
    assert.ok(markdown.includes('| line | score | flagged | \\<b\\>x\\</b\\> | colour | note | why |'), markdown);
    assert.ok(markdown.includes('| row 1 | -0.5000 | no | 0.25 | red | a\\|b |  |'), markdown);
    assert.strictEqual(
      b['text/plain'],
      '2 most anomalous rows (1 above the threshold)\n' +
        '6  score 1.235  flagged  <b>x</b> = 9.1 (training range -2.9..3.2); colour = <script>alert(1)</script> (training: mostly red|blue)\n' +
        'row 1  score -0.5000  ',
    );
  });
});

describe('kernel: display protocol', function () {
  this.timeout(60000);

  it('asks the value first: a type unknown to the kernel shows itself through MIME_BUNDLE', () => {
    // A result type the display code has never heard of, defined here and nowhere else.
    class Temperature {
      constructor(readonly celsius: number) {}
      [MIME_BUNDLE]() {
        return { 'text/html': `<b>${this.celsius} °C</b>`, 'text/plain': `${this.celsius} °C` };
      }
    }
    assert.deepStrictEqual(toMimeBundle(new Temperature(21.5)), {
      'text/html': '<b>21.5 °C</b>',
      'text/plain': '21.5 °C',
    });
    // The key is the registered symbol, so a value from another copy of the protocol module is recognised too.
    assert.deepStrictEqual(
      toMimeBundle({ [Symbol.for('synthad.mimeBundle')]: () => ({ 'text/markdown': '**hi**' }) }),
      { 'text/markdown': '**hi**' },
    );
    // Without it: text, and nothing for undefined.
    assert.deepStrictEqual(toMimeBundle({ a: 1, [MIME_BUNDLE]: 'not a method' }), {
      'text/plain': "{ a: 1, [Symbol(synthad.mimeBundle)]: 'not a method' }",
    });
    assert.deepStrictEqual(toMimeBundle([1, 2]), { 'text/plain': '[ 1, 2 ]' });
    assert.deepStrictEqual(toMimeBundle(null), { 'text/plain': 'null' });
    assert.strictEqual(toMimeBundle(undefined), undefined);
  });

  it("gives what the cell API hands out its display: load's dataset, the detector, its report and top rows", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthad-display-'));
    try {
      const api = createCellApi(
        { cwd: dir, samplesDir: path.join(ROOT, 'samples'), detectorDefaults: { backend: 'cpu', threads: 1 } },
        () => undefined,
      );
      const data = await api.load('samples/thyroid-test.csv', { label: 'class', normal: 'normal' });
      assert.deepStrictEqual(toMimeBundle(data), datasetBundle(data));
      // Non-enumerable: the dataset's keys, JSON and copies are as before.
      assert.strictEqual(Object.getOwnPropertyDescriptor(data, MIME_BUNDLE)?.enumerable, false);
      assert.deepStrictEqual(Object.getOwnPropertySymbols({ ...data }), []);
      const det = await new api.Detector({ method: 'iforest', trees: 10 }).fit(data);
      assert.match(
        toMimeBundle(det)!['text/plain'] as string,
        /^Isolation Forest detector \(seed 0, known: all\)\nfitted on /,
      );
      assert.deepStrictEqual(toMimeBundle(det), detectorBundle(det));
      const report = det.evaluate(data);
      assert.deepStrictEqual(toMimeBundle(report), reportBundle(report));
      const top = det.top(data, 3);
      assert.deepStrictEqual(toMimeBundle(top), topRowsBundle(top));
      // Copies lose the method; their shape still finds the formatter (IPython's for_type).
      assert.deepStrictEqual(toMimeBundle(top.slice(0, 2)), topRowsBundle(top.slice(0, 2)));
      assert.deepStrictEqual(toMimeBundle({ ...report }), reportBundle(report));
      assert.deepStrictEqual(toMimeBundle({ ...data }), datasetBundle(data));
      // A saved model loaded in a cell shows itself, its report and rows the same way, and stays a core detector.
      await (det as unknown as { save(dir: string): Promise<string> }).save('model');
      const loaded = await (api.Detector as unknown as { load(dir: string): Promise<CoreDetector> }).load('model');
      assert.ok(loaded instanceof CoreDetector && !('save' in loaded));
      assert.notStrictEqual(loaded.constructor, api.Detector);
      assert.deepStrictEqual(toMimeBundle(loaded), detectorBundle(det));
      assert.deepStrictEqual(toMimeBundle(loaded.evaluate(data)), toMimeBundle(report));
      assert.deepStrictEqual(toMimeBundle(loaded.top(data, 3)), toMimeBundle(top));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

interface Collected {
  stdout: string;
  stderr: string;
  displays: Array<{ bundle: MimeBundle; displayId?: string; update?: boolean }>;
  progress: TrainingProgress[];
}

function sink(): Collected & { sink: Parameters<KernelSession['execute']>[3] } {
  const c: Collected = { stdout: '', stderr: '', displays: [], progress: [] };
  return Object.assign(c, {
    sink: {
      stream: (name: 'stdout' | 'stderr', text: string) => {
        c[name] += text;
      },
      display: (bundle: MimeBundle, displayId?: string, update?: boolean) => {
        c.displays.push({ bundle, displayId, update });
      },
      progress: (p: TrainingProgress) => {
        c.progress.push(p);
      },
    },
  });
}

describe('kernel: worker session', function () {
  this.timeout(120000);
  let session: KernelSession;
  let dir: string;
  let n = 0;
  const run = async (
    code: string,
    lang: 'typescript' | 'javascript' = 'typescript',
  ): Promise<ExecutionResult & Collected> => {
    const c = sink();
    const r = await session.execute(code, lang, `In[${++n}]`, c.sink);
    return { ...r, ...c };
  };

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthad-kernel-'));
    fs.mkdirSync(path.join(dir, 'node_modules', 'answer'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'node_modules', 'answer', 'index.js'), 'module.exports = { value: 42 };');
    session = new KernelSession(
      KERNEL,
      { cwd: dir, samplesDir: path.join(ROOT, 'samples'), detectorDefaults: { backend: 'cpu' } },
      { graceMs: 1500 },
    );
  });
  after(() => {
    session.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps state across cells, displays the last value and streams console output in order', async () => {
    const a = await run(
      'const xs = [1, 2, 3];\nconsole.log("first");\nconsole.error("second");\nconsole.log("third", { k: 1 });\nxs.length',
    );
    assert.ok(a.ok);
    assert.strictEqual(a.stdout, 'first\nthird { k: 1 }\n');
    assert.strictEqual(a.stderr, 'second\n');
    assert.deepStrictEqual(
      a.displays.map((d) => d.bundle['text/plain']),
      ['3'],
    );
    const b = await run('xs.map((x) => x * 2)');
    assert.strictEqual(b.displays[0].bundle['text/plain'], '[ 2, 4, 6 ]');
  });

  it('shows an error with the cell line and lives on', async () => {
    const bad = await run('const q = 1;\nnull.boom;');
    assert.strictEqual(bad.ok, false);
    assert.strictEqual(bad.error!.name, 'TypeError');
    assert.match(bad.error!.stack!, new RegExp(`In\\[${n}\\]:2:`));
    assert.doesNotMatch(bad.error!.stack!, /kernel[\\/]main\.js/);
    const after = await run('q + 1');
    assert.strictEqual(after.displays[0].bundle['text/plain'], '2');
  });

  it('requires packages from the notebook folder and imports them', async () => {
    const r = await run("import { value } from 'answer';\nconst other = require('answer');\nvalue + other.value");
    assert.strictEqual(r.displays[0].bundle['text/plain'], '84');
  });

  it('loads the bundled sample and shows an escaped HTML preview', async () => {
    fs.writeFileSync(
      path.join(dir, 'hostile.csv'),
      '"<img src=x onerror=alert(1)>",label\n1,normal\n2,<b>bad</b>\n3,normal\n',
    );
    const r = await run("const h = await load('hostile.csv', { label: 'label', normal: 'normal' });\nh");
    assert.ok(r.ok, JSON.stringify(r.error));
    const html = r.displays[0].bundle['text/html'] as string;
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
    assert.ok(html.includes('&lt;b&gt;bad&lt;/b&gt;'));
    assert.ok(!html.includes('<img') && !html.includes('<b>'));
    const s = await run(
      "const sample = await load('samples/thyroid-test.csv', { label: 'class', normal: 'normal' });\nsample.rowCount",
    );
    assert.ok(Number(s.displays[0].bundle['text/plain']) > 1000);
  });

  it('streams training progress and evaluates into a report bundle', async () => {
    const r = await run(
      [
        "const tr = await load('samples/thyroid-train.csv', { label: 'class', normal: 'normal' });",
        "const det = await new Detector({ method: 'vcsa', known: ['hyperfunction'], epochs: 2, hidden: [16, 16] }).fit(tr);",
        "const te = await load('samples/thyroid-test.csv', { label: 'class', normal: 'normal' });",
        'det.evaluate(te)',
      ].join('\n'),
    );
    assert.ok(r.ok, JSON.stringify(r.error));
    assert.deepStrictEqual(
      r.progress.map((p) => p.epoch),
      [1, 2],
    );
    const training = r.displays.filter(
      (d) => (d.bundle[MIME.chart] as { kind?: string } | undefined)?.kind === 'training',
    );
    assert.strictEqual(training.length, 2);
    assert.strictEqual(training[0].displayId, training[1].displayId);
    assert.deepStrictEqual(
      training.map((d) => d.update),
      [false, true],
    );
    const report = r.displays[r.displays.length - 1].bundle;
    const auroc = (report[MIME.report] as { auroc: number }).auroc;
    assert.ok(auroc >= 0 && auroc <= 1, String(auroc));
    assert.ok((report['text/markdown'] as string).includes(`| all | 250 | ${auroc.toFixed(4)} |`));
    assert.match(report['text/markdown'] as string, /\| hyperfunction \(known\) \|/);
  });

  it('refuses det.save into the notebook folder, and shows input and scoring warnings in the cell', async () => {
    const lines = ['a,kind'];
    for (let i = 0; i < 60; i++) lines.push(`${i % 9},${['x', 'y'][i % 2]}`);
    fs.writeFileSync(path.join(dir, 'small.csv'), lines.join('\n') + '\n');
    fs.writeFileSync(
      path.join(dir, 'odd.csv'),
      Buffer.concat([Buffer.from('a,kind\n1,x\n2,'), Buffer.from([0xe9]), Buffer.from('\n3,w\n')]),
    );
    const before = fs.readdirSync(dir).sort();
    const r = await run(
      [
        "const sm = await load('small.csv');",
        "const fo = await new Detector({ method: 'iforest', trees: 10 }).fit(sm);",
        "await fo.save('.');",
      ].join('\n'),
    );
    assert.strictEqual(r.ok, false);
    const listed =
      before.length > 3 ? `${before.slice(0, 3).join(', ')}, … (${before.length} in all)` : before.join(', ');
    assert.strictEqual(
      r.error!.message,
      `${dir}: holds files that are not part of a SynthAD model (${listed}); save the model into an empty or new folder`,
    );
    assert.deepStrictEqual(fs.readdirSync(dir).sort(), before);
    const w = await run("const odd = await load('odd.csv');\nfo.scoreSamples(odd).length");
    assert.ok(w.ok, JSON.stringify(w.error));
    assert.strictEqual(
      w.stderr,
      `SynthAD: warning: ${path.join(dir, 'odd.csv')}, line 3: not valid UTF-8 (1 line has bytes that are not UTF-8, e.g. Latin-1 'é'); they were read with \ufffd in their place: save the file as UTF-8\n` +
        `SynthAD: warning: ${path.join(dir, 'odd.csv')}: 2 values of categories not seen in training (2 in 'kind'); scored as no category\n`,
    );
  });

  it('load with { sample } says what it kept in the cell', async () => {
    const lines = ['v,kind'];
    for (let i = 0; i < 1000; i++) lines.push(`${i % 17},${i % 10 === 0 ? 'odd' : 'even'}`);
    fs.writeFileSync(path.join(dir, 'many.csv'), lines.join('\n') + '\n');
    const r = await run(
      "const few = await load('many.csv', { label: 'kind', normal: 'even', sample: 50 });\nfew.rowCount",
    );
    assert.ok(r.ok, JSON.stringify(r.error));
    assert.deepStrictEqual(
      r.displays.map((d) => d.bundle['text/plain']),
      ['100'],
    );
    assert.strictEqual(r.stderr, 'SynthAD: loaded a sample of 100 of 1000 rows (seed 0), per class: even 50, odd 50\n');
  });

  it('works without labels: load, fit, det.top as a table, plot.scores(det, data); ROC/PR say they need labels', async () => {
    const lines = ['a,b,colour'];
    for (let i = 0; i < 300; i++)
      lines.push(
        `${(Math.sin(i) * 0.5).toFixed(3)},${(Math.cos(i * 0.7) * 0.5).toFixed(3)},${i % 3 === 0 ? 'red' : 'blue'}`,
      );
    lines.splice(101, 0, '40,-35,blue'); // row 100, line 102: far outside
    fs.writeFileSync(path.join(dir, 'unlabelled.csv'), lines.join('\n') + '\n');
    const load = await run("const data = await load('unlabelled.csv')");
    assert.ok(load.ok, JSON.stringify(load.error));
    // `new Detector({ method: 'vcsa' }).fit(data)` takes 200 epochs here (~30 s); a few epochs keep the test short.
    const fit = await run("const det = await new Detector({ method: 'vcsa', epochs: 10 }).fit(data);\ndet");
    assert.ok(fit.ok, JSON.stringify(fit.error));
    assert.match(
      fit.displays[fit.displays.length - 1].bundle['text/plain'] as string,
      /VC-SA detector \(seed 0, known: all\)\nfitted on .*unlabelled\.csv: \d+ training rows/,
    );
    const top = await run('det.top(data, 5)');
    assert.ok(top.ok, JSON.stringify(top.error));
    const b = top.displays[0].bundle;
    assert.match(
      b['text/html'] as string,
      /<th>line<\/th><th>score<\/th><th>flagged<\/th><th>a<\/th><th>b<\/th><th>colour<\/th><th>why<\/th>/,
    );
    assert.match(
      b['text/html'] as string,
      /<tbody><tr><td>102<\/td><td>[-0-9.e+]+<\/td><td>yes<\/td><td>40<\/td><td>-35<\/td><td>blue<\/td><td>[ab] = /,
    );
    assert.match(
      b['text/plain'] as string,
      /^5 most anomalous rows \(\d above the threshold\)\n102  score \S+  flagged  [ab] = -?\d+ \(training range/,
    );
    assert.match(b['text/markdown'] as string, /\| 102 \| \S+ \| yes \| 40 \| -35 \| blue \|/);
    const chart = await run('plot.scores(det, data)');
    assert.ok(chart.ok, JSON.stringify(chart.error));
    const spec = chart.displays[0].bundle[MIME.chart] as {
      kind: string;
      series: Array<{ role: string; count: number }>;
      flagged: number;
      edges: number[];
    };
    assert.strictEqual(spec.kind, 'scores');
    assert.deepStrictEqual(
      spec.series.map((s) => [s.role, s.count]),
      [['all', 301]],
    );
    assert.ok(spec.flagged > 0 && spec.flagged < 0.5, String(spec.flagged));
    assert.strictEqual(spec.edges.length, 41);
    assert.strictEqual((await run('plot.scores(det, data, 10)')).displays[0].bundle[MIME.chart] !== undefined, true);
    for (const code of ['plot.roc(det)', 'plot.pr(data)', 'plot.roc(data)', 'plot.scores(data)']) {
      const r = await run(code);
      assert.strictEqual(r.ok, false, code);
      assert.match(
        r.error!.message,
        /^plot\.(roc|pr|scores) needs labels: pass the report of det\.evaluate\(data\) on labelled data; without labels use plot\.scores\(det, data\)$/,
        code,
      );
    }
    const noData = await run('plot.scores(det)');
    assert.match(noData.error!.message, /plot\.scores\(detector, data\) needs the data to score/);
  });

  it('interrupt stops training after the current batch and keeps the model', async () => {
    const c = sink();
    const started = session.execute(
      "const trs = await load('samples/thyroid-train.csv', { label: 'class', normal: 'normal' });\n" +
        "const slow = await new Detector({ method: 'vcsa', known: ['hyperfunction'], epochs: 200, patience: 200, hidden: [64, 64], batchSize: 64 }).fit(trs);\nslow.fitted.summary.epochs",
      'typescript',
      `In[${++n}]`,
      c.sink,
    );
    let finished = false;
    void started.then(() => {
      finished = true;
    });
    while (c.progress.length < 2 && !finished) await new Promise((r) => setTimeout(r, 50));
    session.interrupt();
    const r = { ...(await started), ...c };
    assert.ok(r.ok, JSON.stringify(r.error));
    assert.strictEqual(r.interrupted, true);
    assert.match(r.stderr, /Training stopped after epoch \d+; kept the best weights/);
    const epochs = Number(r.displays[r.displays.length - 1].bundle['text/plain']);
    assert.ok(epochs >= 2 && epochs < 200, `epochs ${epochs}`);
    const still = await run('slow.isFitted');
    assert.strictEqual(still.displays[0].bundle['text/plain'], 'true');
  });

  it('interrupt of a busy loop restarts the worker after the grace period', async () => {
    const started = run('while (true) {}');
    await new Promise((r) => setTimeout(r, 300));
    session.interrupt();
    const r = await started;
    assert.strictEqual(r.ok, false);
    assert.strictEqual(r.restarted, true);
    assert.match(
      r.stderr,
      /The kernel was restarted because the cell did not stop within 1\.5 s of the interrupt; all variables were cleared\./,
    );
    const after = await run('typeof xs');
    assert.strictEqual(after.displays[0].bundle['text/plain'], "'undefined'");
  });

  it('restart clears state; queued cells are skipped on interrupt', async () => {
    await run('const keep = 1');
    await session.restart();
    const r = await run('typeof keep');
    assert.strictEqual(r.displays[0].bundle['text/plain'], "'undefined'");
    const first = run('await new Promise((r) => setTimeout(r, 400)); 1');
    const queued = run('2');
    session.interrupt();
    assert.strictEqual((await queued).skipped, true);
    await first;
  });

  it('lists datasets, detectors and reports for commands', async () => {
    await run(
      "const ds = await load('samples/thyroid-test.csv', { label: 'class', normal: 'normal' }); const d0 = new Detector({ method: 'iforest' })",
    );
    const vars = await session.variables();
    const ds = vars.find((v) => v.name === 'ds')!;
    assert.strictEqual(ds.kind, 'dataset');
    assert.strictEqual(ds.labelColumn, 'class');
    assert.deepStrictEqual(ds.labelValues, ['hyperfunction', 'normal', 'subnormal']);
    assert.deepStrictEqual(
      vars.find((v) => v.name === 'd0'),
      { name: 'd0', kind: 'detector', detail: 'Isolation Forest, not fitted', fitted: false },
    );
  });

  it('says which compute backend it trains on (Show Compute Backend asks the worker, not the host)', async () => {
    const info = await session.backend();
    const threads = os.availableParallelism();
    assert.strictEqual(info.backend, 'cpu');
    assert.strictEqual(info.detail, `cpu, ${threads > 1 ? `${threads} worker threads` : '1 thread'}`);
    assert.deepStrictEqual(info.skipped, []);
    // The same words as a fitted detector's summary in this kernel.
    await run(
      "const dd = await new Detector({ method: 'vcsa', epochs: 1, hidden: [4], known: ['hyperfunction'] }).fit(ds)",
    );
    const r = await run('dd.fitted.summary.backendDetail');
    assert.strictEqual(r.displays[0].bundle['text/plain'], `'${info.detail}'`);
  });

  it('leaves the backend question to a fresh worker while a cell runs, and fails questions the restarted worker never saw', async () => {
    const slow = run('await new Promise((r) => setTimeout(r, 300)); 1');
    await assert.rejects(session.backend(), (err: Error) => err.name === 'KernelBusy');
    await slow;
    assert.strictEqual((await session.backend()).backend, 'cpu');
    const busy = run('const until = Date.now() + 3000; while (Date.now() < until) {}');
    const asked = session.variables().then(
      () => 'answered',
      (err: Error) => err.message,
    );
    await new Promise((r) => setTimeout(r, 200));
    await session.restart();
    assert.strictEqual(await asked, 'the kernel was restarted before it answered');
    assert.strictEqual((await busy).restarted, true);
    assert.strictEqual((await session.backend()).backend, 'cpu');
  });

  it('without a BLAS, says which backends it skipped and how to install one', async () => {
    // A worker's process.env is a copy of ours when it starts.
    const saved = process.env.SYNTHAD_BLAS;
    process.env.SYNTHAD_BLAS = path.join(dir, 'no-such-libblas.so');
    let noBlas: KernelSession;
    try {
      noBlas = new KernelSession(KERNEL, { cwd: dir, detectorDefaults: { threads: 1 } });
    } finally {
      if (saved === undefined) delete process.env.SYNTHAD_BLAS;
      else process.env.SYNTHAD_BLAS = saved;
    }
    try {
      const info = await noBlas.backend();
      assert.strictEqual(info.detail, `${info.backend}, 1 thread`);
      assert.notStrictEqual(info.backend, 'blas');
      assert.match(info.skipped[0], /^blas: no BLAS library found \(.*no-such-libblas\.so/);
      assert.match(info.hint ?? '', /^no BLAS library found, so training runs slower: ./);
    } finally {
      noBlas.dispose();
    }
  });

  it('reports a forced backend that cannot start as an error', async function () {
    let installed = true;
    try {
      require.resolve('@tensorflow/tfjs-node');
    } catch {
      installed = false;
    }
    if (installed) this.skip(); // offline installs never have it, so a forced tensorflow backend cannot start
    const bad = new KernelSession(KERNEL, { cwd: dir, detectorDefaults: { backend: 'tensorflow' } });
    try {
      await assert.rejects(
        bad.backend(),
        (err: Error) => err.name === 'BackendUnavailableError' && /backend tensorflow/.test(err.message),
      );
    } finally {
      bad.dispose();
    }
    await assert.rejects(bad.backend(), /shut down/);
  });
});
