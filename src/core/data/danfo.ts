/**
 * Conversion to and from danfojs-node DataFrames. danfojs-node takes most of a second to load,
 * so it is required inside the functions, only when a conversion is asked for.
 */
import type { DataFrame } from 'danfojs-node';
import { SynthadInputError } from '../errors';
import { builderFor, checkOptionColumns, checkUniqueNames, ColumnBuilder, finishTable, missingTexts } from './infer';
import { datasetFromTable } from './load';
import type { Dataset, LoadOptions, Table } from './types';

type Danfo = typeof import('danfojs-node');

function danfo(): Danfo {
  return require('danfojs-node') as Danfo;
}

/** A DataFrame with every column of the table, in order: numbers (NaN = missing) or strings (null = missing). */
export function toDataFrame(table: Table | Dataset): DataFrame {
  const data: Record<string, Array<number | string | null>> = {};
  for (const column of table.columns) {
    data[column.name] = column.kind === 'categorical' ? [...column.values] : Array.from(column.values);
  }
  return new (danfo().DataFrame)(data, { columns: table.columns.map((c) => c.name) });
}

/**
 * A DataFrame into a Dataset, typed like a loaded file: string columns are categorical,
 * numeric and boolean columns numeric or binary; null, undefined and NaN are missing.
 * Errors name `options.source` (default 'DataFrame') and the 1-based row as "record N".
 */
export function fromDataFrame(df: DataFrame, options: LoadOptions & { readonly source?: string } = {}): Dataset {
  const source = options.source ?? 'DataFrame';
  const names = df.columns;
  const dtypes = df.dtypes;
  checkUniqueNames(source, names);
  checkOptionColumns(source, names, options);
  const missing = missingTexts(options.missing);
  const builders: ColumnBuilder[] = names.map((name, i) => {
    const builder = dtypes[i] === 'string' ? new ColumnBuilder(name, 'text', missing) : builderFor(name, options, missing);
    for (const value of df.column(name).values as ReadonlyArray<unknown>) builder.pushValue(value);
    return builder;
  });
  if (builders.length === 0 || builders[0].rowCount === 0) {
    throw new SynthadInputError('no data rows (the DataFrame is empty)', { file: source });
  }
  return datasetFromTable(finishTable(source, builders), options);
}
