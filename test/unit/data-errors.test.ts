import * as assert from 'assert';
import * as path from 'path';
import { loadDataset, loadTable } from '../../src/core/data';
import type { LoadOptions } from '../../src/core/data';
import { fixtureDir, rejectsInput } from './helpers';

const THYROID = path.resolve(__dirname, '../../../samples/thyroid-train.csv');
const { dir, fixture } = fixtureDir('synthad-data-errors-');

/** Loading `file` as a dataset fails with exactly `message`, a SynthadInputError. */
function rejects(file: string, options: LoadOptions, message: string): Promise<void> {
  return rejectsInput(loadDataset(file, options), message);
}

const NO_ROWS = 'no data rows (expected a header line and at least one row)';

describe('data: bad files', () => {
  it('names a missing file', async () => {
    const file = path.join(dir, 'nope.csv');
    await rejects(file, {}, `${file}: file not found`);
  });

  it('names a folder given as a file', async () => {
    await rejects(dir, {}, `${dir}: is a folder, not a file`);
  });

  for (const [name, content] of [
    ['empty.csv', ''],
    ['spaces.csv', '  \n\n'],
    ['header-only.csv', 'a,b,c\n'],
    ['header-blank-lines.csv', 'a,b,c\r\n\r\n\r\n'],
  ]) {
    it(`refuses ${name} with no data rows`, async () => {
      const file = fixture(name, content);
      await rejects(file, {}, `${file}: ${NO_ROWS}`);
    });
  }

  it('names the line of a ragged row', async () => {
    const header = Array.from({ length: 22 }, (_, i) => `c${i}`).join(',');
    const row = (n: number): string => Array.from({ length: n }, (_, i) => String(i)).join(',');
    const file = fixture(
      'ragged.csv',
      [header, row(22), row(22), row(22), row(22), row(22), row(21), row(22)].join('\n'),
    );
    await rejects(file, {}, `${file}, line 7: expected 22 fields as in the header, got 21`);
  });

  it('counts lines inside quoted fields when naming a ragged row', async () => {
    const file = fixture('ragged-quoted.csv', 'a,b\n1,"x\ny\nz"\n2,3,4\n');
    await rejects(file, {}, `${file}, line 5: expected 2 fields as in the header, got 3`);
  });

  it('names a duplicate column', async () => {
    const file = fixture('dup.csv', 'a,x,b,x\n1,2,3,4\n');
    await rejects(file, {}, `${file}, line 1, column 'x': duplicate column name (columns 2 and 4)`);
  });

  it('names an unterminated quote', async () => {
    const file = fixture('quote.csv', 'a,b\n1,2\n3,"oops\n4,5\n');
    await rejects(file, {}, `${file}, line 3: unterminated quoted field (no closing quote before the end of the file)`);
  });
});

describe('data: bad cells', () => {
  const nineNumbersThen = (cell: string): string =>
    ['x,y', '1,a', '2,b', '3,c', cell + ',d', '5,e', '6,f', '7,g', '8,h', '9,i', '10,j'].join('\n');

  it('names text in a numeric column', async () => {
    const file = fixture('junk.csv', nineNumbersThen('abc'));
    await rejects(file, {}, `${file}, line 5, column 'x': expected a number, got 'abc'`);
  });

  for (const cell of ['NaN', 'nan', 'Infinity', '-Infinity', 'inf', '-inf', '1e999']) {
    it(`refuses ${cell} in a numeric column`, async () => {
      const file = fixture(`nonfinite-${cell}.csv`, nineNumbersThen(cell));
      await rejects(file, {}, `${file}, line 5, column 'x': expected a finite number, got '${cell}'`);
    });
  }

  it('reads a column with under 90% numbers as categorical', async () => {
    const file = fixture('mostly-text.csv', 'x\n1\n2\n3\nabc\n');
    const table = await loadTable(file);
    assert.deepStrictEqual(table.columns[0].values, ['1', '2', '3', 'abc']);
  });

  it('does not check dropped columns', async () => {
    const file = fixture('junk-dropped.csv', nineNumbersThen('abc'));
    const ds = await loadDataset(file, { drop: ['x'] });
    assert.deepStrictEqual(
      ds.features.map((c) => c.name),
      ['y'],
    );
  });

  it('names a feature column with every cell missing, and drops it when asked', async () => {
    const file = fixture('empty-column.csv', 'x,e,y\n1,,a\n2,NA,b\n');
    await rejects(file, {}, `${file}, column 'e': every cell is missing (drop the column with the 'drop' option)`);
    const ds = await loadDataset(file, { drop: ['e'] });
    assert.deepStrictEqual(
      ds.features.map((c) => c.name),
      ['x', 'y'],
    );
  });
});

