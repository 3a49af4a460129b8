/**
 * CSV/TSV files into a Table, streamed through papaparse chunk by chunk: rows go straight into
 * column builders, so memory holds typed columns, never the whole file as rows.
 */
import * as fs from 'fs';
import Papa from 'papaparse';
import { SynthadInputError } from '../errors';
import { ColumnBuilder, createBuilders, finishTable, LineRecorder, missingTexts } from './infer';
import { classOfText, detach, RowSampler } from './sample';
import type { LoadOptions, Table } from './types';
import { checkedText, checkNotUtf16, Utf8Check } from './utf8';

/** Delimiters tried when sniffing, in order of preference on a tie. */
export const DELIMITER_CANDIDATES: ReadonlyArray<string> = [',', '\t', ';', '|'];
const SNIFF_BYTES = 64 * 1024;
const SNIFF_LINES = 20;
const STREAM_CHUNK_BYTES = 1024 * 1024;
/** A row longer than this is taken for an unterminated quote (papaparse would rescan it forever). */
export const MAX_ROW_CHARS = 16 * 1024 * 1024;
const UTF8_BOM = [0xef, 0xbb, 0xbf];

export const NO_DATA_ROWS = 'no data rows (expected a header line and at least one row)';

/**
 * Picks the delimiter that splits the first lines into the same number of fields, quotes respected.
 * `complete` says the sample is the whole file (else its last, possibly cut, line is ignored).
 */
export function sniffDelimiter(sample: string, complete = true): string {
  const counts = delimiterCounts(sample, complete);
  let best = ',';
  let bestScore = -1;
  let bestFields = 0;
  for (const delimiter of DELIMITER_CANDIDATES) {
    const perLine = counts.map((line) => line.get(delimiter) ?? 0);
    const header = perLine[0] ?? 0;
    if (header === 0) continue;
    const score = perLine.filter((count) => count === header).length / perLine.length;
    if (score > bestScore || (score === bestScore && header > bestFields)) {
      [best, bestScore, bestFields] = [delimiter, score, header];
    }
  }
  return best;
}

/** Per non-blank line of the sample: how often each candidate appears outside quotes. */
function delimiterCounts(sample: string, complete: boolean): Map<string, number>[] {
  const lines: Map<string, number>[] = [];
  let current = new Map<string, number>();
  let inQuotes = false;
  let blank = true;
  for (let i = 0; i < sample.length && lines.length < SNIFF_LINES; i++) {
    const ch = sample[i];
    if (ch === '"') inQuotes = !inQuotes;
    if (inQuotes) {
      blank = false;
      continue;
    }
    if (ch === '\n' || ch === '\r') {
      if (!blank) lines.push(current);
      [current, blank] = [new Map(), true];
    } else {
      if (ch !== ' ' && ch !== '\t') blank = false;
      if (DELIMITER_CANDIDATES.includes(ch)) current.set(ch, (current.get(ch) ?? 0) + 1);
    }
  }
  if (complete && !blank && lines.length < SNIFF_LINES) lines.push(current);
  return lines;
}

interface FileHead {
  readonly text: string;
  readonly bomBytes: number;
  readonly complete: boolean;
}

/** The first bytes of the file as text, BOM removed. */
async function readHead(file: string): Promise<FileHead> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    checkNotUtf16(file, buffer.subarray(0, bytesRead));
    const bomBytes = UTF8_BOM.every((byte, i) => buffer[i] === byte) && bytesRead >= 3 ? 3 : 0;
    const text = new TextDecoder('utf-8').decode(buffer.subarray(bomBytes, bytesRead));
    return { text, bomBytes, complete: bytesRead < SNIFF_BYTES };
  } finally {
    await handle.close();
  }
}

/**
 * Reads a CSV/TSV file (the caller has checked that it exists) into a typed Table. With option `sample`,
 * every row is split and its field count checked, but only the sampled rows are typed (see RowSampler).
 */
export async function readDelimited(file: string, options: LoadOptions = {}, tsv = false): Promise<Table> {
  const head = await readHead(file);
  if (head.text.trim() === '') throw new SynthadInputError(NO_DATA_ROWS, { file });
  const delimiter = options.delimiter ?? (tsv ? '\t' : sniffDelimiter(head.text, head.complete));
  let builders = null as ColumnBuilder[] | null;
  const lines = new LineRecorder();
  const utf8 = new Utf8Check();
  const sampler = options.sample === undefined ? undefined : new RowSampler<PackedRow>(file, options, options.label !== undefined);
  const missing = missingTexts(options.missing);
  let labelAt = -1;
  await parseRows(file, head.bomBytes, delimiter, utf8, (fields, line) => {
    if (builders === null) {
      const names = fields.map((name, i) => name.trim() || `Unnamed: ${i}`);
      builders = createBuilders(file, names, options, line, delimiter);
      if (options.label !== undefined) labelAt = names.indexOf(options.label);
      return;
    }
    if (fields.length !== builders.length) {
      const message = `expected ${builders.length} fields as in the header, got ${fields.length}`;
      throw new SynthadInputError(message, { file, line });
    }
    if (sampler !== undefined) {
      sampler.offer(labelAt < 0 ? '' : classOfText(fields[labelAt], missing), line, () => packRow(fields));
      return;
    }
    for (let i = 0; i < fields.length; i++) builders[i].pushText(fields[i]);
    lines.push(line);
  });
  const warning = utf8.warning(file);
  const warnings = warning === undefined ? [] : [warning];
  if (sampler !== undefined) {
    if (builders === null || sampler.rowsSeen === 0) throw new SynthadInputError(NO_DATA_ROWS, { file });
    const columns: ColumnBuilder[] = builders;
    const sampled = sampler.info();
    const kept = sampler.finish();
    for (let row = 0; row < kept.items.length; row++) {
      const fields = unpackRow(kept.items[row]);
      kept.items[row] = '';
      for (let i = 0; i < fields.length; i++) columns[i].pushText(fields[i]);
    }
    return { ...finishTable(file, columns, kept.lines, warnings), sampled };
  }
  const lineOfRow = lines.finish();
  if (builders === null || lineOfRow.length === 0) throw new SynthadInputError(NO_DATA_ROWS, { file });
  return finishTable(file, builders, lineOfRow, warnings);
}

