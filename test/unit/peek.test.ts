/**
 * The Load Dataset picker's look at a file (src/core/data/peek.ts): asynchronous, reads only the head of
 * a large file, and still finds the columns of a one-line JSON array bigger than what it reads.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MAX_PEEK_BYTES, PEEK_BYTES, PEEK_ROWS, peekFile, peekValues } from '../../src/core/data/peek';

const CHUNK = 64 * 1024;

describe('data: peek (Load Dataset picker)', function () {
  this.timeout(60000);
  let dir: string;
  const file = (name: string, content: string | Buffer): string => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, content);
    return f;
  };

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthad-peek-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lists the columns of a one-line JSON array over 1 MB, reading only its head', async () => {
    const records = Array.from({ length: 40000 }, (_, i) => ({
      id: i,
      note: `row "${i}" {with} [brackets], \\ and \u00e9`,
      class: i % 10 === 0 ? 'anomaly' : 'normal',
    }));
    const f = file('big.json', JSON.stringify(records));
    assert.ok(fs.statSync(f).size > 3 * PEEK_BYTES);
    assert.ok(!fs.readFileSync(f, 'utf8').includes('\n'), 'one line');
    const p = await peekFile(f);
    assert.deepStrictEqual(p.columns, ['id', 'note', 'class']);
    assert.ok(p.bytesRead <= PEEK_BYTES + CHUNK, `read ${p.bytesRead} bytes`);
    assert.strictEqual(p.complete, false);
    assert.ok(p.rows.length > 1000 && p.rows.length <= PEEK_ROWS, `${p.rows.length} rows`);
    assert.deepStrictEqual(p.rows[1], ['1', records[1].note, 'normal']);
    assert.deepStrictEqual(
      peekValues(p, 'class').map((v) => v.value),
      ['normal', 'anomaly'],
    );
  });

  it("reads a JSON array as far as its first record's closing brace when that record is over 1 MB", async () => {
    const huge = 'x'.repeat(PEEK_BYTES + 300 * 1024);
    const f = file(
      'huge-record.json',
      `[\n  {"label": "normal", "blob": "${huge}", "nested": {"a": [1, {"b": "}"}]}, "z": 1},\n  {"label": "odd", "extra": true}]`,
    );
    const p = await peekFile(f);
    assert.deepStrictEqual(p.columns, ['label', 'blob', 'nested', 'z', 'extra']);
    assert.deepStrictEqual(
      p.rows.map((r) => r[0]),
      ['normal', 'odd'],
    );
    assert.strictEqual(p.rows[0][1].length, huge.length);
    assert.deepStrictEqual(p.rows[1], ['odd', '', '', '', 'true']);
    assert.ok(p.bytesRead > PEEK_BYTES);
    // The same record followed by 2 MB more: the read stops after the chunk that closes the first record.
    const more = file(
      'huge-then-more.json',
      `[{"label": "normal", "blob": "${huge}"}${`, {"label": "late", "n": 1}`.repeat(80000)}]`,
    );
    const q = await peekFile(more);
    assert.deepStrictEqual(q.columns, ['label', 'blob', 'n']);
    assert.strictEqual(q.complete, false);
    assert.ok(q.bytesRead <= PEEK_BYTES + 300 * 1024 + 2 * CHUNK, `read ${q.bytesRead} bytes`);
  });

  it('gives up with a clear error past MAX_PEEK_BYTES instead of reading on', async () => {
    const f = file('no-end.json', `[{"a": "${'y'.repeat(3 * CHUNK)}`);
    await assert.rejects(
      peekFile(f, { peekBytes: CHUNK, maxBytes: 2 * CHUNK }),
      /no-end\.json: the first record of the JSON array is longer than 128 KB/,
    );
    await assert.rejects(peekFile(f), /no-end\.json: not valid JSON \(the array ends before its first record does\)/);
    const line = file('long-header.csv', `${'h,'.repeat(3 * CHUNK)}h\n1,2\n`);
    await assert.rejects(
      peekFile(line, { peekBytes: CHUNK, maxBytes: 2 * CHUNK }),
      /long-header\.csv: the first line is longer than/,
    );
    assert.ok(MAX_PEEK_BYTES >= 16 * PEEK_BYTES);
  });

  it('reads only the first megabyte of a large CSV, whole lines only', async () => {
    const header = 'a,b,class\n';
    const line = (i: number): string => `${i},${(i * 0.5).toFixed(1)},${i % 7 === 0 ? 'anomaly' : 'normal'}\n`;
    const f = path.join(dir, 'big.csv');
    const out = fs.createWriteStream(f);
    out.write(header);
    for (let block = 0; block < 40; block++) {
      let text = '';
      for (let i = block * 50000; i < (block + 1) * 50000; i++) text += line(i);
      out.write(text);
    }
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    assert.ok(fs.statSync(f).size > 30 * PEEK_BYTES);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const pending = peekFile(f);
    const p = await pending;
    clearInterval(timer);
    assert.ok(ticks > 0, 'the event loop ran while the file was read');
    assert.deepStrictEqual(p.columns, ['a', 'b', 'class']);
    assert.strictEqual(p.rows.length, PEEK_ROWS);
    assert.deepStrictEqual(
      p.rows[PEEK_ROWS - 1],
      line(PEEK_ROWS - 1)
        .trim()
        .split(','),
    );
    assert.ok(p.bytesRead <= PEEK_BYTES + CHUNK, `read ${p.bytesRead} bytes`);
    assert.strictEqual(p.complete, false);
    assert.deepStrictEqual(peekValues(p, 'class'), [
      { value: 'normal', count: 4285 },
      { value: 'anomaly', count: 715 },
    ]);
  });

  it('keeps every line of a small file, a BOM, quoted fields and characters split across reads', async () => {
    // 'é' is two bytes in UTF-8: the first 'é' of 'déjà' takes bytes 65535 and 65536, across the first read.
    const bytes = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(
        `name;value;label\n"${'p'.repeat(CHUNK - 38)}";"1;5";normal\nd\u00e9j\u00e0;2;anomaly\n\u00e9\u00e9\u00e9;3;normal`,
      ),
    ]);
    assert.deepStrictEqual([bytes[CHUNK - 1], bytes[CHUNK]], [0xc3, 0xa9]);
    const f = file('split.csv', bytes);
    const p = await peekFile(f);
    assert.deepStrictEqual(p.columns, ['name', 'value', 'label']);
    assert.deepStrictEqual(
      p.rows.map((r) => r[0].slice(0, 4)),
      ['pppp', 'd\u00e9j\u00e0', '\u00e9\u00e9\u00e9'],
    );
    assert.strictEqual(p.rows[0][1], '1;5');
    assert.strictEqual(p.complete, true);
    const tsv = await peekFile(file('t.tsv', 'x\ty\n1\t2\n'));
    assert.deepStrictEqual([tsv.columns, tsv.rows], [['x', 'y'], [['1', '2']]]);
  });

  it('reads JSON Lines (.jsonl, and .json starting with an object) line by line', async () => {
    const lines = Array.from({ length: 30000 }, (_, i) => JSON.stringify({ k: i, label: i % 2 ? 'a' : 'b' })).join(
      '\n',
    );
    for (const name of ['rows.jsonl', 'rows.json']) {
      const p = await peekFile(file(name, `\n${lines}\n`));
      assert.deepStrictEqual(p.columns, ['k', 'label']);
      assert.strictEqual(p.rows.length, Math.min(30000, PEEK_ROWS));
    }
    await assert.rejects(peekFile(file('bad.jsonl', '{"a": 1}\n{"a": \n')), /bad\.jsonl, line 2: not valid JSON/);
    await assert.rejects(peekFile(file('arr.json', '[1, 2]')), /arr\.json: record 1: expected an object/);
    assert.deepStrictEqual((await peekFile(file('empty.json', '  [ ] '))).columns, []);
    assert.deepStrictEqual((await peekFile(file('empty.csv', ''))).columns, []);
  });
});
