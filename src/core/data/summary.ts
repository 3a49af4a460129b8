/**
 * A dataset at a glance, for previews: per-column kind, missing cells, range or distinct count,
 * and the label's class counts (normal against each anomaly type).
 */
import { countValues } from '../text';
import type { Column, ColumnKind, Dataset, Table } from './types';

/** feature: used for training; label: the label column; other: dropped. */
export type ColumnRole = 'feature' | 'label' | 'other';

export interface ColumnSummary {
  readonly name: string;
  readonly kind: ColumnKind;
  readonly role: ColumnRole;
  readonly missing: number;
  /** Numeric and binary columns; null when every cell is missing. */
  readonly min?: number | null;
  readonly max?: number | null;
  readonly mean?: number | null;
  /** Categorical columns: how many different values. */
  readonly distinct?: number;
}

export interface ClassCount {
  readonly value: string;
  readonly count: number;
  readonly normal: boolean;
}

export interface LabelSummary {
  readonly column: string;
  readonly normal: number;
  readonly anomalies: number;
  /** Rows with an empty (unknown) label in a partly labelled column; absent when every row is labelled. */
  readonly unknown?: number;
  /** Normal values first, then anomaly types, each most frequent first. */
  readonly classes: ReadonlyArray<ClassCount>;
}

export interface DatasetSummary {
  readonly source: string;
  readonly rows: number;
  readonly columns: ReadonlyArray<ColumnSummary>;
  readonly label?: LabelSummary;
}

export function describeDataset(data: Dataset | Table): DatasetSummary {
  const dataset = data as Partial<Dataset>;
  const features = new Set(dataset.features ?? data.columns);
  const columns = data.columns.map((column): ColumnSummary => {
    const role: ColumnRole = column.name === dataset.label?.column ? 'label' : features.has(column) ? 'feature' : 'other';
    return { name: column.name, kind: column.kind, role, ...describeColumn(column) };
  });
  const summary: DatasetSummary = { source: data.source, rows: data.rowCount, columns };
  return dataset.label === undefined ? summary : { ...summary, label: describeLabel(dataset as Dataset) };
}

type ColumnStats = Omit<ColumnSummary, 'name' | 'kind' | 'role'>;

function describeColumn(column: Column): ColumnStats {
  if (column.kind === 'categorical') {
    const distinct = new Set<string>();
    let missing = 0;
    for (const value of column.values) {
      if (value === null) missing++;
      else distinct.add(value);
    }
    return { missing, distinct: distinct.size };
  }
  let [missing, sum, min, max] = [0, 0, Infinity, -Infinity];
  for (const value of column.values) {
    if (Number.isNaN(value)) {
      missing++;
      continue;
    }
    sum += value;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  const present = column.values.length - missing;
  if (present === 0) return { missing, min: null, max: null, mean: null };
  return { missing, min, max, mean: sum / present };
}

function describeLabel(dataset: Dataset): LabelSummary {
  const label = dataset.label!;
  const normalValues = new Set(label.normalValues);
  const unknown = label.unknown;
  const marked = unknown === undefined ? label.values : label.values.filter((_, i) => unknown[i] === 0);
  const counts = countValues(marked).map(([value, count]) => ({ value, count, normal: normalValues.has(value) }));
  const classes = [...counts.filter((c) => c.normal), ...counts.filter((c) => !c.normal)];
  const normal = classes.filter((c) => c.normal).reduce((total, c) => total + c.count, 0);
  const summary: LabelSummary = { column: label.column, normal, anomalies: marked.length - normal, classes };
  return unknown === undefined ? summary : { ...summary, unknown: label.values.length - marked.length };
}
