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
    for (const c of [
      'newNotebook',
      'loadDataset',
      'trainDetector',
      'showScores',
      'showRoc',
      'exportScores',
      'saveModel',
      'loadModel',
      'restartKernel',
      'showBackend',
    ]) {
      assert.ok(all.has(`synthad.${c}`), `synthad.${c}`);
    }
  });

  it('Show Compute Backend names the backend, its library and the threads', async () => {
    await api();
    const detail = await vscode.commands.executeCommand<string>('synthad.showBackend');
    const cores = os.availableParallelism();
    assert.match(
      detail ?? '',
      new RegExp(
        `^blas: libopenblas\\.so\\.0 \\(OpenBLAS [0-9.]+[^)]*\\), ${cores > 1 ? `${cores} worker threads` : '1 thread'}$`,
      ),
    );
  });

  it('load, train, plot, export, save and load a model, each inserting and running a cell', async () => {
    // With no notebook open, Load Dataset opens a new SynthAD notebook.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const load = await run('synthad.loadDataset', {
      sample: 'samples/thyroid-test.csv',
      label: 'class',
      normal: 'normal',
      variable: 't',
    });
    const nb = load.cell.notebook;
    assert.equal(nb.notebookType, 'jupyter-notebook');
    assert.equal(
      load.cell.document.getText(),
      'const t = await load("samples/thyroid-test.csv", { label: "class", normal: "normal" });\nt',
    );
    assert.match(outputsOf(load.cell, 'text/plain')[0], /3428 rows, \d+ columns, label 'class'/);

    const train = await run('synthad.trainDetector', {
      dataset: 't',
      known: ['hyperfunction'],
      method: 'vcsa',
      epochs: 2,
      seed: 3,
      variable: 'd',
    });
    assert.equal(
      train.cell.document.getText(),
      'const d = await new Detector({ known: ["hyperfunction"], epochs: 2, seed: 3, method: "vcsa" }).fit(t);\nd',
    );
    assert.match(allText(train.cell), /VC-SA detector \(seed 3, known: \[hyperfunction\]\)/);
    assert.match(allText(train.cell), /epoch 2\/2/);
    // The fit summary names the backend, the library and the threads (Debian's OpenBLAS, installed by .ci/run).
    assert.match(
      allText(train.cell),
      /s on blas: libopenblas\.so\.0 \(OpenBLAS [0-9.]+[^)]*\), (\d+ worker threads|1 thread)/,
    );
    // With a kernel running in the active notebook, that kernel answers Show Compute Backend, in the words of the fit summary.
    const detail = await vscode.commands.executeCommand<string>('synthad.showBackend');
    assert.ok(detail && allText(train.cell).includes(`s on ${detail}`), `${detail} is not where the detector trained`);

    const evalEdit = new vscode.WorkspaceEdit();
    evalEdit.set(nb.uri, [
      vscode.NotebookEdit.insertCells(nb.cellCount, [
        new vscode.NotebookCellData(vscode.NotebookCellKind.Code, 'const rep = d.evaluate(t);', 'typescript'),
      ]),
    ]);
    await vscode.workspace.applyEdit(evalEdit);
    await vscode.commands.executeCommand('notebook.cell.execute', {
      ranges: [{ start: nb.cellCount - 1, end: nb.cellCount }],
      document: nb.uri,
    });

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
    const after = await run('synthad.loadDataset', {
      sample: 'samples/thyroid-test.csv',
      label: 'class',
      normal: 'normal',
    });
    assert.match(
      after.cell.document.getText(),
      /^const thyroidTest = /,
      'after restart the default name is free again',
    );
  });

  it('Load Dataset offers the columns and label values of a one-line JSON array of 8 MB in its pickers', async () => {
    const file = path.join(dir, 'big-one-line.json');
    const rows = Array.from({ length: 160000 }, (_, i) => ({
      status: i % 9 === 0 ? 'odd' : 'fine',
      value: i,
      note: `record {${i}} "quoted"`,
    }));
    fs.writeFileSync(file, JSON.stringify(rows));
    assert.ok(fs.statSync(file).size > 8 * 1024 * 1024);
    const lags: number[] = [];
    // Answers each quick pick with its first item while the command runs.
    const answerFirst = async (args: object): Promise<CommandResult> => {
      const done = Promise.resolve(vscode.commands.executeCommand<CommandResult>('synthad.loadDataset', args));
      let finished = false;
      void done.finally(() => {
        finished = true;
      });
      while (!finished) {
        const t = performance.now();
        await new Promise((r) => setTimeout(r, 100));
        lags.push(performance.now() - t - 100);
        await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      }
      return done;
    };
    // The label column picker's first item is "(no label: unsupervised)": a load cell without options.
    const none = await answerFirst({ path: file, variable: 'bigNoLabel' });
    assert.equal(none.cell.document.getText(), `const bigNoLabel = await load(${JSON.stringify(file)});\nbigNoLabel`);
    assert.equal(none.result.ok, true, allText(none.cell));
    // With the column given, the value picker offers its most frequent value ('fine') first.
    const r = await answerFirst({ path: file, label: 'status', variable: 'big' });
    assert.equal(
      r.cell.document.getText(),
      `const big = await load(${JSON.stringify(file)}, { label: "status", normal: "fine" });\nbig`,
    );
    assert.equal(r.result.ok, true, allText(r.cell));
    assert.match(outputsOf(r.cell, 'text/plain')[0], /160000 rows/);
    console.log(`      event-loop lag while the pickers ran: max ${Math.max(...lags).toFixed(0)} ms`);
  });

  it('load a CSV without labels and train on it unsupervised (label: null / unsupervised: true)', async () => {
    const file = path.join(dir, 'no-label.csv');
    const lines = ['a,b,colour'];
    for (let i = 0; i < 200; i++)
      lines.push(
        `${(Math.sin(i) * 0.5).toFixed(3)},${(Math.cos(i * 0.7) * 0.5).toFixed(3)},${i % 3 === 0 ? 'red' : 'blue'}`,
      );
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const load = await run('synthad.loadDataset', { path: file, label: null, variable: 'u' });
    assert.equal(load.cell.document.getText(), `const u = await load(${JSON.stringify(file)});\nu`);
    assert.match(outputsOf(load.cell, 'text/plain')[0], /200 rows, 3 columns$/m);
    const again = await run('synthad.loadDataset', { path: file, unsupervised: true, variable: 'u2' });
    assert.equal(again.cell.document.getText(), `const u2 = await load(${JSON.stringify(file)});\nu2`);

    // No known types asked for: the dataset has no label column.
    const train = await run('synthad.trainDetector', {
      dataset: 'u',
      method: 'vcsa',
      epochs: 2,
      seed: 0,
      variable: 'du',
    });
    assert.equal(
      train.cell.document.getText(),
      'const du = await new Detector({ seed: 0, epochs: 2, method: "vcsa" }).fit(u);\ndu',
    );
    assert.match(
      allText(train.cell),
      /VC-SA detector \(seed 0, known: all\)\nfitted on .*no-label\.csv: \d+ training rows, 2 epochs/,
    );
    // The default detector (the ensemble) on unlabelled data: no epochs, members weighed equally.
    const forced = await run('synthad.trainDetector', {
      dataset: 'u2',
      unsupervised: true,
      method: 'auto',
      seed: 1,
      variable: 'du2',
    });
    assert.equal(
      forced.cell.document.getText(),
      'const du2 = await new Detector({ seed: 1, method: "auto" }).fit(u2);\ndu2',
    );
    assert.match(allText(forced.cell), /Ensemble \(GBT-SA, GBT, Isolation Forest\) detector \(seed 1, known: all\)/);
    assert.match(allText(forced.cell), /GBT-SA: weight 0\.50 \(no known anomalies to weigh it by: equal weights\)/);
    assert.match(allText(forced.cell), /fitted on .*no-label\.csv/);
    await assert.rejects(
      Promise.resolve(vscode.commands.executeCommand('synthad.loadDataset', { path: file, unsupervised: 'yes' })),
      /unsupervised must be true or false/,
    );
  });

  it('never turn arguments into code: values are quoted, variable names must be identifiers', async () => {
    const marker = path.join(dir, 'pwned');
    const label = 'x"); process.exit(1); ("';
    const normal = `"); require("fs").writeFileSync(${JSON.stringify(marker)}, "pwned"); ("`;
    const r = await vscode.commands.executeCommand<CommandResult>('synthad.loadDataset', {
      sample: 'samples/thyroid-test.csv',
      label,
      normal,
      variable: 'h',
    });
    const nb = r.cell.notebook;
    assert.equal(
      r.cell.document.getText(),
      `const h = await load("samples/thyroid-test.csv", { label: ${JSON.stringify(label)}, normal: ${JSON.stringify(normal)} });\nh`,
    );
    // The label is looked up as a column name (and not found); nothing else ran, the kernel lives on.
    assert.equal(r.result.ok, false);
    assert.ok(!r.result.restarted, 'the kernel process exited');
    assert.match(allText(r.cell), /process\.exit\(1\)/);
    assert.equal(fs.existsSync(marker), false, 'an argument ran as code');

    const cells = nb.cellCount;
    const rejects = async (command: string, args: unknown, message: RegExp): Promise<void> => {
      await assert.rejects(Promise.resolve(vscode.commands.executeCommand(command, args)), message, command);
      assert.equal(nb.cellCount, cells, `${command} inserted a cell`);
    };
    await rejects(
      'synthad.loadDataset',
      { sample: 'samples/thyroid-test.csv', label: 'class', normal: 'normal', variable: 'a;b' },
      /variable "a;b" is not a JavaScript identifier/,
    );
    await rejects(
      'synthad.loadDataset',
      { sample: 'samples/thyroid-test.csv', label: 'class', normal: 'normal', variable: 'class' },
      /variable "class" is a reserved word/,
    );
    await rejects(
      'synthad.trainDetector',
      { dataset: 't); process.exit(1); (t', known: [], method: 'vcsa', epochs: 1, seed: 0, variable: 'd2' },
      /dataset "t\); process\.exit\(1\); \(t" is not a JavaScript identifier/,
    );
    await rejects(
      'synthad.trainDetector',
      { dataset: 't', known: [], method: 'vcsa', epochs: '1 }).fit(t); process.exit(1); ({', seed: 0 },
      /epochs must be a whole number/,
    );
    await rejects('synthad.showRoc', { report: 'rep; process.exit(1)' }, /report .* is not a JavaScript identifier/);
    await rejects(
      'synthad.exportScores',
      { detector: 'd', dataset: 't', file: { toString: () => '"); process.exit(1); ("' } },
      /file must be a string/,
    );
    await rejects(
      'synthad.saveModel',
      { detector: 'process.exit(1)||d', folder: 'm' },
      /detector .* is not a JavaScript identifier/,
    );
    await rejects(
      'synthad.loadModel',
      { folder: 'm', variable: 'm = process.exit(1)' },
      /variable .* is not a JavaScript identifier/,
    );

    const still = await run('synthad.loadDataset', {
      sample: 'samples/thyroid-test.csv',
      label: 'class',
      normal: 'normal',
      variable: 'ok1',
    });
    assert.match(outputsOf(still.cell, 'text/plain')[0], /3428 rows/);
  });
});
