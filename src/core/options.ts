/**
 * Detector options with the paper's defaults (README.md: the paper's detector and "Reproducing the paper"),
 * validated once at the edge. One bag holds the options of every registered method (the command line,
 * notebook settings and saved models all use it): the options every method uses are here, each method
 * declares its own in its file (its class's `options`: default, check, command-line flag) and merges their
 * types into DetectorOptions (`declare module '../options'`).
 */
import { SynthadInputError } from './errors';
import { methodClass, methodClasses, methodNames } from './detectors/method';

/**
 * The registered methods' names, each with its options' type: each method's file adds its own (declaration
 * merging), so `DetectorMethod` names exactly the methods compiled in.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by the methods' files
export interface DetectorMethods {}
export type DetectorMethod = keyof DetectorMethods & string;

/**
 * Every option of every method: those every method uses here, each method's own merged in by its file
 * (classifier.ts: the network, its training and where it computes; forest.ts: the trees).
 */
export interface DetectorOptions {
  /** 'vcsa': classifier with synthetic anomalies (the method); 'vc': without them; 'iforest': Isolation Forest. */
  readonly method: DetectorMethod;
  /**
   * Anomaly types used in training. 'all' (default): every anomaly type in the training data;
   * [] : none (unsupervised). Rows of other anomaly types are kept out of training.
   */
  readonly known: 'all' | ReadonlyArray<string>;
  /** Threshold for predictions: this false-positive rate on normal rows the model did not train on (validation) or did (iforest). */
  readonly targetFpr: number;
  readonly seed: number;
  /**
   * Expected fraction of anomalies, in (0, 0.5]. When set, the threshold is the (1 - contamination)
   * quantile of the training rows' scores instead of the score at `targetFpr` on validation normals.
   */
  readonly contamination?: number;
}

/** How the command line reads a flag's text: a number, an integer, the text as it is, or a parser (undefined = not valid). */
export type FlagValue =
  | 'integer'
  | 'number'
  | 'text'
  | {
      readonly parse: (text: string) => unknown;
      /** What valid text is, for the message. */ readonly expected: string;
    };

/** One detector option: its default, its check and its command-line flag. */
export interface OptionSpec {
  /** The value when none is given; undefined: unset unless given. */
  readonly default: unknown;
  /** undefined when `value` is allowed, else what it must be ('an integer from 1 to 10000'). */
  check(value: unknown): string | undefined;
  /** `synthad train --flag` (also detect and evaluate): the flag and how its text is read. */
  readonly cli?: { readonly flag: string; readonly value: FlagValue };
}

export type Check = (v: unknown) => string | undefined;

export const intIn =
  (lo: number, hi: number): Check =>
  (v) =>
    Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi ? undefined : `an integer from ${lo} to ${hi}`;
export const positiveUpTo =
  (hi: number): Check =>
  (v) =>
    typeof v === 'number' && v > 0 && v <= hi ? undefined : `a number > 0 and at most ${hi}`;
export const nonNegativeUpTo =
  (hi: number): Check =>
  (v) =>
    typeof v === 'number' && v >= 0 && v <= hi ? undefined : `a number from 0 to ${hi}`;
export const fraction: Check = (v) => (typeof v === 'number' && v >= 0 && v < 1 ? undefined : 'a number in [0, 1)');
export const oneOf =
  (values: ReadonlyArray<string>): Check =>
  (v) =>
    typeof v === 'string' && values.includes(v) ? undefined : `one of ${values.join(', ')}`;

/** The options every method uses: which rows to train on, the threshold, the seed. */
export const SHARED_OPTION_NAMES = ['method', 'known', 'targetFpr', 'seed', 'contamination'] as const;
export type SharedOptionName = (typeof SHARED_OPTION_NAMES)[number];

/** The specs of the shared options; a method may list `targetFpr` and `seed` among its own to place them in the bag. */
export const SHARED_OPTIONS: Readonly<Record<SharedOptionName, OptionSpec>> = {
  method: { default: 'auto', check: (v) => oneOf(methodNames())(v), cli: { flag: 'detector', value: 'text' } },
  known: {
    default: 'all',
    check: (v) =>
      v === 'all' || (Array.isArray(v) && v.every((k) => typeof k === 'string' || typeof k === 'number'))
        ? undefined
        : "'all' or a list of anomaly type names",
  },
  targetFpr: { default: 0.05, check: fraction, cli: { flag: 'fpr', value: 'number' } },
  seed: { default: 0, check: intIn(0, 2 ** 32 - 1), cli: { flag: 'seed', value: 'integer' } },
  contamination: {
    default: undefined,
    check: (v) =>
      v === undefined || (typeof v === 'number' && v > 0 && v <= 0.5) ? undefined : 'a number in (0, 0.5]',
    cli: { flag: 'contamination', value: 'number' },
  },
};