type RowHandler = (fields: string[], line: number) => void;

/** A sampled row's fields: one string joined by NUL (a fifth of the memory of an array), or the array. */
type PackedRow = string | string[];
const FIELD_SEPARATOR = '\u0000';

/**
 * The fields of a row, copied out of the parser's chunk: joined by NUL (join makes a new flat string), or,
 * where a field holds a NUL, as an array of copies.
 */
function packRow(fields: ReadonlyArray<string>): PackedRow {
  if (fields.some((field) => field.includes(FIELD_SEPARATOR))) return fields.map(detach);
  return fields.length === 1 ? detach(fields[0]) : fields.join(FIELD_SEPARATOR);
}

function unpackRow(row: PackedRow): ReadonlyArray<string> {
  return typeof row === 'string' ? row.split(FIELD_SEPARATOR) : row;
}

/**
 * Streams the file through papaparse and hands each non-blank row to `onRow` with the line it
 * starts on. Errors thrown by `onRow`, quote errors and read errors stop the stream and reject.
 */
function parseRows(file: string, bomBytes: number, delimiter: string, utf8: Utf8Check, onRow: RowHandler): Promise<void> {
  return new Promise((resolve, reject) => {
    const raw = fs.createReadStream(file, { start: bomBytes, highWaterMark: STREAM_CHUNK_BYTES });
    const stream = checkedText(utf8);
    const tracker = new LineTracker(file, onRow);
    let settled = false;
    let parser: Papa.Parser | null = null;
    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      parser?.abort();
      raw.destroy();
      stream.destroy();
      reject(error);
    };
    raw.on('error', (error) => fail(new SynthadInputError(`cannot read the file (${error.message})`, { file })));
    raw.pipe(stream);
    stream.on('data', (chunk) => {
      try {
        tracker.addChunk(chunk as string);
      } catch (error) {
        fail(error);
      }
    });
    Papa.parse<string[]>(stream, {
      delimiter,
      header: false,
      dynamicTyping: false,
      skipEmptyLines: false,
      chunk: (results, chunkParser) => {
        parser = chunkParser;
        if (settled) return;
        try {
          tracker.addRows(results.data, results.errors);
        } catch (error) {
          fail(error);
        }
      },
      complete: () => {
        if (settled) return;
        settled = true;
        resolve();
      },
      error: (error: Error) => fail(new SynthadInputError(`cannot read the file (${error.message})`, { file })),
    });
  });
}

/** RFC 4180 quoting for CSV/TSV output: fields with the delimiter, a quote or a line break are quoted, quotes doubled. */
export function fieldQuoter(delimiter: ',' | '\t'): (v: string) => string {
  const needs = delimiter === ',' ? /[",\r\n]/ : /["\t\r\n]/;
  return (v) => (needs.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
}

/** Follows line numbers across chunks: a row spans 1 line plus the newlines inside its fields. */
export class LineTracker {
  private line: number;
  private charsSinceRow = 0;
  /** Until a quote appears, no field can hold a newline. */
  private quotesSeen: boolean;

  /** `firstLine`: the line the first row starts on; `quotesSeen`: whether the text has quotes (else addChunk finds out). */
  constructor(private readonly file: string, private readonly onRow: RowHandler, firstLine = 1, quotesSeen = false) {
    this.line = firstLine;
    this.quotesSeen = quotesSeen;
  }

  /** Sees each chunk before papaparse does: counts characters, notes whether quotes appear. */
  addChunk(chunk: string): void {
    if (!this.quotesSeen && chunk.includes('"')) this.quotesSeen = true;
    this.charsSinceRow += chunk.length;
    if (this.charsSinceRow > MAX_ROW_CHARS) {
      const message = `unterminated quoted field (no closing quote within ${MAX_ROW_CHARS / 1024 / 1024} MB)`;
      throw new SynthadInputError(message, { file: this.file, line: this.line });
    }
  }

  addRows(rows: string[][], errors: ReadonlyArray<Papa.ParseError>): void {
    const quoteErrors = new Map<number, string>();
    for (const error of errors) {
      if (error.type === 'Quotes' && error.row !== undefined) quoteErrors.set(error.row, error.code);
    }
    if (rows.length > 0) this.charsSinceRow = 0;
    for (let r = 0; r < rows.length; r++) {
      const fields = rows[r];
      const code = quoteErrors.get(r);
      if (code !== undefined) throw this.quoteError(code);
      const start = this.line;
      this.line += this.quotesSeen ? 1 + newlinesIn(fields) : 1;
      if (fields.length === 1 && fields[0].trim() === '') continue;
      this.onRow(fields, start);
    }
  }

  private quoteError(code: string): SynthadInputError {
    const message =
      code === 'MissingQuotes'
        ? 'unterminated quoted field (no closing quote before the end of the file)'
        : 'malformed quoted field (a closing quote must be followed by a delimiter or the end of the line)';
    return new SynthadInputError(message, { file: this.file, line: this.line });
  }
}

function newlinesIn(fields: ReadonlyArray<string>): number {
  let count = 0;
  for (const field of fields) {
    for (let at = field.indexOf('\n'); at !== -1; at = field.indexOf('\n', at + 1)) count++;
  }
  return count;
}
