/**
 * The Command Palette: each command gathers its inputs (quick picks, dialogs; or arguments, which is
 * how tests and keybindings supply them), then inserts a code cell into the active SynthAD notebook and
 * runs it, so what a command did stays visible and re-runnable in the notebook.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { CONTROLLER_ID, EXTENSION_ID, NOTEBOOK_TYPE, KernelController } from './kernelController';
import { emptyNotebook, templateNotebook } from './template';
import { FilePeek, peekFile, peekValues } from '../core/data/peek';
import type { ExecutionResult } from './kernelSession';
import type { VariableInfo } from '../common/protocol';
import { formatSeconds } from '../common/format';
import { METHOD_CHOICES } from '../common/methods';
import { resolveDataPath } from '../core/data/paths';
import {
  CommandArgumentError,
  exportCellCode,
  identifier,
  identifierFrom,
  loadCellCode,
  loadModelCellCode,
  normalValue,
  plotCellCode,
  saveModelCellCode,
  text,
  textList,
  trainCellCode,
  wholeNumber,
} from './codegen';

export { identifierFrom };

const DATA_FILTERS = { 'Data files': ['csv', 'tsv', 'txt', 'json', 'jsonl', 'ndjson'] };
const SAMPLES = [
  { label: 'Thyroid (train)', file: 'samples/thyroid-train.csv', labelColumn: 'class', normal: 'normal' },
  { label: 'Thyroid (test)', file: 'samples/thyroid-test.csv', labelColumn: 'class', normal: 'normal' },
];

/** What a command did: the cell it inserted and how running it went. */
export interface CommandResult {
  readonly cell: vscode.NotebookCell;
  readonly result: ExecutionResult;
}

/**
 * Load Dataset's arguments. No label column (data without labels, trained unsupervised): `label: null`
 * (or `label: ''`), or `unsupervised: true`; the cell is then `const x = await load("file.csv");`.
 */
export interface LoadArgs {
  readonly path?: string;
  readonly sample?: string;
  readonly label?: string | null;
  readonly normal?: string | number | Array<string | number>;
  readonly unsupervised?: boolean;
  readonly variable?: string;
}
/**
 * Train Detector's arguments. On a dataset loaded without a label column no known types are asked for
 * and the cell leaves `known` out; `unsupervised: true` does the same for any dataset.
 */
export interface TrainArgs {
  readonly dataset?: string;
  readonly known?: string[];
  readonly unsupervised?: boolean;
  readonly epochs?: number;
  readonly seed?: number;
  readonly method?: string;
  readonly variable?: string;
}
export interface ReportArgs {
  readonly report?: string;
}
export interface ExportArgs {
  readonly detector?: string;
  readonly dataset?: string;
  readonly file?: string;
}
export interface ModelArgs {
  readonly detector?: string;
  readonly folder?: string;
  readonly variable?: string;
}

export function registerCommands(context: vscode.ExtensionContext, kernel: KernelController): void {
  // Commands take whatever VS Code or a test passes; each checks its own arguments (checkArgs).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const reg = (id: string, fn: (...args: any[]) => unknown): void => {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await fn(...args);
        } catch (err) {
          if (err instanceof Cancelled) return undefined;
          void vscode.window.showErrorMessage(`SynthAD: ${(err as Error).message}`);
          throw err;
        }
      }),
    );
  };
  const c = new Commands(context, kernel);
  reg('synthad.newNotebook', () => c.newNotebook());
  reg('synthad.loadDataset', (a?: LoadArgs) => c.loadDataset(a ?? {}));
  reg('synthad.trainDetector', (a?: TrainArgs) => c.trainDetector(a ?? {}));
  reg('synthad.showScores', (a?: ReportArgs) => c.plotReport('scores', a ?? {}));
  reg('synthad.showRoc', (a?: ReportArgs) => c.plotReport('roc', a ?? {}));
  reg('synthad.exportScores', (a?: ExportArgs) => c.exportScores(a ?? {}));
  reg('synthad.saveModel', (a?: ModelArgs) => c.saveModel(a ?? {}));
  reg('synthad.loadModel', (a?: ModelArgs) => c.loadModel(a ?? {}));
  reg('synthad.restartKernel', () => c.restartKernel());
}

