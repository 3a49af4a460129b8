/**
 * Pure helpers of bench/quality.ts (tested in test/unit/quality-bench.test.ts): means over seeds, the per-type
 * metrics summarised as known vs unseen types, the best cell of a row, the ensemble's goal check, markdown,
 * the values of a detector option.
 */
import type { OptionSpec } from '../src/core/options';

/** One anomaly type's metrics against all normal rows (core/metrics.ts `TypeMetrics`). */
export interface TypeScore {
  readonly type: string;
  readonly count: number;
  readonly auroc: number;
  readonly aupr: number;
  readonly known: boolean;
}

export interface GroupScore {
  /** Unweighted mean over the group's types (each type counts once, whatever its row count). */
  readonly auroc: number;
  readonly aupr: number;
  readonly types: number;
  readonly rows: number;
}

/** The per-type metrics of one run summarised as known types vs unseen types; a group without types is absent. */
export interface TypeGroups {
  readonly known?: GroupScore;
  readonly unseen?: GroupScore;
}

/** Arithmetic mean; undefined for no values. */
export function mean(values: ReadonlyArray<number>): number | undefined {
  if (values.length === 0) return undefined;
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Sample standard deviation (n - 1); 0 for one value, undefined for none. */
export function std(values: ReadonlyArray<number>): number | undefined {
  const m = mean(values);
  if (m === undefined) return undefined;
  if (values.length === 1) return 0;
  return Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / (values.length - 1));
}

function group(types: ReadonlyArray<TypeScore>): GroupScore | undefined {
  const auroc = mean(types.map((t) => t.auroc)),
    aupr = mean(types.map((t) => t.aupr));
  if (auroc === undefined || aupr === undefined) return undefined;
  return { auroc, aupr, types: types.length, rows: types.reduce((a, t) => a + t.count, 0) };
}

/** Known types vs unseen types: each the unweighted mean of its types' AUROC and AUPR. */
export function summariseTypes(perType: ReadonlyArray<TypeScore>): TypeGroups {
  const known = group(perType.filter((t) => t.known)),
    unseen = group(perType.filter((t) => !t.known));
  return { ...(known ? { known } : {}), ...(unseen ? { unseen } : {}) };
}

/**
 * The indices of the best cells of a table row as shown (rounded to `digits`), ties included; cells without
 * a value (undefined) never win. Empty when no cell has a value.
 */
export function bestCells(values: ReadonlyArray<number | undefined>, digits = 3): Set<number> {
  const shown = values.map((v) => (v === undefined ? undefined : Number(v.toFixed(digits))));
  let top = -Infinity;
  for (const v of shown) if (v !== undefined && v > top) top = v;
  const best = new Set<number>();
  shown.forEach((v, i) => {
    if (v !== undefined && v === top) best.add(i);
  });
  return best;
}

/** The tolerance of the goal: the ensemble may be this much below the bar and still pass. */
export const GOAL_TOLERANCE = 0.01;

export interface GoalInput {
  /** The ensemble's AUROC (mean over seeds); undefined when it did not run. */
  readonly auto: number | undefined;
  /** XGBoost's AUROC (normal vs known); undefined without labels or without XGBoost. */
  readonly xgboost: number | undefined;
  /** IsolationForest's AUROC; undefined without scikit-learn. */
  readonly iforest: number | undefined;
  /** Semi-supervised (known anomaly types) rather than unsupervised (no labels). */
  readonly semiSupervised: boolean;
}

export interface GoalResult {
  /** true / false; undefined when the check cannot be made (a member missing). */
  readonly pass: boolean | undefined;
  /** The bar the ensemble had to reach (tolerance applied); undefined when it cannot be computed. */
  readonly bar: number | undefined;
  /** One line: the figures and the verdict. */
  readonly text: string;
}

const f3 = (v: number): string => v.toFixed(3);

/**
 * The per-experiment goal: semi-supervised, auto >= max(XGBoost, IForest) - 0.01; unsupervised,
 * auto >= IForest - 0.01. Compared unrounded.
 */
export function experimentGoal(g: GoalInput): GoalResult {
  const missing: string[] = [];
  if (g.auto === undefined) missing.push('auto');
  if (g.semiSupervised && g.xgboost === undefined) missing.push('XGBoost');
  if (g.iforest === undefined) missing.push('IForest');
  const refs = g.semiSupervised ? `max(XGBoost, IForest) - ${GOAL_TOLERANCE}` : `IForest - ${GOAL_TOLERANCE}`;
  if (missing.length > 0 || g.auto === undefined || g.iforest === undefined)
    return { pass: undefined, bar: undefined, text: `auto >= ${refs}: not checked (no ${missing.join(', ')})` };
  const reference = g.semiSupervised ? Math.max(g.xgboost ?? -Infinity, g.iforest) : g.iforest;
  const bar = reference - GOAL_TOLERANCE;
  const pass = g.auto >= bar;
  const members = g.semiSupervised
    ? `max(XGBoost ${f3(g.xgboost ?? NaN)}, IForest ${f3(g.iforest)})`
    : `IForest ${f3(g.iforest)}`;
  return {
    pass,
    bar,
    text: `auto ${f3(g.auto)} ${pass ? '>=' : '<'} ${members} - ${GOAL_TOLERANCE} = ${f3(bar)}: ${pass ? 'PASS' : 'FAIL'}`,
  };
}

/**
 * The goal on the mean over a group's experiments: auto's mean strictly above each reference's mean
 * (XGBoost and IForest semi-supervised; IForest unsupervised). `means` are over the same experiments.
 */
export function meanGoal(
  means: { auto?: number; xgboost?: number; iforest?: number },
  semiSupervised: boolean,
): GoalResult {
  const refs: Array<[string, number | undefined]> = semiSupervised
    ? [
        ['XGBoost', means.xgboost],
        ['IForest', means.iforest],
      ]
    : [['IForest', means.iforest]];
  const missing = [
    ...(means.auto === undefined ? ['auto'] : []),
    ...refs.filter(([, v]) => v === undefined).map(([n]) => n),
  ];
  const names = refs.map(([n]) => n).join(' and ');
  if (missing.length > 0 || means.auto === undefined)
    return {
      pass: undefined,
      bar: undefined,
      text: `mean auto > mean ${names}: not checked (no ${missing.join(', ')})`,
    };
  const auto = means.auto;
  const bar = Math.max(...refs.map(([, v]) => v as number));
  const pass = refs.every(([, v]) => auto > (v as number));
  const parts = refs.map(([n, v]) => `${n} ${f3(v as number)}`).join(', ');
  return { pass, bar, text: `mean auto ${f3(auto)} ${pass ? '>' : 'not >'} ${parts}: ${pass ? 'PASS' : 'FAIL'}` };
}

/** A markdown table: `align` per column, 'l' or 'r'. */
export function markdownTable(
  header: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>,
  align: ReadonlyArray<'l' | 'r'>,
): string {
  const line = (cells: ReadonlyArray<string>): string => `| ${cells.join(' | ')} |`;
  return [line(header), `|${align.map((a) => (a === 'r' ? '---:' : '---')).join('|')}|`, ...rows.map(line)].join('\n');
}

/** The values an option takes, read from its check ('one of a, b'); `fallback` filtered by the check otherwise. */
export function optionValues(spec: OptionSpec, fallback: ReadonlyArray<string>): string[] {
  const problem = spec.check('\u0000');
  const listed = problem === undefined ? undefined : /^one of (.+)$/.exec(problem)?.[1].split(', ');
  return (listed ?? fallback).filter((v) => spec.check(v) === undefined);
}
