/**
 * A quick look at a data file without loading it: the column names and the values of the first rows,
 * for pickers (which column is the label, which value is normal). Reads at most 1 MB.
 */
import * as fs from 'fs';
import Papa from 'papaparse';
import { formatOf } from './load';
import { sniffDelimiter } from './csv';

const PEEK_BYTES = 1024 * 1024;
const PEEK_ROWS = 5000;

export interface FilePeek {
  readonly columns: ReadonlyArray<string>;
  /** Up to PEEK_ROWS rows as text, in column order. */
  readonly rows: ReadonlyArray<ReadonlyArray<string>>;
}

export function peekFile(file: string): FilePeek {
  const fd = fs.openSync(file, 'r');
  let text: string;
  let complete: boolean;
  try {
    const buf = Buffer.alloc(PEEK_BYTES);
    const n = fs.readSync(fd, buf, 0, PEEK_BYTES, 0);
    complete = n < PEEK_BYTES;
    text = buf.subarray(0, n).toString('utf8').replace(/^\uFEFF/, '');
  } finally {
    fs.closeSync(fd);
  }
  if (!complete) text = text.slice(0, Math.max(0, text.lastIndexOf('\n')));
  const format = formatOf(file);
  if (format === 'json' || format === 'jsonl') {
    const records: Array<Record<string, unknown>> = [];
    if (format === 'jsonl' || !text.trimStart().startsWith('[')) {
      for (const line of text.split(/\r?\n/)) if (line.trim() && records.length < PEEK_ROWS) records.push(JSON.parse(line));
    } else {
      const all = JSON.parse(complete ? text : fs.readFileSync(file, 'utf8')) as Array<Record<string, unknown>>;
      records.push(...all.slice(0, PEEK_ROWS));
    }
    const columns = [...new Set(records.flatMap((r) => Object.keys(r)))];
    return { columns, rows: records.map((r) => columns.map((c) => (r[c] === null || r[c] === undefined ? '' : String(r[c])))) };
  }
  const delimiter = format === 'tsv' ? '\t' : sniffDelimiter(text, complete);
  const parsed = Papa.parse<string[]>(text, { delimiter, preview: PEEK_ROWS + 1, skipEmptyLines: true });
  const [header = [], ...rows] = parsed.data;
  return { columns: header.map((h) => h.trim()), rows };
}

/** Distinct values of a column in the peeked rows, most frequent first. */
export function peekValues(peek: FilePeek, column: string): Array<{ value: string; count: number }> {
  const i = peek.columns.indexOf(column);
  if (i < 0) return [];
  const counts = new Map<string, number>();
  for (const r of peek.rows) counts.set(r[i] ?? '', (counts.get(r[i] ?? '') ?? 0) + 1);
  return [...counts].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
}
