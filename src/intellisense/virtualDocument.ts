/**
 * A notebook's code cells as one TypeScript module, the way the SynthAD kernel runs them: one program in
 * cell order, where later cells see the names earlier cells declare, a cell may declare a name again
 * (re-running `const x = …` is fine in the kernel), and `await` works at the top level.
 *
 * Layout of the virtual file (cells 0..n-1):
 *
 *     <imports, `declare …`, namespaces of every cell, hoisted to the top>
 *     <cell 0>
 *     ;{
 *     <cell 1>
 *     ;{
 *     <cell 2>
 *     }}
 *     export {};
 *
 * Each cell is a block nested in the one before, so its declarations shadow earlier cells' (no
 * "Cannot redeclare block-scoped variable") and are visible to every later cell; top-level `await` is
 * legal in blocks at a module's top level. Cell text keeps its offsets: what is hoisted or rewritten is
 * replaced in place by spaces (`export` keywords; imports, which must stay at the module's top level)
 * or by text of the same length (`var` -> `let`, so a `var` declared again in a later cell shadows too).
 * Nothing here loads TypeScript: the caller passes the module in.
 */
import type * as TS from 'typescript';

export type CellLanguage = 'typescript' | 'javascript';

export interface CellSource {
  /** Any stable key of the cell (the host uses the cell document's URI). */
  readonly id: string;
  readonly text: string;
  readonly language: CellLanguage;
}

/**
 * A syntax error of one cell, found by parsing the cell on its own; offsets in the cell's text. (Not shown
 * by SynthAD: VS Code's TypeScript extension shows cells' syntax errors.)
 */
export interface CellSyntaxError {
  readonly start: number;
  readonly length: number;
  readonly message: string;
  readonly code: number;
}

/** A stretch of the virtual text that is a copy of a stretch of a cell. */
interface Segment {
  readonly cell: number;
  readonly cellStart: number;
  readonly start: number;
  readonly length: number;
}

/** What one cell contributes; depends on the cell's text only, so it is cached by text. */
export interface AnalyzedCell {
  /** The cell's text with hoisted statements and `export` keywords blanked and `var` made `let`: same length. */
  readonly body: string;
  /** Statements copied to the top of the module: [start, end) in the cell's text. */
  readonly hoisted: ReadonlyArray<readonly [number, number]>;
  readonly syntaxErrors: ReadonlyArray<CellSyntaxError>;
}

export class VirtualDocument {
  private constructor(
    readonly text: string,
    readonly cells: ReadonlyArray<CellSource>,
    readonly analyzed: ReadonlyArray<AnalyzedCell>,
    /** Sorted by `start`. */
    private readonly segments: ReadonlyArray<Segment>,
    /** Per cell, where its body starts in the virtual text. */
    private readonly bodyStart: ReadonlyArray<number>,
    /** Per cell k >= 1, the offset of the `{` that opens its block; -1 for cell 0. */
    readonly blockOpen: ReadonlyArray<number>,
  ) {}

  static build(ts: typeof TS, cells: ReadonlyArray<CellSource>, cache?: Map<string, AnalyzedCell>): VirtualDocument {
    const analyzed = cells.map((c) => {
      const hit = cache?.get(c.text);
      if (hit) return hit;
      const a = analyzeCell(ts, c.text);
      cache?.set(c.text, a);
      return a;
    });
    const segments: Segment[] = [];
    let text = '';
    analyzed.forEach((a, cell) => {
      for (const [start, end] of a.hoisted) {
        segments.push({ cell, cellStart: start, start: text.length, length: end - start });
        text += cells[cell].text.slice(start, end) + '\n';
      }
    });
    const bodyStart: number[] = [];
    const blockOpen: number[] = [];
    analyzed.forEach((a, cell) => {
      if (cell === 0) {
        blockOpen.push(-1);
      } else {
        text += '\n;';
        blockOpen.push(text.length);
        text += '{\n';
      }
      bodyStart.push(text.length);
      segments.push({ cell, cellStart: 0, start: text.length, length: a.body.length });
      text += a.body;
    });
    text += '\n' + '}'.repeat(Math.max(0, cells.length - 1)) + '\nexport {};\n';
    return new VirtualDocument(text, cells, analyzed, segments, bodyStart, blockOpen);
  }

  /**
   * The virtual offset of an offset in a cell: inside a hoisted statement, its copy at the top (so
   * completions in an import work); elsewhere the cell's body.
   */
  toVirtual(cell: number, offset: number): number {
    for (const s of this.segments) {
      if (s.cell === cell && s.start < this.bodyStart[0] && offset >= s.cellStart && offset <= s.cellStart + s.length) {
        return s.start + (offset - s.cellStart);
      }
    }
    return this.bodyStart[cell] + offset;
  }

