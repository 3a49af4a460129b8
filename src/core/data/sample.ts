/**
 * Option `sample`: a seeded uniform random sample of a file's rows, drawn while the file streams
 * (reservoir sampling, Algorithm R: Vitter 1985), one reservoir per label value or one for the file.
 *
 * Only the kept rows' raw cells (copied out of the parser's chunks) and their line numbers are held:
 * memory is O(sample × columns) strings, whatever the file's length. When the stream ends the loaders
 * push the kept rows, in file order, through the same column builders a full load uses, so typing,
 * error messages and line numbers are those of a file holding only these rows.
 */
import { SynthadInputError } from '../errors';
import { createRng, Rng } from '../rng';
import { listCounts } from '../text';
import { formatNumber } from './infer';
import type { LoadOptions, SampledClass, SampleInfo } from './types';

/** The largest `sample` option: past it, sampling saves little over reading the file whole. */
export const MAX_SAMPLE = 50_000_000;
/**
 * The most distinct label values a per-class sample keeps a reservoir for. A "label" with more values is
 * an id or a measurement, and a sample of each value would be the whole file.
 */
export const MAX_SAMPLE_CLASSES = 10_000;
/** The largest `sampleSeed` (seeds are unsigned 32-bit, as the detector's). */
export const MAX_SAMPLE_SEED = 2 ** 32 - 1;

const PLAIN_NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * The class of a row from its label cell's text: trimmed; a missing text ('', NA, ?, …, `missing`) is '';
 * a plain number is written as the label decoder writes numbers ('1.0' and '1' are both '1').
 */
export function classOfText(raw: string, missing: ReadonlySet<string>): string {
  const text = raw.trim();
  if (missing.has(text.toLowerCase())) return '';
  if (PLAIN_NUMBER.test(text)) {
    const value = Number(text);
    if (Number.isFinite(value)) return formatNumber(value);
  }
  return text;
}

/** The class of a row from its label value in a JSON record (as `ColumnBuilder.pushValue` reads it). */
export function classOfValue(value: unknown, missing: ReadonlySet<string>): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return classOfText(value, missing);
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number') return Number.isNaN(value) ? '' : formatNumber(value);
  return JSON.stringify(value) ?? String(value);
}

/**
 * A copy of `text` that does not keep the parser's whole chunk alive (V8 makes substrings of 13 or more
 * characters slices of their parent). The text was decoded from UTF-8, so the round trip is exact.
 */
export function detach(text: string): string {
  return text.length < 13 ? text : Buffer.from(text, 'utf8').toString('utf8');
}

interface Reservoir<T> {
  readonly label: string;
  /** Rows of this class offered so far. */
  seen: number;
  readonly lines: number[];
  readonly items: T[];
}

/**
 * Keeps a uniform random sample of at most `size` rows per class from rows offered one at a time, each with
 * the line it starts on. One generator, seeded once, draws for every class in file order, so the same seed
 * and file give the same rows.
 */
export class RowSampler<T> {
  readonly size: number;
  readonly seed: number;
  private readonly rng: Rng;
  private readonly classes = new Map<string, Reservoir<T>>();
  private offered = 0;

  /** `perClass`: one reservoir per label value (the caller passes the row's class to `offer`). */
  constructor(private readonly file: string, options: LoadOptions, readonly perClass: boolean) {
    this.size = options.sample ?? MAX_SAMPLE;
    this.seed = options.sampleSeed ?? 0;
    this.rng = createRng(this.seed);
  }

  /** Data rows offered so far. */
  get rowsSeen(): number {
    return this.offered;
  }

  /**
   * Offers one data row of class `label` ('' for every row without `perClass`) starting on `line`. `take`
   * copies the row; it is called only when the row goes into the sample (at first, or replacing another).
   */
  offer(label: string, line: number, take: () => T): void {
    this.offered++;
    let reservoir = this.classes.get(label);
    if (reservoir === undefined) {
      if (this.classes.size === MAX_SAMPLE_CLASSES) throw this.tooManyClasses();
      reservoir = { label, seen: 0, lines: [], items: [] };
      this.classes.set(label, reservoir);
    }
    const seen = ++reservoir.seen;
    if (seen <= this.size) {
      reservoir.lines.push(line);
      reservoir.items.push(take());
      return;
    }
    const slot = this.draw(seen);
    if (slot < this.size) {
      reservoir.lines[slot] = line;
      reservoir.items[slot] = take();
    }
  }

  /** The kept rows in file order, with their lines; the reservoirs are emptied. */
  finish(): { lines: Uint32Array; items: T[] } {
    const lines: number[] = [];
    const items: T[] = [];
    for (const reservoir of this.classes.values()) {
      for (let i = 0; i < reservoir.lines.length; i++) {
        lines.push(reservoir.lines[i]);
        items.push(reservoir.items[i]);
      }
      reservoir.lines.length = 0;
      reservoir.items.length = 0;
    }
    const order = Array.from(lines.keys()).sort((a, b) => lines[a] - lines[b]);
    return { lines: Uint32Array.from(order, (i) => lines[i]), items: order.map((i) => items[i]) };
  }

  /** What was kept of how many rows, per class with `perClass`. */
  info(): SampleInfo {
    let rows = 0;
    const classes: SampledClass[] = [];
    for (const reservoir of this.classes.values()) {
      const kept = Math.min(reservoir.seen, this.size);
      rows += kept;
      classes.push({ label: reservoir.label, rows: kept, of: reservoir.seen });
    }
    const info: SampleInfo = { rows, of: this.offered, size: this.size, seed: this.seed, perClass: this.perClass };
    return this.perClass ? { ...info, classes } : info;
  }

  /** Uniform in [0, n) from 53 random bits (one 32-bit draw would skew the odds once n nears 2^32). */
  private draw(n: number): number {
    const high = this.rng.next();
    const low = this.rng.next();
    return Math.min(n - 1, Math.floor((high + low / 4294967296) * n));
  }

  private tooManyClasses(): SynthadInputError {
    const message =
      `option 'sample' keeps up to ${this.size} rows of each label value, and the label column has more than ` +
      `${MAX_SAMPLE_CLASSES} values (is it really the label?)`;
    return new SynthadInputError(message, { file: this.file });
  }
}

/**
 * One line about a sample, e.g. `a sample of 100000 of 10000000 rows (seed 0), per class: normal 100000,
 * dos 34122, …`; classes most frequent in the file first, '' (missing label) written as `unlabelled`.
 */
export function describeSample(info: SampleInfo): string {
  const head = `a sample of ${info.rows} of ${info.of} rows (seed ${info.seed})`;
  if (!info.perClass || info.classes === undefined) return head;
  const byFileCount = [...info.classes].sort((a, b) => b.of - a.of);
  return `${head}, per class: ${listCounts(byFileCount.map((c) => [c.label === '' ? 'unlabelled' : c.label, c.rows]), 8)}`;
}
