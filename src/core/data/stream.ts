/**
 * A data file streamed as blocks of whole records: a CSV, TSV or JSON Lines file (each optionally
 * gzip-compressed, `.gz`) read as raw bytes and cut where records end (core/data/blocks.ts), each block with
 * the line it starts on. Memory holds a few blocks whatever the file's length: the reader waits while its
 * consumer is busy. A block is decoded and parsed on its own (parseBlock), by this thread or another.
 *
 * Cells stay as written (CSV: the unquoted field text; JSON Lines: the parsed record), so a consumer can
 * type them against a model's columns and write them back unchanged (see core/scoreStream.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import Papa from 'papaparse';
import { SynthadInputError } from '../errors';
import { RawBlock, RecordCutter } from './blocks';
import { LineTracker, MAX_ROW_CHARS, NO_DATA_ROWS, sniffDelimiter } from './csv';
import { checkUniqueNames } from './infer';
import { checkReadable } from './load';
import { checkNotUtf16, Utf8Check } from './utf8';

export type StreamFormat = 'csv' | 'tsv' | 'jsonl';

/** One chunk of rows: CSV/TSV rows as field texts, or JSON Lines records; `lines[i]`: where row i starts. */
export type RawChunk =
  | { readonly kind: 'fields'; readonly rows: ReadonlyArray<ReadonlyArray<string>>; readonly lines: ReadonlyArray<number> }
  | { readonly kind: 'records'; readonly rows: ReadonlyArray<Record<string, unknown>>; readonly lines: ReadonlyArray<number> };

/** A block of the file and how far the reading had got when it was cut (for progress). */
export interface FileBlock extends RawBlock {
  /** Bytes of the file read when the block was cut (compressed bytes for `.gz`). */
  readonly bytesRead: number;
}

/** What parseBlock needs to know of the file (plain data: it crosses to worker threads). */
export interface BlockLayout {
  readonly file: string;
  readonly format: StreamFormat;
  /** CSV/TSV: the header's names, the delimiter and the line break. */
  readonly header: ReadonlyArray<string>;
  readonly delimiter?: string;
  readonly newline?: string;
}

export interface RowStreamOptions {
  /** Records per block (default 2048). */
  readonly chunkRows?: number;
  /** Overrides the format from the extension. */
  readonly format?: StreamFormat;
  /** Overrides the sniffed delimiter (csv). */
  readonly delimiter?: string;
}

export const NO_RECORDS = 'no data rows (expected at least one record)';
/**
 * Records per block. Small blocks keep what a block allocates in V8's young generation (600 K rows x 9 columns,
 * one thread: 16384 rows 143 MB peak RSS 5.1 s; 2048 rows 114 MB 4.1 s). A multiple of the network's scoring
 * block (SCORE_BLOCK_ROWS in core/network.ts), so streamed scores are the whole-table ones bit for bit.
 */
const DEFAULT_CHUNK_ROWS = 2048;
/** A block is cut once it holds this many bytes, however few records. */
const MAX_BLOCK_BYTES = 32 * 1024 * 1024;
const READ_BYTES = 1024 * 1024;
const SNIFF_BYTES = 64 * 1024;

const FORMAT_OF_EXTENSION: Readonly<Record<string, StreamFormat>> = {
  '.csv': 'csv', '.txt': 'csv', '.tsv': 'tsv', '.tab': 'tsv', '.jsonl': 'jsonl', '.ndjson': 'jsonl',
};

/** Whether the file is gzip-compressed (by its name: `.gz`). */
export function isGzip(file: string): boolean {
  return path.extname(file).toLowerCase() === '.gz';
}

/** The extension that says the format: `data.csv.gz` -> `.csv`. */
export function dataExtension(file: string): string {
  const name = isGzip(file) ? file.slice(0, -3) : file;
  return path.extname(name).toLowerCase();
}

/** The streamed format of a file from its extension (`.json` is not streamed: undefined); unknown: csv. */
export function streamFormatOf(file: string): StreamFormat | undefined {
  const ext = dataExtension(file);
  if (ext === '.json') return undefined;
  return FORMAT_OF_EXTENSION[ext] ?? 'csv';
}

/**
 * A file opened for streaming: its header (CSV/TSV, once the first block has been read), its size and how
 * many of its bytes have been read so far (compressed bytes for `.gz`: what the progress ETA needs), and its blocks.
 */
