/**
 * Turns a notebook cell (TypeScript or JavaScript) into a script the kernel can evaluate with
 * notebook semantics:
 *   - top-level `const/let/var/function/class` and imports become globals, so later cells see them and a
 *     re-run cell may declare them again;
 *   - top-level `await` works (the cell runs inside an async function);
 *   - the value of a final expression statement is returned (and displayed by the kernel).
 * Types are stripped with sucrase, which keeps line numbers; the rewrites below keep them too, so a
 * stack trace points at the cell's own lines (the wrapper sits on an extra first line, hence lineOffset -1).
 */
import { transform as sucrase } from 'sucrase';
import * as acorn from 'acorn';

export type CellLanguage = 'typescript' | 'javascript';

export interface TransformedCell {
  /** A script whose completion value is a Promise of the cell's last expression value. */
  readonly code: string;
  /** Evaluate with this lineOffset so stack lines match the cell's lines. */
  readonly lineOffset: number;
  /** Names the cell declares at top level (they become globals). */
  readonly declared: ReadonlyArray<string>;
}

/** A syntax error in a cell, with the 1-based line and column in the cell's own text. */
export class CellSyntaxError extends SyntaxError {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${message} (line ${line}, column ${column})`);
    this.name = 'SyntaxError';
  }
}

interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

// acorn's ESTree nodes, reduced to what the rewrites read.
type Node = acorn.Node & Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Globals the kernel uses for imports; users do not see them. */
export const REQUIRE_NAME = '__synthadRequire';
export const INTEROP_NAME = '__synthadDefault';

export function transformCell(source: string, language: CellLanguage): TransformedCell {
  const js = language === 'typescript' ? stripTypes(source) : source;
  let program: Node;
  try {
    program = acorn.parse(js, {
      ecmaVersion: 'latest',
      sourceType: 'module',
      allowAwaitOutsideFunction: true,
      allowHashBang: true,
    }) as Node;
  } catch (err) {
    const e = err as SyntaxError & { loc?: { line: number; column: number } };
    const message = e.message.replace(/\s*\(\d+:\d+\)$/, '');
    throw new CellSyntaxError(message, e.loc?.line ?? 1, (e.loc?.column ?? 0) + 1);
  }
  const edits: Edit[] = [];
  const declared = new Set<string>();
  const functions: string[] = [];
  const body = program.body as Node[];
  body.forEach((stmt, i) => rewriteStatement(js, stmt, i === body.length - 1, edits, declared, functions));
  const rewritten = applyEdits(js, edits);
  // Line 0 (hidden by lineOffset -1): make sure every declared name exists as a global, then publish
  // hoisted function declarations so calls before their definition work as in a script.
  const names = JSON.stringify([...declared]);
  const prologue =
    `(async () => { for (const n of ${names}) if (!(n in globalThis)) globalThis[n] = undefined; ` +
    functions.map((f) => `globalThis[${JSON.stringify(f)}] = ${f};`).join(' ');
  return { code: `${prologue}\n${rewritten}\n})()`, lineOffset: -1, declared: [...declared] };
}

function stripTypes(source: string): string {
  try {
    return sucrase(source, { transforms: ['typescript'], disableESTransforms: true, keepUnusedImports: true }).code;
  } catch (err) {
    const e = err as Error & { loc?: { line: number; column: number } };
    const m = /\((\d+):(\d+)\)/.exec(e.message);
    const line = e.loc?.line ?? (m ? Number(m[1]) : 1);
    const column = (e.loc?.column ?? (m ? Number(m[2]) : 0)) + 1;
    throw new CellSyntaxError(e.message.replace(/\s*\(\d+:\d+\)$/, ''), line, column);
  }
}

function rewriteStatement(
  src: string,
  stmt: Node,
  last: boolean,
  edits: Edit[],
  declared: Set<string>,
  functions: string[],
): void {
  switch (stmt.type) {
    case 'ImportDeclaration':
      edits.push({ start: stmt.start, end: stmt.end, text: importAsAssignments(src, stmt, declared) });
      return;
    case 'ExportNamedDeclaration':
      if (!stmt.declaration) {
        edits.push({ start: stmt.start, end: stmt.end, text: keepLines(src.slice(stmt.start, stmt.end), '') });
        return;
      }
      edits.push({ start: stmt.start, end: stmt.declaration.start, text: '' });
      rewriteStatement(src, stmt.declaration, last, edits, declared, functions);
      return;
    case 'ExportDefaultDeclaration':
      edits.push({ start: stmt.start, end: stmt.declaration.start, text: '' });
      if (stmt.declaration.type.endsWith('Declaration'))
        rewriteStatement(src, stmt.declaration, last, edits, declared, functions);
      return;
    case 'VariableDeclaration':
      rewriteVariables(stmt, edits, declared);
      return;
    case 'FunctionDeclaration':
      declared.add(stmt.id.name);
      functions.push(stmt.id.name);
      return;
    case 'ClassDeclaration':
      declared.add(stmt.id.name);
      edits.push({ start: stmt.start, end: stmt.start, text: `;${stmt.id.name} = ` });
      edits.push({ start: stmt.end, end: stmt.end, text: ';' });
      return;
    case 'ExpressionStatement':
      if (last && !stmt.directive) {
        edits.push({ start: stmt.expression.start, end: stmt.expression.start, text: 'return (' });
        edits.push({ start: stmt.expression.end, end: stmt.expression.end, text: ')' });
      }
      return;
    default:
      return;
  }
}

/** `const a = 1, {b} = o` -> `;(a = 1), ({b} = o)`: assignments to globals, same lines. */
function rewriteVariables(decl: Node, edits: Edit[], declared: Set<string>): void {
  edits.push({ start: decl.start, end: decl.start + (decl.kind as string).length, text: ';' });
  for (const d of decl.declarations as Node[]) {
    patternNames(d.id, declared);
    edits.push({ start: d.start, end: d.start, text: '(' });
    edits.push({ start: d.end, end: d.end, text: d.init ? ')' : ' = undefined)' });
  }
}

function patternNames(p: Node, out: Set<string>): void {
  switch (p.type) {
    case 'Identifier':
      out.add(p.name);
      return;
    case 'ObjectPattern':
      for (const prop of p.properties as Node[])
        patternNames(prop.type === 'RestElement' ? prop.argument : prop.value, out);
      return;
    case 'ArrayPattern':
      for (const el of p.elements as Array<Node | null>) if (el) patternNames(el, out);
      return;
    case 'AssignmentPattern':
      patternNames(p.left, out);
      return;
    case 'RestElement':
      patternNames(p.argument, out);
      return;
    default:
      return;
  }
}

/** `import d, {a as b} from 'm'` -> assignments from the notebook's require, keeping the line count. */
function importAsAssignments(src: string, stmt: Node, declared: Set<string>): string {
  const mod = `${REQUIRE_NAME}(${JSON.stringify(stmt.source.value)})`;
  const specs = stmt.specifiers as Node[];
  let text: string;
  if (specs.length === 0) {
    text = `${mod};`;
  } else {
    const parts = [`const __m = ${mod};`];
    for (const s of specs) {
      const local = s.local.name as string;
      declared.add(local);
      if (s.type === 'ImportDefaultSpecifier') parts.push(`${local} = ${INTEROP_NAME}(__m);`);
      else if (s.type === 'ImportNamespaceSpecifier') parts.push(`${local} = __m;`);
      else {
        const imported = s.imported.type === 'Identifier' ? s.imported.name : s.imported.value;
        parts.push(`${local} = __m[${JSON.stringify(imported)}];`);
      }
    }
    text = `{ ${parts.join(' ')} }`;
  }
  return keepLines(src.slice(stmt.start, stmt.end), text);
}

/** Pads `text` with the newlines `original` spans, so later lines keep their numbers. */
function keepLines(original: string, text: string): string {
  return text + '\n'.repeat((original.match(/\n/g) ?? []).length);
}

function applyEdits(src: string, edits: Edit[]): string {
  const sorted = edits.map((e, i) => ({ ...e, i })).sort((a, b) => a.start - b.start || a.i - b.i);
  let out = '';
  let pos = 0;
  for (const e of sorted) {
    out += src.slice(pos, e.start) + e.text;
    pos = Math.max(pos, e.end);
  }
  return out + src.slice(pos);
}
