/**
 * Every SynthAD command in a real VS Code, with its inputs supplied as arguments (the quick picks and
 * dialogs are what a person uses; tests pass the same answers directly).
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { CommandResult } from '../../src/extension/commands';
import { allText, api, outputsOf } from './helpers';

const run = async (command: string, args?: unknown): Promise<CommandResult> => {
  const r = await vscode.commands.executeCommand<CommandResult>(command, args);
  assert.ok(r, `${command} returned nothing`);
  assert.equal(r.result.ok, true, `${command} failed: ${allText(r.cell)}`);
  return r;
};

describe('SynthAD commands', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthad-cmd-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('are all registered', async () => {
    await api();
    const all = new Set(await vscode.commands.getCommands(true));
    for (const c of ['newNotebook', 'loadDataset', 'trainDetector', 'showScores', 'showRoc', 'exportScores', 'saveModel', 'loadModel', 'restartKernel', 'showBackend']) {
      assert.ok(all.has(`synthad.${c}`), `synthad.${c}`);
    }
  });

  it('Show Compute Backend names the backend, its library and the threads', async () => {
    await api();
    const detail = await vscode.commands.executeCommand<string>('synthad.showBackend');
    const cores = os.availableParallelism();
    assert.match(detail ?? '', new RegExp(`^blas: libopenblas\\.so\\.0 \\(OpenBLAS [0-9.]+[^)]*\\), ${cores > 1 ? `${cores} worker threads` : '1 thread'}$`));
  });

  it('load, train, plot, export, save and load a model, each inserting and running a cell', async () => {
    // With no notebook open, Load Dataset opens a new SynthAD notebook.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const load = await run('synthad.loadDataset', { sample: 'samples/thyroid-test.csv', label: 'class', normal: 'normal', variable: 't' });
    const nb = load.cell.notebook;
    assert.equal(nb.notebookType, 'jupyter-notebook');
    assert.equal(load.cell.document.getText(), "const t = await load(\"samples/thyroid-test.csv\", { label: \"class\", normal: \"normal\" });\nt");
    assert.match(outputsOf(load.cell, 'text/plain')[0], /3428 rows, \d+ columns, label 'class'/);

    const train = await run('synthad.trainDetector', { dataset: 't', known: ['hyperfunction'], epochs: 2, seed: 3, variable: 'd' });
    assert.equal(train.cell.document.getText(), 'const d = await new Detector({ known: ["hyperfunction"], epochs: 2, seed: 3 }).fit(t);\nd');
    assert.match(allText(train.cell), /VC-SA detector \(seed 3, known: \[hyperfunction\]\)/);
    assert.match(allText(train.cell), /epoch 2\/2/);
    // The fit summary names the backend, the library and the threads (Debian's OpenBLAS, installed by .ci/run).
    assert.match(allText(train.cell), /s on blas: libopenblas\.so\.0 \(OpenBLAS [0-9.]+[^)]*\), (\d+ worker threads|1 thread)/);

    const evalEdit = new vscode.WorkspaceEdit();
    evalEdit.set(nb.uri, [vscode.NotebookEdit.insertCells(nb.cellCount, [new vscode.NotebookCellData(vscode.NotebookCellKind.Code, 'const rep = d.evaluate(t);', 'typescript')])]);
    await vscode.workspace.applyEdit(evalEdit);
    await vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start: nb.cellCount - 1, end: nb.cellCount }], document: nb.uri });

    const scores = await run('synthad.showScores', { report: 'rep' });
    assert.match(outputsOf(scores.cell, 'text/markdown')[0], /\*\*Anomaly scores: VC-SA\*\*/);
    const roc = await run('synthad.showRoc', { report: 'rep' });
    assert.match(outputsOf(roc.cell, 'text/markdown')[0], /\| hyperfunction \(known\) \| 0\.\d{4} \|/);

    const csv = path.join(dir, 'scores.csv');
    await run('synthad.exportScores', { detector: 'd', dataset: 't', file: csv });
    const lines = fs.readFileSync(csv, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 3429);
    assert.match(lines[0], /,score,prediction$/);

    const folder = path.join(dir, 'model');
    await run('synthad.saveModel', { detector: 'd', folder });
    assert.ok(fs.existsSync(path.join(folder, 'synthad-model.json')));
    const loaded = await run('synthad.loadModel', { folder, variable: 'm' });
    assert.match(allText(loaded.cell), /VC-SA detector \(seed 3/);

    assert.equal(await vscode.commands.executeCommand('synthad.restartKernel'), true);
    const after = await run('synthad.loadDataset', { sample: 'samples/thyroid-test.csv', label: 'class', normal: 'normal' });
    assert.match(after.cell.document.getText(), /^const thyroidTest = /, 'after restart the default name is free again');
  });
});
