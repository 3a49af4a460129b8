import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as path from 'path';
import { fromDataFrame, loadDataset, tableFromRecords, toDataFrame } from '../../src/core/data';
import type { Column } from '../../src/core/data';

const THYROID = path.resolve(__dirname, '../../../samples/thyroid-train.csv');

function plain(column: Column): { name: string; kind: string; values: unknown[] } {
  return { name: column.name, kind: column.kind, values: Array.from(column.values as ArrayLike<unknown>) };
}

describe('data: danfojs DataFrames', () => {
  it('does not load danfojs-node until a conversion is asked for', () => {
    const index = path.resolve(__dirname, '../../src/core/data/index.js');
    const script = `require(${JSON.stringify(index)}); process.stdout.write(String(Object.keys(require.cache).some((k) => k.includes('danfojs'))))`;
    assert.strictEqual(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }), 'false');
  });

  it('round-trips the thyroid dataset through a DataFrame', async () => {
    const ds = await loadDataset(THYROID, { label: 'class', normal: 'normal' });
    const df = toDataFrame(ds);
    assert.deepStrictEqual(df.shape, [3772, 22]);
    assert.deepStrictEqual(
      df.columns,
      ds.columns.map((c) => c.name),
    );
    assert.strictEqual(df.dtypes[df.columns.indexOf('class')], 'string');
    const back = fromDataFrame(df, { label: 'class', normal: 'normal', source: 'thyroid frame' });
    assert.strictEqual(back.source, 'thyroid frame');
    assert.strictEqual(back.rowCount, 3772);
    assert.deepStrictEqual(back.columns.map(plain), ds.columns.map(plain));
    assert.deepStrictEqual(back.label?.values, ds.label?.values);
    assert.deepStrictEqual(back.label?.isNormal, ds.label?.isNormal);
    assert.deepStrictEqual(
      back.features.map((c) => c.name),
      ds.features.map((c) => c.name),
    );
  });

  it('maps missing values to NaN and null, and back', () => {
    const table = tableFromRecords([
      { x: 1.5, c: 'a', b: 1 },
      { x: null, c: null, b: 0 },
      { x: 3, c: 'b', b: null },
    ]);
    const df = toDataFrame(table);
    assert.deepStrictEqual(df.column('x').values, [1.5, NaN, 3]);
    assert.deepStrictEqual(df.column('c').values, ['a', null, 'b']);
    const back = fromDataFrame(df);
    assert.deepStrictEqual(back.columns.map(plain), table.columns.map(plain));
    assert.deepStrictEqual(
      back.columns.map((c) => c.kind),
      ['numeric', 'categorical', 'binary'],
    );
  });

  it('reads a DataFrame built in a cell: booleans as 0/1, errors naming the row', () => {
    const dfd = require('danfojs-node') as typeof import('danfojs-node');
    const df = new dfd.DataFrame({ x: [1, 2, Infinity, 4], flag: [true, false, true, true], y: ['n', 'n', 'a', 'n'] });
    assert.throws(() => fromDataFrame(df), {
      message: "DataFrame, record 3, column 'x': expected a finite number, got 'Infinity'",
    });
    const ok = fromDataFrame(df, { drop: ['x'], label: 'y', normal: 'n' });
    assert.deepStrictEqual(ok.features.map(plain), [{ name: 'flag', kind: 'binary', values: [1, 0, 1, 1] }]);
    assert.deepStrictEqual(Array.from(ok.label?.isNormal ?? []), [1, 1, 0, 1]);
  });
});
