import * as assert from 'assert';
import * as path from 'path';
import { datasetFromTable, describeDataset, loadDataset, loadTable, sniffDelimiter } from '../../src/core/data';
import type { CategoricalColumn, NumericColumn, Table } from '../../src/core/data';
import { column, fixtureDir } from './helpers';

const THYROID = path.resolve(__dirname, '../../../samples/thyroid-train.csv');
const THYROID_BINARY = [
  'sex',
  'on_thyroxine',
  'query_on_thyroxine',
  'on_antithyroid_medication',
  'sick',
  'pregnant',
  'thyroid_surgery',
  'I131_treatment',
  'query_hypothyroid',
  'query_hyperthyroid',
  'lithium',
  'goitre',
  'tumor',
  'hypopituitary',
  'psych',
];

const { fixture } = fixtureDir('synthad-data-');

function numbers(table: Table, name: string): number[] {
  const c = column(table, name) as NumericColumn;
  assert.notStrictEqual(c.kind, 'categorical', `${name} is categorical`);
  return Array.from(c.values);
}
function texts(table: Table, name: string): Array<string | null> {
  const c = column(table, name) as CategoricalColumn;
  assert.strictEqual(c.kind, 'categorical', `${name} is ${c.kind}`);
  return [...c.values];
}

describe('data: delimiter sniffing', () => {
  it('picks , ; tab and | from the first lines', () => {
    assert.strictEqual(sniffDelimiter('a,b,c\n1,2,3\n'), ',');
    assert.strictEqual(sniffDelimiter('a;b;c\n1;2;3\n'), ';');
    assert.strictEqual(sniffDelimiter('a\tb\tc\n1\t2\t3\n'), '\t');
    assert.strictEqual(sniffDelimiter('a|b|c\n1|2|3\n'), '|');
  });

  it('ignores delimiters inside quotes and prefers the consistent one', () => {
    assert.strictEqual(sniffDelimiter('a,b\n"x;y;z",1\n"p;q",2\n'), ',');
    assert.strictEqual(sniffDelimiter('a;b;c\n1,5;2,25;3\n0,1;7;8\n'), ';');
    assert.strictEqual(sniffDelimiter('name|note\nx|"a, b, c"\ny|"d,\ne"\n'), '|');
  });

  it('falls back to a comma for one column', () => {
    assert.strictEqual(sniffDelimiter('value\n1\n2\n'), ',');
  });

  for (const [label, delimiter] of [
    ['comma', ','],
    ['semicolon', ';'],
    ['tab', '\t'],
    ['pipe', '|'],
  ]) {
    it(`reads a ${label}-separated file`, async () => {
      const file = fixture(
        `sniff-${label}.csv`,
        ['id,x,kind', '1,0.5,a', '2,1.5,b'].join('\n').replace(/,/g, delimiter),
      );
      const table = await loadTable(file);
      assert.deepStrictEqual(
        table.columns.map((c) => c.name),
        ['id', 'x', 'kind'],
      );
      assert.deepStrictEqual(numbers(table, 'x'), [0.5, 1.5]);
      assert.deepStrictEqual(texts(table, 'kind'), ['a', 'b']);
    });
  }

  it('reads .tsv as tab-separated even when commas are more frequent', async () => {
    const file = fixture('commas.tsv', 'a\tb\n1,2,3\tx\n4,5,6\ty\n');
    const table = await loadTable(file);
    assert.deepStrictEqual(texts(table, 'a'), ['1,2,3', '4,5,6']);
    assert.deepStrictEqual(texts(table, 'b'), ['x', 'y']);
  });
});

