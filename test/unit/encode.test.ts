import { strict as assert } from 'assert';
import { decode, encode, encodedLayout, fitEncoder } from '../../src/core/encode';
import type { Column, Table } from '../../src/core/data/types';
import { flagFrequencies, syntheticAnomalies } from '../../src/core/synthetic';
import { createRng } from '../../src/core/rng';

const num = (name: string, values: number[]): Column => ({ name, kind: 'numeric', values: Float64Array.from(values) });
const cat = (name: string, values: (string | null)[]): Column => ({ name, kind: 'categorical', values });
const table = (columns: Column[]): Table => ({ source: 'mem.csv', rowCount: columns[0].values.length, columns });

describe('encoding', () => {
  const cols = [
    num('age', [20, 40, NaN, 60]),
    num('flag', [0, 1, 1, 0]),
    cat('proto', ['tcp', 'udp', null, 'tcp']),
    num('const', [5, 5, 5, 5]),
  ];

  it('learns min-max, mean, binary and sorted categories from the training rows', () => {
    const enc = fitEncoder(cols);
    assert.deepEqual(enc.features, [
      { name: 'age', kind: 'numeric', mean: 40, min: 20, max: 60 },
      { name: 'flag', kind: 'binary', mean: 0.5, min: 0, max: 1 },
      { name: 'proto', kind: 'categorical', categories: ['tcp', 'udp'] },
    ]);
    assert.deepEqual(enc.droppedConstant, ['const']);
  });

  it('scales to [0,1], imputes the mean and one-hot encodes', () => {
    const enc = fitEncoder(cols);
    const m = encode(enc, table(cols));
    assert.equal(m.cols, 4);
    assert.deepEqual(Array.from(m.x), [0, 0, 1, 0, 0.5, 1, 0, 1, 0.5, 1, 0, 0, 1, 0, 1, 0]);
    assert.deepEqual(encodedLayout(enc).names, ['age', 'flag', 'proto=tcp', 'proto=udp']);
  });

  it('fits on a subset of rows and does not clip test values outside the training range', () => {
    const enc = fitEncoder(cols, [0, 1]);
    const m = encode(enc, table([num('age', [80]), num('flag', [1]), cat('proto', ['tcp']), num('const', [5])]));
    assert.equal(m.x[0], 3); // (80 - 20) / (40 - 20)
  });

  it('encodes unseen categories as an all-zero group and counts them', () => {
    const enc = fitEncoder(cols);
    const m = encode(enc, table([num('age', [20, 20]), num('flag', [0, 0]), cat('proto', ['icmp', 'udp'])]));
    assert.deepEqual(Array.from(m.x.subarray(2, 4)), [0, 0]);
    assert.deepEqual(Array.from(m.x.subarray(6, 8)), [0, 1]);
    assert.deepEqual(m.unknownCategories, { proto: 1 });
  });

  it('names a column the model needs and the data lacks', () => {
    const enc = fitEncoder(cols);
    assert.throws(() => encode(enc, table([num('age', [1]), num('flag', [0])])), {
      message: "mem.csv: no column 'proto', which the model was trained on (columns here: age, flag)",
    });
  });

  it('rejects text where the model expects numbers', () => {
    const enc = fitEncoder(cols);
    assert.throws(() => encode(enc, table([cat('age', ['x']), num('flag', [0]), cat('proto', ['tcp'])])), {
      message: "mem.csv, column 'age': expected numbers as in the training data, got text categories",
    });
  });

  it('round-trips through decode: numbers within float32 precision, categories exactly, missing as imputed', () => {
    const enc = fitEncoder(cols);
    const m = encode(enc, table(cols));
    const back = decode(enc, m.x, m.rows);
    assert.deepEqual(
      back.map((c) => c.name),
      ['age', 'flag', 'proto'],
    );
    assert.deepEqual(Array.from(back[0].values as Float64Array), [20, 40, 40, 60]); // NaN came back as the mean
    assert.deepEqual(Array.from(back[1].values as Float64Array), [0, 1, 1, 0]);
    assert.deepEqual(back[2].values, ['tcp', 'udp', null, 'tcp']);
    const pi = fitEncoder([num('v', [0, Math.PI, 10])]);
    const v = decode(pi, encode(pi, table([num('v', [Math.PI])])).x, 1)[0].values[0] as number;
    assert.ok(Math.abs(v - Math.PI) < 1e-6, String(v));
  });

  it('refuses training data where every column is constant', () => {
    assert.throws(() => fitEncoder([num('a', [1, 1]), cat('b', ['x', 'x'])], undefined, 'flat.csv'), {
      message:
        'flat.csv: every feature column is constant or empty on the training rows (a, b); expected at least one column that varies',
    });
  });
});

