/**
 * IntelliSense in SynthAD notebooks, in a real VS Code: completions, hovers, signature help and error
 * squiggles in TypeScript cells, through VS Code's own commands (so every provider takes part, VS Code's
 * TypeScript extension included), and the negative cases (no false errors, no doubled items, nothing in
 * notebooks of other kernels). Word-based suggestions (kind Text) are left out of every count.
 */
import { strict as assert } from 'assert';
import * as vscode from 'vscode';
import { api, notebookWith, waitFor } from './helpers';
import { TEMPLATE_CELLS as TEMPLATE } from '../shared';

/** Completion items at a position, without word-based suggestions. */
async function completions(
  doc: vscode.TextDocument,
  line: number,
  character: number,
  trigger?: string,
): Promise<vscode.CompletionItem[]> {
  const list = await vscode.commands.executeCommand<vscode.CompletionList>(
    'vscode.executeCompletionItemProvider',
    doc.uri,
    new vscode.Position(line, character),
    trigger,
  );
  return list.items.filter((i) => i.kind !== vscode.CompletionItemKind.Text);
}

const labelOf = (i: vscode.CompletionItem): string => (typeof i.label === 'string' ? i.label : i.label.label);

/** Hover texts at a position, one string per hover. */
async function hovers(doc: vscode.TextDocument, line: number, character: number): Promise<string[]> {
  const hs = await vscode.commands.executeCommand<vscode.Hover[]>(
    'vscode.executeHoverProvider',
    doc.uri,
    new vscode.Position(line, character),
  );
  return hs.map((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value)).join('\n'));
}

const diagnostics = (cell: vscode.NotebookCell): vscode.Diagnostic[] =>
  vscode.languages.getDiagnostics(cell.document.uri);

