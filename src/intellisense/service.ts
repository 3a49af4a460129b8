/**
 * TypeScript language services for SynthAD notebooks: per notebook, one `ts.LanguageService` over the
 * notebook's cells as one virtual module (virtualDocument.ts) plus the cell API's declarations
 * (media/intellisense/*.d.ts, types in dist/types). Answers in cell coordinates. Runs in the IntelliSense
 * thread (thread.ts); plain Node, no vscode, TypeScript passed in.
 */
import { builtinModules } from 'module';
import * as path from 'path';
import type * as TS from 'typescript';
import { AnalyzedCell, CellSource, VirtualDocument } from './virtualDocument';
import type {
  CellDiagnostic,
  CompletionDetails,
  CompletionEntry,
  CompletionResult,
  DiagnosticsResult,
  QuickInfo,
  RelatedLocation,
  Severity,
  SignatureHelpResult,
} from './protocol';

/**
 * The cell API's declarations under the extension's folder: emitted from src/kernel/cellApi.ts by
 * src/kernel/tsconfig.types.json (scripts/bundle.mjs); media/intellisense/globals.d.ts imports them.
 */
export const CELL_API_DECLARATIONS = ['dist', 'types', 'src', 'kernel', 'cellApi.d.ts'] as const;

export interface ServiceOptions {
  /** Folder with media/intellisense/globals.d.ts (whose types are in ../../dist/types). */
  readonly extensionPath: string;
  /** Folder of TypeScript's lib.*.d.ts; default: next to the running TypeScript. */
  readonly libDir?: string;
}

/** Diagnostics a notebook does not need: "Could not find a declaration file for module" (the kernel imports untyped packages fine). */
const IGNORED_CODES = new Set([7016]);

/** Identifiers whose declarations are heavy (about 750 .d.ts files): loaded only for notebooks that use them. */
const LAZY_GLOBALS: ReadonlyArray<{ readonly name: string; readonly file: string; readonly stub: string }> = [
  {
    name: 'tf',
    file: 'tf.d.ts',
    stub: 'declare global {\n  /** TensorFlow.js (`@tensorflow/tfjs`), the instance SynthAD trains with. */\n  const tf: any;\n}\nexport {};\n',
  },
  {
    name: 'dfd',
    file: 'dfd.d.ts',
    stub: 'declare global {\n  /** danfojs (`danfojs-node`): DataFrames and Series, loaded by the kernel on first use. */\n  const dfd: any;\n}\nexport {};\n',
  },
];

/** Declarations for Node's globals and built-in modules where no @types/node can be found. */
function nodeFallback(): string {
  const modules = builtinModules.filter((m) => !m.startsWith('_'));
  return [
    '// Node.js globals of the SynthAD kernel, loosely typed: no @types/node was found for this notebook.',
    'declare var process: any;',
    'declare var Buffer: any;',
    'declare var global: typeof globalThis;',
    "/** Loads a module from the notebook folder's node_modules (or a Node.js built-in). */",
    'declare var require: ((id: string) => any) & { resolve(id: string): string };',
    ...modules.flatMap((m) => [
      `declare module '${m}' { const m: any; export = m; }`,
      `declare module 'node:${m}' { const m: any; export = m; }`,
    ]),
    '',
  ].join('\n');
}