describe('data: CSV quoting, BOM, line endings', () => {
  it('keeps embedded delimiters, newlines and escaped quotes in quoted fields', async () => {
    const file = fixture('quotes.csv', 'id,text,n\n1,"a, b",10\n2,"two\nlines",20\n3,"say ""hi""",30\n4,plain,40\n');
    const table = await loadTable(file);
    assert.deepStrictEqual(texts(table, 'text'), ['a, b', 'two\nlines', 'say "hi"', 'plain']);
    assert.deepStrictEqual(numbers(table, 'n'), [10, 20, 30, 40]);
    assert.deepStrictEqual(Array.from(table.lineOfRow ?? []), [2, 3, 5, 6]);
  });

  it('strips a UTF-8 byte-order mark, also before a quoted header', async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const plain = await loadTable(fixture('bom.csv', Buffer.concat([bom, Buffer.from('age,sex\n30,1\n')])));
    assert.deepStrictEqual(
      plain.columns.map((c) => c.name),
      ['age', 'sex'],
    );
    const quoted = await loadTable(fixture('bom-quoted.csv', Buffer.concat([bom, Buffer.from('"age";"sex"\n30;1\n')])));
    assert.deepStrictEqual(
      quoted.columns.map((c) => c.name),
      ['age', 'sex'],
    );
  });

  it('reads CRLF line endings without stray carriage returns', async () => {
    const file = fixture('crlf.csv', 'a,b\r\n1,x\r\n2,"y\r\nz"\r\n3,w\r\n');
    const table = await loadTable(file);
    assert.deepStrictEqual(numbers(table, 'a'), [1, 2, 3]);
    assert.deepStrictEqual(texts(table, 'b'), ['x', 'y\r\nz', 'w']);
    assert.deepStrictEqual(Array.from(table.lineOfRow ?? []), [2, 3, 5]);
  });

  it('skips blank lines but keeps counting them', async () => {
    const file = fixture('blank.csv', 'a,b\n\n1,2\n   \n3,4\n\n');
    const table = await loadTable(file);
    assert.strictEqual(table.rowCount, 2);
    assert.deepStrictEqual(Array.from(table.lineOfRow ?? []), [3, 5]);
  });

  it('reads a last line without a newline and trims spaces around cells', async () => {
    const table = await loadTable(fixture('trim.csv', ' a , b \n 1 , x \n2,y'));
    assert.deepStrictEqual(
      table.columns.map((c) => c.name),
      ['a', 'b'],
    );
    assert.deepStrictEqual(numbers(table, 'a'), [1, 2]);
    assert.deepStrictEqual(texts(table, 'b'), ['x', 'y']);
  });
});

describe('data: column typing', () => {
  it('treats empty, NA, N/A, ? and null as missing', async () => {
    const file = fixture('missing.csv', 'x,c\n1,a\n,b\nNA,\nn/a,NULL\n?,na\nnull,c\n');
    const table = await loadTable(file);
    assert.deepStrictEqual(
      numbers(table, 'x').map((v) => (Number.isNaN(v) ? null : v)),
      [1, null, null, null, null, null],
    );
    assert.deepStrictEqual(texts(table, 'c'), ['a', 'b', null, null, null, 'c']);
    assert.strictEqual(column(table, 'x').kind, 'binary');
  });

  it('accepts extra missing texts from the options', async () => {
    const table = await loadTable(fixture('dash.csv', 'x\n1\n-\n2.5\n'), { missing: ['-'] });
    assert.deepStrictEqual(
      numbers(table, 'x').map((v) => (Number.isNaN(v) ? null : v)),
      [1, null, 2.5],
    );
  });

  it('tells numeric, binary and categorical apart', async () => {
    const file = fixture('kinds.csv', 'n,b,c,e\n1.5,0,a,1e3\n-2,1,2,-.5\n+3,1,b,7\n');
    const table = await loadTable(file);
    assert.deepStrictEqual(
      table.columns.map((c) => c.kind),
      ['numeric', 'binary', 'categorical', 'numeric'],
    );
    assert.deepStrictEqual(numbers(table, 'e'), [1000, -0.5, 7]);
    assert.deepStrictEqual(texts(table, 'c'), ['a', '2', 'b']);
  });

  it('keeps numbers as written in a mostly-text column', async () => {
    const rows = Array.from({ length: 100 }, (_, i) => (i % 3 === 0 ? `00${i}` : `k${i}`));
    const table = await loadTable(fixture('mixed.csv', ['code', ...rows].join('\n')));
    assert.deepStrictEqual(texts(table, 'code'), rows);
  });

  it('forces columns categorical, keeping the text', async () => {
    const table = await loadTable(fixture('zip.csv', 'zip,x\n007,1\n1.50,2\n'), { categorical: ['zip'] });
    assert.deepStrictEqual(texts(table, 'zip'), ['007', '1.50']);
  });

  it('types the thyroid sample: 15 binary, 6 numeric, class categorical', async () => {
    const table = await loadTable(THYROID);
    assert.strictEqual(table.rowCount, 3772);
    assert.strictEqual(table.columns.length, 22);
    const byKind = (kind: string): string[] => table.columns.filter((c) => c.kind === kind).map((c) => c.name);
    assert.deepStrictEqual(byKind('binary'), THYROID_BINARY);
    assert.deepStrictEqual(byKind('numeric'), ['age', 'TSH', 'T3', 'TT4', 'T4U', 'FTI']);
    assert.deepStrictEqual(byKind('categorical'), ['class']);
    assert.strictEqual(table.lineOfRow?.[3771], 3773);
  });
});

