import * as assert from 'assert';
import { loadDataset, loadTable, tableFromRecords } from '../../src/core/data';
import type { Table } from '../../src/core/data';
import { fixtureDir, rejectsInput } from './helpers';

const { fixture } = fixtureDir('synthad-data-json-');

function values(table: Table, name: string): unknown[] {
  const column = table.columns.find((c) => c.name === name);
  assert.ok(column, `no column ${name}`);
  return Array.from(column.values as ArrayLike<unknown>, (v) => (typeof v === 'number' && Number.isNaN(v) ? null : v));
}

const RECORDS = [
  { id: 1, x: 0.5, ok: true, kind: 'a', class: 'normal' },
  { id: 2, x: null, ok: false, kind: 'b', class: 'attack', extra: 'NA' },
  { id: 3, x: '2.5', ok: true, class: 'normal', extra: 7 },
];

describe('data: JSON arrays', () => {
  it('reads records with the union of keys in first-seen order', async () => {
    const table = await loadTable(fixture('records.json', JSON.stringify(RECORDS, null, 2)));
    assert.deepStrictEqual(
      table.columns.map((c) => c.name),
      ['id', 'x', 'ok', 'kind', 'class', 'extra'],
    );
    assert.deepStrictEqual(
      table.columns.map((c) => c.kind),
      ['numeric', 'numeric', 'binary', 'categorical', 'categorical', 'numeric'],
    );
    assert.deepStrictEqual(values(table, 'x'), [0.5, null, 2.5]);
    assert.deepStrictEqual(values(table, 'ok'), [1, 0, 1]);
    assert.deepStrictEqual(values(table, 'kind'), ['a', 'b', null]);
    assert.deepStrictEqual(values(table, 'extra'), [null, null, 7]);
    assert.strictEqual(table.lineOfRow, undefined);
  });

  it('loads a labelled dataset from JSON', async () => {
    const ds = await loadDataset(fixture('labelled.json', JSON.stringify(RECORDS)), {
      label: 'class',
      normal: 'normal',
      drop: ['id'],
    });
    assert.deepStrictEqual(
      ds.features.map((c) => c.name),
      ['x', 'ok', 'kind', 'extra'],
    );
    assert.deepStrictEqual(Array.from(ds.label?.isNormal ?? []), [1, 0, 1]);
  });

  it('names the record of a bad cell', async () => {
    const records = Array.from({ length: 12 }, (_, i) => ({ x: i === 9 ? 'abc' : i }));
    const file = fixture('junk.json', JSON.stringify(records));
    await rejectsInput(loadTable(file), `${file}, record 10, column 'x': expected a number, got 'abc'`);
  });

  it('names a record that is not an object', async () => {
    const file = fixture('not-object.json', '[{"a": 1}, 2]');
    await rejectsInput(loadTable(file), `${file}, record 2: expected an object, got a number`);
  });

  it('names the line of a syntax error', async () => {
    const file = fixture('broken.json', '[\n{"a": 1},\n{"a": 2,,}\n]');
    await rejectsInput(loadTable(file), new RegExp(`^${escape(file)}, line 3: not valid JSON \\(.+\\)$`));
  });

  it('refuses JSON that is neither records nor lines, and an empty array', async () => {
    const scalar = fixture('scalar.json', '"hello"');
    await rejectsInput(
      loadTable(scalar),
      `${scalar}: expected a JSON array of records, or JSON Lines (one object a line)`,
    );
    const empty = fixture('empty.json', ' [ ] ');
    await rejectsInput(loadTable(empty), `${empty}: no data rows (expected at least one record)`);
    const nothing = fixture('nothing.json', '');
    await rejectsInput(loadTable(nothing), `${nothing}: no data rows (expected at least one record)`);
  });
});

describe('data: JSON Lines', () => {
  const lines = '\ufeff{"a": 1, "b": "x"}\r\n\r\n{"a": 2, "c": true}\r\n{"b": "y", "a": null}\r\n';

  for (const name of ['lines.jsonl', 'lines.ndjson', 'lines-as.json']) {
    it(`reads ${name} with line numbers, BOM, CRLF and blank lines`, async () => {
      const table = await loadTable(fixture(name, lines));
      assert.deepStrictEqual(
        table.columns.map((c) => c.name),
        ['a', 'b', 'c'],
      );
      assert.deepStrictEqual(values(table, 'a'), [1, 2, null]);
      assert.deepStrictEqual(values(table, 'b'), ['x', null, 'y']);
      assert.deepStrictEqual(values(table, 'c'), [null, 1, null]);
      assert.deepStrictEqual(Array.from(table.lineOfRow ?? []), [1, 3, 4]);
    });
  }

  it('reads JSON Lines from another extension with the format option', async () => {
    const table = await loadTable(fixture('lines.txt', lines), { format: 'jsonl' });
    assert.strictEqual(table.rowCount, 3);
  });

  it('names the line of a bad cell, a bad line and a line that is not an object', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => JSON.stringify({ x: i === 6 ? 'NaN' : i }));
    const junk = fixture('junk.jsonl', rows.join('\n'));
    await rejectsInput(loadTable(junk), `${junk}, line 7, column 'x': expected a finite number, got 'NaN'`);
    const broken = fixture('broken.jsonl', '{"a": 1}\n{"a": \n');
    await rejectsInput(loadTable(broken), new RegExp(`^${escape(broken)}, line 2: not valid JSON \\(.+\\)$`));
    const array = fixture('array.jsonl', '{"a": 1}\n[1, 2]\n');
    await rejectsInput(loadTable(array), `${array}, line 2: expected a JSON object, got an array`);
  });

  it('names a missing label by line', async () => {
    const file = fixture('label.jsonl', '{"x": 1, "y": "n"}\n{"x": 2}\n');
    await rejectsInput(loadDataset(file, { label: 'y', normal: 'n' }), `${file}, line 2, column 'y': missing label`);
  });
});

describe('data: in-memory records', () => {
  it('builds a table from records, naming the source and record in errors', () => {
    const table = tableFromRecords(
      [
        { a: 1, b: 'x' },
        { a: 0, b: 'y' },
      ],
      'my data',
    );
    assert.strictEqual(table.source, 'my data');
    assert.deepStrictEqual(
      table.columns.map((c) => c.kind),
      ['binary', 'categorical'],
    );
    const records = Array.from({ length: 10 }, (_, i) => ({ a: i === 2 ? Infinity : i }));
    assert.throws(() => tableFromRecords(records, 'my data'), {
      name: 'SynthadInputError',
      message: "my data, record 3, column 'a': expected a finite number, got 'Infinity'",
    });
    assert.throws(() => tableFromRecords([]), { message: 'records: no data rows (expected at least one record)' });
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
