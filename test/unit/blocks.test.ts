// Cutting files into blocks of whole records (core/data/blocks.ts) for streamed scoring on worker threads:
// whatever the read sizes and block sizes, the blocks parsed one by one (parseBlock) give exactly the rows and
// line numbers of papaparse reading the whole text, with quotes, `""`, line breaks inside quotes, quotes in
// the middle of a field, CRLF and blank lines.
import { strict as assert } from 'assert';
import Papa from 'papaparse';
import { RawBlock, RecordCutter } from '../../src/core/data/blocks';
import { LineTracker } from '../../src/core/data/csv';
import { BlockLayout, parseBlock } from '../../src/core/data/stream';
import { SynthadInputError } from '../../src/core/errors';
import { createRng } from '../../src/core/rng';

/** Rows and lines of the whole text read at once, as the loaders read it (header first). */
function wholeText(
  text: string,
  delimiter: string,
  newline: string,
): { header: string[]; rows: string[][]; lines: number[] } {
  const rows: string[][] = [];
  const lines: number[] = [];
  const tracker = new LineTracker(
    'f.csv',
    (fields, line) => {
      rows.push(fields);
      lines.push(line);
    },
    1,
    text.includes('"'),
  );
  const parsed = Papa.parse<string[]>(text, {
    delimiter,
    newline: newline as Papa.ParseConfig['newline'],
    skipEmptyLines: false,
  });
  tracker.addRows(parsed.data, parsed.errors);
  return { header: rows[0], rows: rows.slice(1), lines: lines.slice(1) };
}

/** Cuts `bytes`, appended in pieces of `readSize`, into blocks of `records`; the header is the first block of one record. */
function cutAll(
  bytes: Buffer,
  readSize: number,
  records: number,
  delimiter: string | undefined,
  newline = '\n',
  maxBytes = 1 << 30,
): RawBlock[] {
  const cutter = new RecordCutter('f.csv', { delimiter, newline, records, maxBytes, maxRecordBytes: 1 << 20 });
  const blocks: RawBlock[] = [];
  for (let at = 0; at < bytes.length; at += readSize) {
    cutter.append(bytes.subarray(at, at + readSize));
    for (let b = cutter.take(); b; b = cutter.take()) blocks.push(b);
  }
  const last = cutter.finish();
  if (last) blocks.push(last);
  return blocks;
}

/** A random CSV text with awkward cells. */
function awkwardCsv(seed: number, rows: number, delimiter: string, newline: string): string {
  const rng = createRng(seed);
  const cell = (): string => {
    const k = rng.next();
    if (k < 0.15) return `"a${delimiter} b"`; // delimiter inside quotes
    if (k < 0.25) return '"two\nlines"'; // a line break inside quotes
    if (k < 0.3) return '"three\nline\ncell ""quoted"""'; // several, and escaped quotes
    if (k < 0.35) return '5" screen'; // a quote in the middle: an ordinary character
    if (k < 0.4) return '';
    if (k < 0.45) return 'é€😀'; // multi-byte characters (cut between reads)
    return (rng.next() * 100).toFixed(3);
  };
  const lines = ['a,b,c,d'.replace(/,/g, delimiter)];
  for (let r = 0; r < rows; r++) {
    if (rng.next() < 0.03) lines.push(''); // a blank line
    lines.push([cell(), cell(), cell(), cell()].join(delimiter));
  }
  return lines.join(newline) + (seed % 2 === 0 ? newline : '');
}

