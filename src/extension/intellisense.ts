/**
 * IntelliSense in SynthAD notebooks (notebooks whose kernel is SynthAD): completions, hovers, signature
 * help and error squiggles in TypeScript cells, computed over the whole notebook as the kernel runs it
 * (later cells see earlier cells' names, re-declared consts and top-level await are fine) with the cell
 * API's types (`load`, `Detector`, `plot`, `display`, `exportScores`, `dfd`, `tf`).
 *
 * The TypeScript language service runs in a thread of its own (dist/intellisense.js, src/intellisense/),
 * started on first use in a SynthAD notebook with code, so activation loads no TypeScript and the extension
 * host's thread never type-checks. VS Code's own TypeScript extension also answers in notebook cells (each
 * cell on its own, without the notebook's names): the TypeScript server plugin synthad-ts-plugin
 * (src/tsplugin) is told which notebooks are SynthAD's and keeps it from answering there, so items and
 * hovers are not doubled.
 */
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import * as vscode from 'vscode';
import type {
  CompletionDetails,
  CompletionEntry,
  CompletionResult,
  DiagnosticsResult,
  HostMessage,
  HostRequest,
  QuickInfo,
  SignatureHelpResult,
  ThreadReply,
  CellSource,
} from '../intellisense/protocol';
import { NOTEBOOK_TYPE } from './kernelController';

/** The TypeScript server plugin's name (package.json contributes.typescriptServerPlugins). */
export const TS_PLUGIN_ID = 'synthad-ts-plugin';
/** Diagnostics wait this long after the last edit. */
const DIAGNOSTICS_DELAY_MS = 250;
/** Threads lost in a row (a crash, a missing bundle) after which IntelliSense stops trying. */
const MAX_LOSSES = 3;

/** What IntelliSense needs of the kernel: which notebooks have SynthAD selected. */
export interface KernelSelection {
  readonly controller: vscode.NotebookController;
  isSelected(notebook: vscode.NotebookDocument): boolean;
}

/** Registers IntelliSense for SynthAD notebooks; one call in activate(). */
export function registerIntellisense(kernel: KernelSelection, extensionUri: vscode.Uri): vscode.Disposable {
  return new NotebookIntellisense(kernel, extensionUri);
}

type Request = HostRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** The IntelliSense thread (a worker thread of the host), started on the first message. */
class IntellisenseThread {
  private thread: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private lastLogged = '';
  /** Threads lost in a row without an answer in between; at MAX_LOSSES IntelliSense gives up. */
  private losses = 0;
  private failure: Error | undefined;

  constructor(
    private readonly file: string,
    private readonly extensionPath: string,
    private readonly onLost: () => void,
  ) {}

  post(m: HostMessage): void {
    if (!this.failure) this.ensure().postMessage(m);
  }

  request<T>(m: Request): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.ensure().postMessage({ ...m, id });
    });
  }

  /** `request`, with a failure logged (once per distinct reason) and answered by undefined. */
  async ask<T>(m: Request): Promise<T | undefined> {
    try {
      return await this.request<T>(m);
    } catch (err) {
      this.log((err as Error).message);
      return undefined;
    }
  }

  log(message: string): void {
    const first = message.split('\n')[0];
    if (first === this.lastLogged) return;
    this.lastLogged = first;
    console.error(`SynthAD IntelliSense: ${message}`);
  }

  private ensure(): Worker {
    if (this.thread) return this.thread;
    // A notebook is nested blocks, one per cell: a bigger stack than a worker thread's default 4 MB (about 5,000 cells).
    const w = new Worker(this.file, {
      workerData: { extensionPath: this.extensionPath },
      resourceLimits: { stackSizeMb: 16 },
    });
    w.on('message', (r: ThreadReply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      this.losses = 0;
      if ('error' in r) p.reject(new Error(r.error));
      else p.resolve(r.result);
    });
    w.on('error', (err) => this.lost(w, err));
    w.on('exit', (code) => this.lost(w, new Error(`the IntelliSense thread exited (code ${code})`)));
    w.unref();
    this.thread = w;
    return w;
  }

  private lost(w: Worker, err: Error): void {
    if (this.thread !== w) return;
    this.thread = undefined;
    this.rejectAll(err);
    this.log(err.message);
    if (++this.losses >= MAX_LOSSES) {
      this.failure = new Error(
        `IntelliSense is off until the window reloads: its thread stopped ${this.losses} times (${err.message})`,
      );
      this.log(this.failure.message);
    }
    this.onLost();
  }

  private rejectAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  dispose(): void {
    const w = this.thread;
    this.thread = undefined;
    this.rejectAll(new Error('IntelliSense stopped'));
    void w?.terminate();
  }
}

