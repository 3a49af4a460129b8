/**
 * Writing rows back out as CSV, with extra columns (scores, predictions) appended.
 */
import * as fs from 'fs';
import type { Table } from './data/types';

export interface ExtraColumn {
  readonly name: string;
  readonly values: ArrayLike<number>;
}

/** RFC 4180 quoting: fields with a comma, quote or line break are quoted, quotes doubled. */
export function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function cellText(table: Table, col: number, row: number): string {
  const c = table.columns[col];
  if (c.kind === 'categorical') return c.values[row] ?? '';
  const v = c.values[row];
  return Number.isNaN(v) ? '' : String(v);
}

/** Writes the table and extra columns to `file` (via a temporary file renamed into place). */
export function writeCsv(file: string, table: Table, extra: ReadonlyArray<ExtraColumn> = []): void {
  const tmp = `${file}.partial-${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    const header = [...table.columns.map((c) => c.name), ...extra.map((e) => e.name)];
    let buffer = header.map(csvField).join(',') + '\n';
    for (let r = 0; r < table.rowCount; r++) {
      const cells: string[] = [];
      for (let c = 0; c < table.columns.length; c++) cells.push(csvField(cellText(table, c, r)));
      for (const e of extra) cells.push(String(e.values[r]));
      buffer += cells.join(',') + '\n';
      if (buffer.length > 1 << 20) { fs.writeSync(fd, buffer); buffer = ''; }
    }
    fs.writeSync(fd, buffer);
    fs.closeSync(fd);
    fs.renameSync(tmp, file);
  } catch (err) {
    try { fs.closeSync(fd); } catch { /* already closed */ }
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
