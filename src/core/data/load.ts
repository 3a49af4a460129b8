/**
 * Loading: a file (or in-memory records) into a Table, and a Table into a Dataset with its label
 * decoded and its feature columns picked out.
 */
import * as fs from 'fs';
import * as path from 'path';
import { SynthadInputError } from '../errors';
import { countValues, listCounts } from '../text';
import { readDelimited } from './csv';
import { cellError, formatNumber, noColumnError } from './infer';
import { readJson, readJsonLines, tableFromJsonArray } from './json';
import { MAX_SAMPLE, MAX_SAMPLE_SEED } from './sample';
import type { Column, Dataset, LabelInfo, LoadOptions, Table } from './types';

export type DataFormat = NonNullable<LoadOptions['format']>;

const FORMAT_OF_EXTENSION: Readonly<Record<string, DataFormat>> = {
  '.csv': 'csv',
  '.txt': 'csv',
  '.tsv': 'tsv',
  '.tab': 'tsv',
  '.json': 'json',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
};
const FORMATS: ReadonlyArray<DataFormat> = ['csv', 'tsv', 'json', 'jsonl'];

/** The format from options.format, else from the extension; unknown extensions read as delimited text. */
export function formatOf(file: string, options: LoadOptions = {}): DataFormat {
  return options.format ?? FORMAT_OF_EXTENSION[path.extname(file).toLowerCase()] ?? 'csv';
}

/** Reads a CSV, TSV, JSON or JSON Lines file into a typed Table. */
export async function loadTable(file: string, options: LoadOptions = {}): Promise<Table> {
  checkOptions(file, options);
  await checkReadable(file);
  switch (formatOf(file, options)) {
    case 'csv':
      return readDelimited(file, options, false);
    case 'tsv':
      return readDelimited(file, options, true);
    case 'json':
      return readJson(file, options);
    case 'jsonl':
      return readJsonLines(file, options);
  }
}

/** Reads a file into a Dataset: label decoded (when `options.label` is given), features picked out. */
export async function loadDataset(file: string, options: LoadOptions = {}): Promise<Dataset> {
  return datasetFromTable(await loadTable(file, options), options);
}

/** In-memory records (plain objects) into a Table; errors name "record N" of `source`. */
export function tableFromRecords(
  records: ReadonlyArray<Record<string, unknown>>,
  source = 'records',
  options: LoadOptions = {},
): Table {
  checkOptions(source, options);
  if (options.sample !== undefined) {
    throw new SynthadInputError("option 'sample' is for reading files (CSV, TSV, JSON Lines), not in-memory records", { file: source });
  }
  return tableFromJsonArray(records, source, options);
}

/** Picks the features and decodes the label of an in-memory Table. */
export function datasetFromTable(table: Table, options: LoadOptions = {}): Dataset {
  const file = table.source;
  checkOptions(file, options);
  if (options.sample !== undefined && table.sampled === undefined) {
    throw new SynthadInputError("option 'sample' is for reading files (CSV, TSV, JSON Lines); these rows were not read with it", { file });
  }
  const names = table.columns.map((c) => c.name);
  for (const name of options.drop ?? []) {
    if (!names.includes(name)) throw noColumnError(file, name, names, ' to drop');
  }
  const dropped = new Set(options.drop ?? []);
  const features = table.columns.filter((c) => c.name !== options.label && !dropped.has(c.name));
  const label = options.label === undefined ? undefined : decodeLabel(table, options.label, options.normal);
  if (features.length === 0) {
    throw new SynthadInputError('no feature columns (every column is the label or dropped)', { file });
  }
  for (const column of features) checkHasValues(file, column);
  const base: Table = { source: table.source, rowCount: table.rowCount, columns: table.columns };
  const lined = table.lineOfRow === undefined ? base : { ...base, lineOfRow: table.lineOfRow };
  const warned = table.warnings === undefined || table.warnings.length === 0 ? lined : { ...lined, warnings: table.warnings };
  const located = table.sampled === undefined ? warned : { ...warned, sampled: table.sampled };
  return label === undefined ? { ...located, features } : { ...located, features, label };
}