describe('data: bad label options', () => {
  it('names a label column that does not exist, listing at most ten columns', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `c${i + 1}`);
    const file = fixture('many.csv', `${names.join(',')}\n${names.map(() => '1').join(',')}\n`);
    const listed = 'c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, …';
    await rejects(file, { label: 'klass', normal: 'x' }, `${file}: no column 'klass' (columns: ${listed})`);
  });

  it('suggests the column when only the case differs', async () => {
    await rejects(
      THYROID,
      { label: 'Class', normal: 'normal', drop: ['age'] },
      `${THYROID}: no column 'Class' (did you mean 'class'? columns: age, sex, on_thyroxine, query_on_thyroxine, ` +
        'on_antithyroid_medication, sick, pregnant, thyroid_surgery, I131_treatment, query_hypothyroid, …)',
    );
  });

  it('asks for the normal value when only the label is given', async () => {
    await rejects(
      THYROID,
      { label: 'class' },
      `${THYROID}: option 'normal' is required with 'label': give the value(s) of column 'class' that mean normal ` +
        '(values seen: normal 3488, subnormal 191, hyperfunction 93)',
    );
  });

  it('refuses a normal value without a label, and an empty list of normal values', async () => {
    await rejects(
      THYROID,
      { normal: 'normal' },
      `${THYROID}: option 'normal' is given without 'label': name the label column too`,
    );
    const message = `${THYROID}: option 'normal' is an empty list; give at least one label value that means normal`;
    await rejects(THYROID, { label: 'class', normal: [] }, message);
  });

  it('names a normal value no row has, with the values seen', async () => {
    await rejects(
      THYROID,
      { label: 'class', normal: 'nrml' },
      `${THYROID}, column 'class': no rows with the normal value 'nrml' (values seen: normal 3488, subnormal 191, hyperfunction 93)`,
    );
    const many = fixture('many-classes.csv', ['x,y', ...Array.from({ length: 12 }, (_, i) => `${i},k${i}`)].join('\n'));
    await rejects(
      many,
      { label: 'y', normal: ['a', 'b'] },
      `${many}, column 'y': no rows with the normal values 'a', 'b' ` +
        '(values seen: k0 1, k1 1, k10 1, k11 1, k2 1, k3 1, k4 1, k5 1, k6 1, k7 1, …)',
    );
  });

  it('names the line of a missing label', async () => {
    const rows = ['x,class', '1,a', '2,a', '3,b', '4,a', '5,a', '6,b', '7,a', '8,', '9,a'];
    const file = fixture('missing-label.csv', rows.join('\n'));
    await rejects(file, { label: 'class', normal: 'a' }, `${file}, line 9, column 'class': missing label`);
  });

  it('refuses a dataset without feature columns', async () => {
    const file = fixture('no-features.csv', 'id,y\n1,a\n2,b\n');
    await rejects(
      file,
      { label: 'y', normal: 'a', drop: ['id'] },
      `${file}: no feature columns (every column is the label or dropped)`,
    );
  });

  it('accepts one feature column', async () => {
    const ds = await loadDataset(fixture('one-feature.csv', 'x,y\n1,a\n2,b\n'), { label: 'y', normal: 'a' });
    assert.deepStrictEqual(
      ds.features.map((c) => c.name),
      ['x'],
    );
  });

  it('names columns in drop and categorical that do not exist, and a dropped label', async () => {
    const file = fixture('opts.csv', 'a,b\n1,2\n');
    await rejects(file, { drop: ['idx'] }, `${file}: no column 'idx' to drop (columns: a, b)`);
    await rejects(
      file,
      { categorical: ['B'] },
      `${file}: no column 'B' to make categorical (did you mean 'b'? columns: a, b)`,
    );
    await rejects(file, { label: 'b', normal: 1, drop: ['b'] }, `${file}: option 'drop' includes the label column 'b'`);
  });

  it('names a bad delimiter or format option', async () => {
    const file = fixture('opts2.csv', 'a,b\n1,2\n');
    await rejects(
      file,
      { delimiter: 'ab' },
      `${file}: option 'delimiter' is "ab"; expected one character other than a quote or newline`,
    );
    const format = { format: 'xlsx' } as unknown as LoadOptions;
    await rejects(file, format, `${file}: option 'format' is 'xlsx'; expected one of csv, tsv, json, jsonl`);
  });
});
