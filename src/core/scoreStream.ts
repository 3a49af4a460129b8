/**
 * Streaming scoring: a data file read, typed, scored and written back in chunks, so memory stays flat
 * whatever the file's length (`synthad score`).
 *
 * The model says how each column is typed (no inference): its numeric and binary features are parsed as
 * numbers with the loader's rules (missing texts, decimal comma), its categorical features kept as text,
 * and every other column passed through untouched. Each output row is the input row's cells as written
 * plus `score` and `prediction`. Output goes to a partial file renamed into place when complete
 * (core/safeFiles replaceFile), so the target holds its old content or the whole new one. The work on the
 * blocks (BlockScorer) runs on this thread or on worker threads (scoreWorker.ts).
 */
import * as path from 'path';
import { Worker } from 'worker_threads';
import * as zlib from 'zlib';
import type { Column, Table } from './data/types';
import type { RawBlock } from './data/blocks';
import { fieldQuoter } from './data/csv';
import { builderFor, cellError, ColumnBuilder, missingTexts, numberStyle, NumberStyle } from './data/infer';
import {
  BlockLayout,
  dataExtension,
  isGzip,
  noRowsError,
  parseBlock,
  RawChunk,
  RowStream,
  StreamFormat,
} from './data/stream';
import type { Detector } from './detectors/base';
import { predictFromScores, scoringWarningLines } from './detectors/base';
import type { FeatureEncoding } from './encode';
import { listNames } from './encode';
import { InputErrorWhere, SynthadInputError } from './errors';
import { DetectorSnapshot, detectorSnapshot } from './persist';
import { failpointAsync, replaceFile } from './safeFiles';
import { workerScript } from './workerScript';

/** Rows between the full garbage collections of `collectGarbage`. */
const GC_EVERY_ROWS = 32_768;

export type OutputFormat = 'csv' | 'tsv' | 'jsonl';

export interface ScoreStreamOptions {
  /**
   * Rows per block (default 2048). A multiple of SCORE_BLOCK_ROWS (network.ts), as the default is, keeps each
   * row at its place in the network's scoring blocks: the whole-table scores bit for bit.
   */
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
  /**
   * Worker threads that parse, type, score and format blocks while this thread reads and writes (default 1:
   * everything on this thread). The output is the same whatever the count.
   */
  readonly workers?: number;
  /** After each block is written: rows so far, bytes of the input read so far and its size (compressed for .gz). */
  readonly onProgress?: (rows: number, bytesRead: number, bytesTotal: number) => void;
}

export interface ScoreStreamResult {
  readonly rows: number;
  /** One-line warnings: bytes that are not UTF-8, unseen categories, rows scored +Infinity (counts over the whole file). */
  readonly warnings: ReadonlyArray<string>;
  /** Threads that scored: 1 (this one) or the worker threads started (a file of one block starts none). */
  readonly workers: number;
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

/** What every block scorer knows of the job (plain data: it crosses to worker threads). */
export interface BlockSetup {
  readonly layout: BlockLayout;
  readonly decimal?: ',' | '.';
  readonly outFormat: OutputFormat;
  /** Compress each block's output as a gzip member (concatenated members are one gzip file to every reader). */
  readonly gzip: boolean;
}

/** One block to score; `columns`: the output columns once known (JSON Lines: from the first records). */
export interface BlockTask {
  readonly block: RawBlock;
  readonly columns?: ReadonlyArray<string>;
}

/** A scored block: its output bytes and what the warnings count. */
export interface BlockResult {
  readonly rows: number;
  /** The block's output lines (gzip-compressed for `.gz` output). */
  readonly output: Uint8Array;
  /** The output columns (undefined for a block without rows before they were known). */
  readonly columns?: ReadonlyArray<string>;
  readonly extraKeys: number;
  readonly unknownCategories: Readonly<Record<string, number>>;
  readonly outOfRange: number;
  readonly firstOutOfRange?: { readonly line: number; readonly feature: string };
}

/**
 * Parses, types, scores and formats blocks: the work of streamed scoring, the same on this thread and in
 * its worker threads (scoreWorker.ts).
 */
export class BlockScorer {
  private readonly style: NumberStyle;
  private readonly missing = missingTexts();
  private readonly quote: (v: string) => string;
  private readonly delimiter: ',' | '\t';
  private readers?: { columns: ReadonlyArray<string>; readers: FeatureReader[] };

