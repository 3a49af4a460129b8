/**
 * JSON into a Table: an array of records (read whole) or JSON Lines (streamed, one record a line).
 * The columns are the union of the records' keys in first-seen order; absent keys are missing.
 */
import * as fs from 'fs';
import * as readline from 'readline';
import { SynthadInputError } from '../errors';
import { builderFor, cellError, checkOptionColumns, ColumnBuilder, finishTable, LineRecorder, missingTexts } from './infer';
import { classOfValue, detach, RowSampler } from './sample';
import type { LoadOptions, Table } from './types';
import { checkedText, checkNotUtf16, Utf8Check } from './utf8';

export const NO_RECORDS = 'no data rows (expected at least one record)';
/** JSON arrays are parsed whole; past this size JSON Lines is the way. */
const MAX_JSON_ARRAY_BYTES = 400 * 1024 * 1024;

/** Collects records (plain objects) into column builders. */
export class RecordAssembler {
  private readonly builders: ColumnBuilder[] = [];
  private readonly byName = new Map<string, ColumnBuilder>();
  private readonly missing: ReadonlySet<string>;
  private rows = 0;

  constructor(private readonly source: string, private readonly options: LoadOptions) {
    this.missing = missingTexts(options.missing);
  }

  get rowCount(): number {
    return this.rows;
  }

  add(record: Record<string, unknown>): void {
    for (const key of Object.keys(record)) {
      if (this.byName.has(key)) continue;
      const builder = builderFor(key, this.options, this.missing);
      builder.padMissing(this.rows);
      this.builders.push(builder);
      this.byName.set(key, builder);
    }
    for (const builder of this.builders) builder.pushValue(record[builder.name]);
    this.rows++;
  }

  finish(lineOfRow?: Uint32Array, warnings: ReadonlyArray<string> = []): Table {
    if (this.rows === 0) throw new SynthadInputError(NO_RECORDS, { file: this.source });
    checkOptionColumns(this.source, this.builders.map((b) => b.name), this.options);
    return finishTable(this.source, this.builders, lineOfRow, warnings);
  }
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** "not valid JSON (...)", on the line where the parser stopped when it says a position. */
function jsonSyntaxError(file: string, text: string, error: unknown, line?: number): SynthadInputError {
  const detail = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ');
  const position = /at position (\d+)/.exec(detail);
  if (line === undefined && position !== null) {
    line = 1 + (text.slice(0, Number(position[1])).match(/\n/g)?.length ?? 0);
  }
  return new SynthadInputError(`not valid JSON (${detail})`, { file, line });
}

/** Reads a .json file: an array of records, or JSON Lines when it starts with '{'. */
export async function readJson(file: string, options: LoadOptions = {}): Promise<Table> {
  const start = await firstCharacter(file);
  if (start === '{') return readJsonLines(file, options);
  if (start === undefined) throw new SynthadInputError(NO_RECORDS, { file });
  if (start !== '[') {
    throw new SynthadInputError('expected a JSON array of records, or JSON Lines (one object a line)', { file });
  }
  if (options.sample !== undefined) {
    const message = "option 'sample' reads CSV, TSV and JSON Lines; this is a JSON array (write it as JSON Lines, one record a line, to sample it)";
    throw new SynthadInputError(message, { file });
  }
  const { size } = await fs.promises.stat(file);
  if (size > MAX_JSON_ARRAY_BYTES) {
    const message = `JSON array too large to read at once (${Math.round(size / 1048576)} MB); write it as JSON Lines`;
    throw new SynthadInputError(message, { file });
  }
  const bytes = await fs.promises.readFile(file);
  const utf8 = new Utf8Check();
  utf8.write(bytes);
  utf8.end();
  const text = stripBom(bytes.toString('utf8'));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw jsonSyntaxError(file, text, error);
  }
  const warning = utf8.warning(file);
  return tableFromJsonArray(parsed as unknown[], file, options, warning === undefined ? [] : [warning]);
}

/** An in-memory array of records into a Table; errors name "record N". */
export function tableFromJsonArray(
  records: ReadonlyArray<unknown>, source: string, options: LoadOptions = {}, warnings: ReadonlyArray<string> = [],
): Table {
  const assembler = new RecordAssembler(source, options);
  records.forEach((record, i) => {
    if (!isRecord(record)) {
      throw cellError({ file: source }, i, undefined, `expected an object, got ${describeJson(record)}`);
    }
    assembler.add(record);
  });
  return assembler.finish(undefined, warnings);
}

/**
 * Reads JSON Lines (.jsonl, .ndjson) line by line; blank lines are skipped. With option `sample`, every line
 * is parsed (a line that is not a JSON object is an error) but only the sampled records are typed, in file
 * order, as if the file held those lines alone (see RowSampler).
 */
export async function readJsonLines(file: string, options: LoadOptions = {}): Promise<Table> {
  const raw = fs.createReadStream(file);
  const utf8 = new Utf8Check();
  const input = raw.pipe(checkedText(utf8));
  raw.on('error', (error) => input.destroy(error));
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  const assembler = new RecordAssembler(file, options);
  const lineOfRow = new LineRecorder();
  const sampler = options.sample === undefined ? undefined : new RowSampler<string>(file, options, options.label !== undefined);
  const missing = missingTexts(options.missing);
  let line = 0;
  try {
    for await (const raw of lines) {
      line++;
      const text = (line === 1 ? stripBom(raw) : raw).trim();
      if (text === '') continue;
      const record = parseJsonLine(file, text, line);
      if (sampler !== undefined) {
        const label = options.label === undefined ? '' : classOfValue(record[options.label], missing);
        sampler.offer(label, line, () => detach(text));
        continue;
      }
      assembler.add(record);
      lineOfRow.push(line);
    }
  } finally {
    lines.close();
    raw.destroy();
    input.destroy();
  }
  const warning = utf8.warning(file);
  const warnings = warning === undefined ? [] : [warning];
  if (sampler === undefined) return assembler.finish(lineOfRow.finish(), warnings);
  const sampled = sampler.info();
  const kept = sampler.finish();
  for (let i = 0; i < kept.items.length; i++) assembler.add(parseJsonLine(file, kept.items[i], kept.lines[i]));
  return { ...assembler.finish(kept.lines, warnings), sampled };
}

function parseJsonLine(file: string, text: string, line: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw jsonSyntaxError(file, text, error, line);
  }
  if (!isRecord(value)) throw new SynthadInputError(`expected a JSON object, got ${describeJson(value)}`, { file, line });
  return value;
}

/** The first character that is not whitespace or a BOM, or undefined for an empty file. */
async function firstCharacter(file: string): Promise<string | undefined> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const buffer = Buffer.alloc(4096);
    for (let position = 0; ; ) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) return undefined;
      if (position === 0) checkNotUtf16(file, buffer.subarray(0, bytesRead));
      const match = /[^\s\ufeff]/.exec(buffer.toString('utf8', 0, bytesRead));
      if (match !== null) return match[0];
      position += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
