/**
 * A raw row stream: a CSV, TSV or JSON Lines file (each optionally gzip-compressed, `.gz`) read in chunks of
 * rows, untyped, with the line each row starts on. Memory holds one chunk (plus the reader's buffers)
 * whatever the file's length: the reader is paused while a chunk waits for its consumer.
 *
 * Cells stay as written (CSV: the unquoted field text; JSON Lines: the parsed record), so a consumer can
 * type them against a model's columns and write them back unchanged (see core/scoreStream.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as readline from 'readline';
import * as zlib from 'zlib';
import Papa from 'papaparse';
import { SynthadInputError } from '../errors';
import { LineTracker, NO_DATA_ROWS, sniffDelimiter } from './csv';
import { checkUniqueNames } from './infer';
import { checkReadable } from './load';
import { checkedText, checkNotUtf16, Utf8Check } from './utf8';

export type StreamFormat = 'csv' | 'tsv' | 'jsonl';

/** One chunk of rows: CSV/TSV rows as field texts, or JSON Lines records; `lines[i]`: where row i starts. */
export type RawChunk =
  | { readonly kind: 'fields'; readonly rows: ReadonlyArray<ReadonlyArray<string>>; readonly lines: ReadonlyArray<number> }
  | { readonly kind: 'records'; readonly rows: ReadonlyArray<Record<string, unknown>>; readonly lines: ReadonlyArray<number> };

export interface RowStreamOptions {
  /** Rows per chunk (default 16384). */
  readonly chunkRows?: number;
  /** Overrides the format from the extension. */
  readonly format?: StreamFormat;
  /** Overrides the sniffed delimiter (csv). */
  readonly delimiter?: string;
}

export const NO_RECORDS = 'no data rows (expected at least one record)';
const DEFAULT_CHUNK_ROWS = 16_384;
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
 * A file opened for streaming: its header (CSV/TSV), its size and how many of its bytes have been read so
 * far (compressed bytes for `.gz`: what the progress ETA needs), and its chunks.
 */
export class RowStream {
  readonly format: StreamFormat;
  /** CSV/TSV: the header's column names (trimmed; `Unnamed: i` for empty ones). Empty for JSON Lines until read. */
  header: string[] = [];
  /** Line of the header (CSV/TSV). */
  headerLine = 1;
  /** The delimiter (CSV/TSV), else undefined. */
  delimiter: string | undefined;
  /** The file's size in bytes (compressed for `.gz`). */
  readonly size: number;
  private read = 0;
  private readonly utf8 = new Utf8Check();

  private constructor(readonly file: string, size: number, format: StreamFormat, private readonly chunkRows: number) {
    this.size = size;
    this.format = format;
  }

  /** Checks that the file is a readable regular file, sniffs the delimiter, and reads nothing more yet. */
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

  /** The chunks, in order. The first chunk of a CSV/TSV file comes after `header` is set. */
  chunks(): AsyncGenerator<RawChunk> {
    return this.format === 'jsonl' ? this.jsonChunks() : this.delimitedChunks();
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

  /** The file's text, decoded as UTF-8 (checked), bytes counted as they are read. */
  private textStream(): { raw: fs.ReadStream; text: NodeJS.ReadableStream & import('stream').Transform } {
    const raw = fs.createReadStream(this.file, { highWaterMark: READ_BYTES });
    raw.on('data', (chunk) => { this.read += chunk.length; });
    const text = checkedText(this.utf8);
    let bomChecked = false;
    if (isGzip(this.file)) {
      const gunzip = zlib.createGunzip();
      raw.on('error', (error) => text.destroy(readError(this.file, error)));
      gunzip.on('error', (error) => text.destroy(readError(this.file, error)));
      raw.pipe(gunzip).pipe(text);
    } else {
      raw.on('error', (error) => text.destroy(readError(this.file, error)));
      raw.pipe(text);
    }
    // A BOM is dropped from the text (it is not part of the first column's name).
    const original = text.push.bind(text);
    text.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
      if (!bomChecked && typeof chunk === 'string' && chunk.length > 0) {
        bomChecked = true;
        if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
        if (chunk === '') return true;
      }
      return original(chunk, encoding);
    };
    return { raw, text };
  }

