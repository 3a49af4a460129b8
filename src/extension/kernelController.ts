/**
 * The SynthAD notebook kernel as VS Code sees it: a NotebookController for .ipynb whose cells run in a kernel
 * process per notebook (src/kernel), as Jupyter's do: a crash or a memory blow-up in a cell ends that kernel,
 * never the extension host. This class owns the controller and the sessions (kernelSession.ts, one per
 * notebook) and turns kernel messages into cell outputs; it knows nothing about anomaly detection.
 */
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { KernelSession, ExecutionResult, SessionOptions } from './kernelSession';
import type { BackendInfo, KernelConfig, MimeBundle, TrainingProgress } from '../common/protocol';

export const CONTROLLER_ID = 'synthad-kernel';
/** This extension's id (publisher.name), as `notebook.selectKernel` wants it. */
export const EXTENSION_ID = 'synthad.synthad';
export const NOTEBOOK_TYPE = 'jupyter-notebook';
export const KERNELSPEC = { name: 'synthad', display_name: 'SynthAD (TypeScript)', language: 'typescript' } as const;
export const LANGUAGE_INFO = { name: 'typescript', file_extension: '.ts', mimetype: 'text/x.typescript' } as const;

export type ProgressListener = (p: TrainingProgress) => void;

/** How long a running kernel may take to answer Show Compute Backend before a fresh kernel is asked. */
const BACKEND_ANSWER_MS = 3000;