function decodeLabel(table: Table, name: string, normal: LoadOptions['normal']): LabelInfo {
  const file = table.source;
  const column = table.columns.find((c) => c.name === name);
  if (column === undefined) throw noColumnError(file, name, table.columns.map((c) => c.name));
  const { values, unknown, unknownCount } = labelTexts(table, column);
  const labelled = values.filter((_, row) => unknown === undefined || unknown[row] === 0);
  if (normal === undefined) {
    const message = `option 'normal' is required with 'label': give the value(s) of column '${name}' that mean normal`;
    throw new SynthadInputError(`${message} (values seen: ${listCounts(countValues(labelled))})`, { file });
  }
  const normalValues = normalTexts(normal, column.kind !== 'categorical');
  const wanted = new Set(normalValues);
  const isNormal = new Uint8Array(values.length);
  let normalCount = 0;
  values.forEach((value, row) => {
    if (!wanted.has(value) || (unknown !== undefined && unknown[row] === 1)) return;
    isNormal[row] = 1;
    normalCount++;
  });
  if (normalCount === 0) {
    const quoted = normalValues.map((v) => `'${v}'`).join(', ');
    const what = normalValues.length === 1 ? `the normal value ${quoted}` : `the normal values ${quoted}`;
    const seen = listCounts(countValues(labelled));
    throw new SynthadInputError(`no rows with ${what} (values seen: ${seen})`, { file, column: name });
  }
  const info: LabelInfo = { column: name, values, normalValues, isNormal };
  return unknown === undefined ? info : { ...info, unknown, unknownCount };
}

/**
 * The label of each row as text. A column whose cells are mostly (more than half) empty is partly
 * labelled: its empty cells are unknown (text ''). Otherwise a missing label is an error. For a sample
 * drawn per class, "mostly" is judged on the whole file, whose share of unlabelled rows the sample does
 * not keep.
 */
function labelTexts(table: Table, column: Column): { values: string[]; unknown?: Uint8Array; unknownCount: number } {
  const at = { file: table.source, lineOfRow: table.lineOfRow };
  const values: string[] = new Array(table.rowCount);
  const unknown = new Uint8Array(table.rowCount);
  let unknownCount = 0, firstMissing = -1;
  const texts = new Map<number, string>(); // one string per distinct numeric label
  const textOf = (value: number): string => texts.get(value) ?? texts.set(value, formatNumber(value)).get(value)!;
  for (let row = 0; row < table.rowCount; row++) {
    const value = column.values[row];
    const text = typeof value === 'number' ? (Number.isNaN(value) ? null : textOf(value)) : value;
    if (text === null) {
      if (firstMissing < 0) firstMissing = row;
      unknown[row] = 1;
      unknownCount++;
      values[row] = '';
    } else {
      values[row] = text;
    }
  }
  if (unknownCount === 0) return { values, unknownCount };
  const sampled = table.sampled?.perClass ? table.sampled : undefined;
  const fileUnknown = sampled === undefined ? unknownCount : (sampled.classes?.find((c) => c.label === '')?.of ?? 0);
  if (fileUnknown * 2 <= (sampled === undefined ? table.rowCount : sampled.of)) throw cellError(at, firstMissing, column.name, 'missing label');
  return { values, unknown, unknownCount };
}

/** The normal option as label texts; against a numeric label, '1.0' and 1 both mean '1'. */
function normalTexts(normal: NonNullable<LoadOptions['normal']>, numericLabel: boolean): string[] {
  const list: ReadonlyArray<string | number> = Array.isArray(normal) ? normal : [normal as string | number];
  return list.map((value) => {
    if (typeof value === 'number') return formatNumber(value);
    const text = value.trim();
    const number = Number(text);
    return numericLabel && text !== '' && Number.isFinite(number) ? formatNumber(number) : text;
  });
}

