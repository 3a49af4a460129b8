/**
 * What a value in a cell is, told by its shape: the plot functions' argument checks and the variables the
 * commands offer (datasets, reports). Not how values are shown: that is the display protocol (display.ts).
 */
import type { Table } from '../core/data/types';
import type { EvaluationReport } from '../core/report';

export function isTable(v: unknown): v is Table {
  const t = v as Partial<Table>;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof t.source === 'string' &&
    typeof t.rowCount === 'number' &&
    Array.isArray(t.columns)
  );
}

export function isReport(v: unknown): v is EvaluationReport {
  const r = v as Partial<EvaluationReport>;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof r.auroc === 'number' &&
    Array.isArray(r.perType) &&
    r.scores instanceof Float64Array
  );
}