export class KernelController implements vscode.Disposable {
  readonly controller: vscode.NotebookController;
  private readonly sessions = new Map<string, KernelSession>();
  private readonly order = new Map<string, number>();
  private readonly selected = new Set<string>();
  private readonly progressListeners = new Map<vscode.NotebookCell, ProgressListener>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly extensionUri: vscode.Uri) {
    this.controller = vscode.notebooks.createNotebookController(CONTROLLER_ID, NOTEBOOK_TYPE, KERNELSPEC.display_name);
    this.controller.description = 'Anomaly detection with synthetic anomalies';
    this.controller.detail =
      'TypeScript and JavaScript cells in a kernel process of their own; load, Detector, plot, display in scope';
    this.controller.supportedLanguages = ['typescript', 'javascript'];
    this.controller.supportsExecutionOrder = true;
    this.controller.executeHandler = async (cells, notebook) => {
      await this.execute(cells, notebook);
    };
    this.controller.interruptHandler = (notebook) => this.interrupt(notebook);
    this.disposables.push(
      this.controller,
      this.controller.onDidChangeSelectedNotebooks(({ notebook, selected }) => {
        if (selected) this.selected.add(notebook.uri.toString());
        else this.selected.delete(notebook.uri.toString());
        // As Jupyter does: the kernel process starts when the kernel is picked, so the first cell finds it ready.
        if (selected && vscode.workspace.isTrusted) this.session(notebook);
      }),
      vscode.workspace.onDidOpenNotebookDocument((nb) => this.preferIfOurs(nb)),
      vscode.workspace.onDidCloseNotebookDocument((nb) => this.shutdown(nb)),
      vscode.window.onDidChangeActiveNotebookEditor((editor) => this.selectIfNamed(editor)),
    );
    vscode.workspace.notebookDocuments.forEach((nb) => this.preferIfOurs(nb));
    this.selectIfNamed(vscode.window.activeNotebookEditor);
  }

  /**
   * A notebook whose kernelspec names SynthAD (a teammate's, or one saved by New Anomaly Detection Notebook)
   * gets SynthAD selected when it is shown and no kernel is selected for it yet, as a notebook that names its
   * kernel does in Jupyter: IntelliSense, the toolbar buttons and the kernel process are there before the first
   * run. VS Code only suggests a kernel by affinity; it selects one on the first run or a pick by hand.
   * A kernel already selected (another controller, or one VS Code remembers for this notebook) is left alone:
   * `skipIfAlreadySelected`, which `notebook.selectKernel` honours, so a user who picks another kernel keeps it
   * however often the notebook comes back to the front.
   */
  private selectIfNamed(editor: vscode.NotebookEditor | undefined): void {
    if (!editor || !namesSynthad(editor.notebook) || this.isSelected(editor.notebook)) return;
    // Without `editor` in the arguments the command acts on the active notebook editor, which is this one
    // (the event just said so); with `editor` VS Code drops `skipIfAlreadySelected`.
    void Promise.resolve(
      vscode.commands.executeCommand('notebook.selectKernel', {
        id: CONTROLLER_ID,
        extension: EXTENSION_ID,
        skipIfAlreadySelected: true,
      }),
    ).catch((err: unknown) =>
      console.error(`SynthAD: selecting the kernel named by ${editor.notebook.uri.path}: ${(err as Error).message}`),
    );
  }

  /** Is this kernel the one selected for the notebook? */
  isSelected(notebook: vscode.NotebookDocument): boolean {
    return this.selected.has(notebook.uri.toString());
  }

  /** Notebooks whose metadata names the SynthAD kernelspec pick this kernel again (affinity), and their kernel starts. */
  preferIfOurs(nb: vscode.NotebookDocument): void {
    if (!namesSynthad(nb)) return;
    this.controller.updateNotebookAffinity(nb, vscode.NotebookControllerAffinity.Preferred);
    // A notebook made for SynthAD gets its kernel process now, while VS Code opens the editor.
    if (vscode.workspace.isTrusted) this.session(nb);
  }

  /** The notebook's session, started on first use. */
  session(notebook: vscode.NotebookDocument): KernelSession {
    const key = notebook.uri.toString();
    let s = this.sessions.get(key);
    if (!s) {
      s = new KernelSession(this.kernelScript, this.configFor(notebook), this.sessionOptions());
      this.sessions.set(key, s);
    }
    return s;
  }

  /** The kernel process's entry (src/kernel/main.ts, bundled by scripts/bundle.mjs). */
  private get kernelScript(): string {
    return vscode.Uri.joinPath(this.extensionUri, 'dist', 'kernel.js').fsPath;
  }

  /**
   * The compute backend cells train on, as the kernel picks it (the extension host loads no
   * TensorFlow.js or BLAS). The notebook's kernel answers when it is idle; otherwise (none, a cell
   * running) a short-lived kernel answers and is shut down, with the running kernel's settings or the
   * ones a kernel would start with now.
   */
  async backend(notebook?: vscode.NotebookDocument): Promise<BackendInfo> {
    const running = notebook ? this.sessions.get(notebook.uri.toString()) : undefined;
    if (running) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<undefined>((resolve) => {
        timer = setTimeout(resolve, BACKEND_ANSWER_MS, undefined);
      });
      try {
        const info = await Promise.race([running.backend(), late]);
        if (info) return info;
      } catch {
        // Busy with a cell, restarted before it answered, or the backend cannot start: the fresh kernel says.
      } finally {
        clearTimeout(timer);
      }
    }
    const probe = new KernelSession(
      this.kernelScript,
      running?.config ?? this.configFor(notebook),
      this.sessionOptions(),
    );
    try {
      return await probe.backend();
    } finally {
      probe.dispose();
    }
  }

  hasSession(notebook: vscode.NotebookDocument): boolean {
    return this.sessions.has(notebook.uri.toString());
  }

  async restart(notebook: vscode.NotebookDocument): Promise<void> {
    const s = this.sessions.get(notebook.uri.toString());
    this.order.set(notebook.uri.toString(), 0);
    if (s) await s.restart();
  }

  interrupt(notebook: vscode.NotebookDocument): void {
    this.sessions.get(notebook.uri.toString())?.interrupt();
  }

  /** Training progress of a cell, for the Train Detector command's notification. */
  onProgress(cell: vscode.NotebookCell, listener: ProgressListener): vscode.Disposable {
    this.progressListeners.set(cell, listener);
    return new vscode.Disposable(() => this.progressListeners.delete(cell));
  }

  /** Runs cells in order; resolves when all are done. Also what VS Code's Run calls. */
  async execute(
    cells: ReadonlyArray<vscode.NotebookCell>,
    notebook: vscode.NotebookDocument,
  ): Promise<ExecutionResult[]> {
    const executions = cells.map((cell) => this.controller.createNotebookCellExecution(cell));
    if (!vscode.workspace.isTrusted) {
      for (const exec of executions) {
        exec.start(Date.now());
        await exec.replaceOutput(
          new vscode.NotebookCellOutput([
            vscode.NotebookCellOutputItem.error({
              name: 'Restricted Mode',
              message:
                'SynthAD runs no cells in an untrusted workspace: cells execute code on this machine. ' +
                'Trust the folder (command "Workspaces: Manage Workspace Trust") to run this notebook.',
            }),
          ]),
        );
        exec.end(false, Date.now());
      }
      return executions.map(() => ({ ok: false, skipped: true }));
    }
    const session = this.session(notebook);
    const results: ExecutionResult[] = [];
    let died = false;
    for (const exec of executions) {
      if (died) {
        // As in Jupyter: cells queued behind a cell whose kernel died do not run in the fresh kernel.
        exec.end(undefined);
        results.push({ ok: false, skipped: true, restarted: true });
        continue;
      }
      const result = await this.runOne(session, exec, notebook);
      died = result.error?.name === 'KernelDied';
      results.push(result);
    }
    return results;
  }

  private async runOne(
    session: KernelSession,
    exec: vscode.NotebookCellExecution,
    notebook: vscode.NotebookDocument,
  ): Promise<ExecutionResult> {
    const cell = exec.cell;
    const key = notebook.uri.toString();
    const n = (this.order.get(key) ?? 0) + 1;
    this.order.set(key, n);
    exec.executionOrder = n;
    exec.start(Date.now());
    if (cell.outputs.length > 0) await exec.clearOutput();
    const language = cell.document.languageId;
    if (language !== 'typescript' && language !== 'javascript') {
      await exec.replaceOutput(
        new vscode.NotebookCellOutput([
          vscode.NotebookCellOutputItem.error({
            name: 'UnsupportedLanguage',
            message: `The SynthAD kernel runs TypeScript and JavaScript cells; this cell is ${language}.`,
          }),
        ]),
      );
      exec.end(false, Date.now());
      return { ok: false };
    }
    const writer = new OutputWriter(exec);
    const result = await session.execute(cell.document.getText(), language, `In[${n}]`, {
      stream: (name, text) => writer.stream(name, text),
      display: (bundle, displayId, update, result) => writer.display(bundle, displayId, update, result ? n : undefined),
      progress: (p) => this.progressListeners.get(cell)?.(p),
    });
    if (result.error && !(result.restarted && result.error.name === 'KernelRestarted')) writer.error(result.error);
    await writer.flush();
    if (result.restarted) this.order.set(key, 0);
    exec.end(result.skipped ? undefined : result.ok, Date.now());
    return result;
  }

  /** The kernel process's memory limit: the setting synthad.kernelMemoryMB, 0 = half the machine's memory. */
  private sessionOptions(): SessionOptions {
    // Machine settings (scope machine-overridable) are read without a resource; VS Code warns otherwise.
    const mb = vscode.workspace.getConfiguration('synthad').get<number>('kernelMemoryMB', 0);
    return Number.isInteger(mb) && mb >= 64
      ? { memoryMB: mb, memorySource: 'setting synthad.kernelMemoryMB' }
      : { memorySource: 'setting synthad.kernelMemoryMB' };
  }

  private configFor(notebook: vscode.NotebookDocument | undefined): KernelConfig {
    // backend and threads describe the machine (scope machine-overridable, read without a resource); seed,
    // maxEpochs and syntheticRatio are a project's defaults (scope resource, read for the notebook's folder).
    const machine = vscode.workspace.getConfiguration('synthad');
    const cfg = vscode.workspace.getConfiguration('synthad', notebook?.uri ?? null);
    const folder =
      (notebook && vscode.workspace.getWorkspaceFolder(notebook.uri)) ?? vscode.workspace.workspaceFolders?.[0];
    const cwd =
      notebook?.uri.scheme === 'file' ? path.dirname(notebook.uri.fsPath) : (folder?.uri.fsPath ?? os.homedir());
    return {
      cwd,
      samplesDir: vscode.Uri.joinPath(this.extensionUri, 'samples').fsPath,
      detectorDefaults: {
        backend: machine.get<'auto'>('backend', 'auto'),
        threads: machine.get<number>('threads', 0),
        seed: cfg.get<number>('seed', 0),
        epochs: cfg.get<number>('maxEpochs', 200),
        syntheticRatio: cfg.get<number>('syntheticRatio', 1),
      },
    };
  }

  private shutdown(nb: vscode.NotebookDocument): void {
    const key = nb.uri.toString();
    this.sessions.get(key)?.dispose();
    this.sessions.delete(key);
    this.order.delete(key);
  }

  dispose(): void {
    for (const s of this.sessions.values()) s.dispose();
    this.sessions.clear();
    this.disposables.forEach((d) => d.dispose());
  }
}