function checkHasValues(file: string, column: Column): void {
  for (const value of column.values) {
    if (value !== null && !(typeof value === 'number' && Number.isNaN(value))) return;
  }
  throw new SynthadInputError("every cell is missing (drop the column with the 'drop' option)", { file, column: column.name });
}

/** Validates the options once, at the edge, naming the option and the bad value. */
function checkOptions(file: string, options: LoadOptions): void {
  const fail = (message: string): never => {
    throw new SynthadInputError(message, { file });
  };
  if (options.format !== undefined && !FORMATS.includes(options.format)) {
    fail(`option 'format' is '${String(options.format)}'; expected one of ${FORMATS.join(', ')}`);
  }
  const delimiter = options.delimiter;
  if (delimiter !== undefined && (typeof delimiter !== 'string' || delimiter.length !== 1 || /["\r\n]/.test(delimiter))) {
    fail(`option 'delimiter' is ${JSON.stringify(delimiter)}; expected one character other than a quote or newline`);
  }
  if (options.decimal !== undefined && options.decimal !== ',' && options.decimal !== '.') {
    fail(`option 'decimal' is ${JSON.stringify(options.decimal)}; expected ',' or '.'`);
  }
  if (options.label !== undefined && (typeof options.label !== 'string' || options.label === '')) {
    fail(`option 'label' is ${JSON.stringify(options.label)}; expected a column name`);
  }
  if (options.normal !== undefined && options.label === undefined) {
    fail("option 'normal' is given without 'label': name the label column too");
  }
  if (Array.isArray(options.normal) && options.normal.length === 0) {
    fail("option 'normal' is an empty list; give at least one label value that means normal");
  }
  if (options.label !== undefined && (options.drop ?? []).includes(options.label)) {
    fail(`option 'drop' includes the label column '${options.label}'`);
  }
  const { sample, sampleSeed } = options;
  if (sample !== undefined && !(typeof sample === 'number' && Number.isInteger(sample) && sample >= 1 && sample <= MAX_SAMPLE)) {
    fail(`option 'sample' is ${shown(sample)}; expected a whole number of rows from 1 to ${MAX_SAMPLE}`);
  }
  if (sampleSeed !== undefined && !(typeof sampleSeed === 'number' && Number.isInteger(sampleSeed) && sampleSeed >= 0 && sampleSeed <= MAX_SAMPLE_SEED)) {
    fail(`option 'sampleSeed' is ${shown(sampleSeed)}; expected an integer from 0 to ${MAX_SAMPLE_SEED}`);
  }
  if (sampleSeed !== undefined && sample === undefined) {
    fail("option 'sampleSeed' is given without 'sample': give the number of rows to sample too");
  }
}

/** An option's value as a message shows it: numbers as written (NaN, Infinity), the rest as JSON. */
function shown(value: unknown): string {
  return typeof value === 'number' ? String(value) : JSON.stringify(value) ?? String(value);
}

/** FIFOs, sockets and devices: reading them from position 0, or sniffing then rereading, cannot work. */
export const NOT_REGULAR_FILE = 'not a regular file (a pipe, socket or device); save the data to a file first';

/** The file exists (symbolic links followed), is a regular file and can be read: its size in bytes. */
export async function checkReadable(file: string): Promise<number> {
  let stats: fs.Stats;
  try {
    stats = await fs.promises.stat(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new SynthadInputError('file not found', { file });
    if (code === 'ELOOP') throw new SynthadInputError('cannot read the file (a loop of symbolic links)', { file });
    throw new SynthadInputError(`cannot read the file (${code ?? String(error)})`, { file });
  }
  if (stats.isDirectory()) throw new SynthadInputError('is a folder, not a file', { file });
  if (!stats.isFile()) throw new SynthadInputError(NOT_REGULAR_FILE, { file });
  try {
    await fs.promises.access(file, fs.constants.R_OK);
  } catch (error) {
    throw new SynthadInputError(`cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'no access'})`, { file });
  }
  return stats.size;
}
