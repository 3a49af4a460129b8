/**
 * A quick look at a data file without loading it: the column names and the values of the first rows,
 * for pickers (which column is the label, which value is normal). It runs in the extension host, so it
 * never blocks it on a large file: the head of the file is read asynchronously, 64 KB at a time, about
 * 1 MB (`PEEK_BYTES`) and further only as far as the first complete record (a header line, or a JSON
 * array's first record, longer than that), never past `MAX_PEEK_BYTES`. Light by design: the host
 * bundle includes this file (papaparse, no TensorFlow.js or danfojs).
 */
import * as fs from 'fs';
import * as path from 'path';
import { StringDecoder } from 'string_decoder';
import Papa from 'papaparse';
import { SynthadInputError } from '../errors';
import { tally } from '../text';
import { formatOf, NOT_REGULAR_FILE } from './load';
import { sniffDelimiter } from './csv';

/** How much of the file a peek reads when its first record is shorter. */
export const PEEK_BYTES = 1024 * 1024;
/** Rows a peek keeps. */
export const PEEK_ROWS = 5000;
/** The most a peek reads to find the end of the first record (the header line, the first JSON object). */
export const MAX_PEEK_BYTES = 16 * 1024 * 1024;
const CHUNK_BYTES = 64 * 1024;

export interface FilePeek {
  readonly columns: ReadonlyArray<string>;
  /** Up to PEEK_ROWS rows as text, in column order. */
  readonly rows: ReadonlyArray<ReadonlyArray<string>>;
  /** Bytes of the file read. */
  readonly bytesRead: number;
  /** The whole file was read. */
  readonly complete: boolean;
}

export interface PeekOptions {
  /** Read about this much (default PEEK_BYTES). */
  readonly peekBytes?: number;
  /** Never read more than this looking for the first record (default MAX_PEEK_BYTES). */
  readonly maxBytes?: number;
}

/** Reads a file's head in chunks, decoded as UTF-8 (a character split across chunks is kept whole). */
class HeadReader {
  bytes = 0;
  eof = false;
  private readonly decoder = new StringDecoder('utf8');
  private readonly buffer = Buffer.alloc(CHUNK_BYTES);
  private first = true;

  constructor(private readonly handle: fs.promises.FileHandle, private readonly size: number) {}

  /** Has the whole file been read? */
  get complete(): boolean {
    return this.eof || this.bytes >= this.size;
  }

  /** The next chunk of text; undefined at the end of the file. */
  async next(): Promise<string | undefined> {
    if (this.eof) return undefined;
    const { bytesRead } = await this.handle.read(this.buffer, 0, CHUNK_BYTES, null);
    if (bytesRead === 0) {
      this.eof = true;
      const rest = this.decoder.end();
      return rest === '' ? undefined : rest;
    }
    this.bytes += bytesRead;
    let text = this.decoder.write(this.buffer.subarray(0, bytesRead));
    if (this.first && text !== '') {
      this.first = false;
      text = text.replace(/^\uFEFF/, '');
    }
    return text;
  }
}

export async function peekFile(file: string, options: PeekOptions = {}): Promise<FilePeek> {
  const peekBytes = options.peekBytes ?? PEEK_BYTES;
  const maxBytes = Math.max(peekBytes, options.maxBytes ?? MAX_PEEK_BYTES);
  const format = formatOf(file);
  // Opening a FIFO waits for a writer, forever: only regular files are opened.
  const stats = await fs.promises.stat(file);
  if (!stats.isFile() && !stats.isDirectory()) throw new SynthadInputError(NOT_REGULAR_FILE, { file: path.basename(file) });
  const handle = await fs.promises.open(file, 'r');
  try {
    const reader = new HeadReader(handle, (await handle.stat()).size);
    let head = '';
    // Enough text to tell a JSON array from JSON Lines.
    while (head.trim() === '' && !reader.complete && reader.bytes < maxBytes) head += (await reader.next()) ?? '';
    if (format === 'json' && head.trimStart().startsWith('[')) return await peekJsonArray(file, reader, head, peekBytes, maxBytes);
    return await peekLines(file, format, reader, head, peekBytes, maxBytes);
  } finally {
    await handle.close();
  }
}

