/**
 * Streaming scoring: a data file read, typed, scored and written back in chunks, so memory stays flat
 * whatever the file's length (`synthad score`).
 *
 * The model says how each column is typed (no inference): its numeric and binary features are parsed as
 * numbers with the loader's rules (missing texts, decimal comma), its categorical features kept as text,
 * and every other column passed through untouched. Each output row is the input row's cells as written
 * plus `score` and `prediction`. Output goes to a partial file renamed into place when complete
 * (core/safeFiles), so the target holds its old content or the whole new one.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import type { Column, Table } from './data/types';
import { builderFor, cellError, ColumnBuilder, missingTexts, numberStyle, NumberStyle } from './data/infer';
import { dataExtension, isGzip, RawChunk, RowStream, StreamFormat } from './data/stream';
import type { Detector } from './detectors/base';
import { predictFromScores, scoringWarningLines } from './detectors/base';
import type { FeatureEncoding } from './encode';
import { listNames } from './encode';
import { SynthadInputError } from './errors';
import { failpointAsync, partialPath, releasePartial, removePartial, removeStalePartials } from './safeFiles';

/** Rows between the full garbage collections of `collectGarbage`. */
const GC_EVERY_ROWS = 32_768;

export type OutputFormat = 'csv' | 'tsv' | 'jsonl';

export interface ScoreStreamOptions {
  /** Rows per chunk (default 16384). */
  readonly chunkRows?: number;
  /** The decimal separator of numbers written as text (see LoadOptions.decimal). */
  readonly decimal?: ',' | '.';
  /** Overrides the output format from the output's extension. */
  readonly outputFormat?: OutputFormat;
  /**
   * A full garbage collection, called every few chunks (the CLI passes V8's): keeps the heap near what one
   * chunk needs instead of letting V8 grow it to hundreds of MB between its own full collections.
   */
  readonly collectGarbage?: () => void;
  /** After each chunk is written: rows so far, bytes of the input read so far and its size (compressed for .gz). */
  readonly onProgress?: (rows: number, bytesRead: number, bytesTotal: number) => void;
}

export interface ScoreStreamResult {
  readonly rows: number;
  /** One-line warnings: bytes that are not UTF-8, unseen categories, rows scored +Infinity (counts over the whole file). */
  readonly warnings: ReadonlyArray<string>;
}

/** The output format from the file name (`.tsv`, `.jsonl`/`.ndjson`; anything else CSV). */
export function outputFormatOf(file: string): OutputFormat {
  const ext = dataExtension(file);
  if (ext === '.tsv' || ext === '.tab') return 'tsv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  return 'csv';
}

/** Whether `file` is read by the streaming scorer (CSV, TSV, JSON Lines, each optionally .gz; not JSON arrays). */
export function canStream(file: string): boolean {
  return dataExtension(file) !== '.json';
}

