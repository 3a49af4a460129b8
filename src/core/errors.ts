/**
 * An error about the user's input: names where (file, row, column) and what was expected.
 * `message` is one line, ready to print as it is.
 */
export interface InputErrorWhere {
  readonly file?: string;
  /** 1-based line number in the file as a text editor shows it (header = line 1). */
  readonly line?: number;
  readonly column?: string;
}

export class SynthadInputError extends Error {
  readonly where: InputErrorWhere;
  constructor(message: string, where: InputErrorWhere = {}) {
    super(formatWhere(where) + message);
    this.name = 'SynthadInputError';
    this.where = where;
  }
}

function formatWhere(where: InputErrorWhere): string {
  const parts: string[] = [];
  if (where.file !== undefined) parts.push(where.file);
  if (where.line !== undefined) parts.push(`line ${where.line}`);
  if (where.column !== undefined) parts.push(`column '${where.column}'`);
  return parts.length > 0 ? parts.join(', ') + ': ' : '';
}
