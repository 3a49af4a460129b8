import type { Column, Dataset } from '../../src/core/data/types';
import { createRng } from '../../src/core/rng';

/**
 * A small labelled set: 'normal' rows from N(0, 1) in `dims` numeric dimensions plus a binary and a
 * categorical column, anomaly type 'far' around +4 and 'wide' from N(0, 9).
 */
export function gaussianDataset(seed: number, normals = 400, perType = 40, dims = 4): Dataset {
  const rng = createRng(seed);
  const labels: string[] = [];
  const rows: number[][] = [];
  const add = (type: string, n: number, draw: () => number): void => {
    for (let i = 0; i < n; i++) { labels.push(type); rows.push(Array.from({ length: dims }, draw)); }
  };
  add('normal', normals, () => rng.normal());
  add('far', perType, () => 4 + rng.normal());
  add('wide', perType, () => 3 * rng.normal());
  const n = labels.length;
  const columns: Column[] = [
    ...Array.from({ length: dims }, (_, d): Column => ({ name: `x${d}`, kind: 'numeric', values: Float64Array.from(rows, (r) => r[d]) })),
    { name: 'flag', kind: 'binary', values: Float64Array.from({ length: n }, (_, i) => (labels[i] === 'far' ? 1 : i % 2)) },
    { name: 'colour', kind: 'categorical', values: Array.from({ length: n }, (_, i) => ['red', 'green', 'blue'][i % 3]) },
  ];
  const label: Column = { name: 'label', kind: 'categorical', values: labels };
  return {
    source: `gaussian-${seed}`, rowCount: n, columns: [...columns, label], features: columns,
    label: { column: 'label', values: labels, normalValues: ['normal'], isNormal: Uint8Array.from(labels, (l) => (l === 'normal' ? 1 : 0)) },
  };
}