interface Tracked {
  readonly notebook: vscode.NotebookDocument;
  readonly key: string;
  /** Version of the last `update` sent. */
  version: number;
  /** Cells changed since the last `update`. */
  dirty: boolean;
  timer: NodeJS.Timeout | undefined;
  /** Cell documents that have diagnostics from us. */
  readonly shown: Set<string>;
}

/** Completion items remember where they were asked, for resolveCompletionItem. */
class Item extends vscode.CompletionItem {
  constructor(
    label: string | vscode.CompletionItemLabel,
    readonly at: { notebook: string; cell: string; offset: number },
    readonly entry: CompletionEntry,
  ) {
    super(label);
  }
}

class NotebookIntellisense implements vscode.Disposable {
  private readonly tracked = new Map<string, Tracked>();
  private readonly collection = vscode.languages.createDiagnosticCollection('synthad');
  private readonly client: IntellisenseThread;
  private readonly disposables: vscode.Disposable[] = [];
  private pluginPaths = '';

  constructor(
    private readonly kernel: KernelSelection,
    extensionUri: vscode.Uri,
  ) {
    this.client = new IntellisenseThread(
      vscode.Uri.joinPath(extensionUri, 'dist', 'intellisense.js').fsPath,
      extensionUri.fsPath,
      // The new thread knows no notebook: each sends its cells again on its next request.
      () => {
        for (const t of this.tracked.values()) t.dirty = true;
      },
    );
    const selector: vscode.DocumentFilter[] = [
      { notebookType: NOTEBOOK_TYPE, language: 'typescript' },
      { notebookType: NOTEBOOK_TYPE, language: 'javascript' },
    ];
    this.disposables.push(
      this.collection,
      vscode.languages.registerCompletionItemProvider(
        selector,
        {
          provideCompletionItems: (doc, pos, token, ctx) => this.completions(doc, pos, token, ctx),
          resolveCompletionItem: (item, token) => this.resolve(item, token),
        },
        '.',
        '"',
        "'",
        '`',
        '/',
        '@',
        '<',
        '#',
      ),
      vscode.languages.registerHoverProvider(selector, {
        provideHover: (doc, pos, token) => this.hover(doc, pos, token),
      }),
      vscode.languages.registerSignatureHelpProvider(
        selector,
        {
          provideSignatureHelp: (doc, pos, token, ctx) => this.signatureHelp(doc, pos, token, ctx),
        },
        { triggerCharacters: ['(', ',', '<'], retriggerCharacters: [')'] },
      ),
      kernel.controller.onDidChangeSelectedNotebooks(({ notebook, selected }) =>
        selected ? this.track(notebook) : this.untrack(notebook),
      ),
      vscode.workspace.onDidCloseNotebookDocument((nb) => this.untrack(nb)),
      vscode.workspace.onDidChangeNotebookDocument((e) => {
        const t = this.tracked.get(e.notebook.uri.toString());
        if (t && (e.contentChanges.length > 0 || e.cellChanges.some((c) => c.document !== undefined)))
          this.markDirty(t);
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length === 0) return;
        const t = this.trackedOf(e.document);
        if (t) this.markDirty(t);
      }),
      // A cell whose language changes is closed and opened again as a new document.
      vscode.workspace.onDidOpenTextDocument((doc) => {
        const t = this.trackedOf(doc);
        if (t) this.markDirty(t);
      }),
    );
    for (const nb of vscode.workspace.notebookDocuments) if (kernel.isSelected(nb)) this.track(nb);
  }

  private track(notebook: vscode.NotebookDocument): void {
    if (notebook.notebookType !== NOTEBOOK_TYPE) return;
    const key = notebook.uri.toString();
    if (this.tracked.has(key)) return;
    const t: Tracked = { notebook, key, version: 0, dirty: true, timer: undefined, shown: new Set() };
    this.tracked.set(key, t);
    this.configurePlugin();
    this.schedule(t, 0);
  }

  private untrack(notebook: vscode.NotebookDocument): void {
    const key = notebook.uri.toString();
    const t = this.tracked.get(key);
    if (!t) return;
    this.tracked.delete(key);
    clearTimeout(t.timer);
    for (const uri of t.shown) this.collection.delete(vscode.Uri.parse(uri));
    if (t.version > 0) this.client.post({ type: 'close', notebook: key });
    this.configurePlugin();
  }

  /** The SynthAD notebook a cell document belongs to. */
  private trackedOf(doc: vscode.TextDocument): Tracked | undefined {
    if (doc.uri.scheme !== 'vscode-notebook-cell') return undefined;
    for (const t of this.tracked.values()) {
      if (t.notebook.uri.path === doc.uri.path && t.notebook.getCells().some((c) => c.document === doc)) return t;
    }
    return undefined;
  }

  private markDirty(t: Tracked): void {
    t.dirty = true;
    this.schedule(t, DIAGNOSTICS_DELAY_MS);
  }

  private schedule(t: Tracked, ms: number): void {
    clearTimeout(t.timer);
    t.timer = setTimeout(() => {
      t.timer = undefined;
      this.refreshDiagnostics(t).catch((err: unknown) => this.client.log((err as Error).message));
    }, ms);
  }

  private codeCells(notebook: vscode.NotebookDocument): vscode.NotebookCell[] {
    return notebook
      .getCells()
      .filter(
        (c) =>
          c.kind === vscode.NotebookCellKind.Code &&
          (c.document.languageId === 'typescript' || c.document.languageId === 'javascript'),
      );
  }

  /** Sends the notebook's cells to the thread if they changed since the last time. */
  private sync(t: Tracked): void {
    if (!t.dirty) return;
    const cells: CellSource[] = this.codeCells(t.notebook).map((c) => ({
      id: c.document.uri.toString(),
      text: c.document.getText(),
      language: c.document.languageId as CellSource['language'],
    }));
    t.version++;
    t.dirty = false;
    this.client.post({ type: 'update', notebook: t.key, cwd: cwdOf(t.notebook), version: t.version, cells });
  }

  private async refreshDiagnostics(t: Tracked): Promise<void> {
    if (this.tracked.get(t.key) !== t) return;
    // A notebook with no code yet does not start the thread (and so does not load TypeScript).
    if (t.version === 0 && this.codeCells(t.notebook).every((c) => c.document.getText().trim() === '')) return;
    this.sync(t);
    const result = await this.client.ask<DiagnosticsResult>({ type: 'diagnostics', notebook: t.key });
    if (!result || this.tracked.get(t.key) !== t || t.dirty || result.version !== t.version) return; // a newer run is on its way
    const docs = new Map(t.notebook.getCells().map((c) => [c.document.uri.toString(), c.document] as const));
    const seen = new Set<string>();
    for (const { cell, diagnostics } of result.cells) {
      const doc = docs.get(cell);
      if (!doc) continue;
      seen.add(cell);
      t.shown.add(cell);
      this.collection.set(
        doc.uri,
        diagnostics.map((d) => {
          const diagnostic = new vscode.Diagnostic(
            new vscode.Range(doc.positionAt(d.start), doc.positionAt(d.end)),
            d.message,
            SEVERITY[d.severity],
          );
          diagnostic.source = 'SynthAD';
          diagnostic.code = d.code;
          if (d.related) {
            diagnostic.relatedInformation = d.related.flatMap((r) => {
              if ('cell' in r) {
                const other = docs.get(r.cell);
                return other
                  ? [
                      new vscode.DiagnosticRelatedInformation(
                        new vscode.Location(
                          other.uri,
                          new vscode.Range(other.positionAt(r.start), other.positionAt(r.end)),
                        ),
                        r.message,
                      ),
                    ]
                  : [];
              }
              return [
                new vscode.DiagnosticRelatedInformation(
                  new vscode.Location(
                    vscode.Uri.file(r.file),
                    new vscode.Range(r.line, r.character, r.endLine, r.endCharacter),
                  ),
                  r.message,
                ),
              ];
            });
          }
          return diagnostic;
        }),
      );
    }
    for (const uri of [...t.shown]) {
      if (seen.has(uri)) continue;
      this.collection.delete(vscode.Uri.parse(uri));
      t.shown.delete(uri);
    }
  }

  private async completions(
    doc: vscode.TextDocument,
    pos: vscode.Position,
    token: vscode.CancellationToken,
    ctx: vscode.CompletionContext,
  ): Promise<vscode.CompletionList | undefined> {
    const t = this.trackedOf(doc);
    if (!t) return undefined;
    this.sync(t);
    const at = { notebook: t.key, cell: doc.uri.toString(), offset: doc.offsetAt(pos) };
    const result = await this.client.ask<CompletionResult>({
      type: 'completions',
      ...at,
      ...(ctx.triggerCharacter ? { trigger: ctx.triggerCharacter } : {}),
    });
    if (!result || token.isCancellationRequested) return undefined;
    const line = doc.lineAt(pos.line).range;
    const items = result.entries.map((e) => {
      const optional = e.kindModifiers?.split(',').includes('optional') ?? false;
      const name = optional ? `${e.name}?` : e.name;
      const label =
        e.labelDetail || e.labelDescription
          ? { label: name, detail: e.labelDetail, description: e.labelDescription }
          : name;
      const item = new Item(label, at, e);
      item.kind = completionKind(e.kind);
      item.sortText = e.sortText;
      if (e.filterText !== undefined) item.filterText = e.filterText;
      else if (optional) item.filterText = e.name;
      if (e.insertText !== undefined)
        item.insertText = e.isSnippet ? new vscode.SnippetString(e.insertText) : e.insertText;
      else if (optional) item.insertText = e.name;
      if (e.replace) {
        const range = new vscode.Range(doc.positionAt(e.replace.start), doc.positionAt(e.replace.end));
        if (range.isSingleLine && line.contains(range) && range.contains(pos)) item.range = range;
      }
      if (e.kindModifiers?.split(',').includes('deprecated')) item.tags = [vscode.CompletionItemTag.Deprecated];
      return item;
    });
    return new vscode.CompletionList(items, false);
  }

  private async resolve(item: vscode.CompletionItem, token: vscode.CancellationToken): Promise<vscode.CompletionItem> {
    if (!(item instanceof Item) || !this.tracked.has(item.at.notebook)) return item;
    const d = await this.client.ask<CompletionDetails>({
      type: 'completionDetails',
      ...item.at,
      name: item.entry.name,
      ...(item.entry.source ? { source: item.entry.source } : {}),
      ...(item.entry.data ? { data: item.entry.data } : {}),
    });
    if (d && !token.isCancellationRequested) {
      item.detail = d.detail;
      if (d.documentation) item.documentation = new vscode.MarkdownString(d.documentation);
    }
    return item;
  }

  private async hover(
    doc: vscode.TextDocument,
    pos: vscode.Position,
    token: vscode.CancellationToken,
  ): Promise<vscode.Hover | undefined> {
    const t = this.trackedOf(doc);
    if (!t) return undefined;
    this.sync(t);
    const q = await this.client.ask<QuickInfo>({
      type: 'quickInfo',
      notebook: t.key,
      cell: doc.uri.toString(),
      offset: doc.offsetAt(pos),
    });
    if (!q || token.isCancellationRequested) return undefined;
    const contents = [new vscode.MarkdownString().appendCodeblock(q.signature, 'typescript')];
    if (q.documentation) contents.push(new vscode.MarkdownString(q.documentation));
    return new vscode.Hover(contents, new vscode.Range(doc.positionAt(q.start), doc.positionAt(q.end)));
  }

  private async signatureHelp(
    doc: vscode.TextDocument,
    pos: vscode.Position,
    token: vscode.CancellationToken,
    ctx: vscode.SignatureHelpContext,
  ): Promise<vscode.SignatureHelp | undefined> {
    const t = this.trackedOf(doc);
    if (!t) return undefined;
    this.sync(t);
    const trigger = ctx.isRetrigger
      ? { kind: 'retrigger' as const }
      : ctx.triggerKind === vscode.SignatureHelpTriggerKind.TriggerCharacter
        ? { kind: 'characterTyped' as const, ...(ctx.triggerCharacter ? { character: ctx.triggerCharacter } : {}) }
        : { kind: 'invoked' as const };
    const r = await this.client.ask<SignatureHelpResult>({
      type: 'signatureHelp',
      notebook: t.key,
      cell: doc.uri.toString(),
      offset: doc.offsetAt(pos),
      trigger,
    });
    if (!r || token.isCancellationRequested) return undefined;
    const help = new vscode.SignatureHelp();
    help.signatures = r.signatures.map((s) => {
      const info = new vscode.SignatureInformation(
        s.label,
        s.documentation ? new vscode.MarkdownString(s.documentation) : undefined,
      );
      info.parameters = s.parameters.map(
        (p) =>
          new vscode.ParameterInformation(
            [p.label[0], p.label[1]],
            p.documentation ? new vscode.MarkdownString(p.documentation) : undefined,
          ),
      );
      return info;
    });
    help.activeSignature = r.activeSignature;
    help.activeParameter = r.activeParameter;
    return help;
  }

  /** Tells synthad-ts-plugin (in VS Code's TypeScript server) which notebooks SynthAD answers for. */
  private configurePlugin(): void {
    const notebooks = [...new Set([...this.tracked.values()].map((t) => t.notebook.uri.path))].sort();
    const key = notebooks.join('\n');
    if (key === this.pluginPaths) return;
    this.pluginPaths = key;
    void (async () => {
      const ts = vscode.extensions.getExtension<{
        getAPI?(v: 0): { configurePlugin(id: string, config: unknown): void } | undefined;
      }>('vscode.typescript-language-features');
      if (!ts) return;
      const exports = ts.isActive ? ts.exports : await ts.activate();
      exports?.getAPI?.(0)?.configurePlugin(TS_PLUGIN_ID, { notebooks });
    })().catch((err: unknown) => this.client.log(`configuring ${TS_PLUGIN_ID}: ${(err as Error).message}`));
  }

  dispose(): void {
    for (const t of this.tracked.values()) clearTimeout(t.timer);
    this.tracked.clear();
    this.client.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

/** Where the notebook's relative imports resolve: its folder, as the kernel's cwd. */
function cwdOf(notebook: vscode.NotebookDocument): string {
  if (notebook.uri.scheme === 'file') return path.dirname(notebook.uri.fsPath);
  const folder = vscode.workspace.getWorkspaceFolder(notebook.uri) ?? vscode.workspace.workspaceFolders?.[0];
  return folder?.uri.scheme === 'file' ? folder.uri.fsPath : os.homedir();
}

const SEVERITY: Record<string, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  suggestion: vscode.DiagnosticSeverity.Hint,
  message: vscode.DiagnosticSeverity.Information,
};

/** TypeScript's ScriptElementKind as VS Code's completion kind (as VS Code's TypeScript extension maps them). */
function completionKind(kind: string): vscode.CompletionItemKind {
  const K = vscode.CompletionItemKind;
  switch (kind) {
    case 'primitive type':
    case 'keyword':
      return K.Keyword;
    case 'const':
    case 'let':
    case 'var':
    case 'local var':
    case 'alias':
    case 'parameter':
      return K.Variable;
    case 'property':
    case 'getter':
    case 'setter':
      return K.Field;
    case 'function':
    case 'local function':
      return K.Function;
    case 'method':
    case 'construct':
    case 'call':
    case 'index':
      return K.Method;
    case 'enum':
      return K.Enum;
    case 'enum member':
      return K.EnumMember;
    case 'module':
    case 'external module name':
      return K.Module;
    case 'class':
    case 'type':
      return K.Class;
    case 'interface':
      return K.Interface;
    case 'warning':
      return K.Text;
    case 'script':
      return K.File;
    case 'directory':
      return K.Folder;
    case 'string':
      return K.Constant;
    default:
      return K.Property;
  }
}