  constructor(
    private readonly detector: Detector,
    private readonly setup: BlockSetup,
  ) {
    this.style = numberStyle({ decimal: setup.decimal }, setup.layout.delimiter);
    this.delimiter = setup.outFormat === 'tsv' ? '\t' : ',';
    this.quote = fieldQuoter(this.delimiter);
  }

  score(task: BlockTask): BlockResult {
    const { layout, outFormat } = this.setup;
    const file = layout.file;
    const chunk = parseBlock(layout, task.block);
    const empty = { extraKeys: 0, unknownCategories: {}, outOfRange: 0 };
    let columns = task.columns ?? (chunk.kind === 'fields' ? layout.header : undefined);
    if (columns === undefined) {
      if (chunk.rows.length === 0) return { ...empty, rows: 0, output: new Uint8Array(0) };
      columns = unionKeys(chunk.rows as ReadonlyArray<Record<string, unknown>>);
    }
    if (this.readers?.columns !== columns) {
      this.readers = {
        columns,
        readers: featureReaders(file, this.detector.fitted.encoder.features, columns, chunk.kind === 'fields'),
      };
    }
    if (chunk.rows.length === 0) return { ...empty, rows: 0, output: new Uint8Array(0), columns };
    const table = chunkTable(file, chunk, this.readers.readers, this.style, this.missing);
    const details = this.detector.scoreDetailed(table);
    const scores = details.scores;
    const predictions = predictFromScores(scores, this.detector.fitted.threshold);
    let text: string;
    let extraKeys = 0;
    if (outFormat === 'jsonl') {
      text = jsonLines(chunk, layout.header, scores, predictions);
    } else {
      ({ text, extraKeys } = delimitedLines(chunk, columns, scores, predictions, this.quote, this.delimiter));
    }
    const first = details.outOfRange.first;
    return {
      rows: chunk.rows.length,
      columns,
      extraKeys,
      output: this.setup.gzip
        ? new Uint8Array(zlib.gzipSync(text, { level: 6 }))
        : new Uint8Array(Buffer.from(text, 'utf8')),
      unknownCategories: details.unknownCategories,
      outOfRange: details.outOfRange.rows.length,
      ...(first ? { firstOutOfRange: { line: chunk.lines[first.row], feature: first.feature } } : {}),
    };
  }
}

/** Worker threads (scoreWorker.ts) each with the detector, sharing the blocks. */
class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: Array<{ task: BlockTask; resolve: (r: BlockResult) => void; reject: (e: unknown) => void }> =
    [];
  private readonly running = new Map<Worker, { resolve: (r: BlockResult) => void; reject: (e: unknown) => void }>();
  private failure: unknown;

  constructor(count: number, init: ScoreWorkerInit) {
    const script = scoreWorkerScript();
    for (let i = 0; i < count; i++) {
      const worker = new Worker(script, {
        workerData: init,
        resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB },
      });
      worker.on('message', (reply: ScoreWorkerReply) => {
        const job = this.running.get(worker);
        this.running.delete(worker);
        this.idle.push(worker);
        if (reply.kind === 'done') job?.resolve(reply.result);
        else job?.reject(errorFromWorker(reply));
        this.next();
      });
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => {
        if (this.failure === undefined && (this.running.has(worker) || this.queue.length > 0))
          this.fail(new Error(`a scoring worker thread exited (code ${code})`));
      });
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }

  run(task: BlockTask): Promise<BlockResult> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ task, resolve, reject });
      this.next();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private next(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.shift()!;
      const job = this.queue.shift()!;
      this.running.set(worker, job);
      const bytes = job.task.block.bytes;
      worker.postMessage(job.task, [bytes.buffer as ArrayBuffer]);
    }
  }

  private fail(error: unknown): void {
    if (this.failure === undefined) this.failure = error;
    for (const job of [...this.running.values(), ...this.queue]) job.reject(error);
    this.running.clear();
    this.queue.length = 0;
  }
}

/** What a scoring worker starts with. */
export interface ScoreWorkerInit {
  readonly snapshot: DetectorSnapshot;
  readonly setup: BlockSetup;
  /** Whether to run a full garbage collection every few blocks (see ScoreStreamOptions.collectGarbage). */
  readonly collectGarbage: boolean;
}

