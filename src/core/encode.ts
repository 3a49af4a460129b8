/**
 * Feature encoding fitted on training rows: mean imputation, one-hot for categorical columns,
 * min-max scaling. The result is a dense row-major Float32Array the model consumes.
 */
import type { Column, Table } from './data/types';
import { SynthadInputError } from './errors';
import { listNames } from './text';

/** How one input column becomes encoded columns. Plain JSON: saved with the model. */
export type FeatureEncoding =
  | {
      readonly name: string;
      readonly kind: 'numeric' | 'binary';
      readonly mean: number;
      readonly min: number;
      readonly max: number;
    }
  | { readonly name: string; readonly kind: 'categorical'; readonly categories: ReadonlyArray<string> };

export interface EncoderState {
  readonly features: ReadonlyArray<FeatureEncoding>;
  /** Input columns left out because they were constant (or all one category) on the training rows. */
  readonly droppedConstant: ReadonlyArray<string>;
}

/** Where each kind of encoded column sits: what the synthetic sampler needs. */
export interface EncodedLayout {
  readonly width: number;
  /** Encoded columns drawn uniformly on [-delta, 1 + delta]. */
  readonly continuous: ReadonlyArray<number>;
  /** Encoded columns that are exactly {0, 1} on the training rows: drawn Bernoulli(0.5). */
  readonly binary: ReadonlyArray<number>;
  /** One-hot groups: `size` encoded columns starting at `start`, exactly one of them set. */
  readonly oneHot: ReadonlyArray<{ readonly start: number; readonly size: number }>;
  /** Encoded column names, e.g. 'TSH' or 'protocol_type=tcp'. */
  readonly names: ReadonlyArray<string>;
}

export interface EncodedMatrix {
  readonly x: Float32Array;
  readonly rows: number;
  readonly cols: number;
  /** Per categorical column, how many cells held a category not seen in training (encoded as all zeros). */
  readonly unknownCategories: Readonly<Record<string, number>>;
}

/** The most distinct values a categorical feature may have on the training rows (one-hot columns). */
export const MAX_CATEGORIES = 1000;
/** Also refused: more distinct values than this share of the training rows ... */
export const MAX_CATEGORY_SHARE = 0.5;
/** ... once there are more than this many (small tables with a few text values keep working). */
export const CATEGORY_SHARE_FROM = 100;

/**
 * Learns the encoding from the given rows (all rows when `rows` is omitted). A categorical column
 * with too many distinct values (an ID, free text, numbers that did not parse) is refused before
 * anything is sized by it.
 */
export function fitEncoder(columns: ReadonlyArray<Column>, rows?: ArrayLike<number>, source = 'data'): EncoderState {
  const idx = rows ?? range(columns.length > 0 ? columnLength(columns[0]) : 0);
  const features: FeatureEncoding[] = [];
  const droppedConstant: string[] = [];
  for (const col of columns) {
    const enc = fitColumn(col, idx, source);
    if (enc === undefined) droppedConstant.push(col.name);
    else features.push(enc);
  }
  if (features.length === 0) {
    throw new SynthadInputError(
      `every feature column is constant or empty on the training rows (${columns
        .map((c) => c.name)
        .slice(0, 10)
        .join(', ')}); expected at least one column that varies`,
      { file: source },
    );
  }
  return { features, droppedConstant };
}

function fitColumn(col: Column, rows: ArrayLike<number>, source: string): FeatureEncoding | undefined {
  if (col.kind === 'categorical') {
    const seen = new Set<string>();
    for (let i = 0; i < rows.length && seen.size <= COUNT_DISTINCT_UP_TO; i++) {
      const v = col.values[rows[i]];
      if (v !== null) seen.add(v);
    }
    checkCategoryCount(col.name, seen.size, rows.length, source);
    if (seen.size < 2) return undefined;
    return { name: col.name, kind: 'categorical', categories: [...seen].sort() };
  }
  let sum = 0,
    count = 0,
    min = Infinity,
    max = -Infinity,
    onlyZeroOne = true;
  for (let i = 0; i < rows.length; i++) {
    const v = col.values[rows[i]];
    if (Number.isNaN(v)) continue;
    sum += v;
    count++;
    if (v < min) min = v;
    if (v > max) max = v;
    if (v !== 0 && v !== 1) onlyZeroOne = false;
  }
  if (count === 0 || min === max) return undefined;
  const kind = onlyZeroOne ? 'binary' : 'numeric';
  return { name: col.name, kind, mean: sum / count, min, max };
}

/** Distinct values are counted up to this many (past MAX_CATEGORIES the column is refused anyway). */
const COUNT_DISTINCT_UP_TO = 100_000;

