/**
 * Command-line parsing for `synthad`: positional arguments, `--flag value`, boolean flags, and list
 * flags that take every following value up to the next `--flag` (`--known dos probe`).
 */
export interface ParsedArgs {
  readonly positional: string[];
  readonly values: Map<string, string>;
  readonly lists: Map<string, string[]>;
  readonly flags: Set<string>;
}

export interface ArgSpec {
  readonly values: ReadonlyArray<string>;
  readonly lists: ReadonlyArray<string>;
  readonly flags: ReadonlyArray<string>;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parseArgs(argv: ReadonlyArray<string>, spec: ArgSpec): ParsedArgs {
  const positional: string[] = [];
  const values = new Map<string, string>();
  const lists = new Map<string, string[]>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (!token.startsWith('--') || token === '--') {
      positional.push(token);
      continue;
    }
    const eq = token.indexOf('=');
    const name = token.slice(2, eq < 0 ? undefined : eq);
    const inline = eq < 0 ? undefined : token.slice(eq + 1);
    if (spec.flags.includes(name)) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      flags.add(name);
    } else if (spec.values.includes(name)) {
      const v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && v.startsWith('--')))
        throw new UsageError(`--${name} needs a value`);
      values.set(name, v);
    } else if (spec.lists.includes(name)) {
      const items = lists.get(name) ?? [];
      if (inline !== undefined) items.push(inline);
      while (i + 1 < argv.length && !argv[i + 1].startsWith('--')) items.push(argv[++i]);
      if (items.length === 0) throw new UsageError(`--${name} needs at least one value`);
      lists.set(name, items);
    } else {
      const known = [...spec.values, ...spec.lists, ...spec.flags].map((f) => `--${f}`).join(' ');
      throw new UsageError(`unknown option --${name} (options here: ${known})`);
    }
  }
  return { positional, values, lists, flags };
}

export function numberArg(args: ParsedArgs, name: string, integer = false): number | undefined {
  const raw = args.values.get(name);
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'}, got '${raw}'`);
  }
  return v;
}