export type ScoreWorkerReply =
  | { readonly kind: 'done'; readonly result: BlockResult }
  | { readonly kind: 'error'; readonly message: string; readonly stack?: string; readonly where?: InputErrorWhere };

/** A worker's error as the error it was: a SynthadInputError stays one (same message and place). */
function errorFromWorker(reply: Extract<ScoreWorkerReply, { kind: 'error' }>): Error {
  if (reply.where !== undefined) {
    const error = new SynthadInputError('', reply.where);
    error.message = reply.message;
    return error;
  }
  const error = new Error(reply.message);
  if (reply.stack) error.stack = reply.stack;
  return error;
}

/** The scoring worker's script: dist/score-worker.js, or scoreWorker.js compiled next to this file. */
function scoreWorkerScript(): string {
  return workerScript('score-worker.js', 'scoreWorker.js', 'scoring worker');
}

/**
 * The young generation of each worker's heap, in MB. V8's default lets it grow to ~48 MB per thread while a
 * worker allocates a block's strings; 8 MB keeps two workers' peak RSS at the single-thread figure and costs
 * no measurable speed (600 K rows x 9 columns, 2 workers: 158 -> 138 MB, 3.2 s either way).
 */
const WORKER_YOUNG_MB = 8;

/** Blocks in flight per worker: one being scored, one waiting. */
const IN_FLIGHT_PER_WORKER = 2;

/**
 * Scores `file` with `detector` into `outFile`, block by block. The first block is scored on this thread
 * (a small file never starts a worker); with `workers` > 1 the rest go to that many worker threads, each with
 * its own copy of the detector, and are written in order. Refuses a file without the model's columns before
 * writing anything; a cell that is not a number in a numeric column stops it naming the file, line and
 * column. The caller has checked `outFile` against the inputs (checkOutputFile).
 */
export async function scoreFileStreaming(
  detector: Detector,
  file: string,
  outFile: string,
  options: ScoreStreamOptions = {},
): Promise<ScoreStreamResult> {
  const stream = await RowStream.open(file, { chunkRows: options.chunkRows });
  const outFormat = options.outputFormat ?? outputFormatOf(outFile);
  const gzip = isGzip(outFile);
  const workers = Math.max(1, Math.floor(options.workers ?? 1));

  // Aggregated over the whole file.
  const unknownCategories: Record<string, number> = {};
  let outOfRange = 0;
  let firstOutOfRange: { line: number; feature: string } | undefined;
  let extraKeys = 0;
  let firstChunkRows = 0;
  let rows = 0;

  let pool: WorkerPool | undefined;
  try {
    await replaceFile(outFile, async (out) => {
      let columns: ReadonlyArray<string> | undefined; // output columns (CSV/TSV input: the header; JSON Lines: the first records' keys)
      let sinceFailpoint = 0;
      let rowsSinceGc = 0;
      const write = async (result: BlockResult, bytesRead: number): Promise<void> => {
        if (columns === undefined && result.columns !== undefined) {
          columns = result.columns;
          firstChunkRows = result.rows;
          if (outFormat !== 'jsonl') {
            const delimiter = outFormat === 'tsv' ? '\t' : ',';
            const line = [...columns, 'score', 'prediction'].map(fieldQuoter(delimiter)).join(delimiter) + '\n';
            await out.write(gzip ? zlib.gzipSync(line, { level: 6 }) : Buffer.from(line, 'utf8'));
          }
        }
        for (const [name, n] of Object.entries(result.unknownCategories))
          unknownCategories[name] = (unknownCategories[name] ?? 0) + n;
        if (result.outOfRange > 0) {
          firstOutOfRange ??= result.firstOutOfRange;
          outOfRange += result.outOfRange;
        }
        extraKeys += result.extraKeys;
        if (result.output.byteLength > 0) await out.write(result.output);
        rows += result.rows;
        options.onProgress?.(rows, bytesRead, stream.size);
        rowsSinceGc += result.rows;
        if (options.collectGarbage && rowsSinceGc >= GC_EVERY_ROWS) {
          rowsSinceGc = 0;
          options.collectGarbage();
        }
        sinceFailpoint += result.output.byteLength;
        if (sinceFailpoint > 1 << 20) {
          sinceFailpoint = 0;
          await failpointAsync('csv:partial');
        }
      };

      // Results are written in the file's order; a block's error is thrown when its turn comes.
      const pending: Array<{ result: Promise<BlockResult>; bytesRead: number }> = [];
      let setup: BlockSetup | undefined;
      let here: BlockScorer | undefined;
      for await (const block of stream.blocks()) {
        setup ??= { layout: stream.layout, decimal: options.decimal, outFormat, gzip };
        const task: BlockTask = { block, ...(columns ? { columns } : {}) };
        if (columns === undefined || workers === 1) {
          // Until the columns are known (the first block with rows; no worker has started yet), and without workers: here.
          here ??= new BlockScorer(detector, setup);
          await write(here.score(task), block.bytesRead);
          continue;
        }
        pool ??= new WorkerPool(workers, {
          snapshot: detectorSnapshot(detector),
          setup,
          collectGarbage: options.collectGarbage !== undefined,
        });
        const result = pool.run(task);
        result.catch(() => undefined); // rejected before its turn: thrown when written
        pending.push({ result, bytesRead: block.bytesRead });
        while (pending.length >= workers * IN_FLIGHT_PER_WORKER) {
          const next = pending.shift()!;
          await write(await next.result, next.bytesRead);
        }
      }
      for (const next of pending) await write(await next.result, next.bytesRead);
      if (rows === 0) throw noRowsError(stream);
    });
  } finally {
    await pool?.close();
  }
  const warnings: string[] = [];
  const utf8 = stream.utf8Warning();
  if (utf8 !== undefined) warnings.push(utf8);
  if (extraKeys > 0) {
    warnings.push(
      `${file}: ${extraKeys} ${extraKeys === 1 ? 'record has' : 'records have'} keys not in the first ${firstChunkRows} records; ` +
        `they are left out of ${path.basename(outFile)} (write .jsonl to keep every key)`,
    );
  }
  const first = firstOutOfRange as { line: number; feature: string } | undefined;
  warnings.push(
    ...scoringWarningLines(
      file,
      unknownCategories,
      outOfRange,
      first && { where: `line ${first.line}`, feature: first.feature },
    ),
  );
  return { rows, warnings, workers: pool ? workers : 1 };
}