describe('data: datasets and labels', () => {
  it('decodes the thyroid label and counts the classes', async () => {
    const ds = await loadDataset(THYROID, { label: 'class', normal: 'normal' });
    assert.strictEqual(ds.features.length, 21);
    assert.ok(!ds.features.some((c) => c.name === 'class'));
    assert.strictEqual(ds.columns.length, 22);
    assert.deepStrictEqual(ds.label?.normalValues, ['normal']);
    assert.strictEqual(
      ds.label?.isNormal.reduce((a, b) => a + b, 0),
      3488,
    );
    const summary = describeDataset(ds);
    assert.strictEqual(summary.rows, 3772);
    assert.deepStrictEqual(summary.label?.classes, [
      { value: 'normal', count: 3488, normal: true },
      { value: 'subnormal', count: 191, normal: false },
      { value: 'hyperfunction', count: 93, normal: false },
    ]);
    assert.strictEqual(summary.label?.anomalies, 284);
  });

  it('summarises columns: kind, role, missing, range, distinct', async () => {
    const file = fixture('summary.csv', 'id,x,c,y\n1,2,a,n\n2,,b,n\n3,4,a,bad\n');
    const ds = await loadDataset(file, { label: 'y', normal: 'n', drop: ['id'] });
    const summary = describeDataset(ds);
    assert.deepStrictEqual(summary.columns, [
      { name: 'id', kind: 'categorical', role: 'other', missing: 0, distinct: 3 },
      { name: 'x', kind: 'numeric', role: 'feature', missing: 1, min: 2, max: 4, mean: 3 },
      { name: 'c', kind: 'categorical', role: 'feature', missing: 0, distinct: 2 },
      { name: 'y', kind: 'categorical', role: 'label', missing: 0, distinct: 2 },
    ]);
  });

  it('formats numeric labels without a trailing .0 and compares normal values as text', async () => {
    const file = fixture('numlabel.csv', 'x,class\n0.1,1.0\n0.2,2\n0.3,1\n0.4,10\n');
    for (const normal of [1, '1', '1.0', [1]]) {
      const ds = await loadDataset(file, { label: 'class', normal });
      assert.deepStrictEqual(ds.label?.values, ['1', '2', '1', '10']);
      assert.deepStrictEqual(Array.from(ds.label?.isNormal ?? []), [1, 0, 1, 0]);
    }
    const two = await loadDataset(file, { label: 'class', normal: [1, '2'] });
    assert.deepStrictEqual(Array.from(two.label?.isNormal ?? []), [1, 1, 1, 0]);
  });

  it('drops columns from the features but keeps them in columns', async () => {
    const file = fixture('drop.csv', 'id,t,x,y\n1,9,0.5,a\n2,8,0.7,b\n');
    const ds = await loadDataset(file, { label: 'y', normal: 'a', drop: ['id', 't'] });
    assert.deepStrictEqual(
      ds.features.map((c) => c.name),
      ['x'],
    );
    assert.deepStrictEqual(
      ds.columns.map((c) => c.name),
      ['id', 't', 'x', 'y'],
    );
  });

  it('loads an unlabelled dataset with every column a feature', async () => {
    const ds = await loadDataset(fixture('nolabel.csv', 'a,b\n1,2\n'));
    assert.strictEqual(ds.label, undefined);
    assert.deepStrictEqual(
      ds.features.map((c) => c.name),
      ['a', 'b'],
    );
  });

  it('accepts a dataset with one class only (the detector decides)', async () => {
    const ds = await loadDataset(fixture('oneclass.csv', 'x,y\n1,n\n2,n\n'), { label: 'y', normal: 'n' });
    assert.deepStrictEqual(Array.from(ds.label?.isNormal ?? []), [1, 1]);
  });

  it('re-labels a dataset, or drops its label, from the same table', async () => {
    const ds = await loadDataset(fixture('relabel.csv', 'x,y,z\n1,a,p\n2,b,q\n'), { label: 'y', normal: 'a' });
    const relabelled = datasetFromTable(ds, { label: 'z', normal: 'q' });
    assert.deepStrictEqual(
      relabelled.features.map((c) => c.name),
      ['x', 'y'],
    );
    assert.deepStrictEqual(Array.from(relabelled.label?.isNormal ?? []), [0, 1]);
    assert.strictEqual('label' in datasetFromTable(ds), false);
  });

  it('names empty header cells like pandas and summarises a plain table', async () => {
    const table = await loadTable(fixture('unnamed.csv', ',x\n0,5\n1,7\n'));
    assert.deepStrictEqual(
      table.columns.map((c) => c.name),
      ['Unnamed: 0', 'x'],
    );
    const summary = describeDataset(table);
    assert.deepStrictEqual(
      summary.columns.map((c) => c.role),
      ['feature', 'feature'],
    );
    assert.strictEqual(summary.label, undefined);
  });

  it('builds a dataset from an in-memory table', () => {
    const table: Table = {
      source: 'memory',
      rowCount: 2,
      columns: [
        { name: 'x', kind: 'numeric', values: Float64Array.from([1, 2]) },
        { name: 'y', kind: 'binary', values: Float64Array.from([0, 1]) },
      ],
    };
    const ds = datasetFromTable(table, { label: 'y', normal: 0 });
    assert.deepStrictEqual(ds.label?.values, ['0', '1']);
    assert.deepStrictEqual(Array.from(ds.label?.isNormal ?? []), [1, 0]);
  });
});
