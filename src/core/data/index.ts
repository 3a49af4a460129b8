/** Datasets: loading files and records into typed tables, labels, DataFrames and summaries. */
export type {
  CategoricalColumn,
  Column,
  ColumnKind,
  Dataset,
  LabelInfo,
  LoadOptions,
  NumericColumn,
  SampledClass,
  SampleInfo,
  Table,
} from './types';
export { describeSample } from './sample';
export { loadTable, loadDataset, datasetFromTable, tableFromRecords, formatOf } from './load';
export { countValues as countLabels } from '../text';
export type { DataFormat } from './load';
export { sniffDelimiter } from './csv';
export { toDataFrame, fromDataFrame } from './danfo';
export { describeDataset } from './summary';
export type { ClassCount, ColumnRole, ColumnSummary, DatasetSummary, LabelSummary } from './summary';