/** The keys of a chunk's records, in first-seen order. */
function unionKeys(records: ReadonlyArray<Record<string, unknown>>): string[] {
  const seen = new Set<string>();
  for (const r of records) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

/** Where each of the model's features is; a missing one is refused as the whole-table path does. */
function featureReaders(
  file: string,
  features: ReadonlyArray<FeatureEncoding>,
  columns: ReadonlyArray<string>,
  positional: boolean,
): FeatureReader[] {
  const index = new Map(columns.map((c, i) => [c, i] as const));
  return features.map((feature) => {
    const i = index.get(feature.name);
    if (i === undefined) {
      throw new SynthadInputError(
        `no column '${feature.name}', which the model was trained on (columns here: ${listNames(columns)})`,
        { file },
      );
    }
    return { feature, index: positional ? i! : -1 };
  });
}

/** The chunk's model columns, typed as the model's encoder wants them. */
function chunkTable(
  file: string,
  chunk: RawChunk,
  readers: ReadonlyArray<FeatureReader>,
  style: NumberStyle,
  missing: ReadonlySet<string>,
): Table {
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
    if (!categorical && column.kind === 'categorical')
      throw firstNonNumber(file, chunk, name, index, style, missing, lineOfRow);
    return column;
  });
  return { source: file, rowCount: n, columns, lineOfRow };
}

/** The first cell of a numeric feature that is not a number: `FILE, line N, column 'c': expected a number, got 'x'`. */
function firstNonNumber(
  file: string,
  chunk: RawChunk,
  name: string,
  index: number,
  style: NumberStyle,
  missing: ReadonlySet<string>,
  lineOfRow: Uint32Array,
): SynthadInputError {
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
  chunk: RawChunk,
  columns: ReadonlyArray<string>,
  scores: Float64Array,
  predictions: Uint8Array,
  quote: (v: string) => string,
  delimiter: string,
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
        if (!known.has(k)) {
          extraKeys++;
          break;
        }
      }
      out[r] = line + scores[r] + delimiter + predictions[r];
    }
  }
  return { text: out.join('\n') + '\n', extraKeys };
}

/** JSON Lines output of a chunk: each record (CSV rows: header -> cell text) plus score and prediction. */
function jsonLines(
  chunk: RawChunk,
  header: ReadonlyArray<string>,
  scores: Float64Array,
  predictions: Uint8Array,
): string {
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