/** Does the notebook's metadata name the SynthAD kernelspec (as Jupyter saves it: metadata.kernelspec.name)? */
export function namesSynthad(nb: vscode.NotebookDocument): boolean {
  if (nb.notebookType !== NOTEBOOK_TYPE) return false;
  const spec = (nb.metadata?.metadata as { kernelspec?: { name?: string } } | undefined)?.kernelspec;
  return spec?.name === KERNELSPEC.name;
}

/** MIME bundle -> output items: JSON for objects, text for strings; order kept (rich first). */
export function bundleItems(bundle: MimeBundle): vscode.NotebookCellOutputItem[] {
  return Object.entries(bundle).map(([mime, value]) => {
    if (mime.startsWith('image/') && mime !== 'image/svg+xml' && typeof value === 'string') {
      return new vscode.NotebookCellOutputItem(Buffer.from(value, 'base64'), mime); // binary images travel as base64
    }
    return typeof value === 'string'
      ? vscode.NotebookCellOutputItem.text(value, mime)
      : vscode.NotebookCellOutputItem.json(value, mime);
  });
}

/**
 * Writes one execution's outputs in the order the kernel sent them. Console text is batched (at most
 * every 50 ms) and appended to the previous output of the same stream; displays with an id update in place.
 */
class OutputWriter {
  private chain: Promise<unknown> = Promise.resolve();
  private pending: { name: 'stdout' | 'stderr'; text: string } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private last: { output: vscode.NotebookCellOutput; stream?: 'stdout' | 'stderr' } | undefined;
  private readonly byId = new Map<string, vscode.NotebookCellOutput>();

