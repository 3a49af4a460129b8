/**
 * IntelliSense in SynthAD notebooks without VS Code: the virtual module the cells make
 * (src/intellisense/virtualDocument.ts), the language service over it (src/intellisense/service.ts) with
 * the cell API's declarations (media/intellisense, types emitted from src/kernel/cellApi.ts), the
 * worker thread, the declarations held to the kernel's real API, and the TypeScript server plugin (src/tsplugin).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { Worker } from 'worker_threads';
import { VirtualDocument, analyzeCell, CellSource } from '../../src/intellisense/virtualDocument';
import { CELL_API_DECLARATIONS, IntellisenseService } from '../../src/intellisense/service';
import type { CellDiagnostic, HostMessage, ThreadReply } from '../../src/intellisense/protocol';
import { createCellApi } from '../../src/kernel/api';
import type * as Plugin from '../../src/tsplugin';
import { TEMPLATE_CELLS as TEMPLATE } from '../shared';

type PluginInit = typeof import('../../src/tsplugin');

const ROOT = path.resolve(__dirname, '..', '..', '..');

/**
 * An extension folder for the service: media/intellisense from the repository, the cell API's types
 * emitted from src/kernel/cellApi.ts (as `npm run build` does into dist/types) and the repository's
 * node_modules (for tf, dfd and @types/node).
 */