export class RowStream {
  readonly format: StreamFormat;
  /** CSV/TSV: the header's column names (trimmed; `Unnamed: i` for empty ones). Empty for JSON Lines. */
  header: string[] = [];
  /** Line of the header (CSV/TSV). */
  headerLine = 1;
  /** The delimiter (CSV/TSV), else undefined. */
  delimiter: string | undefined;
  /** The line break papaparse finds in the file's first bytes (CSV/TSV). */
  newline: string | undefined;
  /** The file's size in bytes (compressed for `.gz`). */
  readonly size: number;
  private read = 0;
  private readonly utf8 = new Utf8Check();

  private constructor(readonly file: string, size: number, format: StreamFormat, private readonly chunkRows: number) {
    this.size = size;
    this.format = format;
  }

  /** Checks that the file is a readable regular file, sniffs the delimiter and line break, and reads nothing more yet. */
  static async open(file: string, options: RowStreamOptions = {}): Promise<RowStream> {
    const size = await checkReadable(file);
    const format = options.format ?? streamFormatOf(file) ?? 'jsonl';
    const stream = new RowStream(file, size, format, Math.max(1, Math.floor(options.chunkRows ?? DEFAULT_CHUNK_ROWS)));
    const head = await stream.readHead();
    checkNotUtf16(file, head);
    if (format !== 'jsonl') {
      const bom = head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
      const text = new TextDecoder('utf-8').decode(head.subarray(bom));
      if (text.trim() === '') throw new SynthadInputError(NO_DATA_ROWS, { file });
      stream.delimiter = options.delimiter ?? (format === 'tsv' ? '\t' : sniffDelimiter(text, head.length < SNIFF_BYTES));
      stream.newline = Papa.parse<string[]>(text, { delimiter: stream.delimiter, preview: 1 }).meta.linebreak || '\n';
    }
    return stream;
  }

  /** Bytes of the file read so far (compressed bytes for `.gz`). */
  get bytesRead(): number {
    return this.read;
  }

  /** The one-line warning about bytes that are not UTF-8, once the stream has ended; undefined when none. */
  utf8Warning(): string | undefined {
    return this.utf8.warning(this.file);
  }

  /** How parseBlock reads this file's blocks (CSV/TSV: once the first block has come, the header is known). */
  get layout(): BlockLayout {
    return { file: this.file, format: this.format, header: this.header, delimiter: this.delimiter, newline: this.newline };
  }

  /**
   * The file's blocks of whole records, in order, after the header (CSV/TSV); every byte passes the UTF-8 check.
   * Refuses a file with no header; blocks may hold only blank lines (see noRowsError).
   */
  async *blocks(): AsyncGenerator<FileBlock> {
    const file = this.file;
    const delimited = this.format !== 'jsonl';
    const cutter = new RecordCutter(file, {
      delimiter: delimited ? this.delimiter : undefined, newline: this.newline,
      records: delimited ? 1 : this.chunkRows, maxBytes: MAX_BLOCK_BYTES, maxRecordBytes: MAX_ROW_CHARS,
    });
    let headerSeen = !delimited;
    const raw = fs.createReadStream(file, { highWaterMark: READ_BYTES });
    const source = isGzip(file) ? raw.pipe(zlib.createGunzip()) : raw;
    raw.on('data', (chunk) => { this.read += chunk.length; });
    raw.on('error', (error) => source.destroy(error));
    // The blocks completed so far (one read completes at most ~1 MB of them); the header's is read here.
    const ready = (block: RawBlock | undefined): FileBlock[] => {
      const out: FileBlock[] = [];
      for (; block !== undefined; block = cutter.take()) {
        if (!headerSeen) {
          if (!this.readHeader(block)) continue; // a blank line before the header
          headerSeen = true;
          cutter.setRecords(this.chunkRows);
          continue;
        }
        out.push({ ...block, bytesRead: this.read });
      }
      return out;
    };
    let first = true;
    try {
      for await (const part of source as AsyncIterable<Buffer>) {
        let bytes: Uint8Array = part;
        if (first) {
          first = false;
          // A BOM is dropped (it is not part of the first column's name).
          if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
        }
        this.utf8.write(bytes);
        cutter.append(bytes);
        yield* ready(cutter.take());
      }
      this.utf8.end();
      yield* ready(cutter.finish());
    } catch (error) {
      throw readError(file, error);
    } finally {
      raw.destroy();
      source.destroy();
    }
    if (!headerSeen) throw noRowsError(this);
  }