/** Names the kernel puts in every cell's scope: a generated variable never takes one. */
const KERNEL_GLOBALS = ['load', 'Detector', 'plot', 'display', 'exportScores', 'tf', 'dfd', 'require'];

/** Checks the arguments that were given (undefined ones are asked for later), before anything happens. */
function checkArgs(a: object, kinds: Readonly<Record<string, (v: unknown, what: string) => unknown>>): void {
  for (const [key, check] of Object.entries(kinds)) {
    const v = (a as Record<string, unknown>)[key];
    if (v !== undefined) check(v, key);
  }
}

/** The label-column pick that loads the data without labels. */
const NO_LABEL = '(no label: unsupervised)';

/** A true/false argument, or a CommandArgumentError. */
function flag(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') throw new CommandArgumentError(`${what} must be true or false, got ${typeof value}`);
  return value;
}

/** The user closed a picker: the command stops quietly. */
class Cancelled extends Error {}

function need<T>(value: T | undefined): T {
  if (value === undefined) throw new Cancelled();
  return value;
}

class Commands {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly kernel: KernelController,
  ) {}

  async newNotebook(): Promise<vscode.NotebookDocument> {
    const nb = await vscode.workspace.openNotebookDocument(NOTEBOOK_TYPE, templateNotebook());
    const editor = await vscode.window.showNotebookDocument(nb);
    await this.select(editor);
    return nb;
  }

  async loadDataset(a: LoadArgs): Promise<CommandResult> {
    checkArgs(a, {
      path: text,
      sample: text,
      label: (v, w) => (v === null ? v : text(v, w)),
      normal: normalValue,
      unsupervised: flag,
      variable: identifier,
    });
    let file = a.path,
      normal = a.normal;
    let label = a.unsupervised === true || a.label === null ? '' : a.label;
    if (!file && a.sample) file = a.sample;
    if (!file) {
      const pick = need(
        await vscode.window.showQuickPick(
          [{ label: '$(folder-opened) Browse…', file: '' }, ...SAMPLES.map((s) => ({ ...s, description: s.file }))],
          { title: 'Load dataset', placeHolder: 'A CSV/TSV/JSON/JSONL file or a bundled sample' },
        ),
      );
      if (pick.file) {
        file = pick.file;
        const sample = SAMPLES.find((s) => s.file === pick.file)!;
        label ??= sample.labelColumn;
        normal ??= sample.normal;
      } else {
        const uris = need(
          await vscode.window.showOpenDialog({ canSelectMany: false, filters: DATA_FILTERS, title: 'Load dataset' }),
        );
        file = need(uris[0]).fsPath;
      }
    }
    const editor = await this.notebookEditor();
    const full = this.absolute(file, editor.notebook);
    // Read the file's head once, only when a picker needs it, asynchronously: about 1 MB (PEEK_BYTES), more when the
    // first record is longer, never past MAX_PEEK_BYTES (16 MB).
    let peeked: Promise<FilePeek> | undefined;
    const peek = (): Promise<FilePeek> => (peeked ??= peekFile(full));
    if (label === undefined) {
      const columns = (await peek()).columns;
      const pick = need(
        await vscode.window.showQuickPick(
          [
            {
              label: NO_LABEL,
              description: 'every row trains as normal; score, top rows and plot.scores(det, data)',
              column: '',
            },
            ...columns.map((c) => ({ label: c, column: c })),
          ],
          {
            title: `Label column of ${path.basename(full)}`,
            placeHolder: 'The column that says normal or which anomaly type, or none',
          },
        ),
      );
      label = pick.column;
    }
    if (label && normal === undefined) {
      const values = peekValues(await peek(), label);
      const pick = need(
        await vscode.window.showQuickPick(
          values.map((v) => ({ label: v.value, description: `${v.count} rows in the first part of the file` })),
          { title: `Which value of '${label}' means normal?` },
        ),
      );
      normal = pick.label;
    }
    const variable =
      a.variable ??
      (await this.freshName(editor.notebook, identifierFrom(path.basename(file).replace(/\.[^.]+$/, ''))));
    return this.insertAndRun(
      editor,
      loadCellCode({ variable, file: this.relative(file, editor.notebook), label, normal }),
    );
  }

  async trainDetector(a: TrainArgs): Promise<CommandResult> {
    checkArgs(a, {
      dataset: identifier,
      known: textList,
      unsupervised: flag,
      epochs: (v, w) => wholeNumber(v, w, 1),
      seed: (v, w) => wholeNumber(v, w, 0),
      method: text,
      variable: identifier,
    });
    const editor = await this.notebookEditor();
    const vars = await this.kernel.session(editor.notebook).variables();
    const datasets = vars.filter((v) => v.kind === 'dataset');
    const dataset =
      a.dataset ??
      need(
        await pickVariable(
          datasets,
          'Train on which dataset?',
          'No dataset in the kernel yet: run "SynthAD: Load Dataset…" first.',
        ),
      ).name;
    const info = datasets.find((d) => d.name === dataset);
    // No label column (or asked for): unsupervised, the cell leaves `known` out.
    const unlabelled = a.unsupervised === true || (a.known === undefined && info !== undefined && !info.labelColumn);
    let known = unlabelled ? undefined : a.known;
    if (!known && !unlabelled) {
      const types = (info?.labelValues ?? []).filter((v) => !(info?.normalValues ?? []).includes(v));
      const picks = need(
        await vscode.window.showQuickPick(
          types.map((t) => ({ label: t, picked: true })),
          {
            canPickMany: true,
            title: `Known anomaly types (normal: ${(info?.normalValues ?? []).join(', ')}, set when the dataset was loaded)`,
            placeHolder: 'Types to train on; the others are held out (none = unsupervised)',
          },
        ),
      );
      known = picks.map((p) => p.label);
    }
    const method =
      a.method ??
      need(
        await vscode.window.showQuickPick(
          METHOD_CHOICES.map((c) => ({ label: c.label, detail: c.detail, method: c.method })),
          { title: 'Detector', placeHolder: 'Which detector to train (the ensemble is the default)' },
        ),
      ).method;
    const cfg = vscode.workspace.getConfiguration('synthad', editor.notebook.uri);
    // Only the MLP trains in epochs: the others get no epochs option.
    const withEpochs = METHOD_CHOICES.find((c) => c.method === method)?.epochs ?? false;
    const epochs =
      a.epochs ??
      (!withEpochs
        ? undefined
        : Number(
            need(
              await vscode.window.showInputBox({
                title: 'Most epochs',
                value: String(cfg.get('maxEpochs', 200)),
                validateInput: (v) => (/^[1-9]\d*$/.test(v) ? undefined : 'a whole number ≥ 1'),
              }),
            ),
          ));
    const seed =
      a.seed ??
      Number(
        need(
          await vscode.window.showInputBox({
            title: 'Seed',
            value: String(cfg.get('seed', 0)),
            validateInput: (v) => (/^\d+$/.test(v) ? undefined : 'a whole number ≥ 0'),
          }),
        ),
      );
    const variable = a.variable ?? (await this.freshName(editor.notebook, 'detector'));
    const code = trainCellCode({ variable, dataset, known, epochs, seed, method });
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `SynthAD: training on ${dataset}`, cancellable: true },
      async (progress, token) => {
        const stop = token.onCancellationRequested(() => this.kernel.interrupt(editor.notebook));
        try {
          return await this.insertAndRun(editor, code, (cell) =>
            this.kernel.onProgress(cell, (p) =>
              progress.report({
                message: `${p.member ? `${p.member}: ` : ''}${p.unit} ${p.epoch}/${p.maxEpochs}, loss ${p.loss.toFixed(4)}, val loss ${p.valLoss.toFixed(4)}, ${formatSeconds(p.seconds)}`,
                increment: 100 / p.maxEpochs,
              }),
            ),
          );
        } finally {
          stop.dispose();
        }
      },
    );
  }

  async plotReport(kind: 'scores' | 'roc', a: ReportArgs): Promise<CommandResult> {
    checkArgs(a, { report: identifier });
    const editor = await this.notebookEditor();
    const report =
      a.report ??
      need(
        await pickVariable(
          (await this.kernel.session(editor.notebook).variables()).filter((v) => v.kind === 'report'),
          'Which evaluation report?',
          'No evaluation report in the kernel yet: run `const rep = detector.evaluate(test)` first.',
        ),
      ).name;
    return this.insertAndRun(editor, plotCellCode(kind, report));
  }

  async exportScores(a: ExportArgs): Promise<CommandResult> {
    checkArgs(a, { detector: identifier, dataset: identifier, file: text });
    const editor = await this.notebookEditor();
    const vars = await this.kernel.session(editor.notebook).variables();
    const detector =
      a.detector ??
      need(
        await pickVariable(
          vars.filter((v) => v.kind === 'detector' && v.fitted),
          'Score with which detector?',
          'No fitted detector in the kernel yet.',
        ),
      ).name;
    const dataset =
      a.dataset ??
      need(
        await pickVariable(
          vars.filter((v) => v.kind === 'dataset'),
          'Score which dataset?',
          'No dataset in the kernel yet.',
        ),
      ).name;
    const file =
      a.file ??
      need(
        await vscode.window.showSaveDialog({
          filters: { CSV: ['csv'] },
          title: 'Export scores to CSV',
          defaultUri: vscode.Uri.file(path.join(this.folderOf(editor.notebook), `${dataset}-scores.csv`)),
        }),
      ).fsPath;
    return this.insertAndRun(editor, exportCellCode(detector, dataset, this.relative(file, editor.notebook)));
  }

  async saveModel(a: ModelArgs): Promise<CommandResult> {
    checkArgs(a, { detector: identifier, folder: text });
    const editor = await this.notebookEditor();
    const detector =
      a.detector ??
      need(
        await pickVariable(
          (await this.kernel.session(editor.notebook).variables()).filter((v) => v.kind === 'detector' && v.fitted),
          'Save which detector?',
          'No fitted detector in the kernel yet.',
        ),
      ).name;
    const folder =
      a.folder ??
      need(
        await vscode.window.showSaveDialog({
          title: 'Save model as a folder',
          defaultUri: vscode.Uri.file(path.join(this.folderOf(editor.notebook), `${detector}-model`)),
        }),
      ).fsPath;
    return this.insertAndRun(editor, saveModelCellCode(detector, this.relative(folder, editor.notebook)));
  }

  async loadModel(a: ModelArgs): Promise<CommandResult> {
    checkArgs(a, { folder: text, variable: identifier });
    const editor = await this.notebookEditor();
    const folder =
      a.folder ??
      need(
        need(
          await vscode.window.showOpenDialog({
            canSelectFolders: true,
            canSelectFiles: false,
            title: 'Load a saved SynthAD model',
          }),
        )[0],
      ).fsPath;
    const variable = a.variable ?? (await this.freshName(editor.notebook, 'model'));
    return this.insertAndRun(editor, loadModelCellCode(variable, this.relative(folder, editor.notebook)));
  }

  async restartKernel(): Promise<boolean> {
    const editor = vscode.window.activeNotebookEditor;
    if (!editor || !this.kernel.hasSession(editor.notebook)) {
      void vscode.window.showInformationMessage('SynthAD: no running kernel in the active notebook.');
      return false;
    }
    await this.kernel.restart(editor.notebook);
    void vscode.window.showInformationMessage('SynthAD: kernel restarted; all variables were cleared.');
    return true;
  }

  /** The active .ipynb editor with the SynthAD kernel selected; a new SynthAD notebook when there is none. */
  private async notebookEditor(): Promise<vscode.NotebookEditor> {
    let editor = vscode.window.activeNotebookEditor;
    if (!editor || editor.notebook.notebookType !== NOTEBOOK_TYPE) {
      const nb = await vscode.workspace.openNotebookDocument(NOTEBOOK_TYPE, emptyNotebook());
      editor = await vscode.window.showNotebookDocument(nb);
    }
    await this.select(editor);
    return editor;
  }

  private async select(editor: vscode.NotebookEditor): Promise<void> {
    this.kernel.preferIfOurs(editor.notebook);
    if (this.kernel.isSelected(editor.notebook)) return;
    await vscode.commands.executeCommand('notebook.selectKernel', {
      editor,
      id: CONTROLLER_ID,
      extension: EXTENSION_ID,
    });
    for (let i = 0; i < 100 && !this.kernel.isSelected(editor.notebook); i++)
      await new Promise((r) => setTimeout(r, 50));
    if (!this.kernel.isSelected(editor.notebook))
      throw new Error('could not select the SynthAD kernel for this notebook');
  }

  /** Appends a code cell (replacing a lone empty cell) and runs it with the SynthAD kernel. */
  private async insertAndRun(
    editor: vscode.NotebookEditor,
    code: string,
    watch?: (cell: vscode.NotebookCell) => vscode.Disposable,
  ): Promise<CommandResult> {
    const nb = editor.notebook;
    const lone =
      nb.cellCount === 1 &&
      nb.cellAt(0).kind === vscode.NotebookCellKind.Code &&
      nb.cellAt(0).document.getText().trim() === '';
    const index = lone ? 0 : nb.cellCount;
    const edit = new vscode.WorkspaceEdit();
    const cellData = new vscode.NotebookCellData(vscode.NotebookCellKind.Code, code, 'typescript');
    edit.set(nb.uri, [
      lone
        ? vscode.NotebookEdit.replaceCells(new vscode.NotebookRange(0, 1), [cellData])
        : vscode.NotebookEdit.insertCells(index, [cellData]),
    ]);
    if (!(await vscode.workspace.applyEdit(edit))) throw new Error('could not insert a cell into the notebook');
    const cell = nb.cellAt(index);
    editor.revealRange(new vscode.NotebookRange(index, index + 1));
    const watcher = watch?.(cell);
    try {
      const [result] = await this.kernel.execute([cell], nb);
      return { cell, result };
    } finally {
      watcher?.dispose();
    }
  }

  private folderOf(nb: vscode.NotebookDocument): string {
    if (nb.uri.scheme === 'file') return path.dirname(nb.uri.fsPath);
    return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? this.context.extensionUri.fsPath;
  }

  /** Path as the kernel resolves it: relative to the notebook's folder, `samples/` falling back to the bundled ones. */
  private absolute(file: string, nb: vscode.NotebookDocument): string {
    return resolveDataPath(file, {
      cwd: this.folderOf(nb),
      samplesDir: vscode.Uri.joinPath(this.context.extensionUri, 'samples').fsPath,
    });
  }

  /** A path for generated code: relative when inside the notebook's folder, else absolute. */
  private relative(file: string, nb: vscode.NotebookDocument): string {
    if (!path.isAbsolute(file)) return file;
    const rel = path.relative(this.folderOf(nb), file);
    return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : file;
  }

  /** `base`, or `base2`, `base3`… when the kernel already has that name (or it is one of the kernel's own). */
  private async freshName(nb: vscode.NotebookDocument, base: string): Promise<string> {
    const taken = new Set(KERNEL_GLOBALS);
    if (this.kernel.hasSession(nb)) for (const v of await this.kernel.session(nb).variables()) taken.add(v.name);
    let name = base;
    for (let i = 2; taken.has(name); i++) name = `${base}${i}`;
    return name;
  }
}

async function pickVariable(
  vars: ReadonlyArray<VariableInfo>,
  title: string,
  none: string,
): Promise<VariableInfo | undefined> {
  if (vars.length === 0) throw new Error(none);
  if (vars.length === 1) return vars[0];
  const pick = await vscode.window.showQuickPick(
    vars.map((v) => ({ label: v.name, description: v.detail, v })),
    { title },
  );
  return pick?.v;
}