let extFolder: string | undefined;
function extensionFolder(): string {
  if (extFolder) return extFolder;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthad-intellisense-'));
  fs.cpSync(path.join(ROOT, 'media', 'intellisense'), path.join(dir, 'media', 'intellisense'), { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(ROOT, 'src', 'kernel', 'tsconfig.types.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  assert.ok(config, 'src/kernel/tsconfig.types.json');
  const program = ts.createProgram(config.fileNames, { ...config.options, outDir: path.join(dir, 'dist', 'types') });
  const emitted = program.emit(undefined, undefined, undefined, true);
  assert.deepStrictEqual(
    emitted.diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')),
    [],
  );
  assert.ok(fs.existsSync(path.join(dir, ...CELL_API_DECLARATIONS)));
  extFolder = dir;
  return dir;
}

after(() => {
  if (extFolder) fs.rmSync(extFolder, { recursive: true, force: true });
});

const cells = (texts: ReadonlyArray<string>, language: CellSource['language'] = 'typescript'): CellSource[] =>
  texts.map((text, i) => ({ id: `cell${i}`, text, language }));

/** Diagnostics per cell id, as [text the range covers, message]. */
function byCell(
  service: IntellisenseService,
  notebook: string,
  sources: CellSource[],
): Record<string, Array<[string, string]>> {
  const out: Record<string, Array<[string, string]>> = {};
  for (const c of service.diagnostics(notebook).cells) {
    const text = sources.find((s) => s.id === c.cell)!.text;
    if (c.diagnostics.length)
      out[c.cell] = c.diagnostics.map((d: CellDiagnostic) => [text.slice(d.start, d.end), d.message]);
  }
  return out;
}

describe('intellisense: the notebook as one module', () => {
  it('lays cells out in nested blocks and maps offsets both ways', () => {
    const src = cells(['const a = 1;', 'const a = 2;\na', 'a + 1']);
    const doc = VirtualDocument.build(ts, src);
    assert.match(doc.text, /^const a = 1;\n;\{\nconst a = 2;\na\n;\{\na \+ 1\n\}\}\nexport \{\};\n$/);
    for (let cell = 0; cell < src.length; cell++) {
      for (let offset = 0; offset <= src[cell].text.length; offset++) {
        const v = doc.toVirtual(cell, offset);
        assert.deepStrictEqual(doc.toCell(v), { cell, offset });
        if (offset < src[cell].text.length) assert.strictEqual(doc.text[v], src[cell].text[offset]);
      }
    }
    assert.strictEqual(doc.toCell(doc.text.indexOf('{')), undefined, 'the wrapper belongs to no cell');
  });

  it('hoists imports and declarations to the top, blanks export keywords and makes var let, keeping offsets', () => {
    const text =
      "import * as fs from 'fs';\nexport const x = 1;\nvar y = 2;\ndeclare const z: number;\nexport default x + y;";
    const a = analyzeCell(ts, text);
    assert.strictEqual(a.body.length, text.length);
    assert.deepStrictEqual(
      a.hoisted.map(([s, e]) => text.slice(s, e)),
      ["import * as fs from 'fs';", 'declare const z: number;'],
    );
    assert.strictEqual(
      a.body,
      '                         \n       const x = 1;\nlet y = 2;\n                        \n               x + y;',
    );
    // A cell that declares a var twice keeps var (let would be an error there).
    assert.strictEqual(analyzeCell(ts, 'var v = 1; var v = 2;').body, 'var v = 1; var v = 2;');
    const doc = VirtualDocument.build(ts, [{ id: 'c', text, language: 'typescript' }]);
    assert.ok(doc.text.startsWith("import * as fs from 'fs';\ndeclare const z: number;\n"));
    // Inside an import the offset maps to the hoisted copy.
    const inImport = text.indexOf("'fs'") + 1;
    assert.strictEqual(doc.text.slice(doc.toVirtual(0, inImport), doc.toVirtual(0, inImport) + 3), "fs'");
    assert.deepStrictEqual(doc.toCell(doc.toVirtual(0, inImport)), { cell: 0, offset: inImport });
  });

  it("finds each cell's syntax errors on its own", () => {
    assert.deepStrictEqual(analyzeCell(ts, 'const x = await load("a");\nx').syntaxErrors, []);
    const e = analyzeCell(ts, 'train.').syntaxErrors;
    assert.strictEqual(e.length, 1);
    assert.strictEqual(e[0].message, 'Identifier expected.');
    const t = analyzeCell(ts, 'const s = `abc').syntaxErrors;
    assert.ok(t.length > 0 && t.every((d) => d.start + d.length <= 'const s = `abc'.length), JSON.stringify(t));
  });

  it('knows which cells the parse keeps in place after a broken cell', () => {
    const valid = (texts: string[]): number => {
      const doc = VirtualDocument.build(ts, cells(texts));
      return doc.validCells(ts, ts.createSourceFile('v.ts', doc.text, ts.ScriptTarget.ES2022, true));
    };
    assert.strictEqual(valid(['1', '2', '3', '4']), 4);
    assert.strictEqual(valid(['1', 'foo(', '3', '4']), 4, 'an unclosed call ends at the wrapper');
    assert.strictEqual(valid(['1', 'if (x) {', '3', '4']), 2, 'an unclosed block swallows the cells after it');
    assert.strictEqual(valid(['1', 'const s = `abc', '3']), 2);
    assert.strictEqual(valid(['1', '2 }', '3', '4']), 2, "a stray } closes its cell's block early");
  });
});

describe('intellisense: language service over a notebook', function () {
  this.timeout(120000);
  let ext: string;
  let service: IntellisenseService;
  let workspace: string;

  before(() => {
    ext = extensionFolder();
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'synthad-nb-'));
    service = new IntellisenseService(ts, { extensionPath: ext });
  });
  after(() => {
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  it('finds no error in the template notebook (top-level await, names from earlier cells)', () => {
    const src = cells(TEMPLATE);
    service.update('template', workspace, 1, src);
    const t0 = Date.now();
    assert.deepStrictEqual(byCell(service, 'template', src), {});
    console.log(`      first check of the template notebook: ${Date.now() - t0} ms`);
  });

  it('reports a misspelt member and a wrong argument type in the cell where they are', () => {
    const src = cells([...TEMPLATE, 'train.rowz', 'plot.roc(det)', 'const n: number = rep.auroc;\nn']);
    service.update('errors', workspace, 1, src);
    const found = byCell(service, 'errors', src);
    assert.deepStrictEqual(Object.keys(found), ['cell8', 'cell9']);
    assert.deepStrictEqual(found.cell8, [['rowz', "Property 'rowz' does not exist on type 'Dataset'."]]);
    assert.strictEqual(found.cell9.length, 1);
    assert.strictEqual(found.cell9[0][0], 'det');
    assert.match(
      found.cell9[0][1],
      /^Argument of type 'Detector' is not assignable to parameter of type 'EvaluationReport'\./,
    );
  });

  it('lets a later cell declare a name again, as re-running a cell does, and uses the latest declaration', () => {
    const src = cells([
      ...TEMPLATE,
      "const train = await load('samples/thyroid-train.csv', { label: 'class', normal: 'normal' });", // the same const again
      'let rep = 5;', // another type
      'rep.toFixed(2)',
      'var v = 1;',
      'var v = "s"; v.length',
      'function f() { return 1 }',
      'function f() { return "a" } f().length',
      'class K {}',
      'class K { x = 1 } new K().x',
    ]);
    service.update('redeclare', workspace, 1, src);
    assert.deepStrictEqual(byCell(service, 'redeclare', src), {});
  });

  it('sees only earlier cells: a name from a later cell is an error', () => {
    const src = cells(['later + 1', 'const later = 1;']);
    service.update('order', workspace, 1, src);
    assert.deepStrictEqual(byCell(service, 'order', src), { cell0: [['later', "Cannot find name 'later'."]] });
  });

  it('checks cells up to one whose syntax swallows the cells after it (VS Code shows its syntax error)', () => {
    const src = cells(['const a: number = "x";', 'if (a) {', 'const b: string = 1;']);
    service.update('broken', workspace, 1, src);
    assert.deepStrictEqual(byCell(service, 'broken', src), {
      cell0: [['a', "Type 'string' is not assignable to type 'number'."]],
    });
    // An error that ends at the cell's edge keeps the later cells checked.
    const ok = cells(['foo(', 'const b: string = 1;']);
    service.update('broken2', workspace, 1, ok);
    assert.deepStrictEqual(byCell(service, 'broken2', ok), {
      cell0: [['foo', "Cannot find name 'foo'."]],
      cell1: [['b', "Type 'number' is not assignable to type 'string'."]],
    });
  });

  it("type-checks JavaScript cells' names for later cells without reporting in them", () => {
    const src: CellSource[] = [
      { id: 'js', text: 'const fromJs = { a: 1 };\nfunction untyped(x) { return x }', language: 'javascript' },
      { id: 'ts', text: 'fromJs.b', language: 'typescript' },
    ];
    service.update('js', workspace, 1, src);
    const d = service.diagnostics('js').cells;
    assert.deepStrictEqual(d.find((c) => c.cell === 'js')!.diagnostics, []);
    assert.deepStrictEqual(
      d.find((c) => c.cell === 'ts')!.diagnostics.map((x) => x.message),
      ["Property 'b' does not exist on type '{ a: number; }'."],
    );
  });

  it('knows imports of Node built-ins, require and process, with and without @types/node', () => {
    const src = cells([
      "import * as fs from 'fs';\nimport { join } from 'node:path';",
      'fs.existsSync(join("a", "b")); process.env.HOME; require("os");',
    ]);
    service.update('node-fallback', workspace, 1, src); // a temp folder: no @types/node above it
    assert.deepStrictEqual(byCell(service, 'node-fallback', src), {});
    service.update('node-types', ROOT, 1, src); // the repository: its @types/node
    assert.deepStrictEqual(byCell(service, 'node-types', src), {});
    const typed = service.completions('node-types', 'cell1', 'fs.'.length, '.')!.entries.map((e) => e.name);
    assert.ok(typed.includes('readFileSync'), 'fs members from @types/node');
  });

  it('completes members of a Dataset, a Detector and plot', () => {
    const src = cells([...TEMPLATE, 'train.', 'det.', 'plot.']);
    service.update('complete', workspace, 1, src);
    const names = (cell: string, offset: number): string[] =>
      service.completions('complete', cell, offset, '.')!.entries.map((e) => e.name);
    const dataset = names('cell8', 6);
    for (const m of ['rowCount', 'columns', 'features', 'label', 'source'])
      assert.ok(dataset.includes(m), `train.${m} in ${dataset}`);
    const detector = names('cell9', 4);
    for (const m of ['fit', 'evaluate', 'score', 'predict', 'save', 'options', 'fitted'])
      assert.ok(detector.includes(m), `det.${m} in ${detector}`);
    assert.deepStrictEqual(names('cell10', 5).sort(), ['compare', 'pr', 'roc', 'scores', 'training']);
    const rowCount = service.completionDetails('complete', 'cell8', 6, 'rowCount')!;
    assert.strictEqual(rowCount.detail, '(property) Table.rowCount: number');
    // At the start of a cell: the cell API and the names of earlier cells, once each.
    const global = service.completions('complete', 'cell8', 0)!.entries;
    for (const g of ['load', 'Detector', 'plot', 'display', 'exportScores', 'tf', 'dfd', 'train', 'rep', 'Math']) {
      assert.strictEqual(global.filter((e) => e.name === g).length, 1, g);
    }
  });

  it('shows the documentation of load, Detector and plot.scores on hover', () => {
    const src = cells([...TEMPLATE]);
    service.update('hover', workspace, 1, src);
    const load = service.quickInfo('hover', 'cell0', TEMPLATE[0].indexOf('load') + 1)!;
    assert.strictEqual(load.signature, 'function load(file: string, options?: LoadOptions): Promise<Dataset>');
    assert.match(load.documentation, /^Reads a dataset/);
    assert.strictEqual(TEMPLATE[0].slice(load.start, load.end), 'load');
    const detector = service.quickInfo('hover', 'cell2', TEMPLATE[2].indexOf('Detector') + 2)!;
    assert.match(detector.signature, /Detector\(options\?: Partial<DetectorOptions>\): Detector/);
    assert.match(detector.documentation, /synthetic anomalies/);
    const scores = service.quickInfo('hover', 'cell5', 'plot.sc'.length)!;
    assert.strictEqual(
      scores.signature,
      '(method) Plot.scores(report: EvaluationReport, bins?: number): Chart (+1 overload)',
    );
    assert.match(scores.documentation, /^Histogram of anomaly scores/);
    const help = service.signatureHelp('hover', 'cell6', 'plot.roc('.length, { kind: 'invoked' })!;
    assert.strictEqual(help.signatures[0].label, 'roc(report: EvaluationReport): Chart');
    assert.deepStrictEqual(help.signatures[0].parameters[0].label, [4, 28]);
  });

  it('types tf and dfd with their libraries once a cell uses them', () => {
    const src = cells(['const t = tf.tensor([1, 2]);\nt.', 'dfd.']);
    service.update('libs', workspace, 1, src);
    const t0 = Date.now();
    const tensor = service.completions('libs', 'cell0', src[0].text.length, '.')!.entries.map((e) => e.name);
    console.log(`      first completion with TensorFlow.js's types: ${Date.now() - t0} ms`);
    assert.ok(tensor.includes('dataSync') && tensor.includes('shape'), 'tensor members');
    assert.ok(
      service.completions('libs', 'cell1', 4, '.')!.entries.some((e) => e.name === 'DataFrame'),
      'dfd.DataFrame',
    );
  });

  it("refuses to start without the cell API's types, rather than answer wrongly", () => {
    const bare = fs.mkdtempSync(path.join(os.tmpdir(), 'synthad-bare-'));
    fs.cpSync(path.join(ROOT, 'media', 'intellisense'), path.join(bare, 'media', 'intellisense'), { recursive: true });
    try {
      assert.throws(() => new IntellisenseService(ts, { extensionPath: bare }), /cellApi\.d\.ts is missing/);
    } finally {
      fs.rmSync(bare, { recursive: true, force: true });
    }
  });

  it('answers through the IntelliSense thread', async () => {
    const worker = new Worker(path.join(ROOT, 'out', 'src', 'intellisense', 'thread.js'), {
      workerData: { extensionPath: ext },
    });
    try {
      const replies = new Map<number, ThreadReply>();
      worker.on('message', (r: ThreadReply) => replies.set(r.id, r));
      const send = (m: HostMessage): void => worker.postMessage(m);
      send({ type: 'update', notebook: 'nb', cwd: workspace, version: 3, cells: cells(['const x = 1;', 'x.rowz']) });
      send({ type: 'diagnostics', id: 1, notebook: 'nb' });
      send({ type: 'completions', id: 2, notebook: 'nb', cell: 'cell1', offset: 2, trigger: '.' });
      send({ type: 'quickInfo', id: 3, notebook: 'unknown', cell: 'cell1', offset: 0 });
      const end = Date.now() + 60000;
      while (replies.size < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      const d = replies.get(1) as { result: { version: number; cells: Array<{ diagnostics: CellDiagnostic[] }> } };
      assert.strictEqual(d.result.version, 3);
      assert.strictEqual(d.result.cells[1].diagnostics[0].message, "Property 'rowz' does not exist on type '1'.");
      assert.ok(
        (replies.get(2) as { result: { entries: Array<{ name: string }> } }).result.entries.some(
          (e) => e.name === 'toFixed',
        ),
      );
      assert.match((replies.get(3) as { error: string }).error, /no cells known for notebook unknown/);
    } finally {
      await worker.terminate();
    }
  });
});

describe("intellisense: the declarations are the kernel's API", function () {
  this.timeout(60000);

  it('gives cells a Detector with save and a static load, as the kernel does', () => {
    const api = createCellApi({ cwd: os.tmpdir() }, () => undefined);
    assert.strictEqual(typeof api.Detector.prototype.fit, 'function');
    assert.strictEqual(typeof (api.Detector.prototype as { save?: unknown }).save, 'function');
    assert.strictEqual(typeof (api.Detector as unknown as { load?: unknown }).load, 'function');
  });

  it('declares the globals in media/intellisense/globals.d.ts with exactly the CellGlobals types', () => {
    const ext = extensionFolder();
    const probe = path.join(ext, 'probe.ts');
    fs.writeFileSync(
      probe,
      [
        "import type { CellGlobals } from './dist/types/src/kernel/cellApi';",
        'type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;',
        'const check: [Same<typeof load, CellGlobals["load"]>, Same<typeof plot, CellGlobals["plot"]>, Same<typeof display, CellGlobals["display"]>,',
        '  Same<typeof exportScores, CellGlobals["exportScores"]>, Same<Detector, InstanceType<CellGlobals["Detector"]>>,',
        '  Same<typeof Detector.load, CellGlobals["Detector"]["load"]>, Same<ConstructorParameters<typeof Detector>, ConstructorParameters<CellGlobals["Detector"]>>] =',
        '  [true, true, true, true, true, true, true];',
        'export { check };',
      ].join('\n'),
    );
    const globals = path.join(ext, 'media', 'intellisense', 'globals.d.ts');
    const program = ts.createProgram([probe, globals], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      types: ['node'],
      typeRoots: [path.join(ROOT, 'node_modules', '@types')],
    });
    // These two files only (the rest is the library's own, checked by `tsc -p .`).
    const errors = [probe, globals]
      .flatMap((f) => {
        const sf = program.getSourceFile(f)!;
        return [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
      })
      .map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    assert.deepStrictEqual(errors, []);
  });
});

describe('intellisense: the TypeScript server plugin', () => {
  const init = require(path.join(ROOT, 'src', 'tsplugin')) as PluginInit;
  const fake = (): Plugin.LanguageServiceLike => ({
    getCompletionsAtPosition: (f: string) => `completions of ${f}`,
    getQuickInfoAtPosition: (f: string) => `quickinfo of ${f}`,
    getCompletionEntryDetails: (f: string) => `details of ${f}`,
    getSignatureHelpItems: (f: string) => `help of ${f}`,
    getDefinitionAtPosition: (f: string) => `definition of ${f}`,
  });

  it("knows a notebook cell's notebook from tsserver's file name", () => {
    assert.strictEqual(
      init.notebookPathOf('^/vscode-notebook-cell/ts-nul-authority/tmp/ws/a b.ipynb#W0sZmlsZQ=='),
      '/tmp/ws/a b.ipynb',
    );
    assert.strictEqual(
      init.notebookPathOf('^/vscode-notebook-cell/ts-nul-authority/Untitled-1.ipynb#W1s'),
      '/Untitled-1.ipynb',
    );
    assert.strictEqual(init.notebookPathOf('/vscode-notebook-cell/wsl%2Bdebian/home/a.ipynb#x'), '/home/a.ipynb');
    assert.strictEqual(init.notebookPathOf('/tmp/ws/a.ts'), undefined);
    assert.strictEqual(init.notebookPathOf('^/untitled/ts-nul-authority/Untitled-2'), undefined);
  });

  it('silences completions, hovers and signature help in SynthAD notebooks only', () => {
    const plugin = init({ typescript: ts });
    const ls = plugin.create({ languageService: fake() });
    const cell = '^/vscode-notebook-cell/ts-nul-authority/tmp/ws/a.ipynb#W0s';
    const other = '^/vscode-notebook-cell/ts-nul-authority/tmp/ws/other.ipynb#W0s';
    const call = (method: string, f: string): unknown => (ls[method] as (f: string) => unknown)(f);
    assert.strictEqual(
      call('getCompletionsAtPosition', cell),
      `completions of ${cell}`,
      'before configuration: untouched',
    );
    plugin.onConfigurationChanged({ notebooks: ['/tmp/ws/a.ipynb'] });
    for (const m of [
      'getCompletionsAtPosition',
      'getQuickInfoAtPosition',
      'getCompletionEntryDetails',
      'getSignatureHelpItems',
    ]) {
      assert.strictEqual(call(m, cell), undefined, m);
      assert.notStrictEqual(call(m, other), undefined, `${m} in another notebook`);
      assert.notStrictEqual(call(m, '/tmp/ws/a.ts'), undefined, `${m} in a file`);
    }
    assert.strictEqual(call('getDefinitionAtPosition', cell), `definition of ${cell}`);
    plugin.onConfigurationChanged({ notebooks: ['Untitled-1.ipynb'] });
    assert.strictEqual(
      call('getQuickInfoAtPosition', '^/vscode-notebook-cell/ts-nul-authority/Untitled-1.ipynb#W0s'),
      undefined,
    );
    assert.strictEqual(call('getQuickInfoAtPosition', cell), `quickinfo of ${cell}`);
    plugin.onConfigurationChanged(undefined);
    assert.strictEqual(
      call('getQuickInfoAtPosition', '^/vscode-notebook-cell/ts-nul-authority/Untitled-1.ipynb#W0s'),
      'quickinfo of ^/vscode-notebook-cell/ts-nul-authority/Untitled-1.ipynb#W0s',
    );
  });

  it('is a package tsserver can load from node_modules', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'src', 'tsplugin', 'package.json'), 'utf8')) as {
      name: string;
      main: string;
    };
    assert.strictEqual(pkg.name, 'synthad-ts-plugin');
    assert.ok(fs.existsSync(path.join(ROOT, 'src', 'tsplugin', pkg.main)));
  });
});