describe('blocks of whole records (RecordCutter, parseBlock)', () => {
  for (const [delimiter, newline] of [
    [',', '\n'],
    ['\t', '\n'],
    [',', '\r\n'],
    [';', '\r'],
  ] as const) {
    it(`delimiter ${JSON.stringify(delimiter)}, line break ${JSON.stringify(newline)}: blocks give the rows and lines of the whole text, at any read and block size`, () => {
      for (let seed = 0; seed < 6; seed++) {
        const text = awkwardCsv(seed, 300, delimiter, newline);
        const want = wholeText(text, delimiter, newline);
        assert.ok(want.rows.length >= 300, 'the text parses as generated');
        const bytes = Buffer.from(text, 'utf8');
        for (const [readSize, records] of [
          [1, 1],
          [7, 3],
          [64, 50],
          [1000, 7],
          [bytes.length, 100_000],
        ]) {
          const blocks = cutAll(bytes, readSize, records, delimiter, newline);
          // The header is a row of four fields like the others.
          const layout: BlockLayout = { file: 'f.csv', format: 'csv', header: want.header, delimiter, newline };
          const chunks = blocks.map((block) => parseBlock(layout, block));
          const where = `seed ${seed}, reads of ${readSize}, blocks of ${records}`;
          assert.deepEqual(
            chunks.flatMap((c) => c.rows as string[][]),
            [want.header, ...want.rows],
            where,
          );
          assert.deepEqual(
            chunks.flatMap((c) => c.lines),
            [1, ...want.lines],
            where,
          );
          for (const b of blocks.slice(0, -1)) assert.ok(b.records <= records, `a block of ${b.records} records`);
        }
      }
    });
  }

  it("counts a block's records and starts the next block on the right line", () => {
    const text = 'h1,h2\n1,"a\nb"\n\n2,x\n3,"c""\n"\n4,y';
    const blocks = cutAll(Buffer.from(text), 3, 2, ',');
    assert.deepEqual(
      blocks.map((b) => [b.firstLine, b.records, Buffer.from(b.bytes).toString()]),
      [
        [1, 2, 'h1,h2\n1,"a\nb"\n'],
        [4, 2, '\n2,x\n'],
        [6, 2, '3,"c""\n"\n4,y'],
      ],
    );
  });

  it('cuts a block at maxBytes whatever its record count, and refuses an unterminated quote past maxRecordBytes', () => {
    const text = 'a,b\n' + '1,2\n'.repeat(100);
    const blocks = cutAll(Buffer.from(text), 16, 1000, ',', '\n', 40);
    assert.ok(blocks.length > 5);
    assert.ok(
      blocks.slice(0, -1).every((b) => b.bytes.length >= 40 && b.bytes.length < 60),
      blocks.map((b) => b.bytes.length).join(' '),
    );
    assert.equal(
      blocks.reduce((n, b) => n + b.records, 0),
      101,
    );
    const cutter = new RecordCutter('q.csv', {
      delimiter: ',',
      records: 10,
      maxBytes: 1 << 20,
      maxRecordBytes: 1024 * 1024,
    });
    cutter.append(Buffer.from('a,b\n1,2\n3,"never closed\n'));
    assert.equal(cutter.take(), undefined);
    cutter.append(Buffer.alloc(1024 * 1024 + 10, 0x78));
    assert.equal(Buffer.from(cutter.take()!.bytes).toString(), 'a,b\n1,2\n'); // the whole records before it
    assert.throws(
      () => cutter.take(),
      (e: unknown) =>
        e instanceof SynthadInputError &&
        e.message === 'q.csv, line 3: unterminated quoted field (no closing quote within 1 MB)',
    );
  });

  it('JSON Lines: blocks of lines, blank lines counted, records parsed with their line', () => {
    const text = '{"a":1}\n\n{"a":"x\\ny"}\r\n{"a":3}';
    const blocks = cutAll(Buffer.from(text), 5, 2, undefined);
    assert.deepEqual(
      blocks.map((b) => [b.firstLine, b.records]),
      [
        [1, 2],
        [3, 2],
      ],
    );
    const layout: BlockLayout = { file: 'f.jsonl', format: 'jsonl', header: [] };
    const chunks = blocks.map((b) => parseBlock(layout, b));
    assert.deepEqual(
      chunks.flatMap((c) => c.rows as ReadonlyArray<Record<string, unknown>>),
      [{ a: 1 }, { a: 'x\ny' }, { a: 3 }],
    );
    assert.deepEqual(
      chunks.flatMap((c) => c.lines),
      [1, 3, 4],
    );
    assert.throws(
      () => parseBlock(layout, cutAll(Buffer.from('{"a":1}\n{oops}\n'), 100, 10, undefined)[0]),
      (e: unknown) => e instanceof SynthadInputError && /^f\.jsonl, line 2: not valid JSON/.test(e.message),
    );
  });
});