/** CSV, TSV and JSON Lines: whole lines from the first PEEK_BYTES (at least the first line). */
async function peekLines(file: string, format: string, reader: HeadReader, head: string, peekBytes: number, maxBytes: number): Promise<FilePeek> {
  const chunks = [head];
  let newline = head.includes('\n');
  while (!reader.complete && !(reader.bytes >= peekBytes && newline)) {
    if (reader.bytes >= maxBytes) {
      throw new SynthadInputError(`the first line is longer than ${sizeText(maxBytes)}; is this a ${format.toUpperCase()} file?`, { file: path.basename(file) });
    }
    const chunk = await reader.next();
    if (chunk === undefined) break;
    chunks.push(chunk);
    newline ||= chunk.includes('\n');
  }
  const complete = reader.complete;
  let text = chunks.join('');
  if (!complete) text = text.slice(0, Math.max(0, text.lastIndexOf('\n')));
  if (format === 'json' || format === 'jsonl') {
    const records: Array<Record<string, unknown>> = [];
    const lines = text.split('\n');
    for (let i = 0; i < lines.length && records.length < PEEK_ROWS; i++) {
      const line = lines[i].trim();
      if (line) records.push(parseRecord(file, line, i + 1));
    }
    return fromRecords(records, reader, complete);
  }
  const delimiter = format === 'tsv' ? '\t' : sniffDelimiter(text, complete);
  const parsed = Papa.parse<string[]>(text, { delimiter, preview: PEEK_ROWS + 1, skipEmptyLines: true });
  const [header = [], ...rows] = parsed.data;
  return { columns: header.map((h) => h.trim()), rows, bytesRead: reader.bytes, complete };
}

/**
 * A JSON array of records, which may be one long line: the records in the first PEEK_BYTES, found by
 * scanning for each object's closing brace (strings and escapes respected), at least the first one.
 */
async function peekJsonArray(file: string, reader: HeadReader, head: string, peekBytes: number, maxBytes: number): Promise<FilePeek> {
  const records: Array<Record<string, unknown>> = [];
  let buf = head.slice(head.indexOf('[') + 1);
  let pos = 0;
  let start = -1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let ended = false;
  for (;;) {
    for (; pos < buf.length && !ended && records.length < PEEK_ROWS; pos++) {
      const ch = buf[pos];
      if (depth === 0) {
        if (ch === '{') { start = pos; depth = 1; continue; }
        if (ch === ']') { ended = true; break; }
        if (ch === ',' || ch === ' ' || ch === '\n' || ch === '\r' || ch === '\t') continue;
        throw new SynthadInputError(`record ${records.length + 1}: expected an object (a JSON array of records), got '${buf.slice(pos, pos + 20)}'`, { file: path.basename(file) });
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (ch === '\\') escaped = true;
        else if (ch === '"') inString = false;
      } else if (ch === '"') inString = true;
      else if (ch === '{' || ch === '[') depth++;
      else if (ch === '}' || ch === ']') {
        if (--depth === 0) {
          records.push(parseRecord(file, buf.slice(start, pos + 1)));
          start = -1;
        }
      }
    }
    // Keep only the unfinished record.
    if (start >= 0) { buf = buf.slice(start); pos -= start; start = 0; } else { buf = buf.slice(pos); pos = 0; }
    const enough = records.length >= PEEK_ROWS || (records.length > 0 && reader.bytes >= peekBytes);
    if (ended || enough || reader.complete) break;
    if (reader.bytes >= maxBytes) {
      throw new SynthadInputError(`the first record of the JSON array is longer than ${sizeText(maxBytes)}`, { file: path.basename(file) });
    }
    const chunk = await reader.next();
    if (chunk === undefined) break;
    buf += chunk;
  }
  if (records.length === 0 && !ended) throw new SynthadInputError('not valid JSON (the array ends before its first record does)', { file: path.basename(file) });
  return fromRecords(records, reader, reader.complete);
}

function sizeText(bytes: number): string {
  return bytes >= 1048576 ? `${Math.round(bytes / 1048576)} MB` : `${Math.round(bytes / 1024)} KB`;
}

function parseRecord(file: string, text: string, line?: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new SynthadInputError(`not valid JSON (${(err as Error).message.replace(/\s+/g, ' ')})`, { file: path.basename(file), line });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SynthadInputError('expected a JSON object (one record a line)', { file: path.basename(file), line });
  }
  return value as Record<string, unknown>;
}

function fromRecords(records: ReadonlyArray<Record<string, unknown>>, reader: HeadReader, complete: boolean): FilePeek {
  const columns = [...new Set(records.flatMap((r) => Object.keys(r)))];
  const rows = records.map((r) => columns.map((c) => (r[c] === null || r[c] === undefined ? '' : String(r[c]))));
  return { columns, rows, bytesRead: reader.bytes, complete };
}

/** Distinct values of a column in the peeked rows, most frequent first. */
export function peekValues(peek: FilePeek, column: string): Array<{ value: string; count: number }> {
  const i = peek.columns.indexOf(column);
  if (i < 0) return [];
  const counts = tally(peek.rows.map((r) => r[i] ?? ''));
  return [...counts].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
}