describe('synthetic anomalies', () => {
  const layout = encodedLayout(
    fitEncoder([num('x', [0, 3]), num('y', [1, 2]), num('b', [0, 1]), cat('c', ['p', 'q']), cat('d', ['r', 's'])]),
  );
  // columns: x, y, b, c=p, c=q, d=r, d=s  -> width 7, one-hot groups at 3 and 5

  it('draws the requested count, continuous columns uniform in [0,1]', () => {
    const x = syntheticAnomalies(layout, 5000, createRng(1));
    assert.equal(x.length, 5000 * 7);
    let min = Infinity,
      max = -Infinity,
      sum = 0;
    for (let i = 0; i < 5000; i++)
      for (const c of [0, 1]) {
        const v = x[i * 7 + c];
        min = Math.min(min, v);
        max = Math.max(max, v);
        sum += v;
      }
    assert.ok(min >= 0 && max < 1, `range [${min}, ${max}]`);
    assert.ok(min < 0.01 && max > 0.99);
    assert.ok(Math.abs(sum / 10000 - 0.5) < 0.02, `mean ${sum / 10000}`);
  });

  it('widens the box by delta', () => {
    const x = syntheticAnomalies(layout, 5000, createRng(2), 0.1);
    let min = Infinity,
      max = -Infinity;
    for (let i = 0; i < 5000; i++) {
      min = Math.min(min, x[i * 7]);
      max = Math.max(max, x[i * 7]);
    }
    assert.ok(min >= -0.1 && min < -0.09 && max <= 1.1 && max > 1.09, `range [${min}, ${max}]`);
  });

  it('draws binary columns as Bernoulli(0.5) and exactly one category per one-hot group', () => {
    const x = syntheticAnomalies(layout, 4000, createRng(3));
    let ones = 0,
      firstCat = 0;
    for (let i = 0; i < 4000; i++) {
      const r = i * 7;
      assert.ok(x[r + 2] === 0 || x[r + 2] === 1);
      ones += x[r + 2];
      assert.equal(x[r + 3] + x[r + 4], 1);
      assert.equal(x[r + 5] + x[r + 6], 1);
      firstCat += x[r + 3];
    }
    assert.ok(Math.abs(ones / 4000 - 0.5) < 0.03, `binary mean ${ones / 4000}`);
    assert.ok(Math.abs(firstCat / 4000 - 0.5) < 0.03, `category share ${firstCat / 4000}`);
  });

  it('counts flag and category frequencies with one pseudo-count each way', () => {
    // 4 rows: b set on 3; c=p on 1, c=q on 3; d=r on all 4.
    const rows = [
      [0.1, 0.2, 1, 1, 0, 1, 0],
      [0.3, 0.4, 1, 0, 1, 1, 0],
      [0.5, 0.6, 1, 0, 1, 1, 0],
      [0.7, 0.8, 0, 0, 1, 1, 0],
    ];
    const f = flagFrequencies(layout, Float32Array.from(rows.flat()), 4);
    assert.deepEqual([...f.binary], [(3 + 1) / (4 + 2)]);
    // Cumulative: c=p (1 + 1) / (4 + 2), then 1; d=r (4 + 1) / (4 + 2), then 1.
    assert.deepEqual([...f.oneHot[0]], [2 / 6, 1]);
    assert.deepEqual([...f.oneHot[1]], [5 / 6, 1]);
  });

  it("draws flags and categories at given frequencies ('marginal'), continuous columns still uniform", () => {
    const f = { binary: Float64Array.of(0.9), oneHot: [Float64Array.of(0.2, 1), Float64Array.of(0.97, 1)] };
    const n = 20000;
    const x = syntheticAnomalies(layout, n, createRng(4), 0, f);
    let ones = 0,
      cp = 0,
      dr = 0,
      sum = 0;
    for (let i = 0; i < n; i++) {
      const r = i * 7;
      assert.equal(x[r + 3] + x[r + 4], 1);
      assert.equal(x[r + 5] + x[r + 6], 1);
      ones += x[r + 2];
      cp += x[r + 3];
      dr += x[r + 5];
      sum += x[r];
    }
    // Binomial standard errors at n = 20000 are at most 0.0035: 0.015 is over 4 of them.
    assert.ok(Math.abs(ones / n - 0.9) < 0.015, `binary mean ${ones / n}`);
    assert.ok(Math.abs(cp / n - 0.2) < 0.015, `c=p share ${cp / n}`);
    assert.ok(Math.abs(dr / n - 0.97) < 0.015, `d=r share ${dr / n}`);
    assert.ok(Math.abs(sum / n - 0.5) < 0.015, `continuous mean ${sum / n}`);
  });

  it('is reproducible under a seed', () => {
    assert.deepEqual(syntheticAnomalies(layout, 10, createRng(7)), syntheticAnomalies(layout, 10, createRng(7)));
    assert.notDeepEqual(syntheticAnomalies(layout, 10, createRng(7)), syntheticAnomalies(layout, 10, createRng(8)));
  });

  it('rejects a negative count and a negative delta', () => {
    assert.throws(() => syntheticAnomalies(layout, -1, createRng(1)), {
      message: 'synthetic anomaly count must be a non-negative integer, got -1',
    });
    assert.throws(() => syntheticAnomalies(layout, 1, createRng(1), -0.5), {
      message: 'delta must be a finite number >= 0, got -0.5',
    });
  });
});