  /** The cell and offset of a virtual offset; undefined in the wrapper text between cells. */
  toCell(pos: number): { cell: number; offset: number } | undefined {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.segments[mid].start <= pos) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (found < 0) return undefined;
    const s = this.segments[found];
    if (pos > s.start + s.length) return undefined;
    return { cell: s.cell, offset: s.cellStart + (pos - s.start) };
  }

  /** A virtual span in one cell: its start's cell, the end clamped to that cell's segment. */
  spanToCell(start: number, length: number): { cell: number; start: number; end: number } | undefined {
    const a = this.toCell(start);
    if (!a) return undefined;
    const b = this.toCell(start + length);
    const end = b && b.cell === a.cell && b.offset >= a.offset ? b.offset : this.cells[a.cell].text.length;
    return { cell: a.cell, start: a.offset, end: Math.max(a.offset, Math.min(end, this.cells[a.cell].text.length)) };
  }

  /**
   * How many cells, from the first, sit in the block structure the layout intends in this parse of the
   * virtual text. A cell whose syntax is broken in a way that swallows the text after it (an unclosed
   * `{`, template literal or comment; a stray `}`) moves the later cells' blocks: their semantic
   * diagnostics would be noise, so only the first `validCells` cells get them.
   */
  validCells(ts: typeof TS, sf: TS.SourceFile): number {
    let container: ReadonlyArray<TS.Statement> = sf.statements;
    for (let k = 1; k < this.cells.length; k++) {
      const open = this.blockOpen[k];
      const block = container.find((s): s is TS.Block => ts.isBlock(s) && s.getStart(sf) === open);
      if (!block) return k;
      container = block.statements;
    }
    return this.cells.length;
  }
}

/** Parses one cell on its own (as a module, so top-level `await` parses) and plans its rewrites. */
export function analyzeCell(ts: typeof TS, text: string): AnalyzedCell {
  const sf = ts.createSourceFile('cell.ts', `${text}\n;export {};`, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const parseDiagnostics =
    (sf as unknown as { parseDiagnostics?: ReadonlyArray<TS.DiagnosticWithLocation> }).parseDiagnostics ?? [];
  const syntaxErrors = parseDiagnostics.map((d): CellSyntaxError => {
    const start = Math.min(d.start, text.length);
    return {
      start,
      length: Math.max(0, Math.min(d.length, text.length - start)),
      message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
      code: d.code,
    };
  });
  const broken = (node: TS.Node): boolean =>
    parseDiagnostics.some((d) => d.start < node.end && d.start + d.length >= node.getStart(sf));

  const blanks: Array<readonly [number, number]> = [];
  const lets: number[] = [];
  const hoisted: Array<readonly [number, number]> = [];
  const names = new Map<string, number>();
  const count = (name: string): void => {
    names.set(name, (names.get(name) ?? 0) + 1);
  };
  const varStatements: TS.VariableStatement[] = [];

  for (const stmt of sf.statements) {
    const start = stmt.getStart(sf);
    if (start >= text.length) continue; // the `export {}` appended above
    const modifiers = ts.canHaveModifiers(stmt) ? (ts.getModifiers(stmt) ?? []) : [];
    const isDeclare = modifiers.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword);
    if (
      (ts.isImportDeclaration(stmt) ||
        ts.isImportEqualsDeclaration(stmt) ||
        ts.isModuleDeclaration(stmt) ||
        isDeclare) &&
      !broken(stmt)
    ) {
      hoisted.push([start, stmt.end]);
      blanks.push([start, stmt.end]);
      continue;
    }
    if (ts.isExportDeclaration(stmt)) {
      blanks.push([start, stmt.end]); // export { a } / export * from '…': nothing for a cell
      continue;
    }
    if (ts.isExportAssignment(stmt)) {
      blanks.push([start, stmt.expression.getStart(sf)]); // export default <expr> -> <expr>
      continue;
    }
    for (const m of modifiers) {
      if (m.kind === ts.SyntaxKind.ExportKeyword || m.kind === ts.SyntaxKind.DefaultKeyword)
        blanks.push([m.getStart(sf), m.end]);
    }
    if (ts.isVariableStatement(stmt)) {
      const list = stmt.declarationList;
      for (const d of list.declarations) bindingNames(ts, d.name, count);
      if ((list.flags & ts.NodeFlags.BlockScoped) === 0 && sf.text.startsWith('var', list.getStart(sf)))
        varStatements.push(stmt);
    } else if (
      (ts.isFunctionDeclaration(stmt) || ts.isClassDeclaration(stmt) || ts.isEnumDeclaration(stmt)) &&
      stmt.name
    ) {
      count(stmt.name.text);
    }
  }
  // `var x` declared again in a later cell would have to keep its type; as `let` it shadows like const.
  // Not when the cell itself declares the name twice (legal with var, an error with let).
  const unique = varStatements.every((s) =>
    s.declarationList.declarations.every((d) => {
      const own = new Set<string>();
      bindingNames(ts, d.name, (n) => own.add(n));
      return [...own].every((n) => names.get(n) === 1);
    }),
  );
  if (unique) for (const s of varStatements) lets.push(s.declarationList.getStart(sf));

  const chars = text.split('');
  for (const [a, b] of blanks) for (let i = a; i < b; i++) if (chars[i] !== '\n' && chars[i] !== '\r') chars[i] = ' ';
  for (const at of lets) chars.splice(at, 3, 'l', 'e', 't');
  return { body: chars.join(''), hoisted, syntaxErrors };
}

function bindingNames(ts: typeof TS, name: TS.BindingName, out: (n: string) => void): void {
  if (ts.isIdentifier(name)) {
    out(name.text);
    return;
  }
  for (const el of name.elements) if (!ts.isOmittedExpression(el)) bindingNames(ts, el.name, out);
}