/** Where `@types/node` is for a notebook in `cwd`: its own node_modules first, then the extension's. */
function findNodeTypes(ts: typeof TS, cwd: string, extensionPath: string): string | undefined {
  for (const start of [cwd, extensionPath]) {
    let dir = start;
    for (;;) {
      const root = path.join(dir, 'node_modules', '@types');
      if (ts.sys.fileExists(path.join(root, 'node', 'package.json'))) return root;
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return undefined;
}

class NotebookProject implements TS.LanguageServiceHost {
  readonly fileName: string;
  private doc: VirtualDocument;
  private docVersion = 0;
  private projectVersion = 0;
  updateVersion = -1;
  private options: TS.CompilerOptions;
  private lazy = new Set<string>();
  private readonly nodeTypes: string | undefined;
  readonly languageService: TS.LanguageService;

  constructor(
    private readonly service: IntellisenseService,
    readonly cwd: string,
    serial: number,
    registry: TS.DocumentRegistry,
  ) {
    const ts = service.ts;
    this.fileName = path.join(cwd, `__synthad_notebook_${serial}__.ts`);
    this.doc = VirtualDocument.build(ts, []);
    this.nodeTypes = findNodeTypes(ts, cwd, service.options.extensionPath);
    this.options = this.compilerOptions();
    this.languageService = ts.createLanguageService(this, registry);
  }

  get document(): VirtualDocument {
    return this.doc;
  }

  update(cells: ReadonlyArray<CellSource>, version: number, cache: Map<string, AnalyzedCell>): void {
    this.updateVersion = version;
    const doc = VirtualDocument.build(this.service.ts, cells, cache);
    const lazy = new Set(
      LAZY_GLOBALS.filter((g) => cells.some((c) => new RegExp(`\\b${g.name}\\b`).test(c.text))).map((g) => g.name),
    );
    if (doc.text !== this.doc.text) this.docVersion++;
    if ([...lazy].join() !== [...this.lazy].join()) this.projectVersion++;
    this.lazy = lazy;
    this.doc = doc;
  }

  private compilerOptions(): TS.CompilerOptions {
    const ts = this.service.ts;
    return {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      moduleDetection: ts.ModuleDetectionKind.Force,
      lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
      strict: true,
      skipLibCheck: true,
      noEmit: true,
      esModuleInterop: true,
      allowSyntheticDefaultImports: true,
      resolveJsonModule: true,
      allowJs: false,
      ...(this.nodeTypes ? { types: ['node'], typeRoots: [this.nodeTypes] } : { types: [] }),
    };
  }

  // --- LanguageServiceHost ---
  getCompilationSettings(): TS.CompilerOptions {
    return this.options;
  }

  getProjectVersion(): string {
    return `${this.projectVersion}.${this.docVersion}`;
  }

  getScriptFileNames(): string[] {
    const s = this.service;
    const files = [this.fileName, s.globalsFile];
    for (const g of LAZY_GLOBALS) files.push(this.lazy.has(g.name) ? s.mediaFile(g.file) : s.stubFile(g.name));
    if (!this.nodeTypes) files.push(s.nodeFallbackFile);
    return files;
  }

  getScriptVersion(fileName: string): string {
    return fileName === this.fileName ? String(this.docVersion) : '0';
  }

  getScriptSnapshot(fileName: string): TS.IScriptSnapshot | undefined {
    const text = this.readFile(fileName);
    return text === undefined ? undefined : this.service.ts.ScriptSnapshot.fromString(text);
  }

  getCurrentDirectory(): string {
    return this.cwd;
  }

  getDefaultLibFileName(options: TS.CompilerOptions): string {
    return path.join(this.service.libDir, this.service.ts.getDefaultLibFileName(options));
  }

  getDefaultLibLocation(): string {
    return this.service.libDir;
  }

  useCaseSensitiveFileNames(): boolean {
    return this.service.ts.sys.useCaseSensitiveFileNames;
  }

  fileExists(fileName: string): boolean {
    return (
      fileName === this.fileName ||
      this.service.memoryFile(fileName) !== undefined ||
      this.service.ts.sys.fileExists(fileName)
    );
  }

  readFile(fileName: string): string | undefined {
    if (fileName === this.fileName) return this.doc.text;
    return this.service.memoryFile(fileName) ?? this.service.ts.sys.readFile(fileName);
  }

  directoryExists(dir: string): boolean {
    return this.service.ts.sys.directoryExists(dir);
  }

  getDirectories(dir: string): string[] {
    return this.service.ts.sys.getDirectories(dir);
  }

  readDirectory(
    dir: string,
    extensions?: ReadonlyArray<string>,
    exclude?: ReadonlyArray<string>,
    include?: ReadonlyArray<string>,
    depth?: number,
  ): string[] {
    return this.service.ts.sys.readDirectory(dir, extensions, exclude, include, depth);
  }

  realpath(p: string): string {
    return this.service.ts.sys.realpath?.(p) ?? p;
  }
}

export class IntellisenseService {
  readonly libDir: string;
  readonly globalsFile: string;
  readonly nodeFallbackFile: string;
  private readonly memory = new Map<string, string>();
  private readonly projects = new Map<string, NotebookProject>();
  private readonly registry: TS.DocumentRegistry;
  private readonly cellCache = new Map<string, AnalyzedCell>();
  private serial = 0;

  constructor(
    readonly ts: typeof TS,
    readonly options: ServiceOptions,
  ) {
    this.libDir = options.libDir ?? path.dirname(ts.getDefaultLibFilePath({}));
    const media = path.join(options.extensionPath, 'media', 'intellisense');
    this.globalsFile = path.join(media, 'globals.d.ts');
    // Without TypeScript's lib files or the cell API's types every answer would be wrong ("Cannot find
    // global type 'Array'", `load` of type any): refuse to start instead, so no squiggle is misleading.
    for (const required of [
      path.join(this.libDir, 'lib.es5.d.ts'),
      this.globalsFile,
      path.join(options.extensionPath, ...CELL_API_DECLARATIONS),
    ]) {
      if (!ts.sys.fileExists(required)) throw new Error(`SynthAD IntelliSense cannot start: ${required} is missing`);
    }
    this.nodeFallbackFile = path.join(media, '__node-fallback__.d.ts');
    this.memory.set(this.nodeFallbackFile, nodeFallback());
    for (const g of LAZY_GLOBALS) this.memory.set(this.stubFile(g.name), g.stub);
    this.registry = ts.createDocumentRegistry(ts.sys.useCaseSensitiveFileNames);
  }

  mediaFile(name: string): string {
    return path.join(this.options.extensionPath, 'media', 'intellisense', name);
  }

  stubFile(name: string): string {
    return this.mediaFile(`__${name}-stub__.d.ts`);
  }

  memoryFile(fileName: string): string | undefined {
    return this.memory.get(fileName);
  }

  /** The notebook's code cells as they are now (TypeScript and JavaScript, in order). */
  update(notebook: string, cwd: string, version: number, cells: ReadonlyArray<CellSource>): void {
    let p = this.projects.get(notebook);
    if (p && p.cwd !== cwd) {
      p.languageService.dispose();
      p = undefined;
    }
    if (!p) {
      p = new NotebookProject(this, cwd, ++this.serial, this.registry);
      this.projects.set(notebook, p);
    }
    p.update(cells, version, this.cellCache);
    if (this.cellCache.size > 2000) this.cellCache.clear();
  }

  close(notebook: string): void {
    this.projects.get(notebook)?.languageService.dispose();
    this.projects.delete(notebook);
  }

  private project(notebook: string): NotebookProject {
    const p = this.projects.get(notebook);
    if (!p) throw new Error(`no cells known for notebook ${notebook}`);
    return p;
  }

  /** The virtual offset of a cell offset, or undefined when the cell is not (any more) in the notebook. */
  private locate(
    p: NotebookProject,
    cell: string,
    offset: number,
  ): { doc: VirtualDocument; index: number; pos: number } | undefined {
    const doc = p.document;
    const index = doc.cells.findIndex((c) => c.id === cell);
    if (index < 0) return undefined;
    return { doc, index, pos: doc.toVirtual(index, Math.max(0, Math.min(offset, doc.cells[index].text.length))) };
  }

  diagnostics(notebook: string): DiagnosticsResult {
    const ts = this.ts;
    const p = this.project(notebook);
    const doc = p.document;
    // Semantic diagnostics only: VS Code's TypeScript extension reports each cell's syntax errors itself
    // (measured in VS Code 1.100: syntax errors yes, type errors no), from the cell alone, as ours would be.
    const out = doc.cells.map((): CellDiagnostic[] => []);
    const ls = p.languageService;
    const program = ls.getProgram();
    const sf = program?.getSourceFile(p.fileName);
    if (sf) {
      const valid = doc.validCells(ts, sf);
      for (const d of ls.getSemanticDiagnostics(p.fileName)) {
        if (d.start === undefined || IGNORED_CODES.has(d.code)) continue;
        const span = doc.spanToCell(d.start, d.length ?? 0);
        if (!span || span.cell >= valid || doc.cells[span.cell].language !== 'typescript') continue;
        const related = (d.relatedInformation ?? [])
          .map((r) => this.related(p, r))
          .filter((r): r is RelatedLocation => r !== undefined);
        out[span.cell].push({
          start: span.start,
          end: span.end,
          message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
          code: d.code,
          severity: severityOf(ts, d.category),
          ...(related.length ? { related } : {}),
        });
      }
    }
    return { version: p.updateVersion, cells: doc.cells.map((c, i) => ({ cell: c.id, diagnostics: out[i] })) };
  }

  private related(p: NotebookProject, r: TS.DiagnosticRelatedInformation): RelatedLocation | undefined {
    if (!r.file || r.start === undefined) return undefined;
    const message = this.ts.flattenDiagnosticMessageText(r.messageText, '\n');
    if (r.file.fileName === p.fileName) {
      const span = p.document.spanToCell(r.start, r.length ?? 0);
      return span ? { cell: p.document.cells[span.cell].id, start: span.start, end: span.end, message } : undefined;
    }
    if (this.memory.has(r.file.fileName)) return undefined;
    const a = r.file.getLineAndCharacterOfPosition(r.start);
    const b = r.file.getLineAndCharacterOfPosition(r.start + (r.length ?? 0));
    return {
      file: r.file.fileName,
      line: a.line,
      character: a.character,
      endLine: b.line,
      endCharacter: b.character,
      message,
    };
  }

  completions(notebook: string, cell: string, offset: number, trigger?: string): CompletionResult | undefined {
    const p = this.project(notebook);
    const at = this.locate(p, cell, offset);
    if (!at) return undefined;
    const info = p.languageService.getCompletionsAtPosition(p.fileName, at.pos, {
      ...PREFERENCES,
      triggerCharacter: TRIGGER_CHARACTERS.has(trigger ?? '') ? (trigger as TS.CompletionsTriggerCharacter) : undefined,
    });
    if (!info) return undefined;
    const entries = info.entries.map((e): CompletionEntry => {
      let replace: CompletionEntry['replace'];
      if (e.replacementSpan) {
        const span = at.doc.spanToCell(e.replacementSpan.start, e.replacementSpan.length);
        if (span && span.cell === at.index) replace = { start: span.start, end: span.end };
      }
      return {
        name: e.name,
        kind: e.kind,
        sortText: e.sortText,
        ...(e.kindModifiers ? { kindModifiers: e.kindModifiers } : {}),
        ...(e.insertText !== undefined ? { insertText: e.insertText } : {}),
        ...(e.filterText !== undefined ? { filterText: e.filterText } : {}),
        ...(e.isSnippet ? { isSnippet: true } : {}),
        ...(replace ? { replace } : {}),
        ...(e.labelDetails?.detail ? { labelDetail: e.labelDetails.detail } : {}),
        ...(e.labelDetails?.description ? { labelDescription: e.labelDetails.description } : {}),
        ...(e.source ? { source: e.source } : {}),
        ...(e.data ? { data: e.data } : {}),
      };
    });
    return { isMemberCompletion: info.isMemberCompletion, entries };
  }

  completionDetails(
    notebook: string,
    cell: string,
    offset: number,
    name: string,
    source?: string,
    data?: unknown,
  ): CompletionDetails | undefined {
    const p = this.project(notebook);
    const at = this.locate(p, cell, offset);
    if (!at) return undefined;
    const d = p.languageService.getCompletionEntryDetails(
      p.fileName,
      at.pos,
      name,
      {},
      source,
      PREFERENCES,
      data as TS.CompletionEntryData | undefined,
    );
    if (!d) return undefined;
    return {
      detail: this.ts.displayPartsToString(d.displayParts),
      documentation: this.markdown(d.documentation, d.tags),
    };
  }

  quickInfo(notebook: string, cell: string, offset: number): QuickInfo | undefined {
    const p = this.project(notebook);
    const at = this.locate(p, cell, offset);
    if (!at) return undefined;
    const q = p.languageService.getQuickInfoAtPosition(p.fileName, at.pos);
    if (!q) return undefined;
    const span = at.doc.spanToCell(q.textSpan.start, q.textSpan.length);
    if (!span || span.cell !== at.index) return undefined;
    return {
      signature: this.ts.displayPartsToString(q.displayParts),
      documentation: this.markdown(q.documentation, q.tags),
      start: span.start,
      end: span.end,
    };
  }

  signatureHelp(
    notebook: string,
    cell: string,
    offset: number,
    trigger?: { kind: 'invoked' | 'characterTyped' | 'retrigger'; character?: string },
  ): SignatureHelpResult | undefined {
    const ts = this.ts;
    const p = this.project(notebook);
    const at = this.locate(p, cell, offset);
    if (!at) return undefined;
    let triggerReason: TS.SignatureHelpTriggerReason | undefined;
    if (
      trigger?.kind === 'characterTyped' &&
      (trigger.character === '(' || trigger.character === ',' || trigger.character === '<')
    ) {
      triggerReason = { kind: 'characterTyped', triggerCharacter: trigger.character };
    } else if (trigger?.kind === 'retrigger') {
      triggerReason = { kind: 'retrigger' };
    } else {
      triggerReason = { kind: 'invoked' };
    }
    const help = p.languageService.getSignatureHelpItems(p.fileName, at.pos, { triggerReason });
    if (!help) return undefined;
    const signatures = help.items.map((item) => {
      let label = ts.displayPartsToString(item.prefixDisplayParts);
      const parameters = item.parameters.map((param, i) => {
        const text = ts.displayPartsToString(param.displayParts);
        const start = label.length;
        label += text;
        if (i < item.parameters.length - 1) label += ts.displayPartsToString(item.separatorDisplayParts);
        return { label: [start, start + text.length] as const, documentation: this.markdown(param.documentation, []) };
      });
      label += ts.displayPartsToString(item.suffixDisplayParts);
      return { label, documentation: this.markdown(item.documentation, item.tags), parameters };
    });
    return { signatures, activeSignature: help.selectedItemIndex, activeParameter: help.argumentIndex };
  }

  /** Documentation and JSDoc tags as markdown, the way VS Code's TypeScript hovers show them. */
  private markdown(
    documentation: ReadonlyArray<TS.SymbolDisplayPart> | undefined,
    tags: ReadonlyArray<TS.JSDocTagInfo> | undefined,
  ): string {
    const ts = this.ts;
    const parts: string[] = [];
    const doc = documentation ? ts.displayPartsToString([...documentation]) : '';
    if (doc) parts.push(doc);
    for (const tag of tags ?? []) {
      const text = tag.text ? ts.displayPartsToString(tag.text) : '';
      if (tag.name === 'example') {
        parts.push(`*@example*\n\`\`\`typescript\n${text.replace(/^\s*\n/, '')}\n\`\`\``);
      } else if (tag.name === 'param' && text) {
        const m = /^(\S+)\s*([\s\S]*)$/.exec(text);
        parts.push(m ? `*@param* \`${m[1]}\`${m[2] ? ` — ${m[2]}` : ''}` : `*@param* ${text}`);
      } else {
        parts.push(`*@${tag.name}*${text ? ` ${text}` : ''}`);
      }
    }
    return parts.join('\n\n');
  }
}

const PREFERENCES: TS.UserPreferences = {
  includeCompletionsWithInsertText: true,
  includeCompletionsForModuleExports: false,
  includeCompletionsWithSnippetText: false,
  includeAutomaticOptionalChainCompletions: true,
  useLabelDetailsInCompletionEntries: true,
  allowIncompleteCompletions: false,
};

const TRIGGER_CHARACTERS = new Set(['.', '"', "'", '`', '/', '@', '<', '#', ' ']);

function severityOf(ts: typeof TS, c: TS.DiagnosticCategory): Severity {
  switch (c) {
    case ts.DiagnosticCategory.Error:
      return 'error';
    case ts.DiagnosticCategory.Warning:
      return 'warning';
    case ts.DiagnosticCategory.Suggestion:
      return 'suggestion';
    default:
      return 'message';
  }
}