/** RFC 4180 quoting for the given delimiter: fields with it, a quote or a line break are quoted, quotes doubled. */
function quoter(delimiter: string): (v: string) => string {
  const needs = delimiter === ',' ? /[",\r\n]/ : /["\t\r\n]/;
  return (v) => (needs.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
}

/** A JSON value as a cell of CSV/TSV output. */
function jsonCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** How a column of the model is read from each chunk. */
interface FeatureReader {
  readonly feature: FeatureEncoding;
  /** Index of the column in CSV rows (-1 for JSON Lines). */
  readonly index: number;
}

/**
 * Scores `file` with `detector` into `outFile`, chunk by chunk. Refuses a file without the model's columns
 * before writing anything; a cell that is not a number in a numeric column stops it naming the file,
 * line and column. The caller has checked `outFile` against the inputs (checkOutputFile).
 */
export async function scoreFileStreaming(detector: Detector, file: string, outFile: string, options: ScoreStreamOptions = {}): Promise<ScoreStreamResult> {
  const state = detector.fitted;
  const features = state.encoder.features;
  const stream = await RowStream.open(file, { chunkRows: options.chunkRows });
  const style = numberStyle({ decimal: options.decimal }, stream.delimiter);
  const missing = missingTexts();
  const outFormat = options.outputFormat ?? outputFormatOf(outFile);
  const threshold = state.threshold;

  // Aggregated over the whole file.
  const unknownCategories: Record<string, number> = {};
  let outOfRange = 0;
  let firstOutOfRange: { line: number; feature: string } | undefined;
  let rows = 0;

  removeStalePartials(outFile);
  const tmp = partialPath(outFile);
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(tmp, 'wx');
    let readers: FeatureReader[] | undefined;
    let columns: string[] | undefined; // output columns (CSV/TSV input: the header; JSON Lines: the first chunk's keys)
    let extraKeys = 0;
    let firstChunkRows = 0;
    // `.gz` output: each chunk a gzip member (concatenated members are one gzip file to every reader).
    const gzip = isGzip(outFile);
    const put = async (text: string): Promise<void> => {
      if (gzip) await handle!.write(zlib.gzipSync(text, { level: 6 }));
      else await handle!.write(text);
    };
    let sinceFailpoint = 0;
    let chunksSinceGc = 0;
    const delimiter = outFormat === 'tsv' ? '\t' : ',';
    const quote = quoter(delimiter);
    for await (const chunk of stream.chunks()) {
      if (readers === undefined) {
        columns = chunk.kind === 'fields' ? stream.header : unionKeys(chunk.rows);
        readers = featureReaders(file, features, columns, chunk.kind === 'fields');
        firstChunkRows = chunk.rows.length;
        if (outFormat !== 'jsonl') {
          await put([...columns, 'score', 'prediction'].map(quote).join(delimiter) + '\n');
        }
      }
      const table = chunkTable(file, chunk, readers, style, missing);
      const details = detector.scoreDetailed(table);
      for (const [name, n] of Object.entries(details.unknownCategories)) unknownCategories[name] = (unknownCategories[name] ?? 0) + n;
      if (details.outOfRange.rows.length > 0) {
        if (firstOutOfRange === undefined) {
          const f = details.outOfRange.first!;
          firstOutOfRange = { line: chunk.lines[f.row], feature: f.feature };
        }
        outOfRange += details.outOfRange.rows.length;
      }
      const scores = details.scores;
      const predictions = predictFromScores(scores, threshold);
      let text: string;
      if (outFormat === 'jsonl') {
        text = jsonLines(chunk, stream.header, scores, predictions);
      } else {
        const written = delimitedLines(chunk, columns!, scores, predictions, quote, delimiter);
        text = written.text;
        extraKeys += written.extraKeys;
      }
      await put(text);
      rows += chunk.rows.length;
      sinceFailpoint += text.length;
      options.onProgress?.(rows, stream.bytesRead, stream.size);
      if (options.collectGarbage && ++chunksSinceGc * chunk.rows.length >= GC_EVERY_ROWS) {
        chunksSinceGc = 0;
        options.collectGarbage();
      }
      if (sinceFailpoint > 1 << 20) {
        sinceFailpoint = 0;
        await failpointAsync('csv:partial');
      }
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    await failpointAsync('csv:complete');
    fs.renameSync(tmp, outFile);
    releasePartial(tmp);
    const warnings: string[] = [];
    const utf8 = stream.utf8Warning();
    if (utf8 !== undefined) warnings.push(utf8);
    if (extraKeys > 0) {
      warnings.push(`${file}: ${extraKeys} ${extraKeys === 1 ? 'record has' : 'records have'} keys not in the first ${firstChunkRows} records; ` +
        `they are left out of ${path.basename(outFile)} (write .jsonl to keep every key)`);
    }
    warnings.push(...scoringWarningLines(file, unknownCategories, outOfRange,
      firstOutOfRange && { where: `line ${firstOutOfRange.line}`, feature: firstOutOfRange.feature }));
    return { rows, warnings };
  } catch (err) {
    await handle?.close().catch(() => undefined);
    removePartial(tmp);
    throw err;
  }
}

/** The keys of a chunk's records, in first-seen order. */
function unionKeys(records: ReadonlyArray<Record<string, unknown>>): string[] {
  const seen = new Set<string>();
  for (const r of records) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

/** Where each of the model's features is; a missing one is refused as the whole-table path does. */
function featureReaders(file: string, features: ReadonlyArray<FeatureEncoding>, columns: ReadonlyArray<string>, positional: boolean): FeatureReader[] {
  const index = new Map(columns.map((c, i) => [c, i] as const));
  return features.map((feature) => {
    const i = index.get(feature.name);
    if (i === undefined) {
      throw new SynthadInputError(`no column '${feature.name}', which the model was trained on (columns here: ${listNames(columns)})`, { file });
    }
    return { feature, index: positional ? i! : -1 };
  });
}

/** The chunk's model columns, typed as the model's encoder wants them. */
function chunkTable(file: string, chunk: RawChunk, readers: ReadonlyArray<FeatureReader>, style: NumberStyle, missing: ReadonlySet<string>): Table {
  const lineOfRow = Uint32Array.from(chunk.lines);
  const at = { file, lineOfRow };
  const n = chunk.rows.length;
  const columns: Column[] = readers.map(({ feature, index }) => {
    const name = feature.name;
    const categorical = feature.kind === 'categorical';
    const builder = categorical ? new ColumnBuilder(name, 'text', missing) : builderFor(name, {}, missing, style);
    if (chunk.kind === 'fields') {
      for (let r = 0; r < n; r++) builder.pushText(chunk.rows[r][index]);
    } else {
      for (let r = 0; r < n; r++) {
        builder.pushValue(chunk.rows[r][name]);
      }
    }
    const column = builder.finish(at);
    if (!categorical && column.kind === 'categorical') throw firstNonNumber(file, chunk, name, index, style, missing, lineOfRow);
    return column;
  });
  return { source: file, rowCount: n, columns, lineOfRow };
}

/** The first cell of a numeric feature that is not a number: `FILE, line N, column 'c': expected a number, got 'x'`. */
function firstNonNumber(file: string, chunk: RawChunk, name: string, index: number, style: NumberStyle, missing: ReadonlySet<string>, lineOfRow: Uint32Array): SynthadInputError {
  for (let r = 0; r < chunk.rows.length; r++) {
    const one = builderFor(name, {}, missing, style);
    if (chunk.kind === 'fields') one.pushText(chunk.rows[r][index]);
    else one.pushValue(chunk.rows[r][name]);
    const column = one.finish({ file, lineOfRow: lineOfRow.subarray(r, r + 1) });
    if (column.kind === 'categorical') {
      const got = chunk.kind === 'fields' ? chunk.rows[r][index].trim() : jsonCell(chunk.rows[r][name]);
      return cellError({ file, lineOfRow }, r, name, `expected a number, got '${got}'`);
    }
  }
  return new SynthadInputError('expected numbers as in the training data, got text categories', { file, column: name });
}

/** CSV/TSV output lines of a chunk: the cells as read, then score and prediction. */
function delimitedLines(
  chunk: RawChunk, columns: ReadonlyArray<string>, scores: Float64Array, predictions: Uint8Array, quote: (v: string) => string, delimiter: string,
): { text: string; extraKeys: number } {
  const out: string[] = new Array(chunk.rows.length);
  let extraKeys = 0;
  if (chunk.kind === 'fields') {
    for (let r = 0; r < chunk.rows.length; r++) {
      const fields = chunk.rows[r];
      let line = '';
      for (let c = 0; c < fields.length; c++) line += quote(fields[c]) + delimiter;
      out[r] = line + scores[r] + delimiter + predictions[r];
    }
  } else {
    const known = new Set(columns);
    for (let r = 0; r < chunk.rows.length; r++) {
      const record = chunk.rows[r];
      let line = '';
      for (const c of columns) line += quote(jsonCell(record[c])) + delimiter;
      for (const k of Object.keys(record)) {
        if (!known.has(k)) { extraKeys++; break; }
      }
      out[r] = line + scores[r] + delimiter + predictions[r];
    }
  }
  return { text: out.join('\n') + '\n', extraKeys };
}

/** JSON Lines output of a chunk: each record (CSV rows: header -> cell text) plus score and prediction. */
function jsonLines(chunk: RawChunk, header: ReadonlyArray<string>, scores: Float64Array, predictions: Uint8Array): string {
  const out: string[] = new Array(chunk.rows.length);
  for (let r = 0; r < chunk.rows.length; r++) {
    let record: Record<string, unknown>;
    if (chunk.kind === 'fields') {
      record = {};
      const fields = chunk.rows[r];
      for (let c = 0; c < header.length; c++) record[header[c]] = fields[c];
    } else {
      record = { ...chunk.rows[r] };
    }
    // JSON has no Infinity: a row scored +Infinity (flagged) is written with score "Infinity".
    record.score = Number.isFinite(scores[r]) ? scores[r] : String(scores[r]);
    record.prediction = predictions[r];
    out[r] = JSON.stringify(record);
  }
  return out.join('\n') + '\n';
}

export type { StreamFormat };
