/**
 * Typed, column-oriented tables: what every loader produces and the encoder consumes.
 */

/** numeric: any finite numbers; binary: only 0 and 1 seen; categorical: text categories. */
export type ColumnKind = 'numeric' | 'binary' | 'categorical';

export interface NumericColumn {
  readonly name: string;
  readonly kind: 'numeric' | 'binary';
  /** One value per row; NaN marks a missing cell. */
  readonly values: Float64Array;
}

export interface CategoricalColumn {
  readonly name: string;
  readonly kind: 'categorical';
  /** One value per row; null marks a missing cell. */
  readonly values: ReadonlyArray<string | null>;
}

export type Column = NumericColumn | CategoricalColumn;

export interface Table {
  /** Where the rows came from (a file path, or a short description such as 'DataFrame'). */
  readonly source: string;
  readonly rowCount: number;
  readonly columns: ReadonlyArray<Column>;
  /**
   * For each row, the 1-based line in the source file where it starts (header = line 1),
   * so errors found later can still point at the file. Absent where rows are records rather than
   * lines (JSON arrays, in-memory data): errors then name "record N", 1-based.
   */
  readonly lineOfRow?: Uint32Array;
  /**
   * Problems that did not stop the load but the user should see, one line each, e.g.
   * `FILE, line 12: not valid UTF-8 (...)`. Absent when there are none.
   */
  readonly warnings?: ReadonlyArray<string>;
  /** How the rows were sampled from the file (option `sample`); absent when every row was read. */
  readonly sampled?: SampleInfo;
}

/** What option `sample` kept: the table holds a seeded uniform random sample of the file's rows. */
export interface SampleInfo {
  /** Rows kept (the table's rowCount). */
  readonly rows: number;
  /** Data rows in the file. */
  readonly of: number;
  /** The most rows kept per class (option `sample`). */
  readonly size: number;
  /** Option `sampleSeed`. */
  readonly seed: number;
  /** true: one sample per label value (option `label` given); false: one sample of the whole file. */
  readonly perClass: boolean;
  /**
   * With `perClass`: per label value in first-seen order, the rows kept and the rows in the file. The label
   * is the cell's text ('1.0' and '1' are both '1'); '' stands for rows with a missing label.
   */
  readonly classes?: ReadonlyArray<SampledClass>;
}

export interface SampledClass {
  readonly label: string;
  readonly rows: number;
  readonly of: number;
}

export interface LabelInfo {
  /** Name of the label column. */
  readonly column: string;
  /** The label of each row as text ('normal', 'hyperfunction', '1', ...). */
  readonly values: ReadonlyArray<string>;
  /** Label values that mean "normal". */
  readonly normalValues: ReadonlyArray<string>;
  /** 1 where the row is normal, 0 where it is an anomaly of some type (or unknown). */
  readonly isNormal: Uint8Array;
  /**
   * Partly labelled data (most label cells empty): 1 where the row's label is empty, i.e. unknown.
   * Its `values` entry is ''. Unknown rows train on the normal side and are left out of evaluation.
   * Absent when every row is labelled.
   */
  readonly unknown?: Uint8Array;
  /** How many rows are unknown (0 when `unknown` is absent). */
  readonly unknownCount?: number;
}

/**
 * A table with its feature columns picked out and, when labelled, its label decoded.
 * `columns` keeps every column as read (label included), so scores can be written next to the rows.
 */
export interface Dataset extends Table {
  /** Feature columns only: not the label, not dropped columns. */
  readonly features: ReadonlyArray<Column>;
  readonly label?: LabelInfo;
}

export interface LoadOptions {
  /** Name of the label column. Without it the dataset is unlabelled (scoring only). */
  readonly label?: string;
  /** Label value(s) that mean normal. Required when `label` is given. */
  readonly normal?: string | number | ReadonlyArray<string | number>;
  /** Columns to drop before anything else (ids, timestamps, other label columns). */
  readonly drop?: ReadonlyArray<string>;
  /** Force these columns to be categorical (e.g. integer-coded categories). */
  readonly categorical?: ReadonlyArray<string>;
  /** Override the format guessed from the file extension. */
  readonly format?: 'csv' | 'tsv' | 'json' | 'jsonl';
  /** Override the sniffed delimiter for csv/tsv. */
  readonly delimiter?: string;
  /** Extra cell texts that mean missing, besides empty, NA, N/A, ? and null (case-insensitive). */
  readonly missing?: ReadonlyArray<string>;
  /**
   * The decimal separator of numbers written as text (CSV, TSV; also strings in JSON).
   * Without it: in a `;`-separated file, a column whose numbers are all written with a decimal comma
   * (`0,97`, `-1,5e3`, `1.234,56`; integers such as `12` may be mixed in) is read as numbers; in other
   * files, a column whose cells are all plain numbers or numbers with thousands commas (`"1,234"`,
   * `"12,345,678.5"`) is read as numbers.
   * `','`: every column reads `0,97` as 0.97 and `1.234,5` as 1234.5; a point only separates thousands
   * (`1.234` is 1234, `1.5` is not a number).
   * `'.'`: numbers use a decimal point (`1,234.5` is 1234.5); a decimal comma is never guessed.
   */
  readonly decimal?: ',' | '.';
  /**
   * Keep a seeded uniform random sample of this many rows instead of every row (a whole number from 1 to
   * 50,000,000), for files larger than memory: the file is streamed once and only the sampled rows' cells are
   * kept. With `label`: up to `sample` rows of each label value (rows whose label is missing, in a partly
   * labelled column, are one class of their own); without: up to `sample` rows of the file.
   * CSV, TSV and JSON Lines (not a JSON array). The kept rows stay in file order with their line numbers and
   * are typed exactly as a file holding only those rows would be. Every row is still checked for its number of
   * fields (CSV, TSV) or for being valid JSON (JSON Lines), but a junk cell (`abc` among numbers) in a row left
   * out of the sample goes unnoticed. `sampled` on the result says how many rows were kept of how many.
   */
  readonly sample?: number;
  /** The seed of `sample` (default 0; an integer from 0 to 4294967295): the same seed and file give the same rows. */
  readonly sampleSeed?: number;
}