describe('IntelliSense in SynthAD notebooks', function () {
  this.timeout(180000);

  before(async () => {
    await api();
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('completes the members of a Dataset, a Detector and plot from earlier cells, each item once', async () => {
    const editor = await notebookWith([...TEMPLATE, 'train.', 'det.', 'plot.', 'Ma']);
    const nb = editor.notebook;
    const t0 = Date.now();
    const dataset = await waitFor(
      'Dataset members after train.',
      async () => {
        const items = await completions(nb.cellAt(8).document, 0, 6, '.');
        return items.some((i) => labelOf(i) === 'rowCount') && items;
      },
      60000,
    );
    console.log(`      first completion (worker start, TypeScript load, first check): ${Date.now() - t0} ms`);
    const names = dataset.map(labelOf);
    for (const m of ['rowCount', 'columns', 'features', 'label?', 'source'])
      assert.ok(names.includes(m), `train.${m} in [${names.join(', ')}]`);
    assert.equal(dataset.find((i) => labelOf(i) === 'rowCount')?.kind, vscode.CompletionItemKind.Field);

    const detector = (await completions(nb.cellAt(9).document, 0, 4, '.')).map(labelOf);
    for (const m of ['fit', 'evaluate', 'score', 'predict', 'save', 'options', 'fitted'])
      assert.ok(detector.includes(m), `det.${m} in [${detector.join(', ')}]`);

    const plot = (await completions(nb.cellAt(10).document, 0, 5, '.')).map(labelOf).sort();
    assert.deepEqual(plot, ['compare', 'pr', 'roc', 'scores', 'training']);

    // At an identifier VS Code's TypeScript extension would offer Math & co. as well: synthad-ts-plugin
    // keeps it quiet in SynthAD notebooks (its configuration reaches tsserver shortly after the kernel is picked).
    const t1 = Date.now();
    const globals = await waitFor(
      'each global completion once',
      async () => {
        const items = (await completions(nb.cellAt(11).document, 0, 2)).map(labelOf);
        return items.filter((l) => l === 'Math').length === 1 && items;
      },
      30000,
    ).catch(async () => (await completions(nb.cellAt(11).document, 0, 2)).map(labelOf));
    console.log(`      VS Code's TypeScript extension quiet in the notebook after ${Date.now() - t1} ms more`);
    for (const g of ['Math', 'load', 'Detector', 'plot', 'display', 'exportScores', 'train', 'det', 'rep']) {
      assert.equal(
        globals.filter((l) => l === g).length,
        1,
        `${g} offered ${globals.filter((l) => l === g).length} times`,
      );
    }
  });

  it('shows the documentation of load, Detector and plot.scores on hover, once', async () => {
    const editor = await notebookWith([...TEMPLATE]);
    const nb = editor.notebook;
    const load = await waitFor(
      'a hover on load',
      async () => {
        const hs = await hovers(nb.cellAt(0).document, 0, TEMPLATE[0].indexOf('load') + 2);
        return hs.some((h) => h.includes('function load(')) && hs;
      },
      60000,
    );
    assert.equal(load.length, 1, `hovers: ${JSON.stringify(load)}`);
    assert.match(load[0], /function load\(file: string, options\?: LoadOptions\): Promise<Dataset>/);
    assert.match(load[0], /Reads a dataset/);

    const detector = await hovers(nb.cellAt(2).document, 0, TEMPLATE[2].indexOf('Detector') + 2);
    assert.equal(detector.length, 1, `hovers: ${JSON.stringify(detector)}`);
    assert.match(detector[0], /Detector\(options\?: Partial<DetectorOptions>\): Detector/);
    assert.match(detector[0], /synthetic anomalies/);

    const scores = await hovers(nb.cellAt(5).document, 0, 'plot.sc'.length);
    assert.equal(scores.length, 1, `hovers: ${JSON.stringify(scores)}`);
    assert.match(scores[0], /\(method\) Plot\.scores\(report: EvaluationReport, bins\?: number\): Chart/);
    assert.match(scores[0], /Histogram of anomaly scores/);

    const help = await vscode.commands.executeCommand<vscode.SignatureHelp>(
      'vscode.executeSignatureHelpProvider',
      nb.cellAt(6).document.uri,
      new vscode.Position(0, 'plot.roc('.length),
      '(',
    );
    assert.equal(help?.signatures[help.activeSignature]?.label, 'roc(report: EvaluationReport): Chart');
  });

  it('puts squiggles on a misspelt member and on a wrong argument type, and updates them on edits', async () => {
    const editor = await notebookWith([...TEMPLATE, 'train.rowz', 'plot.roc(det)']);
    const nb = editor.notebook;
    const [misspelt, wrongArg] = await waitFor(
      'diagnostics in cells 9 and 10',
      () => {
        const a = diagnostics(nb.cellAt(8));
        const b = diagnostics(nb.cellAt(9));
        return a.length > 0 && b.length > 0 && [a, b];
      },
      60000,
    );
    assert.equal(misspelt.length, 1);
    assert.equal(misspelt[0].message, "Property 'rowz' does not exist on type 'Dataset'.");
    assert.equal(misspelt[0].severity, vscode.DiagnosticSeverity.Error);
    assert.deepEqual([misspelt[0].range.start.character, misspelt[0].range.end.character], [6, 10]);
    assert.equal(wrongArg.length, 1);
    assert.match(
      wrongArg[0].message,
      /^Argument of type 'Detector' is not assignable to parameter of type 'EvaluationReport'\./,
    );
    assert.deepEqual([wrongArg[0].range.start.character, wrongArg[0].range.end.character], [9, 12]);
    for (let i = 0; i < 8; i++)
      assert.deepEqual(
        diagnostics(nb.cellAt(i)),
        [],
        `cell ${i + 1}: ${diagnostics(nb.cellAt(i)).map((d) => d.message)}`,
      );

    // Fix the first, break another: the squiggles follow.
    const edit = new vscode.WorkspaceEdit();
    edit.replace(nb.cellAt(8).document.uri, new vscode.Range(0, 6, 0, 10), 'rowCount');
    edit.replace(nb.cellAt(7).document.uri, new vscode.Range(0, 0, 0, 4), 'plott');
    assert.ok(await vscode.workspace.applyEdit(edit));
    await waitFor(
      'diagnostics to follow the edit',
      () => diagnostics(nb.cellAt(8)).length === 0 && diagnostics(nb.cellAt(7)).length === 1,
      30000,
    );
    assert.match(diagnostics(nb.cellAt(7))[0].message, /^Cannot find name 'plott'\. Did you mean 'plot'\?/);
  });

  it('reports no false errors: top-level await, names of earlier cells, consts declared again', async () => {
    const cells = [
      ...TEMPLATE,
      // A cell run again, and another that declares the same names with other types.
      "const train = await load('samples/thyroid-train.csv', { label: 'class', normal: 'normal' });\ntrain.rowCount",
      "const rep = 'a string now';\nrep.toUpperCase()",
      'let det = 3;\ndet.toFixed(1)',
      'for await (const x of [Promise.resolve(1)]) x.toFixed();\nawait new Promise((r) => setTimeout(r, 1));',
      "display.markdown(`AUROC ${test.rowCount}`); display(train); await exportScores(new Detector(), test, 'scores.csv');",
      'const sentinel: number = "the only error";',
    ];
    const editor = await notebookWith(cells);
    const nb = editor.notebook;
    const last = nb.cellAt(cells.length - 1);
    await waitFor('the sentinel error in the last cell', () => diagnostics(last).length === 1, 60000);
    assert.equal(diagnostics(last)[0].message, "Type 'string' is not assignable to type 'number'.");
    for (let i = 0; i < cells.length - 1; i++) {
      assert.deepEqual(
        diagnostics(nb.cellAt(i)).map((d) => d.message),
        [],
        `cell ${i + 1}: ${cells[i]}`,
      );
    }
  });

  it('leaves notebooks of other kernels to VS Code', async () => {
    // A Jupyter notebook file without SynthAD's kernelspec, opened without an editor: no kernel is selected.
    // (Not an untitled notebook: VS Code gives a new one the URI, and so the kernel, of one closed before.)
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const uri = vscode.Uri.joinPath(folder, `other-kernel-${Date.now()}.ipynb`);
    const source = (
      text: string,
    ): { cell_type: string; metadata: object; source: string[]; outputs: []; execution_count: null } => ({
      cell_type: 'code',
      metadata: {},
      source: [text],
      outputs: [],
      execution_count: null,
    });
    await vscode.workspace.fs.writeFile(
      uri,
      Buffer.from(
        JSON.stringify({
          cells: [source("const train = await load('x.csv');"), source('train.rowz; const n: number = "s";\ntrain.')],
          metadata: { language_info: { name: 'typescript' } },
          nbformat: 4,
          nbformat_minor: 5,
        }),
      ),
    );
    const nb = await vscode.workspace.openNotebookDocument(uri);
    assert.equal(nb.cellAt(1).document.languageId, 'typescript');
    const { kernel } = await api();
    const items = (await completions(nb.cellAt(1).document, 1, 6, '.')).map(labelOf);
    assert.ok(!items.includes('rowCount'), `no Dataset members: [${items.join(', ')}]`);
    // VS Code's TypeScript extension reports the cell's syntax error (`train.`); SynthAD reports nothing.
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(kernel.isSelected(nb), false);
    assert.deepEqual(
      diagnostics(nb.cellAt(1))
        .filter((d) => d.source === 'SynthAD')
        .map((d) => d.message),
      [],
    );
  });

  it('keeps TypeScript out of the extension host (it runs in the IntelliSense thread)', () => {
    const loaded = Object.keys(require.cache).filter((f) =>
      /[\\/]node_modules[\\/]typescript[\\/]lib[\\/]typescript\.js$/.test(f),
    );
    assert.deepEqual(loaded, []);
  });
});