  private async *delimitedChunks(): AsyncGenerator<RawChunk> {
    const file = this.file;
    const { raw, text } = this.textStream();
    let rows: string[][] = [];
    let lines: number[] = [];
    let headerSeen = false;
    let done = false;
    let failure: unknown;
    let paused = false;
    let wake: (() => void) | undefined;
    const notify = (): void => { const w = wake; wake = undefined; w?.(); };
    const fail = (error: unknown): void => {
      if (failure !== undefined || done) return;
      failure = error;
      raw.destroy();
      text.destroy();
      notify();
    };
    const tracker = new LineTracker(file, (fields, line) => {
      if (!headerSeen) {
        headerSeen = true;
        this.header = fields.map((name, i) => name.trim() || `Unnamed: ${i}`);
        this.headerLine = line;
        checkUniqueNames(file, this.header, line);
        return;
      }
      if (fields.length !== this.header.length) {
        throw new SynthadInputError(`expected ${this.header.length} fields as in the header, got ${fields.length}`, { file, line });
      }
      rows.push(fields);
      lines.push(line);
    });
    text.on('data', (chunk) => {
      try {
        tracker.addChunk(chunk as string);
      } catch (error) {
        fail(error);
      }
    });
    text.on('error', (error) => fail(error));
    Papa.parse<string[]>(text as unknown as NodeJS.ReadableStream, {
      delimiter: this.delimiter,
      header: false,
      dynamicTyping: false,
      skipEmptyLines: false,
      chunk: (results) => {
        if (failure !== undefined) return;
        try {
          tracker.addRows(results.data, results.errors);
        } catch (error) {
          fail(error);
          return;
        }
        if (rows.length >= this.chunkRows && !paused) {
          paused = true;
          text.pause();
        }
        notify();
      },
      complete: () => {
        done = true;
        notify();
      },
      error: (error: Error) => fail(new SynthadInputError(`cannot read the file (${error.message})`, { file })),
    });
    let yielded = false;
    try {
      for (;;) {
        if (failure !== undefined) throw failure;
        if (rows.length >= this.chunkRows || (done && rows.length > 0)) {
          const take = Math.min(this.chunkRows, rows.length);
          const chunk: RawChunk = { kind: 'fields', rows: rows.slice(0, take), lines: lines.slice(0, take) };
          rows = rows.slice(take);
          lines = lines.slice(take);
          yielded = true;
          yield chunk;
          continue;
        }
        if (done) break;
        if (paused) {
          paused = false;
          text.resume();
        }
        await new Promise<void>((resolve) => { wake = resolve; });
      }
      if (failure !== undefined) throw failure;
      if (!headerSeen || !yielded) throw new SynthadInputError(NO_DATA_ROWS, { file });
    } finally {
      raw.destroy();
      text.destroy();
    }
  }

  private async *jsonChunks(): AsyncGenerator<RawChunk> {
    const file = this.file;
    const { raw, text } = this.textStream();
    const reader = readline.createInterface({ input: text, crlfDelay: Infinity });
    let rows: Record<string, unknown>[] = [];
    let lines: number[] = [];
    let line = 0;
    let any = false;
    try {
      for await (const lineText of reader) {
        line++;
        const trimmed = lineText.trim();
        if (trimmed === '') continue;
        rows.push(parseJsonLine(file, trimmed, line));
        lines.push(line);
        if (rows.length >= this.chunkRows) {
          any = true;
          yield { kind: 'records', rows, lines };
          rows = [];
          lines = [];
        }
      }
      if (rows.length > 0) {
        any = true;
        yield { kind: 'records', rows, lines };
      }
      if (!any) throw new SynthadInputError(NO_RECORDS, { file });
    } catch (error) {
      if (error instanceof SynthadInputError) throw error;
      throw readError(file, error);
    } finally {
      reader.close();
      raw.destroy();
      text.destroy();
    }
  }
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

