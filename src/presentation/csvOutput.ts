/**
 * Writing rows back out as CSV, with extra columns (scores, predictions) appended, and the checks of output
 * paths made before long work. (The ONNX export of a model is src/export.)
 */
import * as fs from 'fs';
import * as path from 'path';
import { SynthadInputError } from '../core/errors';
import { failpointAsync, replaceFile, samePath } from '../core/safeFiles';
import type { Table } from '../core/data/types';
import { fieldQuoter } from '../core/data/csv';
import { predictFromScores } from '../core/detectors/base';

export interface ExtraColumn {
  readonly name: string;
  readonly values: ArrayLike<number>;
}

/** RFC 4180 quoting: fields with a comma, quote or line break are quoted, quotes doubled. */
export const csvField = fieldQuoter(',');

function cellText(table: Table, col: number, row: number): string {
  const c = table.columns[col];
  if (c.kind === 'categorical') return c.values[row] ?? '';
  const v = c.values[row];
  return Number.isNaN(v) ? '' : String(v);
}

/**
 * Writes the table and extra columns to `file`: rows go to a partial file next to it, renamed into place
 * only when complete, so `file` holds either its old content or the whole new one. The partial file is
 * removed on failure (and, through safeFiles, on Ctrl+C or SIGTERM in the CLI); writing over one of
 * `inputs` (the same file under another name, symlinks and hard links included) is refused up front.
 */
export async function writeCsv(
  file: string,
  table: Table,
  extra: ReadonlyArray<ExtraColumn> = [],
  inputs: ReadonlyArray<string> = [table.source],
): Promise<void> {
  checkOutputFile(file, inputs);
  await replaceFile(file, async (handle) => {
    const header = [...table.columns.map((c) => c.name), ...extra.map((e) => e.name)];
    let buffer = header.map(csvField).join(',') + '\n';
    for (let r = 0; r < table.rowCount; r++) {
      const cells: string[] = [];
      for (let c = 0; c < table.columns.length; c++) cells.push(csvField(cellText(table, c, r)));
      for (const e of extra) cells.push(String(e.values[r]));
      buffer += cells.join(',') + '\n';
      if (buffer.length > 1 << 20) {
        await handle.write(buffer);
        buffer = '';
        await failpointAsync('csv:partial');
      }
    }
    await handle.write(buffer);
  });
}

/**
 * The scores file: the table's rows with two more columns, `score` (higher = more anomalous) and `prediction`
 * (1 = score above `threshold`), written as `writeCsv` does. One writer for `synthad score` on a whole-file
 * input, `synthad detect --out` and the cells' `exportScores` (streamed scoring writes the same columns
 * block by block: src/core/scoreStream.ts).
 */
export function writeScoresCsv(
  file: string,
  table: Table,
  scores: ArrayLike<number>,
  threshold: number,
  inputs: ReadonlyArray<string> = [table.source],
): Promise<void> {
  return writeCsv(
    file,
    table,
    [
      { name: 'score', values: scores },
      { name: 'prediction', values: predictFromScores(scores, threshold) },
    ],
    inputs,
  );
}

/**
 * Refuses an output file that cannot be written or would destroy an input: a folder, a missing folder,
 * or the same file as one of `inputs`. Call it before any long work so a mistake costs nothing.
 */
export function checkOutputFile(file: string, inputs: ReadonlyArray<string> = [], flag = 'the output'): void {
  if (file.trim() === '') throw new SynthadInputError(`${flag} needs a file name, got an empty one`);
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(file);
  } catch {
    stat = undefined;
  }
  if (stat?.isDirectory()) throw new SynthadInputError(`is a folder; ${flag} needs a file path`, { file });
  if (stat !== undefined && !stat.isFile())
    throw new SynthadInputError(`is not a regular file (a pipe, socket or device); ${flag} needs a file path`, {
      file,
    });
  const dir = path.dirname(path.resolve(file));
  let dirStat: fs.Stats | undefined;
  try {
    dirStat = fs.statSync(dir);
  } catch {
    dirStat = undefined;
  }
  if (dirStat === undefined) throw new SynthadInputError(`the folder ${dir} does not exist`, { file });
  if (!dirStat.isDirectory()) throw new SynthadInputError(`${dir} is not a folder`, { file });
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    throw new SynthadInputError(`cannot write in the folder ${dir}`, { file });
  }
  for (const input of inputs) {
    if (input !== '' && fs.existsSync(input) && samePath(file, input)) {
      throw new SynthadInputError(
        `is the input file ${input}; refusing to write over it (choose another output file)`,
        { file },
      );
    }
  }
}

/**
 * Refuses a folder output (e.g. --report DIR) that cannot be one: an existing file, or a path under a file.
 */
export function checkOutputFolder(dir: string, flag = 'the output'): void {
  if (dir.trim() === '') return; // the current folder
  let at = path.resolve(dir);
  for (;;) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(at);
    } catch {
      stat = undefined;
    }
    if (stat !== undefined) {
      if (!stat.isDirectory()) {
        throw new SynthadInputError(
          at === path.resolve(dir)
            ? `is a file; ${flag} needs a folder`
            : `${at} is a file, so no folder can be made under it`,
          { file: dir },
        );
      }
      try {
        fs.accessSync(at, fs.constants.W_OK);
      } catch {
        throw new SynthadInputError(`cannot write in the folder ${at}`, { file: dir });
      }
      return;
    }
    const parent = path.dirname(at);
    if (parent === at) return;
    at = parent;
  }
}