  constructor(private readonly exec: vscode.NotebookCellExecution) {}

  stream(name: 'stdout' | 'stderr', text: string): void {
    if (this.pending && this.pending.name !== name) this.flushStream();
    this.pending = { name, text: (this.pending?.text ?? '') + text };
    this.timer ??= setTimeout(() => this.flushStream(), 50);
  }

  /** `executionCount` marks the cell's value: saved as an execute_result, as Jupyter does. */
  display(bundle: MimeBundle, displayId?: string, update?: boolean, executionCount?: number): void {
    this.flushStream();
    const items = bundleItems(bundle);
    const existing = displayId ? this.byId.get(displayId) : undefined;
    if (existing && update) {
      this.enqueue(() => this.exec.replaceOutputItems(items, existing));
      return;
    }
    const metadata =
      executionCount !== undefined
        ? { outputType: 'execute_result', executionCount }
        : displayId
          ? { displayId }
          : undefined;
    const output = new vscode.NotebookCellOutput(items, metadata);
    if (displayId) this.byId.set(displayId, output);
    this.last = { output };
    this.enqueue(() => this.exec.appendOutput(output));
  }

  error(e: { name: string; message: string; stack?: string }): void {
    this.flushStream();
    const err = new Error(e.message);
    err.name = e.name;
    err.stack = e.stack ?? `${e.name}: ${e.message}`;
    const output = new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.error(err)]);
    this.last = { output };
    this.enqueue(() => this.exec.appendOutput(output));
  }

  async flush(): Promise<void> {
    this.flushStream();
    await this.chain;
  }

  private flushStream(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    const item =
      p.name === 'stdout' ? vscode.NotebookCellOutputItem.stdout(p.text) : vscode.NotebookCellOutputItem.stderr(p.text);
    const last = this.last;
    if (last && last.stream === p.name) {
      this.enqueue(() => this.exec.appendOutputItems(item, last.output));
      return;
    }
    const output = new vscode.NotebookCellOutput([item]);
    this.last = { output, stream: p.name };
    this.enqueue(() => this.exec.appendOutput(output));
  }

  private enqueue(op: () => Thenable<void>): void {
    this.chain = this.chain.then(op, op);
  }
}