  /** The header from its block (one record); false for a blank line. */
  private readHeader(block: RawBlock): boolean {
    let fields: string[] | undefined;
    readFields(this.layout, block, (row) => { fields = row; });
    if (fields === undefined) return false;
    this.header = fields.map((name, i) => name.trim() || `Unnamed: ${i}`);
    this.headerLine = block.firstLine;
    checkUniqueNames(this.file, this.header, this.headerLine);
    return true;
  }

  /** The first bytes of the (decompressed) file. */
  private async readHead(): Promise<Buffer> {
    const parts: Buffer[] = [];
    let length = 0;
    const raw = fs.createReadStream(this.file, { highWaterMark: SNIFF_BYTES });
    const source = isGzip(this.file) ? raw.pipe(zlib.createGunzip()) : raw;
    raw.on('error', (error) => source.destroy(error));
    try {
      for await (const part of source as AsyncIterable<Buffer>) {
        parts.push(part);
        length += part.length;
        if (length >= SNIFF_BYTES) break;
      }
    } catch (error) {
      throw readError(this.file, error);
    } finally {
      raw.destroy();
      source.destroy();
    }
    return Buffer.concat(parts).subarray(0, SNIFF_BYTES);
  }
}

/** The error for a file without data rows (blocks() refuses one without a header; the consumer, one whose blocks held no rows). */
export function noRowsError(stream: RowStream): SynthadInputError {
  return new SynthadInputError(stream.format === 'jsonl' ? NO_RECORDS : NO_DATA_ROWS, { file: stream.file });
}

/**
 * A block's rows, untyped (CSV/TSV: field texts, JSON Lines: records), each with its line. Bytes that are not
 * UTF-8 read as U+FFFD (RowStream's UTF-8 check counts them). Errors name the file and line.
 */
export function parseBlock(layout: BlockLayout, block: RawBlock): RawChunk {
  const { file } = layout;
  const lines: number[] = [];
  if (layout.format === 'jsonl') {
    const text = blockText(block);
    const records: Record<string, unknown>[] = [];
    let line = block.firstLine;
    for (let start = 0; start < text.length; line++) {
      const newline = text.indexOf('\n', start);
      const end = newline < 0 ? text.length : newline;
      const trimmed = text.slice(start, end).trim();
      if (trimmed !== '') {
        records.push(parseJsonLine(file, trimmed, line));
        lines.push(line);
      }
      start = end + 1;
    }
    return { kind: 'records', rows: records, lines };
  }
  const width = layout.header.length;
  const rows: string[][] = [];
  readFields(layout, block, (fields, line) => {
    if (fields.length !== width) throw new SynthadInputError(`expected ${width} fields as in the header, got ${fields.length}`, { file, line });
    rows.push(fields);
    lines.push(line);
  });
  return { kind: 'fields', rows, lines };
}

/** A block's text; bytes that are not UTF-8 read as U+FFFD. */
function blockText(block: RawBlock): string {
  return Buffer.from(block.bytes.buffer, block.bytes.byteOffset, block.bytes.byteLength).toString('utf8');
}

/** The non-blank rows of a CSV/TSV block, each with its line, as papaparse reads them (quote errors name the line). */
function readFields(layout: BlockLayout, block: RawBlock, onRow: (fields: string[], line: number) => void): void {
  const text = blockText(block);
  const tracker = new LineTracker(layout.file, onRow, block.firstLine, text.includes('"'));
  const parsed = Papa.parse<string[]>(text, {
    delimiter: layout.delimiter, newline: layout.newline as Papa.ParseConfig['newline'], header: false, dynamicTyping: false, skipEmptyLines: false,
  });
  tracker.addRows(parsed.data, parsed.errors);
}

function readError(file: string, error: unknown): SynthadInputError {
  if (error instanceof SynthadInputError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const what = code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR' ? `not valid gzip data (${(error as Error).message})` : `cannot read the file (${(error as Error).message ?? String(error)})`;
  return new SynthadInputError(what, { file });
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** One JSON Lines record, with the messages of core/data/json.ts. */
function parseJsonLine(file: string, text: string, line: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const detail = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ');
    throw new SynthadInputError(`not valid JSON (${detail})`, { file, line });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SynthadInputError(`expected a JSON object, got ${describeJson(value)}`, { file, line });
  }
  return value as Record<string, unknown>;
}