/**
 * Every option in the bag's order (of saved manifests, of checks, of the option list in messages): `method`
 * and `known`, then each registered method's options in the order of registration (a shared option a method
 * lists is placed there), then the other shared options.
 */
export function optionSpecs(): ReadonlyMap<string, OptionSpec> {
  const specs = new Map<string, OptionSpec>([
    ['method', SHARED_OPTIONS.method],
    ['known', SHARED_OPTIONS.known],
  ]);
  for (const cls of methodClasses()) {
    for (const [key, spec] of Object.entries(cls.options)) {
      const shared = (SHARED_OPTIONS as Readonly<Record<string, OptionSpec>>)[key];
      if (shared !== undefined && spec !== shared)
        throw new Error(`internal: method ${cls.methods.join('/')} redefines the shared option '${key}'`);
      if (!specs.has(key)) specs.set(key, spec);
    }
  }
  for (const [key, spec] of Object.entries(SHARED_OPTIONS)) if (!specs.has(key)) specs.set(key, spec);
  return specs;
}

/**
 * The options `method` uses: the shared ones and its own. The others are accepted (one bag serves every
 * method: saved models, the command line, notebook settings), checked against their bounds, and not used.
 */
export function optionNamesOf(method: DetectorMethod): ReadonlyArray<string> {
  const shared: ReadonlyArray<string> = SHARED_OPTION_NAMES;
  return [...SHARED_OPTION_NAMES, ...Object.keys(methodClass(method).options).filter((k) => !shared.includes(k))];
}

/** The options with a command-line flag, in the bag's order. */
export function commandLineOptions(): Array<{
  readonly key: string;
  readonly flag: string;
  readonly value: FlagValue;
}> {
  return [...optionSpecs()].flatMap(([key, spec]) => (spec.cli ? [{ key, ...spec.cli }] : []));
}

/** Every option at its default. */
export function defaultOptions(): DetectorOptions {
  return resolveOptions();
}

/** How an option is named in messages: `detector option 'batchSize'` in code, `--batch-size` on the command line. */
export type OptionNamer = (key: string) => string;
const codeName: OptionNamer = (key) => `detector option '${key}'`;

/**
 * A bad detector option: a user mistake, reported in one line naming the option as the user wrote it.
 * `option` is its key in code and `problem` what is wrong with it (`must be …, got …`, `is not a detector
 * option (…)`), so callers can name it their way (a saved model's manifest: `field 'options.seed' must be …`).
 */
export class OptionError extends SynthadInputError {
  constructor(
    message: string,
    readonly option: string,
    readonly problem: string = message,
  ) {
    super(message);
    this.name = 'OptionError';
  }
}

/** Defaults merged with the given options; an unknown or bad option throws naming it and its value. */
export function resolveOptions(given: Partial<DetectorOptions> = {}, nameOf: OptionNamer = codeName): DetectorOptions {
  const specs = optionSpecs();
  for (const key of Object.keys(given)) {
    if (!specs.has(key)) {
      const known = `(options: ${[...specs.keys()].join(', ')})`;
      throw new OptionError(`unknown detector option '${key}' ${known}`, key, `is not a detector option ${known}`);
    }
  }
  const values = given as Readonly<Record<string, unknown>>;
  const merged: Record<string, unknown> = {};
  for (const [key, spec] of specs) {
    const v = values[key] !== undefined ? values[key] : spec.default;
    if (v !== undefined) merged[key] = v;
  }
  for (const [key, spec] of specs) {
    const problem = spec.check(merged[key]);
    if (problem !== undefined) {
      const what = `must be ${problem}, got ${JSON.stringify(merged[key])}`;
      throw new OptionError(`${nameOf(key)} ${what}`, key, what);
    }
  }
  const known = merged.known === 'all' ? 'all' : (merged.known as ReadonlyArray<unknown>).map(String);
  return { ...merged, known } as unknown as DetectorOptions;
}
