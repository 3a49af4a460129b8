/**
 * The paper's tabular experiments, shared by the benches (bench/paper.ts, bench/quality.ts): Thyroid with one
 * known anomaly type, NSL-KDD with one known attack family, Arrhythmia with two known classes (a seeded split).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { LoadOptions } from '../src/core/data/types';
import { createRng, permutation } from '../src/core/rng';

/** The repository root (benches run from out/bench/). */
export const ROOT = path.resolve(__dirname, '..', '..');
export const RESULTS = path.join(ROOT, 'bench', 'results');

export interface Experiment {
  readonly id: string;
  /** The data set, for people: 'Thyroid', 'NSL-KDD', 'Arrhythmia'. */
  readonly dataset: string;
  readonly title: string;
  readonly label: string;
  readonly normal: string;
  /** The anomaly types training sees; [] = none (unsupervised: anomaly rows are kept out of training). */
  readonly known: ReadonlyArray<string>;
  readonly drop?: ReadonlyArray<string>;
  /** Train and test files for a seed. */
  files(seed: number): { train: string; test: string };
}

/** How both files of an experiment load: its label column, normal value and dropped columns. */
export function loadOptionsOf(exp: Experiment): LoadOptions {
  return { label: exp.label, normal: exp.normal, ...(exp.drop ? { drop: exp.drop } : {}) };
}

const thyroid = (known: string): Experiment => ({
  id: `thyroid-${known}`,
  dataset: 'Thyroid',
  title: `Thyroid, known: ${known}`,
  label: 'class',
  normal: 'normal',
  known: [known],
  files: () => ({
    train: path.join(ROOT, 'samples/thyroid-train.csv'),
    test: path.join(ROOT, 'samples/thyroid-test.csv'),
  }),
});

const nslkdd = (known: string): Experiment => ({
  id: `nslkdd-${known}`,
  dataset: 'NSL-KDD',
  title: `NSL-KDD, known: ${known}`,
  label: 'family',
  normal: 'normal',
  known: [known],
  drop: ['attack'],
  files: () => ({ train: path.join(ROOT, 'data/nslkdd-train.csv'), test: path.join(ROOT, 'data/nslkdd-test.csv') }),
});

/** Arrhythmia: normal = class 1; the known classes train and are removed from test. */
export const ARRHYTHMIA_KNOWN: ReadonlyArray<string> = ['2', '10'];
const arrhythmia: Experiment = {
  id: 'arrhythmia',
  dataset: 'Arrhythmia',
  title: `Arrhythmia, known: classes ${ARRHYTHMIA_KNOWN.join(', ')}`,
  label: 'class',
  normal: '1',
  known: ARRHYTHMIA_KNOWN,
  files: (seed) => splitArrhythmia(seed),
};

/** The paper's five experiments, in the paper's order. */
export const EXPERIMENTS: ReadonlyArray<Experiment> = [
  thyroid('hyperfunction'),
  thyroid('subnormal'),
  nslkdd('dos'),
  nslkdd('probe'),
  arrhythmia,
];

/** 60 % of normal rows and all known-class rows train; the other normals and the unseen classes test. */
export function splitArrhythmia(seed: number): { train: string; test: string } {
  const dir = path.join(RESULTS, 'tmp');
  fs.mkdirSync(dir, { recursive: true });
  const train = path.join(dir, `arrhythmia-${seed}-train.csv`),
    test = path.join(dir, `arrhythmia-${seed}-test.csv`);
  const lines = fs.readFileSync(path.join(ROOT, 'data/arrhythmia.csv'), 'utf8').trimEnd().split('\n');
  const header = lines[0],
    rows = lines.slice(1);
  const cls = (line: string): string => line.slice(line.lastIndexOf(',') + 1).trim();
  const normals = rows.filter((r) => cls(r) === '1');
  const order = permutation(normals.length, createRng(1000 + seed));
  const nTrain = Math.round(normals.length * 0.6);
  const known = rows.filter((r) => ARRHYTHMIA_KNOWN.includes(cls(r)));
  const unseen = rows.filter((r) => cls(r) !== '1' && !ARRHYTHMIA_KNOWN.includes(cls(r)));
  fs.writeFileSync(
    train,
    [header, ...Array.from(order.subarray(0, nTrain), (i) => normals[i]), ...known].join('\n') + '\n',
  );
  fs.writeFileSync(
    test,
    [header, ...Array.from(order.subarray(nTrain), (i) => normals[i]), ...unseen].join('\n') + '\n',
  );
  return { train, test };
}
