/**
 * The SynthAD kernel inside a real VS Code (code-server's extension host): cells, state, errors,
 * console streaming, interrupt, cancel, restart, affinity and what the saved .ipynb holds.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import {
  allText,
  api,
  ERROR,
  notebookWith,
  outputsOf,
  runCells,
  selectKernel,
  STDERR,
  STDOUT,
  waitFor,
} from './helpers';

const WORKSPACE = process.env.SYNTHAD_IT_WORKSPACE ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';

describe('SynthAD kernel in VS Code', () => {
  it('is offered for .ipynb and picked again for a notebook whose kernelspec names it', async () => {
    const { kernel } = await api();
    const nb = await vscode.workspace.openNotebookDocument(vscode.Uri.file(path.join(WORKSPACE, 'saved.ipynb')));
    assert.equal(nb.notebookType, 'jupyter-notebook');
    assert.equal(nb.cellAt(0).document.languageId, 'typescript');
    const editor = await vscode.window.showNotebookDocument(nb);
    // The kernelspec names SynthAD and no kernel is selected: SynthAD selects itself once the notebook is shown.
    await waitFor('SynthAD to select itself for the notebook that names it', () => kernel.isSelected(nb), 30000);
    await runCells(nb, 0, 1);
    assert.deepEqual(outputsOf(nb.cellAt(0), 'text/plain'), ['42']);
    assert.equal(kernel.controller.label, 'SynthAD (TypeScript)');
    assert.deepEqual(kernel.controller.supportedLanguages, ['typescript', 'javascript']);
    await selectKernel(editor);
  });

  it('keeps state across cells, supports top-level await and shows the last value', async () => {
    const editor = await notebookWith([
      'const base = 40;\nfunction plus(n: number): number { return base + n }',
      'const later = await new Promise<number>((r) => setTimeout(() => r(2), 20));\nplus(later)',
      'const base = 1;\nplus(1)',
    ]);
    const nb = editor.notebook;
    await runCells(nb, 0, 3);
    assert.deepEqual(outputsOf(nb.cellAt(1), 'text/plain'), ['42']);
    assert.deepEqual(outputsOf(nb.cellAt(2), 'text/plain'), ['2'], 'a redeclared const replaces the old value');
    assert.deepEqual(
      [0, 1, 2].map((i) => nb.cellAt(i).executionSummary?.executionOrder),
      [1, 2, 3],
    );
  });

  it('streams console output in order and shows an error with the cell line; the kernel lives on', async () => {
    const editor = await notebookWith([
      "console.log('one');\nconsole.error('two');\nconsole.log('three');\nconsole.log('four');",
      "const x = 1;\nconsole.log('before');\nthrow new RangeError('bad value ' + x);",
      'x + 1',
    ]);
    const nb = editor.notebook;
    await runCells(nb, 0, 3);
    const kinds = nb
      .cellAt(0)
      .outputs.map((o) =>
        o.items.map((i) => `${i.mime === STDOUT ? 'out' : 'err'}:${new TextDecoder().decode(i.data)}`).join(''),
      );
    assert.deepEqual(kinds, ['out:one\n', 'err:two\n', 'out:three\nfour\n']);
    const err = nb.cellAt(1);
    assert.equal(err.executionSummary?.success, false);
    assert.deepEqual(outputsOf(err, STDOUT), ['before\n']);
    const error = JSON.parse(outputsOf(err, ERROR)[0]) as { name: string; message: string; stack: string };
    assert.equal(error.name, 'RangeError');
    assert.equal(error.message, 'bad value 1');
    assert.match(error.stack, /In\[\d+\]:3:7/);
    assert.deepEqual(outputsOf(nb.cellAt(2), 'text/plain'), ['2']);
  });

  it('interrupt of a busy loop restarts the kernel after the grace period and says so', async () => {
    const editor = await notebookWith(['const kept = 1;', 'while (true) {}', 'typeof kept']);
    const nb = editor.notebook;
    await runCells(nb, 0, 1);
    void vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start: 1, end: 2 }], document: nb.uri });
    await new Promise((r) => setTimeout(r, 1000));
    await vscode.commands.executeCommand('notebook.cancelExecution', { document: nb.uri });
    await waitFor('the loop cell to end', () => nb.cellAt(1).executionSummary?.success !== undefined, 20000);
    assert.equal(nb.cellAt(1).executionSummary?.success, false);
    assert.match(
      outputsOf(nb.cellAt(1), STDERR).join(''),
      /The kernel was restarted because the cell did not stop within 5 s of the interrupt; all variables were cleared\./,
    );
    await runCells(nb, 2, 3);
    assert.deepEqual(outputsOf(nb.cellAt(2), 'text/plain'), ["'undefined'"]);
  });

  it('cancel stops training after the current batch and keeps the best weights', async () => {
    const editor = await notebookWith([
      "const tr = await load('samples/thyroid-train.csv', { label: 'class', normal: 'normal' });\n" +
        // Long enough to be stopped mid-way: on the blas backend an epoch of this file takes about 0.1 s.
        "const slow = await new Detector({ method: 'vcsa', known: ['hyperfunction'], epochs: 2000, patience: 2000 }).fit(tr);\nslow",
      'slow.isFitted',
    ]);
    const nb = editor.notebook;
    void vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start: 0, end: 1 }], document: nb.uri });
    // The progress line is updated in place every epoch: wait for any epoch from the second on.
    await waitFor(
      'live training progress',
      () => outputsOf(nb.cellAt(0), 'text/plain').some((t) => Number(/epoch (\d+)\/2000/.exec(t)?.[1] ?? 0) >= 2),
      120000,
    );
    await vscode.commands.executeCommand('notebook.cancelExecution', { document: nb.uri });
    await waitFor('training to stop', () => nb.cellAt(0).executionSummary?.success !== undefined, 30000);
    const text = allText(nb.cellAt(0));
    assert.match(text, /Training stopped after epoch \d+; kept the best weights \(epoch \d+\)/);
    assert.match(text, /stopped by the user/);
    await runCells(nb, 1, 2);
    assert.deepEqual(outputsOf(nb.cellAt(1), 'text/plain'), ['true']);
  });

  it('Restart Kernel clears the state', async () => {
    const editor = await notebookWith(['const survivor = 5;', 'typeof survivor']);
    const nb = editor.notebook;
    await runCells(nb, 0, 1);
    assert.equal(await vscode.commands.executeCommand('synthad.restartKernel'), true);
    await runCells(nb, 1, 2);
    assert.deepEqual(outputsOf(nb.cellAt(1), 'text/plain'), ["'undefined'"]);
    assert.equal(nb.cellAt(1).executionSummary?.executionOrder, 1, 'execution order restarts at 1');
  });

  it('saves outputs into the .ipynb with fallbacks (table, report, stream, error, chart PNG)', async () => {
    const file = path.join(WORKSPACE, 'saved.ipynb');
    const nb = await vscode.workspace.openNotebookDocument(vscode.Uri.file(file));
    const editor = await vscode.window.showNotebookDocument(nb);
    await selectKernel(editor);
    await runCells(nb, 0, 5);
    assert.ok(await nb.save(), 'notebook saved');
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      cells: Array<{
        outputs: Array<{
          output_type: string;
          data?: Record<string, unknown>;
          name?: string;
          text?: string | string[];
          ename?: string;
        }>;
      }>;
      metadata: { kernelspec: { name: string } };
    };
    assert.equal(saved.metadata.kernelspec.name, 'synthad');
    const [c0, c1, c2, c3, c4] = saved.cells.map((c) => c.outputs);
    assert.deepEqual(
      c0.map((o) => o.output_type),
      ['execute_result'],
    );
    assert.ok(c1[0].data?.['text/html'] && c1[0].data?.['text/plain'], 'dataset: html table and text');
    const report = c2.find((o) => o.data?.['application/vnd.synthad.report+json'])!;
    assert.match(String(report.data!['text/markdown']), /\| all \| 250 \|/);
    assert.match(String(report.data!['text/plain']), /AUROC/);
    assert.deepEqual(
      c3.map((o) => o.output_type),
      ['stream', 'error'],
    );
    assert.equal(c3[1].ename, 'TypeError');
    // A chart: the renderer's JSON, a PNG for GitHub and Jupyter (base64 in the file), and markdown.
    const png = Buffer.from(String(c4[0].data!['image/png']), 'base64');
    assert.equal(png.readUInt32BE(0), 0x89504e47);
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [800, 450]);
    assert.match(String(c4[0].data!['text/markdown']), /\*\*ROC: Isolation Forest\*\*/);
    assert.ok(c4[0].data!['application/vnd.synthad.chart+json']);
  });
});
