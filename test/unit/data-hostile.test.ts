import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { datasetFromTable, loadDataset, loadTable, tableFromRecords } from '../../src/core/data';
import type { Column, LoadOptions, Table } from '../../src/core/data';
import { peekFile } from '../../src/core/data/peek';
import { CATEGORY_SHARE_FROM, encode, fitEncoder, MAX_CATEGORIES, MAX_CATEGORY_SHARE } from '../../src/core/encode';
import { Utf8Check } from '../../src/core/data/utf8';
import { column, fixtureDir, rejectsInput, throwsInput } from './helpers';

const { dir, fixture } = fixtureDir('synthad-data-hostile-');

function numbers(table: Table, name: string): number[] {
  const c = column(table, name);
  assert.notStrictEqual(c.kind, 'categorical', `column ${name} is categorical`);
  return Array.from(c.values as Float64Array);
}

/** Settles within `ms` or fails (a FIFO must never hang the test run). */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('data: hostile input', () => {
  describe('decimal commas and thousands separators', () => {
    it('reads a ;-separated file with decimal commas as numbers', async () => {
      const file = fixture(
        'comma.csv',
        'a;b;c;label\n0,97;-1,5e3;1.234,56;normal\n12;2,25;7;normal\n-0,5;+3,0E-2;999,5;anomaly\n',
      );
      const table = await loadTable(file);
      assert.deepStrictEqual(numbers(table, 'a'), [0.97, 12, -0.5]);
      assert.deepStrictEqual(numbers(table, 'b'), [-1500, 2.25, 0.03]);
      assert.deepStrictEqual(numbers(table, 'c'), [1234.56, 7, 999.5]);
      assert.strictEqual(column(table, 'a').kind, 'numeric');
      assert.deepStrictEqual(column(table, 'label').values, ['normal', 'normal', 'anomaly']);
      assert.strictEqual(table.warnings, undefined);
    });

    it('keeps a plain ;-separated file as it was (decimal points, integers)', async () => {
      const file = fixture('points.csv', 'a;b\n0.5;1\n1.25;2\n');
      const table = await loadTable(file);
      assert.deepStrictEqual(numbers(table, 'a'), [0.5, 1.25]);
      assert.deepStrictEqual(numbers(table, 'b'), [1, 2]);
    });

    it('refuses a column that mixes decimal commas and decimal points, naming both lines', async () => {
      const file = fixture('mixed.csv', 'a;b\n0,97;1\n1,5;2\n2.5;3\n');
      await rejectsInput(
        loadTable(file),
        `${file}, line 4, column 'a': '2.5' has a decimal point, but line 2 has a decimal comma ('0,97'); ` +
          "write every number one way, or give option decimal ',' (a point then separates thousands) or '.'",
      );
    });

    it("reads decimal commas in any file with option decimal ','", async () => {
      const file = fixture('forced.tsv', 'a\tb\n"0,97"\t1.234\n2\t1.234.567,5\n-3,5e2\t12\n');
      const table = await loadTable(file, { decimal: ',' });
      assert.deepStrictEqual(numbers(table, 'a'), [0.97, 2, -350]);
      assert.deepStrictEqual(numbers(table, 'b'), [1234, 1234567.5, 12]);
      const records = tableFromRecords([{ x: '1,5' }, { x: 2 }, { x: '3.000' }], 'records', { decimal: ',' });
      assert.deepStrictEqual(numbers(records, 'x'), [1.5, 2, 3000]);
    });

    it("names a decimal point under option decimal ','", async () => {
      const rows = Array.from({ length: 12 }, (_, i) => `${i},5`);
      rows[4] = '1.5';
      const file = fixture('forced-point.csv', ['x', ...rows].join('\n'));
      await rejectsInput(
        loadTable(file, { decimal: ',', delimiter: ';' }),
        `${file}, line 6, column 'x': expected a number, got '1.5' (with option decimal ',', a point only separates thousands)`,
      );
    });

    it("never guesses decimal commas with option decimal '.'", async () => {
      const file = fixture('point-option.csv', 'a;b\n0,97;1\nx,y;2\n1,5;3\n');
      const table = await loadTable(file, { decimal: '.' });
      assert.deepStrictEqual(column(table, 'a').values, ['0,97', 'x,y', '1,5']);
      const file2 = fixture('forced-point-thousands.csv', 'a,b\n"1,234.5",1\n2,2\n');
      assert.deepStrictEqual(numbers(await loadTable(file2, { decimal: '.' }), 'a'), [1234.5, 2]);
    });

    it("refuses a decimal option other than ',' or '.'", async () => {
      const file = fixture('any.csv', 'a\n1\n');
      await rejectsInput(
        loadTable(file, { decimal: ' ' as ',' }),
        `${file}: option 'decimal' is " "; expected ',' or '.'`,
      );
    });

    it('reads quoted thousands-separated numbers in a ,-separated file', async () => {
      const file = fixture(
        'thousands.csv',
        'amount,other,n\n"1,234",x,1\n"12,345,678.5",y,2\n999,x,3\n"-2,000",y,4\n0.25,x,5\n',
      );
      const table = await loadTable(file);
      assert.deepStrictEqual(numbers(table, 'amount'), [1234, 12345678.5, 999, -2000, 0.25]);
      assert.strictEqual(column(table, 'amount').kind, 'numeric');
      assert.deepStrictEqual(column(table, 'other').values, ['x', 'y', 'x', 'y', 'x']);
    });

    it('keeps text categories with commas categorical in a ;-separated file, as written', async () => {
      const file = fixture(
        'cats.csv',
        'colour;size;n\n"red, dark";3,5;1\nblue;M;2\ngreen, light;L;3\n"red, dark";3,5;4\nblue;1,0;5\n',
      );
      const table = await loadTable(file);
      assert.strictEqual(column(table, 'colour').kind, 'categorical');
      assert.deepStrictEqual(column(table, 'colour').values, [
        'red, dark',
        'blue',
        'green, light',
        'red, dark',
        'blue',
      ]);
      assert.strictEqual(column(table, 'size').kind, 'categorical');
      assert.deepStrictEqual(column(table, 'size').values, ['3,5', 'M', 'L', '3,5', '1,0']);
      assert.deepStrictEqual(numbers(table, 'n'), [1, 2, 3, 4, 5]);
    });

    it('keeps numbers that are not thousands groups as text ("1,23" in a ,-separated file)', async () => {
      const file = fixture('not-thousands.csv', 'code,n\n"1,23",1\n"4,56",2\nab,3\n');
      assert.deepStrictEqual(column(await loadTable(file), 'code').values, ['1,23', '4,56', 'ab']);
    });

    it('loads and encodes 100,000 rows of decimal commas', async function () {
      this.timeout(60_000);
      const lines = ['x;y;z;label'];
      for (let i = 0; i < 100_000; i++) {
        lines.push(
          `${i % 1000},${i % 7}5;-${i % 13},${i % 10}e1;${i % 3 === 0 ? 'a' : 'b'};${i % 50 === 0 ? 'bad' : 'ok'}`,
        );
      }
      const file = fixture('big-comma.csv', lines.join('\n') + '\n');
      const data = await loadDataset(file, { label: 'label', normal: 'ok' });
      assert.strictEqual(data.rowCount, 100_000);
      assert.deepStrictEqual(
        data.features.map((c) => c.kind),
        ['numeric', 'numeric', 'categorical'],
      );
      assert.deepStrictEqual(numbers(data, 'x').slice(0, 3), [0.05, 1.15, 2.25]);
      assert.deepStrictEqual(numbers(data, 'y').slice(0, 3), [-0, -11, -22]);
      const encoder = fitEncoder(data.features, undefined, data.source);
      const m = encode(encoder, data);
      assert.strictEqual(m.rows, 100_000);
      assert.strictEqual(m.cols, 4);
    });
  });

  describe('categorical columns with too many values', () => {
    const idMessage = (file: string, distinct: number): string =>
      `${file}, column 'id': ${distinct} distinct text values (more than 1000, the most a categorical feature may have); ` +
      "an ID or free-text column cannot be one-hot encoded: drop it (--drop id, or drop: ['id'] in a notebook), " +
      'or fix its numbers if it should be numeric';

    it('has the documented thresholds', () => {
      assert.deepStrictEqual([MAX_CATEGORIES, MAX_CATEGORY_SHARE, CATEGORY_SHARE_FROM], [1000, 0.5, 100]);
    });

    it('refuses a 15,000-value ID column in fitEncoder, quickly', async () => {
      const lines = ['id,x,label'];
      for (let i = 0; i < 15_000; i++) lines.push(`u${i},${i % 17},${i % 10 === 0 ? 'bad' : 'ok'}`);
      const file = fixture('ids.csv', lines.join('\n'));
      const data = await loadDataset(file, { label: 'label', normal: 'ok' });
      const started = Date.now();
      throwsInput(() => fitEncoder(data.features, undefined, data.source), idMessage(file, 15_000));
      assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
      // Dropping it works.
      const dropped = datasetFromTable(data, { label: 'label', normal: 'ok', drop: ['id'] });
      assert.strictEqual(fitEncoder(dropped.features, undefined, dropped.source).features.length, 1);
    });

    it('counts distinct values on the training rows only', () => {
      const values = Array.from({ length: 3000 }, (_, i) => (i < 2000 ? `v${i % 3}` : `u${i}`));
      const columns: Column[] = [{ name: 'id', kind: 'categorical', values }];
      const training = Uint32Array.from({ length: 2000 }, (_, i) => i);
      assert.deepStrictEqual(fitEncoder(columns, training).features[0], {
        name: 'id',
        kind: 'categorical',
        categories: ['v0', 'v1', 'v2'],
      });
      throwsInput(() => fitEncoder(columns, undefined, 'T'), idMessage('T', 1003));
    });

    it('refuses more distinct values than half the training rows once past 100', () => {
      const name: Column[] = [
        { name: 'full name', kind: 'categorical', values: Array.from({ length: 300 }, (_, i) => `n${i % 160}`) },
      ];
      throwsInput(
        () => fitEncoder(name, undefined, 'people.csv'),
        "people.csv, column 'full name': 160 distinct text values in 300 training rows (more than 50% of them, and more than 100); " +
          'an ID or free-text column cannot be one-hot encoded: drop it (--drop "full name", or drop: [\'full name\'] in a notebook), ' +
          'or fix its numbers if it should be numeric',
      );
      // 100 distinct values in 150 rows, or 150 in 300: allowed.
      const small: Column[] = [
        { name: 'c', kind: 'categorical', values: Array.from({ length: 150 }, (_, i) => `c${i % 100}`) },
      ];
      assert.strictEqual(fitEncoder(small).features.length, 1);
      const half: Column[] = [
        { name: 'c', kind: 'categorical', values: Array.from({ length: 300 }, (_, i) => `c${i % 150}`) },
      ];
      assert.strictEqual(fitEncoder(half).features.length, 1);
      // A toy table where every value differs still trains.
      const toy: Column[] = [{ name: 'c', kind: 'categorical', values: ['a', 'b', 'c', 'd'] }];
      assert.strictEqual(fitEncoder(toy).features.length, 1);
    });

    it('refuses a thousands-separated column that did not parse, instead of failing in encoding', async () => {
      const lines = ['amount,n'];
      for (let i = 0; i < 5000; i++)
        lines.push(`"${1 + Math.floor(i / 1000)}.${String(i % 1000).padStart(3, '0')},5",${i % 3}`);
      const file = fixture('garbled.csv', lines.join('\n'));
      const data = await loadDataset(file);
      assert.strictEqual(column(data, 'amount').kind, 'categorical');
      throwsInput(
        () => fitEncoder(data.features, undefined, data.source),
        `${file}, column 'amount': 5000 distinct text values (more than 1000, the most a categorical feature may have); ` +
          "an ID or free-text column cannot be one-hot encoded: drop it (--drop amount, or drop: ['amount'] in a notebook), " +
          'or fix its numbers if it should be numeric',
      );
    });

    it('still loads and fits the bundled samples and shared datasets', async function () {
      this.timeout(120_000);
      const roots = [
        path.resolve(__dirname, '../../../samples'),
        path.resolve(__dirname, '../../../../shared/datasets'),
      ];
      let fitted = 0;
      for (const root of roots) {
        if (!fs.existsSync(root)) continue;
        for (const name of fs.readdirSync(root).filter((n) => n.endsWith('.csv'))) {
          const data = await loadDataset(path.join(root, name));
          assert.ok(fitEncoder(data.features, undefined, data.source).features.length > 0, name);
          fitted++;
        }
      }
      assert.ok(fitted >= 2, `only ${fitted} files found`);
    });
  });

  describe('text that is not UTF-8', () => {
    const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');
    const warning = (file: string, line: number, lines: string): string =>
      `${file}, line ${line}: not valid UTF-8 (${lines} bytes that are not UTF-8, e.g. Latin-1 'é'); ` +
      'they were read with \uFFFD in their place: save the file as UTF-8';

    it('warns about Latin-1 bytes in a CSV file, naming the first line and counting the lines', async () => {
      const file = fixture('latin1.csv', latin1('name,x\nab,1\ncd,2\ncafé,3\nef,4\nnaïve,5\nrésumé,6\n'));
      const table = await loadTable(file);
      assert.deepStrictEqual(table.warnings, [warning(file, 4, '3 lines have')]);
      assert.deepStrictEqual(column(table, 'name').values, [
        'ab',
        'cd',
        'caf\uFFFD',
        'ef',
        'na\uFFFDve',
        'r\uFFFDsum\uFFFD',
      ]);
      const data = datasetFromTable(table);
      assert.deepStrictEqual(data.warnings, [warning(file, 4, '3 lines have')]);
      const loaded = await loadDataset(file);
      assert.deepStrictEqual(loaded.warnings, [warning(file, 4, '3 lines have')]);
    });

    it('counts lines across stream chunks and inside quoted fields', async function () {
      this.timeout(30_000);
      const rows: string[] = ['name,x', '"two\nlines",0'];
      for (let i = 0; i < 120_000; i++) rows.push(`row${i}é,${i}`);
      // Line numbers: header 1, quoted row 2-3, then row i on line 4 + i.
      const text = rows.join('\n') + '\n';
      const bytes = Buffer.concat([
        Buffer.from(text.slice(0, text.indexOf('row40000')), 'utf8'),
        latin1('row40000é'),
        Buffer.from(text.slice(text.indexOf('row40000') + 9), 'utf8'),
      ]);
      const file = fixture('chunks.csv', bytes);
      assert.ok(bytes.length > 1024 * 1024, 'spans several stream chunks');
      const table = await loadTable(file);
      assert.deepStrictEqual(table.warnings, [warning(file, 40_004, '1 line has')]);
      assert.strictEqual((column(table, 'name').values as string[])[40_001], 'row40000\uFFFD');
      // The 2-byte é of other rows, wherever a chunk cuts them, stays whole.
      assert.strictEqual((column(table, 'name').values as string[])[120_000], 'row119999é');
    });

    it('finds bad bytes wherever the chunks are cut', () => {
      const bytes = Buffer.concat([
        Buffer.from('a,€\n日本,😀\n', 'utf8'),
        latin1('é,x\n'),
        Buffer.from('ok,😀\n', 'utf8'),
        Buffer.from([0xf0, 0x9f]),
      ]);
      for (let cut = 0; cut <= bytes.length; cut++) {
        for (let cut2 = cut; cut2 <= bytes.length; cut2++) {
          const check = new Utf8Check();
          check.write(bytes.subarray(0, cut));
          check.write(bytes.subarray(cut, cut2));
          check.write(bytes.subarray(cut2));
          check.end();
          assert.strictEqual(check.warning('f'), warning('f', 3, '2 lines have'), `cut at ${cut}, ${cut2}`);
        }
      }
      const good = new Utf8Check();
      good.write(Buffer.from('a,€\n日本,😀\n\uFFFD\n', 'utf8'));
      good.end();
      assert.strictEqual(good.warning('f'), undefined);
    });

    it('warns about Latin-1 in JSON and JSON Lines', async () => {
      const array = fixture('latin1.json', latin1('[\n{"name": "ok", "x": 1},\n{"name": "café", "x": 2}\n]\n'));
      assert.deepStrictEqual((await loadTable(array)).warnings, [warning(array, 3, '1 line has')]);
      const jsonl = fixture(
        'latin1.jsonl',
        latin1('{"name": "ok", "x": 1}\n{"name": "ok", "x": 2}\n{"name": "über", "x": 3}\n'),
      );
      const table = await loadTable(jsonl);
      assert.deepStrictEqual(table.warnings, [warning(jsonl, 3, '1 line has')]);
      assert.deepStrictEqual(column(table, 'name').values, ['ok', 'ok', '\uFFFDber']);
    });

    it('does not warn about valid UTF-8, a literal U+FFFD or a BOM included', async () => {
      const file = fixture('replacement.csv', '\uFEFFname,x\nca\uFFFDfé,1\n\uFFFD,2\n日本,3\n😀,4\n');
      const table = await loadTable(file);
      assert.strictEqual(table.warnings, undefined);
      assert.deepStrictEqual(column(table, 'name').values, ['ca\uFFFDfé', '\uFFFD', '日本', '😀']);
      assert.strictEqual((await loadDataset(file)).warnings, undefined);
      const jsonl = fixture('replacement.jsonl', '{"a": "\uFFFD", "x": 1}\n{"a": "é", "x": 2}\n');
      assert.strictEqual((await loadTable(jsonl)).warnings, undefined);
    });

    it('refuses UTF-16', async () => {
      const file = fixture(
        'utf16.csv',
        Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,b\n1,2\n', 'utf16le')]),
      );
      await rejectsInput(
        loadTable(file),
        `${file}: UTF-16 text (it starts with a UTF-16 byte order mark); save the file as UTF-8`,
      );
    });
  });

  describe('pipes and devices', () => {
    const notRegular = (file: string): string =>
      `${file}: not a regular file (a pipe, socket or device); save the data to a file first`;

    it('refuses a FIFO without hanging', async function () {
      if (process.platform === 'win32') this.skip();
      const fifo = path.join(dir, 'pipe.csv');
      execFileSync('mkfifo', [fifo]);
      await rejectsInput(within(5000, loadTable(fifo)), notRegular(fifo));
      await rejectsInput(within(5000, loadDataset(fifo, { format: 'jsonl' })), notRegular(fifo));
      await rejectsInput(within(5000, peekFile(fifo)), notRegular('pipe.csv'));
    });

    it('refuses a symbolic link to a FIFO', async function () {
      if (process.platform === 'win32') this.skip();
      const fifo = path.join(dir, 'pipe2');
      execFileSync('mkfifo', [fifo]);
      const link = path.join(dir, 'link.csv');
      fs.symlinkSync(fifo, link);
      await rejectsInput(within(5000, loadTable(link)), notRegular(link));
    });

    it('refuses /dev/zero (a character device)', async function () {
      if (!fs.existsSync('/dev/zero')) this.skip();
      await rejectsInput(within(5000, loadTable('/dev/zero')), notRegular('/dev/zero'));
      await rejectsInput(within(5000, loadTable('/dev/zero', { format: 'json' })), notRegular('/dev/zero'));
      await rejectsInput(within(5000, peekFile('/dev/zero')), notRegular('zero'));
    });
  });
});

// Keep the LoadOptions type in use so option names are checked at compile time.
const _typed: LoadOptions = { decimal: ',' };
void _typed;
