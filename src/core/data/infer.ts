/**
 * Column typing: turns the raw cells of one column, pushed row by row, into a typed Column.
 *
 * Memory stays at one Float64Array per numeric column and one string slot per cell of a text
 * column (category strings interned), whatever the file size: no per-row objects are kept.
 */
import { SynthadInputError } from '../errors';
import { listFirst } from '../text';
import type { Column, LoadOptions, Table } from './types';

/** Cell texts that mean "missing", compared after trimming and lower-casing. */
const MISSING_TEXTS = new Set(['', 'na', 'n/a', '?', 'null']);
const NUMBER_PATTERN = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE_PATTERN = /^[+-]?(?:nan|inf|infinity)$/i;
/** With a decimal comma: `0,97`, `-1,5e3`. */
const DECIMAL_COMMA_PATTERN = /^[+-]?\d+,\d+(?:[eE][+-]?\d+)?$/;
/** With a decimal comma and thousands points: `1.234,56`. */
const POINT_THOUSANDS_COMMA_PATTERN = /^[+-]?\d{1,3}(?:\.\d{3})+,\d+$/;
/** With option decimal ',': thousands points, decimals optional (`1.234`, `1.234,5`). */
const POINT_THOUSANDS_PATTERN = /^[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?$/;
/** With option decimal ',': numbers without a point (`12`, `1e5`). */
const NO_POINT_PATTERN = /^[+-]?\d+(?:[eE][+-]?\d+)?$/;
/** Thousands commas (`1,234`, `12,345,678.5`). */
const COMMA_THOUSANDS_PATTERN = /^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/;
/** A column is "numbers with junk" (an error) when at least this share of its cells are numbers. */
const NUMERIC_SHARE = 0.9;
/** Text cells a numeric column keeps aside before it switches to one string per row. */
const SPARSE_TEXT_LIMIT = 64;
const INTERN_LIMIT = 100_000;
/** Rows for which the first text of each number is kept (later ones are rebuilt with formatNumber). */
const NUMBER_TEXT_ROWS = 4096;

/**
 * How a column reads numbers written as text. plain: `1.5`, `1e3` only; thousands: also `1,234.5`;
 * comma-guess (`;` files): also `0,97` and `1.234,56`, provided the column has no number with a
 * decimal point; comma (option decimal ','): `0,97`, `1.234,56`, `1.234` and integers, never `1.5`.
 */
export type NumberStyle = 'plain' | 'thousands' | 'comma-guess' | 'comma';

/** The number style of columns read from a source with this delimiter (undefined: not delimited text). */
export function numberStyle(options: LoadOptions, delimiter?: string): NumberStyle {
  if (options.decimal === ',') return 'comma';
  if (options.decimal === '.') return 'thousands';
  if (delimiter === undefined) return 'plain';
  return delimiter === ';' ? 'comma-guess' : 'thousands';
}

/** Where rows live in the source, for error messages. */
export interface RowLocator {
  readonly file: string;
  /** Line where each row starts; absent where rows are records (JSON arrays, in-memory data). */
  readonly lineOfRow?: Uint32Array;
}

/** An input error about one cell: "FILE, line N, column 'c': ..." or "FILE, record N, column 'c': ...". */
export function cellError(at: RowLocator, row: number, column: string | undefined, message: string): SynthadInputError {
  if (at.lineOfRow !== undefined) {
    return new SynthadInputError(message, { file: at.file, line: at.lineOfRow[row], column });
  }
  const error = new SynthadInputError(message, { file: at.file, column });
  const columnPart = column === undefined ? '' : `, column '${column}'`;
  error.message = `${at.file}, record ${row + 1}${columnPart}: ${message}`;
  return error;
}

/** The label text of a number: 1 -> '1', 0.5 -> '0.5' (no trailing '.0'). */
export function formatNumber(value: number): string {
  return Object.is(value, -0) ? '0' : String(value);
}

/** Extra missing-value texts from the options, ready for `ColumnBuilder`. */
export function missingTexts(extra: ReadonlyArray<string> = []): ReadonlySet<string> {
  if (extra.length === 0) return MISSING_TEXTS;
  return new Set([...MISSING_TEXTS, ...extra.map((s) => s.trim().toLowerCase())]);
}

/** `FILE: no column 'x' (columns: ...)`, with a did-you-mean where only the case differs. */
export function noColumnError(file: string, name: string, names: ReadonlyArray<string>, purpose = ''): SynthadInputError {
  const near = names.find((n) => n.toLowerCase() === name.toLowerCase());
  const hint = near === undefined ? '' : `did you mean '${near}'? `;
  return new SynthadInputError(`no column '${name}'${purpose} (${hint}columns: ${listFirst(names)})`, { file });
}

/** Throws on a repeated column name. */
export function checkUniqueNames(file: string, names: ReadonlyArray<string>, line?: number): void {
  const firstIndex = new Map<string, number>();
  names.forEach((name, i) => {
    const first = firstIndex.get(name);
    if (first !== undefined) {
      throw new SynthadInputError(`duplicate column name (columns ${first + 1} and ${i + 1})`, { file, line, column: name });
    }
    firstIndex.set(name, i);
  });
}

/** Throws where `label`, `drop` or `categorical` names a column the table does not have. */
export function checkOptionColumns(file: string, names: ReadonlyArray<string>, options: LoadOptions): void {
  const known = new Set(names);
  if (options.label !== undefined && !known.has(options.label)) throw noColumnError(file, options.label, names);
  for (const name of options.drop ?? []) if (!known.has(name)) throw noColumnError(file, name, names, ' to drop');
  for (const name of options.categorical ?? []) {
    if (!known.has(name)) throw noColumnError(file, name, names, ' to make categorical');
  }
}

/**
 * A builder for one column: dropped and forced-categorical columns are kept as text, unchecked;
 * the label column is typed but never rejected (mixed numbers and text make it categorical).
 */
export function builderFor(
  name: string, options: LoadOptions, missing: ReadonlySet<string>, style: NumberStyle = numberStyle(options),
): ColumnBuilder {
  if ((options.drop ?? []).includes(name) || (options.categorical ?? []).includes(name)) {
    return new ColumnBuilder(name, 'text', missing);
  }
  return new ColumnBuilder(name, name === options.label ? 'lenient' : 'checked', missing, style);
}

/**
 * Builders for a header's columns, after checking the names and the options. `delimiter`: the
 * file's, which decides how numbers may be written (see `numberStyle`).
 */
export function createBuilders(
  file: string, names: ReadonlyArray<string>, options: LoadOptions, line?: number, delimiter?: string,
): ColumnBuilder[] {
  checkUniqueNames(file, names, line);
  checkOptionColumns(file, names, options);
  const missing = missingTexts(options.missing);
  const style = numberStyle(options, delimiter);
  return names.map((name) => builderFor(name, options, missing, style));
}

/** The finished table: each builder typed (may throw on junk cells). */
export function finishTable(
  source: string, builders: ReadonlyArray<ColumnBuilder>, lineOfRow?: Uint32Array, warnings: ReadonlyArray<string> = [],
): Table {
  const at: RowLocator = { file: source, lineOfRow };
  const columns = builders.map((builder) => builder.finish(at));
  const rowCount = builders.length > 0 ? builders[0].rowCount : 0;
  const table: Table = lineOfRow === undefined ? { source, rowCount, columns } : { source, rowCount, columns, lineOfRow };
  return warnings.length === 0 ? table : { ...table, warnings };
}

/** Copies a string so it does not keep a whole parsed chunk alive (V8 sliced strings). */
function detach(text: string): string {
  return text.length < 13 ? text : Buffer.from(text, 'utf8').toString('utf8');
}

/**
 * checked: numbers or text, junk among numbers is an error; text: kept as text as written;
 * lenient: like checked, but numbers mixed with junk make a categorical column, not an error.
 */
export type BuilderMode = 'checked' | 'text' | 'lenient';

/** Collects one column's cells, row by row, and decides its kind at the end. */
export class ColumnBuilder {
  private rows = 0;
  private numbers = new Float64Array(1024);
  /** One string per row (null = missing) once the column is mostly text; null before. */
  private texts: (string | null)[] | null = null;
  /** Text cells of a still-numeric column: their rows and texts. */
  private sparseRows: number[] = [];
  private sparseTexts: string[] = [];
  /** The first text seen for each number, to rebuild the cells if the column turns out text. */
  private readonly numberTexts = new Map<number, string>();
  private readonly interned = new Map<string, string>();
  private finiteCount = 0;
  private nonFiniteCount = 0;
  private textCount = 0;
  private onlyZeroOne = true;
  private firstText = -1;
  private firstNonFinite = -1;
  private firstTextCell = '';
  private firstNonFiniteCell = '';
  private longestMissing = 0;
  /** Cells read as numbers only thanks to the style: `0,97`, `1,234` (and the first of them). */
  private styledCount = 0;
  private firstStyled = -1;
  private firstStyledCell = '';
  /** comma-guess: numbers with a decimal point, which a decimal comma elsewhere contradicts. */
  private pointCount = 0;
  private firstPoint = -1;
  private firstPointCell = '';
  private readonly forceText: boolean;
  private readonly customMissing: boolean;

  constructor(
    readonly name: string,
    private readonly mode: BuilderMode,
    private readonly missing: ReadonlySet<string> = MISSING_TEXTS,
    private readonly style: NumberStyle = 'plain',
  ) {
    this.forceText = mode === 'text';
    this.customMissing = missing !== MISSING_TEXTS;
    if (this.forceText) this.texts = [];
    for (const text of missing) this.longestMissing = Math.max(this.longestMissing, text.length);
  }

  get rowCount(): number {
    return this.rows;
  }

  /** Adds `count` missing cells (a JSON key first seen after some records). */
  padMissing(count: number): void {
    for (let i = 0; i < count; i++) this.pushMissing();
  }

  /** A cell read as text (CSV). */
  pushText(raw: string): void {
    const text = raw.trim();
    const first = text.charCodeAt(0);
    // digit, '+', '-' or '.': can only be missing where the options add such a missing text
    const numberLike = (first >= 48 && first <= 57) || first === 43 || first === 45 || first === 46;
    if ((!numberLike || this.customMissing) && this.isMissing(text)) return this.pushMissing();
    if (this.forceText) return this.addText(text, false);
    if (numberLike) {
      if (this.style === 'comma' ? NO_POINT_PATTERN.test(text) : NUMBER_PATTERN.test(text)) {
        const value = Number(text);
        if (!Number.isFinite(value)) return this.addText(text, true);
        if (this.style === 'comma-guess' && text.includes('.') && this.pointCount++ === 0) {
          [this.firstPoint, this.firstPointCell] = [this.rows, text];
        }
        return this.addNumber(value, text);
      }
      if (this.style !== 'plain') {
        const value = this.styledNumber(text);
        if (value !== undefined) {
          if (this.styledCount++ === 0) [this.firstStyled, this.firstStyledCell] = [this.rows, text];
          return this.addNumber(value, text);
        }
      }
    }
    this.addText(text, NON_FINITE_PATTERN.test(text));
  }

  /** A number written the way the style allows besides plain numbers, or undefined. */
  private styledNumber(text: string): number | undefined {
    let plain: string | undefined;
    if (this.style === 'thousands') {
      if (COMMA_THOUSANDS_PATTERN.test(text)) plain = text.replace(/,/g, '');
    } else if (this.style === 'comma' ? POINT_THOUSANDS_PATTERN.test(text) || DECIMAL_COMMA_PATTERN.test(text)
      : DECIMAL_COMMA_PATTERN.test(text) || POINT_THOUSANDS_COMMA_PATTERN.test(text)) {
      plain = text.replace(/\./g, '').replace(',', '.');
    }
    if (plain === undefined) return undefined;
    const value = Number(plain);
    return Number.isFinite(value) ? value : undefined;
  }

  private isMissing(text: string): boolean {
    return text.length === 0 || (text.length <= this.longestMissing && this.missing.has(text.toLowerCase()));
  }

  /** A JSON or DataFrame value: numbers and booleans (0/1) are numbers; null, undefined and NaN missing; strings as text. */
  pushValue(value: unknown): void {
    if (value === null || value === undefined) return this.pushMissing();
    if (typeof value === 'string') return this.pushText(value);
    if (typeof value === 'boolean') value = value ? 1 : 0;
    if (typeof value === 'number') {
      if (Number.isNaN(value)) return this.pushMissing();
      if (this.forceText) return this.addText(formatNumber(value), false);
      if (Number.isFinite(value)) return this.addNumber(value, formatNumber(value));
      return this.addText(String(value), true);
    }
    this.addText(JSON.stringify(value) ?? String(value), false);
  }

  pushMissing(): void {
    if (this.texts !== null) this.storeText(null);
    else this.store(NaN);
  }

  /** Decides the column's kind; throws on numbers mixed with junk or NaN/Infinity. */
  finish(at: RowLocator): Column {
    if (this.forceText) return this.textColumn();
    if (this.mode === 'lenient' && (this.textCount > 0 || this.nonFiniteCount > 0)) return this.textColumn();
    const numeric = this.finiteCount + this.nonFiniteCount;
    if (this.textCount === 0 && this.nonFiniteCount > 0) {
      const got = this.firstNonFiniteCell;
      throw cellError(at, this.firstNonFinite, this.name, `expected a finite number, got '${got}'`);
    }
    if (this.textCount === 0 && this.styledCount > 0 && this.pointCount > 0) {
      if (this.mode === 'lenient') return this.textColumn();
      throw this.mixedDecimalsError(at);
    }
    if (this.textCount === 0) {
      const kind = this.finiteCount > 0 && this.onlyZeroOne ? 'binary' : 'numeric';
      const values = this.numbers.length === this.rows ? this.numbers : this.numbers.slice(0, this.rows);
      this.numbers = new Float64Array(0); // let the spare capacity go now, not with the builder
      return { name: this.name, kind, values };
    }
    if (numeric >= NUMERIC_SHARE * (numeric + this.textCount)) {
      const got = this.firstTextCell;
      const hint = this.style === 'comma' && NUMBER_PATTERN.test(got) ? " (with option decimal ',', a point only separates thousands)" : '';
      throw cellError(at, this.firstText, this.name, `expected a number, got '${got}'${hint}`);
    }
    return this.textColumn();
  }

  /** comma-guess: `0,97` in one cell and `1.5` in another; the later of the two first ones is named. */
  private mixedDecimalsError(at: RowLocator): SynthadInputError {
    const comma = { row: this.firstStyled, cell: this.firstStyledCell, kind: 'comma' };
    const point = { row: this.firstPoint, cell: this.firstPointCell, kind: 'point' };
    const [earlier, later] = comma.row < point.row ? [comma, point] : [point, comma];
    const where = at.lineOfRow !== undefined ? `line ${at.lineOfRow[earlier.row]}` : `record ${earlier.row + 1}`;
    const message =
      `'${later.cell}' has a decimal ${later.kind}, but ${where} has a decimal ${earlier.kind} ('${earlier.cell}'); ` +
      "write every number one way, or give option decimal ',' (a point then separates thousands) or '.'";
    return cellError(at, later.row, this.name, message);
  }

  private textColumn(): Column {
    if (this.texts === null) this.switchToTexts();
    return { name: this.name, kind: 'categorical', values: this.texts ?? [] };
  }

  private addNumber(value: number, text: string): void {
    this.finiteCount++;
    if (value !== 0 && value !== 1) this.onlyZeroOne = false;
    if (this.texts !== null) {
      this.storeText(this.intern(text));
      return;
    }
    if (this.rows < NUMBER_TEXT_ROWS && !this.numberTexts.has(value)) {
      this.numberTexts.set(value, detach(text));
    }
    this.store(value);
  }

  /** A non-number cell; `nonFinite` for NaN/Infinity spellings (errors in a numeric column). */
  private addText(text: string, nonFinite: boolean): void {
    if (nonFinite) {
      if (this.nonFiniteCount++ === 0) [this.firstNonFinite, this.firstNonFiniteCell] = [this.rows, text];
    } else if (this.textCount++ === 0) {
      [this.firstText, this.firstTextCell] = [this.rows, text];
    }
    if (this.texts !== null) {
      this.storeText(this.intern(text));
      return;
    }
    this.sparseRows.push(this.rows);
    this.sparseTexts.push(this.intern(text));
    this.store(NaN);
    const seen = this.finiteCount + this.nonFiniteCount + this.textCount;
    if (this.sparseTexts.length > SPARSE_TEXT_LIMIT && this.textCount > (1 - NUMERIC_SHARE) * seen) {
      this.switchToTexts();
    }
  }

  private storeText(text: string | null): void {
    this.texts?.push(text);
    this.rows++;
  }

  private store(value: number): void {
    if (this.rows === this.numbers.length) {
      const grown = new Float64Array(this.numbers.length * 2);
      grown.set(this.numbers);
      this.numbers = grown;
    }
    this.numbers[this.rows++] = value;
  }

  /** From numbers plus a few texts to one string per row (the column is mostly text). */
  private switchToTexts(): void {
    // Numbers whose first text was not kept are written back the way the column writes them.
    const commaDecimals = (this.style === 'comma' || this.style === 'comma-guess') && this.styledCount > 0 && this.pointCount === 0;
    const format = (value: number): string => (commaDecimals ? formatNumber(value).replace('.', ',') : formatNumber(value));
    const texts: (string | null)[] = new Array(this.rows);
    let next = 0;
    for (let row = 0; row < this.rows; row++) {
      if (next < this.sparseRows.length && this.sparseRows[next] === row) {
        texts[row] = this.sparseTexts[next++];
        continue;
      }
      const value = this.numbers[row];
      texts[row] = Number.isNaN(value) ? null : this.intern(this.numberTexts.get(value) ?? format(value));
    }
    this.texts = texts;
    this.numbers = new Float64Array(0);
    this.sparseRows = [];
    this.sparseTexts = [];
    this.numberTexts.clear();
  }

  private intern(text: string): string {
    const known = this.interned.get(text);
    if (known !== undefined) return known;
    const copy = detach(text);
    if (this.interned.size < INTERN_LIMIT) this.interned.set(copy, copy);
    return copy;
  }
}

/** Per-row line numbers, growing as rows arrive. */
export class LineRecorder {
  private lines = new Uint32Array(1024);
  private count = 0;

  push(line: number): void {
    if (this.count === this.lines.length) {
      const grown = new Uint32Array(this.lines.length * 2);
      grown.set(this.lines);
      this.lines = grown;
    }
    this.lines[this.count++] = line;
  }

  finish(): Uint32Array {
    return this.lines.slice(0, this.count);
  }
}
