/**
 * Helpers the unit tests share: temporary fixture files, assertions on SynthadInputError messages, scores
 * compared within float32 rounding, and a small labelled dataset.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Column, Dataset, Table } from '../../src/core/data/types';
import { SynthadInputError } from '../../src/core/errors';
import { createRng } from '../../src/core/rng';

/**
 * A temporary folder for one test file's fixtures, removed when the run ends (call it at the top level of the
 * test file); `fixture(name, content)` writes a file there and returns its path.
 */
export function fixtureDir(prefix: string): {
  dir: string;
  fixture: (name: string, content: string | Buffer) => string;
} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const fixture = (name: string, content: string | Buffer): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
  };
  return { dir, fixture };
}

/** Checks that `error` is a SynthadInputError whose message is exactly `message` (a string) or matches it. */
function isInputError(error: unknown, message: string | RegExp): true {
  assert.ok(error instanceof SynthadInputError, `not a SynthadInputError: ${String(error)}`);
  if (typeof message === 'string') assert.equal(error.message, message);
  else assert.match(error.message, message);
  return true;
}

/** Rejects with a SynthadInputError whose message is exactly `message` (or matches it). */
export async function rejectsInput(promise: Promise<unknown>, message: string | RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => isInputError(error, message));
}

/** Throws a SynthadInputError whose message is exactly `message` (or matches it). */
export function throwsInput(run: () => unknown, message: string | RegExp): void {
  assert.throws(run, (error: unknown) => isInputError(error, message));
}

/**
 * How far apart the network's scores of the same row may be when the row sits at another place in the fixed
 * scoring blocks (SCORE_BLOCK_ROWS in src/core/network.ts), e.g. scored alone or in a 64-row chunk instead of
 * in the whole table: 1e-6 x max(1, |score|). Most BLAS kernels give the same bits there, but OpenBLAS's
 * Haswell/Zen sgemm (AVX2 machines without AVX-512, or OPENBLAS_CORETYPE=Haswell) rounds the rows of a tile
 * in two ways; measured up to 5e-7 x max(1, |score|) with 500- and 1000-wide layers, 1 float32 ulp on the
 * tests' small networks. Rows at the same place in a block are compared bit for bit instead.
 */
export const SCORE_TOLERANCE = 1e-6;

/** Whether two scores of the same row agree within SCORE_TOLERANCE (equal infinities agree). */
export function scoresAgree(a: number, b: number): boolean {
  return a === b || Math.abs(a - b) <= SCORE_TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b));
}

/** Fails naming the first row whose scores do not agree within SCORE_TOLERANCE. */
export function assertScoresAgree(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: ${actual.length} scores, expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    if (!scoresAgree(actual[i], expected[i]))
      assert.fail(
        `${what}: row ${i} scored ${actual[i]}, expected ${expected[i]} (within ${SCORE_TOLERANCE} x max(1, |score|))`,
      );
  }
}

/** The column of `table` named `name`; fails the test when there is none. */
export function column(table: Table, name: string): Column {
  const found = table.columns.find((c) => c.name === name);
  assert.ok(found, `no column ${name}`);
  return found;
}

/**
 * A small labelled set: 'normal' rows from N(0, 1) in `dims` numeric dimensions plus a binary and a
 * categorical column, anomaly type 'far' around +4 and 'wide' from N(0, 9).
 */
export function gaussianDataset(seed: number, normals = 400, perType = 40, dims = 4): Dataset {
  const rng = createRng(seed);
  const labels: string[] = [];
  const rows: number[][] = [];
  const add = (type: string, n: number, draw: () => number): void => {
    for (let i = 0; i < n; i++) {
      labels.push(type);
      rows.push(Array.from({ length: dims }, draw));
    }
  };
  add('normal', normals, () => rng.normal());
  add('far', perType, () => 4 + rng.normal());
  add('wide', perType, () => 3 * rng.normal());
  const n = labels.length;
  const columns: Column[] = [
    ...Array.from({ length: dims }, (_, d): Column => ({
      name: `x${d}`,
      kind: 'numeric',
      values: Float64Array.from(rows, (r) => r[d]),
    })),
    {
      name: 'flag',
      kind: 'binary',
      values: Float64Array.from({ length: n }, (_, i) => (labels[i] === 'far' ? 1 : i % 2)),
    },
    {
      name: 'colour',
      kind: 'categorical',
      values: Array.from({ length: n }, (_, i) => ['red', 'green', 'blue'][i % 3]),
    },
  ];
  const label: Column = { name: 'label', kind: 'categorical', values: labels };
  return {
    source: `gaussian-${seed}`,
    rowCount: n,
    columns: [...columns, label],
    features: columns,
    label: {
      column: 'label',
      values: labels,
      normalValues: ['normal'],
      isNormal: Uint8Array.from(labels, (l) => (l === 'normal' ? 1 : 0)),
    },
  };
}
