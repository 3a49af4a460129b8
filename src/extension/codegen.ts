/**
 * The code the commands insert into notebook cells. Command arguments come from quick picks, but also
 * from keybindings, other extensions and links (`command:` URIs), so none of them may become code:
 * every value is checked for its type and written as a JSON literal, and every variable name must be a
 * plain JavaScript identifier. Pure functions without VS Code, tested in test/unit/codegen.test.ts.
 */

/** A command argument that would not make safe, valid code; the message says which and why. */
export class CommandArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandArgumentError';
  }
}

/** Reserved words (ES2022, strict mode and module code), plus names strict code cannot bind. */
const RESERVED = new Set([
  'await',
  'break',
  'case',
  'catch',
  'class',
  'const',
  'continue',
  'debugger',
  'default',
  'delete',
  'do',
  'else',
  'enum',
  'export',
  'extends',
  'false',
  'finally',
  'for',
  'function',
  'if',
  'import',
  'in',
  'instanceof',
  'new',
  'null',
  'return',
  'super',
  'switch',
  'this',
  'throw',
  'true',
  'try',
  'typeof',
  'var',
  'void',
  'while',
  'with',
  'yield',
  'let',
  'static',
  'implements',
  'interface',
  'package',
  'private',
  'protected',
  'public',
  'arguments',
  'eval',
]);

/** Identifier start and part characters, as ECMAScript defines them (Unicode ID_Start / ID_Continue, `$`, `_`). */
const IDENTIFIER = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200C\u200D]*$/u;

/** Is `name` an identifier a cell can declare (`const name = …`) and refer to? */
export function isIdentifier(name: unknown): name is string {
  return typeof name === 'string' && IDENTIFIER.test(name) && !RESERVED.has(name);
}

/** `name` if it is a usable JavaScript identifier, else a CommandArgumentError naming the argument. */
export function identifier(name: unknown, what: string): string {
  if (typeof name !== 'string')
    throw new CommandArgumentError(`${what} must be a variable name (a string), got ${describe(name)}`);
  if (RESERVED.has(name))
    throw new CommandArgumentError(
      `${what} ${JSON.stringify(name)} is a reserved word in JavaScript; choose another variable name`,
    );
  if (!IDENTIFIER.test(name)) {
    throw new CommandArgumentError(
      `${what} ${JSON.stringify(name)} is not a JavaScript identifier (letters, digits, _ and $, not starting with a digit)`,
    );
  }
  return name;
}

/** A string argument, or a CommandArgumentError. */
export function text(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new CommandArgumentError(`${what} must be a string, got ${describe(value)}`);
  return value;
}

/** A whole number ≥ `min` (a safe integer), or a CommandArgumentError. */
export function wholeNumber(value: unknown, what: string, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new CommandArgumentError(`${what} must be a whole number ≥ ${min}, got ${describe(value)}`);
  }
  return value;
}

/** A list of strings, or a CommandArgumentError. */
export function textList(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new CommandArgumentError(`${what} must be a list of strings, got ${describe(value)}`);
  }
  return [...value] as string[];
}

/** A label value meaning normal: text, a number, or a list of them (as `load`'s `normal` option takes). */
export function normalValue(value: unknown, what: string): string | number | Array<string | number> {
  const one = (v: unknown): v is string | number =>
    typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
  if (one(value)) return value;
  if (Array.isArray(value) && value.length > 0 && value.every(one)) return [...value];
  throw new CommandArgumentError(
    `${what} must be a label value (a string or number, or a list of them), got ${describe(value)}`,
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** A JSON literal: for strings, numbers and lists of them, valid JavaScript and TypeScript that evaluates to the value. */
function literal(value: string | number | ReadonlyArray<string | number>): string {
  return JSON.stringify(value);
}

export interface LoadCell {
  readonly variable: unknown;
  /** The path as the cell should name it (relative to the notebook where possible). */
  readonly file: unknown;
  /** Label column; undefined or '' for none. */
  readonly label?: unknown;
  readonly normal?: unknown;
}

/** `const v = await load("file", { label: "…", normal: "…" });\nv` */
export function loadCellCode(a: LoadCell): string {
  const variable = identifier(a.variable, 'variable');
  const file = text(a.file, 'path');
  const label = a.label === undefined ? '' : text(a.label, 'label');
  const options = label ? `, { label: ${literal(label)}, normal: ${literal(normalValue(a.normal, 'normal'))} }` : '';
  return `const ${variable} = await load(${literal(file)}${options});\n${variable}`;
}

export interface TrainCell {
  readonly variable: unknown;
  readonly dataset: unknown;
  /** Known anomaly types; undefined for unlabelled data (the option is left out). */
  readonly known?: unknown;
  /** Most epochs (methods that train in epochs); undefined: left out. */
  readonly epochs?: unknown;
  readonly seed: unknown;
  readonly method?: unknown;
}

/**
 * `const d = await new Detector({ known: […], epochs: N, seed: N }).fit(dataset);\nd`; without `known`
 * (a dataset loaded without a label column) `new Detector({ seed: N, epochs: N })`.
 */
export function trainCellCode(a: TrainCell): string {
  const variable = identifier(a.variable, 'variable');
  const dataset = identifier(a.dataset, 'dataset');
  const epochs = a.epochs === undefined ? [] : [`epochs: ${literal(wholeNumber(a.epochs, 'epochs', 1))}`];
  const method = a.method !== undefined ? [`method: ${literal(text(a.method, 'method'))}`] : [];
  if (a.known === undefined) {
    const opts = [`seed: ${literal(wholeNumber(a.seed, 'seed', 0))}`, ...epochs, ...method];
    return `const ${variable} = await new Detector({ ${opts.join(', ')} }).fit(${dataset});\n${variable}`;
  }
  const opts = [
    `known: ${literal(textList(a.known, 'known'))}`,
    ...epochs,
    `seed: ${literal(wholeNumber(a.seed, 'seed', 0))}`,
    ...method,
  ];
  return `const ${variable} = await new Detector({ ${opts.join(', ')} }).fit(${dataset});\n${variable}`;
}

/** `plot.scores(rep)` / `plot.roc(rep)` */
export function plotCellCode(kind: 'scores' | 'roc', report: unknown): string {
  return `plot.${kind}(${identifier(report, 'report')})`;
}

/** `await exportScores(d, t, "file.csv")` */
export function exportCellCode(detector: unknown, dataset: unknown, file: unknown): string {
  return `await exportScores(${identifier(detector, 'detector')}, ${identifier(dataset, 'dataset')}, ${literal(text(file, 'file'))})`;
}

/** `await d.save("folder")` */
export function saveModelCellCode(detector: unknown, folder: unknown): string {
  return `await ${identifier(detector, 'detector')}.save(${literal(text(folder, 'folder'))})`;
}

/** `const m = await Detector.load("folder");\nm` */
export function loadModelCellCode(variable: unknown, folder: unknown): string {
  const v = identifier(variable, 'variable');
  return `const ${v} = await Detector.load(${literal(text(folder, 'folder'))});\n${v}`;
}

/** 'thyroid-train' -> 'thyroidTrain'; always a valid identifier for generated code. */
export function identifierFrom(name: string): string {
  const words = name.split(/[^A-Za-z0-9_$]+/).filter(Boolean);
  let id = words
    .map((w, i) => (i === 0 ? w.charAt(0).toLowerCase() + w.slice(1) : w.charAt(0).toUpperCase() + w.slice(1)))
    .join('');
  if (!id || /^\d/.test(id)) id = `data${id}`;
  if (RESERVED.has(id)) id = `${id}Data`;
  return id;
}