function checkCategoryCount(name: string, distinct: number, rows: number, source: string): void {
  let what: string;
  if (distinct > MAX_CATEGORIES) {
    const count = distinct > COUNT_DISTINCT_UP_TO ? `over ${COUNT_DISTINCT_UP_TO}` : String(distinct);
    what = `${count} distinct text values (more than ${MAX_CATEGORIES}, the most a categorical feature may have)`;
  } else if (distinct > CATEGORY_SHARE_FROM && distinct > MAX_CATEGORY_SHARE * rows) {
    const share = Math.round(MAX_CATEGORY_SHARE * 100);
    what = `${distinct} distinct text values in ${rows} training rows (more than ${share}% of them, and more than ${CATEGORY_SHARE_FROM})`;
  } else {
    return;
  }
  const cli = /^[\w.-]+$/.test(name) ? name : JSON.stringify(name);
  const notebook = `'${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  throw new SynthadInputError(
    `${what}; an ID or free-text column cannot be one-hot encoded: drop it (--drop ${cli}, or drop: [${notebook}] in a notebook), ` +
      'or fix its numbers if it should be numeric',
    { file: source, column: name },
  );
}

export function encodedLayout(state: EncoderState): EncodedLayout {
  const continuous: number[] = [],
    binary: number[] = [],
    names: string[] = [];
  const oneHot: { start: number; size: number }[] = [];
  for (const f of state.features) {
    if (f.kind === 'categorical') {
      oneHot.push({ start: names.length, size: f.categories.length });
      for (const c of f.categories) names.push(`${f.name}=${c}`);
    } else {
      (f.kind === 'binary' ? binary : continuous).push(names.length);
      names.push(f.name);
    }
  }
  return { width: names.length, continuous, binary, oneHot, names };
}

/**
 * Encodes the table's rows (or the given subset) with a fitted encoder. Columns are found by name,
 * so extra columns (a label, ids) are ignored; a missing or mistyped column is an error.
 */
export function encode(
  state: EncoderState,
  table: Pick<Table, 'columns' | 'source'>,
  rows?: ArrayLike<number>,
): EncodedMatrix {
  const layout = encodedLayout(state);
  const byName = new Map(table.columns.map((c) => [c.name, c] as const));
  const n = rows ? rows.length : table.columns.length > 0 ? columnLength(table.columns[0]) : 0;
  const x = new Float32Array(n * layout.width);
  const unknownCategories: Record<string, number> = {};
  let offset = 0;
  for (const f of state.features) {
    const col = byName.get(f.name);
    if (col === undefined) {
      const have = table.columns.map((c) => c.name);
      throw new SynthadInputError(
        `no column '${f.name}', which the model was trained on (columns here: ${listNames(have)})`,
        { file: table.source },
      );
    }
    if (f.kind === 'categorical') {
      unknownCategories[f.name] = encodeCategorical(f.categories, col, rows, n, x, offset, layout.width);
      offset += f.categories.length;
    } else {
      encodeNumeric(f, col, rows, n, x, offset, layout.width, table.source);
      offset += 1;
    }
  }
  return { x, rows: n, cols: layout.width, unknownCategories };
}

function encodeNumeric(
  f: { name: string; mean: number; min: number; max: number },
  col: Column,
  rows: ArrayLike<number> | undefined,
  n: number,
  x: Float32Array,
  offset: number,
  width: number,
  source: string,
): void {
  if (col.kind === 'categorical') {
    throw new SynthadInputError('expected numbers as in the training data, got text categories', {
      file: source,
      column: f.name,
    });
  }
  const span = f.max - f.min;
  const filled = (f.mean - f.min) / span;
  for (let i = 0; i < n; i++) {
    const v = col.values[rows ? rows[i] : i];
    x[i * width + offset] = Number.isNaN(v) ? filled : (v - f.min) / span;
  }
}

function encodeCategorical(
  categories: ReadonlyArray<string>,
  col: Column,
  rows: ArrayLike<number> | undefined,
  n: number,
  x: Float32Array,
  offset: number,
  width: number,
): number {
  const index = new Map(categories.map((c, i) => [c, i] as const));
  const text = (v: string | number | null): string | null =>
    v === null || (typeof v === 'number' && Number.isNaN(v)) ? null : String(v);
  let unknown = 0;
  for (let i = 0; i < n; i++) {
    const raw = col.values[rows ? rows[i] : i];
    const v = text(raw);
    if (v === null) continue; // missing category: all zeros, like an unseen one, but not counted
    const k = index.get(v);
    if (k === undefined) unknown++;
    else x[i * width + offset + k] = 1;
  }
  return unknown;
}

function columnLength(col: Column): number {
  return col.values.length;
}

function range(n: number): Uint32Array {
  const r = new Uint32Array(n);
  for (let i = 0; i < n; i++) r[i] = i;
  return r;
}

/** Re-exported for the modules that import it from here; the one implementation is in ./text. */
export { listNames };

/**
 * The inverse of `encode`: encoded rows back to columns in original units (one-hot groups to their
 * largest category, all-zero groups to null). Shows, for instance, what synthetic anomalies look like.
 */
export function decode(state: EncoderState, x: Float32Array, rows: number): Column[] {
  const width = encodedLayout(state).width;
  if (x.length !== rows * width)
    throw new RangeError(`expected ${rows} x ${width} = ${rows * width} values, got ${x.length}`);
  const columns: Column[] = [];
  let offset = 0;
  for (const f of state.features) {
    if (f.kind === 'categorical') {
      const at = offset;
      const values = Array.from({ length: rows }, (_, r): string | null => {
        let best = -1,
          bestValue = 0;
        for (let k = 0; k < f.categories.length; k++) {
          const v = x[r * width + at + k];
          if (v > bestValue) {
            bestValue = v;
            best = k;
          }
        }
        return best < 0 ? null : f.categories[best];
      });
      columns.push({ name: f.name, kind: 'categorical', values });
      offset += f.categories.length;
    } else {
      const at = offset,
        span = f.max - f.min;
      columns.push({
        name: f.name,
        kind: f.kind,
        values: Float64Array.from({ length: rows }, (_, r) => f.min + x[r * width + at] * span),
      });
      offset += 1;
    }
  }
  return columns;
}
